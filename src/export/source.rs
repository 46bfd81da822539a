//! What the manifest a configuration was read from says that its entries
//! cannot: which healthchecks were readiness probes (a cluster must not
//! kill a container on them, as it would on a liveness probe) and the
//! `type` of each `hostPath`. The Kubernetes export writes them back.

use crate::yaml::Node;
use std::collections::{BTreeMap, BTreeSet};

/// Facts of a manifest, by entry and Pod name.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// Entries (`P-C`) whose healthcheck was a `readinessProbe` (they had
    /// no `livenessProbe`).
    pub readiness: BTreeSet<String>,
    /// `(Pod, host path)` → `hostPath.type`.
    pub host_path_types: BTreeMap<(String, String), String>,
    /// The variables of each `env_file` (by the path as the entries name
    /// it), in order: `(NAME, Some(VALUE))`, or `(NAME, None)` for one
    /// passed through from the engine's environment.
    pub env_files: BTreeMap<String, Vec<(String, Option<String>)>>,
}

/// The variables of an env file as docker and podman read one: a
/// `NAME=VALUE` per line, the value as written; a `NAME` alone passed
/// through; blank lines and `#` comments skipped.
pub fn env_file_vars(text: &str) -> Vec<(String, Option<String>)> {
    text.lines()
        .map(|l| l.trim_start())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), Some(v.to_string())),
            None => (l.trim().to_string(), None),
        })
        .collect()
}

fn get<'n>(n: &'n Node, key: &str) -> Option<&'n Node> {
    n.as_map()?.iter().find(|e| e.key == key).map(|e| &e.value)
}

fn text<'n>(n: &'n Node, key: &str) -> Option<&'n str> {
    match &get(n, key)?.as_scalar()?.value {
        crate::value::Value::String(s) => Some(s),
        _ => None,
    }
}

impl Source {
    /// The facts of a manifest's documents (an empty `Source` for what is
    /// not one): its Pods, and its Deployments' and Jobs' Pod templates
    /// under the name the reader gives them (`NAME-pod`) and their own
    /// (a cluster export's, restored as the entries of Pod `NAME`).
    pub fn of_manifest(docs: &[Node]) -> Source {
        let mut out = Source::default();
        for doc in docs {
            let Some(name) = get(doc, "metadata").and_then(|m| text(m, "name")) else {
                continue;
            };
            let (pod, spec) = match text(doc, "kind") {
                Some("Pod") => (name.to_string(), get(doc, "spec")),
                Some("Deployment" | "Job") => (
                    format!("{name}-pod"),
                    get(doc, "spec")
                        .and_then(|s| get(s, "template"))
                        .and_then(|t| get(t, "spec")),
                ),
                _ => continue,
            };
            if let Some(spec) = spec {
                out.pod(&pod, spec);
                // A cluster export's workload is named after the Pod its
                // entries were read from (their `paunch.pod`).
                if pod != name {
                    out.pod(name, spec);
                }
            }
        }
        out
    }

    fn pod(&mut self, pod: &str, spec: &Node) {
        for list in ["initContainers", "containers"] {
            for c in get(spec, list).and_then(Node::as_seq).unwrap_or_default() {
                let Some(name) = text(c, "name") else {
                    continue;
                };
                if get(c, "livenessProbe").is_none()
                    && get(c, "readinessProbe").is_some_and(|p| get(p, "exec").is_some())
                {
                    self.readiness.insert(format!("{pod}-{name}"));
                }
            }
        }
        for v in get(spec, "volumes")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(h) = get(v, "hostPath") else {
                continue;
            };
            if let (Some(path), Some(t)) = (text(h, "path"), text(h, "type"))
                && !t.is_empty()
            {
                self.host_path_types
                    .insert((pod.to_string(), path.to_string()), t.to_string());
            }
        }
    }
}
