//! A YAML loader that reads scalars as the original's loader did (PyYAML
//! `safe_load`, YAML 1.1: `yes`/`no`/`on`/`off` are booleans, `0755` is
//! octal, `22:22` is sexagesimal) and keeps, for every node, where it was
//! written and the text as written, so that errors can point at
//! file:line:column and string-valued keys get what the operator typed.
//!
//! Built on `saphyr-parser`'s event stream rather than on a serde
//! deserializer: serde's YAML crates resolve scalars by YAML 1.2 and forget
//! both positions and whether a scalar was quoted, which the byte-identical config_data label needs.
//!
//! Aliases are expanded (as PyYAML does), within a node budget, so an alias
//! bomb is an error and not an exhausted machine.

use crate::pyjson::python_float;
use crate::value::{Map, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use std::collections::HashMap;

/// At most this many nodes after alias expansion.
pub const MAX_NODES: usize = 200_000;
/// At most this deep.
pub const MAX_DEPTH: usize = 64;

/// A loaded node with its position (1-based line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: usize,
    pub column: usize,
    pub data: NodeData,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeData {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<MapEntry>),
}

/// A scalar: its resolved value, the text as written, and whether it was
/// plain (unquoted), which is when YAML 1.1 resolution applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub value: Value,
    pub text: String,
    pub plain: bool,
}

/// A key/value pair of a map; `key` is the key as `json.dumps` writes it,
/// `key_text` as written in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    pub key: String,
    pub key_text: String,
    pub key_line: usize,
    pub key_column: usize,
    pub value: Node,
}

/// A YAML syntax or structure error, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub line: usize,
    pub column: usize,
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

    pub fn as_map(&self) -> Option<&[MapEntry]> {
        match &self.data {
            NodeData::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.data {
            NodeData::Seq(s) => Some(s),
            _ => None,
        }
    }

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
                    other => dump_scalar(other),
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

    fn count(&self) -> usize {
        1 + match &self.data {
            NodeData::Scalar(_) => 0,
            NodeData::Seq(items) => items.iter().map(Node::count).sum(),
            NodeData::Map(entries) => entries.iter().map(|e| 1 + e.value.count()).sum(),
        }
    }
}

fn err(span: &Span, message: impl Into<String>) -> LoadError {
    LoadError {
        line: span.start.line(),
        column: span.start.col() + 1,
        message: message.into(),
    }
}

enum Frame {
    Seq {
        at: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        at: Span,
        anchor: usize,
        pairs: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

/// Loads a single-document YAML (or JSON) text. `Ok(None)` for an empty
/// document.
pub fn load(src: &str) -> Result<Option<Node>, LoadError> {
    let mut parser = Parser::new_from_str(src);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, (Node, usize)> = HashMap::new();
    let mut budget = MAX_NODES;
    let mut root: Option<Node> = None;
    let mut documents = 0;

    for event in parser.by_ref() {
        let (event, span) = event.map_err(|e| LoadError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        let done: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(err(
                        &span,
                        "more than one YAML document; a configuration is a single document",
                    ));
                }
                None
            }
            Event::Alias(id) => {
                let (node, size) = anchors
                    .get(&id)
                    .ok_or_else(|| err(&span, "alias to an unknown anchor"))?;
                if *size > budget {
                    return Err(err(
                        &span,
                        format!(
                            "aliases expand to more than {MAX_NODES} nodes; refusing to load (an alias bomb?)"
                        ),
                    ));
                }
                budget -= size;
                let mut node = node.clone();
                node.line = span.start.line();
                node.column = span.start.col() + 1;
                Some((node, 0))
            }
            Event::Scalar(text, style, anchor, tag) => {
                take(&mut budget, &span)?;
                let scalar = scalar(&text, style, tag.as_deref(), &span)?;
                let node = Node {
                    line: span.start.line(),
                    column: span.start.col() + 1,
                    data: NodeData::Scalar(scalar),
                };
                Some((node, anchor))
            }
            Event::SequenceStart(anchor, tag) => {
                take(&mut budget, &span)?;
                check_collection_tag(tag.as_deref(), "seq", &span)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(err(&span, format!("nested deeper than {MAX_DEPTH} levels")));
                }
                stack.push(Frame::Seq {
                    at: span,
                    anchor,
                    items: Vec::new(),
                });
                None
            }
            Event::MappingStart(anchor, tag) => {
                take(&mut budget, &span)?;
                check_collection_tag(tag.as_deref(), "map", &span)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(err(&span, format!("nested deeper than {MAX_DEPTH} levels")));
                }
                stack.push(Frame::Map {
                    at: span,
                    anchor,
                    pairs: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq { at, anchor, items }) => Some((
                    Node {
                        line: at.start.line(),
                        column: at.start.col() + 1,
                        data: NodeData::Seq(items),
                    },
                    anchor,
                )),
                _ => return Err(err(&span, "unbalanced sequence end")),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    at, anchor, pairs, ..
                }) => Some((
                    Node {
                        line: at.start.line(),
                        column: at.start.col() + 1,
                        data: NodeData::Map(build_map(pairs)?),
                    },
                    anchor,
                )),
                _ => return Err(err(&span, "unbalanced mapping end")),
            },
        };
        let Some((node, anchor)) = done else { continue };
        if anchor != 0 {
            let size = node.count();
            anchors.insert(anchor, (node.clone(), size));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { pairs, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => pairs.push((k, node)),
            },
        }
    }
    Ok(root)
}

