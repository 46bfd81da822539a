//! The configurations of the original's largest user: TripleO's
//! `docker_config` per step for a controller, a non-HA controller and a
//! compute node, from tripleo-heat-templates stable/stein (see
//! tests/tripleo/README.md). Every file parses; every entry's `docker run`
//! (or `docker exec`) arguments are the original 4.5.1 builder's, except
//! where a stated rule says the original lost the operator's meaning; and
//! TripleO's db-sync command form works on a real engine.

use crate::support::{self, original};
use paunch::Config;
use paunch::config::{LoadOptions, UnknownKeys};
use paunch::engine::argv::{LabelSet, Runtime};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The one file with an unknown key: upstream's panko_api_cron has its
/// healthcheck `test:` at the top level of the entry (a typo the original
/// silently ignored).
const TYPO_FILE: &str = "controller/step_4.yaml";
const TYPO_ENTRY: &str = "panko_api_cron";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tripleo")
}

/// Every corpus file as (path relative to tests/tripleo, text), sorted.
fn corpus() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for dir in std::fs::read_dir(corpus_dir()).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "yaml") {
                let rel = f
                    .strip_prefix(corpus_dir())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((rel, std::fs::read_to_string(&f).unwrap()));
            }
        }
    }
    files.sort();
    assert!(files.len() >= 12, "the corpus is missing: {files:?}");
    files
}

fn warn() -> LoadOptions {
    LoadOptions {
        unknown_keys: UnknownKeys::Warn,
        ..LoadOptions::default()
    }
}

/// Parses a corpus file as it must parse: the typo file with unknown keys
/// as warnings, every other one strictly.
fn parse(rel: &str, text: &str) -> Config {
    if rel == TYPO_FILE {
        Config::parse_with(text, rel, &warn()).unwrap_or_else(|e| panic!("{rel}: {e}"))
    } else {
        Config::parse(text, rel).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

/// Line and column (1-based) of `key:` inside the top-level entry `entry`.
fn position_of(text: &str, entry: &str, key: &str) -> (usize, usize) {
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with(' ') && !line.starts_with('#') && !line.is_empty() {
            inside = line.trim_end() == format!("{entry}:");
            continue;
        }
        let trimmed = line.trim_start();
        if inside && trimmed.starts_with(&format!("{key}:")) && line.len() - trimmed.len() == 2 {
            return (i + 1, 3);
        }
    }
    panic!("no {entry}.{key} in the text");
}

/// The warnings other than the one about quotes in a string `command`
/// (TripleO's db-sync entries have them, on purpose: see the engine test).
fn not_about_quotes(warnings: &[paunch::error::Diagnostic]) -> Vec<&paunch::error::Diagnostic> {
    warnings
        .iter()
        .filter(|w| w.key.as_deref() != Some("command"))
        .collect()
}

#[test]
fn every_step_file_parses() {
    let mut entries = 0;
    let mut execs = 0;
    for (rel, text) in corpus() {
        let config = parse(&rel, &text);
        assert!(!config.entries.is_empty(), "{rel}");
        entries += config.entries.len();
        execs += config
            .entries
            .iter()
            .filter(|e| e.action() == paunch::config::EntryAction::Exec)
            .count();
        if rel != TYPO_FILE {
            assert!(
                not_about_quotes(&config.warnings).is_empty(),
                "{rel}: {:?}",
                config.warnings
            );
        }
    }
    assert!(entries >= 100, "only {entries} entries");
    assert!(execs >= 3, "only {execs} exec entries");
}

#[test]
fn the_upstream_typo_is_a_warning_only_when_asked() {
    let text = std::fs::read_to_string(corpus_dir().join(TYPO_FILE)).unwrap();
    let (line, column) = position_of(&text, TYPO_ENTRY, "test");

    let err = Config::parse(&text, TYPO_FILE).expect_err("an unknown key is an error by default");
    let msg = err.to_string();
    assert!(msg.contains("\"test\""), "{msg}");
    assert!(msg.contains(TYPO_ENTRY), "{msg}");
    assert!(
        msg.contains(&format!("{TYPO_FILE}:{line}:{column}")),
        "{msg}"
    );

    let config = Config::parse_with(&text, TYPO_FILE, &warn()).unwrap();
    let warnings = not_about_quotes(&config.warnings);
    assert_eq!(warnings.len(), 1, "{:?}", config.warnings);
    let w = warnings[0];
    assert_eq!(w.file, TYPO_FILE);
    assert_eq!(w.entry.as_deref(), Some(TYPO_ENTRY));
    assert_eq!(w.key.as_deref(), Some("test"));
    assert_eq!((w.line, w.column), (Some(line), Some(column)), "{w}");
    assert!(w.to_string().contains(&format!(":{line}:{column}")), "{w}");
    // The key stays in config_data, as the original kept it.
    let cron = config
        .entries
        .iter()
        .find(|e| e.name == TYPO_ENTRY)
        .unwrap();
    assert!(
        cron.config_data()
            .contains("\"test\": \"/openstack/healthcheck\""),
        "{}",
        cron.config_data()
    );

    // On the command line too: the entry alone, without its volumes (the
    // host paths of a TripleO node are missing here, and would be errors).
    let mut lines = Vec::new();
    let (mut inside, mut in_volumes) = (false, false);
    for l in text.lines() {
        if !l.starts_with(' ') && !l.is_empty() && !l.starts_with('#') {
            inside = l == format!("{TYPO_ENTRY}:");
        }
        in_volumes = l == "  volumes:" || (in_volumes && l.starts_with("  - "));
        if inside && !in_volumes {
            lines.push(format!("{l}\n"));
        }
    }
    let text: String = lines.concat();
    let (line, column) = position_of(&text, TYPO_ENTRY, "test");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("step_4.yaml");
    std::fs::write(&path, &text).unwrap();
    let path = path.to_str().unwrap();
    let strict = support::paunch(&["validate", "--file", path]);
    assert_eq!(strict.code, 1, "{strict:?}");
    let run = support::paunch(&["validate", "--file", path, "--unknown-keys", "warn"]).ok();
    let out = format!("{}{}", run.stdout, run.stderr);
    assert!(out.contains(&format!("{path}:{line}:{column}")), "{out}");
    assert!(out.contains("\"test\""), "{out}");
}

/// A difference from the original's argv, on purpose: the rule says which
/// entries it concerns (from the entry's raw YAML value) and which argv
/// elements carry it (a flag ending in `=`, every element it starts; any
/// other, itself). Those elements are compared by the rule's own test;
/// everything else must be identical.
struct Difference {
    why: &'static str,
    applies: fn(&Value, bool) -> bool,
    flag: &'static [&'static str],
}

