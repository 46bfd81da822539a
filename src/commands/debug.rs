//! `paunch debug`: print, run or dump one entry, after the interactive,
//! shell, user and overrides adjustments (in that order).

use super::Status;
use super::out;
use crate::cli::{DebugAction, DebugArgs, Global};
use paunch::config::keys::did_you_mean;
use paunch::config::{Config, EntryAction};
use paunch::engine::Engine;
use paunch::engine::argv::LabelSet;
use paunch::engine::argv::shell_join;
use paunch::error::{Error, ErrorKind, Result};
use paunch::plan::NameBook;
use paunch::value::Value;
use paunch::yaml::{MapEntry, Node, NodeData};

pub fn run(args: DebugArgs, g: &Global) -> Result<Status> {
    let config = super::load_config(&args.file, &args.reading, Some(&args.config_id))?;
    let name = args.container.as_str();
    let entry = config.entry(name).ok_or_else(|| {
        let mut e = Error::usage(format!("{} has no entry \"{name}\"", args.file.display()));
        if let Some(s) = did_you_mean(name, config.entries.iter().map(|e| e.name.as_str())) {
            e = e.with_hint(format!("did you mean \"{s}\"?"));
        }
        e
    })?;
    let node = adjusted(entry, &args)?;
    let doc = Node {
        line: 0,
        column: 0,
        data: NodeData::Map(vec![MapEntry {
            key: name.to_string(),
            key_text: name.to_string(),
            key_line: 0,
            key_column: 0,
            value: node.clone(),
        }]),
    };
    match args.action {
        DebugAction::DumpJson => {
            // Display of a JSON value cannot fail; `{:#}` is its pretty form.
            let json = serde_json::to_value(doc.to_value())
                .map_err(|e| Error::new(ErrorKind::Config, e.to_string()))?;
            out(&format!("{json:#}\n"));
            Ok(Status::Success)
        }
        DebugAction::DumpYaml => {
            out(&paunch::yaml::dump_node(&doc));
            Ok(Status::Success)
        }
        DebugAction::PrintCmd | DebugAction::Run => {
            let entry = Config::entry_from_node(name, &node, "--overrides", &config.options)?;
            command(&entry, &args, g)
        }
    }
}

/// The entry after the adjustments, in order: `--interactive`/`--shell`,
/// `--shell`'s command, `run`'s attached and removed, `--user`,
/// `--overrides`. The entry as loaded is adjusted, so that what is not
/// overridden keeps its text as written.
fn adjusted(entry: &paunch::config::Entry, args: &DebugArgs) -> Result<Node> {
    let mut settings: Vec<MapEntry> = entry.node.as_map().map(<[_]>::to_vec).unwrap_or_default();
    let mut set = |key: &str, value: Value| {
        let value = Node::from_value(&value);
        match settings.iter_mut().find(|e| e.key == key) {
            Some(e) => e.value = value,
            None => settings.push(MapEntry {
                key: key.to_string(),
                key_text: key.to_string(),
                key_line: 0,
                key_column: 0,
                value,
            }),
        }
    };
    if args.interactive || args.shell {
        set("interactive", Value::Bool(true));
        set("tty", Value::Bool(true));
        set("restart", Value::String("no".into()));
        set("detach", Value::Bool(false));
        set("remove", Value::Bool(true));
    }
    if args.shell {
        set("command", Value::String("/bin/sh".into()));
    }
    // `run` runs attached and leaves nothing behind, whatever
    // the entry says (a detached debug container would outlive the
    // session, and hold the entry's name).
    if args.action == DebugAction::Run && entry.action() == EntryAction::Run {
        set("detach", Value::Bool(false));
        set("remove", Value::Bool(true));
    }
    if let Some(u) = &args.user {
        set("user", Value::String(u.clone()));
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
            set(k, v.clone());
        }
    }
    Ok(Node {
        line: 0,
        column: 0,
        data: NodeData::Map(settings),
    })
}

/// `print-cmd` prints the engine command line apply would run; `run` runs
/// it attached (an exec entry's exec; a container under a name of its own,
/// without paunch's labels).
fn command(entry: &paunch::config::Entry, args: &DebugArgs, g: &Global) -> Result<Status> {
    let name = entry.name.as_str();
    let engine = Engine::new(g.default_runtime);
    let rt = engine.runtime();
    let argv = match entry.action() {
        EntryAction::Exec => rt.exec_args(entry, entry.exec_target().unwrap_or(name)),
        EntryAction::Run if args.action == DebugAction::Run => {
            // Not one of paunch's containers: no managed_by label, so no
            // apply counts it, and a name of its own.
            let debug_name = format!("{name}-debug");
            rt.debug_run_args(
                entry,
                &container_name(&engine, args, &debug_name)?,
                &args.labels,
            )
        }
        EntryAction::Run => {
            let labels = LabelSet {
                managed_by: args.scope.managed_by.clone(),
                config_id: args.config_id.clone(),
                extra: args.labels.clone(),
            };
            rt.run_args(entry, &container_name(&engine, args, name)?, &labels)
        }
    };
    if args.action == DebugAction::PrintCmd {
        let sensitive = paunch::mask::current();
        let shown: Vec<std::borrow::Cow<'_, str>> = argv
            .iter()
            .map(|a| match args.show_sensitive {
                true => std::borrow::Cow::Borrowed(a.as_str()),
                false => sensitive.arg(a),
            })
            .collect();
        if shown.iter().zip(&argv).any(|(s, a)| s != a) {
            paunch::log::info(|| {
                "note: sensitive values are shown as (sensitive); --show-sensitive prints them"
                    .into()
            });
        }
        let mut words = vec![rt.program()];
        words.extend(shown.iter().map(|a| a.as_ref()));
        out(&format!("{}\n", shell_join(&words)));
        return Ok(Status::Success);
    }
    // `--tty` with a piped stdin makes the engine refuse to start; the
    // operator piping commands in means stdin.
    let piped = !std::io::IsTerminal::is_terminal(&std::io::stdin());
    let argv: Vec<String> = if piped && argv.iter().any(|a| a == "--tty") {
        paunch::log::verbose(|| "stdin is not a terminal: running without --tty".into());
        argv.into_iter().filter(|a| a != "--tty").collect()
    } else {
        argv
    };
    engine.run_attached(&argv).map(Status::Container)
}

/// The name apply would give: the entry's if free, else a unique one. With
/// no engine to ask (print-cmd only), the entry's name.
fn container_name(engine: &Engine, args: &DebugArgs, name: &str) -> Result<String> {
    match engine.observe(&args.scope.managed_by, &[]) {
        Ok(observed) => Ok(NameBook::of(&observed).choose(&args.config_id, name)),
        Err(e)
            if e.kind() == ErrorKind::EngineUnreachable && args.action == DebugAction::PrintCmd =>
        {
            paunch::log::warn(|| format!("{e}; assuming the name \"{name}\" is free"));
            Ok(name.to_string())
        }
        Err(e) => Err(e),
    }
}
