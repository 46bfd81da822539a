//! The Pod reader's state ([`Cx`]) and the primitives every other module
//! of the reader uses: a problem reported at file:line:column (prefixed
//! with the Pod it is in), the check of an object's fields against the
//! field [`table`] (unknown with a did-you-mean, needing a cluster,
//! refused, or noted as meaningless on one host), and typed reads of
//! strings, integers, booleans and lists.

use super::expand::MAX_EXPANDED_BYTES;
use super::node::{Pos, is_null, key_pos, pos_of, s};
use super::openapi;
use super::table::{self, Field, Treat};
use crate::config::keys::did_you_mean;
use crate::error::Diagnostic;
use crate::value::Value;
use crate::yaml::{MapEntry, Node, NodeData, Scalar};

/// What a manifest's reading carries from document to document.
pub(super) struct Cx<'a> {
    file: &'a str,
    /// Whether host paths are checked on this host (see
    /// [`read_nodes`](super::read_nodes)).
    pub(super) host: bool,
    /// Host paths an apply creates before its containers.
    pub(super) create: Vec<crate::config::HostPath>,
    pub(super) errors: Vec<Diagnostic>,
    pub(super) warnings: Vec<Diagnostic>,
    /// The Pod being read, for messages.
    pub(super) pod: String,
    /// What `$(NAME)` expansion may still write, in bytes, in the whole
    /// manifest (see [`Cx::expand`]).
    pub(super) expansion_left: usize,
    /// The manifest's ConfigMaps, Secrets and claims.
    pub(super) objects: super::objects::Objects,
    /// The names of the environment variables a Secret sets.
    pub(super) sensitive: Vec<String>,
    /// The named volumes of emptyDirs mounted at several paths.
    pub(super) resources: Vec<crate::config::Resource>,
    /// The labels of the Pod being read, for `fieldRef`s.
    pub(super) pod_labels: Vec<(String, String)>,
    /// The annotations of the Pod being read, for `fieldRef`s.
    pub(super) pod_annotations: Vec<(String, String)>,
}

impl<'a> Cx<'a> {
    pub(super) fn new(file: &'a str, host: bool) -> Self {
        Cx {
            file,
            host,
            create: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            pod: String::new(),
            expansion_left: MAX_EXPANDED_BYTES,
            objects: super::objects::Objects::default(),
            sensitive: Vec::new(),
            resources: Vec::new(),
            pod_labels: Vec::new(),
            pod_annotations: Vec::new(),
        }
    }
}

impl Cx<'_> {
    fn diag(&self, at: Pos, message: String, hint: Option<String>) -> Diagnostic {
        Diagnostic {
            file: self.file.to_string(),
            line: (at.0 > 0).then_some(at.0),
            column: (at.0 > 0).then_some(at.1),
            entry: None,
            key: None,
            message: if self.pod.is_empty() {
                message
            } else {
                format!("Pod \"{}\": {message}", self.pod)
            },
            hint,
        }
    }

    /// The file being read, as problems name it.
    pub(super) fn file_name(&self) -> &str {
        self.file
    }

    pub(super) fn error(&mut self, at: Pos, message: String, hint: Option<String>) {
        let d = self.diag(at, message, hint);
        self.errors.push(d);
    }

    pub(super) fn note(&mut self, at: Pos, message: String) {
        let d = self.diag(at, message, None);
        self.warnings.push(d);
    }

    /// The fields of an object that the reader goes on to read; the others
    /// are checked here: unknown, needing a cluster, refused, or noted.
    pub(super) fn fields<'n>(
        &mut self,
        object: &str,
        path: &str,
        node: &'n Node,
    ) -> Vec<(&'static Field, &'n MapEntry)> {
        let Some(entries) = node.as_map() else {
            if !is_null(node) {
                self.error(
                    pos_of(node),
                    format!(
                        "{path}: expected a map ({object}), found {}",
                        node.type_name()
                    ),
                    None,
                );
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in entries {
            let at = key_pos(e);
            let Some(f) = table::field(object, &e.key) else {
                if openapi::has(object, &e.key) {
                    // A real field (of the pinned schema) the table does
                    // not read: never called unknown.
                    self.error(
                        at,
                        format!(
                            "{path}.{} is a Kubernetes {} field that paunch cannot honour on one host",
                            e.key_text,
                            openapi::VERSION
                        ),
                        Some(format!(
                            "remove it to run this {object} here; what paunch reads of it is listed in docs/kubernetes.md"
                        )),
                    );
                    continue;
                }
                let known = table::names(object).chain(openapi::fields(object).iter().copied());
                let hint = did_you_mean(&e.key, known)
                    .map(|k| format!("did you mean \"{k}\"?"))
                    .or_else(|| {
                        Some(format!(
                            "{object} has: {}",
                            table::names(object).collect::<Vec<_>>().join(", ")
                        ))
                    });
                self.error(
                    at,
                    format!("unknown field \"{}\" in {path} ({object})", e.key_text),
                    hint,
                );
                continue;
            };
            match f.treat {
                Treat::Note => self.note(at, format!("{path}.{} is ignored: {}", f.name, f.doc)),
                Treat::Cluster => self.error(
                    at,
                    format!(
                        "{path}.{} needs a Kubernetes cluster: {}",
                        f.name,
                        f.doc.replace("; an error", "")
                    ),
                    None,
                ),
                Treat::Refused(why) => self.error(
                    at,
                    format!("{path}.{} is not supported: {why}", f.name),
                    None,
                ),
                Treat::Read(_) | Treat::Object(_) | Treat::List(_) => out.push((f, e)),
            }
        }
        out
    }

    pub(super) fn string(&mut self, path: &str, n: &Node) -> Option<String> {
        match &n.data {
            NodeData::Scalar(Scalar {
                value: Value::String(s),
                ..
            }) => Some(s.clone()),
            NodeData::Scalar(sc) if !matches!(sc.value, Value::Null) => {
                self.error(
                    pos_of(n),
                    format!("{path}: expected a string, found {}", n.type_name()),
                    Some(format!("quote it: \"{}\"", sc.text)),
                );
                None
            }
            _ => {
                self.error(
                    pos_of(n),
                    format!("{path}: expected a string, found {}", n.type_name()),
                    None,
                );
                None
            }
        }
    }

    pub(super) fn integer(&mut self, path: &str, n: &Node) -> Option<i64> {
        match n.as_scalar().map(|s| &s.value) {
            Some(Value::Int(i)) if i64::try_from(*i).is_ok() => i64::try_from(*i).ok(),
            _ => {
                self.error(
                    pos_of(n),
                    format!("{path}: expected an integer, found {}", n.type_name()),
                    None,
                );
                None
            }
        }
    }

    pub(super) fn flag(&mut self, path: &str, n: &Node) -> Option<bool> {
        match n.as_scalar().map(|s| &s.value) {
            Some(Value::Bool(b)) => Some(*b),
            _ => {
                self.error(
                    pos_of(n),
                    format!("{path}: expected true or false, found {}", n.type_name()),
                    None,
                );
                None
            }
        }
    }

    pub(super) fn list<'n>(&mut self, path: &str, n: &'n Node) -> &'n [Node] {
        match n.as_seq() {
            Some(items) => items,
            None => {
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

    /// A list of strings, as string nodes at their own positions.
    pub(super) fn strings(&mut self, path: &str, n: &Node) -> Vec<Node> {
        let mut out = Vec::new();
        for item in self.list(path, n) {
            if let Some(v) = self.string(path, item) {
                out.push(s(&v, pos_of(item)));
            }
        }
        out
    }
}
