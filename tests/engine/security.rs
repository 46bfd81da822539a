//! Root's paunch gives a local user outside the docker group nothing
//! (SPEC §16, issue 19 items 1 and 2), shown as root against a throwaway
//! unprivileged user (`useradd`, removed after, acted as with `su`) aimed
//! only at decoys these tests made: links in the lock directory are not
//! followed (the decoy keeps its mode and content), a lock directory the
//! user made is refused and never used, the user cannot open a lock file
//! (so cannot `flock` it to make root wait), nothing goes to `/tmp`, and
//! an identity or holder text with an escape sequence is never printed
//! raw.

use crate::support::configs::service;
use crate::support::user::{OUTSIDER, Outsider, docker_gid};
use crate::support::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A scope whose directory the outsider can enter (to reach decoys and
/// the configuration), with a quick configuration.
fn scope(test: &str) -> (Scope, PathBuf) {
    let s = Scope::new(test);
    chmod(s.dir.path(), 0o755);
    let file = s.config("c.yml", &service("one"));
    (s, file)
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Root's `paunch apply` of `file` with `lock_dir` as PAUNCH_LOCK_DIR (or
/// the default one) and `env`.
fn apply(s: &Scope, file: &Path, lock_dir: Option<&Path>, env: &[(&str, &Path)]) -> Run {
    let runner = env
        .iter()
        .fold(Paunch::new().lock_dir(lock_dir), |p, (k, v)| p.env(k, v));
    runner.run(&[
        "apply",
        "--file",
        file.to_str().unwrap(),
        "--config-id",
        "c1",
        "--managed-by",
        &s.managed_by,
        "--lock-timeout",
        "1",
    ])
}

/// A file no test should see touched: its content and mode.
struct Decoy(PathBuf);

impl Decoy {
    fn new(s: &Scope, name: &str) -> Decoy {
        let path = s.dir.path().join(name);
        std::fs::write(&path, "precious\n").unwrap();
        chmod(&path, 0o600);
        Decoy(path)
    }

    #[track_caller]
    fn untouched(&self) {
        let meta = std::fs::symlink_metadata(&self.0).unwrap();
        assert_eq!(meta.mode() & 0o7777, 0o600, "{} chmod-ed", self.0.display());
        assert_eq!(std::fs::read_to_string(&self.0).unwrap(), "precious\n");
    }
}

/// The lock file of the scope's managed-by name in `dir`.
fn lock_file(s: &Scope, dir: &Path) -> PathBuf {
    let suffix = format!("-{}.lock", s.managed_by);
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(&suffix))
        .unwrap_or_else(|| panic!("no lock file in {}", dir.display()))
}

/// The one engine identity remembered in `dir/engines`.
fn identity_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir.join("engines"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.into_iter().next().unwrap()
}

#[test]
fn links_planted_in_the_lock_directory_are_not_followed() {
    let outsider = Outsider::new();
    let (s, file) = scope("sec-links");
    let locks = s.dir.path().join("locks");
    apply(&s, &file, Some(&locks), &[]).ok();
    assert_eq!(std::fs::metadata(&locks).unwrap().mode() & 0o7777, 0o700);
    let lock_decoy = Decoy::new(&s, "lock-decoy");
    let cache_decoy = Decoy::new(&s, "cache-decoy");

    // The outsider can plant nothing there.
    let planted = locks.join("planted");
    let out = outsider.sh(&format!(
        "ln -s '{}' '{}'",
        lock_decoy.0.display(),
        planted.display()
    ));
    assert_ne!(out.code, 0, "{out:?}");
    assert!(std::fs::symlink_metadata(&planted).is_err());

    // Links put there by someone who could (root, a member of the docker
    // group) are not followed either.
    let lock = lock_file(&s, &locks);
    let cache = identity_file(&locks);
    std::fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&lock_decoy.0, &lock).unwrap();
    std::fs::remove_file(&cache).unwrap();
    std::os::unix::fs::symlink(&cache_decoy.0, &cache).unwrap();
    let out = apply(&s, &file, Some(&locks), &[]).code(6);
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&lock.display().to_string()),
        "{}",
        out.stderr
    );
    lock_decoy.untouched();
    cache_decoy.untouched();
    // The remembered identity was replaced, its target untouched.
    assert!(std::fs::symlink_metadata(&cache).unwrap().is_file());

    // A hard link to a file elsewhere is refused too.
    std::fs::remove_file(&lock).unwrap();
    std::fs::hard_link(&lock_decoy.0, &lock).unwrap();
    let out = apply(&s, &file, Some(&locks), &[]).code(6);
    assert!(out.stderr.contains("2 links"), "{}", out.stderr);
    lock_decoy.untouched();

    std::fs::remove_file(&lock).unwrap();
    let out = apply(&s, &file, Some(&locks), &[]).ok();
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);
    lock_decoy.untouched();
    cache_decoy.untouched();
}

