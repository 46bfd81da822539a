//! The reference reader (SPEC §17, issue 21): for every file of the
//! compose corpus (tests/compose/corpus/, SOURCES.md says where each came
//! from) that Debian's docker-compose 1.29 `config` accepts, paunch
//! accepts it (`validate`, and the library gives one container per service
//! and replica) and its reading, each container's `config_data`, agrees
//! with what `config` prints, key by key. A file 1.29 refuses, paunch
//! refuses too, unless the spec has what 1.29 lacks ([`ONLY_PAUNCH`]).
//!
//! 1.29's output is brought to paunch's normal form here, in the test, and
//! nowhere in paunch: it re-escapes `$` as `$$`, keeps string commands and
//! healthcheck tests unsplit, writes some short ports in long form, adds
//! `:rw` to volumes, names volumes and networks by their keys, lists the
//! environment as a map with `null` for unset names, prints `version` and
//! does not filter profiles (all of a file's profiles are activated here).

use paunch::Config;
use paunch::config::LoadOptions;
use paunch::config::compose::table::{self, Treat};
use paunch::config::keys::{self, Shape};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The project name both readers are given.
const PROJECT: &str = "oracle";

/// Files 1.29 refuses for what the current spec has (and paunch reads).
const ONLY_PAUNCH: &[(&str, &str)] = &[(
    "own-newer",
    "1.29 has no top-level name, long-syntax host_ip, deploy.resources.limits.pids, \
     ${V:+x} nor depends_on required/restart",
)];

/// Files 1.29 accepts and paunch refuses, with the reason.
const ONLY_1_29: &[(&str, &str)] = &[(
    "own-yaml11",
    "1.29 reads YAML 1.1 (PyYAML): `tty: yes` is true, the key `OFF` is false; \
     compose v2 and paunch read YAML 1.2, where both are strings",
)];

/// Keys left out of the comparison for one file's service (`*`: all of
/// them), with the reason: where 1.29 diverges from the current spec.
const EXCLUDED: &[(&str, &str, &str, &str)] = &[];

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compose/corpus")
}

/// The corpus cases: each a directory holding a compose.yaml.
pub fn cases() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("compose.yaml").is_file())
        .collect();
    out.sort();
    out
}

fn case_name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

/// `docker-compose -p oracle -f compose.yaml config` in `dir`: its output
/// read as YAML (1.1, as PyYAML wrote it), or its error.
fn reference(dir: &Path) -> Result<Value, String> {
    let out = Command::new("docker-compose")
        .current_dir(dir)
        .args(["-p", PROJECT, "-f", "compose.yaml", "config"])
        .output()
        .unwrap_or_else(|e| {
            panic!("docker-compose runs ({e}): apt-get install docker-compose (scripts/test does)")
        });
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8(out.stdout).unwrap();
    let node = paunch::yaml::load(&text).unwrap().unwrap();
    Ok(serde_json::to_value(node.to_value()).unwrap())
}

/// Every profile a 1.29 reading names (1.29 does not filter them).
fn profiles(reference: &Value) -> Vec<String> {
    let mut all = BTreeSet::new();
    for s in services(reference).values() {
        for p in s["profiles"].as_array().into_iter().flatten() {
            all.insert(p.as_str().unwrap().to_string());
        }
    }
    all.into_iter().collect()
}

fn services(reference: &Value) -> &Map<String, Value> {
    reference["services"].as_object().unwrap()
}

fn load(dir: &Path, profiles: Vec<String>) -> paunch::Result<Config> {
    let opts = LoadOptions {
        project: Some(PROJECT.into()),
        profiles,
        ..LoadOptions::default()
    };
    Config::load_with(&dir.join("compose.yaml"), &opts)
}

