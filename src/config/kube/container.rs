//! `Container` (of `containers` and `initContainers`), and the container
//! as read ([`Container`]): its `name`, `image`, `command` (paunch's
//! `entrypoint`) and `args` (paunch's `command`), `workingDir`, `env`,
//! `lifecycle.stopSignal`, `stdin` and `tty`; `ports`, `volumeMounts`,
//! `resources`, `securityContext` and the probes are handed on to their
//! own modules.

use super::metadata::dns_label;
use super::node::{Pos, boolean, pos_of, s, seq};
use super::pod_spec::Pod;
use super::reader::Cx;
use super::table::Field;
use super::volumes::Mount;
use crate::yaml::{MapEntry, Node};

#[derive(Default)]
pub(super) struct Container {
    pub(super) name: String,
    pub(super) pos: Pos,
    /// Entry keys read as they are, in the order read.
    pub(super) keys: Vec<(&'static str, Node)>,
    pub(super) env: Vec<(String, Node)>,
    pub(super) mounts: Vec<Mount>,
    pub(super) ports: Vec<Node>,
    pub(super) user: Option<(i64, Pos)>,
    pub(super) group: Option<(i64, Pos)>,
    pub(super) mem_limit: Option<Node>,
    pub(super) mem_request: Option<Node>,
    pub(super) cpu_limit: Option<(u64, Pos)>,
    pub(super) cpu_request: Option<(u64, Pos)>,
    pub(super) health: Option<(Node, bool)>,
    /// `restartPolicy: Always` (at its position): a sidecar, when an
    /// init container.
    pub(super) sidecar: Option<Pos>,
    /// Bytes its `$(NAME)` expansions wrote (see [`Cx::expand`]).
    pub(super) expanded: usize,
}

impl Container {
    /// The entry key `name` as read from the container's own fields.
    pub(super) fn key(&self, name: &str) -> Option<Node> {
        self.keys
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
}

impl Cx<'_> {
    pub(super) fn container(&mut self, node: &Node, path: &str, pod: &Pod) -> Option<Container> {
        let mut fields = self.fields("Container", path, node);
        // `envFrom` first: `env` overrides it, wherever it is written.
        fields.sort_by_key(|(f, _)| f.name != "envFrom");
        let mut c = self.container_name(node, path, &fields)?;
        let path = format!("{path}[{}]", c.name);
        let mut probes: Vec<(&str, &Node)> = Vec::new();
        for (f, e) in fields {
            let v = &e.value;
            match f.name {
                "livenessProbe" | "readinessProbe" | "startupProbe" => probes.push((f.name, v)),
                _ => self.container_field(f.name, &format!("{path}.{}", f.name), v, &mut c),
            }
        }
        self.health(probes, &path, &mut c);
        self.mounted_volumes(&c, pod);
        self.expand_words(&mut c);
        Some(c)
    }

    /// A container named as Kubernetes allows, read first for the
    /// messages about the rest.
    fn container_name(
        &mut self,
        node: &Node,
        path: &str,
        fields: &[(&'static Field, &MapEntry)],
    ) -> Option<Container> {
        let mut c = Container {
            pos: pos_of(node),
            ..Container::default()
        };
        for (f, e) in fields {
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
        Some(c)
    }

    /// One field of a container but its name and probes.
    fn container_field(&mut self, name: &str, p: &str, v: &Node, c: &mut Container) {
        match name {
            "image" => {
                if let Some(i) = self.string(p, v) {
                    c.keys.push(("image", s(&i, pos_of(v))));
                }
            }
            "command" => {
                let words = self.strings(p, v);
                if !words.is_empty() {
                    c.keys.push(("entrypoint", seq(words, pos_of(v))));
                }
            }
            "args" => {
                let words = self.strings(p, v);
                c.keys.push(("command", seq(words, pos_of(v))));
            }
            "workingDir" => {
                if let Some(w) = self.string(p, v) {
                    c.keys.push(("working_dir", s(&w, pos_of(v))));
                }
            }
            "env" => self.env(p, v, c),
            "envFrom" => {
                for item in self.list(p, v) {
                    self.env_from(item, p, c);
                }
            }
            "ports" => {
                for item in self.list(p, v) {
                    self.port(item, p, &mut c.ports);
                }
            }
            "volumeMounts" => {
                for item in self.list(p, v) {
                    self.mount(item, p, &mut c.mounts);
                }
            }
            "resources" => self.resources(p, v, c),
            "securityContext" => self.security(v, p, c),
            "lifecycle" => {
                for (f, e) in self.fields("Lifecycle", p, v) {
                    if f.name == "stopSignal"
                        && let Some(sig) = self.string(&format!("{p}.stopSignal"), &e.value)
                    {
                        c.keys.push(("stop_signal", s(&sig, pos_of(&e.value))));
                    }
                }
            }
            "restartPolicy" => {
                if let Some(r) = self.string(p, v) {
                    if r == "Always" {
                        c.sidecar = Some(pos_of(v));
                    } else {
                        self.error(
                            pos_of(v),
                            format!("{p}: \"{r}\" is not Always (the only restartPolicy of a container: a sidecar)"),
                            None,
                        );
                    }
                }
            }
            "stdin" => {
                if let Some(b) = self.flag(p, v) {
                    c.keys.push(("interactive", boolean(b, pos_of(v))));
                }
            }
            "tty" => {
                if let Some(b) = self.flag(p, v) {
                    c.keys.push(("tty", boolean(b, pos_of(v))));
                }
            }
            _ => {}
        }
    }
}
