//! Every command-line flag, in one place.

use clap::{Args, Parser, Subcommand, ValueEnum};
use paunch::config::UnknownKeys;
use paunch::engine::argv::Runtime;
use paunch::engine::pull::PullPolicy;
use std::path::PathBuf;

const ABOUT: &str = "Launch and manage containers on one host from YAML configuration.

paunch converges the host to a configuration through the container engine,
idempotently: unchanged containers keep running untouched, changed ones are
replaced, removed ones are deleted, and containers it did not create are
never touched. Its only state is four labels on each container.";

#[derive(Debug, Parser)]
#[command(
    name = "paunch",
    // The version and the commit it was built from (build.rs).
    version = env!("PAUNCH_VERSION"),
    about = "Launch and manage containers on one host from YAML configuration",
    long_about = ABOUT,
    after_help = "Run `paunch help <command>` for examples.",
    after_long_help = long_help(),
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before or after the subcommand.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// More output: -v shows every engine command, -vv also its output.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Everything, as -vv.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Also write every message, at debug level, to this file (appended).
    #[arg(long, value_name = "PATH", global = true)]
    pub log_file: Option<PathBuf>,
    /// The container engine CLI to drive (docker or podman).
    #[arg(long, value_name = "RUNTIME", default_value = "docker", global = true, env = "PAUNCH_DEFAULT_RUNTIME", value_parser = parse_runtime)]
    pub default_runtime: Runtime,
    /// Also treat environment variables matching this glob as secrets
    /// (`*_DSN`, `DATABASE_URL`; case-insensitive; repeatable), on top of
    /// the built-in rules (PASSWORD, SECRET, TOKEN, KEY, ...): their values
    /// are shown as (sensitive) and never put in an engine's argv.
    #[arg(long, value_name = "PATTERN", global = true)]
    pub sensitive_env: Vec<String>,
}

/// `--parallel`'s default: creation is bound by the engine, which takes
/// several calls at once well (measured in bench/run.sh against
/// docker-compose, which runs a whole project's calls at once).
pub const DEFAULT_PARALLEL: u16 = 8;

fn long_help() -> String {
    format!(
        "Examples:\n  paunch apply --file examples/hello-world.yml --config-id hi\n  \
         paunch plan --file web.yml --config-id v2 --out v2.plan && paunch apply --plan v2.plan\n  \
         paunch cleanup v2\n  paunch list --format json\n\n{}",
        crate::commands::exit::exit_code_help()
    )
}

fn parse_runtime(s: &str) -> Result<Runtime, String> {
    s.parse()
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Converge the host's containers of a config ID to a configuration.
    #[command(after_help = "Examples:
  paunch apply --file examples/hello-world.yml --config-id hi
  paunch apply --file web.yml --config-id v2 --label team=web --parallel 4
  paunch apply --plan v2.plan        # exactly a saved plan; refused if stale

The plan is printed, then carried out: pulls, deletions, renames, then each
start_order group. A failed step's dependents are skipped; the others run,
and the exit code is 1 with every failure listed.")]
    Apply(ApplyArgs),
    /// Show what apply would do, change nothing, optionally save the plan.
    #[command(after_help = "Examples:
  paunch plan --file web.yml --config-id v2
  paunch plan --file web.yml --config-id v2 --out v2.plan
  paunch plan --file web.yml --config-id v2 --format json | jq .steps
  paunch plan --file web.yml --config-id v2 --detailed-exitcode   # 0 none, 2 changes")]
    Plan(PlanArgs),
    /// Print a saved plan as `plan` printed it; needs no engine.
    #[command(after_help = "Example:\n  paunch show v2.plan")]
    Show(ShowArgs),
    /// Delete managed containers of config IDs not listed, then rename the
    /// rest to their desired names.
    #[command(after_help = "Examples:
  paunch cleanup hi-again            # keep only config ID hi-again
  paunch cleanup                     # delete every managed container
  paunch cleanup v2 v3 --dry-run")]
    Cleanup(CleanupArgs),
    /// Delete the managed containers of config IDs.
    #[command(
        after_help = "Examples:\n  paunch delete hi\n  paunch delete v1 v2 --dry-run\n  paunch delete myproject --volumes"
    )]
    Delete(DeleteArgs),
    /// List managed containers by config ID.
    #[command(
        after_help = "Examples:\n  paunch list\n  paunch list --managed-by tripleo --format json"
    )]
    List(ListArgs),
    /// Print, run or dump one container of a configuration.
    #[command(after_help = "Examples:
  paunch debug --file examples/hello-world.yml --container hello
  paunch debug --file examples/hello-world.yml --container hello --action run --shell --user root
  paunch debug --file web.yml --container web --overrides '{\"net\": \"host\"}' --action dump-yaml")]
    Debug(DebugArgs),
    /// Check a configuration without an engine (for CI linting); exit 0 or 1.
    #[command(
        after_help = "Examples:\n  paunch validate --file web.yml\n  paunch validate --file web.yml --format json"
    )]
    Validate(ValidateArgs),
    /// Write a configuration as Kubernetes Pods or a compose file.
    #[command(after_help = "Examples:
  paunch export --file web.yml --config-id v2 --format kubernetes --out web-pods.yaml
  paunch export --file pod.yaml --config-id v2 --format compose --strict

