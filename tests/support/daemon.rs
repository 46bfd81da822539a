//! A private Docker daemon, for tests that kill, freeze or restart the
//! engine itself without disturbing the host's:
//!
//! ```text
//! unshare --net dockerd --data-root D/data --exec-root D/exec --pidfile D/pid \
//!     -H unix://D/sock --bridge none --iptables=false --ip-masq=false
//! ```
//!
//! It runs in a network namespace of its own: a second dockerd with
//! `--bridge none` in the host's namespace deletes the host daemon's
//! `docker0`, breaking every other container. Having no bridge, its
//! containers need `net: none`. The test image is loaded into it from the
//! host's engine. On drop it is stopped (SIGTERM), what it left mounted
//! under D is unmounted, and D removed.

use super::IMAGE;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Daemon {
    dir: PathBuf,
    /// `unshare`, which became dockerd: reaped once it is gone.
    child: Mutex<Option<Child>>,
}

impl Daemon {
    /// Starts a private daemon and loads the test image into it.
    pub fn start(test: &str) -> Daemon {
        super::require_engine();
        // A short path: the socket's path must fit in sun_path.
        let dir = PathBuf::from(format!("/tmp/pd-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("daemon directory");
        let d = Daemon {
            dir,
            child: Mutex::new(None),
        };
        d.launch();
        let mut save = Command::new("docker")
            .args(["save", IMAGE])
            .stdout(Stdio::piped())
            .spawn()
            .expect("docker save");
        let load = Command::new("docker")
            .args(["load", "--quiet"])
            .env("DOCKER_HOST", d.host())
            .stdin(save.stdout.take().expect("docker save's stdout"))
            .output()
            .expect("docker load");
        let _ = save.wait();
        assert!(
            load.status.success(),
            "loading {IMAGE} into the private daemon: {}",
            String::from_utf8_lossy(&load.stderr)
        );
        d
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.join(p)
    }

    /// `unix://D/sock`, for `DOCKER_HOST`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.path("sock").display())
    }

    /// dockerd's pid, while it runs.
    pub fn pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.path("pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    fn launch(&self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path("log"))
            .expect("daemon log");
        let d = |p: &str| self.path(p).display().to_string();
        let child = Command::new("unshare")
            .args(["--net", "dockerd", "--data-root", &d("data")])
            .args(["--exec-root", &d("exec"), "--pidfile", &d("pid")])
            .args(["-H", &self.host(), "--bridge", "none"])
            .args(["--iptables=false", "--ip-masq=false"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("unshare --net dockerd starts");
        *self.child.lock().unwrap() = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self
            .docker(&["info", "--format", "{{.ID}}"])
            .status
            .success()
        {
            assert!(
                Instant::now() < deadline,
                "the private daemon did not answer within 60 s; its log:\n{}",
                std::fs::read_to_string(self.path("log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs the docker CLI against this daemon.
    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", self.host())
            .output()
            .expect("docker runs")
    }

    /// SIGKILLs dockerd, as a crash or the OOM killer would, and waits
    /// until it is gone.
    pub fn kill9(&self) {
        if let Some(pid) = self.pid() {
            signal(pid, libc::SIGKILL);
            wait_gone(pid, Duration::from_secs(10));
        }
        self.reap();
    }

    /// Waits for the process started last (gone by now).
    fn reap(&self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again after [`Daemon::kill9`]: the stale pid files go
    /// first, or dockerd and its containerd refuse to start.
    pub fn restart(&self) {
        let _ = std::fs::remove_file(self.path("pid"));
        let _ = std::fs::remove_file(self.path("exec/containerd/containerd.pid"));
        self.launch();
    }

    /// SIGSTOP: the daemon still accepts connections, and answers nothing.
    pub fn freeze(&self) {
        if let Some(pid) = self.pid() {
            signal(pid, libc::SIGSTOP);
        }
    }

    /// SIGCONT after [`Daemon::freeze`].
    pub fn thaw(&self) {
        if let Some(pid) = self.pid() {
            signal(pid, libc::SIGCONT);
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(pid) = self.pid() {
            signal(pid, libc::SIGCONT);
            let ids = self.docker(&["ps", "-aq"]);
            let ids = String::from_utf8_lossy(&ids.stdout);
            let mut rm = vec!["rm", "-f"];
            rm.extend(ids.split_whitespace());
            if rm.len() > 2 {
                self.docker(&rm);
            }
            signal(pid, libc::SIGTERM);
            if !wait_gone(pid, Duration::from_secs(30)) {
                signal(pid, libc::SIGKILL);
                wait_gone(pid, Duration::from_secs(10));
            }
        }
        self.reap();
        // What a killed daemon left: its containerd and shims.
        for pid in processes_under(&self.dir) {
            signal(pid, libc::SIGKILL);
        }
        unmount_under(&self.dir);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn signal(pid: i32, sig: i32) {
    // SAFETY: kill has no preconditions; the pid is one this test started.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Waits until `pid` is gone (reaped or a zombie); false on timeout.
fn wait_gone(pid: i32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let zombie = status
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z'));
        if status.is_empty() || zombie {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Processes whose command line names `dir` (the private daemon's
/// containerd and its shims, which outlive a SIGKILLed dockerd).
fn processes_under(dir: &Path) -> Vec<i32> {
    let needle = dir.display().to_string();
    let mut pids = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&needle) {
            pids.push(pid);
        }
    }
    pids
}

/// Unmounts everything mounted under `dir`, deepest first.
fn unmount_under(dir: &Path) {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let prefix = dir.display().to_string();
    let mut points: Vec<&str> = mounts
        .lines()
        .filter_map(|l| l.split(' ').nth(1))
        .filter(|p| p.starts_with(&prefix))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in points {
        let _ = Command::new("umount").args(["-l", p]).output();
    }
}
