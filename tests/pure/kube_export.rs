//! `paunch export --format kubernetes` without an engine: what it writes
//! reads back as the entries exported; a Pod edited since is read from its
//! spec; entries of one Pod name get distinct Pods; what a manifest said
//! that its entries do not (readiness probes, hostPath types) is kept.
//! The cluster export (Deployments, Jobs, Services, claims, a Secret,
//! ConfigMaps) reads back as the entries exported too.

use paunch::Config;
use paunch::export::{Owner, Source, cluster, cluster_from, kubernetes, kubernetes_from};
use paunch::value::Value;

fn owner() -> Owner<'static> {
    Owner {
        config_id: "v1",
        managed_by: "paunch",
    }
}

/// `(name, config_data)` of every entry.
fn entries(c: &Config) -> Vec<(String, String)> {
    c.entries
        .iter()
        .map(|e| (e.name.clone(), e.config_data().to_string()))
        .collect()
}

const APP: &str = "a_b:
  image: app:1
  command: [serve, --port, '80']
  environment: {PRICE: '$5', DB_PASSWORD: hunter2}
  stop_signal: SIGINT
  healthcheck: {test: 'true', interval: 5s}
a-b:
  image: job:1
  detach: false
  start_order: 1
";

#[test]
fn entries_of_one_pod_name_get_distinct_pods_and_read_back() {
    let config = Config::parse(APP, "app.yml").unwrap();
    let out = kubernetes(&config, &owner());
    assert!(out.text.contains("name: a-b\n"), "{}", out.text);
    assert!(out.text.contains("name: a-b-2\n"), "{}", out.text);
    let both: Vec<String> = out.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        both.iter()
            .any(|w| w.contains("\"a-b\"") && w.contains("\"a_b\"") && w.contains("a-b-2")),
        "{both:?}"
    );
    // No annotation value podman 4.3 would refuse.
    for line in out
        .text
        .lines()
        .filter(|l| l.contains("config-data.paunch/"))
    {
        let value = line.split_once(": ").unwrap().1;
        let raw = value.trim_matches('"').replace("\\\"", "\"");
        assert!(raw.len() <= 63, "{line}");
    }
    let back = Config::parse(&out.text, "back.yaml").unwrap();
    assert_eq!(entries(&back), entries(&config));
    // Exported again: the same text.
    assert_eq!(kubernetes(&back, &owner()).text, out.text);
}

#[test]
fn an_export_edited_since_is_read_from_its_spec() {
    let config = Config::parse(APP, "app.yml").unwrap();
    let out = kubernetes(&config, &owner());
    let edited = out.text.replacen("image: \"app:1\"", "image: \"app:2\"", 1);
    assert_ne!(edited, out.text);
    let back = Config::parse(&edited, "back.yaml").unwrap();
    let names: Vec<String> = back.entries.iter().map(|e| e.name.clone()).collect();
    assert!(names.contains(&"a-b-a-b".to_string()), "{names:?}");
    let e = back.entries.iter().find(|e| e.name == "a-b-a-b").unwrap();
    assert_eq!(e.string("image"), Some("app:2"));
    let notes: Vec<String> = back.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        notes.iter().any(|n| n.contains("edited since")),
        "{notes:?}"
    );
    // The unedited Pod is still its entry.
    assert!(names.contains(&"a-b".to_string()), "{names:?}");
}

const POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {supplementalGroups: [1234]}
  containers:
  - name: server
    image: web:1
    lifecycle: {stopSignal: SIGINT}
    readinessProbe:
      exec: {command: [/bin/true]}
    volumeMounts:
    - {name: conf, mountPath: /conf}
  - name: client
    image: web:1
    livenessProbe:
      exec: {command: [/bin/true]}
  volumes:
  - name: conf
    hostPath: {path: /etc/paunch-test-conf, type: DirectoryOrCreate}
"#;

