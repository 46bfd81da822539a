//! Loading a configuration: a YAML or JSON file mapping container names to
//! entries, or a directory of `hashed-NAME.json` files (one entry each).
//! The whole configuration is read and checked before anything runs.

pub mod entry;
pub mod keys;
pub mod schema;

pub use entry::{Action, Entry, Healthcheck, Setting};

use crate::error::{Diagnostic, Error, Result};
use crate::value::{Map, Value};
use crate::yaml::{self, Node};
use std::path::Path;

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// A loaded, validated configuration: its entries in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where it came from, for messages.
    pub source: String,
    pub entries: Vec<Entry>,
}

impl Config {
    /// Parses configuration text. `source` names it in diagnostics. Checks
    /// everything that needs no file system (see [`Config::check_paths`]).
    ///
    /// ```
    /// let config = paunch::Config::parse("web:\n  image: nginx:1.27\n  restart: no\n", "inline")?;
    /// assert_eq!(config.entries[0].name, "web");
    /// // YAML 1.1: `no` is a boolean in config_data, as the original wrote it...
    /// assert_eq!(config.entries[0].config_data(), r#"{"image": "nginx:1.27", "restart": false}"#);
    /// // ...and the string the operator meant for the engine.
    /// assert_eq!(config.entries[0].string("restart"), Some("no"));
    /// # Ok::<(), paunch::Error>(())
    /// ```
    pub fn parse(text: &str, source: &str) -> Result<Config> {
        let mut diags = Vec::new();
        let root = match yaml::load(text) {
            Ok(Some(root)) => root,
            Ok(None) => {
                return Err(Error::config(vec![diag(
                    source,
                    None,
                    "the file is empty",
                    Some("a configuration maps container names to their settings"),
                )]));
            }
            Err(e) => {
                return Err(Error::config(vec![diag(
                    source,
                    Some((e.line, e.column)),
                    &e.message,
                    None,
                )]));
            }
        };
        let Some(map) = root.as_map() else {
            return Err(Error::config(vec![diag(
                source,
                Some((root.line, root.column)),
                &format!(
                    "the top level must map container names to their settings, found {}",
                    root.type_name()
                ),
                Some("e.g. `web:\\n  image: nginx:1.27`"),
            )]));
        };
        let mut entries = Vec::new();
        for e in map {
            if let Some(entry) = Entry::decode(
                &e.key_text,
                (e.key_line, e.key_column),
                &e.value,
                source,
                &mut diags,
            ) {
                entries.push(entry);
            }
        }
        if map.is_empty() {
            diags.push(diag(source, None, "the configuration has no entries", None));
        }
        if diags.is_empty() {
            Ok(Config {
                source: source.to_string(),
                entries,
            })
        } else {
            Err(Error::config(diags))
        }
    }

    /// Loads a file or a directory of `hashed-NAME.json` files, then checks
    /// that host paths it names exist.
    pub fn load(path: &Path) -> Result<Config> {
        let config = if path.is_dir() {
            Config::load_hashed_dir(path)?
        } else {
            let text = read_text(path)?;
            Config::parse(&text, &path.display().to_string())?
        };
        let diags = config.check_paths();
        if diags.is_empty() {
            Ok(config)
        } else {
            Err(Error::config(diags))
        }
    }

