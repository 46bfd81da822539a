//! `paunch list`.

use super::Status;
use super::out;
use crate::cli::{Global, ListArgs, ListFormat};
use paunch::engine::Engine;
use paunch::error::{Error, ErrorKind, Result};
use paunch::ops;
use paunch::render::list;

pub fn run(args: ListArgs, g: &Global) -> Result<Status> {
    let engine = Engine::new(g.default_runtime);
    let groups = ops::list(&engine, &args.scope.managed_by)?;
    let text = match args.format {
        ListFormat::Table => list::table(&groups),
        ListFormat::Json => {
            let mut s = serde_json::to_string_pretty(&groups)
                .map_err(|e| Error::new(ErrorKind::Engine, e.to_string()))?;
            s.push('\n');
            s
        }
        ListFormat::Yaml => {
            let value: paunch::value::Value = serde_json::to_value(&groups)
                .and_then(serde_json::from_value)
                .map_err(|e| Error::new(ErrorKind::Engine, e.to_string()))?;
            paunch::yaml::dump(&value)
        }
    };
    out(&text);
    Ok(Status::Success)
}