#[test]
fn what_a_pod_said_is_written_back() {
    let config = Config::parse(POD, "pod.yaml").unwrap();
    let docs = paunch::config::kube::manifest(POD).unwrap().unwrap();
    let out = kubernetes_from(&config, &owner(), &Source::of_manifest(&docs));
    let text = &out.text;
    assert!(text.contains("type: DirectoryOrCreate"), "{text}");
    assert!(text.contains("supplementalGroups:\n    - 1234"), "{text}");
    assert!(text.contains("stopSignal: SIGINT"), "{text}");
    let server = &text[text.find("- name: server").unwrap()..text.find("- name: client").unwrap()];
    assert!(server.contains("readinessProbe:"), "{server}");
    assert!(!server.contains("livenessProbe:"), "{server}");
    let client = &text[text.find("- name: client").unwrap()..];
    assert!(client.contains("livenessProbe:"), "{client}");
    // Without the manifest, a healthcheck is a liveness probe.
    assert!(
        !kubernetes(&config, &owner())
            .text
            .contains("readinessProbe")
    );
    let back = Config::parse(text, "back.yaml").unwrap();
    assert_eq!(entries(&back), entries(&config));
}

/// A compose project's entries carry their service as `config_data`, and
/// the project's network: their Pods carry no entries and read back from
/// their spec.
#[test]
fn a_compose_project_exports_as_pods_read_from_their_spec() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    std::fs::write(
        &file,
        "services:\n  db:\n    image: db:1\n  web:\n    image: web:1\n    depends_on: [db]\n",
    )
    .unwrap();
    let opts = paunch::config::LoadOptions {
        project: Some("proj".into()),
        ..paunch::config::LoadOptions::default()
    };
    let config = Config::load_with(&file, &opts).unwrap();
    let out = kubernetes(&config, &owner());
    assert!(!out.text.contains("annotations"), "{}", out.text);
    let back = Config::parse(&out.text, "back.yaml").unwrap();
    let names: Vec<&str> = back.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "proj-db-1-infra",
            "proj-db-1-proj-db-1",
            "proj-web-1-infra",
            "proj-web-1-proj-web-1"
        ]
    );
}

/// A service publishing a port with a named volume, secrets and an env
/// file; a blocking job with a secret; a one-shot entry.
fn cluster_app(env_file: &str) -> String {
    format!(
        "web:
  image: web:1
  command: [serve, --port, '8080']
  restart: always
  ports: ['8080:8080']
  environment: {{DB_PASSWORD: hunter2, PORT: 80, NAME: web}}
  env_file: [{env_file}]
  volumes: ['data:/data']
migrate:
  image: job:1
  command: [sh, -c, 'echo done']
  detach: false
  environment: [SECRET_KEY=s3cr3t, MODE=full]
once:
  image: once:1
  restart: 'no'
"
    )
}

/// The documents of an export.
fn docs(text: &str) -> Vec<Value> {
    paunch::yaml::load_all(text)
        .unwrap()
        .iter()
        .map(|n| n.to_value())
        .collect()
}

fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |v, k| v.as_map()?.get(k))
}

fn kind_and_name(d: &Value) -> (String, String) {
    (
        at(d, "kind").and_then(Value::as_str).unwrap().to_string(),
        at(d, "metadata.name")
            .and_then(Value::as_str)
            .unwrap()
            .to_string(),
    )
}