    fn load_hashed_dir(dir: &Path) -> Result<Config> {
        let read = std::fs::read_dir(dir).map_err(|e| Error::io("read directory", dir, e))?;
        let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
        for f in read {
            let f = f.map_err(|e| Error::io("read directory", dir, e))?;
            let file_name = f.file_name().to_string_lossy().into_owned();
            if let Some(name) = file_name
                .strip_prefix("hashed-")
                .and_then(|n| n.strip_suffix(".json"))
            {
                files.push((name.to_string(), f.path()));
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(Error::config(vec![diag(
                &dir.display().to_string(),
                None,
                "the directory holds no hashed-NAME.json files",
                Some("--file takes a YAML/JSON file, or a directory of hashed-NAME.json files"),
            )]));
        }
        let mut diags = Vec::new();
        let mut entries = Vec::new();
        for (name, path) in files {
            let source = path.display().to_string();
            let text = read_text(&path)?;
            match yaml::load(&text) {
                Ok(Some(node)) => {
                    if let Some(e) = Entry::decode(&name, (0, 0), &node, &source, &mut diags) {
                        entries.push(e);
                    }
                }
                Ok(None) => diags.push(diag(&source, None, "the file is empty", None)),
                Err(e) => diags.push(diag(&source, Some((e.line, e.column)), &e.message, None)),
            }
        }
        if diags.is_empty() {
            Ok(Config {
                source: dir.display().to_string(),
                entries,
            })
        } else {
            Err(Error::config(diags))
        }
    }

    /// Host paths that must exist before anything runs: bind-mount sources
    /// (a volume source with a `/`; one without is a named volume) and
    /// `env_file`s. Relative paths are taken from the current directory, as
    /// the engine client takes them.
    pub fn check_paths(&self) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        let mut missing = |e: &Entry, key: &str, message: String, hint: Option<&str>| {
            let (line, column) = e.position(key);
            diags.push(Diagnostic {
                file: e.file.clone(),
                line: (line > 0).then_some(line),
                column: (line > 0).then_some(column),
                entry: Some(e.name.clone()),
                key: Some(key.into()),
                message,
                hint: hint.map(str::to_string),
            });
        };
        for e in self.entries.iter().filter(|e| e.action() == Action::Run) {
            for v in e.strings("volumes") {
                let Some((source, _)) = v.split_once(':') else {
                    continue;
                };
                if source.contains('/') && !Path::new(source).exists() {
                    missing(
                        e,
                        "volumes",
                        format!("host path \"{source}\" does not exist"),
                        Some("create it first, or use a name without / for a named volume"),
                    );
                }
            }
            for f in e.strings("env_file") {
                if !Path::new(f).is_file() {
                    missing(
                        e,
                        "env_file",
                        format!("env_file \"{f}\" does not exist"),
                        None,
                    );
                }
            }
        }
        diags
    }

    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// An index of the entries by name, for lookups in a loop.
    pub fn index(&self) -> std::collections::HashMap<&str, &Entry> {
        self.entries.iter().map(|e| (e.name.as_str(), e)).collect()
    }

    /// The configuration as one value `{name: entry}`, in file order.
    pub fn to_value(&self) -> Value {
        Value::Map(
            self.entries
                .iter()
                .map(|e| (e.name.clone(), e.data.clone()))
                .collect::<Map>(),
        )
    }

    /// Every image the configuration names, exec entries included, each once.
    pub fn images(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in &self.entries {
            if let Some(i) = e.image()
                && !out.iter().any(|o| o == i)
            {
                out.push(i.to_string());
            }
        }
        out
    }

    /// Reads one entry from a node (e.g. after `debug --overrides`),
    /// validating it again.
    pub fn entry_from_node(name: &str, node: &Node, source: &str) -> Result<Entry> {
        let mut diags = Vec::new();
        match Entry::decode(name, (0, 0), node, source, &mut diags) {
            Some(e) if diags.is_empty() => Ok(e),
            _ => Err(Error::config(diags)),
        }
    }
}

fn read_text(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::config(vec![diag(
            &path.display().to_string(),
            None,
            &format!(
                "the file is {} bytes; configurations over {MAX_FILE_BYTES} bytes are refused",
                meta.len()
            ),
            None,
        )]));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::config(vec![diag(
            &path.display().to_string(),
            None,
            &format!(
                "the file is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            None,
        )])
    })
}

fn diag(file: &str, pos: Option<(usize, usize)>, message: &str, hint: Option<&str>) -> Diagnostic {
    Diagnostic {
        file: file.to_string(),
        line: pos.map(|p| p.0),
        column: pos.map(|p| p.1),
        entry: None,
        key: None,
        message: message.to_string(),
        hint: hint.map(str::to_string),
    }
}
