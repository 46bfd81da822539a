//! A service's `volumes` (short and long syntax), `volumes_from` and the
//! tmpfs mounts of the long syntax, normalised: binds with absolute host
//! paths (relative to the compose file, `~` the caller's home), named
//! volumes by engine name (`PROJECT_KEY`), as `--volume` strings.

use super::project::Names;
use super::reader::{Cx, pos_of, strings_value, text};
use super::service::Service;
use crate::value::Value;
use crate::yaml::{Node, NodeData};

/// The options of the short syntax's third field that reach the engine.
const ENGINE_OPTIONS: &[&str] = &[
    "ro", "rw", "z", "Z", "nocopy", "shared", "rshared", "slave", "rslave", "private", "rprivate",
];

/// Options compose accepts that mean nothing on Linux (Docker Desktop's
/// file sharing): dropped, as compose drops them.
const DESKTOP_OPTIONS: &[&str] = &["cached", "delegated", "consistent"];

/// A long-syntax mount as written.
#[derive(Default)]
struct LongMount {
    kind: Option<String>,
    source: Option<String>,
    target: Option<String>,
    read_only: bool,
    /// Engine options (propagation, SELinux label, nocopy, tmpfs size).
    extra: Vec<String>,
}

impl Cx<'_> {
    pub(super) fn volumes(&mut self, path: &str, n: &Node, names: &Names, s: &mut Service) {
        let mut volumes = Vec::new();
        let mut tmpfs: Vec<String> = match s.data.get("tmpfs") {
            Some(Value::List(l)) => l
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        for item in self.list(path, n) {
            let mount = match &item.data {
                NodeData::Map(_) => self.long_volume(path, item, names, s, &mut tmpfs),
                _ => self
                    .string(path, item)
                    .and_then(|t| self.short_volume(path, item, &t, names, s)),
            };
            volumes.extend(mount);
        }
        s.data.insert("volumes".into(), strings_value(&volumes));
        if !tmpfs.is_empty() {
            s.data.insert("tmpfs".into(), strings_value(&tmpfs));
        }
    }

    /// `SOURCE:TARGET[:OPTIONS]` or `TARGET` (an anonymous volume).
    fn short_volume(
        &mut self,
        path: &str,
        at: &Node,
        t: &str,
        names: &Names,
        s: &mut Service,
    ) -> Option<String> {
        let parts: Vec<&str> = t.split(':').collect();
        let (source, target, options) = match parts.as_slice() {
            [target] => return Some((*target).to_string()),
            [source, target] => (*source, *target, None),
            [source, target, options] => (*source, *target, Some(*options)),
            _ => {
                self.error(
                    pos_of(at),
                    format!("{path}: \"{t}\" is not SOURCE:TARGET[:OPTIONS]"),
                    None,
                );
                return None;
            }
        };
        let mut opts = Vec::new();
        for o in options
            .unwrap_or_default()
            .split(',')
            .filter(|o| !o.is_empty())
        {
            if ENGINE_OPTIONS.contains(&o) {
                opts.push(o);
            } else if !DESKTOP_OPTIONS.contains(&o) {
                self.error(
                    pos_of(at),
                    format!("{path}: unknown volume option \"{o}\" in \"{t}\""),
                    Some(format!("known: {}", ENGINE_OPTIONS.join(", "))),
                );
            }
        }
        let source = self.source(path, at, source, names, s)?;
        Some(if opts.is_empty() {
            format!("{source}:{target}")
        } else {
            format!("{source}:{target}:{}", opts.join(","))
        })
    }

    /// A bind source made absolute (and listed for creation when missing),
    /// or a named volume's engine name.
    fn source(
        &mut self,
        path: &str,
        at: &Node,
        source: &str,
        names: &Names,
        s: &mut Service,
    ) -> Option<String> {
        if source.starts_with(['/', '.', '~']) {
            let abs = names.host_path(source);
            if names.missing(&abs) {
                s.create.push(abs.clone());
            }
            return Some(abs);
        }
        match names.volume(source) {
            Some(engine) => {
                if !s.volumes.contains(&engine.to_string()) {
                    s.volumes.push(engine.to_string());
                }
                Some(engine.to_string())
            }
            None => {
                self.error(
                    pos_of(at),
                    format!("{path}: volume \"{source}\" is not declared"),
                    Some(format!(
                        "declare it under the top-level `volumes:` (`volumes: {{{source}: {{}}}}`), or write ./{source} for a directory beside the file"
                    )),
                );
                None
            }
        }
    }

    /// The keys of a long-syntax mount.
    fn long_mount(&mut self, path: &str, n: &Node) -> LongMount {
        let known = [
            "type",
            "source",
            "target",
            "read_only",
            "bind",
            "volume",
            "tmpfs",
            "consistency",
        ];
        let mut m = LongMount::default();
        for (k, v) in self.plain_keys(path, n, &known) {
            let p = format!("{path}.{k}");
            match k.as_str() {
                "type" => m.kind = self.string(&p, v),
                "source" => m.source = self.string(&p, v),
                "target" => m.target = self.string(&p, v),
                "read_only" => m.read_only = self.flag(&p, v).unwrap_or(false),
                "bind" => {
                    for (bk, bv) in
                        self.plain_keys(&p, v, &["propagation", "create_host_path", "selinux"])
                    {
                        if bk != "create_host_path" {
                            m.extra.extend(text(bv));
                        }
                    }
                }
                "volume" => {
                    for (vk, vv) in self.plain_keys(&p, v, &["nocopy", "subpath"]) {
                        if vk == "nocopy" && self.flag(&p, vv) == Some(true) {
                            m.extra.push("nocopy".into());
                        } else if vk == "subpath" {
                            self.error(
                                pos_of(vv),
                                format!("{p}.subpath is not passed yet"),
                                Some("mount the volume and use the sub-directory".into()),
                            );
                        }
                    }
                }
                "tmpfs" => {
                    for (tk, tv) in self.plain_keys(&p, v, &["size", "mode"]) {
                        m.extra.extend(text(tv).map(|t| format!("{tk}={t}")));
                    }
                }
                _ => {}
            }
        }
        m
    }

    fn long_volume(
        &mut self,
        path: &str,
        n: &Node,
        names: &Names,
        s: &mut Service,
        tmpfs: &mut Vec<String>,
    ) -> Option<String> {
        let LongMount {
            kind,
            source,
            target,
            read_only,
            mut extra,
        } = self.long_mount(path, n);
        let Some(target) = target else {
            self.error(pos_of(n), format!("{path}: a mount needs a target"), None);
            return None;
        };
        match kind.as_deref() {
            Some("tmpfs") => {
                tmpfs.push(if extra.is_empty() {
                    target
                } else {
                    format!("{target}:{}", extra.join(","))
                });
                None
            }
            Some("bind" | "volume") => {
                let Some(source) = source else {
                    if kind.as_deref() == Some("volume") {
                        return Some(target);
                    }
                    self.error(
                        pos_of(n),
                        format!("{path}: a bind mount needs a source"),
                        None,
                    );
                    return None;
                };
                let source =
                    if kind.as_deref() == Some("bind") && !source.starts_with(['/', '.', '~']) {
                        format!("./{source}")
                    } else {
                        source
                    };
                let source = self.source(path, n, &source, names, s)?;
                if read_only {
                    extra.insert(0, "ro".into());
                }
                Some(if extra.is_empty() {
                    format!("{source}:{target}")
                } else {
                    format!("{source}:{target}:{}", extra.join(","))
                })
            }
            other => {
                self.error(
                    pos_of(n),
                    format!(
                        "{path}: mount type {} is not supported",
                        other.map_or("(none)".to_string(), |t| format!("\"{t}\""))
                    ),
                    Some("give type: bind, volume or tmpfs".into()),
                );
                None
            }
        }
    }

    /// A service's `secrets` or `configs` (`what`): each its file,
    /// bind-mounted read-only at its target (`/run/secrets/NAME` for a
    /// secret, `/NAME` for a config, or `target`), as docker-compose 1.29
    /// mounts them.
    pub(super) fn file_mounts(
        &mut self,
        path: &str,
        what: &'static str,
        n: &Node,
        names: &Names,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for item in self.list(path, n) {
            let (source, target) = match &item.data {
                NodeData::Map(_) => {
                    let mut source = None;
                    let mut target = None;
                    for (k, v) in
                        self.plain_keys(path, item, &["source", "target", "uid", "gid", "mode"])
                    {
                        match k.as_str() {
                            "source" => source = self.string(path, v),
                            "target" => target = self.string(path, v),
                            _ => self.warn(
                                pos_of(v),
                                format!("{path}: {k} is ignored: a bind-mounted file keeps its own owner and mode"),
                            ),
                        }
                    }
                    (source, target)
                }
                _ => (self.string(path, item), None),
            };
            let Some(source) = source else {
                self.error(pos_of(item), format!("{path}: no source"), None);
                continue;
            };
            let Some(file) = names.file_of(what, &source) else {
                self.error(
                    pos_of(item),
                    format!("{path}: \"{source}\" is not declared in the top-level `{what}`"),
                    Some(format!(
                        "declare it: `{what}: {{{source}: {{file: ./{source}.txt}}}}`"
                    )),
                );
                continue;
            };
            let target = match (target, what) {
                (Some(t), _) if t.starts_with('/') => t,
                (Some(t), "secrets") => format!("/run/secrets/{t}"),
                (Some(t), _) => format!("/{t}"),
                (None, "secrets") => format!("/run/secrets/{source}"),
                (None, _) => format!("/{source}"),
            };
            out.push(format!("{file}:{target}:ro"));
        }
        out
    }

    /// `SERVICE[:ro|rw]` becomes the first container of the service;
    /// `container:NAME[:ro|rw]` names a container.
    pub(super) fn volumes_from(&mut self, path: &str, n: &Node, names: &Names) -> Vec<String> {
        let mut out = Vec::new();
        for item in self.list(path, n) {
            let Some(t) = self.string(path, item) else {
                continue;
            };
            if let Some(c) = t.strip_prefix("container:") {
                out.push(c.to_string());
                continue;
            }
            let (svc, mode) = match t.split_once(':') {
                Some((s, m)) => (s, Some(m)),
                None => (t.as_str(), None),
            };
            match names.first_container(svc) {
                Some(c) => out.push(match mode {
                    Some(m) => format!("{c}:{m}"),
                    None => c,
                }),
                None => self.error(
                    pos_of(item),
                    format!("{path}: no service \"{svc}\""),
                    Some("name a service of this file, or container:NAME".into()),
                ),
            }
        }
        out
    }
}
