//! The executor: runs a plan's steps through the engine, the only code that
//! changes the world. Phases run in order: pulls (any failure stops the
//! apply before a container is touched), deletions (stopped together, then
//! removed together), renames, then each `start_order` group (its
//! replacements' old containers stopped together, then creates, replacement
//! creates and execs in order, up to `parallel` at once, a blocking
//! container or an exec being a barrier in its group). A failed step's
//! dependents are skipped and named; independent steps still run.

use crate::engine::{Output, Runner};
use crate::observe::State;
use crate::plan::{Action, Create, Phase, Plan, Step, UnitOp};
use crate::pull::Pulled;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How to execute a plan. The default runs one step at a time (pulls up to
/// [`crate::pull::PARALLEL`] at once), with 4 pull attempts backing off
/// from 1 s up to 10 s, no interrupt flag and no `--wait`.
#[derive(Debug, Clone)]
pub struct ExecuteOptions {
    /// Engine calls of one `start_order` group at once; 1 (the default)
    /// runs everything in order. Pulls run up to this or
    /// [`crate::pull::PARALLEL`] at once, whichever is more.
    pub parallel: usize,
    /// Pull attempts per image, the first included (default 4).
    pub pull_attempts: u32,
    /// The base of the backoff: the wait before retry n is uniform in
    /// `[cap/2, cap]`, `cap = min(pull_backoff_max, pull_backoff·2ⁿ⁻¹)`
    /// (default 1 s; see [`crate::pull::backoff`]).
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
    pub fn pull_retry(&self, runtime: crate::runtime::Runtime) -> crate::pull::Retry {
        crate::pull::Retry {
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

/// Creates the host paths an apply's configuration lists for it (a Pod's
/// missing `DirectoryOrCreate`/`FileOrCreate` hostPaths, see
/// [`crate::config::HostPath`]), before any container: directories with
/// their parents, files empty. One that cannot be made stops the apply
/// before anything else is touched.
pub fn create_host_paths(paths: &[crate::config::HostPath]) -> crate::error::Result<()> {
    for h in paths {
        let made = if h.file {
            h.path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| {
                    // Only ever a new, empty file: what is there (a file,
                    // or a link to one) is left as it is.
                    use std::os::unix::fs::OpenOptionsExt as _;
                    match std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .custom_flags(libc::O_NOFOLLOW)
                        .open(&h.path)
                    {
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                        made => made.map(|_| ()),
                    }
                })
        } else {
            std::fs::create_dir_all(&h.path)
        };
        made.map_err(|e| crate::error::Error::io("create the host path", &h.path, e))?;
    }
    Ok(())
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It did what it said; what happened, in a few words.
    Done(String),
    /// It failed: the engine's own message, and the exit code.
    Failed(Failure),
    /// Not run because something it depends on failed.
    Skipped(String),
    /// Not run because the apply was interrupted.
    NotRun,
}

/// A failed step: the engine's message (or ours, when the engine could not
/// be run), and the exit code that made it a failure: the engine CLI's, or
/// a blocking container's or an exec's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The engine's message, or ours when it could not be run.
    pub message: String,
    /// The exit code that made it fail: the engine CLI's, or the container's or
    /// exec's own.
    pub exit_code: Option<i32>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Outcome {
    /// Whether the step did what it said.
    pub fn is_done(&self) -> bool {
        matches!(self, Outcome::Done(_))
    }

    fn failed(message: impl Into<String>, exit_code: Option<i32>) -> Outcome {
        Outcome::Failed(Failure {
            message: message.into(),
            exit_code,
        })
    }

    /// The engine could not be run at all.
    fn error(e: impl std::fmt::Display) -> Outcome {
        Outcome::failed(e.to_string(), None)
    }

    /// The engine answered with a failure.
    fn engine(o: &Output) -> Outcome {
        Outcome::failed(o.error_text(), o.code)
    }
}

/// Told about each step as it starts and ends (for progress displays).
pub trait Progress: Sync {
    /// The plan about to be executed.
    fn planned(&self, _plan: &Plan) {}
    /// A step starts (for a replacement: its old container's stop).
    fn started(&self, _step: &Step) {}
    /// A step ended.
    fn finished(&self, _step: &Step, _outcome: &Outcome) {}
}

/// A [`Progress`] that says nothing.
pub struct Silent;
impl Progress for Silent {}

/// What happened to every step, in plan order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Each step's outcome, by step ID, in plan order.
    pub outcomes: Vec<(usize, Outcome)>,
    /// Whether a signal stopped it before every step ran.
    pub interrupted: bool,
    /// How long the execution took.
    pub elapsed: Duration,
    /// With `--wait`: each container found ready, and how (`healthy`, or
    /// `running` for one without a health check), in the order found.
    pub ready: Vec<(String, String)>,
}

impl Report {
    /// The failed steps and their messages.
    pub fn failed(&self) -> impl Iterator<Item = (usize, &str)> {
        self.outcomes.iter().filter_map(|(id, o)| match o {
            Outcome::Failed(e) => Some((*id, e.message.as_str())),
            _ => None,
        })
    }

    /// The skipped steps and why.
    pub fn skipped(&self) -> impl Iterator<Item = (usize, &str)> {
        self.outcomes.iter().filter_map(|(id, o)| match o {
            Outcome::Skipped(e) => Some((*id, e.as_str())),
            _ => None,
        })
    }

    /// The steps not run because of an interrupt.
    pub fn not_run(&self) -> impl Iterator<Item = usize> + '_ {
        self.outcomes
            .iter()
            .filter(|(_, o)| *o == Outcome::NotRun)
            .map(|(id, _)| *id)
    }

    /// Whether every step succeeded and nothing interrupted it.
    pub fn success(&self) -> bool {
        !self.interrupted && self.outcomes.iter().all(|(_, o)| o.is_done())
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

    /// Reports the held steps (all, or the one of container `name`) as
    /// they ended, with what the wait found (`ready`: "healthy").
    fn release_held(&self, only: Option<(&str, &str)>) {
        let Ok(mut held) = self.held.lock() else {
            return;
        };
        let ids: Vec<usize> = held.keys().copied().collect();
        for id in ids {
            let Some(step) = self.plan.steps.iter().find(|s| s.id == id) else {
                continue;
            };
            let outcome = match only {
                None => held.remove(&id),
                Some((name, how)) if waited_name(step) == Some(name) => {
                    held.remove(&id).map(|o| match o {
                        Outcome::Done(d) => Outcome::Done(format!("{d}; ready ({how})")),
                        other => other,
                    })
                }
                Some(_) => None,
            };
            if let Some(o) = outcome {
                self.progress.finished(step, &o);
            }
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

        let pulls = of(|p| *p == Phase::Pull);
        let limit = self.opts.parallel.max(crate::pull::PARALLEL);
        self.pool_limited(&pulls, &HashSet::new(), limit, |s| self.pull(s));
        let failed_pulls: Vec<String> = pulls
            .iter()
            .filter(|s| !self.outcome(s.id).is_some_and(|o| o.is_done()))
            .map(|s| s.describe())
            .collect();
        if !failed_pulls.is_empty() {
            let why = format!(
                "nothing is touched when an image is missing ({} failed)",
                failed_pulls.join(", ")
            );
            for s in steps.iter().filter(|s| s.phase != Phase::Pull) {
                self.finish(s, Outcome::Skipped(why.clone()));
            }
            return;
        }

        let deletes = of(|p| *p == Phase::Delete);
        self.stop_and_remove(&deletes);

        // A rename onto a name another rename frees comes after it.
        self.pool(&of(|p| *p == Phase::Rename), |s| self.simple(s));

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
            ids.extend(
                steps
                    .iter()
                    .filter(|s| matches!(s.phase, Phase::Group(m) if m > n))
                    .map(|s| s.id),
            );
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
            if let Some(not_ready) = self.opts.wait.as_ref().and_then(|w| self.wait(&group, w)) {
                let why = format!("start_order {n} did not become ready ({not_ready})");
                for s in steps
                    .iter()
                    .filter(|s| matches!(s.phase, Phase::Group(m) if m > n))
                {
                    self.finish(s, Outcome::Skipped(why.clone()));
                }
                return;
            }
        }
    }

    /// podman removes no container another one joined (a namespace): the
    /// replacements of later groups whose old containers joined one that
    /// `replaced` removes now (directly or through each other) have their
    /// old containers removed first, with these; their new ones are still
    /// created in their own group. Docker needs none of this: nothing.
    fn joining_later(&self, replaced: &[&Step], n: i64) -> Vec<&'_ Step> {
        if self.plan.runtime != crate::runtime::Runtime::Podman {
            return Vec::new();
        }
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

    /// Runs `steps` in order, up to `parallel` at once, each after the
    /// steps it depends on.
    fn pool(&self, steps: &[&Step], work: impl Fn(&Step) -> Outcome + Sync) {
        self.pool_committed(steps, &HashSet::new(), work);
    }

    /// [`Run::pool`], where the `committed` steps (already half done) run
    /// even after an interrupt.
    fn pool_committed(
        &self,
        steps: &[&Step],
        committed: &HashSet<usize>,
        work: impl Fn(&Step) -> Outcome + Sync,
    ) {
        self.pool_limited(steps, committed, self.opts.parallel, work);
    }

    /// [`Run::pool_committed`], up to `limit` at once.
    fn pool_limited(
        &self,
        steps: &[&Step],
        committed: &HashSet<usize>,
        limit: usize,
        work: impl Fn(&Step) -> Outcome + Sync,
    ) {
        if steps.is_empty() {
            return;
        }
        struct Queue {
            pending: Vec<usize>,
            running: usize,
        }
        let ids: Vec<usize> = steps.iter().map(|s| s.id).collect();
        let queue = Mutex::new(Queue {
            pending: (0..steps.len()).collect(),
            running: 0,
        });
        let changed = Condvar::new();
        let in_pool = |id: usize| ids.contains(&id);
        let order = barrier_order(steps);
        let ready = |i: usize| {
            let done = |d: &usize| !in_pool(*d) || self.outcome(*d).is_some();
            steps[i].after.iter().all(done) && order[i].iter().all(done)
        };
        let worker = || {
            loop {
                let index = {
                    let Ok(mut q) = queue.lock() else { return };
                    loop {
                        if q.pending.is_empty() {
                            changed.notify_all();
                            return;
                        }
                        if let Some(pos) = q.pending.iter().position(|i| ready(*i)) {
                            q.running += 1;
                            break q.pending.remove(pos);
                        }
                        if q.running == 0 {
                            // Nothing can make progress: a dependency outside
                            // any order. Run the first to report it.
                            q.running += 1;
                            break q.pending.remove(0);
                        }
                        q = match changed.wait(q) {
                            Ok(q) => q,
                            Err(_) => return,
                        };
                    }
                };
                let step = steps[index];
                if committed.contains(&step.id) || !self.stop_requested(step) {
                    match self.blocked(step) {
                        Some(skip) => self.finish(step, skip),
                        None if !committed.contains(&step.id) && self.gone().is_some() => {
                            let why = self.gone().unwrap_or_default();
                            self.finish(step, Outcome::Skipped(format!("not started: {why}")));
                        }
                        None => {
                            self.progress.started(step);
                            let out = work(step);
                            self.finish(step, out);
                        }
                    }
                }
                if let Ok(mut q) = queue.lock() {
                    q.running -= 1;
                }
                changed.notify_all();
            }
        };
        let n = limit.clamp(1, steps.len());
        if n == 1 {
            worker();
        } else {
            let worker = &worker;
            std::thread::scope(|scope| {
                for _ in 0..n {
                    scope.spawn(worker);
                }
            });
        }
    }

    /// `--wait`: looks at the group's new and started detached containers,
    /// all in one engine call each time, until each is healthy (it has a
    /// health check) or has kept running for the settle time (it has
    /// none). One that exits, turns unhealthy or is not ready by the
    /// deadline fails its step, with its state and last log lines. Returns
    /// the names that failed, if any did.
    fn wait(&self, group: &[&Step], w: &WaitOptions) -> Option<String> {
        let mut pending: Vec<(&Step, String)> = group
            .iter()
            .filter(|s| self.outcome(s.id).is_some_and(|o| o.is_done()))
            .filter_map(|s| waited_name(s).map(|n| (*s, n.to_string())))
            .collect();
        // The run each container was first seen in: ready means it kept
        // running in that run. A container made by this apply has had no
        // restart before it.
        let mut runs: HashMap<String, Run0> = pending
            .iter()
            .filter(|(s, _)| matches!(s.action, Action::Create { .. } | Action::Replace { .. }))
            .map(|(_, n)| {
                (
                    n.clone(),
                    Run0 {
                        restarts: Some(0),
                        started_at: String::new(),
                    },
                )
            })
            .collect();
        let began = Instant::now();
        let settled = began + w.settle;
        // --wait-timeout bounds waiting for readiness, summed over the
        // groups: not the time creating, nor a blocking job's run (a job
        // is not waited for to become ready; --step-timeout bounds it).
        let spent = self.waited.lock().map(|w| *w).unwrap_or_default();
        let deadline = began + w.timeout.saturating_sub(spent);
        let runtime = self.plan.runtime;
        let mut failed = Vec::new();
        // Podman health checks this paunch runs itself: when each last ran.
        let mut checked: HashMap<String, Instant> = HashMap::new();
        while !pending.is_empty() && !self.interrupted() {
            let names: Vec<String> = pending.iter().map(|(_, n)| n.clone()).collect();
            // One call for the whole group. A call that fails outright
            // (the engine, not a container) tells nothing: look again.
            let looked = self
                .call(&runtime.inspect_args(&names), self.bounded())
                .map_err(|e| e.to_string())
                .and_then(|o| {
                    let seen = crate::observe::parse_inspect_with_health(&o.stdout)
                        .map_err(|e| e.to_string())?;
                    if seen.is_empty() && !o.success() {
                        return Err(o.error_text());
                    }
                    Ok(seen)
                });
            let seen = match looked {
                Ok(x) => x,
                Err(why) => {
                    // An engine found gone does not come back in time.
                    if Instant::now() >= deadline || self.gone().is_some() {
                        for (step, name) in pending.drain(..) {
                            self.finish(
                                step,
                                Outcome::failed(
                                    format!(
                                        "{name} could not be looked at within --wait-timeout {}s: {why}",
                                        w.timeout.as_secs()
                                    ),
                                    None,
                                ),
                            );
                            failed.push(name);
                        }
                        break;
                    }
                    std::thread::sleep(w.poll);
                    continue;
                }
            };
            let now = Instant::now();
            let mut still = Vec::new();
            for (step, name) in pending {
                let (c, check) = match seen.iter().find(|(c, _)| c.name == name) {
                    Some((c, h)) => (Some(c), Some(h)),
                    None => (None, None),
                };
                let restarted = match (c, check) {
                    (Some(c), Some(h)) => runs.entry(name.clone()).or_default().restarted(c, h),
                    _ => false,
                };
                let verdict = match c {
                    None => Some((format!("{name} is gone"), None)),
                    Some(c) if restarted => Some((
                        format!(
                            "{name} restarted while --wait waited for it ({}, last exit code {}): it does not keep running",
                            c.status_text(),
                            c.exit_code
                        ),
                        i32::try_from(c.exit_code).ok(),
                    )),
                    Some(c) if matches!(c.status(), State::Exited | State::Dead) => Some((
                        format!("{name} {}", c.status_text()),
                        i32::try_from(c.exit_code).ok(),
                    )),
                    Some(c) if c.health == "unhealthy" => {
                        let output = check.map(|h| h.last_output.as_str()).unwrap_or_default();
                        Some((
                            if output.is_empty() {
                                format!("{name} is unhealthy: its health check fails")
                            } else {
                                format!(
                                    "{name} is unhealthy: its health check fails, printing:\n{}",
                                    tail(output, 10)
                                )
                            },
                            None,
                        ))
                    }
                    Some(c)
                        if c.running()
                            && (c.health == "healthy"
                                || (c.health.is_empty() && now >= settled)) =>
                    {
                        let how = if c.health.is_empty() {
                            "running"
                        } else {
                            "healthy"
                        };
                        self.release_held(Some((&name, how)));
                        if let Ok(mut r) = self.ready.lock() {
                            r.push((name, how.to_string()));
                        }
                        continue;
                    }
                    Some(c) if now >= deadline => Some((
                        format!(
                            "{name} is not ready within --wait-timeout {}s: {}",
                            w.timeout.as_secs(),
                            c.status_text()
                        ),
                        None,
                    )),
                    Some(c) => {
                        // No systemd runs podman's checks on a timer: run the
                        // check at its interval (the engine's default, 30 s,
                        // when none is given), the first one interval in.
                        if c.running() && !c.health.is_empty() {
                            self.run_health_check(&name, check, began, &mut checked);
                        }
                        None
                    }
                };
                match verdict {
                    Some((message, code)) => {
                        let logs = self
                            .call(&runtime.logs_args(&name, 20), self.bounded())
                            .map(|o| tail(&format!("{}{}", o.stdout, o.stderr), 20))
                            .unwrap_or_default();
                        let message = if logs.is_empty() {
                            message
                        } else {
                            format!("{message}; its last log lines:\n{logs}")
                        };
                        self.finish(step, Outcome::failed(message, code));
                        failed.push(name);
                    }
                    None => still.push((step, name)),
                }
            }
            pending = still;
            if !pending.is_empty() {
                std::thread::sleep(w.poll);
            }
        }
        if let Ok(mut w) = self.waited.lock() {
            *w += began.elapsed();
        }
        (!failed.is_empty()).then(|| failed.join(", "))
    }

    /// Runs a container's health check if the runtime leaves that to the
    /// client (podman without systemd) and it is due.
    fn run_health_check(
        &self,
        name: &str,
        check: Option<&crate::observe::HealthCheck>,
        began: Instant,
        checked: &mut HashMap<String, Instant>,
    ) {
        let Some(argv) = self.plan.runtime.healthcheck_run_args(name) else {
            return;
        };
        let interval = check
            .and_then(|h| h.interval)
            .unwrap_or(Duration::from_secs(30));
        let last = checked.get(name).copied().unwrap_or(began);
        if last.elapsed() >= interval {
            // Its verdict is read back by the next look, like docker's.
            let _ = self.call(&argv, self.bounded());
            checked.insert(name.to_string(), Instant::now());
        }
    }

    /// Runs a step that is one engine call.
    fn simple(&self, s: &Step) -> Outcome {
        match &s.action {
            Action::Pull { .. } => self.pull(s),
            Action::Rename { argv, to, .. } => match self.call(argv, self.bounded()) {
                Ok(o) if o.success() => Outcome::Done(format!("renamed to {to}")),
                Ok(o) => Outcome::engine(&o),
                Err(e) => Outcome::error(e),
            },
            Action::Create { create, .. } => self.create_with_units(create),
            Action::Units { ops, container, .. } => match self.unit_ops(ops) {
                Ok(()) => {
                    Outcome::Done(format!("wrote and enabled the units of {}", container.name))
                }
                Err(e) => Outcome::error(e),
            },
            Action::Exec {
                argv,
                exit_codes,
                target,
                ..
            } => match self.call(argv, None) {
                Ok(o) => match o.code {
                    Some(c) if exit_codes.contains(&i64::from(c)) => {
                        Outcome::Done(format!("exited with {c}"))
                    }
                    _ => Outcome::failed(
                        format!("exec in {target} {}: {}", code_text(&o), o.error_text()),
                        o.code,
                    ),
                },
                Err(e) => Outcome::error(e),
            },
            Action::Wait {
                argv,
                exit_codes,
                container,
                ..
            } => match self.call(argv, None) {
                Ok(o) if o.success() => {
                    // `wait` prints the container's exit code.
                    match o.stdout.trim().parse::<i64>() {
                        Ok(code) if exit_codes.contains(&code) => {
                            Outcome::Done(format!("{} exited with {code}", container.name))
                        }
                        Ok(code) => Outcome::failed(
                            format!(
                                "{} exited with {code}, expected one of {exit_codes:?}",
                                container.name
                            ),
                            i32::try_from(code).ok(),
                        ),
                        Err(_) => {
                            Outcome::error(format!("unexpected wait output: {}", o.stdout.trim()))
                        }
                    }
                }
                Ok(o) => Outcome::engine(&o),
                Err(e) => Outcome::error(e),
            },
            Action::Start {
                argv, container, ..
            } => match self.call(argv, self.bounded()) {
                Ok(o) if o.success() => Outcome::Done(format!("started {}", container.name)),
                Ok(o) => Outcome::engine(&o),
                Err(e) => Outcome::error(e),
            },
            // Deletions and replacements run in batches, not here.
            Action::Delete { .. } | Action::Replace { .. } => Outcome::NotRun,
        }
    }

    /// Creates a container, then (`--systemd`) writes and enables its
    /// units, which start it.
    fn create_with_units(&self, c: &Create) -> Outcome {
        let outcome = self.create(c);
        if c.units.is_empty() || !outcome.is_done() {
            return outcome;
        }
        match self.unit_ops(&c.units) {
            Ok(()) => Outcome::Done(format!(
                "created {} and started it with its systemd units",
                c.name
            )),
            Err(e) => Outcome::error(format!("created {}, but {e}", c.name)),
        }
    }

    /// Runs unit operations in order: files written atomically (a
    /// temporary file renamed over the old one) or removed, in the plan's
    /// systemd directory, and `systemctl` calls. The first failure stops
    /// them and says what failed.
    fn unit_ops(&self, ops: &[UnitOp]) -> Result<(), String> {
        ops.iter().try_for_each(|op| self.unit_op(op))
    }

    /// [`Run::unit_ops`] for units going away (a delete): every operation
    /// is tried, so that a `systemctl` that fails (no systemd answers)
    /// still lets the files go; returns what failed.
    fn unit_ops_removing(&self, ops: &[UnitOp]) -> Vec<String> {
        ops.iter().filter_map(|op| self.unit_op(op).err()).collect()
    }

    fn unit_op(&self, op: &UnitOp) -> Result<(), String> {
        let Some(sd) = &self.plan.systemd else {
            return Err("the plan has systemd unit steps but no systemd directory".into());
        };
        let dir = std::path::Path::new(&sd.dir);
        let path = |file: &str| {
            if file.is_empty() || file.contains('/') || file == "." || file == ".." {
                Err(format!("{file:?} is not a unit file name"))
            } else {
                Ok(dir.join(file))
            }
        };
        match op {
            UnitOp::Write { file, contents } => {
                let target = path(file)?;
                write_atomically(dir, file, contents).map_err(|e| {
                    format!(
                        "cannot write {}: {e} (is --systemd-dir {} writable?)",
                        target.display(),
                        sd.dir
                    )
                })
            }
            UnitOp::Remove { file } => {
                let target = path(file)?;
                let removed = if target.is_dir() {
                    std::fs::remove_dir_all(&target)
                } else {
                    std::fs::remove_file(&target)
                };
                match removed {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        Err(format!("cannot remove {}: {e}", target.display()))
                    }
                    _ => Ok(()),
                }
            }
            UnitOp::Systemctl { argv } => {
                let shown = format!("systemctl {}", argv.join(" "));
                match self.engine.run_systemctl(argv) {
                    Ok(o) if o.success() => Ok(()),
                    Ok(o) => Err(format!("`{shown}` failed: {}", o.error_text())),
                    Err(e) => Err(format!("`{shown}` could not be run: {e}")),
                }
            }
        }
    }

    fn create(&self, c: &Create) -> Outcome {
        let timeout = if c.detach { self.bounded() } else { None };
        match self.call(&c.argv, timeout) {
            Err(e) => Outcome::error(e),
            Ok(o) if c.detach => {
                if o.success() {
                    let id = o.stdout.trim();
                    Outcome::Done(format!(
                        "created {} ({})",
                        c.name,
                        crate::observe::short_id(id)
                    ))
                } else {
                    let mut msg = o.error_text();
                    self.explain(&o, &mut msg);
                    Outcome::failed(msg, o.code)
                }
            }
            Ok(o) => match o.code {
                Some(code) if c.exit_codes.contains(&i64::from(code)) => {
                    Outcome::Done(format!("{} ran and exited with {code}", c.name))
                }
                _ => {
                    let mut msg = format!(
                        "{} {}, expected one of {:?}",
                        c.name,
                        code_text(&o),
                        c.exit_codes
                    );
                    let tail = tail(&o.stderr, 20);
                    if !tail.is_empty() {
                        msg.push('\n');
                        msg.push_str(&tail);
                    }
                    self.explain(&o, &mut msg);
                    Outcome::failed(msg, o.code)
                }
            },
        }
    }

    /// Appends what the operator should know about a failed call, when
    /// the runtime recognises its error ([`crate::runtime::Runtime::explain`]).
    fn explain(&self, o: &Output, msg: &mut String) {
        if let Some(hint) = self.plan.runtime.explain(&o.stderr) {
            msg.push('\n');
            msg.push_str(&hint);
        }
    }

    fn pull(&self, s: &Step) -> Outcome {
        let Action::Pull { argv, image } = &s.action else {
            return Outcome::NotRun;
        };
        let retry = self.opts.pull_retry(self.plan.runtime);
        match crate::pull::pull(self.engine, argv, image, &retry, &|| self.interrupted()) {
            Pulled::Done => Outcome::Done(format!("pulled {image}")),
            Pulled::Failed { message, code } => Outcome::failed(message, code),
            Pulled::Interrupted => Outcome::NotRun,
        }
    }

    /// Deletions: every stop at once (one call per distinct stop command),
    /// then every remove at once.
    fn stop_and_remove(&self, steps: &[&Step]) {
        let mut items = Vec::new();
        let mut unit_errors: HashMap<usize, Vec<String>> = HashMap::new();
        for s in steps {
            if self.stop_requested(s) {
                continue;
            }
            if let Action::Delete {
                stop,
                remove,
                units_off,
                ..
            } = &s.action
            {
                self.progress.started(s);
                // Its units first, or systemd would start it again. What
                // systemctl cannot do (no systemd answers) does not keep
                // the container and the files: delete removes what it
                // can and says what it could not.
                let units_failed = self.unit_ops_removing(units_off);
                items.push((s.id, stop.clone(), remove.clone()));
                if !units_failed.is_empty() {
                    unit_errors.insert(s.id, units_failed);
                }
            }
        }
        let results = self.batch_stop_remove(&items);
        for s in steps {
            if let Some(r) = results.get(&s.id) {
                let out = match (r, unit_errors.get(&s.id)) {
                    (Ok(()), None) => Outcome::Done("stopped and removed".into()),
                    (Ok(()), Some(errors)) => Outcome::error(units_not_stopped(errors)),
                    (Err(e), _) => Outcome::error(e),
                };
                self.finish(s, out);
            }
        }
    }

    /// The old containers of a group's replacements, stopped together then
    /// removed together. Returns each step's result.
    fn stop_and_remove_replaced(
        &self,
        steps: &[&Step],
        group: &[usize],
    ) -> HashMap<usize, Result<(), Outcome>> {
        let mut items = Vec::new();
        let mut results = HashMap::new();
        for s in steps {
            if self.interrupted() {
                continue;
            }
            if let Some(skip) = self.blocked_by(s, group) {
                results.insert(s.id, Err(skip));
                continue;
            }
            if let Action::Replace {
                stop,
                remove,
                units_off,
                ..
            } = &s.action
            {
                // In flight from its old container's stop on.
                self.progress.started(s);
                // Its service stopped first, or systemd would start it again.
                if let Err(e) = self.unit_ops(units_off) {
                    results.insert(
                        s.id,
                        Err(Outcome::error(format!(
                            "the old container's units could not be stopped: {e}"
                        ))),
                    );
                    continue;
                }
                items.push((s.id, stop.clone(), remove.clone()));
            }
        }
        results.extend(self.batch_stop_remove(&items).into_iter().map(|(id, r)| {
            (
                id,
                r.map_err(|e| {
                    Outcome::error(format!("the old container could not be removed: {e}"))
                }),
            )
        }));
        results
    }

    fn batch_stop_remove(
        &self,
        items: &[(usize, Vec<String>, Vec<String>)],
    ) -> HashMap<usize, Result<(), String>> {
        self.unpause_for_podman(items);
        let stops: Vec<(usize, &[String])> =
            items.iter().map(|(id, s, _)| (*id, s.as_slice())).collect();
        let mut results = self.batched(&stops, "stop");
        let mut removes: Vec<(usize, &[String])> = items
            .iter()
            .filter(|(id, _, _)| matches!(results.get(id), Some(Ok(Gone::No))))
            .map(|(id, _, r)| (*id, r.as_slice()))
            .collect();
        // podman removes no container that another one joined (its
        // network, IPC or PID namespace), even when that one goes in the
        // same call: remove in rounds, dependents first, while each round
        // removes something.
        // And a container whose storage a killed engine call left busy
        // (podman has no daemon to finish it) gets two more tries.
        let mut busy_tries = 2;
        loop {
            let removed = self.batched(&removes, "rm");
            let refused: Vec<usize> = removed
                .iter()
                .filter(|(_, r)| matches!(r, Err(e) if e.contains("has dependent containers")))
                .map(|(id, _)| *id)
                .collect();
            let busy: Vec<usize> = removed
                .iter()
                .filter(|(_, r)| matches!(r, Err(e) if e.contains("device or resource busy")))
                .map(|(id, _)| *id)
                .collect();
            let progress = refused.len() + busy.len() < removed.len();
            for (id, r) in removed {
                results.insert(id, r);
            }
            let retry_busy = !busy.is_empty() && busy_tries > 0;
            if !(retry_busy || (!refused.is_empty() && progress)) {
                break;
            }
            if retry_busy {
                busy_tries -= 1;
                std::thread::sleep(Duration::from_millis(500));
            }
            removes.retain(|(id, _)| refused.contains(id) || busy.contains(id));
        }
        results
            .into_iter()
            .map(|(id, r)| (id, r.map(|_| ())))
            .collect()
    }

    /// podman stops no paused container: unpause those of `items` that
    /// were paused when the plan was made, in one call, before stopping.
    fn unpause_for_podman(&self, items: &[(usize, Vec<String>, Vec<String>)]) {
        if self.plan.runtime != crate::runtime::Runtime::Podman {
            return;
        }
        let paused: Vec<String> = items
            .iter()
            .filter_map(|(_, stop, _)| stop.last())
            .filter(|id| {
                self.plan
                    .depends_on
                    .containers
                    .iter()
                    .any(|c| &c.id == *id && c.status() == State::Paused)
            })
            .cloned()
            .collect();
        if !paused.is_empty() {
            // A failure shows in the stop that follows.
            let _ = self.call(&self.plan.runtime.unpause_args(&paused), self.bounded());
        }
    }

    /// Runs commands that differ only in their last word (the container)
    /// as one call per distinct prefix, those calls concurrently.
    fn batched(
        &self,
        items: &[(usize, &[String])],
        verb: &str,
    ) -> HashMap<usize, Result<Gone, String>> {
        let mut by_prefix: BTreeMap<&[String], Vec<(usize, &str)>> = BTreeMap::new();
        for (id, argv) in items {
            if let Some((last, prefix)) = argv.split_last() {
                by_prefix
                    .entry(prefix)
                    .or_default()
                    .push((*id, last.as_str()));
            }
        }
        let results = Mutex::new(HashMap::new());
        std::thread::scope(|scope| {
            for (prefix, members) in &by_prefix {
                let results = &results;
                scope.spawn(move || {
                    let mut argv: Vec<String> = prefix.to_vec();
                    argv.extend(members.iter().map(|(_, c)| c.to_string()));
                    let out = self.call(&argv, Some(stop_grace(prefix) + self.opts.step_timeout));
                    let mut r = results.lock().unwrap_or_else(|e| e.into_inner());
                    for (id, container) in members {
                        r.insert(*id, member_result(&out, container, verb));
                    }
                });
            }
        });
        results.into_inner().unwrap_or_default()
    }
}

/// Whether a container turned out to be gone already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gone {
    No,
    Already,
}

