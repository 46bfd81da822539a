//! Networks and named volumes in plans (SPEC §17): planned like
//! containers, labelled like them (`managed_by`, `config_id`, their
//! definition as `config_data`). An apply creates the configuration's
//! missing ones before any container (phase `resources`) and removes the
//! networks of its config ID it no longer has once their containers are
//! gone (phase `prune`); cleanup and delete remove the networks of the
//! config IDs whose containers they delete. A volume holds data: only
//! `delete --volumes` removes one; every other plan notes it left behind.
//! Nothing without this managed-by name's label is ever touched, nor the
//! engines' own networks.

use super::model::*;
use super::planner::Builder;
use crate::config::{Config, Resource, ResourceKind};
use crate::engine::argv::LabelSet;
use crate::observe::{Container, Labels, Observed};
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The engines' own networks: never created, removed or adopted, whatever
/// their labels.
pub const ENGINE_NETWORKS: [&str; 4] = ["bridge", "host", "none", "podman"];

/// `net` values that are a mode, not a network's name.
const NET_MODES: [&str; 6] = [
    "default",
    "private",
    "slirp4netns",
    "pasta",
    "bridge",
    "host",
];

/// The networks and volumes a plan depends on, by name.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Network names.
    pub networks: BTreeSet<String>,
    /// Volume names.
    pub volumes: BTreeSet<String>,
}

/// The network (`net: NAME`) and named volumes (`volumes: [NAME:/path]`)
/// that a container of this configuration data uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uses {
    /// The networks it joins by name.
    pub networks: Vec<String>,
    /// The named volumes it mounts.
    pub volumes: Vec<String>,
}

impl Uses {
    /// What an entry's or a container's `config_data` (decoded) names:
    /// a paunch entry's `net` and `connect` (`NAME[=ALIASES]`), a compose
    /// service's `networks` (by engine name), and either's named volumes.
    pub fn of(data: &Value) -> Uses {
        let map = data.as_map();
        let mut networks: Vec<String> = map
            .and_then(|m| m.get("net"))
            .and_then(Value::as_str)
            .into_iter()
            .map(str::to_string)
            .collect();
        if let Some(Value::List(more)) = map.and_then(|m| m.get("connect")) {
            networks.extend(
                more.iter()
                    .filter_map(Value::as_str)
                    .map(|c| c.split_once('=').map_or(c, |(n, _)| n).to_string()),
            );
        }
        if let Some(Value::Map(nets)) = map.and_then(|m| m.get("networks")) {
            networks.extend(nets.keys().cloned());
        }
        networks.retain(|n| is_network_name(n));
        let volumes = match map.and_then(|m| m.get("volumes")) {
            Some(Value::List(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .filter_map(named_volume)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        };
        Uses { networks, volumes }
    }

    /// What a container's `config_data` label names (nothing when it has
    /// none, or it is not JSON).
    pub fn of_container(c: &Container) -> Uses {
        c.config_data()
            .and_then(crate::labels::decode_config_data)
            .map(|d| Uses::of(&d))
            .unwrap_or_default()
    }

    /// Whether it uses the network or volume `name` of `kind`.
    pub fn names(&self, kind: &ResourceKind, name: &str) -> bool {
        match kind {
            ResourceKind::Network => self.networks.iter().any(|n| n == name),
            ResourceKind::Volume => self.volumes.iter().any(|v| v == name),
        }
    }
}

/// Whether a volume is a Pod's emptyDir (its definition carries the
/// Pod's label, see `config::kube`): it goes with its Pod, where a
/// compose volume is kept until `delete --volumes`.
fn of_a_pod(l: &Labels) -> bool {
    crate::labels::decode_config_data(&l.config_data)
        .as_ref()
        .and_then(Value::as_map)
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_map)
        .is_some_and(|m| m.get(crate::config::kube::POD_LABEL).is_some())
}

/// Whether a `net` value names a network (not a mode: `host`, `none`,
/// `container:X`, `ns:PATH`, `slirp4netns:...`).
fn is_network_name(net: &str) -> bool {
    !net.is_empty() && !net.contains(':') && net != "none" && !NET_MODES.contains(&net)
}

/// The named volume of a `volumes` item `SOURCE:TARGET[:MODE]`: a source
/// that is not a path (no `/`, not `.` or `~` first).
fn named_volume(item: &str) -> Option<&str> {
    let (source, _) = item.split_once(':')?;
    let path = source.contains('/') || source.starts_with('.') || source.starts_with('~');
    (!source.is_empty() && !path).then_some(source)
}

/// Whether an apply must observe networks and volumes: the configuration
/// has some, or a container of its config ID names one (the configuration
/// had some once: their networks go when no longer used). Otherwise an
/// apply costs no more engine calls than one of containers alone; a
/// managed network such a config ID left without any container naming it
/// is removed by cleanup or delete.
pub fn apply_observes(resources: &[Resource], containers: &[Container], config_id: &str) -> bool {
    !resources.is_empty()
        || containers
            .iter()
            .filter(|c| c.config_id() == config_id)
            .any(|c| Uses::of_container(c) != Uses::default())
}

/// Whether making (or checking) `plan` observes networks and volumes, by
/// the same rule as when it was made: cleanup and delete always, an apply
/// by [`apply_observes`] over the containers it recorded.
pub fn plan_observes(plan: &Plan) -> bool {
    match plan.operation {
        Operation::Cleanup | Operation::Delete => true,
        Operation::Apply => apply_observes(
            &plan.resources,
            &plan.depends_on.containers,
            plan.config_id.as_deref().unwrap_or_default(),
        ),
        Operation::Rollback => false,
    }
}

/// `network` or `volume`, as plans and messages say it.
pub fn kind_word(kind: &ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Network => "network",
        ResourceKind::Volume => "volume",
    }
}

