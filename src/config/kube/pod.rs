//! Reading Pod documents into paunch entry nodes, field by field through
//! the table, every problem at file:line:column.

use super::table::{self, Field, Treat};
use super::{PAUSE_IMAGE, POD_LABEL, ROLE_LABEL, expand_within};
use crate::config::entry::{MAX_ARG_BYTES, MAX_ARGV_BYTES};

/// At most this much text written by `$(NAME)` expansion in one manifest:
/// what the YAML loader lets anchors and aliases copy (its budget counts
/// each byte of text twice, as written and as a value).
pub const MAX_EXPANDED_BYTES: usize = crate::yaml::MAX_COPY_BYTES / 2;
use crate::config::keys::did_you_mean;
use crate::error::Diagnostic;
use crate::value::Value;
use crate::yaml::{MapEntry, Node, NodeData, Scalar};
use std::collections::BTreeMap;
use std::path::Path;

type Pos = (usize, usize);

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
}

/// Reads the documents of a manifest. `host` says whether host paths are
/// checked (and missing `DirectoryOrCreate`/`FileOrCreate` ones listed for
/// an apply to create): when loading a file, not when parsing text.
/// Reading creates nothing.
pub fn read_nodes(docs: &[Node], file: &str, host: bool) -> Pods {
    let mut cx = Cx {
        file,
        host,
        create: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        pod: String::new(),
        expansion_left: MAX_EXPANDED_BYTES,
    };
    let mut entries = Vec::new();
    let mut names: BTreeMap<String, Pos> = BTreeMap::new();
    for doc in docs {
        if let Some(pod) = cx.document(doc) {
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
            entries.extend(cx.entries(&pod));
        }
    }
    if docs.is_empty() {
        cx.error((0, 0), "the manifest has no documents".into(), None);
    }
    Pods {
        entries,
        errors: cx.errors,
        warnings: cx.warnings,
        create: cx.create,
    }
}

struct Cx<'a> {
    file: &'a str,
    host: bool,
    create: Vec<crate::config::HostPath>,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    /// The Pod being read, for messages.
    pod: String,
    /// What `$(NAME)` expansion may still write, in bytes, in the whole
    /// manifest (see [`Cx::expand`]).
    expansion_left: usize,
}

/// A Pod as read.
#[derive(Default)]
struct Pod {
    name: String,
    name_pos: Pos,
    labels: Vec<(String, Node)>,
    init: Vec<Container>,
    containers: Vec<Container>,
    volumes: BTreeMap<String, Volume>,
    restart: Option<Node>,
    grace: Option<Node>,
    hostname: Option<Node>,
    extra_hosts: Vec<Node>,
    dns: Vec<Node>,
    dns_search: Vec<Node>,
    host_network: bool,
    host_pid: bool,
    host_ipc: bool,
    share_pid: bool,
    run_as_user: Option<(i64, Pos)>,
    run_as_group: Option<(i64, Pos)>,
    groups: Vec<Node>,
    sysctls: Vec<Node>,
}

#[derive(Default)]
struct Container {
    name: String,
    pos: Pos,
    keys: Vec<(&'static str, Node)>,
    env: Vec<(String, Node)>,
    mounts: Vec<Mount>,
    ports: Vec<Node>,
    user: Option<(i64, Pos)>,
    group: Option<(i64, Pos)>,
    mem_limit: Option<Node>,
    mem_request: Option<Node>,
    cpu_limit: Option<(u64, Pos)>,
    cpu_request: Option<(u64, Pos)>,
    health: Option<(Node, bool)>,
    /// Bytes its `$(NAME)` expansions wrote (see [`Cx::expand`]).
    expanded: usize,
}

struct Mount {
    name: String,
    name_pos: Pos,
    path: String,
    path_pos: Pos,
    read_only: bool,
    sub_path: Option<(String, Pos)>,
    propagation: Option<String>,
}

enum Volume {
    /// Refused (already reported): mounts of it say nothing more.
    Invalid,
    HostPath {
        path: String,
        pos: Pos,
    },
    EmptyDir,
    Claim {
        name: String,
        read_only: bool,
    },
}

fn pos_of(n: &Node) -> Pos {
    (n.line, n.column)
}

fn key_pos(e: &MapEntry) -> Pos {
    (e.key_line, e.key_column)
}

/// The text of a string node.
fn scalar_text(n: &Node) -> Option<&str> {
    match &n.data {
        NodeData::Scalar(Scalar {
            value: Value::String(t),
            ..
        }) => Some(t),
        _ => None,
    }
}

/// The value of an env item read so far, for `$(NAME)`.
fn env_value<'a>(env: &'a [(String, Node)], name: &str) -> Option<&'a str> {
    env.iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| scalar_text(v))
}

/// A string node (quoted: it stays a string whatever it looks like).
fn s(text: &str, at: Pos) -> Node {
    Node {
        line: at.0,
        column: at.1,
        data: NodeData::Scalar(Scalar {
            value: Value::String(text.to_string()),
            text: text.to_string(),
            plain: false,
        }),
    }
}

fn int(i: i64, at: Pos) -> Node {
    Node {
        line: at.0,
        column: at.1,
        data: NodeData::Scalar(Scalar {
            value: Value::Int(i128::from(i)),
            text: i.to_string(),
            plain: true,
        }),
    }
}

fn boolean(b: bool, at: Pos) -> Node {
    Node {
        line: at.0,
        column: at.1,
        data: NodeData::Scalar(Scalar {
            value: Value::Bool(b),
            text: b.to_string(),
            plain: true,
        }),
    }
}

fn seq(items: Vec<Node>, at: Pos) -> Node {
    Node {
        line: at.0,
        column: at.1,
        data: NodeData::Seq(items),
    }
}

fn map(pairs: Vec<(String, Node)>, at: Pos) -> Node {
    Node {
        line: at.0,
        column: at.1,
        data: NodeData::Map(
            pairs
                .into_iter()
                .map(|(k, v)| MapEntry {
                    key: k.clone(),
                    key_text: k,
                    key_line: v.line,
                    key_column: v.column,
                    value: v,
                })
                .collect(),
        ),
    }
}

/// DNS-1123 label: what Kubernetes allows as a container name.
fn dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// DNS-1123 subdomain: what Kubernetes allows as a Pod name.
fn dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(dns_label)
}

