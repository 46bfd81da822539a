//! A normalised service (its `config_data`) → the paunch entry its
//! containers are created from. A function of the service alone, so that
//! a container can be recreated from its label (rollback) as it was made.
//! Keys read by a paunch key keep their value under that key; the others
//! are written here.

use super::table::{self, Treat};
use crate::value::{Map, Value};

/// The label on every container of a compose service: the service name
/// (compose projects are config IDs).
pub const SERVICE_LABEL: &str = "paunch.compose.service";

/// The paunch entry of a container of service `service`, from its
/// normalised service.
pub fn entry_of(service: &str, data: &Map) -> Map {
    let mut out = Map::new();
    for (k, v) in data.iter() {
        let Some(row) = table::row(table::SERVICE, k) else {
            continue;
        };
        match row.treat {
            Treat::Key(paunch) => out.insert(paunch.to_string(), v.clone()),
            _ => custom(k, v, &mut out),
        }
    }
    let mut labels = match out.remove("labels") {
        Some(Value::Map(m)) => m,
        _ => Map::new(),
    };
    labels.insert(SERVICE_LABEL.into(), Value::String(service.to_string()));
    out.insert("labels".into(), Value::Map(labels));
    out
}

fn custom(key: &str, v: &Value, out: &mut Map) {
    match key {
        "command" | "entrypoint" | "environment" | "ports" | "volumes_from" | "extra_hosts"
        | "healthcheck" => out.insert(key.to_string(), v.clone()),
        // Secrets and configs are bind mounts, after the volumes.
        "volumes" | "secrets" | "configs" => {
            let mut all = match out.remove("volumes") {
                Some(Value::List(l)) => l,
                _ => Vec::new(),
            };
            if let Value::List(more) = v {
                all.extend(more.iter().cloned());
            }
            out.insert("volumes".into(), Value::List(all));
        }
        "ulimits" => out.insert("ulimit".into(), v.clone()),
        "network_mode" => out.insert("net".into(), v.clone()),
        "networks" => {
            // The first at creation, the others connected before start.
            let mut nets = v.as_map().into_iter().flat_map(|m| m.iter());
            if let Some((name, opts)) = nets.next() {
                out.insert("net".into(), Value::String(name.clone()));
                if let Some(opts) = opts.as_map() {
                    for (from, to) in [
                        ("aliases", "network_aliases"),
                        ("ipv4_address", "ip"),
                        ("ipv6_address", "ip6"),
                        ("mac_address", "mac_address"),
                    ] {
                        if let Some(x) = opts.get(from) {
                            out.insert(to.into(), x.clone());
                        }
                    }
                }
            }
            let connect: Vec<Value> = nets
                .map(|(name, opts)| {
                    let aliases: Vec<&str> = opts
                        .as_map()
                        .and_then(|o| o.get("aliases"))
                        .and_then(|a| match a {
                            Value::List(l) => Some(l.iter().filter_map(Value::as_str).collect()),
                            _ => None,
                        })
                        .unwrap_or_default();
                    Value::String(if aliases.is_empty() {
                        name.clone()
                    } else {
                        format!("{name}={}", aliases.join(","))
                    })
                })
                .collect();
            if !connect.is_empty() {
                out.insert("connect".into(), Value::List(connect));
            }
        }
        "logging" => {
            if let Some(m) = v.as_map() {
                if let Some(d) = m.get("driver") {
                    out.insert("log_driver".into(), d.clone());
                }
                if let Some(o) = m.get("options") {
                    out.insert("log_opt".into(), o.clone());
                }
            }
        }
        _ => {}
    }
}
