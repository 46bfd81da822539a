//! `securityContext`, the Pod's (`PodSecurityContext`) and each
//! container's (`SecurityContext`) → paunch's `user` (the container's
//! `runAsUser`/`runAsGroup` over the Pod's), `group_add`
//! (`supplementalGroups`), `sysctls` (on the infra container),
//! `privileged`, `read_only` (`readOnlyRootFilesystem`), `security_opt`
//! (`allowPrivilegeEscalation: false`), `cap_add` and `cap_drop`.

use super::container::Container;
use super::node::{boolean, pos_of, s, seq};
use super::pod_spec::Pod;
use super::reader::Cx;
use crate::yaml::Node;

impl Cx<'_> {
    /// The Pod's `securityContext`.
    pub(super) fn pod_security(&mut self, node: &Node, p: &str, pod: &mut Pod) {
        for (f, e) in self.fields("PodSecurityContext", p, node) {
            let pp = format!("{p}.{}", f.name);
            let v = &e.value;
            match f.name {
                "runAsUser" => pod.run_as_user = self.integer(&pp, v).map(|i| (i, pos_of(v))),
                "runAsGroup" => pod.run_as_group = self.integer(&pp, v).map(|i| (i, pos_of(v))),
                "supplementalGroups" => {
                    for g in self.list(&pp, v) {
                        if let Some(i) = self.integer(&pp, g) {
                            pod.groups.push(s(&i.to_string(), pos_of(g)));
                        }
                    }
                }
                _ => self.sysctls(&pp, v, pod),
            }
        }
    }

    /// `sysctls`: `name=value` items.
    fn sysctls(&mut self, pp: &str, v: &Node, pod: &mut Pod) {
        for item in self.list(pp, v) {
            let mut name = None;
            let mut value = None;
            for (f, e) in self.fields("Sysctl", pp, item) {
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

    /// A container's `securityContext`.
    pub(super) fn security(&mut self, node: &Node, path: &str, c: &mut Container) {
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

    /// The entry keys of a container's security: its user and groups
    /// (the container's over the Pod's), then what its own
    /// `securityContext` said.
    pub(super) fn security_keys(
        &mut self,
        pod: &Pod,
        c: &Container,
        keys: &mut Vec<(&'static str, Node)>,
    ) {
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
            keys.push(("group_add", seq(pod.groups.clone(), c.pos)));
        }
        for k in [
            "privileged",
            "read_only",
            "cap_add",
            "cap_drop",
            "security_opt",
        ] {
            if let Some(v) = c.key(k) {
                keys.push((k, v));
            }
        }
    }
}
