//! One apply, cleanup or delete at a time per **engine** and managed-by
//! name: an advisory lock (`flock`) on a file named after the engine's
//! identity and the managed-by name, in one directory shared by root and
//! the docker group, held from observation to the end of execution.
//!
//! - **Every user of one engine, and nobody else**: the directory is
//!   `/run/paunch`, made by root `2770 root:docker` (setgid, so every lock
//!   file has the docker group; `0700 root:root` on a host with no docker
//!   group), and lock files are `0660`: root and the docker group's
//!   members (who can take root through the engine anyway) exclude each
//!   other, and no other user can open a lock file, so none can hold one
//!   to make root's apply wait. `$PAUNCH_LOCK_DIR` overrides it (made
//!   `0700` if missing); a user other than root whose `/run/paunch` root
//!   has not made yet uses `$XDG_RUNTIME_DIR/paunch` for podman (rootless
//!   podman's engine is this user's storage, which nobody else reaches),
//!   and is told what to do for docker. Never a world-writable place:
//!   there is no fallback to `/tmp`.
//! - **No other user's file or link is followed, chmod-ed or truncated**:
//!   the directory is opened and verified by `shared_dir` (no
//!   link followed on the way, owner and mode checked on what was
//!   opened); a directory someone else made is refused, saying why. The
//!   holder text is written over a fixed-size record at the start of the
//!   file, never by truncating it, and escaped when shown.
//! - **Every address of one engine**: the file is named after what the
//!   engine says it is ([`Engine::identity`]: docker's daemon ID), not
//!   after `DOCKER_HOST`, so `unix:///var/run/docker.sock` and a TCP
//!   forward of it share one lock. Asking costs an engine call, so the
//!   answer is kept in `DIR/engines/` (a file not as paunch makes them is
//!   ignored and replaced), keyed by how the engine is reached
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
use crate::engine::argv::Runtime;
use crate::error::{Error, ErrorKind, Result};
use crate::shared_dir::{self, Create, Refused, SharedDir, escape_control, euid};
use sha2::{Digest, Sha256};
use std::fs::{File, TryLockError};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// How long a remembered identity of an engine reached other than by a
/// local socket is trusted.
const REMOTE_IDENTITY_TTL: Duration = Duration::from_secs(300);

/// The directory root makes and everyone else looks for.
const SYSTEM_DIR: &str = "/run/paunch";

/// Lock files: root and the directory's group (docker's) only.
const LOCK_MODE: u32 = 0o660;

/// The holder text is a record of this many bytes at offset 0, padded
/// with spaces: rewritten whole, the file is never truncated.
const HOLDER_RECORD: usize = 256;

/// A remembered identity larger than this is not one paunch wrote.
const IDENTITY_CAP: u64 = 4096;

/// A held lock; released on drop (and by the kernel if paunch dies).
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
        // The holder text stays: clearing it would truncate a shared file,
        // and a waiter reads it only while the lock is held.
        let _ = self.file.unlock();
    }
}

/// What to do when no lock directory can be used.
const LOCK_DIR_HINT: &str = "run paunch once as root (it makes /run/paunch, 2770 root:docker), or install the systemd-tmpfiles line `d /run/paunch 2770 root docker -` (in /etc/tmpfiles.d/paunch.conf), or set PAUNCH_LOCK_DIR to a directory of yours that every user of this engine uses";

fn refused_dir(r: &Refused, hint: &str) -> Error {
    Error::new(
        ErrorKind::Lock,
        format!(
            "refusing the lock directory: {}; nothing was touched",
            escape_control(&r.to_string())
        ),
    )
    .with_hint(hint)
}

