//! Planner scenarios: every directory of `plans/` holds a configuration
//! (`config.yaml`, absent for cleanup and delete), the observed state
//! (`observed.json`) and options (`options.json`). The planner's text
//! rendering and JSON document are snapshot-tested; no engine is needed.

use paunch::plan::{self, Operation, Plan, PlanOptions};
use paunch::render::{Paint, text};
use paunch::{Config, Observed, planfile};
use std::path::{Path, PathBuf};

#[derive(serde::Deserialize)]
struct Options {
    #[serde(flatten)]
    plan: PlanOptions,
    #[serde(default)]
    operation: Option<Operation>,
    #[serde(default)]
    config_ids: Vec<String>,
    #[serde(default)]
    ran: Option<Vec<usize>>,
}

fn scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("plans/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn plan_of(dir: &Path) -> Plan {
    let read = |name: &str| std::fs::read_to_string(dir.join(name));
    let mut observed: Observed =
        serde_json::from_str(&read("observed.json").expect("observed.json"))
            .expect("observed.json parses");
    observed.normalize();
    plan_of_observed(dir, &observed)
}

/// The plan of scenario `dir`, made against `observed` instead of its own
/// `observed.json`.
fn plan_of_observed(dir: &Path, observed: &Observed) -> Plan {
    let read = |name: &str| std::fs::read_to_string(dir.join(name));
    let options: Options = serde_json::from_str(&read("options.json").expect("options.json"))
        .expect("options.json parses");
    let observed = observed.clone();
    let mut plan = match options.operation.unwrap_or(Operation::Apply) {
        Operation::Apply => plan::plan_apply(&config_of(dir), &observed, &options.plan),
        Operation::Cleanup => plan::plan_cleanup(&observed, &options.config_ids, &options.plan),
        Operation::Delete => plan::plan_delete(&observed, &options.config_ids, &options.plan),
        // The rollback of the apply of `config.yaml` against `observed.json`,
        // failed, leaving the host as `after.json` says; `ran` lists the
        // apply's steps that ran (all when absent).
        Operation::Rollback => {
            let text = read("config.yaml").expect("config.yaml");
            let config = Config::parse(&text, "config.yaml").expect("config.yaml is valid");
            let failed = plan::plan_apply(&config, &observed, &options.plan);
            let mut after: Observed =
                serde_json::from_str(&read("after.json").expect("after.json"))
                    .expect("after.json parses");
            after.normalize();
            let ran = options
                .ran
                .clone()
                .unwrap_or_else(|| failed.steps.iter().map(|s| s.id).collect());
            plan::plan_rollback(&failed, &after, &ran)
        }
    };
    // Snapshots should not change with every release.
    plan.tool_version = "0.0.0-snapshot".into();
    plan
}

/// A scenario's configuration: `config.yaml`, and its networks and volumes
/// from `resources.json` when there is one (a list of
/// `paunch::config::Resource` as JSON: the compose reader's output, which
/// paunch YAML cannot express).
fn config_of(dir: &Path) -> Config {
    let read = |name: &str| std::fs::read_to_string(dir.join(name));
    let text = read("config.yaml").expect("config.yaml");
    let mut config = Config::parse(&text, "config.yaml").expect("config.yaml is valid");
    if let Ok(json) = read("resources.json") {
        config.resources = serde_json::from_str(&json).expect("resources.json parses");
    }
    config
}

/// The snapshot settings of a scenario or a bad configuration: the files in
/// `snapshots/`, named for it alone (not for the file the glob matched).
pub fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.remove_snapshot_suffix();
    settings.remove_input_file();
    settings
}

/// Every scenario against its snapshots; one run reports every mismatch
/// (insta's `glob!` collects them).
#[test]
fn every_scenario_matches_its_snapshots() {
    assert!(
        scenarios().len() >= 11,
        "expected the planner scenarios in plans/"
    );
    insta::glob!("../../plans", "*/options.json", |options| {
        let dir = options.parent().expect("a scenario directory");
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let plan = plan_of(dir);
        snapshot_settings().bind(|| {
            insta::assert_snapshot!(format!("{name}.text"), text::render(&plan, &Paint::plain()));
            insta::assert_snapshot!(
                format!("{name}.json"),
                planfile::to_document(&plan).unwrap()
            );
        });
    });
}

