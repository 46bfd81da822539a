//! Compose files as a configuration (SPEC §17): a file with a top-level
//! `services:` map is read as `docker compose` reads it, into ordinary
//! paunch entries (so the planner, labels, saved plans, `--wait` and
//! `--rollback` work unchanged) and the networks and volumes they use
//! ([`crate::config::Resource`]).
//!
//! - The config ID is the project name; container `N` of service `S` is
//!   `PROJECT-S-N` (`container_name` wins), networks and volumes
//!   `PROJECT_KEY` (or their `name`), as compose v2 names them.
//! - Each container's `config_data` is its service as normalised
//!   ([`service`]: after interpolation, `env_file`, defaults, with engine
//!   names), so a diff shows compose keys; its paunch entry is derived
//!   from that alone ([`translate::entry_of`]). `depends_on`, `profiles`,
//!   `scale` and `container_name` are not in it: they order and name
//!   containers, and changing them replaces none.
//! - Every key is checked against one table ([`table`]).
//!
//! The reader is hand-written over our YAML loader's nodes, as the Pod
//! reader is, for the same reasons: positions for every error, and one
//! strict pass instead of serde types that ignore unknown keys.
//!
//! Reading goes: [`interpolate`] over every string (with [`dotenv`]'s
//! `.env`), then `project` (top level, names, profiles, order), which
//! reads each service (`service` → `ports`, `mounts`, `networks`,
//! `settings`; `shell` splits string commands); `reader` holds the
//! diagnostics and typed reads.

mod build;
pub mod dotenv;
mod extends;
mod include;
pub mod interpolate;
mod mounts;
mod networks;
mod ports;
mod project;
mod reader;
pub mod schema;
mod service;
mod settings;
mod shell;
pub mod table;
pub mod translate;

pub use translate::{SERVICE_LABEL, entry_of};

use crate::config::resource::Resource;
use crate::config::{HostPath, LoadOptions};
use crate::error::Diagnostic;
use crate::value::Value;
use crate::yaml::{Node, NodeData, Scalar};
use reader::Cx;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Whether a document is a compose file: a map whose `services` is a map
/// of maps (a paunch entry named `services` has scalar settings such as
/// `image`), or that has `services` beside a key only compose has.
pub fn is_compose(root: &Node) -> bool {
    let Some(top) = root.as_map() else {
        return false;
    };
    let Some(services) = top.iter().find(|e| e.key == "services") else {
        return false;
    };
    let compose_only = top.iter().any(|e| {
        matches!(
            e.key.as_str(),
            "version" | "name" | "networks" | "volumes" | "secrets" | "configs" | "include"
        ) || e.key.starts_with("x-")
    });
    let looks_like_entry = services.value.as_map().is_some_and(|m| {
        m.iter()
            .any(|e| crate::config::keys::key(&e.key).is_some() && e.value.as_map().is_none())
    });
    compose_only || (services.value.as_map().is_some() && !looks_like_entry)
}

/// One container entry of a compose project.
#[derive(Debug, Clone)]
pub struct ComposeEntry {
    /// The container name.
    pub name: String,
    /// Where its service is.
    pub pos: (usize, usize),
    /// The paunch entry it is created from.
    pub node: Node,
    /// Its `config_data`: the service as normalised.
    pub data: Value,
}

/// What reading a compose file gave.
#[derive(Debug, Default)]
pub struct Read {
    /// The container entries, in file order, replicas in order.
    pub entries: Vec<ComposeEntry>,
    /// The networks and volumes they use.
    pub resources: Vec<Resource>,
    /// Problems.
    pub errors: Vec<Diagnostic>,
    /// Findings that do not stop it.
    pub warnings: Vec<Diagnostic>,
    /// Missing bind sources, created as directories by apply.
    pub create: Vec<HostPath>,
}

/// Where a compose file is read from and with what.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The project directory (the file's); `None` for text without a file.
    pub dir: Option<PathBuf>,
    /// The variables interpolation and bare `environment` names see: the
    /// caller's environment over the `.env` file's.
    pub vars: BTreeMap<String, String>,
    /// What was wrong with the `.env` (or `--env-file`), reported when the
    /// file is read as compose.
    pub problems: Vec<Diagnostic>,
}

