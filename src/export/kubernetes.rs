//! A configuration as `v1 Pod`s: one per entry, or the Pod its entries
//! were read from; each container's fields from the key table's `kube`
//! column.

use super::{
    Export, KUBERNETES, Owner, Source, docker_bytes, exit_codes, health_argv, i, laid_out,
    left_out, obj, pairs, plain_fields, s, seconds, warn,
};
use crate::config::kube::{POD_LABEL, ROLE_LABEL, escape, export_annotations_with_secrets};
use crate::config::{Config, Entry, EntryAction, Setting};
use crate::error::Diagnostic;
use crate::value::{Map, Value};

/// A Pod being written.
#[derive(Default)]
pub(super) struct Pod {
    pub(super) name: String,
    /// Read from a Pod (its entries carry `paunch.pod`).
    grouped: bool,
    pub(super) labels: Map,
    /// Its entries (name → entry), for the annotations that restore them.
    pub(super) entries: Map,
    init: Vec<Value>,
    containers: Vec<Value>,
    volumes: Vec<Value>,
    /// emptyDirs held by the infra container: (volume name, path).
    empty: Vec<(String, String)>,
    /// The files containers' volumes (a Pod's `configMap`, `secret` and
    /// `downwardAPI` volumes as paunch writes them): container → its
    /// emptyDirs, (volume name, path).
    files: std::collections::BTreeMap<String, Vec<(String, String)>>,
    /// The Pod's emptyDirs paunch keeps as named volumes (mounted at
    /// several paths): volume name → the Pod volume written for it.
    own_empty: std::collections::BTreeMap<String, String>,
    /// Ports the infra container published, for the first app container.
    ports: Vec<Value>,
    spec: Map,
    security: Map,
    /// Written for a cluster ([`super::cluster`]): the names of the
    /// variables sensitive whatever their names; `None` for one host.
    pub(super) cluster: Option<Vec<String>>,
    /// The Pod of one blocking entry (`detach: false`): a Job.
    pub(super) blocking: bool,
    /// For a cluster: its Secret's keys and values (raw).
    pub(super) secret: Vec<(String, String)>,
    /// For a cluster: entry → variable → `[SECRET, KEY, TYPE]` of each
    /// `environment` value in the Secret.
    pub(super) secret_refs: Map,
    /// For a cluster: a ConfigMap per container with `env_file`s, `(name,
    /// keys and values)`.
    pub(super) config_maps: Vec<(String, Vec<(String, String)>)>,
    /// For a cluster: the compose service whose replica this Pod is, and
    /// how many more replicas it has (one Deployment's `replicas`).
    pub(super) service: Option<String>,
    pub(super) more_replicas: i64,
}

/// Writes every run entry of `config` as Pods; what cannot be said is a
/// warning (an exec entry, `action`: `exec`, is left out whole).
///
/// ```
/// use paunch::export::{kubernetes, Owner};
/// let config = paunch::Config::parse("web:\n  image: nginx:1.27\n  restart: always\n", "x")?;
/// let out = kubernetes(&config, &Owner { config_id: "v1", managed_by: "paunch" });
/// assert!(out.text.contains("kind: Pod"));
/// assert!(out.text.contains("restartPolicy: Always"));
/// assert!(out.warnings.is_empty());
/// # Ok::<(), paunch::Error>(())
/// ```
pub fn kubernetes(config: &Config, owner: &Owner) -> Export {
    kubernetes_from(config, owner, &Source::default())
}

/// [`kubernetes`], with what the manifest the configuration was read from
/// says that its entries cannot ([`Source`]).
pub fn kubernetes_from(config: &Config, owner: &Owner, source: &Source) -> Export {
    let (pods, warnings) = pods(config, source, None);
    let docs: Vec<Value> = pods.into_iter().map(|p| document(p, owner)).collect();
    Export {
        text: dump_all(&docs),
        warnings,
        secrets: 0,
    }
}

/// Documents as one YAML stream.
pub(super) fn dump_all(docs: &[Value]) -> String {
    docs.iter()
        .map(crate::yaml::dump)
        .collect::<Vec<_>>()
        .join("---\n")
}

/// The Pods of [`kubernetes_from`] (for a cluster when `cluster` says
/// which variables are sensitive whatever their names), and the warnings.
pub(super) fn pods(
    config: &Config,
    source: &Source,
    cluster: Option<Vec<String>>,
) -> (Vec<Pod>, Vec<Diagnostic>) {
    let mut warnings = Vec::new();
    let mut pods: Vec<Pod> = Vec::new();
    let runs = config
        .entries
        .iter()
        .filter(|e| e.action() == EntryAction::Run)
        .count();
    // Infra containers first: their volumes are mounted by the others.
    let mut order: Vec<&Entry> = config
        .entries
        .iter()
        .filter(|e| role(e).is_some_and(|(_, r)| r == "infra"))
        .collect();
    order.extend(
        config
            .entries
            .iter()
            .filter(|e| role(e).is_none_or(|(_, r)| r != "infra")),
    );
    for e in order {
        if e.action() == EntryAction::Exec {
            warn(
                &mut warnings,
                e,
                "action",
                "an exec entry has no Kubernetes equivalent (a Pod cannot run a command in another); left out".into(),
            );
            continue;
        }
        match role(e) {
            Some((pod, r)) => {
                into_its_pod(e, (pod, r), &mut pods, source, &cluster, &mut warnings);
            }
            None if replica_of(e, &cluster, &mut pods) => {}
            None => {
                let mut p = Pod {
                    cluster: cluster.clone(),
                    blocking: !e.detach(),
                    ..Pod::default()
                };
                own_pod(e, runs, &mut p, &pods, source, &mut warnings);
                if cluster.is_some() {
                    p.service = service_of(e);
                }
                pods.push(p);
            }
        }
    }
    (pods, warnings)
}

