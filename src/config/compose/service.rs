//! One service as read: its keys checked against the service table, each
//! value normalised into its `config_data` form (compose keys, one
//! canonical shape each: lists of strings, maps of strings, ports and
//! volumes in short syntax with absolute paths and engine names, the
//! networks by engine name with every DNS alias), and what the project
//! needs besides (replicas, depends_on, profiles, container_name).
//! [`super::translate`] turns the normalised service into a paunch entry.

use super::project::Names;
use super::reader::{Cx, Pos, key_pos, map_value, pos_of, strings_value, text};
use super::table::{self, Row, Treat};
use crate::config::keys::{self, Shape};
use crate::value::{Map, Value};
use crate::yaml::{MapEntry, Node, NodeData};

/// What a `depends_on` waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Condition {
    /// The dependency's container was started.
    Started,
    /// The dependency is healthy.
    Healthy,
    /// The dependency ran to completion with exit code 0.
    Completed,
}

/// One `depends_on` edge.
#[derive(Debug, Clone)]
pub(super) struct Dep {
    pub(super) on: String,
    pub(super) condition: Condition,
    pub(super) required: bool,
    pub(super) at: Pos,
}

/// A service as read.
#[derive(Debug, Clone)]
pub(super) struct Service {
    pub(super) name: String,
    pub(super) at: Pos,
    /// The normalised service: `config_data`.
    pub(super) data: Map,
    pub(super) replicas: i64,
    pub(super) container_name: Option<String>,
    pub(super) depends: Vec<Dep>,
    pub(super) profiles: Vec<String>,
    /// Whether it has a healthcheck of its own (not disabled).
    pub(super) healthcheck: bool,
    /// The networks it joins, by engine name.
    pub(super) networks: Vec<String>,
    /// The named volumes it mounts, by engine name.
    pub(super) volumes: Vec<String>,
    /// Bind sources that do not exist, created as directories by apply.
    pub(super) create: Vec<String>,
    /// Where each key's value is written, for the errors the paunch
    /// entry's reading finds.
    pub(super) positions: std::collections::BTreeMap<String, Pos>,
    /// The `config_data` label `paunch export --format compose` wrote on
    /// the service: the paunch entry it was exported from.
    pub(super) exported: Option<String>,
}

/// A restart policy the engines take.
fn valid_restart(r: &str) -> bool {
    match r.split_once(':') {
        Some(("on-failure", n)) => n.parse::<u32>().is_ok(),
        None => matches!(r, "no" | "always" | "on-failure" | "unless-stopped"),
        _ => false,
    }
}

/// The `tmpfs` key's mounts, followed by the long-syntax `type: tmpfs`
/// volumes already read into `tmpfs` when `volumes` came first (when it
/// comes after, the volumes' reader appends them itself): whatever the
/// order of the keys, both kinds are mounted, the key's first, as compose
/// lists them.
fn with_long_tmpfs(key: &str, v: Value, data: &Map) -> Value {
    match (key, v, data.get("tmpfs")) {
        ("tmpfs", Value::List(mut given), Some(Value::List(long))) => {
            given.extend(long.iter().cloned());
            Value::List(given)
        }
        (_, v, _) => v,
    }
}

