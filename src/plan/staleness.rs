//! What a plan depends on, its fingerprint, and what changed since.

use super::model::{Dependencies, Plan};
use crate::observe::{Container, Observed, short_id};
use std::collections::BTreeMap;
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

/// The same dependencies, read off a fresh observation.
pub fn dependencies_now(plan: &Plan, observed: &Observed) -> Dependencies {
    Dependencies {
        containers: observed.containers.clone(),
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
    }
}

/// The unit files a plan depends on: those of the managed containers and
/// of the names it uses (its new containers'), out of every unit file
/// with the prefix (with `tripleo_`, the host has many of other
/// containers, whose coming and going is not the plan's business).
pub fn units_of<'a>(
    all: &BTreeMap<String, String>,
    prefix: &str,
    containers: &'a [Container],
    names: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, String> {
    let mut wanted = std::collections::BTreeSet::new();
    for name in containers.iter().map(|c| c.name.as_str()).chain(names) {
        wanted.extend(crate::systemd::unit_names(prefix, name));
    }
    all.iter()
        .filter(|(file, _)| wanted.contains(*file))
        .map(|(f, h)| (f.clone(), h.clone()))
        .collect()
}

/// One difference between the world a plan was made against and now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A managed container appeared.
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
    /// Something else the plan depends on differs (fields of a later version).
    Other,
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
            Change::Other => write!(f, "the observed state differs"),
        }
    }
}

/// What changed between `then` and `now`; empty when the plan still holds.
pub fn changes(then: &Dependencies, now: &Dependencies) -> Vec<Change> {
    if fingerprint(then) == fingerprint(now) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let find = |list: &'_ [Container], id: &str| list.iter().find(|c| c.id == id).cloned();
    for old in &then.containers {
        match find(&now.containers, &old.id) {
            None => out.push(Change::ContainerRemoved {
                id: old.id.clone(),
                name: old.name.clone(),
            }),
            Some(new) => {
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
                if new.state != old.state {
                    out.push(Change::StateChanged {
                        id: old.id.clone(),
                        name: new.name.clone(),
                        from: old.state.clone(),
                        to: new.state.clone(),
                    });
                }
            }
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
    let managed = |id: &str| {
        then.containers
            .iter()
            .chain(&now.containers)
            .any(|c| c.id == id)
    };
    for (name, from) in &then.names {
        let to = now.names.get(name).cloned().flatten();
        match (from, &to) {
            (a, b) if a == b => {}
            // A managed container's own move is reported above.
            (Some(a), Some(b)) if managed(a) && managed(b) => {}
            (None, Some(by)) if !managed(by) => out.push(Change::NameTaken {
                name: name.clone(),
                by: by.clone(),
            }),
            (Some(was), None) if !managed(was) => out.push(Change::NameFreed {
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
    if out.is_empty() {
        out.push(Change::Other);
    }
    out
}
