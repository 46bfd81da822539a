//! The rollback of a failed apply (`apply --rollback`), planned like any
//! other plan: from the failed apply's own plan and a fresh observation,
//! purely. What the apply deleted or replaced comes back as it was,
//! recreated from the `config_data` label and image ID the plan recorded
//! of it (by ID: its tag may name the new image now); what it created is
//! removed; what it renamed gets its name back. Working from what is
//! there now rather than from the report makes it right whichever way a
//! step failed (a `run` that created its container and then could not
//! start it, say).
//!
//! A replaced container's rollback is itself a replacement (the new
//! container out, the old one back), so the executor finishes it once
//! begun even if interrupted: the service is never left with neither.

use super::diff::config_diff;
use super::model::{
    Action, Create, Dependencies, FORMAT_VERSION, Note, Operation, Phase, Plan, Reason, Step,
    Target,
};
use super::names::NameBook;
use super::planner::{entry_joins, stop_timeout};
use crate::config::Entry;
use crate::engine::argv::{JoinTarget, LabelSet};
use crate::labels;
use crate::observe::{Container, Observed, State};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Plans the rollback of `failed` (an executed apply whose report was not
/// a success) against `now`, an observation made after it. `ran` are the
/// steps that ran (done or failed): only those are named among what a
/// rollback cannot undo.
///
/// ```
/// use paunch::{Config, Observed, plan::{plan_apply, rollback::plan_rollback, PlanOptions}};
/// let config = Config::parse("web:\n  image: busybox:1.36\n", "x")?;
/// let opts = PlanOptions { config_id: "v1".into(), ..Default::default() };
/// let failed = plan_apply(&config, &Observed::default(), &opts);
/// // Nothing was created: there is nothing to roll back.
/// assert!(plan_rollback(&failed, &Observed::default(), &[]).steps.is_empty());
/// # Ok::<(), paunch::Error>(())
/// ```
pub fn plan_rollback(failed: &Plan, now: &Observed, ran: &[usize]) -> Plan {
    let mut b = Rollback {
        failed,
        now,
        before: failed
            .depends_on
            .containers
            .iter()
            .map(|c| (c.id.as_str(), c))
            .collect(),
        book: NameBook::of(now),
        steps: Vec::new(),
        // Numbered after the failed apply's steps, so each ID in one run's
        // output (`--format json` step events) names one step.
        first_id: failed.steps.iter().map(|s| s.id).max().unwrap_or(0) + 1,
        notes: Vec::new(),
        freed_by: HashMap::new(),
    };
    b.remove_created();
    b.rename_back();
    b.restore();
    b.note_the_rest(ran);
    let depends_on = Dependencies {
        containers: now.containers.clone(),
        images: BTreeMap::new(),
        names: BTreeMap::new(),
        ..Dependencies::default()
    };
    Plan {
        format_version: FORMAT_VERSION.to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        operation: Operation::Rollback,
        runtime: failed.runtime,
        managed_by: failed.managed_by.clone(),
        config_id: failed.config_id.clone(),
        config_ids: Vec::new(),
        labels: failed.labels.clone(),
        config: None,
        config_data: BTreeMap::new(),
        base_dir: None,
        unknown_keys: Default::default(),
        fingerprint: super::staleness::fingerprint(&depends_on),
        depends_on,
        steps: b.steps,
        notes: b.notes,
        // `apply --rollback` is refused with `--systemd`.
        systemd: None,
        sensitive_env: failed.sensitive_env.clone(),
        resources: Vec::new(),
        remove_volumes: false,
        host_paths: Vec::new(),
    }
}

struct Rollback<'a> {
    failed: &'a Plan,
    now: &'a Observed,
    /// The containers when the failed apply was planned, by ID.
    before: HashMap<&'a str, &'a Container>,
    book: NameBook,
    steps: Vec<Step>,
    /// The ID of the rollback's first step.
    first_id: usize,
    notes: Vec<Note>,
    /// Name → the rollback step that frees it.
    freed_by: HashMap<String, usize>,
}

impl<'a> Rollback<'a> {
    /// A step that undoes the failed apply's `step`.
    fn push(&mut self, phase: Phase, action: Action, step: &Step, after: Vec<usize>) -> usize {
        let reason = Reason::RollBack {
            step: step.describe(),
        };
        self.push_reason(phase, action, reason, after)
    }

