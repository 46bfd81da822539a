//! A Pod as read → its paunch entries, in the order of their keys in
//! `config_data`: the infra entry `P-infra` (the pause image, holding the
//! Pod's network, hostname, IPC namespace, published ports, host aliases,
//! DNS, sysctls and emptyDir volumes), then one entry `P-C` per init
//! container (`detach: false`, started before the app containers) and per
//! app container (joining the infra container's namespaces, with the
//! Pod's restart policy and grace period), each labelled with its Pod and
//! role.

use super::container::Container;
use super::files::{FILES_LABEL, digest};
use super::node::{Pos, boolean, int, map, own, s, seq};
use super::pod_spec::Pod;
use super::ports::published;
use super::reader::Cx;
use super::resources::resource_keys;
use super::{PAUSE_IMAGE, POD_LABEL, ROLE_LABEL};
use crate::yaml::Node;
use std::collections::BTreeMap;

/// An entry's keys, in the order written.
type Keys = Vec<(&'static str, Node)>;

impl Cx<'_> {
    /// The entries of a Pod: its infra container, init containers, app
    /// containers.
    pub(super) fn entries(&mut self, pod: &Pod) -> Vec<(String, Pos, Node)> {
        let p = &pod.name;
        let at = pod.name_pos;
        let infra = format!("{p}-infra");
        let labels_with = |role: &str, c: Option<&Container>| {
            let mut l = pod.labels.clone();
            l.retain(|(k, _)| k != POD_LABEL && k != ROLE_LABEL && k != FILES_LABEL);
            l.push((POD_LABEL.into(), s(p, at)));
            l.push((ROLE_LABEL.into(), s(role, at)));
            if let Some(d) = c.and_then(|c| digest(pod, c)) {
                l.push((FILES_LABEL.into(), s(&d, at)));
            }
            ("labels", map(l, at))
        };
        let labels = |role: &str| labels_with(role, None);
        // emptyDir volumes: one path each, the same in every container.
        let empty = self.empty_dirs(pod);
        let mut out = Vec::new();
        let mut keys = infra_keys(pod, &empty);
        keys.push(labels("infra"));
        out.push((infra.clone(), at, map(own(keys), at)));
        // The files containers first, when the Pod has any: the others'
        // orders move one on.
        let files = self.files_entries(pod, &labels("files"));
        let first = 1 + i64::from(!files.is_empty());
        out.extend(files);
        let n_init = pod.init.len() as i64;
        for (i, c) in pod.init.iter().enumerate() {
            // A sidecar is an init container, as Kubernetes has it.
            let labels = labels_with("init", Some(c));
            let keys = self.container_keys(pod, c, &infra, labels, i as i64 + first, false);
            out.push((format!("{p}-{}", c.name), c.pos, map(own(keys), c.pos)));
        }
        for c in &pod.containers {
            let labels = labels_with("app", Some(c));
            let keys = self.container_keys(pod, c, &infra, labels, n_init + first, true);
            out.push((format!("{p}-{}", c.name), c.pos, map(own(keys), c.pos)));
        }
        out
    }

    /// The keys of an init (`app` false) or app container's entry.
    fn container_keys(
        &mut self,
        pod: &Pod,
        c: &Container,
        infra: &str,
        labels: (&'static str, Node),
        order: i64,
        app: bool,
    ) -> Keys {
        let at = c.pos;
        let mut keys = Keys::new();
        copy(
            c,
            ["image", "entrypoint", "command", "working_dir"],
            &mut keys,
        );
        if !c.env.is_empty() {
            keys.push(("environment", map(c.env.clone(), at)));
        }
        self.mount_keys(pod, c, infra, &mut keys);
        namespace_keys(pod, infra, at, &mut keys);
        // A sidecar keeps running whatever the Pod's restart policy.
        let sidecar = c.sidecar.is_some() && !app;
        if app {
            keys.push((
                "restart",
                pod.restart.clone().unwrap_or_else(|| s("always", at)),
            ));
        } else if sidecar {
            keys.push(("restart", s("always", at)));
        }
        self.security_keys(pod, c, &mut keys);
        resource_keys(c, pod.resources.as_deref(), &mut keys);
        if let Some((h, _)) = &c.health {
            keys.push(("healthcheck", h.clone()));
        }
        copy(c, ["stop_signal", "interactive", "tty"], &mut keys);
        if let Some(g) = &pod.grace {
            keys.push(("stop_grace_period", g.clone()));
        }
        keys.push(labels);
        keys.push(("start_order", int(order, at)));
        if !app && !sidecar {
            keys.push(("detach", boolean(false, at)));
        }
        keys
    }
}

/// The keys of the Pod's infra container but its labels.
fn infra_keys(pod: &Pod, empty: &BTreeMap<&str, (&str, Pos)>) -> Keys {
    let at = pod.name_pos;
    let mut keys: Keys = vec![("image", s(PAUSE_IMAGE, at)), ("restart", s("always", at))];
    if pod.host_network {
        keys.push(("net", s("host", at)));
    } else {
        keys.push((
            "hostname",
            pod.hostname.clone().unwrap_or_else(|| s(&pod.name, at)),
        ));
    }
    keys.push((
        "ipc",
        s(if pod.host_ipc { "host" } else { "shareable" }, at),
    ));
    if pod.host_pid {
        keys.push(("pid", s("host", at)));
    }
    let ports = published(pod);
    if !ports.is_empty() && !pod.host_network {
        keys.push(("ports", seq(ports, at)));
    }
    for (key, items) in [
        ("extra_hosts", &pod.extra_hosts),
        ("dns", &pod.dns),
        ("dns_search", &pod.dns_search),
        ("sysctls", &pod.sysctls),
    ] {
        if !items.is_empty() {
            keys.push((key, seq(items.clone(), at)));
        }
    }
    if !empty.is_empty() {
        keys.push((
            "volumes",
            seq(empty.values().map(|(path, at)| s(path, *at)).collect(), at),
        ));
    }
    keys.push(("stop_grace_period", int(0, at)));
    keys
}

/// A container's namespaces: the infra container's, or the host's.
fn namespace_keys(pod: &Pod, infra: &str, at: Pos, keys: &mut Keys) {
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
}

/// The keys of `names` the container's own fields gave, as read.
fn copy<const N: usize>(c: &Container, names: [&'static str; N], keys: &mut Keys) {
    for k in names {
        if let Some(v) = c.key(k) {
            keys.push((k, v));
        }
    }
}
