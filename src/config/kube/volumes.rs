//! `volumes` and `volumeMounts` → paunch's `volumes` and `volumes_from`:
//! a Pod's volume sources ([`Volume`]: `hostPath`, checked on the host as
//! the kubelet checks it, `emptyDir` and `persistentVolumeClaim`), each
//! container's mounts ([`Mount`]: `mountPath`, `readOnly`, `subPath`,
//! `mountPropagation`), and how they are mounted: host paths and claims
//! directly, emptyDirs held by the Pod's infra container (at one path)
//! and shared through `volumes_from`.

use super::container::Container;
use super::metadata::dns_subdomain;
use super::node::{Pos, pos_of, s, seq};
use super::pod_spec::Pod;
use super::reader::Cx;
use super::table::{self, Treat};
use crate::config::keys::did_you_mean;
use crate::value::Value;
use crate::yaml::Node;
use std::collections::BTreeMap;
use std::path::Path;

/// A `volumeMount` as read.
pub(super) struct Mount {
    pub(super) name: String,
    pub(super) name_pos: Pos,
    pub(super) path: String,
    pub(super) path_pos: Pos,
    pub(super) read_only: bool,
    pub(super) sub_path: Option<(String, Pos)>,
    pub(super) propagation: Option<String>,
}

/// A volume of the Pod, as read.
pub(super) enum Volume {
    /// Refused (already reported): mounts of it say nothing more.
    Invalid,
    HostPath {
        path: String,
    },
    EmptyDir,
    /// An emptyDir of `medium: Memory`: a tmpfs (of `sizeLimit` bytes).
    Memory {
        size: Option<u64>,
    },
    Claim {
        name: String,
        read_only: bool,
    },
    /// A `configMap` or `secret` volume: files its files container
    /// writes (see [`super::files`]).
    Files(super::files::Files),
}

