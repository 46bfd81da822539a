//! What an execution says: each step's [`Outcome`], the [`Progress`] it
//! reports to as it goes, and the [`Report`] at the end.

use super::*;

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It did what it said; what happened, in a few words.
    Done(String),
    /// It failed: the engine's own message, and the exit code.
    Failed(Failure),
    /// Not run because something it depends on failed.
    Skipped(String),
    /// Not run because the apply was interrupted.
    NotRun,
}

/// A failed step: the engine's message (or ours, when the engine could not
/// be run), and the exit code that made it a failure: the engine CLI's, or
/// a blocking container's or an exec's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The engine's message, or ours when it could not be run.
    pub message: String,
    /// The exit code that made it fail: the engine CLI's, or the container's or
    /// exec's own.
    pub exit_code: Option<i32>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Outcome {
    /// Whether the step did what it said.
    pub fn is_done(&self) -> bool {
        matches!(self, Outcome::Done(_))
    }

    pub(super) fn failed(message: impl Into<String>, exit_code: Option<i32>) -> Outcome {
        Outcome::Failed(Failure {
            message: message.into(),
            exit_code,
        })
    }

    /// The engine could not be run at all.
    pub(super) fn error(e: impl std::fmt::Display) -> Outcome {
        Outcome::failed(e.to_string(), None)
    }

    /// The engine answered with a failure.
    pub(super) fn engine(o: &Output) -> Outcome {
        Outcome::failed(o.error_text(), o.code)
    }
}

/// Told about each step as it starts and ends (for progress displays).
pub trait Progress: Sync {
    /// The plan about to be executed.
    fn planned(&self, _plan: &Plan) {}
    /// A step starts (for a replacement: its old container's stop).
    fn started(&self, _step: &Step) {}
    /// A step ended.
    fn finished(&self, _step: &Step, _outcome: &Outcome) {}
}

/// A [`Progress`] that says nothing.
pub struct Silent;

impl Progress for Silent {}

/// What happened to every step, in plan order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Each step's outcome, by step ID, in plan order.
    pub outcomes: Vec<(usize, Outcome)>,
    /// Whether a signal stopped it before every step ran.
    pub interrupted: bool,
    /// How long the execution took.
    pub elapsed: Duration,
    /// With `--wait`: each container found ready, and how (`healthy`, or
    /// `running` for one without a health check), in the order found.
    pub ready: Vec<(String, String)>,
}

impl Report {
    /// The failed steps and their messages.
    pub fn failed(&self) -> impl Iterator<Item = (usize, &str)> {
        self.outcomes.iter().filter_map(|(id, o)| match o {
            Outcome::Failed(e) => Some((*id, e.message.as_str())),
            _ => None,
        })
    }

    /// The skipped steps and why.
    pub fn skipped(&self) -> impl Iterator<Item = (usize, &str)> {
        self.outcomes.iter().filter_map(|(id, o)| match o {
            Outcome::Skipped(e) => Some((*id, e.as_str())),
            _ => None,
        })
    }

    /// The steps not run because of an interrupt.
    pub fn not_run(&self) -> impl Iterator<Item = usize> + '_ {
        self.outcomes
            .iter()
            .filter(|(_, o)| *o == Outcome::NotRun)
            .map(|(id, _)| *id)
    }

    /// Whether every step succeeded and nothing interrupted it.
    pub fn success(&self) -> bool {
        !self.interrupted && self.outcomes.iter().all(|(_, o)| o.is_done())
    }
}
