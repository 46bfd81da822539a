//! The executor: runs a plan's steps through the engine, the only code that
//! changes the world. Phases run in order: pulls (any failure stops the
//! apply before a container is touched), deletions (stopped together, then
//! removed together), renames, networks and volumes created, then each
//! `start_order` group (its
//! replacements' old containers stopped together, then creates, replacement
//! creates and execs in order, up to `parallel` at once, a blocking
//! container or an exec being a barrier in its group), then the networks
//! (and volumes) no longer used removed. A failed step's
//! dependents are skipped and named; independent steps still run.
//!
//! This file holds the options, the run's shared state and the phases in
//! order; the rest is one file per concern: `schedule` (the worker pool,
//! `after` and barriers), `batch` (stops and removes together), `steps`
//! (the one-call steps: create, rename, start, exec, pull), `wait`
//! (`--wait`: how it polls, what ready means), `units` (`--systemd`),
//! `host_paths` (a Pod's hostPaths made before any container) and
//! `report` (outcomes, progress, the report).

mod batch;
mod host_paths;
mod report;
mod schedule;
mod steps;
#[cfg(test)]
mod tests;
mod units;
mod wait;

pub use host_paths::create_host_paths;
pub use report::{Failure, Outcome, Progress, Report, Silent};

use steps::tail;
use units::units_not_stopped;
use wait::waited_for;

use crate::engine::pull::Pulled;
use crate::engine::{Output, Runner};
use crate::observe::State;
use crate::plan::{Action, Create, Phase, Plan, Step, UnitOp};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How to execute a plan. The default runs one step at a time (pulls up to
/// [`crate::engine::pull::PARALLEL`] at once), with 4 pull attempts backing off
/// from 1 s up to 10 s, no interrupt flag and no `--wait`.
#[derive(Debug, Clone)]
pub struct ExecuteOptions {
    /// Engine calls of one `start_order` group at once; 1 (the default)
    /// runs everything in order. Pulls run up to this or
    /// [`crate::engine::pull::PARALLEL`] at once, whichever is more.
    pub parallel: usize,
    /// Pull attempts per image, the first included (default 4).
    pub pull_attempts: u32,
    /// The base of the backoff: the wait before retry n is uniform in
    /// `[cap/2, cap]`, `cap = min(pull_backoff_max, pull_backoff·2ⁿ⁻¹)`
    /// (default 1 s; see [`crate::engine::pull::backoff`]).
    pub pull_backoff: Duration,
    /// The longest backoff before a retry (default 10 s).
    pub pull_backoff_max: Duration,
    /// Set by a signal handler: finish the steps in flight, start no more.
    pub interrupted: Option<Arc<AtomicBool>>,
    /// `apply --wait`: each group's new and started containers must be
    /// healthy (or running) before the next group starts.
    pub wait: Option<WaitOptions>,
    /// The longest an engine call of a step may take (`--step-timeout`,
    /// default 600 s), a stop's grace period added; running a blocking
    /// container, an exec, a wait and a pull are not bounded (they take
    /// what the user's program or the registry takes). An engine that does
    /// not answer in time fails the step, and the steps not started yet are
    /// skipped, as when the engine cannot be reached at all.
    pub step_timeout: Duration,
}

/// How `apply --wait` waits.
#[derive(Debug, Clone)]
pub struct WaitOptions {
    /// One bound for the whole execution (`--wait-timeout`, default 300 s).
    pub timeout: Duration,
    /// A container without a health check counts as up once it has kept
    /// running this long (one that exits at once is caught; default 1 s).
    pub settle: Duration,
    /// Time between two looks (each one engine call for the whole group;
    /// default 250 ms).
    pub poll: Duration,
}

impl Default for WaitOptions {
    fn default() -> WaitOptions {
        WaitOptions {
            timeout: Duration::from_secs(300),
            settle: Duration::from_secs(1),
            poll: Duration::from_millis(250),
        }
    }
}

impl ExecuteOptions {
    /// How a pull on `runtime` is retried: `pull_attempts` of docker's
    /// window ([`Runtime::pull_calls`]), backing off as configured.
    pub fn pull_retry(&self, runtime: crate::engine::argv::Runtime) -> crate::engine::pull::Retry {
        crate::engine::pull::Retry {
            attempts: runtime.pull_calls(self.pull_attempts),
            backoff: self.pull_backoff,
            backoff_max: self.pull_backoff_max,
        }
    }
}

impl Default for ExecuteOptions {
    fn default() -> ExecuteOptions {
        ExecuteOptions {
            parallel: 1,
            pull_attempts: 4,
            pull_backoff: Duration::from_secs(1),
            pull_backoff_max: Duration::from_secs(10),
            interrupted: None,
            wait: None,
            step_timeout: Duration::from_secs(600),
        }
    }
}

struct Run<'a> {
    plan: &'a Plan,
    engine: &'a dyn Runner,
    opts: &'a ExecuteOptions,
    progress: &'a dyn Progress,
    outcomes: Mutex<BTreeMap<usize, Outcome>>,
    ready: Mutex<Vec<(String, String)>>,
    /// Set when an engine call found the engine gone (or not answering in
    /// time): why. No step starts after that.
    gone: Mutex<Option<String>>,
    /// With `--wait`: steps that ended well whose containers are waited
    /// for; reported once, when the wait has its verdict (one line, one
    /// JSON event per step).
    held: Mutex<BTreeMap<usize, Outcome>>,
    /// With `--wait`: the time spent waiting for readiness so far, which
    /// `--wait-timeout` bounds.
    waited: Mutex<Duration>,
}

