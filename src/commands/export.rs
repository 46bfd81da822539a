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
        ExportFormat::Kubernetes if args.pods => (
            export::kubernetes_from(&config, &owner, &source_of(&args.file)),
            "Kubernetes",
        ),
        ExportFormat::Kubernetes => {
            let mut source = source_of(&args.file);
            source.env_files = env_files(&config);
            (export::cluster_from(&config, &owner, &source), "Kubernetes")
        }
        ExportFormat::Compose if args.pods => {
            return Err(Error::new(
                ErrorKind::Usage,
                "--pods is an option of --format kubernetes".to_string(),
            ));
        }
        ExportFormat::Compose => (export::compose(&config, &owner), "compose"),
    };
    if written.secrets > 0 && args.out.is_none() {
        return Err(Error::new(
            ErrorKind::Usage,
            format!(
                "the export holds a Secret ({} value{}), which paunch never prints; nothing written",
                written.secrets,
                if written.secrets == 1 { "" } else { "s" }
            ),
        )
        .with_hint("write it to a file with --out FILE (created 0600)"));
    }
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

/// What the manifest `file` says that its entries cannot (readiness probes,
/// host path types); nothing for a file that is not one. The file was just
/// read whole as the configuration, so it is read again under the same cap.
fn source_of(file: &std::path::Path) -> export::Source {
    use std::io::Read as _;
    let mut text = String::new();
    let read = std::fs::File::open(file).and_then(|f| {
        f.take(paunch::config::MAX_FILE_BYTES)
            .read_to_string(&mut text)
    });
    match read
        .ok()
        .and_then(|_| paunch::config::kube::manifest(&text))
    {
        Some(Ok(docs)) => export::Source::of_manifest(&docs),
        _ => export::Source::default(),
    }
}

/// The variables of every `env_file` of the configuration's entries (a
/// file that cannot be read is left out: the export warns of it).
fn env_files(
    config: &paunch::Config,
) -> std::collections::BTreeMap<String, Vec<(String, Option<String>)>> {
    use std::io::Read as _;
    let mut out = std::collections::BTreeMap::new();
    for f in config.entries.iter().flat_map(|e| e.strings("env_file")) {
        if out.contains_key(f) {
            continue;
        }
        let mut text = String::new();
        let read = std::fs::File::open(f).and_then(|file| {
            file.take(paunch::config::MAX_FILE_BYTES)
                .read_to_string(&mut text)
        });
        if read.is_ok() {
            out.insert(f.clone(), export::env_file_vars(&text));
        }
    }
    out
}