    /// A container the failed apply made under `name`: there now, and not
    /// there before.
    fn made(&self, name: &str) -> Option<&'a Container> {
        let config_id = self.failed.config_id.as_deref();
        self.now.containers.iter().find(|c| {
            c.name == name
                && !self.before.contains_key(c.id.as_str())
                && config_id.is_none_or(|id| c.config_id() == id)
        })
    }

    /// What the apply created where nothing was replaced: removed.
    fn remove_created(&mut self) {
        let runtime = self.failed.runtime;
        for step in &self.failed.steps {
            let Action::Create { create, .. } = &step.action else {
                continue;
            };
            let Some(c) = self.made(&create.name) else {
                continue;
            };
            if ran_to_completion(create, c) {
                self.notes.push(Note::NotRolledBack {
                    step: step.describe(),
                    why: COMPLETED.into(),
                });
                continue;
            }
            let id = self.push(
                Phase::Delete,
                Action::Delete {
                    container: Target::of(c),
                    stop: runtime.stop_args(stop_timeout(c), &c.id),
                    remove: super::planner::remove_args(runtime, c),
                    units_off: Vec::new(),
                },
                step,
                vec![],
            );
            self.book.free(&c.name);
            self.freed_by.insert(c.name.clone(), id);
        }
    }

    /// Containers the apply renamed (and kept) get their old names back,
    /// where those are free.
    fn rename_back(&mut self) {
        let runtime = self.failed.runtime;
        let mut done = HashSet::new();
        for step in &self.failed.steps {
            let Action::Rename { container, .. } = &step.action else {
                continue;
            };
            let now = self.now;
            let (Some(then), Some(c)) = (
                self.before.get(container.id.as_str()).copied(),
                now.containers.iter().find(|c| c.id == container.id),
            ) else {
                continue;
            };
            if c.name == then.name || !done.insert(c.id.clone()) {
                continue;
            }
            if !self.book.is_free(&then.name) {
                self.notes.push(Note::NotRolledBack {
                    step: step.describe(),
                    why: format!(
                        "{} keeps its new name: its old name {} is taken",
                        c.name, then.name
                    ),
                });
                continue;
            }
            let after = self.freed_by.get(&then.name).copied().into_iter().collect();
            self.push(
                Phase::Rename,
                Action::Rename {
                    container: Target::of(c),
                    to: then.name.clone(),
                    argv: runtime.rename_args(&c.id, &then.name),
                },
                step,
                after,
            );
            self.book.free(&c.name);
            self.book.take(&then.name, &c.id);
        }
    }

    /// What the failed apply deleted or replaced that is gone now, with
    /// its recorded entry, in the failed plan's order; what cannot be
    /// restored is noted.
    fn gone_now(&mut self) -> Vec<(i64, usize, &'a Step, &'a Container, Entry)> {
        let mut wanted: Vec<(i64, usize, &'a Step, &'a Container, Entry)> = Vec::new();
        let failed = self.failed;
        for (at, step) in failed.steps.iter().enumerate() {
            let old = match &step.action {
                Action::Replace { old, .. } => old,
                Action::Delete { container, .. } => container,
                _ => continue,
            };
            let Some(c) = self.before.get(old.id.as_str()).copied() else {
                continue;
            };
            if let Action::Replace { create, .. } = &step.action
                && self
                    .made(&create.name)
                    .is_some_and(|m| ran_to_completion(create, m))
            {
                self.notes.push(Note::NotRolledBack {
                    step: step.describe(),
                    why: COMPLETED.into(),
                });
                continue;
            }
            if self.now.containers.iter().any(|n| n.id == c.id) {
                // Still there: the step failed before removing it.
                continue;
            }
            match recorded_entry(c) {
                Ok(entry) => wanted.push((entry.start_order(), at, step, c, entry)),
                Err(why) => self.notes.push(Note::NotRolledBack {
                    step: step.describe(),
                    why,
                }),
            }
        }
        wanted
    }

    /// The image a container is restored from: by ID (its tag may name
    /// the new image now), but by its own reference while that still names
    /// the same image, so `list` and `ps` show what the configuration says.
    fn restore_image(&self, c: &'a Container) -> &'a str {
        let same = |id: &str| {
            id.strip_prefix("sha256:").unwrap_or(id)
                == c.image_id.strip_prefix("sha256:").unwrap_or(&c.image_id)
        };
        match self.now.images.get(&c.image) {
            _ if c.image_id.is_empty() => c.image.as_str(),
            Some(Some(id)) if !c.image.is_empty() && same(id) => c.image.as_str(),
            _ => c.image_id.as_str(),
        }
    }

    /// The namespaces a restored container joined are recorded by ID: it
    /// joins whatever holds that container's name now (itself, or what
    /// restored it, whose step it then comes `after`).
    fn rejoin<'e>(
        &self,
        c: &Container,
        entry: &'e Entry,
        restored_as: &HashMap<String, (usize, String)>,
        after: &mut Vec<usize>,
    ) -> Vec<(&'static str, &'e str, String)> {
        let mut joins = Vec::new();
        for (key, wanted) in entry_joins(entry) {
            let Some(joined) = c.joined.iter().find(|j| j.key == key) else {
                continue;
            };
            let target = match self.before.get(joined.container.as_str()) {
                Some(j) => restored_as
                    .get(&j.id)
                    .map(|(step, name)| {
                        after.push(*step);
                        name.clone()
                    })
                    .unwrap_or_else(|| j.name.clone()),
                None => joined.container.clone(),
            };
            joins.push((key, wanted, target));
        }
        joins
    }

    /// What the apply deleted or replaced, and is gone now, is recreated
    /// (replacing what the apply made in its place), `start_order` group
    /// by group.
    fn restore(&mut self) {
        let mut wanted = self.gone_now();
        let joiners = self.joiners_of(&wanted);
        // Groups in order; within one, the plan's own order (which puts a
        // joined container before the ones joining it), joiners last.
        wanted.sort_by_key(|(order, at, ..)| (*order, *at));
        let mut wanted: Vec<(i64, usize, &'a Step, &'a Container, Entry, bool)> = wanted
            .into_iter()
            .map(|(o, at, st, c, e)| (o, at, st, c, e, false))
            .chain(joiners)
            .collect();
        wanted.sort_by_key(|(order, at, ..)| (*order, *at));
        let runtime = self.failed.runtime;
        let mut restored_as: HashMap<String, (usize, String)> = HashMap::new();
        for (order, _, step, c, entry, joiner) in wanted {
            let made = match &step.action {
                // A joiner is replaced by itself, joining the restored one.
                _ if joiner => Some(c),
                Action::Replace { create, .. } => self.made(&create.name),
                _ => None,
            };
            if let Some(m) = made {
                self.book.free(&m.name);
            }
            let name = self.book.choose(c.config_id(), &c.name);
            self.book.take(&name, &c.id);
            let mut after: Vec<usize> = self.freed_by.get(&name).copied().into_iter().collect();
            let image = self.restore_image(c);
            let start = matches!(
                c.status(),
                State::Running | State::Paused | State::Restarting
            );
            let joins = self.rejoin(c, &entry, &restored_as, &mut after);
            let targets: Vec<JoinTarget<'_>> = joins
                .iter()
                .map(|(key, wanted, container)| JoinTarget {
                    key,
                    wanted,
                    container,
                })
                .collect();
            let connect = entry.strings("connect");
            let argv = runtime.recreate_args(
                &entry,
                &name,
                &labels_of(c, &entry),
                image,
                start && connect.is_empty(),
                &targets,
            );
            let mut then = runtime.connect_args(&name, connect);
            if start && !connect.is_empty() {
                then.push(runtime.start_args(&name));
            }
            let create = Create {
                name: name.clone(),
                name_held_by: None,
                argv,
                // A container that was not running is only created: the
                // engine call alone is the step.
                detach: entry.detach() || !start,
                exit_codes: entry.exit_codes(),
                joins: Vec::new(),
                then,
                gate: entry.bool("gate") == Some(true),
                units: Vec::new(),
            };
            let entry_name = c.desired_name().to_string();
            let action = match made {
                Some(m) => Action::Replace {
                    entry: entry_name,
                    old: Target::of(m),
                    stop: runtime.stop_args(stop_timeout(m), &m.id),
                    remove: super::planner::remove_args(runtime, m),
                    units_off: Vec::new(),
                    diff: m
                        .config_data()
                        .and_then(|label| config_diff(label, &entry.data)),
                    create,
                },
                None => Action::Create {
                    entry: entry_name,
                    create,
                },
            };
            after.sort_unstable();
            after.dedup();
            let id = if joiner {
                let joined = c
                    .joined
                    .iter()
                    .find_map(|j| self.before.get(j.container.as_str()))
                    .map(|j| j.name.clone())
                    .unwrap_or_default();
                self.push_reason(
                    Phase::Group(order),
                    action,
                    Reason::JoinedReplaced { container: joined },
                    after,
                )
            } else {
                self.push(Phase::Group(order), action, step, after)
            };
            restored_as.insert(c.id.clone(), (id, name));
        }
    }

    /// The containers there now, untouched by the apply, that join (a
    /// namespace or volumes of) a container the rollback restores: a
    /// restored container is a new one, so they are replaced after it, as
    /// the apply replaces the joiners of what it replaces, or they keep a
    /// dead namespace (docker; podman removed them with it). Transitively.
    #[allow(clippy::type_complexity)]
    fn joiners_of(
        &mut self,
        wanted: &[(i64, usize, &'a Step, &'a Container, Entry)],
    ) -> Vec<(i64, usize, &'a Step, &'a Container, Entry, bool)> {
        let mut restored: HashSet<String> = wanted.iter().map(|w| w.3.id.clone()).collect();
        let Some(first) = wanted.first().map(|w| w.2) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let now = self.now;
        loop {
            let more: Vec<&'a Container> = now
                .containers
                .iter()
                .filter(|j| self.before.contains_key(j.id.as_str()) && !restored.contains(&j.id))
                .filter(|j| j.joined.iter().any(|x| restored.contains(&x.container)))
                .collect();
            if more.is_empty() {
                return out;
            }
            for j in more {
                restored.insert(j.id.clone());
                match recorded_entry(j) {
                    Ok(entry) => {
                        let at = self.failed.steps.len() + out.len();
                        out.push((entry.start_order(), at, first, j, entry, true));
                    }
                    Err(why) => self.notes.push(Note::NotRolledBack {
                        step: format!("replace {}", j.name),
                        why,
                    }),
                }
            }
        }
    }

    fn push_reason(
        &mut self,
        phase: Phase,
        action: Action,
        reason: Reason,
        after: Vec<usize>,
    ) -> usize {
        let id = self.first_id + self.steps.len();
        self.steps.push(Step {
            id,
            phase,
            action,
            reason,
            after,
        });
        id
    }

    /// What a rollback cannot undo, said once.
    fn note_the_rest(&mut self, ran: &[usize]) {
        for step in self.failed.steps.iter().filter(|s| ran.contains(&s.id)) {
            let why = match &step.action {
                Action::Exec { .. } => "a command that ran cannot be undone",
                Action::Start { .. } => {
                    "it was started because it had stopped with its configuration unchanged; it keeps running"
                }
                Action::Units { .. } => "its systemd units were written and enabled; they stay",
                _ => continue,
            };
            self.notes.push(Note::NotRolledBack {
                step: step.describe(),
                why: why.into(),
            });
        }
    }
}

