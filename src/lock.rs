//! One apply, cleanup or delete at a time per **engine** and managed-by
//! name: an advisory lock (`flock`) on a file named after the engine's
//! identity and the managed-by name, in one directory shared by every
//! user of the host, held from observation to the end of execution.
//!
//! - **Every user of one engine**: the directory is `/run/lock/paunch`
//!   (world-writable and sticky, as `/run/lock` is), not a per-user one,
//!   and lock files are made writable by all, so root and a member of the
//!   docker group exclude each other. `$PAUNCH_LOCK_DIR` overrides it.
//! - **Every address of one engine**: the file is named after what the
//!   engine says it is ([`Engine::identity`]: docker's daemon ID), not
//!   after `DOCKER_HOST`, so `unix:///var/run/docker.sock` and a TCP
//!   forward of it share one lock. Asking costs an engine call, so the
//!   answer is kept in `DIR/engines/`, keyed by how the engine is reached
//!   (the `DOCKER_HOST`-like variables, the user, docker's config file, and
//!   for a local socket its inode and ctime, which a restarted daemon
//!   renews; local podman's is this user's storage, which does not move);
//!   an answer about a remote address is asked again after 5 minutes. A
//!   no-op apply still makes 3 engine calls.
//! - **A killed holder never leaves it stuck**: the kernel releases a
//!   `flock` when its holder dies, however it dies.
//! - **Per managed-by name**: runs with different `--managed-by` names
//!   never touch the same containers, so they need not wait for each
//!   other (and tests, each with its own name, run in parallel).
//!
//! Why not a lock held by the engine itself (a container name, which the
//! daemon reserves atomically, held by an attached `run -i --rm` that dies
//! with paunch), which would also exclude clients on two machines sharing
//! one `DOCKER_HOST`: it needs an image with a process that blocks, present
//! on every engine paunch drives (no such image can be assumed: hosts
//! reach no registry, and the configuration's images may not be there
//! yet), and it costs a container start on every run, several times the
//! whole no-op apply. Clients on two machines sharing one remote engine
//! are therefore not serialised: run paunch on the engine's host.

use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// How long a remembered identity of an engine reached other than by a
/// local socket is trusted.
const REMOTE_IDENTITY_TTL: Duration = Duration::from_secs(300);

/// A held lock; released on drop.
#[derive(Debug)]
pub struct Lock {
    file: File,
    path: PathBuf,
}

impl Lock {
    /// The path of the lock file held.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// The directory lock files live in: `$PAUNCH_LOCK_DIR`, else
/// `/run/lock/paunch`, else (no `/run/lock` this user may write, and root
/// has not made the directory yet) `paunch-locks` in the temp directory.
/// Made world-writable and sticky by whoever creates it.
pub fn lock_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PAUNCH_LOCK_DIR") {
        return PathBuf::from(dir);
    }
    let shared = PathBuf::from("/run/lock/paunch");
    if shared_dir(&shared).is_ok() && writable(&shared) {
        return shared;
    }
    std::env::temp_dir().join("paunch-locks")
}

