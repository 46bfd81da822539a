//! `paunch apply`: plan and execute, or execute a saved plan.

use super::Status;
use super::{Interrupts, Printer, finish, interrupts};
use crate::cli::{ApplyArgs, Cli, Global, Target};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory};
use paunch::config::Config;
use paunch::engine::Engine;
use paunch::error::{Error, Result};
use paunch::execute::{ExecuteOptions, WaitOptions};
use paunch::ops;
use paunch::plan::{Plan, PlanOptions};
use paunch::planfile;
use std::ffi::OsString;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub fn run(args: ApplyArgs, g: &Global) -> Result<Status> {
    let interrupts = interrupts();
    let printer = Printer::new(g, &interrupts, args.format);
    let result = apply(&args, g, &interrupts, &printer);
    if let Err(e) = &result {
        printer.error(e);
    }
    result
}

fn apply(
    args: &ApplyArgs,
    g: &Global,
    interrupts: &Interrupts,
    printer: &Printer,
) -> Result<Status> {
    let run = |plan: PlanOptions| ops::Options {
        plan,
        execute: ExecuteOptions {
            parallel: usize::from(args.parallel),
            interrupted: Some(Arc::clone(&interrupts.flag)),
            wait: (args.wait || args.rollback || args.wait_timeout.is_some()).then(|| {
                WaitOptions {
                    timeout: Duration::from_secs(args.wait_timeout.unwrap_or(300)),
                    ..WaitOptions::default()
                }
            }),
            step_timeout: Duration::from_secs(args.steps.step_timeout),
            ..ExecuteOptions::default()
        },
        lock_timeout: Duration::from_secs(args.locking.lock_timeout),
        progress: printer,
        rollback: args.rollback,
        pull: args.pulling.pull,
    };
    if let Some(path) = &args.plan {
        let plan = planfile::read(path)?;
        paunch::mask::add_patterns(&plan.sensitive_env);
        if let Some(note) = same_as_plan(&plan, path, args, g, std::env::args_os())?
            && !g.quiet
        {
            eprintln!("note: {note}");
        }
        // A saved plan carries its runtime; its argv are that runtime's.
        let engine = Engine::new(plan.runtime);
        let applied = ops::apply_saved(&engine, &plan, &run(PlanOptions::default()))?;
        return Ok(finish(printer, "Apply", &applied, g));
    }
    let (config, opts) = load(&args.target, g)?;
    if args.rollback && opts.systemd.is_some() {
        return Err(Error::usage(
            "--rollback does not undo systemd units yet: it cannot be given with --systemd",
        )
        .with_hint("drop --rollback (a failed apply converges when run again), or --systemd"));
    }
    let engine = Engine::new(g.default_runtime);
    let applied = ops::apply(&engine, &config, &run(opts))?;
    Ok(finish(printer, "Apply", &applied, g))
}

/// Refuses `--managed-by` or `--default-runtime`, given on the command
/// line `argv`, that differ from what the saved plan was made for (the
/// plan's own are used: it was reviewed as such). Their defaults say
/// nothing, and are not compared; nor is `PAUNCH_DEFAULT_RUNTIME`, a
/// default for plans to be made, which yields to the plan's runtime:
/// what is returned then says so.
fn same_as_plan(
    plan: &Plan,
    path: &Path,
    args: &ApplyArgs,
    g: &Global,
    argv: impl IntoIterator<Item = OsString>,
) -> Result<Option<String>> {
    let given = given_on_command_line(argv);
    let source = |id: &str| given.iter().find(|(g, _)| *g == id).map(|(_, s)| *s);
    let managed_by = &args.target.scope.managed_by;
    if source("managed_by").is_some() && *managed_by != plan.managed_by {
        return Err(Error::usage(format!(
            "--managed-by {managed_by} does not match the plan's managed-by \"{}\" ({}); nothing was touched",
            plan.managed_by,
            path.display()
        ))
        .with_hint(format!(
            "drop --managed-by to apply the plan as made, or make a new plan with --managed-by {managed_by}"
        )));
    }
    if g.default_runtime == plan.runtime {
        return Ok(None);
    }
    match source("default_runtime") {
        Some(ValueSource::CommandLine) => Err(Error::usage(format!(
            "--default-runtime {} does not match the plan's runtime \"{}\" ({}); nothing was touched",
            g.default_runtime,
            plan.runtime,
            path.display()
        ))
        .with_hint(format!(
            "drop --default-runtime to apply the plan with {}, or make a new plan with --default-runtime {}",
            plan.runtime, g.default_runtime
        ))),
        Some(ValueSource::EnvVariable) => Ok(Some(format!(
            "the plan was made for {0}: it runs with {0} (PAUNCH_DEFAULT_RUNTIME={1} is for plans made here)",
            plan.runtime, g.default_runtime
        ))),
        _ => Ok(None),
    }
}

/// Which of `managed_by` and `default_runtime` `apply` was given
/// explicitly (not by default) in `argv`, and how: on the command line or
/// from the environment.
fn given_on_command_line(
    argv: impl IntoIterator<Item = OsString>,
) -> Vec<(&'static str, ValueSource)> {
    let Ok(top) = Cli::command().try_get_matches_from(argv) else {
        return Vec::new();
    };
    let explicit = |m: &ArgMatches, id: &str| {
        // (value_source panics on an ID the command does not have.)
        if !matches!(m.try_get_raw(id), Ok(Some(_))) {
            return None;
        }
        m.value_source(id)
            .filter(|s| matches!(s, ValueSource::CommandLine | ValueSource::EnvVariable))
    };
    let sub = top.subcommand_matches("apply");
    ["managed_by", "default_runtime"]
        .into_iter()
        .filter_map(|id| {
            let source = explicit(&top, id).or_else(|| sub.and_then(|m| explicit(m, id)));
            source.map(|s| (id, s))
        })
        .collect()
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
    let systemd = super::systemd_options(&t.systemd, g)?;
    let config = super::load_config(file, &t.reading, Some(&config_id))?;
    let opts = PlanOptions {
        runtime: g.default_runtime,
        managed_by: t.scope.managed_by.clone(),
        config_id,
        labels: t.labels.iter().cloned().collect(),
        systemd,
        sensitive_env: g
            .sensitive_env
            .iter()
            .chain(&config.sensitive_env)
            .cloned()
            .collect(),
        remove_volumes: false,
    };
    Ok((config, opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(args: &[&str]) -> Vec<&'static str> {
        given_on_command_line(args.iter().map(OsString::from))
            .into_iter()
            .filter(|(_, s)| *s == ValueSource::CommandLine)
            .map(|(id, _)| id)
            .collect()
    }

    #[test]
    fn only_values_on_the_command_line_count_as_given() {
        assert_eq!(
            given(&["paunch", "apply", "--plan", "p"]),
            Vec::<&str>::new()
        );
        assert_eq!(
            given(&["paunch", "apply", "--plan", "p", "--managed-by", "x"]),
            ["managed_by"]
        );
        assert_eq!(
            given(&[
                "paunch",
                "--default-runtime",
                "podman",
                "apply",
                "--plan",
                "p"
            ]),
            ["default_runtime"]
        );
        assert_eq!(
            given(&[
                "paunch",
                "apply",
                "--plan",
                "p",
                "--default-runtime",
                "docker"
            ]),
            ["default_runtime"]
        );
    }
}
