//! The project: the top level checked, the project name, the declared
//! networks and volumes (engine names and definitions), every service
//! read, profiles applied, `depends_on` ordered (a cycle is an error naming
//! it), and the entries written: `PROJECT-SERVICE-N` per replica.

use super::reader::{Cx, Pos, key_pos, map_value, text};
use super::service::{Condition, Service};
use super::table;
use crate::config::resource::{Resource, ResourceKind};
use crate::value::{Map, Value};
use crate::yaml::{MapEntry, Node};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The names a service's keys resolve against, and the caller's world
/// (its variables, the project directory).
pub(super) struct Names {
    pub(super) project: String,
    /// The project directory (the compose file's); `None` when text is
    /// parsed without a file: relative paths stay as written, and the
    /// host is not looked at.
    pub(super) dir: Option<PathBuf>,
    pub(super) vars: BTreeMap<String, String>,
    /// `--profile`s given.
    pub(super) profiles: Vec<String>,
    pub(super) networks: BTreeMap<String, String>,
    pub(super) volumes: BTreeMap<String, String>,
    pub(super) first: BTreeMap<String, String>,
    /// The files of the top-level `secrets` and `configs`, by kind
    /// (`secrets`/`configs`) and name.
    pub(super) files: BTreeMap<(&'static str, String), String>,
}

impl Names {
    /// The names of a project not read yet.
    pub(super) fn new(
        dir: Option<PathBuf>,
        vars: BTreeMap<String, String>,
        profiles: Vec<String>,
    ) -> Names {
        Names {
            project: String::new(),
            dir,
            vars,
            profiles,
            networks: BTreeMap::new(),
            volumes: BTreeMap::new(),
            first: BTreeMap::new(),
            files: BTreeMap::new(),
        }
    }

    pub(super) fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    pub(super) fn network(&self, key: &str) -> Option<&str> {
        self.networks.get(key).map(String::as_str)
    }

    pub(super) fn volume(&self, key: &str) -> Option<&str> {
        self.volumes.get(key).map(String::as_str)
    }

    /// The file of secret (`what` "secrets") or config ("configs") `name`.
    pub(super) fn file_of(&self, what: &'static str, name: &str) -> Option<&str> {
        self.files
            .get(&(what, name.to_string()))
            .map(String::as_str)
    }

    /// The first container of a service: the one `service:S` means.
    pub(super) fn first_container(&self, service: &str) -> Option<String> {
        self.first.get(service).cloned()
    }

    /// A bind source as the engine gets it: absolute, against the project
    /// directory (`~` is the caller's `HOME`).
    pub(super) fn host_path(&self, source: &str) -> String {
        if let Some(rest) = source.strip_prefix('~')
            && let Some(home) = self.var("HOME")
        {
            return format!("{home}{rest}");
        }
        match &self.dir {
            Some(dir) if !source.starts_with('/') => crate::config::decode::absolute(dir, source),
            _ => source.to_string(),
        }
    }

    /// Whether a host path is missing (never when no file was loaded).
    pub(super) fn missing(&self, path: &str) -> bool {
        self.dir.is_some() && std::fs::symlink_metadata(path).is_err()
    }

