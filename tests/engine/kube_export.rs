//! `paunch export --format kubernetes|compose` on a real engine: what an
//! export wrote reads back (`plan --file EXPORT`) as the very containers
//! the original applied; what a Pod said that its entries cannot
//! (hostPath types, readiness probes, supplementalGroups, stop signals)
//! is written back; the export plays on podman 4.3 as written; the
//! compose export runs under docker-compose 1.29. The cluster export
//! (Deployments, Jobs, Services, claims, Secrets, ConfigMaps) is valid for
//! a cluster, reads back as the containers applied, and what podman 4.3
//! plays of it runs.

use crate::kube::{export, kubernetes_validate};
use crate::support::*;
use paunch::value::Value;
use std::process::Command;

/// The documents of a YAML file, as values.
fn documents(path: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    paunch::yaml::load_all(&text)
        .unwrap()
        .iter()
        .map(|n| n.to_value())
        .collect()
}

/// Field `key` of a map.
fn at<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.as_map()?.get(key)
}

/// The container `name` of a Pod document.
fn container<'v>(pod: &'v Value, name: &str) -> &'v Value {
    let spec = at(pod, "spec").unwrap();
    ["initContainers", "containers"]
        .iter()
        .filter_map(|l| match at(spec, l) {
            Some(Value::List(cs)) => Some(cs),
            _ => None,
        })
        .flatten()
        .find(|c| at(c, "name").and_then(Value::as_str) == Some(name))
        .unwrap_or_else(|| panic!("no container {name} in {pod:?}"))
}

/// `kubernetes-validate --strict FILE` passes (when PyPI could be
/// reached to install it).
fn valid(path: &std::path::Path) {
    if let Some(tool) = kubernetes_validate() {
        let out = Command::new(tool)
            .arg("--strict")
            .arg(path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubernetes-validate: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A Pod of an init container (`init`), a server and a client.
fn pod_yaml(s: &Scope, init: bool) -> std::path::PathBuf {
    let conf = s.dir.path().join("conf");
    std::fs::create_dir_all(&conf).unwrap();
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
  securityContext:
    supplementalGroups: [1234]
{init}  containers:
  - name: server
    image: {IMAGE}
    command: [/bin/busybox, httpd, -f, -p, "8080", -h, /www]
    lifecycle:
      stopSignal: SIGINT
    readinessProbe:
      exec: {{command: [/bin/true]}}
      periodSeconds: 5
    volumeMounts:
    - {{name: www, mountPath: /www}}
    - {{name: conf, mountPath: /conf, readOnly: true}}
  - name: client
    image: {IMAGE}
    command: [/bin/sleep, "100000"]
    livenessProbe:
      exec: {{command: [/bin/true]}}
  volumes:
  - name: www
    emptyDir: {{}}
  - name: conf
    hostPath: {{path: {}, type: Directory}}
"#,
            conf.display(),
            init = if init {
                format!(
                    "  initContainers:
  - name: seed
    image: {IMAGE}
    command: [/bin/sh, -c, \"echo seeded > /www/index.html\"]
    volumeMounts:
    - {{name: www, mountPath: /www}}
"
                )
            } else {
                String::new()
            },
        ),
    )
}

/// A Pod applied, exported and planned again from the export: no
/// changes, and what its entries do not say is in the export.
#[test]
fn a_pod_exported_reads_back_as_the_containers_it_applied() {
    let s = Scope::new("kexp-pod");
    let file = pod_yaml(&s, true);
    s.apply(&file, "k1").ok();
    // docker says the signal's name, podman its number.
    let signal = inspect(&s.name("web-server"))["Config"]["StopSignal"].clone();
    assert!(signal == "SIGINT" || signal == 2, "{signal}");
    let out = s.dir.path().join("export.yaml");
    export(file.to_str().unwrap(), "kubernetes --pods", &out);
    let docs = documents(&out);
    assert_eq!(docs.len(), 1, "{docs:?}");
    let pod = &docs[0];
    let spec = at(pod, "spec").unwrap();
    // hostPath.type kept.
    let volumes = format!("{:?}", at(spec, "volumes"));
    assert!(volumes.contains("Directory"), "{volumes}");
    // The Pod's supplementalGroups.
    let groups = at(spec, "securityContext").and_then(|c| at(c, "supplementalGroups"));
    assert_eq!(groups, Some(&Value::List(vec![Value::Int(1234)])));
    // The stop signal, on a Pod saying its OS.
    let server = container(pod, "server");
    let lifecycle = at(server, "lifecycle").and_then(|l| at(l, "stopSignal"));
    assert_eq!(lifecycle.and_then(Value::as_str), Some("SIGINT"));
    assert!(at(spec, "os").is_some());
    // A readiness probe stays one: never a liveness probe a cluster
    // would kill the container on.
    assert!(at(server, "readinessProbe").is_some(), "{server:?}");
    assert!(at(server, "livenessProbe").is_none(), "{server:?}");
    assert!(at(container(pod, "client"), "livenessProbe").is_some());
    valid(&out);
    // Read back: the same containers.
    let plan = s.plan(&out, "k1").ok().stdout;
    assert!(plan.contains("No changes"), "{plan}");
    // Exported again: the same file.
    let again = s.dir.path().join("again.yaml");
    export(out.to_str().unwrap(), "kubernetes --pods", &again);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        std::fs::read_to_string(&again).unwrap()
    );
    s.paunch(&["delete", "k1"]).ok();
}

/// A paunch file's entries exported as Pods and read back are the same
/// entries, two of them whose names make one Pod name included.
#[test]
fn a_paunch_file_exported_reads_back_as_the_same_containers() {
    let s = Scope::new("kexp-yaml");
    let file = s.config(
        "app.yml",
        &format!(
            "{{p}}a_b:
  image: {IMAGE}
  command: [/bin/sleep, '100000']
  environment: {{DB_NAME: shop, PRICE: '$5'}}
  restart: always
  stop_grace_period: 1
  stop_signal: SIGINT
{{p}}a-b:
  image: {IMAGE}
  command: [/bin/sh, -c, 'echo done']
  detach: false
  start_order: 1
"
        ),
    );
    s.apply(&file, "e1").ok();
    let out = s.dir.path().join("export.yaml");
    let run = export(file.to_str().unwrap(), "kubernetes --pods", &out);
    // The two Pods are distinct, and the warning names both entries.
    let docs = documents(&out);
    let names: Vec<&str> = docs
        .iter()
        .filter_map(|d| {
            at(d, "metadata")
                .and_then(|m| at(m, "name"))
                .and_then(Value::as_str)
        })
        .collect();
    assert_eq!(names.len(), 2);
    assert_ne!(names[0], names[1], "{names:?}");
    let (ab, a_b) = (s.name("a-b"), s.name("a_b"));
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains(&format!("\"{ab}\"")) && l.contains(&format!("\"{a_b}\""))),
        "{}",
        run.stderr
    );
    valid(&out);
    let plan = s.plan(&out, "e1").ok().stdout;
    assert!(plan.contains("No changes"), "{plan}");
    s.paunch(&["delete", "e1"]).ok();
}

