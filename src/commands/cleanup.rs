//! `paunch cleanup` and `paunch delete`, with `--dry-run`.

use super::Status;
use super::{Interrupts, Printer, finish, interrupts, out};
use crate::cli::{CleanupArgs, DeleteArgs, Global, Locking, PlanFormat, Scope};
use paunch::engine::Engine;
use paunch::error::Result;
use paunch::execute::ExecuteOptions;
use paunch::ops;
use paunch::plan::PlanOptions;
use paunch::planfile;
use paunch::render::{Paint, text};
use std::sync::Arc;
use std::time::Duration;

pub fn cleanup(args: CleanupArgs, g: &Global) -> Result<Status> {
    remove(
        Which::Cleanup,
        &args.config_ids,
        &args.scope,
        (args.dry_run, args.format),
        &args.locking,
        g,
    )
}

pub fn delete(args: DeleteArgs, g: &Global) -> Result<Status> {
    remove(
        Which::Delete,
        &args.config_ids,
        &args.scope,
        (args.dry_run, args.format),
        &args.locking,
        g,
    )
}

#[derive(Clone, Copy)]
enum Which {
    Cleanup,
    Delete,
}

fn remove(
    which: Which,
    ids: &[String],
    scope: &Scope,
    (dry_run, format): (bool, PlanFormat),
    locking: &Locking,
    g: &Global,
) -> Result<Status> {
    let engine = Engine::new(g.default_runtime);
    let opts = PlanOptions {
        runtime: g.default_runtime,
        managed_by: scope.managed_by.clone(),
        ..PlanOptions::default()
    };
    if dry_run {
        let plan = match which {
            Which::Cleanup => ops::plan_for_cleanup(&engine, ids, &opts)?,
            Which::Delete => ops::plan_for_delete(&engine, ids, &opts)?,
        };
        match format {
            PlanFormat::Json => out(&planfile::to_document(&plan)?),
            PlanFormat::Text => {
                out(&text::render(&plan, &Paint::for_stdout()));
                out("\nDry run: nothing was changed.\n");
            }
        }
        return Ok(Status::Success);
    }
    let interrupts = interrupts();
    let printer = Printer::new(g, &interrupts, format);
    let result = run(
        which,
        ids,
        &engine,
        &opts,
        locking,
        &interrupts,
        &printer,
        g,
    );
    if let Err(e) = &result {
        printer.error(e);
    }
    result
}

#[allow(clippy::too_many_arguments)]
fn run(
    which: Which,
    ids: &[String],
    engine: &Engine,
    opts: &PlanOptions,
    locking: &Locking,
    interrupts: &Interrupts,
    printer: &Printer,
    g: &Global,
) -> Result<Status> {
    let run = ops::Options {
        plan: opts.clone(),
        execute: ExecuteOptions {
            interrupted: Some(Arc::clone(&interrupts.flag)),
            ..ExecuteOptions::default()
        },
        lock_timeout: Duration::from_secs(locking.lock_timeout),
        progress: printer,
    };
    let (verb, applied) = match which {
        Which::Cleanup => ("Cleanup", ops::cleanup(engine, ids, &run)?),
        Which::Delete => ("Delete", ops::delete(engine, ids, &run)?),
    };
    Ok(finish(printer, verb, &applied.plan, &applied.report, g))
}
