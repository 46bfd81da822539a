//! The host paths an apply creates before any container (a Pod's
//! `DirectoryOrCreate`/`FileOrCreate` hostPaths).

/// Creates the host paths an apply's configuration lists for it (a Pod's
/// missing `DirectoryOrCreate`/`FileOrCreate` hostPaths, see
/// [`crate::config::HostPath`]), before any container: directories with
/// their parents, files empty. One that cannot be made stops the apply
/// before anything else is touched.
pub fn create_host_paths(paths: &[crate::config::HostPath]) -> crate::error::Result<()> {
    for h in paths {
        let made = if h.file {
            h.path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| {
                    // Only ever a new, empty file: what is there (a file,
                    // or a link to one) is left as it is.
                    use std::os::unix::fs::OpenOptionsExt as _;
                    match std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .custom_flags(libc::O_NOFOLLOW)
                        .open(&h.path)
                    {
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                        made => made.map(|_| ()),
                    }
                })
        } else {
            std::fs::create_dir_all(&h.path)
        };
        made.map_err(|e| crate::error::Error::io("create the host path", &h.path, e))?;
    }
    Ok(())
}
