//! `include`: other compose files whose services, networks, volumes,
//! secrets and configs join this project (compose spec, 14-include.md;
//! docker-compose 1.29 has no `include`). Each included file is a project
//! of its own: read and checked on its own (its errors name it), its
//! relative paths meaning its own directory (`project_directory`), its
//! variables defaulting from the `.env` there (`env_file`), the caller's
//! winning. A name defined twice is an error naming both files; an include
//! cycle is an error.

use super::reader::{Cx, Pos, pos_of, text};
use crate::value::Value;
use crate::yaml::{MapEntry, Node, NodeData, Scalar};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The top-level maps an included file adds to the project.
const MERGED: &[&str] = &["services", "networks", "volumes", "secrets", "configs"];

/// How deep includes may nest.
const MAX_DEPTH: usize = 16;

/// One `include` item.
struct Item {
    path: String,
    project_directory: Option<String>,
    env_files: Vec<String>,
    at: Pos,
}

impl Cx<'_> {
    /// Replaces the top-level `include` of `root` by what the included
    /// files define. `dir` is this file's project directory; `stack` the
    /// files being included (for cycles).
    pub(super) fn include(
        &mut self,
        root: &mut Node,
        dir: Option<&Path>,
        vars: &BTreeMap<String, String>,
        stack: &mut Vec<PathBuf>,
    ) {
        let NodeData::Map(top) = &mut root.data else {
            return;
        };
        let Some(i) = top.iter().position(|e| e.key == "include") else {
            return;
        };
        let include = top.remove(i);
        let Some(dir) = dir else {
            self.error(
                pos_of(&include.value),
                "include: included files are read only when the configuration is read from a file"
                    .into(),
                None,
            );
            return;
        };
        for item in self.include_items(&include.value) {
            let Some(added) = self.included(&item, dir, vars, stack) else {
                continue;
            };
            self.merge_top(root, added, &item);
        }
    }

    fn include_items(&mut self, n: &Node) -> Vec<Item> {
        let mut out = Vec::new();
        for i in self.list("include", n) {
            let at = pos_of(i);
            if let Some(path) = text(i) {
                out.push(Item {
                    path,
                    project_directory: None,
                    env_files: Vec::new(),
                    at,
                });
                continue;
            }
            let mut item = Item {
                path: String::new(),
                project_directory: None,
                env_files: Vec::new(),
                at,
            };
            for (k, v) in self.plain_keys("include", i, &["path", "project_directory", "env_file"])
            {
                let p = format!("include.{k}");
                match k.as_str() {
                    "path" => {
                        let paths = self.strings(&p, v);
                        if paths.len() > 1 {
                            self.error(
                                pos_of(v),
                                format!("{p}: merging several files into one is not read yet"),
                                Some("include each file on its own".into()),
                            );
                        }
                        item.path = paths.into_iter().next().unwrap_or_default();
                    }
                    "project_directory" => item.project_directory = self.string(&p, v),
                    _ => item.env_files = self.strings(&p, v),
                }
            }
            if item.path.is_empty() {
                self.error(at, "include: an item needs a path".into(), None);
            } else {
                out.push(item);
            }
        }
        out
    }

    /// The included file, read, interpolated, its own includes done and
    /// its relative paths made absolute; `None` (with the errors) when it
    /// cannot be read or is not a valid project on its own.
    fn included(
        &mut self,
        item: &Item,
        dir: &Path,
        vars: &BTreeMap<String, String>,
        stack: &mut Vec<PathBuf>,
    ) -> Option<Node> {
        if item.path.contains("://") || item.path.starts_with("oci:") {
            self.error(
                item.at,
                format!(
                    "include: {} is remote; paunch reads local files only",
                    item.path
                ),
                None,
            );
            return None;
        }
        let path = PathBuf::from(crate::config::decode::absolute(dir, &item.path));
        if stack.contains(&path) || stack.len() >= MAX_DEPTH {
            let chain: Vec<String> = stack.iter().map(|p| p.display().to_string()).collect();
            self.error(
                item.at,
                format!(
                    "include cycle: {} -> {}",
                    chain.join(" -> "),
                    path.display()
                ),
                Some("remove one of these includes".into()),
            );
            return None;
        }
        let shown = path.display().to_string();
        let text = match crate::config::read_text(&path, 0) {
            Ok(t) => t,
            Err(e) => {
                self.error(item.at, format!("include: {e}"), None);
                return None;
            }
        };
        let own_dir = match &item.project_directory {
            Some(d) => PathBuf::from(crate::config::decode::absolute(dir, d)),
            None => path
                .parent()
                .map_or_else(|| dir.to_path_buf(), Path::to_path_buf),
        };
        let mut own_vars = self.included_vars(item, &own_dir, dir);
        own_vars.extend(vars.iter().map(|(k, v)| (k.clone(), v.clone())));
        let mut root = match crate::yaml::load(&text) {
            Ok(Some(root)) => root,
            Ok(None) => return Some(Node::from_value(&Value::Map(Default::default()))),
            Err(e) => {
                self.errors.push(crate::error::Diagnostic {
                    file: shown,
                    line: Some(e.line),
                    column: Some(e.column),
                    entry: None,
                    key: None,
                    message: e.message,
                    hint: None,
                });
                return None;
            }
        };
        let mut sub = Cx::new(&shown);
        sub.project.clone_from(&self.project);
        sub.profiles.clone_from(&self.profiles);
        sub.interpolate(&mut root, &own_vars);
        stack.push(path.clone());
        sub.include(&mut root, Some(&own_dir), &own_vars, stack);
        stack.pop();
        absolutize(&mut root, &own_dir);
        // A project of its own: checked as one, its errors naming it.
        if sub.errors.is_empty() {
            let names = super::project::Names::new(Some(own_dir), own_vars, self.profiles.clone());
            let _ = sub.project(&root, self.project.as_deref(), names);
        }
        let ok = sub.errors.is_empty();
        self.errors.append(&mut sub.errors);
        self.warnings.append(&mut sub.warnings);
        ok.then_some(root)
    }

    /// The variables of an included file's `env_file`s (default: the `.env`
    /// of its project directory, if there is one).
    fn included_vars(
        &mut self,
        item: &Item,
        own_dir: &Path,
        dir: &Path,
    ) -> BTreeMap<String, String> {
        let files: Vec<(PathBuf, bool)> = if item.env_files.is_empty() {
            vec![(own_dir.join(".env"), false)]
        } else {
            item.env_files
                .iter()
                .map(|f| (PathBuf::from(crate::config::decode::absolute(dir, f)), true))
                .collect()
        };
        let mut out = BTreeMap::new();
        for (f, required) in files {
            if !required && !f.is_file() {
                continue;
            }
            let parsed = crate::config::read_text(&f, 0)
                .map_err(|e| e.to_string())
                .and_then(|t| {
                    super::dotenv::parse(&t, &out).map_err(|e| {
                        format!("{}:{}:{}: {}", f.display(), e.line, e.column, e.message)
                    })
                });
            match parsed {
                Ok(pairs) => out.extend(pairs),
                Err(why) => self.error(item.at, format!("include.env_file: {why}"), None),
            }
        }
        out
    }

    /// Adds an included file's definitions to `root`; a name both define
    /// is an error.
    fn merge_top(&mut self, root: &mut Node, added: Node, item: &Item) {
        let NodeData::Map(top) = &mut root.data else {
            return;
        };
        let NodeData::Map(theirs) = added.data else {
            return;
        };
        for section in theirs
            .into_iter()
            .filter(|e| MERGED.contains(&e.key.as_str()))
        {
            let (line, column) = (section.value.line, section.value.column);
            let head = MapEntry {
                key: section.key.clone(),
                key_text: section.key_text.clone(),
                key_line: section.key_line,
                key_column: section.key_column,
                value: Node {
                    line,
                    column,
                    data: NodeData::Map(Vec::new()),
                },
            };
            let NodeData::Map(defs) = section.value.data else {
                continue;
            };
            let i = match top.iter().position(|e| e.key == section.key) {
                Some(i) => i,
                None => {
                    top.push(head);
                    top.len() - 1
                }
            };
            let mine = &mut top[i];
            let NodeData::Map(mine) = &mut mine.value.data else {
                continue;
            };
            for d in defs {
                if mine.iter().any(|m| m.key == d.key) {
                    self.error(
                        item.at,
                        format!(
                            "include: {} \"{}\" is defined both here and in {}",
                            section.key, d.key_text, item.path
                        ),
                        Some(
                            "rename one of them: compose does not merge included definitions"
                                .into(),
                        ),
                    );
                } else {
                    mine.push(d);
                }
            }
        }
    }
}

