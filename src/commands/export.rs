//! `paunch export`: no engine.

use super::{Status, out};
use crate::cli::{ExportArgs, ExportFormat};
use paunch::error::{Error, ErrorKind, Result};
use paunch::export::{self, Owner};

pub fn run(args: ExportArgs) -> Result<Status> {
    let config = super::load_config(&args.file, &args.reading, Some(&args.config_id))?;
    let owner = Owner {
        config_id: &args.config_id,
        managed_by: &args.scope.managed_by,
    };
    let (written, target) = match args.format {
        ExportFormat::Kubernetes => (export::kubernetes(&config, &owner), "Kubernetes"),
        ExportFormat::Compose => (export::compose(&config, &owner), "compose"),
    };
    if args.strict && !written.warnings.is_empty() {
        let mut message = format!(
            "--strict: {} thing{} cannot be said in {target}; nothing written",
            written.warnings.len(),
            if written.warnings.len() == 1 { "" } else { "s" }
        );
        for w in &written.warnings {
            message.push_str(&format!("\n  {w}"));
        }
        return Err(Error::new(ErrorKind::Config, message)
            .with_hint("drop --strict to write the rest with these as warnings"));
    }
    for w in &written.warnings {
        eprintln!("warning: {w}");
    }
    match &args.out {
        Some(path) => {
            // It holds the configuration's values, secrets included.
            paunch::files::replace(path, written.text.as_bytes(), 0o600)
                .map_err(|e| Error::io("write", path, e))?
        }
        None => out(&written.text),
    }
    Ok(Status::Success)
}
