//! The one error type: a kind (which decides the exit code), a message, an
//! optional place in a file, an optional hint on what to do, and the source.

use std::fmt;

/// What went wrong, broadly (the command line maps each kind to an exit
/// code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The configuration file is invalid.
    Config,
    /// A command-line value is invalid.
    Usage,
    /// Reading or writing a local file failed.
    Io,
    /// The engine answered, but with an error or output we cannot read.
    Engine,
    /// The engine cannot be reached at all.
    EngineUnreachable,
    /// A saved plan no longer matches the world.
    PlanStale,
    /// A saved plan cannot be used (unreadable, malformed, edited, other
    /// version).
    PlanInvalid,
    /// The engine's lock (per managed-by name) could not be taken in time.
    Lock,
    /// The run was interrupted by a signal (while waiting for the lock).
    Interrupted,
}

/// One finding about a configuration: where, what, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The file (or `--overrides`, or a label) it concerns.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The container entry it concerns, if any.
    pub entry: Option<String>,
    /// The key inside the entry it concerns, if any.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it, when there is something to say.
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": ")?;
        match (&self.entry, &self.key) {
            (Some(e), Some(k)) => write!(f, "entry \"{e}\", key \"{k}\": ")?,
            (Some(e), None) => write!(f, "entry \"{e}\": ")?,
            _ => {}
        }
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

/// The error type of every fallible operation in this crate.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    hint: Option<String>,
    diagnostics: Vec<Diagnostic>,
    changes: Vec<serde_json::Value>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of `kind` saying `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            hint: None,
            diagnostics: Vec::new(),
            changes: Vec::new(),
            source: None,
        }
    }

    /// An invalid configuration, with every finding.
    pub fn config(diagnostics: Vec<Diagnostic>) -> Error {
        let n = diagnostics.len();
        let message = if n == 1 {
            "the configuration is invalid".to_string()
        } else {
            format!("the configuration is invalid ({n} problems)")
        };
        Error {
            kind: ErrorKind::Config,
            message,
            hint: None,
            diagnostics,
            changes: Vec::new(),
            source: None,
        }
    }

    /// A command-line value is wrong ([`ErrorKind::Usage`]).
    pub fn usage(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Usage, message)
    }

    /// Adds what to do about it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// Adds what changed, one JSON object each (a stale plan's changes,
    /// each with its `kind`), for the JSON error event; the message
    /// already says them in words.
    pub fn with_changes(mut self, changes: Vec<serde_json::Value>) -> Error {
        self.changes = changes;
        self
    }

    /// Keeps the underlying error (its message is already in `message`).
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    /// What went wrong, broadly.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What to do about it, if known.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The findings of a configuration error (empty for other kinds).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// What changed (a stale plan's changes; empty for other errors).
    pub fn changes(&self) -> &[serde_json::Value] {
        &self.changes
    }

    /// The same error as another kind (a configuration file that cannot
    /// be read is an invalid argument to the command line that named it).
    pub fn into_kind(mut self, kind: ErrorKind) -> Error {
        self.kind = kind;
        self
    }

    /// An I/O error on a named path.
    pub fn io(what: &str, path: &std::path::Path, err: std::io::Error) -> Error {
        Error::new(
            ErrorKind::Io,
            format!("cannot {what} {}: {err}", path.display()),
        )
        .with_source(err)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for d in &self.diagnostics {
            write!(f, "\n  {d}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A result whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
