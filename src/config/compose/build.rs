//! A service's `build` (SPEC §17): `build: DIR` or the map of the
//! [`table::BUILD`] keys, normalised into `config_data` (an absolute
//! context, `args`, `labels` as maps, `extra_hosts` as `HOST:IP`), with
//! the image's tag: `image`, else `PROJECT-SERVICE` (compose v2's name;
//! the engine's default tag, `latest`).
//!
//! When the file is loaded (its directory known), the context's files are
//! hashed into `build.context_hash` ([`context_hash`]): their paths, modes
//! and contents, as `.dockerignore` leaves them. So the plan stays pure
//! (it never reads the context) and a changed context changes the
//! containers' `config_data`: the image is rebuilt and they are replaced.

use super::project::Names;
use super::reader::{Cx, Pos, map_value, pos_of, strings_value};
use super::service::Service;
use super::table;
use crate::value::{Map, Value};
use crate::yaml::{Node, NodeData};
use sha2::{Digest, Sha256};
use std::io::Read as _;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

/// The most bytes of file contents a build context's hash reads: the
/// context is hashed at every plan, so a large one is an error naming
/// `.dockerignore`, not a slow plan.
pub const MAX_CONTEXT_BYTES: u64 = 64 * 1024 * 1024;

/// The most files, directories and links a build context's hash visits.
pub const MAX_CONTEXT_ENTRIES: usize = 50_000;

/// The deepest directory nesting of a context that is hashed.
const MAX_DEPTH: usize = 64;

impl Cx<'_> {
    /// Reads `build` (at `path`) into `s.data["build"]`, and gives the
    /// service its image's tag when it names none.
    pub(super) fn build(&mut self, path: &str, n: &Node, names: &Names, s: &mut Service) {
        let mut got = Map::new();
        let mut context = ".".to_string();
        let mut context_at = pos_of(n);
        if let NodeData::Map(_) = &n.data {
            for (row, e) in self.keys(table::BUILD, path, n) {
                let p = format!("{path}.{}", row.name);
                if row.name == "context" {
                    context_at = pos_of(&e.value);
                    if let Some(c) = self.string(&p, &e.value) {
                        context = c;
                    }
                } else if let Some(v) = self.build_key(&p, row.name, &e.value, names) {
                    got.insert(row.name.to_string(), v);
                }
            }
        } else if let Some(c) = self.string(path, n) {
            context = c;
        } else {
            return;
        }
        if context.contains("://") || context.starts_with("git@") {
            self.error(
                context_at,
                format!("{path}: a remote build context ({context}) is not read"),
                Some("clone or download it, and name the directory as the context".into()),
            );
            return;
        }
        let context = names.host_path(&context);
        let mut b = Map::new();
        b.insert("context".into(), Value::String(context.clone()));
        // One order, the table's, whatever the order written.
        for row in table::BUILD {
            if let Some(v) = got.get(row.name) {
                b.insert(row.name.to_string(), v.clone());
            }
        }
        if names.dir.is_some() {
            let dockerfile = got.get("dockerfile").and_then(Value::as_str);
            match context_hash(Path::new(&context), dockerfile) {
                Ok(h) => b.insert("context_hash".into(), Value::String(h)),
                Err(why) => {
                    self.error(context_at, format!("{path}: {why}"), None);
                    return;
                }
            }
        }
        s.data.insert("build".into(), Value::Map(b));
        self.default_tag(path, names, s);
    }

    /// One key of the `build` map, normalised.
    fn build_key(&mut self, p: &str, key: &str, v: &Node, names: &Names) -> Option<Value> {
        Some(match key {
            "args" => {
                let mut args = Map::new();
                for (k, val, _) in self.pairs(p, v, &['=']) {
                    // A bare name takes the caller's value; unset, it is
                    // left out (the Dockerfile's default holds), as
                    // compose does.
                    if let Some(val) = val.or_else(|| names.var(&k).map(str::to_string)) {
                        args.insert(k, Value::String(val));
                    }
                }
                Value::Map(args)
            }
            "labels" => map_value(
                self.pairs(p, v, &['='])
                    .into_iter()
                    .map(|(k, val, _)| (k, Value::String(val.unwrap_or_default()))),
            ),
            "extra_hosts" => {
                let mut hosts = Vec::new();
                for (h, ip, at) in self.pairs(p, v, &['=', ':']) {
                    match ip {
                        Some(ip) => hosts.push(format!("{h}:{ip}")),
                        None => self.error(
                            at,
                            format!("{p}: \"{h}\" has no address"),
                            Some("write HOST:IP".into()),
                        ),
                    }
                }
                strings_value(&hosts)
            }
            "no_cache" | "pull" => Value::Bool(self.flag(p, v)?),
            "tags" => strings_value(&self.strings(p, v)),
            _ => Value::String(self.string(p, v)?),
        })
    }

    /// `image` when the service has none: `PROJECT-SERVICE`, as compose
    /// v2 names a built image (the engine tags it `latest`). A given
    /// `image` read later replaces it.
    fn default_tag(&mut self, path: &str, names: &Names, s: &mut Service) {
        if s.data.get("image").is_some() {
            return;
        }
        let tag = format!("{}-{}", names.project, s.name);
        if !tag
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        {
            let at: Pos = s.positions.get("build").copied().unwrap_or(s.at);
            self.error(
                at,
                format!("{path}: the built image would be named \"{tag}\", which is not an image name (lower case only)"),
                Some("name the image in `image`".into()),
            );
            return;
        }
        s.data.insert("image".into(), Value::String(tag));
    }
}

