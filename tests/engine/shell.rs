//! The command shell: signals, exit codes, messages and files of the
//! commands around the core.

use crate::support::*;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} failed");
}

/// The exit code of `child` if it exits within `limit`; else kills it
/// (so that a failing test leaves nothing running) and returns `None`.
fn wait_at_most(child: &mut Child, limit: Duration) -> Option<i32> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status.code().unwrap_or(-1));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Reads `child`'s stderr until a line containing `want`; returns what was
/// read, and a thread reading the rest.
fn stderr_until(child: &mut Child, want: &str) -> (String, JoinHandle<String>) {
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
        if line.contains(want) {
            let rest = std::thread::spawn(move || {
                let mut rest = String::new();
                let _ = reader.read_to_string(&mut rest);
                rest
            });
            return (seen, rest);
        }
    }
    panic!("{want:?} never appeared on stderr:\n{seen}");
}

#[test]
fn an_interrupt_while_waiting_for_the_lock_stops_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let managed_by = format!("paunch-test-lock-int-{}", std::process::id());
    let file = dir.path().join("c.yml");
    std::fs::write(
        &file,
        "one:\n  image: paunch-test/busybox:1\n  command: sleep 3600\n",
    )
    .unwrap();
    let locks = dir.path().join("locks");
    std::fs::create_dir_all(&locks).unwrap();
    let engine = paunch::Engine::new(runtime().parse::<paunch::Runtime>().unwrap())
        .identity()
        .unwrap();
    let path = paunch::lock::lock_path(&locks, &engine, &managed_by);
    std::fs::write(&path, "pid 4242 (apply)").unwrap();
    let held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    held.lock().unwrap();
    for command in [
        &[
            "apply",
            "--file",
            file.to_str().unwrap(),
            "--config-id",
            "c1",
        ][..],
        &["delete", "c1"],
        &["cleanup"],
    ] {
        let mut child = paunch_command()
            .args(command)
            .args(["--managed-by", &managed_by])
            .env("PAUNCH_LOCK_DIR", &locks)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (mut stderr, rest) = stderr_until(&mut child, "waiting for the lock");
        let started = Instant::now();
        signal(&child, "-INT");
        let status = wait_at_most(&mut child, Duration::from_secs(1));
        stderr.push_str(&rest.join().unwrap());
        assert_eq!(status, Some(130), "{command:?}: {stderr}");
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(
            stderr.contains("interrupted while waiting for the lock"),
            "{stderr}"
        );
        assert!(stderr.contains("nothing was touched"), "{stderr}");
    }
    drop(held);
}

/// Polls until `name` is a running container.
fn wait_running(name: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(exists(name) && running(name)) {
        assert!(Instant::now() < deadline, "{name} never ran");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_second_interrupt_exits_at_once_naming_the_steps_in_flight() {
    let s = Scope::new("int-twice");
    let file = s.config(
        "t.yml",
        "{p}slow:
  image: paunch-test/busybox:1
  command: [sleep, '60']
  detach: false
  stop_grace_period: 1
",
    );
    let mut child = s
        .paunch_command()
        .args([
            "apply",
            "--file",
            file.to_str().unwrap(),
            "--config-id",
            "c1",
        ])
        .args(["--managed-by", &s.managed_by])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_running(&s.name("slow"));
    signal(&child, "-INT");
    // The first only asks the step in flight to finish.
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first interrupt exited"
    );
    let started = Instant::now();
    signal(&child, "-INT");
    let code = wait_at_most(&mut child, Duration::from_secs(2));
    assert!(started.elapsed() < Duration::from_secs(2));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: finishing the 1 step in flight, starting no more"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "interrupted again: exiting now; in flight: create {} (the container may not be created or started yet)",
            s.name("slow")
        )),
        "{stderr}"
    );
}

#[test]
fn a_missing_or_unreadable_plan_file_exits_4_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.plan");
    let m = missing.to_str().unwrap();
    let d = dir.path().to_str().unwrap();
    for args in [
        vec!["apply", "--plan", m],
        vec!["show", m],
        vec!["apply", "--plan", d],
        vec!["show", d],
    ] {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let out = paunch(&args);
        assert_eq!(out.code, 4, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("cannot read the plan"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains(&args[args.len() - 1]), "{}", out.stderr);
    }
}

