//! What an hour with Pods broke (issue 23), each on a real engine and
//! written to fail before its fix: a failed init container stops its Pod;
//! app containers joining an infra container that started again are
//! replaced; completed containers of `restartPolicy: Never` Pods stay
//! completed; a Pod's app containers keep their network while they stop;
//! `apply --plan` creates `DirectoryOrCreate`/`FileOrCreate` paths; `list`
//! shows the entrypoint; a start that failed says why.

use crate::support::*;

/// The network interfaces a container sees, from /proc/net/dev.
fn interfaces(name: &str) -> Vec<String> {
    exec_out(name, &["cat", "/proc/net/dev"])
        .lines()
        .filter_map(|l| l.split_once(':').map(|(i, _)| i.trim().to_string()))
        .collect()
}

/// A Pod `{p}job` whose init container exits `code`, then an app container.
fn init_pod(s: &Scope, code: u8) -> std::path::PathBuf {
    s.config(
        "pod.yaml",
        &format!(
            r#"apiVersion: v1
kind: Pod
metadata: {{name: "{{p}}job"}}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: check
    image: "{{image}}"
    command: [sh, -c, "exit {code}"]
  containers:
  - name: app
    image: "{{image}}"
    command: [sleep, "3600"]
"#
        ),
    )
}

#[test]
fn a_failed_init_container_stops_its_pod() {
    let s = Scope::new("kube-init-fail");
    let file = init_pod(&s, 1);
    for wait in [false, true] {
        let mut args = vec![
            "apply",
            "--file",
            file.to_str().unwrap(),
            "--config-id",
            "i1",
        ];
        if wait {
            args.push("--wait");
        }
        let out = s.paunch(&args);
        assert_ne!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(
            !exists(&s.name("job-app")),
            "the app container started after its init container failed:\n{all}"
        );
        assert!(all.contains("skipped"), "{all}");
    }
    // Once the init container succeeds, the app runs.
    let file = init_pod(&s, 0);
    s.apply(&file, "i1").ok();
    assert!(running(&s.name("job-app")));
}

fn sleeper_pod(s: &Scope, policy: &str, command: &str) -> std::path::PathBuf {
    s.config(
        "pod.yaml",
        &format!(
            r#"apiVersion: v1
kind: Pod
metadata: {{name: "{{p}}pod"}}
spec:
  restartPolicy: {policy}
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: "{{image}}"
    command: [sh, -c, "{command}"]
"#
        ),
    )
}

#[test]
fn app_containers_of_a_restarted_infra_container_are_replaced() {
    let s = Scope::new("kube-infra-restart");
    let file = sleeper_pod(&s, "Always", "sleep 3600");
    s.apply(&file, "r1").ok();
    let (infra, app) = (s.name("pod-infra"), s.name("pod-app"));
    assert!(interfaces(&app).iter().any(|i| i != "lo"), "no network");
    // The infra container dies: apply starts it and replaces the app,
    // which held its dead namespace.
    engine_ok(&["kill", &infra]);
    wait_until(10, "the infra container to exit", || !running(&infra));
    let before = id_of(&app);
    let plan = s.plan(&file, "r1").stdout;
    assert!(plan.contains("start"), "{plan}");
    assert!(plan.contains("holds a dead namespace"), "{plan}");
    s.apply(&file, "r1").ok();
    assert_ne!(id_of(&app), before);
    assert!(interfaces(&app).iter().any(|i| i != "lo"), "no network");
    let again = s.plan(&file, "r1").stdout;
    assert!(again.contains("No changes"), "{again}");
    // Started again by hand: the next plan sees it.
    engine_ok(&["kill", &infra]);
    wait_until(10, "the infra container to exit", || !running(&infra));
    engine_ok(&["start", &infra]);
    let plan = s.plan(&file, "r1").stdout;
    assert!(plan.contains("holds a dead namespace"), "{plan}");
    s.apply(&file, "r1").ok();
    assert!(interfaces(&app).iter().any(|i| i != "lo"), "no network");
    assert!(s.plan(&file, "r1").stdout.contains("No changes"));
}

