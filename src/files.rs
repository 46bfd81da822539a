//! Files paunch writes where a user asked (saved plans, exports, systemd
//! units): never written through what is already there. Each is an
//! exclusive temporary with an unpredictable name beside its target
//! (`O_EXCL`, created with its final mode: nothing planted is followed or
//! overwritten), synced, then renamed over the target, so a reader never
//! sees half a file and a symlink at the target is replaced, not followed.

use std::path::Path;

/// Replaces `path` with `contents`, mode `mode` (before the umask). On
/// failure the temporary is removed and `path` is untouched.
pub fn replace(path: &Path, contents: &[u8], mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".paunch-")
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(dir)?;
    std::io::Write::write_all(&mut tmp, contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn a_planted_link_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let decoy = dir.path().join("decoy");
        std::fs::write(&decoy, "keep").unwrap();
        let target = dir.path().join("out.plan");
        std::os::unix::fs::symlink(&decoy, &target).unwrap();
        replace(&target, b"new", 0o600).unwrap();
        assert_eq!(std::fs::read_to_string(&decoy).unwrap(), "keep");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        let meta = std::fs::symlink_metadata(&target).unwrap();
        assert!(meta.file_type().is_file());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temporary left behind");
    }
}
