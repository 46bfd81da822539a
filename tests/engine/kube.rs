//! Kubernetes Pods on a real engine: a Pod with an init container, a
//! server and a client sharing localhost, an emptyDir and a read-only
//! hostPath; what `podman kube generate` wrote, applied on docker; and the
//! exports, handed to their real consumers (kubernetes-validate, podman
//! kube play, docker-compose).

use crate::support::*;
use std::process::Command;

fn pod_yaml(s: &Scope, greeting: &str) -> std::path::PathBuf {
    let conf = s.dir.path().join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("site.txt"), "configured\n").unwrap();
    s.config(
        "pod.yaml",
        &format!(
            r#"apiVersion: v1
kind: Pod
metadata:
  name: {{p}}web
  labels: {{app: web}}
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: seed
    image: {IMAGE}
    command: [/bin/sh, -c, "echo seeded-by-init > /www/index.html"]
    volumeMounts:
    - {{name: www, mountPath: /www}}
  containers:
  - name: server
    image: {IMAGE}
    command: [/bin/busybox, httpd, -f, -p, "8080", -h, /www]
    env:
    - {{name: GREETING, value: {greeting}}}
    volumeMounts:
    - {{name: www, mountPath: /www}}
    - {{name: conf, mountPath: /conf, readOnly: true}}
  - name: client
    image: {IMAGE}
    command: [sleep, "100000"]
  volumes:
  - name: www
    emptyDir: {{}}
  - name: conf
    hostPath: {{path: {}, type: Directory}}
"#,
            conf.display()
        ),
    )
}

/// `paunch export --file FILE --config-id e1 --format FORMAT --out OUT`.
/// `paunch export --format FORMAT` of `file` to `out`; `format` may add
/// flags after the format (`kubernetes --pods`).
pub(crate) fn export(file: &str, format: &str, out: &std::path::Path) -> Run {
    let out = out.to_str().unwrap();
    let mut args = vec!["export", "--file", file, "--config-id", "e1", "--format"];
    args.extend(format.split(' '));
    args.extend(["--out", out]);
    paunch(&args).ok()
}

