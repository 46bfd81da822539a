//! One call per operation, over the pure core: observe, plan, check a saved
//! plan, execute, under the engine's lock.

use crate::config::Config;
use crate::engine::Engine;
use crate::engine::pull::{PullPolicy, Pulled};
use crate::error::{Error, ErrorKind, Result};
use crate::execute::{self, ExecuteOptions, Progress, Report};
use crate::lock::{self, Lock};
use crate::observe::Observed;
use crate::plan::{self, Change, Plan, PlanOptions, SystemdOptions};
use crate::render::list::{self, Row};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Observes what an apply of `config` depends on and plans it. Changes
/// nothing, except that a Pod's infra image is built if missing.
pub fn plan_for_apply(engine: &Engine, config: &Config, opts: &PlanOptions) -> Result<Plan> {
    crate::engine::pause::ensure(engine, &config.images())?;
    check_units(config, opts)?;
    let (mut observed, image_labels) = observe_for_apply(engine, config, opts)?;
    observed.units = observe_units(opts.units())?;
    let mut plan = plan::plan_apply(config, &observed, opts);
    plan::note_labels_not_given(&mut plan, config, &image_labels);
    refuse_blocked(&plan, engine)?;
    Ok(plan)
}

/// The containers and images an apply depends on, and its networks and
/// volumes when it can involve them
/// ([`plan::resources::apply_observes`]): listed beside the containers
/// when the configuration has some, after them when only its containers
/// name some. A configuration of containers alone costs no more calls.
fn observe_for_apply(
    engine: &Engine,
    config: &Config,
    opts: &PlanOptions,
) -> Result<(Observed, crate::engine::parse::ImageLabels)> {
    let images = config.images();
    if config.resources.is_empty() {
        let (mut observed, labels) = engine.observe_labelled(&opts.managed_by, &images)?;
        if plan::resources::apply_observes(&[], &observed.containers, &opts.config_id) {
            engine.observe_resources(&mut observed)?;
        }
        return Ok((observed, labels));
    }
    observe_with_resources(engine, &opts.managed_by, &images)
}

/// Refuses, before anything runs, a plan whose configuration needs a
/// network or volume that is not there and that it does not create: an
/// `external` one missing, or a name held by one that is not this config
/// ID's ([`crate::plan::Note::blocks`]).
fn refuse_blocked(plan: &Plan, engine: &Engine) -> Result<()> {
    let blocked: Vec<String> = plan
        .notes
        .iter()
        .filter(|n| n.blocks())
        .map(|n| crate::render::text::note_text(n, &plan.managed_by))
        .collect();
    if blocked.is_empty() {
        return Ok(());
    }
    let mut msg = String::from(
        "the configuration needs networks or volumes this apply cannot provide; nothing was touched",
    );
    for b in &blocked {
        msg.push_str(&format!("\n  - {b}"));
    }
    Err(Error::new(ErrorKind::Engine, msg).with_hint(format!(
        "create each external one first (`{} network create NAME`, `{} volume create NAME`), or rename or remove the one in the way",
        engine.runtime(),
        engine.runtime()
    )))
}

/// [`plan_for_apply`] under an image policy (see [`crate::engine::pull`]):
/// `Always` first pulls every image of the configuration (in parallel,
/// each retried as `execute` says) and fails, naming each image and the
/// engine's message, if any pull failed; `Never` refuses a configuration
/// naming an image that is not present. Either way, no container is
/// touched.
pub fn plan_for_apply_pulling(
    engine: &Engine,
    config: &Config,
    opts: &PlanOptions,
    pull: PullPolicy,
    execute: &ExecuteOptions,
) -> Result<Plan> {
    // A built image is made by the plan's build step, never pulled.
    let built = plan::build::built_images(config);
    if pull == PullPolicy::Always {
        let pulled: Vec<String> = config
            .images()
            .into_iter()
            .filter(|i| !built.contains(i))
            .collect();
        pull_every_image(engine, &pulled, execute)?;
    }
    let plan = plan_for_apply(engine, config, opts)?;
    let missing: Vec<&str> = plan
        .depends_on
        .images
        .iter()
        .filter(|(image, id)| id.is_none() && !built.contains(*image))
        .map(|(image, _)| image.as_str())
        .collect();
    if pull == PullPolicy::Never && !missing.is_empty() {
        return Err(Error::new(
            ErrorKind::Engine,
            format!(
                "--pull never, and {} not present on the engine: {}; nothing was touched",
                if missing.len() == 1 {
                    "this image is"
                } else {
                    "these images are"
                },
                missing.join(", ")
            ),
        )
        .with_hint(format!(
            "pull {} first (`{} pull {}`), or use --pull missing",
            if missing.len() == 1 { "it" } else { "them" },
            engine.runtime(),
            missing[0]
        )));
    }
    Ok(plan)
}