fn take(budget: &mut usize, span: &Span) -> Result<(), LoadError> {
    if *budget == 0 {
        return Err(err(
            span,
            format!("more than {MAX_NODES} nodes; refusing to load"),
        ));
    }
    *budget -= 1;
    Ok(())
}

const CORE: &str = "tag:yaml.org,2002:";

/// A tag as written (`!!str`, `!local`).
fn tag_text(t: &Tag) -> String {
    if t.handle == CORE {
        format!("!!{}", t.suffix)
    } else {
        format!("{}{}", t.handle, t.suffix)
    }
}

fn check_collection_tag(tag: Option<&Tag>, want: &str, span: &Span) -> Result<(), LoadError> {
    match tag {
        None => Ok(()),
        Some(t) if t.handle == CORE && t.suffix == want => Ok(()),
        Some(t) => Err(err(span, format!("unsupported tag {}", tag_text(t)))),
    }
}

fn scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    span: &Span,
) -> Result<Scalar, LoadError> {
    let plain = style == ScalarStyle::Plain;
    let value = match tag {
        None if plain => resolve_plain(text).map_err(|m| err(span, m))?,
        None => Value::String(text.to_string()),
        // The non-specific tag `!` forces a string.
        Some(t) if t.handle == "!" && t.suffix.is_empty() => Value::String(text.to_string()),
        Some(t) if t.handle == CORE => match t.suffix.as_str() {
            "str" => Value::String(text.to_string()),
            "int" => construct_int(text).map_err(|m| err(span, m))?,
            "float" => construct_float(text).map_err(|m| err(span, m))?,
            "bool" => match text.to_ascii_lowercase().as_str() {
                "yes" | "true" | "on" => Value::Bool(true),
                "no" | "false" | "off" => Value::Bool(false),
                _ => return Err(err(span, format!("\"{text}\" is not a boolean"))),
            },
            "null" => Value::Null,
            other => return Err(err(span, format!("unsupported tag !!{other}"))),
        },
        Some(t) => {
            return Err(err(span, format!("unsupported tag {}", tag_text(t))));
        }
    };
    Ok(Scalar {
        value,
        text: text.to_string(),
        // "Plain" means resolved by the YAML 1.1 rules: a tag overrides them.
        plain: plain && tag.is_none(),
    })
}

