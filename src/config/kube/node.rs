//! The YAML nodes the Pod reader reads and writes: positions in the
//! manifest, the text of a read node, and the builders of the entry nodes
//! (strings, integers, booleans, lists, maps) that paunch's own decoder
//! then reads as if they had been written in a paunch file, each at the
//! manifest position its errors should point to.

use crate::value::Value;
use crate::yaml::{MapEntry, Node, NodeData, Scalar};

/// A line and column of the manifest; line 0 is no position (a message
/// about the whole manifest).
pub(super) type Pos = (usize, usize);

pub(super) fn pos_of(n: &Node) -> Pos {
    (n.line, n.column)
}

pub(super) fn key_pos(e: &MapEntry) -> Pos {
    (e.key_line, e.key_column)
}

/// The text of a string node.
pub(super) fn scalar_text(n: &Node) -> Option<&str> {
    match &n.data {
        NodeData::Scalar(Scalar {
            value: Value::String(t),
            ..
        }) => Some(t),
        _ => None,
    }
}

pub(super) fn is_null(n: &Node) -> bool {
    matches!(n.as_scalar().map(|s| &s.value), Some(Value::Null))
}

/// A string node (quoted: it stays a string whatever it looks like).
pub(super) fn s(text: &str, at: Pos) -> Node {
    Node {
        line: at.0,
        column: at.1,
        data: NodeData::Scalar(Scalar {
            value: Value::String(text.to_string()),
            text: text.to_string(),
            plain: false,
        }),
    }
}

pub(super) fn int(i: i64, at: Pos) -> Node {
    Node {
        line: at.0,
        column: at.1,
        data: NodeData::Scalar(Scalar {
            value: Value::Int(i128::from(i)),
            text: i.to_string(),
            plain: true,
        }),
    }
}

pub(super) fn boolean(b: bool, at: Pos) -> Node {
    Node {
        line: at.0,
        column: at.1,
        data: NodeData::Scalar(Scalar {
            value: Value::Bool(b),
            text: b.to_string(),
            plain: true,
        }),
    }
}

pub(super) fn seq(items: Vec<Node>, at: Pos) -> Node {
    Node {
        line: at.0,
        column: at.1,
        data: NodeData::Seq(items),
    }
}

pub(super) fn map(pairs: Vec<(String, Node)>, at: Pos) -> Node {
    Node {
        line: at.0,
        column: at.1,
        data: NodeData::Map(
            pairs
                .into_iter()
                .map(|(k, v)| MapEntry {
                    key: k.clone(),
                    key_text: k,
                    key_line: v.line,
                    key_column: v.column,
                    value: v,
                })
                .collect(),
        ),
    }
}

/// Entry keys as a map's pairs.
pub(super) fn own(keys: Vec<(&str, Node)>) -> Vec<(String, Node)> {
    keys.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
