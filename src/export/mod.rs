//! `paunch export` (SPEC §12): a configuration written for the tools a
//! host's users move to, as pure functions from a [`Config`] to a document
//! and the warnings for what the target cannot say.
//!
//! - [`kubernetes`]: `v1 Pod`s. Entries read from a Pod (label
//!   `paunch.pod`) go back into their Pod (the infra container's settings
//!   become the Pod's, the init containers `initContainers`); any other
//!   entry is a Pod of its own (`restartPolicy: Never` for `detach:
//!   false`).
//! - [`compose`]: a compose-spec file, one service per entry.
//!
//! Which paunch keys each target can express is the table
//! [`crate::config::kube::table::EXPORT`].

mod compose;
mod kubernetes;

pub use compose::compose;
pub use kubernetes::kubernetes;

use crate::config::Entry;
use crate::config::kube::table::export_of;
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

/// Warnings for the keys of `e` that the target (0 Kubernetes, 1 compose)
/// has no row for, except `handled` ones.
fn unexpressed(out: &mut Vec<Diagnostic>, e: &Entry, target: usize, handled: &[&str]) {
    for (k, _) in &e.settings {
        let (k8s, compose) = export_of(k.name);
        let row = if target == 0 { k8s } else { compose };
        if row.is_none() && !handled.contains(&k.name) {
            let name = if target == 0 { "Kubernetes" } else { "compose" };
            warn(
                out,
                e,
                k.name,
                format!("\"{}\" has no {name} equivalent; left out", k.name),
            );
        }
    }
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

    #[test]
    fn sizes() {
        assert_eq!(docker_bytes("512m"), Some(512 << 20));
        assert_eq!(docker_bytes("1g"), Some(1 << 30));
        assert_eq!(docker_bytes("1000"), Some(1000));
        assert_eq!(docker_bytes("1.5k"), Some(1536));
        assert_eq!(docker_bytes("x"), None);
    }
}
