//! `paunch cleanup` and `paunch delete`, with `--dry-run`.

use super::{Printer, finish, interrupts, out};
use crate::cli::{CleanupArgs, DeleteArgs, Global, Locking, Scope};
use crate::engine::Engine;
use crate::error::Result;
use crate::execute::ExecuteOptions;
use crate::ops::{self, RunOptions};
use crate::plan::PlanOptions;
use crate::render::{Paint, text};
use std::sync::Arc;
use std::time::Duration;

pub fn cleanup(args: CleanupArgs, g: &Global) -> Result<i32> {
    remove(
        Which::Cleanup,
        &args.config_ids,
        &args.scope,
        args.dry_run,
        &args.locking,
        g,
    )
}

pub fn delete(args: DeleteArgs, g: &Global) -> Result<i32> {
    remove(
        Which::Delete,
        &args.config_ids,
        &args.scope,
        args.dry_run,
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
    dry_run: bool,
    locking: &Locking,
    g: &Global,
) -> Result<i32> {
    let engine = Engine::new(g.default_runtime);
    let opts = PlanOptions {
        runtime: g.default_runtime,
        managed_by: scope.managed_by.clone(),
        ..PlanOptions::default()
    };
    if dry_run {
        let plan = match which {
            Which::Cleanup => ops::plan_cleanup(&engine, ids, &opts)?,
            Which::Delete => ops::plan_delete(&engine, ids, &opts)?,
        };
        out(&text::render(&plan, &Paint::for_stdout()));
        out("\nDry run: nothing was changed.\n");
        return Ok(0);
    }
    let interrupts = interrupts();
    let run = RunOptions {
        execute: ExecuteOptions {
            interrupted: Some(Arc::clone(&interrupts.flag)),
            ..ExecuteOptions::default()
        },
        lock_timeout: Duration::from_secs(locking.lock_timeout),
    };
    let printer = Printer::new(g, &interrupts);
    let (verb, (plan, report)) = match which {
        Which::Cleanup => (
            "Cleanup",
            ops::cleanup(&engine, ids, &opts, &run, &printer)?,
        ),
        Which::Delete => ("Delete", ops::delete(&engine, ids, &opts, &run, &printer)?),
    };
    Ok(finish(&printer, verb, &plan, &report, g))
}