#[test]
fn a_lock_directory_another_user_made_is_refused_and_never_used() {
    let outsider = Outsider::new();
    let (s, file) = scope("sec-predir");
    // A place where the outsider can make directories, as /run/lock or
    // /tmp: root's and sticky.
    let sticky = s.dir.path().join("sticky");
    std::fs::create_dir(&sticky).unwrap();
    chmod(&sticky, 0o1777);
    let locks = sticky.join("locks");
    let decoy_dir = s.dir.path().join("decoy-dir");
    std::fs::create_dir(&decoy_dir).unwrap();
    chmod(&decoy_dir, 0o755);
    let at = locks.display();
    let uid = outsider.uid();

    for (plant, says) in [
        (
            format!("mkdir -m 777 '{at}'"),
            format!("owned by uid {uid} ({OUTSIDER})"),
        ),
        (
            format!("mkdir -m 700 '{at}'"),
            format!("owned by uid {uid} ({OUTSIDER})"),
        ),
        (
            format!("ln -s '{}' '{at}'", decoy_dir.display()),
            "symbolic link".to_string(),
        ),
        (format!("touch '{at}'"), "not a directory".to_string()),
    ] {
        outsider.sh(&format!("rm -rf '{at}' && {plant}")).ok();
        let started = Instant::now();
        let out = apply(&s, &file, Some(&locks), &[]).code(6);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(
            out.stderr.contains("refusing the lock directory"),
            "{plant}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(&at.to_string()),
            "{plant}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(&says),
            "{plant}: {says}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("nothing was touched"), "{}", out.stderr);
        // Never used: nothing made in it, nor through it.
        let meta = std::fs::symlink_metadata(&locks).unwrap();
        assert_eq!(meta.uid(), uid, "{plant}");
        if meta.is_dir() {
            assert_eq!(std::fs::read_dir(&locks).unwrap().count(), 0, "{plant}");
        }
        assert_eq!(std::fs::read_dir(&decoy_dir).unwrap().count(), 0);
        assert_eq!(
            std::fs::metadata(&decoy_dir).unwrap().mode() & 0o7777,
            0o755
        );
    }
    assert!(s.managed().is_empty(), "nothing was applied");
}

/// Entries of /tmp that paunch could have made (not those of the tests
/// running beside this one).
fn paunch_entries_in_tmp() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir("/tmp")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("paunch") && !n.starts_with("paunch-test-"))
        .collect();
    names.sort();
    names
}

#[test]
fn the_outsider_cannot_open_roots_lock_files_and_nothing_goes_to_tmp() {
    let outsider = Outsider::new();
    let (s, file) = scope("sec-flock");
    let tmp = s.dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    chmod(&tmp, 0o777);
    let in_tmp = paunch_entries_in_tmp();

    // Root, with the default directory: /run/paunch, root's and the
    // docker group's only.
    apply(&s, &file, None, &[("TMPDIR", &tmp)]).ok();
    let system = Path::new("/run/paunch");
    let lock = lock_file(&s, system);
    let _remove = RemoveOnDrop(lock.clone());
    let dir = std::fs::metadata(system).unwrap();
    match docker_gid() {
        Some(gid) => assert_eq!(
            (dir.uid(), dir.gid(), dir.mode() & 0o7777),
            (0, gid, 0o2770)
        ),
        None => assert_eq!((dir.uid(), dir.mode() & 0o7777), (0, 0o700)),
    }
    assert_eq!(std::fs::metadata(&lock).unwrap().mode() & 0o7777, 0o660);
    // A directory any user can enter, to show the file itself is closed.
    let open = s.dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    chmod(&open, 0o755);
    apply(&s, &file, Some(&open), &[("TMPDIR", &tmp)]).ok();

    for lock in [lock.clone(), lock_file(&s, &open)] {
        let started = Instant::now();
        let out = outsider.sh(&format!("exec flock -x -w 5 '{}' sleep 30", lock.display()));
        assert_ne!(out.code, 0, "{out:?}");
        assert!(out.stderr.contains("Permission denied"), "{}", out.stderr);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "it could not even wait"
        );
    }
    let started = Instant::now();
    let out = apply(&s, &file, None, &[("TMPDIR", &tmp)]).ok();
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);
    assert!(!out.stderr.contains("waiting"), "{}", out.stderr);
    assert!(started.elapsed() < Duration::from_secs(10));

    // The outsider's own paunch: no directory it can use, an error saying
    // what to do, and no fallback under TMPDIR or /tmp.
    let out = outsider.paunch(
        s.dir.path(),
        &[
            "apply",
            "--file",
            file.to_str().unwrap(),
            "--config-id",
            "c1",
            "--managed-by",
            &s.managed_by,
        ],
        &[("TMPDIR", tmp.to_str().unwrap())],
    );
    assert_eq!(out.code, 6, "{out:?}");
    assert!(
        out.stderr.contains("no lock directory this user can use"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("d /run/paunch 2770 root docker -"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "nothing under TMPDIR"
    );
    assert_eq!(paunch_entries_in_tmp(), in_tmp, "nothing new under /tmp");
}

/// Removes a file of the shared directory a test made.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn an_identity_and_a_holder_with_escape_sequences_are_not_printed_raw() {
    let (s, file) = scope("sec-escape");
    let locks = s.dir.path().join("locks");
    apply(&s, &file, Some(&locks), &[]).ok();
    // As if planted by someone who could write there.
    let identity = "docker:\x1b]0;owned\x07\x1b[8mX\u{202e}";
    std::fs::write(identity_file(&locks), identity).unwrap();
    let lock = paunch::lock::lock_path(&locks, identity, &s.managed_by);
    let mut record = b"pid 1 of \x1b[2Jmallory (apply)".to_vec();
    record.resize(256, b' ');
    std::fs::write(&lock, &record).unwrap();
    let held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&lock)
        .unwrap();
    held.lock().unwrap();

    let out = apply(&s, &file, Some(&locks), &[]).code(6);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(!all.contains(['\x1b', '\x07', '\u{202e}']), "{all:?}");
    assert!(
        all.contains("docker:\\u{1b}]0;owned\\u{7}\\u{1b}[8mX\\u{202e}"),
        "{all}"
    );
    assert!(all.contains("pid 1 of \\u{1b}[2Jmallory (apply)"), "{all}");
    drop(held);
}
