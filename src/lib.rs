//! # paunch
//!
//! Launch and manage containers on one host from YAML configuration, with
//! explicit plans. The pieces, from the configuration to the engine:
//!
//! - [`Config`]: a configuration, loaded and checked ([`config`]);
//! - [`Observed`]: what the engine reports ([`Engine::observe`]);
//! - [`plan::plan_apply`] (and cleanup, delete): a pure function from the two
//!   to a [`Plan`] of steps, each with its reason and engine arguments;
//! - [`execute::execute`]: runs a plan, the only code that changes anything;
//! - [`ops`]: each command in one call, under the engine's lock.
//!
//! ```
//! use paunch::{Config, Observed, plan::{plan_apply, PlanOptions}};
//! let config = Config::parse("hello:\n  image: busybox:1.36\n  detach: false\n", "hello.yml")?;
//! let opts = PlanOptions { config_id: "hi".into(), managed_by: "paunch".into(), ..Default::default() };
//! let observed: Observed = serde_json::from_str(r#"{"containers": [], "images": {"busybox:1.36": "sha256:1"}}"#)
//!     .map_err(|e| paunch::Error::new(paunch::ErrorKind::Engine, e.to_string()))?;
//! let plan = plan_apply(&config, &observed, &opts);
//! let text = plan.to_string();
//! assert!(text.contains("+ create  hello"));
//! assert!(text.ends_with("Plan: 1 to create, 0 to replace, 0 to delete, 0 to rename, 0 exec.\n"));
//! # Ok::<(), paunch::Error>(())
//! ```

#![warn(missing_docs)]

pub mod config;
pub mod engine;
pub mod error;
pub mod execute;
pub mod export;
pub mod files;
#[doc(hidden)]
pub mod fuzz;
pub mod hash;
pub mod labels;
pub mod lock;
pub mod log;
pub mod mask;
pub mod observe;
pub mod ops;
pub mod plan;
pub mod planfile;
pub mod pyjson;
pub mod render;
// The one place that touches directories other users reach (locks, caches).
pub(crate) mod shared_dir;
pub mod systemd;
pub mod value;
pub mod yaml;

pub use config::Config;
pub use engine::Engine;
pub use engine::argv::Runtime;
pub use error::{Error, ErrorKind, Result};
pub use observe::Observed;
pub use plan::Plan;