/// The compose service an entry is a replica of.
fn service_of(e: &Entry) -> Option<String> {
    let prefix = format!("{}=", crate::config::compose::SERVICE_LABEL);
    e.strings("labels")
        .iter()
        .find_map(|l| l.strip_prefix(&prefix).map(str::to_string))
}

/// For a cluster: whether `e` is one more replica of a compose service
/// a Pod of `pods` already is (counted there, as the Deployment's
/// `replicas`).
fn replica_of(e: &Entry, cluster: &Option<Vec<String>>, pods: &mut [Pod]) -> bool {
    if cluster.is_none() || !e.detach() {
        return false;
    }
    let Some(service) = service_of(e) else {
        return false;
    };
    match pods
        .iter_mut()
        .find(|p| !p.blocking && p.service.as_deref() == Some(&service))
    {
        Some(p) => {
            p.more_replicas += 1;
            true
        }
        None => false,
    }
}

/// An entry read from Pod `pod` in role `r`, back into that Pod.
fn into_its_pod(
    e: &Entry,
    (pod, r): (&str, &str),
    pods: &mut Vec<Pod>,
    source: &Source,
    cluster: &Option<Vec<String>>,
    w: &mut Vec<Diagnostic>,
) {
    let at = match pods.iter().position(|p| p.grouped && p.name == pod) {
        Some(at) => at,
        None => {
            pods.push(Pod {
                name: pod.to_string(),
                grouped: true,
                cluster: cluster.clone(),
                ..Pod::default()
            });
            pods.len() - 1
        }
    };
    let p = &mut pods[at];
    p.entries.insert(e.name.clone(), carried(e));
    if r == "infra" {
        infra(e, p, w);
        return;
    }
    let short = e
        .name
        .strip_prefix(&format!("{pod}-"))
        .unwrap_or(&e.name)
        .to_string();
    let first_volume = p.volumes.len();
    let mut c = container(e, &short, p, source, w, r == "app");
    match r {
        // A sidecar: an init container that keeps running.
        "init" if e.detach() => {
            if let Value::Map(m) = &mut c {
                m.insert("restartPolicy".into(), s("Always"));
            }
            p.init.push(c);
        }
        "init" => p.init.push(c),
        // A files container writes its volume's files before the Pod's
        // init containers, as an init container does; the containers
        // mounting them (`volumes_from` it) mount its emptyDirs.
        "files" => {
            let held = files_volumes(&c, &p.volumes[first_volume..]);
            p.files.insert(e.name.clone(), held);
            p.init.push(c);
        }
        _ => p.containers.push(c),
    }
}

/// The emptyDirs among `added` (the volumes a container's own entry
/// added) and where container `c` mounts them: (volume name, path).
fn files_volumes(c: &Value, added: &[Value]) -> Vec<(String, String)> {
    let text = |v: &Value, k: &str| match v.as_map().and_then(|m| m.get(k)) {
        Some(Value::String(t)) => Some(t.clone()),
        _ => None,
    };
    let empty: Vec<String> = added
        .iter()
        .filter(|v| v.as_map().is_some_and(|m| m.get("emptyDir").is_some()))
        .filter_map(|v| text(v, "name"))
        .collect();
    let mounts = match c.as_map().and_then(|m| m.get("volumeMounts")) {
        Some(Value::List(l)) => l.as_slice(),
        _ => &[],
    };
    mounts
        .iter()
        .filter_map(|m| Some((text(m, "name")?, text(m, "mountPath")?)))
        .filter(|(name, _)| empty.contains(name))
        .collect()
}

/// Any other entry, as a Pod of its own (`runs` run entries in all):
/// `start_order` is then said only by the order of the documents. Its
/// name is the entry's in Kubernetes' form, made distinct from the Pods
/// before it (`a_b` after `a-b` is `a-b-2`).
fn own_pod(
    e: &Entry,
    runs: usize,
    p: &mut Pod,
    pods: &[Pod],
    source: &Source,
    w: &mut Vec<Diagnostic>,
) {
    let (name, clash) = distinct(&k8s_name(&e.name, true), pods);
    if let Some(other) = clash {
        warn(
            w,
            e,
            "image",
            format!(
                "the Pod of \"{}\" is named \"{name}\": \"{other}\" is the Pod of {}",
                e.name,
                pods.iter()
                    .find(|p| p.name == other)
                    .and_then(|p| p.entries.iter().next().map(|(n, _)| format!("\"{n}\"")))
                    .unwrap_or_else(|| "another entry".into())
            ),
        );
    } else if name != e.name {
        warn(
            w,
            e,
            "image",
            format!(
                "the Pod of \"{}\" is named \"{name}\" (Kubernetes names are lowercase letters, digits and -)",
                e.name
            ),
        );
    }
    p.name = name.clone();
    if runs > 1 && e.setting("start_order").is_some() {
        warn(
            w,
            e,
            "start_order",
            "Pods start independently: the order across Pods is lost".into(),
        );
    }
    // The entry's name, even in a Pod renamed to be distinct.
    let cname = k8s_name(&e.name, false);
    let c = container(e, &cname, p, source, w, true);
    p.containers.push(c);
    p.labels.insert("container_name".into(), s(e.name.clone()));
    p.entries.insert(e.name.clone(), carried(e));
}

