//! The library's diagnostics: the engine commands it runs (`-v`), their
//! output (`-vv`), a wait for the lock. Silent until the program using the
//! library calls [`init`] (the `paunch` binary does, from `-q`/`-v`/
//! `--log-file`): a library does not print on its own.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
/// How much goes to stderr.
pub enum Level {
    /// `-q`: errors only.
    Quiet = 0,
    /// Progress and results.
    Normal = 1,
    /// `-v`: also every engine command.
    Verbose = 2,
    /// `-vv` or `--debug`: also engine output.
    Debug = 3,
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Quiet as u8);
static FILE: Mutex<Option<std::fs::File>> = Mutex::new(None);

/// Sets the stderr level and the log file (which gets every message).
pub fn init(level: Level, file: Option<std::fs::File>) {
    LEVEL.store(level as u8, Ordering::Relaxed);
    if let Ok(mut f) = FILE.lock() {
        *f = file;
    }
}

/// The current stderr level.
pub fn level() -> Level {
    match LEVEL.load(Ordering::Relaxed) {
        0 => Level::Quiet,
        1 => Level::Normal,
        2 => Level::Verbose,
        _ => Level::Debug,
    }
}

/// Whether messages at `level` reach stderr.
pub fn enabled(level: Level) -> bool {
    level <= self::level()
}

fn log_file_enabled() -> bool {
    FILE.lock().map(|f| f.is_some()).unwrap_or(false)
}

/// Logs `msg` at `level`; the closure runs only if someone will read it.
pub fn at(level: Level, msg: impl FnOnce() -> String) {
    let to_stderr = enabled(level);
    let to_file = log_file_enabled();
    if !to_stderr && !to_file {
        return;
    }
    // Nothing raw reaches a terminal or the file: engine output and
    // messages carry what others wrote.
    let msg = msg();
    let msg = crate::mask::escape_controls(&msg);
    if to_stderr {
        eprintln!("{msg}");
    }
    if to_file {
        write_file(&msg);
    }
}

/// Writes only to the log file (for what stdout already shows).
pub fn to_file(msg: impl FnOnce() -> String) {
    if log_file_enabled() {
        // What stdout showed, colours and all: the file gets the text.
        let msg = msg();
        let plain = console::strip_ansi_codes(&msg);
        write_file(&crate::mask::escape_controls(&plain));
    }
}

fn write_file(msg: &str) {
    if let Ok(mut guard) = FILE.lock()
        && let Some(f) = guard.as_mut()
    {
        let stamp = timestamp();
        for line in msg.lines() {
            let _ = writeln!(f, "{stamp} [{}] {line}", std::process::id());
        }
    }
}

/// An engine command, for `-v`.
pub fn verbose(msg: impl FnOnce() -> String) {
    at(Level::Verbose, msg)
}

/// Engine output, for `-vv`/`--debug`.
pub fn debug(msg: impl FnOnce() -> String) {
    at(Level::Debug, msg)
}

/// Progress worth saying at the normal level (a wait for the lock).
pub fn info(msg: impl FnOnce() -> String) {
    at(Level::Normal, msg)
}

/// Warnings show unless `-q`.
pub fn warn(msg: impl FnOnce() -> String) {
    at(Level::Normal, || format!("warning: {}", msg()))
}

/// UTC time as `YYYY-MM-DDTHH:MM:SSZ`, without a date crate.
pub fn timestamp() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