impl Cx<'_> {
    fn diag(&self, at: Pos, message: String, hint: Option<String>) -> Diagnostic {
        Diagnostic {
            file: self.file.to_string(),
            line: (at.0 > 0).then_some(at.0),
            column: (at.0 > 0).then_some(at.1),
            entry: None,
            key: None,
            message: if self.pod.is_empty() {
                message
            } else {
                format!("Pod \"{}\": {message}", self.pod)
            },
            hint,
        }
    }

    /// `text` with its `$(NAME)` references expanded by `env`, within
    /// bounds: what the engine CLI takes (one value at most what the kernel
    /// passes in one argument or environment string, a container's values
    /// together at most its whole argv), and the manifest's values together
    /// at most [`MAX_EXPANDED_BYTES`]. Past them, the text as written and an
    /// error: forty `$(A)` in each of a few env items make gigabytes of a
    /// 4 KB manifest, as an alias bomb does.
    fn expand(&mut self, text: &str, env: &[(String, Node)], spent: &mut usize, at: Pos) -> String {
        if !text.contains('$') || *spent == usize::MAX {
            return text.to_string();
        }
        let container_left = MAX_ARGV_BYTES.saturating_sub(*spent);
        let max = MAX_ARG_BYTES.min(container_left).min(self.expansion_left);
        if let Some(out) = expand_within(text, |r| env_value(env, r), max) {
            self.expansion_left -= out.len();
            *spent += out.len();
            return out;
        }
        let message = if max == self.expansion_left {
            format!(
                "$(NAME) references expand to more than {} MiB of text in the manifest; refusing to read it (a reference bomb?)",
                MAX_EXPANDED_BYTES >> 20
            )
        } else if max == container_left {
            format!(
                "the container's $(NAME) references expand to more than {MAX_ARGV_BYTES} bytes together, more than its engine command line can hold"
            )
        } else {
            format!(
                "its $(NAME) references expand to more than {MAX_ARG_BYTES} bytes, more than the kernel passes in one argument or environment string"
            )
        };
        if self.expansion_left > 0 {
            self.error(
                at,
                message,
                Some("write $$(NAME) for a literal $(NAME)".into()),
            );
        }
        // One error for the manifest is enough once its budget is spent,
        // and one per container once the container's is.
        if max == self.expansion_left {
            self.expansion_left = 0;
        } else if max == container_left {
            *spent = usize::MAX;
        }
        text.to_string()
    }

    fn error(&mut self, at: Pos, message: String, hint: Option<String>) {
        let d = self.diag(at, message, hint);
        self.errors.push(d);
    }

    fn note(&mut self, at: Pos, message: String) {
        let d = self.diag(at, message, None);
        self.warnings.push(d);
    }

    /// The fields of an object that the reader goes on to read; the others
    /// are checked here: unknown, needing a cluster, refused, or noted.
    fn fields<'n>(
        &mut self,
        object: &str,
        path: &str,
        node: &'n Node,
    ) -> Vec<(&'static Field, &'n MapEntry)> {
        let Some(entries) = node.as_map() else {
            if !is_null(node) {
                self.error(
                    pos_of(node),
                    format!(
                        "{path}: expected a map ({object}), found {}",
                        node.type_name()
                    ),
                    None,
                );
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in entries {
            let at = key_pos(e);
            let Some(f) = table::field(object, &e.key) else {
                let hint = did_you_mean(&e.key, table::names(object))
                    .map(|k| format!("did you mean \"{k}\"?"))
                    .or_else(|| {
                        Some(format!(
                            "{object} has: {}",
                            table::names(object).collect::<Vec<_>>().join(", ")
                        ))
                    });
                self.error(
                    at,
                    format!("unknown field \"{}\" in {path} ({object})", e.key_text),
                    hint,
                );
                continue;
            };
            match f.treat {
                Treat::Note => self.note(at, format!("{path}.{} is ignored: {}", f.name, f.doc)),
                Treat::Cluster => self.error(
                    at,
                    format!(
                        "{path}.{} needs a Kubernetes cluster: {}",
                        f.name,
                        f.doc.replace("; an error", "")
                    ),
                    None,
                ),
                Treat::Refused(why) => self.error(
                    at,
                    format!("{path}.{} is not supported: {why}", f.name),
                    None,
                ),
                Treat::Read(_) | Treat::Object(_) | Treat::List(_) => out.push((f, e)),
            }
        }
        out
    }

    fn string(&mut self, path: &str, n: &Node) -> Option<String> {
        match &n.data {
            NodeData::Scalar(Scalar {
                value: Value::String(s),
                ..
            }) => Some(s.clone()),
            NodeData::Scalar(sc) if !matches!(sc.value, Value::Null) => {
                self.error(
                    pos_of(n),
                    format!("{path}: expected a string, found {}", n.type_name()),
                    Some(format!("quote it: \"{}\"", sc.text)),
                );
                None
            }
            _ => {
                self.error(
                    pos_of(n),
                    format!("{path}: expected a string, found {}", n.type_name()),
                    None,
                );
                None
            }
        }
    }

    fn integer(&mut self, path: &str, n: &Node) -> Option<i64> {
        match n.as_scalar().map(|s| &s.value) {
            Some(Value::Int(i)) if i64::try_from(*i).is_ok() => i64::try_from(*i).ok(),
            _ => {
                self.error(
                    pos_of(n),
                    format!("{path}: expected an integer, found {}", n.type_name()),
                    None,
                );
                None
            }
        }
    }

    fn flag(&mut self, path: &str, n: &Node) -> Option<bool> {
        match n.as_scalar().map(|s| &s.value) {
            Some(Value::Bool(b)) => Some(*b),
            _ => {
                self.error(
                    pos_of(n),
                    format!("{path}: expected true or false, found {}", n.type_name()),
                    None,
                );
                None
            }
        }
    }

    fn list<'n>(&mut self, path: &str, n: &'n Node) -> &'n [Node] {
        match n.as_seq() {
            Some(items) => items,
            None => {
                if !is_null(n) {
                    self.error(
                        pos_of(n),
                        format!("{path}: expected a list, found {}", n.type_name()),
                        None,
                    );
                }
                &[]
            }
        }
    }

    fn strings(&mut self, path: &str, n: &Node) -> Vec<Node> {
        let mut out = Vec::new();
        for item in self.list(path, n) {
            if let Some(v) = self.string(path, item) {
                out.push(s(&v, pos_of(item)));
            }
        }
        out
    }

    /// One document: a Pod, or a Deployment's Pod template.
    fn document(&mut self, doc: &Node) -> Option<Pod> {
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
            return None;
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
            (Some("Pod"), Some("v1")) => self.pod_doc(doc, "Pod"),
            (Some("Deployment"), Some("apps/v1")) => self.deployment(doc),
            (Some(k @ ("Pod" | "Deployment")), a) => {
                let want = if k == "Pod" { "v1" } else { "apps/v1" };
                let at = get("apiVersion").map_or(at, |e| pos_of(&e.value));
                self.error(
                    at,
                    format!("a {k} has apiVersion {want}, not {}", a.unwrap_or("(none)")),
                    None,
                );
                None
            }
            (Some(k), _) => {
                let hint = did_you_mean(k, ["Pod", "Deployment"].into_iter())
                    .map(|s| format!("did you mean \"{s}\"?"))
                    .unwrap_or_else(|| {
                        "a Service, ConfigMap, Secret or claim needs a cluster: keep only Pods and Deployments in --file".into()
                    });
                self.error(
                    at,
                    format!(
                        "kind \"{k}\" is not read: paunch reads Pods and one-replica Deployments"
                    ),
                    Some(hint),
                );
                None
            }
            (None, _) => {
                self.error(
                    pos_of(doc),
                    "the document has no kind".into(),
                    Some("a Pod starts with `apiVersion: v1` and `kind: Pod`".into()),
                );
                None
            }
        }
    }

    fn deployment(&mut self, doc: &Node) -> Option<Pod> {
        let mut name = None;
        let mut template = None;
        let mut ok = true;
        for (f, e) in self.fields("Deployment", "Deployment", doc) {
            match f.name {
                "metadata" => name = self.metadata(&e.value, "metadata", &mut Vec::new()),
                "spec" => {
                    for (f, e) in self.fields("DeploymentSpec", "spec", &e.value) {
                        match f.name {
                            "replicas" => {
                                if let Some(n) = self.integer("spec.replicas", &e.value)
                                    && n != 1
                                {
                                    ok = false;
                                    self.error(
                                        pos_of(&e.value),
                                        format!("spec.replicas is {n}: one host runs one copy of a Pod (its container names are unique)"),
                                        Some("set replicas: 1, or write one Pod per copy with its own name".into()),
                                    );
                                }
                            }
                            "template" => template = Some(&e.value),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        let (name, name_pos) = name?;
        let Some(template) = template else {
            self.error(name_pos, "the Deployment has no spec.template".into(), None);
            return None;
        };
        // podman's name for a Deployment's Pod.
        let pod_name = format!("{name}-pod");
        self.pod = pod_name.clone();
        let mut pod = Pod {
            name: pod_name,
            name_pos,
            ..Pod::default()
        };
        let mut spec = None;
        for (f, e) in self.fields("PodTemplateSpec", "spec.template", template) {
            match f.name {
                "metadata" => {
                    let mut labels = Vec::new();
                    self.metadata(&e.value, "spec.template.metadata", &mut labels);
                    pod.labels = labels;
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
        ok.then_some(pod)
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
                }
                "spec" => spec = Some(&e.value),
                _ => {}
            }
        }
        if !named {
            self.error(
                pos_of(doc),
                "the Pod has no metadata.name".into(),
                Some("its containers are named after it: P-C".into()),
            );
            return None;
        }
        self.pod = pod.name.clone();
        match spec {
            Some(spec) => self.pod_spec(spec, "spec", &mut pod),
            None => self.error(pod.name_pos, "the Pod has no spec".into(), None),
        }
        Some(pod)
    }

    /// The name (with its position) and labels of an ObjectMeta.
    fn metadata(
        &mut self,
        node: &Node,
        path: &str,
        labels: &mut Vec<(String, Node)>,
    ) -> Option<(String, Pos)> {
        let mut name = None;
        for (f, e) in self.fields("ObjectMeta", path, node) {
            match f.name {
                "name" => {
                    if let Some(n) = self.string(&format!("{path}.name"), &e.value) {
                        if dns_subdomain(&n) {
                            name = Some((n, pos_of(&e.value)));
                        } else {
                            self.error(
                                pos_of(&e.value),
                                format!("\"{n}\" is not a valid Kubernetes name"),
                                Some("lowercase letters, digits, - and ., starting and ending with a letter or digit".into()),
                            );
                        }
                    }
                }
                "labels" => {
                    for l in e.value.as_map().unwrap_or_default() {
                        if crate::labels::RESERVED.contains(&l.key.as_str()) {
                            // An export's: apply writes its own.
                            self.note(
                                (l.key_line, l.key_column),
                                format!(
                                    "{path}.labels.{} is paunch's own label; apply sets it",
                                    l.key
                                ),
                            );
                            continue;
                        }
                        if let Some(v) = self.string(&format!("{path}.labels.{}", l.key), &l.value)
                        {
                            labels.push((l.key.clone(), s(&v, pos_of(&l.value))));
                        }
                    }
                    if !is_null(&e.value) && e.value.as_map().is_none() {
                        self.error(
                            pos_of(&e.value),
                            format!(
                                "{path}.labels: expected a map, found {}",
                                e.value.type_name()
                            ),
                            None,
                        );
                    }
                }
                _ => {}
            }
        }
        name
    }

    fn pod_spec(&mut self, node: &Node, path: &str, pod: &mut Pod) {
        let mut containers = None;
        let mut init = None;
        for (f, e) in self.fields("PodSpec", path, node) {
            let v = &e.value;
            let p = format!("{path}.{}", f.name);
            match f.name {
                "containers" => containers = Some((v, key_pos(e))),
                "initContainers" => init = Some(v),
                "volumes" => {
                    for item in self.list(&p, v) {
                        self.volume(item, &p, pod);
                    }
                }
                "restartPolicy" => {
                    if let Some(r) = self.string(&p, v) {
                        let mapped = match r.as_str() {
                            "Always" => Some("always"),
                            "OnFailure" => Some("on-failure"),
                            "Never" => Some("no"),
                            _ => None,
                        };
                        match mapped {
                            Some(m) => pod.restart = Some(s(m, pos_of(v))),
                            None => self.error(
                                pos_of(v),
                                format!("{p}: \"{r}\" is not Always, OnFailure or Never"),
                                None,
                            ),
                        }
                    }
                }
                "terminationGracePeriodSeconds" => {
                    if let Some(i) = self.integer(&p, v) {
                        pod.grace = Some(int(i.max(0), pos_of(v)));
                    }
                }
                "hostname" => {
                    if let Some(h) = self.string(&p, v) {
                        pod.hostname = Some(s(&h, pos_of(v)));
                    }
                }
                "hostAliases" => {
                    for a in self.list(&p, v) {
                        let mut ip = None;
                        let mut names = Vec::new();
                        for (f, e) in self.fields("HostAlias", &p, a) {
                            match f.name {
                                "ip" => ip = self.string(&format!("{p}.ip"), &e.value),
                                _ => names = self.strings(&format!("{p}.hostnames"), &e.value),
                            }
                        }
                        if let Some(ip) = ip {
                            for n in names {
                                let host =
                                    n.as_scalar().map(|s| s.text.clone()).unwrap_or_default();
                                pod.extra_hosts.push(s(&format!("{host}:{ip}"), pos_of(&n)));
                            }
                        }
                    }
                }
                "dnsConfig" => {
                    for (f, e) in self.fields("PodDNSConfig", &p, v) {
                        let items = self.strings(&format!("{p}.{}", f.name), &e.value);
                        match f.name {
                            "nameservers" => pod.dns = items,
                            _ => pod.dns_search = items,
                        }
                    }
                }
                "hostNetwork" => pod.host_network = self.flag(&p, v).unwrap_or(false),
                "hostPID" => pod.host_pid = self.flag(&p, v).unwrap_or(false),
                "hostIPC" => pod.host_ipc = self.flag(&p, v).unwrap_or(false),
                "shareProcessNamespace" => pod.share_pid = self.flag(&p, v).unwrap_or(false),
                "securityContext" => {
                    for (f, e) in self.fields("PodSecurityContext", &p, v) {
                        let pp = format!("{p}.{}", f.name);
                        let v = &e.value;
                        match f.name {
                            "runAsUser" => {
                                pod.run_as_user = self.integer(&pp, v).map(|i| (i, pos_of(v)))
                            }
                            "runAsGroup" => {
                                pod.run_as_group = self.integer(&pp, v).map(|i| (i, pos_of(v)))
                            }
                            "supplementalGroups" => {
                                for g in self.list(&pp, v) {
                                    if let Some(i) = self.integer(&pp, g) {
                                        pod.groups.push(s(&i.to_string(), pos_of(g)));
                                    }
                                }
                            }
                            _ => {
                                for item in self.list(&pp, v) {
                                    let mut name = None;
                                    let mut value = None;
                                    for (f, e) in self.fields("Sysctl", &pp, item) {
                                        let x = self.string(&format!("{pp}.{}", f.name), &e.value);
                                        if f.name == "name" {
                                            name = x;
                                        } else {
                                            value = x;
                                        }
                                    }
                                    if let (Some(n), Some(v)) = (name, value) {
                                        pod.sysctls.push(s(&format!("{n}={v}"), pos_of(item)));
                                    }
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(init) = init {
            for c in self.list(&format!("{path}.initContainers"), init) {
                if let Some(c) = self.container(c, &format!("{path}.initContainers"), pod) {
                    pod.init.push(c);
                }
            }
        }
        match containers {
            Some((v, at)) => {
                let list = self.list(&format!("{path}.containers"), v);
                if list.is_empty() {
                    self.error(at, "the Pod has no containers".into(), None);
                }
                for c in list {
                    if let Some(c) = self.container(c, &format!("{path}.containers"), pod) {
                        pod.containers.push(c);
                    }
                }
            }
            None => self.error(
                pos_of(node),
                format!("{path} has no containers"),
                Some("a Pod needs at least one container".into()),
            ),
        }
        // One name per container, init containers included.
        let mut seen: BTreeMap<&str, Pos> = BTreeMap::new();
        let mut dups = Vec::new();
        for c in pod.init.iter().chain(&pod.containers) {
            if let Some(first) = seen.insert(&c.name, c.pos) {
                dups.push((
                    c.pos,
                    format!(
                        "two containers of the Pod are named \"{}\" (the first at line {})",
                        c.name, first.0
                    ),
                ));
            }
            if c.name == "infra" {
                dups.push((
                    c.pos,
                    "a container named \"infra\" would take the name of the Pod's infra container"
                        .into(),
                ));
            }
        }
        for (at, m) in dups {
            self.error(at, m, None);
        }
    }

    fn volume(&mut self, node: &Node, path: &str, pod: &mut Pod) {
        let mut name: Option<(String, Pos)> = None;
        let mut source: Option<Volume> = None;
        let mut sources = 0;
        for (f, e) in self.fields("Volume", path, node) {
            let v = &e.value;
            match f.name {
                "name" => {
                    name = self
                        .string(&format!("{path}.name"), v)
                        .map(|n| (n, pos_of(v)))
                }
                "hostPath" => {
                    sources += 1;
                    let mut p = None;
                    let mut kind = String::new();
                    let mut kind_pos = pos_of(v);
                    for (f, e) in
                        self.fields("HostPathVolumeSource", &format!("{path}.hostPath"), v)
                    {
                        if f.name == "path" {
                            p = self
                                .string(&format!("{path}.hostPath.path"), &e.value)
                                .map(|x| (x, pos_of(&e.value)));
                        } else if let Some(t) =
                            self.string(&format!("{path}.hostPath.type"), &e.value)
                        {
                            kind = t;
                            kind_pos = pos_of(&e.value);
                        }
                    }
                    match p {
                        Some((path_s, at)) => {
                            if self.host_path(&path_s, at, &kind, kind_pos) {
                                source = Some(Volume::HostPath {
                                    path: path_s,
                                    pos: at,
                                });
                            }
                        }
                        None => self.error(pos_of(v), "hostPath has no path".into(), None),
                    }
                }
                "emptyDir" => {
                    sources += 1;
                    self.fields("EmptyDirVolumeSource", &format!("{path}.emptyDir"), v);
                    source = Some(Volume::EmptyDir);
                }
                _ => {
                    sources += 1;
                    let mut claim = None;
                    let mut ro = false;
                    for (f, e) in self.fields(
                        "PersistentVolumeClaimVolumeSource",
                        &format!("{path}.persistentVolumeClaim"),
                        v,
                    ) {
                        if f.name == "claimName" {
                            claim = self.string(
                                &format!("{path}.persistentVolumeClaim.claimName"),
                                &e.value,
                            );
                        } else {
                            ro = self
                                .flag(&format!("{path}.persistentVolumeClaim.readOnly"), &e.value)
                                .unwrap_or(false);
                        }
                    }
                    match claim {
                        Some(c) if dns_subdomain(&c) => {
                            source = Some(Volume::Claim {
                                name: c,
                                read_only: ro,
                            })
                        }
                        Some(c) => self.error(
                            pos_of(v),
                            format!("claimName \"{c}\" is not a valid volume name"),
                            None,
                        ),
                        None => self.error(
                            pos_of(v),
                            "persistentVolumeClaim has no claimName".into(),
                            None,
                        ),
                    }
                }
            }
        }
        let Some((name, at)) = name else {
            self.error(pos_of(node), "a volume has no name".into(), None);
            return;
        };
        if sources > 1 {
            self.error(
                at,
                format!("volume \"{name}\" has more than one source"),
                None,
            );
        }
        if pod.volumes.contains_key(&name) {
            self.error(at, format!("two volumes are named \"{name}\""), None);
            return;
        }
        let refused = node.as_map().is_some_and(|m| {
            m.iter().any(|e| {
                table::field("Volume", &e.key)
                    .is_some_and(|f| matches!(f.treat, Treat::Cluster | Treat::Refused(_)))
            })
        });
        match source {
            Some(v) => {
                pod.volumes.insert(name, v);
                return;
            }
            None if sources == 0 && !refused => self.error(
                at,
                format!("volume \"{name}\" has no source"),
                Some("paunch reads hostPath, emptyDir and persistentVolumeClaim volumes".into()),
            ),
            None => {}
        }
        pod.volumes.insert(name, Volume::Invalid);
    }

    /// Checks a host path as the kubelet does (a missing one of an
    /// `OrCreate` type, or of no type, is listed for the apply to create);
    /// whether it may be used.
    fn host_path(&mut self, path: &str, at: Pos, kind: &str, kind_pos: Pos) -> bool {
        if !path.starts_with('/') {
            self.error(at, format!("hostPath \"{path}\" is not absolute"), None);
            return false;
        }
        if path.contains(':') || path.contains(',') {
            self.error(
                at,
                format!(
                    "hostPath \"{path}\" holds a : or a , which the engine's --volume cannot carry"
                ),
                None,
            );
            return false;
        }
        let known = [
            "",
            "DirectoryOrCreate",
            "Directory",
            "FileOrCreate",
            "File",
            "Socket",
            "CharDevice",
            "BlockDevice",
        ];
        if !known.contains(&kind) {
            let hint = did_you_mean(kind, known.into_iter().filter(|k| !k.is_empty()))
                .map(|k| format!("did you mean \"{k}\"?"));
            self.error(
                kind_pos,
                format!("hostPath type \"{kind}\" is not a type Kubernetes knows"),
                hint,
            );
            return false;
        }
        if !self.host {
            return true;
        }
        let p = Path::new(path);
        let meta = std::fs::metadata(p);
        use std::os::unix::fs::FileTypeExt;
        let is = |want: &str| match &meta {
            Ok(m) => {
                let t = m.file_type();
                match want {
                    "Directory" => t.is_dir(),
                    "File" => t.is_file(),
                    "Socket" => t.is_socket(),
                    "CharDevice" => t.is_char_device(),
                    _ => t.is_block_device(),
                }
            }
            Err(_) => false,
        };
        match kind {
            "" | "DirectoryOrCreate" | "FileOrCreate" if meta.is_err() => {
                let host_path = crate::config::HostPath {
                    path: p.to_path_buf(),
                    file: kind == "FileOrCreate",
                };
                if !self.create.contains(&host_path) {
                    self.create.push(host_path);
                }
                true
            }
            "" => true,
            "DirectoryOrCreate" if !is("Directory") => {
                self.error(
                    at,
                    format!(
                        "hostPath \"{path}\" exists and is not a directory (type DirectoryOrCreate)"
                    ),
                    None,
                );
                false
            }
            "FileOrCreate" if !is("File") => {
                self.error(
                    at,
                    format!("hostPath \"{path}\" exists and is not a file (type FileOrCreate)"),
                    None,
                );
                false
            }
            "DirectoryOrCreate" | "FileOrCreate" => true,
            want if meta.is_err() => {
                self.error(
                    at,
                    format!("hostPath \"{path}\" does not exist (type {want} must exist)"),
                    Some(format!(
                        "create it first, or use type {}OrCreate",
                        if want == "File" { "File" } else { "Directory" }
                    )),
                );
                false
            }
            want if !is(want) => {
                self.error(at, format!("hostPath \"{path}\" is not a {want}"), None);
                false
            }
            _ => true,
        }
    }

    fn container(&mut self, node: &Node, path: &str, pod: &Pod) -> Option<Container> {
        let mut c = Container {
            pos: pos_of(node),
            ..Container::default()
        };
        let mut probes: Vec<(&str, &Node)> = Vec::new();
        let fields = self.fields("Container", path, node);
        // The name first, for the messages about the rest.
        for (f, e) in &fields {
            if f.name == "name"
                && let Some(n) = self.string(&format!("{path}.name"), &e.value)
            {
                if dns_label(&n) {
                    c.name = n;
                    c.pos = pos_of(&e.value);
                } else {
                    self.error(
                        pos_of(&e.value),
                        format!("\"{n}\" is not a valid container name"),
                        Some("lowercase letters, digits and -, starting and ending with a letter or digit, at most 63".into()),
                    );
                    return None;
                }
            }
        }
        if c.name.is_empty() {
            self.error(
                pos_of(node),
                format!("a container of {path} has no name"),
                None,
            );
            return None;
        }
        let path = format!("{path}[{}]", c.name);
        for (f, e) in fields {
            let v = &e.value;
            let p = format!("{path}.{}", f.name);
            match f.name {
                "name" => {}
                "image" => {
                    if let Some(i) = self.string(&p, v) {
                        c.keys.push(("image", s(&i, pos_of(v))));
                    }
                }
                "command" => {
                    let words = self.strings(&p, v);
                    if !words.is_empty() {
                        c.keys.push(("entrypoint", seq(words, pos_of(v))));
                    }
                }
                "args" => {
                    let words = self.strings(&p, v);
                    c.keys.push(("command", seq(words, pos_of(v))));
                }
                "workingDir" => {
                    if let Some(w) = self.string(&p, v) {
                        c.keys.push(("working_dir", s(&w, pos_of(v))));
                    }
                }
                "env" => {
                    for item in self.list(&p, v) {
                        let mut name = None;
                        let mut value = String::new();
                        for (f, e) in self.fields("EnvVar", &p, item) {
                            let x = self.string(&format!("{p}.{}", f.name), &e.value);
                            if f.name == "name" {
                                name = x;
                            } else {
                                value = x.unwrap_or_default();
                            }
                        }
                        match name {
                            Some(n) if !n.is_empty() && !n.contains('=') => {
                                // Kubernetes expands an env value with the
                                // items before it only.
                                let value =
                                    self.expand(&value, &c.env, &mut c.expanded, pos_of(item));
                                c.env.retain(|(k, _)| *k != n);
                                c.env.push((n, s(&value, pos_of(item))));
                            }
                            _ => self.error(
                                pos_of(item),
                                format!("{p}: an env item needs a name without ="),
                                None,
                            ),
                        }
                    }
                }
                "ports" => {
                    for item in self.list(&p, v) {
                        self.port(item, &p, &mut c.ports);
                    }
                }
                "volumeMounts" => {
                    for item in self.list(&p, v) {
                        self.mount(item, &p, &mut c.mounts);
                    }
                }
                "resources" => {
                    for (f, e) in self.fields("Resources", &p, v) {
                        let limits = f.name == "limits";
                        let pp = format!("{p}.{}", f.name);
                        for (f, e) in self.fields("ResourceList", &pp, &e.value) {
                            let ppp = format!("{pp}.{}", f.name);
                            let at = pos_of(&e.value);
                            let Some(text) = quantity_text(&e.value) else {
                                self.error(
                                    at,
                                    format!(
                                        "{ppp}: expected a quantity, found {}",
                                        e.value.type_name()
                                    ),
                                    None,
                                );
                                continue;
                            };
                            if f.name == "memory" {
                                match memory_bytes(&text) {
                                    Some(b) if limits => c.mem_limit = Some(s(&b.to_string(), at)),
                                    Some(b) => c.mem_request = Some(s(&b.to_string(), at)),
                                    None => self.error(
                                        at,
                                        format!("{ppp}: \"{text}\" is not a memory quantity"),
                                        Some("e.g. 128Mi, 1Gi, 500M".into()),
                                    ),
                                }
                            } else {
                                match millicpus(&text) {
                                    Some(m) if limits => c.cpu_limit = Some((m, at)),
                                    Some(m) => c.cpu_request = Some((m, at)),
                                    None => self.error(
                                        at,
                                        format!("{ppp}: \"{text}\" is not a CPU quantity"),
                                        Some("e.g. 500m, 0.5, 2".into()),
                                    ),
                                }
                            }
                        }
                    }
                }
                "securityContext" => self.security(v, &p, &mut c),
                "livenessProbe" | "readinessProbe" | "startupProbe" => probes.push((f.name, v)),
                "lifecycle" => {
                    for (f, e) in self.fields("Lifecycle", &p, v) {
                        if f.name == "stopSignal"
                            && let Some(sig) = self.string(&format!("{p}.stopSignal"), &e.value)
                        {
                            c.keys.push(("stop_signal", s(&sig, pos_of(&e.value))));
                        }
                    }
                }
                "stdin" => {
                    if let Some(b) = self.flag(&p, v) {
                        c.keys.push(("interactive", boolean(b, pos_of(v))));
                    }
                }
                "tty" => {
                    if let Some(b) = self.flag(&p, v) {
                        c.keys.push(("tty", boolean(b, pos_of(v))));
                    }
                }
                _ => {}
            }
        }
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
        for m in &c.mounts {
            if !pod.volumes.contains_key(&m.name) {
                let hint = did_you_mean(&m.name, pod.volumes.keys().map(String::as_str))
                    .map(|k| format!("did you mean \"{k}\"?"))
                    .or_else(|| Some("declare it in spec.volumes".into()));
                self.error(
                    m.name_pos,
                    format!("volumeMount \"{}\" names no volume of the Pod", m.name),
                    hint,
                );
            }
        }
        // `command` and `args` are expanded with the whole env, wherever
        // it was written in the container.
        for (key, node) in c.keys.iter_mut() {
            if let ("entrypoint" | "command", NodeData::Seq(words)) = (*key, &mut node.data) {
                for w in words.iter_mut() {
                    let expanded = scalar_text(w)
                        .filter(|t| t.contains('$'))
                        .map(|t| self.expand(t, &c.env, &mut c.expanded, pos_of(w)));
                    if let Some(text) = expanded {
                        *w = s(&text, pos_of(w));
                    }
                }
            }
        }
        Some(c)
    }

    fn port(&mut self, item: &Node, path: &str, out: &mut Vec<Node>) {
        let mut port = None;
        let mut host = None;
        let mut ip = None;
        let mut proto = "tcp".to_string();
        for (f, e) in self.fields("ContainerPort", path, item) {
            let v = &e.value;
            let p = format!("{path}.{}", f.name);
            match f.name {
                "containerPort" => port = self.integer(&p, v),
                "hostPort" => host = self.integer(&p, v),
                "hostIP" => ip = self.string(&p, v),
                _ => {
                    if let Some(pr) = self.string(&p, v) {
                        match pr.as_str() {
                            "TCP" | "UDP" | "SCTP" => proto = pr.to_ascii_lowercase(),
                            _ => self.error(
                                pos_of(v),
                                format!("{p}: \"{pr}\" is not TCP, UDP or SCTP"),
                                None,
                            ),
                        }
                    }
                }
            }
        }
        let ok = |p: i64| (1..=65535).contains(&p);
        match (port, host) {
            (Some(p), _) if !ok(p) => self.error(
                pos_of(item),
                format!("{path}: containerPort {p} is not a port"),
                None,
            ),
            (_, Some(h)) if !ok(h) => self.error(
                pos_of(item),
                format!("{path}: hostPort {h} is not a port"),
                None,
            ),
            (Some(p), Some(h)) => {
                let suffix = if proto == "tcp" {
                    String::new()
                } else {
                    format!("/{proto}")
                };
                let ip = ip
                    .map(|i| {
                        if i.contains(':') {
                            format!("[{i}]:")
                        } else {
                            format!("{i}:")
                        }
                    })
                    .unwrap_or_default();
                out.push(s(&format!("{ip}{h}:{p}{suffix}"), pos_of(item)));
            }
            (Some(_), None) => {}
            (None, _) => self.error(
                pos_of(item),
                format!("{path}: a port needs containerPort"),
                None,
            ),
        }
    }

    fn mount(&mut self, item: &Node, path: &str, out: &mut Vec<Mount>) {
        let mut m = Mount {
            name: String::new(),
            name_pos: pos_of(item),
            path: String::new(),
            path_pos: pos_of(item),
            read_only: false,
            sub_path: None,
            propagation: None,
        };
        for (f, e) in self.fields("VolumeMount", path, item) {
            let v = &e.value;
            let p = format!("{path}.{}", f.name);
            match f.name {
                "name" => {
                    m.name = self.string(&p, v).unwrap_or_default();
                    m.name_pos = pos_of(v);
                }
                "mountPath" => {
                    m.path = self.string(&p, v).unwrap_or_default();
                    m.path_pos = pos_of(v);
                }
                "readOnly" => m.read_only = self.flag(&p, v).unwrap_or(false),
                "subPath" => m.sub_path = self.string(&p, v).map(|x| (x, pos_of(v))),
                _ => {
                    if let Some(x) = self.string(&p, v) {
                        match x.as_str() {
                            "None" => {}
                            "HostToContainer" => m.propagation = Some("rslave".into()),
                            "Bidirectional" => m.propagation = Some("rshared".into()),
                            _ => self.error(
                                pos_of(v),
                                format!(
                                    "{p}: \"{x}\" is not None, HostToContainer or Bidirectional"
                                ),
                                None,
                            ),
                        }
                    }
                }
            }
        }
        if !m.path.starts_with('/') || m.path.contains([':', ',']) {
            self.error(
                m.path_pos,
                format!(
                    "{path}: mountPath \"{}\" is not an absolute path without : or ,",
                    m.path
                ),
                None,
            );
            return;
        }
        if let Some((sp, at)) = &m.sub_path
            && (sp.starts_with('/') || sp.split('/').any(|c| c == "..") || sp.contains([':', ',']))
        {
            self.error(
                *at,
                format!("{path}: subPath \"{sp}\" must be a relative path inside the volume"),
                None,
            );
            return;
        }
        out.push(m);
    }

    fn security(&mut self, node: &Node, path: &str, c: &mut Container) {
        for (f, e) in self.fields("SecurityContext", path, node) {
            let v = &e.value;
            let p = format!("{path}.{}", f.name);
            match f.name {
                "privileged" => {
                    if let Some(b) = self.flag(&p, v) {
                        c.keys.push(("privileged", boolean(b, pos_of(v))));
                    }
                }
                "runAsUser" => c.user = self.integer(&p, v).map(|i| (i, pos_of(v))),
                "runAsGroup" => c.group = self.integer(&p, v).map(|i| (i, pos_of(v))),
                "readOnlyRootFilesystem" => {
                    if let Some(b) = self.flag(&p, v) {
                        c.keys.push(("read_only", boolean(b, pos_of(v))));
                    }
                }
                "allowPrivilegeEscalation" => {
                    if self.flag(&p, v) == Some(false) {
                        c.keys.push((
                            "security_opt",
                            seq(vec![s("no-new-privileges", pos_of(v))], pos_of(v)),
                        ));
                    }
                }
                _ => {
                    for (f, e) in self.fields("Capabilities", &p, v) {
                        let caps = self.strings(&format!("{p}.{}", f.name), &e.value);
                        if !caps.is_empty() {
                            let key = if f.name == "add" {
                                "cap_add"
                            } else {
                                "cap_drop"
                            };
                            c.keys.push((key, seq(caps, pos_of(&e.value))));
                        }
                    }
                }
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
        // One order whatever the probe's, so that config_data does not
        // change with it.
        let rank = ["interval", "timeout", "start_period", "retries"];
        pairs.sort_by_key(|(k, _)| rank.iter().position(|r| r == k));
        let mut all = vec![("test".to_string(), test)];
        all.extend(pairs);
        Some(map(all, pos_of(node)))
    }

    /// The entries of a Pod: its infra container, init containers, app
    /// containers.
    fn entries(&mut self, pod: &Pod) -> Vec<(String, Pos, Node)> {
        let p = &pod.name;
        let at = pod.name_pos;
        let infra = format!("{p}-infra");
        let labels = |role: &str| {
            let mut l = pod.labels.clone();
            l.retain(|(k, _)| k != POD_LABEL && k != ROLE_LABEL);
            l.push((POD_LABEL.into(), s(p, at)));
            l.push((ROLE_LABEL.into(), s(role, at)));
            ("labels", map(l, at))
        };
        // emptyDir volumes: one path each, the same in every container.
        let mut empty: BTreeMap<&str, (&str, Pos)> = BTreeMap::new();
        for c in pod.init.iter().chain(&pod.containers) {
            for m in &c.mounts {
                if !matches!(pod.volumes.get(&m.name), Some(Volume::EmptyDir)) {
                    continue;
                }
                if let Some((sp, at)) = &m.sub_path {
                    self.error(
                        *at,
                        format!(
                            "subPath \"{sp}\" of emptyDir \"{}\" is not supported",
                            m.name
                        ),
                        Some(
                            "paunch shares an emptyDir whole, through the Pod's infra container"
                                .into(),
                        ),
                    );
                }
                match empty.get(m.name.as_str()) {
                    Some((path, first)) if *path != m.path => self.error(
                        m.path_pos,
                        format!("emptyDir \"{}\" is mounted at {} here and at {path} (line {}): paunch shares an emptyDir through the Pod's infra container, at one path", m.name, m.path, first.0),
                        Some("mount it at the same mountPath in every container".into()),
                    ),
                    Some(_) => {}
                    None => {
                        empty.insert(&m.name, (&m.path, m.path_pos));
                    }
                }
            }
        }
        let mut out = Vec::new();
        // The infra container.
        let mut keys: Vec<(&str, Node)> =
            vec![("image", s(PAUSE_IMAGE, at)), ("restart", s("always", at))];
        if pod.host_network {
            keys.push(("net", s("host", at)));
        } else {
            keys.push(("hostname", pod.hostname.clone().unwrap_or_else(|| s(p, at))));
        }
        keys.push((
            "ipc",
            s(if pod.host_ipc { "host" } else { "shareable" }, at),
        ));
        if pod.host_pid {
            keys.push(("pid", s("host", at)));
        }
        let ports: Vec<Node> = pod
            .init
            .iter()
            .chain(&pod.containers)
            .flat_map(|c| c.ports.clone())
            .collect();
        if !ports.is_empty() && !pod.host_network {
            keys.push(("ports", seq(ports, at)));
        }
        if !pod.extra_hosts.is_empty() {
            keys.push(("extra_hosts", seq(pod.extra_hosts.clone(), at)));
        }
        if !pod.dns.is_empty() {
            keys.push(("dns", seq(pod.dns.clone(), at)));
        }
        if !pod.dns_search.is_empty() {
            keys.push(("dns_search", seq(pod.dns_search.clone(), at)));
        }
        if !pod.sysctls.is_empty() {
            keys.push(("sysctls", seq(pod.sysctls.clone(), at)));
        }
        if !empty.is_empty() {
            keys.push((
                "volumes",
                seq(empty.values().map(|(path, at)| s(path, *at)).collect(), at),
            ));
        }
        keys.push(("stop_grace_period", int(0, at)));
        keys.push(labels("infra"));
        out.push((infra.clone(), at, map(own(keys), at)));
        let n_init = pod.init.len() as i64;
        for (i, c) in pod.init.iter().enumerate() {
            let keys =
                self.container_keys(pod, c, &infra, &empty, labels("init"), i as i64 + 1, false);
            out.push((format!("{p}-{}", c.name), c.pos, map(own(keys), c.pos)));
        }
        for c in &pod.containers {
            let keys = self.container_keys(pod, c, &infra, &empty, labels("app"), n_init + 1, true);
            out.push((format!("{p}-{}", c.name), c.pos, map(own(keys), c.pos)));
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn container_keys<'k>(
        &mut self,
        pod: &Pod,
        c: &'k Container,
        infra: &str,
        empty: &BTreeMap<&str, (&str, Pos)>,
        labels: (&'k str, Node),
        order: i64,
        app: bool,
    ) -> Vec<(&'k str, Node)> {
        let at = c.pos;
        let mut keys: Vec<(&str, Node)> = Vec::new();
        let take = |name: &str| {
            c.keys
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        };
        for k in ["image", "entrypoint", "command", "working_dir"] {
            if let Some(v) = take(k) {
                keys.push((k, v));
            }
        }
        if !c.env.is_empty() {
            keys.push(("environment", map(c.env.clone(), at)));
        }
        // Volumes: host paths and claims directly, emptyDirs through the
        // infra container.
        let mut volumes = Vec::new();
        let mut empty_ro: Option<bool> = None;
        for m in &c.mounts {
            let mut opts: Vec<&str> = Vec::new();
            if m.read_only {
                opts.push("ro");
            }
            if let Some(pr) = &m.propagation {
                opts.push(pr);
            }
            let suffix = if opts.is_empty() {
                String::new()
            } else {
                format!(":{}", opts.join(","))
            };
            match pod.volumes.get(&m.name) {
                Some(Volume::HostPath { path, pos }) => {
                    let src = match &m.sub_path {
                        Some((sp, _)) => format!("{}/{sp}", path.trim_end_matches('/')),
                        None => path.clone(),
                    };
                    let _ = pos;
                    volumes.push(s(&format!("{src}:{}{suffix}", m.path), m.path_pos));
                }
                Some(Volume::Claim { name, read_only }) => {
                    if let Some((_, at)) = &m.sub_path {
                        self.error(*at, format!("subPath of persistentVolumeClaim \"{name}\" is not supported (a named volume is mounted whole)"), None);
                    }
                    let suffix = if *read_only && !m.read_only {
                        ":ro".to_string()
                    } else {
                        suffix
                    };
                    volumes.push(s(&format!("{name}:{}{suffix}", m.path), m.path_pos));
                }
                Some(Volume::EmptyDir) => {
                    if empty_ro.is_some_and(|ro| ro != m.read_only) {
                        self.error(m.path_pos, format!("container \"{}\" mounts the Pod's emptyDirs both readOnly and not: paunch mounts them together (volumes_from the infra container)", c.name), Some("mount them all readOnly or all writable in one container".into()));
                    }
                    empty_ro = Some(m.read_only);
                    let _ = empty;
                }
                Some(Volume::Invalid) | None => {}
            }
        }
        if !volumes.is_empty() {
            keys.push(("volumes", seq(volumes, at)));
        }
        if let Some(ro) = empty_ro {
            let from = if ro {
                format!("{infra}:ro")
            } else {
                infra.to_string()
            };
            keys.push(("volumes_from", seq(vec![s(&from, at)], at)));
        }
        let joined = format!("container:{infra}");
        keys.push((
            "net",
            s(if pod.host_network { "host" } else { &joined }, at),
        ));
        keys.push(("ipc", s(if pod.host_ipc { "host" } else { &joined }, at)));
        if pod.host_pid {
            keys.push(("pid", s("host", at)));
        } else if pod.share_pid {
            keys.push(("pid", s(&joined, at)));
        }
        if app {
            keys.push((
                "restart",
                pod.restart.clone().unwrap_or_else(|| s("always", at)),
            ));
        }
        let uid = c.user.or(pod.run_as_user);
        let gid = c.group.or(pod.run_as_group);
        match (uid, gid) {
            (Some((u, at)), Some((g, _))) => keys.push(("user", s(&format!("{u}:{g}"), at))),
            (Some((u, at)), None) => keys.push(("user", s(&u.to_string(), at))),
            (None, Some((_, at))) => self.error(
                at,
                format!(
                    "container \"{}\": runAsGroup without runAsUser cannot be expressed",
                    c.name
                ),
                Some("set runAsUser too".into()),
            ),
            (None, None) => {}
        }
        if !pod.groups.is_empty() {
            keys.push(("group_add", seq(pod.groups.clone(), at)));
        }
        for k in [
            "privileged",
            "read_only",
            "cap_add",
            "cap_drop",
            "security_opt",
        ] {
            if let Some(v) = take(k) {
                keys.push((k, v));
            }
        }
        if let Some(m) = &c.mem_limit {
            keys.push(("mem_limit", m.clone()));
        }
        if let Some(m) = &c.mem_request {
            keys.push(("memory_reservation", m.clone()));
        }
        if let Some((m, at)) = c.cpu_limit {
            // The kubelet's own conversion: quota over a 100ms period.
            keys.push(("cpu_quota", int((m as i64 * 100).max(1000), at)));
            keys.push(("cpu_period", int(100_000, at)));
        }
        if let Some((m, at)) = c.cpu_request {
            keys.push(("cpu_shares", int((m as i64 * 1024 / 1000).max(2), at)));
        }
        if let Some((h, _)) = &c.health {
            keys.push(("healthcheck", h.clone()));
        }
        for k in ["stop_signal", "interactive", "tty"] {
            if let Some(v) = take(k) {
                keys.push((k, v));
            }
        }
        if let Some(g) = &pod.grace {
            keys.push(("stop_grace_period", g.clone()));
        }
        keys.push(labels);
        keys.push(("start_order", int(order, at)));
        if !app {
            keys.push(("detach", boolean(false, at)));
        }
        keys
    }
}

fn own(keys: Vec<(&str, Node)>) -> Vec<(String, Node)> {
    keys.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn is_null(n: &Node) -> bool {
    matches!(n.as_scalar().map(|s| &s.value), Some(Value::Null))
}

/// A quantity as written: a string, or a number (`cpu: 2`, `cpu: 0.5`).
fn quantity_text(n: &Node) -> Option<String> {
    match n.as_scalar().map(|s| (&s.value, &s.text)) {
        Some((Value::String(s), _)) => Some(s.clone()),
        Some((Value::Int(_) | Value::Float(_), t)) => Some(t.clone()),
        _ => None,
    }
}

/// A decimal number with up to 9 fraction digits, times 10^9.
fn nano(text: &str) -> Option<u128> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 9
    {
        return None;
    }
    let i: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let f: u128 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().ok()?
    };
    i.checked_mul(1_000_000_000)?.checked_add(f)
}

/// A Kubernetes memory quantity in bytes (rounded up): `128Mi`, `1G`,
/// `500M`, `1e6` is not accepted (write `1M`).
pub fn memory_bytes(text: &str) -> Option<u64> {
    let units: &[(&str, u128)] = &[
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
        ("Pi", 1 << 50),
        ("Ei", 1 << 60),
        ("k", 1_000),
        ("M", 1_000_000),
        ("G", 1_000_000_000),
        ("T", 1_000_000_000_000),
        ("P", 1_000_000_000_000_000),
        ("E", 1_000_000_000_000_000_000),
    ];
    let (num, mult) = units
        .iter()
        .find_map(|(u, m)| text.strip_suffix(u).map(|n| (n, *m)))
        .unwrap_or((text, 1));
    let bytes = nano(num)?.checked_mul(mult)?.div_ceil(1_000_000_000);
    u64::try_from(bytes).ok().filter(|b| *b > 0)
}

/// A Kubernetes CPU quantity in millicpus: `500m`, `0.5`, `2`.
pub fn millicpus(text: &str) -> Option<u64> {
    let m = match text.strip_suffix('m') {
        Some(n) => nano(n)?.div_ceil(1_000_000_000),
        None => nano(text)?.div_ceil(1_000_000),
    };
    u64::try_from(m).ok().filter(|m| *m > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(memory_bytes("64Mi"), Some(64 << 20));
        assert_eq!(memory_bytes("1G"), Some(1_000_000_000));
        assert_eq!(memory_bytes("0.5Gi"), Some(1 << 29));
        assert_eq!(memory_bytes("1000"), Some(1000));
        assert_eq!(memory_bytes("1x"), None);
        assert_eq!(memory_bytes("-1"), None);
        assert_eq!(millicpus("500m"), Some(500));
        assert_eq!(millicpus("0.5"), Some(500));
        assert_eq!(millicpus("2"), Some(2000));
        assert_eq!(millicpus("0.0001"), Some(1));
        assert_eq!(millicpus(""), None);
    }

    #[test]
    fn names() {
        assert!(dns_label("web-1"));
        assert!(!dns_label("Web"));
        assert!(!dns_label("-web"));
        assert!(dns_subdomain("a.b-c"));
        assert!(!dns_subdomain("a..b"));
    }
}
