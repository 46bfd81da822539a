//! The walk over a manifest's documents, where reading starts
//! ([`read_nodes`]): empty documents (a trailing `---`) skipped, the
//! ConfigMaps, Secrets, claims and Services read first (see
//! [`super::objects`]), then each other document's `apiVersion` and
//! `kind`: a `v1 Pod`, or an `apps/v1 Deployment`, `ReplicaSet` or
//! `StatefulSet` read as `spec.replicas` copies of its Pod template (named
//! by [`replica_name`]: stable, so a scale down removes the highest), or a
//! `batch/v1 Job` read as its Pod template (what `paunch export` writes
//! for a blocking entry). The
//! Pod's `metadata` and `spec` are handed on, two Pods of one name
//! refused, each Pod's entries collected, and a container name two Pods
//! would share (`x-y` + `z`, `x` + `y-z`) refused with both places.

use super::node::{Pos, is_null, pos_of};
use super::pod_spec::Pod;
use super::reader::Cx;
use crate::config::keys::did_you_mean;
use crate::error::Diagnostic;
use crate::yaml::Node;
use std::collections::BTreeMap;

/// What a manifest reads as: one `(name, position, entry node)` per
/// container (infra containers included), and every problem.
pub struct Pods {
    /// The entries, in file order.
    pub entries: Vec<(String, Pos, Node)>,
    /// Errors.
    pub errors: Vec<Diagnostic>,
    /// Notes: fields accepted with no meaning on one host.
    pub warnings: Vec<Diagnostic>,
    /// Missing `DirectoryOrCreate`/`FileOrCreate` host paths, which an
    /// apply creates before its containers.
    pub create: Vec<crate::config::HostPath>,
    /// The names of the environment variables a Secret sets: sensitive
    /// (masked) whatever their names.
    pub sensitive: Vec<String>,
    /// A named volume per emptyDir mounted at several paths (see
    /// `volumes.rs`), managed as the configuration's resources.
    pub resources: Vec<crate::config::Resource>,
}

/// Reads the documents of a manifest. `host` says whether host paths are
/// checked (and missing `DirectoryOrCreate`/`FileOrCreate` ones listed for
/// an apply to create): when loading a file, not when parsing text.
/// Reading creates nothing.
pub fn read_nodes(docs: &[Node], file: &str, host: bool) -> Pods {
    let mut cx = Cx::new(file, host);
    let mut entries = Vec::new();
    let mut names: BTreeMap<String, Pos> = BTreeMap::new();
    // Every container name of the manifest, with where it was read.
    let mut containers: BTreeMap<String, (Pos, String)> = BTreeMap::new();
    // A trailing `---`, or a document all commented out, is no object
    // (kubectl skips it).
    let docs: Vec<&Node> = docs.iter().filter(|d| !is_null(d)).collect();
    // ConfigMaps, Secrets, claims and Services first: a Pod may come
    // before what it uses.
    let mut pods = 0;
    for doc in &docs {
        match other_kind(doc) {
            Some(kind) => cx.object(doc, kind),
            None => pods += 1,
        }
    }
    for doc in docs.iter().filter(|d| other_kind(d).is_none()) {
        for pod in cx.document(doc) {
            if let Some(first) = names.get(&pod.name) {
                cx.error(
                    pod.name_pos,
                    format!(
                        "two Pods are named \"{}\" (the first at line {}); their containers would have the same names",
                        pod.name, first.0
                    ),
                    Some("rename one of them".into()),
                );
                continue;
            }
            names.insert(pod.name.clone(), pod.name_pos);
            cx.pod = pod.name.clone();
            let read = cx.entries(&pod);
            for (name, at, node) in cx.restored(doc, read) {
                let what = (at, pod.name.clone());
                if let Some((first, other)) = containers.get(&name) {
                    cx.error(
                        at,
                        format!(
                            "container \"{name}\" (container \"{}\" of Pod \"{}\") is also container \"{}\" of Pod \"{other}\" at line {}, column {}: P-C names collide",
                            short(&name, &pod.name),
                            pod.name,
                            short(&name, other),
                            first.0,
                            first.1
                        ),
                        Some("rename one of the Pods or containers".into()),
                    );
                    continue;
                }
                containers.insert(name.clone(), what);
                entries.push((name, at, node));
            }
        }
    }
    if docs.is_empty() {
        cx.error((0, 0), "the manifest has no documents".into(), None);
    } else if pods == 0 {
        cx.error(
            (0, 0),
            "the manifest has no Pod or Deployment".into(),
            Some("paunch runs the Pods of a file; its ConfigMaps, Secrets, claims and Services serve them".into()),
        );
    }
    cx.sensitive.sort();
    cx.sensitive.dedup();
    Pods {
        entries,
        errors: cx.errors,
        warnings: cx.warnings,
        create: cx.create,
        sensitive: cx.sensitive,
        resources: cx.resources,
    }
}