What the target cannot express is a warning naming entry and key (an error,
exit 3, with --strict). See docs/kubernetes.md.")]
    Export(ExportArgs),
    /// Print the JSON Schema of the configuration format (or, with
    /// --compose, of the compose files paunch reads).
    #[command(
        after_help = "Examples:\n  paunch schema > paunch.schema.json\n  paunch schema --compose > compose.schema.json"
    )]
    Schema {
        /// The schema of compose files, generated from paunch's compose key tables.
        #[arg(long)]
        compose: bool,
    },
    /// Print shell completions.
    #[command(after_help = "Example:\n  paunch completions bash > /etc/bash_completion.d/paunch")]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages, paunch.1 and paunch-COMMAND.1 for each
    /// command, into DIR (for packaging: scripts/package). Hidden: an
    /// operator reads the pages, not this.
    #[command(hide = true)]
    GenerateMan {
        /// Where the pages go (created if missing).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

/// Which containers, as whom.
#[derive(Debug, Args, Clone)]
pub struct Scope {
    /// The name of the tool managing the containers; only containers with
    /// this managed_by label are ever changed.
    #[arg(long, value_name = "NAME", default_value = "paunch", value_parser = non_empty)]
    pub managed_by: String,
}

/// How long one engine call of a step may take.
#[derive(Debug, Args, Clone)]
pub struct Steps {
    /// Give up an engine call of a step (create, start, stop, remove,
    /// rename) after this many seconds, a stop's grace period added: the
    /// step fails and no further step starts. Running a blocking
    /// container, an exec, a wait and a pull are not bounded.
    #[arg(long, value_name = "SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub step_timeout: u64,
}

#[derive(Debug, Args, Clone)]
pub struct Locking {
    /// Wait at most this many seconds for another paunch run against
    /// the same engine (same --managed-by, any user, any DOCKER_HOST) to
    /// finish.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub lock_timeout: u64,
}

/// How the configuration is read.
#[derive(Debug, Args, Clone)]
pub struct Reading {
    /// What an unknown key in an entry is: an error (default), or a warning
    /// with file:line:column, the key kept in config_data and passing no
    /// argument (for a host moving over from the original with a key it
    /// ignored).
    #[arg(long, value_name = "error|warn", default_value = "error", value_parser = parse_unknown_keys)]
    pub unknown_keys: UnknownKeys,
    /// A compose file's variables file, instead of the `.env` beside it.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// A compose profile to activate (with COMPOSE_PROFILES); repeatable.
    #[arg(long = "profile", value_name = "NAME", value_parser = non_empty)]
    pub profiles: Vec<String>,
}

impl Reading {
    /// How a configuration is read, for the config ID `project` (a compose
    /// file's project name).
    pub fn options(&self, project: Option<&str>) -> paunch::config::LoadOptions {
        paunch::config::LoadOptions {
            unknown_keys: self.unknown_keys,
            base_dir: None,
            project: project.map(str::to_string),
            profiles: self.profiles.clone(),
            env_file: self.env_file.clone(),
        }
    }
}

fn parse_unknown_keys(s: &str) -> Result<UnknownKeys, String> {
    s.parse()
}

#[derive(Debug, Args, Clone)]
pub struct Target {
    /// A YAML or JSON file mapping container names to entries, or a
    /// directory of hashed-NAME.json files.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The config ID to converge (stored in each container's config_id label).
    #[arg(long, value_name = "ID", value_parser = non_empty)]
    pub config_id: Option<String>,
    #[command(flatten)]
    pub scope: Scope,
    /// An extra label for every container created, KEY=VALUE; repeatable.
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = parse_label)]
    pub labels: Vec<(String, String)>,
    #[command(flatten)]
    pub reading: Reading,
    #[command(flatten)]
    pub systemd: SystemdArgs,
}

