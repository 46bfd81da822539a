//! `paunch cleanup` and `paunch delete`, with `--dry-run`.

use super::Status;
use super::{Printer, finish, interrupts, out, out_json};
use crate::cli::{CleanupArgs, DeleteArgs, Global, PlanFormat, Removal};
use paunch::engine::Engine;
use paunch::error::Result;
use paunch::execute::ExecuteOptions;
use paunch::ops;
use paunch::plan::PlanOptions;
use paunch::render::{Paint, text};
use std::sync::Arc;
use std::time::Duration;

pub fn cleanup(args: CleanupArgs, g: &Global) -> Result<Status> {
    remove(Which::Cleanup, &args.config_ids, &args.removal, false, g)
}

pub fn delete(args: DeleteArgs, g: &Global) -> Result<Status> {
    remove(
        Which::Delete,
        &args.config_ids,
        &args.removal,
        args.volumes,
        g,
    )
}

#[derive(Clone, Copy)]
enum Which {
    Cleanup,
    Delete,
}

/// `volumes`: `delete --volumes`.
fn remove(which: Which, ids: &[String], r: &Removal, volumes: bool, g: &Global) -> Result<Status> {
    let engine = Engine::new(g.default_runtime);
    let opts = PlanOptions {
        runtime: g.default_runtime,
        managed_by: r.scope.managed_by.clone(),
        systemd: super::systemd_options(&r.systemd, g)?,
        sensitive_env: g.sensitive_env.clone(),
        remove_volumes: volumes,
        ..PlanOptions::default()
    };
    if r.dry_run {
        let plan = match which {
            Which::Cleanup => ops::plan_for_cleanup(&engine, ids, &opts)?,
            Which::Delete => ops::plan_for_delete(&engine, ids, &opts)?,
        };
        match r.format {
            // JSON lines, as without --dry-run: the plan event alone
            // (masked, as every plan printed).
            PlanFormat::Json => out_json(paunch::render::json::plan_event(&plan)?),
            PlanFormat::Text => {
                out(&text::render(&plan, &Paint::for_stdout()));
                out("\nDry run: nothing was changed.\n");
            }
        }
        return Ok(Status::Success);
    }
    let interrupts = interrupts();
    let printer = Printer::new(g, &interrupts, r.format);
    let run = ops::Options {
        plan: opts,
        execute: ExecuteOptions {
            interrupted: Some(Arc::clone(&interrupts.flag)),
            step_timeout: Duration::from_secs(r.steps.step_timeout),
            ..ExecuteOptions::default()
        },
        lock_timeout: Duration::from_secs(r.locking.lock_timeout),
        progress: &printer,
        rollback: false,
        pull: paunch::engine::pull::PullPolicy::Missing,
    };
    let result = match which {
        Which::Cleanup => ops::cleanup(&engine, ids, &run).map(|a| ("Cleanup", a)),
        Which::Delete => ops::delete(&engine, ids, &run).map(|a| ("Delete", a)),
    };
    match result {
        Ok((verb, applied)) => Ok(finish(&printer, verb, &applied, g)),
        Err(e) => {
            printer.error(&e);
            Err(e)
        }
    }
}