/// The export plays on podman (4.3 refuses a Pod's annotation values
/// over 63 characters: the entries ride in pieces under that), as
/// written, and a Pod edited since its export is read from its spec.
#[test]
fn the_kubernetes_export_plays_on_podman_as_written() {
    if !is_podman() {
        eprintln!("podman only, skipped on docker: podman kube play is the consumer");
        return;
    }
    let s = Scope::new("kexp-play");
    // No init container: podman 4.3's kube play races removing one that
    // has just exited ("cannot remove container ... as it is running").
    let file = pod_yaml(&s, false);
    let out = s.dir.path().join("export.yaml");
    export(file.to_str().unwrap(), "kubernetes --pods", &out);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("config-data.paunch/000"), "{text}");
    let path = out.to_str().unwrap();
    let play = engine_command()
        .args(["kube", "play", path])
        .output()
        .unwrap();
    let server = engine(&["inspect", "-f", "{{.State.Running}}", &s.name("web-server")]);
    let _ = engine_command().args(["kube", "down", path]).output();
    assert!(
        play.status.success(),
        "{}",
        String::from_utf8_lossy(&play.stderr)
    );
    assert_eq!(server.as_deref().map(str::trim), Ok("true"));
    // Edited: read from its spec (the image), with a note saying so.
    let edited = s.dir.path().join("edited.yaml");
    std::fs::write(&edited, text.replace("- /bin/sleep", "- /bin/busybox")).unwrap();
    let run = paunch(&["validate", "--file", edited.to_str().unwrap()]).ok();
    assert!(run.stdout.contains("edited since") || run.stderr.contains("edited since"));
}

