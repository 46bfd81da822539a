//! `ObjectMeta` (a Pod's or a Deployment's `metadata`): its `name`,
//! checked as Kubernetes checks names (the DNS-1123 rules, also used for
//! container and claim names), its `labels`, which become labels of
//! every container of the Pod (paunch's own label names are noted and
//! left to apply), and the `annotations` in which `paunch export` carries
//! the Pod's entries ([`crate::export::annotation`]): a Pod exported and
//! read back is the entries it was exported from, exactly.

use super::node::{Pos, is_null, pos_of, s};
use super::reader::Cx;
use crate::value::{Map, Value};
use crate::yaml::{Node, NodeData};

/// DNS-1123 label: what Kubernetes allows as a container name.
pub(super) fn dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// DNS-1123 subdomain: what Kubernetes allows as a Pod name.
pub(super) fn dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(dns_label)
}

impl Cx<'_> {
    /// The name (with its position) and labels of an ObjectMeta.
    pub(super) fn metadata(
        &mut self,
        node: &Node,
        path: &str,
        labels: &mut Vec<(String, Node)>,
    ) -> Option<(String, Pos)> {
        let mut name = None;
        for (f, e) in self.fields("ObjectMeta", path, node) {
            match f.name {
                "name" => {
                    if let Some(n) = self.string(&format!("{path}.name"), &e.value) {
                        if dns_subdomain(&n) {
                            name = Some((n, pos_of(&e.value)));
                        } else {
                            self.error(
                                pos_of(&e.value),
                                format!("\"{n}\" is not a valid Kubernetes name"),
                                Some("lowercase letters, digits, - and ., starting and ending with a letter or digit".into()),
                            );
                        }
                    }
                }
                "labels" => self.labels(&e.value, path, labels),
                _ => {}
            }
        }
        name
    }

    fn labels(&mut self, node: &Node, path: &str, labels: &mut Vec<(String, Node)>) {
        for l in node.as_map().unwrap_or_default() {
            if crate::labels::RESERVED.contains(&l.key.as_str()) {
                // An export's: apply writes its own.
                self.note(
                    (l.key_line, l.key_column),
                    format!(
                        "{path}.labels.{} is paunch's own label; apply sets it",
                        l.key
                    ),
                );
                continue;
            }
            if let Some(v) = self.string(&format!("{path}.labels.{}", l.key), &l.value) {
                labels.push((l.key.clone(), s(&v, pos_of(&l.value))));
            }
        }
        if !is_null(node) && node.as_map().is_none() {
            self.error(
                pos_of(node),
                format!("{path}.labels: expected a map, found {}", node.type_name()),
                None,
            );
        }
    }
}

/// The annotations of an ObjectMeta (`metadata.annotations`), for the
/// downward API: each string value as written (others are not
/// annotations Kubernetes accepts, and are left out).
pub(super) fn annotations(meta: &Node) -> Vec<(String, String)> {
    get(meta, "annotations")
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            Some((
                e.key.clone(),
                super::node::scalar_text(&e.value)?.to_string(),
            ))
        })
        .collect()
}

/// A Pod's entries as read: `(name, position, entry)`.
type Read = Vec<(String, Pos, Node)>;

/// The prefix of the annotations in which `paunch export` carries a Pod's
/// entries: `config-data.paunch/000`, `config-data.paunch/001`, ...
///
/// What they hold is one JSON map, `{"pod": DIGEST, "entries": {NAME:
/// ENTRY, ...}}` (each entry as its `config_data`), cut into pieces of at
/// most 63 bytes: podman 4.3's `kube play` refuses a Pod whose annotation
/// values are longer than that, whatever their key (Kubernetes allows 256
/// KiB in all). DIGEST is the SHA-256 of the Pod as exported (but for its
/// annotations and paunch's own labels): a Pod edited since is read from
/// its spec, so that what a reviewer reads there is what runs.
pub const EXPORT_ANNOTATIONS: &str = "config-data.paunch/";

/// What podman 4.3 accepts as an annotation value, in bytes.
const PIECE: usize = 63;

/// The annotations of the Pod document `doc` (its annotations aside)
/// exported from `entries` (name → entry), in order.
pub fn export_annotations(entries: &Map, doc: &Value) -> Vec<(String, String)> {
    let mut carried = Map::new();
    carried.insert("pod".into(), Value::String(digest(doc)));
    carried.insert("entries".into(), Value::Map(entries.clone()));
    pieces(&crate::labels::encode_config_data(&Value::Map(carried)))
}

/// `text` cut into annotations of at most [`PIECE`] bytes, in order.
fn pieces(text: &str) -> Vec<(String, String)> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut at = rest.len().min(PIECE);
        while !rest.is_char_boundary(at) {
            at -= 1;
        }
        let (piece, tail) = rest.split_at(at);
        pieces.push(piece.to_string());
        rest = tail;
    }
    let width = pieces.len().to_string().len().max(3);
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, p)| (format!("{EXPORT_ANNOTATIONS}{i:0width$}"), p))
        .collect()
}