/// `--pull always`: pulls every image, up to [`crate::engine::pull::PARALLEL`] (or
/// `--parallel`) at once; an error naming each image that could not be
/// pulled and the engine's message.
fn pull_every_image(engine: &Engine, images: &[String], opts: &ExecuteOptions) -> Result<()> {
    if images.is_empty() {
        return Ok(());
    }
    crate::log::info(|| format!("pulling {} (--pull always)...", images.join(", ")));
    let retry = opts.pull_retry(engine.runtime());
    let interrupted = || {
        opts.interrupted
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::SeqCst))
    };
    let parallel = opts.parallel.max(crate::engine::pull::PARALLEL);
    let results = crate::engine::pull::pull_all(
        engine,
        engine.runtime(),
        images,
        &retry,
        parallel,
        &interrupted,
    );
    let mut failed = Vec::new();
    let mut unreachable = false;
    for (image, pulled) in &results {
        match pulled {
            Pulled::Done => crate::log::verbose(|| format!("pulled {image}")),
            Pulled::Failed { message, .. } => {
                unreachable |= Engine::unreachable_text(message);
                failed.push(message.as_str());
            }
            Pulled::Interrupted => {
                return Err(Error::new(
                    ErrorKind::Interrupted,
                    "interrupted while pulling images (--pull always): nothing was touched",
                ));
            }
        }
    }
    if failed.is_empty() {
        return Ok(());
    }
    let mut msg = String::from("--pull always: images could not be pulled; nothing was touched");
    for f in failed {
        msg.push_str(&format!("\n  - {f}"));
    }
    let kind = if unreachable {
        ErrorKind::EngineUnreachable
    } else {
        ErrorKind::Engine
    };
    Err(Error::new(kind, msg).with_hint(
        "check that the registry answers and the image names and tags exist, then apply again",
    ))
}

/// Plans a cleanup keeping `keep` (all deleted when empty). Changes nothing.
pub fn plan_for_cleanup(engine: &Engine, keep: &[String], opts: &PlanOptions) -> Result<Plan> {
    let (mut observed, _) = observe_with_resources(engine, &opts.managed_by, &[])?;
    observed.units = observe_units(opts.units())?;
    Ok(plan::plan_cleanup(&observed, keep, opts))
}

/// Plans the deletion of config IDs. Changes nothing.
pub fn plan_for_delete(engine: &Engine, ids: &[String], opts: &PlanOptions) -> Result<Plan> {
    let (mut observed, _) = observe_with_resources(engine, &opts.managed_by, &[])?;
    observed.units = observe_units(opts.units())?;
    Ok(plan::plan_delete(&observed, ids, opts))
}

/// The containers (and `images`, with their labels), and beside them
/// every network and volume.
fn observe_with_resources(
    engine: &Engine,
    managed_by: &str,
    images: &[String],
) -> Result<(Observed, crate::engine::parse::ImageLabels)> {
    let mut resources = Observed::default();
    let (found, listed) = std::thread::scope(|scope| {
        let listed = scope.spawn(|| engine.observe_resources(&mut resources));
        let found = engine.observe_labelled(managed_by, images);
        let listed = listed.join().unwrap_or_else(|_| {
            Err(Error::new(
                ErrorKind::Engine,
                "listing networks and volumes failed",
            ))
        });
        (found, listed)
    });
    let (mut observed, labels) = found?;
    listed?;
    observed.networks = resources.networks;
    observed.volumes = resources.volumes;
    Ok((observed, labels))
}

/// `--systemd`: every unit an entry gives can be written (no value that
/// would inject a line, no name too long), checked before anything is
/// observed or planned, so the planner never meets one that cannot.
fn check_units(config: &Config, opts: &PlanOptions) -> Result<()> {
    let Some(sd) = opts.units() else {
        return Ok(());
    };
    for e in &config.entries {
        if crate::systemd::wants_units(e) && e.detach() {
            // With room for the unique name's suffix (`-` and 8 characters).
            crate::systemd::units(e, &e.name, &sd.prefix, &sd.program)?;
            crate::systemd::units(e, &format!("{}-00000000", e.name), &sd.prefix, &sd.program)?;
        }
    }
    Ok(())
}

