//! What a plan depends on, its fingerprint, and what changed since.
//!
//! A plan depends on what can change its own steps, and on nothing else
//! (README, "Plans"; docs/plan-format.md): the managed containers it may
//! stop, remove, replace, start or wait for, every field of them; the
//! managed containers whose `container_name` is a name it creates,
//! renames to or resolves (a join, an exec target), only for who they are
//! (ID, name, labels, creation); who holds each of those names; the image
//! IDs it compared; the unit files of them all. So a crash-looping
//! container of another config ID, or one turning healthy, or another
//! pipeline's new containers, leave a plan as fresh as they found it.

use super::model::{Dependencies, Operation, Plan};
use crate::observe::{Container, Observed, short_id};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

/// The fingerprint of a plan's dependencies: the hash of their canonical
/// JSON. Dependencies hold only strings, 64-bit integers and string-keyed
/// maps, which always convert; were that ever to fail, the hash is taken
/// of their full debug rendering instead, which is as deterministic and
/// as complete (a fingerprint is compared, never read back).
pub fn fingerprint(deps: &Dependencies) -> String {
    match serde_json::to_value(deps) {
        Ok(v) => crate::hash::sha256_canonical(&v),
        Err(_) => crate::hash::sha256_canonical(&serde_json::Value::String(format!("{deps:?}"))),
    }
}

/// Which managed containers a plan depends on, and how much of each:
/// decided by what the plan is for and by the names it records, so the
/// planner and `apply --plan` choose them alike.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    operation: Operation,
    /// The config ID applied (apply).
    config_id: &'a str,
    /// The config IDs kept (cleanup) or deleted (delete).
    config_ids: &'a [String],
    /// The names the plan creates, renames to or resolves.
    names: &'a BTreeMap<String, Option<String>>,
}

impl<'a> Scope<'a> {
    /// The scope of a plan for `operation` recording `names`.
    pub fn new(
        operation: Operation,
        config_id: &'a str,
        config_ids: &'a [String],
        names: &'a BTreeMap<String, Option<String>>,
    ) -> Scope<'a> {
        Scope {
            operation,
            config_id,
            config_ids,
            names,
        }
    }

    /// The scope of a made plan.
    pub fn of(plan: &'a Plan) -> Scope<'a> {
        Scope::new(
            plan.operation,
            plan.config_id.as_deref().unwrap_or_default(),
            &plan.config_ids,
            &plan.depends_on.names,
        )
    }

    /// Whether the plan's steps read all of `c` (its state, exit code,
    /// health, image, joins): `c` is one it may stop, remove, replace,
    /// start, wait for or write units of. An apply's own config ID's
    /// containers; those a cleanup does not keep (it deletes them all,
    /// so a new one makes it stale); those of the config IDs a delete
    /// deletes.
    pub fn owns(&self, c: &Container) -> bool {
        self.owns_config_id(c.config_id())
    }

    /// Whether the plan owns what is labelled with `config_id` (its
    /// containers, [`Scope::owns`], and its networks and volumes).
    pub fn owns_config_id(&self, config_id: &str) -> bool {
        let listed = self.config_ids.iter().any(|k| k == config_id);
        match self.operation {
            Operation::Apply => config_id == self.config_id,
            Operation::Cleanup => !listed,
            Operation::Delete => listed,
            // Planned after a failure from what is there, never saved.
            Operation::Rollback => true,
        }
    }

    /// Whether the plan depends on `c` at all: it owns it, or `c`'s
    /// desired name is one of the plan's names. Such a container decides
    /// which container a join or an exec resolves to (the newest with
    /// that `container_name`), which containers are renamed, and which
    /// name a new container gets; by who it is, not by how it runs.
    pub fn includes(&self, c: &Container) -> bool {
        self.owns(c) || self.names.contains_key(c.desired_name())
    }
}