const DIFFERENCES: &[Difference] = &[
    Difference {
        why: "an environment MAP: the original iterates the dict and emits --env=KEY, \
              losing every value (its own TODO: 'support the dict layout')",
        applies: |c, exec| !exec && c["environment"].is_object(),
        flag: &["--env="],
    },
    Difference {
        why: "environment of an exec entry: the original's cont_exec_args drops it; \
              keystone_bootstrap needs OS_BOOTSTRAP_PASSWORD in `keystone-manage bootstrap`",
        applies: |c, exec| {
            exec && match &c["environment"] {
                Value::Object(m) => !m.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => false,
            }
        },
        flag: &["--env="],
    },
    Difference {
        why: "stop_grace_period with units or a fraction: the original emits \
              --stop-timeout=90.0, which the engine rejects",
        applies: |c, _| match &c["stop_grace_period"] {
            Value::String(_) => true,
            Value::Number(n) => !n.is_i64(),
            _ => false,
        },
        flag: &["--stop-timeout="],
    },
    Difference {
        why: "security_opt as a list: the original emits one flag with the Python list repr",
        applies: |c, _| c["security_opt"].is_array(),
        flag: &["--security-opt="],
    },
    Difference {
        why: "restart: no read as a YAML 1.1 boolean: the original emits --restart=False",
        applies: |c, _| c["restart"].is_boolean(),
        flag: &["--restart="],
    },
    Difference {
        why: "a healthcheck test as a list: the original emits its Python repr",
        applies: |c, _| c["healthcheck"]["test"].is_array(),
        flag: &["--health-cmd="],
    },
    Difference {
        why: "hostname, extra_hosts, cpuset_cpus (other than `all`): ignored by the \
              original's docker builder, applied here",
        applies: |c, _| {
            c.get("hostname").is_some()
                || c.get("extra_hosts").is_some()
                || c.get("cpuset_cpus").is_some_and(|v| v != "all")
        },
        flag: &["--hostname=", "--add-host=", "--cpuset-cpus="],
    },
    Difference {
        why: "an exec entry: `--` ends the engine's options before the target, so that \
              no target is ever read as one (SPEC §16)",
        applies: |_, exec| exec,
        flag: &["--"],
    },
];