/// A free TCP port on the host (for a published port).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A paunch file for the cluster export: a server publishing `port` with
/// a named volume, an env file and (`secrets`) sensitive values, and a
/// blocking job.
fn cluster_yaml(s: &Scope, port: u16, secrets: bool) -> std::path::PathBuf {
    let env = s.dir.path().join("app.env");
    let token = if secrets { "API_TOKEN=tok123\n" } else { "" };
    std::fs::write(&env, format!("LOG_LEVEL=debug\n{token}")).unwrap();
    let (web_secret, job_env) = if secrets {
        ("DB_PASSWORD: hunter2, ", "[SECRET_KEY=s3cr3t, MODE=full]")
    } else {
        ("", "[MODE=full]")
    };
    s.config(
        "app.yml",
        &format!(
            "{{p}}web:
  image: {IMAGE}
  command: [/bin/busybox, httpd, -f, -p, '8080']
  restart: always
  stop_grace_period: 1
  ports: ['{port}:8080']
  environment: {{{web_secret}NAME: web}}
  env_file: [{}]
  volumes: ['{{p}}data:/data']
{{p}}migrate:
  image: {IMAGE}
  command: [/bin/sh, -c, 'echo done']
  detach: false
  stop_grace_period: 1
  environment: {job_env}
",
            env.display()
        ),
    )
}

/// `paunch export --format kubernetes` (the cluster export) of `file`
/// to `out`, labelled as the scope's (so that what podman plays of it
/// is cleaned up with it).
fn cluster_export(s: &Scope, file: &std::path::Path, out: &std::path::Path) -> Run {
    let (file, out) = (file.to_str().unwrap(), out.to_str().unwrap());
    s.paunch(&[
        "export",
        "--file",
        file,
        "--config-id",
        "e1",
        "--format",
        "kubernetes",
        "--out",
        out,
    ])
    .ok()
}

