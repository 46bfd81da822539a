//! `--systemd`: unit files written atomically or removed in the plan's
//! systemd directory, and the `systemctl` calls around them.

use super::*;

impl Run<'_> {
    /// Creates a container, then (`--systemd`) writes and enables its
    /// units, which start it.
    pub(super) fn create_with_units(&self, c: &Create) -> Outcome {
        let outcome = self.create(c);
        if c.units.is_empty() || !outcome.is_done() {
            return outcome;
        }
        match self.unit_ops(&c.units) {
            Ok(()) => Outcome::Done(format!(
                "created {} and started it with its systemd units",
                c.name
            )),
            Err(e) => Outcome::error(format!("created {}, but {e}", c.name)),
        }
    }

    /// Runs unit operations in order: files written atomically (a
    /// temporary file renamed over the old one) or removed, in the plan's
    /// systemd directory, and `systemctl` calls. The first failure stops
    /// them and says what failed.
    pub(super) fn unit_ops(&self, ops: &[UnitOp]) -> Result<(), String> {
        ops.iter().try_for_each(|op| self.unit_op(op))
    }

    /// [`Run::unit_ops`] for units going away (a delete): every operation
    /// is tried, so that a `systemctl` that fails (no systemd answers)
    /// still lets the files go; returns what failed.
    pub(super) fn unit_ops_removing(&self, ops: &[UnitOp]) -> Vec<String> {
        ops.iter().filter_map(|op| self.unit_op(op).err()).collect()
    }

    pub(super) fn unit_op(&self, op: &UnitOp) -> Result<(), String> {
        let Some(sd) = &self.plan.systemd else {
            return Err("the plan has systemd unit steps but no systemd directory".into());
        };
        let dir = std::path::Path::new(&sd.dir);
        let path = |file: &str| {
            if file.is_empty() || file.contains('/') || file == "." || file == ".." {
                Err(format!("{file:?} is not a unit file name"))
            } else {
                Ok(dir.join(file))
            }
        };
        match op {
            UnitOp::Write { file, contents } => {
                let target = path(file)?;
                write_atomically(dir, file, contents).map_err(|e| {
                    format!(
                        "cannot write {}: {e} (is --systemd-dir {} writable?)",
                        target.display(),
                        sd.dir
                    )
                })
            }
            UnitOp::Remove { file } => {
                let target = path(file)?;
                let removed = if target.is_dir() {
                    std::fs::remove_dir_all(&target)
                } else {
                    std::fs::remove_file(&target)
                };
                match removed {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        Err(format!("cannot remove {}: {e}", target.display()))
                    }
                    _ => Ok(()),
                }
            }
            UnitOp::Systemctl { argv } => {
                let shown = format!("systemctl {}", argv.join(" "));
                match self.engine.run_systemctl(argv) {
                    Ok(o) if o.success() => Ok(()),
                    Ok(o) => Err(format!("`{shown}` failed: {}", o.error_text())),
                    Err(e) => Err(format!("`{shown}` could not be run: {e}")),
                }
            }
        }
    }
}

/// A deleted container whose units' `systemctl` calls failed: what was
/// done, what was not, and what to do about it.
pub(super) fn units_not_stopped(errors: &[String]) -> String {
    let (first, rest) = errors
        .split_first()
        .map_or(("", &[][..]), |(f, r)| (f.as_str(), r));
    let more = match rest.len() {
        0 => String::new(),
        n => format!(" (and {n} more unit operations failed)"),
    };
    format!(
        "stopped and removed, and its unit files removed, but {first}{more}; \
         run `systemctl daemon-reload` once systemd answers"
    )
}

/// Writes `dir/file` so that no reader (systemd) ever sees it half
/// written, and nothing planted in `dir` is written through.
pub(super) fn write_atomically(
    dir: &std::path::Path,
    file: &str,
    contents: &str,
) -> std::io::Result<()> {
    crate::files::replace(&dir.join(file), contents.as_bytes(), 0o644)
}
