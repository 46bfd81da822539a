//! The plan: an ordered list of steps, each carrying its reason and the
//! exact engine arguments it runs, plus the observed state it depends on.
//! Serializable: the same document is `plan --format json` and a saved plan.

use crate::observe::{Container, short_id};
use crate::runtime::Runtime;
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The plan document's format version: `MAJOR.MINOR`. Minor versions only
/// add fields; a reader refuses another major version.
pub const FORMAT_VERSION: &str = "1.1";

/// What a plan was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    Apply,
    Cleanup,
    Delete,
}

/// A plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: String,
    pub tool_version: String,
    pub operation: Operation,
    pub runtime: Runtime,
    pub managed_by: String,
    /// The config ID applied (apply only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_id: Option<String>,
    /// The config IDs kept (cleanup) or deleted (delete).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_ids: Vec<String>,
    /// Extra labels given with `--label`.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The configuration the plan was made from, `{name: entry}` (apply only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Value>,
    /// The directory relative host paths of `config` were resolved against
    /// (apply only; since 1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_dir: Option<String>,
    /// How unknown keys of `config` were read (since 1.1; `error` when absent).
    #[serde(default, skip_serializing_if = "is_default")]
    pub unknown_keys: crate::config::UnknownKeys,
    /// The observed state the plan depends on.
    pub depends_on: Dependencies,
    /// `sha256:` of the canonical JSON of `depends_on`.
    pub fingerprint: String,
    pub steps: Vec<Step>,
    /// Things worth knowing that are not steps (a rename that cannot happen).
    #[serde(default)]
    pub notes: Vec<Note>,
}

fn is_default<T: Default + PartialEq>(t: &T) -> bool {
    *t == T::default()
}

/// Everything in the world that the plan was computed from; if any of it
/// changes, the plan is stale.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dependencies {
    /// Every container managed by this managed-by name.
    pub containers: Vec<Container>,
    /// Each image reference compared, and the local image ID it named.
    #[serde(default)]
    pub images: BTreeMap<String, Option<String>>,
    /// Each name the plan creates, renames to or relies on, and the ID of
    /// the container holding it then (`null`: free).
    #[serde(default)]
    pub names: BTreeMap<String, Option<String>>,
}

/// A container that exists when the plan is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub id: String,
    pub name: String,
}

impl Target {
    pub fn of(c: &Container) -> Target {
        Target {
            id: c.id.clone(),
            name: c.name.clone(),
        }
    }

    pub fn short_id(&self) -> &str {
        short_id(&self.id)
    }
}

/// When a step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "phase", content = "start_order")]
pub enum Phase {
    Pull,
    Delete,
    Rename,
    /// Creates, replacements and execs of one `start_order` value.
    Group(i64),
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// 1-based position in the plan.
    pub id: usize,
    #[serde(flatten)]
    pub phase: Phase,
    #[serde(flatten)]
    pub action: Action,
    pub reason: Reason,
    /// Steps that must succeed before this one can run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<usize>,
}

/// What a step does, with the exact engine arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    /// Pull an image missing locally (4 attempts, jittered backoff).
    Pull { image: String, argv: Vec<String> },
    /// Stop gracefully, then remove.
    Delete {
        container: Target,
        stop: Vec<String>,
        remove: Vec<String>,
    },
    Rename {
        container: Target,
        to: String,
        argv: Vec<String>,
    },
    /// Stop and remove the old container, then create the new one.
    Replace {
        entry: String,
        old: Target,
        stop: Vec<String>,
        remove: Vec<String>,
        #[serde(flatten)]
        create: Create,
        /// Unified diff of the old and new `config_data`, when it changed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        diff: Option<String>,
    },
    Create {
        entry: String,
        #[serde(flatten)]
        create: Create,
    },
    /// Start a detached container whose configuration is unchanged but
    /// that is not running (a daemon restart or a reboot left it exited;
    /// since 1.1).
    Start {
        entry: String,
        container: Target,
        argv: Vec<String>,
    },
    /// Wait for a blocking container that is still running to exit.
    Wait {
        entry: String,
        container: Target,
        argv: Vec<String>,
        exit_codes: Vec<i64>,
    },
    Exec {
        entry: String,
        /// The container the command runs in, as resolved at plan time.
        target: String,
        argv: Vec<String>,
        exit_codes: Vec<i64>,
    },
}

/// How a container is created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Create {
    /// The name it gets: the entry's name, or a unique one if that is taken.
    pub name: String,
    /// Who holds the entry's name when it is not free.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_held_by: Option<String>,
    pub argv: Vec<String>,
    /// `detach: false` runs to completion and must exit with one of `exit_codes`.
    pub detach: bool,
    pub exit_codes: Vec<i64>,
    /// The containers whose namespaces or volumes it joins, as resolved at
    /// plan time (since 1.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joins: Vec<Join>,
}