/// Builds a map's entries: `<<` merge keys flattened as PyYAML does (merged
/// keys first, later ones win, own keys win over merged ones), and a
/// duplicate among the map's own keys is an error.
fn build_map(pairs: Vec<(Node, Node)>) -> Result<Vec<MapEntry>, LoadError> {
    let mut merged: Vec<MapEntry> = Vec::new();
    let mut own: Vec<MapEntry> = Vec::new();
    for (k, v) in pairs {
        let pos = LoadError {
            line: k.line,
            column: k.column,
            message: String::new(),
        };
        let scalar = match &k.data {
            NodeData::Scalar(s) => s,
            _ => {
                return Err(LoadError {
                    message: format!("{} cannot be a map key", k.type_name()),
                    ..pos
                });
            }
        };
        if scalar.plain && scalar.text == "<<" {
            match v.data {
                NodeData::Map(entries) => merged.extend(entries),
                NodeData::Seq(items) => {
                    let mut groups = Vec::new();
                    for item in items {
                        match item.data {
                            NodeData::Map(entries) => groups.push(entries),
                            _ => {
                                return Err(LoadError {
                                    message: "a merge key (<<) list may hold only maps".into(),
                                    line: item.line,
                                    column: item.column,
                                });
                            }
                        }
                    }
                    groups.reverse();
                    merged.extend(groups.into_iter().flatten());
                }
                NodeData::Scalar(_) => {
                    return Err(LoadError {
                        message: "a merge key (<<) needs a map or a list of maps".into(),
                        ..pos
                    });
                }
            }
            continue;
        }
        let key = json_key(&scalar.value);
        if let Some(first) = own.iter().find(|e| e.key == key) {
            return Err(LoadError {
                message: format!(
                    "duplicate key \"{}\" (first defined at line {}, column {})",
                    scalar.text, first.key_line, first.key_column
                ),
                ..pos
            });
        }
        own.push(MapEntry {
            key,
            key_text: scalar.text.clone(),
            key_line: k.line,
            key_column: k.column,
            value: v,
        });
    }
    if merged.is_empty() {
        return Ok(own);
    }
    let mut out: Vec<MapEntry> = Vec::new();
    for e in merged.into_iter().chain(own) {
        match out.iter_mut().find(|o| o.key == e.key) {
            Some(slot) => slot.value = e.value,
            None => out.push(e),
        }
    }
    Ok(out)
}

/// A map key as `json.dumps` writes it.
fn json_key(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => python_float(*f),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::List(_) | Value::Map(_) => String::new(),
    }
}

/// Resolves a plain scalar by PyYAML's implicit resolvers.
pub fn resolve_plain(text: &str) -> Result<Value, String> {
    if matches!(
        text,
        "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    ) {
        let t = text.to_ascii_lowercase();
        return Ok(Value::Bool(matches!(t.as_str(), "yes" | "true" | "on")));
    }
    if is_float(text) {
        return construct_float(text);
    }
    if is_int(text) {
        return construct_int(text);
    }
    if matches!(text, "~" | "null" | "Null" | "NULL" | "") {
        return Ok(Value::Null);
    }
    // Timestamps stay strings: the original could not encode them at all
    // (json.dumps raises on dates), so no label depends on them.
    Ok(Value::String(text.to_string()))
}

fn strip_sign(s: &str) -> &str {
    s.strip_prefix(['-', '+']).unwrap_or(s)
}

fn all(s: &str, f: impl Fn(u8) -> bool) -> bool {
    s.bytes().all(f)
}

fn is_digit_or_underscore(b: u8) -> bool {
    b.is_ascii_digit() || b == b'_'
}

/// `[0-9][0-9_]*`
fn is_digits_lead(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_digit) && all(s, is_digit_or_underscore)
}

/// `(:[0-5]?[0-9])+` (after the first part)
fn is_sexagesimal_tail(s: &str) -> bool {
    let Some(rest) = s.strip_prefix(':') else {
        return false;
    };
    rest.split(':').all(|part| match part.as_bytes() {
        [d] => d.is_ascii_digit(),
        [a, b] => (b'0'..=b'5').contains(a) && b.is_ascii_digit(),
        _ => false,
    })
}

/// `([eE][-+][0-9]+)?` at the end
fn split_exponent(s: &str) -> Option<(&str, bool)> {
    match s.find(['e', 'E']) {
        None => Some((s, true)),
        Some(i) => {
            let exp = &s[i + 1..];
            let ok = exp.len() >= 2
                && matches!(exp.as_bytes()[0], b'-' | b'+')
                && all(&exp[1..], |b| b.is_ascii_digit());
            ok.then_some((&s[..i], true))
        }
    }
}

