//! What the planner knows of the host: every container name (a name taken
//! by anything matters), the containers managed by one `--managed-by` name,
//! and the image IDs the configuration's image references name locally.
//! Reading the engine's output into it is [`crate::engine::parse`].

use crate::labels;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The observed state a plan is made against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    /// Containers managed by the current managed-by name, any config ID.
    pub containers: Vec<Container>,
    /// Every other container on the host, by name only.
    #[serde(default)]
    pub foreign: Vec<Holder>,
    /// Image reference → local image ID, `None` when not present locally.
    #[serde(default)]
    pub images: BTreeMap<String, Option<String>>,
    /// `--systemd`: the unit files in the systemd directory whose names
    /// start with the prefix → the `sha256:` of each one's text
    /// ([`crate::hash::sha256_text`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub units: BTreeMap<String, String>,
    /// Every network on the host, by name (since 1.6). Observed only when
    /// a plan can involve networks: the configuration has networks or
    /// volumes, or its containers name some, or for cleanup and delete.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Labels>,
    /// Every volume on the host, by name, observed as networks are.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub volumes: BTreeMap<String, Labels>,
}

/// What paunch reads of a network or a volume: its three labels (empty
/// when it lacks one). Nothing else of it decides a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labels {
    /// Its `managed_by` label.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub managed_by: String,
    /// Its `config_id` label.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub config_id: String,
    /// Its `config_data` label: the JSON of its definition.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub config_data: String,
}

impl Labels {
    /// Whether it is managed by `managed_by`.
    pub fn managed_by(&self, managed_by: &str) -> bool {
        !self.managed_by.is_empty() && self.managed_by == managed_by
    }
}

/// A managed container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    /// Its full ID.
    pub id: String,
    /// Its name (without the engine's leading `/`).
    pub name: String,
    /// `running`, `exited`, `created`, `paused`, `restarting`, `dead`...
    pub state: String,
    #[serde(default)]
    /// The ID of the image it runs (`sha256:...`).
    pub image_id: String,
    /// The image reference it was created from.
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    /// Its command, as the engine reports it.
    pub command: Vec<String>,
    /// Its entrypoint, as the engine reports it (the image's when not
    /// overridden; since plan format 1.6, absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entrypoint: Vec<String>,
    /// Creation time as the engine reports it (RFC 3339).
    #[serde(default)]
    pub created: String,
    #[serde(default)]
    /// Every label it carries.
    pub labels: BTreeMap<String, String>,
    /// The exit code of its last run (0 while it has not exited).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub exit_code: i64,
    /// Its health-check status (`starting`, `healthy`, `unhealthy`); empty
    /// when it has no health check.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub health: String,
    /// When its last run ended (RFC 3339, as the engine reports it; empty
    /// when it never ended).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub finished_at: String,
    /// Why its last start failed, as the engine recorded it (docker's
    /// `State.Error`: a published port taken; empty when none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
    /// When its current or last run started (RFC 3339, as the engine
    /// reports it; empty when it never started). A container that joined
    /// another's namespace before that one started again holds a dead
    /// namespace (since plan format 1.6).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub started_at: String,
    /// The containers whose namespaces or volumes it joined, as the engine
    /// recorded them when it was created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joined: Vec<Joined>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// A container's state, typed (the plan file keeps the engine's own word,
/// [`Container::state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Created and never started.
    Created,
    /// Running (and not paused).
    Running,
    /// Running, paused.
    Paused,
    /// Being restarted by its restart policy.
    Restarting,
    /// Being removed.
    Removing,
    /// Its process ended.
    Exited,
    /// The engine could not stop or remove it.
    Dead,
    /// A word this paunch does not know.
    Unknown,
}

impl State {
    /// Reads the engine's word for a state (docker's and podman's
    /// `State.Status`; podman writes `configured` for created and
    /// `stopped` for exited).
    pub fn of(word: &str) -> State {
        match word.to_ascii_lowercase().as_str() {
            "created" | "configured" | "initialized" => State::Created,
            "running" => State::Running,
            "paused" => State::Paused,
            "restarting" => State::Restarting,
            "removing" => State::Removing,
            "exited" | "stopped" => State::Exited,
            "dead" => State::Dead,
            _ => State::Unknown,
        }
    }
}

/// A namespace or volumes a container took from another container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joined {
    /// The configuration key: `net`, `ipc`, `pid` or `volumes_from`.
    pub key: String,
    /// The container as the engine recorded it: its full ID for
    /// namespaces (the engine resolves the name at create time), the name
    /// as given for `volumes_from`.
    pub container: String,
}

/// A container seen only for the name it holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Holder {
    /// The holder's full ID.
    pub id: String,
    /// The name it holds.
    pub name: String,
}

impl Container {
    /// A label's value, if it carries the label.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }

    /// Its `config_id` label (empty when it has none).
    pub fn config_id(&self) -> &str {
        self.label(labels::CONFIG_ID).unwrap_or_default()
    }

    /// The desired name: the `container_name` label, else the actual name.
    pub fn desired_name(&self) -> &str {
        self.label(labels::CONTAINER_NAME).unwrap_or(&self.name)
    }

    /// Its `config_data` label, if any.
    pub fn config_data(&self) -> Option<&str> {
        self.label(labels::CONFIG_DATA)
    }

    /// Its state, typed.
    pub fn status(&self) -> State {
        State::of(&self.state)
    }

    /// Its state as people read it: `running (healthy)`, `exited (137)`.
    pub fn status_text(&self) -> String {
        match self.status() {
            State::Running | State::Paused if !self.health.is_empty() => {
                format!("{} ({})", self.state, self.health)
            }
            // podman says `stopped` for a moment before `exited`: one word
            // for one state.
            State::Exited => format!("exited ({})", self.exit_code),
            State::Dead => format!("{} ({})", self.state, self.exit_code),
            _ => self.state.clone(),
        }
    }

    /// Whether it runs (a paused container does not).
    pub fn running(&self) -> bool {
        self.status() == State::Running
    }

    /// The first 12 characters of the ID, as the engine shows it.
    pub fn short_id(&self) -> &str {
        short_id(&self.id)
    }
}

/// The first 12 characters of an ID (a `sha256:` prefix dropped), as the engine
/// shows it.
pub fn short_id(id: &str) -> &str {
    let id = id.strip_prefix("sha256:").unwrap_or(id);
    id.get(..12).unwrap_or(id)
}

impl Observed {
    /// Who holds `name`, if anyone: `(id, managed)`.
    pub fn holder(&self, name: &str) -> Option<(&str, bool)> {
        if let Some(c) = self.containers.iter().find(|c| c.name == name) {
            return Some((&c.id, true));
        }
        self.foreign
            .iter()
            .find(|h| h.name == name)
            .map(|h| (h.id.as_str(), false))
    }

    /// Puts everything in a canonical order, so equal worlds compare and
    /// fingerprint equal however the engine listed them.
    pub fn normalize(&mut self) {
        self.containers
            .sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        self.foreign.sort();
        self.foreign.dedup();
    }
}
