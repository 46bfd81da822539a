//! The command-line shell over [`crate::ops`]: one file per command, each
//! parsing its arguments, calling the core, printing, and choosing the
//! exit code.

mod apply;
mod cleanup;
mod debug;
mod list;
mod plan;
mod validate;

use crate::cli::{Cli, Command, Global};
use crate::error::{Error, Result};
use crate::execute::{Outcome, Progress, Report};
use crate::log::{self, Level};
use crate::plan::{Plan, Step};
use crate::render::{Paint, report, text};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let g = &cli.global;
    match cli.command {
        Command::Apply(a) => apply::run(a, g),
        Command::Plan(a) => plan::run(a, g),
        Command::Show(a) => plan::show(a, g),
        Command::Cleanup(a) => cleanup::cleanup(a, g),
        Command::Delete(a) => cleanup::delete(a, g),
        Command::List(a) => list::run(a, g),
        Command::Debug(a) => debug::run(a, g),
        Command::Validate(a) => validate::run(a),
        Command::Schema => validate::schema(),
        Command::Completions { shell } => validate::completions(shell),
    }
}

/// Sets up logging from the global options.
pub fn init_logging(g: &Global) -> Result<()> {
    let level = if g.quiet {
        Level::Quiet
    } else if g.debug || g.verbose >= 2 {
        Level::Debug
    } else if g.verbose == 1 {
        Level::Verbose
    } else {
        Level::Normal
    };
    let file = match &g.log_file {
        None => None,
        Some(p) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| Error::io("open log file", p, e))?,
        ),
    };
    log::init(level, file);
    Ok(())
}

/// Prints an error the way every command does.
pub fn print_error(e: &Error) {
    let paint = Paint {
        color: std::io::IsTerminal::is_terminal(&std::io::stderr())
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    eprintln!("{} {e}", paint.style().red().bold().apply_to("error:"));
    log::to_file(|| format!("error: {e}"));
}

/// Prints a configuration's warnings to stderr (and the log file).
pub fn print_warnings(config: &crate::config::Config) {
    let paint = Paint {
        color: std::io::IsTerminal::is_terminal(&std::io::stderr())
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    for w in &config.warnings {
        eprintln!("{} {w}", paint.style().yellow().bold().apply_to("warning:"));
        log::to_file(|| format!("warning: {w}"));
    }
}

/// Prints to stdout, ignoring a closed pipe (`paunch list | head`).
fn out(s: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(s.as_bytes());
    let _ = o.flush();
    log::to_file(|| s.trim_end().to_string());
}

/// Prints the plan, then a line per finished step; on a terminal, a
/// progress bar (done/total, the step under way, elapsed time) below.
struct Printer {
    paint: Paint,
    quiet: bool,
    bar: OnceLock<ProgressBar>,
}

impl Printer {
    fn new(g: &Global) -> Printer {
        Printer {
            paint: Paint::for_stdout(),
            quiet: g.quiet,
            bar: OnceLock::new(),
        }
    }

    /// Prints a line without tearing the progress bar.
    fn line(&self, text: &str) {
        match self.bar.get() {
            Some(bar) => bar.suspend(|| out(text)),
            None => out(text),
        }
    }
}

impl Progress for Printer {
    fn planned(&self, plan: &Plan) {
        if self.quiet {
            log::to_file(|| text::render(plan, &Paint::plain()));
            return;
        }
        out(&text::render(plan, &self.paint));
        if plan.steps.is_empty() {
            return;
        }
        out("\n");
        // With -v, engine commands are logged to stderr: no bar to tear.
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) && log::level() == Level::Normal {
            let bar = ProgressBar::with_draw_target(
                Some(plan.steps.len() as u64),
                ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed}] {pos}/{len} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            let _ = self.bar.set(bar);
        }
    }

    fn started(&self, step: &Step) {
        if let Some(bar) = self.bar.get() {
            bar.set_message(step.describe());
        }
    }

    fn finished(&self, step: &Step, outcome: &Outcome) {
        let failed = matches!(outcome, Outcome::Failed(_));
        let line = report::step_line(step, outcome, &self.paint);
        if self.quiet {
            if failed {
                eprintln!("{line}");
            }
            log::to_file(|| line.clone());
            return;
        }
        self.line(&format!("{line}\n"));
        if let Some(bar) = self.bar.get() {
            bar.inc(1);
        }
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

/// The exit code of an execution, after printing its summary.
fn finish(verb: &str, plan: &Plan, report: &Report, g: &Global) -> i32 {
    let paint = Paint::for_stdout();
    let text = report::summary(verb, plan, report, &paint);
    if report.success() {
        if g.quiet {
            log::to_file(|| text.clone());
        } else if !plan.steps.is_empty() {
            out(&format!("\n{text}"));
        }
        0
    } else {
        if g.quiet {
            eprint!("{text}");
            log::to_file(|| text.clone());
        } else {
            out(&format!("\n{text}"));
        }
        if report.interrupted { 130 } else { 1 }
    }
}

/// SIGINT/SIGTERM set a flag: the step in flight finishes, no more start.
/// A second SIGINT exits at once.
fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(&flag));
        let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
    }
    flag
}