/// `sha256:` + hex of a build context: every file, directory and link
/// under `root` that `.dockerignore` leaves (and the Dockerfile and
/// `.dockerignore` themselves, which the engine always reads), by
/// relative path, kind, permission bits and contents (a link's target,
/// never followed). Owners and times are not in it: a `touch` does not
/// rebuild. An error beyond [`MAX_CONTEXT_BYTES`] or
/// [`MAX_CONTEXT_ENTRIES`], or for a context that is not a directory.
pub fn context_hash(root: &Path, dockerfile: Option<&str>) -> Result<String, String> {
    let shown = root.display();
    let meta = std::fs::symlink_metadata(root)
        .map_err(|e| format!("the build context {shown} cannot be read: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err(format!(
            "the build context {shown} is a symbolic link; name the directory itself"
        ));
    }
    if !meta.is_dir() {
        return Err(format!("the build context {shown} is not a directory"));
    }
    let dockerfile = dockerfile.unwrap_or("Dockerfile");
    let mut walk = Walk {
        root,
        ignore: Ignore::read(root)?,
        always: [".dockerignore".to_string(), clean(dockerfile)],
        hash: Sha256::new(),
        bytes: 0,
        entries: 0,
    };
    walk.dir(root, "", 0)?;
    // A Dockerfile outside the context is read by the engine too.
    let outside = Path::new(dockerfile);
    let outside = root.join(outside);
    if !outside.starts_with(root) || dockerfile.split('/').any(|s| s == "..") {
        walk.hash.update(b"dockerfile\0");
        walk.file(&outside)?;
    }
    let digest = walk.hash.finalize();
    let mut hex = String::from("sha256:");
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    Ok(hex)
}

/// A relative path as `.dockerignore` patterns see it: no leading `./`
/// or `/`, no empty or `.` segments.
fn clean(p: &str) -> String {
    p.split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect::<Vec<_>>()
        .join("/")
}

struct Walk<'a> {
    root: &'a Path,
    ignore: Ignore,
    /// Paths hashed whatever `.dockerignore` says.
    always: [String; 2],
    hash: Sha256,
    bytes: u64,
    entries: usize,
}

