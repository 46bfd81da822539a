//! Faults: paunch killed at every step boundary and at random moments,
//! interrupted by SIGTERM, two runs at once, an unreachable engine, and
//! engine errors mid-apply. After any of them, the next apply converges.

use crate::support::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The state a config is applied over: a service with a container to
/// replace, one to keep, one to delete, a blocking one to replace and one
/// to rename back to its desired name.
const BEFORE: &str = "{p}aa:
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 0
{p}bb:
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 0
{p}old:
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 0
{p}init:
  image: paunch-test/busybox:1
  command: [sh, -c, 'exit 0']
  detach: false
  start_order: 1
{p}dd:
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 0
";

const AFTER: &str = "{p}aa:
  image: paunch-test/busybox:1
  command: sleep 7200
  stop_grace_period: 0
{p}bb:
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 0
{p}init:
  image: paunch-test/busybox:1
  command: [sh, -c, 'sleep 0.4']
  detach: false
  start_order: 1
{p}dd:
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 0
{p}ee:
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 0
  start_order: 2
{p}mark:
  action: exec
  command: ['{p}ee', touch, /tmp/marked]
  start_order: 3
";

const DETACHED: &[&str] = &["aa", "bb", "dd", "ee"];

struct Fixture {
    s: Scope,
    before: String,
    after: String,
    bystander: String,
}

impl Fixture {
    fn new(test: &str) -> Fixture {
        let s = Scope::new(test);
        let before = s.config("before.yml", BEFORE).to_str().unwrap().to_string();
        let after = s.config("after.yml", AFTER).to_str().unwrap().to_string();
        // A container paunch must never touch.
        let bystander = s.foreign(&s.name("bystander"), &[]);
        Fixture {
            s,
            before,
            after,
            bystander,
        }
    }

    fn apply(&self, file: &str, env: &[(&str, &str)]) -> Run {
        let args: Vec<String> = [
            "apply",
            "--file",
            file,
            "--config-id",
            "c1",
            "--managed-by",
            &self.s.managed_by,
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        Paunch::new().envs(env).run(&args)
    }

    /// The "before" state: `dd` created while a foreign container held its
    /// name (so it is suffixed), then the name freed.
    fn reset(&self) {
        for name in self.s.managed() {
            engine_ok(&["rm", "-f", &name]);
        }
        let holder = self.s.name("dd");
        self.s.foreign(&holder, &[]);
        self.apply(&self.before, &[]).ok();
        engine_ok(&["rm", "-f", &holder]);
    }

    fn reset_empty(&self) {
        for name in self.s.managed() {
            engine_ok(&["rm", "-f", &name]);
        }
    }

    /// Every desired container exists exactly once, under its desired
    /// name, with the configured config_data; detached ones run; the
    /// exec ran; nothing else of ours exists; the bystander is untouched.
    #[track_caller]
    fn assert_converged(&self, context: &str) {
        let s = &self.s;
        let mut want: Vec<String> = ["aa", "bb", "dd", "ee", "init"]
            .iter()
            .map(|n| s.name(n))
            .collect();
        want.sort();
        assert_eq!(s.managed(), want, "{context}: containers");
        for n in DETACHED {
            assert!(running(&s.name(n)), "{context}: {n} not running");
        }
        engine_ok(&["exec", &s.name("ee"), "test", "-f", "/tmp/marked"]);
        let plan = s.paunch(&[
            "plan",
            "--file",
            &self.after,
            "--config-id",
            "c1",
            "--detailed-exitcode",
        ]);
        assert_eq!(plan.code, 0, "{context}: not converged:\n{}", plan.stdout);
        assert_eq!(
            id_of(&s.name("bystander")),
            self.bystander,
            "{context}: bystander touched"
        );
        assert!(
            running(&s.name("bystander")),
            "{context}: bystander stopped"
        );
    }

    /// The apply after a kill. A podman killed while creating a container
    /// can leave it in podman's storage only, its name taken; paunch's
    /// failure names it and the command that removes it, and leaves it
    /// (it could be a buildah container). Here the operator takes that
    /// step, once, and applies again.
    fn reapply(&self) -> Run {
        let again = self.apply(&self.after, &[]);
        let leftovers: Vec<&str> = again
            .stdout
            .split("`podman rm --storage ")
            .skip(1)
            .filter_map(|rest| rest.split('`').next())
            .collect();
        if again.code == 0 || leftovers.is_empty() {
            return again;
        }
        eprintln!("removing what a killed podman left in its storage: {leftovers:?}");
        for id in leftovers {
            engine_ok(&["rm", "--storage", id]);
        }
        self.apply(&self.after, &[])
    }

    /// Kills apply at each boundary in turn until it completes unkilled.
    fn kill_at_every_boundary(&self, from_scratch: bool) {
        for mode in ["after", "during"] {
            for k in 1.. {
                if from_scratch {
                    self.reset_empty();
                } else {
                    self.reset();
                }
                let spec = format!("{k}:{mode}");
                let killed = self.apply(&self.after, &[("PAUNCH_FAULT_KILL_AT", &spec)]);
                let completed = killed.code == 0;
                assert!(
                    completed || killed.code == -1,
                    "{spec}: expected SIGKILL or success, got {}:\n{}\n{}",
                    killed.code,
                    killed.stdout,
                    killed.stderr
                );
                // What the killed client asked of the daemon settles.
                std::thread::sleep(Duration::from_millis(300));
                let again = self.reapply();
                assert_eq!(
                    again.code, 0,
                    "{spec}: re-apply failed:\n{}\n{}",
                    again.stdout, again.stderr
                );
                self.assert_converged(&format!("{spec}, re-apply printed:\n{}", again.stdout));
                if completed {
                    eprintln!("{mode}: {} kill points", k - 1);
                    assert!(k > 4, "too few step boundaries: {k}");
                    break;
                }
            }
        }
    }
}

#[test]
#[cfg_attr(
    not(feature = "fault-injection"),
    ignore = "needs --features fault-injection"
)]
fn killed_at_every_step_boundary_of_a_change_converges() {
    Fixture::new("kill-change").kill_at_every_boundary(false);
}

