//! `configMap` and `secret` volumes: read-only files of a ConfigMap or
//! Secret of the same file (`items` choosing keys and paths, `mode` and
//! `defaultMode` their modes, read as YAML 1.1 reads `0644`: octal).
//!
//! How the files reach the container: each such volume of a Pod has a
//! **files container** `P-V-files`, an init-like entry started before the
//! Pod's init containers (`detach: false`). It runs the image of the
//! first container mounting the volume, as root, with no network, and
//! writes the files with the shell's `printf` into an anonymous volume of
//! its own at the mount path (emptied first: an image's own files there
//! are not the ConfigMap's); the containers mounting it reach that volume
//! through `volumes_from: [P-V-files:ro]`, read-only, so every container
//! mounts it at the same path, whole (no `subPath`). The values travel in
//! the files container's environment (`PAUNCH_CONFIG_N`,
//! `PAUNCH_SECRET_N`: a Secret's are sensitive by name, so masked in
//! plans and kept out of every argv), escaped for `printf %b` so that any
//! byte survives. A Secret's files lose every permission of others
//! (`0644` is written `0640`), and belong to the first mounting
//! container's `runAsUser` (and `runAsGroup`) when it has one.
//!
//! Why this way: the engine writes and removes the files with the
//! containers (the volume goes with its files container, `rm --volumes`),
//! nothing is written on the host where another user might reach it, and
//! the files container's `config_data` holds the values, so a saved plan
//! carries them and `apply --plan` writes them as `apply` does. A changed
//! value changes the files container's `config_data`, and the containers
//! mounting it carry a digest of their files (the label
//! `paunch.pod.files`), so they are replaced with it. The cost: the image
//! needs a POSIX shell with `mkdir`, `rm` and `chmod` (a distroless image
//! cannot write its own files; mount a hostPath instead).

use super::container::Container;
use super::node::{Pos, boolean, int, map, own, pos_of, s, seq};
use super::pod_spec::Pod;
use super::reader::Cx;
use super::volumes::{Mount, Volume};
use crate::yaml::Node;

/// One file of a volume.
#[derive(Clone)]
pub(super) struct File {
    /// Relative to the mount path.
    pub(super) path: String,
    pub(super) data: Vec<u8>,
    pub(super) mode: u32,
}

/// The files of a `configMap` or `secret` volume.
pub(super) struct Files {
    pub(super) secret: bool,
    pub(super) files: Vec<File>,
}

/// The label on the containers mounting files: a digest of them, so that
/// a changed value replaces them.
pub const FILES_LABEL: &str = "paunch.pod.files";

/// The name of the files container of volume `volume` of Pod `pod`.
pub(super) fn holder(pod: &str, volume: &str) -> String {
    format!("{pod}-{volume}-files")
}

/// A path of `items`: relative, no `..`, in characters the script needs
/// no quoting for.
fn valid_path(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && p.split('/').all(|c| !c.is_empty() && c != "..")
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

/// Bytes as `printf %b` writes them back: printable ASCII as it is, a
/// backslash doubled, every other byte `\0NNN`.
pub(super) fn escape_bytes(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len());
    for &b in data {
        match b {
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\0{b:03o}")),
        }
    }
    out
}

