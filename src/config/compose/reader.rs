//! The compose reader's state ([`Cx`]): problems at file:line:column, the
//! check of an object's keys against its [`table`](super::table) (unknown
//! with a did-you-mean, `x-` extensions skipped, ignored with a warning,
//! refused), and typed reads by compose's rules. Compose is read as YAML
//! 1.2 reads it (compose-go does): `restart: no` is the string "no" and
//! an environment value `yes` is "yes", so strings take a plain scalar's
//! text as written.

use super::table::{Row, Treat};
use crate::config::keys::did_you_mean;
use crate::error::Diagnostic;
use crate::value::{Map, Value};
use crate::yaml::{MapEntry, Node, NodeData};

/// A line and column of the file (0: no position).
pub(super) type Pos = (usize, usize);

pub(super) fn pos_of(n: &Node) -> Pos {
    (n.line, n.column)
}

pub(super) fn key_pos(e: &MapEntry) -> Pos {
    (e.key_line, e.key_column)
}

/// What reading one compose file gathers.
pub(super) struct Cx<'a> {
    pub(super) file: &'a str,
    pub(super) errors: Vec<Diagnostic>,
    pub(super) warnings: Vec<Diagnostic>,
    /// The project name given (the config ID), for included files.
    pub(super) project: Option<String>,
    /// The active profiles, for included files.
    pub(super) profiles: Vec<String>,
}

impl<'a> Cx<'a> {
    pub(super) fn new(file: &'a str) -> Cx<'a> {
        Cx {
            file,
            errors: Vec::new(),
            warnings: Vec::new(),
            project: None,
            profiles: Vec::new(),
        }
    }

    fn diag(&self, at: Pos, message: String, hint: Option<String>) -> Diagnostic {
        Diagnostic {
            file: self.file.to_string(),
            line: (at.0 > 0).then_some(at.0),
            column: (at.0 > 0).then_some(at.1),
            entry: None,
            key: None,
            message,
            hint,
        }
    }

    pub(super) fn error(&mut self, at: Pos, message: String, hint: Option<String>) {
        let d = self.diag(at, message, hint);
        self.errors.push(d);
    }

    pub(super) fn warn(&mut self, at: Pos, message: String) {
        let d = self.diag(at, message, None);
        self.warnings.push(d);
    }

    /// The keys of a map that the reader goes on to read, each with its
    /// row; the others are reported here. `path` names the map in
    /// messages (`services.web`).
    pub(super) fn keys<'n>(
        &mut self,
        table: &'static [Row],
        path: &str,
        node: &'n Node,
    ) -> Vec<(&'static Row, &'n MapEntry)> {
        let Some(entries) = self.map(path, node) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in entries {
            if e.key.starts_with("x-") {
                continue;
            }
            let at = key_pos(e);
            let Some(row) = super::table::row(table, &e.key) else {
                let names = || table.iter().map(|r| r.name);
                let hint = did_you_mean(&e.key, names())
                    .map(|k| format!("did you mean \"{k}\"?"))
                    .unwrap_or_else(|| {
                        format!(
                            "known here: {}; a key starting with x- is an extension, ignored",
                            names().collect::<Vec<_>>().join(", ")
                        )
                    });
                self.error(
                    at,
                    format!("{path}: unknown key \"{}\"", e.key_text),
                    Some(hint),
                );
                continue;
            };
            match row.treat {
                Treat::Ignored => {
                    self.warn(at, format!("{path}.{} is ignored: {}", row.name, row.doc))
                }
                Treat::Refused(why) => {
                    self.error(at, format!("{path}.{}: {why}", row.name), None);
                }
                Treat::Key(_) | Treat::Custom => out.push((row, e)),
            }
        }
        out
    }

