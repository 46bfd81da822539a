//! `apply --rollback`: a failed apply brings back what it replaced or
//! deleted (same `config_data` label, old environment, running, from the
//! old image by ID even once untagged) and removes what it created; the
//! next plan shows the same change again. A rollback step that fails is
//! reported once; SIGTERM during a rollback finishes the step in flight.

use crate::support::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn env_of(name: &str) -> Vec<String> {
    inspect(name)["Config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn rollback_restores_replaced_and_deleted_and_removes_created() {
    let s = Scope::new("rollback");
    let v1 = s.config(
        "v1.yml",
        "{p}web:
  {service}
  environment: [MODE=old]
{p}legacy:
  {service}
",
    );
    s.apply(&v1, "c1").ok();
    let (web, legacy, extra) = (s.name("web"), s.name("legacy"), s.name("extra"));
    let web_label = label(&web, "config_data").unwrap();
    let legacy_label = label(&legacy, "config_data").unwrap();
    let old_web_id = id_of(&web);

    // v2: web changes and crashes, legacy is gone, extra is new.
    let v2 = s.config(
        "v2.yml",
        "{p}web:
  image: {image}
  command: [sh, -c, 'echo MODE=new cannot start >&2; exit 3']
  stop_grace_period: 1
  environment: [MODE=new]
{p}extra:
  {service}
",
    );
    let f = v2.to_str().unwrap();
    let run = s
        .paunch(&["apply", "--file", f, "--config-id", "c1", "--rollback"])
        .code(1);
    let out = &run.stdout;
    assert!(out.contains("Apply failed"), "{out}");
    assert!(out.contains("MODE=new cannot start"), "{out}");
    assert!(out.contains("Rollback of the failed apply"), "{out}");
    assert!(out.contains("Rolled back: 3 steps done"), "{out}");
    assert!(
        out.contains("the next plan shows the same change again"),
        "{out}"
    );

    // web is back as it was: its label, its environment, running.
    assert_ne!(id_of(&web), old_web_id, "recreated, not the same container");
    assert_eq!(label(&web, "config_data").unwrap(), web_label);
    assert!(env_of(&web).contains(&"MODE=old".to_string()));
    assert!(running(&web));
    // legacy is back, extra is gone.
    assert_eq!(label(&legacy, "config_data").unwrap(), legacy_label);
    assert!(running(&legacy));
    assert!(!exists(&extra));

    // The configuration did not change: the next plan shows it all again.
    let plan = s
        .paunch(&[
            "plan",
            "--file",
            f,
            "--config-id",
            "c1",
            "--detailed-exitcode",
        ])
        .code(2);
    assert!(
        plan.stdout
            .contains("Plan: 1 to create, 1 to replace, 1 to delete"),
        "{}",
        plan.stdout
    );
    // And the old configuration is what runs: nothing to do for it.
    let back = s.plan(&v1, "c1").ok();
    assert!(back.stdout.contains("No changes"), "{}", back.stdout);
}

#[test]
fn rollback_recreates_from_the_old_image_once_untagged() {
    let s = Scope::new("rollback-image");
    let pid = std::process::id();
    let (tag_a, tag_b) = (
        format!("paunch-test/rollback-a-{pid}:1"),
        format!("paunch-test/rollback-b-{pid}:1"),
    );
    let shared = format!("paunch-test/rollback-{pid}:1");
    ensure_image(&tag_a, &[("etc/variant", "a")]);
    ensure_image(&tag_b, &[("etc/variant", "b")]);
    let id_a = engine_ok(&["image", "inspect", "--format", "{{.Id}}", &tag_a]);
    engine_ok(&["tag", &tag_a, &shared]);
    engine_ok(&["rmi", &tag_a]);

    let yaml = |command: &str| {
        format!(
            "{{p}}app:
  image: {shared}
  command: {command}
  stop_grace_period: 1
"
        )
    };
    let v1 = s.config("v1.yml", &yaml("sleep 3600"));
    s.apply(&v1, "c1").ok();
    let app = s.name("app");
    assert_eq!(inspect(&app)["Image"], id_a.as_str());

    // The tag moves to image b: image a has no tag left.
    engine_ok(&["tag", &tag_b, &shared]);
    let tags = engine_ok(&["image", "inspect", "--format", "{{json .RepoTags}}", &id_a]);
    assert_eq!(tags, "[]", "image a is untagged");

    let v2 = s.config("v2.yml", &yaml("[sh, -c, 'exit 4']"));
    let f = v2.to_str().unwrap();
    let run = s
        .paunch(&["apply", "--file", f, "--config-id", "c1", "--rollback"])
        .code(1);
    assert!(run.stdout.contains("Rolled back"), "{}", run.stdout);
    let restored = inspect(&app);
    assert_eq!(restored["Image"], id_a.as_str(), "created from a's ID");
    assert_eq!(restored["State"]["Running"], true);

    s.cleanup();
    for image in [&shared, &tag_b, &id_a] {
        let _ = engine(&["rmi", image]);
    }
}

#[test]
fn a_failing_rollback_step_is_reported_once() {
    let s = Scope::new("rollback-fails");
    // A free loopback port for the old container.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let v1 = s.config(
        "v1.yml",
        &format!(
            "{{p}}svc:
  {{service}}
  ports: ['127.0.0.1:{port}:80']
"
        ),
    );
    s.apply(&v1, "c1").ok();
    // Once the apply frees the port, something else takes it, so the old
    // container cannot come back.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let grabber = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            loop {
                if let Ok(l) = std::net::TcpListener::bind(("127.0.0.1", port)) {
                    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    drop(l);
                    return;
                }
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        })
    };
    let v2 = s.config(
        "v2.yml",
        "{p}svc:
  image: {image}
  command: [sh, -c, 'exit 5']
  stop_grace_period: 1
",
    );
    let f = v2.to_str().unwrap();
    let run = s
        .paunch(&["apply", "--file", f, "--config-id", "c1", "--rollback"])
        .code(1);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    grabber.join().unwrap();
    let out = &run.stdout;
    assert!(out.contains("Rollback failed"), "{out}");
    assert!(out.contains("address already in use"), "{out}");
    assert!(out.contains("partly rolled back"), "{out}");
    assert_eq!(
        out.matches("Rollback of the failed apply").count(),
        1,
        "one rollback, no loop: {out}"
    );
    // With the port free again, a plain apply of v1 converges.
    s.apply(&v1, "c1").ok();
    assert!(running(&s.name("svc")));
    assert!(s.plan(&v1, "c1").ok().stdout.contains("No changes"));
}

