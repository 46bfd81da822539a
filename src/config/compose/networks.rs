//! A service's `networks` and `network_mode`: the networks it joins, by
//! engine name, each with its DNS aliases (the service name first, as
//! compose gives it), or the namespace it shares. The docker paunch is
//! tested on (20.10, API 1.41) attaches one network at creation: the
//! first is given then, the others are connected before the container
//! starts (paunch's `connect`), as docker-compose 1.29 does.

use super::project::Names;
use super::reader::{Cx, map_value, pos_of, strings_value};
use super::service::Service;
use crate::value::{Map, Value};
use crate::yaml::{Node, NodeData};

impl Cx<'_> {
    pub(super) fn networks(&mut self, path: &str, n: &Node, names: &Names, s: &mut Service) {
        let mut joined: Vec<(String, Map, (usize, usize))> = Vec::new();
        match &n.data {
            NodeData::Seq(items) => {
                for i in items {
                    if let Some(k) = self.string(path, i) {
                        joined.push((k, Map::new(), pos_of(i)));
                    }
                }
            }
            NodeData::Map(entries) => {
                for e in entries {
                    let p = format!("{path}.{}", e.key_text);
                    let mut opts = Map::new();
                    let known = [
                        "aliases",
                        "ipv4_address",
                        "ipv6_address",
                        "priority",
                        "gw_priority",
                        "mac_address",
                        "link_local_ips",
                        "driver_opts",
                        "interface_name",
                    ];
                    for (k, v) in self.plain_keys(&p, &e.value, &known) {
                        let kp = format!("{p}.{k}");
                        match k.as_str() {
                            "aliases" => {
                                let a = self.strings(&kp, v);
                                opts.insert(k, strings_value(&a));
                            }
                            "ipv4_address" | "ipv6_address" | "mac_address" => {
                                if let Some(t) = self.string(&kp, v) {
                                    opts.insert(k, Value::String(t));
                                }
                            }
                            // Which network is the default route: with one
                            // network per service, there is no choice.
                            "priority" | "gw_priority" => {}
                            _ => self.error(pos_of(v), format!("{kp} is not passed yet"), None),
                        }
                    }
                    joined.push((e.key_text.clone(), opts, (e.key_line, e.key_column)));
                }
            }
            _ => {
                self.list(path, n);
            }
        }
        for (key, opts, at) in joined.iter().skip(1) {
            for k in ["ipv4_address", "ipv6_address", "mac_address"] {
                if opts.get(k).is_some() {
                    self.error(
                        *at,
                        format!(
                            "{path}.{key}.{k}: only the first network of a service takes an address"
                        ),
                        Some("put this network first, or leave the address to the engine".into()),
                    );
                }
            }
        }
        let mut out = Map::new();
        for (key, mut opts, at) in joined {
            let Some(engine) = names.network(&key) else {
                self.error(
                    at,
                    format!("{path}: network \"{key}\" is not declared"),
                    Some(format!(
                        "declare it under the top-level `networks:` (`networks: {{{key}: {{}}}}`)"
                    )),
                );
                continue;
            };
            let mut aliases = vec![s.name.clone()];
            if let Some(Value::List(given)) = opts.get("aliases") {
                aliases.extend(given.iter().filter_map(|a| a.as_str().map(str::to_string)));
            }
            aliases.dedup();
            opts.insert("aliases".into(), strings_value(&aliases));
            s.networks.push(engine.to_string());
            out.insert(engine.to_string(), Value::Map(opts));
        }
        s.data.insert("networks".into(), Value::Map(out));
    }

    /// `host`, `none`, `bridge`, `service:S` (S's first container) or
    /// `container:NAME`, as the engine's `--net` takes it.
    pub(super) fn network_mode(&mut self, path: &str, n: &Node, names: &Names) -> Option<String> {
        let mode = self.string(path, n)?;
        if let Some(svc) = mode.strip_prefix("service:") {
            return match names.first_container(svc) {
                Some(c) => Some(format!("container:{c}")),
                None => {
                    self.error(pos_of(n), format!("{path}: no service \"{svc}\""), None);
                    None
                }
            };
        }
        Some(mode)
    }

    /// A service with neither `networks` nor `network_mode` joins the
    /// project's `default` network.
    pub(super) fn default_network(&mut self, s: &mut Service, names: &Names) {
        if s.data.get("networks").is_some() || s.data.get("network_mode").is_some() {
            return;
        }
        let Some(engine) = names.network("default") else {
            return;
        };
        s.networks.push(engine.to_string());
        let alias = map_value([(
            "aliases".to_string(),
            strings_value(std::slice::from_ref(&s.name)),
        )]);
        s.data
            .insert("networks".into(), map_value([(engine.to_string(), alias)]));
    }
}
