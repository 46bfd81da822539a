//! Reading what docker and podman print: the container listing (`ps`),
//! `inspect` of containers and images, and the agreement of the two. The
//! model they fill (what the planner reads) is [`crate::observe`].

use crate::engine::argv::Runtime;
use crate::error::{Error, ErrorKind, Result};
use crate::labels;
use crate::observe::*;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// One line of the container listing, reduced to what we use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its full ID.
    pub id: String,
    /// Every name it has.
    pub names: Vec<String>,
    /// Whether it may be managed by the name asked about (a superset: the
    /// inspect that follows decides).
    pub maybe_managed: bool,
    /// Its labels, where the listing gives them exactly (podman's does;
    /// docker's joins them into one ambiguous text: empty here).
    pub labels: BTreeMap<String, String>,
}

/// Parses the container listing (`Runtime::ps_args`) and marks the
/// containers that may be managed by `managed_by`.
pub fn parse_ps(runtime: Runtime, stdout: &str, managed_by: &str) -> Result<Vec<Listed>> {
    match runtime {
        Runtime::Docker => {
            #[derive(Deserialize)]
            struct Line {
                #[serde(rename = "ID")]
                id: String,
                #[serde(rename = "Names", default)]
                names: String,
                #[serde(rename = "Labels", default)]
                labels: String,
            }
            let needle = format!("{}={managed_by}", labels::MANAGED_BY);
            stdout
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let line: Line = serde_json::from_str(l)
                        .map_err(|e| unexpected(format!("container listing line {l:?}"), e))?;
                    // Docker joins labels as k=v with commas and no
                    // escaping, so this can only say "maybe".
                    let maybe_managed = line.labels.match_indices(&needle).any(|(i, _)| {
                        let before_ok = i == 0 || line.labels.as_bytes()[i - 1] == b',';
                        let end = i + needle.len();
                        let after_ok =
                            end == line.labels.len() || line.labels.as_bytes()[end] == b',';
                        before_ok && after_ok
                    });
                    Ok(Listed {
                        id: line.id,
                        names: split_names(line.names.split(',')),
                        maybe_managed,
                        labels: BTreeMap::new(),
                    })
                })
                .collect()
        }
        Runtime::Podman => {
            #[derive(Deserialize)]
            struct Item {
                #[serde(rename = "Id")]
                id: String,
                #[serde(rename = "Names", default)]
                names: Vec<String>,
                #[serde(rename = "Labels", default)]
                labels: Option<BTreeMap<String, String>>,
            }
            let items: Vec<Item> = if stdout.trim().is_empty() {
                Vec::new()
            } else {
                serde_json::from_str(stdout)
                    .map_err(|e| unexpected("container listing".into(), e))?
            };
            Ok(items
                .into_iter()
                .map(|i| {
                    let labels = i.labels.unwrap_or_default();
                    Listed {
                        maybe_managed: labels.get(labels::MANAGED_BY)
                            == Some(&managed_by.to_string()),
                        id: i.id,
                        names: split_names(i.names.iter().map(String::as_str)),
                        labels,
                    }
                })
                .collect())
        }
    }
}

/// The managed containers and the names everything else holds, from a
/// listing and the inspect of its maybe-managed containers; or, when the
/// two disagree, the names (or IDs) of the listed containers the inspect
/// did not return. An inspect that failed outright prints nothing, and a
/// container it missed must not be taken for a foreign holder of its
/// name: the planner would create a suffixed twin beside it.
///
/// ```
/// use paunch::engine::parse::{agree, Listed};
/// let listed = vec![Listed { id: "a1".into(), names: vec!["web".into()], maybe_managed: true, labels: Default::default() }];
/// assert_eq!(agree(&listed, Vec::new(), "paunch").unwrap_err().missed, ["web"]);
/// ```
pub fn agree(
    listed: &[Listed],
    mut inspected: Vec<Container>,
    managed_by: &str,
) -> std::result::Result<(Vec<Container>, Vec<Holder>), Disagreement> {
    let seen: BTreeSet<&str> = inspected.iter().map(|c| c.id.as_str()).collect();
    let missed: Vec<String> = listed
        .iter()
        .filter(|l| l.maybe_managed && !seen.contains(l.id.as_str()))
        .map(|l| l.names.first().cloned().unwrap_or_else(|| l.id.clone()))
        .collect();
    if !missed.is_empty() {
        return Err(Disagreement { missed, inspected });
    }
    inspected.retain(|c| c.label(labels::MANAGED_BY) == Some(managed_by));
    let managed: BTreeSet<&str> = inspected.iter().map(|c| c.id.as_str()).collect();
    let foreign = listed
        .iter()
        .filter(|l| !managed.contains(l.id.as_str()))
        .flat_map(|l| {
            l.names.iter().map(|n| Holder {
                id: l.id.clone(),
                name: n.clone(),
            })
        })
        .collect();
    Ok((inspected, foreign))
}

