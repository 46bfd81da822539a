//! A configuration as a compose-spec file.

use super::{Export, Owner, health_argv, i, obj, pairs, s, seconds, unexpressed, warn};
use crate::config::{Config, Entry, EntryAction, Setting};
use crate::value::{Map, Value};
use std::collections::BTreeMap;

/// Writes every run entry of `config` as a compose service named after it
/// (`container_name` too), `depends_on` the previous `start_order` group
/// (`service_completed_successfully` on a `detach: false` entry, which
/// compose runs to completion first).
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
    let orders: Vec<i64> = groups.keys().copied().collect();
    let mut services = Map::new();
    for e in &runs {
        let w = &mut warnings;
        let mut svc = Map::new();
        let mut handled: Vec<&str> = vec!["action", "start_order"];
        svc.insert("container_name".into(), s(&e.name));
        if let Some(img) = e.image() {
            svc.insert("image".into(), s(img));
        }
        let list = |k: &str| Value::List(e.strings(k).iter().map(s).collect());
        let ep = e.strings("entrypoint");
        if !ep.is_empty() {
            svc.insert("entrypoint".into(), list("entrypoint"));
        }
        if e.setting("command").is_some() {
            svc.insert("command".into(), list("command"));
        }
        // Plain lists and strings under the compose name.
        for (key, to) in [
            ("working_dir", "working_dir"),
            ("hostname", "hostname"),
            ("domainname", "domainname"),
            ("mac_address", "mac_address"),
            ("shm_size", "shm_size"),
            ("stop_signal", "stop_signal"),
            ("cgroup_parent", "cgroup_parent"),
            ("mem_limit", "mem_limit"),
            ("memswap_limit", "memswap_limit"),
            ("memory_reservation", "mem_reservation"),
            ("cpuset_cpus", "cpuset"),
            ("user", "user"),
        ] {
            if let Some(v) = e.string(key) {
                if key == "cpuset_cpus" && v == "all" {
                    continue;
                }
                svc.insert(to.into(), s(v));
            }
        }
        for (key, to) in [
            ("env_file", "env_file"),
            ("group_add", "group_add"),
            ("cap_add", "cap_add"),
            ("cap_drop", "cap_drop"),
            ("security_opt", "security_opt"),
            ("extra_hosts", "extra_hosts"),
            ("dns", "dns"),
            ("dns_search", "dns_search"),
            ("devices", "devices"),
            ("tmpfs", "tmpfs"),
            ("expose", "expose"),
            ("ports", "ports"),
            ("volumes", "volumes"),
        ] {
            if !e.strings(key).is_empty() {
                svc.insert(to.into(), list(key));
            }
        }
        for (key, to) in [
            ("privileged", "privileged"),
            ("read_only", "read_only"),
            ("init", "init"),
            ("tty", "tty"),
            ("interactive", "stdin_open"),
            ("stdin_open", "stdin_open"),
        ] {
            if let Some(b) = e.bool(key) {
                svc.insert(to.into(), Value::Bool(b));
            }
        }
        for (key, to) in [
            ("cpu_shares", "cpu_shares"),
            ("cpu_quota", "cpu_quota"),
            ("cpu_period", "cpu_period"),
            ("mem_swappiness", "mem_swappiness"),
            ("pids_limit", "pids_limit"),
            ("oom_score_adj", "oom_score_adj"),
        ] {
            if let Some(n) = e.int(key) {
                svc.insert(to.into(), i(n));
            }
        }
        if let Some(g) = e.string("stop_grace_period") {
            svc.insert("stop_grace_period".into(), s(format!("{g}s")));
        }
        let mut env = Map::new();
        for (k, v) in pairs(e.strings("environment")) {
            env.insert(k, v.map_or(Value::Null, s));
        }
        if !env.is_empty() {
            svc.insert("environment".into(), Value::Map(env));
        }
        let mut sysctls = Map::new();
        for (k, v) in pairs(e.strings("sysctls")) {
            sysctls.insert(k, s(v.unwrap_or_default()));
        }
        if !sysctls.is_empty() {
            svc.insert("sysctls".into(), Value::Map(sysctls));
        }
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
        // Namespaces and volumes of other containers: services where they
        // are in the file.
        let mut deps: Vec<(String, &str)> = Vec::new();
        let target = |x: &str, deps: &mut Vec<(String, &str)>| {
            if names.contains(&x) {
                deps.push((x.to_string(), "service_started"));
                format!("service:{x}")
            } else {
                format!("container:{x}")
            }
        };
        for (key, to) in [("net", "network_mode"), ("ipc", "ipc"), ("pid", "pid")] {
            if let Some(mode) = e.string(key) {
                let v = match mode.strip_prefix("container:") {
                    Some(x) => target(x, &mut deps),
                    None => mode.to_string(),
                };
                svc.insert(to.into(), s(v));
            }
        }
        let mut froms = Vec::new();
        for f in e.strings("volumes_from") {
            let (x, mode) = match f.rsplit_once(':') {
                Some((x, m)) if m == "ro" || m == "rw" => (x, format!(":{m}")),
                _ => (f.as_str(), String::new()),
            };
            froms.push(s(format!("{}{mode}", target(x, &mut deps))));
        }
        if !froms.is_empty() {
            svc.insert("volumes_from".into(), Value::List(froms));
        }
        let restart = e.string("restart").unwrap_or("no");
        svc.insert("restart".into(), s(restart));
        if let Some(Setting::Healthcheck(h)) = e.setting("healthcheck") {
            let mut hc = Map::new();
            if h.disable {
                hc.insert("disable".into(), Value::Bool(true));
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
        let mut logging = Map::new();
        if let Some(d) = e.string("log_driver") {
            logging.insert("driver".into(), s(d));
        }
        let mut opts = Map::new();
        for (k, v) in pairs(e.strings("log_opt")) {
            opts.insert(k, s(v.unwrap_or_default()));
        }
        if !opts.is_empty() {
            logging.insert("options".into(), Value::Map(opts));
        }
        if !logging.is_empty() {
            svc.insert("logging".into(), Value::Map(logging));
        }
        // paunch's labels, and the user's.
        let mut labels = Map::new();
        for (k, v) in pairs(e.strings("labels")) {
            labels.insert(k, s(v.unwrap_or_default()));
        }
        labels.insert("managed_by".into(), s(owner.managed_by));
        labels.insert("config_id".into(), s(owner.config_id));
        labels.insert("container_name".into(), s(&e.name));
        labels.insert("config_data".into(), s(e.config_data()));
        svc.insert("labels".into(), Value::Map(labels));
        // The previous start_order group.
        let at = orders
            .iter()
            .position(|o| *o == e.start_order())
            .unwrap_or(0);
        if at > 0 {
            for d in &groups[&orders[at - 1]] {
                let cond = if d.detach() {
                    "service_started"
                } else {
                    "service_completed_successfully"
                };
                deps.push((d.name.clone(), cond));
            }
        }
        let mut depends = Map::new();
        for (d, cond) in deps {
            if d != e.name && depends.get(&d).is_none() {
                depends.insert(d, obj(vec![("condition", s(cond))]));
            }
        }
        if !depends.is_empty() {
            svc.insert("depends_on".into(), Value::Map(depends));
        }
        if !e.detach() {
            handled.push("detach");
            handled.push("exit_codes");
            if e.exit_codes() != [0] {
                warn(
                    w,
                    e,
                    "exit_codes",
                    "compose counts exit code 0 only as completed successfully; left out".into(),
                );
            }
        }
        unexpressed(w, e, 1, &handled);
        services.insert(e.name.clone(), escape(Value::Map(svc)));
    }
    let doc = obj(vec![("services", Value::Map(services))]);
    Export {
        text: crate::yaml::dump(&doc),
        warnings,
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
