//! Users other than root, acted as with `su`: a member of the docker
//! group, to run paunch as one, and an outsider (in no group of note), to
//! attack what root's paunch does. Each is made when the first test needs
//! it and removed when the last one is done (on a failure too: the value
//! is dropped as the test unwinds). Both run paunch the one way
//! [`paunch_as`] does.

use super::Run;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

pub const USER: &str = "paunch-test-user";

/// Tests using the user now, and whether this process made it.
static USERS: Mutex<(usize, bool)> = Mutex::new((0, false));

pub struct DockerUser;

/// Makes `user` (in `groups`, if any) unless it exists, counting the
/// tests using it in `users`.
fn add_user(users: &Mutex<(usize, bool)>, user: &str, groups: &[&str]) {
    let mut users = users.lock().unwrap_or_else(|e| e.into_inner());
    if users.0 == 0 {
        let exists = Command::new("id")
            .arg(user)
            .output()
            .unwrap()
            .status
            .success();
        if !exists {
            let mut cmd = Command::new("useradd");
            cmd.args(["--no-create-home", "--shell", "/bin/sh"]);
            if !groups.is_empty() {
                cmd.args(["--groups", &groups.join(",")]);
            }
            let out = cmd.arg(user).output().expect("useradd runs");
            assert!(
                out.status.success(),
                "useradd: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        users.1 = !exists;
    }
    users.0 += 1;
}

/// One test fewer uses `user`; the last one removes it if this process
/// made it (and calls `before` first).
fn remove_user(users: &Mutex<(usize, bool)>, user: &str, before: impl FnOnce()) {
    let mut users = users.lock().unwrap_or_else(|e| e.into_inner());
    users.0 -= 1;
    if users.0 > 0 {
        return;
    }
    before();
    if users.1 {
        let _ = Command::new("userdel").arg(user).output();
    }
}

fn uid_of(user: &str) -> Option<u32> {
    let out = Command::new("id").args(["-u", user]).output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// Runs `line` with `sh -c` as `user`, with no PAUNCH_LOCK_DIR.
fn su(user: &str, line: &str) -> Command {
    let mut cmd = Command::new("su");
    cmd.args(["-s", "/bin/sh", user, "-c", line])
        .env_remove("PAUNCH_LOCK_DIR");
    cmd
}

fn run(mut cmd: Command) -> Run {
    cmd.output().expect("su runs").into()
}

/// `text` as one word of `sh`.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Runs paunch as `user` (with `su`), in `dir`, as that user's own login
/// would: paunch's default lock directory (no PAUNCH_LOCK_DIR), no
/// XDG_RUNTIME_DIR (root's would not be the user's), the engine under
/// test, no colour, and `env`.
pub fn paunch_as(user: &str, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut line = format!(
        "cd {} && unset XDG_RUNTIME_DIR && PAUNCH_DEFAULT_RUNTIME={} NO_COLOR=1",
        quoted(&dir.display().to_string()),
        super::runtime()
    );
    for (k, v) in env {
        line.push_str(&format!(" {k}={}", quoted(v)));
    }
    line.push_str(&format!(" exec {}", quoted(super::bin())));
    for a in args {
        line.push(' ');
        line.push_str(&quoted(a));
    }
    run(su(user, &line))
}

impl DockerUser {
    pub fn new() -> DockerUser {
        add_user(&USERS, USER, &["docker"]);
        DockerUser
    }

    /// Runs paunch as this user, in `dir` ([`paunch_as`]).
    pub fn paunch(&self, dir: &Path, args: &[&str]) -> Run {
        paunch_as(USER, dir, args, &[])
    }
}

impl Drop for DockerUser {
    fn drop(&mut self) {
        remove_user(&USERS, USER, || {
            // What its runs left in the shared lock directory: the engine
            // identity they remembered.
            let uid = uid_of(USER);
            let engines = std::fs::read_dir("/run/paunch/engines")
                .into_iter()
                .flatten();
            for e in engines.flatten() {
                let owner = e
                    .metadata()
                    .map(|m| std::os::unix::fs::MetadataExt::uid(&m));
                if owner.ok() == uid {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        });
    }
}

/// The docker group's gid, if this host has one.
pub fn docker_gid() -> Option<u32> {
    let group = std::fs::read_to_string("/etc/group").ok()?;
    group
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&"docker"))
        .and_then(|f| f.get(2)?.parse().ok())
}

pub const OUTSIDER: &str = "paunch-test-outsider";

static OUTSIDERS: Mutex<(usize, bool)> = Mutex::new((0, false));

/// A local user in no group of note (not docker's): what root's paunch
/// does must give it nothing. Tests aim it only at decoys they made.
pub struct Outsider;

impl Outsider {
    pub fn new() -> Outsider {
        add_user(&OUTSIDERS, OUTSIDER, &[]);
        Outsider
    }

    pub fn uid(&self) -> u32 {
        uid_of(OUTSIDER).expect("the outsider exists")
    }

    /// Runs `line` with `sh -c` as the outsider.
    pub fn sh(&self, line: &str) -> Run {
        run(su(OUTSIDER, line))
    }

    /// Runs paunch as the outsider, in `dir`, with `env` ([`paunch_as`]).
    pub fn paunch(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        paunch_as(OUTSIDER, dir, args, env)
    }
}

impl Drop for Outsider {
    fn drop(&mut self) {
        remove_user(&OUTSIDERS, OUTSIDER, || {});
    }
}
