//! The one place that touches directories more than one user reaches (the
//! lock directory and its engine-identity cache): paunch runs as root, so
//! every path here is one another local user may have prepared.
//!
//! - **The directory is reached without following a link**: walked from
//!   `/` one component at a time (`openat` with `O_NOFOLLOW|O_DIRECTORY`),
//!   each opened directory checked with `fstat` on what was opened (not on
//!   a path that may change meanwhile): owned by root or this user, and not
//!   writable by others unless sticky (`/tmp`, where nobody can rename
//!   another's entry). The directory itself must be owned by root or this
//!   user, never writable by every user, and writable by its group only
//!   when that group is the shared one (docker's): then the group's
//!   members, who can take root through the engine anyway, share it.
//! - **A missing directory is made by this run** (`mkdirat`, `0700`, then
//!   its group and final mode on the descriptor just made), never a
//!   directory found there adopted and chmod-ed.
//! - **Files are opened relative to the verified directory**, no link
//!   followed, and checked: a regular file with one link, owned by root,
//!   this user, or (in a group-shared directory) a member of the group.
//!   One is created exclusively with its final mode (set again with
//!   `fchmod`, as the umask strips group bits), and one paunch did not
//!   just create is never chmod-ed or truncated.
//! - **A small file is replaced** by an exclusive temporary with an
//!   unpredictable name in the same directory, renamed over it (a link in
//!   its place is replaced, never followed).

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

/// What `fstat` says about an opened file, as the verdicts need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Facts {
    pub uid: u32,
    pub gid: u32,
    /// `st_mode`: the type and the permission bits.
    pub mode: u32,
    pub nlink: u64,
}

impl Facts {
    fn of(fd: impl std::os::fd::AsFd) -> Result<Facts, Errno> {
        let st = rustix::fs::fstat(fd)?;
        Ok(Facts {
            uid: st.st_uid,
            gid: st.st_gid,
            mode: st.st_mode,
            #[allow(clippy::useless_conversion)] // u32 on some architectures
            nlink: u64::from(st.st_nlink),
        })
    }

    fn is_dir(&self) -> bool {
        self.mode & libc::S_IFMT == libc::S_IFDIR
    }

    fn is_regular(&self) -> bool {
        self.mode & libc::S_IFMT == libc::S_IFREG
    }
}

const STICKY: u32 = 0o1000;

/// A directory on the way to a shared one: owned by root or this user,
/// and not writable by group or others unless sticky.
/// (`who` names an owner in a message: [`owner`], or a uid in tests.)
pub(crate) fn path_verdict(
    f: &Facts,
    euid: u32,
    who: &dyn Fn(u32) -> String,
) -> Result<(), String> {
    if !f.is_dir() {
        return Err("is not a directory".into());
    }
    if f.uid != 0 && f.uid != euid {
        return Err(format!("is owned by {}, not root or this user", who(f.uid)));
    }
    if f.mode & 0o022 != 0 && f.mode & STICKY == 0 {
        return Err(format!(
            "is writable by other users (mode {:04o}) and not sticky: they could replace what is under it",
            f.mode & 0o7777
        ));
    }
    Ok(())
}

/// The shared directory itself: owned as `owner_ok` says, never writable
/// by every user, writable by its group only when that group is
/// `shared_gid`. Says whether it is group-shared.
pub(crate) fn dir_verdict(
    f: &Facts,
    owner_ok: bool,
    shared_gid: Option<u32>,
    who: &dyn Fn(u32) -> String,
) -> Result<bool, String> {
    if !f.is_dir() {
        return Err("is not a directory".into());
    }
    if !owner_ok {
        return Err(format!("is owned by {}, not root or this user", who(f.uid)));
    }
    let mode = f.mode & 0o7777;
    if mode & 0o002 != 0 {
        return Err(format!(
            "is writable by every user (mode {mode:04o}): anyone could plant files in it"
        ));
    }
    if mode & 0o020 != 0 {
        if Some(f.gid) != shared_gid {
            return Err(format!(
                "is writable by its group (gid {}, mode {mode:04o}), which is not the docker group",
                f.gid
            ));
        }
        return Ok(true);
    }
    Ok(false)
}

