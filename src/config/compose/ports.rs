//! A service's `ports`, short syntax (`[IP:][HOST:]CONTAINER[/PROTO]`,
//! ranges, a bare number) or long (`target`, `published`, `host_ip`,
//! `protocol`), normalised to the short strings `--publish` takes.

use super::reader::{Cx, pos_of, text};
use crate::yaml::{Node, NodeData};

impl Cx<'_> {
    pub(super) fn ports(&mut self, path: &str, n: &Node) -> Vec<String> {
        let mut out = Vec::new();
        for item in self.list(path, n) {
            let port = match &item.data {
                NodeData::Map(_) => self.long_port(path, item),
                _ => self.string(path, item),
            };
            let Some(port) = port else { continue };
            if valid(&port) {
                out.push(port);
            } else {
                self.error(
                    pos_of(item),
                    format!("{path}: \"{port}\" is not a port"),
                    Some(
                        "write [IP:][HOST:]CONTAINER[/tcp|udp|sctp], e.g. \"8080:80\" (quoted)"
                            .into(),
                    ),
                );
            }
        }
        out
    }

    fn long_port(&mut self, path: &str, n: &Node) -> Option<String> {
        let known = [
            "target",
            "published",
            "host_ip",
            "protocol",
            "mode",
            "name",
            "app_protocol",
        ];
        let (mut target, mut published, mut ip, mut proto) = (None, None, None, None);
        for (k, v) in self.plain_keys(path, n, &known) {
            match k.as_str() {
                "target" => target = text(v),
                "published" => published = text(v),
                "host_ip" => ip = text(v),
                "protocol" => proto = text(v),
                // `host` publishes on this host; `ingress` (the default)
                // is swarm's routing mesh, which on one host publishes
                // the same way.
                "mode" if matches!(text(v).as_deref(), Some("host" | "ingress")) => {}
                "mode" => self.error(
                    pos_of(v),
                    format!(
                        "{path}.mode: \"{}\" is not a port mode",
                        text(v).unwrap_or_default()
                    ),
                    Some("give host or ingress".into()),
                ),
                _ => {}
            }
        }
        let Some(target) = target else {
            self.error(pos_of(n), format!("{path}: a port needs a target"), None);
            return None;
        };
        let mut s = String::new();
        if let Some(ip) = ip {
            s.push_str(&if ip.contains(':') {
                format!("[{ip}]:")
            } else {
                format!("{ip}:")
            });
        }
        if let Some(p) = published {
            s.push_str(&format!("{p}:"));
        } else if !s.is_empty() {
            s.push(':');
        }
        s.push_str(&target);
        if let Some(p) = proto.filter(|p| p != "tcp") {
            s.push_str(&format!("/{p}"));
        }
        Some(s)
    }
}

/// Whether a short port holds a container port (or range) and a known
/// protocol; the rest is the engine's to check.
fn valid(port: &str) -> bool {
    let (spec, proto) = match port.rsplit_once('/') {
        Some((s, p)) => (s, Some(p)),
        None => (port, None),
    };
    let container = spec.rsplit(':').next().unwrap_or_default();
    let range = |r: &str| {
        let mut parts = r.splitn(2, '-');
        parts.all(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
    };
    range(container) && proto.is_none_or(|p| matches!(p, "tcp" | "udp" | "sctp"))
}

#[cfg(test)]
mod tests {
    use crate::config::LoadOptions;
    use crate::config::compose::{Context, read};

    fn read_text(text: &str) -> crate::config::compose::Read {
        let root = crate::yaml::load(text).unwrap().unwrap();
        let opts = LoadOptions {
            project: Some("p".into()),
            ..LoadOptions::default()
        };
        read(&root, "compose.yaml", &opts, &Context::default())
    }

    /// `mode: host` is what one host does (docker-compose 1.29 and the
    /// spec take it silently); it drew a warning saying the opposite.
    #[test]
    fn host_and_ingress_modes_publish_silently() {
        for mode in ["host", "ingress"] {
            let r = read_text(&format!(
                "services:\n  a:\n    image: i\n    ports: [{{target: 80, published: 8080, mode: {mode}}}]\n"
            ));
            assert!(
                r.errors.is_empty() && r.warnings.is_empty(),
                "{mode}: {r:?}"
            );
            assert_eq!(
                r.entries[0].data.as_map().unwrap().get("ports"),
                Some(&crate::value::Value::List(vec![
                    crate::value::Value::String("8080:80".into())
                ]))
            );
        }
        let r = read_text("services:\n  a:\n    image: i\n    ports: [{target: 80, mode: mesh}]\n");
        assert_eq!(r.errors.len(), 1, "{r:?}");
        assert!(
            r.errors[0].message.contains("\"mesh\" is not a port mode"),
            "{r:?}"
        );
    }
}
