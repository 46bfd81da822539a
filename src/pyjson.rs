//! Python's `json.dumps` with its defaults, byte for byte: the encoding the
//! original wrote `config_data` labels in, and Python's `repr` of floats,
//! which YAML dumps share.

use crate::value::Value;

/// Encodes `value` as Python's `json.dumps` does with its defaults:
/// `", "` and `": "` separators, keys in order, non-ASCII as `\uXXXX`
/// (surrogate pairs beyond the BMP), floats as Python's `repr`, and
/// `NaN`/`Infinity` for the non-finite floats.
///
/// ```
/// use paunch::value::{Map, Value};
/// let mut m = Map::new();
/// m.insert("a".into(), Value::List(vec![Value::Float(1.0), Value::String("é".into())]));
/// assert_eq!(paunch::pyjson::dumps(&Value::Map(m)), r#"{"a": [1.0, "\u00e9"]}"#);
/// ```
pub fn dumps(value: &Value) -> String {
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
}