/// One container's result in a batched call: the engine prints each
/// container it handled on stdout and an error line for each it did not.
fn member_result(
    out: &crate::error::Result<Output>,
    container: &str,
    verb: &str,
) -> Result<Gone, String> {
    let out = match out {
        Ok(o) => o,
        Err(e) => return Err(e.to_string()),
    };
    if out.stdout.lines().any(|l| l.trim() == container) {
        return Ok(Gone::No);
    }
    let mine: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains(container))
        .collect();
    if mine
        .iter()
        .any(|l| l.to_ascii_lowercase().contains("no such container"))
    {
        return Ok(Gone::Already);
    }
    if out.success() {
        return Ok(Gone::No);
    }
    Err(if mine.is_empty() {
        format!("{verb} failed: {}", out.error_text())
    } else {
        mine.join("\n")
    })
}

/// The grace period a stop command gives (`--time=N`), else the
/// engine's default of 10 s; nothing for other commands.
fn stop_grace(argv: &[String]) -> Duration {
    if argv.first().map(String::as_str) != Some("stop") {
        return Duration::ZERO;
    }
    let secs = argv
        .iter()
        .find_map(|a| a.strip_prefix("--time="))
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(10);
    Duration::from_secs(secs)
}

/// Whether `--wait` waits for the container of this step: a new or
/// replaced detached one, or one it starts.
fn waited_for(step: &Step) -> bool {
    waited_name(step).is_some()
}