/// Reads a compose document.
pub fn read(root: &Node, file: &str, opts: &LoadOptions, ctx: &Context) -> Read {
    let mut cx = Cx::new(file);
    cx.errors.extend(ctx.problems.iter().cloned());
    cx.project.clone_from(&opts.project);
    cx.profiles.clone_from(&opts.profiles);
    let mut root = root.clone();
    let mut vars = ctx.vars.clone();
    if let Some(p) = &opts.project {
        vars.insert("COMPOSE_PROJECT_NAME".into(), p.clone());
    }
    cx.interpolate(&mut root, &vars);
    let mut stack: Vec<PathBuf> = ctx
        .dir
        .iter()
        .filter_map(|d| Some(d.join(std::path::Path::new(file).file_name()?)))
        .collect();
    cx.include(&mut root, ctx.dir.as_deref(), &vars, &mut stack);
    let names = project::Names::new(ctx.dir.clone(), vars, opts.profiles.clone());
    let mut out = Read::default();
    if cx.errors.is_empty()
        && let Some((project, names)) = cx.project(&root, opts.project.as_deref(), names)
    {
        // The entries of a file with problems would only repeat them.
        if cx.errors.is_empty() {
            out.entries = entries(&project, &names, &mut cx);
        }
        out.resources = project.resources;
        for s in &project.services {
            out.create.extend(s.create.iter().map(|p| HostPath {
                path: PathBuf::from(p),
                file: false,
            }));
        }
    }
    out.errors = cx.errors;
    out.warnings = cx.warnings;
    out
}

/// The container entries of the project's services.
fn entries(project: &project::Project, names: &project::Names, cx: &mut Cx) -> Vec<ComposeEntry> {
    let mut out = Vec::new();
    for s in &project.services {
        if s.container_name.is_some() && s.replicas > 1 {
            cx.error(
                s.at,
                format!(
                    "services.{}: container_name names one container, and it has {} replicas",
                    s.name, s.replicas
                ),
                Some("remove container_name, or give one replica".into()),
            );
            continue;
        }
        let mut entry = entry_of(&s.name, &s.data);
        entry.insert(
            "start_order".into(),
            Value::Int(i128::from(*project.level.get(&s.name).unwrap_or(&0))),
        );
        if project.run_to_completion.contains(&s.name) {
            entry.insert("detach".into(), Value::Bool(false));
        }
        if project.run_to_completion.contains(&s.name) || project.waited_healthy.contains(&s.name) {
            entry.insert("gate".into(), Value::Bool(true));
        }
        let node = placed(Node::from_value(&Value::Map(entry)), s);
        for i in 1..=s.replicas {
            let name = s
                .container_name
                .clone()
                .unwrap_or_else(|| format!("{}-{}-{i}", names.project, s.name));
            if let Some(label) = s.exported.as_deref().filter(|_| s.replicas == 1) {
                match exported(&name, label, &node) {
                    Some((node, data)) => {
                        out.push(ComposeEntry { name, pos: s.at, node, data });
                        continue;
                    }
                    None => cx.warn(
                        s.at,
                        format!(
                            "services.{}: its config_data label (from paunch export) no longer describes the service; the service is read as written",
                            s.name
                        ),
                    ),
                }
            }
            out.push(ComposeEntry {
                name,
                pos: s.at,
                node: node.clone(),
                data: Value::Map(s.data.clone()),
            });
        }
    }
    out
}

/// The paunch entry `paunch export --format compose` wrote in a service's
/// `config_data` label, when it still describes the container the service
/// gives (`translated`): then the export reads back as exactly what it
/// was exported from (its own `config_data`, order and blocking), and a
/// plan against the containers it came from is empty. How a container is
/// ordered (`start_order`, `detach`, gates) and paunch's labels are not
/// compared; a `net: bridge` is the engine's default.
fn exported(name: &str, label: &str, translated: &Node) -> Option<(Node, Value)> {
    let value = crate::labels::decode_config_data(label)?;
    let node = Node::from_value(&value);
    let opts = LoadOptions {
        unknown_keys: crate::config::UnknownKeys::Warn,
        ..LoadOptions::default()
    };
    let theirs = crate::config::Config::entry_from_node(name, &node, "config_data", &opts).ok()?;
    let ours = crate::config::Config::entry_from_node(name, translated, "compose", &opts).ok()?;
    same_container(&theirs, &ours).then_some((node, value))
}