/// A file found in a verified directory: a regular file with one link
/// (not a hard link to a file elsewhere), owned as `owner_ok` says.
pub(crate) fn file_verdict(
    f: &Facts,
    owner_ok: bool,
    who: &dyn Fn(u32) -> String,
) -> Result<(), String> {
    if !f.is_regular() {
        return Err("is not a regular file".into());
    }
    if f.nlink != 1 {
        return Err(format!(
            "has {} links (a hard link to a file elsewhere?)",
            f.nlink
        ));
    }
    if !owner_ok {
        return Err(format!(
            "is owned by {}, not root, this user or a member of the directory's group",
            who(f.uid)
        ));
    }
    Ok(())
}

/// Whether a user (`euid`, in `groups`) may create files in a directory.
pub(crate) fn may_create(f: &Facts, euid: u32, groups: &[u32]) -> bool {
    let need = |shift: u32| (f.mode >> shift) & 0o3 == 0o3;
    if euid == 0 {
        true
    } else if f.uid == euid {
        need(6)
    } else if groups.contains(&f.gid) {
        need(3)
    } else {
        need(0)
    }
}

/// The fields of the entries of a `/etc/passwd` or `/etc/group` text.
fn entries(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with(['#', '+', '-']))
        .map(|l| l.split(':').collect::<Vec<_>>())
}

/// The gid of the group `name` in a `/etc/group` text.
pub(crate) fn group_gid(group: &str, name: &str) -> Option<u32> {
    entries(group)
        .find(|f| f.first() == Some(&name))
        .and_then(|f| f.get(2)?.parse().ok())
}

/// The name of `uid` in a `/etc/passwd` text.
pub(crate) fn user_name(passwd: &str, uid: u32) -> Option<&str> {
    entries(passwd)
        .find(|f| f.get(2).and_then(|u| u.parse::<u32>().ok()) == Some(uid))
        .and_then(|f| f.first().copied())
}

/// The uids of the members of group `gid`: listed in `/etc/group`, or
/// with it as their primary group in `/etc/passwd`.
pub(crate) fn member_uids(passwd: &str, group: &str, gid: u32) -> Vec<u32> {
    let listed: Vec<&str> = entries(group)
        .filter(|f| f.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(gid))
        .filter_map(|f| f.get(3).copied())
        .flat_map(|m| m.split(','))
        .filter(|m| !m.is_empty())
        .collect();
    entries(passwd)
        .filter(|f| {
            let primary = f.get(3).and_then(|g| g.parse::<u32>().ok()) == Some(gid);
            primary || f.first().is_some_and(|n| listed.contains(n))
        })
        .filter_map(|f| f.get(2)?.parse().ok())
        .collect()
}

/// The docker group's gid on this host, if it has one.
pub(crate) fn docker_gid() -> Option<u32> {
    group_gid(&std::fs::read_to_string("/etc/group").ok()?, "docker")
}

/// `text`, one line of it read from a shared file, with every control
/// character (newlines too) and bidirectional override escaped: see
/// [`crate::mask::escape_line`], the one rule for what is printed.
pub(crate) fn escape_control(text: &str) -> String {
    crate::mask::escape_line(text)
}

/// An owner for a message: `uid 1001 (mallory)`.
pub(crate) fn owner(uid: u32) -> String {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    match user_name(&passwd, uid) {
        Some(name) => format!("uid {uid} ({})", escape_control(name)),
        None => format!("uid {uid}"),
    }
}

pub(crate) fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Why a shared directory or a file in it was refused.
#[derive(Debug)]
pub(crate) struct Refused {
    /// What was refused.
    pub path: PathBuf,
    /// Why, as a phrase after the path (`is a symbolic link`).
    pub why: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.path.display(), self.why)
    }
}

fn refused(path: &Path, why: impl Into<String>) -> Refused {
    Refused {
        path: path.to_path_buf(),
        why: why.into(),
    }
}

/// An `openat` failure as a phrase after the path.
fn describe(e: Errno) -> String {
    match e {
        Errno::LOOP => "is a symbolic link (paunch follows none here)".into(),
        Errno::NOTDIR => "is not a directory".into(),
        Errno::NOENT => "does not exist".into(),
        Errno::ACCESS => "cannot be opened by this user (permission denied)".into(),
        e => format!("cannot be opened: {}", std::io::Error::from(e)),
    }
}

/// How to make a missing directory: its final mode (with setgid, which
/// `mkdir` ignores) and group.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Create {
    pub mode: u32,
    pub gid: Option<u32>,
}