/// A listing and an inspect that disagree ([`agree`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    /// The names (or IDs) of the listed containers the inspect missed.
    pub missed: Vec<String>,
    /// What the inspect did return.
    pub inspected: Vec<Container>,
}

/// The state given to a managed container the engine lists but cannot
/// inspect ([`unreadable`]).
pub const UNREADABLE: &str = "unreadable";

/// A container the engine lists, with labels that make it ours, but
/// cannot inspect, however often asked: podman's record of one whose
/// storage is gone (a podman killed while removing it). It cannot run or
/// be read, so the planner deletes it (and creates its entry anew).
/// `None` when the listing gives no exact labels (docker) or the labels
/// are not `managed_by`'s.
pub fn unreadable(l: &Listed, managed_by: &str) -> Option<Container> {
    (l.labels.get(labels::MANAGED_BY).map(String::as_str) == Some(managed_by)).then(|| Container {
        id: l.id.clone(),
        name: l.names.first().cloned().unwrap_or_else(|| l.id.clone()),
        state: UNREADABLE.to_string(),
        image_id: String::new(),
        image: String::new(),
        command: Vec::new(),
        entrypoint: Vec::new(),
        created: String::new(),
        labels: l.labels.clone(),
        exit_code: 0,
        health: String::new(),
        finished_at: String::new(),
        error: String::new(),
        started_at: String::new(),
        joined: Vec::new(),
    })
}

/// Container names, without legacy link aliases (`other/alias`).
fn split_names<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    names
        .map(|n| n.trim().trim_start_matches('/'))
        .filter(|n| !n.is_empty() && !n.contains('/'))
        .map(str::to_string)
        .collect()
}

// The parts of `inspect` output the planner reads.
#[derive(Deserialize)]
struct InspectState {
    #[serde(rename = "Status", default)]
    status: String,
    #[serde(rename = "ExitCode", default)]
    exit_code: i64,
    #[serde(rename = "FinishedAt", default)]
    finished_at: String,
    #[serde(rename = "StartedAt", default)]
    started_at: String,
    #[serde(rename = "Error", default)]
    error: String,
    #[serde(rename = "Health", default)]
    health: Option<Health>,
}
#[derive(Deserialize)]
struct Health {
    #[serde(rename = "Status", default)]
    status: String,
    #[serde(rename = "Log", default)]
    log: Option<Vec<HealthLog>>,
}
#[derive(Deserialize)]
struct HealthLog {
    #[serde(rename = "Output", default)]
    output: String,
}
#[derive(Deserialize)]
struct Check {
    #[serde(rename = "Interval", default)]
    interval: Option<u64>,
}
#[derive(Deserialize, Default)]
struct Host {
    #[serde(rename = "NetworkMode", default)]
    network_mode: Option<String>,
    #[serde(rename = "IpcMode", default)]
    ipc_mode: Option<String>,
    #[serde(rename = "PidMode", default)]
    pid_mode: Option<String>,
    #[serde(rename = "VolumesFrom", default)]
    volumes_from: Option<Vec<String>>,
}
#[derive(Deserialize, Default)]
struct Conf {
    #[serde(rename = "Image", default)]
    image: String,
    #[serde(rename = "Cmd", default)]
    cmd: Option<Vec<String>>,
    #[serde(rename = "Entrypoint", default)]
    entrypoint: Option<Words>,
    #[serde(rename = "Labels", default)]
    labels: Option<BTreeMap<String, String>>,
    #[serde(rename = "Healthcheck", default)]
    healthcheck: Option<Check>,
}
/// An entrypoint: docker writes a list, podman 4.3 one string (its
/// words joined by spaces).
#[derive(Deserialize)]
#[serde(untagged)]
enum Words {
    List(Vec<String>),
    Joined(String),
}

impl Words {
    fn into_vec(self) -> Vec<String> {
        match self {
            Words::List(v) => v,
            Words::Joined(s) if s.is_empty() => Vec::new(),
            Words::Joined(s) => s.split(' ').map(str::to_string).collect(),
        }
    }
}

