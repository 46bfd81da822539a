//! What every engine test needs: a Docker engine that answers, the test
//! image (built once, locally, from a static busybox), a unique
//! `--managed-by` name per test with cleanup on drop, and the paunch binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

pub mod daemon;
pub mod original;
pub mod registry;
pub mod user;
pub use original::original_paunch;

pub const IMAGE: &str = "paunch-test/busybox:1";

static ENGINE: Once = Once::new();

/// Panics with the set-up instruction unless `docker info` answers.
pub fn require_engine() {
    ENGINE.call_once(|| {
        let ok = Command::new("docker")
            .args(["info", "--format", "{{.ServerVersion}}"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            ok,
            "no Docker engine answers `docker info`. Install and start one:\n  \
             apt-get update && apt-get install -y docker.io\n  \
             dockerd >/tmp/dockerd.log 2>&1 &\n\
             then wait until `docker info` answers (or run .ci/run, which does this)."
        );
        ensure_image(IMAGE, &[]);
    });
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs")
}

/// Builds `tag` with `scripts/busybox-image` (a static busybox, plus
/// `extra` files to make an image with another ID), unless present.
/// Serialised across test processes by a file lock.
pub fn ensure_image(tag: &str, extra: &[(&str, &str)]) {
    let lock_path = std::env::temp_dir().join("paunch-test-image.lock");
    let lock = std::fs::File::create(&lock_path).expect("lock file");
    lock.lock().expect("image lock");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/busybox-image");
    let out = Command::new(script)
        .arg(tag)
        .args(
            extra
                .iter()
                .map(|(path, content)| format!("{path}={content}")),
        )
        .output()
        .expect("scripts/busybox-image runs");
    assert!(
        out.status.success(),
        "scripts/busybox-image {tag} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// One test's corner of the host: its own managed-by name and container
/// name prefix; everything it made is removed on drop.
pub struct Scope {
    pub managed_by: String,
    pub prefix: String,
    pub dir: tempfile::TempDir,
    foreign: std::sync::Mutex<Vec<String>>,
}

impl Scope {
    pub fn new(test: &str) -> Scope {
        require_engine();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let tag = format!("{}{}", std::process::id(), n);
        Scope {
            managed_by: format!("paunch-test-{test}-{tag}"),
            prefix: format!("t{tag}-"),
            dir: tempfile::tempdir().expect("tempdir"),
            foreign: Default::default(),
        }
    }

    /// A container name unique to this test.
    pub fn name(&self, base: &str) -> String {
        format!("{}{base}", self.prefix)
    }

    /// Writes a config file (with `{p}` replaced by the prefix).
    pub fn config(&self, file: &str, yaml: &str) -> PathBuf {
        let path = self.dir.path().join(file);
        std::fs::write(&path, yaml.replace("{p}", &self.prefix)).unwrap();
        path
    }

    /// Runs paunch with this scope's --managed-by appended where it applies.
    pub fn paunch(&self, args: &[&str]) -> Run {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let takes_scope = matches!(
            args.first().copied(),
            Some("apply" | "plan" | "cleanup" | "delete" | "list" | "debug")
        ) && !args.contains(&"--plan");
        if takes_scope {
            all.push("--managed-by".into());
            all.push(self.managed_by.clone());
        }
        paunch(&all, &[])
    }

    /// `paunch apply --file FILE --config-id ID` under this scope.
    pub fn apply(&self, file: impl AsRef<Path>, config_id: &str) -> Run {
        self.with_file("apply", file.as_ref(), config_id)
    }

    /// `paunch plan --file FILE --config-id ID` under this scope.
    pub fn plan(&self, file: impl AsRef<Path>, config_id: &str) -> Run {
        self.with_file("plan", file.as_ref(), config_id)
    }

    fn with_file(&self, verb: &str, file: &Path, config_id: &str) -> Run {
        let file = file.to_str().expect("test paths are UTF-8");
        self.paunch(&[verb, "--file", file, "--config-id", config_id])
    }

    /// Starts a container paunch does not manage, removed on drop.
    pub fn foreign(&self, name: &str, labels: &[&str]) -> String {
        let mut args = vec!["run", "-d", "--name", name, "--stop-timeout", "0"];
        for l in labels {
            args.push("--label");
            args.push(l);
        }
        args.extend([IMAGE, "sleep", "3600"]);
        let out = docker(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.foreign.lock().unwrap().push(name.to_string());
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Names of this scope's managed containers.
    pub fn managed(&self) -> Vec<String> {
        let out = docker(&[
            "ps",
            "-a",
            "--filter",
            &format!("label=managed_by={}", self.managed_by),
            "--format",
            "{{.Names}}",
        ]);
        let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        names.sort();
        names
    }

    pub fn cleanup(&self) {
        let out = docker(&[
            "ps",
            "-aq",
            "--filter",
            &format!("label=managed_by={}", self.managed_by),
        ]);
        let mut ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        ids.extend(self.foreign.lock().unwrap().drain(..));
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(ids.iter().map(String::as_str));
            let _ = docker(&args);
        }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// The result of running paunch.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "paunch failed:\n{}\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "unexpected exit code:\n{}\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_paunch")
}

/// Runs the paunch binary with extra environment.
pub fn paunch(args: &[String], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(bin());
    // Lock files of test runs stay out of /run/lock/paunch.
    cmd.args(args).env("NO_COLOR", "1").env(
        "PAUNCH_LOCK_DIR",
        std::env::temp_dir().join("paunch-test-locks"),
    );
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("paunch runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `docker inspect` of one container as JSON.
pub fn inspect(name: &str) -> serde_json::Value {
    let out = docker(&["inspect", "--type", "container", name]);
    assert!(out.status.success(), "no container {name}");
    let mut v: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    v.remove(0)
}

pub fn exists(name: &str) -> bool {
    docker(&["inspect", "--type", "container", name])
        .status
        .success()
}

pub fn id_of(name: &str) -> String {
    inspect(name)["Id"].as_str().unwrap().to_string()
}

pub fn running(name: &str) -> bool {
    inspect(name)["State"]["Running"].as_bool().unwrap_or(false)
}

pub fn label(name: &str, key: &str) -> Option<String> {
    inspect(name)["Config"]["Labels"][key]
        .as_str()
        .map(str::to_string)
}

/// Runs a docker command, asserting success; returns stdout.
pub fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Waits until `cond` holds, polling every 50 ms, for at most `secs`
/// seconds (instead of a fixed sleep that a loaded machine outlasts).
#[track_caller]
pub fn wait_until(secs: u64, what: &str, cond: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {secs}s waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