/// An included file's relative host paths made absolute against its
/// project directory: bind sources, `env_file`s, build contexts, and the
/// files of secrets and configs.
fn absolutize(root: &mut Node, dir: &Path) {
    let Some(top) = map_mut(root) else { return };
    for section in top.iter_mut() {
        let Some(defs) = map_mut(&mut section.value) else {
            continue;
        };
        for d in defs.iter_mut() {
            let Some(keys) = map_mut(&mut d.value) else {
                continue;
            };
            for k in keys.iter_mut() {
                match (section.key.as_str(), k.key.as_str()) {
                    ("services", "volumes") => volumes(&mut k.value, dir),
                    ("services", "env_file") => each_path(&mut k.value, dir, "path"),
                    ("services", "build") => each_path(&mut k.value, dir, "context"),
                    ("secrets" | "configs", "file") => path(&mut k.value, dir),
                    _ => {}
                }
            }
        }
    }
}

fn volumes(n: &mut Node, dir: &Path) {
    let NodeData::Seq(items) = &mut n.data else {
        return;
    };
    for i in items {
        if let Some(t) = text(i)
            && t.starts_with('.')
            && let Some((src, rest)) = t.split_once(':')
        {
            set(
                i,
                format!("{}:{rest}", crate::config::decode::absolute(dir, src)),
            );
        } else if let Some(m) = map_mut(i)
            && let Some(src) = m.iter_mut().find(|e| e.key == "source")
        {
            path(&mut src.value, dir);
        }
    }
}

/// A path, a list of paths, or a map whose `key` is one.
fn each_path(n: &mut Node, dir: &Path, key: &str) {
    match &mut n.data {
        NodeData::Seq(items) => items.iter_mut().for_each(|i| each_path(i, dir, key)),
        NodeData::Map(m) => {
            if let Some(e) = m.iter_mut().find(|e| e.key == key) {
                path(&mut e.value, dir);
            }
        }
        NodeData::Scalar(_) => path(n, dir),
    }
}

/// A relative path made absolute (`~` and absolute ones left).
fn path(n: &mut Node, dir: &Path) {
    if let Some(t) = text(n)
        && !t.starts_with(['/', '~'])
    {
        set(n, crate::config::decode::absolute(dir, &t));
    }
}

fn set(n: &mut Node, t: String) {
    n.data = NodeData::Scalar(Scalar {
        value: Value::String(t.clone()),
        text: t,
        plain: false,
    });
}

fn map_mut(n: &mut Node) -> Option<&mut Vec<MapEntry>> {
    match &mut n.data {
        NodeData::Map(m) => Some(m),
        _ => None,
    }
}