/// The networks and volumes a plan depends on, with what was found of
/// each: those it names (the configuration's) and the managed ones of the
/// config IDs it owns (`owns`), as [`Dependencies::networks`] says.
pub fn dependencies(
    observed: &Observed,
    names: &Names,
    managed_by: &str,
    owns: impl Fn(&str) -> bool,
) -> (
    BTreeMap<String, Option<Labels>>,
    BTreeMap<String, Option<Labels>>,
) {
    let of = |found: &BTreeMap<String, Labels>, named: &BTreeSet<String>| {
        let owned = found
            .iter()
            .filter(|(_, l)| l.managed_by(managed_by) && owns(&l.config_id))
            .map(|(n, _)| n);
        named
            .iter()
            .chain(owned)
            .map(|n| (n.clone(), found.get(n).cloned()))
            .collect()
    };
    (
        of(&observed.networks, &names.networks),
        of(&observed.volumes, &names.volumes),
    )
}

/// The observed networks or volumes of a kind.
fn found<'o>(observed: &'o Observed, kind: &ResourceKind) -> &'o BTreeMap<String, Labels> {
    match kind {
        ResourceKind::Network => &observed.networks,
        ResourceKind::Volume => &observed.volumes,
    }
}

impl Builder<'_> {
    /// The steps creating the networks and volumes entry `e` uses.
    pub(super) fn resource_steps_for(&self, e: &crate::config::Entry) -> Vec<usize> {
        let uses = Uses::of(&e.data);
        uses.networks
            .iter()
            .chain(&uses.volumes)
            .filter_map(|n| self.resource_made.get(n).copied())
            .collect()
    }

    fn remember(&mut self, kind: &ResourceKind, name: &str) {
        let set = match kind {
            ResourceKind::Network => &mut self.resource_names.networks,
            ResourceKind::Volume => &mut self.resource_names.volumes,
        };
        set.insert(name.to_string());
    }

    /// Phase `resources` of an apply: each network and volume of the
    /// configuration that is missing is created; one whose definition
    /// changed is noted, or for a network no container uses by then,
    /// removed and created again. One that exists but is not this config
    /// ID's, and an `external` one that is missing, are noted: such a
    /// plan does not run ([`Note::blocks`]).
    pub(super) fn resource_creations(&mut self, config: &Config, labels: &LabelSet) {
        for r in &config.resources {
            self.remember(&r.kind, &r.name);
            let kind = kind_word(&r.kind).to_string();
            let engine_own =
                r.kind == ResourceKind::Network && ENGINE_NETWORKS.contains(&r.name.as_str());
            let there = found(self.observed, &r.kind).get(&r.name).cloned();
            if r.external {
                if there.is_none() && !engine_own {
                    self.notes.push(Note::ExternalMissing {
                        resource: kind,
                        name: r.name.clone(),
                    });
                }
                continue;
            }
            match there {
                None if !engine_own => {
                    self.create_resource(r, labels, Reason::ResourceMissing, vec![])
                }
                Some(l)
                    if !engine_own
                        && l.managed_by(&self.managed_by)
                        && l.config_id == self.config_id =>
                {
                    if !crate::labels::config_data_matches(&l.config_data, &r.data) {
                        self.changed_resource(r, labels);
                    }
                }
                other => self.notes.push(Note::ResourceNotOurs {
                    resource: kind,
                    name: r.name.clone(),
                    config_id: other
                        .filter(|l| l.managed_by(&self.managed_by))
                        .map(|l| l.config_id),
                }),
            }
        }
    }

    fn create_resource(
        &mut self,
        r: &Resource,
        labels: &LabelSet,
        reason: Reason,
        after: Vec<usize>,
    ) {
        let name = r.name.clone();
        let action = match r.kind {
            ResourceKind::Network => Action::CreateNetwork {
                argv: self.runtime.network_create_args(r, labels),
                name,
            },
            ResourceKind::Volume => Action::CreateVolume {
                argv: self.runtime.volume_create_args(r, labels),
                name,
            },
        };
        let id = self.push(Phase::Resources, action, reason, after);
        self.resource_made.insert(r.name.clone(), id);
    }

    /// A network or volume of this config ID whose definition changed. A
    /// network that no container names once the deletions are done is
    /// removed and created again (after those deletions); one still used
    /// cannot change in place (the engine cannot, and removing it would
    /// cut off containers this plan keeps or replaces later), nor can a
    /// volume (its data would go): noted, kept as it is.
    fn changed_resource(&mut self, r: &Resource, labels: &LabelSet) {
        let users: Vec<String> = self
            .observed
            .containers
            .iter()
            .filter(|c| !self.removed.contains(&c.id))
            .filter(|c| Uses::of_container(c).names(&r.kind, &r.name))
            .map(|c| c.name.clone())
            .collect();
        if r.kind == ResourceKind::Volume || !users.is_empty() {
            self.notes.push(Note::CannotChange {
                resource: kind_word(&r.kind).to_string(),
                name: r.name.clone(),
                used_by: users,
            });
            return;
        }
        let after = self.removals_of_users(&r.kind, &r.name);
        let rm = self.push(
            Phase::Resources,
            Action::RemoveNetwork {
                name: r.name.clone(),
                argv: self.runtime.network_rm_args(&r.name),
            },
            Reason::ResourceChanged,
            after,
        );
        self.create_resource(r, labels, Reason::ResourceChanged, vec![rm]);
    }

    /// The steps so far that delete or replace a container naming the
    /// network or volume: its removal comes after them.
    fn removals_of_users(&self, kind: &ResourceKind, name: &str) -> Vec<usize> {
        let uses = |c: &Target| {
            self.observed
                .containers
                .iter()
                .find(|o| o.id == c.id)
                .is_some_and(|o| Uses::of_container(o).names(kind, name))
        };
        self.steps
            .iter()
            .filter(|s| match &s.action {
                Action::Delete { container, .. } => uses(container),
                Action::Replace { old, .. } => uses(old),
                _ => false,
            })
            .map(|s| s.id)
            .collect()
    }

    /// Phase `prune` of an apply: the managed networks of this config ID
    /// that the configuration no longer has are removed after their
    /// containers; such volumes are noted, left behind (but a Pod's
    /// emptyDir volume, which goes with its Pod).
    pub(super) fn resource_removals_apply(&mut self, config: &Config) {
        let wanted: BTreeSet<&str> = config.resources.iter().map(|r| r.name.as_str()).collect();
        let config_id = self.config_id.to_string();
        let owned = |_: &str, l: &Labels| l.config_id == config_id;
        self.prune(
            &|n, l| owned(n, l) && !wanted.contains(n),
            Reason::RemovedFromConfig,
            Some(config),
            false,
        );
    }

    /// Phase `prune` of a cleanup (`delete` false: the managed networks of
    /// the config IDs not in `ids`) or a delete (of those in `ids`;
    /// `volumes`: their volumes too).
    pub(super) fn resource_removals(&mut self, ids: &[String], delete: bool, volumes: bool) {
        let listed = |id: &str| ids.iter().any(|k| k == id);
        let owned = |_: &str, l: &Labels| listed(&l.config_id) == delete;
        let reason = |config_id: &str| match delete {
            true => Reason::ConfigIdDeleted {
                config_id: config_id.to_string(),
            },
            false => Reason::ConfigIdNotKept {
                config_id: config_id.to_string(),
            },
        };
        // One reason per config ID: prune the networks of each in turn.
        let ours: BTreeSet<String> = self
            .observed
            .networks
            .values()
            .chain(self.observed.volumes.values())
            .filter(|l| l.managed_by(&self.managed_by) && owned("", l))
            .map(|l| l.config_id.clone())
            .collect();
        for config_id in ours {
            let this = |n: &str, l: &Labels| owned(n, l) && l.config_id == config_id;
            self.prune(&this, reason(&config_id), None, volumes);
        }
    }

    /// Removes each managed network (and with `volumes`, volume) that
    /// `owned` picks and that no container left by the plan (nor an entry
    /// of `config`) names, after the steps that delete or replace its
    /// containers; a volume not removed is noted as left behind.
    fn prune(
        &mut self,
        owned: &dyn Fn(&str, &Labels) -> bool,
        reason: Reason,
        config: Option<&Config>,
        volumes: bool,
    ) {
        for kind in [ResourceKind::Network, ResourceKind::Volume] {
            let picked: Vec<(String, Labels)> = found(self.observed, &kind)
                .iter()
                .filter(|(n, l)| l.managed_by(&self.managed_by) && owned(n, l))
                .filter(|(n, _)| !ENGINE_NETWORKS.contains(&n.as_str()))
                .map(|(n, l)| (n.clone(), l.clone()))
                .collect();
            for (name, labels) in picked {
                self.remember(&kind, &name);
                if kind == ResourceKind::Volume && !volumes && !of_a_pod(&labels) {
                    self.notes.push(Note::VolumeLeftBehind {
                        volume: name,
                        config_id: labels.config_id,
                    });
                } else if let Some(user) = self.user_left(&kind, &name, config) {
                    self.notes.push(Note::InUse {
                        resource: kind_word(&kind).to_string(),
                        name,
                        container: user,
                    });
                } else {
                    self.remove_resource(&kind, &name, reason.clone());
                }
            }
        }
    }

    /// A container the plan leaves, or an entry of `config` (whose
    /// container the plan creates or keeps), that names the network or
    /// volume.
    fn user_left(
        &self,
        kind: &ResourceKind,
        name: &str,
        config: Option<&Config>,
    ) -> Option<String> {
        let container = self
            .observed
            .containers
            .iter()
            .filter(|c| !self.removed.contains(&c.id))
            .find(|c| Uses::of_container(c).names(kind, name))
            .map(|c| c.name.clone());
        let entry = || {
            config?
                .entries
                .iter()
                .find(|e| Uses::of(&e.data).names(kind, name))
                .map(|e| e.name.clone())
        };
        container.or_else(entry)
    }

    fn remove_resource(&mut self, kind: &ResourceKind, name: &str, reason: Reason) {
        let after = self.removals_of_users(kind, name);
        let action = match kind {
            ResourceKind::Network => Action::RemoveNetwork {
                name: name.to_string(),
                argv: self.runtime.network_rm_args(name),
            },
            ResourceKind::Volume => Action::RemoveVolume {
                name: name.to_string(),
                argv: self.runtime.volume_rm_args(name),
            },
        };
        self.push(Phase::Prune, action, reason, after);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(yaml: &str) -> Value {
        let c = Config::parse(&format!("xx:\n  image: i\n{yaml}"), "t").unwrap();
        c.entries[0].data.clone()
    }

    #[test]
    fn only_names_count_as_networks_and_volumes() {
        let u = Uses::of(&data(
            "  net: p_default\n  volumes: [p_data:/data, /h:/c, ./rel:/r, /anon, '~/x:/y']\n",
        ));
        assert_eq!(u.networks, ["p_default"]);
        assert_eq!(u.volumes, ["p_data"]);
        for mode in [
            "host",
            "none",
            "bridge",
            "container:db",
            "ns:/run/netns/x",
            "slirp4netns:mtu=1500",
        ] {
            assert!(
                Uses::of(&data(&format!("  net: '{mode}'\n")))
                    .networks
                    .is_empty(),
                "{mode}"
            );
        }
        // A paunch entry's further networks, a compose service's networks.
        let u = Uses::of(&data("  net: a\n  connect: [b, 'c=x,y']\n"));
        assert_eq!(u.networks, ["a", "b", "c"]);
        let service: Value =
            serde_json::from_str(r#"{"networks": {"p_front": {}, "p_back": {"aliases": ["x"]}}}"#)
                .unwrap();
        let mut nets = Uses::of(&service).networks;
        nets.sort();
        assert_eq!(nets, ["p_back", "p_front"]);
    }
}
