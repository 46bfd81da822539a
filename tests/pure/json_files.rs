//! A JSON configuration (a `.json` file, the files of a `hashed-NAME.json`
//! directory) is read by JSON's rules: `1e5` is a number, as Python's
//! `json.loads` read it, and `config_data` is what `json.dumps` wrote of
//! it, byte for byte. Python itself is the reference here (skipped with a
//! message where python3 is not installed).

use paunch::Config;
use paunch::engine::argv::{LabelSet, Runtime};
use std::path::Path;
use std::process::{Command, Stdio};

/// What Python writes for each text, one per line: `json.dumps` of the
/// text read by `reader` (`json.loads`, or PyYAML's `yaml.safe_load` as
/// the original 4.5.1 read every file), or `ERROR` where it fails.
fn python(python: &Path, reader: &str, texts: &[&str]) -> Vec<String> {
    let script = format!(
        "import json, sys\n{import}\nfor text in json.load(sys.stdin):\n    try:\n        print(json.dumps({reader}(text)))\n    except Exception:\n        print('ERROR')\n",
        import = if reader.starts_with("yaml") {
            "import yaml"
        } else {
            ""
        },
    );
    let mut child = Command::new(python)
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    serde_json::to_writer(child.stdin.take().unwrap(), &texts).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Entries' bodies, as JSON, that the original read the same way as JSON
/// and as YAML 1.1 (PyYAML): what TripleO's generated files hold.
const SAME_EITHER_WAY: &[&str] = &[
    r#"{"image": "app:1", "cpu_shares": 512, "start_order": -1, "privileged": true, "detach": false}"#,
    r#"{"image": "app:1", "environment": {"A": "1", "B": "two words"}, "net": "host"}"#,
    r#"{"image": "app:1", "environment": ["TRIPLEO_CONFIG_HASH=abc", "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS"]}"#,
    r#"{"image": "app:1", "command": ["/bin/sh", "-c", "echo \"quoted\" \\ back\tslash"], "user": "root"}"#,
    r#"{"image": "app:1", "labels": {"x": 1.5, "y": 1.5e+3, "z": 2.5e-1, "w": -0.0, "v": 0}}"#,
    r#"{"image": "app:1", "labels": {"e": "h\u00e9llo \ud83d\ude00 \u2603", "n": null}}"#,
    r#"{"image": "app:1", "volumes": ["/etc/hosts:/etc/hosts:ro", "nova_data:/var/lib/nova"]}"#,
    r#"{"image": "app:1", "healthcheck": {"test": "/openstack/healthcheck"}, "restart": "always", "stop_grace_period": 10}"#,
];

/// Numbers YAML 1.1 read as text and JSON reads as numbers: here the file
/// is read as JSON (the original 4.5.1 read them as strings; its 6.0+
/// read hashed-NAME.json files with `json.load`, as here).
const JSON_NUMBERS: &[&str] = &[
    r#"{"image": "app:1", "cpu_shares": 1e3, "environment": {"E": 1e5, "F": 2.5e-1, "G": 1E+2}}"#,
    r#"{"image": "app:1", "labels": {"a": 1.0e5, "b": 1e-7, "c": 12345678901234567890}}"#,
    r#"{"image": "app:1", "command": ["sleep", 1e1]}"#,
];

fn python3() -> Option<std::path::PathBuf> {
    let ok = Command::new("python3")
        .args(["-c", "import yaml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some("python3".into());
    }
    match crate::original::original_paunch() {
        Ok(bin) => Some(bin.with_file_name("python")),
        Err(why) => {
            eprintln!("SKIPPED: neither python3 with PyYAML nor the original's venv: {why}");
            None
        }
    }
}

/// Each body as a `.json` file of one entry and as a `hashed-web.json`
/// file: the entry's config_data, both ways (they must agree).
fn config_data(body: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("web.json");
    std::fs::write(&file, format!("{{\"web\": {body}}}")).unwrap();
    let one = Config::load(&file).unwrap_or_else(|e| panic!("{body}: {e}"));
    let hashed = dir.path().join("hashed");
    std::fs::create_dir(&hashed).unwrap();
    std::fs::write(hashed.join("hashed-web.json"), body).unwrap();
    let dir_config = Config::load(&hashed).unwrap_or_else(|e| panic!("{body}: {e}"));
    let data = one.entries[0].config_data().to_string();
    assert_eq!(dir_config.entries[0].config_data(), data, "{body}");
    data
}

#[test]
fn config_data_is_pythons_json_dumps_of_what_json_loads_read() {
    let Some(py) = python3() else { return };
    let json = python(&py, "json.loads", SAME_EITHER_WAY);
    let yaml = python(&py, "yaml.safe_load", SAME_EITHER_WAY);
    for ((body, json), yaml) in SAME_EITHER_WAY.iter().zip(&json).zip(&yaml) {
        assert_eq!(json, yaml, "the corpus holds only what both read alike");
        assert_eq!(&config_data(body), json, "{body}");
    }
    let json = python(&py, "json.loads", JSON_NUMBERS);
    let yaml = python(&py, "yaml.safe_load", JSON_NUMBERS);
    for ((body, json), yaml) in JSON_NUMBERS.iter().zip(&json).zip(&yaml) {
        assert_ne!(json, yaml, "YAML 1.1 reads {body} otherwise");
        assert_eq!(&config_data(body), json, "{body}");
    }
}

/// What the engine gets: an integral float where an integer is wanted is
/// that integer (`--cpu-shares=1000`, where Python would have written
/// 1000.0, which docker refuses); a number where text is wanted is the
/// text config_data reads back as (so a container recreated from its
/// label gets the same).
#[test]
fn json_numbers_reach_the_engine_as_their_values() {
    let text = r#"{"web": {"image": "app:1", "cpu_shares": 1e3, "environment": {"E": 1e5, "F": 2.5e-1}, "command": ["sleep", 1e1]}}"#;
    let config = Config::parse_json(text, "web.json", &Default::default()).unwrap();
    let e = &config.entries[0];
    let argv = Runtime::Docker.run_args(e, "web", &LabelSet::default());
    for want in [
        "--cpu-shares=1000",
        "--env=E=100000.0",
        "--env=F=0.25",
        "app:1",
        "sleep",
        "10.0",
    ] {
        assert!(argv.iter().any(|a| a == want), "{want} not in {argv:?}");
    }
    // Read back from its label, the entry builds the same arguments.
    let back = Config::parse_json(
        &format!("{{\"web\": {}}}", e.config_data()),
        "label",
        &Default::default(),
    )
    .unwrap();
    assert_eq!(
        Runtime::Docker.run_args(&back.entries[0], "web", &LabelSet::default()),
        argv
    );
    // In a YAML file the same text is YAML 1.1's, as the original read it.
    let yaml = Config::parse(text, "web.yaml").unwrap_err().to_string();
    assert!(
        yaml.contains("expected an integer, found \"1e3\""),
        "{yaml}"
    );
}

#[test]
fn json_errors_say_where() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "{\"web\": {\"image\": \"app:1\",\n  \"detach\": maybe}}",
            "web.json:2:13: invalid JSON (a .json file is read as JSON): maybe is not a JSON value (strings are in double quotes)",
        ),
        (
            "{\"web\": {\"image\": \"app:1\", \"detach\": \"maybe\"}}",
            "web.json:1:38: entry \"web\", key \"detach\"",
        ),
        (
            "{\"web\": {\"image\": \"app:1\",}}",
            "web.json:1:27: invalid JSON (a .json file is read as JSON): expected a key in double quotes, found '}'",
        ),
        (
            "{\"web\": {\"image\": \"app:1\", \"cpu_shares\": 1.5}}",
            "web.json:1:42: entry \"web\", key \"cpu_shares\": expected an integer, found 1.5",
        ),
    ];
    for (text, want) in cases {
        let file = dir.path().join("web.json");
        std::fs::write(&file, text).unwrap();
        let e = Config::load(&file).unwrap_err();
        assert_eq!(e.kind(), paunch::ErrorKind::Config);
        let e = e.to_string();
        assert!(e.contains(want), "{text}: wanted {want:?} in {e}");
    }
}

/// A Kubernetes manifest may be written as JSON (`kubectl` reads both).
#[test]
fn a_json_pod_is_a_manifest() {
    let text = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "app:1", "env": [{"name": "E", "value": "1"}]}]}}"#;
    let config = Config::parse_json(text, "pod.json", &Default::default()).unwrap();
    let names: Vec<&str> = config.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["p-infra", "p-c"]);
}