/// `paunch validate --file compose.yaml --profile P...` in `dir`.
fn validate(dir: &Path, profiles: &[String]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_paunch"));
    cmd.current_dir(dir)
        .args(["validate", "--file", "compose.yaml"]);
    for p in profiles {
        cmd.args(["--profile", p]);
    }
    let out = cmd.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// The containers 1.29 would make: `container_name`, or
/// `PROJECT-SERVICE-N` for each replica (`deploy.replicas`, `scale`).
fn container_names(reference: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (name, s) in services(reference) {
        let replicas = s["deploy"]["replicas"]
            .as_i64()
            .or(s["scale"].as_i64())
            .unwrap_or(1);
        match s["container_name"].as_str() {
            Some(c) => {
                out.insert(c.to_string());
            }
            None => out.extend((1..=replicas).map(|i| format!("{PROJECT}-{name}-{i}"))),
        }
    }
    out
}

/// What a case showed: a line per disagreement.
fn check_case(dir: &Path) -> Vec<String> {
    let case = case_name(dir);
    let only_paunch = ONLY_PAUNCH.iter().any(|(c, _)| *c == case);
    let reference = match reference(dir) {
        Ok(r) => r,
        Err(why) => {
            let paunch = load(dir, Vec::new());
            return match (only_paunch, paunch) {
                (true, Ok(_)) | (false, Err(_)) => Vec::new(),
                (true, Err(e)) => vec![format!("{case}: paunch refuses it: {e}")],
                (false, Ok(_)) => vec![format!(
                    "{case}: 1.29 refuses it and paunch accepts it; 1.29 said: {why}"
                )],
            };
        }
    };
    if only_paunch {
        return vec![format!(
            "{case}: listed in ONLY_PAUNCH, but 1.29 accepts it"
        )];
    }
    let profiles = profiles(&reference);
    let (valid, said) = validate(dir, &profiles);
    if ONLY_1_29.iter().any(|(c, _)| *c == case) {
        return match valid {
            true => vec![format!(
                "{case}: listed in ONLY_1_29, but paunch accepts it"
            )],
            false => Vec::new(),
        };
    }
    if !valid {
        return vec![format!("{case}: paunch validate refuses it:\n{said}")];
    }
    let config = match load(dir, profiles) {
        Ok(c) => c,
        Err(e) => return vec![format!("{case}: the library refuses it: {e}")],
    };
    let names: BTreeSet<String> = config.entries.iter().map(|e| e.name.clone()).collect();
    let want = container_names(&reference);
    let mut out = Vec::new();
    if names != want {
        out.push(format!("{case}: containers {names:?}, 1.29 makes {want:?}"));
    }
    let top = Top::of(&reference);
    for (service, s) in services(&reference) {
        let expected = normal::service(service, s, &top);
        let Some(entry) = config.entries.iter().find(|e| {
            e.name == format!("{PROJECT}-{service}-1")
                || s["container_name"].as_str() == Some(e.name.as_str())
        }) else {
            continue;
        };
        let got = canonical(serde_json::from_str(entry.config_data()).unwrap());
        if std::env::var_os("ORACLE_SHOW").is_some() {
            eprintln!("{case}/{service}\n 1.29:   {expected}\n paunch: {got}");
        }
        out.extend(compare(&case, service, &expected, &got));
    }
    out
}

/// paunch's reading with its ports expanded into a set and its ulimits
/// sorted, as [`normal`] gives 1.29's.
fn canonical(mut got: Value) -> Value {
    if let Some(ports) = got.get_mut("ports") {
        let all: BTreeSet<String> = ports
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|p| normal::expand_port(p.as_str().unwrap()))
            .collect();
        *ports = json!(all);
    }
    if let Some(Value::Array(u)) = got.get_mut("ulimits") {
        u.sort_by_key(Value::to_string);
    }
    // 1.29 writes `disable: true` as the test `[NONE]`.
    if let Some(h) = got.get_mut("healthcheck")
        && h["disable"] == Value::Bool(true)
    {
        *h = json!({"test": ["NONE"]});
    }
    got
}