/// The annotations of [`export_annotations`], for a cluster export whose
/// entries' sensitive environment values are in a `Secret` (`secrets`:
/// entry → variable → `[SECRET, KEY, TYPE]`, TYPE the YAML type of the
/// value as written: `str`, `int`, `bool` or `float`), and left out of the
/// entries carried (an empty value in their place): read back, each is
/// the Secret's value.
pub fn export_annotations_with_secrets(
    entries: &Map,
    secrets: &Map,
    doc: &Value,
) -> Vec<(String, String)> {
    if secrets.is_empty() {
        return export_annotations(entries, doc);
    }
    let mut carried = Map::new();
    carried.insert("pod".into(), Value::String(digest(doc)));
    carried.insert("entries".into(), Value::Map(entries.clone()));
    carried.insert("secrets".into(), Value::Map(secrets.clone()));
    pieces(&crate::labels::encode_config_data(&Value::Map(carried)))
}

/// The digest and entries carried by annotations (`(key, value)` as
/// written), `None` when a piece is missing or they do not make what
/// [`export_annotations`] writes.
#[cfg(test)]
fn carried<'a>(annotations: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<(String, Map)> {
    carried_all(annotations).map(|(pod, entries, _)| (pod, entries))
}

/// [`carried`], and the Secret references of
/// [`export_annotations_with_secrets`] (empty when there are none).
fn carried_all<'a>(
    annotations: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<(String, Map, Map)> {
    let mut pieces: Vec<(usize, &str)> = annotations
        .into_iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(EXPORT_ANNOTATIONS)?.parse().ok()?, v)))
        .collect();
    pieces.sort_by_key(|(i, _)| *i);
    // Every piece from 0, none twice.
    if pieces.is_empty() || pieces.iter().enumerate().any(|(n, (i, _))| n != *i) {
        return None;
    }
    let text: String = pieces.into_iter().map(|(_, v)| v).collect();
    let Value::Map(m) = crate::labels::decode_config_data(&text)? else {
        return None;
    };
    let pod = m.get("pod")?.as_str()?.to_string();
    let secrets = match m.get("secrets") {
        None => Map::new(),
        Some(Value::Map(s)) => s.clone(),
        Some(_) => return None,
    };
    match m.get("entries")? {
        Value::Map(e) if e.iter().all(|(_, v)| v.as_map().is_some()) => {
            Some((pod, e.clone(), secrets))
        }
        _ => None,
    }
}

fn get<'n>(n: &'n Node, key: &str) -> Option<&'n Node> {
    n.as_map()?.iter().find(|e| e.key == key).map(|e| &e.value)
}

impl Cx<'_> {
    /// The entries of a Pod `doc` read as `read` from its spec, or those
    /// its export annotations carry ([`EXPORT_ANNOTATIONS`]) when it is the
    /// Pod exported from them (nothing edited since); an edited one is read
    /// from its spec, with a note.
    pub(super) fn restored(&mut self, doc: &Node, read: Read) -> Read {
        let meta = match get(doc, "kind")
            .and_then(Node::as_scalar)
            .map(|k| k.text.as_str())
        {
            Some("Deployment" | "Job") => get(doc, "spec")
                .and_then(|s| get(s, "template"))
                .and_then(|t| get(t, "metadata")),
            _ => get(doc, "metadata"),
        };
        let Some(notes) = meta.and_then(|m| get(m, "annotations")) else {
            return read;
        };
        let pairs: Vec<(&str, &str)> = notes
            .as_map()
            .unwrap_or_default()
            .iter()
            .filter_map(|e| Some((e.key.as_str(), super::node::scalar_text(&e.value)?)))
            .collect();
        if !pairs.iter().any(|(k, _)| k.starts_with(EXPORT_ANNOTATIONS)) {
            return read;
        }
        let at = pos_of(notes);
        let found = carried_all(pairs)
            .filter(|(pod, _, _)| *pod == digest(&doc.to_value()))
            .and_then(|(_, entries, secrets)| self.with_secrets(entries, &secrets));
        match found {
            Some(entries) => {
                self.forget_export_notes(meta);
                self.note(
                    at,
                    format!(
                        "its entries ({}) are restored from the annotations paunch export wrote, the Pod being as they export it; `paunch plan` shows what they run",
                        entries.len()
                    ),
                );
                entries
                    .iter()
                    .map(|(name, e)| (name.clone(), at, placed(Node::from_value(e), at)))
                    .collect()
            }
            None => {
                self.note(
                    at,
                    "the entries paunch export carried in the annotations are not this Pod's (edited since?): it is read from its spec".into(),
                );
                read
            }
        }
    }
}

