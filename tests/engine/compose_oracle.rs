//! The reference runtime (SPEC §17, issue 21): each runnable file of the
//! compose corpus (tests/compose/corpus/, SOURCES.md) is brought up by
//! Debian's docker-compose 1.29 (`up -d`, project P1) and by `paunch
//! apply` (project P2), one after the other (the files publish fixed host
//! ports), and each pair of containers must agree in `docker inspect`,
//! field by field, with P1's names mapped to P2's. A second apply is a
//! no-op. docker only: 1.29 cannot drive podman.
//!
//! Where the two differ by design it is said at the field: the container
//! name (1.29 `P_S_N`, v2 and paunch `P-S-N`), the `com.docker.compose.*`
//! labels and paunch's own, the entrypoint's tail (docker's CLI takes one
//! word; paunch puts the rest before the command, so the concatenation is
//! compared), 1.29's extra DNS alias (the container's short ID), and how a
//! mount is asked for (1.29 uses the API's `Mounts` for the long syntax,
//! paunch `--volume`/`--tmpfs`: the mounts the container has are compared).

use crate::support::*;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The corpus cases whose every image is the test image (SOURCES.md's
/// "run" column).
const UPSTREAM: &[&str] = &[
    "go-paths",
    "spec-default-network",
    "spec-extension-anchor",
    "spec-extension-merge",
    "spec-fragments-env",
    "spec-group-add",
    "spec-init",
    "spec-tmpfs",
    "spec-volume-long",
    "spec-volumes-shared",
];
const OWN: &[&str] = &["own-interpolation", "own-network-mode", "own-run"];

/// Paunch's labels, and those of the image, which both have.
const PAUNCH_LABELS: &[&str] = &[
    "managed_by",
    "config_id",
    "config_data",
    "container_name",
    "paunch.compose.service",
];

fn corpus(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/compose/corpus")
        .join(case)
}

/// Copies a case into `to` (bind sources made by either tool stay there).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn compose(dir: &Path, project: &str, args: &[&str]) -> std::process::Output {
    Command::new("docker-compose")
        .current_dir(dir)
        .args(["-p", project, "-f", "compose.yaml"])
        .args(args)
        .output()
        .expect("docker-compose runs (apt-get install docker-compose; scripts/test does)")
}

/// Takes both projects down, whatever happened.
struct Down<'a> {
    scope: &'a Scope,
    dir: PathBuf,
    p1: String,
    p2: String,
}

impl Drop for Down<'_> {
    fn drop(&mut self) {
        let _ = compose(&self.dir, &self.p1, &["down", "-v", "-t", "0"]);
        let _ = self.scope.paunch(&["delete", &self.p2, "--volumes"]);
    }
}

/// The containers of a project by (service, replica number), inspected
/// and normalised while they all exist (IDs resolve to names).
fn containers(filter: &str, number: impl Fn(&Value) -> String) -> BTreeMap<String, Value> {
    let ids = engine_ok(&["ps", "-aq", "--filter", filter]);
    let mut out = BTreeMap::new();
    for id in ids.lines() {
        let c = inspect(id);
        let labels = &c["Config"]["Labels"];
        let service = labels["com.docker.compose.service"]
            .as_str()
            .or(labels["paunch.compose.service"].as_str())
            .unwrap()
            .to_string();
        out.insert(format!("{service}/{}", number(&c)), normal(&c));
    }
    out
}

/// `container:ID` (or a name) as `container:NAME`.
fn named(reference: &str) -> String {
    match reference.split_once(':') {
        Some(("container", c)) => {
            let name = inspect(c)["Name"]
                .as_str()
                .unwrap()
                .trim_start_matches('/')
                .to_string();
            format!("container:{name}")
        }
        _ => reference.to_string(),
    }
}

fn sorted(v: &Value) -> Value {
    let mut items: Vec<Value> = v.as_array().cloned().unwrap_or_default();
    items.sort_by_key(Value::to_string);
    Value::Array(items)
}

