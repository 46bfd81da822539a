//! Reading an entry from its YAML node: every key through the key table,
//! each value by its [`Shape`], every problem reported at file:line:column
//! (and what does not stop it as a warning).

use super::duration::parse_duration;
use super::entry::{
    Entry, EntryAction, Healthcheck, MAX_ARG_BYTES, MAX_ARGV_BYTES, Setting, Source, valid_name,
};
use super::keys::{self, HEALTHCHECK_KEYS, KEYS, Key, Shape};
use super::{LoadOptions, UnknownKeys};
use crate::error::Diagnostic;
use crate::labels;
use crate::value::Value;
use crate::yaml::{self, MapEntry, Node, NodeData, Scalar};
use std::path::{Component, Path, PathBuf};

impl Entry {
    /// Reads an entry from its node, adding a diagnostic for every problem
    /// (and a warning for what does not stop it). `None` when the node is
    /// not a map; otherwise the entry, marked failed if a problem was found.
    pub fn decode(
        name: &str,
        name_pos: (usize, usize),
        node: &Node,
        src: &Source,
        diags: &mut Vec<Diagnostic>,
        warnings: &mut Vec<Diagnostic>,
    ) -> Option<Entry> {
        let file = src.file;
        let mut cx = Cx {
            file,
            entry: name,
            opts: src.opts,
            diags,
            warnings,
            failed: false,
        };
        if !valid_name(name) {
            cx.at(
                name_pos,
                None,
                format!("\"{name}\" is not a valid container name"),
                Some("names have two or more characters, start with a letter or digit and contain only letters, digits, _ . and -".into()),
            );
        }
        let Some(map) = node.as_map() else {
            cx.at(
                (node.line, node.column),
                None,
                format!("expected a map of settings, found {}", node.type_name()),
                None,
            );
            return None;
        };
        let mut settings: Vec<(&'static Key, Setting)> = Vec::new();
        let mut positions = Vec::new();
        for e in map {
            let Some(key) = keys::key(&e.key) else {
                let hint = keys::did_you_mean(&e.key, KEYS.iter().map(|k| k.name))
                    .map(|s| format!("did you mean \"{s}\"?"));
                let pos = (e.key_line, e.key_column);
                if cx.opts.unknown_keys == UnknownKeys::Warn {
                    cx.warn(
                        pos,
                        Some(&e.key_text),
                        format!(
                            "unknown key \"{}\" is kept in config_data and passes no argument",
                            e.key_text
                        ),
                        hint,
                    );
                } else {
                    let hint = hint.or_else(|| {
                        Some("`paunch schema` lists every key; `--unknown-keys warn` accepts it with a warning".into())
                    });
                    cx.at(
                        pos,
                        Some(&e.key_text),
                        format!("unknown key \"{}\"", e.key_text),
                        hint,
                    );
                }
                continue;
            };
            positions.push((key.name, e.value.line, e.value.column));
            if let Some(s) = cx.read(key, e) {
                settings.push((key, s));
            }
        }
        settings.sort_by_key(|(k, _)| KEYS.iter().position(|x| std::ptr::eq(x, *k)));
        let data = node.to_value();
        let mut entry = Entry {
            name: name.to_string(),
            encoded: labels::encode_config_data(&data),
            data,
            node: node.clone(),
            file: file.to_string(),
            line: name_pos.0,
            column: name_pos.1,
            settings,
            positions,
            failed: false,
            relabelled: false,
        };
        cx.check_entry(&entry, map, name_pos);
        cx.check_numbers(node);
        entry.failed = cx.failed;
        Some(entry)
    }
}

struct Cx<'a> {
    file: &'a str,
    entry: &'a str,
    opts: &'a LoadOptions,
    diags: &'a mut Vec<Diagnostic>,
    warnings: &'a mut Vec<Diagnostic>,
    failed: bool,
}

type Read<T> = Result<T, String>;

