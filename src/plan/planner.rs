//! The planner: configuration + observed state → plan. Pure: no I/O, no
//! clock, no randomness, so the same inputs give the same plan.
//!
//! The order of work is SPEC §3's: pulls; deletions (removed entries,
//! label-less containers, duplicates); renames to desired names where free;
//! then, one `start_order` group at a time, replacements, creations and
//! execs in file order.

use super::diff::config_diff;
use super::model::*;
use super::names::NameBook;
use crate::config::entry::seconds_of;
use crate::config::{Action as EntryAction, Config, Entry};
use crate::engine::{LabelSet, Runtime};
use crate::labels;
use crate::observe::{Container, Observed};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Who is planning, for whom.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanOptions {
    #[serde(default)]
    pub runtime: Runtime,
    #[serde(default = "default_managed_by")]
    pub managed_by: String,
    #[serde(default)]
    pub config_id: String,
    /// Extra labels (`--label`), applied to every created container.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
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
        }
    }
}

impl PlanOptions {
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
    let mut b = Builder::new(observed, opts.runtime, &opts.config_id);

    // 1. Images.
    let images = config.images();
    for image in &images {
        if local_image(observed, image).is_none() {
            b.push(
                Phase::Pull,
                Action::Pull {
                    image: image.clone(),
                    argv: opts.runtime.pull_args(image),
                },
                Reason::ImageMissing,
                vec![],
            );
        }
    }

    // 2. Deletions among this config ID's containers.
    let ours: Vec<&Container> = observed
        .containers
        .iter()
        .filter(|c| c.config_id() == opts.config_id)
        .collect();
    let index = config.index();
    let run_entry = |name: &str| {
        index
            .get(name)
            .copied()
            .filter(|e| e.action() == EntryAction::Run)
    };
    let mut candidates: BTreeMap<&str, Vec<&Container>> = BTreeMap::new();
    let mut verdict: HashMap<&str, Reason> = HashMap::new();
    for c in &ours {
        let reason = match (index.get(c.desired_name()).copied(), c.config_data()) {
            (None, _) => Some(Reason::RemovedFromConfig),
            (Some(e), _) if e.action() == EntryAction::Exec => Some(Reason::NowExec),
            (Some(_), None) => Some(Reason::NoConfigData),
            (Some(e), Some(label)) => {
                let readable =
                    label == e.config_data() || labels::decode_config_data(label).is_some();
                (!readable).then_some(Reason::BadConfigData)
            }
        };
        match reason {
            Some(r) => {
                verdict.insert(&c.id, r);
            }
            None => candidates.entry(c.desired_name()).or_default().push(c),
        }
    }
    let mut keepers: HashMap<&str, &Container> = HashMap::new();
    for (name, cs) in &candidates {
        let Some(entry) = run_entry(name) else {
            continue;
        };
        let keeper = cs
            .iter()
            .max_by_key(|c| {
                (
                    c.config_data().is_some_and(|l| entry.matches_label(l)),
                    c.running(),
                    c.name == *name,
                    c.created.as_str(),
                    c.id.as_str(),
                )
            })
            .copied();
        if let Some(k) = keeper {
            keepers.insert(name, k);
            for c in cs.iter().filter(|c| c.id != k.id) {
                verdict.insert(
                    &c.id,
                    Reason::Duplicate {
                        kept: k.name.clone(),
                    },
                );
            }
        }
    }
    for c in &ours {
        if let Some(r) = verdict.remove(c.id.as_str()) {
            b.delete(c, r);
        }
    }

    // 3. Renames, across every config ID of this managed-by name.
    b.renames();