/// The same dependencies, read off a fresh observation: the containers
/// the plan's scope includes now, and those it recorded (under whatever
/// name they have now).
pub fn dependencies_now(plan: &Plan, observed: &Observed) -> Dependencies {
    let scope = Scope::of(plan);
    let recorded: HashSet<&str> = plan
        .depends_on
        .containers
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    let containers: Vec<Container> = observed
        .containers
        .iter()
        .filter(|c| scope.includes(c) || recorded.contains(c.id.as_str()))
        .cloned()
        .collect();
    // The networks and volumes it recorded, and those of the config IDs
    // it owns now.
    let names = super::resources::Names {
        networks: plan.depends_on.networks.keys().cloned().collect(),
        volumes: plan.depends_on.volumes.keys().cloned().collect(),
    };
    let (networks, volumes) =
        super::resources::dependencies(observed, &names, &plan.managed_by, |id| {
            scope.owns_config_id(id)
        });
    Dependencies {
        images: plan
            .depends_on
            .images
            .keys()
            .map(|r| (r.clone(), observed.images.get(r).cloned().flatten()))
            .collect(),
        names: plan
            .depends_on
            .names
            .keys()
            .map(|n| (n.clone(), observed.holder(n).map(|(id, _)| id.to_string())))
            .collect(),
        units: match &plan.systemd {
            Some(sd) => units_of(
                &observed.units,
                &sd.prefix,
                &plan.depends_on.containers,
                plan.depends_on.names.keys().map(String::as_str),
            ),
            None => Default::default(),
        },
        containers,
        networks,
        volumes,
    }
}

/// The unit files a plan depends on: those of the containers it depends
/// on and of the names it uses (its new containers'), out of every unit
/// file with the prefix (with `tripleo_`, the host has many of other
/// containers, whose coming and going is not the plan's business).
pub fn units_of<'a>(
    all: &BTreeMap<String, String>,
    prefix: &str,
    containers: &'a [Container],
    names: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, String> {
    let mut wanted = BTreeSet::new();
    for name in containers.iter().map(|c| c.name.as_str()).chain(names) {
        wanted.extend(crate::systemd::unit_names(prefix, name));
    }
    all.iter()
        .filter(|(file, _)| wanted.contains(*file))
        .map(|(f, h)| (f.clone(), h.clone()))
        .collect()
}

/// One difference between the world a plan was made against and now.
/// Serialized (the `changes` of a stale plan's JSON error event), each is
/// an object with `kind` and the fields below.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A container the plan depends on appeared.
    ContainerAdded {
        /// Its ID.
        id: String,
        /// Its name.
        name: String,
    },
    /// A container the plan depends on is gone.
    ContainerRemoved {
        /// Its ID.
        id: String,
        /// Its name then.
        name: String,
    },
    /// A container has another name.
    Renamed {
        /// Its ID.
        id: String,
        /// Its name then.
        from: String,
        /// Its name now.
        to: String,
    },
    /// A container's labels changed.
    Relabelled {
        /// Its ID.
        id: String,
        /// Its name.
        name: String,
        /// The label keys that changed.
        keys: Vec<String>,
    },
    /// A container is in another state.
    StateChanged {
        /// Its ID.
        id: String,
        /// Its name.
        name: String,
        /// Its state then, the engine's word (`running`, `exited`...).
        from: String,
        /// Its state now, the same way.
        to: String,
    },
    /// Another recorded field of a container differs: `finished_at`
    /// (it ran again: a restart), `health`, `exit_code`, `image_id`,
    /// `image`, `command`, `created` or `joined`.
    ContainerChanged {
        /// Its ID.
        id: String,
        /// Its name.
        name: String,
        /// The field of `depends_on.containers[]`.
        field: String,
        /// Its value then (as in the plan document; null: absent).
        from: serde_json::Value,
        /// Its value now, the same way.
        to: serde_json::Value,
    },
    /// An image reference names another image ID.
    ImageChanged {
        /// The image reference.
        image: String,
        /// The ID it named then (none: missing).
        from: Option<String>,
        /// The ID it names now (none: missing).
        to: Option<String>,
    },
    /// A name the plan uses is now taken.
    NameTaken {
        /// The name.
        name: String,
        /// The ID of the container holding it.
        by: String,
    },
    /// A name the plan relies on being held is free.
    NameFreed {
        /// The name.
        name: String,
        /// The ID of the container that held it.
        was: String,
    },
    /// A name the plan uses is held by another container.
    NameHolderChanged {
        /// The name.
        name: String,
        /// The holder's ID then.
        from: String,
        /// The holder's ID now.
        to: String,
    },
    /// A unit file was added, removed or changed (`--systemd`; since 1.3).
    UnitChanged {
        /// Its name.
        file: String,
        /// The `sha256:` of its text then (none: absent).
        from: Option<String>,
        /// The same now.
        to: Option<String>,
    },
    /// A network or volume the plan depends on appeared, went, or was
    /// relabelled (since 1.6).
    ResourceChanged {
        /// `network` or `volume`.
        resource: String,
        /// Its name.
        name: String,
        /// Its labels then (none: absent).
        from: Option<crate::observe::Labels>,
        /// Its labels now (none: absent).
        to: Option<crate::observe::Labels>,
    },
    /// Something else the plan depends on differs: the recorded
    /// observation differs from the fresh one in a way none of the above
    /// names (duplicated records).
    Other,
}