#[derive(Deserialize)]
struct Item {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "Name", default)]
    name: String,
    #[serde(rename = "Created", default)]
    created: String,
    #[serde(rename = "Image", default)]
    image: String,
    #[serde(rename = "ImageName", default)]
    image_name: Option<String>,
    #[serde(rename = "State")]
    state: InspectState,
    #[serde(rename = "Config", default)]
    config: Option<Conf>,
    #[serde(rename = "HostConfig", default)]
    host: Option<Host>,
    #[serde(rename = "RestartCount", default)]
    restart_count: u64,
}

/// Parses `inspect` output of containers (a JSON array; partial when some
/// vanished between listing and inspecting).
pub fn parse_inspect(stdout: &str) -> Result<Vec<Container>> {
    let items: Vec<Item> = inspect_items(stdout)?;
    Ok(items.into_iter().map(|i| read_item(i).0).collect())
}

/// [`parse_inspect`], with each container's [`HealthCheck`] read from the
/// same output (`--wait` looks at both, one parse per look).
pub fn parse_inspect_with_health(stdout: &str) -> Result<Vec<(Container, HealthCheck)>> {
    let items: Vec<Item> = inspect_items(stdout)?;
    Ok(items.into_iter().map(read_item).collect())
}

/// The local image ID of each image reference asked about (`None`: not
/// there).
pub type ImageIds = BTreeMap<String, Option<String>>;

/// Parses the output of one `inspect` of containers and then images
/// ([`crate::engine::argv::Runtime::mixed_inspect_args`]): the containers (told
/// apart by their `State`), and the local image ID of each of `refs`, as
/// [`parse_image_inspect`] says (`all_found`: the call succeeded).
pub fn parse_mixed_inspect(
    stdout: &str,
    stderr: &str,
    refs: &[String],
    all_found: bool,
) -> Result<(Vec<Container>, ImageIds)> {
    let items: Vec<serde_json::Value> = inspect_items(stdout)?;
    let mut containers = Vec::new();
    let mut images = Vec::new();
    for item in items {
        if item.get("State").is_some() {
            let i: Item =
                serde_json::from_value(item).map_err(|e| unexpected("inspect output".into(), e))?;
            containers.push(read_item(i).0);
        } else {
            images.push(
                serde_json::from_value(item)
                    .map_err(|e| unexpected("image inspect output".into(), e))?,
            );
        }
    }
    Ok((containers, image_ids(images, stderr, refs, all_found)))
}

/// Whether an image reference can only name an image: with a tag, a
/// digest or a registry path it is no container's name, nor a prefix of a
/// container's ID, so podman's `inspect` cannot take it for a container.
pub fn names_no_container(r: &str) -> bool {
    r.contains([':', '/', '@'])
}

fn read_item(i: Item) -> (Container, HealthCheck) {
    let conf = i.config.unwrap_or_default();
    let host = i.host.unwrap_or_default();
    let mut joined = Vec::new();
    for (key, mode) in [
        ("net", host.network_mode),
        ("ipc", host.ipc_mode),
        ("pid", host.pid_mode),
    ] {
        if let Some(c) = mode.as_deref().and_then(|m| m.strip_prefix("container:")) {
            joined.push(Joined {
                key: key.into(),
                container: c.to_string(),
            });
        }
    }
    for v in host.volumes_from.unwrap_or_default() {
        joined.push(Joined {
            key: "volumes_from".into(),
            container: volumes_from_container(&v).to_string(),
        });
    }
    let (health, log) = match i.state.health {
        Some(h) => (h.status, h.log),
        None => (String::new(), None),
    };
    let check = HealthCheck {
        interval: conf
            .healthcheck
            .and_then(|h| h.interval)
            .filter(|n| *n > 0)
            .map(std::time::Duration::from_nanos),
        last_output: log
            .and_then(|mut l| l.pop())
            .map(|l| l.output.trim().to_string())
            .unwrap_or_default(),
        restart_count: i.restart_count,
        started_at: i.state.started_at.clone(),
    };
    let container = Container {
        id: i.id,
        name: i.name.trim_start_matches('/').to_string(),
        state: i.state.status,
        image_id: i.image,
        image: i.image_name.unwrap_or(conf.image),
        command: conf.cmd.unwrap_or_default(),
        entrypoint: conf.entrypoint.map(Words::into_vec).unwrap_or_default(),
        created: i.created,
        labels: conf.labels.unwrap_or_default(),
        exit_code: i.state.exit_code,
        health,
        // The engines write the zero time for "never".
        finished_at: if i.state.finished_at.starts_with("0001-") {
            String::new()
        } else {
            i.state.finished_at
        },
        error: i.state.error,
        started_at: if i.state.started_at.starts_with("0001-") {
            String::new()
        } else {
            i.state.started_at
        },
        joined,
    };
    (container, check)
}

