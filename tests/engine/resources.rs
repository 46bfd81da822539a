//! Networks and named volumes against the real engine (SPEC §17). Until the
//! compose reader lands no file gives resources, so each configuration is
//! built here (`Config.resources`) and planned through the library
//! (`ops::plan_for_apply`, which observes the real engine: listings only),
//! then saved and run by the binary (`paunch apply --plan`), which checks
//! it against its own configuration and the engine again, exactly as a
//! reviewed plan runs. Cleanup and `delete --volumes` need no
//! configuration: the binary alone.

use crate::support::*;
use paunch::config::{Resource, ResourceKind};
use paunch::plan::{Action, Note, PlanOptions};
use paunch::value::Value;

/// The scope's networks and volumes are removed with it, whatever the
/// test left (its containers go with the [`Scope`]'s own cleanup first).
struct Resources<'a> {
    s: &'a Scope,
}

impl Drop for Resources<'_> {
    fn drop(&mut self) {
        self.s.cleanup();
        let label = format!("label=managed_by={}", self.s.managed_by);
        for what in ["network", "volume"] {
            let names = engine(&[what, "ls", "-q", "--filter", &label]).unwrap_or_default();
            for n in names.split_whitespace() {
                let _ = engine(&[what, "rm", n]);
            }
        }
    }
}

fn engine_handle() -> paunch::Engine {
    paunch::Engine::new(runtime().parse::<paunch::Runtime>().unwrap())
}

fn resource(kind: ResourceKind, name: &str, data: &str, external: bool) -> Resource {
    Resource {
        kind,
        name: name.to_string(),
        data: serde_json::from_str::<Value>(data).unwrap(),
        external,
    }
}

/// Plans `yaml` with `resources` as config ID `id` against the engine,
/// saves the plan, runs it with `paunch apply --plan`; the plan and what
/// the binary printed.
fn apply(s: &Scope, yaml: &str, resources: &[Resource], id: &str) -> (paunch::plan::Plan, Run) {
    let mut config = paunch::Config::parse(&expand(yaml, &s.prefix), "test").unwrap();
    config.resources = resources.to_vec();
    let opts = PlanOptions {
        runtime: runtime().parse().unwrap(),
        managed_by: s.managed_by.clone(),
        config_id: id.into(),
        ..Default::default()
    };
    let plan = paunch::ops::plan_for_apply(&engine_handle(), &config, &opts).unwrap();
    let file = s.dir.path().join("p.plan");
    paunch::planfile::write(&file, &plan).unwrap();
    let run = s.paunch(&["apply", "--plan", file.to_str().unwrap()]);
    (plan, run)
}

fn label_of(what: &str, name: &str, key: &str) -> String {
    engine_ok(&[
        what,
        "inspect",
        "--format",
        &format!("{{{{index .Labels \"{key}\"}}}}"),
        name,
    ])
}

fn exists(what: &str, name: &str) -> bool {
    engine(&[what, "inspect", name]).is_ok()
}

const TWO: &str = "{p}db:
  {service}
  net: {p}net
  volumes: ['{p}data:/data']
{p}web:
  {service}
  net: {p}net
  start_order: 1
";