    /// The variables of an `env_file`: `None` when it does not exist.
    pub(super) fn env_file(&self, file: &str) -> Option<Result<Vec<(String, String)>, String>> {
        let dir = self.dir.as_ref()?;
        let path = PathBuf::from(crate::config::decode::absolute(dir, file));
        if std::fs::symlink_metadata(&path).is_err() {
            return None;
        }
        let text = match crate::config::read_text(&path, 0) {
            Ok(t) => t,
            Err(e) => return Some(Err(e.to_string())),
        };
        Some(
            super::dotenv::parse(&text, &self.vars)
                .map_err(|e| format!("{}:{}:{}: {}", path.display(), e.line, e.column, e.message)),
        )
    }
}

/// What the project gives the configuration.
pub(super) struct Project {
    pub(super) services: Vec<Service>,
    /// The creation level of each service (`start_order`).
    pub(super) level: BTreeMap<String, i64>,
    /// Services another waits on to complete successfully: blocking runs.
    pub(super) run_to_completion: BTreeSet<String>,
    /// Services another waits on to be healthy.
    pub(super) waited_healthy: BTreeSet<String>,
    pub(super) resources: Vec<Resource>,
}

/// A project name as compose v2 requires it.
fn valid_project(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Cx<'_> {
    /// Reads the project of `root` (a map with `services`).
    pub(super) fn project(
        &mut self,
        root: &Node,
        project: Option<&str>,
        names: Names,
    ) -> Option<(Project, Names)> {
        let top = self.keys(table::TOP, "the compose file", root);
        let get = |k: &str| top.iter().find(|(r, _)| r.name == k).map(|(_, e)| *e);
        let mut names = names;
        let given = get("name").and_then(|e| text(&e.value).map(|t| (t, key_pos(e))));
        names.project = self.project_name(project, given, &names)?;
        let services = self
            .map("services", &get("services")?.value)
            .unwrap_or_default();
        if services.is_empty() {
            self.error(
                (0, 0),
                "the compose file has no services".into(),
                Some("add `services: {web: {image: nginx:1.27}}`".into()),
            );
        }
        let declared_nets = get("networks")
            .map(|e| self.map("networks", &e.value).unwrap_or_default())
            .unwrap_or_default();
        let declared_vols = get("volumes")
            .map(|e| self.map("volumes", &e.value).unwrap_or_default())
            .unwrap_or_default();
        self.declare(&mut names, declared_nets, declared_vols);
        for what in ["secrets", "configs"] {
            if let Some(e) = get(what) {
                self.file_definitions(what, &e.value, &mut names);
            }
        }
        let p = names.project.clone();
        for e in services {
            let custom = e
                .value
                .as_map()
                .and_then(|m| m.iter().find(|x| x.key == "container_name"))
                .and_then(|x| text(&x.value));
            names.first.insert(
                e.key_text.clone(),
                custom.unwrap_or_else(|| format!("{p}-{}-1", e.key_text)),
            );
        }
        let other = |f: &str| other_services(f, &names);
        let bases = super::extends::Bases {
            own: services,
            other: &other,
        };
        let mut read: Vec<Service> = services
            .iter()
            .map(|e| {
                let node =
                    self.extended(&e.key_text, &e.value, &bases, &mut vec![e.key_text.clone()]);
                self.service(&e.key_text, key_pos(e), &node, &names)
            })
            .collect();
        self.profiles(&mut read, &names);
        let (level, run_to_completion, waited_healthy) = self.order(&read);
        let mut resources =
            self.project_resources(&read, declared_nets, ResourceKind::Network, &names);
        resources.extend(self.project_resources(
            &read,
            declared_vols,
            ResourceKind::Volume,
            &names,
        ));
        Some((
            Project {
                services: read,
                level,
                run_to_completion,
                waited_healthy,
                resources,
            },
            names,
        ))
    }

    /// The engine names of the declared networks (and `default`) and
    /// volumes: `PROJECT_KEY`, the `name:` given, or the key of an
    /// external one.
    fn declare(
        &mut self,
        names: &mut Names,
        declared_nets: &[MapEntry],
        declared_vols: &[MapEntry],
    ) {
        let p = names.project.clone();
        let engine_name = |e: &MapEntry, cx: &mut Cx| -> String {
            let given = e
                .value
                .as_map()
                .and_then(|m| m.iter().find(|x| x.key == "name"))
                .and_then(|x| text(&x.value));
            let external = e
                .value
                .as_map()
                .and_then(|m| m.iter().find(|x| x.key == "external"))
                .is_some_and(|x| cx.flag("external", &x.value) == Some(true));
            given.unwrap_or_else(|| {
                if external {
                    e.key_text.clone()
                } else {
                    format!("{p}_{}", e.key_text)
                }
            })
        };
        for e in declared_nets {
            let n = engine_name(e, self);
            names.networks.insert(e.key_text.clone(), n);
        }
        names
            .networks
            .entry("default".into())
            .or_insert_with(|| format!("{p}_default"));
        for e in declared_vols {
            let n = engine_name(e, self);
            names.volumes.insert(e.key_text.clone(), n);
        }
    }

    /// The top-level `secrets` or `configs`: each a `file`, which must
    /// exist.
    fn file_definitions(&mut self, what: &'static str, n: &Node, names: &mut Names) {
        for e in self.map(what, n).unwrap_or_default() {
            let path = format!("{what}.{}", e.key_text);
            let known = [
                "file",
                "environment",
                "content",
                "external",
                "name",
                "labels",
                "driver",
                "driver_opts",
                "template_driver",
            ];
            let mut file = None;
            for (k, v) in self.plain_keys(&path, &e.value, &known) {
                match k.as_str() {
                    "file" => file = self.string(&format!("{path}.file"), v).map(|f| (f, (v.line, v.column))),
                    "name" | "labels" => {}
                    "external" => self.error(
                        (v.line, v.column),
                        format!("{path}.external: an external {what} entry needs a swarm"),
                        Some("give its `file`".into()),
                    ),
                    other => self.error(
                        (v.line, v.column),
                        format!("{path}.{other} is not supported"),
                        Some("paunch writes no secret to disk: keep it in a file (mode 0600) and give its `file`".into()),
                    ),
                }
            }
            let Some((file, at)) = file else {
                self.error(
                    key_pos(e),
                    format!("{path}: no `file`"),
                    Some("give the file that holds it, relative to the compose file".into()),
                );
                continue;
            };
            let abs = names.host_path(
                if file.starts_with(['/', '.', '~']) {
                    file.clone()
                } else {
                    format!("./{file}")
                }
                .as_str(),
            );
            if names.missing(&abs) {
                self.error(
                    at,
                    format!("{path}.file: {abs} does not exist"),
                    Some("create it, or correct the path (relative to the compose file)".into()),
                );
            }
            names.files.insert((what, e.key_text.clone()), abs);
        }
    }

    fn project_name(
        &mut self,
        project: Option<&str>,
        given: Option<(String, Pos)>,
        names: &Names,
    ) -> Option<String> {
        let from_dir = || {
            names.dir.as_ref().and_then(|d| d.file_name()).map(|f| {
                f.to_string_lossy()
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
                    .collect::<String>()
                    .trim_start_matches(['_', '-'])
                    .to_string()
            })
        };
        let name = match (project, &given) {
            (Some(p), Some((g, at))) if p != g => {
                self.warn(
                    *at,
                    format!("the project is \"{p}\" (the config ID), not \"{g}\" as `name` says"),
                );
                p.to_string()
            }
            (Some(p), _) => p.to_string(),
            (None, Some((g, _))) => g.clone(),
            (None, None) => from_dir()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "default".into()),
        };
        if valid_project(&name) {
            return Some(name);
        }
        self.error(
            given.as_ref().map_or((0, 0), |(_, at)| *at),
            format!("\"{}\" is not a compose project name", name.escape_debug()),
            Some("the config ID is the project name: lower-case letters, digits, _ and -, starting with a letter or digit".into()),
        );
        None
    }

