//! What an operator's first hour with the tool broke on a real host (each
//! reproduced on a real engine before it was fixed): an interrupt during a
//! replacement, containers sharing another's namespaces, `debug --action
//! run`, a failed blocking container, relative paths in a saved plan,
//! `dump-json` as a `--file`, and an edited saved plan.

use crate::support::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn env_of(name: &str) -> Vec<String> {
    inspect(name)["Config"]["Env"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// SPEC §15: a replacement is one step. An interrupt while the old
/// container stops must not leave the service without a container.
#[test]
fn an_interrupt_during_a_replacement_finishes_it() {
    let s = Scope::new("int-replace");
    let yaml = |v: &str| {
        format!(
            "{{p}}svc:
  image: {IMAGE}
  command: sleep 3600
  stop_grace_period: 1
  environment: [VERSION={v}]
"
        )
    };
    let file = s.config("a.yml", &yaml("1"));
    let f = file.to_str().unwrap();
    s.apply(f, "c1").ok();
    let old = id_of(&s.name("svc"));
    s.config("a.yml", &yaml("2"));
    for signal in ["-INT", "-TERM"] {
        let child = s
            .paunch_command()
            .args(["apply", "--file", f, "--config-id", "c1"])
            .args(["--managed-by", &s.managed_by])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The plan is printed when execution starts; `sleep` as PID 1
        // ignores SIGTERM, so the old container's stop then takes its full
        // second: the signal comes in the middle of it, however long
        // observing took.
        let mut child = child;
        let mut lines =
            std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
        let mut stdout = String::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            stdout.push_str(&line);
            stdout.push('\n');
            if line.starts_with("Plan:") {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(300));
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        for line in lines {
            stdout.push_str(&line.unwrap());
            stdout.push('\n');
        }
        let out = child.wait_with_output().unwrap();
        let svc = s.name("svc");
        assert!(exists(&svc), "{signal}: no container left:\n{stdout}");
        assert!(running(&svc), "{signal}: {stdout}");
        if signal == "-INT" {
            // The replacement was under way: finished, then exit 130.
            assert_eq!(out.status.code(), Some(130), "{stdout}");
            assert_ne!(id_of(&svc), old);
            assert!(env_of(&svc).contains(&"VERSION=2".to_string()));
            s.config("a.yml", &yaml("3"));
        } else {
            assert!(env_of(&svc).contains(&"VERSION=3".to_string()), "{stdout}");
        }
    }
    assert_eq!(s.managed(), [s.name("svc")]);
}

/// SPEC §15: containers that join another's namespaces and volumes follow
/// it when it is replaced, and join this config ID's container.
#[test]
fn containers_joining_a_replaced_one_are_replaced_after_it() {
    let s = Scope::new("joins");
    let yaml = |v: &str| {
        format!(
            "{{p}}op-srv:
  {{service}}
  volumes: [/shared]
  environment: [VERSION={v}]
{{p}}op-side:
  {{service}}
  net: container:{{p}}op-srv
  volumes_from: ['{{p}}op-srv:ro']
"
        )
    };
    let file = s.config("j.yml", &yaml("1"));
    let f = file.to_str().unwrap();
    s.apply(f, "c1").ok();
    let (srv, side) = (s.name("op-srv"), s.name("op-side"));
    let joined = |side: &str| inspect(side)["HostConfig"]["NetworkMode"].clone();
    assert_eq!(joined(&side), format!("container:{}", id_of(&srv)));

    s.config("j.yml", &yaml("2"));
    let run = s.apply(f, "c1").ok();
    assert!(
        run.stdout.contains(&format!("{srv} was replaced")),
        "{}",
        run.stdout
    );
    assert_eq!(joined(&side), format!("container:{}", id_of(&srv)));
    assert!(running(&side));
    let mounts = inspect(&side)["Mounts"].to_string();
    let srv_mounts = inspect(&srv)["Mounts"].to_string();
    let volume = |m: &str| {
        let v: serde_json::Value = serde_json::from_str(m).unwrap();
        v[0]["Name"].as_str().unwrap_or_default().to_string()
    };
    assert_eq!(volume(&mounts), volume(&srv_mounts), "the new volumes");
    // Converged: nothing to do the next time.
    let again = s.plan(f, "c1").ok();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);

    // Under a second config ID the names are taken: its side container
    // joins its own server, not the first config ID's.
    s.apply(f, "c2").ok();
    let names = s.managed();
    let srv2 = names
        .iter()
        .find(|n| n.starts_with(&format!("{srv}-")))
        .expect("a suffixed op-srv");
    let side2 = names
        .iter()
        .find(|n| n.starts_with(&format!("{side}-")))
        .expect("a suffixed op-side");
    assert_eq!(joined(side2), format!("container:{}", id_of(srv2)));
}

/// SPEC §15: `debug --action run` runs attached, exits with the
/// container's code, and leaves nothing apply would count as its own.
#[test]
fn debug_run_is_attached_and_leaves_nothing() {
    let s = Scope::new("debug-run");
    let file = s.config(
        "d.yml",
        "{p}hello:
  image: {image}
  command: [sh, -c, 'echo hello from debug; exit 3']
{p}poke:
  action: exec
  command: ['{p}hello', 'true']
",
    );
    let f = file.to_str().unwrap();
    let hello = s.name("hello");
    let run = s
        .paunch(&[
            "debug",
            "--file",
            f,
            "--container",
            &hello,
            "--action",
            "run",
        ])
        .code(3);
    assert!(run.stdout.contains("hello from debug"), "{run:?}");
    let left = engine_ok(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=paunch_debug={hello}"),
    ]);
    assert_eq!(left, "", "the debug container is removed");
    assert!(s.managed().is_empty());
    // The real apply gets the entry's own name, not a suffixed one.
    let file = s.config("d.yml", "{p}hello:\n  {service}\n");
    s.apply(&file, "c1").ok();
    assert_eq!(s.managed(), [hello]);
}