#[test]
fn a_completed_container_of_a_never_pod_stays_completed() {
    let s = Scope::new("kube-never");
    for policy in ["Never", "OnFailure"] {
        let file = sleeper_pod(&s, policy, "echo ran-once");
        s.apply(&file, "n1").ok();
        let app = s.name("pod-app");
        wait_until(10, "the app to complete", || !running(&app));
        let out = s.apply(&file, "n1").ok().stdout;
        assert!(out.contains("No changes"), "{policy}: {out}");
        let logs = engine_ok(&["logs", &app]);
        assert_eq!(logs.matches("ran-once").count(), 1, "{policy}: {logs}");
        s.paunch(&["delete", "n1"]).ok();
    }
}

/// A Pod whose app writes the interfaces it sees when told to stop, into
/// a hostPath file.
fn graceful_pod(s: &Scope, host: &str) -> std::path::PathBuf {
    let out = s.dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    s.config(
        "pod.yaml",
        &format!(
            r#"apiVersion: v1
kind: Pod
metadata: {{name: "{{p}}grace"}}
spec:
  hostname: {host}
  terminationGracePeriodSeconds: 10
  containers:
  - name: app
    image: "{{image}}"
    command: [sh, -c, "trap 'cat /proc/net/dev > /out/net; exit 0' TERM; while true; do sleep 0.2; done"]
    volumeMounts: [{{name: out, mountPath: /out}}]
  volumes:
  - {{name: out, hostPath: {{path: {}, type: Directory}}}}
"#,
            out.display()
        ),
    )
}

