//! The planner: configuration + observed state → plan. Pure: no I/O, no
//! clock, no randomness, so the same inputs give the same plan.
//!
//! The order of work (README, "How apply decides"): pulls; deletions (removed entries,
//! label-less containers, duplicates); renames to desired names where free;
//! then, one `start_order` group at a time, replacements, creations and
//! execs in file order.

use super::diff::config_diff_decoded;
use super::model::*;
use super::names::NameBook;
use crate::config::duration::seconds_of;
use crate::config::{Config, Entry, EntryAction};
use crate::engine::argv::{JoinTarget, LabelSet, Removal, Runtime};
use crate::labels;
use crate::observe::{Container, Observed, State};
use crate::systemd;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Who is planning, for whom.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanOptions {
    #[serde(default)]
    /// The engine CLI the argv are for.
    pub runtime: Runtime,
    #[serde(default = "default_managed_by")]
    /// Only containers with this `managed_by` label are considered and changed.
    pub managed_by: String,
    #[serde(default)]
    /// The config ID applied (apply only).
    pub config_id: String,
    /// Extra labels (`--label`), applied to every created container.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `--systemd` (podman only): containers of entries with a `restart`
    /// key are created for, and started by, systemd units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub systemd: Option<SystemdOptions>,
    /// `--sensitive-env` patterns, recorded in the plan for its readers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_env: Vec<String>,
    /// `delete --volumes`: a delete also removes the deleted config IDs'
    /// volumes (which no other command removes).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remove_volumes: bool,
}

fn default_managed_by() -> String {
    "paunch".into()
}

impl Default for PlanOptions {
    fn default() -> PlanOptions {
        PlanOptions {
            runtime: Runtime::default(),
            managed_by: default_managed_by(),
            config_id: String::new(),
            labels: BTreeMap::new(),
            systemd: None,
            sensitive_env: Vec::new(),
            remove_volumes: false,
        }
    }
}

impl PlanOptions {
    /// The systemd options in force: `--systemd` with podman.
    pub fn units(&self) -> Option<&SystemdOptions> {
        self.systemd
            .as_ref()
            .filter(|_| self.runtime == Runtime::Podman)
    }

