//! Loading a configuration: a YAML or JSON file mapping container names to
//! entries, or a directory of `hashed-NAME.json` files (one entry each).
//! The whole configuration is read and checked before anything runs.

pub mod compose;
mod decode;
pub mod duration;
pub mod entry;
pub mod keys;
pub mod kube;
pub mod resource;
pub mod schema;

pub use decode::{is_relative_host_path, python_split};
pub use entry::{Entry, EntryAction, Healthcheck, Setting};
pub use resource::{Resource, ResourceKind};

use crate::error::{Diagnostic, Error, Result};
use crate::value::{Map, Value};
use crate::yaml::{self, Node};
use std::path::{Path, PathBuf};

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// What to do with a key the key table does not know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownKeys {
    /// Refuse the configuration (the default): a typo is caught before
    /// anything runs.
    #[default]
    Error,
    /// Warn with file:line:column, keep the key in `config_data`, emit
    /// nothing for it: for a host moving over from the original, whose
    /// files may hold a key it ignored.
    Warn,
}

impl std::str::FromStr for UnknownKeys {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<UnknownKeys, String> {
        match s {
            "error" => Ok(UnknownKeys::Error),
            "warn" => Ok(UnknownKeys::Warn),
            other => Err(format!("\"{other}\" is not error or warn")),
        }
    }
}

/// How a configuration is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Unknown keys: an error (default) or a warning.
    pub unknown_keys: UnknownKeys,
    /// The directory relative host paths (`volumes`, `env_file`) are
    /// resolved against when read, so that a saved plan means the same
    /// wherever it is applied. `None` leaves them as written (the pure
    /// [`Config::parse`]); [`Config::load`] uses the current directory.
    pub base_dir: Option<PathBuf>,
    /// A compose file's project name: the config ID (`None`: the file's
    /// `name`, else its directory's, as compose does).
    pub project: Option<String>,
    /// A compose file's active profiles (`--profile`).
    pub profiles: Vec<String>,
    /// A compose file's variables file instead of the `.env` beside it
    /// (`--env-file`).
    pub env_file: Option<PathBuf>,
}

/// A loaded, validated configuration: its entries in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where it came from, for messages.
    pub source: String,
    /// The entries, in file order.
    pub entries: Vec<Entry>,
    /// Findings that do not stop it (an unknown key under
    /// `--unknown-keys warn`, a quote in a string command).
    pub warnings: Vec<Diagnostic>,
    /// How it was read (a saved plan records this, to re-derive its steps).
    pub options: LoadOptions,
    /// Host paths an apply creates before its containers (see [`HostPath`]).
    pub host_paths: Vec<HostPath>,
    /// The networks and volumes the entries use (a compose project's),
    /// created before them.
    pub resources: Vec<Resource>,
    /// Environment variables sensitive whatever their names (those a
    /// Kubernetes Secret sets): masked as `--sensitive-env` names are.
    pub sensitive_env: Vec<String>,
}

/// A host path an apply creates before its containers: a Pod's missing
/// `hostPath` of type `DirectoryOrCreate` (or none) or `FileOrCreate`, as
/// the kubelet would. Reading a file creates nothing. A plan carries them
/// (`host_paths`), so that `apply --plan` makes them as `apply` does.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HostPath {
    /// The absolute path.
    pub path: PathBuf,
    /// An empty file (`FileOrCreate`), else a directory.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub file: bool,
}

impl HostPath {
    /// Whether an entry of `entries` bind-mounts this path (or a path
    /// under it): a saved plan may create only what its own
    /// configuration mounts.
    pub fn mounted_by(&self, entries: &[Entry]) -> bool {
        entries.iter().any(|e| {
            e.strings("volumes").iter().any(|v| {
                v.split_once(':')
                    .is_some_and(|(source, _)| Path::new(source).starts_with(&self.path))
            })
        })
    }
}

/// Entries read from one source, with every problem found.
#[derive(Default)]
struct Read {
    entries: Vec<Entry>,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    create: Vec<HostPath>,
    resources: Vec<Resource>,
    sensitive_env: Vec<String>,
}

