//! Nodes and values back to block-style YAML that reads back as the same
//! node (plain where unambiguous, quoted where YAML 1.1 would read the text
//! as something else).

use super::resolve::resolve_plain;
use super::{MapEntry, Node, NodeData};
use crate::pyjson::python_float;
use crate::value::Value;

/// Writes a value as block-style YAML that reads back, under YAML 1.1
/// rules (this loader's and PyYAML's), as the same value: every string
/// that would resolve to something else (`no`, `0755`, `22:22`, `~`) or
/// needs escaping is double-quoted; floats are written as PyYAML writes
/// them (`1.0e+16`, `.inf`).
///
/// ```
/// use paunch::value::{Map, Value};
/// let mut m = Map::new();
/// m.insert("restart".into(), Value::String("no".into()));
/// m.insert("ports".into(), Value::List(vec![Value::String("22:22".into())]));
/// assert_eq!(paunch::yaml::dump(&Value::Map(m)), "restart: \"no\"\nports:\n- \"22:22\"\n");
/// ```
pub fn dump(value: &Value) -> String {
    dump_node(&Node::from_value(value))
}

/// Writes a loaded node back as block-style YAML that reads back as the
/// same node: plain scalars and keys as written (so `restart: no` stays
/// the boolean the original wrote in `config_data` and the string the
/// engine gets), everything else quoted where needed.
pub fn dump_node(node: &Node) -> String {
    let mut out = String::new();
    match &node.data {
        NodeData::Map(m) if !m.is_empty() => dump_node_map(m, 0, &mut out),
        NodeData::Seq(l) if !l.is_empty() => dump_node_seq(l, 0, &mut out),
        _ => {
            out.push_str(&node_scalar(node));
            out.push('\n');
        }
    }
    out
}

/// Whether plain text can be written back plain on one line of a block
/// mapping or sequence and read as the same text. Plain scalars that YAML
/// 1.1 resolves to non-strings (`no`, `0755`) always can.
fn plain_safe(t: &str) -> bool {
    let Some(first) = t.chars().next() else {
        return false;
    };
    let indicator = "-?:,[]{}#&*!|>'\"%@`".contains(first);
    let dash_ok =
        matches!(first, '-' | '?' | ':') && t.chars().nth(1).is_some_and(|c| !c.is_whitespace());
    (!indicator || dash_ok)
        && !document_marker(t)
        && !t.chars().any(|c| c.is_control())
        && !t.contains(": ")
        && !t.contains(" #")
        && !t.ends_with([':', ' '])
        && !t.starts_with(' ')
}

/// Whether text written plain at the start of a line could be read as a
/// document marker (`---`, `...`): found by the yaml_load fuzzer, a plain
/// `---  -` read from an indented line was written back at column 1.
fn document_marker(t: &str) -> bool {
    t.starts_with("---") || t.starts_with("...")
}

fn node_scalar(n: &Node) -> String {
    match &n.data {
        NodeData::Scalar(s) if s.plain && plain_safe(&s.text) => s.text.clone(),
        NodeData::Scalar(s) => match &s.value {
            Value::String(v) => dump_str(v),
            other => dump_scalar(other),
        },
        NodeData::Seq(_) => "[]".into(),
        NodeData::Map(_) => "{}".into(),
    }
}

fn node_key(e: &MapEntry) -> String {
    if e.key != e.key_text {
        // A plain key that YAML 1.1 reads as something else (`NO`, `1`).
        e.key_text.clone()
    } else {
        dump_str(&e.key)
    }
}

/// YAML allows implicit (`key: value`) keys of at most 1024 characters.
const MAX_IMPLICIT_KEY: usize = 1024;

fn dump_node_map(m: &[MapEntry], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for e in m {
        let key = node_key(e);
        out.push_str(&pad);
        if key.chars().count() <= MAX_IMPLICIT_KEY {
            out.push_str(&key);
            out.push(':');
            dump_node_nested(&e.value, indent, out);
        } else {
            // An explicit key, with its value below, indented.
            out.push_str("? ");
            out.push_str(&key);
            out.push('\n');
            out.push_str(&pad);
            out.push(':');
            match &e.value.data {
                NodeData::Seq(l) if !l.is_empty() => {
                    out.push('\n');
                    dump_node_seq(l, indent + 2, out);
                }
                _ => dump_node_nested(&e.value, indent, out),
            }
        }
    }
}

fn dump_node_seq(l: &[Node], indent: usize, out: &mut String) {
    for n in l {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        // A map or a list in a list starts on the item's line (`- a: 1`,
        // `- - x`), the rest of it indented under its first line: a list
        // below a bare `-` at the same indent would be read as more items.
        let mut inner = String::new();
        match &n.data {
            NodeData::Map(m) if !m.is_empty() => dump_node_map(m, indent + 2, &mut inner),
            NodeData::Seq(l) if !l.is_empty() => dump_node_seq(l, indent + 2, &mut inner),
            _ => {
                dump_node_nested(n, indent, out);
                continue;
            }
        }
        out.push(' ');
        out.push_str(&inner[indent + 2..]);
    }
}

