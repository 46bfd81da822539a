//! `paunch export` (SPEC §12): a configuration written for the tools a
//! host's users move to, as pure functions from a [`Config`] to a document
//! and the warnings for what the target cannot say.
//!
//! - [`cluster`] (`--format kubernetes`): what a cluster's operator
//!   applies, as kompose writes it: a `Deployment` per long-running Pod,
//!   a `Job` per blocking entry, a `Service` for published ports, a
//!   `PersistentVolumeClaim` per named volume, a `Secret` for sensitive
//!   values and a `ConfigMap` for `env_file`s.
//! - [`kubernetes`] (`--pods`): `v1 Pod`s for one host. Entries read from a Pod (label
//!   `paunch.pod`) go back into their Pod (the infra container's settings
//!   become the Pod's, the init containers `initContainers`); any other
//!   entry is a Pod of its own (`restartPolicy: Never` for `detach:
//!   false`).
//! - [`compose`]: a compose-spec file, one service per entry.
//!
//! How each target writes each paunch key is a column of the key table
//! ([`crate::config::keys::KEYS`], [`ExportAs`]): the exporters loop over
//! its rows, writing a `Field` row by the key's shape ([`plain_fields`]),
//! warning of a `Lost` one ([`left_out`]), and leaving a `Custom` one to a
//! function of their own named after the key.

mod cluster;
mod compose;
mod kubernetes;
mod source;

pub use cluster::{cluster, cluster_from};
pub use compose::compose;
pub use kubernetes::{kubernetes, kubernetes_from};
pub use source::{Source, env_file_vars};

use crate::config::Entry;
use crate::config::keys::{ExportAs, Key, Shape};
use crate::error::Diagnostic;
use crate::value::{Map, Value};

/// What an export wrote, and what it could not say.
#[derive(Debug, Clone)]
pub struct Export {
    /// The document (YAML).
    pub text: String,
    /// One per entry and key the target cannot express (errors under
    /// `--strict`).
    pub warnings: Vec<Diagnostic>,
    /// How many values the text holds in a `Secret`: it must then never
    /// be shown (written only to a file others cannot read).
    pub secrets: usize,
}

/// Whom the exported containers belong to: paunch's labels, carried.
#[derive(Debug, Clone)]
pub struct Owner<'a> {
    /// The `--config-id`.
    pub config_id: &'a str,
    /// The `--managed-by` name.
    pub managed_by: &'a str,
}

/// A warning about `key` of `entry`, at the key's position.
fn warn(out: &mut Vec<Diagnostic>, e: &Entry, key: &str, message: String) {
    let (line, column) = e.position(key);
    out.push(Diagnostic {
        file: e.file.clone(),
        line: (line > 0).then_some(line),
        column: (line > 0).then_some(column),
        entry: Some(e.name.clone()),
        key: Some(key.to_string()),
        message,
        hint: None,
    });
}

/// An export target: its name in messages, and its column of the key table.
#[derive(Clone, Copy)]
struct Target {
    name: &'static str,
    column: fn(&Key) -> ExportAs,
}

const KUBERNETES: Target = Target {
    name: "Kubernetes",
    column: |k| k.kube,
};

const COMPOSE: Target = Target {
    name: "compose",
    column: |k| k.compose,
};

/// The warning for `key` of `e`, which `target` has no equivalent for.
fn lost(out: &mut Vec<Diagnostic>, e: &Entry, key: &str, target: Target) {
    warn(
        out,
        e,
        key,
        format!("\"{key}\" has no {} equivalent; left out", target.name),
    );
}

/// Warnings for the keys of `e` whose row says `target` cannot write them,
/// in table order.
fn left_out(out: &mut Vec<Diagnostic>, e: &Entry, target: Target) {
    for (k, _) in &e.settings {
        if (target.column)(k) == ExportAs::Lost {
            lost(out, e, k.name, target);
        }
    }
}