/// The directory lock files live in, opened and verified:
/// `$PAUNCH_LOCK_DIR`; else, for root, `/run/paunch` (made `2770
/// root:docker`, or `0700` with no docker group); else `/run/paunch` if
/// root made it and this user may use it; else, for podman,
/// `$XDG_RUNTIME_DIR/paunch`; else an error saying why and what to do.
pub(crate) fn lock_dir(runtime: Runtime) -> Result<SharedDir> {
    let docker = shared_dir::docker_gid();
    let own = Create {
        mode: 0o700,
        gid: None,
    };
    if let Some(dir) = std::env::var_os("PAUNCH_LOCK_DIR").filter(|d| !d.is_empty()) {
        return SharedDir::open(Path::new(&dir), Some(own), docker).map_err(|r| {
            refused_dir(
                &r,
                "PAUNCH_LOCK_DIR must be a directory owned by root or you, not writable by other users (by the docker group at most), reached through no symbolic link",
            )
        });
    }
    let system = Path::new(SYSTEM_DIR);
    if euid() == 0 {
        let create = match docker {
            Some(gid) => Create {
                mode: 0o2770,
                gid: Some(gid),
            },
            None => own,
        };
        return SharedDir::open(system, Some(create), docker).map_err(|r| {
            refused_dir(
                &r,
                "another user may have made it to take over paunch's locks: see who did, remove it, and run again; the systemd-tmpfiles line `d /run/paunch 2770 root docker -` makes it at boot, before anyone else can",
            )
        });
    }
    let why = match SharedDir::open(system, None, docker) {
        Ok(dir) if dir.may_create() => return Ok(dir),
        Ok(dir) => format!(
            "{} is root's and this user may not create files in it (not in its group)",
            dir.path().display()
        ),
        Err(r) => escape_control(&r.to_string()),
    };
    if runtime == Runtime::Podman
        && let Some(xdg) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty())
    {
        return SharedDir::open(&Path::new(&xdg).join("paunch"), Some(own), docker)
            .map_err(|r| refused_dir(&r, LOCK_DIR_HINT));
    }
    Err(Error::new(
        ErrorKind::Lock,
        format!("no lock directory this user can use: {why}; nothing was touched"),
    )
    .with_hint(LOCK_DIR_HINT))
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
    dir.join(lock_name(engine, managed_by))
}

fn lock_name(engine: &str, managed_by: &str) -> String {
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
    format!("{}-{safe}.lock", short_hash(engine))
}

/// How this process reaches its engine, as a cache key, and whether that
/// is a local socket (whose inode and ctime are in the key).
fn reach_key(runtime: crate::engine::argv::Runtime) -> (String, bool) {
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
        crate::engine::argv::Runtime::Docker => var("DOCKER_HOST"),
        crate::engine::argv::Runtime::Podman => var("CONTAINER_HOST"),
    };
    let socket = match host.strip_prefix("unix://") {
        Some(path) => Some(PathBuf::from(path)),
        None if host.is_empty()
            && var("DOCKER_CONTEXT").is_empty()
            && runtime == crate::engine::argv::Runtime::Docker =>
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
            let local = runtime == crate::engine::argv::Runtime::Podman
                && host.is_empty()
                && var("CONTAINER_CONNECTION").is_empty();
            (key, local)
        }
    }
}

/// The engine's identity: remembered in `DIR/engines/` for the way it is
/// reached, else asked ([`Engine::identity`]) and remembered. A
/// remembered file that is not a regular file owned as expected is
/// ignored (and replaced), never followed.
fn engine_identity(engine: &Engine, dir: &SharedDir) -> Result<String> {
    let (key, local) = reach_key(engine.runtime());
    let name = short_hash(&key);
    let engines = dir.subdir("engines");
    let fresh = |modified: SystemTime| {
        local
            || SystemTime::now()
                .duration_since(modified)
                .is_ok_and(|age| age < REMOTE_IDENTITY_TTL)
    };
    if let Ok(engines) = &engines {
        match engines.read_file(&name, IDENTITY_CAP) {
            Ok(Some((bytes, modified))) if fresh(modified) => {
                let id = String::from_utf8_lossy(&bytes).trim().to_string();
                if !id.is_empty() {
                    return Ok(id);
                }
            }
            Ok(_) => {}
            Err(r) => crate::log::debug(|| {
                format!(
                    "ignoring the remembered engine identity: {}",
                    escape_control(&r.to_string())
                )
            }),
        }
    }
    let id = engine.identity()?;
    // Remembering is an optimisation: a failure only costs the next run
    // the same engine call.
    match engines.and_then(|e| e.replace(&name, id.as_bytes(), 0o640)) {
        Ok(()) => {}
        Err(r) => crate::log::debug(|| {
            format!(
                "cannot remember the engine identity: {}",
                escape_control(&r.to_string())
            )
        }),
    }
    Ok(id)
}

