//! The plan: an ordered list of steps, each carrying its reason and the
//! exact engine arguments it runs, plus the observed state it depends on.
//! Serializable: the same document is `plan --format json` and a saved plan.

use crate::config::Resource;
use crate::engine::argv::Runtime;
use crate::observe::{Container, Labels, short_id};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The plan document's format version: `MAJOR.MINOR`. Minor versions only
/// add fields; a reader refuses another major version.
pub const FORMAT_VERSION: &str = "1.6";

/// What a plan was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Plans `paunch apply`.
    Apply,
    /// Plans `paunch cleanup`.
    Cleanup,
    /// Plans `paunch delete`.
    Delete,
    /// Undoes a failed `apply --rollback` (since 1.2; made after the
    /// failure, never saved).
    Rollback,
}

/// A plan: what one command will do, step by step, and the observed state
/// it was computed from. Serialized, it is the plan document
/// (`docs/plan-format.md`); a saved plan also carries a `checksum`, added and
/// checked by [`crate::planfile`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// `MAJOR.MINOR` of the document format ([`FORMAT_VERSION`] when made).
    pub format_version: String,
    /// The paunch version that made it.
    pub tool_version: String,
    /// What it was made for.
    pub operation: Operation,
    /// The engine CLI its argv are for.
    pub runtime: Runtime,
    /// Only containers with this `managed_by` label are changed.
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
    /// The `config_data` of the entries whose label is not the entry
    /// itself (a compose service's containers), by entry name (since 1.6).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config_data: BTreeMap<String, Value>,
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
    /// What to do, in order.
    pub steps: Vec<Step>,
    /// Things worth knowing that are not steps (a rename that cannot happen).
    #[serde(default)]
    pub notes: Vec<Note>,
    /// `--systemd`: where the podman containers' systemd units are, and
    /// how they are named and written (since 1.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub systemd: Option<SystemdOptions>,
    /// `--sensitive-env` patterns the plan was made with (since 1.4), so
    /// that `show` and `apply --plan` mask what `plan` masked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_env: Vec<String>,
    /// The configuration's networks and named volumes (apply only; since
    /// 1.6, absent when none), so that its steps can be derived again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    /// `delete --volumes`: the deleted config IDs' volumes are removed too
    /// (since 1.6, absent when not).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remove_volumes: bool,
    /// The host paths the apply creates before any container (a Pod's
    /// missing `DirectoryOrCreate`/`FileOrCreate` hostPaths; since 1.6,
    /// absent when none), so that `apply --plan` makes them too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_paths: Vec<crate::config::HostPath>,
}

/// `--systemd` (podman only): every container of an entry with a
/// `restart` key gets the systemd units the original paunch wrote
/// ([`crate::systemd`]), which start it (since 1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemdOptions {
    /// The directory of the unit files (`--systemd-dir`, default
    /// `/etc/systemd/system`).
    pub dir: String,
    /// What every unit name starts with (`--systemd-prefix`, default
    /// [`DEFAULT_SYSTEMD_PREFIX`]; `tripleo_` adopts the original's units).
    pub prefix: String,
    /// The absolute path of podman that the units run.
    pub program: String,
}

/// The default `--systemd-dir`.
pub const DEFAULT_SYSTEMD_DIR: &str = "/etc/systemd/system";

/// The default `--systemd-prefix`: units of paunch's own, beside (not
/// instead of) any the original wrote.
pub const DEFAULT_SYSTEMD_PREFIX: &str = "paunch_";

/// One operation on a container's systemd units, in the order the
/// executor runs them (since 1.3). File names are relative to
/// [`SystemdOptions::dir`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum UnitOp {
    /// Write a unit file (atomically: a temporary file, then a rename).
    Write {
        /// The file's name.
        file: String,
        /// Its whole text.
        contents: String,
    },
    /// Remove a file or directory (the service's `.requires` directory);
    /// one that is not there is no failure.
    Remove {
        /// Its name.
        file: String,
    },
    /// Run `systemctl ARGV`, found on PATH; a failure fails the step.
    Systemctl {
        /// The arguments, without `systemctl`.
        argv: Vec<String>,
    },
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
    /// `--systemd`: the unit files of the containers it considers or
    /// creates, as found, and the `sha256:` of each one's text (since 1.3).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub units: BTreeMap<String, String>,
    /// Each network the plan creates, removes or relies on (the
    /// configuration's, and the managed ones of the config IDs it owns),
    /// and paunch's labels of the one found then (`null`: absent). Since
    /// 1.6; absent when none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Option<Labels>>,
    /// The same of volumes (since 1.6).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub volumes: BTreeMap<String, Option<Labels>>,
}

