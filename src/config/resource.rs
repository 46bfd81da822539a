//! Networks and named volumes a configuration uses (a compose project's),
//! managed like containers: created with paunch's labels, their definition
//! as `config_data`.

use crate::value::Value;
use serde::{Deserialize, Serialize};

/// What a resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    /// A network (`network create`).
    Network,
    /// A named volume (`volume create`).
    Volume,
}

/// A network or named volume of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// What it is.
    pub kind: ResourceKind,
    /// The engine's name: `PROJECT_KEY`, or the `name:` given.
    pub name: String,
    /// Its definition as normalised (compose keys: driver, driver_opts,
    /// labels, internal, attachable, enable_ipv6, ipam ...): its JSON is
    /// the `config_data` label.
    pub data: Value,
    /// `external: true`: must exist, never created or removed, not labelled.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
}