/// The container `--wait` waits for after this step, if any (what
/// [`Run::wait`] looks at).
fn waited_name(step: &Step) -> Option<&str> {
    match &step.action {
        // Started by its create (`run`) or its units; a rollback's `create`
        // of a container that was not running is not waited for.
        Action::Create { create, .. } | Action::Replace { create, .. }
            if create.detach
                && (create.argv.first().is_some_and(|a| a == "run")
                    || !create.units.is_empty()) =>
        {
            Some(&create.name)
        }
        Action::Start { container, .. } | Action::Units { container, .. } => Some(&container.name),
        _ => None,
    }
}

/// The run of a container `--wait` first saw: its restart count and start
/// time (`None`/empty until seen).
#[derive(Debug, Default)]
struct Run0 {
    restarts: Option<u64>,
    started_at: String,
}

impl Run0 {
    /// Whether the container `c` is no longer in this run: the engine
    /// restarted it, or is about to (`restarting`). The first look sets
    /// what is not yet known.
    fn restarted(
        &mut self,
        c: &crate::observe::Container,
        h: &crate::observe::HealthCheck,
    ) -> bool {
        let base = *self.restarts.get_or_insert(h.restart_count);
        let started = !h.started_at.is_empty() && !h.started_at.starts_with("0001-");
        if self.started_at.is_empty() && started {
            self.started_at = h.started_at.clone();
        }
        h.restart_count > base
            || (started && h.started_at != self.started_at)
            || c.status() == State::Restarting
    }
}