/// Creates `dir` if needed; made `1777` if this user owns it, so every
/// user can lock there and none can remove another's files.
fn shared_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let meta = std::fs::metadata(dir)?;
    if meta.uid() == euid() && meta.permissions().mode() & 0o7777 != 0o1777 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o1777))?;
    }
    Ok(())
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".probe-{}", std::process::id()));
    let ok = File::create(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The lock file of an engine (its [`Engine::identity`]) and a managed-by
/// name (made file-safe).
pub fn lock_path(dir: &Path, engine: &str, managed_by: &str) -> PathBuf {
    let safe: String = managed_by
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{}-{safe}.lock", short_hash(engine)))
}

/// How this process reaches its engine, as a cache key, and whether that
/// is a local socket (whose inode and ctime are in the key).
fn reach_key(runtime: crate::runtime::Runtime) -> (String, bool) {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let mut key = format!("{runtime} uid={}", euid());
    for k in [
        "DOCKER_HOST",
        "DOCKER_CONTEXT",
        "DOCKER_CONFIG",
        "CONTAINER_HOST",
        "CONTAINER_CONNECTION",
        "HOME",
    ] {
        key.push_str(&format!(" {k}={}", var(k)));
    }
    // `docker context use` changes the config file, not the environment.
    let config = match std::env::var_os("DOCKER_CONFIG") {
        Some(d) => PathBuf::from(d).join("config.json"),
        None => PathBuf::from(var("HOME")).join(".docker/config.json"),
    };
    if let Ok(m) = std::fs::metadata(&config) {
        key.push_str(&format!(" config={}.{}", m.mtime(), m.mtime_nsec()));
    }
    let host = match runtime {
        crate::runtime::Runtime::Docker => var("DOCKER_HOST"),
        crate::runtime::Runtime::Podman => var("CONTAINER_HOST"),
    };
    let socket = match host.strip_prefix("unix://") {
        Some(path) => Some(PathBuf::from(path)),
        None if host.is_empty()
            && var("DOCKER_CONTEXT").is_empty()
            && runtime == crate::runtime::Runtime::Docker =>
        {
            Some(PathBuf::from("/var/run/docker.sock"))
        }
        None => None,
    };
    match socket.and_then(|p| std::fs::metadata(p).ok()) {
        Some(m) => {
            key.push_str(&format!(
                " socket={}:{}:{}.{}",
                m.dev(),
                m.ino(),
                m.ctime(),
                m.ctime_nsec()
            ));
            (key, true)
        }
        // Local podman has no daemon: its engine is this user's storage.
        None => {
            let local = runtime == crate::runtime::Runtime::Podman
                && host.is_empty()
                && var("CONTAINER_CONNECTION").is_empty();
            (key, local)
        }
    }
}

/// The engine's identity: remembered in `DIR/engines/` for the way it is
/// reached, else asked ([`Engine::identity`]) and remembered.
fn engine_identity(engine: &Engine, dir: &Path) -> Result<String> {
    let (key, local) = reach_key(engine.runtime());
    let engines = dir.join("engines");
    let cache = engines.join(short_hash(&key));
    let fresh = |m: &std::fs::Metadata| {
        local
            || m.modified()
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age < REMOTE_IDENTITY_TTL)
    };
    if let Ok(m) = std::fs::metadata(&cache)
        && fresh(&m)
        && let Ok(id) = std::fs::read_to_string(&cache)
        && !id.trim().is_empty()
    {
        return Ok(id.trim().to_string());
    }
    let id = engine.identity()?;
    // Remembering is an optimisation: a failure only costs the next run
    // the same engine call.
    if shared_dir(&engines).is_ok() {
        let tmp = engines.join(format!(".{}.{}", short_hash(&key), std::process::id()));
        if std::fs::write(&tmp, &id).is_ok() && std::fs::rename(&tmp, &cache).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
    Ok(id)
}

/// Takes the lock of `engine` and `managed_by`, waiting up to `timeout`.
/// `what` is written into the file so a waiting run can say who holds
/// it. Stops waiting, with an [`ErrorKind::Interrupted`] error, as soon as
/// `interrupted` is set (SIGINT/SIGTERM): nothing was touched yet. An
/// unreachable engine is an error ([`ErrorKind::EngineUnreachable`]) when
/// its identity is not remembered.
pub fn acquire(
    engine: &Engine,
    managed_by: &str,
    timeout: Duration,
    what: &str,
    interrupted: Option<&AtomicBool>,
) -> Result<Lock> {
    let dir = lock_dir();
    shared_dir(&dir).map_err(|e| {
        Error::io("create lock directory", &dir, e)
            .with_hint("set PAUNCH_LOCK_DIR to a directory every user of the engine can write")
    })?;
    let identity = engine_identity(engine, &dir)?;
    acquire_in(&dir, &identity, managed_by, timeout, what, interrupted)
}

/// Opens (creating it, writable by all) a lock file; read-only if another
/// user made it and kept it theirs (`flock` needs no write access).
fn open_shared(path: &Path) -> std::io::Result<File> {
    match OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
    {
        Ok(file) => {
            let meta = file.metadata()?;
            if meta.uid() == euid() && meta.permissions().mode() & 0o777 != 0o666 {
                file.set_permissions(std::fs::Permissions::from_mode(0o666))?;
            }
            Ok(file)
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => File::open(path),
        Err(e) => Err(e),
    }
}

/// Who this run is, for the lock file: `pid 42 of root on host1 (apply)`.
fn holder_text(what: &str) -> String {
    let uid = euid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let user = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.get(2).and_then(|u| u.parse::<u32>().ok()) == Some(uid))
        .and_then(|f| f.first().map(|n| n.to_string()))
        .unwrap_or_else(|| format!("uid {uid}"));
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let host = host.trim();
    if host.is_empty() {
        format!("pid {} of {user} ({what})", std::process::id())
    } else {
        format!("pid {} of {user} on {host} ({what})", std::process::id())
    }
}

/// [`acquire`] with the lock file in `dir`.
fn acquire_in(
    dir: &Path,
    engine: &str,
    managed_by: &str,
    timeout: Duration,
    what: &str,
    interrupted: Option<&AtomicBool>,
) -> Result<Lock> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create lock directory", dir, e))?;
    let path = lock_path(dir, engine, managed_by);
    let mut file = open_shared(&path).map_err(|e| Error::io("open lock file", &path, e))?;
    let started = Instant::now();
    let mut told = false;
    let is_interrupted = || interrupted.is_some_and(|f| f.load(Ordering::SeqCst));
    loop {
        if is_interrupted() {
            return Err(interrupted_error(managed_by, &read_holder(&mut file)));
        }
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let holder = read_holder(&mut file);
                if started.elapsed() >= timeout {
                    return Err(Error::new(
                        ErrorKind::Lock,
                        format!(
                            "another paunch run holds the lock for managed-by \"{managed_by}\" on this engine ({engine}): {}, and --lock-timeout {}s expired",
                            holder,
                            timeout.as_secs()
                        ),
                    )
                    .with_hint(format!(
                        "wait for it to finish, or raise --lock-timeout; lock file {}",
                        path.display()
                    )));
                }
                if !told {
                    crate::log::info(|| format!("waiting for the lock held by {holder}..."));
                    told = true;
                }
                // Short sleeps, so that an interrupt is seen at once.
                let slept = Instant::now();
                while slept.elapsed() < Duration::from_millis(100) && !is_interrupted() {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
        }
    }
    let _ = file.set_len(0);
    let _ = file.seek(SeekFrom::Start(0));
    let _ = write!(file, "{}", holder_text(what));
    let _ = file.flush();
    Ok(Lock { file, path })
}

