//! apply, cleanup, delete and list on a real Docker engine.

use crate::support::configs::{job, service};
use crate::support::*;

const HELLO: &str = "{p}hello:
  image: {image}
  detach: false
  command: echo Hello from paunch
";

/// The seed README's walkthrough, step for step.
#[test]
fn seed_walkthrough() {
    let s = Scope::new("seed");
    let file = s.config("hello-world.yml", HELLO);
    let f = file.to_str().unwrap();
    let hello = s.name("hello");

    let first = s.apply(f, "hi").ok();
    assert!(first.stdout.contains("+ create"), "{}", first.stdout);
    let id = id_of(&hello);
    assert_eq!(label(&hello, "config_id").as_deref(), Some("hi"));

    // The same apply again changes nothing: the container keeps its ID.
    let again = s.apply(f, "hi").ok();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
    assert_eq!(id_of(&hello), id);

    // Another config ID gets hello-<8 characters>.
    s.apply(f, "hi-again").ok();
    let names = s.managed();
    assert_eq!(names.len(), 2, "{names:?}");
    let other = names.iter().find(|n| **n != hello).unwrap().clone();
    let suffix = other
        .strip_prefix(&format!("{hello}-"))
        .expect("suffixed name");
    assert_eq!(suffix.len(), 8);
    assert!(
        suffix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );

    // Cleanup keeping hi-again deletes hi's container and renames the other.
    s.paunch(&["cleanup", "hi-again"]).ok();
    assert_eq!(s.managed(), vec![hello.clone()]);
    assert_eq!(label(&hello, "config_id").as_deref(), Some("hi-again"));
}

const SERVICE: &str = "{p}db:
  {service}
{p}init:
  image: {image}
  command: [sh, -c, 'echo migrating']
  detach: false
  start_order: 1
{p}web:
  {service}
  start_order: 2
  environment:
    LOG_LEVEL: debug
{p}reload:
  action: exec
  command: [{p}web, touch, /tmp/reloaded]
  start_order: 3
";

#[test]
fn changed_entry_is_replaced_and_neighbours_kept() {
    let s = Scope::new("changed");
    let f = s.config("service.yml", SERVICE);
    s.apply(f, "v1").ok();
    let (db, init, web) = (s.name("db"), s.name("init"), s.name("web"));
    let ids = [id_of(&db), id_of(&init), id_of(&web)];
    assert!(running(&db) && running(&web));
    // The exec step ran in web.
    engine_ok(&["exec", &web, "test", "-f", "/tmp/reloaded"]);

    let f2 = s.config(
        "service2.yml",
        &SERVICE.replace("LOG_LEVEL: debug", "LOG_LEVEL: info"),
    );
    let out = s
        .paunch(&["apply", "--file", f2.to_str().unwrap(), "--config-id", "v1"])
        .ok();
    assert!(out.stdout.contains("-/+ replace"), "{}", out.stdout);
    assert!(
        out.stdout.contains("+    \"LOG_LEVEL\": \"info\""),
        "{}",
        out.stdout
    );
    assert_eq!(id_of(&db), ids[0], "unchanged db kept");
    assert_eq!(id_of(&init), ids[1], "unchanged init kept");
    assert_ne!(id_of(&web), ids[2], "changed web replaced");
    let env = inspect(&web)["Config"]["Env"].to_string();
    assert!(env.contains("LOG_LEVEL=info"), "{env}");
    // The new web got the exec too.
    engine_ok(&["exec", &web, "test", "-f", "/tmp/reloaded"]);

    // And again: nothing changes.
    let out = s
        .paunch(&["apply", "--file", f2.to_str().unwrap(), "--config-id", "v1"])
        .ok();
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);
}

#[test]
fn removed_entry_is_deleted() {
    let s = Scope::new("removed");
    let f = s.config("service.yml", SERVICE);
    s.apply(f, "v1").ok();
    let without_db = SERVICE.replace("{p}db:\n  {service}\n", "");
    let f2 = s.config("service2.yml", &without_db);
    let web_id = id_of(&s.name("web"));
    let out = s
        .paunch(&["apply", "--file", f2.to_str().unwrap(), "--config-id", "v1"])
        .ok();
    assert!(out.stdout.contains("- delete"), "{}", out.stdout);
    assert!(!exists(&s.name("db")));
    assert_eq!(id_of(&s.name("web")), web_id);
}

