//! The service keys read by code of their own that are neither mounts,
//! ports nor networks: `depends_on` (short and long form), `healthcheck`,
//! `deploy` (replicas, resources, restart policy), `logging`, `ulimits`.

use super::reader::{Cx, key_pos, map_value, pos_of, strings_value, text};
use super::service::{Condition, Dep, Service};
use super::table;
use crate::value::{Map, Value};
use crate::yaml::{Node, NodeData};

impl Cx<'_> {
    pub(super) fn depends_on(&mut self, path: &str, n: &Node) -> Vec<Dep> {
        let mut out = Vec::new();
        match &n.data {
            NodeData::Map(entries) => {
                for e in entries {
                    let p = format!("{path}.{}", e.key_text);
                    let mut dep = Dep {
                        on: e.key_text.clone(),
                        condition: Condition::Started,
                        required: true,
                        at: key_pos(e),
                    };
                    for (k, v) in
                        self.plain_keys(&p, &e.value, &["condition", "required", "restart"])
                    {
                        match k.as_str() {
                            "condition" => match text(v).as_deref() {
                                Some("service_started") => dep.condition = Condition::Started,
                                Some("service_healthy") => dep.condition = Condition::Healthy,
                                Some("service_completed_successfully") => dep.condition = Condition::Completed,
                                _ => self.error(
                                    pos_of(v),
                                    format!("{p}.condition: unknown condition"),
                                    Some("give service_started, service_healthy or service_completed_successfully".into()),
                                ),
                            },
                            "required" => dep.required = self.flag(&p, v).unwrap_or(true),
                            // A dependant is replaced whenever it differs,
                            // and only then: nothing to restart.
                            _ => {
                                self.flag(&p, v);
                            }
                        }
                    }
                    out.push(dep);
                }
            }
            _ => {
                for i in self.list(path, n) {
                    if let Some(on) = self.string(path, i) {
                        out.push(Dep {
                            on,
                            condition: Condition::Started,
                            required: true,
                            at: pos_of(i),
                        });
                    }
                }
            }
        }
        out
    }

    /// The healthcheck as paunch's key reads it, and whether it checks
    /// anything (not disabled, with a test).
    pub(super) fn healthcheck(&mut self, path: &str, n: &Node) -> Option<(Value, bool)> {
        let known = [
            "test",
            "interval",
            "timeout",
            "start_period",
            "start_interval",
            "retries",
            "disable",
        ];
        let mut h = Map::new();
        let mut disabled = false;
        let mut test = false;
        for (k, v) in self.plain_keys(path, n, &known) {
            let p = format!("{path}.{k}");
            match k.as_str() {
                "test" => {
                    let words = match &v.data {
                        NodeData::Seq(_) => self.strings(&p, v),
                        _ => self
                            .string(&p, v)
                            .map(|t| vec!["CMD-SHELL".to_string(), t])
                            .unwrap_or_default(),
                    };
                    disabled |= words.first().is_some_and(|w| w == "NONE");
                    test = !words.is_empty();
                    h.insert(k, strings_value(&words));
                }
                "interval" | "timeout" | "start_period" => {
                    if let Some(t) = self.string(&p, v) {
                        h.insert(k, Value::String(t));
                    }
                }
                "start_interval" => self.warn(
                    pos_of(v),
                    format!("{p} is ignored: docker 20.10 and podman 4.3 have no flag for it"),
                ),
                "retries" => {
                    if let Some(r) = self.integer(&p, v) {
                        h.insert(k, Value::Int(i128::from(r)));
                    }
                }
                _ => {
                    if let Some(d) = self.flag(&p, v) {
                        disabled |= d;
                        h.insert(k, Value::Bool(d));
                    }
                }
            }
        }
        Some((Value::Map(h), test && !disabled))
    }

    pub(super) fn deploy(&mut self, path: &str, n: &Node, s: &mut Service) {
        for (row, e) in self.keys(table::DEPLOY, path, n) {
            let p = format!("{path}.{}", row.name);
            match row.name {
                "replicas" => {
                    if let Some(r) = self.replicas(&p, &e.value) {
                        s.replicas = r;
                    }
                }
                "resources" => self.resources(&p, &e.value, s),
                _ => self.restart_policy(&p, &e.value, s),
            }
        }
    }

    /// `deploy.resources`: the limits a container has, under the service
    /// keys of the same meaning (`cpus`, `mem_limit`, ...).
    fn resources(&mut self, path: &str, n: &Node, s: &mut Service) {
        for (k, v) in self.plain_keys(path, n, &["limits", "reservations"]) {
            let p = format!("{path}.{k}");
            let known: &[&str] = if k == "limits" {
                &["cpus", "memory", "pids"]
            } else {
                &["cpus", "memory", "devices", "generic_resources"]
            };
            for (rk, rv) in self.plain_keys(&p, v, known) {
                let rp = format!("{p}.{rk}");
                let key = match (k.as_str(), rk.as_str()) {
                    ("limits", "cpus") => "cpus",
                    ("limits", "memory") => "mem_limit",
                    ("limits", "pids") => "pids_limit",
                    ("reservations", "memory") => "mem_reservation",
                    _ => {
                        self.warn(
                            pos_of(rv),
                            format!("{rp} is ignored: the engine reserves no CPUs or devices"),
                        );
                        continue;
                    }
                };
                let value = if key == "pids_limit" {
                    self.integer(&rp, rv).map(|i| Value::Int(i128::from(i)))
                } else {
                    self.string(&rp, rv).map(Value::String)
                };
                let Some(value) = value else { continue };
                match s.data.get(key) {
                    Some(set) if !set.same_as(&value) => self.error(
                        pos_of(rv),
                        format!("{rp} differs from the service's {key}"),
                        Some(format!("set it once, in {rp} or in {key}")),
                    ),
                    _ => s.data.insert(key.to_string(), value),
                }
            }
        }
    }

    /// `deploy.restart_policy`, as the restart policy docker-compose 1.29
    /// gives a container.
    fn restart_policy(&mut self, path: &str, n: &Node, s: &mut Service) {
        let mut condition = None;
        let mut attempts = None;
        for (k, v) in self.plain_keys(path, n, &["condition", "max_attempts", "delay", "window"]) {
            match k.as_str() {
                "condition" => condition = text(v),
                "max_attempts" => attempts = self.integer(&format!("{path}.{k}"), v),
                _ => self.warn(
                    pos_of(v),
                    format!("{path}.{k} is ignored: the engine's restart policy has no {k}"),
                ),
            }
        }
        let policy = match (condition.as_deref(), attempts) {
            (Some("none"), _) => "no".to_string(),
            (Some("on-failure"), Some(n)) => format!("on-failure:{n}"),
            (Some("on-failure"), None) => "on-failure".into(),
            (Some("any") | None, _) => "always".into(),
            (Some(other), _) => {
                self.error(
                    pos_of(n),
                    format!("{path}.condition: unknown condition \"{other}\""),
                    Some("give none, on-failure or any".into()),
                );
                return;
            }
        };
        if s.data.get("restart").is_none() {
            s.data.insert("restart".into(), Value::String(policy));
        }
    }

    pub(super) fn logging(&mut self, path: &str, n: &Node) -> Option<Value> {
        let mut out = Map::new();
        for (k, v) in self.plain_keys(path, n, &["driver", "options"]) {
            let p = format!("{path}.{k}");
            if k == "driver" {
                out.insert(k, Value::String(self.string(&p, v)?));
            } else {
                let pairs = self.pairs(&p, v, &['=']);
                out.insert(
                    k,
                    map_value(
                        pairs
                            .into_iter()
                            .map(|(k, v, _)| (k, Value::String(v.unwrap_or_default()))),
                    ),
                );
            }
        }
        Some(Value::Map(out))
    }

    /// `ulimits` as `--ulimit` strings: `NAME=SOFT:HARD`, or `NAME=N`.
    pub(super) fn ulimits(&mut self, path: &str, n: &Node) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.map(path, n).unwrap_or_default() {
            let p = format!("{path}.{}", e.key_text);
            match &e.value.data {
                NodeData::Map(_) => {
                    let (mut soft, mut hard) = (None, None);
                    for (k, v) in self.plain_keys(&p, &e.value, &["soft", "hard"]) {
                        let i = self.integer(&format!("{p}.{k}"), v);
                        if k == "soft" { soft = i } else { hard = i }
                    }
                    match (soft, hard) {
                        (Some(s), Some(h)) => out.push(format!("{}={s}:{h}", e.key_text)),
                        _ => self.error(pos_of(&e.value), format!("{p}: give soft and hard"), None),
                    }
                }
                _ => {
                    if let Some(i) = self.integer(&p, &e.value) {
                        out.push(format!("{}={i}", e.key_text));
                    }
                }
            }
        }
        out
    }
}
