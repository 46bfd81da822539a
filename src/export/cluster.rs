//! A configuration as what a cluster's operator applies (`paunch export
//! --format kubernetes`), as kompose writes a compose file's: the Pods of
//! [`super::kubernetes`] as workloads, and the objects they use.
//!
//! - A Pod whose `restartPolicy` is `Always` is an `apps/v1 Deployment`
//!   (`replicas: 1`); the Pod of a blocking entry (`detach: false`) a
//!   `batch/v1 Job` (`backoffLimit: 0`: paunch runs it once, and fails
//!   when it fails); any other (`restart: no` or `on-failure`, which a
//!   Deployment cannot say) stays a `v1 Pod`, as kompose writes it.
//! - Published ports: a `v1 Service` per workload, port = the host port,
//!   `targetPort` the container's, selecting the workload's Pods by
//!   `app.kubernetes.io/name`. The `hostPort` stays on the container: it
//!   is what publishes on one host (read back, `podman kube play`).
//! - A named volume: a `PersistentVolumeClaim` (`ReadWriteOnce`, 1Gi).
//! - Sensitive environment values ([`crate::mask`], and those a Secret
//!   set when the configuration was read from a manifest): the workload's
//!   `v1 Secret` (`data`, base64), referred to by `valueFrom.secretKeyRef`.
//!   The entries carried in the annotations hold an empty value in their
//!   place and the reference ([`export_annotations_with_secrets`]): read
//!   back, the value is the Secret's.
//! - `env_file`s: a `ConfigMap` per container (`envFrom`), but for their
//!   sensitive variables, in the Secret.
//!
//! Each workload's Pod template carries the annotations of a Pod export,
//! so the export reads back (`--file`) as the entries exported.
//!
//! [`export_annotations_with_secrets`]: crate::config::kube::export_annotations_with_secrets

use super::kubernetes::{Pod, annotated, dump_all, k8s_name, parts, pods};
use super::{Export, Owner, Source, obj, s, warn};
use crate::config::{Config, Entry};
use crate::error::Diagnostic;
use crate::value::{Map, Value};
use std::collections::BTreeSet;

/// The label a workload's Pods carry, which its Deployment and Service
/// select them by.
const NAME_LABEL: &str = "app.kubernetes.io/name";

/// Writes every run entry of `config` for a cluster; what cannot be said
/// is a warning.
///
/// ```
/// use paunch::export::{cluster, Owner};
/// let config = paunch::Config::parse("web:\n  image: nginx:1.27\n  restart: always\n", "x")?;
/// let out = cluster(&config, &Owner { config_id: "v1", managed_by: "paunch" });
/// assert!(out.text.contains("kind: Deployment"));
/// assert!(out.warnings.is_empty());
/// # Ok::<(), paunch::Error>(())
/// ```
pub fn cluster(config: &Config, owner: &Owner) -> Export {
    cluster_from(config, owner, &Source::default())
}

/// [`cluster`], with what the manifest the configuration was read from
/// says that its entries cannot, and the `env_file`s' variables
/// ([`Source`]).
pub fn cluster_from(config: &Config, owner: &Owner, source: &Source) -> Export {
    let (pods, warnings) = pods(config, source, Some(config.sensitive_env.clone()));
    let mut objects = Vec::new();
    let mut workloads = Vec::new();
    let mut claims = BTreeSet::new();
    let mut secrets = 0;
    for p in pods {
        secrets += p.secret.len();
        objects.extend(data_objects(&p, owner));
        workloads.extend(workload(p, owner, &mut claims));
    }
    for c in claims {
        objects.push(claim(&c, owner));
    }
    objects.extend(workloads);
    Export {
        text: dump_all(&objects),
        warnings,
        secrets,
    }
}

/// The Secret and ConfigMaps of a Pod.
fn data_objects(p: &Pod, owner: &Owner) -> Vec<Value> {
    let mut out = Vec::new();
    for (name, values) in &p.config_maps {
        let data: Map = values.iter().map(|(k, v)| (k.clone(), s(v))).collect();
        out.push(obj(vec![
            ("apiVersion", s("v1")),
            ("kind", s("ConfigMap")),
            ("metadata", meta(name, owner)),
            ("data", Value::Map(data)),
        ]));
    }
    if !p.secret.is_empty() {
        let data: Map = p
            .secret
            .iter()
            .map(|(k, v)| (k.clone(), s(base64(v.as_bytes()))))
            .collect();
        out.push(obj(vec![
            ("apiVersion", s("v1")),
            ("kind", s("Secret")),
            ("metadata", meta(&secret_name(p), owner)),
            ("type", s("Opaque")),
            ("data", Value::Map(data)),
        ]));
    }
    out
}