    /// A map's entries; an error (and `None`) for anything else but null,
    /// which is an empty map.
    pub(super) fn map<'n>(&mut self, path: &str, n: &'n Node) -> Option<&'n [MapEntry]> {
        match &n.data {
            NodeData::Map(m) => Some(m),
            _ if is_null(n) => Some(&[]),
            _ => {
                self.error(
                    pos_of(n),
                    format!("{path}: expected a map, found {}", n.type_name()),
                    None,
                );
                None
            }
        }
    }

    /// A string: any scalar as written but null.
    pub(super) fn string(&mut self, path: &str, n: &Node) -> Option<String> {
        match text(n) {
            Some(t) => Some(t),
            None => {
                self.error(
                    pos_of(n),
                    format!("{path}: expected a string, found {}", n.type_name()),
                    None,
                );
                None
            }
        }
    }

    /// An integer, or a string holding one (an interpolated `${N}`).
    pub(super) fn integer(&mut self, path: &str, n: &Node) -> Option<i64> {
        let got = match n.as_scalar().map(|s| &s.value) {
            Some(Value::Int(i)) => i64::try_from(*i).ok(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        if got.is_none() {
            self.error(
                pos_of(n),
                format!("{path}: expected an integer, found {}", n.type_name()),
                None,
            );
        }
        got
    }

    /// A boolean: `true`/`false` (also quoted, or interpolated).
    pub(super) fn flag(&mut self, path: &str, n: &Node) -> Option<bool> {
        let got = match n.as_scalar().map(|s| (&s.value, s.text.as_str())) {
            Some((Value::Bool(b), "true" | "True" | "TRUE" | "false" | "False" | "FALSE")) => {
                Some(*b)
            }
            Some((Value::String(s), _)) if s == "true" => Some(true),
            Some((Value::String(s), _)) if s == "false" => Some(false),
            _ => None,
        };
        if got.is_none() {
            self.error(
                pos_of(n),
                format!("{path}: expected true or false, found {}", describe(n)),
                None,
            );
        }
        got
    }

    /// A string or a list of strings, as a list.
    pub(super) fn strings(&mut self, path: &str, n: &Node) -> Vec<String> {
        match &n.data {
            NodeData::Seq(items) => items.iter().filter_map(|i| self.string(path, i)).collect(),
            _ if is_null(n) => Vec::new(),
            _ => self.string(path, n).into_iter().collect(),
        }
    }

    /// A list's items; an error for anything else but null.
    pub(super) fn list<'n>(&mut self, path: &str, n: &'n Node) -> &'n [Node] {
        match &n.data {
            NodeData::Seq(items) => items,
            _ => {
                if !is_null(n) {
                    self.error(
                        pos_of(n),
                        format!("{path}: expected a list, found {}", n.type_name()),
                        None,
                    );
                }
                &[]
            }
        }
    }

    /// Pairs: a map (a null value is `None`), or a list of `k=v` (`k`
    /// alone is `None`), in the order written; `sep` also splits list
    /// items (`:` for extra_hosts).
    pub(super) fn pairs(
        &mut self,
        path: &str,
        n: &Node,
        seps: &[char],
    ) -> Vec<(String, Option<String>, Pos)> {
        let mut out = Vec::new();
        match &n.data {
            NodeData::Map(entries) => {
                for e in entries {
                    let v = if is_null(&e.value) {
                        None
                    } else {
                        self.string(&format!("{path}.{}", e.key_text), &e.value)
                    };
                    out.push((e.key_text.clone(), v, key_pos(e)));
                }
            }
            NodeData::Seq(items) => {
                for i in items {
                    if let Some(t) = self.string(path, i) {
                        match t.split_once(seps) {
                            Some((k, v)) => {
                                out.push((k.to_string(), Some(v.to_string()), pos_of(i)))
                            }
                            None => out.push((t, None, pos_of(i))),
                        }
                    }
                }
            }
            _ if is_null(n) => {}
            _ => self.error(
                pos_of(n),
                format!(
                    "{path}: expected a map or a list of key=value, found {}",
                    n.type_name()
                ),
                None,
            ),
        }
        out
    }
}

/// A scalar's text as compose reads it (YAML 1.2): a string's value, or
/// any other scalar as written; `None` for null, lists and maps.
pub(super) fn text(n: &Node) -> Option<String> {
    match &n.data {
        NodeData::Scalar(s) => match &s.value {
            Value::Null => None,
            Value::String(v) => Some(v.clone()),
            _ => Some(s.text.clone()),
        },
        _ => None,
    }
}

pub(super) fn is_null(n: &Node) -> bool {
    matches!(n.as_scalar().map(|s| &s.value), Some(Value::Null))
}

/// A node for messages: a scalar as written (quoted), else its type.
fn describe(n: &Node) -> String {
    match n.as_scalar() {
        Some(s) if !matches!(s.value, Value::Null) => format!("\"{}\"", s.text.escape_debug()),
        _ => n.type_name().to_string(),
    }
}

/// A map value from pairs.
pub(super) fn map_value(pairs: impl IntoIterator<Item = (String, Value)>) -> Value {
    Value::Map(pairs.into_iter().collect::<Map>())
}

/// A list of strings as a value.
pub(super) fn strings_value(items: &[String]) -> Value {
    Value::List(items.iter().map(|s| Value::String(s.clone())).collect())
}