/// A recorded value as a person reads it: a string as it is, `(none)`
/// for an absent one, anything else as compact JSON.
fn shown(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) if s.is_empty() => "(none)".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "(none)".into(),
        other => other.to_string(),
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = short_id;
        match self {
            Change::ContainerAdded { id, name } => {
                write!(f, "container added: {name} ({})", s(id))
            }
            Change::ContainerRemoved { id, name } => {
                write!(f, "container removed: {name} ({})", s(id))
            }
            Change::Renamed { id, from, to } => {
                write!(f, "container renamed: {from} -> {to} ({})", s(id))
            }
            Change::Relabelled { id, name, keys } => write!(
                f,
                "container relabelled: {name} ({}): {}",
                s(id),
                keys.join(", ")
            ),
            Change::StateChanged { id, name, from, to } => {
                write!(f, "container {name} ({}) is now {to} (was {from})", s(id))
            }
            Change::ContainerChanged {
                id,
                name,
                field,
                from,
                to,
            } => write!(
                f,
                "container {name} ({}): {field} is now {} (was {})",
                s(id),
                shown(to),
                shown(from)
            ),
            Change::ImageChanged { image, from, to } => {
                let show = |i: &Option<String>| {
                    i.as_deref()
                        .map_or("absent".to_string(), |i| s(i).to_string())
                };
                write!(f, "image {image} is now {} (was {})", show(to), show(from))
            }
            Change::NameTaken { name, by } => {
                write!(f, "name now taken: {name} (by container {})", s(by))
            }
            Change::NameFreed { name, was } => {
                write!(f, "name now free: {name} (was held by {})", s(was))
            }
            Change::NameHolderChanged { name, from, to } => {
                write!(f, "name {name} is now held by {} (was {})", s(to), s(from))
            }
            Change::UnitChanged { file, from, to } => match (from, to) {
                (None, _) => write!(f, "unit file added: {file}"),
                (_, None) => write!(f, "unit file removed: {file}"),
                _ => write!(f, "unit file changed: {file}"),
            },
            Change::ResourceChanged {
                resource,
                name,
                from,
                to,
            } => match (from, to) {
                (None, _) => write!(f, "{resource} added: {name}"),
                (_, None) => write!(f, "{resource} removed: {name}"),
                _ => write!(f, "{resource} relabelled: {name}"),
            },
            Change::Other => write!(f, "the observed state differs"),
        }
    }
}

/// The fields of a container record past its ID, name, labels and state,
/// as the plan document writes them, each named.
fn fields(c: &Container) -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::json;
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    vec![
        ("created", json!(c.created)),
        ("image_id", json!(c.image_id)),
        ("image", json!(c.image)),
        ("command", json!(c.command)),
        ("exit_code", json!(c.exit_code)),
        ("health", json!(opt(&c.health))),
        ("finished_at", json!(opt(&c.finished_at))),
        ("started_at", json!(opt(&c.started_at))),
        (
            "joined",
            serde_json::to_value(&c.joined).unwrap_or_default(),
        ),
    ]
}