/// What the container `name` of Pod `pod` is called in it.
fn short<'a>(name: &'a str, pod: &str) -> &'a str {
    name.strip_prefix(pod)
        .and_then(|r| r.strip_prefix('-'))
        .unwrap_or(name)
}

/// Whether a document has a `metadata.name` (valid or not).
pub(super) fn names_itself(doc: &Node) -> bool {
    doc.as_map()
        .and_then(|m| m.iter().find(|e| e.key == "metadata"))
        .and_then(|e| e.value.as_map())
        .is_some_and(|m| m.iter().any(|e| e.key == "name"))
}

/// The most copies of a Deployment's Pod.
const MAX_REPLICAS: i64 = 100;

/// A workload's spec as read.
struct Workload<'n> {
    replicas: (i64, Pos),
    template: Option<&'n Node>,
    /// The names of a StatefulSet's claim templates.
    claims: Vec<String>,
}

/// The name of copy `i` of the Pod of workload `name`: for a StatefulSet
/// `name-I`, as Kubernetes names them; else `name-pod` (podman's name for
/// a Deployment's one Pod) for the first, `name-pod-I` for the others. So
/// a scale up adds copies and a scale down removes the highest, the
/// others staying as they are.
pub(super) fn replica_name(kind: &str, name: &str, i: i64) -> String {
    if kind == "StatefulSet" {
        format!("{name}-{i}")
    } else if i == 0 {
        format!("{name}-pod")
    } else {
        format!("{name}-pod-{i}")
    }
}

/// The kind of a document read by [`Cx::object`] (a `v1` ConfigMap,
/// Secret, PersistentVolumeClaim or Service), if it is one.
fn other_kind(doc: &Node) -> Option<&'static str> {
    let m = doc.as_map()?;
    let get = |k: &str| {
        m.iter()
            .find(|e| e.key == k)
            .and_then(|e| e.value.as_scalar())
            .map(|s| s.text.as_str())
    };
    if get("apiVersion") != Some("v1") {
        return None;
    }
    let kind = get("kind")?;
    super::objects::KINDS.iter().copied().find(|k| *k == kind)
}