/// A verified shared directory, held open: every file is reached through
/// its descriptor, never through its path again.
#[derive(Debug)]
pub(crate) struct SharedDir {
    fd: OwnedFd,
    path: PathBuf,
    facts: Facts,
    /// The group sharing it (docker's), when it is group-writable.
    shared_gid: Option<u32>,
    /// That group's members, who may own files in it.
    members: Vec<u32>,
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// The directories on the way are only walked through (`O_PATH`: a
/// directory this user may search but not list, as a `0711` home, is
/// still a step; `fstat` and `openat` work on such a descriptor).
const WALK_FLAGS: OFlags = OFlags::PATH
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// `O_NONBLOCK`: a FIFO planted in the place of a file does not hang the
/// open; `O_NOCTTY`: a terminal device does not become ours.
const FILE_FLAGS: OFlags = OFlags::NOFOLLOW
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOCTTY)
    .union(OFlags::NONBLOCK);

/// Opens the directory `name` in `parent`, following no link: a link
/// there is `ELOOP` (Linux says `ENOTDIR` for a link with `O_DIRECTORY`;
/// looked at again only to say which).
fn open_dir_at(parent: &OwnedFd, name: &OsStr, flags: OFlags) -> Result<OwnedFd, Errno> {
    rustix::fs::openat(parent, name, flags, Mode::empty()).map_err(|e| {
        let is_link = || {
            rustix::fs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW)
                .is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFLNK)
        };
        if e == Errno::NOTDIR && is_link() {
            Errno::LOOP
        } else {
            e
        }
    })
}

fn facts_of(fd: &OwnedFd, path: &Path) -> Result<Facts, Refused> {
    Facts::of(fd).map_err(|e| {
        refused(
            path,
            format!("cannot be examined: {}", std::io::Error::from(e)),
        )
    })
}

/// `path` made absolute against the working directory.
fn absolute(path: &Path) -> Result<PathBuf, Refused> {
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    let cwd = std::env::current_dir().map_err(|e| {
        refused(
            path,
            format!("is relative, and the working directory is unknown: {e}"),
        )
    })?;
    Ok(cwd.join(path))
}