/// A container that exists when the plan is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The container's full ID.
    pub id: String,
    /// Its name when the plan was made.
    pub name: String,
}

impl Target {
    /// The target of an observed container.
    pub fn of(c: &Container) -> Target {
        Target {
            id: c.id.clone(),
            name: c.name.clone(),
        }
    }

    /// The first 12 characters of the ID, as the engine shows it.
    pub fn short_id(&self) -> &str {
        short_id(&self.id)
    }
}

/// When a step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "phase", content = "start_order")]
pub enum Phase {
    /// Pulls of missing images, first.
    Pull,
    /// Deletions.
    Delete,
    /// Renames to desired names.
    Rename,
    /// Networks and volumes created (and a changed network removed and
    /// created again) before any container that uses them (since 1.6).
    Resources,
    /// Creates, replacements and execs of one `start_order` value.
    Group(i64),
    /// Networks (and with `delete --volumes`, volumes) removed once the
    /// containers that used them are gone (since 1.6).
    Prune,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// 1-based position in the plan.
    pub id: usize,
    #[serde(flatten)]
    /// When it runs (`phase`, and `start_order` for a group).
    pub phase: Phase,
    #[serde(flatten)]
    /// What it does, with its engine arguments.
    pub action: Action,
    /// Why it is in the plan.
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
    Pull {
        /// The image reference.
        image: String,
        /// The engine arguments.
        argv: Vec<String>,
    },
    /// Build an image from a compose service's context (since 1.6, phase
    /// `pull`, after the pulls): the creates and replaces that use it come
    /// after it.
    Build {
        /// The image's tag.
        image: String,
        /// The context directory.
        context: String,
        /// The engine arguments.
        argv: Vec<String>,
    },
    /// Stop gracefully, then remove.
    Delete {
        /// The container to delete.
        container: Target,
        /// The engine arguments that stop it.
        stop: Vec<String>,
        /// The engine arguments that remove it.
        remove: Vec<String>,
        /// Its systemd units stopped, disabled and removed first (since 1.3).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        units_off: Vec<UnitOp>,
    },
    /// Rename a container to its desired name (or aside, to untangle a swap).
    Rename {
        /// The container renamed, under its name at this point of the plan.
        container: Target,
        /// Its new name.
        to: String,
        /// The engine arguments.
        argv: Vec<String>,
    },
    /// Stop and remove the old container, then create the new one.
    Replace {
        /// The entry replaced.
        entry: String,
        /// The container it replaces.
        old: Target,
        /// The engine arguments that stop the old container.
        stop: Vec<String>,
        /// The engine arguments that remove the old container.
        remove: Vec<String>,
        /// The old container's systemd service stopped first, so that
        /// systemd does not start it again (and units the new one does not
        /// have disabled and removed); since 1.3.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        units_off: Vec<UnitOp>,
        #[serde(flatten)]
        /// How the new container is created.
        create: Create,
        /// Unified diff of the old and new `config_data`, when it changed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        diff: Option<String>,
    },
    /// Create the container of an entry that has none.
    Create {
        /// The entry created.
        entry: String,
        #[serde(flatten)]
        /// How the container is created.
        create: Create,
    },
    /// Start a detached container whose configuration is unchanged but
    /// that is not running (a daemon restart or a reboot left it exited;
    /// since 1.1).
    Start {
        /// The entry whose container starts.
        entry: String,
        /// The container started.
        container: Target,
        /// The engine arguments.
        argv: Vec<String>,
    },
    /// Write a kept container's systemd units and enable them, starting
    /// it: they are missing or differ from what its entry gives, or the
    /// container is not running (since 1.3).
    Units {
        /// The entry whose container's units these are.
        entry: String,
        /// The container.
        container: Target,
        /// What is done, in order.
        ops: Vec<UnitOp>,
    },
    /// Wait for a blocking container that is still running to exit.
    Wait {
        /// The entry whose blocking container is waited for.
        entry: String,
        /// The container waited for.
        container: Target,
        /// The engine arguments (`wait ID`).
        argv: Vec<String>,
        /// The exit codes that count as success.
        exit_codes: Vec<i64>,
    },
    /// Create a network of the configuration (since 1.6).
    CreateNetwork {
        /// Its name.
        name: String,
        /// The engine arguments.
        argv: Vec<String>,
    },
    /// Remove a managed network (since 1.6).
    RemoveNetwork {
        /// Its name.
        name: String,
        /// The engine arguments.
        argv: Vec<String>,
    },
    /// Create a named volume of the configuration (since 1.6).
    CreateVolume {
        /// Its name.
        name: String,
        /// The engine arguments.
        argv: Vec<String>,
    },
    /// Remove a managed volume: only `delete --volumes` does (since 1.6).
    RemoveVolume {
        /// Its name.
        name: String,
        /// The engine arguments.
        argv: Vec<String>,
    },
    /// Run an exec entry's command in its target container.
    Exec {
        /// The exec entry.
        entry: String,
        /// The container the command runs in, as resolved at plan time.
        target: String,
        /// The engine arguments.
        argv: Vec<String>,
        /// The exit codes that count as success.
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
    /// The engine arguments that create (and start) it.
    pub argv: Vec<String>,
    /// `detach: false` runs to completion and must exit with one of `exit_codes`.
    pub detach: bool,
    /// The exit codes that count as success for a blocking container.
    pub exit_codes: Vec<i64>,
    /// The containers whose namespaces or volumes it joins, as resolved at
    /// plan time (since 1.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joins: Vec<Join>,
    /// Engine calls run once it is created, in order (`network connect`
    /// to its further networks, then `start`): `argv` then only creates
    /// it (since 1.6).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub then: Vec<Vec<String>>,
    /// Later groups start only once it succeeded, healthy when detached
    /// (`gate`, compose's `depends_on` conditions; since 1.6), with
    /// `--wait` or without.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gate: bool,
    /// `--systemd`: its units written and enabled once it is created,
    /// which starts it (since 1.3; `argv` then only creates it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<UnitOp>,
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

impl Join {
    /// What the argv builder takes of it.
    pub fn target(&self) -> crate::engine::argv::JoinTarget<'_> {
        crate::engine::argv::JoinTarget {
            key: &self.key,
            wanted: &self.wanted,
            container: &self.container,
        }
    }
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
    /// The engine lists the container (as ours) but cannot inspect it: a
    /// podman record whose storage is gone.
    Unreadable,
    /// The container has no `config_data` label.
    NoConfigData,
    /// The `config_data` label is not JSON.
    BadConfigData,
    /// Another container of the same entry is kept.
    Duplicate {
        /// The name of the container kept.
        kept: String,
    },
    /// Cleanup: its config ID is not among those kept.
    ConfigIdNotKept {
        /// The container's config ID.
        config_id: String,
    },
    /// Delete: its config ID was named.
    ConfigIdDeleted {
        /// The config ID named for deletion.
        config_id: String,
    },
    /// Its desired name is free again.
    DesiredNameFree {
        /// Its desired name.
        desired: String,
    },
    /// Its desired name is held by a managed container that wants this
    /// one's name (names swapped by hand): it moves aside first (since 1.1).
    NamesSwapped {
        /// Its desired name.
        desired: String,
    },
    /// The entry's `config_data` changed.
    ConfigChanged,
    /// The image reference now names another image ID (`from` the container's,
    /// `to` the reference's).
    ImageUpdated {
        /// The image ID the container runs.
        from: String,
        /// The image ID its reference names now.
        to: String,
    },
    /// Only its image's build context changed (`build.context_hash` of
    /// its `config_data`): the image is rebuilt and the container
    /// replaced (since 1.6).
    ImageRebuilt,
    /// A container that was created but never started: an interrupted
    /// apply, or a start that failed.
    NeverStarted {
        /// Why its start failed, as the engine recorded it (docker's
        /// `State.Error`; since 1.6, absent when none).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        error: String,
    },
    /// No container of the entry exists.
    NotCreated,
    /// Exec entries run on every apply.
    ExecEveryApply,
    /// A blocking container of an earlier, interrupted apply still runs.
    StillRunning,
    /// A detached container is not running: how it ended, and when (RFC
    /// 3339, as the engine reports it; empty when unknown). Since 1.1.
    Stopped {
        /// The engine's word for its state (`exited`).
        state: String,
        /// The exit code of its last run.
        exit_code: i64,
        /// When its last run ended (RFC 3339; empty when unknown).
        since: String,
    },
    /// A blocking (`detach: false`) container's last run ended with a code
    /// outside its `exit_codes`: it runs again (since 1.1).
    BlockingFailed {
        /// The exit code of its last run.
        exit_code: i64,
    },
    /// The container whose namespaces or volumes this one joins was
    /// replaced, or is replaced by this plan: this one holds a dead
    /// namespace or old volumes, and its step comes after that one
    /// (since 1.1).
    JoinedReplaced {
        /// The container joined, as the configuration names it.
        container: String,
    },
    /// The container whose network, IPC or PID namespace this one joins
    /// was started again after this one started (a Pod's infra container
    /// that died), or is started by this plan: this one holds a dead
    /// namespace and is replaced, after that one's step (since 1.6).
    JoinedRestarted {
        /// The container joined, as the configuration names it.
        container: String,
    },
    /// A rollback step: it undoes `step` of the failed apply (its
    /// container created, replaced, deleted or renamed). Since 1.2.
    RollBack {
        /// The failed apply's step, described (`replace web`).
        step: String,
    },
    /// A kept container's systemd unit files are missing (since 1.3).
    UnitsMissing {
        /// The files missing.
        files: Vec<String>,
    },
    /// A kept container's systemd unit files differ from what its entry
    /// gives, or it has units its entry no longer gives (since 1.3).
    UnitsDiffer {
        /// The files that differ or are no longer wanted.
        files: Vec<String>,
    },
    /// A network or volume of the configuration is not there (since 1.6).
    ResourceMissing,
    /// A network's definition (`config_data`) changed and no container
    /// uses it when it is removed and created again (since 1.6).
    ResourceChanged,
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
        /// The container that keeps its name.
        container: Target,
        /// The name it wants.
        desired: String,
        /// The ID of the container holding that name.
        holder: String,
        /// Whether that container is managed by the same name.
        holder_managed: bool,
    },
    /// The image will be pulled; the existing container of `entry` is kept,
    /// and a later apply replaces it if the pulled `image` differs.
    ImagePulledContainerKept {
        /// The entry whose container is kept.
        entry: String,
        /// The image pulled.
        image: String,
    },
    /// A detached container is neither running, exited nor paused (dead,
    /// restarting): it is left as it is (its restart policy, or the
    /// operator, decides).
    NotRunning {
        /// The container.
        container: Target,
        /// The engine's word for its state.
        state: String,
    },
    /// An exec `entry` whose `target` no container holds at plan time.
    ExecTargetMissing {
        /// The exec entry.
        entry: String,
        /// The container name it targets.
        target: String,
    },
    /// A container is paused; it is left paused (since 1.1).
    Paused {
        /// The container.
        container: Target,
    },
    /// A kept container runs but its health check fails (since 1.1).
    Unhealthy {
        /// The container.
        container: Target,
    },
    /// A `--label` differs from the label a kept container carries; labels
    /// change only when a container is replaced (since 1.1).
    LabelDiffers {
        /// The container kept.
        container: Target,
        /// The label's key.
        key: String,
        /// The value it carries (none: it lacks the label).
        has: Option<String>,
        /// The value `--label` gives.
        wanted: String,
    },
    /// A kept container carries a label that nothing gives it now: not
    /// paunch, its entry's `labels`, a `--label` or its image. It came
    /// from a `--label` an earlier apply was given, and stays until the
    /// container is replaced (since 1.5).
    LabelNotGiven {
        /// The container kept.
        container: Target,
        /// The label's key.
        key: String,
        /// The value it carries.
        has: String,
    },
    /// A step of the failed apply that its rollback does not undo, and
    /// why (an exec ran; a container cannot be recreated from its
    /// labels). Since 1.2.
    NotRolledBack {
        /// The failed apply's step, described.
        step: String,
        /// Why it is not undone.
        why: String,
    },
    /// A managed volume of a config ID whose containers are gone or go,
    /// or that the configuration no longer has: volumes hold data, so
    /// only `delete --volumes` removes one (since 1.6).
    VolumeLeftBehind {
        /// The volume.
        volume: String,
        /// Its config ID.
        config_id: String,
    },
    /// A network or volume whose definition changed is kept as it is: a
    /// network cannot change in place while containers use it, and a
    /// volume is never recreated (its data would go). Since 1.6.
    CannotChange {
        /// `network` or `volume`.
        resource: String,
        /// Its name.
        name: String,
        /// The containers that use it (networks).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        used_by: Vec<String>,
    },
    /// A managed network or volume the plan would remove (no longer
    /// configured, or of a config ID not kept or deleted) that a container
    /// the plan leaves, or creates, still names: it is kept (since 1.6).
    InUse {
        /// `network` or `volume`.
        resource: String,
        /// Its name.
        name: String,
        /// The container (or entry) that uses it.
        container: String,
    },
    /// A network or volume of the configuration exists but is not this
    /// config ID's: another config ID's, which apply refuses to share; or
    /// one paunch did not make (a docker-compose project's, a volume the
    /// engine made for a container), used as it is, as an external one,
    /// and never removed (since 1.6).
    ResourceNotOurs {
        /// `network` or `volume`.
        resource: String,
        /// Its name.
        name: String,
        /// The config ID it is labelled with, when managed by this
        /// managed-by name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        config_id: Option<String>,
    },
    /// An `external` network or volume is not there: apply refuses to
    /// run (since 1.6).
    ExternalMissing {
        /// `network` or `volume`.
        resource: String,
        /// Its name.
        name: String,
    },
    /// A note added by a later minor format version.
    #[serde(other)]
    Unknown,
}