/// [`left_out`], but for key `except` (which the caller writes).
fn left_out_except(out: &mut Vec<Diagnostic>, e: &Entry, target: Target, except: &str) {
    for (k, _) in &e.settings {
        if (target.column)(k) == ExportAs::Lost && k.name != except {
            lost(out, e, k.name, target);
        }
    }
}

/// `exit_codes`, for both targets: a blocking entry (`detach: false`) is
/// written as one that must succeed, and the target counts exit code 0
/// only (`why` says so when others were allowed); on any other entry the
/// key has no equivalent.
fn exit_codes(out: &mut Vec<Diagnostic>, e: &Entry, target: Target, why: &str) {
    if !e.detach() {
        if e.exit_codes() != [0] {
            warn(out, e, "exit_codes", why.to_string());
        }
    } else if e.setting("exit_codes").is_some() {
        lost(out, e, "exit_codes", target);
    }
}

/// Every key of `e` whose row in `target`'s column is a field, written
/// there by its shape, in table order (a later key writing the same field
/// wins, as compose's `stdin_open` over `interactive`).
fn plain_fields(e: &Entry, target: Target, out: &mut Map) {
    for (k, _) in &e.settings {
        if let ExportAs::Field(path) = (target.column)(k)
            && let Some(v) = by_shape(e, k)
        {
            put(out, path, v);
        }
    }
}

/// The value of key `k` of `e` as a target writes it, from its shape; `None`
/// when there is nothing to write.
fn by_shape(e: &Entry, k: &Key) -> Option<Value> {
    let name = k.name;
    let list = || Value::List(e.strings(name).iter().map(s).collect());
    let map = |passed: fn(Option<String>) -> Value| {
        let m = pairs(e.strings(name))
            .into_iter()
            .fold(Map::new(), |mut m, (k, v)| {
                m.insert(k, passed(v));
                m
            });
        (!m.is_empty()).then_some(Value::Map(m))
    };
    match k.shape {
        // The value that means the engine's default (`cpuset_cpus: all`)
        // is written nowhere, as no flag is emitted for it.
        Shape::Str => e
            .string(name)
            .filter(|v| !matches!(k.emit, crate::config::keys::Emit::EachUnless(_, d) if d == *v))
            .map(s),
        Shape::List | Shape::Entrypoint => (!e.strings(name).is_empty()).then(list),
        // An empty command is written too: it overrides the image's.
        Shape::Command => e.setting(name).is_some().then(list),
        Shape::Bool => e.bool(name).map(Value::Bool),
        Shape::Int => e.int(name).map(i),
        Shape::Seconds => e.string(name).map(|g| s(format!("{g}s"))),
        // A variable passed through from the engine's environment is null.
        Shape::Env => map(|v| v.map_or(Value::Null, s)),
        Shape::Pairs => map(|v| s(v.unwrap_or_default())),
        Shape::Restart | Shape::EntryAction | Shape::Ints | Shape::Healthcheck => None,
    }
}

/// Sets field `path` of `out` (`a.b`: field `b` of map `a`, made if absent).
fn put(out: &mut Map, path: &str, v: Value) {
    match path.split_once('.') {
        None => out.insert(path.to_string(), v),
        Some((head, rest)) => {
            let mut inner = out
                .get(head)
                .and_then(Value::as_map)
                .cloned()
                .unwrap_or_default();
            put(&mut inner, rest, v);
            out.insert(head.to_string(), Value::Map(inner));
        }
    }
}

/// `m` with the fields named in `order` first, in that order, and any
/// other after them as written. The order of a target's fields is its
/// document's (image before command, as people write them), not the key
/// table's (which is argv order).
fn laid_out(m: Map, order: &[&str]) -> Map {
    let mut out = Map::new();
    for k in order {
        if let Some(v) = m.get(k) {
            out.insert((*k).to_string(), v.clone());
        }
    }
    for (k, v) in m.iter() {
        if out.get(k).is_none() {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

fn s(x: impl Into<String>) -> Value {
    Value::String(x.into())
}

fn i(x: i64) -> Value {
    Value::Int(i128::from(x))
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.to_string(), v);
    }
    Value::Map(m)
}

/// `KEY=VALUE` pairs of a `Pairs`/`Env` key: `(KEY, Some(VALUE))`, or
/// `(KEY, None)` for a variable passed through.
fn pairs(list: &[String]) -> Vec<(String, Option<String>)> {
    list.iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (p.clone(), None),
        })
        .collect()
}