/// Takes the lock of `engine` and `managed_by`, waiting up to `timeout`.
/// `what` is written into the file so a waiting run can say who holds
/// it. Stops waiting, with an [`ErrorKind::Interrupted`] error, as soon as
/// `interrupted` is set (SIGINT/SIGTERM): nothing was touched yet. An
/// unreachable engine is an error ([`ErrorKind::EngineUnreachable`]) when
/// its identity is not remembered; a lock directory that cannot be used
/// safely is an [`ErrorKind::Lock`] error saying why.
pub fn acquire(
    engine: &Engine,
    managed_by: &str,
    timeout: Duration,
    what: &str,
    interrupted: Option<&AtomicBool>,
) -> Result<Lock> {
    let dir = lock_dir(engine.runtime())?;
    let identity = engine_identity(engine, &dir)?;
    acquire_in(&dir, &identity, managed_by, timeout, what, interrupted)
}

/// Who this run is, for the lock file: `pid 42 of root on host1 (apply)`.
fn holder_text(what: &str) -> String {
    let uid = euid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let user = shared_dir::user_name(&passwd, uid)
        .map(str::to_string)
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
    dir: &SharedDir,
    engine: &str,
    managed_by: &str,
    timeout: Duration,
    what: &str,
    interrupted: Option<&AtomicBool>,
) -> Result<Lock> {
    let path = lock_path(dir.path(), engine, managed_by);
    let name = lock_name(engine, managed_by);
    let file = dir.open_file(&name, LOCK_MODE).map_err(|r| {
        Error::new(
            ErrorKind::Lock,
            format!(
                "refusing the lock file: {}; nothing was touched",
                escape_control(&r.to_string())
            ),
        )
        .with_hint(
            "paunch makes its lock files itself; remove this one (see who made it) and run again",
        )
    })?;
    let started = Instant::now();
    let mut told = false;
    let is_interrupted = || interrupted.is_some_and(|f| f.load(Ordering::SeqCst));
    loop {
        if is_interrupted() {
            return Err(interrupted_error(managed_by, &read_holder(&file)));
        }
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let holder = read_holder(&file);
                if started.elapsed() >= timeout {
                    return Err(Error::new(
                        ErrorKind::Lock,
                        format!(
                            "another paunch run holds the lock for managed-by \"{managed_by}\" on this engine ({}): {}, and --lock-timeout {}s expired",
                            escape_control(engine),
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
    // Opened read-only (another member's file this user may not write),
    // the lock still holds; only the holder text is not written.
    let _ = file.write_all_at(&holder_record(&holder_text(what)), 0);
    Ok(Lock { file, path })
}

/// `text` as the fixed-size holder record: cut to fit (at a character
/// boundary), padded with spaces, ending with a newline.
fn holder_record(text: &str) -> Vec<u8> {
    let mut end = text.len().min(HOLDER_RECORD - 1);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut record = text.as_bytes()[..end].to_vec();
    record.resize(HOLDER_RECORD - 1, b' ');
    record.push(b'\n');
    record
}

fn interrupted_error(managed_by: &str, holder: &str) -> Error {
    Error::new(
        ErrorKind::Interrupted,
        format!(
            "interrupted while waiting for the lock for managed-by \"{managed_by}\" (held by {holder}): nothing was touched"
        ),
    )
}

/// Who holds the lock, from its record, escaped for display.
fn read_holder(file: &File) -> String {
    let mut record = vec![0u8; HOLDER_RECORD];
    let mut len = 0;
    while len < record.len() {
        match file.read_at(&mut record[len..], len as u64) {
            Ok(0) | Err(_) => break,
            Ok(n) => len += n,
        }
    }
    let text = String::from_utf8_lossy(&record[..len]);
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    if text.is_empty() {
        "an unknown process".into()
    } else {
        escape_control(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;

    fn temp_shared(base: &tempfile::TempDir) -> SharedDir {
        let create = Create {
            mode: 0o700,
            gid: None,
        };
        SharedDir::open(&base.path().join("locks"), Some(create), None).unwrap()
    }

    /// Plants a lock file holding `text` and holds it.
    fn held(dir: &SharedDir, engine: &str, managed_by: &str, text: &str) -> File {
        let path = lock_path(dir.path(), engine, managed_by);
        std::fs::write(&path, text).unwrap();
        let held = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        held.lock().unwrap();
        held
    }

    #[test]
    fn an_interrupt_stops_the_wait_at_once() {
        let base = tempfile::tempdir().unwrap();
        let dir = temp_shared(&base);
        let held = held(&dir, "docker:X", "lock-interrupt-test", "pid 4242 (apply)");
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
            &dir,
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
        assert!(e.to_string().contains("nothing was touched"), "{e}");
        assert!(e.to_string().contains("pid 4242"), "{e}");
        drop(held);
    }

    #[test]
    fn the_holder_and_the_engine_are_shown_escaped() {
        let base = tempfile::tempdir().unwrap();
        let dir = temp_shared(&base);
        let engine = "docker:\x1b]0;owned\x07X";
        let held = held(&dir, engine, "esc", "pid 1 \x1b[8mhidden\u{202e} (apply)");
        let e = acquire_in(&dir, engine, "esc", Duration::ZERO, "apply", None).unwrap_err();
        let text = format!("{e}");
        assert_eq!(e.kind(), ErrorKind::Lock, "{text}");
        assert!(!text.contains(['\x1b', '\x07', '\u{202e}']), "{text:?}");
        assert!(
            text.contains("pid 1 \\u{1b}[8mhidden\\u{202e} (apply)"),
            "{text}"
        );
        assert!(text.contains("docker:\\u{1b}]0;owned\\u{7}X"), "{text}");
        drop(held);
    }

    #[test]
    fn the_holder_record_overwrites_without_truncating() {
        let base = tempfile::tempdir().unwrap();
        let dir = temp_shared(&base);
        let path = lock_path(dir.path(), "docker:X", "rec");
        std::fs::write(&path, "x".repeat(300)).unwrap();
        let lock = acquire_in(&dir, "docker:X", "rec", Duration::ZERO, "apply", None).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 300, "not truncated");
        let file = File::open(&path).unwrap();
        assert!(read_holder(&file).starts_with(&format!("pid {} of ", std::process::id())));
        drop(lock);
        assert!(
            read_holder(&file).ends_with("(apply)"),
            "kept after the lock is released"
        );
        let long = "é".repeat(200);
        let record = holder_record(&long);
        assert_eq!(record.len(), HOLDER_RECORD);
        assert!(
            String::from_utf8(record).is_ok(),
            "cut at a character boundary"
        );
    }

    #[test]
    fn a_lock_file_made_fresh_is_0660_and_a_link_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let dir = temp_shared(&base);
        let lock = acquire_in(&dir, "docker:X", "mode", Duration::ZERO, "apply", None).unwrap();
        let mode = std::fs::metadata(lock.path()).unwrap().mode();
        assert_eq!(mode & 0o7777, LOCK_MODE);
        let decoy = base.path().join("decoy");
        std::fs::write(&decoy, "precious").unwrap();
        let link = lock_path(dir.path(), "docker:X", "link");
        std::os::unix::fs::symlink(&decoy, &link).unwrap();
        let e = acquire_in(&dir, "docker:X", "link", Duration::ZERO, "apply", None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Lock, "{e}");
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&decoy).unwrap(), "precious");
    }
}
