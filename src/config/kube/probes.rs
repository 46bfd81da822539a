//! `livenessProbe`, `readinessProbe` and `startupProbe` → the container's
//! one `healthcheck`: the liveness probe, else the readiness probe (the
//! others are read and noted as not run); an `exec` probe's command
//! becomes `test`, its periods `interval`, `timeout`, `start_period` and
//! `retries` (with Kubernetes' defaults, `periodSeconds` 10 and
//! `timeoutSeconds` 1, not the engine's 30s).

use super::container::Container;
use super::node::{int, map, pos_of, s, seq};
use super::reader::Cx;
use crate::yaml::Node;

impl Cx<'_> {
    /// The healthcheck of a container from its probes (field name, node).
    pub(super) fn health(&mut self, mut probes: Vec<(&str, &Node)>, path: &str, c: &mut Container) {
        // Liveness first; a readiness probe when there is none.
        probes.sort_by_key(|(k, _)| match *k {
            "livenessProbe" => 0,
            "readinessProbe" => 1,
            _ => 2,
        });
        for (i, (kind, v)) in probes.into_iter().enumerate() {
            let p = format!("{path}.{kind}");
            let h = self.probe(v, &p);
            if i == 0 && kind != "startupProbe" {
                c.health = h.map(|h| (h, kind == "livenessProbe"));
            } else {
                self.note(
                    pos_of(v),
                    format!(
                        "{p} is read but not run: a container has one healthcheck, its {}",
                        if i == 0 {
                            "livenessProbe or readinessProbe"
                        } else {
                            "first probe"
                        }
                    ),
                );
            }
        }
    }

    fn probe(&mut self, node: &Node, path: &str) -> Option<Node> {
        let mut test = None;
        let mut pairs: Vec<(String, Node)> = Vec::new();
        for (f, e) in self.fields("Probe", path, node) {
            let v = &e.value;
            let p = format!("{path}.{}", f.name);
            let secs = |cx: &mut Cx, key: &str| {
                cx.integer(&p, v)
                    .map(|i| (key.to_string(), s(&format!("{}s", i.max(1)), pos_of(v))))
            };
            match f.name {
                "exec" => {
                    for (_, e) in self.fields("ExecAction", &p, v) {
                        let words = self.strings(&format!("{p}.command"), &e.value);
                        if words.is_empty() {
                            self.error(pos_of(&e.value), format!("{p}.command is empty"), None);
                        } else {
                            let mut all = vec![s("CMD", pos_of(&e.value))];
                            all.extend(words);
                            test = Some(seq(all, pos_of(&e.value)));
                        }
                    }
                }
                "periodSeconds" => pairs.extend(secs(self, "interval")),
                "timeoutSeconds" => pairs.extend(secs(self, "timeout")),
                "initialDelaySeconds" => pairs.extend(secs(self, "start_period")),
                _ => {
                    if let Some(i) = self.integer(&p, v) {
                        pairs.push(("retries".into(), int(i.max(1), pos_of(v))));
                    }
                }
            }
        }
        let other_kind = node.as_map().is_some_and(|m| {
            m.iter()
                .any(|e| matches!(e.key.as_str(), "httpGet" | "tcpSocket" | "grpc"))
        });
        let Some(test) = test else {
            if other_kind {
                return None;
            }
            self.error(
                pos_of(node),
                format!("{path} has no exec command"),
                Some("only exec probes become a healthcheck".into()),
            );
            return None;
        };
        // Kubernetes' defaults, not the engine's (30s and 30s).
        for (key, default) in [("interval", "10s"), ("timeout", "1s")] {
            if !pairs.iter().any(|(k, _)| k == key) {
                pairs.push((key.into(), s(default, pos_of(node))));
            }
        }
        // One order whatever the probe's, so that config_data does not
        // change with it.
        let rank = ["interval", "timeout", "start_period", "retries"];
        pairs.sort_by_key(|(k, _)| rank.iter().position(|r| r == k));
        let mut all = vec![("test".to_string(), test)];
        all.extend(pairs);
        Some(map(all, pos_of(node)))
    }
}