    /// The labels every created container gets besides its entry's own.
    pub fn label_set(&self) -> LabelSet {
        LabelSet {
            managed_by: self.managed_by.clone(),
            config_id: self.config_id.clone(),
            extra: self
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

/// Plans `paunch apply`.
///
/// ```
/// use paunch::{Config, Observed, plan::{plan_apply, PlanOptions}};
/// let config = Config::parse("hello:\n  image: busybox:1.36\n", "example")?;
/// let opts = PlanOptions { config_id: "hi".into(), managed_by: "paunch".into(), ..Default::default() };
/// let plan = plan_apply(&config, &Observed::default(), &opts);
/// assert_eq!(plan.counts().create, 1);
/// assert_eq!(plan.counts().pull, 1); // the image is not on this (empty) host
/// # Ok::<(), paunch::Error>(())
/// ```
pub fn plan_apply(config: &Config, observed: &Observed, opts: &PlanOptions) -> Plan {
    let mut b = Builder::new(observed, opts, &opts.config_id);
    let images = config.images();
    // 1. Images; 2. deletions among this config ID's containers; 3. renames,
    // across every config ID of this managed-by name; 4. start_order groups.
    // A built image is never pulled: its build step makes it.
    let built = super::build::built_images(config);
    let pulled: Vec<String> = images
        .iter()
        .filter(|i| !built.contains(*i))
        .cloned()
        .collect();
    b.pulls(&pulled);
    // The names its joins and execs resolve: the containers answering to
    // them decide its steps (which container a join or an exec reaches,
    // and whether a kept container joined another one than that).
    for e in &config.entries {
        let wanted = entry_joins(e).into_iter().map(|(_, x)| x);
        let target = (e.action() == EntryAction::Exec).then(|| e.exec_target().unwrap_or_default());
        let names = wanted.chain(target).filter(|x| !x.is_empty());
        b.used_names.extend(names.map(str::to_string));
    }
    let keepers = b.deletions(config, opts);
    b.renames();
    // Networks and volumes before any container that uses them; the ones
    // no longer configured go once their containers have.
    b.resource_creations(config, &opts.label_set());
    b.groups(config, &keepers, opts);
    b.resource_removals_apply(config);
    b.builds(config);

    let mut deps_images = BTreeMap::new();
    for image in images {
        let id = local_image(observed, &image).map(str::to_string);
        deps_images.insert(image, id);
    }
    b.finish(Operation::Apply, opts, Some(config), vec![], deps_images)
}

/// Notes each label a kept container of an apply `plan` carries that
/// nothing gives it now ([`Note::LabelNotGiven`]): not one of paunch's
/// four, its entry's `labels`, `--label` or its image's (`image_labels`,
/// by image ID, from the observation: a container whose image's labels
/// are not known is not judged). Such a label came from a `--label` an
/// earlier apply was given. Notes are not derived again from a saved
/// plan, so the observation's image labels need not be in it.
pub fn note_labels_not_given(
    plan: &mut Plan,
    config: &Config,
    image_labels: &crate::engine::parse::ImageLabels,
) {
    let Some(config_id) = plan.config_id.clone() else {
        return;
    };
    let gone: HashSet<&str> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Delete { container, .. } => Some(container.id.as_str()),
            Action::Replace { old, .. } => Some(old.id.as_str()),
            _ => None,
        })
        .collect();
    let index = config.index();
    let ours = [
        labels::MANAGED_BY,
        labels::CONFIG_ID,
        labels::CONTAINER_NAME,
        labels::CONFIG_DATA,
    ];
    let mut notes = Vec::new();
    for c in &plan.depends_on.containers {
        let Some(e) = index.get(c.desired_name()) else {
            continue;
        };
        // docker writes image IDs with `sha256:`, podman without.
        let image = image_labels
            .iter()
            .find(|(id, _)| bare(id) == bare(&c.image_id))
            .map(|(_, l)| l);
        let Some(image) = image.filter(|_| !c.image_id.is_empty()) else {
            continue;
        };
        if c.config_id() != config_id || gone.contains(c.id.as_str()) {
            continue;
        }
        let given: HashSet<&str> = e
            .strings("labels")
            .iter()
            .map(|l| l.split_once('=').map_or(l.as_str(), |(k, _)| k))
            .chain(plan.labels.keys().map(String::as_str))
            .chain(ours)
            .collect();
        for (key, has) in &c.labels {
            if !given.contains(key.as_str()) && image.get(key) != Some(has) {
                notes.push(Note::LabelNotGiven {
                    container: Target::of(c),
                    key: key.clone(),
                    has: has.clone(),
                });
            }
        }
    }
    plan.notes.extend(notes);
}

/// Plans `paunch cleanup`: delete every managed container whose config ID
/// is not in `keep` (all of them when `keep` is empty), then rename the
/// rest to their desired names where free.
pub fn plan_cleanup(observed: &Observed, keep: &[String], opts: &PlanOptions) -> Plan {
    let mut b = Builder::new(observed, opts, "");
    for c in &observed.containers {
        if !keep.iter().any(|k| k == c.config_id()) {
            b.delete(
                c,
                Reason::ConfigIdNotKept {
                    config_id: c.config_id().to_string(),
                },
            );
        }
    }
    b.renames();
    b.resource_removals(keep, false, false);
    b.finish(
        Operation::Cleanup,
        opts,
        None,
        keep.to_vec(),
        BTreeMap::new(),
    )
}

/// Plans `paunch delete`: delete the managed containers of `ids`.
pub fn plan_delete(observed: &Observed, ids: &[String], opts: &PlanOptions) -> Plan {
    let mut b = Builder::new(observed, opts, "");
    // `--volumes`: the containers' anonymous volumes go too, as
    // `docker-compose down -v` removes them.
    b.remove_anonymous = opts.remove_volumes;
    for c in &observed.containers {
        if ids.iter().any(|k| k == c.config_id()) {
            b.delete(
                c,
                Reason::ConfigIdDeleted {
                    config_id: c.config_id().to_string(),
                },
            );
        }
    }
    b.resource_removals(ids, true, opts.remove_volumes);
    b.finish(Operation::Delete, opts, None, ids.to_vec(), BTreeMap::new())
}

/// Why a container of this config ID is deleted outright, if it is: its
/// entry is gone or became an exec, or its config_data is missing or not
/// JSON.
fn deletion_reason(c: &Container, entry: Option<&Entry>) -> Option<Reason> {
    if c.state == crate::engine::parse::UNREADABLE {
        return Some(Reason::Unreadable);
    }
    match (entry, c.config_data()) {
        (None, _) => Some(Reason::RemovedFromConfig),
        (Some(e), _) if e.action() == EntryAction::Exec => Some(Reason::NowExec),
        (Some(_), None) => Some(Reason::NoConfigData),
        (Some(e), Some(label)) => {
            let readable = label == e.config_data() || labels::decode_config_data(label).is_some();
            (!readable).then_some(Reason::BadConfigData)
        }
    }
}

/// The `net`/`ipc`/`pid: container:X` and `volumes_from` containers an
/// entry joins: `(key, X)`.
pub(super) fn entry_joins(e: &Entry) -> Vec<(&'static str, &str)> {
    let mut out = Vec::new();
    for key in ["net", "ipc", "pid"] {
        if let Some(x) = e.string(key).and_then(|m| m.strip_prefix("container:")) {
            out.push((key, x));
        }
    }
    for v in e.strings("volumes_from") {
        out.push((
            "volumes_from",
            crate::engine::parse::volumes_from_container(v),
        ));
    }
    out
}

/// How many entries of the configuration lie below this one in a chain of
/// joins, so that within a group a container is created after the ones it
/// joins.
fn join_depth(e: &Entry, index: &HashMap<&str, &Entry>) -> usize {
    let mut depth = 0;
    let mut at = e;
    let mut seen = HashSet::new();
    while let Some(next) = entry_joins(at)
        .into_iter()
        .find_map(|(_, x)| index.get(x).copied())
    {
        if !seen.insert(next.name.as_str()) {
            break;
        }
        depth += 1;
        at = next;
    }
    depth
}

/// Which existing containers of the configuration's run entries are
/// replaced, and why: their own change (configuration, image, never
/// started, a failed blocking run), or a container they join
/// that is replaced or created anew, or that is no longer the one they
/// joined (an earlier apply replaced it). Followed through chains.
fn decide_changes<'a>(
    config: &'a Config,
    keepers: &HashMap<&str, &Container>,
    observed: &Observed,
    b: &Builder,
) -> HashMap<&'a str, (Reason, Option<String>)> {
    let index = config.index();
    let mut changing: HashMap<&str, (Reason, Option<String>)> = HashMap::new();
    for e in config
        .entries
        .iter()
        .filter(|e| e.action() == EntryAction::Run)
    {
        if let Some(k) = keepers.get(e.name.as_str())
            && let Some(why) = change(e, k, observed, b.systemd.as_ref())
        {
            changing.insert(&e.name, why);
        }
    }
    loop {
        let mut more = Vec::new();
        for e in config
            .entries
            .iter()
            .filter(|e| e.action() == EntryAction::Run)
        {
            let Some(k) = keepers.get(e.name.as_str()) else {
                continue;
            };
            if changing.contains_key(e.name.as_str()) {
                continue;
            }
            for (key, wanted) in entry_joins(e) {
                let target_entry = index.get(wanted).filter(|t| t.action() == EntryAction::Run);
                if let Some(t) = target_entry
                    && key != "volumes_from"
                    && !changing.contains_key(t.name.as_str())
                    && let Some(holder) = keepers.get(t.name.as_str())
                    && holds_dead_namespace(k, holder, t)
                {
                    more.push((
                        e.name.as_str(),
                        Reason::JoinedRestarted {
                            container: wanted.to_string(),
                        },
                    ));
                    break;
                }
                let stale = match target_entry {
                    // Created anew or replaced by this plan.
                    Some(t) if changing.contains_key(t.name.as_str()) => true,
                    Some(t) if !keepers.contains_key(t.name.as_str()) => true,
                    Some(t) => joined_other(k, key, keepers[t.name.as_str()]),
                    None => b
                        .resolve_container(wanted, None)
                        .is_some_and(|now| joined_other(k, key, now)),
                };
                if stale {
                    more.push((
                        e.name.as_str(),
                        Reason::JoinedReplaced {
                            container: wanted.to_string(),
                        },
                    ));
                    break;
                }
            }
        }
        if more.is_empty() {
            return changing;
        }
        for (name, reason) in more {
            changing.insert(name, (reason, None));
        }
    }
}

/// Whether running container `c`, which joined `holder`'s namespace,
/// holds a dead one: `holder` (the container of entry `t`) started again
/// after `c` started, or is exited and is started by this plan (see
/// [`Builder::kept`]). A container started after its holder joined the
/// holder's current namespace.
fn holds_dead_namespace(c: &Container, holder: &Container, t: &Entry) -> bool {
    if c.status() != State::Running {
        return false;
    }
    if holder.status() == State::Exited && t.detach() && !stays_completed(t, holder) {
        return true;
    }
    holder.status() == State::Running
        && started_after(&holder.started_at, &c.started_at) == Some(true)
}

/// Whether RFC 3339 time `a` is later than `b`; `None` when either is
/// not one (the engine did not say, or said it in a form not read here).
fn started_after(a: &str, b: &str) -> Option<bool> {
    let parse = |t: &str| {
        // podman writes the UTC offset as +00:00, docker as Z.
        let t = t
            .strip_suffix("+00:00")
            .map_or(t.to_string(), |t| format!("{t}Z"));
        humantime::parse_rfc3339_weak(&t).ok()
    };
    Some(parse(a)? > parse(b)?)
}