/// Runs a plan: the only code that changes anything. Steps run in the
/// plan's phases (pulls, deletions, renames, then each `start_order` group),
/// each only after the steps in its `after` succeeded. It does not check
/// that the plan is still current (see [`crate::plan::staleness`]) and never
/// fails as a whole: a failed, skipped or interrupted step is recorded in
/// the [`Report`], every step of the plan with an outcome.
pub fn execute(
    plan: &Plan,
    engine: &dyn Runner,
    opts: &ExecuteOptions,
    progress: &dyn Progress,
) -> Report {
    progress.planned(plan);
    let started = Instant::now();
    let run = Run {
        plan,
        engine,
        opts,
        progress,
        outcomes: Mutex::new(BTreeMap::new()),
        ready: Mutex::new(Vec::new()),
        gone: Mutex::new(None),
        held: Mutex::new(BTreeMap::new()),
        waited: Mutex::new(Duration::ZERO),
    };
    run.all();
    run.release_held(None);
    let interrupted = run.interrupted();
    let mut outcomes = run.outcomes.into_inner().unwrap_or_default();
    let all = plan
        .steps
        .iter()
        .map(|s| (s.id, outcomes.remove(&s.id).unwrap_or(Outcome::NotRun)))
        .collect();
    Report {
        outcomes: all,
        interrupted,
        elapsed: started.elapsed(),
        ready: run.ready.into_inner().unwrap_or_default(),
    }
}

