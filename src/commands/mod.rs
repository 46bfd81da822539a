//! The command-line shell over [`paunch::ops`]: one file per command, each
//! parsing its arguments, calling the core, printing, and choosing the
//! exit code.

mod apply;
mod cleanup;
mod debug;
pub mod exit;
mod export;
mod list;
mod man;
mod plan;
mod validate;

use crate::cli::{Cli, Command, Global, PlanFormat};
pub use exit::Status;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use paunch::error::{Error, ErrorKind, Result};
use paunch::execute::{Outcome, Progress};
use paunch::log::{self, Level};
use paunch::ops::Applied;
use paunch::plan::{Plan, Step};
use paunch::render::{Paint, json, report, text};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<Status> {
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
        Command::Export(a) => export::run(a),
        Command::Schema { compose } => validate::schema(compose),
        Command::Completions { shell } => validate::completions(shell),
        Command::GenerateMan { dir } => man::generate(&dir),
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
    paunch::mask::add_patterns(&g.sensitive_env);
    let file = match &g.log_file {
        None => None,
        Some(p) => Some(open_log_file(p)?),
    };
    log::init(level, file);
    Ok(())
}

/// Opens `--log-file` to append: created `0600` if missing; never through
/// a symlink (`O_NOFOLLOW`); refused unless it is a regular file of this
/// user with one link, so root cannot be made to write into another
/// user's file, or one they can read. An existing file keeps its mode.
fn open_log_file(p: &std::path::Path) -> Result<std::fs::File> {
    use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(p)
        .map_err(|e| {
            let hint = if e.raw_os_error() == Some(libc::ELOOP) {
                "it is a symbolic link: give --log-file the path of a regular file"
            } else {
                "give --log-file a path in a directory you can write to"
            };
            Error::io("open log file", p, e).with_hint(hint)
        })?;
    let meta = file
        .metadata()
        .map_err(|e| Error::io("open log file", p, e))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    let why = if !meta.file_type().is_file() {
        Some("it is not a regular file")
    } else if meta.uid() != euid {
        Some("another user owns it")
    } else if meta.nlink() != 1 {
        Some("it has other hard links")
    } else {
        None
    };
    match why {
        Some(why) => Err(
            Error::usage(format!("refusing the log file {}: {why}", p.display()))
                .with_hint("give --log-file a file of your own (paunch creates it, mode 0600)"),
        ),
        None => Ok(file),
    }
}

