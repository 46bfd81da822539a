//! A container entry: the entry as written (for `config_data`) and its typed
//! reading ([`Entry::decode`] in `decode.rs` reads it).

use super::keys::Key;
use super::{LoadOptions, UnknownKeys};
use crate::error::{Error, Result};
use crate::labels;
use crate::value::Value;
use crate::yaml::Node;

/// The longest single argument the kernel passes to a program
/// (`MAX_ARG_STRLEN`, 32 pages, less the terminating NUL): a longer
/// `config_data` label fails with "Argument list too long".
pub const MAX_ARG_BYTES: usize = 128 * 1024 - 1;

/// What the engine's arguments of one entry may add up to: well under the
/// usual 2 MiB `ARG_MAX`, which the environment shares.
pub const MAX_ARGV_BYTES: usize = 1024 * 1024;

/// Where an entry is read from, and how.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The file, for messages.
    pub file: &'a str,
    /// How it is read (unknown keys, the directory relative paths mean).
    pub opts: &'a LoadOptions,
}

/// What an entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryAction {
    /// Create a container (the default).
    Run,
    /// Run a command in an existing container, on every apply.
    Exec,
}

/// The healthcheck of an entry, normalised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Healthcheck {
    /// The shell command, or `None` when not given.
    pub test: Option<String>,
    /// Time between checks, as the engine reads it (`30s`).
    pub interval: Option<String>,
    /// Time a check may take (`10s`).
    pub timeout: Option<String>,
    /// Start-up time before failures count (`60s`).
    pub start_period: Option<String>,
    /// Failures in a row before unhealthy.
    pub retries: Option<i64>,
    /// `disable: true` or `test: ["NONE"]`.
    pub disable: bool,
    /// The words of an exec-form test (`["CMD", ...]`), which podman runs
    /// without a shell (docker's CLI has only the shell form: `test`).
    pub exec: Option<Vec<String>>,
}

/// A key's value after reading and normalising.
#[derive(Debug, Clone, PartialEq)]
pub enum Setting {
    /// A boolean key.
    Bool(bool),
    /// An integer key.
    Int(i64),
    /// A list of integers (`exit_codes`).
    Ints(Vec<i64>),
    /// One string or a list of strings, as the engine gets them.
    Strings(Vec<String>),
    /// The healthcheck.
    Healthcheck(Healthcheck),
    /// `run` or `exec`.
    EntryAction(EntryAction),
}

