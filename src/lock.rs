//! One apply, cleanup or delete at a time per host and managed-by name: an
//! advisory lock on a file in a runtime directory, held from observation to
//! the end of execution. The kernel releases it when its holder dies, so a
//! killed paunch never leaves it stuck.

use crate::error::{Error, ErrorKind, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

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
/// `$XDG_RUNTIME_DIR/paunch`, else `/run/paunch`, else a temp directory.
pub fn lock_dir() -> PathBuf {
    let candidates = [
        std::env::var_os("PAUNCH_LOCK_DIR").map(PathBuf::from),
        std::env::var_os("XDG_RUNTIME_DIR").map(|d| PathBuf::from(d).join("paunch")),
        Some(PathBuf::from("/run/paunch")),
    ];
    for dir in candidates.into_iter().flatten() {
        if std::fs::create_dir_all(&dir).is_ok() && writable(&dir) {
            return dir;
        }
    }
    std::env::temp_dir().join("paunch-locks")
}

fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".probe-{}", std::process::id()));
    let ok = File::create(&probe).is_ok();
    let _ = std::fs::remove_file(&probe);
    ok
}

/// The lock file of a managed-by name (names are made file-safe).
pub fn lock_path(dir: &Path, managed_by: &str) -> PathBuf {
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
    dir.join(format!("{safe}.lock"))
}

/// Takes the lock for `managed_by`, waiting up to `timeout`. `what` is
/// written into the file so a waiting run can say who holds it. Stops
/// waiting, with an [`ErrorKind::Interrupted`] error, as soon as
/// `interrupted` is set (SIGINT/SIGTERM): nothing was touched yet.
pub fn acquire(
    managed_by: &str,
    timeout: Duration,
    what: &str,
    interrupted: Option<&AtomicBool>,
) -> Result<Lock> {
    acquire_in(&lock_dir(), managed_by, timeout, what, interrupted)
}

/// [`acquire`] with the lock file in `dir`.
fn acquire_in(
    dir: &Path,
    managed_by: &str,
    timeout: Duration,
    what: &str,
    interrupted: Option<&AtomicBool>,
) -> Result<Lock> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create lock directory", dir, e))?;
    let path = lock_path(dir, managed_by);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io("open lock file", &path, e))?;
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
                            "another paunch run holds the lock for managed-by \"{managed_by}\" ({}), and --lock-timeout {}s expired",
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
    let _ = write!(file, "pid {} ({what})", std::process::id());
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
        let path = lock_path(dir.path(), "lock-interrupt-test");
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
