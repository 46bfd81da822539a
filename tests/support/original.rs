//! The original Python paunch 4.5.1, for the tests that compare with it
//! (installed from PyPI into a throwaway venv under target/, once), and
//! the one way to run its argv builder (`ComposeV1Builder`), which both
//! the pure corpus (tests/pure/original_argv.rs) and TripleO's files
//! (tests/engine/tripleo.rs) are compared with. Both test binaries use
//! this file (`#[path]`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The original Python paunch 4.5.1 (`$PAUNCH_ORIGINAL`, or installed once
/// into a throwaway venv under target/); `None`, with the reason, when it
/// cannot be had.
pub fn original_paunch() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("PAUNCH_ORIGINAL") {
        return Ok(PathBuf::from(p));
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("paunch-4.5.1-venv");
    let bin = venv.join("bin/paunch");
    if bin.exists() {
        return Ok(bin);
    }
    let lock =
        std::fs::File::create(Path::new(env!("CARGO_TARGET_TMPDIR")).join("paunch-venv.lock"))
            .map_err(|e| e.to_string())?;
    lock.lock().map_err(|e| e.to_string())?;
    if bin.exists() {
        return Ok(bin);
    }
    let step = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd.output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    };
    step(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    step(Command::new(venv.join("bin/pip")).args(["install", "--quiet", "paunch==4.5.1"]))?;
    Ok(bin)
}

/// The original builder's `--flag value` pairs as `--flag=value`, the
/// form paunch writes, so the two argv compare.
pub fn normalize(argv: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        if (a == "--label" || a == "--health-cmd") && i + 1 < argv.len() {
            out.push(format!("{a}={}", argv[i + 1]));
            i += 2;
        } else {
            out.push(a.clone());
            i += 1;
        }
    }
    out
}

/// Runs each config text through the original's builder: for a `run`
/// entry `label_arguments` + `container_run_args`, for an `exec` one
/// `cont_exec_args` (the container name resolved to itself), as the
/// original's runner calls them, under managed-by `paunch` and config id
/// `c`.
const BUILDER: &str = r#"
import json, logging, sys, yaml
logging.disable(logging.CRITICAL)
from paunch.builder import compose1

class Runner:
    managed_by = "paunch"
    cont_cmd = "docker"
    def discover_container_name(self, name, config_id):
        return name

out = []
for text in json.load(sys.stdin):
    config = yaml.safe_load(text)
    b = compose1.ComposeV1Builder("c", config, Runner(), labels=None)
    entries = []
    for name, cconfig in config.items():
        cmd = []
        if cconfig.get("action", "run") == "exec":
            b.cont_exec_args(cmd, name)
        else:
            b.label_arguments(cmd, name)
            b.container_run_args(cmd, name)
        entries.append({"name": name, "config": cconfig, "argv": cmd})
    out.append(entries)
print(json.dumps(out))
"#;

/// One entry as the original's builder saw it.
#[derive(serde::Deserialize)]
pub struct Built {
    pub name: String,
    /// The entry's value as the original's YAML reader read it.
    #[allow(dead_code)] // read by the engine binary's tripleo.rs only
    pub config: serde_json::Value,
    /// Its arguments, without `run --name=x` (added elsewhere by the
    /// original), as the builder writes them ([`normalize`] them to
    /// compare).
    pub argv: Vec<String>,
}

/// The original builder's entries of each text, in file order; `None`,
/// saying why on stderr, where the original cannot be installed (the
/// caller skips its comparison).
pub fn build<T: AsRef<str>>(texts: &[T]) -> Option<Vec<Vec<Built>>> {
    let bin = match original_paunch() {
        Ok(b) => b,
        Err(why) => {
            eprintln!("SKIPPED: the original paunch 4.5.1 cannot be installed here: {why}");
            return None;
        }
    };
    let texts: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
    let mut child = Command::new(bin.with_file_name("python"))
        .args(["-c", BUILDER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    serde_json::to_writer(child.stdin.take().unwrap(), &texts).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the original's builder failed");
    Some(serde_json::from_slice(&out.stdout).unwrap())
}