#[test]
fn sigterm_during_a_rollback_finishes_the_step_in_flight() {
    let s = Scope::new("rollback-term");
    let yaml = |mode: &str, crash: bool| {
        let b_command = if crash {
            "[sh, -c, 'exit 6']"
        } else {
            "sleep 3600"
        };
        format!(
            "{{p}}a:
  image: {IMAGE}
  command: sleep 3600
  stop_grace_period: 2
  environment: [MODE={mode}]
{{p}}b:
  image: {IMAGE}
  command: {b_command}
  stop_grace_period: 2
  start_order: 1
  environment: [MODE={mode}]
"
        )
    };
    let v1 = s.config("v1.yml", &yaml("old", false));
    s.apply(&v1, "c1").ok();
    let v2 = s.config("v2.yml", &yaml("new", true));
    let mut child = paunch_command()
        .args([
            "apply",
            "--file",
            v2.to_str().unwrap(),
            "--config-id",
            "c1",
            "--rollback",
            "--managed-by",
            &s.managed_by,
        ])
        .env("PAUNCH_LOCK_DIR", test_lock_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut seen = String::new();
    let mut lines = BufReader::new(stdout).lines();
    // SIGTERM once the rollback's plan is printed and its first step (a's
    // new container out, the old one back: 2 s of stop) is under way.
    let mut rolling_back = false;
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        rolling_back |= line.contains("Rollback of the failed apply");
        if rolling_back && line.starts_with("Plan:") {
            std::thread::sleep(std::time::Duration::from_millis(500));
            Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .unwrap();
            break;
        }
    }
    for line in lines {
        seen.push_str(&line.unwrap());
        seen.push('\n');
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{seen}");
    assert!(seen.contains("Rollback interrupted"), "{seen}");
    assert!(seen.contains("Left undone"), "{seen}");
    // The step in flight finished: a is back as it was, running.
    let a = s.name("a");
    assert!(env_of(&a).contains(&"MODE=old".to_string()), "{seen}");
    assert!(running(&a));
    // b's rollback did not start: its new (crashed) container is there.
    assert!(env_of(&s.name("b")).contains(&"MODE=new".to_string()));
    // A plain apply of v1 converges.
    s.apply(&v1, "c1").ok();
    assert!(env_of(&s.name("b")).contains(&"MODE=old".to_string()));
    assert!(running(&s.name("b")));
}

/// A container that joins a restored one's network is replaced after it
/// (docker keeps it in the removed container's namespace otherwise; podman
/// removed it with the container it joined), and the next plan of the old
/// file changes nothing.
#[test]
fn a_rollback_replaces_what_joins_what_it_restores() {
    let s = Scope::new("rollback-joiner");
    let config = |check: &str| {
        format!(
            "{{p}}aa:
  {{service}}
  healthcheck: {{test: '{check}', interval: 250ms, retries: 1}}
{{p}}bb:
  {{service}}
  net: container:{{p}}aa
  start_order: 1
"
        )
    };
    let v1 = s.config("v1.yml", &config("true"));
    let f1 = v1.to_str().unwrap();
    s.paunch(&["apply", "--file", f1, "--config-id", "c1", "--wait"])
        .ok();
    let v2 = s.config("v2.yml", &config("false"));
    let f2 = v2.to_str().unwrap();
    let run = s
        .paunch(&[
            "apply",
            "--file",
            f2,
            "--config-id",
            "c1",
            "--rollback",
            "--wait-timeout",
            "20",
        ])
        .code(1);
    let (aa, bb) = (s.name("aa"), s.name("bb"));
    let net = inspect(&bb)["HostConfig"]["NetworkMode"]
        .as_str()
        .unwrap()
        .to_string();
    let aa_id = id_of(&aa);
    assert!(
        net == format!("container:{aa_id}") || net == format!("container:{aa}"),
        "{bb} joins {net}, not the restored {aa} ({aa_id}):\n{}",
        run.stdout
    );
    assert!(running(&bb), "{}", run.stdout);
    let again = s.paunch(&[
        "plan",
        "--file",
        f1,
        "--config-id",
        "c1",
        "--detailed-exitcode",
    ]);
    assert_eq!(
        again.code, 0,
        "the old file's plan changes:\n{}",
        again.stdout
    );
}

/// A blocking job that ran to completion stays (what it did cannot be
/// undone, and removing it would make the next apply run it again), and a
/// restored container runs from its own image reference while that still
/// names its image, so `list` and `ps` show what the configuration says.
#[test]
fn a_rollback_keeps_a_completed_job_and_restores_by_reference() {
    let s = Scope::new("rollback-job");
    let web = |cmd: &str| {
        format!(
            "{{p}}web:\n  image: {IMAGE}\n  command: {cmd}\n  stop_grace_period: 0\n  start_order: 1\n"
        )
    };
    let v1 = s.config("v1.yml", &web("sleep 3600"));
    s.apply(&v1, "c1").ok();
    let job =
        "{p}migrate:\n  image: {image}\n  command: [sh, -c, 'echo migrated']\n  detach: false\n"
            .to_string();
    let v2 = s.config("v2.yml", &(job + &web("[sh, -c, 'exit 3']")));
    let f2 = v2.to_str().unwrap();
    let run = s
        .paunch(&["apply", "--file", f2, "--config-id", "c1", "--rollback"])
        .code(1);
    assert!(
        exists(&s.name("migrate")),
        "the completed job was removed:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("ran to completion"), "{}", run.stdout);
    let image = inspect(&s.name("web"))["Config"]["Image"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(image.ends_with(IMAGE), "restored from {image}, not {IMAGE}");
    assert!(running(&s.name("web")));
}

/// `--rollback` waits for what it restores: a restored container that
/// does not come up makes the host partly rolled back, not "rolled back".
#[test]
fn a_rollback_waits_for_what_it_restores() {
    let events: Vec<serde_json::Value> = restored_but_down("rollback-wait-json", true)
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .collect();
    let summary = events
        .iter()
        .find(|v| v["event"] == "summary")
        .expect("a summary event");
    assert_eq!(summary["rollback"]["success"], false, "{summary}");
    // One event per step, and an ID names one step in the whole run: the
    // rollback's steps are numbered after the apply's.
    let ids: Vec<u64> = events
        .iter()
        .filter(|v| v["event"] == "step")
        .map(|v| v["id"].as_u64().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert!(ids.len() >= 2 && unique.len() == ids.len(), "{ids:?}");
    let plans: Vec<&serde_json::Value> = events.iter().filter(|v| v["event"] == "plan").collect();
    assert_eq!(plans.len(), 2, "the apply's plan, then the rollback's");
    let last_apply_id = plans[0]["plan"]["steps"].as_array().unwrap().len() as u64;
    assert!(
        plans[1]["plan"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"].as_u64().unwrap() > last_apply_id),
        "{}",
        plans[1]
    );
    let text = restored_but_down("rollback-wait-text", false).stdout;
    assert!(text.contains("partly rolled back"), "{text}");
    assert!(
        !text.contains("the next plan shows the same change again"),
        "{text}"
    );
}

/// A failed apply whose rollback restores a container that then exits
/// (the flag file it needs is gone by then).
fn restored_but_down(test: &str, json: bool) -> Run {
    let s = Scope::new(test);
    let flag = s.dir.path().join("h");
    std::fs::create_dir_all(&flag).unwrap();
    std::fs::write(flag.join("flag"), "").unwrap();
    let web = |cmd: &str| {
        format!(
            "{{p}}web:\n  image: {IMAGE}\n  command: {cmd}\n  stop_grace_period: 0\n  volumes: ['{}:/h']\n",
            flag.display()
        )
    };
    let v1 = s.config(
        "v1.yml",
        &web("[sh, -c, 'test -f /h/flag && exec sleep 3600']"),
    );
    let f1 = v1.to_str().unwrap();
    s.paunch(&["apply", "--file", f1, "--config-id", "c1", "--wait"])
        .ok();
    std::fs::remove_file(flag.join("flag")).unwrap();
    let v2 = s.config("v2.yml", &web("[sh, -c, 'exit 3']"));
    let f2 = v2.to_str().unwrap();
    let mut args = vec!["apply", "--file", f2, "--config-id", "c1", "--rollback"];
    if json {
        args.extend(["--format", "json"]);
    }
    s.paunch(&args).code(1)
}
