//! A host can switch between the original Python paunch 4.5.1 and this
//! tool without a container being recreated, both ways. Skipped, saying
//! why, where the original cannot be installed.

use crate::support::registry::Registry;
use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Keys of the original's format whose engine arguments the engine accepts
/// from both tools.
const CONFIG: &str = "{p}svc:
  image: {image}
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
  image: {image}
  command: [sh, -c, 'echo done']
  detach: false
  start_order: 1
  tty: false
";

/// The original, on `runtime`, with `env`; its stdout.
fn original(bin: &Path, runtime: &str, env: &[(&str, String)], args: &[&str]) -> String {
    // The original takes --default-runtime per command, after it.
    let out = Command::new(bin)
        .args(args)
        .args(["--default-runtime", runtime])
        .envs(engine_env())
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
}

/// Both ways on the engine under test: the original creates and paunch
/// changes nothing; paunch creates, with byte-identical labels, and the
/// original changes nothing and lists them as its own.
fn switch_both_ways(orig: &Path, s: &Scope, file: &Path, env: &[(&str, String)]) {
    let f = file.to_str().unwrap();
    let (svc, job) = (s.name("svc"), s.name("job"));
    let original = |args: &[&str]| original(orig, runtime(), env, args);
    let ours = |args: &[&str]| {
        let runner = env.iter().fold(Paunch::new(), |p, (k, v)| p.env(k, v));
        runner.run(&[args, &["--managed-by", "paunch"]].concat())
    };
    // The original labels them managed_by=paunch, which the scope does
    // not clean up: removed here, even when an assertion fails.
    let _guard = RemoveOnDrop(vec![svc.clone(), job.clone()]);
    let cleanup = || remove(&[&svc, &job]);

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

fn remove(names: &[&str]) {
    let mut rm = vec!["rm", "-f"];
    if is_podman() {
        rm.push("--time=0");
    }
    let _ = engine(&[rm.as_slice(), names].concat());
}

struct RemoveOnDrop(Vec<String>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        remove(&self.0.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

/// The original, or `None` (said on stderr) where it cannot be installed
/// or cannot be confined to this test's containers.
fn original_for(s: &Scope) -> Option<PathBuf> {
    let orig = match original_paunch() {
        Ok(b) => b,
        Err(why) => {
            eprintln!("SKIPPED: the original paunch 4.5.1 cannot be installed here: {why}");
            return None;
        }
    };
    if host_has_other_paunch_containers(&s.prefix) {
        eprintln!(
            "SKIPPED: this host has other containers managed by \"paunch\"; the original cannot be confined to its own"
        );
        return None;
    }
    Some(orig)
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
    let s = Scope::new("compat");
    let Some(orig) = original_for(&s) else { return };
    let file = s.config("compat.yml", CONFIG);
    switch_both_ways(&orig, &s, &file, &[]);
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
    let s = Scope::new("compat-podman");
    let Some(orig) = original_for(&s) else { return };
    let registry = Registry::start();
    let image = registry.push(IMAGE, IMAGE);
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
    let env = [("CONTAINERS_REGISTRIES_CONF", conf.to_string())];
    switch_both_ways(&orig, &s, &file, &env);
}