impl Run<'_> {
    fn interrupted(&self) -> bool {
        self.opts
            .interrupted
            .as_ref()
            .is_some_and(|f| f.load(Ordering::SeqCst))
    }

    /// Why the engine is gone, once an engine call found it so.
    fn gone(&self) -> Option<String> {
        self.gone.lock().ok().and_then(|g| g.clone())
    }

    /// One engine call of a step, given up after `timeout`; once the
    /// engine is found gone, no more calls are made.
    fn call(&self, argv: &[String], timeout: Option<Duration>) -> crate::error::Result<Output> {
        if let Some(why) = self.gone() {
            return Err(crate::error::Error::new(
                crate::error::ErrorKind::EngineUnreachable,
                why,
            ));
        }
        let out = self.engine.run_step_within(argv, timeout);
        let lost = match &out {
            Err(e) if e.kind() == crate::error::ErrorKind::EngineUnreachable => {
                // "docker did not answer within 2s", without the command.
                let text = e.to_string();
                let first = text.lines().next().unwrap_or_default();
                Some(match first.split_once(": ") {
                    Some((head, _)) if head.contains("did not answer within") => head.to_string(),
                    _ => first.to_string(),
                })
            }
            Ok(o) if !o.success() && crate::engine::Engine::unreachable_text(&o.error_text()) => {
                o.error_text().lines().next().map(str::to_string)
            }
            _ => None,
        };
        let Some(lost) = lost else { return out };
        let why = format!(
            "{} stopped answering during the apply ({lost})",
            self.plan.runtime
        );
        if let Ok(mut g) = self.gone.lock()
            && g.is_none()
        {
            *g = Some(why.clone());
        }
        // Each call that finds it gone says so: with --parallel, several
        // may be under way when it goes.
        Err(crate::error::Error::new(
            crate::error::ErrorKind::EngineUnreachable,
            why,
        ))
    }

    /// The timeout of a step's engine call that only changes a
    /// container's state.
    fn bounded(&self) -> Option<Duration> {
        Some(self.opts.step_timeout)
    }

    fn outcome(&self, id: usize) -> Option<Outcome> {
        self.outcomes.lock().ok().and_then(|o| o.get(&id).cloned())
    }

    fn finish(&self, step: &Step, outcome: Outcome) {
        let hold = self.opts.wait.is_some() && outcome.is_done() && waited_for(step);
        let was_held = self.held.lock().ok().and_then(|mut h| h.remove(&step.id));
        if hold && was_held.is_none() {
            if let Ok(mut h) = self.held.lock() {
                h.insert(step.id, outcome.clone());
            }
        } else {
            self.progress.finished(step, &outcome);
        }
        if let Ok(mut o) = self.outcomes.lock() {
            o.insert(step.id, outcome);
        }
    }

    /// `Some(skip)` when a step this one depends on did not succeed.
    fn blocked(&self, step: &Step) -> Option<Outcome> {
        self.blocked_by(step, &[])
    }

    /// [`Run::blocked`], ignoring the dependencies in `later` (steps of the
    /// same group that have not run yet: a replacement's new container
    /// waits for them, its old one need not).
    fn blocked_by(&self, step: &Step, later: &[usize]) -> Option<Outcome> {
        for dep in step.after.iter().filter(|d| !later.contains(d)) {
            match self.outcome(*dep) {
                Some(Outcome::Done(_)) => {}
                Some(Outcome::NotRun) | None if self.interrupted() => return Some(Outcome::NotRun),
                _ => {
                    let what = self
                        .plan
                        .steps
                        .iter()
                        .find(|s| s.id == *dep)
                        .map(Step::describe)
                        .unwrap_or_default();
                    return Some(Outcome::Skipped(format!(
                        "step {dep} ({what}) did not succeed"
                    )));
                }
            }
        }
        None
    }

    fn all(&self) {
        let steps = &self.plan.steps;
        let of = |p: fn(&Phase) -> bool| {
            steps
                .iter()
                .filter(move |s| p(&s.phase))
                .collect::<Vec<_>>()
        };
        let (pulls, builds): (Vec<&Step>, Vec<&Step>) = of(|p| *p == Phase::Pull)
            .into_iter()
            .partition(|s| !matches!(s.action, Action::Build { .. }));
        if !self.pull_all(&pulls) {
            return;
        }
        // Builds after the pulls: one that fails skips the containers
        // that use its image (their `after`), not the rest.
        self.pool(&builds, |s| self.simple(s));
        self.stop_and_remove(&of(|p| *p == Phase::Delete));
        // A rename onto a name another rename frees comes after it.
        self.pool(&of(|p| *p == Phase::Rename), |s| self.simple(s));
        // Networks and volumes before the containers that use them: one
        // that fails to be created skips its users (their `after`).
        self.pool(&of(|p| *p == Phase::Resources), |s| self.simple(s));

        let mut groups: Vec<i64> = Vec::new();
        for s in steps {
            if let Phase::Group(n) = s.phase
                && groups.last() != Some(&n)
            {
                groups.push(n);
            }
        }
        // Replacements of later groups whose old containers had to go
        // before an earlier group's (podman), and how that went.
        let mut removed_early: HashMap<usize, Result<(), Outcome>> = HashMap::new();
        for n in groups {
            if !self.group(n, &mut removed_early) {
                return;
            }
        }
        // Networks (and volumes) once the containers that used them are
        // gone; a failed deletion of one of those skips it (`after`).
        self.pool(&of(|p| *p == Phase::Prune), |s| self.simple(s));
    }

    /// The pulls, up to `--parallel` or [`crate::engine::pull::PARALLEL`] at once;
    /// false when one failed, and then every other step is skipped:
    /// nothing is touched when an image is missing.
    fn pull_all(&self, pulls: &[&Step]) -> bool {
        let limit = self.opts.parallel.max(crate::engine::pull::PARALLEL);
        self.pool_limited(pulls, &HashSet::new(), limit, |s| self.pull(s));
        let failed_pulls: Vec<String> = pulls
            .iter()
            .filter(|s| !self.outcome(s.id).is_some_and(|o| o.is_done()))
            .map(|s| s.describe())
            .collect();
        if failed_pulls.is_empty() {
            return true;
        }
        let why = format!(
            "nothing is touched when an image is missing ({} failed)",
            failed_pulls.join(", ")
        );
        let other = |s: &&Step| !matches!(s.action, Action::Pull { .. });
        for s in self.plan.steps.iter().filter(other) {
            self.finish(s, Outcome::Skipped(why.clone()));
        }
        false
    }

    /// One `start_order` group: its replacements' old containers stopped
    /// and removed together, then its steps, then (`--wait`) its
    /// readiness; false when later groups are not to run.
    fn group(&self, n: i64, removed_early: &mut HashMap<usize, Result<(), Outcome>>) -> bool {
        let steps = &self.plan.steps;
        let later = |s: &&Step| matches!(s.phase, Phase::Group(m) if m > n);
        let group: Vec<&Step> = steps
            .iter()
            .filter(|s| s.phase == Phase::Group(n))
            .collect();
        let replaced: Vec<&Step> = group
            .iter()
            .copied()
            .filter(|s| matches!(s.action, Action::Replace { .. }))
            .filter(|s| !removed_early.contains_key(&s.id))
            .collect();
        let early = self.joining_later(&replaced, n);
        // Old containers go first, together; a replacement whose old
        // container could not be removed is not created.
        let mut ids: Vec<usize> = group.iter().map(|s| s.id).collect();
        ids.extend(steps.iter().filter(later).map(|s| s.id));
        let all_replaced: Vec<&Step> = replaced.iter().chain(&early).copied().collect();
        let mut removed = self.stop_and_remove_replaced(&all_replaced, &ids);
        for s in &early {
            if let Some(r) = removed.remove(&s.id) {
                removed_early.insert(s.id, r);
            }
        }
        for s in &group {
            if let Some(r) = removed_early.remove(&s.id) {
                removed.insert(s.id, r);
            }
        }
        // A replacement is one step. Once its old container
        // is gone, its new one is created even after an interrupt, or
        // the interrupt would have deleted the service.
        let committed: HashSet<usize> = removed
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(id, _)| *id)
            .collect();
        self.pool_committed(&group, &committed, |s| match &s.action {
            Action::Replace { create, .. } => match removed.get(&s.id) {
                Some(Ok(())) => self.create_with_units(create),
                Some(Err(outcome)) => outcome.clone(),
                None => Outcome::NotRun,
            },
            _ => self.simple(s),
        });
        // `--wait` waits for the whole group; without it, only for the
        // containers a later group needs healthy (`gate`).
        // A gate that failed (or did not run) holds the later groups back,
        // as `depends_on` holds a service's dependants.
        let failed_gates: Vec<&str> = group
            .iter()
            .filter(|s| gates_health(s) && !self.outcome(s.id).is_some_and(|o| o.is_done()))
            .map(|s| match &s.action {
                Action::Create { create, .. } | Action::Replace { create, .. } => {
                    create.name.as_str()
                }
                _ => "",
            })
            .collect();
        if !failed_gates.is_empty() {
            let why = format!(
                "start_order {n}: {} did not succeed, and later groups need it",
                failed_gates.join(", ")
            );
            for s in steps.iter().filter(|s| later(s) || s.phase == Phase::Prune) {
                self.finish(s, Outcome::Skipped(why.clone()));
            }
            return false;
        }
        let (gated, w) = match &self.opts.wait {
            Some(w) => (group.clone(), w.clone()),
            None => (
                group.iter().filter(|s| gates_health(s)).copied().collect(),
                WaitOptions::default(),
            ),
        };
        let Some(not_ready) = (!gated.is_empty()).then(|| self.wait(&gated, &w)).flatten() else {
            return true;
        };
        let why = format!("start_order {n} did not become ready ({not_ready})");
        for s in steps.iter().filter(|s| later(s) || s.phase == Phase::Prune) {
            self.finish(s, Outcome::Skipped(why.clone()));
        }
        false
    }

    /// The replacements of later groups whose old containers joined a
    /// namespace of one that `replaced` removes now (directly or through
    /// each other) have their old containers stopped and removed first,
    /// with these (stopped before the ones they joined, see
    /// [`Run::batch_stop_remove`]); their new ones are still created in
    /// their own group. podman removes no container another one joined;
    /// and on either engine a container losing its network while it
    /// handles its stop signal (a Pod's app containers, when their infra
    /// container is replaced) could not finish cleanly.
    fn joining_later(&self, replaced: &[&Step], n: i64) -> Vec<&'_ Step> {
        let old_id = |s: &Step| match &s.action {
            Action::Replace { old, .. } => Some(old.id.clone()),
            _ => None,
        };
        let mut going: HashSet<String> = replaced.iter().filter_map(|s| old_id(s)).collect();
        let mut early: Vec<&Step> = Vec::new();
        loop {
            let more: Vec<&Step> = self
                .plan
                .steps
                .iter()
                .filter(|s| matches!(s.phase, Phase::Group(m) if m > n))
                .filter(|s| !early.iter().any(|e| e.id == s.id))
                .filter(|s| {
                    let Some(id) = old_id(s) else { return false };
                    self.plan.depends_on.containers.iter().any(|c| {
                        c.id == id
                            && c.joined
                                .iter()
                                .any(|j| j.key != "volumes_from" && going.contains(&j.container))
                    })
                })
                .collect();
            if more.is_empty() {
                return early;
            }
            going.extend(more.iter().filter_map(|s| old_id(s)));
            early.extend(more);
        }
    }

    /// Marks a step not run if an interrupt came; true if so.
    fn stop_requested(&self, s: &Step) -> bool {
        if self.interrupted() {
            self.finish(s, Outcome::NotRun);
            return true;
        }
        false
    }
}

/// Whether a step creates a container the next group waits on to be
/// healthy.
fn gates_health(step: &Step) -> bool {
    matches!(
        &step.action,
        Action::Create { create, .. } | Action::Replace { create, .. } if create.gate
    )
}