impl Cx<'_> {
    fn at(
        &mut self,
        pos: (usize, usize),
        key: Option<&str>,
        message: String,
        hint: Option<String>,
    ) {
        self.failed = true;
        let d = self.diagnostic(pos, key, message, hint);
        self.diags.push(d);
    }

    fn diagnostic(
        &self,
        pos: (usize, usize),
        key: Option<&str>,
        message: String,
        hint: Option<String>,
    ) -> Diagnostic {
        Diagnostic {
            file: self.file.to_string(),
            line: (pos.0 > 0).then_some(pos.0),
            column: (pos.0 > 0).then_some(pos.1),
            entry: Some(self.entry.to_string()),
            key: key.map(str::to_string),
            message,
            hint,
        }
    }

    fn warn(
        &mut self,
        pos: (usize, usize),
        key: Option<&str>,
        message: String,
        hint: Option<String>,
    ) {
        let d = self.diagnostic(pos, key, message, hint);
        self.warnings.push(d);
    }

    fn read(&mut self, key: &'static Key, e: &MapEntry) -> Option<Setting> {
        let v = &e.value;
        let setting = self.read_shape(key, e)?;
        match (key.name, setting) {
            // Relative host paths mean the directory the
            // configuration was read in, wherever a saved plan is applied.
            ("volumes", Setting::Strings(list)) => Some(Setting::Strings(
                list.into_iter().map(|v| self.resolve_volume(&v)).collect(),
            )),
            ("env_file", Setting::Strings(list)) => Some(Setting::Strings(
                list.into_iter().map(|f| self.resolve_path(&f)).collect(),
            )),
            ("command", Setting::Strings(words)) => {
                if let NodeData::Scalar(s) = &v.data
                    && s.text.contains(['\'', '"'])
                {
                    self.warn(
                        (v.line, v.column),
                        Some("command"),
                        format!(
                            "the string command is split on whitespace as the original did, and its quotes are not interpreted: {}",
                            serde_json::to_string(&words).unwrap_or_default()
                        ),
                        Some("write the command as a list to pass a word holding spaces".into()),
                    );
                }
                Some(Setting::Strings(words))
            }
            (_, s) => Some(s),
        }
    }

    fn resolve_path(&self, path: &str) -> String {
        match &self.opts.base_dir {
            Some(base) if !Path::new(path).is_absolute() => absolute(base, path),
            _ => path.to_string(),
        }
    }

    /// `SOURCE:TARGET[:OPTIONS]` with a relative host path SOURCE made
    /// absolute; named volumes (no `/`, not `.`/`..`) are left alone.
    fn resolve_volume(&self, volume: &str) -> String {
        match volume.split_once(':') {
            Some((source, rest)) if is_relative_host_path(source) => {
                format!("{}:{rest}", self.resolve_path(source))
            }
            _ => volume.to_string(),
        }
    }

    fn read_shape(&mut self, key: &'static Key, e: &MapEntry) -> Option<Setting> {
        let v = &e.value;
        let result = match key.shape {
            Shape::Str => read_str(v).map(|s| s.map(|s| Setting::Strings(vec![s]))),
            Shape::Int => read_int(v).map(|i| i.map(Setting::Int)),
            Shape::Bool => read_bool(v).map(|b| b.map(Setting::Bool)),
            Shape::List => read_list(v).map(|l| Some(Setting::Strings(l))),
            Shape::Env => read_env(v).map(|l| Some(Setting::Strings(l))),
            Shape::Pairs => read_pairs(v).map(|l| Some(Setting::Strings(l))),
            Shape::Seconds => {
                read_seconds(v).map(|s| s.map(|s| Setting::Strings(vec![s.to_string()])))
            }
            Shape::Command => read_command(v).map(|c| Some(Setting::Strings(c))),
            Shape::Restart => read_restart(v).map(|r| r.map(|r| Setting::Strings(vec![r]))),
            Shape::Entrypoint => read_entrypoint(v).map(|c| c.map(Setting::Strings)),
            Shape::EntryAction => read_action(v).map(|a| a.map(Setting::EntryAction)),
            Shape::Ints => read_ints(v).map(|i| Some(Setting::Ints(i))),
            Shape::Healthcheck => return self.read_healthcheck(key, e),
        };
        match result {
            Ok(s) => s,
            Err(message) => {
                self.at((v.line, v.column), Some(key.name), message, None);
                None
            }
        }
    }

    fn read_healthcheck(&mut self, key: &'static Key, e: &MapEntry) -> Option<Setting> {
        let Some(map) = e.value.as_map() else {
            if is_null(&e.value) {
                return None;
            }
            self.at(
                (e.value.line, e.value.column),
                Some(key.name),
                format!("expected a map, found {}", e.value.type_name()),
                None,
            );
            return None;
        };
        let mut h = Healthcheck::default();
        for sub in map {
            let v = &sub.value;
            let r: Read<()> = match sub.key.as_str() {
                "test" => read_health_test(v).map(|(t, off)| {
                    h.test = t;
                    h.disable |= off;
                    h.exec = exec_words(v);
                }),
                "interval" => read_engine_duration(v).map(|d| h.interval = d),
                "timeout" => read_engine_duration(v).map(|d| h.timeout = d),
                "start_period" => read_engine_duration(v).map(|d| h.start_period = d),
                "retries" => read_int(v).map(|r| h.retries = r),
                "disable" => read_bool(v).map(|d| h.disable |= d.unwrap_or(false)),
                other => {
                    let hint = keys::did_you_mean(other, HEALTHCHECK_KEYS.iter().map(|(k, _)| *k))
                        .map(|s| format!("did you mean \"{s}\"?"))
                        .or_else(|| {
                            Some(
                                "known: test, interval, timeout, start_period, retries, disable"
                                    .into(),
                            )
                        });
                    self.at(
                        (sub.key_line, sub.key_column),
                        Some(&format!("healthcheck.{}", sub.key_text)),
                        format!("unknown healthcheck key \"{}\"", sub.key_text),
                        hint,
                    );
                    continue;
                }
            };
            if let Err(m) = r {
                self.at(
                    (v.line, v.column),
                    Some(&format!("healthcheck.{}", sub.key_text)),
                    m,
                    None,
                );
            }
        }
        Some(Setting::Healthcheck(h))
    }

    /// Numbers a label and a saved plan cannot carry exactly: integers
    /// beyond 64 bits and NaN/infinities (JSON has none; a plan would hold
    /// `null`). Refused here rather than saved as something else.
    fn check_numbers(&mut self, node: &Node) {
        match &node.data {
            NodeData::Scalar(s) => {
                let exact = match &s.value {
                    Value::Int(i) => i64::try_from(*i).is_ok() || u64::try_from(*i).is_ok(),
                    Value::Float(f) => f.is_finite(),
                    _ => true,
                };
                if !exact {
                    self.at(
                        (node.line, node.column),
                        None,
                        format!(
                            "{} is a number a saved plan cannot carry exactly (integers must fit in 64 bits; no NaN or infinity)",
                            s.text
                        ),
                        Some(format!("quote it (\"{}\") if it is text", s.text)),
                    );
                }
            }
            NodeData::Seq(items) => items.iter().for_each(|n| self.check_numbers(n)),
            NodeData::Map(entries) => entries.iter().for_each(|e| self.check_numbers(&e.value)),
        }
    }

    /// The engine CLI gets the entry as argv: the kernel refuses one
    /// argument over MAX_ARG_BYTES, or all of them over ARG_MAX, with
    /// "Argument list too long" only once the apply runs.
    fn check_size(&mut self, entry: &Entry, pos: (usize, usize)) {
        let label = entry.config_data().len() + "--label=config_data=".len();
        let values: usize = entry
            .settings
            .iter()
            .map(|(_, s)| match s {
                Setting::Strings(v) => v.iter().map(|x| x.len() + 24).sum(),
                _ => 24,
            })
            .sum();
        if label > MAX_ARG_BYTES {
            self.at(
                pos,
                None,
                format!(
                    "the entry's config_data label would be {label} bytes; the kernel passes at most {MAX_ARG_BYTES} bytes in one argument to the engine CLI"
                ),
                Some("move the largest values (many environment variables, say) into an env_file".into()),
            );
        } else if label + values > MAX_ARGV_BYTES {
            self.at(
                pos,
                None,
                format!(
                    "the entry's engine arguments would be about {} bytes; more than {MAX_ARGV_BYTES} risks \"Argument list too long\"",
                    label + values
                ),
                Some("move the largest values (many environment variables, say) into an env_file".into()),
            );
        }
    }

    /// Rules that concern the entry as a whole.
    fn check_entry(&mut self, entry: &Entry, map: &[MapEntry], pos: (usize, usize)) {
        let key_pos = |name: &str| {
            map.iter()
                .find(|e| e.key == name)
                .map(|e| (e.value.line, e.value.column))
                .unwrap_or(pos)
        };
        if !entry.strings("connect").is_empty() && !entry.detach() {
            self.at(
                key_pos("connect"),
                Some("connect"),
                "connect needs a detached container: a blocking one would run before it is connected".into(),
                Some("remove connect, or detach: false".into()),
            );
        }
        match entry.action() {
            EntryAction::Run => match entry.image() {
                None => self.at(
                    pos,
                    Some("image"),
                    "\"image\" is required for a container (action: run)".into(),
                    Some("add e.g. `image: registry.example.com/app:1.2.3`".into()),
                ),
                Some(image) => {
                    if image.is_empty()
                        || image.starts_with('-')
                        || image.contains(char::is_whitespace)
                    {
                        self.at(
                            key_pos("image"),
                            Some("image"),
                            format!("\"{image}\" is not an image reference"),
                            None,
                        );
                    }
                }
            },
            EntryAction::Exec => {
                let cmd = entry.command();
                if cmd.is_empty() {
                    self.at(
                        key_pos("command"),
                        Some("command"),
                        "an exec entry needs a command whose first word names the target container"
                            .into(),
                        Some("e.g. `command: [web, /bin/reload]`".into()),
                    );
                } else if !valid_name(&cmd[0]) {
                    // The plan says "exec in X" and the engine would read
                    // `--privileged` as its option: refused, as an image
                    // starting with `-` is.
                    self.at(
                        first_word_pos(map).unwrap_or(pos),
                        Some("command"),
                        format!(
                            "the exec target \"{}\" is not a container name (letters, digits and _.-, starting with a letter or digit, at least two)",
                            cmd[0]
                        ),
                        Some(
                            "the first word of an exec entry's command names the container to run in; give engine options as keys of the entry: privileged: true, user: root"
                                .into(),
                        ),
                    );
                } else if cmd.len() < 2 {
                    self.at(
                        key_pos("command"),
                        Some("command"),
                        format!(
                            "an exec entry runs a command in container \"{}\", but no command follows the target",
                            cmd[0]
                        ),
                        Some("e.g. `command: [web, /bin/reload]`".into()),
                    );
                }
            }
        }
        for l in entry.strings("labels") {
            let k = l.split('=').next().unwrap_or("");
            if labels::RESERVED.contains(&k) {
                self.at(
                    key_pos("labels"),
                    Some("labels"),
                    format!("label \"{k}\" is paunch's own and cannot be set"),
                    None,
                );
            }
        }
        for env in entry.strings("environment") {
            if env.starts_with('=') {
                self.at(
                    key_pos("environment"),
                    Some("environment"),
                    format!("\"{env}\" has no variable name"),
                    None,
                );
            }
        }
        self.check_size(entry, pos);
    }
}