/// A `net`/`ipc`/`pid: container:X` or `volumes_from: [X]` of an entry,
/// resolved as exec targets are: this config ID's entry X, else the newest
/// managed container of that name, else a container named X.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Join {
    /// `net`, `ipc`, `pid` or `volumes_from`.
    pub key: String,
    /// X as the configuration names it.
    pub wanted: String,
    /// The container name it resolved to (the argv carries this name).
    pub container: String,
}

/// Why a step is in the plan. Rendered to text in one place (`render`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reason {
    /// The image is not present locally.
    ImageMissing,
    /// The entry is no longer in the configuration.
    RemovedFromConfig,
    /// The entry is now an exec action, which has no container.
    NowExec,
    /// The container has no `config_data` label.
    NoConfigData,
    /// The `config_data` label is not JSON.
    BadConfigData,
    /// Another container of the same entry is kept.
    Duplicate { kept: String },
    /// Cleanup: its config ID is not among those kept.
    ConfigIdNotKept { config_id: String },
    /// Delete: its config ID was named.
    ConfigIdDeleted { config_id: String },
    /// Its desired name is free again.
    DesiredNameFree { desired: String },
    /// Its desired name is held by a managed container that wants this
    /// one's name (names swapped by hand): it moves aside first (since 1.1).
    NamesSwapped { desired: String },
    /// The entry's `config_data` changed.
    ConfigChanged,
    /// The image reference now names another image ID.
    ImageUpdated { from: String, to: String },
    /// A detached container that was created but never started (an
    /// interrupted apply).
    NeverStarted,
    /// No container of the entry exists.
    NotCreated,
    /// Exec entries run on every apply.
    ExecEveryApply,
    /// A blocking container of an earlier, interrupted apply still runs.
    StillRunning,
    /// A detached container is not running: how it ended, and when (RFC
    /// 3339, as the engine reports it; empty when unknown). Since 1.1.
    Stopped {
        state: String,
        exit_code: i64,
        since: String,
    },
    /// A blocking (`detach: false`) container's last run ended with a code
    /// outside its `exit_codes`: it runs again (since 1.1).
    BlockingFailed { exit_code: i64 },
    /// The container whose namespaces or volumes this one joins was (or is
    /// being) replaced: this one holds a dead namespace or old volumes
    /// (since 1.1).
    JoinedReplaced { container: String },
    /// A reason added by a later minor format version.
    #[serde(other)]
    Unknown,
}

/// Something the plan does not do, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Note {
    /// A container keeps a name other than its desired one because another
    /// container holds it.
    RenameBlocked {
        container: Target,
        desired: String,
        holder: String,
        holder_managed: bool,
    },
    /// The image will be pulled; the existing container is kept, and is
    /// replaced by a later apply if the pulled image differs.
    ImagePulledContainerKept { entry: String, image: String },
    /// A detached container exists but is not running; it is left as it
    /// is (its restart policy, or the operator, decides).
    NotRunning { container: Target, state: String },
    /// An exec target that no container holds at plan time.
    ExecTargetMissing { entry: String, target: String },
    /// A container is paused; it is left paused (since 1.1).
    Paused { container: Target },
    /// A kept container runs but its health check fails (since 1.1).
    Unhealthy { container: Target },
    /// A `--label` differs from the label a kept container carries; labels
    /// change only when a container is replaced (since 1.1).
    LabelDiffers {
        container: Target,
        key: String,
        has: Option<String>,
        wanted: String,
    },
    /// A note added by a later minor format version.
    #[serde(other)]
    Unknown,
}

impl Step {
    /// A short description, for reports: `replace web`, `pull app:1`.
    pub fn describe(&self) -> String {
        match &self.action {
            Action::Pull { image, .. } => format!("pull {image}"),
            Action::Delete { container, .. } => format!("delete {}", container.name),
            Action::Rename { container, to, .. } => format!("rename {} to {to}", container.name),
            Action::Replace { entry, .. } => format!("replace {entry}"),
            Action::Create { entry, .. } => format!("create {entry}"),
            Action::Exec { entry, target, .. } => format!("exec {entry} in {target}"),
            Action::Wait { container, .. } => format!("wait for {}", container.name),
            Action::Start { container, .. } => format!("start {}", container.name),
        }
    }
}

impl Plan {
    /// Counts for the summary line.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for s in &self.steps {
            match s.action {
                Action::Pull { .. } => c.pull += 1,
                Action::Delete { .. } => c.delete += 1,
                Action::Rename { .. } => c.rename += 1,
                Action::Replace { .. } => c.replace += 1,
                Action::Create { .. } => c.create += 1,
                Action::Exec { .. } => c.exec += 1,
                Action::Wait { .. } => c.wait += 1,
                Action::Start { .. } => c.start += 1,
            }
        }
        c
    }

    /// Whether the plan changes anything (exec and wait steps alone do not
    /// count: they change no container).
    pub fn has_changes(&self) -> bool {
        self.steps
            .iter()
            .any(|s| !matches!(s.action, Action::Exec { .. } | Action::Wait { .. }))
    }
}

/// How many steps of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pull: usize,
    pub create: usize,
    pub replace: usize,
    pub delete: usize,
    pub rename: usize,
    pub exec: usize,
    pub wait: usize,
    pub start: usize,
}
