//! `paunch validate`, `paunch schema`, `paunch completions`: no engine.

use super::out;
use crate::cli::{Cli, PlanFormat, ValidateArgs};
use crate::config::{Config, schema};
use crate::error::{Diagnostic, Result};
use clap::CommandFactory;

pub fn run(args: ValidateArgs) -> Result<i32> {
    let shown = args.file.display().to_string();
    let (entries, diagnostics): (Vec<String>, Vec<Diagnostic>) = match Config::load(&args.file) {
        Ok(c) => (c.entries.iter().map(|e| e.name.clone()).collect(), vec![]),
        Err(e) if !e.diagnostics().is_empty() => (vec![], e.diagnostics().to_vec()),
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
            });
            out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            ));
        }
        PlanFormat::Text if valid => out(&format!(
            "{shown}: valid ({} entr{})\n",
            entries.len(),
            if entries.len() == 1 { "y" } else { "ies" }
        )),
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
    Ok(if valid { 0 } else { 1 })
}

pub fn schema() -> Result<i32> {
    out(&format!(
        "{}\n",
        serde_json::to_string_pretty(&schema::json_schema()).unwrap_or_default()
    ));
    Ok(0)
}

pub fn completions(shell: clap_complete::Shell) -> Result<i32> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "paunch", &mut std::io::stdout());
    Ok(0)
}