/// `--systemd` and its settings (podman only).
#[derive(Debug, Args, Clone)]
pub struct SystemdArgs {
    /// podman only: give each container of an entry with a `restart` key
    /// the systemd units the original paunch wrote (it is `podman
    /// create`d, and its unit starts it, now and at boot); units are
    /// kept across a replacement and stopped, disabled and removed with
    /// their container. Give it to apply, plan, cleanup and delete alike.
    #[arg(long)]
    pub systemd: bool,
    /// Where the unit files are (with --systemd).
    #[arg(long, value_name = "DIR", default_value = paunch::plan::DEFAULT_SYSTEMD_DIR)]
    pub systemd_dir: PathBuf,
    /// What every unit name starts with (with --systemd): PREFIXNAME.service;
    /// `tripleo_` adopts the original paunch's units.
    #[arg(long, value_name = "PREFIX", default_value = paunch::plan::DEFAULT_SYSTEMD_PREFIX)]
    pub systemd_prefix: String,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub target: Target,
    /// Execute exactly this saved plan (from `paunch plan --out`), after
    /// checking that the world it depends on has not changed; `-` reads
    /// it from stdin.
    #[arg(long, value_name = "PLAN", conflicts_with_all = ["file", "config_id", "labels", "unknown_keys", "systemd", "systemd_dir", "systemd_prefix"])]
    pub plan: Option<PathBuf>,
    /// text for people; json for machines: JSON lines, the plan, each step
    /// as it ends, then the summary (human progress off).
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
    /// Verify the apply: each start_order group's new and started
    /// containers must be healthy (health check) or keep running (none)
    /// before the next group starts; one that exits, turns unhealthy or is
    /// not ready in time fails the apply (exit 1) and later groups are
    /// skipped.
    #[arg(long)]
    pub wait: bool,
    /// How long waiting for readiness may take in all, summed over the
    /// groups (default 300); the time a blocking job runs does not count.
    /// Giving it turns --wait on.
    #[arg(long, value_name = "SECONDS")]
    pub wait_timeout: Option<u64>,
    /// When the apply fails (implies --wait): bring back what it replaced
    /// or deleted, as it was (its recorded config_data and image ID), and
    /// remove what it created. Not after an interrupt.
    #[arg(long)]
    pub rollback: bool,
    /// Run up to N engine calls of one start_order group at once (1: one
    /// at a time, as the original). A blocking (detach: false) container
    /// or an exec is a barrier: it starts once everything before it in its
    /// group has ended, and what follows it starts once it has ended.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    #[command(flatten)]
    pub pulling: Pulling,
    #[command(flatten)]
    pub steps: Steps,
    #[command(flatten)]
    pub locking: Locking,
}

/// When images are pulled.
#[derive(Debug, Args, Clone)]
pub struct Pulling {
    /// missing: pull images not present (default); always: pull every
    /// image before planning, replacing a container whose tag now names
    /// another image; never: pull nothing, an image not present is an
    /// error. Pulls run in parallel, each retried 4 times with backoff; a
    /// failed one stops the apply before any container is touched.
    #[arg(long, value_name = "missing|always|never", default_value = "missing", value_parser = parse_pull, conflicts_with = "plan")]
    pub pull: PullPolicy,
}

fn parse_pull(s: &str) -> Result<PullPolicy, String> {
    s.parse()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub target: Target,
    /// Save the plan for `paunch apply --plan`; `-` writes it to stdout
    /// (the text plan then goes to stderr).
    #[arg(long, value_name = "PLAN")]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
    /// Exit 0 when nothing would change, 2 when something would, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    #[command(flatten)]
    pub pulling: PlanPulling,
}

/// When `plan` pulls images.
#[derive(Debug, Args, Clone)]
pub struct PlanPulling {
    /// missing: plan a pull of each image not present (default); always:
    /// pull every image now (images change, containers do not), so the
    /// plan replaces each container whose tag names another image; never:
    /// an image not present is an error.
    #[arg(long, value_name = "missing|always|never", default_value = "missing", value_parser = parse_pull)]
    pub pull: PullPolicy,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan saved with `paunch plan --out`; `-` reads it from stdin.
    pub plan: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
}

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// Config IDs still applied; containers of any other are deleted.
    #[arg(value_name = "CONFIG_ID")]
    pub config_ids: Vec<String>,
    #[command(flatten)]
    pub removal: Removal,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Config IDs whose containers are deleted.
    #[arg(value_name = "CONFIG_ID", required = true, num_args = 1..)]
    pub config_ids: Vec<String>,
    /// Also remove their named volumes and their containers' anonymous
    /// ones, and the data in them, as `docker-compose down -v` (no other
    /// command removes a volume but a Pod's emptyDir).
    #[arg(long)]
    pub volumes: bool,
    #[command(flatten)]
    pub removal: Removal,
}