#[test]
fn plans_are_deterministic_and_round_trip() {
    for dir in scenarios() {
        let a = plan_of(&dir);
        let b = plan_of(&dir);
        assert_eq!(a, b, "{}", dir.display());
        let doc = planfile::to_document(&a).unwrap();
        let back = planfile::from_document(&doc, "test").expect("document reads back");
        assert_eq!(back, a, "{}", dir.display());
        // SPEC §15: the saved steps are exactly what the plan's own
        // configuration and dependencies give (what `apply --plan` checks);
        // a rollback plan is never run from a file, and says so.
        let verified = paunch::plan::verify::verify(&back);
        if a.operation == Operation::Rollback {
            assert!(verified.is_err(), "{}", dir.display());
        } else {
            assert_eq!(verified, Ok(()), "{}", dir.display());
        }
    }
}

#[test]
fn no_op_plans_nothing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/no-op");
    let plan = plan_of(&dir);
    assert!(!plan.has_changes());
    assert_eq!(plan.counts().exec, 1);
}

/// `--systemd`: a unit file added, edited or removed since the plan was
/// made makes it stale (`apply --plan` observes them again); another
/// container's unit with the same prefix does not.
#[test]
fn unit_files_are_part_of_what_a_plan_depends_on() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/systemd-adopt-tripleo-units");
    let plan = plan_of(&dir);
    let mut observed = plan::verify::observed_of(&plan.depends_on);
    observed
        .units
        .insert("tripleo_unrelated.service".into(), "sha256:00".into());
    assert!(plan::changes(&plan, &plan::dependencies_now(&plan, &observed)).is_empty());
    observed
        .units
        .insert("tripleo_web.service".into(), "sha256:11".into());
    observed.units.remove("tripleo_db.service");
    let changes: Vec<String> = plan::changes(&plan, &plan::dependencies_now(&plan, &observed))
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        changes,
        [
            "unit file removed: tripleo_db.service",
            "unit file changed: tripleo_web.service"
        ]
    );
}

/// Every scenario's plan is fresh against the observation it was made
/// from, and stays so when the containers it does not own change how
/// they run (a crash loop, a health check, a restart): planned again
/// against that, its steps are the same, so it is right not to depend on
/// it (README, "Plans").
#[test]
fn a_plan_depends_on_no_run_of_a_container_it_does_not_own() {
    for dir in scenarios() {
        let plan = plan_of(&dir);
        if plan.operation == Operation::Rollback {
            continue;
        }
        let mut observed: Observed =
            serde_json::from_str(&std::fs::read_to_string(dir.join("observed.json")).unwrap())
                .unwrap();
        observed.normalize();
        let now = plan::dependencies_now(&plan, &observed);
        assert_eq!(
            plan::changes(&plan, &now),
            vec![],
            "{}: stale against its own observation",
            dir.display()
        );
        let scope = plan::staleness::Scope::of(&plan);
        for c in observed.containers.iter_mut().filter(|c| !scope.owns(c)) {
            c.state = "restarting".into();
            c.exit_code = 7;
            c.health = "unhealthy".into();
            c.finished_at = "2026-11-02T00:00:00Z".into();
        }
        let now = plan::dependencies_now(&plan, &observed);
        assert_eq!(plan::changes(&plan, &now), vec![], "{}", dir.display());
        let mut again = plan_of_observed(&dir, &observed);
        again.tool_version = plan.tool_version.clone();
        assert_eq!(again.steps, plan.steps, "{}", dir.display());
    }
}

/// Networks and volumes: a plan observes them only when it can involve
/// them (a configuration of containers alone costs no more engine calls),
/// and once it has, the ones it names or owns make it stale when they
/// appear, go or are relabelled; others do not.
#[test]
fn networks_and_volumes_are_part_of_what_a_plan_depends_on() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans");
    assert!(!plan::resources::plan_observes(&plan_of(
        &root.join("no-op")
    )));
    let plan = plan_of(&root.join("resources-unchanged"));
    assert!(plan::resources::plan_observes(&plan));
    let mut observed = plan::verify::observed_of(&plan.depends_on);
    let stale = |o: &Observed| -> Vec<String> {
        plan::changes(&plan, &plan::dependencies_now(&plan, o))
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    // Another tool's network, and another config ID's volume: not its business.
    observed
        .networks
        .insert("theirs".into(), Default::default());
    let other = paunch::observe::Labels {
        managed_by: "paunch".into(),
        config_id: "q".into(),
        config_data: "{}".into(),
    };
    observed.volumes.insert("q_data".into(), other.clone());
    assert_eq!(stale(&observed), Vec::<String>::new());
    // Its own network changed, its volume gone, a new network of its own.
    observed.networks.get_mut("p_default").unwrap().config_data = "{}".into();
    observed.volumes.remove("p_data");
    let mine = paunch::observe::Labels {
        config_id: "p".into(),
        ..other
    };
    observed.networks.insert("p_new".into(), mine);
    assert_eq!(
        stale(&observed),
        [
            "network relabelled: p_default",
            "network added: p_new",
            "volume removed: p_data"
        ]
    );
}