/// SPEC §15: a blocking container whose last run failed runs again; one
/// that succeeded is left alone.
#[test]
fn a_failed_blocking_container_runs_again() {
    let s = Scope::new("blocking-failed");
    let file = s.config(
        "b.yml",
        "{p}migrate:
  image: {image}
  command: [sh, -c, 'test -e /tmp/ok || exit 3']
  detach: false
{p}fine:
  image: {image}
  command: 'true'
  detach: false
",
    );
    let f = file.to_str().unwrap();
    let first = s
        .paunch(&["apply", "--file", f, "--config-id", "c1"])
        .code(1);
    assert!(first.stdout.contains("exited with 3"), "{}", first.stdout);
    let (migrate, fine) = (id_of(&s.name("migrate")), id_of(&s.name("fine")));
    let second = s
        .paunch(&["apply", "--file", f, "--config-id", "c1"])
        .code(1);
    assert!(
        second
            .stdout
            .contains("its last run exited with 3, not one of its exit_codes"),
        "{}",
        second.stdout
    );
    assert_ne!(id_of(&s.name("migrate")), migrate, "ran again");
    assert_eq!(id_of(&s.name("fine")), fine, "left alone");
}

/// SPEC §15: relative host paths mean the directory the plan was made in,
/// wherever `apply --plan` runs.
#[test]
fn relative_paths_in_a_saved_plan_keep_their_meaning() {
    let s = Scope::new("relative");
    let made_in = s.dir.path().join("made-in");
    std::fs::create_dir_all(made_in.join("data")).unwrap();
    std::fs::write(
        made_in.join("c.yml"),
        format!(
            "{p}writer:
  image: {IMAGE}
  command: [sh, -c, 'echo written > /data/out']
  detach: false
  volumes: ['./data:/data']
",
            p = s.prefix
        ),
    )
    .unwrap();
    let run_in = s.dir.path().join("elsewhere");
    std::fs::create_dir_all(&run_in).unwrap();
    let paunch_in = |dir: &Path, args: &[&str]| {
        let out = s
            .paunch_command()
            .args(args)
            .args(["--managed-by", &s.managed_by])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    paunch_in(
        &made_in,
        &[
            "plan",
            "--file",
            "c.yml",
            "--config-id",
            "c1",
            "--out",
            "p.json",
        ],
    );
    let plan = made_in.join("p.json");
    // apply --plan takes no --managed-by of its own; the plan carries it.
    let out = s
        .paunch_command()
        .args(["apply", "--plan", plan.to_str().unwrap()])
        .current_dir(&run_in)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        std::fs::read_to_string(made_in.join("data/out")).unwrap(),
        "written\n"
    );
    assert!(!run_in.join("data").exists());
}