/// A docker size (`512m`, `1g`, `1048576`, `64Mi` as Kubernetes writes
/// it) in bytes.
fn docker_bytes(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.strip_suffix('b').unwrap_or(&t);
    let (num, mult) = match t.char_indices().last() {
        Some((at, 'k')) => (&t[..at], 1u64 << 10),
        Some((at, 'm')) => (&t[..at], 1 << 20),
        Some((at, 'g')) => (&t[..at], 1 << 30),
        Some((at, 't')) => (&t[..at], 1 << 40),
        _ => (t, 1),
    };
    let n: f64 = num.parse().ok()?;
    (n.is_finite() && n > 0.0).then(|| (n * mult as f64).ceil() as u64)
}

/// A duration as whole seconds (`30s`, `1m30s`, `90`).
fn seconds(text: &str) -> Option<i64> {
    crate::config::duration::parse_duration(text).map(|f| f.ceil() as i64)
}

/// The healthcheck test of an entry as an argv: `CMD` form as written,
/// a shell command under `/bin/sh -c`.
fn health_argv(e: &Entry) -> Option<Vec<String>> {
    let test = e.data.as_map()?.get("healthcheck")?.as_map()?.get("test")?;
    let words: Vec<String> = match test {
        Value::List(items) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => crate::yaml::canonical_text(other),
            })
            .collect(),
        Value::String(cmd) => return Some(vec!["/bin/sh".into(), "-c".into(), cmd.clone()]),
        _ => return None,
    };
    match words.split_first() {
        Some((first, rest)) if first == "CMD" => Some(rest.to_vec()),
        Some((first, rest)) if first == "CMD-SHELL" && rest.len() == 1 => {
            Some(vec!["/bin/sh".into(), "-c".into(), rest[0].clone()])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether [`by_shape`] writes values of `shape` (the others are written
    /// by code of their own, and a `Field` row of them would write nothing).
    fn is_plain(shape: Shape) -> bool {
        !matches!(
            shape,
            Shape::Restart | Shape::EntryAction | Shape::Ints | Shape::Healthcheck
        )
    }

    /// A `Field` row of a shape the generic conversion does not write
    /// would export nothing, silently.
    #[test]
    fn every_field_row_has_a_plain_shape() {
        for k in crate::config::keys::KEYS {
            for target in [KUBERNETES, COMPOSE] {
                if let ExportAs::Field(_) = (target.column)(k) {
                    assert!(
                        is_plain(k.shape),
                        "key {}: {:?} cannot be written as a {} field",
                        k.name,
                        k.shape,
                        target.name
                    );
                }
            }
        }
    }

    /// Every `Custom` row has code: a function of the exporter whose doc
    /// names the key.
    #[test]
    fn every_custom_row_names_its_code() {
        let shared = include_str!("mod.rs");
        for (target, own) in [
            (KUBERNETES, include_str!("kubernetes.rs")),
            (COMPOSE, include_str!("compose.rs")),
        ] {
            let docs: String = format!("{own}{shared}")
                .lines()
                .filter(|l| l.trim_start().starts_with("///"))
                .collect();
            for k in crate::config::keys::KEYS {
                if let ExportAs::Custom(_) = (target.column)(k) {
                    assert!(
                        docs.contains(&format!("`{}`", k.name)),
                        "{}: no function of the {} exporter names the key",
                        k.name,
                        target.name
                    );
                }
            }
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(docker_bytes("512m"), Some(512 << 20));
        assert_eq!(docker_bytes("1g"), Some(1 << 30));
        assert_eq!(docker_bytes("1000"), Some(1000));
        assert_eq!(docker_bytes("1.5k"), Some(1536));
        assert_eq!(docker_bytes("x"), None);
    }
}