/// An object's `metadata`: its name and paunch's labels.
fn meta(name: &str, owner: &Owner) -> Value {
    obj(vec![
        ("name", s(name)),
        (
            "labels",
            obj(vec![
                ("managed_by", s(owner.managed_by)),
                ("config_id", s(owner.config_id)),
            ]),
        ),
    ])
}

/// A named volume's claim.
fn claim(name: &str, owner: &Owner) -> Value {
    obj(vec![
        ("apiVersion", s("v1")),
        ("kind", s("PersistentVolumeClaim")),
        ("metadata", meta(name, owner)),
        (
            "spec",
            obj(vec![
                ("accessModes", Value::List(vec![s("ReadWriteOnce")])),
                (
                    "resources",
                    obj(vec![("requests", obj(vec![("storage", s("1Gi"))]))]),
                ),
            ]),
        ),
    ])
}

/// A Pod as its workload (and its Service), the claims of its volumes
/// added to `claims`.
fn workload(mut p: Pod, owner: &Owner, claims: &mut BTreeSet<String>) -> Vec<Value> {
    let name = p.name.clone();
    let blocking = p.blocking;
    let replicas = 1 + p.more_replicas;
    let refs = p.secret_refs.clone();
    let entries = scrubbed(&p.entries, &refs);
    p.labels.insert(NAME_LABEL.into(), s(&name));
    let (mut meta, mut spec) = parts(p, owner);
    for v in list(spec.get("volumes")) {
        if let Some(c) = field(v, "persistentVolumeClaim").and_then(|c| field(c, "claimName")) {
            claims.insert(c.as_str().unwrap_or_default().to_string());
        }
    }
    let service = service(&name, &spec, owner);
    if replicas > 1 {
        // One host refuses a hostPort on more than one copy, and a
        // cluster schedules no two on one node: the Service publishes.
        without_host_ports(&mut spec);
    }
    let policy = spec.get("restartPolicy").and_then(Value::as_str);
    let kind = match policy {
        _ if blocking => "Job",
        Some("Always") => "Deployment",
        _ => "Pod",
    };
    let doc = if kind == "Pod" {
        annotated(meta, &entries, &refs, |m| {
            obj(vec![
                ("apiVersion", s("v1")),
                ("kind", s("Pod")),
                ("metadata", Value::Map(m.clone())),
                ("spec", Value::Map(spec.clone())),
            ])
        })
    } else {
        meta.remove("name");
        let labels = meta.get("labels").cloned().unwrap_or(Value::Null);
        let top = obj(vec![("name", s(&name)), ("labels", labels)]);
        let selector = obj(vec![(NAME_LABEL, s(&name))]);
        annotated(meta, &entries, &refs, |m| {
            let template = obj(vec![
                ("metadata", Value::Map(m.clone())),
                ("spec", Value::Map(spec.clone())),
            ]);
            let body = if kind == "Job" {
                obj(vec![
                    ("backoffLimit", Value::Int(0)),
                    ("template", template),
                ])
            } else {
                obj(vec![
                    ("replicas", Value::Int(i128::from(replicas))),
                    ("selector", obj(vec![("matchLabels", selector.clone())])),
                    ("template", template),
                ])
            };
            let api = if kind == "Job" { "batch/v1" } else { "apps/v1" };
            obj(vec![
                ("apiVersion", s(api)),
                ("kind", s(kind)),
                ("metadata", top.clone()),
                ("spec", body),
            ])
        })
    };
    let mut out: Vec<Value> = service.into_iter().collect();
    out.push(doc);
    out
}

