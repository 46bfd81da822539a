//! A configuration as a compose-spec file: one service per run entry,
//! its fields from the key table's `compose` column.

use super::{
    COMPOSE, Export, Owner, exit_codes, health_argv, i, laid_out, left_out, obj, pairs,
    plain_fields, s, seconds, warn,
};
use crate::config::{Config, Entry, EntryAction, Setting};
use crate::error::Diagnostic;
use crate::value::{Map, Value};
use std::collections::BTreeMap;

/// Writes every run entry of `config` as a compose service named after it
/// (`container_name` too), `depends_on` the previous `start_order` group
/// (`service_completed_successfully` on a `detach: false` entry, which
/// compose runs to completion first). An exec entry (`action`: `exec`) is
/// left out, with a warning.
///
/// ```
/// use paunch::export::{compose, Owner};
/// let config = paunch::Config::parse("db:\n  image: pg:16\nweb:\n  image: web:1\n  start_order: 1\n", "x")?;
/// let out = compose(&config, &Owner { config_id: "v1", managed_by: "paunch" });
/// assert!(out.text.contains("condition: service_started"));
/// # Ok::<(), paunch::Error>(())
/// ```
pub fn compose(config: &Config, owner: &Owner) -> Export {
    let mut warnings = Vec::new();
    let runs: Vec<&Entry> = config
        .entries
        .iter()
        .filter(|e| {
            let run = e.action() == EntryAction::Run;
            if !run {
                warn(
                    &mut warnings,
                    e,
                    "action",
                    "an exec entry has no compose equivalent; left out".into(),
                );
            }
            run
        })
        .collect();
    let names: Vec<&str> = runs.iter().map(|e| e.name.as_str()).collect();
    let mut groups: BTreeMap<i64, Vec<&Entry>> = BTreeMap::new();
    for e in &runs {
        groups.entry(e.start_order()).or_default().push(e);
    }
    let mut services = Map::new();
    for e in &runs {
        let svc = service(e, &names, &groups, owner, &mut warnings);
        services.insert(e.name.clone(), escape(Value::Map(svc)));
    }
    let mut fields = vec![("services", Value::Map(services))];
    // Named volumes, declared as compose requires, under their own names
    // (not PROJECT_NAME): the ones the containers already use.
    let named: std::collections::BTreeSet<&str> = runs
        .iter()
        .flat_map(|e| e.strings("volumes"))
        .filter_map(|v| v.split_once(':').map(|(src, _)| src))
        .filter(|src| !src.contains('/') && !src.is_empty())
        .collect();
    if !named.is_empty() {
        let volumes = named
            .into_iter()
            .map(|n| (n.to_string(), obj(vec![("name", s(n.to_string()))])))
            .collect::<Map>();
        fields.push(("volumes", Value::Map(volumes)));
    }
    let doc = obj(fields);
    Export {
        text: crate::yaml::dump(&doc),
        warnings,
        secrets: 0,
    }
}

/// The order of a service's fields: the document's, not the key table's
/// (see [`super::laid_out`]).
const LAYOUT: &[&str] = &[
    "container_name",
    "image",
    "entrypoint",
    "command",
    "working_dir",
    "hostname",
    "domainname",
    "mac_address",
    "shm_size",
    "stop_signal",
    "cgroup_parent",
    "mem_limit",
    "memswap_limit",
    "mem_reservation",
    "cpus",
    "cpuset",
    "user",
    "env_file",
    "group_add",
    "cap_add",
    "cap_drop",
    "security_opt",
    "extra_hosts",
    "dns",
    "dns_search",
    "dns_opt",
    "devices",
    "device_cgroup_rules",
    "tmpfs",
    "expose",
    "ports",
    "volumes",
    "privileged",
    "read_only",
    "init",
    "tty",
    "stdin_open",
    "cpu_shares",
    "cpu_quota",
    "cpu_period",
    "mem_swappiness",
    "pids_limit",
    "oom_score_adj",
    "oom_kill_disable",
    "userns_mode",
    "runtime",
    "platform",
    "storage_opt",
    "stop_grace_period",
    "environment",
    "sysctls",
    "ulimits",
    "network_mode",
    "ipc",
    "pid",
    "volumes_from",
    "restart",
    "healthcheck",
    "logging",
    "labels",
    "depends_on",
];