/// Whether a container that exited stays so: one of a Pod whose
/// `restartPolicy` is `Never` or `OnFailure` (`restart: no` or
/// `on-failure`) that exited 0 has completed, as the kubelet keeps it.
/// Others are started again (SPEC §9).
fn stays_completed(e: &Entry, c: &Container) -> bool {
    let in_pod = pod_of(e).is_some();
    let restart = e.string("restart").unwrap_or("no");
    in_pod && c.exit_code == 0 && (restart == "no" || restart.starts_with("on-failure"))
}

/// The Pod an entry was read from (its [`crate::config::kube::POD_LABEL`]).
fn pod_of(e: &Entry) -> Option<&str> {
    e.strings("labels").iter().find_map(|l| {
        l.strip_prefix(crate::config::kube::POD_LABEL)?
            .strip_prefix('=')
    })
}

/// Whether container `c` joined, under `key`, another container than
/// `now` (which was then created after it).
fn joined_other(c: &Container, key: &str, now: &Container) -> bool {
    c.joined.iter().filter(|j| j.key == key).any(|j| {
        if key == "volumes_from" {
            // The engine records the name given; a container of that name
            // created after `c` is not the one whose volumes it has.
            now.created > c.created
        } else {
            j.container != now.id
        }
    })
}

/// Each entry's start_order, except that a container replaced because a
/// container it joins is replaced goes no earlier than that one's group.
fn effective_order<'a>(
    config: &'a Config,
    changing: &HashMap<&'a str, (Reason, Option<String>)>,
) -> HashMap<&'a str, i64> {
    let mut order: HashMap<&str, i64> = config
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e.start_order()))
        .collect();
    // Chains are short; as many passes as entries bound any chain.
    for _ in 0..config.entries.len() {
        let mut moved = false;
        for (name, (reason, _)) in changing {
            if let Reason::JoinedReplaced { container } | Reason::JoinedRestarted { container } =
                reason
                && let (Some(&own), Some(&theirs)) =
                    (order.get(name), order.get(container.as_str()))
                && theirs > own
            {
                order.insert(name, theirs);
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    order
}

pub(super) fn local_image<'a>(observed: &'a Observed, image: &str) -> Option<&'a str> {
    observed.images.get(image).and_then(|i| i.as_deref())
}

fn bare(id: &str) -> &str {
    id.strip_prefix("sha256:").unwrap_or(id)
}

/// Why an existing container of an entry must be replaced, if it must.
fn change(
    e: &Entry,
    c: &Container,
    observed: &Observed,
    units: Option<&SystemdOptions>,
) -> Option<(Reason, Option<String>)> {
    let label = c.config_data().unwrap_or_default();
    // The label is decoded once, to compare and, when it differs, to diff.
    if label != e.config_data() {
        let old = crate::labels::decode_config_data(label);
        if !old.as_ref().is_some_and(|o| o.same_as(&e.data)) {
            let diff = config_diff_decoded(old.as_ref(), label, &e.data);
            let rebuilt = old
                .as_ref()
                .is_some_and(|o| super::build::only_context_changed(o, &e.data));
            let reason = match rebuilt {
                true => Reason::ImageRebuilt,
                false => Reason::ConfigChanged,
            };
            return Some((reason, diff));
        }
    }
    if let Some(now) = e.image().and_then(|i| local_image(observed, i))
        && !c.image_id.is_empty()
        && bare(now) != bare(&c.image_id)
    {
        return Some((
            Reason::ImageUpdated {
                from: c.image_id.clone(),
                to: now.to_string(),
            },
            None,
        ));
    }
    if let Some(sd) = units.filter(|_| by_units(units, e)) {
        // Started by its units: with none at all, it was not created for
        // them (`podman run`, no conmon pid file, its own restart policy;
        // or an apply was interrupted before writing them). Otherwise a
        // units step writes what is missing and starts it (a container
        // still `created` is one that systemd did not start yet).
        let present = present_units(observed, sd, &c.name);
        if present.is_empty() {
            let files = systemd::units(e, &c.name, &sd.prefix, &sd.program)
                .unwrap_or_default()
                .into_iter()
                .map(|u| u.name)
                .collect();
            return Some((Reason::UnitsMissing { files }, None));
        }
        return None;
    }
    // Created but never started: an apply was interrupted between the
    // engine's create and start, or the start failed (a port taken).
    // Blocking or not, it has not run.
    if c.status() == State::Created {
        let error = c.error.clone();
        return Some((Reason::NeverStarted { error }, None));
    }
    // A blocking container whose last run failed runs again.
    if !e.detach()
        && matches!(c.status(), State::Exited | State::Dead)
        && !e.exit_codes().contains(&c.exit_code)
    {
        return Some((
            Reason::BlockingFailed {
                exit_code: c.exit_code,
            },
            None,
        ));
    }
    None
}

/// Removes a container; one read from a Kubernetes Pod takes its anonymous
/// volumes with it (`--volumes`), so that the Pod's emptyDirs, which its
/// infra container holds and the others share, go with the last of them.
/// Stops a container before its removal. podman neither stops nor plainly
/// removes a container a killed podman left "removing" (its storage gone):
/// `rm --force` finishes that removal in the stop's place, and the remove
/// that follows finds it gone.
fn stop_args(runtime: Runtime, c: &Container) -> Vec<String> {
    if c.state == crate::engine::parse::UNREADABLE {
        let force = Removal {
            force: true,
            volumes: false,
        };
        return runtime.remove_args(&c.id, force);
    }
    runtime.stop_args(stop_timeout(c), &c.id)
}

pub(super) fn remove_args(runtime: Runtime, c: &Container) -> Vec<String> {
    let how = Removal {
        force: false,
        volumes: crate::config::kube::removes_volumes(&c.labels),
    };
    runtime.remove_args(&c.id, how)
}

/// The grace period recorded in a container's own `config_data`.
pub(super) fn stop_timeout(c: &Container) -> Option<u64> {
    let data = labels::decode_config_data(c.config_data()?)?;
    seconds_of(data.as_map()?.get("stop_grace_period")?)
}

/// Whether an entry's container is created for, and started by, its
/// systemd units: `--systemd` with podman, and a detached `run` entry
/// with a `restart` key ([`systemd::wants_units`]). A blocking
/// (`detach: false`) container is run to completion as without
/// `--systemd`: a unit would run it again at every boot.
fn by_units(units: Option<&SystemdOptions>, e: &Entry) -> bool {
    units.is_some() && systemd::wants_units(e) && e.detach()
}

/// The unit files of container `name` found in the systemd directory,
/// in [`systemd::unit_names`] order.
fn present_units(observed: &Observed, sd: &SystemdOptions, name: &str) -> Vec<String> {
    systemd::unit_names(&sd.prefix, name)
        .into_iter()
        .filter(|u| observed.units.contains_key(u))
        .collect()
}

