//! Where the engines differ, pinned on each (the suite runs once per
//! engine): podman removes no container another one joined, stops no
//! paused container, stops or removes nothing of a batch with one missing
//! container, and resolves short image names to `localhost/`; paunch
//! converges the same on both.

use crate::support::*;

#[test]
fn a_joined_container_is_replaced_before_a_later_group_that_joins_it() {
    let s = Scope::new("join-later");
    let yaml = |v: &str| {
        format!(
            "{{p}}hub:
  {{service}}
  ipc: shareable
  environment: [VERSION={v}]
{{p}}spoke:
  {{service}}
  start_order: 1
  net: container:{{p}}hub
  ipc: container:{{p}}hub
{{p}}rim:
  {{service}}
  start_order: 2
  pid: container:{{p}}spoke
"
        )
    };
    let file = s.config("j.yml", &yaml("1"));
    s.apply(&file, "c1").ok();
    s.config("j.yml", &yaml("2"));
    let run = s.apply(&file, "c1").ok();
    assert!(
        run.stdout.contains("Plan: 0 to create, 3 to replace"),
        "{}",
        run.stdout
    );
    let (hub, spoke, rim) = (s.name("hub"), s.name("spoke"), s.name("rim"));
    let mode = |n: &str, k: &str| inspect(n)["HostConfig"][k].as_str().unwrap().to_string();
    assert_eq!(
        mode(&spoke, "NetworkMode"),
        format!("container:{}", id_of(&hub))
    );
    assert_eq!(
        mode(&rim, "PidMode"),
        format!("container:{}", id_of(&spoke))
    );
    for n in [&hub, &spoke, &rim] {
        assert!(running(n), "{n}");
    }
    assert!(s.plan(&file, "c1").ok().stdout.contains("No changes"));
    // And deleting them all goes in one run.
    s.paunch(&["delete", "c1"]).ok();
    assert!(s.managed().is_empty(), "{:?}", s.managed());
}

#[test]
fn a_paused_container_is_replaced() {
    let s = Scope::new("paused");
    let yaml = |v: &str| {
        format!(
            "{{p}}still:
  {{service}}
  environment: [VERSION={v}]
"
        )
    };
    let file = s.config("p.yml", &yaml("1"));
    s.apply(&file, "c1").ok();
    let still = s.name("still");
    engine_ok(&["pause", &still]);
    s.config("p.yml", &yaml("2"));
    s.apply(&file, "c1").ok();
    assert!(running(&still));
    let env = inspect(&still)["Config"]["Env"].to_string();
    assert!(env.contains("VERSION=2"), "{env}");
}

#[test]
fn a_present_short_image_name_is_not_pulled_beside_a_missing_one() {
    let s = Scope::new("short-ref");
    let file = s.config(
        "i.yml",
        &format!(
            "{{p}}here:
  image: {IMAGE}
  command: sleep 3600
{{p}}absent:
  image: paunch-test/never-built-{}:1
  command: sleep 3600
",
            std::process::id()
        ),
    );
    let plan = s.plan(&file, "c1").ok().stdout;
    assert!(
        plan.contains(&format!(
            "pull    paunch-test/never-built-{}:1",
            std::process::id()
        )),
        "{plan}"
    );
    assert!(!plan.contains(&format!("pull    {IMAGE}")), "{plan}");
}

#[test]
fn the_originals_podman_only_keys_validate_and_apply() {
    let s = Scope::new("podman-keys");
    let file = s.config(
        "k.yml",
        "{p}db:
  {service}
{p}api:
  {service}
  start_order: 1
  depends_on: [{p}db]
  systemd_exec_flags: {RestartSec: 5, StartLimitBurst: 3}
  check_interval: 30
  healthcheck: {test: 'true'}
",
    );
    let f = file.to_str().unwrap();
    paunch(&["validate", "--file", f]).ok();
    s.apply(f, "c1").ok();
    let api = s.name("api");
    assert!(running(&api));
    // Kept in config_data as written; no engine flag of their own.
    let data = label(&api, "config_data").unwrap();
    assert!(
        data.contains(r#""systemd_exec_flags": {"RestartSec": 5, "StartLimitBurst": 3}"#),
        "{data}"
    );
    assert!(data.contains(r#""check_interval": 30"#), "{data}");
    assert!(s.plan(f, "c1").ok().stdout.contains("No changes"));
}
