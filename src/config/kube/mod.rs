//! The Kubernetes Pod format as a configuration (SPEC §11, §18): a file of
//! `v1 Pod` documents (and `apps/v1` Deployments, ReplicaSets and
//! StatefulSets, N copies of their Pod template) is read, as `podman kube
//! play` reads it, into ordinary paunch entries, so that the planner, the
//! labels, plans and saved plans work unchanged.
//!
//! - Container `C` of Pod `P` is the entry `P-C`; its `config_data` is the
//!   paunch entry it was read as.
//! - Every Pod gets an infra entry `P-infra` (the pause image
//!   [`PAUSE_IMAGE`], built offline from the host's `catatonit`), holding
//!   the Pod's network, IPC namespace, published ports and emptyDir
//!   volumes; the others join it (`net`/`ipc: container:P-infra`,
//!   `volumes_from`).
//! - `initContainers` are `detach: false` entries of their own
//!   `start_order`, after the infra container's and before the app
//!   containers'.
//! - ConfigMaps, Secrets, PersistentVolumeClaims and Services of the same
//!   file serve its Pods ([`objects`]): env from their keys ([`env`]), a
//!   `configMap`/`secret` volume's files written by a files container
//!   `P-V-files` ([`files`], which says why that way).
//!
//! Every field is checked against one table ([`table`]): an unknown field is
//! an error at file:line:column with a did-you-mean, what needs a cluster is
//! an error saying so, what has no meaning on one host is a warning.
//!
//! The reading is hand-written over our YAML loader's nodes rather than
//! through `k8s-openapi`'s serde types: those ignore unknown fields
//! (so a misspelt `volumeMount` would silently mount nothing) and lose
//! every position, and a strict pass beside them would walk the same tree
//! twice with two definitions of what is known.

mod expand;
pub mod openapi;
pub mod table;

// The Pod reader, one module per part of a Pod, each saying in its doc
// which fields it reads and the paunch keys they become. Reading goes
// `document` → `metadata`, `pod_spec` → `container` → `ports`, `volumes`,
// `resources`, `security`, `probes` (and `expand` for `$(NAME)`);
// `entries` then writes a Pod's entries. `reader` (diagnostics, the table
// check, typed reads) and `node` (positions, built nodes) serve them all.
mod container;
mod document;
mod entries;
mod env;
mod files;
mod metadata;
mod node;
mod objects;
mod pod_spec;
mod ports;
mod probes;
mod reader;
mod resources;
mod security;
mod volumes;

pub use document::read_nodes;
pub use expand::{escape, expand, expand_within};
pub use files::FILES_LABEL;
pub use metadata::{EXPORT_ANNOTATIONS, export_annotations, export_annotations_with_secrets};
pub use objects::valid_key;
pub use volumes::pod_emptydir_of;

/// The image of the infra containers: a pause process (`catatonit -P`),
/// built locally by [`pause_image_tar`]'s caller, never pulled.
pub const PAUSE_IMAGE: &str = "localhost/paunch-pause:1";

/// The label naming the Pod a container was read from (on every one of
/// its containers, with the Pod's own labels).
pub const POD_LABEL: &str = "paunch.pod";

/// The label saying what a container is in its Pod: `infra`, `init` or
/// `app`.
pub const ROLE_LABEL: &str = "paunch.pod.role";

/// The documents of a configuration text, when it is a Kubernetes
/// manifest: its first document is a map with `apiVersion` and `kind`.
/// Cheap for paunch files (they rarely mention `apiVersion` at all). A
/// text that names both and does not load is the loader's error: as a
/// single document it would be refused as several, whatever is wrong.
pub fn manifest(text: &str) -> Option<Result<Vec<crate::yaml::Node>, crate::yaml::LoadError>> {
    if !text.contains("apiVersion") || !text.contains("kind") {
        return None;
    }
    match crate::yaml::load_all(text) {
        Ok(docs) => docs.first().is_some_and(is_manifest).then_some(Ok(docs)),
        Err(e) => Some(Err(e)),
    }
}

/// Whether a document is a Kubernetes object: a map with `apiVersion` and
/// `kind`.
pub fn is_manifest(doc: &crate::yaml::Node) -> bool {
    doc.as_map().is_some_and(|m| {
        m.iter().any(|e| e.key == "apiVersion") && m.iter().any(|e| e.key == "kind")
    })
}

/// Whether a container of these labels was read from a Pod: removing it
/// removes its anonymous volumes too (`rm --volumes`), so that the Pod's
/// emptyDir volumes, held by its infra container and shared through
/// `volumes_from`, go with the last of its containers.
pub fn removes_volumes(labels: &std::collections::BTreeMap<String, String>) -> bool {
    labels.contains_key(POD_LABEL)
}

/// A tar stream of the pause image's file system: `/catatonit` (the
/// host's static `catatonit`, as podman's own pause image), for `docker
/// import`. `None` when no static catatonit is installed.
pub fn pause_image_tar() -> Option<Vec<u8>> {
    let path = ["/usr/libexec/podman/catatonit", "/usr/bin/catatonit"]
        .into_iter()
        .find(|p| std::path::Path::new(p).is_file())?;
    let bytes = std::fs::read(path).ok()?;
    let mut tar = Vec::with_capacity(bytes.len() + 2048);
    tar.extend(tar_header("catatonit", bytes.len(), 0o755));
    tar.extend(&bytes);
    tar.resize(tar.len().div_ceil(512) * 512, 0);
    tar.resize(tar.len() + 1024, 0);
    Some(tar)
}

/// A ustar header of a regular file.
fn tar_header(name: &str, size: usize, mode: u32) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    let octal = |h: &mut [u8; 512], at: usize, width: usize, v: u64| {
        let s = format!("{v:0w$o}\0", w = width - 1);
        h[at..at + width].copy_from_slice(s.as_bytes());
    };
    octal(&mut h, 100, 8, u64::from(mode));
    octal(&mut h, 108, 8, 0);
    octal(&mut h, 116, 8, 0);
    octal(&mut h, 124, 12, size as u64);
    octal(&mut h, 136, 12, 0);
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
    h
}

/// A manifest of `pods` Pods of three containers each (with the infra
/// containers, `4 * pods` entries), for the benchmark.
#[doc(hidden)]
pub fn bench_manifest(pods: usize) -> String {
    let mut s = String::new();
    for i in 0..pods {
        s.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pod{i}\n  labels: {{app: bench, tier: t{t}}}\nspec:\n  restartPolicy: Always\n  containers:\n"
            , t = i % 7
        ));
        for c in ["web", "worker", "cache"] {
            s.push_str(&format!(
                "  - name: {c}\n    image: registry.example.com/{c}:1.{i}\n    args: [serve, --port, \"80{i}\"]\n    env:\n    - {{name: POD, value: pod{i}}}\n    - {{name: ROLE, value: {c}}}\n    resources:\n      limits: {{memory: 128Mi, cpu: 500m}}\n    volumeMounts:\n    - {{name: scratch, mountPath: /scratch}}\n"
            ));
        }
        s.push_str("  volumes:\n  - {name: scratch, emptyDir: {}}\n");
    }
    s
}