impl Read {
    fn failed(
        source: &str,
        pos: Option<(usize, usize)>,
        message: &str,
        hint: Option<&str>,
    ) -> Read {
        Read {
            errors: vec![diag(source, pos, message, hint)],
            ..Read::default()
        }
    }
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
        Config::parse_with(text, source, &LoadOptions::default())
    }

    /// [`Config::parse`] with options: unknown keys as warnings, relative
    /// paths resolved against a directory.
    ///
    /// ```
    /// use paunch::config::{Config, LoadOptions, UnknownKeys};
    /// let text = "web:\n  image: nginx:1.27\n  tset: 1\n";
    /// assert!(Config::parse(text, "x").is_err());
    /// let opts = LoadOptions { unknown_keys: UnknownKeys::Warn, ..Default::default() };
    /// let config = Config::parse_with(text, "x", &opts)?;
    /// assert_eq!(config.warnings[0].line, Some(3));
    /// assert_eq!(config.entries[0].config_data(), r#"{"image": "nginx:1.27", "tset": 1}"#);
    /// # Ok::<(), paunch::Error>(())
    /// ```
    pub fn parse_with(text: &str, source: &str, opts: &LoadOptions) -> Result<Config> {
        Config::finish(
            source,
            Config::read(
                text,
                source,
                opts,
                Syntax::Yaml,
                &compose::Context::default(),
            ),
            opts,
            false,
        )
    }

    /// [`Config::parse_with`] for a JSON text, read by JSON's rules (as a
    /// `.json` file is): `1e5` is the number 100000.0, as Python's
    /// `json.loads` read it, where YAML 1.1 reads the text "1e5".
    ///
    /// ```
    /// let text = r#"{"web": {"image": "app:1", "cpu_shares": 1e3, "environment": {"E": 2.5e-1}}}"#;
    /// let config = paunch::Config::parse_json(text, "web.json", &Default::default())?;
    /// let web = &config.entries[0];
    /// assert_eq!(web.config_data(), r#"{"image": "app:1", "cpu_shares": 1000.0, "environment": {"E": 0.25}}"#);
    /// assert_eq!(web.strings("environment"), ["E=0.25"]);
    /// # Ok::<(), paunch::Error>(())
    /// ```
    pub fn parse_json(text: &str, source: &str, opts: &LoadOptions) -> Result<Config> {
        Config::finish(
            source,
            Config::read(
                text,
                source,
                opts,
                Syntax::Json,
                &compose::Context::default(),
            ),
            opts,
            false,
        )
    }

    fn read(
        text: &str,
        source: &str,
        opts: &LoadOptions,
        syntax: Syntax,
        ctx: &compose::Context,
    ) -> Read {
        let loaded = match syntax {
            Syntax::Yaml => match kube::manifest(text) {
                Some(Ok(docs)) => return Config::read_pods(&docs, source, opts),
                Some(Err(e)) => Err(e),
                None => yaml::load(text),
            },
            Syntax::Json => match yaml::load_json(text, &mut yaml::Budget::default()) {
                Ok(Some(root)) if kube::is_manifest(&root) => {
                    return Config::read_pods(std::slice::from_ref(&root), source, opts);
                }
                other => other,
            },
        };
        let root = match loaded {
            Ok(Some(root)) => root,
            Ok(None) => {
                return Read::failed(
                    source,
                    None,
                    "the file is empty",
                    Some("a configuration maps container names to their settings"),
                );
            }
            Err(e) => return Read::failed(source, Some((e.line, e.column)), &e.message, None),
        };
        if compose::is_compose(&root) {
            return Config::read_compose(&root, source, opts, ctx);
        }
        let Some(map) = root.as_map() else {
            return Read::failed(
                source,
                Some((root.line, root.column)),
                &format!(
                    "the top level must map container names to their settings, found {}",
                    root.type_name()
                ),
                Some("e.g. `web: {image: nginx:1.27}`"),
            );
        };
        let mut read = Read::default();
        let src = entry::Source { file: source, opts };
        for e in map {
            if let Some(entry) = Entry::decode(
                &e.key_text,
                (e.key_line, e.key_column),
                &e.value,
                &src,
                &mut read.errors,
                &mut read.warnings,
            ) {
                read.entries.push(entry);
            }
        }
        if map.is_empty() {
            read.errors
                .push(diag(source, None, "the configuration has no entries", None));
        }
        read
    }

    /// Entries from the documents of a Kubernetes manifest ([`kube`]);
    /// host paths are checked when the file is loaded, not when text is
    /// parsed (missing ones of the `OrCreate` types are listed for an
    /// apply to create).
    fn read_pods(docs: &[Node], source: &str, opts: &LoadOptions) -> Read {
        let pods = kube::read_nodes(docs, source, opts.base_dir.is_some());
        let mut read = Read {
            errors: pods.errors,
            warnings: pods.warnings,
            create: pods.create,
            sensitive_env: pods.sensitive,
            resources: pods.resources,
            ..Read::default()
        };
        let src = entry::Source { file: source, opts };
        for (name, pos, node) in &pods.entries {
            if let Some(entry) =
                Entry::decode(name, *pos, node, &src, &mut read.errors, &mut read.warnings)
            {
                read.entries.push(entry);
            }
        }
        read
    }

    /// Entries and resources of a compose project ([`compose`]): each
    /// entry's `config_data` is its service as normalised.
    fn read_compose(root: &Node, source: &str, opts: &LoadOptions, ctx: &compose::Context) -> Read {
        let project = compose::read(root, source, opts, ctx);
        let mut read = Read {
            errors: project.errors,
            warnings: project.warnings,
            create: project.create,
            resources: project.resources,
            ..Read::default()
        };
        let src = entry::Source { file: source, opts };
        for e in &project.entries {
            if let Some(mut entry) = Entry::decode(
                &e.name,
                e.pos,
                &e.node,
                &src,
                &mut read.errors,
                &mut read.warnings,
            ) {
                entry.set_config_data(e.data.clone());
                read.entries.push(entry);
            }
        }
        read
    }

    /// The configuration, or every problem found: with `check_paths`, the
    /// missing host paths of the entries that could be read are reported
    /// together with the other problems, not only once those are fixed.
    fn finish(
        source: &str,
        mut read: Read,
        opts: &LoadOptions,
        check_paths: bool,
    ) -> Result<Config> {
        if check_paths {
            read.errors
                .extend(missing_paths(&read.entries, &read.create));
        }
        let config = Config {
            source: source.to_string(),
            entries: read.entries.into_iter().filter(|e| !e.failed).collect(),
            warnings: read.warnings,
            options: opts.clone(),
            host_paths: read.create,
            resources: read.resources,
            sensitive_env: read.sensitive_env,
        };
        if read.errors.is_empty() {
            Ok(config)
        } else {
            Err(Error::config(read.errors))
        }
    }

    /// Loads a file or a directory of `hashed-NAME.json` files, resolving
    /// relative host paths against the current directory, and checks that
    /// the host paths it names exist.
    pub fn load(path: &Path) -> Result<Config> {
        Config::load_with(path, &LoadOptions::default())
    }

    /// [`Config::load`] with options; a `base_dir` of `None` means the
    /// current directory.
    pub fn load_with(path: &Path, opts: &LoadOptions) -> Result<Config> {
        let mut opts = opts.clone();
        if opts.base_dir.is_none() {
            opts.base_dir = Some(
                std::env::current_dir()
                    .map_err(|e| Error::io("read the current directory", Path::new("."), e))?,
            );
        }
        let shown = path.display().to_string();
        let read = if path.is_dir() {
            Config::read_hashed_dir(path, &opts)?
        } else {
            let text = read_text(path, 0)?;
            let ctx = if text.contains("services") {
                compose_context(path, &opts)
            } else {
                compose::Context::default()
            };
            Config::read(&text, &shown, &opts, Syntax::of(path), &ctx)
        };
        Config::finish(&shown, read, &opts, true)
    }

    fn read_hashed_dir(dir: &Path, opts: &LoadOptions) -> Result<Read> {
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
        let mut out = Read::default();
        // One cap and one budget for the whole directory: a thousand files
        // just under the limits hold no more than one file may.
        let mut before = 0;
        let mut budget = yaml::Budget::default();
        for (name, path) in files {
            let source = path.display().to_string();
            let text = read_text(&path, before)?;
            before += text.len() as u64;
            match yaml::load_json(&text, &mut budget) {
                Ok(Some(node)) => {
                    let src = entry::Source {
                        file: &source,
                        opts,
                    };
                    if let Some(e) = Entry::decode(
                        &name,
                        (0, 0),
                        &node,
                        &src,
                        &mut out.errors,
                        &mut out.warnings,
                    ) {
                        out.entries.push(e);
                    }
                }
                Ok(None) => out
                    .errors
                    .push(diag(&source, None, "the file is empty", None)),
                Err(e) => {
                    out.errors
                        .push(diag(&source, Some((e.line, e.column)), &e.message, None));
                    if budget.exhausted() {
                        // The files after it would only say the same.
                        break;
                    }
                }
            }
        }
        Ok(out)
    }

    /// Host paths that must exist before anything runs: bind-mount sources
    /// (a volume source with a `/`; one without is a named volume) and
    /// `env_file`s (relative ones were resolved when the configuration was
    /// read).
    pub fn check_paths(&self) -> Vec<Diagnostic> {
        missing_paths(&self.entries, &self.host_paths)
    }

    /// The entry named `name`.
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
                .map(|e| {
                    let entry = match e.relabelled {
                        true => e.node.to_value(),
                        false => e.data.clone(),
                    };
                    (e.name.clone(), entry)
                })
                .collect::<Map>(),
        )
    }

    /// The `config_data` of the entries whose label is not the entry
    /// itself (a compose service's containers: their normalised service),
    /// by entry name: what a saved plan keeps beside [`Config::to_value`].
    pub fn config_data_overrides(&self) -> std::collections::BTreeMap<String, Value> {
        self.entries
            .iter()
            .filter(|e| e.relabelled)
            .map(|e| (e.name.clone(), e.data.clone()))
            .collect()
    }

    /// Gives the named entries the `config_data` a saved plan recorded
    /// ([`Config::config_data_overrides`]).
    pub fn override_config_data(&mut self, overrides: &std::collections::BTreeMap<String, Value>) {
        for e in &mut self.entries {
            if let Some(data) = overrides.get(&e.name) {
                e.set_config_data(data.clone());
            }
        }
    }

    /// Every image the configuration names, exec entries included, each once.
    pub fn images(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.entries
            .iter()
            .filter_map(|e| e.image())
            .filter(|i| seen.insert(*i))
            .map(str::to_string)
            .collect()
    }

    /// Reads one entry from a node (e.g. after `debug --overrides`),
    /// validating it again.
    pub fn entry_from_node(
        name: &str,
        node: &Node,
        source: &str,
        opts: &LoadOptions,
    ) -> Result<Entry> {
        let mut diags = Vec::new();
        let mut warnings = Vec::new();
        let src = entry::Source { file: source, opts };
        match Entry::decode(name, (0, 0), node, &src, &mut diags, &mut warnings) {
            Some(e) if diags.is_empty() => Ok(e),
            _ => Err(Error::config(diags)),
        }
    }

    /// Reads a configuration back from the `{name: entry}` value a saved
    /// plan holds, with the options it was read with then.
    pub fn from_value(value: &Value, source: &str, opts: &LoadOptions) -> Result<Config> {
        let Value::Map(m) = value else {
            return Err(Error::config(vec![diag(
                source,
                None,
                "the configuration is not a map of entries",
                None,
            )]));
        };
        let mut read = Read::default();
        let src = entry::Source { file: source, opts };
        for (name, v) in m.iter() {
            if let Some(e) = Entry::decode(
                name,
                (0, 0),
                &Node::from_value(v),
                &src,
                &mut read.errors,
                &mut read.warnings,
            ) {
                read.entries.push(e);
            }
        }
        Config::finish(source, read, opts, false)
    }
}