impl Cx<'_> {
    /// A `configMap` (or, `secret`, a `secret`) volume's files.
    pub(super) fn files_source(&mut self, v: &Node, p: &str, secret: bool) -> Option<Files> {
        let object = if secret {
            "SecretVolumeSource"
        } else {
            "ConfigMapVolumeSource"
        };
        let mut name = None;
        let mut items = None;
        let mut mode = 0o644;
        let mut optional = false;
        for (f, e) in self.fields(object, p, v) {
            let fp = format!("{p}.{}", f.name);
            match f.name {
                "name" | "secretName" => {
                    name = self.string(&fp, &e.value).map(|n| (n, pos_of(&e.value)))
                }
                "items" => items = Some(&e.value),
                "defaultMode" => mode = self.mode(&fp, &e.value).unwrap_or(mode),
                _ => optional = self.flag(&fp, &e.value).unwrap_or(false),
            }
        }
        let Some((name, at)) = name else {
            let key = if secret { "secretName" } else { "name" };
            self.error(pos_of(v), format!("{p} has no {key}"), None);
            return None;
        };
        let data = self
            .data_of(secret, &name, at, optional)
            .unwrap_or_default();
        let mut files = Vec::new();
        match items {
            None => {
                for (k, (bytes, _)) in &data {
                    files.push(File {
                        path: k.clone(),
                        data: bytes.clone(),
                        mode,
                    });
                }
            }
            Some(items) => {
                for item in self.list(&format!("{p}.items"), items) {
                    files.extend(self.key_to_path(
                        item,
                        &format!("{p}.items"),
                        &data,
                        mode,
                        optional,
                    ));
                }
            }
        }
        if secret {
            for f in &mut files {
                f.mode &= 0o770;
            }
        }
        Some(Files { secret, files })
    }

    /// A `downwardAPI` volume's files.
    pub(super) fn downward_source(&mut self, v: &Node, p: &str) -> Files {
        let mut mode = 0o644;
        let mut items = None;
        for (f, e) in self.fields("DownwardAPIVolumeSource", p, v) {
            if f.name == "items" {
                items = Some(&e.value);
            } else {
                mode = self
                    .mode(&format!("{p}.defaultMode"), &e.value)
                    .unwrap_or(mode);
            }
        }
        let mut files = Vec::new();
        let ip = format!("{p}.items");
        for item in items.map_or(&[][..], |i| self.list(&ip, i)) {
            let mut path = None;
            let mut data = None;
            let mut m = mode;
            for (f, e) in self.fields("DownwardAPIVolumeFile", &ip, item) {
                let fp = format!("{ip}.{}", f.name);
                match f.name {
                    "path" => path = self.string(&fp, &e.value).map(|x| (x, pos_of(&e.value))),
                    "mode" => m = self.mode(&fp, &e.value).unwrap_or(m),
                    _ => data = self.field_ref(&fp, &e.value, true),
                }
            }
            match (path, data) {
                (Some((path, _)), Some(data)) if valid_path(&path) => files.push(File {
                    path,
                    data: data.into_bytes(),
                    mode: m,
                }),
                (Some((path, at)), _) if !valid_path(&path) => self.error(
                    at,
                    format!("{ip}: path \"{path}\" must be relative, without .., in letters, digits, -, _, . and /"),
                    None,
                ),
                (None, _) => self.error(pos_of(item), format!("{ip}: an item needs a path"), None),
                _ => {}
            }
        }
        Files {
            secret: false,
            files,
        }
    }

    /// One item of `items`.
    fn key_to_path(
        &mut self,
        item: &Node,
        p: &str,
        data: &std::collections::BTreeMap<String, (Vec<u8>, Pos)>,
        mode: u32,
        optional: bool,
    ) -> Option<File> {
        let mut key = None;
        let mut path = None;
        let mut m = mode;
        for (f, e) in self.fields("KeyToPath", p, item) {
            let fp = format!("{p}.{}", f.name);
            match f.name {
                "key" => key = self.string(&fp, &e.value).map(|k| (k, pos_of(&e.value))),
                "path" => path = self.string(&fp, &e.value).map(|k| (k, pos_of(&e.value))),
                _ => m = self.mode(&fp, &e.value).unwrap_or(m),
            }
        }
        let (Some((key, kat)), Some((path, pat))) = (key, path) else {
            self.error(
                pos_of(item),
                format!("{p}: an item needs key and path"),
                None,
            );
            return None;
        };
        if !valid_path(&path) {
            self.error(
                pat,
                format!("{p}: path \"{path}\" must be relative, without .., in letters, digits, -, _, . and /"),
                None,
            );
            return None;
        }
        match data.get(&key) {
            Some((bytes, _)) => Some(File {
                path,
                data: bytes.clone(),
                mode: m,
            }),
            None => {
                if !optional {
                    self.error(kat, format!("{p}: the object has no key \"{key}\""), None);
                }
                None
            }
        }
    }

    /// A file mode: `0644` read as octal, as Kubernetes' YAML reads it.
    fn mode(&mut self, p: &str, v: &Node) -> Option<u32> {
        let text = v.as_scalar().map(|s| s.text.clone()).unwrap_or_default();
        let octal = text
            .strip_prefix("0o")
            .or_else(|| text.strip_prefix('0').filter(|r| !r.is_empty()));
        let m = match octal {
            Some(o) => u32::from_str_radix(o, 8).ok(),
            None => self.integer(p, v).and_then(|i| u32::try_from(i).ok()),
        };
        match m {
            Some(m) if m <= 0o777 => Some(m),
            _ => {
                self.error(
                    pos_of(v),
                    format!("{p}: \"{text}\" is not a file mode (0000 to 0777)"),
                    None,
                );
                None
            }
        }
    }

    /// The Pod's files containers (`start_order` 1), for its mounted
    /// `configMap` and `secret` volumes.
    pub(super) fn files_entries(
        &mut self,
        pod: &Pod,
        labels: &(&'static str, Node),
    ) -> Vec<(String, Pos, Node)> {
        let mut out = Vec::new();
        for (vol, v) in &pod.volumes {
            let Volume::Files(files) = v else { continue };
            let mounts: Vec<(&Container, &Mount)> = pod
                .init
                .iter()
                .chain(&pod.containers)
                .flat_map(|c| {
                    c.mounts
                        .iter()
                        .filter(|m| m.name == *vol)
                        .map(move |m| (c, m))
                })
                .collect();
            let Some((first, fm)) = mounts.first().copied() else {
                continue;
            };
            if !self.one_path(vol, &mounts) {
                continue;
            }
            let uid = first.user.or(pod.run_as_user).map(|(u, _)| u);
            let gid = first.group.or(pod.run_as_group).map(|(g, _)| g);
            let (script, env) = script(&fm.path, files, uid.map(|u| (u, gid)));
            let at = fm.path_pos;
            let mut keys: Vec<(&str, Node)> = Vec::new();
            if let Some(image) = first.key("image") {
                keys.push(("image", image));
            }
            keys.push(("user", s("0", at)));
            keys.push(("entrypoint", seq(vec![s("/bin/sh", at), s("-c", at)], at)));
            keys.push(("command", seq(vec![s(&script, at)], at)));
            if !env.is_empty() {
                keys.push((
                    "environment",
                    map(env.into_iter().map(|(k, v)| (k, s(&v, at))).collect(), at),
                ));
            }
            keys.push(("volumes", seq(vec![s(&fm.path, at)], at)));
            keys.push(("net", s("none", at)));
            keys.push(labels.clone());
            keys.push(("start_order", int(1, at)));
            keys.push(("detach", boolean(false, at)));
            out.push((holder(&pod.name, vol), at, map(own(keys), at)));
        }
        out
    }

    /// Every mount of a files volume at one path, whole and quotable.
    fn one_path(&mut self, vol: &str, mounts: &[(&Container, &Mount)]) -> bool {
        let (_, first) = mounts[0];
        let mut ok = true;
        for (c, m) in mounts {
            if let Some((sp, at)) = &m.sub_path {
                self.error(*at, format!("container \"{}\": subPath \"{sp}\" of volume \"{vol}\" is not supported: paunch mounts a ConfigMap's or Secret's files whole", c.name), Some("mount the volume at a directory of its own (e.g. with items choosing the keys)".into()));
                ok = false;
            }
            if m.path != first.path {
                self.error(m.path_pos, format!("volume \"{vol}\" is mounted at {} here and at {} (line {}): paunch shares its files through one container, at one path", m.path, first.path, first.path_pos.0), Some("mount it at the same mountPath in every container".into()));
                ok = false;
            }
            if m.path.contains('\'') {
                self.error(
                    m.path_pos,
                    format!("mountPath \"{}\" of volume \"{vol}\" holds a quote", m.path),
                    None,
                );
                ok = false;
            }
        }
        ok
    }
}

