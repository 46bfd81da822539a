//! Durations as the original accepted them: `90`, `1.5`, `1m30s`,
//! `500ms`, `1h`.

use crate::value::Value;

/// Parses a duration as the original accepted it (`1h2m3s`, `1.5s`,
/// `500ms`, `250us`, or a bare number of seconds) into seconds.
pub fn parse_duration(text: &str) -> Option<f64> {
    let t = text.trim();
    if let Ok(n) = t.parse::<f64>() {
        return (n.is_finite() && n >= 0.0).then_some(n);
    }
    let mut rest = t;
    let mut total = 0.0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let (scale, unit_len) = if rest.starts_with("ms") {
            (0.001, 2)
        } else if rest.starts_with("us") {
            (0.000_001, 2)
        } else if rest.starts_with('h') {
            (3600.0, 1)
        } else if rest.starts_with('m') {
            (60.0, 1)
        } else if rest.starts_with('s') {
            (1.0, 1)
        } else {
            return None;
        };
        total += number * scale;
        rest = &rest[unit_len..];
    }
    total.is_finite().then_some(total)
}

/// Whole seconds (rounded up) of a duration held in a value, as a
/// `config_data` label holds `stop_grace_period`.
pub fn seconds_of(value: &Value) -> Option<u64> {
    let secs = match value {
        Value::Int(i) if *i >= 0 => *i as f64,
        Value::Float(f) if *f >= 0.0 && f.is_finite() => *f,
        Value::String(t) => parse_duration(t)?,
        _ => return None,
    };
    (secs <= 1.0e9).then(|| secs.ceil() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1m30s"), Some(90.0));
        assert_eq!(parse_duration("45"), Some(45.0));
        assert_eq!(parse_duration("1.5s"), Some(1.5));
        assert_eq!(parse_duration("1h"), Some(3600.0));
        assert_eq!(parse_duration("500ms"), Some(0.5));
        assert_eq!(parse_duration("2m500ms"), Some(120.5));
        assert_eq!(parse_duration("abc"), None);
        assert_eq!(parse_duration("-1"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("5x"), None);
    }
}