/// `--systemd`: the unit files in the systemd directory whose names start
/// with the prefix (services and timers), each with the `sha256:` of its
/// text. Nothing without `--systemd`.
pub fn observe_units(sd: Option<&SystemdOptions>) -> Result<BTreeMap<String, String>> {
    let Some(sd) = sd else {
        return Ok(BTreeMap::new());
    };
    let unreadable = |e: std::io::Error| {
        Error::new(
            ErrorKind::Io,
            format!("cannot read the systemd directory {}: {e}", sd.dir),
        )
        .with_hint("give an existing directory with --systemd-dir (default /etc/systemd/system)")
        .with_source(e)
    };
    let mut units = BTreeMap::new();
    for item in std::fs::read_dir(&sd.dir).map_err(unreadable)? {
        let item = item.map_err(unreadable)?;
        let Some(name) = item.file_name().to_str().map(str::to_string) else {
            continue;
        };
        let ours = name.starts_with(&sd.prefix)
            && (name.ends_with(".service") || name.ends_with(".timer"));
        if !ours || !item.path().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(item.path()).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("cannot read the unit file {}: {e}", item.path().display()),
            )
            .with_source(e)
        })?;
        units.insert(name, crate::hash::sha256_text(&text));
    }
    Ok(units)
}

/// Re-observes what a saved plan depends on; an error listing what changed
/// if anything did.
pub fn check_fresh(engine: &Engine, plan: &Plan) -> Result<()> {
    let images: Vec<String> = plan.depends_on.images.keys().cloned().collect();
    // Networks and volumes only if the plan observed them when made.
    let mut observed: Observed = if plan::resources::plan_observes(plan) {
        observe_with_resources(engine, &plan.managed_by, &images)?.0
    } else {
        engine.observe(&plan.managed_by, &images)?
    };
    observed.units = observe_units(plan.systemd.as_ref())?;
    let now = plan::dependencies_now(plan, &observed);
    let changes: Vec<Change> = plan::changes(plan, &now);
    if changes.is_empty() {
        return Ok(());
    }
    let mut msg = String::from(
        "plan is stale: the containers it was made against have changed; nothing was touched",
    );
    for c in &changes {
        msg.push_str(&format!("\n  - {c}"));
    }
    let structured = changes
        .iter()
        .map(|c| serde_json::to_value(c).unwrap_or(serde_json::Value::Null))
        .collect();
    Err(Error::new(ErrorKind::PlanStale, msg)
        .with_hint("make a new plan with `paunch plan --out FILE` and review it")
        .with_changes(structured))
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

/// Takes the lock of an engine and a managed-by name (see [`crate::lock`]);
/// gives up at once, with an [`ErrorKind::Interrupted`] error, when
/// `interrupted` is set.
pub fn lock(
    engine: &Engine,
    managed_by: &str,
    timeout: Duration,
    what: &str,
    interrupted: Option<&AtomicBool>,
) -> Result<Lock> {
    lock::acquire(engine, managed_by, timeout, what, interrupted)
}

/// Lists managed containers by config ID.
pub fn list(engine: &Engine, managed_by: &str) -> Result<BTreeMap<String, Vec<Row>>> {
    let observed = engine.observe(managed_by, &[])?;
    Ok(list::group(&observed.containers))
}

/// How a one-call operation runs: for whom it plans, how it executes, how
/// long it waits for the lock, and who hears of each step.
pub struct Options<'a> {
    /// Runtime, managed-by name, config ID and extra labels.
    pub plan: PlanOptions,
    /// Parallelism, pull retries, and the interrupt flag (which also stops
    /// a wait for the lock).
    pub execute: ExecuteOptions,
    /// How long to wait for another run's lock (default 600 s).
    pub lock_timeout: Duration,
    /// Told of the plan and of each step as it starts and ends.
    pub progress: &'a dyn Progress,
    /// `apply --rollback`: when the apply fails (not when interrupted),
    /// undo it under the same lock (see [`crate::plan::rollback`]).
    pub rollback: bool,
    /// `apply --pull` (default `missing`; see [`crate::engine::pull`]).
    pub pull: PullPolicy,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            plan: PlanOptions::default(),
            execute: ExecuteOptions::default(),
            lock_timeout: Duration::from_secs(600),
            progress: &execute::Silent,
            rollback: false,
            pull: PullPolicy::Missing,
        }
    }
}

/// What a one-call operation did: the plan it executed and the report of
/// every step. A step that failed is not an error: the call is `Ok` and
/// the report says which failed ([`Report::success`]); `Err` means nothing
/// was executed (the configuration, the engine, the lock, a stale plan).
#[derive(Debug)]
pub struct Applied {
    /// The plan executed.
    pub plan: Plan,
    /// What happened to each of its steps.
    pub report: Report,
    /// With [`Options::rollback`], after a failure: the rollback's plan and
    /// report, or why it could not be planned (the engine could not be
    /// observed).
    pub rollback: Option<Result<RolledBack>>,
}

