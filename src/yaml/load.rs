//! The event stream of `saphyr-parser` to [`Node`]s: positions, plain or
//! quoted, anchors and aliases within a budget, merge keys, tags.

use super::resolve::{construct_float, construct_int, resolve_plain};
use super::{
    Budget, LoadError, MAX_COPY_BYTES, MAX_DEPTH, MAX_NODES, MapEntry, Node, NodeData, Scalar,
};
use crate::pyjson::python_float;
use crate::value::Value;
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use std::collections::HashMap;

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

/// Loads a single-document YAML text. `Ok(None)` for an empty document.
pub fn load(src: &str) -> Result<Option<Node>, LoadError> {
    load_within(src, &mut Budget::default())
}

/// [`load()`], taking what it reads from `budget`.
pub fn load_within(src: &str, budget: &mut Budget) -> Result<Option<Node>, LoadError> {
    let mut loader = Loader::new(false, budget);
    for event in Parser::new_from_str(src) {
        let (event, span) = event.map_err(parse_error)?;
        if let Some((node, anchor)) = loader.event(event, span)? {
            loader.attach(node, anchor, &span)?;
        }
    }
    Ok(loader.root)
}

/// Loads every document of a multi-document YAML text (`---` between
/// them, as Kubernetes manifests are written), within one node budget;
/// empty documents are skipped. Anchors do not cross documents.
pub fn load_all(src: &str) -> Result<Vec<Node>, LoadError> {
    load_all_within(src, &mut Budget::default())
}

/// [`load_all`], taking what it reads from `budget`.
pub fn load_all_within(src: &str, budget: &mut Budget) -> Result<Vec<Node>, LoadError> {
    let mut loader = Loader::new(true, budget);
    let mut docs = Vec::new();
    for event in Parser::new_from_str(src) {
        let (event, span) = event.map_err(parse_error)?;
        if matches!(event, Event::DocumentEnd) {
            docs.extend(loader.root.take());
            loader.anchors.clear();
            continue;
        }
        if let Some((node, anchor)) = loader.event(event, span)? {
            loader.attach(node, anchor, &span)?;
        }
    }
    docs.extend(loader.root.take());
    Ok(docs)
}

fn parse_error(e: saphyr_parser::ScanError) -> LoadError {
    LoadError {
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: e.info().to_string(),
    }
}

/// The state of one load: the collections open, the anchors seen (each
/// with its size, see [`Node::size`]), what is left of the budget.
struct Loader<'b> {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, (usize, usize))>,
    budget: &'b mut Budget,
    root: Option<Node>,
    documents: usize,
    /// Whether more than one document is allowed ([`load_all`]).
    multi: bool,
}

fn node_at(span: &Span, data: NodeData) -> Node {
    Node {
        line: span.start.line(),
        column: span.start.col() + 1,
        data,
    }
}