/// `spec` with no container's `hostPort` (nor `hostIP`).
fn without_host_ports(spec: &mut Map) {
    let Some(Value::List(containers)) = spec.get("containers").cloned() else {
        return;
    };
    let containers = containers
        .into_iter()
        .map(|c| {
            let Value::Map(mut c) = c else { return c };
            if let Some(Value::List(ports)) = c.get("ports").cloned() {
                let ports = ports
                    .into_iter()
                    .map(|p| match p {
                        Value::Map(mut p) => {
                            p.remove("hostPort");
                            p.remove("hostIP");
                            Value::Map(p)
                        }
                        other => other,
                    })
                    .collect();
                c.insert("ports".into(), Value::List(ports));
            }
            Value::Map(c)
        })
        .collect();
    spec.insert("containers".into(), Value::List(containers));
}

/// The Service of the ports a Pod's containers publish (`hostPort`), if
/// any.
fn service(name: &str, spec: &Map, owner: &Owner) -> Option<Value> {
    let mut ports = Vec::new();
    let mut seen = BTreeSet::new();
    for c in list(spec.get("containers")) {
        for port in list(field(c, "ports")) {
            let (Some(host), Some(cont)) = (field(port, "hostPort"), field(port, "containerPort"))
            else {
                continue;
            };
            let proto = field(port, "protocol")
                .and_then(Value::as_str)
                .unwrap_or("TCP");
            let pname = format!(
                "{}-{}",
                proto.to_ascii_lowercase(),
                crate::yaml::canonical_text(host)
            );
            if !seen.insert(pname.clone()) {
                continue;
            }
            ports.push(obj(vec![
                ("name", s(pname)),
                ("port", host.clone()),
                ("targetPort", cont.clone()),
                ("protocol", s(proto)),
            ]));
        }
    }
    if ports.is_empty() {
        return None;
    }
    Some(obj(vec![
        ("apiVersion", s("v1")),
        ("kind", s("Service")),
        ("metadata", meta(name, owner)),
        (
            "spec",
            obj(vec![
                ("selector", obj(vec![(NAME_LABEL, s(name))])),
                ("ports", Value::List(ports)),
            ]),
        ),
    ]))
}

fn field<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.as_map()?.get(key)
}

fn list(v: Option<&Value>) -> &[Value] {
    match v {
        Some(Value::List(l)) => l,
        _ => &[],
    }
}

/// The entries carried, the values in the Secret left out: an empty one
/// in their place (what [`crate::config::kube`] puts the Secret's in).
fn scrubbed(entries: &Map, refs: &Map) -> Map {
    let mut out = entries.clone();
    for (entry, vars) in refs.iter() {
        let Some(Value::Map(mut e)) = out.get(entry).cloned() else {
            continue;
        };
        let vars: Vec<&String> = vars
            .as_map()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        let env = match e.get("environment").cloned() {
            Some(Value::Map(mut m)) => {
                for v in &vars {
                    m.insert((*v).clone(), s(""));
                }
                Value::Map(m)
            }
            Some(Value::List(items)) => Value::List(
                items
                    .into_iter()
                    .map(|i| match i.as_str().and_then(|t| t.split_once('=')) {
                        Some((k, _)) if vars.iter().any(|v| *v == k) => s(format!("{k}=")),
                        _ => i,
                    })
                    .collect(),
            ),
            other => other.unwrap_or(Value::Null),
        };
        e.insert("environment".into(), env);
        out.insert(entry.clone(), Value::Map(e));
    }
    out
}

/// The name of a Pod's Secret.
fn secret_name(p: &Pod) -> String {
    format!("{}-secret", p.name)
}

/// Whether variable `k` of a Pod written for a cluster is sensitive.
pub(super) fn is_sensitive(p: &Pod, k: &str) -> bool {
    p.cluster
        .as_ref()
        .is_some_and(|names| names.iter().any(|n| n == k) || crate::mask::current().name(k))
}

/// The YAML type variable `k` of `e` was written with (`str` in the list
/// form, `KEY=VALUE`), for reading its Secret's text back as it.
pub(super) fn value_type(e: &Entry, k: &str) -> &'static str {
    let v = e
        .data
        .as_map()
        .and_then(|m| m.get("environment"))
        .and_then(Value::as_map)
        .and_then(|m| m.get(k));
    match v {
        Some(Value::Int(_)) => "int",
        Some(Value::Bool(_)) => "bool",
        Some(Value::Float(_)) => "float",
        _ => "str",
    }
}

