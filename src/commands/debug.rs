//! `paunch debug`: print, run or dump one entry, after the interactive,
//! shell, user and overrides adjustments (in that order).

use super::out;
use crate::cli::{DebugAction, DebugArgs, Global};
use crate::config::keys::did_you_mean;
use crate::config::{Action, Config};
use crate::engine::{Engine, LabelSet};
use crate::error::{Error, ErrorKind, Result};
use crate::plan::NameBook;
use crate::render::shell_join;
use crate::value::{Map, Value};

pub fn run(args: DebugArgs, g: &Global) -> Result<i32> {
    let config = Config::load(&args.file)?;
    let name = args.container.as_str();
    let entry = config.entry(name).ok_or_else(|| {
        let mut e = Error::usage(format!("{} has no entry \"{name}\"", args.file.display()));
        if let Some(s) = did_you_mean(name, config.entries.iter().map(|e| e.name.as_str())) {
            e = e.with_hint(format!("did you mean \"{s}\"?"));
        }
        e
    })?;
    let mut data = entry.data.as_map().cloned().unwrap_or_default();
    if args.interactive || args.shell {
        data.insert("interactive".into(), Value::Bool(true));
        data.insert("tty".into(), Value::Bool(true));
        data.insert("restart".into(), Value::String("no".into()));
        data.insert("detach".into(), Value::Bool(false));
        data.insert("remove".into(), Value::Bool(true));
    }
    if args.shell {
        data.insert("command".into(), Value::String("/bin/sh".into()));
    }
    if let Some(u) = &args.user {
        data.insert("user".into(), Value::String(u.clone()));
    }
    if let Some(o) = &args.overrides {
        let parsed: Value = serde_json::from_str(o).map_err(|e| {
            Error::usage(format!("--overrides is not JSON: {e}"))
                .with_hint("e.g. --overrides '{\"net\": \"host\"}'")
        })?;
        let Value::Map(m) = parsed else {
            return Err(Error::usage(
                "--overrides must be a JSON object, e.g. '{\"net\": \"host\"}'",
            ));
        };
        for (k, v) in m.iter() {
            data.insert(k.clone(), v.clone());
        }
    }
    let value = Value::Map(data);
    let doc = Value::Map(
        [(name.to_string(), value.clone())]
            .into_iter()
            .collect::<Map>(),
    );
    let encode_err = |e: String| Error::new(ErrorKind::Config, e);
    match args.action {
        DebugAction::DumpJson => {
            let mut s =
                serde_json::to_string_pretty(&doc).map_err(|e| encode_err(e.to_string()))?;
            s.push('\n');
            out(&s);
            Ok(0)
        }
        DebugAction::DumpYaml => {
            out(&serde_yaml::to_string(&doc).map_err(|e| encode_err(e.to_string()))?);
            Ok(0)
        }
        DebugAction::PrintCmd | DebugAction::Run => {
            let entry = Config::entry_from_value(name, &value, "--overrides")?;
            let engine = Engine::new(g.default_runtime);
            let rt = engine.runtime();
            let argv = match entry.action() {
                Action::Exec => rt.exec_args(&entry, entry.exec_target().unwrap_or(name)),
                Action::Run => {
                    let labels = LabelSet {
                        managed_by: args.scope.managed_by.clone(),
                        config_id: args.config_id.clone(),
                        extra: args.labels.clone(),
                    };
                    rt.run_args(&entry, &container_name(&engine, &args, name)?, &labels)
                }
            };
            if args.action == DebugAction::PrintCmd {
                let mut words = vec![rt.program()];
                words.extend(argv.iter().map(String::as_str));
                out(&format!("{}\n", shell_join(&words)));
                Ok(0)
            } else {
                engine.run_attached(&argv)
            }
        }
    }
}

/// The name apply would give: the entry's if free, else a unique one. With
/// no engine to ask (print-cmd only), the entry's name.
fn container_name(engine: &Engine, args: &DebugArgs, name: &str) -> Result<String> {
    match engine.observe(&args.scope.managed_by, &[]) {
        Ok(observed) => {
            let book = NameBook::new(
                observed
                    .containers
                    .iter()
                    .map(|c| (c.name.clone(), c.id.clone()))
                    .chain(
                        observed
                            .foreign
                            .iter()
                            .map(|h| (h.name.clone(), h.id.clone())),
                    ),
            );
            Ok(book.choose(&args.config_id, name))
        }
        Err(e)
            if e.kind() == ErrorKind::EngineUnreachable && args.action == DebugAction::PrintCmd =>
        {
            crate::log::warn(|| format!("{e}; assuming the name \"{name}\" is free"));
            Ok(name.to_string())
        }
        Err(e) => Err(e),
    }
}