/// The entry a Pod's annotations carry for `e`: the entry itself, or
/// nothing for a compose service's (its `config_data` is the service, and
/// its networks are the project's, which are not in the export): the
/// Pod then carries no entries and reads back from its spec.
fn carried(e: &Entry) -> Value {
    if e.relabelled {
        Value::Null
    } else {
        e.data.clone()
    }
}
/// `name`, or with the first `-N` suffix no Pod of `pods` has (and the
/// name it would have clashed with).
fn distinct(name: &str, pods: &[Pod]) -> (String, Option<String>) {
    let taken = |n: &str| pods.iter().any(|p| p.name == n);
    if !taken(name) {
        return (name.to_string(), None);
    }
    let base: String = name.chars().take(59).collect();
    let free = (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|n| !taken(n))
        .unwrap_or_default();
    (free, Some(name.to_string()))
}

/// A Pod as its document, with paunch's labels.
fn document(p: Pod, owner: &Owner) -> Value {
    let entries = p.entries.clone();
    let (meta, spec) = parts(p, owner);
    annotated(meta, &entries, &Map::new(), |meta| {
        obj(vec![
            ("apiVersion", s("v1")),
            ("kind", s("Pod")),
            ("metadata", Value::Map(meta.clone())),
            ("spec", Value::Map(spec.clone())),
        ])
    })
}

/// `wrap(meta)` with the annotations carrying `entries` (and the
/// references `secrets` of their values in a Secret) in `meta`, for
/// reading the document back as them (and a digest of it, which must
/// not have changed since); none when one cannot be.
pub(super) fn annotated(
    mut meta: Map,
    entries: &Map,
    secrets: &Map,
    wrap: impl Fn(&Map) -> Value,
) -> Value {
    let whole = entries.iter().all(|(_, e)| e.as_map().is_some());
    let annotations = export_annotations_with_secrets(entries, secrets, &wrap(&meta))
        .into_iter()
        .filter(|_| whole)
        .map(|(k, v)| (k, s(v)))
        .collect::<Map>();
    if !annotations.is_empty() {
        meta.insert("annotations".into(), Value::Map(annotations));
    }
    wrap(&meta)
}

/// A Pod's `metadata` (name and labels, paunch's among them) and `spec`.
pub(super) fn parts(mut p: Pod, owner: &Owner) -> (Map, Map) {
    p.labels.insert("managed_by".into(), s(owner.managed_by));
    p.labels.insert("config_id".into(), s(owner.config_id));
    if let (false, Some(Value::Map(first))) = (p.ports.is_empty(), p.containers.first_mut()) {
        let mut ports = match first.remove("ports") {
            Some(Value::List(l)) => l,
            _ => Vec::new(),
        };
        ports.extend(std::mem::take(&mut p.ports));
        first.insert("ports".into(), Value::List(ports));
    }
    let mut spec = Map::new();
    if !p.init.is_empty() {
        spec.insert("initContainers".into(), Value::List(p.init));
    }
    spec.insert("containers".into(), Value::List(p.containers));
    for (k, v) in p.spec.iter() {
        spec.insert(k.clone(), v.clone());
    }
    if !p.security.is_empty() {
        spec.insert("securityContext".into(), Value::Map(p.security));
    }
    if !p.volumes.is_empty() {
        spec.insert("volumes".into(), Value::List(p.volumes));
    }
    let mut meta = Map::new();
    meta.insert("name".into(), s(p.name));
    meta.insert("labels".into(), Value::Map(p.labels));
    (meta, spec)
}

/// The Pod and role (`infra`, `init`, `app`) of an entry read from a Pod.
fn role(e: &Entry) -> Option<(&str, &str)> {
    let l = e.strings("labels");
    let get = |k: &str| {
        l.iter()
            .find_map(|x| x.strip_prefix(k).and_then(|r| r.strip_prefix('=')))
    };
    Some((get(POD_LABEL)?, get(ROLE_LABEL)?))
}

