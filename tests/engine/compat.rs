//! A host can switch between the original Python paunch 4.5.1 and this
//! tool without a container being recreated, both ways. Skipped, saying
//! why, where the original cannot be installed.

use crate::support::*;
use std::process::Command;

/// Keys of the original's format whose engine arguments the engine accepts
/// from both tools.
const CONFIG: &str = "{p}svc:
  image: paunch-test/busybox:1
  command: sleep 3600
  environment:
    - LANG=C
    - EMPTY=
  net: bridge
  privileged: false
  restart: unless-stopped
  user: root
  log_tag: '{p}svc'
  cpu_shares: 512
  mem_limit: 64m
  security_opt: label=disable
  stop_signal: SIGKILL
  stop_grace_period: 1
  cap_add: [NET_ADMIN]
  cap_drop: [MKNOD]
  ulimit: [nofile=1024:2048]
  healthcheck:
    test: /bin/true
    interval: 30s
  volumes:
    - /tmp:/host-tmp:ro
{p}job:
  image: paunch-test/busybox:1
  command: [sh, -c, 'echo done']
  detach: false
  start_order: 1
  tty: false
";

fn original(bin: &std::path::Path, args: &[&str]) {
    // The original takes --default-runtime per command, after it.
    let out = Command::new(bin)
        .args(args)
        .args(["--default-runtime", "docker"])
        .output()
        .expect("original paunch runs");
    assert!(
        out.status.success(),
        "original paunch {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The original always labels `managed_by=paunch`; make sure no other
/// container on this host has that label, or skip.
fn host_has_other_paunch_containers(prefix: &str) -> bool {
    let out = engine_ok(&[
        "ps",
        "-a",
        "--filter",
        "label=managed_by=paunch",
        "--format",
        "{{.Names}}",
    ]);
    out.lines().any(|n| !n.starts_with(prefix))
}

#[test]
fn switching_tools_recreates_nothing() {
    if docker_only(
        "the original 4.5.1 on podman pulls every image podman already has (base.py:270 compares a bool with 0), which needs a registry serving the test image",
    ) {
        return;
    }
    let orig = match original_paunch() {
        Ok(b) => b,
        Err(why) => {
            eprintln!("SKIPPED: the original paunch 4.5.1 cannot be installed here: {why}");
            return;
        }
    };
    let s = Scope::new("compat");
    if host_has_other_paunch_containers(&s.prefix) {
        eprintln!(
            "SKIPPED: this host has other containers managed by \"paunch\"; the original cannot be confined to its own"
        );
        return;
    }
    let file = s.config("compat.yml", CONFIG);
    let f = file.to_str().unwrap();
    let (svc, job) = (s.name("svc"), s.name("job"));
    let ours = |args: &[&str]| {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.extend(["--managed-by".into(), "paunch".into()]);
        paunch(&all, &[])
    };
    let cleanup = || {
        let _ = Command::new("docker")
            .args(["rm", "-f", &svc, &job])
            .output();
    };

    // The original creates; we converge without recreating.
    original(&orig, &["apply", "--file", f, "--config-id", "c1"]);
    let ids = (id_of(&svc), id_of(&job));
    let out = ours(&["apply", "--file", f, "--config-id", "c1"]).ok();
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);
    assert_eq!((id_of(&svc), id_of(&job)), ids);
    assert!(running(&svc));

    // Our labels are byte-identical to the original's.
    let original_label = label(&svc, "config_data").unwrap();
    cleanup();
    ours(&["apply", "--file", f, "--config-id", "c1"]).ok();
    assert_eq!(label(&svc, "config_data").unwrap(), original_label);

    // We create; the original converges without recreating.
    let ids = (id_of(&svc), id_of(&job));
    original(&orig, &["apply", "--file", f, "--config-id", "c1"]);
    assert_eq!((id_of(&svc), id_of(&job)), ids);
    assert!(running(&svc));

    // The original lists ours as its own.
    let out = Command::new(&orig)
        .args(["list", "-f", "json", "--default-runtime", "docker"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains(&svc), "{listed}");

    ours(&["delete", "c1"]).ok();
    assert!(!exists(&svc) && !exists(&job));
    cleanup();
}