#[test]
#[cfg_attr(
    not(feature = "fault-injection"),
    ignore = "needs --features fault-injection"
)]
fn killed_at_every_step_boundary_of_a_fresh_apply_converges() {
    Fixture::new("kill-fresh").kill_at_every_boundary(true);
}

#[test]
fn killed_at_random_moments_converges() {
    let f = Fixture::new("kill-random");
    // Fixed "random" delays, so a failure can be reproduced.
    for (round, delay_ms) in [100u64, 350, 600, 900, 1200].into_iter().enumerate() {
        f.reset();
        let mut child =
            f.s.paunch_command()
                .args([
                    "apply",
                    "--file",
                    &f.after,
                    "--config-id",
                    "c1",
                    "--managed-by",
                    &f.s.managed_by,
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        std::thread::sleep(Duration::from_millis(300));
        let again = f.reapply();
        let context = format!("round {round}, killed after {delay_ms} ms");
        assert_eq!(
            again.code, 0,
            "{context}:\n{}\n{}",
            again.stdout, again.stderr
        );
        f.assert_converged(&format!("{context}, re-apply printed:\n{}", again.stdout));
    }
}

#[test]
fn sigterm_finishes_the_step_in_flight_and_says_what_is_left() {
    let s = Scope::new("sigterm");
    let file = s.config(
        "t.yml",
        "{p}slow:
  image: paunch-test/busybox:1
  command: [sh, -c, 'sleep 2']
  detach: false
{p}later:
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 0
  start_order: 1
",
    );
    let f = file.to_str().unwrap();
    let child = s
        .paunch_command()
        .args([
            "apply",
            "--file",
            f,
            "--config-id",
            "c1",
            "--managed-by",
            &s.managed_by,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let slow = s.name("slow");
    wait_until(20, "the blocking container to run", || {
        exists(&slow) && running(&slow)
    });
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert!(stdout.contains("Apply interrupted"), "{stdout}");
    assert!(stdout.contains("Left undone"), "{stdout}");
    assert!(
        stdout.contains(&format!("create {}", s.name("later"))),
        "{stdout}"
    );
    // The step in flight finished: the blocking container ran to the end.
    let slow = inspect(&s.name("slow"));
    assert_eq!(slow["State"]["Status"], "exited");
    assert_eq!(slow["State"]["ExitCode"], 0);
    assert!(!exists(&s.name("later")));
    // And the next apply does the rest.
    let out = s.apply(f, "c1").ok();
    assert!(
        out.stdout.contains("Plan: 1 to create, 0 to replace"),
        "{}",
        out.stdout
    );
    assert!(running(&s.name("later")));
}

fn spawn_apply(s: &Scope, file: &str, lock_dir: &str, extra: &[&str]) -> std::process::Child {
    paunch_command()
        .args([
            "apply",
            "--file",
            file,
            "--config-id",
            "c1",
            "--managed-by",
            &s.managed_by,
        ])
        .args(extra)
        .env("PAUNCH_LOCK_DIR", lock_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn two_applies_at_once_run_one_after_the_other() {
    let s = Scope::new("lock-two");
    let yaml: String = (0..5)
        .map(|i| format!("{{p}}c{i}:\n  image: paunch-test/busybox:1\n  command: sleep 3600\n  stop_grace_period: 0\n"))
        .collect();
    let file = s.config("two.yml", &yaml);
    let f = file.to_str().unwrap();
    let dir = s.dir.path().join("locks");
    let d = dir.to_str().unwrap();
    let a = spawn_apply(&s, f, d, &[]);
    let b = spawn_apply(&s, f, d, &[]);
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for o in [&a, &b] {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    }
    let outputs = format!(
        "{}{}",
        String::from_utf8_lossy(&a.stdout),
        String::from_utf8_lossy(&b.stdout)
    );
    assert!(
        outputs.contains("No changes"),
        "the second did not plan against the first's result:\n{outputs}"
    );
    let mut want: Vec<String> = (0..5).map(|i| s.name(&format!("c{i}"))).collect();
    want.sort();
    assert_eq!(s.managed(), want, "duplicates or missing containers");
}

#[test]
fn lock_timeout_names_the_holder() {
    let s = Scope::new("lock-timeout");
    let file = s.config(
        "l.yml",
        "{p}one:\n  image: paunch-test/busybox:1\n  command: sleep 3600\n  stop_grace_period: 0\n",
    );
    let dir = s.dir.path().join("locks");
    std::fs::create_dir_all(&dir).unwrap();
    let engine = paunch::Engine::new(runtime().parse::<paunch::Runtime>().unwrap())
        .identity()
        .unwrap();
    let path = paunch::lock::lock_path(&dir, &engine, &s.managed_by);
    std::fs::write(&path, "pid 4242 (apply)").unwrap();
    let held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    held.lock().unwrap();
    let started = Instant::now();
    let out = Paunch::new().lock_dir(Some(&dir)).run(&[
        "apply",
        "--file",
        file.to_str().unwrap(),
        "--config-id",
        "c1",
        "--managed-by",
        &s.managed_by,
        "--lock-timeout",
        "1",
    ]);
    assert_eq!(out.code, 6, "{}", out.stderr);
    assert!(out.stderr.contains("pid 4242"), "{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(s.managed().is_empty());
    drop(held);
}

#[test]
fn a_killed_holder_does_not_leave_the_lock_stuck() {
    let s = Scope::new("lock-killed");
    let file = s.config(
        "k.yml",
        "{p}slow:\n  image: paunch-test/busybox:1\n  command: [sh, -c, 'sleep 5']\n  detach: false\n",
    );
    let f = file.to_str().unwrap();
    let dir = s.dir.path().join("locks");
    let d = dir.to_str().unwrap();
    let mut holder = spawn_apply(&s, f, d, &[]);
    let slow = s.name("slow");
    wait_until(20, "the blocking container to run", || {
        exists(&slow) && running(&slow)
    });
    holder.kill().unwrap();
    let _ = holder.wait();
    let out = spawn_apply(&s, f, d, &["--lock-timeout", "2"])
        .wait_with_output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The blocking container the killed apply started was waited for.
    assert!(stdout.contains("wait"), "{stdout}");
}

#[test]
fn an_unreachable_engine_is_one_clear_error() {
    let s = Scope::new("unreachable");
    let file = s.config("u.yml", "{p}one:\n  image: paunch-test/busybox:1\n");
    let f = file.to_str().unwrap().to_string();
    let mut cases: Vec<(&str, &str, &str)> = vec![("PATH", "/nonexistent", "not found on PATH")];
    // podman has no daemon to be unreachable (its CONTAINER_HOST is for
    // podman --remote only).
    if !is_podman() {
        cases.push((
            "DOCKER_HOST",
            "unix:///nonexistent.sock",
            "docker is unreachable",
        ));
    }
    for (key, value, want) in cases {
        for args in [
            vec!["apply", "--file", &f, "--config-id", "c1"],
            vec!["plan", "--file", &f, "--config-id", "c1"],
            vec!["list"],
            vec!["cleanup"],
        ] {
            let started = Instant::now();
            let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            all.extend(["--managed-by".into(), s.managed_by.clone()]);
            let out = Paunch::new().env(key, value).run(&all);
            assert_eq!(out.code, 5, "{key}={value} {args:?}: {}", out.stderr);
            assert!(out.stderr.contains(want), "{}", out.stderr);
            assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
            assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "took {:?}",
                started.elapsed()
            );
        }
    }
}

#[test]
fn engine_errors_mid_apply_fail_those_steps_only() {
    let s = Scope::new("engine-errors");
    let port = 20000 + std::process::id() % 20000;
    let yaml = format!(
        "{{p}}port-a:
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 0
  ports: ['127.0.0.1:{port}:8080']
{{p}}port-b:
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 0
  ports: ['127.0.0.1:{port}:8080']
{{p}}badvol:
  image: paunch-test/busybox:1
  command: sleep 3600
  volumes: ['{{p}}vol:relative/path']
{{p}}badcmd:
  image: paunch-test/busybox:1
  command: /nonexistent
{{p}}good:
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 0
  start_order: 1
"
    );
    let file = s.config("e.yml", &yaml);
    let out = s
        .paunch(&[
            "apply",
            "--file",
            file.to_str().unwrap(),
            "--config-id",
            "c1",
        ])
        .code(1);
    let failed = out
        .stdout
        .split("Failed:")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    assert!(
        out.stdout.contains("Apply failed: 3 steps failed"),
        "{}",
        out.stdout
    );
    // docker: "port is already allocated"; podman: "address already in use".
    let port_taken = if is_podman() {
        "already in use"
    } else {
        "already allocated"
    };
    // The two entries race for one port (a group's creates run together):
    // exactly one of them has it, the other failed.
    let (winner, loser) = if running(&s.name("port-a")) {
        ("port-a", "port-b")
    } else {
        ("port-b", "port-a")
    };
    assert!(running(&s.name(winner)), "neither has the port: {failed}");
    for (name, engine_says) in [
        (loser, port_taken),
        ("badvol", "absolute"),
        ("badcmd", "/nonexistent"),
    ] {
        assert!(
            failed.contains(&format!("create {}", s.name(name))),
            "{name}: {failed}"
        );
        assert!(
            failed.contains(engine_says),
            "{name}: engine message missing: {failed}"
        );
    }
    // The summary's line for a failed step leads with the engine's error,
    // not with what podman says of its environment first ("failed to
    // connect to syslog", a /run/systemd/private line).
    let line = failed
        .lines()
        .find(|l| l.contains(&format!("create {}", s.name(loser))))
        .unwrap_or_default();
    assert!(line.contains(port_taken), "noise first: {line:?}\n{failed}");
    assert!(!failed.contains("syslog"), "{failed}");
    assert!(
        running(&s.name("good")),
        "an independent later step did not run"
    );
    let _ = engine(&["volume", "rm", &s.name("vol")]);
}