impl<'b> Loader<'b> {
    fn new(multi: bool, budget: &'b mut Budget) -> Loader<'b> {
        Loader {
            stack: Vec::new(),
            anchors: HashMap::new(),
            budget,
            root: None,
            documents: 0,
            multi,
        }
    }

    /// Takes one event; returns a node it completed, with its anchor.
    fn event(&mut self, event: Event, span: Span) -> Result<Option<(Node, usize)>, LoadError> {
        Ok(match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 && !self.multi {
                    return Err(err(
                        &span,
                        "more than one YAML document; a configuration is a single document",
                    ));
                }
                None
            }
            Event::Alias(id) => Some((self.alias(id, &span)?, 0)),
            Event::Scalar(text, style, anchor, tag) => {
                take(self.budget, &span)?;
                let scalar = scalar(&text, style, tag.as_deref(), &span)?;
                Some((node_at(&span, NodeData::Scalar(scalar)), anchor))
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(&span, tag.as_deref(), "seq")?;
                self.stack.push(Frame::Seq {
                    at: span,
                    anchor,
                    items: Vec::new(),
                });
                None
            }
            Event::MappingStart(anchor, tag) => {
                self.open(&span, tag.as_deref(), "map")?;
                self.stack.push(Frame::Map {
                    at: span,
                    anchor,
                    pairs: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq { at, anchor, items }) => {
                    Some((node_at(&at, NodeData::Seq(items)), anchor))
                }
                _ => return Err(err(&span, "unbalanced sequence end")),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    at, anchor, pairs, ..
                }) => Some((node_at(&at, NodeData::Map(build_map(pairs)?)), anchor)),
                _ => return Err(err(&span, "unbalanced mapping end")),
            },
        })
    }

    /// A copy of the anchored node, charged to the budget in full (its
    /// nodes and its bytes) before it is made.
    fn alias(&mut self, id: usize, span: &Span) -> Result<Node, LoadError> {
        let (node, (nodes, bytes)) = self
            .anchors
            .get(&id)
            .ok_or_else(|| err(span, "alias to an unknown anchor"))?;
        if *nodes > self.budget.nodes {
            self.budget.nodes = 0;
            return Err(err(
                span,
                format!(
                    "aliases expand to more than {MAX_NODES} nodes; refusing to load (an alias bomb?)"
                ),
            ));
        }
        charge_copy(self.budget, *bytes, span)?;
        self.budget.nodes -= nodes;
        let mut node = node.clone();
        node.line = span.start.line();
        node.column = span.start.col() + 1;
        Ok(node)
    }

    /// Checks a collection about to open: budget, tag, depth.
    fn open(&mut self, span: &Span, tag: Option<&Tag>, kind: &str) -> Result<(), LoadError> {
        take(self.budget, span)?;
        check_collection_tag(tag, kind, span)?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(err(span, format!("nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    /// Puts a completed node where it belongs: the root, the open
    /// sequence, or the open map (as a key, then as its value). An
    /// anchored node is kept for its aliases: that copy is charged too
    /// (anchors nested 64 deep would otherwise keep 64 copies of a string).
    fn attach(&mut self, node: Node, anchor: usize, span: &Span) -> Result<(), LoadError> {
        if anchor != 0 {
            let size = node.size();
            charge_copy(self.budget, size.1, span)?;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { pairs, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => pairs.push((k, node)),
            },
        }
        Ok(())
    }
}

/// Takes one node from the budget.
pub(super) fn take(budget: &mut Budget, span: &Span) -> Result<(), LoadError> {
    take_node(budget).map_err(|m| err(span, m))
}

/// Takes one node from the budget, or says why not.
pub(super) fn take_node(budget: &mut Budget) -> Result<(), String> {
    if budget.nodes == 0 {
        return Err(format!("more than {MAX_NODES} nodes; refusing to load"));
    }
    budget.nodes -= 1;
    Ok(())
}

/// Charges a copy of `bytes` to the budget before it is made.
fn charge_copy(budget: &mut Budget, bytes: usize, span: &Span) -> Result<(), LoadError> {
    if bytes > budget.copies {
        budget.copies = 0;
        return Err(err(
            span,
            format!(
                "anchors and aliases copy more than {} MiB; refusing to load (an alias bomb?)",
                MAX_COPY_BYTES >> 20
            ),
        ));
    }
    budget.copies -= bytes;
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
pub(super) fn build_map(pairs: Vec<(Node, Node)>) -> Result<Vec<MapEntry>, LoadError> {
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

    /// The message a refused text gets (a loaded node is not printed: a
    /// bomb's would be megabytes).
    fn refused(src: &str) -> String {
        match load(src) {
            Ok(_) => panic!("loaded"),
            Err(e) => e.message,
        }
    }

    /// A 4 KiB string under five levels of ten aliases: 4 KB written,
    /// 400 MiB of text expanded (1.5 GB of memory under the node budget
    /// alone). Refused once the copies pass the byte budget.
    #[test]
    fn a_string_alias_bomb_is_refused_by_bytes() {
        let mut src = format!("a: &a \"{}\"\n", "x".repeat(4096));
        let mut prev = "a".to_string();
        for name in ["b", "c", "d", "e", "f"] {
            let refs = vec![format!("*{prev}"); 10].join(", ");
            src.push_str(&format!("{name}: &{name} [{refs}]\n"));
            prev = name.to_string();
        }
        assert!(src.len() < 4500);
        let m = refused(&src);
        assert!(m.contains("copy more than 24 MiB"), "{m}");
        assert!(m.contains("alias bomb"), "{m}");
    }

    /// The same anchors used again and again at every level: each use is a
    /// copy, charged as one, however the copies nest; and anchors nested
    /// deep each keep a copy of what they hold, charged too.
    #[test]
    fn every_use_of_an_alias_is_charged() {
        let mut src = format!("l0: &l0 \"{}\"\n", "y".repeat(4000));
        for i in 1..10 {
            let refs: Vec<String> = (0..i)
                .flat_map(|j| [format!("*l{j}"), format!("*l{j}")])
                .collect();
            src.push_str(&format!("l{i}: &l{i} [{}]\n", refs.join(", ")));
        }
        assert!(refused(&src).contains("alias bomb"));
        let mut deep = String::new();
        for i in 0..60 {
            deep.push_str(&format!("{}- &n{i}\n", "  ".repeat(i)));
        }
        deep.push_str(&format!(
            "{}- \"{}\"\n",
            "  ".repeat(60),
            "z".repeat(1 << 20)
        ));
        assert!(refused(&deep).contains("alias bomb"));
    }

    /// What configurations do with aliases, within reason, loads; and one
    /// budget serves several loads (a directory of hashed-NAME.json files).
    #[test]
    fn sensible_aliases_load_and_budgets_are_shared() {
        let src = format!(
            "a: &a {{E: \"{}\"}}\nb: *a\nc: *a\nd: [*a, *a]\n",
            "v".repeat(256 << 10)
        );
        assert!(load(&src).unwrap().is_some());
        let mut budget = Budget::default();
        for _ in 0..4 {
            assert!(load_within(&src, &mut budget).is_ok());
        }
        assert!(!budget.exhausted());
        let e = loop {
            if let Err(e) = load_within(&src, &mut budget) {
                break e;
            }
        };
        assert!(e.message.contains("alias bomb"), "{}", e.message);
        assert!(budget.exhausted());
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
