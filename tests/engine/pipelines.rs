//! Saved plans in pipelines (issue 25): plans of several config IDs under
//! one `--managed-by`, made and applied while the others run, crash and
//! turn healthy; refusals that name what changed, in text and JSON; JSON
//! lines from dry runs; plans read from stdin; what the command line may
//! and may not add to a saved plan.

use crate::support::configs::{crash_loop, service};
use crate::support::*;
use std::io::Write;
use std::process::Stdio;

/// A configuration of one long-running container `{p}NAME`.
fn sleeper(name: &str, command: &str) -> String {
    format!(
        "{{p}}{name}:
  image: {IMAGE}
  command: {command}
  stop_grace_period: 0
"
    )
}

/// `plan --out` of `file` as `config_id`; the plan's path.
fn save(s: &Scope, file: &std::path::Path, config_id: &str) -> String {
    let plan = s.dir.path().join(format!("{config_id}.plan"));
    let p = plan.to_str().unwrap().to_string();
    s.paunch(&[
        "plan",
        "--file",
        file.to_str().unwrap(),
        "--config-id",
        config_id,
        "--out",
        &p,
    ])
    .ok();
    p
}

fn finished_at(name: &str) -> String {
    inspect(name)["State"]["FinishedAt"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// The JSON lines of a `--format json` run's stdout, each parsed.
fn lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

/// Runs paunch with `input` on its stdin.
fn with_stdin(s: &Scope, args: &[&str], input: &[u8]) -> Run {
    let mut child = s
        .paunch_command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("paunch runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A crash-looping container of config ID A restarts (and is restarting)
/// between the plan of config ID B and its apply, every time: B's plans
/// still apply.
#[test]
fn another_config_ids_crash_loop_does_not_stale_a_plan() {
    let s = Scope::new("pipe-crash");
    let crash = s.config("a.yml", &crash_loop("crash", "sleep 0.3; "));
    s.apply(&crash, "A").ok();
    let looping = s.name("crash");
    wait_until(30, "the crash loop to begin", || {
        !finished_at(&looping).starts_with("0001")
    });
    for round in 0..3 {
        let b = s.config("b.yml", &sleeper("web", &format!("sleep {}", 3600 + round)));
        let p = save(&s, &b, "B");
        let before = finished_at(&looping);
        wait_until(30, "the crash-looping container to run again", || {
            finished_at(&looping) != before
        });
        let out = s.paunch(&["apply", "--plan", &p]);
        assert_eq!(
            out.code, 0,
            "round {round}:\n{}\n{}",
            out.stdout, out.stderr
        );
    }
    assert_eq!(
        inspect(&s.name("web"))["Config"]["Labels"]["config_id"],
        "B"
    );
}

/// Another config ID's container turning unhealthy after a plan was made
/// does not make it stale.
#[test]
fn another_config_ids_health_flip_does_not_stale_a_plan() {
    let s = Scope::new("pipe-health");
    let a = s.config(
        "a.yml",
        "{p}probe:
  image: {image}
  command: [sh, -c, 'touch /tmp/ok; exec sleep 3600']
  stop_grace_period: 0
  healthcheck: {test: 'test -f /tmp/ok', interval: 1s, retries: 1}
",
    );
    s.apply(&a, "A").ok();
    let probe = s.name("probe");
    let health = |n: &str| {
        inspect(n)["State"]["Health"]["Status"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    wait_until(30, "the probe to turn healthy", || {
        run_health_checks(&[&probe]);
        health(&probe) == "healthy"
    });
    let b = s.config("b.yml", &service("web"));
    let p = save(&s, &b, "B");
    engine_ok(&["exec", &probe, "sh", "-c", "rm /tmp/ok"]);
    wait_until(30, "the probe to turn unhealthy", || {
        run_health_checks(&[&probe]);
        health(&probe) == "unhealthy"
    });
    s.paunch(&["apply", "--plan", &p]).ok();
    assert!(running(&s.name("web")));
}

/// Two pipelines plan config IDs B and C together, then apply one after
/// the other: both apply.
#[test]
fn two_plans_made_together_both_apply() {
    let s = Scope::new("pipe-two");
    let b = s.config("b.yml", &service("web"));
    let c = s.config("c.yml", &service("api"));
    let (pb, pc) = (save(&s, &b, "B"), save(&s, &c, "C"));
    s.paunch(&["apply", "--plan", &pb]).ok();
    s.paunch(&["apply", "--plan", &pc]).ok();
    assert_eq!(s.managed(), vec![s.name("api"), s.name("web")]);
    // And again, the other way round, with both changed.
    let b = s.config("b.yml", &sleeper("web", "sleep 7200"));
    let c = s.config("c.yml", &sleeper("api", "sleep 7200"));
    let (pb, pc) = (save(&s, &b, "B"), save(&s, &c, "C"));
    s.paunch(&["apply", "--plan", &pc]).ok();
    s.paunch(&["apply", "--plan", &pb]).ok();
    for n in ["api", "web"] {
        assert_eq!(
            inspect(&s.name(n))["Config"]["Cmd"],
            serde_json::json!(["sleep", "7200"])
        );
    }
}

/// `docker restart` of a container a plan depends on: the refusal says
/// that it ran again (`finished_at`), in text and as JSON.
#[test]
fn a_refusal_names_a_restarts_changed_field() {
    let s = Scope::new("pipe-restart");
    let b = s.config("b.yml", &service("web"));
    s.apply(&b, "B").ok();
    let changed = s.config("b2.yml", &sleeper("web", "sleep 7200"));
    let p = save(&s, &changed, "B");
    let web = s.name("web");
    let id = id_of(&web);
    engine_ok(&["restart", "-t", "0", &web]);
    let out = s.paunch(&["apply", "--plan", &p]).code(4);
    assert!(out.stderr.contains("plan is stale"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "container {web} ({}): finished_at is now",
            &id[..12]
        )),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("the observed state differs"),
        "{}",
        out.stderr
    );
    let out = s
        .paunch(&["apply", "--plan", &p, "--format", "json"])
        .code(4);
    let events = lines(&out.stdout);
    let error = events.last().unwrap();
    assert_eq!(error["event"], "error", "{}", out.stdout);
    assert_eq!(error["exit_code"], 4);
    let changes = error["changes"].as_array().expect("changes");
    let finished = changes
        .iter()
        .find(|c| c["field"] == "finished_at")
        .unwrap_or_else(|| panic!("no finished_at change: {changes:?}"));
    assert_eq!(finished["kind"], "container_changed");
    assert_eq!(finished["id"], id);
    assert_eq!(finished["name"], web.as_str());
    assert_eq!(finished["to"], finished_at(&web).as_str());
    assert_eq!(id_of(&web), id, "the refused plan replaced it");
}

/// `cleanup`/`delete --dry-run --format json` print JSON lines: one plan
/// event, as the first line without `--dry-run`.
#[test]
fn dry_runs_print_json_lines() {
    let s = Scope::new("pipe-dry");
    let b = s.config("b.yml", &service("web"));
    s.apply(&b, "B").ok();
    for args in [
        &["cleanup", "--dry-run", "--format", "json"][..],
        &["delete", "B", "--dry-run", "--format", "json"][..],
    ] {
        let out = s.paunch(args).ok();
        let events = lines(&out.stdout);
        assert_eq!(events.len(), 1, "{}", out.stdout);
        assert_eq!(events[0]["event"], "plan");
        assert_eq!(events[0]["plan"]["steps"][0]["action"], "delete");
    }
    assert!(running(&s.name("web")));
}

/// `show -` and `apply --plan -` read the plan from stdin (`plan --out -`
/// writes it to stdout).
#[test]
fn a_plan_is_read_from_stdin() {
    let s = Scope::new("pipe-stdin");
    let b = s.config("b.yml", &service("web"));
    let f = b.to_str().unwrap();
    let plan = s
        .paunch(&["plan", "--file", f, "--config-id", "B", "--out", "-"])
        .ok()
        .stdout;
    let shown = with_stdin(&s, &["show", "-"], plan.as_bytes()).ok();
    assert!(
        shown.stdout.contains("Plan: 1 to create"),
        "{}",
        shown.stdout
    );
    with_stdin(&s, &["apply", "--plan", "-"], plan.as_bytes()).ok();
    assert!(running(&s.name("web")));
    // The same size cap as a file, and the same refusals.
    let out = with_stdin(&s, &["show", "-"], b"{\"hello\": 1}");
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(
        out.stderr.contains("stdin: not a paunch plan"),
        "{}",
        out.stderr
    );
}

/// The command line and a saved plan: PAUNCH_DEFAULT_RUNTIME yields to
/// the plan's runtime (with a note), an explicit other --default-runtime
/// and configuration flags are refused (exit 3), as is a --file that
/// cannot be read.
#[test]
fn what_the_command_line_adds_to_a_saved_plan() {
    let s = Scope::new("pipe-flags");
    let b = s.config("b.yml", &service("web"));
    let p = save(&s, &b, "B");
    let other = if is_podman() { "docker" } else { "podman" };
    let out = s.paunch(&["apply", "--plan", &p, "--unknown-keys", "warn"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("--unknown-keys"), "{}", out.stderr);
    let out = s.paunch(&["apply", "--plan", &p, "--default-runtime", other]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("--default-runtime {other} does not match")),
        "{}",
        out.stderr
    );
    assert!(s.managed().is_empty());
    let out = Paunch::new()
        .env("PAUNCH_DEFAULT_RUNTIME", other)
        .run(&["apply", "--plan", &p])
        .ok();
    assert!(
        out.stderr.contains(&format!(
            "runs with {} (PAUNCH_DEFAULT_RUNTIME={other} is for plans made here)",
            runtime()
        )),
        "{}",
        out.stderr
    );
    assert!(running(&s.name("web")));

    let missing = s.dir.path().join("missing.yml");
    let m = missing.to_str().unwrap();
    for verb in ["apply", "plan"] {
        let out = s.paunch(&[verb, "--file", m, "--config-id", "B"]);
        assert_eq!(out.code, 3, "{verb}: {}", out.stderr);
        assert!(out.stderr.contains("cannot read"), "{}", out.stderr);
    }
}

/// A `--label` given to an earlier apply and dropped from the command
/// line is noted, as a changed value is.
#[test]
fn a_dropped_label_is_noted() {
    let s = Scope::new("pipe-label");
    let b = s.config("b.yml", &service("web"));
    let f = b.to_str().unwrap();
    s.paunch(&[
        "apply",
        "--file",
        f,
        "--config-id",
        "B",
        "--label",
        "team=a",
    ])
    .ok();
    let web = s.name("web");
    let plan = s.plan(&b, "B").ok().stdout;
    assert!(
        plan.contains(&format!(
            "{web} keeps label team=a: no --label gives it now"
        )),
        "{plan}"
    );
    // The image's own label (the test image has one) is not.
    assert!(!plan.contains("paunch-test-image"), "{plan}");
    let changed = s
        .paunch(&["plan", "--file", f, "--config-id", "B", "--label", "team=b"])
        .ok()
        .stdout;
    assert!(
        changed.contains(&format!("{web} keeps label team=a: --label team=b")),
        "{changed}"
    );
}
