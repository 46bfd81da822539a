//! Sensitive values (SPEC §16) in everything that needs no engine: a saved
//! plan holds them (mode 0600) and everything that shows it masks them,
//! while a changed secret still replaces its container and says so.

use paunch::plan::{self, PlanOptions};
use paunch::{Config, Observed, planfile};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;

const SECRETS: [&str; 3] = ["n3w-s3cret", "0ld-s3cret", "t0ken-kept"];

fn scenario_plan(patterns: &[&str]) -> paunch::Plan {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/secret-changed");
    let text = std::fs::read_to_string(dir.join("config.yaml")).unwrap();
    let config = Config::parse(&text, "config.yaml").unwrap();
    let mut observed: Observed =
        serde_json::from_str(&std::fs::read_to_string(dir.join("observed.json")).unwrap()).unwrap();
    observed.normalize();
    let opts = PlanOptions {
        config_id: "v1".into(),
        sensitive_env: patterns.iter().map(|p| p.to_string()).collect(),
        ..Default::default()
    };
    plan::plan_apply(&config, &observed, &opts)
}

fn paunch(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_paunch"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("PAUNCH_DEFAULT_RUNTIME")
        .output()
        .unwrap();
    assert!(out.status.success(), "paunch {args:?}: {out:?}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_masked(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} shows {s}:\n{text}");
    }
}

#[test]
fn a_saved_plan_holds_secrets_privately_and_every_view_masks_them() {
    let plan = scenario_plan(&[]);
    assert_eq!(plan.counts().replace, 1, "a changed secret replaces");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.plan");
    planfile::write(&path, &plan).unwrap();
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(
        saved.contains("n3w-s3cret"),
        "the saved plan must apply them"
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "a saved plan is 0600");
    let p = path.to_str().unwrap();
    let (text, _) = paunch(&["show", p]);
    assert_masked("show", &text);
    assert!(
        text.contains("+    \"DB_PASSWORD\": \"(sensitive, changed)\""),
        "{text}"
    );
    let (verbose, _) = paunch(&["show", "-v", p]);
    assert_masked("show -v", &verbose);
    assert!(
        verbose.contains("--env=DB_PASSWORD=(sensitive)"),
        "{verbose}"
    );
    let (json, _) = paunch(&["show", "--format", "json", p]);
    assert_masked("show --format json", &json);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["steps"][0]["action"], "replace");
}

#[test]
fn sensitive_env_patterns_travel_with_the_plan() {
    let plan = scenario_plan(&["LOG_*"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.plan");
    planfile::write(&path, &plan).unwrap();
    let (json, _) = paunch(&["show", "--format", "json", path.to_str().unwrap()]);
    assert!(!json.contains("\"LOG_LEVEL\": \"info\""), "{json}");
    assert!(json.contains("\"LOG_LEVEL\": \"(sensitive)\""), "{json}");
}

#[test]
fn print_cmd_masks_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db.yml");
    std::fs::write(
        &file,
        "db:\n  image: busybox\n  environment:\n    DB_PASSWORD: n3w-s3cret\n    SENTRY_DSN: t0ken-kept\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    // No engine here: print-cmd assumes the name is free.
    let (cmd, err) = paunch(&[
        "debug",
        "--file",
        f,
        "--container",
        "db",
        "--sensitive-env",
        "*_dsn",
    ]);
    assert_masked("print-cmd", &cmd);
    assert!(err.contains("--show-sensitive"), "{err}");
    let (shown, _) = paunch(&[
        "debug",
        "--file",
        f,
        "--container",
        "db",
        "--show-sensitive",
    ]);
    assert!(shown.contains("--env=DB_PASSWORD=n3w-s3cret"), "{shown}");
}

#[test]
fn control_characters_reach_no_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.yml");
    std::fs::write(
        &file,
        "xx:\n  image: busybox\n  command: [echo, \"a\\e[8mhidden\\u202e\"]\n",
    )
    .unwrap();
    let (cmd, _) = paunch(&[
        "debug",
        "--file",
        file.to_str().unwrap(),
        "--container",
        "xx",
    ]);
    assert!(
        !cmd.contains('\u{1b}') && !cmd.contains('\u{202e}'),
        "{cmd:?}"
    );
    assert!(cmd.contains("$'a\\x1b[8mhidden\\u202e'"), "{cmd}");
}