impl Cx<'_> {
    /// Reads service `name` (at `at`) from `node`.
    pub(super) fn service(&mut self, name: &str, at: Pos, node: &Node, names: &Names) -> Service {
        let path = format!("services.{name}");
        let mut s = Service {
            name: name.to_string(),
            at,
            data: Map::new(),
            replicas: 1,
            container_name: None,
            depends: Vec::new(),
            profiles: Vec::new(),
            healthcheck: false,
            networks: Vec::new(),
            volumes: Vec::new(),
            create: Vec::new(),
            positions: std::collections::BTreeMap::new(),
            exported: None,
        };
        let entries = self.keys(table::SERVICE, &path, node);
        for (row, e) in &entries {
            s.positions.insert(row.name.to_string(), pos_of(&e.value));
        }
        let mut env = Map::new();
        // env_file first: `environment` overrides what the files give,
        // whatever the order the keys are written in.
        for (row, e) in &entries {
            if row.name == "env_file" {
                self.env_files(&path, e, names, &mut env);
            }
        }
        for (row, e) in &entries {
            let p = format!("{path}.{}", row.name);
            match row.treat {
                Treat::Key(k) => {
                    if let Some(v) = self.by_shape(&p, k, &e.value) {
                        let v = with_long_tmpfs(row.name, v, &s.data);
                        s.data.insert(row.name.to_string(), v);
                    }
                }
                _ => self.custom(&p, row, e, names, &mut s, &mut env),
            }
        }
        self.own_labels(&mut s);
        for key in ["ipc", "pid"] {
            if let Some(Value::String(mode)) = s.data.get(key)
                && let Some(svc) = mode.strip_prefix("service:")
            {
                let at = s.positions.get(key).copied().unwrap_or(at);
                match names.first_container(svc) {
                    Some(c) => s
                        .data
                        .insert(key.into(), Value::String(format!("container:{c}"))),
                    None => self.error(at, format!("{path}.{key}: no service \"{svc}\""), None),
                }
            }
        }
        if s.data.get("image").is_none() {
            self.error(
                at,
                format!("{path}: no image"),
                Some("give `image`, or `build` to build one".into()),
            );
        }
        if let Some(Value::String(r)) = s.data.get("restart")
            && !valid_restart(r)
        {
            let at = s.positions.get("restart").copied().unwrap_or(at);
            self.error(
                at,
                format!(
                    "{path}.restart: \"{}\" is not a restart policy",
                    r.escape_debug()
                ),
                Some("give no, always, on-failure[:N] or unless-stopped".into()),
            );
        }
        if !env.is_empty() || s.data.get("environment").is_some() {
            s.data.insert("environment".into(), Value::Map(env));
        }
        self.default_network(&mut s, names);
        s
    }

    /// paunch's own labels, which a service of `paunch export --format
    /// compose` carries (so that docker-compose's containers are paunch's
    /// too): taken out of the service's labels (paunch sets its own), the
    /// `config_data` kept to read the export back exactly.
    fn own_labels(&mut self, s: &mut Service) {
        let Some(Value::Map(labels)) = s.data.get("labels") else {
            return;
        };
        let mut labels = labels.clone();
        if let Some(Value::String(data)) = labels.get(crate::labels::CONFIG_DATA) {
            s.exported = Some(data.clone());
        }
        for k in crate::labels::RESERVED {
            labels.remove(k);
        }
        if labels.is_empty() {
            s.data.remove("labels");
        } else {
            s.data.insert("labels".into(), Value::Map(labels));
        }
    }

    /// A `Treat::Key` value, normalised by the paunch key's shape.
    fn by_shape(&mut self, path: &str, key: &str, n: &Node) -> Option<Value> {
        let shape = keys::key(key).map_or(Shape::Str, |k| k.shape);
        Some(match shape {
            Shape::Int => Value::Int(i128::from(self.integer(path, n)?)),
            Shape::Bool => Value::Bool(self.flag(path, n)?),
            Shape::List => strings_value(&self.strings(path, n)),
            Shape::Pairs => map_value(
                self.pairs(path, n, &['='])
                    .into_iter()
                    .map(|(k, v, _)| (k, Value::String(v.unwrap_or_default()))),
            ),
            _ => Value::String(self.string(path, n)?),
        })
    }

    fn custom(
        &mut self,
        path: &str,
        row: &Row,
        e: &MapEntry,
        names: &Names,
        s: &mut Service,
        env: &mut Map,
    ) {
        let n = &e.value;
        let put = |s: &mut Service, v: Value| s.data.insert(row.name.to_string(), v);
        match row.name {
            "command" | "entrypoint" => {
                if let Some(words) = self.command(path, n) {
                    put(s, strings_value(&words));
                }
            }
            "environment" => {
                for (k, v, _) in self.pairs(path, n, &['=']) {
                    match v.or_else(|| names.var(&k).map(str::to_string)) {
                        Some(v) => env.insert(k, Value::String(v)),
                        // Unset in the caller's environment: left out, as
                        // compose does.
                        None => {
                            env.remove(&k);
                        }
                    }
                }
                // Marks that `environment` was given, even when empty.
                s.data.insert("environment".into(), Value::Map(Map::new()));
            }
            "env_file" => {}
            "build" => self.build(path, n, names, s),
            "ports" => {
                let ports = self.ports(path, n);
                put(s, strings_value(&ports));
            }
            "volumes" => self.volumes(path, n, names, s),
            "volumes_from" => {
                let from = self.volumes_from(path, n, names);
                put(s, strings_value(&from));
            }
            "secrets" | "configs" => {
                let mounts = self.file_mounts(path, row.name, n, names);
                put(s, strings_value(&mounts));
            }
            "networks" => self.networks(path, n, names, s),
            "network_mode" => {
                if let Some(mode) = self.network_mode(path, n, names) {
                    put(s, Value::String(mode));
                }
            }
            "depends_on" => s.depends = self.depends_on(path, n),
            "healthcheck" => {
                if let Some((h, on)) = self.healthcheck(path, n) {
                    s.healthcheck = on;
                    put(s, h);
                }
            }
            "deploy" => self.deploy(path, n, s),
            "scale" => {
                if let Some(r) = self.replicas(path, n) {
                    s.replicas = r;
                }
            }
            "container_name" => s.container_name = self.string(path, n),
            "profiles" => s.profiles = self.strings(path, n),
            "extra_hosts" => {
                let hosts: Vec<String> = self
                    .pairs(path, n, &['=', ':'])
                    .into_iter()
                    .filter_map(|(h, ip, at)| match ip {
                        Some(ip) => Some(format!("{h}:{ip}")),
                        None => {
                            self.error(at, format!("{path}: \"{h}\" has no address"), Some("write HOST:IP".into()));
                            None
                        }
                    })
                    .collect();
                put(s, strings_value(&hosts));
            }
            "logging" => {
                if let Some(v) = self.logging(path, n) {
                    put(s, v);
                }
            }
            "ulimits" => {
                let u = self.ulimits(path, n);
                put(s, strings_value(&u));
            }
            "links" => self.warn(
                key_pos(e),
                format!("{path}: links are legacy; services reach each other by service name on the project network, and a link's alias is not set"),
            ),
            _ => self.error(key_pos(e), format!("{path}: not read"), None),
        }
    }

    /// A command or entrypoint: a list, or a string split as a shell does.
    fn command(&mut self, path: &str, n: &Node) -> Option<Vec<String>> {
        match &n.data {
            NodeData::Seq(_) => Some(self.strings(path, n)),
            _ => {
                let t = text(n).unwrap_or_default();
                match super::shell::split(&t) {
                    Ok(words) => Some(words),
                    Err(why) => {
                        self.error(
                            pos_of(n),
                            format!("{path}: cannot split the command: {why}"),
                            Some("close the quote, or write the command as a list".into()),
                        );
                        None
                    }
                }
            }
        }
    }

    /// `replicas`/`scale`: 0 or more.
    pub(super) fn replicas(&mut self, path: &str, n: &Node) -> Option<i64> {
        let r = self.integer(path, n)?;
        if !(0..=1000).contains(&r) {
            self.error(
                pos_of(n),
                format!("{path}: {r} replicas"),
                Some("give 0 to 1000 containers".into()),
            );
            return None;
        }
        Some(r)
    }

    fn env_files(&mut self, path: &str, e: &MapEntry, names: &Names, env: &mut Map) {
        let p = format!("{path}.env_file");
        let items: Vec<&Node> = match &e.value.data {
            NodeData::Seq(items) => items.iter().collect(),
            _ => vec![&e.value],
        };
        for item in items {
            let (file, required) = match &item.data {
                NodeData::Map(_) => {
                    let mut file = None;
                    let mut required = true;
                    for (k, v) in self.plain_keys(&p, item, &["path", "required", "format"]) {
                        match k.as_str() {
                            "path" => file = self.string(&p, v),
                            "required" => required = self.flag(&p, v).unwrap_or(true),
                            _ => {}
                        }
                    }
                    (file, required)
                }
                _ => (self.string(&p, item), true),
            };
            let Some(file) = file else { continue };
            match names.env_file(&file) {
                Some(Ok(vars)) => {
                    for (k, v) in vars {
                        env.insert(k, Value::String(v));
                    }
                }
                Some(Err(why)) => self.error(pos_of(item), format!("{p}: {why}"), None),
                None if required => self.error(
                    pos_of(item),
                    format!("{p}: {file} does not exist"),
                    Some("create it, or write `{path: FILE, required: false}`".into()),
                ),
                None => {}
            }
        }
    }

    /// The keys of a small map that has no table row of its own, checked
    /// against `known`.
    pub(super) fn plain_keys<'n>(
        &mut self,
        path: &str,
        n: &'n Node,
        known: &[&str],
    ) -> Vec<(String, &'n Node)> {
        let mut out = Vec::new();
        for e in self.map(path, n).unwrap_or_default() {
            if e.key.starts_with("x-") {
                continue;
            }
            if known.contains(&e.key.as_str()) {
                out.push((e.key.clone(), &e.value));
            } else {
                let hint = keys::did_you_mean(&e.key, known.iter().copied())
                    .map(|k| format!("did you mean \"{k}\"?"))
                    .unwrap_or_else(|| format!("known here: {}", known.join(", ")));
                self.error(
                    key_pos(e),
                    format!("{path}: unknown key \"{}\"", e.key_text),
                    Some(hint),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::config::LoadOptions;
    use crate::config::compose::{Context, read};
    use crate::value::Value;

    fn tmpfs_of(service: &str) -> Value {
        let text = format!("services:\n  a:\n    image: i\n{service}");
        let root = crate::yaml::load(&text).unwrap().unwrap();
        let opts = LoadOptions {
            project: Some("p".into()),
            ..LoadOptions::default()
        };
        let r = read(&root, "compose.yaml", &opts, &Context::default());
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        r.entries[0]
            .data
            .as_map()
            .unwrap()
            .get("tmpfs")
            .unwrap()
            .clone()
    }

    /// A `tmpfs` key after `volumes` replaced the long-syntax tmpfs
    /// volumes (docker-compose 1.29 mounts both, the key's first).
    #[test]
    fn tmpfs_and_tmpfs_volumes_are_both_mounted_in_either_order() {
        let volumes = "    volumes: [{type: tmpfs, target: /scratch}]\n";
        let key = "    tmpfs: [/run]\n";
        let want = Value::List(vec![
            Value::String("/run".into()),
            Value::String("/scratch".into()),
        ]);
        assert_eq!(tmpfs_of(&format!("{volumes}{key}")), want);
        assert_eq!(tmpfs_of(&format!("{key}{volumes}")), want);
    }
}