/// The key-by-key differences of a service's two readings, less the
/// keys [`EXCLUDED`] for it.
fn compare(case: &str, service: &str, expected: &Value, got: &Value) -> Vec<String> {
    let (Some(e), Some(g)) = (expected.as_object(), got.as_object()) else {
        return vec![format!("{case}/{service}: not maps")];
    };
    let keys: BTreeSet<&String> = e.keys().chain(g.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        let excluded = EXCLUDED
            .iter()
            .any(|(c, s, key, _)| *c == case && (*s == service || *s == "*") && key == k);
        let (a, b) = (e.get(k), g.get(k));
        if a != b && !excluded {
            out.push(format!(
                "{case}/{service}.{k}: 1.29 reads {}, paunch {}",
                a.map_or("(nothing)".into(), Value::to_string),
                b.map_or("(nothing)".into(), Value::to_string)
            ));
        }
    }
    out
}

/// The top level of a 1.29 reading: the engine names of its networks
/// and volumes, and each service's first container.
pub struct Top {
    networks: BTreeMap<String, String>,
    volumes: BTreeMap<String, String>,
    first: BTreeMap<String, String>,
}

impl Top {
    fn of(reference: &Value) -> Top {
        let names = |key: &str| -> BTreeMap<String, String> {
            let mut out = BTreeMap::new();
            for (k, v) in reference[key].as_object().into_iter().flatten() {
                let name = v["name"].as_str().map(str::to_string);
                let external = v["external"].as_bool() == Some(true);
                let engine = name.unwrap_or_else(|| {
                    if external {
                        k.clone()
                    } else {
                        format!("{PROJECT}_{k}")
                    }
                });
                out.insert(k.clone(), engine);
            }
            out
        };
        let mut networks = names("networks");
        networks
            .entry("default".into())
            .or_insert_with(|| format!("{PROJECT}_default"));
        let first = services(reference)
            .iter()
            .map(|(name, s)| {
                let c = s["container_name"]
                    .as_str()
                    .map_or_else(|| format!("{PROJECT}-{name}-1"), str::to_string);
                (name.clone(), c)
            })
            .collect();
        Top {
            networks,
            volumes: names("volumes"),
            first,
        }
    }
}

/// 1.29's reading of a service in paunch's normal form.
mod normal {
    use super::*;

    /// Keys that order and name containers, not in `config_data`.
    const NOT_DATA: &[&str] = &[
        "depends_on",
        "profiles",
        "scale",
        "container_name",
        "links",
        "deploy",
        "tmpfs",
    ];

    pub fn service(name: &str, s: &Value, top: &Top) -> Value {
        let mut out = Map::new();
        let s = s.as_object().unwrap();
        let mut tmpfs: Vec<Value> = strings(s.get("tmpfs"));
        for (k, v) in s {
            if NOT_DATA.contains(&k.as_str()) || k.starts_with("x-") {
                continue;
            }
            let v = unescape(v);
            let normal = match k.as_str() {
                "command" | "entrypoint" => command(&v),
                "environment" => environment(&v),
                "ports" => ports(&v),
                "volumes" => volumes(&v, top, &mut tmpfs),
                "volumes_from" => volumes_from(&v, top),
                "network_mode" => network_mode(&v, top),
                "networks" => networks(name, &v, top),
                "healthcheck" => healthcheck(&v),
                "ulimits" => ulimits(&v),
                "extra_hosts" => extra_hosts(&v),
                "dns"
                | "dns_search"
                | "dns_opt"
                | "expose"
                | "cap_add"
                | "cap_drop"
                | "security_opt"
                | "devices"
                | "device_cgroup_rules"
                | "group_add" => Value::Array(strings(Some(&v))),
                "labels" | "sysctls" | "storage_opt" => string_map(&v),
                "logging" => logging(&v),
                _ => scalar(k, &v),
            };
            out.insert(k.clone(), normal);
        }
        if let Some(deploy) = s.get("deploy") {
            self::deploy(deploy, &mut out);
        }
        if !tmpfs.is_empty() {
            out.insert("tmpfs".into(), Value::Array(tmpfs));
        }
        if !out.contains_key("networks") && !out.contains_key("network_mode") {
            out.insert("networks".into(), networks(name, &Value::Null, top));
        }
        Value::Object(out)
    }