#[test]
fn the_cluster_export_is_what_an_operator_applies_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("app.env");
    std::fs::write(&env, "LOG_LEVEL=debug\n# a comment\nAPI_TOKEN=tok123\n").unwrap();
    let env = env.to_str().unwrap().to_string();
    let config = Config::parse(&cluster_app(&env), "app.yml").unwrap();
    let mut source = Source::default();
    source.env_files.insert(
        env.clone(),
        paunch::export::env_file_vars(&std::fs::read_to_string(&env).unwrap()),
    );
    let out = cluster_from(&config, &owner(), &source);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    assert_eq!(out.secrets, 3, "{}", out.text);
    let all = docs(&out.text);
    let kinds: Vec<(String, String)> = all.iter().map(kind_and_name).collect();
    for want in [
        ("ConfigMap", "web-web-env"),
        ("Secret", "web-secret"),
        ("Secret", "migrate-secret"),
        ("PersistentVolumeClaim", "data"),
        ("Service", "web"),
        ("Deployment", "web"),
        ("Job", "migrate"),
        ("Pod", "once"),
    ] {
        assert!(
            kinds.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} not in {kinds:?}"
        );
    }
    let find = |k: &str, n: &str| {
        all.iter()
            .find(|d| kind_and_name(d) == (k.to_string(), n.to_string()))
            .unwrap()
    };
    // The Deployment: apps/v1, one replica, selecting its Pods.
    let web = find("Deployment", "web");
    assert_eq!(
        at(web, "apiVersion").and_then(Value::as_str),
        Some("apps/v1")
    );
    assert_eq!(at(web, "spec.replicas"), Some(&Value::Int(1)));
    let selector = at(web, "spec.selector.matchLabels.app.kubernetes.io/name");
    assert!(selector.is_none(), "a dotted label key is one key");
    let labels = at(web, "spec.template.metadata.labels").unwrap();
    assert_eq!(
        at(web, "spec.selector.matchLabels")
            .and_then(Value::as_map)
            .and_then(|m| m.get("app.kubernetes.io/name")),
        labels.as_map().unwrap().get("app.kubernetes.io/name")
    );
    // The Service: the host port, to the container's.
    let svc = find("Service", "web");
    let port = &at(svc, "spec.ports")
        .and_then(|p| match p {
            Value::List(l) => l.first(),
            _ => None,
        })
        .unwrap()
        .clone();
    assert_eq!(at(port, "port"), Some(&Value::Int(8080)));
    assert_eq!(at(port, "targetPort"), Some(&Value::Int(8080)));
    // The Job: batch/v1, run once.
    let job = find("Job", "migrate");
    assert_eq!(
        at(job, "apiVersion").and_then(Value::as_str),
        Some("batch/v1")
    );
    assert_eq!(at(job, "spec.backoffLimit"), Some(&Value::Int(0)));
    assert_eq!(
        at(job, "spec.template.spec.restartPolicy").and_then(Value::as_str),
        Some("Never")
    );
    // The secrets: base64 in the Secrets only, referred to by name.
    let secret = find("Secret", "web-secret");
    assert_eq!(
        at(secret, "data.DB_PASSWORD").and_then(Value::as_str),
        Some("aHVudGVyMg==")
    );
    assert_eq!(
        at(secret, "data.API_TOKEN").and_then(Value::as_str),
        Some("dG9rMTIz")
    );
    for plain in ["hunter2", "s3cr3t", "tok123"] {
        assert!(!out.text.contains(plain), "{plain} in\n{}", out.text);
    }
    assert!(out.text.contains("secretKeyRef:"), "{}", out.text);
    // The env file's other variables: the ConfigMap, through envFrom.
    let cm = find("ConfigMap", "web-web-env");
    assert_eq!(
        at(cm, "data.LOG_LEVEL").and_then(Value::as_str),
        Some("debug")
    );
    assert!(at(cm, "data.API_TOKEN").is_none());
    assert!(out.text.contains("configMapRef:"), "{}", out.text);
    // Read back: the very entries, secrets and all.
    let back = Config::parse(&out.text, "back.yaml").unwrap();
    assert_eq!(entries(&back), entries(&config));
    // Their variables are sensitive.
    assert!(back.sensitive_env.contains(&"DB_PASSWORD".to_string()));
    // Exported again: the same text.
    assert_eq!(cluster_from(&back, &owner(), &source).text, out.text);
}

/// A Secret's value changed since the export is the value read back (the
/// workload, unedited, still reads back as its entries).
#[test]
fn a_secret_edited_since_is_the_value_read_back() {
    let config = Config::parse(
        "web:\n  image: web:1\n  restart: always\n  environment: {API_KEY: old}\n",
        "app.yml",
    )
    .unwrap();
    let out = cluster(&config, &owner());
    assert_eq!(out.secrets, 1);
    // "old" and "new", base64.
    let edited = out.text.replace("b2xk", "bmV3");
    assert_ne!(edited, out.text);
    let back = Config::parse(&edited, "back.yaml").unwrap();
    let web = back.entries.iter().find(|e| e.name == "web").unwrap();
    assert_eq!(web.strings("environment"), ["API_KEY=new"]);
}