fn systemctl(call: Vec<String>) -> UnitOp {
    // `systemd`'s calls start with the program's name.
    UnitOp::Systemctl {
        argv: call.into_iter().skip(1).collect(),
    }
}

/// Writes container `name`'s units for entry `e` and enables them, which
/// starts it: the service's `.requires` directory removed first (a
/// healthcheck timer an earlier version required is no longer pulled
/// in), each file written, then [`systemd::create_calls`]. The entry's
/// units were checked before planning (`ops`); were they not, no file is
/// written and `enable` fails the step.
fn units_on(sd: &SystemdOptions, e: &Entry, name: &str) -> Vec<UnitOp> {
    let mut ops = vec![UnitOp::Remove {
        file: systemd::requires_dir(&sd.prefix, name),
    }];
    let files = systemd::units(e, name, &sd.prefix, &sd.program).unwrap_or_default();
    ops.extend(files.into_iter().map(|u| UnitOp::Write {
        file: u.name,
        contents: u.contents,
    }));
    ops.extend(
        systemd::create_calls(&sd.prefix, name, systemd::has_healthcheck(e))
            .into_iter()
            .map(systemctl),
    );
    ops
}

/// Stops, disables and removes container `name`'s units, as the original's
/// `service_delete` ([`systemd::delete_calls`]): each file removed after
/// its `disable`, then the `.requires` directory, then a reload. Nothing
/// when it has none.
fn units_gone(observed: &Observed, sd: &SystemdOptions, name: &str) -> Vec<UnitOp> {
    let present = present_units(observed, sd, name);
    let present: Vec<&str> = present.iter().map(String::as_str).collect();
    let mut ops = Vec::new();
    for call in systemd::delete_calls(&sd.prefix, name, &present) {
        let removed = match call.get(1).map(String::as_str) {
            Some("disable") => call.get(2).cloned(),
            _ => None,
        };
        if call.get(1).map(String::as_str) == Some("daemon-reload") {
            ops.push(UnitOp::Remove {
                file: systemd::requires_dir(&sd.prefix, name),
            });
        }
        ops.push(systemctl(call));
        if let Some(file) = removed {
            ops.push(UnitOp::Remove { file });
        }
    }
    ops
}

/// The units a kept or replaced container `name` has that entry `e`
/// (under the same name) no longer gives: stopped, disabled, removed.
fn units_unwanted(observed: &Observed, sd: &SystemdOptions, e: &Entry, name: &str) -> Vec<UnitOp> {
    let wanted: Vec<String> = systemd::units(e, name, &sd.prefix, &sd.program)
        .unwrap_or_default()
        .into_iter()
        .map(|u| u.name)
        .collect();
    let mut ops = Vec::new();
    for unit in present_units(observed, sd, name) {
        if !wanted.contains(&unit) {
            ops.push(systemctl(vec![
                "systemctl".into(),
                "stop".into(),
                unit.clone(),
            ]));
            ops.push(systemctl(vec![
                "systemctl".into(),
                "disable".into(),
                unit.clone(),
            ]));
            ops.push(UnitOp::Remove { file: unit });
        }
    }
    ops
}

pub(super) struct Builder<'a> {
    pub(super) observed: &'a Observed,
    pub(super) runtime: Runtime,
    /// `--systemd` with podman.
    systemd: Option<SystemdOptions>,
    pub(super) config_id: &'a str,
    pub(super) managed_by: String,
    pub(super) steps: Vec<Step>,
    pub(super) notes: Vec<Note>,
    book: NameBook,
    /// Container ID → its name as the plan goes.
    current: HashMap<String, String>,
    /// IDs of containers deleted or replaced by the plan.
    pub(super) removed: HashSet<String>,
    /// Name → the step that frees it.
    freed_by: HashMap<String, usize>,
    /// Names the plan takes or relies on.
    used_names: BTreeSet<String>,
    managed_ids: HashSet<&'a str>,
    /// Network or volume name → the step that creates it, which the
    /// containers using it come after.
    pub(super) resource_made: HashMap<String, usize>,
    /// The networks and volumes the plan depends on, by name.
    pub(super) resource_names: super::resources::Names,
    /// `delete --volumes`: deleted containers' anonymous volumes go too.
    remove_anonymous: bool,
}