/// The names in an absolute `path`, refusing `..`, which would walk back
/// out of what was verified.
fn names(path: &Path) -> Result<Vec<&OsStr>, Refused> {
    let mut names = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => names.push(n),
            Component::ParentDir => {
                return Err(refused(
                    path,
                    "contains `..`: give the directory's own path",
                ));
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    Ok(names)
}

impl SharedDir {
    /// Opens `path` as a shared directory, walking from `/` without
    /// following a link and verifying each directory on the way; makes it
    /// as `create` says when it is missing. A group-writable directory is
    /// accepted when its group is `shared_gid`.
    pub(crate) fn open(
        path: &Path,
        create: Option<Create>,
        shared_gid: Option<u32>,
    ) -> Result<SharedDir, Refused> {
        let absolute = absolute(path)?;
        let names = names(&absolute)?;
        let euid = euid();
        let root = Path::new("/");
        let mut at = PathBuf::from("/");
        let mut cur: OwnedFd = rustix::fs::openat(rustix::fs::CWD, root, WALK_FLAGS, Mode::empty())
            .map_err(|e| refused(root, describe(e)))?;
        let Some((last, parents)) = names.split_last() else {
            return Err(refused(root, "cannot be a shared directory"));
        };
        path_verdict(&facts_of(&cur, root)?, euid, &owner).map_err(|w| refused(root, w))?;
        for name in parents {
            at.push(name);
            cur = open_dir_at(&cur, name, WALK_FLAGS).map_err(|e| refused(&at, describe(e)))?;
            path_verdict(&facts_of(&cur, &at)?, euid, &owner).map_err(|w| refused(&at, w))?;
        }
        at.push(last);
        let owner_ok = |uid: u32| uid == 0 || uid == euid;
        SharedDir::verified(&cur, last, at, create, shared_gid, &owner_ok)
    }

    /// Opens (or makes, as `create` says) `name` in `parent` and verifies
    /// it with [`dir_verdict`].
    fn verified(
        parent: &OwnedFd,
        name: &OsStr,
        path: PathBuf,
        create: Option<Create>,
        shared_gid: Option<u32>,
        owner_ok: &dyn Fn(u32) -> bool,
    ) -> Result<SharedDir, Refused> {
        let fd = match (open_dir_at(parent, name, DIR_FLAGS), create) {
            (Ok(fd), _) => fd,
            (Err(Errno::NOENT), Some(create)) => make_dir(parent, name, &path, create)?,
            (Err(e), _) => return Err(refused(&path, describe(e))),
        };
        let facts = facts_of(&fd, &path)?;
        let shared = dir_verdict(&facts, owner_ok(facts.uid), shared_gid, &owner)
            .map_err(|w| refused(&path, w))?;
        let (shared_gid, members) = match shared_gid {
            Some(gid) if shared => {
                let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
                (
                    Some(gid),
                    member_uids(&read("/etc/passwd"), &read("/etc/group"), gid),
                )
            }
            _ => (None, Vec::new()),
        };
        Ok(SharedDir {
            fd,
            path,
            facts,
            shared_gid,
            members,
        })
    }

    /// The directory's path, for messages.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this user may create files in it.
    pub(crate) fn may_create(&self) -> bool {
        let mut groups: Vec<u32> = rustix::process::getgroups()
            .unwrap_or_default()
            .into_iter()
            .map(|g| g.as_raw())
            .collect();
        groups.push(rustix::process::getegid().as_raw());
        may_create(&self.facts, euid(), &groups)
    }

    fn owner_ok(&self, uid: u32) -> bool {
        uid == 0 || uid == euid() || (self.shared_gid.is_some() && self.members.contains(&uid))
    }

    /// The subdirectory `name`, made if missing, shared as this one is
    /// (`2770` with its group, else `0700`). Beside root and this user, a
    /// member of the sharing group may own it: one of them made it.
    pub(crate) fn subdir(&self, name: &str) -> Result<SharedDir, Refused> {
        let create = match self.shared_gid {
            Some(gid) => Create {
                mode: 0o2770,
                gid: Some(gid),
            },
            None => Create {
                mode: 0o700,
                gid: None,
            },
        };
        let owner_ok = |uid: u32| self.owner_ok(uid);
        SharedDir::verified(
            &self.fd,
            OsStr::new(name),
            self.path.join(name),
            Some(create),
            self.shared_gid,
            &owner_ok,
        )
    }

    fn check_file(&self, file: &File, path: &Path) -> Result<(), Refused> {
        let facts = Facts::of(file).map_err(|e| {
            refused(
                path,
                format!("cannot be examined: {}", std::io::Error::from(e)),
            )
        })?;
        file_verdict(&facts, self.owner_ok(facts.uid), &owner).map_err(|w| refused(path, w))
    }

    /// Creates `name` exclusively with `mode` (`flags`: how to open it).
    fn create(&self, name: &str, flags: OFlags, mode: u32) -> Result<File, Errno> {
        let fd = rustix::fs::openat(
            &self.fd,
            name,
            flags | OFlags::CREATE | OFlags::EXCL | FILE_FLAGS,
            Mode::from_raw_mode(mode),
        )?;
        // Just created, so ours to chmod: the umask stripped group bits.
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode))?;
        Ok(File::from(fd))
    }

    /// The file `name`, created with `mode` if missing, else opened (read
    /// and write, or read only when this user may not write it) and
    /// verified, neither truncated nor chmod-ed.
    pub(crate) fn open_file(&self, name: &str, mode: u32) -> Result<File, Refused> {
        let path = self.path.join(name);
        // A file removed between the two opens is created on the next try.
        for _ in 0..3 {
            let denied = match self.create(name, OFlags::RDWR, mode) {
                Ok(file) => return Ok(file),
                Err(Errno::EXIST) => false,
                // Not this user's to create in: it may still open one.
                Err(Errno::ACCESS) => true,
                Err(e) => {
                    return Err(refused(
                        &path,
                        format!("cannot be created: {}", std::io::Error::from(e)),
                    ));
                }
            };
            let opened = match rustix::fs::openat(
                &self.fd,
                name,
                OFlags::RDWR | FILE_FLAGS,
                Mode::empty(),
            ) {
                Err(Errno::ACCESS) => {
                    rustix::fs::openat(&self.fd, name, OFlags::RDONLY | FILE_FLAGS, Mode::empty())
                }
                r => r,
            };
            match opened {
                Ok(fd) => {
                    let file = File::from(fd);
                    self.check_file(&file, &path)?;
                    return Ok(file);
                }
                Err(Errno::NOENT) if !denied => continue,
                Err(Errno::NOENT) => {
                    return Err(refused(
                        &path,
                        "cannot be created by this user (permission denied)",
                    ));
                }
                Err(e) => return Err(refused(&path, describe(e))),
            }
        }
        Err(refused(&path, "keeps disappearing while being opened"))
    }

    /// The content of the file `name` (none if missing), verified, if it
    /// is at most `cap` bytes, with its modification time.
    pub(crate) fn read_file(
        &self,
        name: &str,
        cap: u64,
    ) -> Result<Option<(Vec<u8>, std::time::SystemTime)>, Refused> {
        let path = self.path.join(name);
        let fd =
            match rustix::fs::openat(&self.fd, name, OFlags::RDONLY | FILE_FLAGS, Mode::empty()) {
                Ok(fd) => fd,
                Err(Errno::NOENT) => return Ok(None),
                Err(e) => return Err(refused(&path, describe(e))),
            };
        let file = File::from(fd);
        self.check_file(&file, &path)?;
        let modified = file
            .metadata()
            .and_then(|m| m.modified())
            .map_err(|e| refused(&path, format!("cannot be examined: {e}")))?;
        let mut bytes = Vec::new();
        file.take(cap + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| refused(&path, format!("cannot be read: {e}")))?;
        if bytes.len() as u64 > cap {
            return Err(refused(&path, format!("is larger than {cap} bytes")));
        }
        Ok(Some((bytes, modified)))
    }

    /// Replaces the file `name` with `bytes` (mode `mode`): an exclusive
    /// temporary with an unpredictable name, renamed over it.
    pub(crate) fn replace(&self, name: &str, bytes: &[u8], mode: u32) -> Result<(), Refused> {
        let path = self.path.join(name);
        let fail = |what: &str, e: std::io::Error| refused(&path, format!("cannot be {what}: {e}"));
        let mut random = [0u8; 8];
        rustix::rand::getrandom(&mut random, rustix::rand::GetRandomFlags::empty())
            .map_err(|e| fail("replaced", e.into()))?;
        let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let tmp = format!(".{name}.{suffix}.tmp");
        let mut file = self
            .create(&tmp, OFlags::WRONLY, mode)
            .map_err(|e| fail("replaced", e.into()))?;
        let written = file.write_all(bytes).and_then(|()| {
            rustix::fs::renameat(&self.fd, &tmp, &self.fd, name).map_err(Into::into)
        });
        if let Err(e) = written {
            let _ = rustix::fs::unlinkat(&self.fd, &tmp, AtFlags::empty());
            return Err(fail("replaced", e));
        }
        Ok(())
    }
}