/// Exported with `--pods`, nothing changes: the default is the cluster
/// export, and a secret never reaches stdout.
#[test]
fn the_cli_writes_a_secret_only_to_a_file_others_cannot_read() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.yml");
    std::fs::write(
        &file,
        cluster_app(&dir.path().join("none.env").display().to_string())
            .replace("  env_file: [", "  # env_file: ["),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_paunch"))
            .args([
                "export",
                "--file",
                file.to_str().unwrap(),
                "--config-id",
                "v1",
                "--format",
                "kubernetes",
            ])
            .args(extra)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let shown = run(&[]);
    assert_eq!(shown.status.code(), Some(3), "{shown:?}");
    for out in [&shown.stdout, &shown.stderr] {
        let text = String::from_utf8_lossy(out);
        for plain in ["hunter2", "s3cr3t", "aHVudGVyMg", "czNjcjN0"] {
            assert!(!text.contains(plain), "{plain} in {text}");
        }
    }
    assert!(String::from_utf8_lossy(&shown.stderr).contains("--out"));
    let path = dir.path().join("out.yaml");
    let written = run(&["--out", path.to_str().unwrap()]);
    assert!(written.status.success(), "{written:?}");
    assert!(
        written.stdout.is_empty() && !String::from_utf8_lossy(&written.stderr).contains("hunter2")
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("kind: Secret")
    );
    // --pods: Pods, as before.
    let pods = run(&["--pods"]);
    assert!(pods.status.success(), "{pods:?}");
    let text = String::from_utf8_lossy(&pods.stdout);
    assert!(
        text.contains("kind: Pod") && !text.contains("kind: Deployment"),
        "{text}"
    );
}

/// A compose service's replicas are one Deployment's `replicas`, which
/// reads back as that many copies.
#[test]
fn a_compose_service_with_replicas_is_one_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    std::fs::write(
        &file,
        "services:\n  web:\n    image: web:1\n    restart: always\n    deploy: {replicas: 3}\n  db:\n    image: db:1\n    restart: always\n",
    )
    .unwrap();
    let opts = paunch::config::LoadOptions {
        project: Some("proj".into()),
        ..paunch::config::LoadOptions::default()
    };
    let config = Config::load_with(&file, &opts).unwrap();
    assert_eq!(config.entries.len(), 4);
    let out = cluster(&config, &owner());
    let all = docs(&out.text);
    let deployments: Vec<&Value> = all
        .iter()
        .filter(|d| at(d, "kind").and_then(Value::as_str) == Some("Deployment"))
        .collect();
    assert_eq!(deployments.len(), 2, "{}", out.text);
    let replicas: Vec<Option<&Value>> =
        deployments.iter().map(|d| at(d, "spec.replicas")).collect();
    assert_eq!(
        replicas,
        [Some(&Value::Int(3)), Some(&Value::Int(1))],
        "{}",
        out.text
    );
    let back = Config::parse(&out.text, "back.yaml").unwrap();
    let pods: std::collections::BTreeSet<String> = back
        .entries
        .iter()
        .filter_map(|e| e.name.strip_suffix("-infra").map(str::to_string))
        .collect();
    assert_eq!(pods.len(), 4, "{pods:?}");
}