/// Created before the containers, labelled, joined; planned again,
/// nothing; no longer used, the network goes after its containers and
/// the volume stays, noted, until `delete --volumes`.
#[test]
fn a_network_and_a_volume_live_as_long_as_their_configuration() {
    let s = Scope::new("resources");
    let _gone = Resources { s: &s };
    let net = s.name("net");
    let data = s.name("data");
    let res = [
        resource(
            ResourceKind::Network,
            &net,
            r#"{"labels": {"tier": "back"}}"#,
            false,
        ),
        resource(ResourceKind::Volume, &data, "{}", false),
    ];
    let (plan, run) = apply(&s, TWO, &res, "p");
    let run = run.ok();
    assert!(
        run.stdout.contains(&format!("+ network {net}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("+ volume  {data}")),
        "{}",
        run.stdout
    );
    assert_eq!(plan.counts().create, 2);
    assert_eq!(label_of("network", &net, "config_id"), "p");
    assert_eq!(label_of("network", &net, "tier"), "back");
    assert_eq!(label_of("volume", &data, "managed_by"), s.managed_by);
    let joined = engine_ok(&[
        "inspect",
        "--format",
        "{{json .NetworkSettings.Networks}}",
        &s.name("db"),
    ]);
    assert!(joined.contains(&net), "{joined}");

    let (plan, run) = apply(&s, TWO, &res, "p");
    run.ok();
    assert!(plan.steps.is_empty(), "{:?}", plan.steps);

    // Off the network: both replaced, then the network removed.
    let alone = "{p}db:\n  {service}\n  volumes: ['{p}data:/data']\n{p}web:\n  {service}\n";
    let (plan, run) = apply(&s, alone, &res[1..], "p");
    run.ok();
    let last = plan.steps.last().map(|st| st.action.clone());
    assert!(
        matches!(last, Some(Action::RemoveNetwork { .. })),
        "{:?}",
        plan.steps
    );
    assert!(!exists("network", &net));
    assert!(exists("volume", &data));

    // No volume either: it stays, noted.
    let (plan, run) = apply(&s, "{p}db:\n  {service}\n", &[], "p");
    let run = run.ok();
    assert!(
        plan.notes
            .iter()
            .any(|n| matches!(n, Note::VolumeLeftBehind { volume, .. } if *volume == data)),
        "{:?}",
        plan.notes
    );
    assert!(run.stdout.contains("left behind"), "{}", run.stdout);
    assert!(exists("volume", &data));

    s.paunch(&["delete", "p", "--volumes"]).ok();
    assert!(!exists("volume", &data));
    assert!(s.managed().is_empty());
}

/// Cleanup removes the network of a config ID it does not keep after its
/// containers, and leaves its volume; `delete --volumes` removes that.
#[test]
fn cleanup_removes_networks_and_leaves_volumes() {
    let s = Scope::new("resources-cleanup");
    let _gone = Resources { s: &s };
    let (net, data) = (s.name("net"), s.name("data"));
    let res = [
        resource(ResourceKind::Network, &net, "{}", false),
        resource(ResourceKind::Volume, &data, r#"{"driver": "local"}"#, false),
    ];
    apply(&s, TWO, &res, "a").1.ok();
    let run = s.paunch(&["cleanup"]).ok();
    assert!(
        run.stdout.contains(&format!("- network {net}")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("left behind"), "{}", run.stdout);
    assert!(!exists("network", &net));
    assert!(exists("volume", &data));
    let run = s.paunch(&["delete", "a", "--volumes"]).ok();
    assert!(
        run.stdout.contains(&format!("- volume  {data}")),
        "{}",
        run.stdout
    );
    assert!(!exists("volume", &data));
}

/// A missing external network: the plan is refused before anything runs,
/// naming it; a network of the configuration's name that paunch does not
/// manage is used as it is, and left alone.
#[test]
fn what_apply_cannot_provide_stops_it_before_anything_runs() {
    let s = Scope::new("resources-refused");
    let _gone = Resources { s: &s };
    let (missing, foreign) = (s.name("missing"), s.name("foreign"));
    engine_ok(&["network", "create", &foreign]);
    let mut config =
        paunch::Config::parse(&expand("{p}db:\n  {service}\n", &s.prefix), "t").unwrap();
    config.resources = vec![
        resource(ResourceKind::Network, &missing, "{}", true),
        resource(ResourceKind::Network, &foreign, "{}", false),
    ];
    let opts = PlanOptions {
        runtime: runtime().parse().unwrap(),
        managed_by: s.managed_by.clone(),
        config_id: "r".into(),
        ..Default::default()
    };
    let e = paunch::ops::plan_for_apply(&engine_handle(), &config, &opts).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains(&format!("external network {missing} does not exist")),
        "{text}"
    );
    assert!(!text.contains(&foreign), "{text}");
    assert!(s.managed().is_empty());
    // A network paunch did not make (a docker-compose project's) is used
    // as it is: not created, never removed, said in a note.
    config.resources.remove(0);
    let plan = paunch::ops::plan_for_apply(&engine_handle(), &config, &opts).unwrap();
    assert!(
        !plan
            .steps
            .iter()
            .any(|st| matches!(st.action, paunch::plan::Action::CreateNetwork { .. })),
        "{:?}",
        plan.steps
    );
    assert!(
        plan.notes.iter().any(|n| matches!(
            n,
            paunch::plan::Note::ResourceNotOurs {
                config_id: None,
                ..
            }
        )),
        "{:?}",
        plan.notes
    );
    engine_ok(&["network", "rm", &foreign]);
}
