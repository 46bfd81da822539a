//! The diff shown for a replacement: the running container's `config_data`
//! against the configured entry, both pretty-printed in the entry's key
//! order, as a unified diff of the changed lines with a little context.

use crate::labels::decode_config_data;
use crate::value::{Map, Value};
use similar::TextDiff;

/// Lines of context around each change.
const CONTEXT: usize = 2;

/// The unified diff from the old label to the new entry, `None` if the two
/// print the same.
pub fn config_diff(old_label: &str, new: &Value) -> Option<String> {
    config_diff_decoded(decode_config_data(old_label).as_ref(), old_label, new)
}

/// [`config_diff`] with the old label already decoded (`None`: not JSON),
/// for a caller that decoded it to compare.
pub fn config_diff_decoded(old: Option<&Value>, old_label: &str, new: &Value) -> Option<String> {
    let old_text = match old {
        Some(old) => pretty(&reorder_like(old, new)),
        None => old_label.to_string(),
    };
    let new_text = pretty(new);
    if old_text == new_text {
        return None;
    }
    let diff = TextDiff::from_lines(&old_text, &new_text);
    let mut out = String::new();
    for hunk in diff.unified_diff().context_radius(CONTEXT).iter_hunks() {
        out.push_str(&hunk.to_string());
    }
    Some(out)
}

/// JSON indented by two spaces, one item a line. Written here rather than
/// by serde_json: it cannot fail, integers keep every digit, and floats
/// read as the original wrote them (`1e+16`, `NaN`).
fn pretty(v: &Value) -> String {
    let mut s = String::new();
    write_pretty(v, 0, &mut s);
    s.push('\n');
    s
}

fn write_pretty(v: &Value, depth: usize, out: &mut String) {
    let pad = |n: usize, out: &mut String| out.extend(std::iter::repeat_n("  ", n));
    match v {
        Value::List(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                pad(depth + 1, out);
                write_pretty(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            pad(depth, out);
            out.push(']');
        }
        Value::Map(m) if !m.is_empty() => {
            out.push_str("{\n");
            for (i, (k, item)) in m.iter().enumerate() {
                pad(depth + 1, out);
                push_json_string(k, out);
                out.push_str(": ");
                write_pretty(item, depth + 1, out);
                out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
            }
            pad(depth, out);
            out.push('}');
        }
        Value::List(_) => out.push_str("[]"),
        Value::Map(_) => out.push_str("{}"),
        Value::String(t) => push_json_string(t, out),
        scalar => out.push_str(&crate::pyjson::dumps(scalar)),
    }
}

/// A string as a JSON string literal.
fn push_json_string(s: &str, out: &mut String) {
    // Serializing a str cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// `old` with its map keys in `new`'s order (keys only in `old` last), so
/// the diff shows changes, not reordering.
fn reorder_like(old: &Value, new: &Value) -> Value {
    match (old, new) {
        (Value::Map(o), Value::Map(n)) => {
            let mut out = Map::new();
            for (k, nv) in n.iter() {
                if let Some(ov) = o.get(k) {
                    out.insert(k.clone(), reorder_like(ov, nv));
                }
            }
            for (k, ov) in o.iter() {
                if n.get(k).is_none() {
                    out.insert(k.clone(), ov.clone());
                }
            }
            Value::Map(out)
        }
        (Value::List(o), Value::List(n)) => Value::List(
            o.iter()
                .enumerate()
                .map(|(i, ov)| match n.get(i) {
                    Some(nv) => reorder_like(ov, nv),
                    None => ov.clone(),
                })
                .collect(),
        ),
        _ => old.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_only_changes_in_config_order() {
        let new: Value = serde_json::from_str(
            r#"{"image": "app:2", "net": "host", "a": 1, "b": 2, "c": 3, "d": 4}"#,
        )
        .unwrap();
        let d = config_diff(
            r#"{"d": 4, "c": 3, "b": 2, "a": 1, "net": "host", "image": "app:1"}"#,
            &new,
        )
        .unwrap();
        assert_eq!(
            d,
            "@@ -1,4 +1,4 @@\n {\n-  \"image\": \"app:1\",\n+  \"image\": \"app:2\",\n   \"net\": \"host\",\n   \"a\": 1,\n"
        );
    }
}