/// A Pod exported for a cluster is a Deployment that reads back as its
/// entries, and exports again as itself (its readiness probe and host
/// path type kept).
#[test]
fn a_pod_exported_for_a_cluster_reads_back_and_exports_again_as_itself() {
    let pod = POD.replace(
        "spec:\n  securityContext",
        "spec:\n  restartPolicy: Always\n  securityContext",
    );
    let config = Config::parse(&pod, "pod.yaml").unwrap();
    let docs_in = paunch::config::kube::manifest(&pod).unwrap().unwrap();
    let out = cluster_from(&config, &owner(), &Source::of_manifest(&docs_in));
    assert!(out.text.contains("kind: Deployment"), "{}", out.text);
    assert!(out.text.contains("readinessProbe:"), "{}", out.text);
    let back = Config::parse(&out.text, "back.yaml").unwrap();
    assert_eq!(entries(&back), entries(&config));
    let again_in = paunch::config::kube::manifest(&out.text).unwrap().unwrap();
    let again = cluster_from(&back, &owner(), &Source::of_manifest(&again_in));
    assert_eq!(again.text, out.text);
}

const SIDECAR_AND_FILES: &str = r#"apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {site.conf: "hello\n"}
---
apiVersion: v1
kind: Pod
metadata: {name: shop}
spec:
  initContainers:
  - name: side
    image: app:1
    restartPolicy: Always
    command: [sleep, "3600"]
  containers:
  - name: app
    image: app:1
    command: [sleep, "3600"]
    volumeMounts: [{name: c, mountPath: /etc/c}]
  volumes:
  - {name: c, configMap: {name: cfg}}
"#;

#[test]
fn sidecars_and_configmap_files_are_exported_as_a_pod_runs_them() {
    let config = Config::parse(SIDECAR_AND_FILES, "pod.yaml").unwrap();
    let out = kubernetes(&config, &owner());
    let text = &out.text;
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let init = &text[text.find("initContainers:").unwrap()..text.find("\n  containers:").unwrap()];
    // The files container writes the files before the sidecar starts;
    // the sidecar keeps running.
    let files = init.find("- name: c-files").unwrap();
    let side = init.find("- name: side").unwrap();
    assert!(files < side, "{init}");
    assert!(init[side..].contains("restartPolicy: Always"), "{init}");
    // The app mounts the files' emptyDir, read-only, where it asked.
    let app = &text[text.find("- name: app").unwrap()..];
    assert!(
        app.contains("mountPath: /etc/c\n      readOnly: true"),
        "{app}"
    );
    // Read back: the same entries; its spec alone reads as a Pod too.
    let back = Config::parse(text, "back.yaml").unwrap();
    assert_eq!(entries(&back), entries(&config));
    // Read back, paunch's own labels and annotations are not the
    // author's: one note says the entries were restored, nothing else.
    let notes: Vec<String> = back.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("are restored from the annotations"),
        "{notes:?}"
    );
    let spec_only: String = text
        .lines()
        .filter(|l| !l.contains("config-data.paunch/") && !l.trim_end().ends_with("annotations:"))
        .map(|l| format!("{l}\n"))
        .collect();
    // The files digest is paunch's own label, made again when read.
    assert!(!spec_only.contains("paunch.pod.files"), "{spec_only}");
    let plain = Config::parse(&spec_only, "spec.yaml").unwrap();
    assert!(plain.entries.iter().any(|e| e.name == "shop-side"));
}

#[test]
fn an_emptydir_at_two_paths_is_exported_as_one_emptydir() {
    let yaml = std::fs::read_to_string("tests/kube/corpus/runnable/init-containers.yaml").unwrap();
    let config = Config::parse(&yaml, "pod.yaml").unwrap();
    // Read: the Pod's own named volume, mounted at each path.
    assert_eq!(config.resources.len(), 1);
    assert_eq!(config.resources[0].name, "init-demo-workdir-emptydir");
    let out = kubernetes(&config, &owner());
    let text = &out.text;
    assert_eq!(text.matches("emptyDir: {}").count(), 1, "{text}");
    assert!(!text.contains("persistentVolumeClaim"), "{text}");
    assert!(text.contains("mountPath: /work-dir"), "{text}");
    assert!(text.contains("mountPath: /usr/share/nginx/html"), "{text}");
    let back = Config::parse(text, "back.yaml").unwrap();
    assert_eq!(entries(&back), entries(&config));
    assert_eq!(back.resources, config.resources);
}