impl Cx<'_> {
    /// One document: a Pod, or the copies of a Deployment's Pod
    /// template.
    fn document(&mut self, doc: &Node) -> Vec<Pod> {
        self.pod.clear();
        let Some(m) = doc.as_map() else {
            self.error(
                pos_of(doc),
                format!(
                    "expected a Kubernetes object (apiVersion, kind, ...), found {}",
                    doc.type_name()
                ),
                None,
            );
            return Vec::new();
        };
        let get = |k: &str| m.iter().find(|e| e.key == k);
        let kind = get("kind")
            .and_then(|e| e.value.as_scalar())
            .map(|s| s.text.clone());
        let api = get("apiVersion")
            .and_then(|e| e.value.as_scalar())
            .map(|s| s.text.clone());
        let at = get("kind").map_or(pos_of(doc), |e| pos_of(&e.value));
        match (kind.as_deref(), api.as_deref()) {
            (Some("Pod"), Some("v1")) => self.pod_doc(doc, "Pod").into_iter().collect(),
            (Some(k @ ("Deployment" | "ReplicaSet" | "StatefulSet")), Some("apps/v1"))
            | (Some(k @ "Job"), Some("batch/v1")) => self.workload(doc, k),
            (Some(k @ ("Pod" | "Deployment" | "ReplicaSet" | "StatefulSet" | "Job")), a) => {
                let want = match k {
                    "Pod" => "v1",
                    "Job" => "batch/v1",
                    _ => "apps/v1",
                };
                let at = get("apiVersion").map_or(at, |e| pos_of(&e.value));
                self.error(
                    at,
                    format!("a {k} has apiVersion {want}, not {}", a.unwrap_or("(none)")),
                    None,
                );
                Vec::new()
            }
            (Some(k), _) => {
                let hint = did_you_mean(k, ["Pod", "Deployment", "ReplicaSet", "StatefulSet", "Job"].into_iter())
                    .map(|s| format!("did you mean \"{s}\"?"))
                    .unwrap_or_else(|| {
                        "paunch reads Pods, Deployments, and the ConfigMaps, Secrets, PersistentVolumeClaims and Services beside them".into()
                    });
                self.error(
                    at,
                    format!("kind \"{k}\" is not read: paunch reads Pods, Deployments, ReplicaSets and StatefulSets"),
                    Some(hint),
                );
                Vec::new()
            }
            (None, _) => {
                self.error(
                    pos_of(doc),
                    "the document has no kind".into(),
                    Some("a Pod starts with `apiVersion: v1` and `kind: Pod`".into()),
                );
                Vec::new()
            }
        }
    }

    /// A Deployment, ReplicaSet or StatefulSet (`kind`): `spec.replicas`
    /// copies of its Pod template (see [`replica_name`]).
    fn workload(&mut self, doc: &Node, kind: &str) -> Vec<Pod> {
        let mut name = None;
        let mut spec = Workload {
            replicas: (1, pos_of(doc)),
            template: None,
            claims: Vec::new(),
        };
        for (f, e) in self.fields(kind, kind, doc) {
            match f.name {
                "metadata" => name = self.metadata(&e.value, "metadata", &mut Vec::new()),
                "spec" => self.workload_spec(kind, &e.value, &mut spec),
                _ => {}
            }
        }
        let Some((name, name_pos)) = name else {
            if !names_itself(doc) {
                self.error(
                    pos_of(doc),
                    format!("the {kind} has no metadata.name"),
                    Some("its Pods are named after it".into()),
                );
            }
            return Vec::new();
        };
        let Some(template) = spec.template else {
            self.error(name_pos, format!("the {kind} has no spec.template"), None);
            return Vec::new();
        };
        let (n, at) = spec.replicas;
        if !(0..=MAX_REPLICAS).contains(&n) {
            self.error(
                at,
                format!("spec.replicas is {n}: one host runs 0 to {MAX_REPLICAS} copies"),
                None,
            );
            return Vec::new();
        }
        let mut pods = Vec::new();
        for i in 0..n {
            // Each copy is read on its own (`fieldRef: metadata.name` is
            // its name); the problems of its template are reported once.
            let (errors, warnings) = (self.errors.len(), self.warnings.len());
            let pod_name = replica_name(kind, &name, i);
            // A StatefulSet's copy i has its own claims: TEMPLATE-NAME-i.
            let claims: Vec<(String, String)> = spec
                .claims
                .iter()
                .map(|c| (c.clone(), format!("{c}-{name}-{i}")))
                .collect();
            let pod = self.template(&pod_name, name_pos, template, &claims);
            if i > 0 {
                self.errors.truncate(errors);
                self.warnings.truncate(warnings);
            }
            if i == 1
                && let Some(port) = super::ports::published(&pod).first()
            {
                self.pod = replica_name(kind, &name, 0);
                self.error(
                    pos_of(port),
                    format!("a hostPort on {n} copies: only one copy can publish host port {}", port.as_scalar().map_or("", |s| s.text.as_str())),
                    Some("set replicas: 1, or drop hostPort (the copies reach each other by their Pods' names on a network)".into()),
                );
                return Vec::new();
            }
            pods.push(pod);
        }
        pods
    }

    /// The `spec` of a workload: its replicas, template and (a
    /// StatefulSet's) claim templates.
    fn workload_spec<'n>(&mut self, kind: &str, node: &'n Node, spec: &mut Workload<'n>) {
        for (f, e) in self.fields(&format!("{kind}Spec"), "spec", node) {
            match f.name {
                "replicas" => {
                    if let Some(n) = self.integer("spec.replicas", &e.value) {
                        spec.replicas = (n, pos_of(&e.value));
                    }
                }
                "template" => spec.template = Some(&e.value),
                "volumeClaimTemplates" => {
                    for item in self.list("spec.volumeClaimTemplates", &e.value) {
                        let p = "spec.volumeClaimTemplates";
                        for (g, x) in self.fields("PersistentVolumeClaim", p, item) {
                            if g.name == "metadata"
                                && let Some((n, _)) = self.metadata(
                                    &x.value,
                                    &format!("{p}.metadata"),
                                    &mut Vec::new(),
                                )
                            {
                                spec.claims.push(n);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// One copy of a workload's Pod template, named `pod_name`, with the
    /// claims of its claim templates (`(volume, claim)`).
    fn template(
        &mut self,
        pod_name: &str,
        name_pos: Pos,
        template: &Node,
        claims: &[(String, String)],
    ) -> Pod {
        self.pod = pod_name.to_string();
        let mut pod = Pod {
            name: pod_name.to_string(),
            name_pos,
            ..Pod::default()
        };
        for (volume, claim) in claims {
            pod.volumes.insert(
                volume.clone(),
                super::volumes::Volume::Claim {
                    name: claim.clone(),
                    read_only: false,
                },
            );
        }
        let mut spec = None;
        for (f, e) in self.fields("PodTemplateSpec", "spec.template", template) {
            match f.name {
                "metadata" => {
                    let mut labels = Vec::new();
                    self.metadata(&e.value, "spec.template.metadata", &mut labels);
                    pod.labels = labels;
                    pod.annotations = super::metadata::annotations(&e.value);
                }
                "spec" => spec = Some(&e.value),
                _ => {}
            }
        }
        match spec {
            Some(spec) => self.pod_spec(spec, "spec.template.spec", &mut pod),
            None => self.error(
                name_pos,
                "the Deployment has no spec.template.spec".into(),
                None,
            ),
        }
        pod
    }

    fn pod_doc(&mut self, doc: &Node, object: &str) -> Option<Pod> {
        let mut pod = Pod::default();
        let mut spec = None;
        let mut named = false;
        for (f, e) in self.fields(object, object, doc) {
            match f.name {
                "metadata" => {
                    let mut labels = Vec::new();
                    if let Some((name, at)) = self.metadata(&e.value, "metadata", &mut labels) {
                        pod.name = name;
                        pod.name_pos = at;
                        named = true;
                    }
                    pod.labels = labels;
                    pod.annotations = super::metadata::annotations(&e.value);
                }
                "spec" => spec = Some(&e.value),
                _ => {}
            }
        }
        if !named {
            // An invalid name was reported as such.
            if !names_itself(doc) {
                self.error(
                    pos_of(doc),
                    "the Pod has no metadata.name".into(),
                    Some("its containers are named after it: P-C".into()),
                );
            }
            return None;
        }
        self.pod = pod.name.clone();
        match spec {
            Some(spec) => self.pod_spec(spec, "spec", &mut pod),
            None => self.error(pod.name_pos, "the Pod has no spec".into(), None),
        }
        Some(pod)
    }
}