/// What `--wait` reads of a container's health check besides its status:
/// how often it runs and what its last run printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthCheck {
    /// Its interval (`None`: no health check, or the engine's default).
    pub interval: Option<std::time::Duration>,
    /// The output of its last run, trimmed (empty before the first).
    pub last_output: String,
    /// How often the engine restarted the container (its restart policy).
    pub restart_count: u64,
    /// When its current run started: with the restart count, what tells
    /// one run from the next (a restart between two looks).
    pub started_at: String,
}

/// The items of container `inspect` output: a JSON array, empty when
/// nothing was found.
fn inspect_items<T: serde::de::DeserializeOwned>(stdout: &str) -> Result<Vec<T>> {
    if stdout.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str(stdout).map_err(|e| unexpected("inspect output".into(), e))
}

/// Engine output this paunch cannot read, with the parser's own error as
/// the source (line, column, what was expected).
fn unexpected(what: String, e: serde_json::Error) -> Error {
    Error::new(ErrorKind::Engine, format!("unexpected {what}: {e}")).with_source(e)
}

/// Parses a network or volume listing ([`Runtime::network_ls_args`],
/// [`Runtime::volume_ls_args`]): every one on the host, by name, with
/// paunch's labels. podman prints one JSON array (`name`/`labels` for
/// networks, `Name`/`Labels` for volumes); docker one JSON object a line,
/// as the template asks (a label it lacks is an empty string).
pub fn parse_resource_ls(runtime: Runtime, stdout: &str) -> Result<BTreeMap<String, Labels>> {
    let what = || "network or volume listing".to_string();
    let items: Vec<serde_json::Value> = match runtime {
        Runtime::Podman if stdout.trim().is_empty() => Vec::new(),
        Runtime::Podman => serde_json::from_str(stdout).map_err(|e| unexpected(what(), e))?,
        Runtime::Docker => stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| unexpected(what(), e))?,
    };
    fn text(v: Option<&serde_json::Value>) -> &str {
        v.and_then(|v| v.as_str()).unwrap_or_default()
    }
    let mut out = BTreeMap::new();
    for i in &items {
        let field = |a: &str, b: &str| i.get(a).or_else(|| i.get(b));
        let name = text(field("name", "Name"));
        if name.is_empty() {
            return Err(Error::new(
                ErrorKind::Engine,
                format!("unexpected {}: an item without a name: {i}", what()),
            ));
        }
        let found = match field("labels", "Labels").filter(|l| l.is_object()) {
            // podman: the labels themselves.
            Some(l) => Labels {
                managed_by: text(l.get(labels::MANAGED_BY)).to_string(),
                config_id: text(l.get(labels::CONFIG_ID)).to_string(),
                config_data: text(l.get(labels::CONFIG_DATA)).to_string(),
            },
            // docker: each asked for by name.
            None => Labels {
                managed_by: text(i.get(labels::MANAGED_BY)).to_string(),
                config_id: text(i.get(labels::CONFIG_ID)).to_string(),
                config_data: text(i.get(labels::CONFIG_DATA)).to_string(),
            },
        };
        out.insert(name.to_string(), found);
    }
    Ok(out)
}

/// The container of a `volumes_from` item (`NAME[:ro|:rw]`).
pub fn volumes_from_container(item: &str) -> &str {
    item.strip_suffix(":ro")
        .or_else(|| item.strip_suffix(":rw"))
        .unwrap_or(item)
}

/// The labels of images, by image ID: a container inherits its image's,
/// so they are not `--label`s it was given.
pub type ImageLabels = BTreeMap<String, BTreeMap<String, String>>;