/// How one container differs between `old` and `new` (the same ID):
/// every difference when `all`, else only who it is (name, labels,
/// creation), which is all a plan reads of a container it does not own.
fn container_changes(old: &Container, new: &Container, all: bool) -> Vec<Change> {
    let mut out = Vec::new();
    if new.name != old.name {
        out.push(Change::Renamed {
            id: old.id.clone(),
            from: old.name.clone(),
            to: new.name.clone(),
        });
    }
    if new.labels != old.labels {
        let mut keys: Vec<String> = old
            .labels
            .iter()
            .filter(|(k, v)| new.labels.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .chain(
                new.labels
                    .keys()
                    .filter(|k| !old.labels.contains_key(*k))
                    .cloned(),
            )
            .collect();
        keys.sort();
        keys.dedup();
        out.push(Change::Relabelled {
            id: old.id.clone(),
            name: new.name.clone(),
            keys,
        });
    }
    if all && new.state != old.state {
        out.push(Change::StateChanged {
            id: old.id.clone(),
            name: new.name.clone(),
            from: old.state.clone(),
            to: new.state.clone(),
        });
    }
    for ((field, from), (_, to)) in fields(old).into_iter().zip(fields(new)) {
        if from != to && (all || field == "created") {
            out.push(Change::ContainerChanged {
                id: old.id.clone(),
                name: new.name.clone(),
                field: field.to_string(),
                from,
                to,
            });
        }
    }
    out
}

/// What changed between what `plan` recorded and `now`
/// ([`dependencies_now`]) that the plan depends on; empty when the plan
/// still holds. Of a container the plan does not own ([`Scope::owns`])
/// only who it is counts: its state, health and runs are not the plan's
/// business.
pub fn changes(plan: &Plan, now: &Dependencies) -> Vec<Change> {
    let then = &plan.depends_on;
    if fingerprint(then) == fingerprint(now) {
        return Vec::new();
    }
    let scope = Scope::of(plan);
    let mut out = Vec::new();
    let find = |list: &'_ [Container], id: &str| list.iter().find(|c| c.id == id).cloned();
    for old in &then.containers {
        match find(&now.containers, &old.id) {
            None => out.push(Change::ContainerRemoved {
                id: old.id.clone(),
                name: old.name.clone(),
            }),
            Some(new) => out.extend(container_changes(old, &new, scope.owns(old))),
        }
    }
    for new in &now.containers {
        if find(&then.containers, &new.id).is_none() {
            out.push(Change::ContainerAdded {
                id: new.id.clone(),
                name: new.name.clone(),
            });
        }
    }
    out.extend(image_changes(then, now));
    out.extend(name_changes(then, now));
    out.extend(unit_changes(then, now));
    out.extend(resource_changes("network", &then.networks, &now.networks));
    out.extend(resource_changes("volume", &then.volumes, &now.volumes));
    if out.is_empty() && !same_records(then, now) {
        out.push(Change::Other);
    }
    out
}

/// Whether the two observations hold the same container records, each
/// once, in whatever order, and nothing else differs: the differences
/// [`changes`] does not name are then only those it leaves out on purpose.
fn same_records(then: &Dependencies, now: &Dependencies) -> bool {
    let ids = |d: &Dependencies| -> Vec<String> {
        let mut v: Vec<String> = d.containers.iter().map(|c| c.id.clone()).collect();
        v.sort();
        v
    };
    let unique = |v: &[String]| v.windows(2).all(|w| w[0] != w[1]);
    let (a, b) = (ids(then), ids(now));
    a == b && unique(&a)
}

fn image_changes(then: &Dependencies, now: &Dependencies) -> Vec<Change> {
    let mut out = Vec::new();
    for (image, from) in &then.images {
        let to = now.images.get(image).cloned().flatten();
        if *from != to {
            out.push(Change::ImageChanged {
                image: image.clone(),
                from: from.clone(),
                to,
            });
        }
    }
    out
}

fn name_changes(then: &Dependencies, now: &Dependencies) -> Vec<Change> {
    let recorded = |id: &str| {
        then.containers
            .iter()
            .chain(&now.containers)
            .any(|c| c.id == id)
    };
    let mut out = Vec::new();
    for (name, from) in &then.names {
        let to = now.names.get(name).cloned().flatten();
        match (from, &to) {
            (a, b) if a == b => {}
            // A recorded container's own move is reported with it.
            (Some(a), Some(b)) if recorded(a) && recorded(b) => {}
            (None, Some(by)) if !recorded(by) => out.push(Change::NameTaken {
                name: name.clone(),
                by: by.clone(),
            }),
            (Some(was), None) if !recorded(was) => out.push(Change::NameFreed {
                name: name.clone(),
                was: was.clone(),
            }),
            (Some(a), Some(b)) => out.push(Change::NameHolderChanged {
                name: name.clone(),
                from: a.clone(),
                to: b.clone(),
            }),
            _ => {}
        }
    }
    out
}

type Recorded = BTreeMap<String, Option<crate::observe::Labels>>;

fn resource_changes(resource: &str, then: &Recorded, now: &Recorded) -> Vec<Change> {
    let names: BTreeSet<&String> = then.keys().chain(now.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let (from, to) = (
                then.get(name).cloned().flatten(),
                now.get(name).cloned().flatten(),
            );
            (from != to).then(|| Change::ResourceChanged {
                resource: resource.to_string(),
                name: name.clone(),
                from,
                to,
            })
        })
        .collect()
}