/// The kinds of an export's documents.
fn kinds(path: &std::path::Path) -> Vec<String> {
    documents(path)
        .iter()
        .filter_map(|d| at(d, "kind").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// The cluster export of a paunch file is valid for a cluster
/// (`kubernetes-validate --strict`), holds its secrets in a Secret only,
/// and reads back (`plan --file EXPORT`) as the very containers the
/// original applied.
#[test]
fn the_cluster_export_validates_and_reads_back_as_the_same_containers() {
    let s = Scope::new("kexp-cluster");
    let file = cluster_yaml(&s, free_port(), true);
    s.apply(&file, "e1").ok();
    let out = s.dir.path().join("export.yaml");
    let run = cluster_export(&s, &file, &out);
    for k in [
        "ConfigMap",
        "Secret",
        "PersistentVolumeClaim",
        "Service",
        "Deployment",
        "Job",
    ] {
        assert!(
            kinds(&out).iter().any(|x| x == k),
            "no {k}: {:?}",
            kinds(&out)
        );
    }
    let text = std::fs::read_to_string(&out).unwrap();
    for plain in ["hunter2", "s3cr3t", "tok123"] {
        assert!(!text.contains(plain), "{plain} in the export");
        assert!(!run.stdout.contains(plain) && !run.stderr.contains(plain));
    }
    valid(&out);
    let plan = s.plan(&out, "e1").ok().stdout;
    assert!(plan.contains("No changes"), "{plan}");
    // Exported again: the same file.
    let again = s.dir.path().join("again.yaml");
    cluster_export(&s, &out, &again);
    assert_eq!(text, std::fs::read_to_string(&again).unwrap());
    s.paunch(&["delete", "e1"]).ok();
    let _ = engine_command()
        .args(["volume", "rm", "-f", &s.name("data")])
        .output();
}

/// What podman 4.3's `kube play` runs of the cluster export runs: the
/// Deployment (its env file's ConfigMap, its claim, its published port).
/// It ignores the Service and the Job, and cannot use a Secret it is
/// given (its `secretKeyRef` says "not valid JSON"): the file played has
/// no sensitive values.
#[test]
fn the_cluster_export_plays_on_podman_what_podman_can() {
    if !is_podman() {
        eprintln!("podman only, skipped on docker: podman kube play is the consumer");
        return;
    }
    let s = Scope::new("kexp-cplay");
    let port = free_port();
    let file = cluster_yaml(&s, port, false);
    let out = s.dir.path().join("export.yaml");
    cluster_export(&s, &file, &out);
    assert!(!kinds(&out).iter().any(|k| k == "Secret"));
    let path = out.to_str().unwrap();
    let play = engine_command()
        .args(["kube", "play", path])
        .output()
        .unwrap();
    // podman 4.3 names a Deployment's Pod D-pod-0.
    let web = format!("{0}web-pod-0-{0}web", s.prefix);
    let running = engine(&["inspect", "-f", "{{.State.Running}}", &web]);
    let env = exec_out(&web, &["/bin/busybox", "env"]);
    let volume = engine(&["volume", "inspect", &s.name("data")]);
    let _ = engine_command().args(["kube", "down", path]).output();
    let _ = engine_command()
        .args(["volume", "rm", "-f", &s.name("data")])
        .output();
    assert!(
        play.status.success(),
        "{}",
        String::from_utf8_lossy(&play.stderr)
    );
    assert_eq!(running.as_deref().map(str::trim), Ok("true"));
    assert!(env.contains("LOG_LEVEL=debug"), "{env}");
    assert!(env.contains("NAME=web"), "{env}");
    assert!(volume.is_ok(), "the claim's volume: {volume:?}");
}

/// The compose export of a paunch file whose containers share volumes
/// (`volumes_from` another entry, read-only, and a container outside the
/// file) and named volumes, and of a Pod (its containers joining the
/// infra container's): `docker-compose config` accepts it and `up -d`
/// runs it, volumes shared.
#[test]
fn the_compose_export_runs_under_docker_compose() {
    if docker_only("docker-compose 1.29 talks to docker") {
        return;
    }
    let s = Scope::new("kexp-compose");
    let outside = s.name("outside");
    s.foreign(&outside, &[]);
    let file = s.config(
        "app.yml",
        &format!(
            "{{p}}db:
  image: {IMAGE}
  command: [/bin/sh, -c, 'echo kept > /data/f; exec /bin/sleep 100000']
  volumes: ['{{p}}data:/data', /scratch]
  stop_grace_period: 1
{{p}}web:
  image: {IMAGE}
  command: [/bin/sleep, '100000']
  volumes_from: ['{{p}}db:ro', '{outside}']
  volumes: ['{{p}}data:/d2:ro', '{{p}}other:/o']
  start_order: 1
  stop_grace_period: 1
"
        ),
    );
    let compose = s.dir.path().join("docker-compose.yml");
    let run = export(file.to_str().unwrap(), "compose", &compose);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let text = std::fs::read_to_string(&compose).unwrap();
    // Another entry's volumes by its service name, a container outside
    // the file as container:NAME; named volumes declared.
    assert!(
        text.contains(&format!("- \"{}:ro\"", s.name("db"))),
        "{text}"
    );
    assert!(text.contains(&format!("container:{outside}")), "{text}");
    assert!(
        text.contains(&format!("\n  {}:\n", s.name("other"))),
        "{text}"
    );
    // A Pod: the pause image is built by planning it.
    let pod = pod_yaml(&s, true);
    s.plan(&pod, "k1").ok();
    let pod_compose = s.dir.path().join("pod-compose.yml");
    export(pod.to_str().unwrap(), "compose", &pod_compose);
    for (file, project) in [(&compose, "a"), (&pod_compose, "p")] {
        let project = format!("{}{project}", s.prefix.trim_end_matches('-'));
        let dc = |args: &[&str]| {
            Command::new("docker-compose")
                .arg("-f")
                .arg(file)
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
        let seen = if file == &compose {
            exec_out(&s.name("web"), &["cat", "/data/f"])
        } else {
            exec_out(&s.name("web-server"), &["cat", "/www/index.html"])
        };
        let _ = dc(&["down", "-v", "-t", "1"]);
        assert!(
            up.status.success(),
            "{}",
            String::from_utf8_lossy(&up.stderr)
        );
        // The volume of another entry, and the Pod's emptyDir (what
        // its init container wrote).
        let want = if file == &compose {
            "kept\n"
        } else {
            "seeded\n"
        };
        assert_eq!(seen, want);
    }
    for v in ["data", "other"] {
        let _ = engine(&["volume", "rm", &s.name(v)]);
    }
}

/// What `exec NAME ARGS` printed, once the container has had a moment to
/// start.
fn exec_out(name: &str, args: &[&str]) -> String {
    let out = std::cell::RefCell::new(String::new());
    wait_until(10, "the container to answer", || {
        let o = engine_command()
            .arg("exec")
            .arg(name)
            .args(args)
            .output()
            .unwrap();
        *out.borrow_mut() = String::from_utf8_lossy(&o.stdout).into_owned();
        o.status.success()
    });
    out.into_inner()
}