/// Makes the directory `name` in `parent` (`0700`, so nobody can enter it
/// before it has its final mode), then gives the descriptor of what was
/// made its group and mode. A directory someone made meanwhile is opened
/// and verified as any other.
fn make_dir(
    parent: &OwnedFd,
    name: &OsStr,
    path: &Path,
    create: Create,
) -> Result<OwnedFd, Refused> {
    match rustix::fs::mkdirat(parent, name, Mode::from_raw_mode(0o700)) {
        Ok(()) => {}
        Err(Errno::EXIST) => {
            return open_dir_at(parent, name, DIR_FLAGS).map_err(|e| refused(path, describe(e)));
        }
        Err(e) => {
            return Err(refused(
                path,
                format!(
                    "does not exist and cannot be created: {}",
                    std::io::Error::from(e)
                ),
            ));
        }
    }
    let fd = open_dir_at(parent, name, DIR_FLAGS).map_err(|e| refused(path, describe(e)))?;
    let facts = facts_of(&fd, path)?;
    if facts.uid != euid() {
        return Err(refused(
            path,
            format!(
                "was replaced while being made (owned by {})",
                owner(facts.uid)
            ),
        ));
    }
    let set = || -> std::io::Result<()> {
        if let Some(gid) = create.gid {
            rustix::fs::fchown(&fd, None, Some(rustix::fs::Gid::from_raw(gid)))?;
        }
        let file = File::from(fd.try_clone()?);
        file.set_permissions(std::fs::Permissions::from_mode(create.mode))
    };
    set().map_err(|e| {
        refused(
            path,
            format!("was made but cannot be given mode {:04o}: {e}", create.mode),
        )
    })?;
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uid(u: u32) -> String {
        format!("uid {u}")
    }

    fn dir(uid: u32, gid: u32, perm: u32) -> Facts {
        Facts {
            uid,
            gid,
            mode: libc::S_IFDIR | perm,
            nlink: 2,
        }
    }

    fn file(uid: u32, nlink: u64) -> Facts {
        Facts {
            uid,
            gid: 0,
            mode: libc::S_IFREG | 0o660,
            nlink,
        }
    }

    #[test]
    fn directories_on_the_way_are_owned_by_root_or_us_and_not_writable_unless_sticky() {
        assert!(path_verdict(&dir(0, 0, 0o755), 1000, &uid).is_ok());
        assert!(path_verdict(&dir(1000, 1000, 0o700), 1000, &uid).is_ok());
        assert!(path_verdict(&dir(0, 0, 0o1777), 1000, &uid).is_ok(), "/tmp");
        let other = path_verdict(&dir(1001, 1001, 0o755), 1000, &uid).unwrap_err();
        assert!(other.contains("uid 1001"), "{other}");
        let writable = path_verdict(&dir(0, 0, 0o777), 0, &uid).unwrap_err();
        assert!(writable.contains("not sticky"), "{writable}");
        assert!(
            path_verdict(&dir(0, 0, 0o775), 0, &uid).is_err(),
            "group-writable"
        );
        assert!(path_verdict(&file(0, 1), 0, &uid).is_err());
    }

    #[test]
    fn the_shared_directory_is_never_world_writable_and_group_writable_only_for_docker() {
        let docker = Some(105);
        assert_eq!(
            dir_verdict(&dir(0, 0, 0o700), true, docker, &uid),
            Ok(false)
        );
        assert_eq!(
            dir_verdict(&dir(0, 105, 0o2770), true, docker, &uid),
            Ok(true)
        );
        assert_eq!(
            dir_verdict(&dir(0, 0, 0o755), true, docker, &uid),
            Ok(false)
        );
        let world = dir_verdict(&dir(0, 0, 0o1777), true, docker, &uid).unwrap_err();
        assert!(world.contains("every user"), "{world}");
        let group = dir_verdict(&dir(0, 100, 0o2770), true, docker, &uid).unwrap_err();
        assert!(group.contains("not the docker group"), "{group}");
        assert!(
            dir_verdict(&dir(0, 105, 0o2770), true, None, &uid).is_err(),
            "no docker group"
        );
        let owner = dir_verdict(&dir(1001, 1001, 0o700), false, docker, &uid).unwrap_err();
        assert!(owner.contains("uid 1001"), "{owner}");
    }

    #[test]
    fn files_are_regular_with_one_link_and_owned_as_expected() {
        assert!(file_verdict(&file(0, 1), true, &uid).is_ok());
        assert!(
            file_verdict(&file(0, 2), true, &uid)
                .unwrap_err()
                .contains("2 links")
        );
        assert!(
            file_verdict(&file(1001, 1), false, &uid)
                .unwrap_err()
                .contains("uid 1001")
        );
        let link = Facts {
            mode: libc::S_IFLNK | 0o777,
            ..file(0, 1)
        };
        assert!(file_verdict(&link, true, &uid).is_err());
        assert!(file_verdict(&dir(0, 0, 0o700), true, &uid).is_err());
    }

    #[test]
    fn who_may_create_files() {
        let shared = dir(0, 105, 0o2770);
        assert!(may_create(&shared, 0, &[]));
        assert!(may_create(&shared, 1000, &[1000, 105]));
        assert!(!may_create(&shared, 1000, &[1000]));
        assert!(!may_create(&dir(0, 0, 0o700), 1000, &[0]));
        assert!(may_create(&dir(1000, 1000, 0o700), 1000, &[]));
        assert!(!may_create(&dir(1000, 1000, 0o500), 1000, &[]));
    }

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
        # a comment\n\
        alice:x:1000:1000::/home/alice:/bin/sh\n\
        bob:x:1001:105::/home/bob:/bin/sh\n\
        carol:x:1002:1002::/home/carol:/bin/sh\n\
        +nis\n\
        broken\n";
    const GROUP: &str = "root:x:0:\nusers:x:100:carol\ndocker:x:105:alice,,dave\nalice:x:1000:\n";

    #[test]
    fn groups_and_users_are_read_from_etc_files() {
        assert_eq!(group_gid(GROUP, "docker"), Some(105));
        assert_eq!(group_gid(GROUP, "wheel"), None);
        assert_eq!(group_gid("docker:x:notanumber:\n", "docker"), None);
        assert_eq!(user_name(PASSWD, 1001), Some("bob"));
        assert_eq!(user_name(PASSWD, 4242), None);
        // alice is listed, bob has it as primary group, dave has no entry.
        assert_eq!(member_uids(PASSWD, GROUP, 105), vec![1000, 1001]);
        assert_eq!(member_uids(PASSWD, GROUP, 100), vec![1002]);
        assert!(member_uids("", "", 105).is_empty());
    }

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        assert_eq!(
            escape_control("pid 42 of root on h1 (apply)"),
            "pid 42 of root on h1 (apply)"
        );
        assert_eq!(escape_control("a\x1b[8mb"), "a\\u{1b}[8mb");
        assert_eq!(
            escape_control("\r\n\t\x7f\u{9b}"),
            "\\u{d}\\u{a}\\u{9}\\u{7f}\\u{9b}"
        );
        assert_eq!(escape_control("x\u{202e}y\u{2066}"), "x\\u{202e}y\\u{2066}");
        assert_eq!(escape_control("héllo ✓"), "héllo ✓");
    }

    #[test]
    fn a_shared_directory_follows_no_link_and_refuses_what_others_made() {
        let base = tempfile::tempdir().unwrap();
        let real = base.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let link = base.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e = SharedDir::open(&link, None, None).unwrap_err();
        assert!(e.why.contains("symbolic link"), "{e}");
        let through = SharedDir::open(
            &link.join("sub"),
            Some(Create {
                mode: 0o700,
                gid: None,
            }),
            None,
        )
        .unwrap_err();
        assert!(through.why.contains("symbolic link"), "{through}");
        assert!(!real.join("sub").exists());
        let e = SharedDir::open(&base.path().join("x/../real"), None, None).unwrap_err();
        assert!(e.why.contains(".."), "{e}");

        let made = base.path().join("made");
        let d = SharedDir::open(
            &made,
            Some(Create {
                mode: 0o700,
                gid: None,
            }),
            None,
        )
        .unwrap();
        let mode = std::fs::metadata(&made).unwrap().permissions().mode();
        assert_eq!(mode & 0o7777, 0o700);
        assert_eq!(d.path(), made);

        let open = base.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = SharedDir::open(&open, None, None).unwrap_err();
        assert!(e.why.contains("every user"), "{e}");
        assert_eq!(
            std::fs::metadata(&open).unwrap().permissions().mode() & 0o7777,
            0o777,
            "not chmod-ed"
        );
    }

    #[test]
    fn files_in_it_are_made_with_their_mode_and_links_are_not_followed() {
        let base = tempfile::tempdir().unwrap();
        let d = SharedDir::open(
            &base.path().join("d"),
            Some(Create {
                mode: 0o700,
                gid: None,
            }),
            None,
        )
        .unwrap();
        let made = d.open_file("a.lock", 0o660).unwrap();
        assert_eq!(
            made.metadata().unwrap().permissions().mode() & 0o7777,
            0o660
        );
        assert!(d.open_file("a.lock", 0o660).is_ok(), "opened again");

        let decoy = base.path().join("decoy");
        std::fs::write(&decoy, "precious").unwrap();
        std::fs::set_permissions(&decoy, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::symlink(&decoy, d.path().join("b.lock")).unwrap();
        let e = d.open_file("b.lock", 0o660).unwrap_err();
        assert!(e.why.contains("symbolic link"), "{e}");
        std::fs::hard_link(&decoy, d.path().join("c.lock")).unwrap();
        let e = d.open_file("c.lock", 0o660).unwrap_err();
        assert!(e.why.contains("2 links"), "{e}");
        assert!(d.read_file("b.lock", 100).is_err());

        d.replace("b.lock", b"new", 0o640).unwrap();
        assert_eq!(std::fs::read_to_string(&decoy).unwrap(), "precious");
        assert_eq!(
            std::fs::metadata(&decoy).unwrap().permissions().mode() & 0o7777,
            0o600
        );
        assert!(d.read_file("missing", 100).unwrap().is_none());
        let (bytes, _) = d.read_file("b.lock", 100).unwrap().unwrap();
        assert_eq!(bytes, b"new");
        assert!(d.read_file("b.lock", 2).unwrap_err().why.contains("larger"));
        let left: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");

        let sub = d.subdir("engines").unwrap();
        assert_eq!(
            std::fs::metadata(sub.path()).unwrap().permissions().mode() & 0o7777,
            0o700
        );
    }
}