fn is_float(text: &str) -> bool {
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let unsigned = strip_sign(text);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    // \.[0-9][0-9_]*([eE][-+][0-9]+)?   (no sign allowed)
    if let Some(rest) = text.strip_prefix('.') {
        return split_exponent(rest).is_some_and(|(m, _)| is_digits_lead(m));
    }
    let Some((int_part, frac)) = unsigned.split_once('.') else {
        return false;
    };
    // [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
    if let Some(colon) = int_part.find(':') {
        return is_digits_lead(&int_part[..colon])
            && is_sexagesimal_tail(&int_part[colon..])
            && all(frac, is_digit_or_underscore);
    }
    // [-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?
    is_digits_lead(int_part)
        && split_exponent(frac).is_some_and(|(m, _)| all(m, is_digit_or_underscore))
}

fn is_int(text: &str) -> bool {
    let s = strip_sign(text);
    let b = s.as_bytes();
    if let Some(rest) = s.strip_prefix("0b") {
        return !rest.is_empty() && all(rest, |c| matches!(c, b'0' | b'1' | b'_'));
    }
    if let Some(rest) = s.strip_prefix("0x") {
        return !rest.is_empty() && all(rest, |c| c.is_ascii_hexdigit() || c == b'_');
    }
    if s == "0" {
        return true;
    }
    if b.first() == Some(&b'0') {
        return s.len() > 1 && all(&s[1..], |c| matches!(c, b'0'..=b'7' | b'_'));
    }
    if !b.first().is_some_and(|c| (b'1'..=b'9').contains(c)) {
        return false;
    }
    match s.find(':') {
        None => all(s, is_digit_or_underscore),
        Some(i) => all(&s[..i], is_digit_or_underscore) && is_sexagesimal_tail(&s[i..]),
    }
}

/// PyYAML's `construct_yaml_int`.
pub fn construct_int(text: &str) -> Result<Value, String> {
    let bad = || format!("\"{text}\" is not a valid integer");
    let cleaned = text.replace('_', "");
    let negative = cleaned.starts_with('-');
    let s = strip_sign(&cleaned);
    let parse = |digits: &str, radix: u32| i128::from_str_radix(digits, radix).map_err(|_| bad());
    let magnitude = if s == "0" {
        0
    } else if let Some(d) = s.strip_prefix("0b") {
        parse(d, 2)?
    } else if let Some(d) = s.strip_prefix("0x") {
        parse(d, 16)?
    } else if s.starts_with('0') {
        parse(s, 8)?
    } else if s.contains(':') {
        let mut total: i128 = 0;
        for part in s.split(':') {
            total = total
                .checked_mul(60)
                .and_then(|t| t.checked_add(part.parse::<i128>().ok()?))
                .ok_or_else(bad)?;
        }
        total
    } else {
        parse(s, 10)?
    };
    Ok(Value::Int(if negative { -magnitude } else { magnitude }))
}