/// A name Kubernetes accepts: lowercase, `-` for what it does not allow
/// (and `.` too for a container name).
pub(super) fn k8s_name(name: &str, dots: bool) -> String {
    let n: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || (dots && c == '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let n = n.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    let n: String = n.chars().take(63).collect();
    let n = n
        .trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    if n.is_empty() { "c".into() } else { n }
}

/// The infra container's settings become the Pod's.
fn infra(e: &Entry, p: &mut Pod, w: &mut Vec<Diagnostic>) {
    pod_level(e, p, w);
    for v in e.strings("volumes") {
        if !v.contains(':') {
            let name = format!("empty-{}", p.empty.len());
            p.volumes
                .push(obj(vec![("name", s(&name)), ("emptyDir", obj(vec![]))]));
            p.empty.push((name, v.clone()));
        }
    }
    p.ports.extend(ports(e, w));
}

/// Settings of an entry that Kubernetes puts on the Pod: `hostname`,
/// `net`/`ipc`/`pid: host`, `extra_hosts` as `hostAliases`, `dns` and
/// `dns_search` as `dnsConfig`, `sysctls` in its `securityContext`.
fn pod_level(e: &Entry, p: &mut Pod, w: &mut Vec<Diagnostic>) {
    if let Some(h) = e.string("hostname") {
        p.spec.insert("hostname".into(), s(h));
    }
    if e.string("net") == Some("host") {
        p.spec.insert("hostNetwork".into(), Value::Bool(true));
    }
    if e.string("ipc") == Some("host") {
        p.spec.insert("hostIPC".into(), Value::Bool(true));
    }
    if e.string("pid") == Some("host") {
        p.spec.insert("hostPID".into(), Value::Bool(true));
    }
    let mut aliases: Vec<(String, Vec<Value>)> = Vec::new();
    for h in e.strings("extra_hosts") {
        match h.split_once(':') {
            Some((host, ip)) => match aliases.iter_mut().find(|(i, _)| i == ip) {
                Some((_, names)) => names.push(s(host)),
                None => aliases.push((ip.to_string(), vec![s(host)])),
            },
            None => warn(
                w,
                e,
                "extra_hosts",
                format!("\"{h}\" is not HOST:IP; left out"),
            ),
        }
    }
    if !aliases.is_empty() {
        p.spec.insert(
            "hostAliases".into(),
            Value::List(
                aliases
                    .into_iter()
                    .map(|(ip, names)| obj(vec![("ip", s(ip)), ("hostnames", Value::List(names))]))
                    .collect(),
            ),
        );
    }
    let mut dns = Map::new();
    let list = |k: &str| Value::List(e.strings(k).iter().map(s).collect());
    if !e.strings("dns").is_empty() {
        dns.insert("nameservers".into(), list("dns"));
    }
    if !e.strings("dns_search").is_empty() {
        dns.insert("searches".into(), list("dns_search"));
    }
    if !dns.is_empty() {
        p.spec.insert("dnsConfig".into(), Value::Map(dns));
    }
    let sysctls: Vec<Value> = pairs(e.strings("sysctls"))
        .into_iter()
        .map(|(k, v)| obj(vec![("name", s(k)), ("value", s(v.unwrap_or_default()))]))
        .collect();
    if !sysctls.is_empty() {
        p.security.insert("sysctls".into(), Value::List(sysctls));
    }
}

/// `group_add`, numeric: the Pod's `securityContext.supplementalGroups`,
/// from its first container that has some (a Pod's containers all carry
/// the Pod's).
fn group_add(e: &Entry, p: &mut Pod, w: &mut Vec<Diagnostic>) {
    if p.security.get("supplementalGroups").is_some() {
        return;
    }
    let mut groups = Vec::new();
    for g in e.strings("group_add") {
        match g.parse::<i64>() {
            Ok(n) => groups.push(i(n)),
            Err(_) => warn(
                w,
                e,
                "group_add",
                format!("group \"{g}\" is not numeric: Kubernetes takes group IDs; left out"),
            ),
        }
    }
    if !groups.is_empty() {
        p.security
            .insert("supplementalGroups".into(), Value::List(groups));
    }
}

/// `ports`: `containerPort` (`hostPort`, `hostIP`, `protocol`), one port
/// each (a range cannot be written).
fn ports(e: &Entry, w: &mut Vec<Diagnostic>) -> Vec<Value> {
    let mut out = Vec::new();
    for spec in e.strings("ports") {
        let (spec_, proto) = match spec.rsplit_once('/') {
            Some((a, p)) => (a, p.to_ascii_uppercase()),
            None => (spec.as_str(), "TCP".to_string()),
        };
        let parts: Vec<&str> = spec_.rsplitn(3, ':').collect();
        let num = |x: &str| x.parse::<i64>().ok().filter(|p| (1..=65535).contains(p));
        let (cont, host, ip) = match parts.as_slice() {
            [c] => (num(c), None, None),
            [c, h] => (num(c), num(h), None),
            [c, h, ip] => (num(c), num(h), Some(ip.trim_matches(['[', ']']))),
            _ => (None, None, None),
        };
        let Some(cont) = cont else {
            warn(
                w,
                e,
                "ports",
                format!("port \"{spec}\" (a range?) cannot be written; left out"),
            );
            continue;
        };
        let mut m = vec![("containerPort", i(cont))];
        if let Some(h) = host {
            m.push(("hostPort", i(h)));
        } else if parts.len() > 1 {
            warn(
                w,
                e,
                "ports",
                format!("port \"{spec}\": a random host port cannot be written; published on none"),
            );
        }
        if let Some(ip) = ip.filter(|ip| !ip.is_empty()) {
            m.push(("hostIP", s(ip)));
        }
        if proto != "TCP" {
            m.push(("protocol", s(proto)));
        }
        out.push(obj(m));
    }
    out
}

/// A command word or env value as Kubernetes must be told it to run it as
/// written: it expands `$(NAME)` there, and paunch does not.
pub(super) fn literal(text: impl AsRef<str>) -> Value {
    Value::String(escape(text.as_ref()))
}

/// The order of a container's fields: the document's, not the key
/// table's (see [`super::laid_out`]).
const CONTAINER: &[&str] = &[
    "name",
    "image",
    "command",
    "args",
    "workingDir",
    "env",
    "envFrom",
    "ports",
    "volumeMounts",
    "securityContext",
    "resources",
    "livenessProbe",
    "readinessProbe",
    "lifecycle",
    "stdin",
    "tty",
];

/// One container of a Pod: the `Field` rows of the key table by their
/// shape, the `Custom` ones by the functions below (some write the Pod's
/// fields) and `interactive` or `stdin_open` as `stdin` here, a warning
/// for each `Lost` one.
fn container(
    e: &Entry,
    name: &str,
    p: &mut Pod,
    source: &Source,
    w: &mut Vec<Diagnostic>,
    app: bool,
) -> Value {
    let mut c = Map::new();
    c.insert("name".into(), s(name));
    plain_fields(e, KUBERNETES, &mut c);
    entrypoint_and_command(e, &mut c);
    environment(e, name, &mut c, p, source, w);
    if !p.grouped {
        let own = ports(e, w);
        if !own.is_empty() {
            c.insert("ports".into(), Value::List(own));
        }
    }
    let mut mounts = volumes(e, p, source, w);
    mounts.extend(volumes_from(e, p, w));
    if !mounts.is_empty() {
        c.insert("volumeMounts".into(), Value::List(mounts));
    }
    namespaces(e, p, w);
    security_context(e, &mut c, w);
    resources(e, &mut c, w);
    let probe = if source.readiness.contains(&e.name) {
        "readinessProbe"
    } else {
        "livenessProbe"
    };
    healthcheck(e, &mut c, probe, w);
    stop_signal(e, &mut c, p, w);
    if let Some(b) = e.bool("interactive").or(e.bool("stdin_open")) {
        c.insert("stdin".into(), Value::Bool(b));
    }
    // The Pod's.
    if !p.grouped {
        pod_level(e, p, w);
    }
    group_add(e, p, w);
    if app {
        restart(e, p, w);
    }
    stop_grace_period(e, p);
    labels(e, p, w);
    exit_codes(
        w,
        e,
        KUBERNETES,
        "a Pod succeeds with exit code 0 only; other exit codes are left out",
    );
    if p.cluster.is_some() {
        // A cluster's ConfigMap says it (see [`environment`]).
        super::left_out_except(w, e, KUBERNETES, "env_file");
    } else {
        left_out(w, e, KUBERNETES);
    }
    Value::Map(laid_out(c, CONTAINER))
}

/// `entrypoint` as `command`, `command` as `args`, each word as written.
fn entrypoint_and_command(e: &Entry, c: &mut Map) {
    let ep = e.strings("entrypoint");
    if !ep.is_empty() {
        c.insert(
            "command".into(),
            Value::List(ep.iter().map(literal).collect()),
        );
    }
    if e.setting("command").is_some() {
        c.insert(
            "args".into(),
            Value::List(e.command().iter().map(literal).collect()),
        );
    }
}

/// `environment` as `env`; a variable passed through from the engine's
/// environment cannot be. For a cluster, a sensitive value (by its name,
/// [`crate::mask`], or set by a Secret it was read from) is in the Pod's
/// Secret (`valueFrom.secretKeyRef`), and the variables of the
/// `env_file`s in a ConfigMap of the container's (`envFrom`) but for the
/// sensitive ones, in the Secret too.
fn environment(
    e: &Entry,
    cname: &str,
    c: &mut Map,
    p: &mut Pod,
    source: &Source,
    w: &mut Vec<Diagnostic>,
) {
    let mut env = Vec::new();
    let own = pairs(e.strings("environment"));
    if p.cluster.is_some() {
        let (from_files, env_from) = super::cluster::env_files(e, cname, &own, p, source, w);
        env.extend(from_files);
        if let Some(f) = env_from {
            c.insert("envFrom".into(), f);
        }
    }
    for (k, v) in own {
        match v {
            Some(v) if super::cluster::is_sensitive(p, &k) => {
                let r = super::cluster::secret_ref(p, cname, &k, v);
                super::cluster::remember(p, &e.name, &k, &r, super::cluster::value_type(e, &k));
                env.push(super::cluster::env_from_secret(&k, &r));
            }
            Some(v) => env.push(obj(vec![("name", s(k)), ("value", literal(v))])),
            None => warn(
                w,
                e,
                "environment",
                format!(
                    "\"{k}\" is passed through from the engine's environment, which a Pod cannot do; left out"
                ),
            ),
        }
    }
    if !env.is_empty() {
        c.insert("env".into(), Value::List(env));
    }
}

/// `volumes`: a Pod volume each (`hostPath`, `persistentVolumeClaim`, or
/// `emptyDir` for an anonymous one), and its mount.
fn volumes(e: &Entry, p: &mut Pod, source: &Source, w: &mut Vec<Diagnostic>) -> Vec<Value> {
    let mut mounts = Vec::new();
    for v in e.strings("volumes") {
        let parts: Vec<&str> = v.splitn(3, ':').collect();
        let (src, dst, opts) = match parts.as_slice() {
            [d] => (None, *d, ""),
            [src, d] => (Some(*src), *d, ""),
            [src, d, o] => (Some(*src), *d, *o),
            _ => continue,
        };
        // A Pod's emptyDir mounted at several paths is a named volume of
        // its own: one emptyDir again, shared by the mounts.
        // Written under its own name, so that the Pod's spec read alone
        // names the same volume.
        let own = src.filter(|_| p.grouped).and_then(|src| {
            let volume = crate::config::kube::pod_emptydir_of(&p.name, src)?;
            Some((src.to_string(), volume.to_string()))
        });
        if let Some((o, volume)) = own {
            let vname = match p.own_empty.get(&o) {
                Some(held) => held.clone(),
                None => {
                    let taken = p.volumes.iter().any(|v| {
                        v.as_map()
                            .and_then(|m| m.get("name"))
                            .and_then(Value::as_str)
                            == Some(volume.as_str())
                    });
                    let vname = match taken {
                        false => volume,
                        true => format!("vol-{}", p.volumes.len()),
                    };
                    p.own_empty.insert(o, vname.clone());
                    p.volumes
                        .push(obj(vec![("name", s(&vname)), ("emptyDir", obj(vec![]))]));
                    vname
                }
            };
            let mut m = vec![("name", s(&vname)), ("mountPath", s(dst))];
            if opts.split(',').any(|o| o == "ro") {
                m.push(("readOnly", Value::Bool(true)));
            }
            mounts.push(obj(m));
            continue;
        }
        let vname = format!("vol-{}", p.volumes.len());
        let source = match src {
            None => ("emptyDir", obj(vec![])),
            Some(src) if src.starts_with('/') => {
                let mut h = vec![("path", s(src))];
                if let Some(t) = source
                    .host_path_types
                    .get(&(p.name.clone(), src.to_string()))
                {
                    h.push(("type", s(t)));
                }
                ("hostPath", obj(h))
            }
            Some(claim) => {
                let claim = super::cluster::claim_name(e, claim, p, w);
                ("persistentVolumeClaim", obj(vec![("claimName", s(claim))]))
            }
        };
        p.volumes.push(obj(vec![("name", s(&vname)), source]));
        let mut m = vec![("name", s(&vname)), ("mountPath", s(dst))];
        for o in opts.split(',').filter(|o| !o.is_empty()) {
            match o {
                "ro" => m.push(("readOnly", Value::Bool(true))),
                "rw" => {}
                "rslave" => m.push(("mountPropagation", s("HostToContainer"))),
                "rshared" => m.push(("mountPropagation", s("Bidirectional"))),
                other => warn(
                    w,
                    e,
                    "volumes",
                    format!(
                        "volume option \"{other}\" of \"{v}\" has no Kubernetes equivalent; left out"
                    ),
                ),
            }
        }
        mounts.push(obj(m));
    }
    mounts
}

/// `volumes_from`: only the infra container's volumes, in a Pod read from
/// a Pod; any other container's cannot be mounted.
fn volumes_from(e: &Entry, p: &Pod, w: &mut Vec<Diagnostic>) -> Vec<Value> {
    let mut mounts = Vec::new();
    for from in e.strings("volumes_from") {
        let (x, ro) = match from.strip_suffix(":ro") {
            Some(x) => (x, true),
            None => (from.strip_suffix(":rw").unwrap_or(from), false),
        };
        let held = if p.grouped && x == format!("{}-infra", p.name) {
            Some(&p.empty)
        } else {
            p.files.get(x)
        };
        if let Some(held) = held {
            for (vname, path) in held {
                let mut m = vec![("name", s(vname)), ("mountPath", s(path))];
                if ro {
                    m.push(("readOnly", Value::Bool(true)));
                }
                mounts.push(obj(m));
            }
        } else {
            warn(
                w,
                e,
                "volumes_from",
                format!(
                    "the volumes of container \"{x}\" cannot be mounted from another Pod; left out"
                ),
            );
        }
    }
    mounts
}

/// `net`, `ipc`, `pid`: `host` as the Pod's, the infra container's as the
/// Pod's own (shared anyway, or `shareProcessNamespace`), the engine's
/// defaults as nothing; any other cannot be said.
fn namespaces(e: &Entry, p: &mut Pod, w: &mut Vec<Diagnostic>) {
    let infra = format!("container:{}-infra", p.name);
    for key in ["net", "ipc", "pid"] {
        let Some(mode) = e.string(key) else { continue };
        let fine = match (key, mode) {
            (_, "host") => {
                if !p.grouped {
                    pod_level_mode(p, key);
                }
                true
            }
            ("net", "bridge" | "default") | ("ipc", "private" | "shareable") => true,
            ("pid", m) if p.grouped && m == infra => {
                p.spec
                    .insert("shareProcessNamespace".into(), Value::Bool(true));
                true
            }
            // A files container has no network of its own (paunch's
            // choice, not the configuration's); in a Pod it is the Pod's.
            ("net", "none") if role(e).is_some_and(|(_, r)| r == "files") => true,
            (_, m) => p.grouped && m == infra,
        };
        if !fine {
            warn(
                w,
                e,
                key,
                format!(
                    "{key}: {mode} cannot be said of a Pod's container (its Pod shares its own namespaces); left out"
                ),
            );
        }
    }
}

/// `user`, `privileged`, `read_only`, `cap_add`, `cap_drop`,
/// `security_opt`: the container's `securityContext`.
fn security_context(e: &Entry, c: &mut Map, w: &mut Vec<Diagnostic>) {
    let mut sc = Map::new();
    user(e, &mut sc, w);
    if let Some(b) = e.bool("privileged") {
        sc.insert("privileged".into(), Value::Bool(b));
    }
    if let Some(b) = e.bool("read_only") {
        sc.insert("readOnlyRootFilesystem".into(), Value::Bool(b));
    }
    let mut caps = Map::new();
    for (k, to) in [("cap_add", "add"), ("cap_drop", "drop")] {
        if !e.strings(k).is_empty() {
            caps.insert(to.into(), Value::List(e.strings(k).iter().map(s).collect()));
        }
    }
    if !caps.is_empty() {
        sc.insert("capabilities".into(), Value::Map(caps));
    }
    for o in e.strings("security_opt") {
        if o == "no-new-privileges" || o == "no-new-privileges:true" {
            sc.insert("allowPrivilegeEscalation".into(), Value::Bool(false));
        } else {
            warn(
                w,
                e,
                "security_opt",
                format!("security option \"{o}\" has no Kubernetes equivalent; left out"),
            );
        }
    }
    if !sc.is_empty() {
        c.insert("securityContext".into(), Value::Map(sc));
    }
}

/// `user`: `runAsUser` (and `runAsGroup`), numeric only.
fn user(e: &Entry, sc: &mut Map, w: &mut Vec<Diagnostic>) {
    let Some(u) = e.string("user") else { return };
    let (uid, gid) = match u.split_once(':') {
        Some((a, b)) => (a, Some(b)),
        None => (u, None),
    };
    match (uid.parse::<i64>(), gid.map(str::parse::<i64>)) {
        (Ok(uid), None) => {
            sc.insert("runAsUser".into(), i(uid));
        }
        (Ok(uid), Some(Ok(gid))) => {
            sc.insert("runAsUser".into(), i(uid));
            sc.insert("runAsGroup".into(), i(gid));
        }
        _ => warn(
            w,
            e,
            "user",
            format!("user \"{u}\" is not numeric: Kubernetes takes IDs; left out"),
        ),
    }
}

/// `mem_limit`, `memory_reservation`, `cpu_quota` over `cpu_period`,
/// `cpu_shares`: `resources` limits and requests.
fn resources(e: &Entry, c: &mut Map, w: &mut Vec<Diagnostic>) {
    let mut limits = Map::new();
    let mut requests = Map::new();
    let bytes = |k: &str, w: &mut Vec<Diagnostic>| {
        let v = e.string(k)?;
        let b = docker_bytes(v);
        if b.is_none() {
            warn(w, e, k, format!("\"{v}\" is not a size; left out"));
        }
        b
    };
    if let Some(b) = bytes("mem_limit", w) {
        limits.insert("memory".into(), s(b.to_string()));
    }
    if let Some(b) = bytes("memory_reservation", w) {
        requests.insert("memory".into(), s(b.to_string()));
    }
    if let Some(q) = e.int("cpu_quota").filter(|q| *q > 0) {
        let period = e.int("cpu_period").filter(|p| *p > 0).unwrap_or(100_000);
        limits.insert("cpu".into(), s(format!("{}m", (q * 1000 / period).max(1))));
    } else if e.int("cpu_period").is_some() {
        warn(
            w,
            e,
            "cpu_period",
            "a cpu_period without cpu_quota limits nothing; left out".into(),
        );
    }
    if let Some(sh) = e.int("cpu_shares").filter(|s| *s > 0) {
        requests.insert("cpu".into(), s(format!("{}m", (sh * 1000 / 1024).max(1))));
    }
    let mut res = Map::new();
    if !limits.is_empty() {
        res.insert("limits".into(), Value::Map(limits));
    }
    if !requests.is_empty() {
        res.insert("requests".into(), Value::Map(requests));
    }
    if !res.is_empty() {
        c.insert("resources".into(), Value::Map(res));
    }
}

/// `healthcheck`: an exec `livenessProbe`, or the `readinessProbe` it was
/// read from (`probe`): a cluster restarts a container that fails a
/// liveness probe, which a readiness probe never asked for.
fn healthcheck(e: &Entry, c: &mut Map, probe_field: &str, w: &mut Vec<Diagnostic>) {
    let Some(Setting::Healthcheck(h)) = e.setting("healthcheck") else {
        return;
    };
    if h.disable {
        return;
    }
    let Some(argv) = health_argv(e) else {
        warn(
            w,
            e,
            "healthcheck",
            "the healthcheck test cannot be written as an exec probe; left out".into(),
        );
        return;
    };
    let mut probe = vec![(
        "exec",
        obj(vec![("command", Value::List(argv.iter().map(s).collect()))]),
    )];
    let secs = |x: &Option<String>| x.as_deref().and_then(seconds).map(|n| i(n.max(1)));
    if let Some(v) = secs(&h.interval) {
        probe.push(("periodSeconds", v));
    }
    if let Some(v) = secs(&h.timeout) {
        probe.push(("timeoutSeconds", v));
    }
    if let Some(v) = secs(&h.start_period) {
        probe.push(("initialDelaySeconds", v));
    }
    if let Some(r) = h.retries {
        probe.push(("failureThreshold", i(r.max(1))));
    }
    c.insert(probe_field.into(), obj(probe));
}

/// `stop_signal`: `lifecycle.stopSignal`, which Kubernetes takes only of a
/// Pod that says its OS (`os.name: linux`), and by name (`SIGTERM`).
fn stop_signal(e: &Entry, c: &mut Map, p: &mut Pod, w: &mut Vec<Diagnostic>) {
    let Some(sig) = e.string("stop_signal") else {
        return;
    };
    let upper = sig.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    if !name[3..]
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-')
        || name[3..].chars().next().is_none_or(|c| c.is_ascii_digit())
    {
        warn(
            w,
            e,
            "stop_signal",
            format!("stop signal \"{sig}\": Kubernetes takes a signal by name (SIGTERM); left out"),
        );
        return;
    }
    c.insert("lifecycle".into(), obj(vec![("stopSignal", s(name))]));
    p.spec.insert("os".into(), obj(vec![("name", s("linux"))]));
}

/// `restart` (and `detach`): the Pod's `restartPolicy`, from its first app
/// container; a blocking entry's Pod is never restarted.
fn restart(e: &Entry, p: &mut Pod, w: &mut Vec<Diagnostic>) {
    if p.spec.get("restartPolicy").is_some() {
        return;
    }
    let policy = if !e.detach() {
        "Never"
    } else {
        match e.string("restart") {
            Some("always" | "unless-stopped") => "Always",
            Some(r) if r.starts_with("on-failure") => {
                if r.contains(':') {
                    warn(
                        w,
                        e,
                        "restart",
                        format!("restart \"{r}\": a Pod cannot limit its restarts; OnFailure"),
                    );
                }
                "OnFailure"
            }
            _ => "Never",
        }
    };
    p.spec.insert("restartPolicy".into(), s(policy));
}

/// `stop_grace_period`: the Pod's `terminationGracePeriodSeconds`, from
/// its first container that has one.
fn stop_grace_period(e: &Entry, p: &mut Pod) {
    if let Some(g) = e
        .string("stop_grace_period")
        .and_then(|g| g.parse::<i64>().ok())
        && p.spec.get("terminationGracePeriodSeconds").is_none()
    {
        p.spec.insert("terminationGracePeriodSeconds".into(), i(g));
    }
}

/// `labels`: the user's on the Pod (paunch's own are added by the caller),
/// those Kubernetes accepts.
fn labels(e: &Entry, p: &mut Pod, w: &mut Vec<Diagnostic>) {
    for (k, v) in pairs(e.strings("labels")) {
        // paunch's own, made again when the Pod is read (the files label
        // is a digest of the files, which the Pod itself holds).
        if k == POD_LABEL || k == ROLE_LABEL || k == crate::config::kube::FILES_LABEL {
            continue;
        }
        let v = v.unwrap_or_default();
        if valid_label(&k, &v) {
            p.labels.insert(k, s(v));
        } else {
            warn(
                w,
                e,
                "labels",
                format!("label \"{k}={v}\" is not a valid Kubernetes label; left out"),
            );
        }
    }
}

fn pod_level_mode(p: &mut Pod, key: &str) {
    let field = match key {
        "net" => "hostNetwork",
        "ipc" => "hostIPC",
        _ => "hostPID",
    };
    p.spec.insert(field.into(), Value::Bool(true));
}

/// A Kubernetes label: `[prefix/]name` of letters, digits, `-_.` (63 at
/// most), and a value of the same.
fn valid_label(key: &str, value: &str) -> bool {
    let part = |x: &str| {
        x.len() <= 63
            && x.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && x.chars().next().is_none_or(|c| c.is_ascii_alphanumeric())
            && x.chars().last().is_none_or(|c| c.is_ascii_alphanumeric())
    };
    let name = key.rsplit_once('/').map_or(key, |(_, n)| n);
    !name.is_empty() && part(name) && part(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::keys::{ExportAs, KEYS};

    /// A field missing from the layout would still be written, but last.
    #[test]
    fn every_field_row_has_its_place() {
        for k in KEYS {
            if let ExportAs::Field(path) = k.kube {
                assert!(
                    CONTAINER.contains(&path),
                    "{}: {path} is not in CONTAINER",
                    k.name
                );
            }
        }
    }
}