impl Note {
    /// Whether the plan must not run: the configuration needs a network
    /// or volume that is not there and that the plan does not create.
    pub fn blocks(&self) -> bool {
        matches!(
            self,
            Note::ResourceNotOurs {
                config_id: Some(_),
                ..
            } | Note::ExternalMissing { .. }
        )
    }
}

impl Step {
    /// A short description, for reports: `replace web`, `pull app:1`.
    pub fn describe(&self) -> String {
        match &self.action {
            Action::Pull { image, .. } => format!("pull {image}"),
            Action::Build { image, .. } => format!("build {image}"),
            Action::Delete { container, .. } => format!("delete {}", container.name),
            Action::Rename { container, to, .. } => format!("rename {} to {to}", container.name),
            Action::Replace { entry, .. } => format!("replace {entry}"),
            Action::Create { entry, .. } => format!("create {entry}"),
            Action::Exec { entry, target, .. } => format!("exec {entry} in {target}"),
            Action::Wait { container, .. } => format!("wait for {}", container.name),
            Action::Start { container, .. } => format!("start {}", container.name),
            Action::Units { container, .. } => format!("units of {}", container.name),
            Action::CreateNetwork { name, .. } => format!("create network {name}"),
            Action::RemoveNetwork { name, .. } => format!("remove network {name}"),
            Action::CreateVolume { name, .. } => format!("create volume {name}"),
            Action::RemoveVolume { name, .. } => format!("remove volume {name}"),
        }
    }
}