/// PyYAML's `construct_yaml_float`.
pub fn construct_float(text: &str) -> Result<Value, String> {
    let bad = || format!("\"{text}\" is not a valid number");
    let cleaned = text.replace('_', "").to_ascii_lowercase();
    let sign = if cleaned.starts_with('-') { -1.0 } else { 1.0 };
    let s = strip_sign(&cleaned);
    let f = if s == ".inf" {
        f64::INFINITY
    } else if s == ".nan" {
        return Ok(Value::Float(f64::NAN));
    } else if s.contains(':') {
        let mut total = 0.0;
        for part in s.split(':') {
            total = total * 60.0 + part.parse::<f64>().map_err(|_| bad())?;
        }
        total
    } else {
        s.parse::<f64>().map_err(|_| bad())?
    };
    Ok(Value::Float(sign * f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::encode_config_data;

    fn dumps(src: &str) -> String {
        encode_config_data(&load(src).unwrap().unwrap().to_value())
    }

    /// The expectations were printed by PyYAML 6.0.4 `safe_load` +
    /// `json.dumps`, the original's loader and encoder.
    #[test]
    fn scalars_resolve_as_pyyaml() {
        let src = "a: [1.0e5, 1e5, .5, 1., 0x1F, 0o17, 017, 1_000, 22:22, 1:30.5, .inf, -.inf, .nan, 1e+100, 1.0e+16, 1.5e300, 0.00001, yes, On, ~, '', 1.e+5, 0b101, +12, -0, 0., 1.0e16, 12345678901234567.0, 0.1, 1e400, 3.0e-5, 08, 8080:80, 2001-01-01]";
        assert_eq!(
            dumps(src),
            r#"{"a": ["1.0e5", "1e5", 0.5, 1.0, 31, "0o17", 15, 1000, 1342, 90.5, Infinity, -Infinity, NaN, "1e+100", 1e+16, "1.5e300", 1e-05, true, true, null, "", 100000.0, 5, 12, 0, 0.0, "1.0e16", 1.2345678901234568e+16, 0.1, "1e400", 3e-05, "08", "8080:80", "2001-01-01"]}"#
        );
    }

    #[test]
    fn keys_keep_order_and_convert_like_json_dumps() {
        assert_eq!(
            dumps("z: 1\n1: a\nyes: b\n~: c\n"),
            r#"{"z": 1, "1": "a", "true": "b", "null": "c"}"#
        );
    }

    #[test]
    fn merge_keys_follow_pyyaml() {
        let src = "a: &a {x: 1, y: 2}\nb: &b {y: 3, z: 4}\nc:\n  <<: [*a, *b]\n  w: 0\n  x: 9\n";
        assert_eq!(
            dumps(src),
            r#"{"a": {"x": 1, "y": 2}, "b": {"y": 3, "z": 4}, "c": {"y": 2, "z": 4, "x": 9, "w": 0}}"#
        );
    }

    #[test]
    fn quoted_and_tagged_scalars() {
        assert_eq!(
            dumps("a: 'yes'\nb: !!str 1\nc: !!int '7'\nd: \"\\u00e9\"\n"),
            r#"{"a": "yes", "b": "1", "c": 7, "d": "\u00e9"}"#
        );
    }

    #[test]
    fn duplicate_keys_are_errors_with_both_positions() {
        let e = load("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 1));
        assert!(
            e.message.contains("first defined at line 1, column 1"),
            "{}",
            e.message
        );
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            src.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = load(&src).unwrap_err();
        assert!(e.message.contains("alias"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused() {
        // The parser refuses very deep input itself; within its limit, ours.
        assert!(load(&"[".repeat(100_000)).is_err());
        let src = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(load(&src).unwrap_err().message.contains("nested deeper"));
    }

    #[test]
    fn empty_and_multi_document() {
        assert_eq!(load("").unwrap(), None);
        assert_eq!(load("# nothing\n").unwrap(), None);
        assert!(load("a: 1\n---\nb: 2\n").is_err());
    }

    #[test]
    fn positions_are_one_based() {
        let root = load("x:\n  image: foo\n").unwrap().unwrap();
        let x = &root.as_map().unwrap()[0];
        assert_eq!((x.key_line, x.key_column), (1, 1));
        let image = &x.value.as_map().unwrap()[0];
        assert_eq!((image.key_line, image.key_column), (2, 3));
        assert_eq!((image.value.line, image.value.column), (2, 10));
    }
}

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
        && !t.chars().any(|c| c.is_control())
        && !t.contains(": ")
        && !t.contains(" #")
        && !t.ends_with([':', ' '])
        && !t.starts_with(' ')
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
        match &n.data {
            NodeData::Map(m) if !m.is_empty() => {
                let mut inner = String::new();
                dump_node_map(m, indent + 2, &mut inner);
                out.push(' ');
                out.push_str(&inner[indent + 2..]);
            }
            _ => dump_node_nested(n, indent, out),
        }
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

fn dump_scalar(v: &Value) -> String {
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
    if safe_chars && safe_start && reads_back {
        s.to_string()
    } else {
        serde_json::Value::String(s.to_string()).to_string()
    }
}

#[cfg(test)]
mod dump_tests {
    use super::*;

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