fn interrupted_error(managed_by: &str, holder: &str) -> Error {
    Error::new(
        ErrorKind::Interrupted,
        format!(
            "interrupted while waiting for the lock for managed-by \"{managed_by}\" (held by {holder}): nothing was touched"
        ),
    )
}

fn read_holder(file: &mut File) -> String {
    let mut s = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.read_to_string(&mut s);
    let s = s.trim();
    if s.is_empty() {
        "an unknown process".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupt_stops_the_wait_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = lock_path(dir.path(), "docker:X", "lock-interrupt-test");
        std::fs::write(&path, "pid 4242 (apply)").unwrap();
        let held = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        held.lock().unwrap();
        let flag = std::sync::Arc::new(AtomicBool::new(false));
        let setter = {
            let flag = std::sync::Arc::clone(&flag);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                flag.store(true, Ordering::SeqCst);
            })
        };
        let started = Instant::now();
        let e = acquire_in(
            dir.path(),
            "docker:X",
            "lock-interrupt-test",
            Duration::from_secs(30),
            "apply",
            Some(&flag),
        )
        .unwrap_err();
        setter.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(2), "{e}");
        assert_eq!(e.kind(), ErrorKind::Interrupted, "{e}");
        assert_eq!(e.kind(), ErrorKind::Interrupted);
        assert!(e.to_string().contains("nothing was touched"), "{e}");
        assert!(e.to_string().contains("pid 4242"), "{e}");
        drop(held);
    }
}