/// What a compose file at `path` is read with: its directory, and the
/// caller's environment over the variables of the `.env` beside it (or of
/// `--env-file`). Problems reading the `.env` are kept for the compose
/// reader to report at its line and column: a paunch file that merely
/// mentions `services` is not refused for a `.env` it never reads.
fn compose_context(path: &Path, opts: &LoadOptions) -> compose::Context {
    let dir = match (path.parent(), &opts.base_dir) {
        (Some(p), Some(base)) if !p.as_os_str().is_empty() => base.join(p),
        (_, Some(base)) => base.clone(),
        (Some(p), None) => p.to_path_buf(),
        (None, None) => PathBuf::from("."),
    };
    let env: std::collections::BTreeMap<String, String> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let (dotenv, required) = match &opts.env_file {
        Some(f) => (f.clone(), true),
        None => (dir.join(".env"), false),
    };
    let mut vars = std::collections::BTreeMap::new();
    let mut problems = Vec::new();
    if required || dotenv.is_file() {
        let shown = dotenv.display().to_string();
        match read_text(&dotenv, 0) {
            Ok(text) => match compose::dotenv::parse(&text, &env) {
                Ok(pairs) => vars.extend(pairs),
                Err(e) => problems.push(diag(&shown, Some((e.line, e.column)), &e.message, None)),
            },
            Err(e) => problems.push(diag(&shown, None, &e.to_string(), None)),
        }
    }
    vars.extend(env);
    compose::Context {
        dir: Some(dir),
        vars,
        problems,
    }
}

