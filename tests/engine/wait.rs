//! `apply --wait`: an apply that exits 0 proves its containers came up;
//! one that crashes, turns unhealthy or is not ready in time fails the
//! apply, with its state and last log lines, and later groups are skipped.

use crate::support::configs::{crash_loop, job};
use crate::support::*;
use std::time::Instant;

#[test]
fn wait_passes_when_each_group_comes_up() {
    let s = Scope::new("wait-ok");
    let file = s.config(
        "w.yml",
        "{p}db:
  {service}
  healthcheck: {test: 'true', interval: 1s, retries: 1}
{p}web:
  {service}
  start_order: 1
",
    );
    let f = file.to_str().unwrap();
    s.paunch(&["apply", "--file", f, "--config-id", "c1", "--wait"])
        .ok();
    let db = inspect(&s.name("db"));
    assert_eq!(db["State"]["Health"]["Status"], "healthy");
    // web was created once db was healthy: after db's first check.
    let checked = db["State"]["Health"]["Log"][0]["End"]
        .as_str()
        .unwrap()
        .to_string();
    let web_created = inspect(&s.name("web"))["Created"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        web_created > checked,
        "web {web_created} before db healthy {checked}"
    );
    assert!(running(&s.name("web")));
}

#[test]
fn a_crash_fails_the_apply_and_skips_later_groups() {
    let s = Scope::new("wait-crash");
    let file = s.config(
        "c.yml",
        "{p}crash:
  image: {image}
  command: [sh, -c, 'echo cannot open the database >&2; exit 2']
{p}later:
  {service}
  start_order: 1
",
    );
    let f = file.to_str().unwrap();
    let run = s
        .paunch(&["apply", "--file", f, "--config-id", "c1", "--wait"])
        .code(1);
    let crash = s.name("crash");
    assert!(
        run.stdout.contains(&format!("{crash} exited (2)")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("cannot open the database"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("start_order 0 did not become ready"),
        "{}",
        run.stdout
    );
    assert!(!exists(&s.name("later")), "a later group is not started");
    // Without --wait the apply says nothing of it (the original's way).
    s.paunch(&["delete", "c1"]).ok();
    s.apply(&file, "c1").ok();
}

#[test]
fn unhealthy_or_too_slow_fails_within_the_timeout() {
    let s = Scope::new("wait-sick");
    let file = s.config(
        "u.yml",
        "{p}sick:
  {service}
  healthcheck: {test: 'false', interval: 1s, retries: 1}
",
    );
    let f = file.to_str().unwrap();
    let run = s
        .paunch(&["apply", "--file", f, "--config-id", "c1", "--wait"])
        .code(1);
    assert!(
        run.stdout
            .contains(&format!("{} is unhealthy", s.name("sick"))),
        "{}",
        run.stdout
    );

    let slow = s.config(
        "s.yml",
        "{p}slow:
  {service}
  healthcheck: {test: 'true', interval: 60s, start_period: 60s}
",
    );
    let started = Instant::now();
    let run = s
        .paunch(&[
            "apply",
            "--file",
            slow.to_str().unwrap(),
            "--config-id",
            "c2",
            "--wait-timeout",
            "2",
        ])
        .code(1);
    assert!(
        started.elapsed().as_secs() < 20,
        "the timeout bounds the wait"
    );
    assert!(
        run.stdout
            .contains("is not ready within --wait-timeout 2s: running (starting)"),
        "{}",
        run.stdout
    );
}

/// Ready means it kept running: a container its restart policy brings back
/// after a crash is not ready, however soon or late in the settle time it
/// crashed (issue: seen running once, 1 s in, it counted as ready).
#[test]
fn a_crash_loop_is_never_ready() {
    let s = Scope::new("wait-crash-loop");
    let mut yaml = String::new();
    for (name, after) in [
        ("now", ""),
        ("at02", "sleep 0.2; "),
        ("at05", "sleep 0.5; "),
        ("at08", "sleep 0.8; "),
    ] {
        yaml.push_str(&crash_loop(name, after));
    }
    let file = s.config("l.yml", &yaml);
    let f = file.to_str().unwrap();
    let out = s
        .paunch(&["apply", "--file", f, "--config-id", "c1", "--wait"])
        .code(1);
    for name in ["now", "at02", "at05", "at08"] {
        let name = s.name(name);
        assert!(
            out.stdout
                .contains(&format!("{name} restarted while --wait waited for it"))
                || out.stdout.contains(&format!("{name} exited")),
            "{name} was not failed:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
    assert!(!out.stdout.contains("Ready:"), "{}", out.stdout);
}

/// One JSON event per step: a step whose container the wait then fails
/// is reported once, failed; one that turns ready once, ok and ready.
#[test]
fn a_waited_step_is_one_event() {
    let s = Scope::new("wait-one-event");
    let file = s.config(
        "e.yml",
        "{p}bad:
  image: {image}
  command: [sh, -c, 'sleep 0.3; exit 3']
  stop_grace_period: 0
{p}good:
  {service}
",
    );
    let f = file.to_str().unwrap();
    let out = s
        .paunch(&[
            "apply",
            "--file",
            f,
            "--config-id",
            "c1",
            "--wait",
            "--format",
            "json",
        ])
        .code(1);
    let steps: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["event"] == "step")
        .collect();
    let mut ids: Vec<u64> = steps.iter().map(|v| v["id"].as_u64().unwrap()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "a step reported twice:\n{}", out.stdout);
    assert_eq!(ids.len(), 2, "{}", out.stdout);
    let of = |name: &str| {
        steps
            .iter()
            .find(|v| v["description"].as_str().unwrap().contains(&s.name(name)))
            .unwrap()
            .clone()
    };
    assert_eq!(of("bad")["outcome"], "failed", "{}", out.stdout);
    assert_eq!(of("good")["outcome"], "ok", "{}", out.stdout);
    assert!(
        of("good")["detail"]
            .as_str()
            .unwrap()
            .contains("ready (running)")
    );
}

/// --wait-timeout bounds waiting for readiness, not a blocking job's run:
/// a job longer than the timeout, then a service that comes up at once.
#[test]
fn a_long_job_does_not_spend_the_wait_timeout() {
    let s = Scope::new("wait-long-job");
    let svc = "{p}svc:\n  {service}\n  start_order: 1\n";
    let file = s.config("j.yml", &(job("job", "4") + svc));
    let f = file.to_str().unwrap();
    let out = s
        .paunch(&[
            "apply",
            "--file",
            f,
            "--config-id",
            "c1",
            "--wait",
            "--wait-timeout",
            "3",
        ])
        .ok();
    assert!(out.stdout.contains("Ready:"), "{}", out.stdout);
    assert!(running(&s.name("svc")));
}