fn dump_node_nested(n: &Node, indent: usize, out: &mut String) {
    match &n.data {
        NodeData::Map(m) if !m.is_empty() => {
            out.push('\n');
            dump_node_map(m, indent + 2, out);
        }
        NodeData::Seq(l) if !l.is_empty() => {
            out.push('\n');
            dump_node_seq(l, indent, out);
        }
        _ => {
            out.push(' ');
            out.push_str(&node_scalar(n));
            out.push('\n');
        }
    }
}

/// The text of a number, boolean or null as it is dumped, which is also
/// the text it carries when read back from `config_data` JSON
/// ([`Node::from_value`]).
pub fn canonical_text(v: &Value) -> String {
    dump_scalar(v)
}

pub(super) fn dump_scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) if f.is_nan() => ".nan".into(),
        Value::Float(f) if f.is_infinite() => if *f > 0.0 { ".inf" } else { "-.inf" }.into(),
        Value::Float(f) => {
            let r = python_float(*f).to_ascii_lowercase();
            if !r.contains('.') && r.contains('e') {
                r.replacen('e', ".0e", 1)
            } else {
                r
            }
        }
        Value::String(s) => dump_str(s),
        Value::List(_) => "[]".into(),
        Value::Map(_) => "{}".into(),
    }
}

/// A string plain when that is unambiguous, else double-quoted (JSON string
/// escapes are valid YAML double-quoted escapes).
fn dump_str(s: &str) -> String {
    let safe_chars = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | '+' | '@' | '='));
    let safe_start = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/'));
    let reads_back = matches!(resolve_plain(s), Ok(Value::String(ref r)) if r == s);
    if safe_chars && safe_start && reads_back && !document_marker(s) {
        s.to_string()
    } else {
        serde_json::Value::String(s.to_string()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load;

    /// Found by the yaml_load fuzzer: `- -` ([[null]]) was dumped as
    /// `-\n- null`, which reads as [null, null]; a plain `---  -` was
    /// dumped at column 1, where it starts a document.
    #[test]
    fn lists_in_lists_read_back() {
        for src in [
            "- -",
            "- - - a\n  - b\n- c",
            "a:\n- - 1\n  - [2, [3]]\n- {b: [[]]}",
            // And, found next, text that starts like a document marker.
            " ---  -",
            "'...'",
            "'--- x'",
            "[..., ---]",
        ] {
            let node = load(src).unwrap().unwrap();
            let dumped = dump_node(&node);
            let back = load(&dumped).unwrap().unwrap();
            assert_eq!(
                back.to_value(),
                node.to_value(),
                "{src:?} dumped as {dumped:?}"
            );
        }
    }

    #[test]
    fn dumps_read_back_as_the_same_value() {
        let src = "a: [no, 'no', '0755', 0755, '22:22', 1.0e+16, 1.5, .inf, ~, '', 'x: y', '- z', 'multi\n\nline', 'é', 'a b']\nb: {c: {d: [1, {e: f, g: [h]}]}, empty_map: {}, empty_list: []}\n'yes': 1\n";
        let v = load(src).unwrap().unwrap().to_value();
        let dumped = dump(&v);
        let back = load(&dumped).unwrap().unwrap().to_value();
        assert_eq!(back, v, "{dumped}");
    }

    #[test]
    fn plain_scalars_that_cannot_stay_plain_are_quoted() {
        for src in [
            "x: [a\n\n  b]\n",
            "x: [yes\"e#  tla \r\r?\r\ro]\n",
            "x: -a\n",
            "x: a:b\n",
            "x: {k: 'v'}\n",
            "x: [!!str 1, !!int '2', !!float 3, !!bool yes, !!null '']\n",
            &format!(
                "x:\n  ? {}\n  : [1, {{a: b}}]\n  ? {}\n  : {{k: v}}\n  ? {}\n  : 1\n",
                "k".repeat(1100),
                "m".repeat(1100),
                "s".repeat(1100)
            ),
        ] {
            let node = load(src).unwrap().unwrap();
            let dumped = dump_node(&node);
            let back = load(&dumped)
                .unwrap_or_else(|e| panic!("{e:?}\n{dumped}"))
                .unwrap();
            assert_eq!(
                crate::labels::encode_config_data(&back.to_value()),
                crate::labels::encode_config_data(&node.to_value()),
                "{dumped}"
            );
        }
    }

    #[test]
    fn nodes_dump_as_written() {
        let src = "x:\n  restart: no\n  user: 0755\n  env: {NO: off, 'q': 'yes', 1: a}\n  list: ['- a', {k: v, w: [1]}]\n  s: 'it''s'\n  folded: a\n    b\n";
        let node = load(src).unwrap().unwrap();
        let dumped = dump_node(&node);
        let back = load(&dumped).unwrap().unwrap();
        assert_eq!(back.to_value(), node.to_value(), "{dumped}");
        assert!(dumped.contains("restart: no\n"), "{dumped}");
        assert!(dumped.contains("NO: off\n"), "{dumped}");
        assert!(dumped.contains("user: 0755\n"), "{dumped}");
    }
}