    /// 1.29 writes `$` as `$$` in every string it prints.
    fn unescape(v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(s.replace("$$", "$")),
            Value::Array(a) => Value::Array(a.iter().map(unescape).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.replace("$$", "$"), unescape(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// A scalar in the type of the paunch key that reads it: a number
    /// is kept as written (a string) by a string key.
    fn scalar(key: &str, v: &Value) -> Value {
        let shape = match table::row(table::SERVICE, key).map(|r| r.treat) {
            Some(Treat::Key(k)) => keys::key(k).map(|k| k.shape),
            _ => None,
        };
        match (shape, v) {
            (Some(Shape::Int | Shape::Bool), _) | (_, Value::Object(_) | Value::Array(_)) => {
                v.clone()
            }
            _ => Value::String(text(v)),
        }
    }

    fn text(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    fn strings(v: Option<&Value>) -> Vec<Value> {
        match v {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.iter().map(|x| Value::String(text(x))).collect(),
            Some(one) => vec![Value::String(text(one))],
        }
    }

    fn string_map(v: &Value) -> Value {
        Value::Object(
            v.as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), Value::String(text(v))))
                .collect(),
        )
    }

    /// A string is split as 1.29 splits it (Python's shlex).
    fn command(v: &Value) -> Value {
        match v {
            Value::String(s) => json!(shlex::split(s).unwrap_or_default()),
            other => Value::Array(strings(Some(other))),
        }
    }

    /// Unset names (`null`) are left out, as paunch leaves them.
    fn environment(v: &Value) -> Value {
        Value::Object(
            v.as_object()
                .into_iter()
                .flatten()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), Value::String(text(v))))
                .collect(),
        )
    }

    /// Ports as a set of `IP:HOST:CONTAINER/PROTO`, one per port of a
    /// range, whichever syntax wrote them.
    pub fn ports(v: &Value) -> Value {
        let mut out = BTreeSet::new();
        for p in v.as_array().into_iter().flatten() {
            match p {
                m @ Value::Object(_) => {
                    let proto = m.get("protocol").map_or("tcp".into(), text);
                    let ip = m.get("host_ip").map(text).unwrap_or_default();
                    let host = m.get("published").map(text).unwrap_or_default();
                    out.insert(format!("{ip}:{host}:{}/{proto}", text(&m["target"])));
                }
                other => out.extend(expand_port(&text(other))),
            }
        }
        json!(out)
    }

    /// A short port, its ranges expanded.
    pub fn expand_port(p: &str) -> Vec<String> {
        let (spec, proto) = p.rsplit_once('/').unwrap_or((p, "tcp"));
        let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
        let (container, host, ip) = match parts.as_slice() {
            [c] => (*c, "", ""),
            [c, h] => (*c, *h, ""),
            [c, h, ip] => (*c, *h, ip.trim_start_matches('[').trim_end_matches(']')),
            _ => unreachable!(),
        };
        let range = |r: &str| -> Vec<String> {
            match r.split_once('-') {
                Some((a, b)) => {
                    let (a, b): (u32, u32) = (a.parse().unwrap(), b.parse().unwrap());
                    (a..=b).map(|x| x.to_string()).collect()
                }
                None => vec![r.to_string()],
            }
        };
        let containers = range(container);
        if containers.len() == 1 {
            // One container port on a host port from a range: one port.
            return vec![format!("{ip}:{host}:{container}/{proto}")];
        }
        let hosts = if host.is_empty() {
            vec![String::new(); containers.len()]
        } else {
            range(host)
        };
        containers
            .iter()
            .zip(hosts.iter().cycle())
            .map(|(c, h)| format!("{ip}:{h}:{c}/{proto}"))
            .collect()
    }

    /// Volumes as paunch's `--volume` strings: engine names, `rw` left
    /// out; long-syntax tmpfs mounts go to `tmpfs`, as paunch puts them.
    fn volumes(v: &Value, top: &Top, tmpfs: &mut Vec<Value>) -> Value {
        let mut out = Vec::new();
        let engine = |src: &str| -> String {
            top.volumes
                .get(src)
                .cloned()
                .unwrap_or_else(|| src.to_string())
        };
        for m in v.as_array().into_iter().flatten() {
            match m {
                Value::Object(_) => {
                    let target = text(&m["target"]);
                    let mut opts = Vec::new();
                    if m["read_only"] == Value::Bool(true) {
                        opts.push("ro".to_string());
                    }
                    if m["volume"]["nocopy"] == Value::Bool(true) {
                        opts.push("nocopy".into());
                    }
                    if let Some(p) = m["bind"]["propagation"].as_str() {
                        opts.push(p.into());
                    }
                    if m["type"] == "tmpfs" {
                        let size = m["tmpfs"]["size"].as_i64();
                        tmpfs.push(Value::String(match size {
                            Some(n) => format!("{target}:size={n}"),
                            None => target,
                        }));
                        continue;
                    }
                    let Some(src) = m.get("source").map(text) else {
                        out.push(target);
                        continue;
                    };
                    out.push(join_mount(&engine(&src), &target, &opts));
                }
                other => {
                    let t = text(other);
                    let parts: Vec<&str> = t.split(':').collect();
                    match parts.as_slice() {
                        [target] => out.push((*target).to_string()),
                        [src, target, rest @ ..] => {
                            let opts: Vec<String> = rest
                                .iter()
                                .flat_map(|o| o.split(','))
                                // 1.29 keeps Docker Desktop's options,
                                // which mean nothing on Linux.
                                .filter(|o| {
                                    !matches!(*o, "rw" | "cached" | "delegated" | "consistent")
                                })
                                .map(str::to_string)
                                .collect();
                            out.push(join_mount(&engine(src), target, &opts));
                        }
                        _ => unreachable!(),
                    }
                }
            }
        }
        json!(out)
    }

    fn join_mount(src: &str, target: &str, opts: &[String]) -> String {
        if opts.is_empty() {
            format!("{src}:{target}")
        } else {
            format!("{src}:{target}:{}", opts.join(","))
        }
    }

    /// `service:S[:MODE]` names S's first container.
    fn volumes_from(v: &Value, top: &Top) -> Value {
        let out: Vec<String> = strings(Some(v))
            .iter()
            .map(|f| {
                let f = text(f);
                if let Some(rest) = f.strip_prefix("service:") {
                    let (svc, mode) = rest
                        .split_once(':')
                        .map_or((rest, None), |(s, m)| (s, Some(m)));
                    let c = &top.first[svc];
                    mode.map_or_else(|| c.clone(), |m| format!("{c}:{m}"))
                } else {
                    f.strip_prefix("container:").unwrap_or(&f).to_string()
                }
            })
            .collect();
        json!(out)
    }

    fn network_mode(v: &Value, top: &Top) -> Value {
        let m = text(v);
        match m.strip_prefix("service:") {
            Some(svc) => json!(format!("container:{}", top.first[svc])),
            None => json!(m),
        }
    }

    /// Networks by engine name, each with the service name first among its
    /// aliases.
    fn networks(service: &str, v: &Value, top: &Top) -> Value {
        let keys: Vec<(String, Value)> = match v {
            Value::Array(a) => a.iter().map(|k| (text(k), Value::Null)).collect(),
            Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            _ => vec![("default".into(), Value::Null)],
        };
        let mut out = Map::new();
        for (k, opts) in keys {
            let mut o = opts.as_object().cloned().unwrap_or_default();
            let mut aliases = vec![Value::String(service.to_string())];
            aliases.extend(strings(o.get("aliases")));
            aliases.dedup();
            o.insert("aliases".into(), Value::Array(aliases));
            let engine = top.networks.get(&k).cloned().unwrap_or(k);
            out.insert(engine, Value::Object(o));
        }
        Value::Object(out)
    }

    /// `HOST:IP` strings; 1.29 keeps the spec's `HOST=IP` and map forms as
    /// written (and passes `HOST=IP` on to the engine verbatim).
    fn extra_hosts(v: &Value) -> Value {
        let out: Vec<String> = match v {
            Value::Object(m) => m
                .iter()
                .map(|(h, ip)| format!("{h}:{}", text(ip)))
                .collect(),
            _ => strings(Some(v))
                .iter()
                .map(|h| text(h).replacen('=', ":", 1))
                .collect(),
        };
        json!(out)
    }

    /// A string test runs in the image's shell.
    fn healthcheck(v: &Value) -> Value {
        let mut h = v.as_object().cloned().unwrap_or_default();
        if let Some(Value::String(t)) = h.get("test") {
            let t = t.clone();
            h.insert("test".into(), json!(["CMD-SHELL", t]));
        }
        Value::Object(h)
    }

    /// `--ulimit` strings, sorted (1.29 prints the map sorted).
    fn ulimits(v: &Value) -> Value {
        let mut out: Vec<String> = v
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, l)| match l {
                m @ Value::Object(_) => format!("{k}={}:{}", m["soft"], m["hard"]),
                n => format!("{k}={n}"),
            })
            .collect();
        out.sort();
        json!(out)
    }

    fn logging(v: &Value) -> Value {
        let mut out = Map::new();
        if let Some(d) = v.get("driver") {
            out.insert("driver".into(), d.clone());
        }
        if let Some(o) = v.get("options") {
            out.insert("options".into(), string_map(o));
        }
        Value::Object(out)
    }

    /// `deploy` read as the service keys of the same meaning.
    fn deploy(d: &Value, out: &mut Map<String, Value>) {
        for (from, to) in [
            (&d["resources"]["limits"]["cpus"], "cpus"),
            (&d["resources"]["limits"]["memory"], "mem_limit"),
            (&d["resources"]["reservations"]["memory"], "mem_reservation"),
        ] {
            if !from.is_null() {
                out.insert(to.into(), Value::String(text(from)));
            }
        }
        let policy = &d["restart_policy"];
        if !policy.is_null() && !out.contains_key("restart") {
            let r = match (
                policy["condition"].as_str(),
                policy["max_attempts"].as_i64(),
            ) {
                (Some("none"), _) => "no".to_string(),
                (Some("on-failure"), Some(n)) => format!("on-failure:{n}"),
                (Some("on-failure"), None) => "on-failure".into(),
                _ => "always".into(),
            };
            out.insert("restart".into(), json!(r));
        }
    }
}

#[test]
fn paunch_reads_the_corpus_as_docker_compose_1_29_does() {
    let cases = cases();
    assert!(cases.len() >= 10, "{cases:?}");
    // docker-compose takes a second or two to start: all at once.
    let findings: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = cases
            .iter()
            .map(|c| scope.spawn(move || check_case(c)))
            .collect();
        runs.into_iter().flat_map(|r| r.join().unwrap()).collect()
    });
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}

#[test]
fn short_ports_expand_as_the_engine_publishes_them() {
    assert_eq!(normal::expand_port("80"), ["::80/tcp"]);
    assert_eq!(
        normal::expand_port("127.0.0.1:53:53/udp"),
        ["127.0.0.1:53:53/udp"]
    );
    assert_eq!(
        normal::expand_port("9001-9002:81-82"),
        [":9001:81/tcp", ":9002:82/tcp"]
    );
}
