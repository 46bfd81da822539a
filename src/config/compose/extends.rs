//! `extends`: a service built on another of the same file (`extends:
//! NAME`) or of a file beside it (`extends: {service, file}`), merged as
//! the compose spec's merge rules say: maps key by key (the extending
//! service wins), `command`, `entrypoint` and `healthcheck.test`
//! replaced, `volumes` merged by target and `secrets`/`configs` by
//! source, other lists appended without repeats, `KEY=VALUE` lists
//! (environment, labels, ...) merged as maps. A cycle is an error naming it.

use super::reader::{Cx, key_pos, pos_of, text};
use crate::value::Value;
use crate::yaml::{MapEntry, Node, NodeData, Scalar};

/// Lists that are replaced, not appended.
const REPLACED: &[&str] = &[
    "command",
    "entrypoint",
    "test",
    "dns",
    "dns_search",
    "tmpfs",
];

/// Lists of `KEY=VALUE` that merge as maps.
const PAIRS: &[&str] = &[
    "environment",
    "labels",
    "sysctls",
    "extra_hosts",
    "annotations",
    "args",
    "options",
    "storage_opt",
];

/// Where `extends` may look.
pub(super) struct Bases<'a> {
    /// This file's services.
    pub(super) own: &'a [MapEntry],
    /// A file beside this one: its services, read and interpolated.
    pub(super) other: &'a dyn Fn(&str) -> Result<Vec<MapEntry>, String>,
}

impl Cx<'_> {
    /// The service `name`'s node with what it extends merged in.
    pub(super) fn extended(
        &mut self,
        name: &str,
        node: &Node,
        bases: &Bases,
        stack: &mut Vec<String>,
    ) -> Node {
        let Some(entries) = node.as_map() else {
            return node.clone();
        };
        let Some(ext) = entries.iter().find(|e| e.key == "extends") else {
            return node.clone();
        };
        let path = format!("services.{name}.extends");
        let (service, file) = match &ext.value.data {
            NodeData::Map(_) => {
                let mut service = None;
                let mut file = None;
                for (k, v) in self.plain_keys(&path, &ext.value, &["service", "file"]) {
                    if k == "service" {
                        service = text(v)
                    } else {
                        file = text(v).map(|f| (f, pos_of(v)))
                    }
                }
                (service, file)
            }
            _ => (text(&ext.value), None),
        };
        let Some(service) = service else {
            self.error(
                pos_of(&ext.value),
                format!("{path}: name the service to extend"),
                Some("write `extends: NAME` or `extends: {service: NAME, file: FILE}`".into()),
            );
            return node.clone();
        };
        let key = format!(
            "{}{service}",
            file.as_ref()
                .map_or(String::new(), |(f, _)| format!("{f}:"))
        );
        if stack.contains(&key) {
            self.error(
                key_pos(ext),
                format!(
                    "{path}: extends makes a cycle: {} -> {key}",
                    stack.join(" -> ")
                ),
                Some("remove one of these extends".into()),
            );
            return node.clone();
        }
        let base = match &file {
            None => bases
                .own
                .iter()
                .find(|e| e.key_text == service)
                .map(|e| e.value.clone()),
            Some((f, at)) => match (bases.other)(f) {
                Ok(services) => services
                    .into_iter()
                    .find(|e| e.key_text == service)
                    .map(|e| {
                        // Its own extends stay within its file: not followed.
                        e.value
                    }),
                Err(why) => {
                    self.error(*at, format!("{path}.file: {why}"), None);
                    return node.clone();
                }
            },
        };
        let Some(base) = base else {
            self.error(
                pos_of(&ext.value),
                format!("{path}: no service \"{service}\" to extend"),
                None,
            );
            return node.clone();
        };
        stack.push(key);
        let base = if file.is_none() {
            self.extended(&service, &base, bases, stack)
        } else {
            base
        };
        stack.pop();
        let mut merged = merge(&base, node, "");
        if let NodeData::Map(m) = &mut merged.data {
            m.retain(|e| e.key != "extends");
        }
        merged
    }
}

/// `main` merged over `base`.
fn merge(base: &Node, main: &Node, key: &str) -> Node {
    match (&base.data, &main.data) {
        (NodeData::Map(b), NodeData::Map(m)) => {
            let mut out: Vec<MapEntry> = b.clone();
            for e in m {
                match out.iter_mut().find(|x| x.key == e.key) {
                    Some(x) => x.value = merge(&x.value, &e.value, &e.key),
                    None => out.push(e.clone()),
                }
            }
            Node {
                data: NodeData::Map(out),
                ..main.clone()
            }
        }
        (NodeData::Seq(_), NodeData::Map(_)) | (NodeData::Map(_), NodeData::Seq(_))
            if PAIRS.contains(&key) =>
        {
            merge(&as_map(base), &as_map(main), key)
        }
        (NodeData::Seq(b), NodeData::Seq(m)) if PAIRS.contains(&key) => {
            let _ = (b, m);
            merge(&as_map(base), &as_map(main), key)
        }
        (NodeData::Seq(b), NodeData::Seq(m)) if !REPLACED.contains(&key) => {
            let id = |n: &Node| item_key(key, n);
            let mut out: Vec<Node> = b
                .iter()
                .filter(|x| !m.iter().any(|y| id(y) == id(x)))
                .cloned()
                .collect();
            out.extend(m.iter().cloned());
            Node {
                data: NodeData::Seq(out),
                ..main.clone()
            }
        }
        _ => main.clone(),
    }
}

/// What makes two items of a list the same item.
fn item_key(key: &str, n: &Node) -> String {
    let field = |f: &str| {
        n.as_map()
            .and_then(|m| m.iter().find(|e| e.key == f))
            .and_then(|e| text(&e.value))
    };
    match (key, &n.data) {
        ("volumes", NodeData::Map(_)) => field("target").unwrap_or_default(),
        ("volumes", _) => text(n)
            .map(|t| t.split(':').nth(1).unwrap_or(&t).to_string())
            .unwrap_or_default(),
        ("secrets" | "configs", NodeData::Map(_)) => field("source").unwrap_or_default(),
        _ => crate::labels::encode_config_data(&n.to_value()),
    }
}

/// A `KEY=VALUE` list as a map node (a map stays as it is).
fn as_map(n: &Node) -> Node {
    let NodeData::Seq(items) = &n.data else {
        return n.clone();
    };
    let entries = items
        .iter()
        .filter_map(|i| {
            let t = text(i)?;
            let (k, v) = match t.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (t.clone(), None),
            };
            let value = Node {
                line: i.line,
                column: i.column,
                data: NodeData::Scalar(match v {
                    Some(v) => Scalar {
                        value: Value::String(v.clone()),
                        text: v,
                        plain: false,
                    },
                    None => Scalar {
                        value: Value::Null,
                        text: String::new(),
                        plain: true,
                    },
                }),
            };
            Some(MapEntry {
                key: k.clone(),
                key_text: k,
                key_line: i.line,
                key_column: i.column,
                value,
            })
        })
        .collect();
    Node {
        data: NodeData::Map(entries),
        ..n.clone()
    }
}