/// The rollback of a failed apply: its plan and what happened to each step.
#[derive(Debug, Clone)]
pub struct RolledBack {
    /// The rollback plan executed.
    pub plan: Plan,
    /// What happened to each of its steps.
    pub report: Report,
}

/// Takes the lock, plans with `plan`, executes.
fn locked(
    engine: &Engine,
    managed_by: &str,
    what: &str,
    opts: &Options,
    plan: impl FnOnce() -> Result<Plan>,
) -> Result<Applied> {
    let _lock = lock(
        engine,
        managed_by,
        opts.lock_timeout,
        what,
        opts.execute.interrupted.as_deref(),
    )?;
    let plan = plan()?;
    if plan.enables_units() {
        crate::engine::systemd_answers()?;
    }
    let report = execute::execute(&plan, engine, &opts.execute, opts.progress);
    // An interrupt asked paunch to stop, not to undo.
    let rollback = (opts.rollback && !report.success() && !report.interrupted)
        .then(|| rollback(engine, &plan, &report, opts));
    Ok(Applied {
        plan,
        report,
        rollback,
    })
}

/// Plans the rollback of a failed apply against what is there now, and
/// executes it, waiting (`--rollback` implies `--wait`) for what it
/// brings back running: a rollback that leaves a restored container not
/// ready is reported as partly rolled back.
fn rollback(engine: &Engine, failed: &Plan, report: &Report, opts: &Options) -> Result<RolledBack> {
    // The references the old containers were made from: one that still
    // names the image a container ran is what it is restored from.
    let mut images: Vec<String> = failed
        .depends_on
        .containers
        .iter()
        .map(|c| c.image.clone())
        .filter(|i| !i.is_empty())
        .collect();
    images.sort();
    images.dedup();
    let now = engine.observe(&failed.managed_by, &images)?;
    let ran: Vec<usize> = report
        .outcomes
        .iter()
        .filter(|(_, o)| matches!(o, execute::Outcome::Done(_) | execute::Outcome::Failed(_)))
        .map(|(id, _)| *id)
        .collect();
    let plan = plan::plan_rollback(failed, &now, &ran);
    let report = execute::execute(&plan, engine, &opts.execute, opts.progress);
    Ok(RolledBack { plan, report })
}

/// Plans and executes an apply under the lock: `paunch apply` in one call.
/// Prints nothing (give `progress` to hear of each step).
///
/// ```no_run
/// use paunch::{Config, Engine, Runtime, plan::PlanOptions, ops::{apply, Options}};
/// let config = Config::load("examples/hello-world.yml".as_ref())?;
/// let opts = Options {
///     plan: PlanOptions { config_id: "hi".into(), ..Default::default() },
///     ..Default::default()
/// };
/// let applied = apply(&Engine::new(Runtime::Docker), &config, &opts)?;
/// println!("{} steps, success: {}", applied.plan.steps.len(), applied.report.success());
/// # Ok::<(), paunch::Error>(())
/// ```
pub fn apply(engine: &Engine, config: &Config, opts: &Options) -> Result<Applied> {
    locked(engine, &opts.plan.managed_by, "apply", opts, || {
        let plan = plan_for_apply_pulling(engine, config, &opts.plan, opts.pull, &opts.execute)?;
        // A Pod's missing DirectoryOrCreate/FileOrCreate host paths.
        execute::create_host_paths(&plan.host_paths)?;
        Ok(plan)
    })
}

/// Executes a saved plan, exactly, if its steps are what its own
/// configuration gives and the world it depends on is unchanged. Its own
/// managed-by name and runtime are used, not those of `opts.plan`.
pub fn apply_saved(engine: &Engine, plan: &Plan, opts: &Options) -> Result<Applied> {
    locked(engine, &plan.managed_by, "apply --plan", opts, || {
        check_derived(plan)?;
        check_fresh(engine, plan)?;
        // As `apply` makes them: the plan's configuration mounts them.
        execute::create_host_paths(&plan.host_paths)?;
        Ok(plan.clone())
    })
}

/// `paunch cleanup` in one call: deletes every managed container whose
/// config ID is not in `keep` (all of them when `keep` is empty), then
/// renames the rest to their desired names where free.
pub fn cleanup(engine: &Engine, keep: &[String], opts: &Options) -> Result<Applied> {
    locked(engine, &opts.plan.managed_by, "cleanup", opts, || {
        plan_for_cleanup(engine, keep, &opts.plan)
    })
}

/// `paunch delete` in one call: deletes the managed containers of `ids`.
pub fn delete(engine: &Engine, ids: &[String], opts: &Options) -> Result<Applied> {
    locked(engine, &opts.plan.managed_by, "delete", opts, || {
        plan_for_delete(engine, ids, &opts.plan)
    })
}