    /// Drops the services no active profile enables; a dependency on one
    /// is an error unless `required: false`.
    fn profiles(&mut self, services: &mut Vec<Service>, names: &Names) {
        let mut active: BTreeSet<String> = names
            .vars
            .get("COMPOSE_PROFILES")
            .map(|p| {
                p.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        active.extend(names.profiles.iter().cloned());
        let on = |s: &Service| {
            s.profiles.is_empty()
                || active.contains("*")
                || s.profiles.iter().any(|p| active.contains(p))
        };
        let enabled: BTreeSet<String> = services
            .iter()
            .filter(|s| on(s))
            .map(|s| s.name.clone())
            .collect();
        let all: BTreeSet<String> = services.iter().map(|s| s.name.clone()).collect();
        for s in services.iter_mut().filter(|s| enabled.contains(&s.name)) {
            let mut kept = Vec::new();
            for d in std::mem::take(&mut s.depends) {
                if enabled.contains(&d.on) {
                    kept.push(d);
                } else if !d.required {
                    self.warn(
                        d.at,
                        format!(
                            "services.{}.depends_on: \"{}\" is not running and not required",
                            s.name, d.on
                        ),
                    );
                } else if all.contains(&d.on) {
                    self.error(
                        d.at,
                        format!(
                            "services.{}.depends_on: \"{}\" is not enabled by the active profiles",
                            s.name, d.on
                        ),
                        Some("activate its profile (--profile), or write `required: false`".into()),
                    );
                } else {
                    self.error(
                        d.at,
                        format!("services.{}.depends_on: no service \"{}\"", s.name, d.on),
                        None,
                    );
                }
            }
            s.depends = kept;
        }
        services.retain(|s| enabled.contains(&s.name));
    }

    /// Each service's creation level (0: no dependency), the services
    /// run to completion and those waited on to be healthy; a cycle is
    /// an error naming it.
    fn order(
        &mut self,
        services: &[Service],
    ) -> (BTreeMap<String, i64>, BTreeSet<String>, BTreeSet<String>) {
        let by_name: BTreeMap<&str, &Service> =
            services.iter().map(|s| (s.name.as_str(), s)).collect();
        let mut level: BTreeMap<String, i64> = BTreeMap::new();
        let mut completed = BTreeSet::new();
        let mut healthy = BTreeSet::new();
        for s in services {
            for d in &s.depends {
                match d.condition {
                    Condition::Completed => {
                        completed.insert(d.on.clone());
                    }
                    Condition::Healthy => {
                        if by_name.get(d.on.as_str()).is_some_and(|t| !t.healthcheck) {
                            self.error(d.at, format!("services.{}.depends_on: \"{}\" has no healthcheck to wait for", s.name, d.on), Some(format!("give services.{}.healthcheck a test, or use condition: service_started", d.on)));
                        }
                        healthy.insert(d.on.clone());
                    }
                    Condition::Started => {}
                }
            }
        }
        for s in services {
            let mut path = Vec::new();
            self.level_of(s, &by_name, &mut level, &mut path);
        }
        (level, completed, healthy)
    }

    fn level_of(
        &mut self,
        s: &Service,
        by_name: &BTreeMap<&str, &Service>,
        level: &mut BTreeMap<String, i64>,
        path: &mut Vec<String>,
    ) -> i64 {
        if let Some(l) = level.get(&s.name) {
            return *l;
        }
        if let Some(i) = path.iter().position(|p| *p == s.name) {
            let mut cycle = path[i..].to_vec();
            cycle.push(s.name.clone());
            self.error(
                s.at,
                format!("depends_on makes a cycle: {}", cycle.join(" -> ")),
                Some("remove one of these dependencies".into()),
            );
            level.insert(s.name.clone(), 0);
            return 0;
        }
        path.push(s.name.clone());
        let mut l = 0;
        for d in &s.depends {
            if d.on == s.name {
                self.error(d.at, format!("services.{} depends on itself", s.name), None);
                continue;
            }
            if let Some(dep) = by_name.get(d.on.as_str()) {
                l = l.max(self.level_of(dep, by_name, level, path) + 1);
            }
        }
        path.pop();
        level.entry(s.name.clone()).or_insert(l);
        l
    }

    /// The networks (or volumes) the services use, as resources: declared
    /// ones with their definitions, the `default` network as compose
    /// makes it.
    fn project_resources(
        &mut self,
        services: &[Service],
        declared: &[MapEntry],
        kind: ResourceKind,
        names: &Names,
    ) -> Vec<Resource> {
        let used: BTreeSet<&str> = services
            .iter()
            .flat_map(|s| {
                if kind == ResourceKind::Network {
                    &s.networks
                } else {
                    &s.volumes
                }
            })
            .map(String::as_str)
            .collect();
        let (table, what) = match kind {
            ResourceKind::Network => (table::NETWORK, "networks"),
            ResourceKind::Volume => (table::VOLUME, "volumes"),
        };
        let lookup = |k: &str| {
            if kind == ResourceKind::Network {
                names.network(k)
            } else {
                names.volume(k)
            }
        };
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for e in declared {
            let path = format!("{what}.{}", e.key_text);
            let def = self.definition(table, &path, &e.value);
            let Some(name) = lookup(&e.key_text).map(str::to_string) else {
                continue;
            };
            let (data, external) = def;
            if used.contains(name.as_str()) && seen.insert(name.clone()) {
                out.push(Resource {
                    kind,
                    name,
                    data,
                    external,
                });
            }
        }
        if kind == ResourceKind::Network
            && let Some(default) = names.network("default")
            && used.contains(default)
            && seen.insert(default.to_string())
        {
            out.push(Resource {
                kind,
                name: default.to_string(),
                data: Value::Map(Map::new()),
                external: false,
            });
        }
        out
    }

    /// A network's or volume's definition as `config_data`, and whether it
    /// is external.
    fn definition(&mut self, table: &'static [table::Row], path: &str, n: &Node) -> (Value, bool) {
        let mut data = Map::new();
        let mut external = false;
        for (row, e) in self.keys(table, path, n) {
            let p = format!("{path}.{}", row.name);
            match row.name {
                "name" => {}
                "external" => {
                    external = match &e.value.data {
                        // The old form `external: {name: N}`.
                        crate::yaml::NodeData::Map(_) => true,
                        _ => self.flag(&p, &e.value).unwrap_or(false),
                    }
                }
                "driver_opts" | "labels" => {
                    let pairs = self.pairs(&p, &e.value, &['=']);
                    data.insert(
                        row.name.to_string(),
                        map_value(
                            pairs
                                .into_iter()
                                .map(|(k, v, _)| (k, Value::String(v.unwrap_or_default()))),
                        ),
                    );
                }
                "attachable" | "enable_ipv6" | "internal" => {
                    if let Some(b) = self.flag(&p, &e.value) {
                        data.insert(row.name.to_string(), Value::Bool(b));
                    }
                }
                "ipam" => {
                    data.insert(row.name.to_string(), e.value.to_value());
                }
                _ => {
                    if let Some(t) = self.string(&p, &e.value) {
                        data.insert(row.name.to_string(), Value::String(t));
                    }
                }
            }
        }
        (Value::Map(data), external)
    }
}

/// The services of a compose file beside this one (`extends.file`), read
/// and interpolated with the same variables. One in another directory is
/// refused: its relative paths would mean that directory.
fn other_services(file: &str, names: &Names) -> Result<Vec<MapEntry>, String> {
    let Some(dir) = &names.dir else {
        return Err(
            "a file can only be extended when the configuration is read from a file".into(),
        );
    };
    if file.contains('/') {
        return Err(format!(
            "{file}: extending a file in another directory is not read yet; copy the service into a file beside this one"
        ));
    }
    let path = dir.join(file);
    let text = crate::config::read_text(&path, 0).map_err(|e| e.to_string())?;
    let mut root = match crate::yaml::load(&text) {
        Ok(Some(root)) => root,
        Ok(None) => return Err(format!("{} is empty", path.display())),
        Err(e) => {
            return Err(format!(
                "{}:{}:{}: {}",
                path.display(),
                e.line,
                e.column,
                e.message
            ));
        }
    };
    let shown = path.display().to_string();
    let mut cx = Cx::new(&shown);
    cx.interpolate(&mut root, &names.vars);
    if let Some(e) = cx.errors.first() {
        return Err(e.to_string());
    }
    root.as_map()
        .and_then(|m| m.iter().find(|e| e.key == "services"))
        .and_then(|e| e.value.as_map().map(<[MapEntry]>::to_vec))
        .ok_or_else(|| format!("{} has no services", path.display()))
}