    // 4. Groups by start_order; ties keep file order (the sort is stable).
    let mut entries: Vec<&Entry> = config.entries.iter().collect();
    entries.sort_by_key(|e| e.start_order());
    let label_set = opts.label_set();
    let mut made: HashMap<&str, (usize, String)> = HashMap::new();
    let mut start = 0;
    while start < entries.len() {
        let order = entries[start].start_order();
        let end = entries[start..]
            .iter()
            .position(|e| e.start_order() != order)
            .map_or(entries.len(), |n| start + n);
        let group = &entries[start..end];
        start = end;
        let phase = Phase::Group(order);

        // The old containers of a group's replacements are stopped together
        // at the group's start, so their names are free for its creates.
        let mut replacing: HashMap<&str, (Reason, Option<String>)> = HashMap::new();
        for e in group.iter().filter(|e| e.action() == EntryAction::Run) {
            if let Some(k) = keepers.get(e.name.as_str()) {
                if let Some(why) = change(e, k, observed) {
                    b.free_name_of(&k.id);
                    replacing.insert(&e.name, why);
                } else {
                    b.keep_notes(e, k, observed);
                }
            }
        }

        for e in group {
            match e.action() {
                EntryAction::Run => {
                    let keeper = keepers.get(e.name.as_str());
                    let replaced = replacing.remove(e.name.as_str());
                    if let (Some(k), None) = (keeper, &replaced) {
                        // A blocking container still running (an apply was
                        // killed while it ran): later groups wait for it.
                        if !e.detach() && k.running() {
                            let id = b.push(
                                phase,
                                Action::Wait {
                                    entry: e.name.clone(),
                                    container: Target::of(k),
                                    argv: b.runtime.wait_args(&k.id),
                                    exit_codes: e.exit_codes(),
                                },
                                Reason::StillRunning,
                                vec![],
                            );
                            made.insert(&e.name, (id, b.current_name(&k.id)));
                        }
                        continue;
                    }
                    let (create, after) = b.create(e, &label_set);
                    let name = create.name.clone();
                    let id = match (keeper, replaced) {
                        (Some(old), Some((reason, diff))) => {
                            let timeout = stop_timeout(old);
                            let id = b.push(
                                phase,
                                Action::Replace {
                                    entry: e.name.clone(),
                                    old: Target::of(old),
                                    stop: b.runtime.stop_args(timeout, &old.id),
                                    remove: b.runtime.rm_args(&old.id),
                                    create,
                                    diff,
                                },
                                reason,
                                after,
                            );
                            b.removed.insert(old.id.clone());
                            id
                        }
                        _ => b.push(
                            phase,
                            Action::Create {
                                entry: e.name.clone(),
                                create,
                            },
                            Reason::NotCreated,
                            after,
                        ),
                    };
                    made.insert(&e.name, (id, name));
                }
                EntryAction::Exec => {
                    let wanted = e.exec_target().unwrap_or_default();
                    let (target, after) = match made.get(wanted) {
                        Some((id, name)) => (name.clone(), vec![*id]),
                        None => (
                            b.resolve_exec_target(wanted, keepers.get(wanted).copied()),
                            vec![],
                        ),
                    };
                    if b.book.is_free(&target) {
                        b.notes.push(Note::ExecTargetMissing {
                            entry: e.name.clone(),
                            target: target.clone(),
                        });
                    }
                    b.used_names.insert(target.clone());
                    b.push(
                        phase,
                        Action::Exec {
                            entry: e.name.clone(),
                            argv: b.runtime.exec_args(e, &target),
                            target,
                            exit_codes: e.exit_codes(),
                        },
                        Reason::ExecEveryApply,
                        after,
                    );
                }
            }
        }
    }

    let mut deps_images = BTreeMap::new();
    for image in images {
        let id = local_image(observed, &image).map(str::to_string);
        deps_images.insert(image, id);
    }
    b.finish(
        Operation::Apply,
        opts,
        Some(config.to_value()),
        vec![],
        deps_images,
    )
}

/// Plans `paunch cleanup`: delete every managed container whose config ID
/// is not in `keep` (all of them when `keep` is empty), then rename the
/// rest to their desired names where free.
pub fn plan_cleanup(observed: &Observed, keep: &[String], opts: &PlanOptions) -> Plan {
    let mut b = Builder::new(observed, opts.runtime, "");
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
    let mut b = Builder::new(observed, opts.runtime, "");
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
    b.finish(Operation::Delete, opts, None, ids.to_vec(), BTreeMap::new())
}

fn local_image<'a>(observed: &'a Observed, image: &str) -> Option<&'a str> {
    observed.images.get(image).and_then(|i| i.as_deref())
}

fn bare(id: &str) -> &str {
    id.strip_prefix("sha256:").unwrap_or(id)
}

/// Why an existing container of an entry must be replaced, if it must.
fn change(e: &Entry, c: &Container, observed: &Observed) -> Option<(Reason, Option<String>)> {
    let label = c.config_data().unwrap_or_default();
    if !e.matches_label(label) {
        return Some((Reason::ConfigChanged, config_diff(label, &e.data)));
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
    // Created but never started: an apply was interrupted between the
    // engine's create and start. Blocking or not, it has not run.
    if c.state == "created" {
        return Some((Reason::NeverStarted, None));
    }
    None
}

/// The grace period recorded in a container's own `config_data`.
fn stop_timeout(c: &Container) -> Option<u64> {
    let data = labels::decode_config_data(c.config_data()?)?;
    seconds_of(data.as_map()?.get("stop_grace_period")?)
}

struct Builder<'a> {
    observed: &'a Observed,
    runtime: Runtime,
    config_id: &'a str,
    steps: Vec<Step>,
    notes: Vec<Note>,
    book: NameBook,
    /// Container ID → its name as the plan goes.
    current: HashMap<String, String>,
    /// IDs of containers deleted or replaced by the plan.
    removed: HashSet<String>,
    /// Name → the step that frees it.
    freed_by: HashMap<String, usize>,
    /// Names the plan takes or relies on.
    used_names: BTreeSet<String>,
    managed_ids: HashSet<&'a str>,
}