/// Whether paunch waits for a step to end before what follows it in its
/// group may start, as the original ran a group one entry at a time: a
/// blocking (`detach: false`) container, a wait for one, and an exec.
fn is_barrier(step: &Step) -> bool {
    match &step.action {
        Action::Create { create, .. } | Action::Replace { create, .. } => !create.detach,
        Action::Wait { .. } | Action::Exec { .. } => true,
        _ => false,
    }
}

/// A deleted container whose units' `systemctl` calls failed: what was
/// done, what was not, and what to do about it.
fn units_not_stopped(errors: &[String]) -> String {
    let (first, rest) = errors
        .split_first()
        .map_or(("", &[][..]), |(f, r)| (f.as_str(), r));
    let more = match rest.len() {
        0 => String::new(),
        n => format!(" (and {n} more unit operations failed)"),
    };
    format!(
        "stopped and removed, and its unit files removed, but {first}{more}; \
         run `systemctl daemon-reload` once systemd answers"
    )
}

/// For each step of a pool, the steps that must have ended before it
/// starts, beyond its own `after`: a barrier ([`is_barrier`]) waits for
/// everything before it in the pool (file order), and everything after a
/// barrier waits for it. Detached containers between two barriers run
/// together, up to `--parallel`.
fn barrier_order(steps: &[&Step]) -> Vec<Vec<usize>> {
    let mut last_barrier: Option<usize> = None;
    let mut order = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        if is_barrier(step) {
            order.push(steps[..i].iter().map(|s| s.id).collect());
            last_barrier = Some(step.id);
        } else {
            order.push(last_barrier.into_iter().collect());
        }
    }
    order
}

