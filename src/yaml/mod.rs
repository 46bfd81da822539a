//! A YAML loader that reads scalars as the original's loader did (PyYAML
//! `safe_load`, YAML 1.1: `yes`/`no`/`on`/`off` are booleans, `0755` is
//! octal, `22:22` is sexagesimal) and keeps, for every node, where it was
//! written, the text as written and whether it was quoted, so that errors
//! point at file:line:column and a string-valued key can tell `"no"` from
//! `no`.
//!
//! Built on `saphyr-parser`'s event stream rather than on a serde
//! deserializer: serde's YAML crates resolve scalars by YAML 1.2 and forget
//! both positions and whether a scalar was quoted, which the byte-identical config_data label needs.
//!
//! Aliases are expanded (as PyYAML does), within a [`Budget`] of nodes and
//! of bytes copied, so an alias bomb is an error and not an exhausted
//! machine.
//!
//! A `.json` file is read by [`load_json`], by JSON's rules (Python's
//! `json.loads`, which wrote the labels of the original's JSON files): `1e5`
//! is the number 100000.0 there, where YAML 1.1 reads the text "1e5".
//!
//! [`load()`] reads, [`resolve_plain`] types plain scalars, [`dump()`] writes.

mod dump;
mod json;
mod load;
mod resolve;

pub use dump::{canonical_text, dump, dump_node};
pub use json::load_json;
pub use load::{load, load_all, load_all_within, load_within};
pub use resolve::{construct_float, construct_int, resolve_plain};

use crate::value::{Map, Value};

/// At most this many nodes in a document, counted after alias expansion;
/// [`load()`] refuses a larger one.
pub const MAX_NODES: usize = 200_000;
/// At most this many levels of nested sequences and maps; [`load()`]
/// refuses a deeper document.
pub const MAX_DEPTH: usize = 64;
/// At most this many bytes (an estimate of the memory taken: nodes, keys,
/// and each scalar's text twice, as written and as its value) copied by
/// anchors and aliases in one load; [`load()`] refuses more. The node
/// budget alone let a 4 KiB string under five levels of aliases, a 4 KB
/// file, take 1.5 GB; copies of real configurations (a shared environment
/// block, a list of volumes) are kilobytes.
pub const MAX_COPY_BYTES: usize = 24 * 1024 * 1024;

/// What a load may still take: nodes (counted after alias expansion) and
/// bytes copied by anchors and aliases. One budget serves every document
/// of a stream, and every file of a directory of `hashed-NAME.json`
/// files ([`load_within`]), so that many small inputs cannot add up to
/// what one is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    nodes: usize,
    copies: usize,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            nodes: MAX_NODES,
            copies: MAX_COPY_BYTES,
        }
    }
}

impl Budget {
    /// Whether a load stopped because this budget ran out (then there is
    /// no point in loading more with it).
    pub fn exhausted(&self) -> bool {
        self.nodes == 0 || self.copies == 0
    }
}

/// A loaded node with its position (1-based line and column; both 0 for a
/// node not read from a file, see [`Node::from_value`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line (0: not from a file).
    pub line: usize,
    /// 1-based column (0: not from a file).
    pub column: usize,
    /// Its content: a scalar, a sequence or a map.
    pub data: NodeData,
}

#[derive(Debug, Clone, PartialEq)]
/// A node's content.
pub enum NodeData {
    /// A scalar.
    Scalar(Scalar),
    /// A sequence, in the order written.
    Seq(Vec<Node>),
    /// A mapping, in the order written.
    Map(Vec<MapEntry>),
}

/// A scalar: its resolved value, the text as written, and whether it was
/// plain (unquoted), which is when YAML 1.1 resolution applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// Its value as PyYAML's `safe_load` constructs it.
    pub value: Value,
    /// The text as written.
    pub text: String,
    /// Whether it was plain (unquoted): YAML 1.1 resolution applies only then.
    pub plain: bool,
}

/// A key/value pair of a map; `key` is the key as `json.dumps` writes it,
/// `key_text` as written in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    /// The key as `json.dumps` writes it (`no` is `false`).
    pub key: String,
    /// The key as written.
    pub key_text: String,
    /// 1-based line of the key.
    pub key_line: usize,
    /// 1-based column of the key.
    pub key_column: usize,
    /// The value, with its own position.
    pub value: Node,
}

/// A YAML syntax or structure error, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong (the position is in `line` and `column`).
    pub message: String,
}

impl Node {
    /// The value as PyYAML would have constructed it.
    pub fn to_value(&self) -> Value {
        match &self.data {
            NodeData::Scalar(s) => s.value.clone(),
            NodeData::Seq(items) => Value::List(items.iter().map(Node::to_value).collect()),
            NodeData::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_value()))
                    .collect::<Map>(),
            ),
        }
    }

    /// Its entries, if it is a map.
    pub fn as_map(&self) -> Option<&[MapEntry]> {
        match &self.data {
            NodeData::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Its items, if it is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.data {
            NodeData::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// Its scalar, if it is one.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.data {
            NodeData::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// What kind of node this is, for error messages.
    pub fn type_name(&self) -> &'static str {
        match &self.data {
            NodeData::Scalar(s) => s.value.type_name(),
            NodeData::Seq(_) => "a list",
            NodeData::Map(_) => "a map",
        }
    }

    /// A node for a value that was not read from YAML (an override given
    /// as JSON): strings are strings, whatever they look like.
    pub fn from_value(v: &Value) -> Node {
        let data = match v {
            Value::List(items) => NodeData::Seq(items.iter().map(Node::from_value).collect()),
            Value::Map(m) => NodeData::Map(
                m.iter()
                    .map(|(k, v)| MapEntry {
                        key: k.clone(),
                        key_text: k.clone(),
                        key_line: 0,
                        key_column: 0,
                        value: Node::from_value(v),
                    })
                    .collect(),
            ),
            scalar => NodeData::Scalar(Scalar {
                value: scalar.clone(),
                text: match scalar {
                    Value::String(s) => s.clone(),
                    other => dump::dump_scalar(other),
                },
                plain: !matches!(scalar, Value::String(_)),
            }),
        };
        Node {
            line: 0,
            column: 0,
            data,
        }
    }

    /// Its nodes and its weight: the bytes a copy of it takes, about (see
    /// [`MAX_COPY_BYTES`]).
    fn size(&self) -> (usize, usize) {
        let node = std::mem::size_of::<Node>();
        match &self.data {
            NodeData::Scalar(s) => (1, node + 2 * s.text.len()),
            NodeData::Seq(items) => items.iter().fold((1, node), |(n, w), i| {
                let (a, b) = i.size();
                (n + a, w.saturating_add(b))
            }),
            NodeData::Map(entries) => entries.iter().fold((1, node), |(n, w), e| {
                let (a, b) = e.value.size();
                let key = std::mem::size_of::<MapEntry>() + e.key.len() + e.key_text.len();
                (n + 1 + a, w.saturating_add(key).saturating_add(b))
            }),
        }
    }
}
