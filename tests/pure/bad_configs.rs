//! A corpus of invalid configurations (tests/bad-configs/, one file each):
//! every one is refused before anything runs, with the message snapshotted.

use paunch::Config;
use std::path::{Path, PathBuf};

fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/bad-configs")
        .expect("tests/bad-configs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    files
}

/// Every bad configuration is refused with the message in its snapshot;
/// one run reports every mismatch (insta's `glob!` collects them).
#[test]
fn every_bad_config_is_refused_with_a_clear_message() {
    assert!(corpus().len() >= 25);
    insta::glob!("../bad-configs", "*.yml", |path| {
        // Messages name the file as given: relative to the package.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let file = path.strip_prefix(root).unwrap_or(path);
        let err = match Config::load(file) {
            Ok(_) => panic!("{} was accepted", file.display()),
            Err(e) => e,
        };
        assert_eq!(err.kind(), paunch::ErrorKind::Config, "{}", file.display());
        let name = file.file_stem().unwrap().to_string_lossy();
        crate::plans::snapshot_settings().bind(|| {
            insta::assert_snapshot!(format!("bad-config-{name}"), err.to_string());
        });
    });
}

#[test]
fn huge_files_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.yml");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(paunch::config::MAX_FILE_BYTES + 1).unwrap();
    let e = Config::load(&path).unwrap_err();
    assert!(e.to_string().contains("are refused"), "{e}");
}

#[test]
fn a_missing_file_says_so() {
    let e = Config::load(Path::new("tests/bad-configs/no-such-file.yml")).unwrap_err();
    assert!(e.to_string().contains("No such file"), "{e}");
}

/// SPEC §6: `--unknown-keys warn` turns an unknown key into a warning with
/// file:line:column; the key stays in config_data and passes no argument.
#[test]
fn unknown_keys_can_be_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.yml");
    // The upstream typo of TripleO's panko_api_cron: a top-level `test:`
    // meant for its healthcheck.
    std::fs::write(
        &path,
        "cron:\n  image: app:1\n  command: crond -n\n  test: /openstack/healthcheck\n",
    )
    .unwrap();
    let e = Config::load(&path).unwrap_err().to_string();
    assert!(
        e.contains(":4:3: entry \"cron\", key \"test\": unknown key \"test\""),
        "{e}"
    );
    let opts = paunch::config::LoadOptions {
        unknown_keys: paunch::config::UnknownKeys::Warn,
        ..Default::default()
    };
    let config = Config::load_with(&path, &opts).unwrap();
    let w = config.warnings[0].to_string();
    assert!(
        w.contains("typo.yml:4:3: entry \"cron\", key \"test\""),
        "{w}"
    );
    assert!(
        config.entries[0]
            .config_data()
            .contains("\"test\": \"/openstack/healthcheck\"")
    );

    let bin = env!("CARGO_BIN_EXE_paunch");
    let run = |extra: &[&str]| {
        std::process::Command::new(bin)
            .args(["validate", "--file", path.to_str().unwrap()])
            .args(extra)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    assert_eq!(run(&[]).status.code(), Some(1));
    let out = run(&["--unknown-keys", "warn"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("valid (1 entry)") && stdout.contains("warning: "),
        "{stdout}"
    );
    let print = std::process::Command::new(bin)
        .args([
            "debug",
            "--file",
            path.to_str().unwrap(),
            "--container",
            "cron",
        ])
        .args(["--unknown-keys", "warn", "--default-runtime", "docker"])
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .output()
        .unwrap();
    let cmd = String::from_utf8_lossy(&print.stdout);
    assert!(cmd.ends_with(" app:1 crond -n\n"), "{cmd}");
    assert!(String::from_utf8_lossy(&print.stderr).contains("warning: "));
}

/// SPEC §6: a string command is split as Python's str.split() did, and a
/// quote in it draws a warning.
#[test]
fn string_commands_with_quotes_warn() {
    let config = Config::parse(
        "db-sync:\n  image: app:1\n  command: \"bootstrap_host_exec nova su nova -c '/usr/bin/nova-manage db sync'\"\n",
        "sync.yml",
    )
    .unwrap();
    assert_eq!(
        config.entries[0].command(),
        [
            "bootstrap_host_exec",
            "nova",
            "su",
            "nova",
            "-c",
            "'/usr/bin/nova-manage",
            "db",
            "sync'"
        ]
    );
    let w = config.warnings[0].to_string();
    assert!(
        w.starts_with("sync.yml:3:12: entry \"db-sync\", key \"command\""),
        "{w}"
    );
    assert!(w.contains("quotes are not interpreted"), "{w}");
}

/// A value a saved plan cannot carry exactly is refused up front (exit 3,
/// naming it), never saved as something else.
#[test]
fn plan_out_of_a_number_it_cannot_carry_exits_3_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yml");
    std::fs::write(
        &path,
        "web:\n  image: app:1\n  labels: {big: 123456789012345678901234567890}\n",
    )
    .unwrap();
    let out_file = dir.path().join("p.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_paunch"))
        .args([
            "plan",
            "--file",
            path.to_str().unwrap(),
            "--config-id",
            "c1",
        ])
        .args(["--out", out_file.to_str().unwrap()])
        .env("DOCKER_HOST", "unix:///nonexistent.sock")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("big.yml:3:17") && stderr.contains("123456789012345678901234567890"),
        "{stderr}"
    );
    assert!(!out_file.exists());
}