#[test]
fn a_pods_app_containers_keep_their_network_while_they_stop() {
    let s = Scope::new("kube-grace");
    let net = s.dir.path().join("out/net");
    let saw_network = || {
        let text = std::fs::read_to_string(&net).unwrap_or_default();
        text.lines()
            .filter_map(|l| l.split_once(':'))
            .any(|(i, _)| i.trim() != "lo")
    };
    // Replaced (its hostname changed: the infra container and so the app).
    let file = graceful_pod(&s, "one");
    s.apply(&file, "g1").ok();
    wait_until(10, "the app to run its loop", || {
        running(&s.name("grace-app"))
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    let file = graceful_pod(&s, "two");
    s.apply(&file, "g1").ok();
    assert!(
        saw_network(),
        "replaced: the app lost its network while stopping"
    );
    // Deleted.
    std::fs::remove_file(&net).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    s.paunch(&["delete", "g1"]).ok();
    assert!(
        saw_network(),
        "deleted: the app lost its network while stopping"
    );
}

#[test]
fn a_saved_plan_creates_the_host_paths_apply_would() {
    let s = Scope::new("kube-plan-paths");
    let dir = s.dir.path().join("made/dir");
    let file_path = s.dir.path().join("made/file.txt");
    let pod = s.config(
        "pod.yaml",
        &format!(
            r#"apiVersion: v1
kind: Pod
metadata: {{name: "{{p}}paths"}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: "{{image}}"
    command: [sleep, "3600"]
    volumeMounts:
    - {{name: d, mountPath: /d}}
    - {{name: f, mountPath: /f.txt}}
  volumes:
  - {{name: d, hostPath: {{path: {}, type: DirectoryOrCreate}}}}
  - {{name: f, hostPath: {{path: {}, type: FileOrCreate}}}}
"#,
            dir.display(),
            file_path.display()
        ),
    );
    let saved = s.dir.path().join("plan.json");
    let pod_arg = pod.to_str().unwrap();
    let saved_arg = saved.to_str().unwrap();
    let args = [
        "plan",
        "--file",
        pod_arg,
        "--config-id",
        "h1",
        "--out",
        saved_arg,
    ];
    s.paunch(&args).ok();
    assert!(!dir.exists(), "planning created the directory");
    s.paunch(&["apply", "--plan", saved_arg]).ok();
    assert!(dir.is_dir(), "no directory");
    assert!(file_path.is_file(), "no file (a directory in its place?)");
    assert!(running(&s.name("paths-app")));
}

#[test]
fn list_shows_the_entrypoint() {
    let s = Scope::new("kube-list");
    let pod = s.config(
        "pod.yaml",
        r#"apiVersion: v1
kind: Pod
metadata: {name: "{p}ls"}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: "{image}"
    command: [sleep]
    args: ["3600"]
"#,
    );
    s.apply(&pod, "l1").ok();
    let out = s.paunch(&["list"]).ok().stdout;
    let line = out
        .lines()
        .find(|l| l.contains(&s.name("ls-app")))
        .unwrap_or_default();
    assert!(line.contains("sleep 3600"), "{out}");
}

#[test]
fn a_start_that_failed_says_why() {
    if docker_only("podman records no error of a failed start") {
        return;
    }
    let s = Scope::new("kube-port");
    let port = 20000 + (std::process::id() % 20000);
    let holder = s.name("holder");
    let out = engine_command()
        .args(["run", "-d", "--name", &holder, "-p"])
        .arg(format!("{port}:80"))
        .args([IMAGE, "sleep", "3600"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let file = s.config(
        "c.yml",
        &format!(
            "{{p}}web:\n  image: {{image}}\n  command: [sleep, '3600']\n  stop_grace_period: 1\n  ports: ['{port}:80']\n"
        ),
    );
    let failed = s.apply(&file, "p1");
    let _ = engine_raw_rm(&holder);
    assert_ne!(failed.code, 0, "{failed:?}");
    let plan = s.plan(&file, "p1").stdout;
    assert!(plan.contains("its start failed"), "{plan}");
    assert!(plan.contains("already allocated"), "{plan}");
    assert!(!plan.contains("interrupted apply"), "{plan}");
}

fn engine_raw_rm(name: &str) -> std::process::Output {
    engine_command().args(["rm", "-f", name]).output().unwrap()
}

/// The Kubernetes documentation's init-container shape: an emptyDir the
/// init container writes at one path and the app serves from another.
fn two_paths_pod(s: &Scope, pod: &str) -> std::path::PathBuf {
    s.config(
        "pod.yaml",
        &(format!(
            r#"apiVersion: v1
kind: Pod
metadata: {{name: "{{p}}{pod}"}}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: install
    image: "{{image}}"
    command: [sh, -c, "echo installed > /work-dir/index.html"]
    volumeMounts: [{{name: workdir, mountPath: /work-dir}}]
  containers:
  - name: web
    image: "{{image}}"
    command: [busybox, httpd, -f, -p, "8080", -h, /www]
    volumeMounts: [{{name: workdir, mountPath: /www}}]
"#
        ) + "  volumes:\n  - {name: workdir, emptyDir: {}}\n"),
    )
}

#[test]
fn an_emptydir_at_two_paths_is_the_pods_own_volume() {
    let s = Scope::new("kube-two-paths");
    let file = two_paths_pod(&s, "init");
    s.apply(&file, "w1").ok();
    let web = s.name("init-web");
    let volume = format!("{}-workdir-emptydir", s.name("init"));
    wait_until(10, "httpd to serve what init wrote", || {
        exec_out(&web, &["busybox", "wget", "-qO-", "http://localhost:8080/"]).contains("installed")
    });
    assert_eq!(
        label_of_volume(&volume, "managed_by").as_deref(),
        Some(s.managed_by.as_str())
    );
    assert!(s.plan(&file, "w1").stdout.contains("No changes"));
    // The Pod leaves the configuration: its volume goes with it.
    let other = two_paths_pod(&s, "other");
    let out = s.apply(&other, "w1").ok().stdout;
    assert!(!volume_exists(&volume), "{out}");
    // delete removes it too, without --volumes (an emptyDir is the Pod's).
    let volume = format!("{}-workdir-emptydir", s.name("other"));
    assert!(volume_exists(&volume));
    s.paunch(&["delete", "w1"]).ok();
    assert!(!volume_exists(&volume));
}

fn volume_exists(name: &str) -> bool {
    engine(&["volume", "inspect", name]).is_ok()
}

fn label_of_volume(name: &str, key: &str) -> Option<String> {
    let format = format!("{{{{index .Labels \"{key}\"}}}}");
    engine(&["volume", "inspect", "-f", &format, name])
        .ok()
        .map(|v| v.trim().to_string())
}