#[test]
fn delete_and_cleanup_of_nothing_say_so() {
    let s = Scope::new("nothing");
    let out = s.paunch(&["delete", "gone"]).ok();
    assert!(
        out.stdout.contains(&format!(
            "No containers of config ID \"gone\" are managed by {}: nothing to delete.",
            s.managed_by
        )),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("No changes"), "{}", out.stdout);
    let out = s.paunch(&["cleanup"]).ok();
    assert!(
        out.stdout.contains(&format!(
            "No containers are managed by {}: nothing to clean up.",
            s.managed_by
        )),
        "{}",
        out.stdout
    );
}

/// Runs paunch in `dir` (so that a stray file lands there, not in the
/// repository).
fn paunch_in(dir: &std::path::Path, args: &[&str]) -> Run {
    let out = paunch_command()
        .args(args)
        .current_dir(dir)
        .env("PAUNCH_LOCK_DIR", dir)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn plan_out_dash_is_stdout_and_the_hint_needs_something_to_apply() {
    let s = Scope::new("out-dash");
    let file = s.config(
        "p.yml",
        "{p}one:\n  image: paunch-test/busybox:1\n  command: sleep 3600\n  stop_grace_period: 1\n",
    );
    let f = file.to_str().unwrap();
    let m = s.managed_by.as_str();
    let base = ["plan", "--file", f, "--config-id", "c1", "--managed-by", m];
    let dir = s.dir.path();

    let out = paunch_in(dir, &[&base[..], &["--out", "-"]].concat()).ok();
    assert!(!dir.join("-").exists(), "a file named - was written");
    let plan = paunch::planfile::from_document(&out.stdout, "stdout").unwrap();
    assert_eq!(plan.steps.len(), 1);
    assert!(out.stderr.contains("1 to create"), "{}", out.stderr);
    assert!(!out.stderr.contains("Saved the plan"), "{}", out.stderr);
    // What stdout held applies.
    let saved = dir.join("saved.plan");
    std::fs::write(&saved, &out.stdout).unwrap();
    let json = paunch_in(
        dir,
        &[&base[..], &["--out", "-", "--format", "json"]].concat(),
    )
    .ok();
    assert!(
        paunch::planfile::from_document(&json.stdout, "stdout").is_ok(),
        "{}",
        json.stdout
    );
    assert!(json.stderr.is_empty(), "{}", json.stderr);

    // Changes: the hint to save; none: no hint.
    let out = paunch_in(dir, &base).ok();
    assert!(
        out.stdout.contains("This plan was not saved"),
        "{}",
        out.stdout
    );
    paunch_in(dir, &["apply", "--plan", saved.to_str().unwrap()]).ok();
    let out = paunch_in(dir, &base).ok();
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);
    assert!(!out.stdout.contains("not saved"), "{}", out.stdout);
}

#[test]
fn on_a_terminal_the_progress_bar_is_gone_before_the_summary() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to give paunch a terminal");
        return;
    }
    let s = Scope::new("bar");
    let file = s.config(
        "b.yml",
        "{p}slow:\n  image: paunch-test/busybox:1\n  command: [sleep, '1']\n  detach: false\n",
    );
    let typescript = s.dir.path().join("typescript");
    let command = format!(
        "{} apply --file {} --config-id c1 --managed-by {}",
        bin(),
        file.display(),
        s.managed_by
    );
    let out = Command::new("script")
        .args(["-qfec", &command])
        .arg(&typescript)
        .env("NO_COLOR", "1")
        .envs(engine_env())
        .env("TERM", "xterm")
        .env("PAUNCH_LOCK_DIR", s.dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let raw = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
    assert!(out.status.success(), "{raw}");
    // The bar was drawn (a terminal), and nothing of it comes after the
    // summary: no redraw, no clearing of the summary's lines.
    assert!(
        raw.contains("1/1") || raw.contains("0/1"),
        "no bar drawn: {raw:?}"
    );
    let at = raw.rfind("Apply complete").expect("summary");
    let after = &raw[at..];
    assert!(
        !after.contains('\u{1b}'),
        "terminal control after the summary: {after:?}"
    );
    assert!(!after.contains("/1 "), "a bar after the summary: {after:?}");
}