/// Prints an error the way every command does.
pub fn print_error(e: &Error) {
    let paint = Paint {
        color: std::io::IsTerminal::is_terminal(&std::io::stderr())
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let text = e.to_string();
    let text = paunch::mask::escape_controls(&text);
    eprintln!("{} {text}", paint.style().red().bold().apply_to("error:"));
    log::to_file(|| format!("error: {text}"));
}

/// Reads a `--file` as the command line says (`--unknown-keys`), and
/// prints its warnings: what every command that reads one does first.
pub fn load_config(
    file: &std::path::Path,
    reading: &crate::cli::Reading,
    config_id: Option<&str>,
) -> Result<paunch::Config> {
    let config = paunch::Config::load_with(file, &reading.options(config_id))
        // A --file that cannot be read (missing, a directory without
        // hashed-*.json files, no permission) is an invalid argument:
        // nothing was touched (exit 3), unlike an I/O failure while working.
        .map_err(|e| match e.kind() {
            ErrorKind::Io if e.hint().is_none() => e.into_kind(ErrorKind::Usage).with_hint(
                "give --file a readable YAML or JSON file, or a directory of hashed-*.json files",
            ),
            ErrorKind::Io => e.into_kind(ErrorKind::Usage),
            _ => e,
        })?;
    print_warnings(&config);
    // A Kubernetes Secret's variables are masked whatever their names.
    paunch::mask::add_patterns(&config.sensitive_env);
    Ok(config)
}

/// Prints a configuration's warnings to stderr (and the log file).
pub fn print_warnings(config: &paunch::config::Config) {
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
/// `--systemd`'s options, or none without it; a usage error with docker
/// (which restarts containers itself), with a prefix no unit name can
/// start with, or with a directory that is not one.
pub(crate) fn systemd_options(
    a: &crate::cli::SystemdArgs,
    g: &Global,
) -> Result<Option<paunch::plan::SystemdOptions>> {
    if !a.systemd {
        return Ok(None);
    }
    if g.default_runtime != paunch::Runtime::Podman {
        return Err(Error::usage(format!(
            "--systemd is for podman: {} restarts containers itself (its daemon honours `restart`), and gets no units",
            g.default_runtime
        ))
        .with_hint("drop --systemd, or add --default-runtime podman"));
    }
    paunch::systemd::check_prefix(&a.systemd_prefix).map_err(|e| {
        e.with_hint("e.g. --systemd-prefix paunch_, or tripleo_ to adopt the original's units")
    })?;
    let dir = std::path::absolute(&a.systemd_dir).unwrap_or_else(|_| a.systemd_dir.clone());
    if !dir.is_dir() {
        return Err(
            Error::usage(format!("--systemd-dir {}: not a directory", dir.display()))
                .with_hint("give systemd's unit directory (default /etc/systemd/system)"),
        );
    }
    let dir = dir
        .to_str()
        .map(str::to_string)
        .ok_or_else(|| Error::usage(format!("--systemd-dir {}: not UTF-8", dir.display())))?;
    Ok(Some(paunch::plan::SystemdOptions {
        dir,
        prefix: a.systemd_prefix.clone(),
        program: podman_on_path(),
    }))
}

/// The absolute path of the podman on PATH (the units run it; systemd
/// searches no PATH of ours), else the usual `/usr/bin/podman`.
fn podman_on_path() -> String {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .filter(|d| d.is_absolute())
        .map(|d| d.join("podman"))
        .find(|p| p.is_file())
        .and_then(|p| p.to_str().map(str::to_string))
        .unwrap_or_else(|| "/usr/bin/podman".to_string())
}

/// Prints one JSON line (an event), masked and escaped as everything a
/// CI log reads is ([`paunch::mask`]).
fn out_json(mut v: serde_json::Value) {
    paunch::mask::current().json(&mut v);
    out(&format!(
        "{}\n",
        paunch::mask::escape_json_text(&v.to_string())
    ));
}

fn out(s: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(s.as_bytes());
    let _ = o.flush();
    log::to_file(|| s.trim_end().to_string());
}

/// What the printer and the signal thread share: the steps in flight
/// (started, not finished) and the progress bar.
#[derive(Default)]
struct Shared {
    /// Step ID to what an interrupt may leave of it.
    in_flight: Mutex<BTreeMap<usize, String>>,
    bar: OnceLock<ProgressBar>,
}

impl Shared {
    fn in_flight(&self) -> Vec<String> {
        let map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        map.values().cloned().collect()
    }

    /// Writes to stderr without tearing the progress bar.
    fn eprint(&self, text: &str) {
        let write = || {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        };
        match self.bar.get() {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
        log::to_file(|| text.trim_end().to_string());
    }
}

/// The interrupt flag of an execution (see [`interrupts`]) and the state
/// the signal thread reports from.
struct Interrupts {
    flag: Arc<AtomicBool>,
    shared: Arc<Shared>,
}

/// Prints the plan, then a line per finished step; on a terminal, a
/// progress bar (done/total, the step under way, elapsed time) below.
struct Printer {
    paint: Paint,
    quiet: bool,
    /// JSON lines for machines instead (`--format json`): no text, no bar.
    json: bool,
    shared: Arc<Shared>,
}

impl Printer {
    fn new(g: &Global, interrupts: &Interrupts, format: PlanFormat) -> Printer {
        Printer {
            paint: Paint::for_stdout(),
            quiet: g.quiet,
            json: format == PlanFormat::Json,
            shared: Arc::clone(&interrupts.shared),
        }
    }

    /// In JSON mode, an error that ends the command is a JSON line too.
    fn error(&self, e: &Error) {
        if self.json {
            out_json(json::error_event(e, exit::of_error(e.kind())));
        }
    }

    /// Prints a line without tearing the progress bar.
    fn line(&self, text: &str) {
        match self.shared.bar.get() {
            Some(bar) => bar.suspend(|| out(text)),
            None => out(text),
        }
    }
}

impl Progress for Printer {
    fn planned(&self, plan: &Plan) {
        if self.json {
            match json::plan_event(plan) {
                Ok(v) => out_json(v),
                Err(e) => self.error(&e),
            }
            return;
        }
        if self.quiet {
            log::to_file(|| text::render(plan, &Paint::plain()));
            return;
        }
        // A rollback's plan follows the failed apply's output.
        if plan.operation == paunch::plan::Operation::Rollback {
            out("\n");
        }
        out(&text::render(plan, &self.paint));
        // One bar per run: a rollback's steps are listed, not counted.
        if plan.steps.is_empty() || self.shared.bar.get().is_some() {
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
            let _ = self.shared.bar.set(bar);
        }
    }

    fn started(&self, step: &Step) {
        if let Ok(mut m) = self.shared.in_flight.lock() {
            m.insert(step.id, report::in_flight(step));
        }
        if let Some(bar) = self.shared.bar.get() {
            bar.set_message(step.describe());
        }
    }

    fn finished(&self, step: &Step, outcome: &Outcome) {
        if let Ok(mut m) = self.shared.in_flight.lock() {
            m.remove(&step.id);
        }
        if self.json {
            out_json(json::step_event(step, outcome));
            return;
        }
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
        if let Some(bar) = self.shared.bar.get().filter(|b| !b.is_finished()) {
            bar.inc(1);
        }
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        if let Some(bar) = self.shared.bar.get() {
            bar.finish_and_clear();
        }
    }
}

/// The exit code of an execution, after printing its summary (the
/// progress bar cleared first, so no stale bar line stays above it), and
/// its rollback's, if it had one.
fn finish(printer: &Printer, verb: &str, applied: &Applied, g: &Global) -> Status {
    if let Some(bar) = printer.shared.bar.get() {
        bar.finish_and_clear();
    }
    let (plan, report) = (&applied.plan, &applied.report);
    let rolled_back = applied.rollback.as_ref();
    let status = exit::of_execution(report, rolled_back);
    if printer.json {
        let code = exit::code(&Ok(status));
        out_json(json::summary_event(
            report,
            rolled_back.map(|r| r.as_ref().map(|r| &r.report)),
            code,
        ));
        return status;
    }
    let paint = Paint::for_stdout();
    let mut text = report::apply_summary(verb, plan, report, &paint);
    if let Some(r) = rolled_back {
        text.push_str(&report::rollback_summary(
            r.as_ref().map(|r| (&r.plan, &r.report)),
            &paint,
        ));
    }
    if report.success() {
        if g.quiet {
            log::to_file(|| text.clone());
        } else if !plan.steps.is_empty() {
            out(&format!("\n{text}"));
        }
    } else {
        if g.quiet {
            eprint!("{text}");
            log::to_file(|| text.clone());
        } else {
            out(&format!("\n{text}"));
        }
    }
    status
}

/// SIGINT/SIGTERM set a flag: the steps in flight finish, no more start
/// (and a wait for the lock stops at once). A second one exits at once,
/// 130, after saying which steps were in flight and what each may have
/// left.
fn interrupts() -> Interrupts {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let flag = Arc::new(AtomicBool::new(false));
    let shared = Arc::new(Shared::default());
    match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(mut signals) => {
            let (set, state) = (Arc::clone(&flag), Arc::clone(&shared));
            let spawned = std::thread::Builder::new()
                .name("signals".into())
                .spawn(move || {
                    for _ in signals.forever() {
                        if !set.swap(true, Ordering::SeqCst) {
                            let n = state.in_flight().len();
                            if n > 0 {
                                state.eprint(&format!(
                                    "interrupted: finishing the {n} step{} in flight, starting no more; interrupt again to exit at once\n",
                                    if n == 1 { "" } else { "s" }
                                ));
                            }
                            continue;
                        }
                        if let Some(bar) = state.bar.get() {
                            bar.finish_and_clear();
                        }
                        state.eprint(&report::interrupted_again(&state.in_flight()));
                        std::process::exit(exit::INTERRUPTED);
                    }
                });
            if spawned.is_ok() {
                return Interrupts { flag, shared };
            }
        }
        Err(e) => {
            log::debug(|| format!("no signal thread ({e}): a second interrupt exits silently"))
        }
    }
    for sig in [SIGINT, SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(
            sig,
            exit::INTERRUPTED,
            Arc::clone(&flag),
        );
        let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
    }
    Interrupts { flag, shared }
}