/// Where the first word of an entry's `command` was written: its first
/// item's position for a list, the string's for a string.
fn first_word_pos(map: &[MapEntry]) -> Option<(usize, usize)> {
    let value = &map.iter().find(|e| e.key == "command")?.value;
    let at = value.as_seq().and_then(|s| s.first()).unwrap_or(value);
    (at.line > 0).then_some((at.line, at.column))
}

fn is_null(n: &Node) -> bool {
    matches!(
        &n.data,
        NodeData::Scalar(Scalar {
            value: Value::Null,
            ..
        })
    )
}

fn expected(what: &str, n: &Node) -> String {
    format!("expected {what}, found {}", n.type_name())
}

/// A string; null means "not set". A plain scalar that YAML 1.1 reads as a
/// number or boolean is taken as the text its value reads back as from
/// `config_data` JSON, so that an entry read back from its label builds the
/// same arguments (a rollback recreates from labels); where that text is not what was written
/// (`22:22` is the number 1342, `0755` is 493, `yes` is true), the value
/// is refused with a hint to quote it, rather than silently changed.
fn read_str(n: &Node) -> Read<Option<String>> {
    match &n.data {
        NodeData::Scalar(s) if s.value == Value::Null && s.plain => Ok(None),
        NodeData::Scalar(s) if !s.plain => Ok(Some(s.text.clone())),
        NodeData::Scalar(s) => plain_text(s).map(Some),
        _ => Err(expected("a string", n)),
    }
}