/// One container entry of a configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The entry's key in the configuration: the container's desired name.
    pub name: String,
    /// The entry exactly as written; its JSON encoding is the `config_data` label.
    pub data: Value,
    /// The entry as loaded, with the text of every key and scalar (for
    /// dumping it back as written).
    pub node: Node,
    /// `data` encoded as the `config_data` label (computed once).
    pub(crate) encoded: String,
    /// The file it came from, as named in messages.
    pub file: String,
    /// 1-based line of the entry's name (0 when not from a file).
    pub line: usize,
    /// 1-based column of the entry's name (0 when not from a file).
    pub column: usize,
    /// Every key given, typed, in the key table's order.
    pub settings: Vec<(&'static Key, Setting)>,
    /// Where each key's value was written: `(key, line, column)`, 1-based
    /// (0 when not from a file).
    pub positions: Vec<(&'static str, usize, usize)>,
    /// Whether a problem was found (such an entry is only kept to report
    /// every problem of a file at once).
    pub(crate) failed: bool,
    /// Whether `data` (the label) is not the entry itself but was given by
    /// [`Entry::set_config_data`] (a compose service's).
    pub(crate) relabelled: bool,
}

impl Entry {
    /// Labels the entry's container with `data` as `config_data` instead of
    /// the entry itself: a compose service's containers carry their
    /// normalised service.
    pub fn set_config_data(&mut self, data: Value) {
        self.encoded = labels::encode_config_data(&data);
        self.relabelled = data != self.node.to_value();
        self.data = data;
    }

    /// The setting of a key of the table, if given.
    pub fn setting(&self, name: &str) -> Option<&Setting> {
        // A misspelt key would quietly read as "not set": every lookup
        // names a key of the table (checked whenever tests run).
        debug_assert!(
            super::keys::key(name).is_some(),
            "no configuration key {name:?}"
        );
        self.settings
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(_, s)| s)
    }

    /// A key's strings (empty when not given).
    pub fn strings(&self, name: &str) -> &[String] {
        match self.setting(name) {
            Some(Setting::Strings(v)) => v,
            _ => &[],
        }
    }

    /// A key's first string, if given.
    pub fn string(&self, name: &str) -> Option<&str> {
        self.strings(name).first().map(String::as_str)
    }

    /// A boolean key, if given.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.setting(name) {
            Some(Setting::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// An integer key, if given.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.setting(name) {
            Some(Setting::Int(i)) => Some(*i),
            _ => None,
        }
    }

    /// `action`, default [`EntryAction::Run`].
    pub fn action(&self) -> EntryAction {
        match self.setting("action") {
            Some(Setting::EntryAction(a)) => *a,
            _ => EntryAction::Run,
        }
    }

    /// `image`, if given.
    pub fn image(&self) -> Option<&str> {
        self.string("image")
    }

    /// `command`: the words (a string was split as the original split it).
    pub fn command(&self) -> &[String] {
        self.strings("command")
    }

    /// `detach`, default true.
    pub fn detach(&self) -> bool {
        self.bool("detach").unwrap_or(true)
    }

    /// `start_order`, default 0.
    pub fn start_order(&self) -> i64 {
        self.int("start_order").unwrap_or(0)
    }

    /// `exit_codes`, default `[0]`.
    pub fn exit_codes(&self) -> Vec<i64> {
        match self.setting("exit_codes") {
            Some(Setting::Ints(v)) => v.clone(),
            _ => vec![0],
        }
    }

    /// `stop_grace_period` in whole seconds.
    pub fn stop_grace_period(&self) -> Option<u64> {
        self.string("stop_grace_period")
            .and_then(|s| s.parse().ok())
    }

    /// For an exec entry, the container named by the first word of `command`.
    pub fn exec_target(&self) -> Option<&str> {
        self.command().first().map(String::as_str)
    }

    /// Where a key's value was written: (line, column), or the entry's own
    /// position.
    pub fn position(&self, key: &str) -> (usize, usize) {
        self.positions
            .iter()
            .find(|(k, _, _)| *k == key)
            .map_or((self.line, self.column), |(_, l, c)| (*l, *c))
    }

    /// The `config_data` label value for this entry.
    pub fn config_data(&self) -> &str {
        &self.encoded
    }

    /// Whether a container's `config_data` label describes this entry: the
    /// same bytes, or equal as JSON values (key order ignored, `1 == 1.0`).
    pub fn matches_label(&self, label: &str) -> bool {
        labels::label_matches(label, &self.encoded, &self.data)
    }

    /// Reads an entry back from a container's `config_data` label, as a
    /// rollback or a saved plan's check does: it builds the same engine
    /// arguments as the YAML the label was written from (`restart: no` is
    /// stored as `false` and still means `--restart=no`).
    ///
    /// ```
    /// use paunch::{Config, config::Entry, engine::argv::{LabelSet, Runtime}};
    /// let config = Config::parse("web:\n  image: nginx:1.27\n  restart: no\n", "x")?;
    /// let yaml = &config.entries[0];
    /// let back = Entry::from_config_data("web", yaml.config_data())?;
    /// let labels = LabelSet::default();
    /// assert_eq!(Runtime::Docker.run_args(&back, "web", &labels), Runtime::Docker.run_args(yaml, "web", &labels));
    /// # Ok::<(), paunch::Error>(())
    /// ```
    pub fn from_config_data(name: &str, label: &str) -> Result<Entry> {
        let value = labels::decode_config_data(label).ok_or_else(|| {
            Error::new(
                crate::ErrorKind::Config,
                format!("the config_data label of \"{name}\" is not a JSON object"),
            )
        })?;
        // The container exists: whatever keys its label holds were accepted
        // when it was created.
        let opts = LoadOptions {
            unknown_keys: UnknownKeys::Warn,
            ..LoadOptions::default()
        };
        let source = format!("config_data of {name}");
        super::Config::entry_from_node(name, &Node::from_value(&value), &source, &opts)
    }
}

impl Entry {
    /// The entry a container of compose service `service` was created
    /// from, read back from its `config_data` label (its normalised
    /// service), which it keeps as its label.
    pub fn from_compose_config_data(name: &str, service: &str, label: &str) -> Result<Entry> {
        let Some(value @ Value::Map(_)) = labels::decode_config_data(label) else {
            return Err(Error::new(
                crate::ErrorKind::Config,
                format!("the config_data label of \"{name}\" is not a JSON object"),
            ));
        };
        let Value::Map(service_data) = &value else {
            unreachable!("matched above")
        };
        let node = Node::from_value(&Value::Map(super::compose::entry_of(service, service_data)));
        let opts = LoadOptions {
            unknown_keys: UnknownKeys::Warn,
            ..LoadOptions::default()
        };
        let source = format!("config_data of {name}");
        let mut entry = super::Config::entry_from_node(name, &node, &source, &opts)?;
        entry.set_config_data(value);
        Ok(entry)
    }
}

/// The engine's rule for container names, `[a-zA-Z0-9][a-zA-Z0-9_.-]+`:
/// at least two characters (docker refuses `c`).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() >= 2
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("hello"));
        assert!(valid_name("a.b-c_d9"));
        assert!(!valid_name("-x"));
        assert!(!valid_name("_x"));
        assert!(!valid_name(""));
        assert!(!valid_name("a b"));
        assert!(!valid_name("a/b"));
        assert!(!valid_name("c"));
        assert!(valid_name("c1"));
    }
}