#[test]
fn argv_matches_the_original_builder() {
    let files = corpus();
    let texts: Vec<&str> = files.iter().map(|(_, t)| t.as_str()).collect();
    let Some(theirs) = original::build(&texts) else {
        return;
    };

    let labels = LabelSet {
        managed_by: "paunch".into(),
        config_id: "c".into(),
        extra: vec![],
    };
    let (mut same, mut differ) = (0, 0);
    let mut reasons = std::collections::BTreeMap::<&str, Vec<String>>::new();
    for ((rel, text), theirs) in files.iter().zip(theirs) {
        let config = parse(rel, text);
        assert_eq!(config.entries.len(), theirs.len(), "{rel}");
        for (entry, t) in config.entries.iter().zip(theirs) {
            assert_eq!(entry.name, t.name, "{rel}: the entries are in file order");
            let what = format!("{rel}: {}", entry.name);
            let exec = entry.action() == paunch::config::EntryAction::Exec;
            let ours: Vec<String> = if exec {
                // `exec` and the target, the command's first word (which
                // the original resolves to the container's current name).
                let target = entry.exec_target().expect("an exec target");
                Runtime::Docker.exec_args(entry, target)[1..].to_vec()
            } else {
                // `run --name=x`: the original's builder adds those elsewhere.
                Runtime::Docker.run_args(entry, &entry.name, &labels)[2..].to_vec()
            };
            let theirs = original::normalize(&t.argv);
            if !exec {
                assert_eq!(ours[..4], theirs[..4], "labels differ for {what}");
            }
            let rules: Vec<&Difference> = DIFFERENCES
                .iter()
                .filter(|d| (d.applies)(&t.config, exec))
                .collect();
            if rules.is_empty() {
                assert_eq!(ours, theirs, "for {what}");
                same += 1;
                continue;
            }
            assert_ne!(ours, theirs, "expected a difference for {what}");
            // A flag ending in `=` carries its values; another, itself.
            let carried = |a: &String| {
                rules.iter().any(|d| {
                    d.flag.iter().any(|f| {
                        if f.ends_with('=') {
                            a.starts_with(f)
                        } else {
                            a == f
                        }
                    })
                })
            };
            let rest = |v: &[String]| -> Vec<String> {
                v.iter().filter(|a| !carried(a)).cloned().collect()
            };
            assert_eq!(
                rest(&ours),
                rest(&theirs),
                "for {what}: only the flags of {:?} may differ",
                rules.iter().map(|d| d.why).collect::<Vec<_>>()
            );
            for d in rules {
                reasons.entry(d.why).or_default().push(what.clone());
            }
            differ += 1;
        }
    }
    eprintln!("{same} entries identical to the original's argv, {differ} differ on purpose:");
    for (why, entries) in &reasons {
        eprintln!("  {why}: {}", entries.join(", "));
    }
    assert!(same >= 100, "only {same} entries compared equal");
}

/// TripleO's `bootstrap_host_exec` (tripleo-common, stable/stein,
/// scripts/bootstrap_host_exec), minus the bootstrap-node check (it asks
/// hiera): it takes the service name, shifts it off and `eval`s the rest,
/// re-joined by spaces. That only runs the intended command when the
/// string `command` was split on whitespace with the quotes left inside
/// the words, as the original's `str.split()` did.
const BOOTSTRAP_HOST_EXEC: &str = r#"#!/bin/sh
set -e
SERVICE_NAME=$1
if [ -z "$SERVICE_NAME" ]; then
    echo "Please supply a valid service name."
    exit 1
fi
shift
if [ -z "$*" ]; then
    echo "Please supply a valid 'command' to run as an argument."
    exit 1
fi
eval $*
"#;

#[test]
fn a_tripleo_db_sync_command_runs_as_it_did() {
    let scope = support::Scope::new("tripleo-dbsync");
    let dir = scope.dir.path();
    let script = dir.join("bootstrap_host_exec");
    std::fs::write(&script, BOOTSTRAP_HOST_EXEC).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = dir.join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o777)).unwrap();

    // As nova_api_db_sync in controller/step_3.yaml, with the test image
    // and a command it has.
    let config = scope.config(
        "step_3.yaml",
        &format!(
            "{{p}}nova_api_db_sync:\n  \
               image: {image}\n  \
               net: none\n  \
               detach: false\n  \
               user: root\n  \
               stop_grace_period: 1\n  \
               volumes:\n  \
               - {script}:/usr/bin/bootstrap_host_exec:ro\n  \
               - {out}:/out\n  \
               command: \"/usr/bin/bootstrap_host_exec nova_api sh -c 'echo api_db sync done > /out/result'\"\n",
            image = support::IMAGE,
            script = script.display(),
            out = out.display(),
        ),
    );
    scope.apply(&config, "tripleo_step3").ok();
    let result =
        std::fs::read_to_string(out.join("result")).expect("the command wrote /out/result");
    assert_eq!(result.trim_end(), "api_db sync done");
}