impl Walk<'_> {
    /// Hashes directory `dir` (`rel` under the root) and all below it.
    fn dir(&mut self, dir: &Path, rel: &str, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "the build context {} nests directories more than {MAX_DEPTH} deep",
                self.root.display()
            ));
        }
        let read = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut names = Vec::new();
        for item in read {
            names.push(
                item.map_err(|e| format!("{}: {e}", dir.display()))?
                    .file_name(),
            );
        }
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for name in names {
            let path = dir.join(&name);
            let name = name.to_string_lossy();
            let rel = if rel.is_empty() {
                name.into_owned()
            } else {
                format!("{rel}/{name}")
            };
            let meta =
                std::fs::symlink_metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let kind = meta.file_type();
            let ignored = !self.always.contains(&rel) && self.ignore.excludes(&rel);
            // An excluded directory is still walked when a `!` pattern may
            // take back something below it.
            if ignored && !(kind.is_dir() && self.ignore.has_exceptions()) {
                continue;
            }
            self.entries += 1;
            if self.entries > MAX_CONTEXT_ENTRIES {
                return Err(self.too_big(&format!("more than {MAX_CONTEXT_ENTRIES} files")));
            }
            let tag: &[u8] = if kind.is_dir() {
                b"d"
            } else if kind.is_symlink() {
                b"l"
            } else if kind.is_file() {
                b"f"
            } else {
                b"o"
            };
            if !ignored {
                self.hash.update(tag);
                self.hash.update(b"\0");
                self.hash.update(rel.as_bytes());
                self.hash
                    .update(format!("\0{:o}\0", meta.permissions().mode() & 0o7777).as_bytes());
            }
            if kind.is_dir() {
                self.dir(&path, &rel, depth + 1)?;
            } else if ignored {
            } else if kind.is_symlink() {
                let target =
                    std::fs::read_link(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                self.hash.update(target.as_os_str().as_bytes());
                self.hash.update(b"\0");
            } else if kind.is_file() {
                self.file(&path)?;
            }
        }
        Ok(())
    }

    /// Hashes a regular file's length and contents; a link is not
    /// followed (`O_NOFOLLOW`), nor anything but a regular file opened.
    fn file(&mut self, path: &Path) -> Result<(), String> {
        let shown = path.display();
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| format!("{shown} cannot be read: {e}"))?;
        let meta = f.metadata().map_err(|e| format!("{shown}: {e}"))?;
        if !meta.is_file() {
            return Err(format!("{shown} is not a regular file"));
        }
        self.hash.update(meta.len().to_le_bytes());
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = f.read(&mut buf).map_err(|e| format!("{shown}: {e}"))?;
            if n == 0 {
                return Ok(());
            }
            self.bytes += n as u64;
            if self.bytes > MAX_CONTEXT_BYTES {
                return Err(self.too_big(&format!("more than {} MiB", MAX_CONTEXT_BYTES >> 20)));
            }
            self.hash.update(&buf[..n]);
        }
    }

    fn too_big(&self, what: &str) -> String {
        format!(
            "the build context {} holds {what}, more than paunch hashes at each plan; leave out what the image does not need in its .dockerignore",
            self.root.display()
        )
    }
}

/// The patterns of a context's `.dockerignore`, as docker reads them:
/// `#` comments, `!` exceptions, `*` and `?` within a path segment, `**`
/// across segments; the last pattern that matches a path (or one of its
/// parent directories) decides. Character classes (`[a-z]`) are read as
/// literal text.
struct Ignore {
    patterns: Vec<(bool, Vec<String>)>,
}

