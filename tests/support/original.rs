//! The original Python paunch 4.5.1, for the tests that compare with it
//! (installed from PyPI into a throwaway venv under target/, once).

use std::path::{Path, PathBuf};
use std::process::Command;

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
