//! A real registry for pull tests: Debian's `docker-registry`
//! (distribution 2.8) serving on a free loopback port, its storage in a
//! temporary directory. Docker pushes to and pulls from a loopback
//! registry without TLS; podman needs `--tls-verify=false` for its pushes
//! here, and for its pulls the [`Registry::registries_conf`] file (as
//! `CONTAINERS_REGISTRIES_CONF`). Each test that needs one starts its own (it
//! takes a fraction of a second), so a test that stops it disturbs no
//! other; on drop it is stopped and every image of its address is removed
//! from the engine.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The registry binary (package `docker-registry`).
pub const BINARY: &str = "/usr/bin/docker-registry";

pub struct Registry {
    dir: tempfile::TempDir,
    port: u16,
    child: Mutex<Option<Child>>,
}

impl Registry {
    /// Starts a registry on a free port of 127.0.0.1 and waits until it
    /// answers.
    pub fn start() -> Registry {
        assert!(
            std::path::Path::new(BINARY).is_file(),
            "{BINARY} is missing: apt-get install -y docker-registry (or run .ci/run)"
        );
        let port = free_port();
        let dir = tempfile::tempdir().expect("tempdir");
        let config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        std::fs::write(dir.path().join("config.yml"), config).expect("registry config");
        let r = Registry {
            dir,
            port,
            child: Mutex::new(None),
        };
        r.restart();
        r
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.yml")
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The reference of `name` (`x:1`) in this registry.
    pub fn image(&self, name: &str) -> String {
        format!("{}/{name}", self.host())
    }

    /// Pushes the local image `local` as `name` (`x:1`) and removes the
    /// local tag, so the engine has to pull it. Returns the reference.
    pub fn push(&self, local: &str, name: &str) -> String {
        let remote = self.image(name);
        super::engine_ok(&["tag", local, &remote]);
        self.push_tag(&remote);
        super::engine_ok(&["rmi", &remote]);
        remote
    }

    /// Pushes a local tag of this registry (podman: without TLS).
    fn push_tag(&self, remote: &str) {
        if super::is_podman() {
            super::engine_ok(&["push", "--tls-verify=false", remote]);
        } else {
            super::engine_ok(&["push", remote]);
        }
    }

    /// A `registries.conf` that lets podman pull from this registry
    /// without TLS (give it as `CONTAINERS_REGISTRIES_CONF`).
    pub fn registries_conf(&self) -> PathBuf {
        let path = self.dir.path().join("registries.conf");
        let text = format!(
            "[[registry]]\nlocation = \"{}\"\ninsecure = true\n",
            self.host()
        );
        std::fs::write(&path, text).expect("registries.conf");
        path
    }

    /// Pushes the local image `local` as `name` (`x:1`), leaving the
    /// engine's own `HOST/name` tag where it was: the registry has a new
    /// image under the tag, the engine does not know yet.
    pub fn push_behind_the_engines_back(&self, local: &str, name: &str) -> String {
        let remote = self.image(name);
        let before = super::engine_command()
            .args(["image", "inspect", "--format", "{{.Id}}", &remote])
            .output()
            .expect("docker runs");
        super::engine_ok(&["tag", local, &remote]);
        self.push_tag(&remote);
        if before.status.success() {
            let id = String::from_utf8_lossy(&before.stdout).trim().to_string();
            super::engine_ok(&["tag", &id, &remote]);
        } else {
            super::engine_ok(&["rmi", &remote]);
        }
        remote
    }

    /// Starts it (again) with the same storage, and waits until it answers.
    pub fn restart(&self) {
        let log = std::fs::File::create(self.dir.path().join("log")).expect("registry log");
        let child = Command::new(BINARY)
            .arg("serve")
            .arg(self.config())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("docker-registry starts");
        *self.child.lock().unwrap() = Some(child);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the registry did not answer on {addr} within 20 s: {}",
                std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops it (SIGTERM, then waits for it to exit).
    pub fn stop(&self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            // SAFETY: kill has no preconditions; the pid is our child's.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every reference the engine has of this registry's images: tagged
    /// (`HOST/x:1`) or by digest (an image a newer pull of its tag left
    /// dangling). Removing these removes nothing else's tags.
    pub fn local_images(&self) -> Vec<String> {
        let out = super::engine_ok(&[
            "image",
            "ls",
            "--digests",
            "--format",
            "{{.Repository}} {{.Tag}} {{.Digest}}",
        ]);
        let prefix = format!("{}/", self.host());
        let mut refs = Vec::new();
        for line in out.lines() {
            let words: Vec<&str> = line.split(' ').collect();
            let [repo, tag, digest] = words[..] else {
                continue;
            };
            if !repo.starts_with(&prefix) {
                continue;
            }
            if tag != "<none>" {
                refs.push(format!("{repo}:{tag}"));
            }
            if digest != "<none>" {
                refs.push(format!("{repo}@{digest}"));
            }
        }
        refs
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
        for image in self.local_images() {
            let _ = super::engine_command().args(["rmi", &image]).output();
        }
    }
}

/// A TCP port free on 127.0.0.1 (the kernel's choice).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local address").port()
}
