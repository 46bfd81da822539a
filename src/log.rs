//! Messages on stderr by verbosity, and everything into `--log-file`.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
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

static LEVEL: AtomicU8 = AtomicU8::new(Level::Normal as u8);
static FILE: Mutex<Option<std::fs::File>> = Mutex::new(None);

/// Sets the stderr level and the log file (which gets every message).
pub fn init(level: Level, file: Option<std::fs::File>) {
    LEVEL.store(level as u8, Ordering::Relaxed);
    if let Ok(mut f) = FILE.lock() {
        *f = file;
    }
}

pub fn level() -> Level {
    match LEVEL.load(Ordering::Relaxed) {
        0 => Level::Quiet,
        1 => Level::Normal,
        2 => Level::Verbose,
        _ => Level::Debug,
    }
}

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
    let msg = msg();
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
        write_file(&msg());
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

pub fn verbose(msg: impl FnOnce() -> String) {
    at(Level::Verbose, msg)
}

pub fn debug(msg: impl FnOnce() -> String) {
    at(Level::Debug, msg)
}

pub fn info(msg: impl FnOnce() -> String) {
    at(Level::Normal, msg)
}

/// Warnings show unless `-q`.
pub fn warn(msg: impl FnOnce() -> String) {
    at(Level::Normal, || format!("warning: {}", msg()))
}

/// UTC time as `YYYY-MM-DDTHH:MM:SSZ`, without a date crate.
pub fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
