//! `paunch generate-man DIR`: the man pages, rendered from the same clap
//! definitions as `--help` (so they cannot drift from it): `paunch.1`,
//! and `paunch-apply.1` and so on for each command, as git and cargo have.
//!
//! A hidden command rather than a build script or a helper binary: the
//! definitions live in this binary (src/cli.rs, on the library's types),
//! where a build script cannot reach them; and a packager can render the
//! pages from the installed binary, as `completions` does for shells.

use super::Status;
use crate::cli::Cli;
use clap::CommandFactory;
use paunch::error::{Error, Result};
use std::path::Path;

pub fn generate(dir: &Path) -> Result<Status> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create the directory", dir, e))?;
    // Built, so each command knows its name as `paunch-apply` and has the
    // global options; `help` is a command of the parser, not of the tool.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = vec![cmd.clone()];
    pages.extend(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    for page in pages {
        let man = clap_mangen::Man::new(page);
        let mut text = Vec::new();
        man.render(&mut text)
            .map_err(|e| Error::io("render", Path::new(&man.get_filename()), e))?;
        write_new(&dir.join(man.get_filename()), &text)?;
    }
    Ok(Status::Success)
}

/// Replaces `path` with `text`: a temporary file created beside it (never
/// one that was there: no link is followed, nothing else truncated) is
/// renamed over it, which replaces a link rather than writing through it.
fn write_new(path: &Path, text: &[u8]) -> Result<()> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.tmp.{}", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create_new(&tmp)?;
        std::io::Write::write_all(&mut f, text)?;
        std::fs::rename(&tmp, path)
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("write", path, e)
    })
}
