//! `PodSpec`, and the Pod as read ([`Pod`]): `restartPolicy`,
//! `terminationGracePeriodSeconds`, `hostname`, `hostAliases`,
//! `dnsConfig`, the host namespaces (`hostNetwork`, `hostPID`, `hostIPC`,
//! `shareProcessNamespace`), and the lists handed on to their own modules
//! (`volumes`, `securityContext`, `initContainers` and `containers`),
//! with one name per container in the Pod.

use super::container::Container;
use super::node::{Pos, int, key_pos, pos_of, s};
use super::reader::Cx;
use super::volumes::Volume;
use crate::yaml::Node;
use std::collections::BTreeMap;

/// A Pod as read.
#[derive(Default)]
pub(super) struct Pod {
    pub(super) name: String,
    pub(super) name_pos: Pos,
    pub(super) labels: Vec<(String, Node)>,
    /// Its `metadata.annotations` (for the downward API), as written.
    pub(super) annotations: Vec<(String, String)>,
    pub(super) init: Vec<Container>,
    pub(super) containers: Vec<Container>,
    pub(super) volumes: BTreeMap<String, Volume>,
    pub(super) restart: Option<Node>,
    pub(super) grace: Option<Node>,
    pub(super) hostname: Option<Node>,
    pub(super) extra_hosts: Vec<Node>,
    pub(super) dns: Vec<Node>,
    pub(super) dns_search: Vec<Node>,
    pub(super) host_network: bool,
    pub(super) host_pid: bool,
    pub(super) host_ipc: bool,
    pub(super) share_pid: bool,
    pub(super) run_as_user: Option<(i64, Pos)>,
    pub(super) run_as_group: Option<(i64, Pos)>,
    pub(super) groups: Vec<Node>,
    pub(super) sysctls: Vec<Node>,
    /// `spec.resources`: the limits and requests of each container that
    /// gives none.
    pub(super) resources: Option<Box<Container>>,
}

impl Cx<'_> {
    pub(super) fn pod_spec(&mut self, node: &Node, path: &str, pod: &mut Pod) {
        // For the `fieldRef`s of its env and downwardAPI volumes.
        self.pod_annotations.clone_from(&pod.annotations);
        self.pod_labels = pod
            .labels
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    super::node::scalar_text(v).unwrap_or_default().to_string(),
                )
            })
            .collect();
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
                "restartPolicy" => self.restart_policy(&p, v, pod),
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
                "hostAliases" => self.host_aliases(&p, v, pod),
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
                "securityContext" => self.pod_security(v, &p, pod),
                "resources" => {
                    let mut r = Container::default();
                    self.resources(&p, v, &mut r);
                    pod.resources = Some(Box::new(r));
                }
                _ => {}
            }
        }
        self.containers(node, path, init, containers, pod);
        self.unique_names(pod);
    }

    fn restart_policy(&mut self, p: &str, v: &Node, pod: &mut Pod) {
        if let Some(r) = self.string(p, v) {
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

    /// `hostAliases`: one `extra_hosts` item per host name.
    fn host_aliases(&mut self, p: &str, v: &Node, pod: &mut Pod) {
        for a in self.list(p, v) {
            let mut ip = None;
            let mut names = Vec::new();
            for (f, e) in self.fields("HostAlias", p, a) {
                match f.name {
                    "ip" => ip = self.string(&format!("{p}.ip"), &e.value),
                    _ => names = self.strings(&format!("{p}.hostnames"), &e.value),
                }
            }
            if let Some(ip) = ip {
                for n in names {
                    let host = n.as_scalar().map(|s| s.text.clone()).unwrap_or_default();
                    pod.extra_hosts.push(s(&format!("{host}:{ip}"), pos_of(&n)));
                }
            }
        }
    }

    /// The init containers, then the app containers (at least one).
    fn containers(
        &mut self,
        node: &Node,
        path: &str,
        init: Option<&Node>,
        containers: Option<(&Node, Pos)>,
        pod: &mut Pod,
    ) {
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
                        if let Some(at) = c.sidecar {
                            self.error(
                                at,
                                format!("container \"{}\": restartPolicy is for init containers (sidecars)", c.name),
                                Some("an app container restarts as the Pod's restartPolicy says: remove it".into()),
                            );
                        }
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
    }

    /// One name per container, init containers included.
    fn unique_names(&mut self, pod: &Pod) {
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
}