/// What cleanup and delete share.
#[derive(Debug, Args)]
pub struct Removal {
    #[command(flatten)]
    pub scope: Scope,
    #[command(flatten)]
    pub systemd: SystemdArgs,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// text for people; json for machines (JSON lines: the plan, each
    /// step as it ends, the summary).
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
    #[command(flatten)]
    pub steps: Steps,
    #[command(flatten)]
    pub locking: Locking,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Yaml,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub scope: Scope,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DebugAction {
    /// Print the engine command line apply would run, ready to paste.
    PrintCmd,
    /// Run it attached to this terminal; exit with the container's code.
    Run,
    /// Print {NAME: entry} as JSON (itself a valid --file).
    DumpJson,
    /// Print {NAME: entry} as YAML (itself a valid --file).
    DumpYaml,
}

#[derive(Debug, Args)]
pub struct DebugArgs {
    /// The configuration file.
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
    /// The entry to work on.
    #[arg(long, value_name = "NAME")]
    pub container: String,
    #[arg(long, value_enum, default_value = "print-cmd")]
    pub action: DebugAction,
    /// Interactive: sets interactive, tty, detach false, remove true, restart no.
    #[arg(long)]
    pub interactive: bool,
    /// As --interactive, with command /bin/sh.
    #[arg(long)]
    pub shell: bool,
    /// Run as this user.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// A JSON object merged into the entry, e.g. '{"net": "host"}'.
    #[arg(long, value_name = "JSON")]
    pub overrides: Option<String>,
    /// print-cmd: print sensitive environment values as they are, not as
    /// (sensitive), for a command line to paste.
    #[arg(long)]
    pub show_sensitive: bool,
    #[arg(long, value_name = "ID", default_value = "debug", value_parser = non_empty)]
    pub config_id: String,
    #[command(flatten)]
    pub scope: Scope,
    /// An extra label, KEY=VALUE; repeatable.
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = parse_label)]
    pub labels: Vec<(String, String)>,
    #[command(flatten)]
    pub reading: Reading,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The configuration file or hashed-*.json directory.
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
    #[command(flatten)]
    pub reading: Reading,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// `v1 Pod` documents.
    Kubernetes,
    /// A compose-spec file.
    Compose,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The configuration: paunch YAML/JSON, a hashed-*.json directory, or
    /// Kubernetes Pods.
    #[arg(long, value_name = "FILE")]
    pub file: PathBuf,
    /// The config ID written into paunch's labels.
    #[arg(long, value_name = "ID", value_parser = non_empty)]
    pub config_id: String,
    #[command(flatten)]
    pub scope: Scope,
    /// What to write.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write here instead of stdout (created 0600). Required when the
    /// export holds a Secret, which is never printed.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Refuse (exit 3, nothing written) when anything cannot be expressed.
    #[arg(long)]
    pub strict: bool,
    /// With --format kubernetes: `v1 Pod`s for one more host (what
    /// `podman kube play` runs), not what a cluster's operator applies
    /// (Deployments, Jobs, Services, claims, a Secret, ConfigMaps).
    #[arg(long)]
    pub pods: bool,
    #[command(flatten)]
    pub reading: Reading,
}

fn non_empty(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err("must not be empty".into())
    } else if s.contains(['\n', '\r', '\0']) {
        Err("must be one line".into())
    } else {
        Ok(s.to_string())
    }
}

/// `KEY=VALUE`; the four paunch labels cannot be set.
pub fn parse_label(s: &str) -> Result<(String, String), String> {
    let Some((k, v)) = s.split_once('=') else {
        return Err(format!("\"{s}\" is not KEY=VALUE"));
    };
    if k.is_empty() {
        return Err(format!("\"{s}\" has no key"));
    }
    if [
        paunch::labels::MANAGED_BY,
        paunch::labels::CONFIG_ID,
        paunch::labels::CONTAINER_NAME,
        paunch::labels::CONFIG_DATA,
    ]
    .contains(&k)
    {
        return Err(format!("\"{k}\" is one of paunch's own labels"));
    }
    Ok((k.to_string(), v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn labels() {
        assert_eq!(parse_label("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert!(parse_label("novalue").is_err());
        assert!(parse_label("=x").is_err());
        assert!(parse_label("managed_by=x").is_err());
    }

    #[test]
    fn globals_go_anywhere() {
        let c =
            Cli::try_parse_from(["paunch", "list", "-v", "--default-runtime", "podman"]).unwrap();
        assert_eq!(c.global.verbose, 1);
        assert_eq!(c.global.default_runtime, Runtime::Podman);
    }
}