impl Cx<'_> {
    /// Drops the notes the reading of an export's `metadata` made that its
    /// restored entries make false: its annotations are not ignored, and
    /// paunch's own labels on it are the export's, not the author's.
    fn forget_export_notes(&mut self, meta: Option<&Node>) {
        let Some(meta) = meta.and_then(Node::as_map) else {
            return;
        };
        let mut at: Vec<Pos> = Vec::new();
        for e in meta {
            match e.key.as_str() {
                "annotations" => at.push(super::node::key_pos(e)),
                "labels" => at.extend(
                    e.value
                        .as_map()
                        .unwrap_or_default()
                        .iter()
                        .filter(|l| crate::labels::RESERVED.contains(&l.key.as_str()))
                        .map(super::node::key_pos),
                ),
                _ => {}
            }
        }
        let file = self.file_name().to_string();
        self.warnings.retain(|w| {
            let here = (w.line.unwrap_or(0), w.column.unwrap_or(0));
            w.file != file || !at.contains(&here)
        });
    }

    /// `entries` with the values their Secret references name (see
    /// [`export_annotations_with_secrets`]) put back, each variable
    /// sensitive; `None` when the file's Secret lacks one.
    fn with_secrets(&mut self, mut entries: Map, secrets: &Map) -> Option<Map> {
        for (entry, vars) in secrets.iter() {
            let mut e = entries.get(entry)?.as_map()?.clone();
            let mut env = e.get("environment")?.clone();
            for (var, r) in vars.as_map()?.iter() {
                let Value::List(r) = r else { return None };
                let [
                    Value::String(secret),
                    Value::String(key),
                    Value::String(kind),
                ] = r.as_slice()
                else {
                    return None;
                };
                let bytes = self.objects.secrets.get(secret)?.values.get(key)?.0.clone();
                let text = String::from_utf8(bytes).ok()?;
                let value = match kind.as_str() {
                    "int" => Value::Int(text.parse().ok()?),
                    "bool" => Value::Bool(text.parse().ok()?),
                    "float" => Value::Float(text.parse().ok()?),
                    _ => Value::String(text.clone()),
                };
                match &mut env {
                    Value::Map(m) => {
                        m.insert(var.clone(), value);
                    }
                    Value::List(items) => {
                        let empty = Value::String(format!("{var}="));
                        let at = items.iter().position(|i| *i == empty)?;
                        items[at] = Value::String(format!("{var}={text}"));
                    }
                    _ => return None,
                }
                self.sensitive.push(var.clone());
            }
            e.insert("environment".into(), env);
            entries.insert(entry.clone(), Value::Map(e));
        }
        Some(entries)
    }
}

/// The digest of a Pod or Deployment document but for its annotations and
/// paunch's own labels (which an apply sets).
fn digest(doc: &Value) -> String {
    let text = crate::labels::encode_config_data(&bare(doc.clone()));
    match serde_json::from_str(&text) {
        Ok(json) => crate::hash::sha256_canonical(&json),
        Err(_) => crate::hash::sha256_text(&text),
    }
}

/// A document without its annotations and paunch's own labels.
fn bare(mut doc: Value) -> Value {
    let strip = |meta: &mut Value| {
        if let Value::Map(m) = meta {
            m.remove("annotations");
            if let Some(Value::Map(mut labels)) = m.remove("labels") {
                for k in crate::labels::RESERVED {
                    labels.remove(k);
                }
                m.insert("labels".into(), Value::Map(labels));
            }
        }
    };
    if let Value::Map(m) = &mut doc {
        if let Some(mut meta) = m.remove("metadata") {
            strip(&mut meta);
            m.insert("metadata".into(), meta);
        }
        if let Some(Value::Map(mut spec)) = m.remove("spec") {
            if let Some(Value::Map(mut template)) = spec.remove("template") {
                if let Some(mut meta) = template.remove("metadata") {
                    strip(&mut meta);
                    template.insert("metadata".into(), meta);
                }
                spec.insert("template".into(), Value::Map(template));
            }
            m.insert("spec".into(), Value::Map(spec));
        }
    }
    doc
}

/// A node and everything in it at `at` (where its errors point).
fn placed(mut n: Node, at: Pos) -> Node {
    n.line = at.0;
    n.column = at.1;
    n.data = match n.data {
        NodeData::Seq(items) => NodeData::Seq(items.into_iter().map(|i| placed(i, at)).collect()),
        NodeData::Map(entries) => NodeData::Map(
            entries
                .into_iter()
                .map(|mut e| {
                    e.key_line = at.0;
                    e.key_column = at.1;
                    e.value = placed(e.value, at);
                    e
                })
                .collect(),
        ),
        other => other,
    };
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_annotations_join_back() {
        let mut m = Map::new();
        let mut e = Map::new();
        e.insert("image".into(), Value::String("é".repeat(100)));
        m.insert("web".into(), Value::Map(e));
        let doc = Value::String("pod".into());
        let pieces = export_annotations(&m, &doc);
        assert!(pieces.len() > 3);
        assert!(pieces.iter().all(|(_, v)| v.len() <= PIECE));
        assert_eq!(pieces[0].0, "config-data.paunch/000");
        let back = carried(pieces.iter().rev().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(back, Some((digest(&doc), m)));
        // A piece missing: nothing.
        assert_eq!(
            carried(pieces[1..].iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            None
        );
    }

    #[test]
    fn names() {
        assert!(dns_label("web-1"));
        assert!(!dns_label("Web"));
        assert!(!dns_label("-web"));
        assert!(dns_subdomain("a.b-c"));
        assert!(!dns_subdomain("a..b"));
    }
}
