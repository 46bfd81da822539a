//! Networks and named volumes a configuration needs besides its
//! containers (a compose project's `networks:` and `volumes:`): created
//! before the containers that use them, labelled as containers are, and
//! planned like them (SPEC §17).

use serde::{Deserialize, Serialize};

/// What kind of resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    /// A network (`network create`).
    Network,
    /// A named volume (`volume create`).
    Volume,
}

/// A network or named volume of a configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// What kind of resource.
    pub kind: ResourceKind,
    /// The engine's name: `PROJECT_KEY`, or the `name:` given.
    pub name: String,
    /// Its definition as normalised (compose keys: driver, driver_opts, labels, internal,
    /// attachable, enable_ipv6, ipam ...): its JSON is the `config_data` label.
    pub data: crate::value::Value,
    /// `external: true`: must exist, never created or removed, not labelled.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
}
