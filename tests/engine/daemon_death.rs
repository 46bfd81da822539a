//! The engine itself failing under an apply, on a private daemon (its
//! own network namespace, `tests/support/daemon.rs`): killed with SIGKILL
//! during an apply of 12 containers with a blocking one, paunch fails
//! within seconds (no hang, no panic) and, the daemon back, the next apply
//! converges; frozen (SIGSTOP: it accepts connections and answers
//! nothing), a step fails after `--step-timeout` and no further step
//! starts.

use crate::support::daemon::Daemon;
use crate::support::*;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// `n` detached containers in start_order 0 and 2 around a blocking one
/// (start_order 1) that runs `blocking_secs`; all on `net: none` (the
/// private daemon has no bridge).
fn config(n: usize, blocking_secs: u32) -> String {
    let mut yaml = format!(
        "{{p}}init:\n  image: {IMAGE}\n  command: [sleep, '{blocking_secs}']\n  detach: false\n  net: none\n  start_order: 1\n"
    );
    for i in 0..n {
        yaml.push_str(&format!(
            "{{p}}c{i:02}:\n  image: {IMAGE}\n  command: sleep 3600\n  net: none\n  stop_grace_period: 0\n  start_order: {}\n",
            if i < n / 2 { 0 } else { 2 }
        ));
    }
    yaml
}

fn spawn(s: &Scope, d: &Daemon, file: &str, extra: &[&str]) -> Child {
    s.paunch_command()
        .args(["apply", "--file", file, "--config-id", "c1"])
        .args(["--managed-by", &s.managed_by])
        .args(extra)
        .env("DOCKER_HOST", d.host())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn apply(s: &Scope, d: &Daemon, file: &str) -> Run {
    let out = spawn(s, d, file, &[]).wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Each managed container on the private daemon: name, state, exit code,
/// `container_name` label.
fn containers(s: &Scope, d: &Daemon) -> Vec<(String, String, String, String)> {
    let out = d.docker(&[
        "ps",
        "-a",
        "--filter",
        &format!("label=managed_by={}", s.managed_by),
        "--format",
        "{{.Names}}",
    ]);
    let names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let mut all = Vec::new();
    for name in names {
        let out = d.docker(&[
            "inspect",
            "--format",
            "{{.State.Status}} {{.State.ExitCode}} {{index .Config.Labels \"container_name\"}}",
            &name,
        ]);
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let f: Vec<&str> = text.split(' ').collect();
        if let [state, code, entry] = f[..] {
            all.push((name, state.into(), code.into(), entry.into()));
        }
    }
    all.sort();
    all
}

/// Every entry has one container, under its own name; the detached ones
/// run, the blocking one ran to its end.
#[track_caller]
fn assert_converged(s: &Scope, d: &Daemon, n: usize) {
    let seen = containers(s, d);
    assert_eq!(seen.len(), n + 1, "{seen:?}");
    for (name, state, code, entry) in &seen {
        assert_eq!(name, entry, "{seen:?}");
        if name.ends_with("init") {
            assert_eq!((state.as_str(), code.as_str()), ("exited", "0"), "{seen:?}");
        } else {
            assert_eq!(state, "running", "{seen:?}");
        }
    }
}

fn output(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn the_daemon_killed_mid_apply_fails_it_within_seconds_and_the_next_apply_converges() {
    if docker_only("a private dockerd") {
        return;
    }
    let d = Daemon::start("kill");
    let s = Scope::new("daemon-kill");
    let file = s.config("d.yml", &config(11, 3));
    let f = file.to_str().unwrap();
    let child = spawn(&s, &d, f, &[]);
    let init = s.name("init");
    wait_until(30, "the blocking container to run", || {
        let out = d.docker(&["inspect", "--format", "{{.State.Running}}", &init]);
        String::from_utf8_lossy(&out.stdout).trim() == "true"
    });
    d.kill9();
    let killed = Instant::now();
    let (code, text) = output(child);
    let took = killed.elapsed();
    eprintln!("paunch exited {code:?} {took:?} after the daemon was killed:\n{text}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(matches!(code, Some(1 | 5)), "{code:?}: {text}");
    assert!(!text.contains("panicked"), "{text}");
    assert!(text.contains("stopped answering"), "{text}");

    d.restart();
    let again = apply(&s, &d, f);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert_converged(&s, &d, 11);
    let third = apply(&s, &d, f);
    assert!(third.stdout.contains("No changes"), "{}", third.stdout);
}

#[test]
fn a_frozen_daemon_fails_the_step_after_step_timeout_and_starts_no_more() {
    if docker_only("a private dockerd") {
        return;
    }
    let d = Daemon::start("freeze");
    let s = Scope::new("daemon-freeze");
    let file = s.config("f.yml", &config(11, 1));
    let f = file.to_str().unwrap();
    // One create at a time, so that the freeze (once the first container
    // exists) catches a create of group 0 in flight, which --step-timeout
    // bounds. With the default --parallel, all of group 0 can be done
    // before the freeze, and the group-1 blocking container's run, which
    // --step-timeout does not bound (a job takes what it takes), would
    // wait for the frozen daemon for ever.
    let child = spawn(&s, &d, f, &["--step-timeout", "2", "--parallel", "1"]);
    let first = s.name("c00");
    wait_until(30, "the first container", || {
        d.docker(&["inspect", &first]).status.success()
    });
    d.freeze();
    let frozen = Instant::now();
    let (code, text) = output(child);
    let took = frozen.elapsed();
    d.thaw();
    eprintln!("paunch exited {code:?} {took:?} after the daemon froze:\n{text}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("did not answer within 2s"), "{text}");
    assert!(
        text.contains("not started: docker stopped answering"),
        "{text}"
    );
    assert!(!text.contains("panicked"), "{text}");

    let again = apply(&s, &d, f);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert_converged(&s, &d, 11);
}
