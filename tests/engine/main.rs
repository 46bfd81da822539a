//! The tests that need a real engine (docker, or podman with
//! PAUNCH_TEST_RUNTIME=podman), one binary: each module
//! uses its own `--managed-by` name, so they run in parallel and touch
//! nothing they did not create. `tests/support` starts nothing: the
//! engine must answer (`scripts/engine-up`, which `.ci/run` runs).

#[path = "../support/mod.rs"]
mod support;

mod all_keys;
mod apply;
mod cli;
mod compat;
mod compose;
mod compose_oracle;
mod daemon_death;
mod engine_calls;
mod engine_lock;
mod examples;
mod faults;
mod health;
mod kube;
mod kube_export;
mod kube_hour;
mod kube_read;
mod pipelines;
mod real_hosts;
mod registry;
mod resources;
mod restarts;
mod rollback;
mod runtimes;
mod save_faults;
mod saved_plans;
mod secrets;
mod security;
mod shell;
mod systemd;
mod tripleo;
mod wait;
