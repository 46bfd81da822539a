//! One call per operation, over the pure core: observe, plan, check a saved
//! plan, execute, under the host lock.

use crate::config::Config;
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::execute::{self, ExecuteOptions, Progress, Report};
use crate::lock::{self, Lock};
use crate::observe::Observed;
use crate::plan::{self, Change, Plan, PlanOptions};
use crate::render::list::{self, Row};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Observes what an apply of `config` depends on and plans it. Changes nothing.
pub fn plan_apply(engine: &Engine, config: &Config, opts: &PlanOptions) -> Result<Plan> {
    let observed = engine.observe(&opts.managed_by, &config.images())?;
    Ok(plan::plan_apply(config, &observed, opts))
}

/// Plans a cleanup keeping `keep` (all deleted when empty). Changes nothing.
pub fn plan_cleanup(engine: &Engine, keep: &[String], opts: &PlanOptions) -> Result<Plan> {
    let observed = engine.observe(&opts.managed_by, &[])?;
    Ok(plan::plan_cleanup(&observed, keep, opts))
}

/// Plans the deletion of config IDs. Changes nothing.
pub fn plan_delete(engine: &Engine, ids: &[String], opts: &PlanOptions) -> Result<Plan> {
    let observed = engine.observe(&opts.managed_by, &[])?;
    Ok(plan::plan_delete(&observed, ids, opts))
}

/// Re-observes what a saved plan depends on; an error listing what changed
/// if anything did.
pub fn check_fresh(engine: &Engine, plan: &Plan) -> Result<()> {
    let images: Vec<String> = plan.depends_on.images.keys().cloned().collect();
    let observed: Observed = engine.observe(&plan.managed_by, &images)?;
    let now = plan::dependencies_now(plan, &observed);
    let changes: Vec<Change> = plan::changes(&plan.depends_on, &now);
    if changes.is_empty() {
        return Ok(());
    }
    let mut msg = String::from(
        "plan is stale: the containers it was made against have changed; nothing was touched",
    );
    for c in &changes {
        msg.push_str(&format!("\n  - {c}"));
    }
    Err(Error::new(ErrorKind::PlanStale, msg)
        .with_hint("make a new plan with `paunch plan --out FILE` and review it"))
}

/// Refuses a saved plan whose steps are not what its own
/// configuration and observed state give (edited, checksum recomputed).
pub fn check_derived(plan: &Plan) -> Result<()> {
    plan::verify::verify(plan).map_err(|diffs| {
        let mut msg = String::from(
            "the plan's steps are not what its own configuration gives: it was edited after it was made; nothing was touched",
        );
        for d in &diffs {
            msg.push_str(&format!("\n  - {d}"));
        }
        Error::new(ErrorKind::PlanInvalid, msg).with_hint(
            "make a new plan with `paunch plan --out FILE`; review a plan's engine commands with `paunch show -v FILE`",
        )
    })
}

/// Takes the host lock of a managed-by name; gives up at once, with an
/// [`ErrorKind::Interrupted`] error, when `interrupted` is set.
pub fn lock(
    managed_by: &str,
    timeout: Duration,
    what: &str,
    interrupted: Option<&AtomicBool>,
) -> Result<Lock> {
    lock::acquire(managed_by, timeout, what, interrupted)
}

/// Lists managed containers by config ID.
pub fn list(engine: &Engine, managed_by: &str) -> Result<BTreeMap<String, Vec<Row>>> {
    let observed = engine.observe(managed_by, &[])?;
    Ok(list::group(&observed.containers))
}

/// Options of the one-call operations.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub execute: ExecuteOptions,
    /// How long to wait for another run's lock.
    pub lock_timeout: Duration,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            execute: ExecuteOptions::default(),
            lock_timeout: Duration::from_secs(600),
        }
    }
}

/// Takes the lock, plans with `plan`, executes.
fn locked(
    engine: &Engine,
    managed_by: &str,
    what: &str,
    run: &RunOptions,
    progress: &dyn Progress,
    plan: impl FnOnce() -> Result<Plan>,
) -> Result<(Plan, Report)> {
    let _lock = lock(
        managed_by,
        run.lock_timeout,
        what,
        run.execute.interrupted.as_deref(),
    )?;
    let plan = plan()?;
    let report = execute::execute(&plan, engine, &run.execute, progress);
    Ok((plan, report))
}

/// Plans and executes an apply under the lock: `paunch apply` in one call.
///
/// ```no_run
/// use paunch::{Config, Engine, Runtime, plan::PlanOptions, ops::{apply, RunOptions}};
/// let config = Config::load("examples/hello-world.yml".as_ref())?;
/// let opts = PlanOptions { config_id: "hi".into(), managed_by: "paunch".into(), ..Default::default() };
/// let (plan, report) = apply(&Engine::new(Runtime::Docker), &config, &opts, &RunOptions::default(), &paunch::execute::Silent)?;
/// println!("{} steps, success: {}", plan.steps.len(), report.success());
/// # Ok::<(), paunch::Error>(())
/// ```
pub fn apply(
    engine: &Engine,
    config: &Config,
    opts: &PlanOptions,
    run: &RunOptions,
    progress: &dyn Progress,
) -> Result<(Plan, Report)> {
    locked(engine, &opts.managed_by, "apply", run, progress, || {
        plan_apply(engine, config, opts)
    })
}

/// Executes a saved plan if the world it depends on is unchanged.
pub fn apply_saved(
    engine: &Engine,
    plan: &Plan,
    run: &RunOptions,
    progress: &dyn Progress,
) -> Result<Report> {
    let (_, report) = locked(
        engine,
        &plan.managed_by,
        "apply --plan",
        run,
        progress,
        || {
            check_derived(plan)?;
            check_fresh(engine, plan).map(|()| plan.clone())
        },
    )?;
    Ok(report)
}

/// `paunch cleanup` in one call.
pub fn cleanup(
    engine: &Engine,
    keep: &[String],
    opts: &PlanOptions,
    run: &RunOptions,
    progress: &dyn Progress,
) -> Result<(Plan, Report)> {
    locked(engine, &opts.managed_by, "cleanup", run, progress, || {
        plan_cleanup(engine, keep, opts)
    })
}

/// `paunch delete` in one call.
pub fn delete(
    engine: &Engine,
    ids: &[String],
    opts: &PlanOptions,
    run: &RunOptions,
    progress: &dyn Progress,
) -> Result<(Plan, Report)> {
    locked(engine, &opts.managed_by, "delete", run, progress, || {
        plan_delete(engine, ids, opts)
    })
}
