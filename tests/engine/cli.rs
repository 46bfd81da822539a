//! The commands that need no engine (validate, schema, completions, show)
//! and `debug` on the real engine.

use crate::support::*;
use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn validate_reports_in_text_and_json() {
    paunch(&["validate", "--file", "examples/web-service.yml"]).ok();
    let out = paunch(&[
        "validate",
        "--file",
        "tests/bad-configs/32-several-problems-at-once.yml",
    ])
    .code(1);
    assert!(
        out.stdout.contains("invalid (3 problems)"),
        "{}",
        out.stdout
    );
    let out = paunch(&[
        "validate",
        "--file",
        "tests/bad-configs/06-unknown-key-typo.yml",
        "--format",
        "json",
    ])
    .code(1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["diagnostics"][0]["line"], 2);
    assert_eq!(v["diagnostics"][0]["column"], 3);
    assert_eq!(v["diagnostics"][0]["key"], "imgae");
    assert_eq!(v["diagnostics"][0]["hint"], "did you mean \"image\"?");
}

#[test]
fn command_line_values_are_checked() {
    let out = paunch(&[
        "plan",
        "--file",
        "examples/hello-world.yml",
        "--config-id",
        "",
        "--label",
        "a=b",
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("must not be empty"), "{}", out.stderr);
    let out = paunch(&[
        "plan",
        "--file",
        "examples/hello-world.yml",
        "--config-id",
        "x",
        "--label",
        "novalue",
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("is not KEY=VALUE"), "{}", out.stderr);
    let out = paunch(&["apply", "--config-id", "x"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("--file is required"), "{}", out.stderr);
    let out = paunch(&["list", "--default-runtime", "lxc"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    paunch(&["--version"]).ok();
    let help = paunch(&["help", "apply"]).ok().stdout;
    assert!(help.contains("Examples:"), "{help}");
    let help = paunch(&["--help"]).ok().stdout;
    assert!(help.contains("Exit codes:"), "{help}");
}

#[test]
fn every_example_matches_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(&paunch(&["schema"]).ok().stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let mut n = 0;
    for entry in std::fs::read_dir("examples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let config = paunch::Config::parse(&text, "x").unwrap();
            let doc = serde_json::to_value(config.to_value()).unwrap();
            let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
            n += 1;
        }
    }
    assert!(n >= 3);
    // And the schema refuses what the loader refuses.
    for bad in [
        serde_json::json!({"web": {"imgae": "x"}}),
        serde_json::json!({"web": {"image": "x", "detach": "maybe"}}),
        serde_json::json!({"fix": {"action": "exec"}}),
        serde_json::json!({"bad name": {"image": "x"}}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
}

#[test]
fn completions_are_printed() {
    for shell in ["bash", "zsh", "fish"] {
        let out = paunch(&["completions", shell]).ok();
        assert!(out.stdout.contains("paunch"), "{shell}");
    }
}

const DEBUG: &str = "{p}box:
  image: {image}
  command: [sh, -c, 'echo \"hello world\"']
  detach: false
  environment: {GREETING: 'a b'}
";

#[test]
fn debug_print_cmd_can_be_pasted_into_a_shell() {
    let s = Scope::new("debug-print");
    let file = s.config("d.yml", DEBUG);
    let out = s
        .paunch(&[
            "debug",
            "--file",
            file.to_str().unwrap(),
            "--container",
            &s.name("box"),
        ])
        .ok();
    let line = out.stdout.trim();
    let words = shlex::split(line).expect("shell words");
    assert_eq!(words[0], runtime());
    assert_eq!(words[1], "run");
    assert!(
        words.contains(&"--label=config_id=debug".to_string()),
        "{line}"
    );
    assert!(words.contains(&"--env=GREETING=a b".to_string()), "{line}");
    // Pasted into a shell, it runs.
    let sh = Command::new("sh")
        .args(["-c", line])
        .envs(engine_env())
        .output()
        .unwrap();
    assert!(
        sh.status.success(),
        "{}",
        String::from_utf8_lossy(&sh.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&sh.stdout).trim(), "hello world");
    assert!(exists(&s.name("box")));
}

#[test]
fn debug_dumps_are_valid_files() {
    let s = Scope::new("debug-dump");
    let file = s.config("d.yml", DEBUG);
    let f = file.to_str().unwrap();
    let name = s.name("box");
    for (action, ext) in [("dump-json", "json"), ("dump-yaml", "yml")] {
        let out = s
            .paunch(&[
                "debug",
                "--file",
                f,
                "--container",
                &name,
                "--action",
                action,
                "--overrides",
                "{\"net\": \"host\", \"restart\": \"no\"}",
                "--user",
                "nobody",
            ])
            .ok();
        let dumped = s.dir.path().join(format!("dump.{ext}"));
        std::fs::write(&dumped, &out.stdout).unwrap();
        let config = paunch::Config::load(&dumped)
            .unwrap_or_else(|e| panic!("{action}: {e}\n{}", out.stdout));
        let e = &config.entries[0];
        assert_eq!(e.name, name);
        assert_eq!(e.string("net"), Some("host"));
        assert_eq!(e.string("user"), Some("nobody"));
        // "no" stays the string "no", in YAML too.
        assert_eq!(
            e.data.as_map().unwrap().get("restart"),
            Some(&paunch::value::Value::String("no".into()))
        );
    }
}

#[test]
fn debug_run_interactive_with_piped_stdin_returns_the_exit_code() {
    let s = Scope::new("debug-run");
    let file = s.config("d.yml", DEBUG);
    let mut child = paunch_command()
        .args([
            "debug",
            "--file",
            file.to_str().unwrap(),
            "--container",
            &s.name("box"),
            "--action",
            "run",
            "--interactive",
            "--managed-by",
            &s.managed_by,
        ])
        .arg("--overrides")
        .arg("{\"command\": \"sh\"}")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"echo hi; exit 3\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "hi");
    // --interactive implies remove: nothing is left behind.
    assert!(!exists(&s.name("box")));
}

#[test]
fn debug_shell_uses_bin_sh() {
    let s = Scope::new("debug-shell");
    let file = s.config("d.yml", DEBUG);
    let out = s
        .paunch(&[
            "debug",
            "--file",
            file.to_str().unwrap(),
            "--container",
            &s.name("box"),
            "--shell",
            "--user",
            "root",
        ])
        .ok();
    let words = shlex::split(out.stdout.trim()).unwrap();
    assert_eq!(words.last().unwrap(), "/bin/sh");
    for flag in [
        "--interactive",
        "--tty",
        "--rm",
        "--restart=no",
        "--user=root",
    ] {
        assert!(
            words.contains(&flag.to_string()),
            "{flag} missing: {words:?}"
        );
    }
    assert!(!words.contains(&"--detach=true".to_string()));
    let out = s.paunch(&[
        "debug",
        "--file",
        file.to_str().unwrap(),
        "--container",
        "nope",
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
}

#[test]
fn log_file_gets_every_engine_command() {
    let s = Scope::new("logfile");
    let log = s.dir.path().join("paunch.log");
    let file = s.config("l.yml", "{p}one:\n  {service}\n");
    s.paunch(&[
        "apply",
        "--file",
        file.to_str().unwrap(),
        "--config-id",
        "c1",
        "-q",
        "--log-file",
        log.to_str().unwrap(),
    ])
    .ok();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains(&format!("$ {} ps --all", runtime())),
        "{text}"
    );
    assert!(text.contains("]   exit 0 after "), "{text}");
    assert!(!text.contains("Some("), "{text}");
    assert!(
        text.contains(&format!("$ {} run '--name=", runtime())),
        "{text}"
    );
    assert!(text.contains("ok create"), "{text}");
    assert!(text.contains("Apply complete"), "{text}");
}

#[test]
fn a_directory_of_hashed_json_files_is_a_configuration() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hashed-web.json"),
        r#"{"image": "app:1", "command": ["serve", "--port", "80"], "environment": ["TRIPLEO_CONFIG_HASH=abc"]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("hashed-db.json"),
        r#"{"image": "db:2", "start_order": -1}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("README"), "not a config").unwrap();
    let config = paunch::Config::load(dir.path()).unwrap();
    let names: Vec<&str> = config.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["db", "web"]);
    assert_eq!(
        config.entries[1].config_data(),
        r#"{"image": "app:1", "command": ["serve", "--port", "80"], "environment": ["TRIPLEO_CONFIG_HASH=abc"]}"#
    );
    let out = paunch(&["validate", "--file", dir.path().to_str().unwrap()]).ok();
    assert!(out.stdout.contains("valid (2 entries)"), "{}", out.stdout);

    // A broken file names itself.
    std::fs::write(
        dir.path().join("hashed-bad.json"),
        r#"{"image": "x", "detach": "maybe"}"#,
    )
    .unwrap();
    let out = paunch(&["validate", "--file", dir.path().to_str().unwrap()]).code(1);
    assert!(out.stdout.contains("hashed-bad.json:1:"), "{}", out.stdout);
    let empty = tempfile::tempdir().unwrap();
    let out = paunch(&["validate", "--file", empty.path().to_str().unwrap()]).code(1);
    assert!(
        out.stdout.contains("no hashed-NAME.json files"),
        "{}",
        out.stdout
    );
}
