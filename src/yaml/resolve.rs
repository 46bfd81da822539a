//! PyYAML's implicit resolvers (YAML 1.1): which plain scalars are
//! booleans, integers (octal, hex, binary, base 60), floats or null, and
//! their values.

use crate::value::Value;

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
