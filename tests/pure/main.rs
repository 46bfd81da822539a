//! The tests that need no engine, one binary: the planner's scenarios, the
//! key table, bad configurations, the fuzz corpus, the argv of the
//! original's builder, the shape of the library.

#[path = "../support/original.rs"]
mod original;

mod architecture;
mod bad_configs;
mod compose;
mod compose_oracle;
mod fuzz_corpus;
mod json_files;
mod keys;
mod kube;
mod kube_export;
mod kube_schema;
mod limits;
mod original_argv;
mod plans;
mod secrets;
mod systemd;