/// Why a blocking container that ran to completion stays.
const COMPLETED: &str = "a blocking container that ran to completion cannot be undone (a migration stays migrated); it is kept, so the next apply does not run it again";

/// Whether `c`, made by `create`, is a blocking (`detach: false`)
/// container that exited with one of its `exit_codes`.
fn ran_to_completion(create: &Create, c: &Container) -> bool {
    !create.detach
        && matches!(c.status(), State::Exited)
        && create.exit_codes.contains(&c.exit_code)
}

/// The entry a container was created from, read back from its
/// `config_data` label, which it keeps byte for byte.
fn recorded_entry(c: &Container) -> Result<Entry, String> {
    let label = c.config_data().ok_or_else(|| {
        format!(
            "{} has no config_data label: it cannot be recreated",
            c.name
        )
    })?;
    let recorded = match c.label(crate::config::compose::SERVICE_LABEL) {
        Some(service) => Entry::from_compose_config_data(c.desired_name(), service, label),
        None => Entry::from_config_data(c.desired_name(), label),
    };
    let mut entry = recorded
        .map_err(|e| format!("{} cannot be recreated from its config_data: {e}", c.name))?;
    entry.encoded = label.to_string();
    Ok(entry)
}

/// The labels a container carried besides its entry's own and paunch's
/// four (`--label`s of the apply that made it; its image's labels come
/// back as they were too).
fn labels_of(c: &Container, entry: &Entry) -> LabelSet {
    let own: HashSet<&str> = entry.strings("labels").iter().map(String::as_str).collect();
    LabelSet {
        managed_by: c.label(labels::MANAGED_BY).unwrap_or_default().to_string(),
        config_id: c.config_id().to_string(),
        extra: c
            .labels
            .iter()
            .filter(|(k, v)| {
                !labels::RESERVED.contains(&k.as_str())
                    && !own.contains(format!("{k}={v}").as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}
