//! A member of the docker group, to run paunch as a user other than root
//! (`su`). Made when the first test needs it and removed (with what its
//! runs left in the shared lock directory) when the last one is done.

use super::Run;
use std::process::Command;
use std::sync::Mutex;

pub const USER: &str = "paunch-test-user";

/// Tests using the user now, and whether this process made it.
static USERS: Mutex<(usize, bool)> = Mutex::new((0, false));

pub struct DockerUser;

impl DockerUser {
    pub fn new() -> DockerUser {
        let mut users = USERS.lock().unwrap_or_else(|e| e.into_inner());
        if users.0 == 0 {
            let exists = Command::new("id")
                .arg(USER)
                .output()
                .unwrap()
                .status
                .success();
            if !exists {
                let out = Command::new("useradd")
                    .args([
                        "--no-create-home",
                        "--groups",
                        "docker",
                        "--shell",
                        "/bin/sh",
                        USER,
                    ])
                    .output()
                    .expect("useradd runs");
                assert!(
                    out.status.success(),
                    "useradd: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            users.1 = !exists;
        }
        users.0 += 1;
        DockerUser
    }

    /// Runs paunch as this user, in `dir`, with the default lock directory.
    pub fn paunch(&self, dir: &std::path::Path, args: &[&str]) -> Run {
        let mut line = format!("cd '{}' && NO_COLOR=1 exec {}", dir.display(), super::bin());
        for a in args {
            line.push_str(&format!(" '{a}'"));
        }
        let out = Command::new("su")
            .args(["-s", "/bin/sh", USER, "-c", &line])
            .env_remove("PAUNCH_LOCK_DIR")
            .output()
            .expect("su runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Drop for DockerUser {
    fn drop(&mut self) {
        let mut users = USERS.lock().unwrap_or_else(|e| e.into_inner());
        users.0 -= 1;
        if users.0 > 0 {
            return;
        }
        // What its runs left in the shared lock directory: the engine
        // identity they remembered.
        let uid = Command::new("id").args(["-u", USER]).output().unwrap();
        let uid: Option<u32> = String::from_utf8_lossy(&uid.stdout).trim().parse().ok();
        let engines = std::fs::read_dir("/run/lock/paunch/engines")
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
        if users.1 {
            let _ = Command::new("userdel").arg(USER).output();
        }
    }
}