impl<'a> Builder<'a> {
    fn new(observed: &'a Observed, runtime: Runtime, config_id: &'a str) -> Builder<'a> {
        Builder {
            observed,
            runtime,
            config_id,
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
        }
    }

    fn push(&mut self, phase: Phase, action: Action, reason: Reason, after: Vec<usize>) -> usize {
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
                stop: self.runtime.stop_args(stop_timeout(c), &c.id),
                remove: self.runtime.rm_args(&c.id),
            },
            reason,
            vec![],
        );
        self.removed.insert(c.id.clone());
    }

    /// Phase 3: every remaining managed container not under its desired
    /// name gets it if no container holds it; the original's order (by
    /// current name).
    fn renames(&mut self) {
        let mut todo: Vec<&Container> = self
            .observed
            .containers
            .iter()
            .filter(|c| !self.removed.contains(&c.id) && c.name != c.desired_name())
            .collect();
        todo.sort_by(|a, b| a.name.cmp(&b.name));
        for c in todo {
            let desired = c.desired_name().to_string();
            self.used_names.insert(desired.clone());
            match self.book.holder(&desired) {
                None => {
                    let after = self.freed_by.get(&desired).copied().into_iter().collect();
                    let id = self.push(
                        Phase::Rename,
                        Action::Rename {
                            container: Target::of(c),
                            to: desired.clone(),
                            argv: self.runtime.rename_args(&c.id, &desired),
                        },
                        Reason::DesiredNameFree {
                            desired: desired.clone(),
                        },
                        after,
                    );
                    self.book.free(&c.name);
                    self.book.take(&desired, &c.id);
                    self.freed_by.insert(c.name.clone(), id);
                    self.current.insert(c.id.clone(), desired);
                }
                Some(holder) => {
                    let holder = holder.to_string();
                    self.notes.push(Note::RenameBlocked {
                        container: Target::of(c),
                        desired,
                        holder_managed: self.managed_ids.contains(holder.as_str()),
                        holder,
                    });
                }
            }
        }
    }

    /// Chooses the new container's name and builds its creation.
    fn create(&mut self, e: &Entry, labels: &LabelSet) -> (Create, Vec<usize>) {
        let name = self.book.choose(self.config_id, &e.name);
        let name_held_by = (name != e.name)
            .then(|| self.book.holder(&e.name).map(str::to_string))
            .flatten();
        self.used_names.insert(e.name.clone());
        self.used_names.insert(name.clone());
        self.book.take(&name, &format!("planned:{}", e.name));
        let after = self.freed_by.get(&name).copied().into_iter().collect();
        let create = Create {
            argv: self.runtime.run_args(e, &name, labels),
            name,
            name_held_by,
            detach: e.detach(),
            exit_codes: e.exit_codes(),
        };
        (create, after)
    }

    /// SPEC §3.5: the entry's own container in this config ID; else the
    /// newest managed container with that `container_name` label; else a
    /// container of that literal name.
    fn resolve_exec_target(&self, wanted: &str, own: Option<&Container>) -> String {
        if let Some(c) = own.filter(|c| !self.removed.contains(&c.id)) {
            return self
                .current
                .get(&c.id)
                .cloned()
                .unwrap_or_else(|| c.name.clone());
        }
        let newest = self
            .observed
            .containers
            .iter()
            .filter(|c| !self.removed.contains(&c.id) && c.desired_name() == wanted)
            .max_by(|a, b| {
                (a.config_id() == self.config_id, &a.created)
                    .cmp(&(b.config_id() == self.config_id, &b.created))
            });
        match newest {
            Some(c) => self
                .current
                .get(&c.id)
                .cloned()
                .unwrap_or_else(|| c.name.clone()),
            None => wanted.to_string(),
        }
    }

    /// Notes on an entry whose container is kept.
    fn keep_notes(&mut self, e: &Entry, c: &Container, observed: &Observed) {
        if let Some(image) = e.image()
            && local_image(observed, image).is_none()
        {
            self.notes.push(Note::ImagePulledContainerKept {
                entry: e.name.clone(),
                image: image.to_string(),
            });
        }
        if e.detach() && !c.running() {
            self.notes.push(Note::NotRunning {
                container: Target::of(c),
                state: c.state.clone(),
            });
        }
    }

    fn finish(
        self,
        operation: Operation,
        opts: &PlanOptions,
        config: Option<crate::value::Value>,
        config_ids: Vec<String>,
        images: BTreeMap<String, Option<String>>,
    ) -> Plan {
        let names = self
            .used_names
            .iter()
            .map(|n| {
                (
                    n.clone(),
                    self.observed.holder(n).map(|(id, _)| id.to_string()),
                )
            })
            .collect();
        let depends_on = Dependencies {
            containers: self.observed.containers.clone(),
            images,
            names,
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
            config,
            fingerprint: super::staleness::fingerprint(&depends_on),
            depends_on,
            steps: self.steps,
            notes: self.notes,
        }
    }
}