/// The labels of every image in `inspect` output (docker's and podman's
/// `Config.Labels`, null when none), by image ID; containers in the same
/// output (podman's mixed inspect) and what cannot be read are left out:
/// a label is only ever noted when the image's labels are known.
pub fn parse_image_labels(stdout: &str) -> ImageLabels {
    let items: Vec<serde_json::Value> = serde_json::from_str(stdout).unwrap_or_default();
    items
        .iter()
        .filter(|i| i.get("State").is_none())
        .filter_map(|i| {
            let id = i.get("Id")?.as_str()?.to_string();
            let labels = match i.get("Config").and_then(|c| c.get("Labels")) {
                Some(serde_json::Value::Object(m)) => m
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect(),
                _ => BTreeMap::new(),
            };
            Some((id, labels))
        })
        .collect()
}

/// Parses `image inspect` output and says which local image ID each
/// reference names. The engine prints only the images it found, in the
/// order asked, and names each one it did not find on `stderr`. When all
/// were found, or the missing ones are named, the order decides (the
/// engine resolved each reference its own way: podman's short names
/// resolve to `localhost/` or a search registry); otherwise each reference
/// is matched against the tags, digests and IDs printed.
pub fn parse_image_inspect(
    stdout: &str,
    stderr: &str,
    refs: &[String],
    all_found: bool,
) -> Result<BTreeMap<String, Option<String>>> {
    let images: Vec<Image> = if stdout.trim().is_empty() {
        Vec::new()
    } else {
        serde_json::from_str(stdout).map_err(|e| unexpected("image inspect output".into(), e))?
    };
    Ok(image_ids(images, stderr, refs, all_found))
}

/// The parts of an image's `inspect` the observation reads.
#[derive(Deserialize)]
struct Image {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "RepoDigests", default)]
    repo_digests: Option<Vec<String>>,
}

/// [`parse_image_inspect`] on images already read.
fn image_ids(
    images: Vec<Image>,
    stderr: &str,
    refs: &[String],
    all_found: bool,
) -> BTreeMap<String, Option<String>> {
    let mut out = BTreeMap::new();
    if all_found && images.len() == refs.len() {
        for (r, i) in refs.iter().zip(images) {
            out.insert(r.clone(), Some(i.id));
        }
        return out;
    }
    let missing: Vec<bool> = refs.iter().map(|r| named_missing(stderr, r)).collect();
    let found = missing.iter().filter(|m| !**m).count();
    if !all_found && found == images.len() {
        let mut printed = images.into_iter();
        for (r, m) in refs.iter().zip(missing) {
            let id = if m {
                None
            } else {
                printed.next().map(|i| i.id)
            };
            out.insert(r.clone(), id);
        }
        return out;
    }
    for r in refs {
        let want = normalize_ref(r);
        let found = images.iter().find(|i| {
            let tags = i.repo_tags.iter().flatten();
            let digests = i.repo_digests.iter().flatten();
            tags.chain(digests).any(|t| normalize_ref(t) == want) || image_id_matches(&i.id, r)
        });
        out.insert(r.clone(), found.map(|i| i.id.clone()));
    }
    out
}

/// Whether the engine's `stderr` says it has no image `r`: docker's
/// `no such image: REF: No such image: REF[:latest]` (older: `No such
/// image: REF`), podman's `inspecting object: REF: image not known` (and
/// `no such object: "REF"` from its `inspect` of containers and images).
fn named_missing(stderr: &str, r: &str) -> bool {
    stderr.lines().any(|l| {
        l.contains(&format!("no such image: {r}: "))
            || l.trim_end().ends_with(&format!("No such image: {r}"))
            || l.contains(&format!(" {r}: image not known"))
            || l.contains(&format!("no such object: \"{r}\""))
    })
}

/// Whether `r` is (a prefix of) the image ID `id`.
fn image_id_matches(id: &str, r: &str) -> bool {
    let bare = id.strip_prefix("sha256:").unwrap_or(id);
    let r = r.strip_prefix("sha256:").unwrap_or(r);
    r.len() >= 4 && r.bytes().all(|b| b.is_ascii_hexdigit()) && bare.starts_with(r)
}