/// The text of a plain scalar read where a string is wanted.
fn plain_text(s: &Scalar) -> Read<String> {
    match &s.value {
        Value::String(t) => Ok(t.clone()),
        Value::Bool(b) if s.text.eq_ignore_ascii_case(&b.to_string()) => Ok(b.to_string()),
        Value::Bool(b) => Err(format!(
            "YAML 1.1 reads {} as the boolean {b}; quote it ('{}') if you mean the text",
            s.text, s.text
        )),
        value => {
            let canonical = yaml::canonical_text(value);
            if canonical == s.text {
                Ok(canonical)
            } else {
                let base60 = if s.text.contains(':') {
                    " (base 60)"
                } else {
                    ""
                };
                Err(format!(
                    "YAML 1.1 reads {} as the number {canonical}{base60}; quote it (\"{}\") if you mean the text",
                    s.text, s.text
                ))
            }
        }
    }
}

/// A map key where a string is wanted (a variable's or a label's name):
/// refused when YAML 1.1 reads it as something else (`NO` is false).
fn key_text(e: &MapEntry) -> Read<String> {
    if e.key == e.key_text {
        Ok(e.key_text.clone())
    } else {
        Err(format!(
            "YAML 1.1 reads the name {} as {}; quote it (\"{}\")",
            e.key_text, e.key, e.key_text
        ))
    }
}

