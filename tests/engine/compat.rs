//! A host can switch between the original Python paunch 4.5.1 and this
//! tool without a container being recreated, both ways. Skipped, saying
//! why, where the original cannot be installed.

use crate::support::registry::Registry;
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
        "switching_tools_on_podman_recreates_nothing covers podman (the original's podman path needs a registry)",
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
        let _ = engine(&["rm", "-f", &svc, &job]);
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

/// The same on podman, the original's own runtime. Its podman path pulls
/// exactly the images podman already has (`builder/base.py:270` compares
/// `image_exist()`, a bool, with 0), so the image here comes from a real
/// registry that answers those pulls. The configuration leaves out what
/// the original cannot run on podman 4.3: `restart` (it runs `podman
/// create --detach`, which podman 4.3 refuses) and `log_tag` (podman's
/// default log driver takes no tag).
#[test]
fn switching_tools_on_podman_recreates_nothing() {
    if !is_podman() {
        eprintln!(
            "podman only, skipped on docker: switching_tools_recreates_nothing covers docker"
        );
        return;
    }
    let orig = match original_paunch() {
        Ok(b) => b,
        Err(why) => {
            eprintln!("SKIPPED: the original paunch 4.5.1 cannot be installed here: {why}");
            return;
        }
    };
    let s = Scope::new("compat-podman");
    if host_has_other_paunch_containers(&s.prefix) {
        eprintln!(
            "SKIPPED: this host has other containers managed by \"paunch\"; the original cannot be confined to its own"
        );
        return;
    }
    let registry = Registry::start();
    let image = registry.push(IMAGE, "paunch-test/busybox:1");
    let conf = registry.registries_conf();
    let conf = conf.to_str().unwrap();
    let file = s.config(
        "compat.yml",
        &format!(
            "{{p}}svc:
  image: {image}
  command: sleep 3600
  environment:
    - LANG=C
    - EMPTY=
  net: bridge
  privileged: false
  user: root
  cpu_shares: 512
  mem_limit: 64m
  security_opt: label=disable
  stop_signal: SIGKILL
  stop_grace_period: 1
  cap_add: [NET_ADMIN]
  cap_drop: [MKNOD]
  ulimit: [nofile=1024:2048, nproc=4096:8192]
  healthcheck:
    test: /bin/true
    interval: 30s
  volumes:
    - /tmp:/host-tmp:ro
{{p}}job:
  image: {image}
  command: [sh, -c, 'echo done']
  detach: false
  start_order: 1
  tty: false
"
        ),
    );
    let f = file.to_str().unwrap();
    let (svc, job) = (s.name("svc"), s.name("job"));
    let env: Vec<(&str, String)> = engine_env()
        .into_iter()
        .chain([("CONTAINERS_REGISTRIES_CONF", conf.to_string())])
        .collect();
    let original = |args: &[&str]| {
        let out = Command::new(&orig)
            .args(args)
            .args(["--default-runtime", "podman"])
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("original paunch runs");
        assert!(
            out.status.success(),
            "original paunch {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let ours = |args: &[&str]| {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.extend(["--managed-by".into(), "paunch".into()]);
        paunch(&all, &[("CONTAINERS_REGISTRIES_CONF", conf)])
    };
    let cleanup = || {
        let _ = engine(&["rm", "-f", "--time=0", &svc, &job]);
    };

    // The original creates; we converge without recreating.
    original(&["apply", "--file", f, "--config-id", "c1"]);
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
    original(&["apply", "--file", f, "--config-id", "c1"]);
    assert_eq!((id_of(&svc), id_of(&job)), ids);
    assert!(running(&svc));

    // The original lists ours as its own.
    let listed = original(&["list", "-f", "json"]);
    assert!(listed.contains(&svc), "{listed}");

    ours(&["delete", "c1"]).ok();
    assert!(!exists(&svc) && !exists(&job));
    cleanup();
}