impl Cx<'_> {
    /// One item of `spec.volumes`, into `pod.volumes`.
    pub(super) fn volume(&mut self, node: &Node, path: &str, pod: &mut Pod) {
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
                    if let Some(h) = self.host_path_source(v, path) {
                        source = Some(h);
                    }
                }
                "emptyDir" => {
                    sources += 1;
                    source = Some(self.empty_dir_source(v, &format!("{path}.emptyDir")));
                }
                "downwardAPI" => {
                    sources += 1;
                    let p = format!("{path}.downwardAPI");
                    source = Some(Volume::Files(self.downward_source(v, &p)));
                }
                "configMap" | "secret" => {
                    sources += 1;
                    let p = format!("{path}.{}", f.name);
                    if let Some(files) = self.files_source(v, &p, f.name == "secret") {
                        source = Some(Volume::Files(files));
                    }
                }
                _ => {
                    sources += 1;
                    if let Some(c) = self.claim_source(v, path) {
                        source = Some(c);
                    }
                }
            }
        }
        let Some((name, at)) = name else {
            self.error(pos_of(node), "a volume has no name".into(), None);
            return;
        };
        self.add_volume(node, (name, at), source, sources, pod);
    }

    /// An `emptyDir` source: on disk, or in memory (a tmpfs).
    fn empty_dir_source(&mut self, v: &Node, p: &str) -> Volume {
        let mut memory = false;
        let mut size = None;
        for (f, e) in self.fields("EmptyDirVolumeSource", p, v) {
            let fp = format!("{p}.{}", f.name);
            match f.name {
                "medium" => match self.string(&fp, &e.value).as_deref() {
                    Some("Memory") => memory = true,
                    Some("") | None => {}
                    Some(m) => self.error(
                        pos_of(&e.value),
                        format!("{fp}: \"{m}\" is not \"\" or Memory"),
                        None,
                    ),
                },
                _ => {
                    let text = e
                        .value
                        .as_scalar()
                        .map(|s| s.text.clone())
                        .unwrap_or_default();
                    match super::resources::memory_bytes(&text) {
                        Some(b) => size = Some((b, pos_of(&e.value))),
                        None => self.error(
                            pos_of(&e.value),
                            format!("{fp}: \"{text}\" is not a memory quantity"),
                            Some("e.g. 64Mi, 1Gi".into()),
                        ),
                    }
                }
            }
        }
        if !memory && let Some((_, at)) = size {
            self.note(
                at,
                format!("{p}.sizeLimit is not enforced on disk (it is a tmpfs's size with medium: Memory)"),
            );
        }
        if memory {
            Volume::Memory {
                size: size.map(|(b, _)| b),
            }
        } else {
            Volume::EmptyDir
        }
    }

    /// A `hostPath` source, when it may be used.
    fn host_path_source(&mut self, v: &Node, path: &str) -> Option<Volume> {
        let mut p = None;
        let mut kind = String::new();
        let mut kind_pos = pos_of(v);
        for (f, e) in self.fields("HostPathVolumeSource", &format!("{path}.hostPath"), v) {
            if f.name == "path" {
                p = self
                    .string(&format!("{path}.hostPath.path"), &e.value)
                    .map(|x| (x, pos_of(&e.value)));
            } else if let Some(t) = self.string(&format!("{path}.hostPath.type"), &e.value) {
                kind = t;
                kind_pos = pos_of(&e.value);
            }
        }
        match p {
            Some((path_s, at)) => self
                .host_path(&path_s, at, &kind, kind_pos)
                .then_some(Volume::HostPath { path: path_s }),
            None => {
                self.error(pos_of(v), "hostPath has no path".into(), None);
                None
            }
        }
    }

    /// A `persistentVolumeClaim` source (a named volume), when valid.
    fn claim_source(&mut self, v: &Node, path: &str) -> Option<Volume> {
        let mut claim = None;
        let mut ro = false;
        for (f, e) in self.fields(
            "PersistentVolumeClaimVolumeSource",
            &format!("{path}.persistentVolumeClaim"),
            v,
        ) {
            if f.name == "claimName" {
                claim = self.string(&format!("{path}.persistentVolumeClaim.claimName"), &e.value);
            } else {
                ro = self
                    .flag(&format!("{path}.persistentVolumeClaim.readOnly"), &e.value)
                    .unwrap_or(false);
            }
        }
        match claim {
            Some(c) if dns_subdomain(&c) => Some(Volume::Claim {
                name: c,
                read_only: ro,
            }),
            Some(c) => {
                self.error(
                    pos_of(v),
                    format!("claimName \"{c}\" is not a valid volume name"),
                    None,
                );
                None
            }
            None => {
                self.error(
                    pos_of(v),
                    "persistentVolumeClaim has no claimName".into(),
                    None,
                );
                None
            }
        }
    }

    /// A named volume into the Pod's: one source, one of each name; one
    /// refused stays as [`Volume::Invalid`], so that its mounts say
    /// nothing more.
    fn add_volume(
        &mut self,
        node: &Node,
        (name, at): (String, Pos),
        source: Option<Volume>,
        sources: usize,
        pod: &mut Pod,
    ) {
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
                Some("paunch reads hostPath, emptyDir, persistentVolumeClaim, configMap and secret volumes".into()),
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
        !self.host || self.host_path_on_host(path, at, kind)
    }

    /// [`Cx::host_path`] on this host: what exists is of its type, and
    /// what an `OrCreate` type (or no type) names and is missing is
    /// listed for the apply to create.
    fn host_path_on_host(&mut self, path: &str, at: Pos, kind: &str) -> bool {
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

    /// One item of a container's `volumeMounts`.
    pub(super) fn mount(&mut self, item: &Node, path: &str, out: &mut Vec<Mount>) {
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
                // An empty subPath is the volume's root, as in Kubernetes.
                "subPath" => {
                    m.sub_path = self
                        .string(&p, v)
                        .filter(|x| !x.is_empty())
                        .map(|x| (x, pos_of(v)))
                }
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

    /// Every mount of a container names a volume of the Pod.
    pub(super) fn mounted_volumes(&mut self, c: &Container, pod: &Pod) {
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
    }

    /// The Pod's mounted emptyDir volumes, each with the one path every
    /// container mounts it at (and the position of the first mount), for
    /// the infra container that holds them.
    pub(super) fn empty_dirs<'p>(&mut self, pod: &'p Pod) -> BTreeMap<&'p str, (&'p str, Pos)> {
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
                if at_several_paths(pod, &m.name) {
                    // A named volume of its own (see [`pod_volume`]).
                    self.pod_volume(pod, &m.name);
                    continue;
                }
                empty.entry(&m.name).or_insert((&m.path, m.path_pos));
            }
        }
        empty
    }

    /// Whether a memory emptyDir is mounted by one container only (a
    /// tmpfs is that container's own); an error otherwise.
    fn memory_shared(&mut self, pod: &Pod, name: &str, at: Pos) -> bool {
        let users = pod
            .init
            .iter()
            .chain(&pod.containers)
            .filter(|c| c.mounts.iter().any(|m| m.name == name))
            .count();
        if users > 1 {
            self.error(
                at,
                format!("emptyDir \"{name}\" of medium Memory is mounted by {users} containers: a tmpfs is one container's own"),
                Some("use the default medium to share it".into()),
            );
        }
        users <= 1
    }

    /// The `volumes` and `volumes_from` keys of a container: host paths
    /// and claims directly, emptyDirs through the infra container.
    pub(super) fn mount_keys(
        &mut self,
        pod: &Pod,
        c: &Container,
        infra: &str,
        keys: &mut Vec<(&'static str, Node)>,
    ) {
        let at = c.pos;
        let mut volumes = Vec::new();
        let mut empty_ro: Option<bool> = None;
        let mut files_from: Vec<String> = Vec::new();
        let mut tmpfs: Vec<Node> = Vec::new();
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
                Some(Volume::HostPath { path }) => {
                    let src = match &m.sub_path {
                        Some((sp, _)) => format!("{}/{sp}", path.trim_end_matches('/')),
                        None => path.clone(),
                    };
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
                Some(Volume::EmptyDir) if at_several_paths(pod, &m.name) => {
                    let name = pod_volume_name(&pod.name, &m.name);
                    volumes.push(s(&format!("{name}:{}{suffix}", m.path), m.path_pos));
                }
                Some(Volume::EmptyDir) => {
                    if empty_ro.is_some_and(|ro| ro != m.read_only) {
                        self.error(m.path_pos, format!("container \"{}\" mounts the Pod's emptyDirs both readOnly and not: paunch mounts them together (volumes_from the infra container)", c.name), Some("mount them all readOnly or all writable in one container".into()));
                    }
                    empty_ro = Some(m.read_only);
                }
                Some(Volume::Memory { size }) => {
                    let mut opts: Vec<String> = size.iter().map(|b| format!("size={b}")).collect();
                    if m.read_only {
                        opts.push("ro".into());
                    }
                    let o = if opts.is_empty() {
                        String::new()
                    } else {
                        format!(":{}", opts.join(","))
                    };
                    if self.memory_shared(pod, &m.name, m.path_pos) {
                        tmpfs.push(s(&format!("{}{o}", m.path), m.path_pos));
                    }
                }
                Some(Volume::Files(_)) => {
                    let from = format!("{}:ro", super::files::holder(&pod.name, &m.name));
                    if !files_from.contains(&from) {
                        files_from.push(from);
                    }
                }
                Some(Volume::Invalid) | None => {}
            }
        }
        if !volumes.is_empty() {
            keys.push(("volumes", seq(volumes, at)));
        }
        if !tmpfs.is_empty() {
            keys.push(("tmpfs", seq(tmpfs, at)));
        }
        let mut from: Vec<Node> = Vec::new();
        if let Some(ro) = empty_ro {
            let f = if ro {
                format!("{infra}:ro")
            } else {
                infra.to_string()
            };
            from.push(s(&f, at));
        }
        from.extend(files_from.iter().map(|f| s(f, at)));
        if !from.is_empty() {
            keys.push(("volumes_from", seq(from, at)));
        }
    }
}