impl<'a> Builder<'a> {
    fn new(observed: &'a Observed, opts: &PlanOptions, config_id: &'a str) -> Builder<'a> {
        Builder {
            observed,
            runtime: opts.runtime,
            systemd: opts.units().cloned(),
            config_id,
            managed_by: opts.managed_by.clone(),
            steps: Vec::new(),
            notes: Vec::new(),
            book: NameBook::of(observed),
            current: observed
                .containers
                .iter()
                .map(|c| (c.id.clone(), c.name.clone()))
                .collect(),
            removed: HashSet::new(),
            freed_by: HashMap::new(),
            used_names: BTreeSet::new(),
            managed_ids: observed.containers.iter().map(|c| c.id.as_str()).collect(),
            resource_made: HashMap::new(),
            resource_names: Default::default(),
            remove_anonymous: false,
        }
    }

    pub(super) fn push(
        &mut self,
        phase: Phase,
        action: Action,
        reason: Reason,
        after: Vec<usize>,
    ) -> usize {
        let id = self.steps.len() + 1;
        // A replacement frees the old container's name.
        if let Action::Replace { old, .. } | Action::Delete { container: old, .. } = &action
            && let Some(name) = self.current.get(&old.id)
        {
            self.freed_by.insert(name.clone(), id);
        }
        self.steps.push(Step {
            id,
            phase,
            action,
            reason,
            after,
        });
        id
    }

    fn current_name(&self, id: &str) -> String {
        self.current.get(id).cloned().unwrap_or_default()
    }

    fn free_name_of(&mut self, id: &str) {
        if let Some(name) = self.current.get(id) {
            self.book.free(&name.clone());
        }
    }

    fn delete(&mut self, c: &Container, reason: Reason) {
        self.free_name_of(&c.id);
        self.push(
            Phase::Delete,
            Action::Delete {
                container: Target::of(c),
                stop: stop_args(self.runtime, c),
                remove: match self.remove_anonymous {
                    true => self.runtime.remove_args(
                        &c.id,
                        Removal {
                            force: false,
                            volumes: true,
                        },
                    ),
                    false => remove_args(self.runtime, c),
                },
                units_off: self
                    .systemd
                    .as_ref()
                    .map(|sd| units_gone(self.observed, sd, &c.name))
                    .unwrap_or_default(),
            },
            reason,
            vec![],
        );
        self.removed.insert(c.id.clone());
    }

    /// Phase 1: a pull for every image not present locally.
    fn pulls(&mut self, images: &[String]) {
        for image in images {
            if local_image(self.observed, image).is_none() {
                self.push(
                    Phase::Pull,
                    Action::Pull {
                        image: image.clone(),
                        argv: self.runtime.pull_args(image),
                    },
                    Reason::ImageMissing,
                    vec![],
                );
            }
        }
    }

    /// Phase 2: deletes this config ID's containers that no entry keeps
    /// (removed, now an exec, no or unreadable config_data, a duplicate);
    /// returns the container kept for each run entry.
    fn deletions(
        &mut self,
        config: &Config,
        opts: &PlanOptions,
    ) -> HashMap<&'a str, &'a Container> {
        let observed = self.observed;
        let ours: Vec<&Container> = observed
            .containers
            .iter()
            .filter(|c| c.config_id() == opts.config_id)
            .collect();
        let index = config.index();
        let mut candidates: BTreeMap<&str, Vec<&Container>> = BTreeMap::new();
        let mut verdict: HashMap<&str, Reason> = HashMap::new();
        for c in &ours {
            match deletion_reason(c, index.get(c.desired_name()).copied()) {
                Some(r) => {
                    verdict.insert(&c.id, r);
                }
                None => candidates.entry(c.desired_name()).or_default().push(c),
            }
        }
        let mut keepers: HashMap<&str, &Container> = HashMap::new();
        for (name, cs) in &candidates {
            let Some(entry) = index.get(name).filter(|e| e.action() == EntryAction::Run) else {
                continue;
            };
            // The matching, running one under its desired name, newest.
            let keeper = cs.iter().max_by_key(|c| {
                (
                    c.config_data().is_some_and(|l| entry.matches_label(l)),
                    c.running(),
                    c.name == *name,
                    c.created.as_str(),
                    c.id.as_str(),
                )
            });
            if let Some(k) = keeper {
                keepers.insert(name, *k);
                for c in cs.iter().filter(|c| c.id != k.id) {
                    let kept = k.name.clone();
                    verdict.insert(&c.id, Reason::Duplicate { kept });
                }
            }
        }
        for c in &ours {
            if let Some(r) = verdict.remove(c.id.as_str()) {
                self.delete(c, r);
            }
        }
        keepers
    }

    /// Phase 4: the entries in groups by start_order (a container no
    /// earlier than those it joins), each group's steps in order.
    fn groups(&mut self, config: &Config, keepers: &HashMap<&str, &Container>, opts: &PlanOptions) {
        let index = config.index();
        let changing = decide_changes(config, keepers, self.observed, self);
        let order = effective_order(config, &changing);
        let mut entries: Vec<&Entry> = config.entries.iter().collect();
        entries.sort_by_key(|e| (order[e.name.as_str()], join_depth(e, &index)));
        let label_set = opts.label_set();
        let mut made: HashMap<&str, (usize, String)> = HashMap::new();
        for group in entries.chunk_by(|a, b| order[a.name.as_str()] == order[b.name.as_str()]) {
            let phase = Phase::Group(order[group[0].name.as_str()]);
            self.group(
                phase, group, keepers, &changing, &label_set, &mut made, opts,
            );
        }
        self.after_init_containers(&entries, &made);
    }

    /// A Pod's containers start only once each of its blocking init
    /// containers of an earlier group succeeded, as the kubelet starts no
    /// app container before: a failed one skips the rest of its Pod (and
    /// no other Pod).
    fn after_init_containers(&mut self, entries: &[&Entry], made: &HashMap<&str, (usize, String)>) {
        // Each Pod's blocking containers and their steps, found once.
        let mut blocking: HashMap<&str, Vec<(i64, usize)>> = HashMap::new();
        for i in entries.iter().filter(|i| !i.detach()) {
            if let (Some(pod), Some((step, _))) = (pod_of(i), made.get(i.name.as_str())) {
                blocking
                    .entry(pod)
                    .or_default()
                    .push((i.start_order(), *step));
            }
        }
        for e in entries {
            let (Some(pod), Some((step, _))) = (pod_of(e), made.get(e.name.as_str())) else {
                continue;
            };
            let deps: Vec<usize> = blocking
                .get(pod)
                .into_iter()
                .flatten()
                .filter(|(order, _)| *order < e.start_order())
                .map(|(_, s)| *s)
                .collect();
            if let Some(s) = self.steps.get_mut(step - 1).filter(|_| !deps.is_empty()) {
                s.after.extend(deps);
                s.after.sort_unstable();
                s.after.dedup();
            }
        }
    }

    /// Phase 3: every remaining managed container not under its desired
    /// name gets it if no container holds it; the original's order (by
    /// current name). Containers whose names were swapped (A holds B's
    /// name and B holds A's, or a longer cycle) would each wait for the
    /// other forever: one moves aside to its unique name first.
    fn renames(&mut self) {
        let mut todo: Vec<&'a Container> = self
            .observed
            .containers
            .iter()
            .filter(|c| !self.removed.contains(&c.id) && c.name != c.desired_name())
            .collect();
        todo.sort_by(|a, b| a.name.cmp(&b.name));
        for c in &todo {
            self.used_names.insert(c.desired_name().to_string());
        }
        while !todo.is_empty() {
            let mut blocked = Vec::new();
            let mut moved = false;
            for c in std::mem::take(&mut todo) {
                let desired = c.desired_name().to_string();
                if self.book.holder(&desired).is_none() {
                    let reason = Reason::DesiredNameFree {
                        desired: desired.clone(),
                    };
                    self.rename(c, &desired, reason);
                    moved = true;
                } else {
                    blocked.push(c);
                }
            }
            if moved {
                todo = blocked;
                continue;
            }
            // Nothing more moves by itself: break one cycle, if there is
            // one. Only a container on the cycle moves aside: one waiting
            // for a cycle's member, or for a container that waits on a
            // holder that never moves, would move aside again and again.
            let in_cycle = blocked.iter().position(|c| self.closes_cycle(c, &blocked));
            match in_cycle {
                Some(i) => {
                    let c = blocked[i];
                    let (aside, tried) = self.book.choose_noting(c.config_id(), c.desired_name());
                    self.used_names.extend(tried);
                    self.used_names.insert(aside.clone());
                    let reason = Reason::NamesSwapped {
                        desired: c.desired_name().to_string(),
                    };
                    self.rename(c, &aside, reason);
                    todo = blocked;
                }
                None => {
                    for c in blocked {
                        self.rename_blocked(c);
                    }
                }
            }
        }
    }

    /// Whether following who holds each desired name, from `c` through
    /// the `blocked` containers, comes back to `c`.
    fn closes_cycle(&self, c: &Container, blocked: &[&Container]) -> bool {
        let by_id: HashMap<&str, &Container> =
            blocked.iter().map(|b| (b.id.as_str(), *b)).collect();
        let mut at = c;
        // Each step lands on another blocked container: at most as many
        // steps as there are of them.
        for _ in 0..blocked.len() {
            let Some(holder) = self.book.holder(at.desired_name()) else {
                return false;
            };
            if holder == c.id {
                return true;
            }
            match by_id.get(holder) {
                Some(next) => at = next,
                None => return false,
            }
        }
        false
    }

    /// A rename step from the container's current name to `to`.
    fn rename(&mut self, c: &Container, to: &str, reason: Reason) {
        let from = self.current_name(&c.id);
        let after = self.freed_by.get(to).copied().into_iter().collect();
        let id = self.push(
            Phase::Rename,
            Action::Rename {
                container: Target {
                    id: c.id.clone(),
                    name: from.clone(),
                },
                to: to.to_string(),
                argv: self.runtime.rename_args(&c.id, to),
            },
            reason,
            after,
        );
        self.book.free(&from);
        self.book.take(to, &c.id);
        self.freed_by.insert(from, id);
        self.current.insert(c.id.clone(), to.to_string());
    }

    /// Notes a rename that cannot happen. An apply notes only its own
    /// config ID's containers (another config ID's suffixed container is
    /// that config's business, and would be noise in every plan); cleanup
    /// notes every one.
    fn rename_blocked(&mut self, c: &Container) {
        if !self.config_id.is_empty() && c.config_id() != self.config_id {
            return;
        }
        let desired = c.desired_name().to_string();
        if let Some(holder) = self.book.holder(&desired).map(str::to_string) {
            self.notes.push(Note::RenameBlocked {
                container: Target {
                    id: c.id.clone(),
                    name: self.current_name(&c.id),
                },
                desired,
                holder_managed: self.managed_ids.contains(holder.as_str()),
                holder,
            });
        }
    }

    /// Chooses the new container's name and builds its creation, with the
    /// containers it joins resolved (and waited for when this plan makes
    /// them).
    fn create(
        &mut self,
        e: &Entry,
        labels: &LabelSet,
        keepers: &HashMap<&str, &Container>,
        made: &HashMap<&str, (usize, String)>,
    ) -> (Create, Vec<usize>) {
        let (name, tried) = self.book.choose_noting(self.config_id, &e.name);
        let name_held_by = (name != e.name)
            .then(|| self.book.holder(&e.name).map(str::to_string))
            .flatten();
        self.used_names.extend(tried);
        self.used_names.insert(name.clone());
        self.book.take(&name, &format!("planned:{}", e.name));
        let mut after: Vec<usize> = self.freed_by.get(&name).copied().into_iter().collect();
        // A network or volume that could not be created fails its users.
        after.extend(self.resource_steps_for(e));
        let units = self
            .systemd
            .as_ref()
            .filter(|_| by_units(self.systemd.as_ref(), e));
        let mut joins = Vec::new();
        for (key, wanted) in entry_joins(e) {
            let container = match made.get(wanted) {
                Some((step, planned)) => {
                    after.push(*step);
                    planned.clone()
                }
                None => self.resolve_exec_target(wanted, keepers.get(wanted).copied()),
            };
            self.used_names.insert(container.clone());
            joins.push(Join {
                key: key.to_string(),
                wanted: wanted.to_string(),
                container,
            });
        }
        let targets: Vec<JoinTarget<'_>> = joins.iter().map(Join::target).collect();
        let connect = e.strings("connect");
        let argv = match units {
            Some(_) => self
                .runtime
                .unit_create_args_joining(e, &name, labels, &targets),
            None if !connect.is_empty() => {
                self.runtime.create_args_joining(e, &name, labels, &targets)
            }
            None => self.runtime.run_args_joining(e, &name, labels, &targets),
        };
        // Further networks are connected before the container starts (its
        // units start it under --systemd).
        let mut then = self.runtime.connect_args(&name, connect);
        if !connect.is_empty() && units.is_none() {
            then.push(self.runtime.start_args(&name));
        }
        after.sort_unstable();
        after.dedup();
        let units = units.map(|sd| units_on(sd, e, &name)).unwrap_or_default();
        let create = Create {
            argv,
            name,
            name_held_by,
            detach: e.detach(),
            exit_codes: e.exit_codes(),
            joins,
            then,
            gate: e.bool("gate") == Some(true),
            units,
        };
        (create, after)
    }

    /// The entry's own container in this config ID; else the
    /// newest managed container with that `container_name` label; else a
    /// container of that literal name.
    fn resolve_exec_target(&self, wanted: &str, own: Option<&Container>) -> String {
        match self.resolve_container(wanted, own) {
            Some(c) => self
                .current
                .get(&c.id)
                .cloned()
                .unwrap_or_else(|| c.name.clone()),
            None => wanted.to_string(),
        }
    }

    /// The managed container that `wanted` names, as exec targets and
    /// joined namespaces resolve it: `own` (the entry's container in this
    /// config ID), else the newest with that `container_name` label, this
    /// config ID's first. `None`: a literal name.
    fn resolve_container<'c>(
        &'c self,
        wanted: &str,
        own: Option<&'c Container>,
    ) -> Option<&'c Container> {
        if let Some(c) = own.filter(|c| !self.removed.contains(&c.id)) {
            return Some(c);
        }
        self.observed
            .containers
            .iter()
            .filter(|c| !self.removed.contains(&c.id) && c.desired_name() == wanted)
            .max_by(|a, b| {
                (a.config_id() == self.config_id, &a.created)
                    .cmp(&(b.config_id() == self.config_id, &b.created))
            })
    }

    /// One `start_order` group: replacements (whose old containers the
    /// executor stops together first), creations, starts, waits and execs,
    /// in order.
    #[allow(clippy::too_many_arguments)]
    fn group<'c>(
        &mut self,
        phase: Phase,
        group: &[&'c Entry],
        keepers: &HashMap<&str, &Container>,
        changing: &HashMap<&str, (Reason, Option<String>)>,
        labels: &LabelSet,
        made: &mut HashMap<&'c str, (usize, String)>,
        opts: &PlanOptions,
    ) {
        // The old containers of a group's replacements are stopped together
        // at the group's start, so their names are free for its creates.
        for e in group.iter().filter(|e| e.action() == EntryAction::Run) {
            if let Some(k) = keepers.get(e.name.as_str()) {
                if changing.contains_key(e.name.as_str()) {
                    self.free_name_of(&k.id);
                } else {
                    self.keep_notes(e, k, opts);
                }
            }
        }
        for e in group {
            let step = match e.action() {
                EntryAction::Exec => {
                    self.exec(phase, e, keepers, made);
                    continue;
                }
                EntryAction::Run => {
                    let keeper = keepers.get(e.name.as_str()).copied();
                    match (keeper, changing.get(e.name.as_str())) {
                        (Some(k), None) => self.kept(phase, e, k, made),
                        (keeper, why) => {
                            Some(self.made(phase, e, keeper, why.cloned(), labels, keepers, made))
                        }
                    }
                }
            };
            if let Some(made_now) = step {
                made.insert(&e.name, made_now);
            }
        }
    }

    /// The step a kept container may still need: a blocking one still
    /// running (an apply was killed while it ran) is waited for; a detached
    /// one a daemon restart or a reboot left exited is started (blocking
    /// ones ran to completion: never again). Its step and name, if any.
    fn kept(
        &mut self,
        phase: Phase,
        e: &Entry,
        k: &Container,
        made: &HashMap<&str, (usize, String)>,
    ) -> Option<(usize, String)> {
        if by_units(self.systemd.as_ref(), e) {
            return self.units_step(phase, e, k, made);
        }
        let name = self.current_name(&k.id);
        let (action, reason, after) = if !e.detach() && k.running() {
            let action = Action::Wait {
                entry: e.name.clone(),
                container: Target::of(k),
                argv: self.runtime.wait_args(&k.id),
                exit_codes: e.exit_codes(),
            };
            (action, Reason::StillRunning, vec![])
        } else if e.detach() && k.status() == State::Exited && !stays_completed(e, k) {
            let action = Action::Start {
                entry: e.name.clone(),
                container: Target {
                    id: k.id.clone(),
                    name: name.clone(),
                },
                argv: self.runtime.start_args(&k.id),
            };
            let reason = Reason::Stopped {
                state: k.state.clone(),
                exit_code: k.exit_code,
                since: k.finished_at.clone(),
            };
            (action, reason, self.join_steps(e, made))
        } else {
            return None;
        };
        Some((self.push(phase, action, reason, after), name))
    }

    /// A new container for an entry: created, or replacing `old` for
    /// `why`. Its step and name.
    #[allow(clippy::too_many_arguments)]
    fn made(
        &mut self,
        phase: Phase,
        e: &Entry,
        old: Option<&Container>,
        why: Option<(Reason, Option<String>)>,
        labels: &LabelSet,
        keepers: &HashMap<&str, &Container>,
        made: &HashMap<&str, (usize, String)>,
    ) -> (usize, String) {
        let (create, after) = self.create(e, labels, keepers, made);
        let name = create.name.clone();
        let id = match (old, why) {
            (Some(old), Some((reason, diff))) => {
                let timeout = stop_timeout(old);
                let units_off = self.replaced_units(old, e, &create);
                let action = Action::Replace {
                    entry: e.name.clone(),
                    old: Target::of(old),
                    stop: self.runtime.stop_args(timeout, &old.id),
                    remove: remove_args(self.runtime, old),
                    units_off,
                    create,
                    diff,
                };
                self.removed.insert(old.id.clone());
                self.push(phase, action, reason, after)
            }
            _ => {
                let action = Action::Create {
                    entry: e.name.clone(),
                    create,
                };
                self.push(phase, action, Reason::NotCreated, after)
            }
        };
        (id, name)
    }

    /// What a replacement does to the old container's units before it
    /// stops it: its service (and healthcheck) stopped, so systemd does
    /// not start it again, and units the new container will not have
    /// disabled and removed. Its units are kept when the new container
    /// has the same name and units (rewritten and enabled again after it
    /// is created); all of them go when it has another name or none.
    fn replaced_units(&self, old: &Container, e: &Entry, create: &Create) -> Vec<UnitOp> {
        let Some(sd) = &self.systemd else {
            return Vec::new();
        };
        if create.units.is_empty() || create.name != old.name {
            return units_gone(self.observed, sd, &old.name);
        }
        let unwanted = units_unwanted(self.observed, sd, e, &old.name);
        let mut ops: Vec<UnitOp> = present_units(self.observed, sd, &old.name)
            .into_iter()
            .filter(|u| {
                !unwanted
                    .iter()
                    .any(|op| matches!(op, UnitOp::Remove { file } if file == u))
            })
            .map(|u| systemctl(vec!["systemctl".into(), "stop".into(), u]))
            .collect();
        ops.extend(unwanted);
        ops
    }

    /// A kept container run by its units (`--systemd`): a step that
    /// writes them and enables them when a file is missing or differs
    /// from what its entry gives, when it has units its entry no longer
    /// gives, or when it is not running (`created`: systemd has not
    /// started it yet; `exited`: it stopped). Its step and name, if any.
    fn units_step(
        &mut self,
        phase: Phase,
        e: &Entry,
        k: &Container,
        made: &HashMap<&str, (usize, String)>,
    ) -> Option<(usize, String)> {
        let sd = self.systemd.clone()?;
        let name = self.current_name(&k.id);
        let wanted = systemd::units(e, &name, &sd.prefix, &sd.program).unwrap_or_default();
        let missing: Vec<String> = wanted
            .iter()
            .filter(|u| !self.observed.units.contains_key(&u.name))
            .map(|u| u.name.clone())
            .collect();
        let unwanted = units_unwanted(self.observed, &sd, e, &name);
        let mut differ: Vec<String> = wanted
            .iter()
            .filter(|u| {
                self.observed
                    .units
                    .get(&u.name)
                    .is_some_and(|h| *h != crate::hash::sha256_text(&u.contents))
            })
            .map(|u| u.name.clone())
            .collect();
        differ.extend(unwanted.iter().filter_map(|op| match op {
            UnitOp::Remove { file } => Some(file.clone()),
            _ => None,
        }));
        let reason = if !missing.is_empty() {
            Reason::UnitsMissing { files: missing }
        } else if !differ.is_empty() {
            Reason::UnitsDiffer { files: differ }
        } else {
            match k.status() {
                State::Created => Reason::NeverStarted {
                    error: k.error.clone(),
                },
                State::Exited => Reason::Stopped {
                    state: k.state.clone(),
                    exit_code: k.exit_code,
                    since: k.finished_at.clone(),
                },
                _ => return None,
            }
        };
        let mut ops = unwanted;
        ops.extend(units_on(&sd, e, &name));
        let action = Action::Units {
            entry: e.name.clone(),
            container: Target {
                id: k.id.clone(),
                name: name.clone(),
            },
            ops,
        };
        let after = self.join_steps(e, made);
        Some((self.push(phase, action, reason, after), name))
    }

    /// An exec entry's step, into its target (the entry's container of
    /// this config ID, else the newest of that name, else the literal
    /// name), after the step that makes it when this plan does.
    fn exec(
        &mut self,
        phase: Phase,
        e: &Entry,
        keepers: &HashMap<&str, &Container>,
        made: &HashMap<&str, (usize, String)>,
    ) {
        let wanted = e.exec_target().unwrap_or_default();
        let (target, after) = match made.get(wanted) {
            Some((id, name)) => (name.clone(), vec![*id]),
            None => (
                self.resolve_exec_target(wanted, keepers.get(wanted).copied()),
                vec![],
            ),
        };
        if self.book.is_free(&target) {
            self.notes.push(Note::ExecTargetMissing {
                entry: e.name.clone(),
                target: target.clone(),
            });
        }
        self.used_names.insert(target.clone());
        let action = Action::Exec {
            entry: e.name.clone(),
            argv: self.runtime.exec_args(e, &target),
            target,
            exit_codes: e.exit_codes(),
        };
        self.push(phase, action, Reason::ExecEveryApply, after);
    }

    /// The steps of this plan that create, replace or start the containers
    /// `e` joins (it must come after them).
    fn join_steps(&self, e: &Entry, made: &HashMap<&str, (usize, String)>) -> Vec<usize> {
        let mut after: Vec<usize> = entry_joins(e)
            .into_iter()
            .filter_map(|(_, x)| made.get(x).map(|(step, _)| *step))
            .collect();
        after.sort_unstable();
        after.dedup();
        after
    }

    /// Notes on an entry whose container is kept.
    fn keep_notes(&mut self, e: &Entry, c: &Container, opts: &PlanOptions) {
        // A built image missing is built, not pulled.
        if let Some(image) = e.image()
            && local_image(self.observed, image).is_none()
            && super::build::build_of(e).is_none()
        {
            self.notes.push(Note::ImagePulledContainerKept {
                entry: e.name.clone(),
                image: image.to_string(),
            });
        }
        if c.running() && c.health == "unhealthy" {
            self.notes.push(Note::Unhealthy {
                container: Target::of(c),
            });
        }
        if c.status() == State::Paused {
            self.notes.push(Note::Paused {
                container: Target::of(c),
            });
        } else if e.detach()
            && !matches!(c.status(), State::Running | State::Exited)
            // A units step starts a `created` one.
            && !(by_units(self.systemd.as_ref(), e) && c.status() == State::Created)
        {
            // Exited ones are started; dead, restarting or unknown ones are
            // the engine's or the operator's.
            self.notes.push(Note::NotRunning {
                container: Target::of(c),
                state: c.state.clone(),
            });
        }
        // Labels are not in config_data: a changed --label does not replace
        // a container, so say that it did not reach it.
        for (key, wanted) in &opts.labels {
            let has = c.label(key);
            if has != Some(wanted.as_str()) {
                self.notes.push(Note::LabelDiffers {
                    container: Target::of(c),
                    key: key.clone(),
                    has: has.map(str::to_string),
                    wanted: wanted.clone(),
                });
            }
        }
    }

    fn finish(
        self,
        operation: Operation,
        opts: &PlanOptions,
        config: Option<&Config>,
        config_ids: Vec<String>,
        images: BTreeMap<String, Option<String>>,
    ) -> Plan {
        let names: BTreeMap<String, Option<String>> = self
            .used_names
            .iter()
            .map(|n| {
                (
                    n.clone(),
                    self.observed.holder(n).map(|(id, _)| id.to_string()),
                )
            })
            .collect();
        // Only the containers that can change this plan's steps
        // (README, "Plans"): others' runs and arrivals leave it fresh.
        let scope = super::staleness::Scope::new(operation, &opts.config_id, &config_ids, &names);
        let containers: Vec<Container> = self
            .observed
            .containers
            .iter()
            .filter(|c| scope.includes(c))
            .cloned()
            .collect();
        let units = match &self.systemd {
            Some(sd) => super::staleness::units_of(
                &self.observed.units,
                &sd.prefix,
                &containers,
                self.used_names.iter().map(String::as_str),
            ),
            None => BTreeMap::new(),
        };
        let (networks, volumes) = super::resources::dependencies(
            self.observed,
            &self.resource_names,
            &self.managed_by,
            |id| scope.owns_config_id(id),
        );
        let depends_on = Dependencies {
            containers,
            images,
            names,
            units,
            networks,
            volumes,
        };
        Plan {
            format_version: FORMAT_VERSION.to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            operation,
            runtime: opts.runtime,
            managed_by: opts.managed_by.clone(),
            config_id: (operation == Operation::Apply).then(|| opts.config_id.clone()),
            config_ids,
            labels: opts.labels.clone(),
            config: config.map(Config::to_value),
            config_data: config
                .map(Config::config_data_overrides)
                .unwrap_or_default(),
            base_dir: config
                .and_then(|c| c.options.base_dir.as_ref())
                .map(|d| d.display().to_string()),
            unknown_keys: config.map(|c| c.options.unknown_keys).unwrap_or_default(),
            fingerprint: super::staleness::fingerprint(&depends_on),
            depends_on,
            steps: self.steps,
            notes: self.notes,
            systemd: self.systemd,
            sensitive_env: opts.sensitive_env.clone(),
            resources: config.map(|c| c.resources.clone()).unwrap_or_default(),
            remove_volumes: operation == Operation::Delete && opts.remove_volumes,
            host_paths: config.map(|c| c.host_paths.clone()).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMAGE_ID: &str =
        "sha256:b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1";

    /// A `--label` an earlier apply gave is noted once no longer given;
    /// the entry's own labels, paunch's and the image's are not.
    #[test]
    fn a_label_no_longer_given_is_noted() {
        let config = Config::parse(
            "web:\n  image: busybox:1\n  labels: {tier: front}\n",
            "test",
        )
        .unwrap();
        let e = &config.entries[0];
        let labels = [
            ("managed_by", "paunch"),
            ("config_id", "v1"),
            ("container_name", "web"),
            ("config_data", e.config_data()),
            ("tier", "front"),
            ("team", "a"),
            ("vendor", "acme"),
            ("team2", "b"),
        ];
        let c = Container {
            id: "01".repeat(32),
            name: "web".into(),
            state: "running".into(),
            image_id: IMAGE_ID.into(),
            image: "busybox:1".into(),
            command: vec![],
            entrypoint: vec![],
            created: String::new(),
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
        };
        let observed = Observed {
            containers: vec![c],
            images: [("busybox:1".to_string(), Some(IMAGE_ID.to_string()))].into(),
            ..Observed::default()
        };
        let opts = PlanOptions {
            config_id: "v1".into(),
            labels: [("team2".to_string(), "b".to_string())].into(),
            ..PlanOptions::default()
        };
        let mut plan = plan_apply(&config, &observed, &opts);
        assert!(plan.steps.is_empty(), "{:?}", plan.steps);
        // podman writes image IDs bare.
        let image: crate::engine::parse::ImageLabels = [(
            IMAGE_ID.trim_start_matches("sha256:").to_string(),
            [("vendor".to_string(), "acme".to_string())].into(),
        )]
        .into();
        note_labels_not_given(&mut plan, &config, &image);
        let noted: Vec<(&str, &str)> = plan
            .notes
            .iter()
            .filter_map(|n| match n {
                Note::LabelNotGiven { key, has, .. } => Some((key.as_str(), has.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(noted, [("team", "a")]);
        // Without the image's labels, nothing is judged.
        let mut plan = plan_apply(&config, &observed, &opts);
        note_labels_not_given(&mut plan, &config, &Default::default());
        assert!(plan.notes.is_empty(), "{:?}", plan.notes);
    }
}
