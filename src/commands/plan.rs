//! `paunch plan` and `paunch show`.

use super::Status;
use super::{out, print_error};
use crate::cli::{Global, PlanArgs, PlanFormat, ShowArgs};
use paunch::engine::Engine;
use paunch::error::Result;
use paunch::execute::ExecuteOptions;
use paunch::ops;
use paunch::planfile;
use paunch::render::{Paint, text};
use std::io::IsTerminal;
use std::path::Path;

pub fn run(args: PlanArgs, g: &Global) -> Result<Status> {
    let detailed = args.detailed_exitcode;
    match plan(args, g) {
        Ok(changes) if detailed && changes => Ok(Status::Changes),
        Ok(_) => Ok(Status::Success),
        // With --detailed-exitcode every error is 1, as documented.
        Err(e) if detailed => {
            print_error(&e);
            Ok(Status::Failed)
        }
        Err(e) => Err(e),
    }
}

/// Plans and prints; returns whether the plan changes anything.
fn plan(args: PlanArgs, g: &Global) -> Result<bool> {
    let (config, opts) = super::apply::load(&args.target, g)?;
    let engine = Engine::new(g.default_runtime);
    let plan = ops::plan_for_apply_pulling(
        &engine,
        &config,
        &opts,
        args.pulling.pull,
        &ExecuteOptions::default(),
    )?;
    // `--out -`: the saved-plan document is stdout (for a pipe or a
    // redirect); the text, for the operator, goes to stderr.
    if args.out.as_deref() == Some(Path::new("-")) {
        out(&planfile::to_document(&plan)?);
        if args.format == PlanFormat::Text && !g.quiet {
            let paint = Paint {
                color: std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            };
            eprint!("{}", text::render(&plan, &paint));
        }
        return Ok(plan.has_changes());
    }
    if let Some(path) = &args.out {
        planfile::write(path, &plan)?;
    }
    match args.format {
        PlanFormat::Json => out(&planfile::to_display_document(&plan)?),
        PlanFormat::Text => {
            out(&text::render(&plan, &Paint::for_stdout()));
            let hint = match &args.out {
                Some(p) => Some(format!(
                    "\nSaved the plan to {0}. To run exactly this plan: paunch apply --plan {0}\n",
                    p.display()
                )),
                // Nothing to apply, nothing to save (exec steps and waits
                // are something: apply would run them).
                None if plan.steps.is_empty() => None,
                None => Some("\nThis plan was not saved. To apply exactly this plan later, add --out FILE, then run: paunch apply --plan FILE\n".to_string()),
            };
            if let Some(hint) = hint
                && !g.quiet
            {
                out(&hint);
            }
        }
    }
    Ok(plan.has_changes())
}

pub fn show(args: ShowArgs, g: &Global) -> Result<Status> {
    let plan = planfile::read(&args.plan)?;
    paunch::mask::add_patterns(&plan.sensitive_env);
    match args.format {
        PlanFormat::Json => out(&planfile::to_display_document(&plan)?),
        PlanFormat::Text => {
            out(&text::render(&plan, &Paint::for_stdout()));
            if g.verbose > 0 && !plan.steps.is_empty() {
                out(&format!("\n{}", text::commands(&plan)));
            }
        }
    }
    // A reviewer is told at once when the steps are not what the plan's
    // configuration gives (apply --plan refuses such a plan).
    ops::check_derived(&plan)?;
    Ok(Status::Success)
}