impl Ignore {
    /// The context's `.dockerignore` (none: nothing is excluded); a link
    /// there is not followed.
    fn read(root: &Path) -> Result<Ignore, String> {
        let path: PathBuf = root.join(".dockerignore");
        let text = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => {
                crate::config::read_text(&path, 0).map_err(|e| e.to_string())?
            }
            Ok(_) => {
                return Err(format!(
                    "{} is not a regular file (paunch reads no link there)",
                    path.display()
                ));
            }
            Err(_) => String::new(),
        };
        let mut patterns = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (keep, pat) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let segs: Vec<String> = clean(pat).split('/').map(str::to_string).collect();
            if !segs.iter().all(String::is_empty) {
                patterns.push((keep, segs));
            }
        }
        Ok(Ignore { patterns })
    }

    fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|(keep, _)| *keep)
    }

    /// Whether `rel` is left out of the context.
    fn excludes(&self, rel: &str) -> bool {
        let segs: Vec<&str> = rel.split('/').collect();
        let mut out = false;
        for (keep, pat) in &self.patterns {
            // A pattern matching a parent directory matches all below it.
            if (1..=segs.len()).any(|n| path_match(pat, &segs[..n])) {
                out = !keep;
            }
        }
        out
    }
}

/// Whether path segments match pattern segments (`**` any number of
/// segments).
fn path_match(pat: &[String], path: &[&str]) -> bool {
    match pat.split_first() {
        None => path.is_empty(),
        Some((p, rest)) if p == "**" => (0..=path.len()).any(|i| path_match(rest, &path[i..])),
        Some((p, rest)) => match path.split_first() {
            Some((s, more)) => segment_match(p.as_bytes(), s.as_bytes()) && path_match(rest, more),
            None => false,
        },
    }
}

/// `*` and `?` within one segment; `\` escapes the next character.
fn segment_match(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| segment_match(rest, &s[i..])),
        Some((b'?', rest)) => !s.is_empty() && segment_match(rest, &s[1..]),
        Some((b'\\', rest)) if !rest.is_empty() => {
            s.first() == rest.first() && segment_match(&rest[1..], &s[1..])
        }
        Some((c, rest)) => s.first() == Some(c) && segment_match(rest, &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> Ignore {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".dockerignore"), text).unwrap();
        Ignore::read(dir.path()).unwrap()
    }

    #[test]
    fn dockerignore_patterns_as_docker_reads_them() {
        let i = ignore("# comment\n*.log\n/build\n**/tmp\nsecret*\n!secret.keep\n");
        for out in [
            "a.log",
            "build",
            "build/x/y",
            "tmp",
            "a/b/tmp/c",
            "secret.txt",
        ] {
            assert!(i.excludes(out), "{out}");
        }
        for kept in ["a/a.log", "src/main.rs", "secret.keep", "builder"] {
            assert!(!i.excludes(kept), "{kept}");
        }
    }

    #[test]
    fn a_context_hash_follows_contents_modes_and_dockerignore() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("Dockerfile"), "FROM x\n").unwrap();
        std::fs::create_dir(d.join("src")).unwrap();
        std::fs::write(d.join("src/a"), "1").unwrap();
        let h0 = context_hash(d, None).unwrap();
        assert_eq!(h0, context_hash(d, None).unwrap());
        std::fs::write(d.join("src/a"), "2").unwrap();
        let h1 = context_hash(d, None).unwrap();
        assert_ne!(h0, h1);
        std::fs::set_permissions(d.join("src/a"), std::fs::Permissions::from_mode(0o755)).unwrap();
        let h2 = context_hash(d, None).unwrap();
        assert_ne!(h1, h2);
        // An ignored file changes nothing (the .dockerignore itself does).
        std::fs::write(d.join(".dockerignore"), "*.log\n").unwrap();
        let h3 = context_hash(d, None).unwrap();
        std::fs::write(d.join("x.log"), "noise").unwrap();
        assert_eq!(h3, context_hash(d, None).unwrap());
        // A link is hashed as its target's name, never followed.
        std::os::unix::fs::symlink("/etc/passwd", d.join("link")).unwrap();
        let h4 = context_hash(d, None).unwrap();
        assert_ne!(h3, h4);
        assert!(context_hash(&d.join("link"), None).is_err());
        assert!(context_hash(&d.join("missing"), None).is_err());
    }
}
