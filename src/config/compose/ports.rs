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
                "mode" if text(v).as_deref() == Some("ingress") => {}
                "mode" => {
                    self.warn(
                        pos_of(v),
                        format!("{path}.mode: only host mode exists on one host"),
                    );
                }
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