#[test]
fn start_order_is_respected() {
    let s = Scope::new("order");
    // File order is the reverse of start_order.
    let f = s.config(
        "order.yml",
        "{p}third:
  {service}
  start_order: 30
{p}second:
  {service}
  start_order: 20
{p}first-a:
  {service}
  start_order: 10
{p}first-b:
  {service}
  start_order: 10
",
    );
    s.apply(f, "v1").ok();
    let started = |n: &str| {
        inspect(&s.name(n))["State"]["StartedAt"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // One group's detached containers start together (--parallel);
    // groups start one after another.
    let first = ["first-a", "first-b"].map(|n| instant(&started(n)));
    let (second, third) = (instant(&started("second")), instant(&started("third")));
    for f in &first {
        assert!(*f < second, "a later start_order started first");
    }
    assert!(second < third, "containers started out of start_order");
}

#[test]
fn exec_runs_in_the_suffixed_container() {
    let s = Scope::new("exec");
    let web = s.name("web");
    s.foreign(&web, &[]);
    let f = s.config("service.yml", SERVICE);
    let out = s
        .paunch(&["apply", "--file", f.to_str().unwrap(), "--config-id", "v1"])
        .ok();
    let mine = s
        .managed()
        .into_iter()
        .find(|n| n.starts_with(&format!("{web}-")))
        .expect("web got a suffixed name");
    assert!(out.stdout.contains(&format!("in {mine}")), "{}", out.stdout);
    engine_ok(&["exec", &mine, "test", "-f", "/tmp/reloaded"]);
    // The foreign web was not touched.
    assert!(engine(&["exec", &web, "test", "-f", "/tmp/reloaded"]).is_err());
}

#[test]
fn blocking_container_with_bad_exit_code_fails_the_apply() {
    let s = Scope::new("exitcode");
    let f = s.config(
        "bad.yml",
        "{p}init:
  image: {image}
  command: [sh, -c, 'echo boom >&2; exit 3']
  detach: false
{p}after:
  {service}
  start_order: 1
{p}fix:
  action: exec
  command: [{p}init, true]
  start_order: 2
",
    );
    let out = s
        .paunch(&["apply", "--file", f.to_str().unwrap(), "--config-id", "v1"])
        .code(1);
    assert!(
        out.stdout.contains("Apply failed: 1 step failed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("exited with 3, expected one of [0]"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("boom"),
        "the container's stderr is shown:\n{}",
        out.stdout
    );
    // The independent container still started; the exec into the failed one
    // was skipped and named.
    assert!(running(&s.name("after")));
    assert!(
        out.stdout.contains("Skipped because of a failure:"),
        "{}",
        out.stdout
    );

    // exit_codes accepts it.
    let ok = s.config(
        "ok.yml",
        "{p}init:
  image: {image}
  command: [sh, -c, 'exit 3']
  detach: false
  exit_codes: [0, 3]
",
    );
    s.apply(ok, "v2").ok();
}

#[test]
fn retagged_image_replaces_once() {
    let s = Scope::new("retag");
    let tag = format!("paunch-test/retag-{}:1", s.prefix.trim_end_matches('-'));
    let other = "paunch-test/busybox-other:1";
    ensure_image(other, &[("marker", "other")]);
    engine_ok(&["tag", IMAGE, &tag]);
    let f = s.config(
        "retag.yml",
        &format!("{{p}}app:\n  image: {tag}\n  command: sleep 3600\n  stop_grace_period: 0\n"),
    );
    let f = f.to_str().unwrap();
    s.apply(f, "v1").ok();
    let app = s.name("app");
    let first = id_of(&app);

    engine_ok(&["tag", other, &tag]);
    let out = s.apply(f, "v1").ok();
    assert!(out.stdout.contains("image updated"), "{}", out.stdout);
    let second = id_of(&app);
    assert_ne!(first, second);
    let out = s.apply(f, "v1").ok();
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);
    assert_eq!(id_of(&app), second);
    s.cleanup();
    let _ = engine(&["rmi", &tag]);
}

#[test]
fn foreign_and_other_managed_by_are_untouched() {
    let s = Scope::new("foreign");
    let other = Scope::new("foreign-other");
    let file = s.config("service.yml", SERVICE);
    let f = file.to_str().unwrap();
    // A plain container, and one that looks like ours but is another
    // tool's (no config_data: ours would delete it), under names our
    // config wants.
    let plain = s.foreign(&s.name("db"), &[]);
    let theirs = s.foreign(
        &s.name("web"),
        &[
            &format!("managed_by=someone-else-{}", s.prefix),
            "config_id=v1",
            &format!("container_name={}", s.name("web")),
        ],
    );
    // And containers of another managed-by, suffixed: they want renaming.
    other
        .paunch(&["apply", "--file", f, "--config-id", "v1"])
        .ok();
    let other_names = other.managed();
    let before: Vec<String> = other_names.iter().map(|n| id_of(n)).collect();

    s.apply(f, "v1").ok();
    s.apply(f, "v2").ok();
    s.paunch(&["cleanup", "v2"]).ok();
    s.paunch(&["delete", "v2"]).ok();
    s.paunch(&["cleanup"]).ok();
    assert!(s.managed().is_empty());

    assert_eq!(id_of(&s.name("db")), plain);
    assert!(running(&s.name("db")));
    assert_eq!(id_of(&s.name("web")), theirs);
    assert!(running(&s.name("web")));
    assert_eq!(
        other.managed(),
        other_names,
        "another managed-by's names changed"
    );
    let after: Vec<String> = other_names.iter().map(|n| id_of(n)).collect();
    assert_eq!(before, after);
}

#[test]
fn delete_and_list() {
    let s = Scope::new("list");
    let file = s.config("service.yml", SERVICE);
    let f = file.to_str().unwrap();
    s.apply(f, "v1").ok();
    let table = s.paunch(&["list"]).ok().stdout;
    assert!(table.starts_with("config"), "{table}");
    assert!(table.contains(&s.name("web")), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&s.paunch(&["list", "--format", "json"]).ok().stdout).unwrap();
    assert_eq!(json["v1"].as_array().unwrap().len(), 3);
    let yaml = s.paunch(&["list", "--format", "yaml"]).ok().stdout;
    assert!(yaml.contains("v1:"), "{yaml}");

    s.paunch(&["delete", "v1"]).ok();
    assert!(s.managed().is_empty());
    let table = s.paunch(&["list"]).ok().stdout;
    assert_eq!(table.lines().count(), 1, "{table}");
}

#[test]
fn delete_needs_a_config_id() {
    let s = Scope::new("delete-args");
    let out = s.paunch(&["delete"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
}

#[test]
fn failed_pull_stops_before_any_container_is_touched() {
    // No registry is reachable from test machines, so this pull fails for
    // real; the config's other container must not be created, and the
    // existing one not replaced.
    let s = Scope::new("pull");
    let keep = s.config("keep.yml", "{p}keep:\n  {service}\n");
    s.apply(keep, "v1").ok();
    let kept = id_of(&s.name("keep"));
    let f = s.config(
        "pull.yml",
        "{p}keep:\n  image: {image}\n  command: sleep 7200\n  stop_grace_period: 0\n\
         {p}new:\n  image: paunch-test/not-there:0\n  command: sleep 3600\n",
    );
    let out = s
        .paunch(&["apply", "--file", f.to_str().unwrap(), "--config-id", "v1"])
        .code(1);
    assert!(out.stdout.contains("* pull"), "{}", out.stdout);
    // podman retries each pull itself: paunch calls it half as often.
    let attempts = if is_podman() { 2 } else { 4 };
    assert!(
        out.stdout
            .contains(&format!("failed after {attempts} attempts")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("nothing is touched when an image is missing"),
        "{}",
        out.stdout
    );
    assert_eq!(id_of(&s.name("keep")), kept);
    assert!(!exists(&s.name("new")));
}

#[test]
fn parallel_groups_keep_their_order_and_dependencies() {
    let s = Scope::new("parallel");
    let mut yaml = String::new();
    for i in 0..6 {
        yaml.push_str(&service(&format!("g0-{i}")));
    }
    // An exec in the same group as its target waits for the target's create.
    yaml.push_str("{p}mark:\n  action: exec\n  command: [{p}g0-5, touch, /tmp/marked]\n");
    yaml.push_str("{p}g1:\n  {service}\n  start_order: 1\n");
    let file = s.config("p.yml", &yaml);
    let out = s
        .paunch(&[
            "apply",
            "--file",
            file.to_str().unwrap(),
            "--config-id",
            "v1",
            "--parallel",
            "4",
        ])
        .ok();
    assert_eq!(s.managed().len(), 7, "{}", out.stdout);
    engine_ok(&["exec", &s.name("g0-5"), "test", "-f", "/tmp/marked"]);
    let started = |n: &str| {
        inspect(&s.name(n))["State"]["StartedAt"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let g1 = started("g1");
    for i in 0..6 {
        assert!(
            started(&format!("g0-{i}")) < g1,
            "group 1 started before group 0 finished"
        );
    }
    // One line per step, none torn apart.
    let ok_lines = out
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("ok "))
        .count();
    assert_eq!(ok_lines, 8, "{}", out.stdout);
}

/// An engine's RFC 3339 time as (date, seconds of the day): comparable
/// where the text is not (docker trims the fraction's trailing zeros).
fn instant(t: &str) -> (String, f64) {
    let (date, time) = t.split_once('T').expect("RFC 3339");
    let time = time.trim_end_matches('Z');
    let time = time.split(['+', '-']).next().unwrap_or(time);
    let mut parts = time.split(':');
    let mut secs = 0.0;
    for unit in [3600.0, 60.0, 1.0] {
        let p: f64 = parts.next().unwrap_or("0").parse().unwrap_or(0.0);
        secs += p * unit;
    }
    (date.to_string(), secs)
}

#[test]
fn a_blocking_container_is_a_barrier_inside_its_group() {
    let s = Scope::new("barrier");
    let yaml = [
        service("aa"),
        service("bb"),
        job("job", "1"),
        service("cc"),
        service("dd"),
    ]
    .concat();
    let file = s.config("b.yml", &yaml);
    // The default --parallel: more than one call at once.
    s.apply(&file, "v1").ok();
    let state = |n: &str, key: &str| instant(inspect(&s.name(n))["State"][key].as_str().unwrap());
    let job_started = state("job", "StartedAt");
    let job_finished = state("job", "FinishedAt");
    for before in ["aa", "bb"] {
        assert!(
            state(before, "StartedAt") < job_started,
            "{before} started after the blocking job it precedes"
        );
    }
    for after in ["cc", "dd"] {
        assert!(
            state(after, "StartedAt") > job_finished,
            "{after} started before the blocking job it follows had exited"
        );
    }
}