/// SPEC §15: `debug --action dump-json` is a valid `--file` that builds the
/// same engine command as the YAML it came from (`restart: no` is `false`
/// in JSON and still `--restart=no`).
#[test]
fn dump_json_is_a_valid_file_with_the_same_command() {
    let s = Scope::new("dump-json");
    let file = s.config(
        "y.yml",
        "{p}web:
  image: {image}
  command: sleep 3600
  restart: no
  stop_grace_period: 1
  environment: {MODE: fast, DEBUG: true, RETRIES: 3}
  healthcheck: {test: 'true', interval: 30}
",
    );
    let f = file.to_str().unwrap();
    let web = s.name("web");
    let dumped = s
        .paunch(&[
            "debug",
            "--file",
            f,
            "--container",
            &web,
            "--action",
            "dump-json",
        ])
        .ok()
        .stdout;
    let json = s.dir.path().join("web.json");
    std::fs::write(&json, &dumped).unwrap();
    let j = json.to_str().unwrap();
    let cmd = |file: &str| {
        s.paunch(&["debug", "--file", file, "--container", &web])
            .ok()
            .stdout
    };
    assert_eq!(cmd(j), cmd(f));
    s.apply(j, "c1").ok();
    assert_eq!(inspect(&web)["HostConfig"]["RestartPolicy"]["Name"], "no");
    // The YAML it came from is the same configuration: nothing to do.
    let plan = s.plan(f, "c1").ok();
    assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
}

/// SPEC §15: a saved plan edited with a recomputed checksum is refused;
/// `show -v` prints the engine commands a reviewer approves.
#[test]
fn an_edited_plan_with_a_recomputed_checksum_is_refused() {
    let s = Scope::new("edited-plan");
    let file = s.config("e.yml", "{p}web:\n  {service}\n");
    let plan = s.dir.path().join("p.json");
    let p = plan.to_str().unwrap();
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
    let shown = paunch(&["show", "-v", p]);
    assert_eq!(shown.code, 0, "{shown:?}");
    assert!(
        shown
            .stdout
            .contains(&format!("$ {} run '--name=", runtime()))
            && shown.stdout.contains("sleep 3600"),
        "{}",
        shown.stdout
    );

    // What 15 lines of Python did: add an argument, recompute the checksum.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    let obj = doc.as_object_mut().unwrap();
    obj.remove("checksum");
    let argv = obj["steps"][0]["argv"].as_array_mut().unwrap();
    argv.insert(2, "--env=SNEAKED=in".into());
    let sum = paunch::hash::sha256_canonical(&doc);
    doc.as_object_mut()
        .unwrap()
        .insert("checksum".into(), sum.into());
    std::fs::write(&plan, serde_json::to_string_pretty(&doc).unwrap()).unwrap();

    let run = paunch(&["apply", "--plan", p]).code(4);
    assert!(
        run.stderr.contains("not what its own configuration gives"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("step 1 (create"), "{}", run.stderr);
    assert!(s.managed().is_empty(), "nothing was touched");
    paunch(&["show", p]).code(4);
}

/// Two managed containers whose names were swapped by hand converge: one
/// moves aside, the other takes its name, then the first takes its own.
#[test]
fn swapped_names_converge() {
    let s = Scope::new("swapped");
    let file = s.config(
        "s.yml",
        "{p}alpha:\n  {service}\n\
             {p}beta:\n  {service}\n",
    );
    let f = file.to_str().unwrap();
    s.apply(f, "c1").ok();
    let (alpha, beta) = (s.name("alpha"), s.name("beta"));
    let (a, b) = (id_of(&alpha), id_of(&beta));
    let tmp = s.name("tmp");
    engine_ok(&["rename", &alpha, &tmp]);
    engine_ok(&["rename", &beta, &alpha]);
    engine_ok(&["rename", &tmp, &beta]);
    let run = s.apply(f, "c1").ok();
    assert!(run.stdout.contains("3 to rename"), "{}", run.stdout);
    assert_eq!((id_of(&alpha), id_of(&beta)), (a, b));
    let again = s.plan(f, "c1").ok();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}
