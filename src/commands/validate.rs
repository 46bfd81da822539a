//! `paunch validate`, `paunch schema`, `paunch completions`: no engine.

use super::Status;
use super::out;
use crate::cli::{Cli, PlanFormat, ValidateArgs};
use clap::CommandFactory;
use paunch::config::{Config, LoadOptions, schema};
use paunch::error::{Diagnostic, Result};

pub fn run(args: ValidateArgs) -> Result<Status> {
    let shown = args.file.display().to_string();
    let opts: LoadOptions = args.reading.options(None);
    let (entries, diagnostics, warnings): (Vec<String>, Vec<Diagnostic>, Vec<Diagnostic>) =
        match Config::load_with(&args.file, &opts) {
            Ok(c) => (
                c.entries.iter().map(|e| e.name.clone()).collect(),
                vec![],
                c.warnings,
            ),
            Err(e) if !e.diagnostics().is_empty() => (vec![], e.diagnostics().to_vec(), vec![]),
            Err(e) => (
                vec![],
                vec![Diagnostic {
                    file: shown.clone(),
                    line: None,
                    column: None,
                    entry: None,
                    key: None,
                    message: e.message().to_string(),
                    hint: e.hint().map(str::to_string),
                }],
                vec![],
            ),
        };
    let valid = diagnostics.is_empty();
    match args.format {
        PlanFormat::Json => {
            let doc = serde_json::json!({
                "file": shown,
                "valid": valid,
                "entries": entries,
                "diagnostics": diagnostics,
                "warnings": warnings,
            });
            // Display of a JSON value cannot fail; `{:#}` is its pretty form.
            out(&format!("{doc:#}\n"));
        }
        PlanFormat::Text if valid => {
            let mut s = format!(
                "{shown}: valid ({} entr{})\n",
                entries.len(),
                if entries.len() == 1 { "y" } else { "ies" }
            );
            for w in &warnings {
                s.push_str(&format!("  warning: {w}\n"));
            }
            out(&s);
        }
        PlanFormat::Text => {
            let mut s = format!(
                "{shown}: invalid ({} problem{})\n",
                diagnostics.len(),
                if diagnostics.len() == 1 { "" } else { "s" }
            );
            for d in &diagnostics {
                s.push_str(&format!("  {d}\n"));
            }
            out(&s);
        }
    }
    Ok(if valid {
        Status::Success
    } else {
        Status::Failed
    })
}

pub fn schema(compose: bool) -> Result<Status> {
    let schema = if compose {
        paunch::config::compose::schema::json_schema()
    } else {
        schema::json_schema()
    };
    out(&format!("{schema:#}\n"));
    Ok(Status::Success)
}

pub fn completions(shell: clap_complete::Shell) -> Result<Status> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "paunch", &mut std::io::stdout());
    Ok(Status::Success)
}