/// Whether two entries make the same container.
fn same_container(a: &crate::config::Entry, b: &crate::config::Entry) -> bool {
    const ORDER: &[&str] = &[
        "labels",
        "start_order",
        "gate",
        "detach",
        "exit_codes",
        "net",
    ];
    let rest = |e: &crate::config::Entry| {
        e.settings
            .iter()
            .filter(|(k, _)| !ORDER.contains(&k.name))
            // The export writes the engine's default restart policy.
            .filter(|(k, v)| {
                !(k.name == "restart" && *v == crate::config::Setting::Strings(vec!["no".into()]))
            })
            .map(|(k, v)| (k.name, v.clone()))
            .collect::<Vec<_>>()
    };
    let labels = |e: &crate::config::Entry| {
        e.strings("labels")
            .iter()
            .filter(|l| !l.starts_with(&format!("{SERVICE_LABEL}=")))
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
    };
    let net = |e: &crate::config::Entry| {
        e.string("net")
            .filter(|n| *n != "bridge")
            .map(str::to_string)
    };
    rest(a) == rest(b) && labels(a) == labels(b) && net(a) == net(b)
}

/// A built entry node with each key at the position of the compose key it
/// came from (the service's when there is none), for the errors the
/// entry's reading finds.
fn placed(n: Node, s: &service::Service) -> Node {
    let mut n = at(n, s.at);
    if let NodeData::Map(entries) = &mut n.data {
        for e in entries {
            let from = table::SERVICE
                .iter()
                .find(|r| matches!(r.treat, table::Treat::Key(k) if k == e.key) || r.name == e.key)
                .map(|r| r.name);
            if let Some(pos) = from.and_then(|k| s.positions.get(k)) {
                e.key_line = pos.0;
                e.key_column = pos.1;
                e.value = at(
                    std::mem::replace(&mut e.value, Node::from_value(&Value::Null)),
                    *pos,
                );
            }
        }
    }
    n
}

/// A built node and all below it placed at `pos` (what its errors point to).
fn at(mut n: Node, pos: (usize, usize)) -> Node {
    n.line = pos.0;
    n.column = pos.1;
    n.data = match n.data {
        NodeData::Seq(items) => NodeData::Seq(items.into_iter().map(|i| at(i, pos)).collect()),
        NodeData::Map(entries) => NodeData::Map(
            entries
                .into_iter()
                .map(|mut e| {
                    e.key_line = pos.0;
                    e.key_column = pos.1;
                    e.value = at(e.value, pos);
                    e
                })
                .collect(),
        ),
        scalar => scalar,
    };
    n
}

impl Cx<'_> {
    /// Interpolates every string of the document in place (keys are not
    /// interpolated); an error points at its string.
    pub(super) fn interpolate(&mut self, n: &mut Node, vars: &BTreeMap<String, String>) {
        let pos = (n.line, n.column);
        match &mut n.data {
            NodeData::Scalar(Scalar {
                value: Value::String(s),
                text,
                plain,
            }) if s.contains('$') => match interpolate::interpolate(s, vars) {
                Ok(done) => {
                    for v in &done.unset {
                        self.warn(
                            pos,
                            format!("the \"{v}\" variable is not set; it is a blank string"),
                        );
                    }
                    *s = done.value;
                    text.clone_from(s);
                    *plain = false;
                }
                Err(e) => self.error(pos, e.message, e.hint),
            },
            NodeData::Scalar(_) => {}
            NodeData::Seq(items) => items.iter_mut().for_each(|i| self.interpolate(i, vars)),
            NodeData::Map(entries) => entries
                .iter_mut()
                .for_each(|e| self.interpolate(&mut e.value, vars)),
        }
    }
}