/// Writes `dir/file` so that no reader (systemd) ever sees it half
/// written, and nothing planted in `dir` is written through.
fn write_atomically(dir: &std::path::Path, file: &str, contents: &str) -> std::io::Result<()> {
    crate::files::replace(&dir.join(file), contents.as_bytes(), 0o644)
}

fn code_text(o: &Output) -> String {
    match o.code {
        Some(c) => format!("exited with {c}"),
        None => "was killed by a signal".into(),
    }
}

fn tail(s: &str, lines: usize) -> String {
    let all: Vec<&str> = s.trim_end().lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The executor's scheduling without an engine: a recording runner stands
/// in for the engine CLI (these tests are about order, limits, skips and
/// interrupts; the engine's own behaviour is tested on a real one).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::observe::{Container, Observed};
    use crate::plan::{PlanOptions, plan_apply};
    use std::sync::atomic::AtomicUsize;

    #[derive(Default)]
    struct Recorder {
        calls: Mutex<Vec<String>>,
        running: AtomicUsize,
        most: AtomicUsize,
        delay: Duration,
        /// A call whose words include this fails.
        fail: Option<&'static str>,
        /// What the failing call prints (default "boom").
        fail_text: Option<&'static str>,
        /// Set when the n-th call (1-based) starts.
        interrupt_at: Option<(usize, Arc<AtomicBool>)>,
        /// What `inspect` prints: the state of every container asked for.
        inspect_state: Option<&'static str>,
    }

    impl Runner for Recorder {
        fn run_step(&self, argv: &[String]) -> crate::error::Result<Output> {
            let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(now, Ordering::SeqCst);
            let n = {
                let mut calls = self.calls.lock().unwrap();
                calls.push(argv.join(" "));
                calls.len()
            };
            if let Some((at, flag)) = &self.interrupt_at
                && *at == n
            {
                flag.store(true, Ordering::SeqCst);
            }
            std::thread::sleep(self.delay);
            self.running.fetch_sub(1, Ordering::SeqCst);
            if self
                .fail
                .is_some_and(|w| argv.iter().any(|a| a.contains(w)))
            {
                return Ok(Output {
                    code: Some(1),
                    stdout: String::new(),
                    stderr: self.fail_text.unwrap_or("boom").into(),
                });
            }
            // stop and rm print each container they handled.
            let stdout = match argv.first().map(String::as_str) {
                Some("stop" | "rm") => argv[1..]
                    .iter()
                    .filter(|a| !a.starts_with("--"))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n"),
                Some("inspect" | "container") => {
                    let state = self.inspect_state.unwrap_or(r#"{"Status": "running"}"#);
                    let items: Vec<String> = argv[2..]
                        .iter()
                        .map(|n| {
                            format!(
                                r#"{{"Id": "x", "Name": "/{n}", "State": {state}, "Config": {{"Healthcheck": {{"Interval": 20000000}}}}}}"#
                            )
                        })
                        .collect();
                    format!("[{}]", items.join(","))
                }
                _ => "0123456789abcdef".into(),
            };
            Ok(Output {
                code: Some(0),
                stdout,
                stderr: String::new(),
            })
        }

        fn run_systemctl(&self, argv: &[String]) -> crate::error::Result<Output> {
            self.record_systemctl(argv)
        }
    }

    impl Recorder {
        fn record_systemctl(&self, argv: &[String]) -> crate::error::Result<Output> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("systemctl {}", argv.join(" ")));
            Ok(Output {
                code: Some(0),
                stdout: String::new(),
                stderr: String::new(),
            })
        }

        fn calls(&self) -> Vec<String> {
            self.calls.lock().unwrap().clone()
        }
    }

    const IMAGE: &str = "app:1";

    fn observed(containers: Vec<Container>) -> Observed {
        Observed {
            containers,
            foreign: vec![],
            images: [(IMAGE.to_string(), Some("sha256:1".to_string()))].into(),
            units: Default::default(),
        }
    }

    fn plan(yaml: &str, observed: &Observed) -> Plan {
        plan_on(crate::runtime::Runtime::Docker, yaml, observed)
    }

    fn plan_on(runtime: crate::runtime::Runtime, yaml: &str, observed: &Observed) -> Plan {
        let config = Config::parse(yaml, "t.yml").unwrap();
        let opts = PlanOptions {
            config_id: "c".into(),
            runtime,
            ..Default::default()
        };
        plan_apply(&config, observed, &opts)
    }

    /// A container of entry `name` created from `yaml`'s entry of that name.
    fn existing(id: &str, name: &str, yaml: &str) -> Container {
        let config = Config::parse(yaml, "old.yml").unwrap();
        let e = config.entry(name).unwrap();
        Container {
            id: id.into(),
            name: name.into(),
            state: "running".into(),
            image_id: "sha256:1".into(),
            image: IMAGE.into(),
            command: vec![],
            created: "2026-11-01T10:00:00Z".into(),
            labels: [
                ("managed_by", "paunch"),
                ("config_id", "c"),
                ("container_name", name),
                ("config_data", e.config_data()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            exit_code: 0,
            health: String::new(),
            finished_at: String::new(),
            joined: vec![],
        }
    }

    fn run(plan: &Plan, r: &Recorder, parallel: usize, flag: Option<Arc<AtomicBool>>) -> Report {
        let opts = ExecuteOptions {
            parallel,
            interrupted: flag,
            pull_attempts: 2,
            pull_backoff: Duration::from_millis(1),
            ..Default::default()
        };
        execute(plan, r, &opts, &Silent)
    }

    fn wait_options() -> Option<WaitOptions> {
        Some(WaitOptions {
            timeout: Duration::from_secs(5),
            settle: Duration::from_millis(50),
            poll: Duration::from_millis(10),
        })
    }

    #[test]
    fn wait_looks_at_a_whole_group_in_one_call_and_moves_on_when_it_runs() {
        let p = plan(
            "aa:\n  image: app:1\nbb:\n  image: app:1\ncc:\n  image: app:1\n  start_order: 1\n",
            &observed(vec![]),
        );
        let r = Recorder::default();
        let opts = ExecuteOptions {
            wait: wait_options(),
            ..Default::default()
        };
        let report = execute(&p, &r, &opts, &Silent);
        assert!(report.success(), "{report:?}");
        let calls = r.calls();
        let first_look = calls.iter().position(|c| c.starts_with("inspect")).unwrap();
        assert_eq!(calls[first_look], "inspect --type=container aa bb");
        let cc = calls.iter().position(|c| c.contains("--name=cc")).unwrap();
        assert!(first_look < cc, "the next group waits: {calls:?}");
    }

    #[test]
    fn wait_fails_an_exited_container_and_skips_later_groups() {
        let p = plan(
            "aa:\n  image: app:1\nbb:\n  image: app:1\n  start_order: 1\n",
            &observed(vec![]),
        );
        let r = Recorder {
            inspect_state: Some(r#"{"Status": "exited", "ExitCode": 3}"#),
            ..Default::default()
        };
        let opts = ExecuteOptions {
            wait: wait_options(),
            ..Default::default()
        };
        let report = execute(&p, &r, &opts, &Silent);
        let failed: Vec<(usize, &str)> = report.failed().collect();
        assert_eq!(failed.len(), 1);
        assert!(failed[0].1.starts_with("aa exited (3)"), "{failed:?}");
        assert!(matches!(
            report.outcomes[0].1,
            Outcome::Failed(Failure {
                exit_code: Some(3),
                ..
            })
        ));
        assert_eq!(report.skipped().count(), 1);
        assert!(!r.calls().iter().any(|c| c.contains("--name=bb")));
    }

    #[test]
    fn on_podman_wait_runs_the_health_checks_at_their_interval() {
        let yaml = "aa:\n  image: app:1\n  healthcheck: {test: 'true', interval: 20ms}\n";
        let starting = Some(r#"{"Status": "running", "Health": {"Status": "starting"}}"#);
        let opts = ExecuteOptions {
            wait: Some(WaitOptions {
                timeout: Duration::from_millis(300),
                settle: Duration::from_millis(10),
                poll: Duration::from_millis(10),
            }),
            ..Default::default()
        };
        let checks = |runtime| {
            let p = plan_on(runtime, yaml, &observed(vec![]));
            let r = Recorder {
                inspect_state: starting,
                ..Default::default()
            };
            let report = execute(&p, &r, &opts, &Silent);
            // Never healthy: late, and said so.
            assert!(
                report.failed().any(|(_, m)| m.contains("not ready within")),
                "{report:?}"
            );
            r.calls()
                .iter()
                .filter(|c| c.as_str() == "healthcheck run aa")
                .count()
        };
        // No systemd runs podman's checks: paunch does, one per interval.
        assert!(checks(crate::runtime::Runtime::Podman) >= 3);
        // docker's daemon runs its own.
        assert_eq!(checks(crate::runtime::Runtime::Docker), 0);
    }

    #[test]
    fn on_podman_a_later_groups_joiner_goes_with_the_container_it_joined() {
        let old = "hub:\n  image: app:1\n  environment: [V=1]\nspoke:\n  image: app:1\n  start_order: 1\n  net: container:hub\n  environment: [V=1]\n";
        let hub = existing("1111", "hub", old);
        let mut spoke = existing("2222", "spoke", old);
        spoke.joined = vec![crate::observe::Joined {
            key: "net".into(),
            container: "1111".into(),
        }];
        let new = old.replace("V=1", "V=2");
        let seen = observed(vec![hub, spoke]);
        let order = |runtime| {
            let p = plan_on(runtime, &new, &seen);
            let r = Recorder::default();
            assert!(run(&p, &r, 1, None).success());
            r.calls()
        };
        let calls = order(crate::runtime::Runtime::Podman);
        // Both old containers go before the new hub is created.
        let rm_spoke = calls
            .iter()
            .position(|c| c.starts_with("rm") && c.contains("2222"));
        let new_hub = calls.iter().position(|c| c.contains("--name=hub"));
        assert!(rm_spoke < new_hub, "{calls:?}");
        let new_spoke = calls.iter().position(|c| c.contains("--name=spoke"));
        assert!(new_hub < new_spoke, "{calls:?}");
        // On docker the joiner keeps running until its own group.
        let calls = order(crate::runtime::Runtime::Docker);
        let rm_spoke = calls
            .iter()
            .position(|c| c.starts_with("rm") && c.contains("2222"));
        let new_hub = calls.iter().position(|c| c.contains("--name=hub"));
        assert!(rm_spoke > new_hub, "{calls:?}");
    }

    #[test]
    fn groups_run_in_start_order() {
        let p = plan(
            "cc:\n  image: app:1\n  start_order: 2\naa:\n  image: app:1\nbb:\n  image: app:1\n  start_order: 1\n",
            &observed(vec![]),
        );
        let r = Recorder::default();
        assert!(run(&p, &r, 4, None).success());
        let names: Vec<String> = r
            .calls()
            .iter()
            .map(|c| c.split(' ').nth(1).unwrap().to_string())
            .collect();
        assert_eq!(names, ["--name=aa", "--name=bb", "--name=cc"]);
    }

    #[test]
    fn a_blocking_container_is_a_barrier_in_its_group() {
        let yaml = "aa:\n  image: app:1\nbb:\n  image: app:1\njob:\n  image: app:1\n  detach: false\ncc:\n  image: app:1\ndd:\n  image: app:1\n";
        let p = plan(yaml, &observed(vec![]));
        let r = Recorder {
            delay: Duration::from_millis(40),
            ..Default::default()
        };
        assert!(run(&p, &r, 8, None).success());
        let names: Vec<String> = r
            .calls()
            .iter()
            .filter_map(|c| {
                c.split(' ')
                    .find(|w| w.starts_with("--name="))
                    .map(str::to_string)
            })
            .collect();
        let mut before: Vec<&str> = names[..2].iter().map(String::as_str).collect();
        before.sort_unstable();
        assert_eq!(before, ["--name=aa", "--name=bb"], "{names:?}");
        assert_eq!(names[2], "--name=job", "{names:?}");
        let mut after: Vec<&str> = names[3..].iter().map(String::as_str).collect();
        after.sort_unstable();
        assert_eq!(after, ["--name=cc", "--name=dd"], "{names:?}");
        // Two at a time: aa and bb, then cc and dd; the job alone.
        assert_eq!(r.most.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn parallel_is_a_limit() {
        let yaml: String = (0..6).map(|i| format!("c{i}:\n  image: app:1\n")).collect();
        let p = plan(&yaml, &observed(vec![]));
        for limit in [1, 2, 4] {
            let r = Recorder {
                delay: Duration::from_millis(40),
                ..Default::default()
            };
            assert!(run(&p, &r, limit, None).success());
            assert_eq!(r.calls().len(), 6);
            assert_eq!(r.most.load(Ordering::SeqCst), limit, "--parallel {limit}");
        }
    }

    #[test]
    fn a_failed_step_skips_its_dependents_only() {
        let p = plan(
            "web:\n  image: app:1\n  command: [serve, --bad]\nother:\n  image: app:1\nreload:\n  action: exec\n  command: [web, reload]\n",
            &observed(vec![]),
        );
        let r = Recorder {
            fail: Some("--bad"),
            ..Default::default()
        };
        let report = run(&p, &r, 1, None);
        assert!(!report.success());
        assert_eq!(report.failed().count(), 1);
        let skipped: Vec<(usize, &str)> = report.skipped().collect();
        assert_eq!(skipped.len(), 1);
        assert!(
            skipped[0].1.contains("(create web) did not succeed"),
            "{skipped:?}"
        );
        assert!(r.calls().iter().any(|c| c.contains("--name=other")));
        assert!(!r.calls().iter().any(|c| c.starts_with("exec")));
    }

    #[test]
    fn an_engine_gone_mid_apply_starts_no_more_steps() {
        let p = plan(
            "aa:\n  image: app:1\nbb:\n  image: app:1\ncc:\n  image: app:1\n  start_order: 1\n",
            &observed(vec![]),
        );
        let r = Recorder {
            fail: Some("--name=aa"),
            fail_text: Some(
                "Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?",
            ),
            ..Default::default()
        };
        let report = run(&p, &r, 1, None);
        assert_eq!(r.calls().len(), 1, "{:?}", r.calls());
        assert_eq!(report.failed().count(), 1);
        let skipped: Vec<(usize, &str)> = report.skipped().collect();
        assert_eq!(skipped.len(), 2, "{report:?}");
        assert!(
            skipped[0].1.starts_with(
                "not started: docker stopped answering during the apply (Cannot connect"
            ),
            "{skipped:?}"
        );
    }

    #[test]
    fn a_failed_pull_touches_nothing() {
        let mut o = observed(vec![]);
        o.images.insert("gone:1".into(), None);
        let p = plan("aa:\n  image: gone:1\nbb:\n  image: app:1\n", &o);
        let r = Recorder {
            fail: Some("gone:1"),
            ..Default::default()
        };
        let report = run(&p, &r, 1, None);
        assert!(
            r.calls().iter().all(|c| c.starts_with("pull")),
            "{:?}",
            r.calls()
        );
        assert_eq!(r.calls().len(), 2, "two attempts");
        assert_eq!(report.skipped().count(), 2);
    }

    #[test]
    fn an_interrupt_between_steps_starts_no_more() {
        let p = plan(
            "aa:\n  image: app:1\nbb:\n  image: app:1\n  start_order: 1\ncc:\n  image: app:1\n  start_order: 2\n",
            &observed(vec![]),
        );
        let flag = Arc::new(AtomicBool::new(false));
        let r = Recorder {
            interrupt_at: Some((1, flag.clone())),
            ..Default::default()
        };
        let report = run(&p, &r, 1, Some(flag));
        assert!(report.interrupted && !report.success());
        assert_eq!(
            r.calls().len(),
            1,
            "the step in flight finished, no other started"
        );
        assert_eq!(report.not_run().count(), 2);
    }

    #[test]
    fn an_interrupt_while_the_old_container_stops_still_creates_the_new_one() {
        let old = "web:\n  image: app:1\n  environment: [V=1]\nlater:\n  image: app:1\n  start_order: 1\n";
        let new = "web:\n  image: app:1\n  environment: [V=2]\nlater:\n  image: app:1\n  start_order: 1\n";
        let p = plan(
            new,
            &observed(vec![
                existing("0001", "web", old),
                existing("0002", "later", old),
            ]),
        );
        let flag = Arc::new(AtomicBool::new(false));
        let r = Recorder {
            interrupt_at: Some((1, flag.clone())),
            ..Default::default()
        };
        let report = run(&p, &r, 1, Some(flag));
        let calls = r.calls();
        assert_eq!(calls.len(), 3, "{calls:?}");
        assert!(calls[0].starts_with("stop") && calls[1].starts_with("rm"));
        assert!(calls[2].starts_with("run --name=web"), "{calls:?}");
        assert!(report.interrupted);
        assert_eq!(
            report.outcomes[0].1,
            Outcome::Done("created web (0123456789ab)".into())
        );
    }
}
