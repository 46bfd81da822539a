//! The four labels that are paunch's whole state, and the `config_data`
//! encoding: byte-identical to the original's `json.dumps(entry)` so that a
//! host can switch between the Python tool and this one without a restart.

use crate::value::Value;

pub const MANAGED_BY: &str = "managed_by";
pub const CONFIG_ID: &str = "config_id";
pub const CONTAINER_NAME: &str = "container_name";
pub const CONFIG_DATA: &str = "config_data";

/// Encodes `value` as Python's `json.dumps` does with its defaults:
/// `", "` and `": "` separators, keys in order, non-ASCII as `\uXXXX`
/// (surrogate pairs beyond the BMP), floats as Python's `repr`, and
/// `NaN`/`Infinity` for the non-finite floats.
///
/// ```
/// use paunch::value::{Map, Value};
/// let mut m = Map::new();
/// m.insert("image".into(), Value::String("café".into()));
/// m.insert("cpu".into(), Value::Float(1e16));
/// assert_eq!(paunch::labels::encode_config_data(&Value::Map(m)),
///            r#"{"image": "caf\u00e9", "cpu": 1e+16}"#);
/// ```
pub fn encode_config_data(value: &Value) -> String {
    let mut out = String::new();
    encode(value, &mut out);
    out
}

fn encode(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&python_float(*f)),
        Value::String(s) => encode_str(s, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                encode(item, out);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                encode_str(k, out);
                out.push_str(": ");
                encode(v, out);
            }
            out.push('}');
        }
    }
}

fn encode_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(float)` (and `json.dumps` for non-finite values).
pub fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as Python's
    // repr does; only the layout differs.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let n = digits.len() as i32;
    let decpt = exp + 1;
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if decpt <= -4 || decpt > 16 {
        let mut m = digits[..1].to_string();
        if n > 1 {
            m.push('.');
            m.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        let esign = if e < 0 { '-' } else { '+' };
        format!("{sign}{m}e{esign}{:02}", e.abs())
    } else if decpt <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-decpt) as usize))
    } else if decpt >= n {
        format!("{sign}{digits}{}.0", "0".repeat((decpt - n) as usize))
    } else {
        let (int, frac) = digits.split_at(decpt as usize);
        format!("{sign}{int}.{frac}")
    }
}

/// Parses a `config_data` label; `None` when it is not JSON.
pub fn decode_config_data(label: &str) -> Option<Value> {
    serde_json::from_str(label).ok()
}

/// Whether a container's `config_data` label describes `entry`: the same
/// bytes, or equal as parsed JSON values (key order ignored, `1 == 1.0`).
pub fn config_data_matches(label: &str, entry: &Value) -> bool {
    label_matches(label, &encode_config_data(entry), entry)
}

/// [`config_data_matches`] with the entry's encoding already at hand.
pub fn label_matches(label: &str, encoded: &str, entry: &Value) -> bool {
    label == encoded || decode_config_data(label).is_some_and(|old| old.same_as(entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_python_repr() {
        let cases = [
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.5, "0.5"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.2345678901234568e16, "1.2345678901234568e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (1e-5, "1e-05"),
            (3e-5, "3e-05"),
            (0.0001, "0.0001"),
            (1.5e300, "1.5e+300"),
            (1e100, "1e+100"),
            (-2.5, "-2.5"),
            (100000.0, "100000.0"),
            (90.5, "90.5"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (f64::NAN, "NaN"),
        ];
        for (f, want) in cases {
            assert_eq!(python_float(f), want, "{f}");
        }
    }

    #[test]
    fn strings_escape_as_python() {
        let mut out = String::new();
        encode_str("a\"b\\c\n\u{7f}é😀\u{1}", &mut out);
        assert_eq!(out, r#""a\"b\\c\n\u007f\u00e9\ud83d\ude00\u0001""#);
    }

    #[test]
    fn matching_ignores_order_and_int_float() {
        let entry: Value = serde_json::from_str(r#"{"image": "x", "cpu_shares": 1}"#).unwrap();
        assert!(config_data_matches(
            r#"{"cpu_shares": 1.0, "image": "x"}"#,
            &entry
        ));
        assert!(!config_data_matches(r#"{"image": "y"}"#, &entry));
        assert!(!config_data_matches("not json", &entry));
    }

    #[test]
    fn non_finite_labels_match_by_bytes() {
        let entry = Value::Float(f64::NAN);
        assert!(config_data_matches("NaN", &entry));
    }
}
