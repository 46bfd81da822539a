//! One lock per engine and managed-by name, whoever runs paunch and
//! however they reach the engine: a root apply holding it makes an apply
//! by a member of the docker group (run with `su`) exit 6 naming the
//! holder with `--lock-timeout 1`, or wait for it; so does a client
//! reaching the same engine through a TCP forward of its socket (another
//! `DOCKER_HOST`).

use crate::support::configs::job;
use crate::support::registry::free_port;
use crate::support::user::{DockerUser, docker_gid};
use crate::support::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// Removes a managed-by name's lock files from the default directory.
struct LockFiles(String);

impl Drop for LockFiles {
    fn drop(&mut self) {
        let suffix = format!("-{}.lock", self.0);
        for e in std::fs::read_dir("/run/paunch")
            .into_iter()
            .flatten()
            .flatten()
        {
            if e.file_name().to_string_lossy().ends_with(&suffix) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// A configuration whose apply holds the lock for as long as its blocking
/// container runs, readable by any user.
fn slow_config(s: &Scope, secs: u32) -> PathBuf {
    std::fs::set_permissions(s.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    s.config("slow.yml", &job("slow", &secs.to_string()))
}

/// Starts an apply (as root) that holds the lock until its blocking
/// container ends; returns once the container runs.
fn hold(s: &Scope, file: &Path, lock_dir: Option<&Path>) -> Child {
    let child = Paunch::new()
        .lock_dir(lock_dir)
        .command(&[
            "apply",
            "--file",
            file.to_str().unwrap(),
            "--config-id",
            "c1",
            "--managed-by",
            &s.managed_by,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let slow = s.name("slow");
    wait_until(20, "the blocking container to run", || {
        exists(&slow) && running(&slow)
    });
    child
}

fn finished(child: Child) {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the holder failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[track_caller]
fn refused(out: &Run, holder: &Child) {
    assert_eq!(out.code, 6, "{}{}", out.stdout, out.stderr);
    let pid = format!("pid {} of root", holder.id());
    assert!(out.stderr.contains(&pid), "{pid}: {}", out.stderr);
    assert!(
        out.stderr.contains("--lock-timeout 1s expired"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_docker_group_user_waits_for_roots_apply() {
    if docker_only("the docker group and DOCKER_HOST are docker's") {
        return;
    }
    let user = DockerUser::new();
    let s = Scope::new("lock-user");
    let _files = LockFiles(s.managed_by.clone());
    let file = slow_config(&s, 6);
    let f = file.to_str().unwrap();
    let args = |timeout: &'static str| {
        vec![
            "apply",
            "--file",
            f,
            "--config-id",
            "c1",
            "--managed-by",
            &s.managed_by,
            "--lock-timeout",
            timeout,
        ]
    };
    let holder = hold(&s, &file, None);
    // What they share is root's and the docker group's, nobody else's.
    let docker = docker_gid().expect("a docker group (the user is in it)");
    let dir = std::fs::metadata("/run/paunch").unwrap();
    assert_eq!((dir.uid(), dir.gid()), (0, docker));
    assert_eq!(dir.mode() & 0o7777, 0o2770);
    let suffix = format!("-{}.lock", s.managed_by);
    let lock = std::fs::read_dir("/run/paunch")
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(&suffix))
        .expect("the holder's lock file");
    let lock = lock.metadata().unwrap();
    assert_eq!((lock.gid(), lock.mode() & 0o7777), (docker, 0o660));
    refused(&user.paunch(s.dir.path(), &args("1")), &holder);
    let started = Instant::now();
    let waited = user.paunch(s.dir.path(), &args("60"));
    assert_eq!(waited.code, 0, "{}{}", waited.stdout, waited.stderr);
    assert!(
        waited.stderr.contains("waiting for the lock"),
        "{}",
        waited.stderr
    );
    // It ran after the holder, against what the holder left.
    assert!(waited.stdout.contains("No changes"), "{}", waited.stdout);
    eprintln!("the user's apply waited {:?}", started.elapsed());
    finished(holder);
}

/// `socat` forwarding a loopback TCP port to the engine's socket; killed
/// on drop.
struct Forward(Child, u16);

impl Forward {
    fn start() -> Forward {
        let port = free_port();
        let child = Command::new("socat")
            .arg(format!("TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr"))
            .arg("UNIX-CONNECT:/var/run/docker.sock")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat runs (apt-get install -y socat, or run .ci/run)");
        let f = Forward(child, port);
        wait_until(10, "socat to listen", || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        f
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_client_through_another_docker_host_url_waits_too() {
    if docker_only("the docker group and DOCKER_HOST are docker's") {
        return;
    }
    let s = Scope::new("lock-url");
    let file = slow_config(&s, 5);
    let f = file.to_str().unwrap();
    let locks = s.dir.path().join("locks");
    let forward = Forward::start();
    let url = format!("tcp://127.0.0.1:{}", forward.1);
    let holder = hold(&s, &file, Some(&locks));
    let args = [
        "apply",
        "--file",
        f,
        "--config-id",
        "c1",
        "--managed-by",
        &s.managed_by,
        "--lock-timeout",
        "1",
    ];
    let client = Paunch::new()
        .env("DOCKER_HOST", &url)
        .lock_dir(Some(&locks));
    refused(&client.run(&args), &holder);
    finished(holder);
    let out = client.run(&args).ok();
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);
}