/// The script of a files container, and its environment (the values).
fn script(
    dir: &str,
    files: &Files,
    owner: Option<(i64, Option<i64>)>,
) -> (String, Vec<(String, String)>) {
    let var = if files.secret {
        "PAUNCH_SECRET"
    } else {
        "PAUNCH_CONFIG"
    };
    let mut sh = format!("set -e\nd='{dir}'\nrm -rf \"$d\"/* \"$d\"/.[!.]* \"$d\"/..?*\n");
    let mut env = Vec::new();
    for (i, f) in files.files.iter().enumerate() {
        if let Some((parent, _)) = f.path.rsplit_once('/') {
            sh.push_str(&format!("mkdir -p \"$d/{parent}\"\n"));
        }
        sh.push_str(&format!(
            "printf %b \"${var}_{i}\" > \"$d/{p}\"\nchmod {m:o} \"$d/{p}\"\n",
            p = f.path,
            m = f.mode
        ));
        if let Some((u, g)) = owner {
            let owner = g.map_or(u.to_string(), |g| format!("{u}:{g}"));
            sh.push_str(&format!("chown {owner} \"$d/{}\"\n", f.path));
        }
        env.push((format!("{var}_{i}"), escape_bytes(&f.data)));
    }
    (sh, env)
}

/// The digest of the files a container mounts (for [`FILES_LABEL`]), if
/// it mounts any.
pub(super) fn digest(pod: &Pod, c: &Container) -> Option<String> {
    let mut text = String::new();
    for m in &c.mounts {
        if let Some(Volume::Files(files)) = pod.volumes.get(&m.name) {
            text.push_str(&m.name);
            for f in &files.files {
                text.push_str(&format!(
                    "\0{}\0{:o}\0{}",
                    f.path,
                    f.mode,
                    escape_bytes(&f.data)
                ));
            }
            text.push('\n');
        }
    }
    (!text.is_empty()).then(|| crate::hash::sha256_text(&text)[..23].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_escape_for_printf() {
        assert_eq!(escape_bytes(b"a\\b\n\x00"), "a\\\\b\\0012\\0000");
        assert!(valid_path("a/b.conf"));
        assert!(!valid_path("../x"));
        assert!(!valid_path("/x"));
        assert!(!valid_path("a b"));
    }
}