/// Whether a volume source is a host path given relative to the directory
/// the configuration is read in (`./data`, `../x`, `data/x`); a source
/// without `/` is a named volume.
pub fn is_relative_host_path(source: &str) -> bool {
    (source.contains('/') || source == "." || source == "..") && !source.starts_with('/')
}

/// `path` joined to `base`, with `.` and `..` resolved by name (the path
/// may not exist yet: missing paths are reported later).
pub(super) fn absolute(base: &Path, path: &str) -> String {
    let mut out = PathBuf::new();
    for c in base.join(path).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.display().to_string()
}

fn read_int(n: &Node) -> Read<Option<i64>> {
    let s = match &n.data {
        NodeData::Scalar(s) => s,
        _ => return Err(expected("an integer", n)),
    };
    let out_of_range = || format!("{} is out of range", s.text);
    match &s.value {
        Value::Null => Ok(None),
        Value::Int(i) => i64::try_from(*i).map(Some).map_err(|_| out_of_range()),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(*f as i64)),
        Value::String(t) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("expected an integer, found \"{t}\"")),
        _ => Err(format!("expected an integer, found {}", s.text)),
    }
}

fn read_bool(n: &Node) -> Read<Option<bool>> {
    let s = match &n.data {
        NodeData::Scalar(s) => s,
        _ => return Err(expected("true or false", n)),
    };
    match &s.value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::Int(0) => Ok(Some(false)),
        Value::Int(1) => Ok(Some(true)),
        Value::String(t) => match t.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" => Ok(Some(true)),
            "false" | "no" | "off" => Ok(Some(false)),
            _ => Err(format!("expected true or false, found \"{t}\"")),
        },
        _ => Err(format!("expected true or false, found {}", s.text)),
    }
}

