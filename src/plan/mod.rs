//! Plans: the model, the pure planner, unique names, config diffs, and
//! staleness (what a plan depends on and what changed since).

pub mod build;
mod diff;
pub mod model;
mod names;
pub mod planner;
pub mod resources;
pub mod rollback;
pub mod staleness;
pub mod verify;

pub use model::*;
pub use names::{NameBook, unique_name};
pub use planner::{PlanOptions, note_labels_not_given, plan_apply, plan_cleanup, plan_delete};
pub use rollback::plan_rollback;
pub use staleness::{Change, changes, dependencies_now, fingerprint};