fn unit_changes(then: &Dependencies, now: &Dependencies) -> Vec<Change> {
    let mut out = Vec::new();
    for file in then.units.keys().chain(now.units.keys()) {
        let (from, to) = (then.units.get(file), now.units.get(file));
        if from != to {
            let change = Change::UnitChanged {
                file: file.clone(),
                from: from.cloned(),
                to: to.cloned(),
            };
            if !out.contains(&change) {
                out.push(change);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::plan::{PlanOptions, plan_apply, plan_cleanup, verify};

    const IMAGE_ID: &str =
        "sha256:b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1";

    fn config(text: &str) -> Config {
        Config::parse(text, "test").unwrap()
    }

    /// The container an apply of `config` as config ID `id` leaves for
    /// entry `entry`, running.
    fn applied(config: &Config, id: &str, entry: &str, n: u8) -> Container {
        let e = config.entries.iter().find(|e| e.name == entry).unwrap();
        let labels = [
            ("managed_by", "paunch"),
            ("config_id", id),
            ("container_name", entry),
            ("config_data", e.config_data()),
        ];
        Container {
            id: format!("{n:02x}").repeat(32),
            name: entry.to_string(),
            state: "running".into(),
            image_id: IMAGE_ID.into(),
            image: "busybox:1".into(),
            command: vec![],
            entrypoint: vec![],
            created: format!("2026-11-01T10:00:{n:02}Z"),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            exit_code: 0,
            health: String::new(),
            finished_at: String::new(),
            error: String::new(),
            started_at: String::new(),
            joined: vec![],
        }
    }

    fn host(containers: Vec<Container>) -> Observed {
        let mut o = Observed {
            containers,
            images: [("busybox:1".to_string(), Some(IMAGE_ID.to_string()))].into(),
            ..Observed::default()
        };
        o.normalize();
        o
    }

    fn apply_plan(config: &Config, id: &str, observed: &Observed) -> Plan {
        let opts = PlanOptions {
            config_id: id.into(),
            ..PlanOptions::default()
        };
        plan_apply(config, observed, &opts)
    }

    fn stale(plan: &Plan, now: &Observed) -> Vec<String> {
        changes(plan, &dependencies_now(plan, now))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn a() -> Config {
        config("crash:\n  image: busybox:1\n  restart: always\n")
    }

    fn b() -> Config {
        config("web:\n  image: busybox:1\n  command: sleep 3600\n")
    }

    fn c() -> Config {
        config("api:\n  image: busybox:1\n  command: sleep 3600\n")
    }

    #[test]
    fn another_config_ids_runs_and_health_do_not_make_a_plan_stale() {
        let (a, b) = (a(), b());
        let world = host(vec![
            applied(&a, "A", "crash", 1),
            applied(&b, "B", "web", 2),
        ]);
        let plan = apply_plan(&b, "B", &world);
        assert_eq!(plan.depends_on.containers.len(), 1, "{:?}", plan.depends_on);
        let mut now = world.clone();
        let crash = now
            .containers
            .iter_mut()
            .find(|c| c.name == "crash")
            .unwrap();
        crash.state = "restarting".into();
        crash.exit_code = 7;
        crash.finished_at = "2026-11-01T10:01:00Z".into();
        crash.health = "unhealthy".into();
        assert_eq!(stale(&plan, &now), Vec::<String>::new());
        // Nor does another config ID's new container.
        let mut later = a.clone();
        later.entries[0].name = "crash2".into();
        now.containers.push(applied(&later, "A", "crash2", 3));
        now.normalize();
        assert_eq!(stale(&plan, &now), Vec::<String>::new());
    }

    #[test]
    fn two_plans_made_together_both_hold_after_either_applies() {
        let (b, c) = (b(), c());
        let world = host(vec![]);
        let plan_b = apply_plan(&b, "B", &world);
        let plan_c = apply_plan(&c, "C", &world);
        let after_b = host(vec![applied(&b, "B", "web", 2)]);
        assert_eq!(stale(&plan_c, &after_b), Vec::<String>::new());
        let after_c = host(vec![applied(&c, "C", "api", 3)]);
        assert_eq!(stale(&plan_b, &after_c), Vec::<String>::new());
        // Its own config ID's new container still makes a plan stale.
        assert_eq!(
            stale(&plan_b, &after_b),
            [format!("container added: web ({})", "02".repeat(6))]
        );
    }

    #[test]
    fn every_difference_of_its_own_containers_is_named() {
        let b = b();
        let world = host(vec![applied(&b, "B", "web", 2)]);
        let plan = apply_plan(&b, "B", &world);
        let mut now = world.clone();
        now.containers[0].finished_at = "2026-11-01T10:05:00Z".into();
        now.containers[0].health = "healthy".into();
        let id = "02".repeat(6);
        assert_eq!(
            stale(&plan, &now),
            [
                format!("container web ({id}): health is now healthy (was (none))"),
                format!(
                    "container web ({id}): finished_at is now 2026-11-01T10:05:00Z (was (none))"
                ),
            ]
        );
        let json = serde_json::to_value(changes(&plan, &dependencies_now(&plan, &now))).unwrap();
        assert_eq!(
            json[1],
            serde_json::json!({
                "kind": "container_changed",
                "id": "02".repeat(32),
                "name": "web",
                "field": "finished_at",
                "from": null,
                "to": "2026-11-01T10:05:00Z",
            })
        );
        now.containers[0].state = "exited".into();
        assert!(
            stale(&plan, &now)
                .contains(&format!("container web ({id}) is now exited (was running)"))
        );
    }

    /// An exec into another config ID's container depends on which
    /// container that is, not on how it runs.
    #[test]
    fn a_resolved_exec_target_counts_by_who_it_is() {
        let a = config("db:\n  image: busybox:1\n  command: sleep 3600\n");
        let b = config("reload:\n  action: exec\n  command: [db, kill, '-HUP', '1']\n");
        let world = host(vec![applied(&a, "A", "db", 1)]);
        let plan = apply_plan(&b, "B", &world);
        assert_eq!(plan.depends_on.containers.len(), 1);
        let mut now = world.clone();
        now.containers[0].state = "restarting".into();
        now.containers[0].finished_at = "2026-11-01T10:05:00Z".into();
        assert_eq!(stale(&plan, &now), Vec::<String>::new());
        // A newer container of that name is another target.
        let mut newer = applied(&a, "A", "db", 4);
        newer.name = "db-1a2b3c4d".into();
        now.containers.push(newer);
        now.normalize();
        assert_eq!(
            stale(&plan, &now),
            [format!("container added: db-1a2b3c4d ({})", "04".repeat(6))]
        );
    }

    #[test]
    fn a_cleanup_depends_on_every_container_it_deletes() {
        let (a, b) = (a(), b());
        let world = host(vec![
            applied(&a, "A", "crash", 1),
            applied(&b, "B", "web", 2),
        ]);
        let opts = PlanOptions::default();
        let plan = plan_cleanup(&world, &["B".to_string()], &opts);
        assert_eq!(plan.depends_on.containers.len(), 1);
        let mut now = world.clone();
        // The kept config ID's runs are not its business...
        now.containers
            .iter_mut()
            .find(|c| c.name == "web")
            .unwrap()
            .state = "exited".into();
        assert_eq!(stale(&plan, &now), Vec::<String>::new());
        // ...but a new container of a config ID it deletes is.
        let mut later = a.clone();
        later.entries[0].name = "crash2".into();
        now.containers.push(applied(&later, "A", "crash2", 3));
        now.normalize();
        assert_eq!(
            stale(&plan, &now),
            [format!("container added: crash2 ({})", "03".repeat(6))]
        );
    }

    /// What a plan records gives the same steps as the whole observation
    /// (what `apply --plan` checks): a unique name chosen past another
    /// config ID's holder, a rename of another config ID's container, an
    /// exec resolved into another config ID.
    #[test]
    fn narrowed_dependencies_derive_the_same_steps() {
        let a = config("web:\n  image: busybox:1\n  command: sleep 3600\n  restart: always\n");
        let b = config(
            "web:\n  image: busybox:1\n  command: sleep 3600\nhup:\n  action: exec\n  command: [web, 'true']\n",
        );
        let mut aside = applied(&a, "A", "web", 5);
        aside.name = "web-zzzzzzzz".into();
        let world = host(vec![applied(&a, "A", "web", 1), aside]);
        let plan = apply_plan(&b, "B", &world);
        assert!(
            plan.steps.iter().any(|s| s.describe().contains("web-")),
            "{:?}",
            plan.steps
        );
        assert_eq!(verify::verify(&plan), Ok(()));
        assert_eq!(plan.depends_on.containers.len(), 2);
    }
}