/// A list of strings or one string; nulls and empty strings are skipped,
/// as the original skipped them.
fn read_list(n: &Node) -> Read<Vec<String>> {
    let items: Vec<&Node> = match &n.data {
        NodeData::Seq(items) => items.iter().collect(),
        NodeData::Scalar(_) => vec![n],
        NodeData::Map(_) => return Err(expected("a list of strings", n)),
    };
    let mut out = Vec::new();
    for item in items {
        match read_str(item) {
            Ok(Some(s)) if !s.is_empty() => out.push(s),
            Ok(_) => {}
            Err(m) if item.as_scalar().is_some() => {
                return Err(format!("{m} (line {}, column {})", item.line, item.column));
            }
            Err(_) => {
                return Err(format!(
                    "expected a list of strings, found {} at line {}, column {}",
                    item.type_name(),
                    item.line,
                    item.column
                ));
            }
        }
    }
    Ok(out)
}

fn read_env(n: &Node) -> Read<Vec<String>> {
    match &n.data {
        NodeData::Map(entries) => entries
            .iter()
            .map(|e| {
                let name = key_text(e)?;
                Ok(match read_str(&e.value)? {
                    None => name,
                    Some(v) => format!("{name}={v}"),
                })
            })
            .collect::<Result<_, String>>()
            .map_err(|m: String| format!("environment: {m}")),
        // A bare string is refused: the original iterated it by character.
        NodeData::Seq(_) => read_list(n).map_err(|_| expected("a list of KEY=value or a map", n)),
        NodeData::Scalar(_) if is_null(n) => Ok(Vec::new()),
        NodeData::Scalar(_) => Err(expected("a list of KEY=value or a map", n)),
    }
}

fn read_pairs(n: &Node) -> Read<Vec<String>> {
    match &n.data {
        NodeData::Map(entries) => entries
            .iter()
            .map(|e| {
                Ok(format!(
                    "{}={}",
                    key_text(e)?,
                    read_str(&e.value)?.unwrap_or_default()
                ))
            })
            .collect(),
        _ => read_list(n).map_err(|_| expected("a map or a list of key=value", n)),
    }
}

const DURATION_HINT: &str = "a duration such as 90, 1.5s or 1m30s";

fn read_seconds(n: &Node) -> Read<Option<u64>> {
    let s = match &n.data {
        NodeData::Scalar(s) => s,
        _ => return Err(expected(DURATION_HINT, n)),
    };
    let secs = match &s.value {
        Value::Null => return Ok(None),
        Value::Int(i) if *i >= 0 => *i as f64,
        Value::Float(f) if *f >= 0.0 && f.is_finite() => *f,
        Value::String(t) => {
            parse_duration(t).ok_or_else(|| format!("expected {DURATION_HINT}, found \"{t}\""))?
        }
        _ => return Err(format!("expected {DURATION_HINT}, found {}", s.text)),
    };
    if secs > 1.0e9 {
        return Err(format!("{} is too long", s.text));
    }
    Ok(Some(secs.ceil() as u64))
}

/// A duration as the engine reads it (Go syntax); a bare number is seconds.
fn read_engine_duration(n: &Node) -> Read<Option<String>> {
    let s = match &n.data {
        NodeData::Scalar(s) => s,
        _ => return Err(expected(DURATION_HINT, n)),
    };
    match &s.value {
        Value::Null => Ok(None),
        // The number as it reads back from config_data, so a label builds
        // the same argument.
        Value::Int(_) | Value::Float(_)
            if parse_duration(&yaml::canonical_text(&s.value)).is_some() =>
        {
            Ok(Some(format!("{}s", yaml::canonical_text(&s.value))))
        }
        Value::String(t) if parse_duration(t).is_some() => {
            if t.trim().parse::<f64>().is_ok() {
                Ok(Some(format!("{}s", t.trim())))
            } else {
                Ok(Some(t.clone()))
            }
        }
        _ => Err(format!("expected {DURATION_HINT}, found \"{}\"", s.text)),
    }
}

fn read_command(n: &Node) -> Read<Vec<String>> {
    match &n.data {
        NodeData::Seq(items) => items
            .iter()
            .map(|i| match read_str(i) {
                Ok(Some(s)) => Ok(s),
                _ => Err(format!(
                    "command words must be strings, found {} at line {}, column {}",
                    i.type_name(),
                    i.line,
                    i.column
                )),
            })
            .collect(),
        NodeData::Scalar(_) => Ok(read_str(n)?
            .as_deref()
            .map(python_split)
            .unwrap_or_default()),
        NodeData::Map(_) => Err(expected("a list or a string", n)),
    }
}