/// Whether the Pod's containers mount emptyDir `name` at more than one
/// path (one container at two, or two at different ones).
fn at_several_paths(pod: &Pod, name: &str) -> bool {
    let mut paths = pod
        .init
        .iter()
        .chain(&pod.containers)
        .flat_map(|c| &c.mounts)
        .filter(|m| m.name == name)
        .map(|m| m.path.as_str());
    let first = paths.next();
    paths.any(|p| Some(p) != first)
}

/// The named volume of a Pod's emptyDir mounted at several paths.
pub(super) fn pod_volume_name(pod: &str, volume: &str) -> String {
    format!("{pod}-{volume}-emptydir")
}

/// The emptyDir of Pod `pod` whose named volume is `name` (the inverse of
/// [`pod_volume_name`]), if it is one.
pub fn pod_emptydir_of<'n>(pod: &str, name: &'n str) -> Option<&'n str> {
    name.strip_prefix(pod)?
        .strip_prefix('-')?
        .strip_suffix("-emptydir")
}

impl Cx<'_> {
    /// An emptyDir mounted at several paths cannot be shared through the
    /// infra container (`volumes_from` mounts at the same paths): it is a
    /// named volume of the configuration, created before the Pod's
    /// containers with paunch's labels and the Pod's ([`super::POD_LABEL`]
    /// in its definition), mounted by each container at its own path, and
    /// removed once the Pod's containers are gone and the Pod is no longer
    /// configured (or deleted), as an emptyDir goes with its Pod. Unlike a
    /// Kubernetes emptyDir it is kept while the Pod stays configured, its
    /// containers replaced or not.
    fn pod_volume(&mut self, pod: &Pod, volume: &str) {
        let name = pod_volume_name(&pod.name, volume);
        if self.resources.iter().any(|r| r.name == name) {
            return;
        }
        let mut labels = crate::value::Map::new();
        labels.insert(super::POD_LABEL.into(), Value::String(pod.name.clone()));
        let mut data = crate::value::Map::new();
        data.insert("labels".into(), Value::Map(labels));
        self.resources.push(crate::config::Resource {
            kind: crate::config::ResourceKind::Volume,
            name,
            data: Value::Map(data),
            external: false,
        });
    }
}