/// One entry as a service: the `Field` rows of the key table by their
/// shape, the `Custom` ones by the functions below, a warning for each
/// `Lost` one.
fn service(
    e: &Entry,
    names: &[&str],
    groups: &BTreeMap<i64, Vec<&Entry>>,
    owner: &Owner,
    w: &mut Vec<Diagnostic>,
) -> Map {
    let mut svc = Map::new();
    svc.insert("container_name".into(), s(&e.name));
    plain_fields(e, COMPOSE, &mut svc);
    ulimit(e, &mut svc, w);
    let mut deps = Vec::new();
    namespaces(e, names, &mut svc, &mut deps);
    volumes_from(e, names, &mut svc, &mut deps);
    restart(e, &mut svc);
    healthcheck(e, &mut svc);
    labels(e, owner, &mut svc);
    start_order(e, groups, &mut deps);
    depends_on(e, deps, &mut svc);
    exit_codes(
        w,
        e,
        COMPOSE,
        "compose counts exit code 0 only as completed successfully; left out",
    );
    left_out(w, e, COMPOSE);
    laid_out(svc, LAYOUT)
}

/// A service this one depends on, and the condition it waits for.
type Dep = (String, &'static str);

/// `ulimit`: `NAME=SOFT[:HARD]` as `ulimits.NAME` (`{soft, hard}` or one
/// number).
fn ulimit(e: &Entry, svc: &mut Map, w: &mut Vec<Diagnostic>) {
    let mut ulimits = Map::new();
    for u in e.strings("ulimit") {
        let Some((name, lim)) = u.split_once('=') else {
            warn(
                w,
                e,
                "ulimit",
                format!("\"{u}\" is not NAME=SOFT[:HARD]; left out"),
            );
            continue;
        };
        let v = match lim.split_once(':') {
            Some((soft, hard)) => match (soft.parse::<i64>(), hard.parse::<i64>()) {
                (Ok(a), Ok(b)) => obj(vec![("soft", i(a)), ("hard", i(b))]),
                _ => s(lim),
            },
            None => lim.parse::<i64>().map_or_else(|_| s(lim), i),
        };
        ulimits.insert(name.to_string(), v);
    }
    if !ulimits.is_empty() {
        svc.insert("ulimits".into(), Value::Map(ulimits));
    }
}

/// Another container named by a namespace or `volumes_from`: a service
/// (which this one then depends on) where it is in the file.
fn other(x: &str, names: &[&str], deps: &mut Vec<Dep>) -> String {
    if names.contains(&x) {
        deps.push((x.to_string(), "service_started"));
        format!("service:{x}")
    } else {
        format!("container:{x}")
    }
}

/// `net`, `ipc`, `pid`: `network_mode`, `ipc`, `pid`, with `container:X`
/// as `service:X` where X is in the file.
fn namespaces(e: &Entry, names: &[&str], svc: &mut Map, deps: &mut Vec<Dep>) {
    // An entry without `net` is on the engine's default network: compose
    // would put it on the project's own, so the export says so.
    if e.string("net").is_none() {
        svc.insert("network_mode".into(), s("bridge".to_string()));
    }
    for (key, to) in [("net", "network_mode"), ("ipc", "ipc"), ("pid", "pid")] {
        if let Some(mode) = e.string(key) {
            let v = match mode.strip_prefix("container:") {
                Some(x) => other(x, names, deps),
                None => mode.to_string(),
            };
            svc.insert(to.into(), s(v));
        }
    }
}

/// `volumes_from`: `service:X[:ro|:rw]` where X is in the file.
fn volumes_from(e: &Entry, names: &[&str], svc: &mut Map, deps: &mut Vec<Dep>) {
    let mut froms = Vec::new();
    for f in e.strings("volumes_from") {
        let (x, mode) = match f.rsplit_once(':') {
            Some((x, m)) if m == "ro" || m == "rw" => (x, format!(":{m}")),
            _ => (f.as_str(), String::new()),
        };
        // compose's `volumes_from` names a service bare (`X[:ro]`), a
        // container as `container:X`.
        let from = other(x, names, deps);
        let from = from.strip_prefix("service:").unwrap_or(&from);
        froms.push(s(format!("{from}{mode}")));
    }
    if !froms.is_empty() {
        svc.insert("volumes_from".into(), Value::List(froms));
    }
}

/// `restart`: always written, `no` when not given (paunch's default,
/// which compose shares, said out loud).
fn restart(e: &Entry, svc: &mut Map) {
    let restart = e.string("restart").unwrap_or("no");
    svc.insert("restart".into(), s(restart));
}

/// `healthcheck`: compose's own, its test in `CMD` form.
fn healthcheck(e: &Entry, svc: &mut Map) {
    let Some(Setting::Healthcheck(h)) = e.setting("healthcheck") else {
        return;
    };
    let mut hc = Map::new();
    if h.disable {
        hc.insert("disable".into(), Value::Bool(true));
    } else if let Some(cmd) = h.test.as_deref().filter(|_| shell_test(e)) {
        // A shell command: `CMD-SHELL`, as `--health-cmd` gives docker.
        hc.insert("test".into(), Value::List(vec![s("CMD-SHELL"), s(cmd)]));
    } else if let Some(argv) = health_argv(e) {
        let mut test = vec![s("CMD")];
        test.extend(argv.iter().map(s));
        hc.insert("test".into(), Value::List(test));
    }
    for (k, v) in [
        ("interval", &h.interval),
        ("timeout", &h.timeout),
        ("start_period", &h.start_period),
    ] {
        if let Some(v) = v.as_deref().and_then(seconds) {
            hc.insert(k.into(), s(format!("{v}s")));
        }
    }
    if let Some(r) = h.retries {
        hc.insert("retries".into(), i(r));
    }
    svc.insert("healthcheck".into(), Value::Map(hc));
}

/// Whether an entry's healthcheck test is a shell command (a string, or
/// `[CMD-SHELL, ...]`).
fn shell_test(e: &Entry) -> bool {
    let test = e
        .data
        .as_map()
        .and_then(|m| m.get("healthcheck"))
        .and_then(Value::as_map)
        .and_then(|h| h.get("test"));
    match test {
        Some(Value::String(_)) => true,
        Some(Value::List(l)) => l.first().and_then(Value::as_str) == Some("CMD-SHELL"),
        _ => false,
    }
}

/// `labels`: the user's, then paunch's own.
fn labels(e: &Entry, owner: &Owner, svc: &mut Map) {
    let mut labels = Map::new();
    for (k, v) in pairs(e.strings("labels")) {
        labels.insert(k, s(v.unwrap_or_default()));
    }
    labels.insert("managed_by".into(), s(owner.managed_by));
    labels.insert("config_id".into(), s(owner.config_id));
    labels.insert("container_name".into(), s(&e.name));
    labels.insert("config_data".into(), s(e.config_data()));
    svc.insert("labels".into(), Value::Map(labels));
}

/// `start_order` (and `detach`): a dependency on every service of the
/// previous group, which must have completed successfully when it is a
/// blocking (`detach: false`) one.
fn start_order(e: &Entry, groups: &BTreeMap<i64, Vec<&Entry>>, deps: &mut Vec<Dep>) {
    let Some((_, previous)) = groups.range(..e.start_order()).next_back() else {
        return;
    };
    for d in previous {
        let cond = if d.detach() {
            "service_started"
        } else {
            "service_completed_successfully"
        };
        deps.push((d.name.clone(), cond));
    }
}

/// `depends_on`: each service once, at its first condition, never itself.
fn depends_on(e: &Entry, deps: Vec<Dep>, svc: &mut Map) {
    let mut depends = Map::new();
    for (d, cond) in deps {
        if d != e.name && depends.get(&d).is_none() {
            depends.insert(d, obj(vec![("condition", s(cond))]));
        }
    }
    if !depends.is_empty() {
        svc.insert("depends_on".into(), Value::Map(depends));
    }
}

/// Compose interpolates `$VAR` in every string: `$` is written `$$`.
fn escape(v: Value) -> Value {
    match v {
        Value::String(x) => Value::String(x.replace('$', "$$")),
        Value::List(l) => Value::List(l.into_iter().map(escape).collect()),
        Value::Map(m) => {
            let mut out = Map::new();
            for (k, v) in m.iter() {
                out.insert(k.clone(), escape(v.clone()));
            }
            Value::Map(out)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::keys::{ExportAs, KEYS};

    /// A field missing from the layout would still be written, but last.
    #[test]
    fn every_field_row_has_its_place() {
        for k in KEYS {
            if let ExportAs::Field(path) = k.compose {
                let top = path.split('.').next().unwrap_or(path);
                assert!(LAYOUT.contains(&top), "{}: {top} is not in LAYOUT", k.name);
            }
        }
    }
}
