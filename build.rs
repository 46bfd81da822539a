//! Names the commit a binary was built from, for `paunch --version`
//! (`PAUNCH_VERSION`): `0.1.0 (855a21c4f 2026-11-25)` as cargo and rustc
//! say theirs, `855a21c4f-dirty` when the sources that go into the binary
//! differ from that commit. From a source tarball (no git checkout of
//! its own) the commit comes from cargo's `.cargo_vcs_info.json` when the
//! tarball has one; without either, the version alone. Never fails the
//! build: a version string is not worth a broken `cargo install`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What goes into the binary: a change here makes the build "dirty".
const SOURCES: &[&str] = &["src", "build.rs", "Cargo.toml", "Cargo.lock"];

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let commit = from_git(&dir).or_else(|| from_vcs_info(&dir));
    let full = match commit {
        Some(commit) => format!("{version} ({commit})"),
        None => version,
    };
    println!("cargo:rustc-env=PAUNCH_VERSION={full}");
    println!("cargo:rerun-if-changed=build.rs");
    // Only if it exists: cargo runs a script whose watched file is
    // missing on every build, and rebuilds the crate each time.
    if dir.join(".cargo_vcs_info.json").exists() {
        println!("cargo:rerun-if-changed=.cargo_vcs_info.json");
    }
}

/// Runs git in `dir`; its trimmed stdout, if it succeeded. Without optional
/// locks: `git status` would otherwise refresh (write) the index.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    out.status.success().then(|| text.trim().to_string())
}

fn from_git(dir: &Path) -> Option<String> {
    // Only a checkout of this crate itself: a tarball unpacked inside some
    // other repository (vendored) must not take that repository's commit.
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if std::fs::canonicalize(&top).ok()? != std::fs::canonicalize(dir).ok()? {
        return None;
    }
    let hash = git(dir, &["rev-parse", "--short=9", "HEAD"])?;
    let date = git(dir, &["log", "-1", "--format=%cs", "HEAD"]).unwrap_or_default();
    watch_head(dir);
    let mut status = vec!["status", "--porcelain", "--"];
    status.extend(SOURCES);
    let dirty = git(dir, &status).is_none_or(|s| !s.is_empty());
    for source in SOURCES {
        println!("cargo:rerun-if-changed={source}");
    }
    let hash = if dirty { format!("{hash}-dirty") } else { hash };
    Some(format!("{hash} {date}").trim().to_string())
}

/// Builds again when HEAD moves: HEAD itself (a checkout), the branch it
/// names (a commit), and packed-refs (where git may keep that branch).
/// `--git-path` finds them in a worktree too, where they are elsewhere.
fn watch_head(dir: &Path) {
    let mut paths = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        paths.push(branch);
    }
    for p in paths {
        if let Some(path) = git(dir, &["rev-parse", "--git-path", &p]) {
            let path = dir.join(path);
            // A path that does not exist would run this script on every build.
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
}

/// `cargo package` writes the commit it packaged into the tarball:
/// `{"git": {"sha1": "...", "dirty": true}, ...}`. Read without a JSON
/// crate: a build dependency for one field is not worth its build time.
fn from_vcs_info(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let after = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let value = after.split('"').nth(1)?;
    if value.len() < 9 || !value.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let dirty = text.contains("\"dirty\": true") || text.contains("\"dirty\":true");
    Some(format!(
        "{}{}",
        &value[..9],
        if dirty { "-dirty" } else { "" }
    ))
}
