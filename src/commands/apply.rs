//! `paunch apply`: plan and execute, or execute a saved plan.

use super::{Printer, finish, interrupts};
use crate::cli::{ApplyArgs, Global, Target};
use crate::config::{Config, LoadOptions};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::execute::ExecuteOptions;
use crate::ops::{self, RunOptions};
use crate::plan::PlanOptions;
use crate::planfile;
use std::sync::Arc;
use std::time::Duration;

pub fn run(args: ApplyArgs, g: &Global) -> Result<i32> {
    let interrupts = interrupts();
    let run = RunOptions {
        execute: ExecuteOptions {
            parallel: usize::from(args.parallel),
            interrupted: Some(Arc::clone(&interrupts.flag)),
            ..ExecuteOptions::default()
        },
        lock_timeout: Duration::from_secs(args.locking.lock_timeout),
    };
    let printer = Printer::new(g, &interrupts);
    if let Some(path) = &args.plan {
        let plan = planfile::read(path)?;
        // A saved plan carries its runtime; its argv are that runtime's.
        let engine = Engine::new(plan.runtime);
        let report = ops::apply_saved(&engine, &plan, &run, &printer)?;
        return Ok(finish(&printer, "Apply", &plan, &report, g));
    }
    let (config, opts) = load(&args.target, g)?;
    let engine = Engine::new(g.default_runtime);
    let (plan, report) = ops::apply(&engine, &config, &opts, &run, &printer)?;
    Ok(finish(&printer, "Apply", &plan, &report, g))
}

/// The configuration and plan options of `--file`/`--config-id` commands.
pub(super) fn load(t: &Target, g: &Global) -> Result<(Config, PlanOptions)> {
    let file = t.file.as_ref().ok_or_else(|| {
        Error::usage("--file is required").with_hint("e.g. --file examples/hello-world.yml")
    })?;
    let config_id = t
        .config_id
        .clone()
        .ok_or_else(|| Error::usage("--config-id is required").with_hint("e.g. --config-id v1"))?;
    let config = Config::load_with(
        file,
        &LoadOptions {
            unknown_keys: t.reading.unknown_keys,
            base_dir: None,
        },
    )?;
    super::print_warnings(&config);
    let opts = PlanOptions {
        runtime: g.default_runtime,
        managed_by: t.scope.managed_by.clone(),
        config_id,
        labels: t.labels.iter().cloned().collect(),
    };
    Ok((config, opts))
}
