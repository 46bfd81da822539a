//! `paunch export --format kubernetes` without an engine: what it writes
//! reads back as the entries exported; a Pod edited since is read from its
//! spec; entries of one Pod name get distinct Pods; what a manifest said
//! that its entries do not (readiness probes, hostPath types) is kept.

use paunch::Config;
use paunch::export::{Owner, Source, kubernetes, kubernetes_from};

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