/// A reference in the form the engine lists it: default registry and
/// `library/` dropped, `:latest` added when there is neither tag nor digest.
pub fn normalize_ref(r: &str) -> String {
    let mut r = r;
    for prefix in [
        "docker.io/library/",
        "index.docker.io/library/",
        "docker.io/",
        "index.docker.io/",
    ] {
        if let Some(rest) = r.strip_prefix(prefix) {
            r = rest;
            break;
        }
    }
    let last = r.rsplit('/').next().unwrap_or(r);
    if r.contains('@') || last.contains(':') {
        r.to_string()
    } else {
        format!("{r}:latest")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ps_docker_marks_maybe_managed() {
        let out = concat!(
            r#"{"ID":"aaa","Names":"hello","Labels":"config_id=hi,managed_by=paunch,config_data={\"a\": 1, \"b\": 2}","State":"running"}"#,
            "\n",
            r#"{"ID":"bbb","Names":"web,other/alias","Labels":"managed_by=paunchy","State":"exited"}"#,
            "\n",
            r#"{"ID":"ccc","Names":"x","Labels":"","State":"exited"}"#,
            "\n"
        );
        let l = parse_ps(Runtime::Docker, out, "paunch").unwrap();
        assert_eq!(l.len(), 3);
        assert!(l[0].maybe_managed);
        assert!(!l[1].maybe_managed);
        assert_eq!(l[1].names, ["web"]);
        assert!(!l[2].maybe_managed);
    }

    #[test]
    fn image_inspect_reads_which_refs_the_engine_did_not_find() {
        let refs: Vec<String> = ["paunch-test/busybox:1", "nope/missing:9", "nope2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // podman resolved the short name to localhost/...; docker would
        // print it as asked. Either way the order decides.
        let out = r#"[{"Id":"fc91","RepoTags":["localhost/paunch-test/busybox:1"]}]"#;
        let podman = "error inspecting object: nope2: image not known\nError: inspecting object: nope/missing:9: image not known\n";
        let docker = "Error response from daemon: no such image: nope/missing:9: No such image: nope/missing:9\nError response from daemon: no such image: nope2: No such image: nope2:latest\n";
        for stderr in [podman, docker] {
            let m = parse_image_inspect(out, stderr, &refs, false).unwrap();
            assert_eq!(m["paunch-test/busybox:1"].as_deref(), Some("fc91"));
            assert_eq!(m["nope/missing:9"], None);
            assert_eq!(m["nope2"], None);
        }
    }

    #[test]
    fn ps_podman_array() {
        let out = r#"[{"Id":"aaa","Names":["hello"],"Labels":{"managed_by":"paunch"}},{"Id":"bbb","Names":["x"],"Labels":null}]"#;
        let l = parse_ps(Runtime::Podman, out, "paunch").unwrap();
        assert!(l[0].maybe_managed);
        assert!(!l[1].maybe_managed);
    }

    #[test]
    fn refs_normalize_like_the_engine_lists_them() {
        assert_eq!(normalize_ref("busybox"), "busybox:latest");
        assert_eq!(normalize_ref("docker.io/library/busybox:1"), "busybox:1");
        assert_eq!(
            normalize_ref("localhost:5000/app"),
            "localhost:5000/app:latest"
        );
        assert_eq!(normalize_ref("quay.io/a/b:2"), "quay.io/a/b:2");
        assert_eq!(normalize_ref("a/b@sha256:abcd"), "a/b@sha256:abcd");
    }

    #[test]
    fn image_inspect_with_missing_refs_matches_by_tag() {
        let out = r#"[{"Id":"sha256:1111","RepoTags":["busybox:latest"]},{"Id":"sha256:2222abcd","RepoTags":[]}]"#;
        let refs = vec![
            "nope:1".to_string(),
            "busybox".to_string(),
            "2222ab".to_string(),
        ];
        let m = parse_image_inspect(out, "", &refs, false).unwrap();
        assert_eq!(m["nope:1"], None);
        assert_eq!(m["busybox"].as_deref(), Some("sha256:1111"));
        assert_eq!(m["2222ab"].as_deref(), Some("sha256:2222abcd"));
    }

    fn listed(id: &str, name: &str, maybe: bool) -> Listed {
        Listed {
            id: id.into(),
            names: vec![name.into()],
            maybe_managed: maybe,
            labels: BTreeMap::new(),
        }
    }

    #[test]
    fn a_listed_container_the_inspect_missed_is_not_a_foreign_holder() {
        // podman prints nothing when the inspect fails outright (a
        // container removed mid-call by a killed paunch's engine call).
        let ps = vec![
            listed("a1", "web", true),
            listed("b2", "db", true),
            listed("c3", "x", false),
        ];
        assert_eq!(
            agree(&ps, Vec::new(), "paunch").unwrap_err().missed,
            ["web", "db"]
        );
    }

    #[test]
    fn an_agreeing_look_splits_ours_from_holders() {
        let ps = vec![
            listed("a1", "web", true),
            listed("b2", "other", true),
            listed("c3", "x", false),
        ];
        let out = r#"[{"Id":"a1","Name":"/web","Created":"","State":{"Status":"running"},"Config":{"Labels":{"managed_by":"paunch"}}},
                      {"Id":"b2","Name":"/other","Created":"","State":{"Status":"running"},"Config":{"Labels":{"managed_by":"paunchy"}}}]"#;
        let (ours, foreign) = agree(&ps, parse_inspect(out).unwrap(), "paunch").unwrap();
        assert_eq!(
            ours.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["web"]
        );
        let held: Vec<&str> = foreign.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(held, ["other", "x"]);
    }

    #[test]
    fn a_mixed_inspect_splits_containers_from_images() {
        let out = r#"[{"Id":"a1","Name":"web","Created":"","State":{"Status":"running"},"Config":{"Labels":{"managed_by":"paunch"}}},
                      {"Id":"sha256:1111","RepoTags":["localhost/app:1"]}]"#;
        let stderr = "Error: inspecting object: no such object: \"gone:2\"\n";
        let refs = vec!["app:1".to_string(), "gone:2".to_string()];
        let (cs, images) = parse_mixed_inspect(out, stderr, &refs, false).unwrap();
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].name, "web");
        // podman resolved the short name its own way: the order decides.
        assert_eq!(images["app:1"].as_deref(), Some("sha256:1111"));
        assert_eq!(images["gone:2"], None);
    }

    #[test]
    fn only_references_no_container_answers_to_go_with_containers() {
        for r in ["app:1", "quay.io/a/b", "a@sha256:ab", "localhost/x"] {
            assert!(names_no_container(r), "{r}");
        }
        // A bare name may be a container's; bare hex a container ID's prefix.
        for r in ["redis", "2222ab"] {
            assert!(!names_no_container(r), "{r}");
        }
    }

    /// Both engines' listings, as this machine's docker 20.10/28 and podman
    /// 4.3 print them: labels read exactly, commas in config_data kept.
    #[test]
    fn resource_listings_of_both_engines_read_alike() {
        let docker = concat!(
            r#"{"name":"bridge","managed_by":"","config_id":"","config_data":""}"#,
            "\n",
            r#"{"name":"p_default","managed_by":"paunch","config_id":"p","config_data":"{\"driver\": \"bridge\", \"internal\": true}"}"#,
            "\n"
        );
        let podman = r#"[{"name":"podman","id":"2f","driver":"bridge","labels":null},
            {"name":"p_default","id":"61","driver":"bridge","labels":{"config_data":"{\"driver\": \"bridge\", \"internal\": true}","config_id":"p","managed_by":"paunch","x":"y"}}]"#;
        let d = parse_resource_ls(Runtime::Docker, docker).unwrap();
        let p = parse_resource_ls(Runtime::Podman, podman).unwrap();
        assert_eq!(d["p_default"], p["p_default"]);
        assert_eq!(
            d["p_default"].config_data,
            r#"{"driver": "bridge", "internal": true}"#
        );
        assert!(d["bridge"].managed_by.is_empty() && p["podman"].managed_by.is_empty());
        let volumes = r#"[{"Name":"p_data","Driver":"local","Labels":{"managed_by":"paunch","config_id":"p"}}]"#;
        let v = parse_resource_ls(Runtime::Podman, volumes).unwrap();
        assert!(v["p_data"].managed_by("paunch") && v["p_data"].config_data.is_empty());
        assert!(parse_resource_ls(Runtime::Podman, "").unwrap().is_empty());
        assert!(parse_resource_ls(Runtime::Docker, "not json").is_err());
    }

    #[test]
    fn only_a_listing_with_our_label_makes_an_unreadable_container_ours() {
        let mut l = listed("a1", "web", true);
        assert_eq!(
            unreadable(&l, "paunch"),
            None,
            "docker's listing has no exact labels"
        );
        l.labels.insert(labels::MANAGED_BY.into(), "paunch".into());
        l.labels.insert(labels::CONFIG_DATA.into(), "{}".into());
        let c = unreadable(&l, "paunch").unwrap();
        assert_eq!((c.name.as_str(), c.state.as_str()), ("web", UNREADABLE));
        assert_eq!(c.config_data(), Some("{}"));
        assert_eq!(unreadable(&l, "other"), None);
    }
}
