//! Exit codes, decided here and nowhere else. A command ends with a
//! [`Status`] or an [`Error`]; [`code`] turns either into the process exit
//! code by the table below.

use paunch::error::{Error, ErrorKind};

/// SIGINT/SIGTERM: the code of a run that was interrupted (also the
/// signal thread's, for a second interrupt).
pub const INTERRUPTED: i32 = 130;

/// The exit codes, one table: `--help` prints it, README quotes it, and
/// [`code`] is the only place that chooses one.
pub const EXIT_CODES: &[(i32, &str)] = &[
    (0, "success (plan --detailed-exitcode: no changes)"),
    (1, "a step failed, or another error not listed here"),
    (
        2,
        "plan --detailed-exitcode only: changes present (exec steps alone are not changes)",
    ),
    (
        3,
        "invalid configuration or command-line arguments (a --file that cannot be read, a flag apply --plan does not take); nothing was touched",
    ),
    (
        4,
        "saved plan refused: stale, edited, unreadable or of another format version; nothing was touched",
    ),
    (
        5,
        "container engine unreachable (daemon down, wrong DOCKER_HOST, binary missing)",
    ),
    (
        6,
        "another paunch run holds the lock and --lock-timeout expired, or the lock directory cannot be used safely; nothing was touched",
    ),
    (
        INTERRUPTED,
        "interrupted by SIGINT/SIGTERM: after finishing the steps in flight (of an apply or its rollback), or at once while waiting for the lock (nothing touched)",
    ),
];

/// Renders [`EXIT_CODES`] for help texts.
pub fn exit_code_help() -> String {
    let mut s = String::from("Exit codes:\n");
    for (code, what) in EXIT_CODES {
        s.push_str(&format!("  {code:>3}  {what}\n"));
    }
    s
}

/// How a command ended, when it did not end with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It did what it was asked (`plan --detailed-exitcode`: no changes).
    Success,
    /// `plan --detailed-exitcode`: the plan changes something.
    Changes,
    /// It ran, and something failed: a step, a validation, or (`plan
    /// --detailed-exitcode`) any error.
    Failed,
    /// SIGINT/SIGTERM: the steps in flight finished, no more started.
    Interrupted,
    /// `debug --action run`: the container's own exit code.
    Container(i32),
}

/// How an execution ended: interrupted (during it, or during its
/// rollback), failed (a rolled-back apply still failed), or a success.
pub fn of_execution(
    report: &paunch::execute::Report,
    rollback: Option<&paunch::error::Result<paunch::ops::RolledBack>>,
) -> Status {
    let rollback_interrupted = matches!(rollback, Some(Ok(r)) if r.report.interrupted);
    if report.interrupted || rollback_interrupted {
        Status::Interrupted
    } else if report.success() {
        Status::Success
    } else {
        Status::Failed
    }
}

/// The exit code of a command's result.
pub fn code(result: &Result<Status, Error>) -> i32 {
    match result {
        Ok(Status::Success) => 0,
        Ok(Status::Failed) => 1,
        Ok(Status::Changes) => 2,
        Ok(Status::Interrupted) => INTERRUPTED,
        Ok(Status::Container(c)) => *c,
        Err(e) => of_error(e.kind()),
    }
}

/// The exit code of an error of `kind`.
pub fn of_error(kind: ErrorKind) -> i32 {
    match kind {
        // Usage errors share the code of invalid configuration, so that 2
        // stays "changes present" for --detailed-exitcode.
        ErrorKind::Config | ErrorKind::Usage => 3,
        ErrorKind::PlanStale | ErrorKind::PlanInvalid => 4,
        ErrorKind::EngineUnreachable => 5,
        ErrorKind::Lock => 6,
        ErrorKind::Interrupted => INTERRUPTED,
        ErrorKind::Io | ErrorKind::Engine => 1,
        // ErrorKind is non-exhaustive: a kind the library adds later is an
        // error like any other until it gets a row of its own.
        _ => 1,
    }
}

/// The exit code of a command line clap refused (0 for --help/--version).
pub fn of_usage(e: &clap::Error) -> i32 {
    match e.kind() {
        clap::error::ErrorKind::DisplayHelp
        | clap::error::ErrorKind::DisplayVersion
        | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 0,
        _ => of_error(ErrorKind::Usage),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_chosen_is_in_the_table() {
        let kinds = [
            ErrorKind::Config,
            ErrorKind::Usage,
            ErrorKind::Io,
            ErrorKind::Engine,
            ErrorKind::EngineUnreachable,
            ErrorKind::PlanStale,
            ErrorKind::PlanInvalid,
            ErrorKind::Lock,
            ErrorKind::Interrupted,
        ];
        let statuses = [
            Status::Success,
            Status::Changes,
            Status::Failed,
            Status::Interrupted,
        ];
        let codes = kinds
            .iter()
            .map(|k| of_error(*k))
            .chain(statuses.iter().map(|s| code(&Ok(*s))));
        for c in codes {
            assert!(
                EXIT_CODES.iter().any(|(t, _)| *t == c),
                "{c} is not in EXIT_CODES"
            );
        }
    }

    #[test]
    fn readme_quotes_the_table() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        for (code, _) in EXIT_CODES {
            assert!(
                readme.contains(&format!("| {code} |")),
                "README lacks exit code {code}"
            );
        }
    }
}