fn missing_paths(entries: &[Entry], created: &[HostPath]) -> Vec<Diagnostic> {
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
    for e in entries.iter().filter(|e| e.action() == EntryAction::Run) {
        for v in e.strings("volumes") {
            let Some((source, _)) = v.split_once(':') else {
                continue;
            };
            let to_create = created
                .iter()
                .any(|h| Path::new(source).starts_with(&h.path));
            if source.contains('/') && !Path::new(source).exists() && !to_create {
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

/// How a file is read: `.json` files by JSON's rules (Python's
/// `json.loads`, as the original's JSON files were read), others as YAML
/// 1.1 (PyYAML's `safe_load`, as the original read its YAML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Yaml,
    Json,
}

impl Syntax {
    fn of(path: &Path) -> Syntax {
        match path.extension() {
            Some(e) if e.eq_ignore_ascii_case("json") => Syntax::Json,
            _ => Syntax::Yaml,
        }
    }
}

/// The text of a file, within the 16 MiB cap less the `before` bytes the
/// files read before it from the same directory took. The size is checked
/// on the file opened, and the read stops past the cap whatever the file's
/// size says: a FIFO, `/dev/zero` or a file still growing is refused in as
/// little time as a large one.
fn read_text(path: &Path, before: u64) -> Result<String> {
    use std::io::Read as _;
    let limit = MAX_FILE_BYTES.saturating_sub(before);
    let too_big = |size: &str| {
        let together = if before > 0 {
            format!(
                ", and the hashed-NAME.json files before it hold {before}: the cap is on them together"
            )
        } else {
            String::new()
        };
        Error::config(vec![diag(
            &path.display().to_string(),
            None,
            &format!(
                "the file is {size} bytes{together}; configurations over {MAX_FILE_BYTES} bytes (16 MiB) are refused"
            ),
            None,
        )])
    };
    let file = std::fs::File::open(path).map_err(|e| Error::io("read", path, e))?;
    let meta = file.metadata().map_err(|e| Error::io("read", path, e))?;
    if meta.is_file() && meta.len() > limit {
        return Err(too_big(&meta.len().to_string()));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_big(&format!("more than {limit}")));
    }
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