#[test]
fn apply_plan_refuses_another_managed_by_or_runtime_given_explicitly() {
    let s = Scope::new("plan-scope");
    let file = s.config(
        "p.yml",
        "{p}one:\n  image: paunch-test/busybox:1\n  command: sleep 3600\n  stop_grace_period: 1\n",
    );
    let saved = s.dir.path().join("p.plan");
    let p = saved.to_str().unwrap();
    s.paunch(&[
        "plan",
        "--file",
        file.to_str().unwrap(),
        "--config-id",
        "c1",
        "--out",
        p,
    ])
    .ok();
    let run = |extra: &[&str]| {
        let args: Vec<String> = ["apply", "--plan", p]
            .iter()
            .chain(extra)
            .map(|a| a.to_string())
            .collect();
        paunch(&args)
    };
    let out = run(&["--managed-by", "someone-else"]).code(3);
    assert!(
        out.stderr.contains("--managed-by someone-else"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("\"{}\"", s.managed_by)),
        "{}",
        out.stderr
    );
    let other = if is_podman() { "docker" } else { "podman" };
    let out = run(&["--default-runtime", other]).code(3);
    assert!(
        out.stderr.contains(&format!("--default-runtime {other}")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("runtime \"{}\"", runtime())),
        "{}",
        out.stderr
    );
    assert!(s.managed().is_empty(), "a refused plan touched something");
    // The same values, given explicitly, are fine.
    run(&[
        "--managed-by",
        &s.managed_by,
        "--default-runtime",
        runtime(),
    ])
    .ok();
    assert_eq!(s.managed(), [s.name("one")]);
}

/// `--format json`: JSON lines a script can parse: the plan, every step
/// with its outcome (a failure's engine message and exit code), then the
/// summary; the same for cleanup and delete.
#[test]
fn apply_cleanup_and_delete_speak_json_lines() {
    let s = Scope::new("json-lines");
    let file = s.config(
        "j.yml",
        &format!(
            "{{p}}migrate:
  image: {IMAGE}
  command: [sh, -c, 'echo migration failed >&2; exit 3']
  detach: false
{{p}}web:
  image: {IMAGE}
  command: sleep 3600
  stop_grace_period: 1
  start_order: 1
{{p}}reload:
  action: exec
  command: ['{{p}}web', 'true']
  start_order: 2
"
        ),
    );
    let lines = |run: &Run| -> Vec<serde_json::Value> {
        run.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    };
    let run = s
        .paunch(&[
            "apply",
            "--file",
            file.to_str().unwrap(),
            "--config-id",
            "c1",
            "--format",
            "json",
        ])
        .code(1);
    let events = lines(&run);
    assert_eq!(events[0]["event"], "plan");
    assert_eq!(events[0]["plan"]["steps"].as_array().unwrap().len(), 3);
    let steps: Vec<&serde_json::Value> = events.iter().filter(|e| e["event"] == "step").collect();
    assert_eq!(steps.len(), 3, "{}", run.stdout);
    let migrate = steps
        .iter()
        .find(|e| e["action"] == "create" && e["id"] == 1)
        .unwrap();
    assert_eq!(migrate["outcome"], "failed");
    assert_eq!(migrate["exit_code"], 3);
    assert!(
        migrate["error"]
            .as_str()
            .unwrap()
            .contains("migration failed")
    );
    assert!(
        steps
            .iter()
            .any(|e| e["action"] == "exec" && e["outcome"] == "ok")
    );
    let summary = events.last().unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["success"], false);
    assert_eq!(summary["failed"], serde_json::json!([1]));
    assert_eq!(summary["exit_code"], 1);

    for args in [
        vec!["cleanup", "--format", "json"],
        vec!["delete", "c1", "--format", "json"],
    ] {
        let run = s.paunch(&args).ok();
        let events = lines(&run);
        assert_eq!(events.first().unwrap()["event"], "plan", "{}", run.stdout);
        assert_eq!(events.last().unwrap()["event"], "summary", "{}", run.stdout);
        assert_eq!(events.last().unwrap()["exit_code"], 0);
    }
    // An error before anything runs is a JSON line too.
    let bad = s.config("bad.yml", "{p}web:\n  imgae: x\n");
    let run = s
        .paunch(&[
            "apply",
            "--file",
            bad.to_str().unwrap(),
            "--config-id",
            "c1",
            "--format",
            "json",
        ])
        .code(3);
    let events = lines(&run);
    assert_eq!(events[0]["event"], "error");
    assert_eq!(events[0]["exit_code"], 3);
    // Each part once: the message does not repeat the hint or the
    // findings, which come as fields of their own.
    let message = events[0]["message"].as_str().unwrap();
    assert!(!message.contains("hint:"), "{message}");
    assert!(!message.contains("imgae"), "{message}");
    let found = &events[0]["diagnostics"][0];
    assert_eq!(found["key"], "imgae", "{}", run.stdout);
    assert_eq!(found["line"], 2, "{}", run.stdout);
}