impl Plan {
    /// Whether executing it writes and enables systemd units (`--systemd`
    /// creations and unit repairs); deletions only take units away.
    pub fn enables_units(&self) -> bool {
        self.steps.iter().any(|s| match &s.action {
            Action::Create { create, .. } | Action::Replace { create, .. } => {
                !create.units.is_empty()
            }
            Action::Units { .. } => true,
            _ => false,
        })
    }

    /// Counts for the summary line.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for s in &self.steps {
            match s.action {
                Action::Pull { .. } => c.pull += 1,
                Action::Build { .. } => c.build += 1,
                Action::Delete { .. } => c.delete += 1,
                Action::Rename { .. } => c.rename += 1,
                Action::Replace { .. } => c.replace += 1,
                Action::Create { .. } => c.create += 1,
                Action::Exec { .. } => c.exec += 1,
                Action::Wait { .. } => c.wait += 1,
                Action::Start { .. } => c.start += 1,
                Action::Units { .. } => c.units += 1,
                Action::CreateNetwork { .. } => c.network_create += 1,
                Action::RemoveNetwork { .. } => c.network_remove += 1,
                Action::CreateVolume { .. } => c.volume_create += 1,
                Action::RemoveVolume { .. } => c.volume_remove += 1,
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
    /// Images to pull.
    pub pull: usize,
    /// Images to build (since 1.6).
    pub build: usize,
    /// Containers to create.
    pub create: usize,
    /// Containers to replace.
    pub replace: usize,
    /// Containers to delete.
    pub delete: usize,
    /// Containers to rename.
    pub rename: usize,
    /// Exec steps.
    pub exec: usize,
    /// Blocking containers to wait for.
    pub wait: usize,
    /// Containers to start.
    pub start: usize,
    /// Containers whose systemd units are written (since 1.3).
    pub units: usize,
    /// Networks to create (since 1.6).
    pub network_create: usize,
    /// Networks to remove (since 1.6).
    pub network_remove: usize,
    /// Volumes to create (since 1.6).
    pub volume_create: usize,
    /// Volumes to remove (since 1.6).
    pub volume_remove: usize,
}