/// `value` of variable `var` in the Pod's Secret: its `(Secret, key)`,
/// the key the variable's name (the container's first, `C.NAME`, when
/// another container's value took it).
pub(super) fn secret_ref(p: &mut Pod, cname: &str, var: &str, value: String) -> (String, String) {
    let plain: String = var
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut key = plain.clone();
    if p.secret.iter().any(|(k, v)| *k == key && *v != value) {
        key = format!("{cname}.{plain}");
    }
    if !p.secret.iter().any(|(k, _)| *k == key) {
        p.secret.push((key.clone(), value));
    }
    (secret_name(p), key)
}

/// Records that variable `var` of entry `entry` is `r` of the Secret.
pub(super) fn remember(p: &mut Pod, entry: &str, var: &str, r: &(String, String), kind: &str) {
    let mut vars = p
        .secret_refs
        .remove(entry)
        .and_then(|v| v.as_map().cloned())
        .unwrap_or_default();
    vars.insert(
        var.to_string(),
        Value::List(vec![s(&r.0), s(&r.1), s(kind)]),
    );
    p.secret_refs.insert(entry.to_string(), Value::Map(vars));
}

/// An `env` item whose value is key `r` of a Secret.
pub(super) fn env_from_secret(var: &str, r: &(String, String)) -> Value {
    obj(vec![
        ("name", s(var)),
        (
            "valueFrom",
            obj(vec![(
                "secretKeyRef",
                obj(vec![("name", s(&r.0)), ("key", s(&r.1))]),
            )]),
        ),
    ])
}

/// `env_file`: the variables of the entry's files (later files over
/// earlier), those `environment` does not set, in a ConfigMap of the
/// container's (`envFrom`), the sensitive ones in the Pod's Secret
/// (`env` items, returned first). A file that could not be read, or a
/// variable passed through from the engine's environment, is a warning.
pub(super) fn env_files(
    e: &Entry,
    cname: &str,
    own: &[(String, Option<String>)],
    p: &mut Pod,
    source: &Source,
    w: &mut Vec<Diagnostic>,
) -> (Vec<Value>, Option<Value>) {
    let mut vars: Vec<(String, String)> = Vec::new();
    for f in e.strings("env_file") {
        let Some(lines) = source.env_files.get(f) else {
            warn(
                w,
                e,
                "env_file",
                format!("env_file \"{f}\" could not be read; left out"),
            );
            continue;
        };
        for (k, v) in lines {
            if own.iter().any(|(o, _)| o == k) {
                continue;
            }
            let Some(v) = v else {
                warn(
                    w,
                    e,
                    "env_file",
                    format!(
                        "\"{k}\" of env_file \"{f}\" is passed through from the engine's environment, which a Pod cannot do; left out"
                    ),
                );
                continue;
            };
            vars.retain(|(x, _)| x != k);
            vars.push((k.clone(), v.clone()));
        }
    }
    let mut env = Vec::new();
    let mut plain = Vec::new();
    for (k, v) in vars {
        if is_sensitive(p, &k) {
            let r = secret_ref(p, cname, &k, v);
            env.push(env_from_secret(&k, &r));
        } else if crate::config::kube::valid_key(&k) {
            plain.push((k, v));
        } else {
            warn(
                w,
                e,
                "env_file",
                format!("\"{k}\" is not a ConfigMap key; left out"),
            );
        }
    }
    if plain.is_empty() {
        return (env, None);
    }
    let name = format!("{}-{cname}-env", p.name);
    p.config_maps.push((name.clone(), plain));
    let from = obj(vec![("configMapRef", obj(vec![("name", s(name))]))]);
    (env, Some(Value::List(vec![from])))
}

/// A named volume's claim name: the volume's, or in Kubernetes' form
/// (with a warning) when Kubernetes would refuse it.
pub(super) fn claim_name(e: &Entry, claim: &str, p: &Pod, w: &mut Vec<Diagnostic>) -> String {
    if p.cluster.is_none() {
        return claim.to_string();
    }
    let name = k8s_name(claim, true);
    if name != claim {
        warn(
            w,
            e,
            "volumes",
            format!(
                "the claim of volume \"{claim}\" is named \"{name}\" (Kubernetes names are lowercase letters, digits, - and .)"
            ),
        );
    }
    name
}

/// Standard base64, padded (a Secret's `data`).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_encodes() {
        assert_eq!(base64(b"hello"), "aGVsbG8=");
        assert_eq!(base64(b"pass"), "cGFzcw==");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b""), "");
    }
}