/// Splits a string command as the original did, with Python's
/// `str.split()`: on runs of whitespace (Python's, which also counts the
/// ASCII separators 0x1c-0x1f), quotes kept inside the words. TripleO's
/// `bootstrap_host_exec NAME su nova -c '/usr/bin/nova-manage db sync'`
/// re-joins its arguments and `eval`s them: only this split keeps it
/// working.
///
/// ```
/// use paunch::config::python_split;
/// assert_eq!(python_split(" sh -c 'echo  hi' "), ["sh", "-c", "'echo", "hi'"]);
/// ```
pub fn python_split(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A restart policy. The YAML 1.1 boolean `no` (stored as `false` in
/// config_data, as the original stored it) is the policy "no".
fn read_restart(n: &Node) -> Read<Option<String>> {
    let policy = match &n.data {
        NodeData::Scalar(Scalar {
            value: Value::Bool(false),
            plain: true,
            ..
        }) => return Ok(Some("no".into())),
        _ => read_str(n)?,
    };
    let Some(p) = policy else { return Ok(None) };
    let valid = match p.split_once(':') {
        None => matches!(
            p.as_str(),
            "no" | "always" | "on-failure" | "unless-stopped"
        ),
        Some(("on-failure", n)) => n.parse::<u32>().is_ok(),
        Some(_) => false,
    };
    if valid {
        Ok(Some(p))
    } else {
        Err(format!(
            "\"{p}\" is not a restart policy: no, always, on-failure[:N] or unless-stopped"
        ))
    }
}

fn read_entrypoint(n: &Node) -> Read<Option<Vec<String>>> {
    match &n.data {
        NodeData::Seq(_) => read_command(n).map(Some),
        _ => read_str(n).map(|s| s.map(|s| vec![s])),
    }
}

fn read_action(n: &Node) -> Read<Option<EntryAction>> {
    match read_str(n)?.as_deref() {
        None | Some("run") => Ok(Some(EntryAction::Run)),
        Some("exec") => Ok(Some(EntryAction::Exec)),
        Some(other) => Err(format!("expected run or exec, found \"{other}\"")),
    }
}

fn read_ints(n: &Node) -> Read<Vec<i64>> {
    let items: Vec<&Node> = match &n.data {
        NodeData::Seq(items) => items.iter().collect(),
        _ => vec![n],
    };
    items
        .into_iter()
        .filter_map(|i| {
            read_int(i)
                .transpose()
                .map(|r| r.map_err(|m| format!("{m} at line {}, column {}", i.line, i.column)))
        })
        .collect()
}

/// The words of an exec-form healthcheck test (`["CMD", words...]`).
fn exec_words(n: &Node) -> Option<Vec<String>> {
    let words = read_command(n).ok()?;
    match words.split_first() {
        Some((first, rest)) if first == "CMD" && !rest.is_empty() => Some(rest.to_vec()),
        _ => None,
    }
}

/// The `test` of a healthcheck: `(command, disabled)`.
fn read_health_test(n: &Node) -> Read<(Option<String>, bool)> {
    match &n.data {
        NodeData::Seq(_) => {
            let words = read_command(n)?;
            match words.split_first() {
                Some((first, rest)) if first == "NONE" && rest.is_empty() => Ok((None, true)),
                Some((first, rest)) if first == "CMD-SHELL" && rest.len() == 1 => {
                    Ok((Some(rest[0].clone()), false))
                }
                Some((first, rest)) if first == "CMD" && !rest.is_empty() => {
                    Ok((Some(shlex::try_join(rest.iter().map(String::as_str)).map_err(|e| e.to_string())?), false))
                }
                _ => Err(
                    "a healthcheck test list is [\"CMD\", args...], [\"CMD-SHELL\", \"command\"] or [\"NONE\"]"
                        .into(),
                ),
            }
        }
        _ => read_str(n).map(|s| (s, false)),
    }
}