fn exec(name: &str, args: &[&str]) -> std::process::Output {
    engine_command()
        .arg("exec")
        .arg(name)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_pod_runs_shares_localhost_and_converges() {
    let s = Scope::new("kube-pod");
    let file = pod_yaml(&s, "hello");
    s.apply(&file, "k1").ok();
    let n = |c: &str| s.name(&format!("web-{c}"));
    for c in ["infra", "seed", "server", "client"] {
        assert!(exists(&n(c)), "{} missing", n(c));
    }
    // The init container ran to completion before the app containers.
    let seed = inspect(&n("seed"));
    assert_eq!(seed["State"]["ExitCode"], 0);
    let finished = seed["State"]["FinishedAt"].as_str().unwrap().to_string();
    let started = inspect(&n("server"))["State"]["StartedAt"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        finished <= started,
        "init finished {finished}, server started {started}"
    );
    // localhost reaches the sibling; the emptyDir holds what init wrote.
    wait_until(10, "httpd to answer", || {
        let out = exec(
            &n("client"),
            &["busybox", "wget", "-qO-", "http://localhost:8080/"],
        );
        String::from_utf8_lossy(&out.stdout).contains("seeded-by-init")
    });
    // The hostPath is mounted read-only.
    let out = exec(&n("server"), &["cat", "/conf/site.txt"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "configured\n");
    assert!(!exec(&n("server"), &["touch", "/conf/x"]).status.success());
    let server = inspect(&n("server"));
    assert!(
        server["Config"]["Env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "GREETING=hello")
    );
    assert_eq!(server["HostConfig"]["RestartPolicy"]["Name"], "always");
    assert_eq!(
        label(&n("server"), "paunch.pod").as_deref(),
        Some(s.name("web").as_str())
    );
    // Applied again: nothing changes, the same containers.
    let ids: Vec<String> = ["infra", "seed", "server", "client"]
        .iter()
        .map(|c| id_of(&n(c)))
        .collect();
    let again = s.apply(&file, "k1").ok().stdout;
    assert!(again.contains("No changes"), "{again}");
    // The env edited: only the server is replaced.
    let file = pod_yaml(&s, "bonjour");
    let out = s.apply(&file, "k1").ok().stdout;
    assert!(out.contains("Plan: 0 to create, 1 to replace"), "{out}");
    let after: Vec<String> = ["infra", "seed", "server", "client"]
        .iter()
        .map(|c| id_of(&n(c)))
        .collect();
    assert_eq!(ids[0], after[0]);
    assert_eq!(ids[1], after[1]);
    assert_ne!(ids[2], after[2]);
    assert_eq!(ids[3], after[3]);
    // Deleted: the emptyDir goes with the Pod's containers.
    let volume = inspect(&n("infra"))["Mounts"][0]["Name"]
        .as_str()
        .unwrap()
        .to_string();
    s.paunch(&["delete", "k1"]).ok();
    let left = engine_ok(&["volume", "ls", "-q"]);
    assert!(!left.lines().any(|v| v == volume), "volume {volume} left");
}

/// What `podman kube generate` wrote (tests/kube/podman-generate.yaml) is
/// applied on docker.
#[test]
fn podman_kube_generate_output_applies_on_docker() {
    let s = Scope::new("kube-gen");
    engine_ok(&["tag", IMAGE, "localhost/paunch-kube/busybox:1"]);
    let port = 20000 + std::process::id() % 20000;
    let text = std::fs::read_to_string("tests/kube/podman-generate.yaml")
        .unwrap()
        .replace("k15gen", &s.name("gen"))
        .replace("18081", &port.to_string());
    let file = s.config("gen.yaml", &text);
    s.apply(&file, "g1").ok();
    let web = s.name("gen-web");
    assert!(running(&web));
    assert!(running(&s.name("gen-side")));
    let ports = inspect(&s.name("gen-infra"))["HostConfig"]["PortBindings"].to_string();
    assert!(ports.contains(&port.to_string()), "{ports}");
    s.paunch(&["delete", "g1"]).ok();
}

/// A throwaway venv with kubernetes-validate, under the target directory;
/// `None` (said on stderr) when PyPI cannot be reached.
pub(crate) fn kubernetes_validate() -> Option<std::path::PathBuf> {
    let target = std::path::Path::new(bin())
        .parent()?
        .parent()?
        .join("kube-venv");
    let tool = target.join("bin/kubernetes-validate");
    if tool.exists() {
        return Some(tool);
    }
    let lock = std::fs::File::create(std::env::temp_dir().join("paunch-kube-venv.lock")).ok()?;
    lock.lock().ok()?;
    if tool.exists() {
        return Some(tool);
    }
    let venv = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&target)
        .status();
    let pip = venv.ok().filter(|s| s.success()).and_then(|_| {
        Command::new(target.join("bin/pip"))
            .args(["install", "-q", "kubernetes-validate"])
            .output()
            .ok()
    });
    match pip {
        Some(o) if o.status.success() => Some(tool),
        other => {
            eprintln!(
                "skipping kubernetes-validate: PyPI unreachable ({})",
                other
                    .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
                    .unwrap_or_default()
            );
            None
        }
    }
}

#[test]
fn exports_pass_their_consumers() {
    if docker_only(
        "the consumers are engine-specific and run once: docker-compose on docker, podman kube play on podman, both from the docker run",
    ) {
        return;
    }
    let s = Scope::new("kube-export");
    let file = s.config(
        "app.yml",
        "{p}db:
  image: localhost/paunch-kube/busybox:1
  command: [/bin/sleep, '100000']
  environment: {DB_NAME: shop, PRICE: '$5'}
  restart: always
  stop_grace_period: 1
{p}migrate:
  image: localhost/paunch-kube/busybox:1
  command: [/bin/sh, -c, 'echo migrated']
  detach: false
  start_order: 1
{p}web:
  image: localhost/paunch-kube/busybox:1
  command: [/bin/sleep, '100000']
  environment: {GREETING: hello}
  ulimit: [nofile=1024]
  start_order: 2
  stop_grace_period: 1
",
    );
    engine_ok(&["tag", IMAGE, "localhost/paunch-kube/busybox:1"]);
    let path = file.to_str().unwrap();
    let k8s = s.dir.path().join("pods.yaml");
    let run = export(path, "kubernetes --pods", &k8s);
    assert!(
        run.stderr
            .contains("\"ulimit\" has no Kubernetes equivalent"),
        "{}",
        run.stderr
    );
    // --strict refuses it.
    paunch(&[
        "export",
        "--file",
        path,
        "--config-id",
        "e1",
        "--format",
        "kubernetes",
        "--strict",
    ])
    .code(3);
    // It reads back as a --file.
    paunch(&["validate", "--file", k8s.to_str().unwrap()]).ok();
    if let Some(tool) = kubernetes_validate() {
        let out = Command::new(tool)
            .arg("--strict")
            .arg(&k8s)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubernetes-validate: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // podman kube play runs it, the environment intact.
    if Command::new("podman").arg("--version").output().is_ok() {
        let conf = podman_conf();
        let podman = |args: &[&str]| {
            Command::new("podman")
                .env("CONTAINERS_CONF", &conf)
                .args(args)
                .output()
                .unwrap()
        };
        let build = Command::new("scripts/busybox-image")
            .env("PAUNCH_IMAGE_ENGINE", "podman")
            .env("CONTAINERS_CONF", &conf)
            .arg("paunch-kube/busybox:1")
            .output()
            .unwrap();
        assert!(
            build.status.success(),
            "{}",
            String::from_utf8_lossy(&build.stderr)
        );
        // Played as written: podman 4.3 refuses a Pod's annotation values
        // over 63 characters, and the entries' annotations are pieces of
        // 63 bytes (docs/kubernetes.md).
        let text = std::fs::read_to_string(&k8s).unwrap();
        assert!(text.contains("config-data.paunch/000"), "{text}");
        let k8s_s = k8s.to_str().unwrap();
        let play = podman(&["kube", "play", k8s_s]);
        let web = format!("{0}web-{0}web", s.prefix);
        let env = podman(&["exec", &web, "/bin/env"]);
        let db_env = podman(&["exec", &format!("{0}db-{0}db", s.prefix), "/bin/env"]);
        let _ = podman(&["kube", "down", k8s_s]);
        assert!(
            play.status.success(),
            "{}",
            String::from_utf8_lossy(&play.stderr)
        );
        let env = String::from_utf8_lossy(&env.stdout);
        assert!(env.contains("GREETING=hello"), "{env}");
        assert!(String::from_utf8_lossy(&db_env.stdout).contains("PRICE=$5"));
    } else {
        eprintln!("skipping podman kube play: podman not installed");
    }
    // docker-compose: the compose export is valid and runs.
    let compose = s.dir.path().join("docker-compose.yml");
    let out = export(path, "compose", &compose);
    assert!(!out.stderr.contains("error"), "{}", out.stderr);
    let project = s.prefix.trim_end_matches('-').to_string();
    let dc = |args: &[&str]| {
        Command::new("docker-compose")
            .arg("-f")
            .arg(&compose)
            .args(["-p", &project])
            .args(args)
            .output()
            .unwrap()
    };
    let config = dc(&["config", "-q"]);
    assert!(
        config.status.success(),
        "{}",
        String::from_utf8_lossy(&config.stderr)
    );
    let up = dc(&["up", "-d"]);
    let web = inspect(&s.name("web"));
    let migrate = inspect(&s.name("migrate"));
    let db = inspect(&s.name("db"));
    let _ = dc(&["down", "-v", "-t", "1"]);
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    assert_eq!(migrate["State"]["ExitCode"], 0);
    assert_eq!(web["State"]["Running"], true);
    assert!(
        db["Config"]["Env"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "PRICE=$5")
    );
}