/// The fields compared, as one JSON object.
fn normal(c: &Value) -> Value {
    let cfg = &c["Config"];
    let host = &c["HostConfig"];
    let id = &c["Id"].as_str().unwrap()[..12];
    let name = c["Name"].as_str().unwrap().trim_start_matches('/');
    let mut out = Map::new();
    let mut argv: Vec<Value> = cfg["Entrypoint"].as_array().cloned().unwrap_or_default();
    argv.extend(cfg["Cmd"].as_array().cloned().unwrap_or_default());
    out.insert("Entrypoint+Cmd".into(), Value::Array(argv));
    // 1.29 hands a bare `environment` name that is unset in its own
    // environment to the engine as `NAME` (no value, so not set in the
    // container); compose v2 and paunch leave it out.
    let env: Vec<Value> = cfg["Env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e.as_str().is_some_and(|e| e.contains('=')))
        .cloned()
        .collect();
    out.insert("Env".into(), sorted(&Value::Array(env)));
    for k in [
        "User",
        "WorkingDir",
        "Healthcheck",
        "Tty",
        "OpenStdin",
        "StopSignal",
        "StopTimeout",
        "ExposedPorts",
        "Domainname",
    ] {
        out.insert(format!("Config.{k}"), cfg[k].clone());
    }
    // Unset, the host name is the short ID of the container (or of the
    // one whose network it joined).
    let hostname = cfg["Hostname"].as_str().unwrap_or_default();
    let an_id = hostname.len() == 12 && hostname.bytes().all(|b| b.is_ascii_hexdigit());
    out.insert(
        "Config.Hostname".into(),
        json!(if an_id { "(an ID)" } else { hostname }),
    );
    let labels: Map<String, Value> = cfg["Labels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| {
            !k.starts_with("com.docker.compose.") && !PAUNCH_LABELS.contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.insert("Config.Labels".into(), Value::Object(labels));
    host_fields(host, &mut out);
    out.insert("Mounts".into(), mounts(c));
    let mode = named(host["NetworkMode"].as_str().unwrap_or_default());
    out.insert("HostConfig.NetworkMode".into(), json!(mode));
    let from: Vec<Value> = host["VolumesFrom"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            let v = v.as_str().unwrap();
            let (c, m) = v.split_once(':').map_or((v, None), |(c, m)| (c, Some(m)));
            // Of a service with replicas, 1.29 takes any one (here the
            // last), paunch the first: the service is compared.
            let labels = &inspect(c)["Config"]["Labels"];
            let svc = labels["com.docker.compose.service"]
                .as_str()
                .or(labels["paunch.compose.service"].as_str())
                .unwrap_or(c);
            json!(m.map_or_else(
                || format!("service {svc}"),
                |m| format!("service {svc}:{m}")
            ))
        })
        .collect();
    out.insert("HostConfig.VolumesFrom".into(), Value::Array(from));
    let mut nets = Map::new();
    for (net, n) in c["NetworkSettings"]["Networks"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let aliases: Vec<Value> = n["Aliases"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a.as_str() != Some(id) && a.as_str() != Some(name))
            .cloned()
            .collect();
        nets.insert(net.clone(), sorted(&Value::Array(aliases)));
    }
    out.insert("Networks".into(), Value::Object(nets));
    Value::Object(out)
}

fn host_fields(host: &Value, out: &mut Map<String, Value>) {
    for k in [
        "PortBindings",
        "RestartPolicy",
        "Privileged",
        "Init",
        "ReadonlyRootfs",
        "ShmSize",
        "Memory",
        "MemoryReservation",
        "MemorySwap",
        "NanoCpus",
        "CpuShares",
        "PidsLimit",
        "OomScoreAdj",
        "Sysctls",
        "LogConfig",
        "Devices",
        "IpcMode",
        "PidMode",
    ] {
        out.insert(format!("HostConfig.{k}"), nothing_as_null(&host[k]));
    }
    // Lists whose order neither reader promises.
    for k in [
        "Ulimits",
        "CapAdd",
        "CapDrop",
        "ExtraHosts",
        "Dns",
        "DnsSearch",
        "DnsOptions",
        "SecurityOpt",
        "GroupAdd",
    ] {
        out.insert(
            format!("HostConfig.{k}"),
            nothing_as_null(&sorted(&host[k])),
        );
    }
    // docker's CLI writes capabilities with their CAP_ prefix, the API
    // keeps them as given.
    for k in ["HostConfig.CapAdd", "HostConfig.CapDrop"] {
        if let Some(Value::Array(caps)) = out.get_mut(k) {
            for c in caps.iter_mut() {
                let bare = c.as_str().unwrap_or_default().trim_start_matches("CAP_");
                *c = json!(bare);
            }
        }
    }
}

/// What docker's API (1.29) and its CLI (paunch) send for "none": `null`
/// or `[]`, a restart policy `""` or `"no"`.
fn nothing_as_null(v: &Value) -> Value {
    match v {
        Value::Array(a) if a.is_empty() => Value::Null,
        Value::Object(m) if m.get("Name") == Some(&json!("")) => {
            let mut m = m.clone();
            m.insert("Name".into(), json!("no"));
            Value::Object(m)
        }
        other => other.clone(),
    }
}

/// The container's mounts: bind and volume mounts as the engine reports
/// them (anonymous volumes without their random names), tmpfs mounts
/// from `--tmpfs` and from the API's `Mounts` alike, as `PATH=OPTIONS`.
fn mounts(c: &Value) -> Value {
    let mut out = Vec::new();
    for m in c["Mounts"].as_array().into_iter().flatten() {
        // An API tmpfs mount is listed here too; --tmpfs ones are not.
        if m["Type"] == "tmpfs" {
            continue;
        }
        let anonymous = m["Type"] == "volume" && m["Name"].as_str().is_some_and(|n| n.len() == 64);
        let mut m = m.as_object().cloned().unwrap_or_default();
        if anonymous {
            m.remove("Name");
            m.remove("Source");
        }
        // "z", "" or "rw": how it was asked for, not what it is.
        m.remove("Mode");
        out.push(Value::Object(m));
    }
    let host = &c["HostConfig"];
    for (path, opts) in host["Tmpfs"].as_object().into_iter().flatten() {
        out.push(json!(format!(
            "tmpfs {path}={}",
            opts.as_str().unwrap_or_default()
        )));
    }
    for m in host["Mounts"].as_array().into_iter().flatten() {
        if m["Type"] == "tmpfs" {
            let size = m["TmpfsOptions"]["SizeBytes"].as_i64();
            let opts = size.map(|s| format!("size={s}")).unwrap_or_default();
            out.push(json!(format!(
                "tmpfs {}={opts}",
                m["Target"].as_str().unwrap()
            )));
        }
    }
    sorted(&Value::Array(out))
}

/// 1.29's reading with its project's names turned into P2's: each of
/// its containers' names (`renames`), then networks and volumes `P1_K`.
fn mapped(v: &Value, renames: &[(String, String)], p1: &str, p2: &str) -> Value {
    let map = |s: &str| -> String {
        let mut s = s.to_string();
        for (from, to) in renames {
            s = s.replace(from, to);
        }
        s.replace(&format!("{p1}_"), &format!("{p2}_"))
    };
    match v {
        Value::String(s) => Value::String(map(s)),
        Value::Array(a) => Value::Array(a.iter().map(|x| mapped(x, renames, p1, p2)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (map(k), mapped(x, renames, p1, p2)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Runs one case both ways; a line per disagreement.
fn run_case(case: &str) -> Vec<String> {
    let s = Scope::new(&format!("oracle-{case}"));
    let tag = s.prefix.trim_end_matches('-');
    let (p1, p2) = (format!("{tag}d"), format!("{tag}p"));
    let dir = s.dir.path().join(case);
    copy_dir(&corpus(case), &dir);
    let _down = Down {
        scope: &s,
        dir: dir.clone(),
        p1: p1.clone(),
        p2: p2.clone(),
    };
    let up = compose(&dir, &p1, &["up", "-d"]);
    assert!(
        up.status.success(),
        "{case}: docker-compose up: {}",
        String::from_utf8_lossy(&up.stderr)
    );
    let theirs = containers(&format!("label=com.docker.compose.project={p1}"), |c| {
        c["Config"]["Labels"]["com.docker.compose.container-number"]
            .as_str()
            .unwrap()
            .to_string()
    });
    let down = compose(&dir, &p1, &["down", "-v", "-t", "0"]);
    assert!(
        down.status.success(),
        "{case}: docker-compose down: {}",
        String::from_utf8_lossy(&down.stderr)
    );
    let file = dir.join("compose.yaml");
    let applied = s.apply(&file, &p2);
    assert_eq!(
        applied.code, 0,
        "{case}: paunch apply:\n{}{}",
        applied.stdout, applied.stderr
    );
    let ours = containers(&format!("label=managed_by={}", s.managed_by), |c| {
        let name = c["Name"].as_str().unwrap();
        name.rsplit('-')
            .next()
            .filter(|n| n.parse::<u32>().is_ok())
            .unwrap_or("1")
            .to_string()
    });
    let again = s.apply(&file, &p2);
    let mut out = Vec::new();
    if !again.stdout.contains("No changes") {
        out.push(format!(
            "{case}: a second apply changes something:\n{}",
            again.stdout
        ));
    }
    if theirs.keys().ne(ours.keys()) {
        out.push(format!(
            "{case}: containers {:?}, 1.29 made {:?}",
            ours.keys(),
            theirs.keys()
        ));
    }
    // Longest first: P1_S_1 is not to be renamed inside P1_S_10.
    let mut renames: Vec<(String, String)> = theirs
        .keys()
        .map(|k| {
            let (svc, n) = k.split_once('/').unwrap();
            (format!("{p1}_{svc}_{n}"), format!("{p2}-{svc}-{n}"))
        })
        .collect();
    renames.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    for (key, t) in &theirs {
        let Some(o) = ours.get(key) else { continue };
        let t = mapped(t, &renames, &p1, &p2);
        for (field, tv) in t.as_object().unwrap() {
            let ov = &o[field];
            if tv != ov {
                out.push(format!(
                    "{case} {key} {field}: docker-compose {tv}, paunch {ov}"
                ));
            }
        }
    }
    out
}

fn run_all(cases: &[&str]) {
    if docker_only("docker-compose 1.29 drives docker only") {
        return;
    }
    let findings: Vec<String> = cases.iter().flat_map(|c| run_case(c)).collect();
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

#[test]
fn upstream_files_run_as_docker_compose_runs_them() {
    run_all(UPSTREAM);
}

#[test]
fn own_files_run_as_docker_compose_runs_them() {
    run_all(OWN);
}

/// The same files on whichever engine the tests run on (podman too,
/// which docker-compose 1.29 cannot drive): paunch applies each, every
/// service gets its containers running or run, and a second apply is a
/// no-op.
#[test]
fn the_runnable_corpus_applies_and_converges_on_this_engine() {
    // What podman 4.3 itself refuses (the engine's error, as it would
    // refuse `podman run` with the same flags): not paunch's to change.
    let podman_refuses: &[(&str, &str)] = &[
        (
            "spec-tmpfs",
            "podman 4.3: unknown mount option \"uid=1009\" on a tmpfs",
        ),
        ("own-run", "podman 4.3: unknown flag --domainname"),
    ];
    let mut findings = Vec::new();
    for case in UPSTREAM.iter().chain(OWN) {
        if is_podman() && podman_refuses.iter().any(|(c, _)| c == case) {
            continue;
        }
        let s = Scope::new(&format!("corpus-{case}"));
        let p = format!("{}c", s.prefix.trim_end_matches('-'));
        let dir = s.dir.path().join(case);
        copy_dir(&corpus(case), &dir);
        let file = dir.join("compose.yaml");
        let applied = s.apply(&file, &p);
        if applied.code != 0 {
            findings.push(format!(
                "{case}: apply: {}{}",
                applied.stdout, applied.stderr
            ));
            continue;
        }
        let again = s.apply(&file, &p);
        if !again.stdout.contains("No changes") {
            // stderr too: a second apply that failed says why (a podman
            // run once printed nothing here).
            findings.push(format!(
                "{case}: a second apply changes something (exit {}):\n{}{}",
                again.code, again.stdout, again.stderr
            ));
        }
        s.paunch(&["delete", &p, "--volumes"]).ok();
    }
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}
