//! JSON text to [`Node`]s, by the rules of Python's `json.loads` (what
//! the original read its JSON files with, and wrote their `config_data`
//! from): a number with a fraction or an exponent is a float (`1e5` is
//! 100000.0), one without is an integer; `NaN`, `Infinity` and
//! `-Infinity` are read as Python reads them (and refused later, as YAML's
//! `.nan` is: a label cannot carry them). Positions, the node budget and
//! the depth limit are the YAML loader's; a duplicate key is an error, as
//! in YAML files.
//!
//! Hand-written rather than `serde_json`: that forgets positions, and
//! rather than the YAML parser: JSON is YAML 1.2, not the YAML 1.1 the
//! loader resolves by, and that parser refuses the surrogate pairs
//! (`"\ud83d\ude00"`) Python's `json.dumps` writes for characters beyond
//! the BMP.

use super::load::{build_map, take_node};
use super::{Budget, LoadError, MAX_DEPTH, Node, NodeData, Scalar, canonical_text};
use crate::value::Value;

/// Loads a JSON text. `Ok(None)` for a text of only white space.
///
/// ```
/// let node = paunch::yaml::load_json("{\"E\": 1e5, \"F\": \"1e5\"}", &mut Default::default())
///     .unwrap()
///     .unwrap();
/// assert_eq!(
///     paunch::labels::encode_config_data(&node.to_value()),
///     r#"{"E": 100000.0, "F": "1e5"}"#
/// );
/// ```
pub fn load_json(src: &str, budget: &mut Budget) -> Result<Option<Node>, LoadError> {
    // RFC 8259 lets a reader ignore a byte order mark.
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut r = Reader {
        chars: src.chars().peekable(),
        line: 1,
        column: 1,
        depth: 0,
        budget,
    };
    r.space();
    if r.chars.peek().is_none() {
        return Ok(None);
    }
    let node = r.value()?;
    r.space();
    if r.chars.peek().is_some() {
        return Err(r.error("more after the JSON value (one value per file)"));
    }
    Ok(Some(node))
}

struct Reader<'a, 'b> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    column: usize,
    depth: usize,
    budget: &'b mut Budget,
}

impl Reader<'_, '_> {
    fn error(&self, message: &str) -> LoadError {
        self.error_at((self.line, self.column), message)
    }

    fn error_at(&self, (line, column): (usize, usize), message: &str) -> LoadError {
        LoadError {
            line,
            column,
            message: format!("invalid JSON (a .json file is read as JSON): {message}"),
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn space(&mut self) {
        while matches!(self.chars.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    fn expect(&mut self, want: char, what: &str) -> Result<(), LoadError> {
        self.space();
        match self.chars.peek().copied() {
            Some(c) if c == want => {
                self.bump();
                Ok(())
            }
            Some(c) => Err(self.error(&format!("expected {what}, found {}", shown(c)))),
            None => Err(self.error(&format!("expected {what}, found the end of the file"))),
        }
    }

    fn node(&mut self, at: (usize, usize), data: NodeData) -> Result<Node, LoadError> {
        take_node(self.budget).map_err(|message| LoadError {
            line: at.0,
            column: at.1,
            message,
        })?;
        Ok(Node {
            line: at.0,
            column: at.1,
            data,
        })
    }

    fn value(&mut self) -> Result<Node, LoadError> {
        self.space();
        let at = (self.line, self.column);
        match self.chars.peek().copied() {
            None => Err(self.error("expected a value, found the end of the file")),
            Some('{') => self.nested(at, Reader::object),
            Some('[') => self.nested(at, Reader::array),
            Some('"') => {
                let text = self.string()?;
                let scalar = Scalar {
                    value: Value::String(text.clone()),
                    text,
                    plain: false,
                };
                self.node(at, NodeData::Scalar(scalar))
            }
            Some(c) if c == '-' || c.is_ascii_alphanumeric() => {
                let value = self.literal(at)?;
                // The text a number, boolean or null carries is the one it
                // reads back as from config_data (and dumps as): JSON has
                // no plain strings, so no value here was meant as text.
                let scalar = Scalar {
                    text: canonical_text(&value),
                    value,
                    plain: true,
                };
                self.node(at, NodeData::Scalar(scalar))
            }
            Some(c) => Err(self.error(&format!("expected a value, found {}", shown(c)))),
        }
    }

    fn nested(
        &mut self,
        at: (usize, usize),
        read: fn(&mut Self) -> Result<NodeData, LoadError>,
    ) -> Result<Node, LoadError> {
        if self.depth >= MAX_DEPTH {
            return Err(LoadError {
                line: at.0,
                column: at.1,
                message: format!("nested deeper than {MAX_DEPTH} levels"),
            });
        }
        take_node(self.budget).map_err(|message| LoadError {
            line: at.0,
            column: at.1,
            message,
        })?;
        self.depth += 1;
        self.bump();
        let data = read(self)?;
        self.depth -= 1;
        Ok(Node {
            line: at.0,
            column: at.1,
            data,
        })
    }

    fn array(&mut self) -> Result<NodeData, LoadError> {
        let mut items = Vec::new();
        self.space();
        if self.chars.peek() == Some(&']') {
            self.bump();
            return Ok(NodeData::Seq(items));
        }
        loop {
            items.push(self.value()?);
            self.space();
            match self.bump() {
                Some(',') => continue,
                Some(']') => return Ok(NodeData::Seq(items)),
                Some(c) => return Err(self.error(&format!("expected , or ], found {}", shown(c)))),
                None => return Err(self.error("expected , or ], found the end of the file")),
            }
        }
    }

    fn object(&mut self) -> Result<NodeData, LoadError> {
        let mut pairs = Vec::new();
        self.space();
        if self.chars.peek() == Some(&'}') {
            self.bump();
            return Ok(NodeData::Map(Vec::new()));
        }
        loop {
            self.space();
            let at = (self.line, self.column);
            if self.chars.peek() != Some(&'"') {
                self.expect('"', "a key in double quotes")?;
            }
            let key = self.string()?;
            let key = self.node(
                at,
                NodeData::Scalar(Scalar {
                    value: Value::String(key.clone()),
                    text: key,
                    plain: false,
                }),
            )?;
            self.expect(':', ":")?;
            pairs.push((key, self.value()?));
            self.space();
            match self.bump() {
                Some(',') => continue,
                Some('}') => return build_map(pairs).map(NodeData::Map),
                Some(c) => return Err(self.error(&format!("expected , or }}, found {}", shown(c)))),
                None => return Err(self.error("expected , or }, found the end of the file")),
            }
        }
    }

    /// A string, from its opening quote.
    fn string(&mut self) -> Result<String, LoadError> {
        self.bump();
        let mut out = String::new();
        loop {
            let at = (self.line, self.column);
            match self.bump() {
                None => return Err(self.error("a string is not closed")),
                Some('"') => return Ok(out),
                Some('\\') => out.push(self.escape(at)?),
                Some(c) if c < ' ' => {
                    return Err(self.error_at(
                        at,
                        &format!("{} inside a string (write it as an escape)", shown(c)),
                    ));
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn escape(&mut self, at: (usize, usize)) -> Result<char, LoadError> {
        Ok(match self.bump() {
            Some('"') => '"',
            Some('\\') => '\\',
            Some('/') => '/',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => {
                let unit = self.hex4(at)?;
                if (0xD800..0xDC00).contains(&unit) {
                    // A high surrogate: Python's json.dumps writes a
                    // character beyond the BMP as a pair.
                    let low = if self.bump() == Some('\\') && self.bump() == Some('u') {
                        self.hex4(at)?
                    } else {
                        0
                    };
                    if !(0xDC00..0xE000).contains(&low) {
                        return Err(self.error_at(at, "a lone UTF-16 surrogate (\\ud800-\\udbff without its pair) is not a character"));
                    }
                    let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    char::from_u32(c).ok_or_else(|| self.error_at(at, "an invalid escape"))?
                } else {
                    char::from_u32(unit).ok_or_else(|| {
                        self.error_at(
                            at,
                            "a lone UTF-16 surrogate (\\udc00-\\udfff) is not a character",
                        )
                    })?
                }
            }
            Some(c) => {
                return Err(self.error_at(at, &format!("\\{c} is not a JSON escape")));
            }
            None => return Err(self.error("a string is not closed")),
        })
    }

    fn hex4(&mut self, at: (usize, usize)) -> Result<u32, LoadError> {
        let mut v = 0;
        for _ in 0..4 {
            let d = self
                .bump()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| self.error_at(at, "\\u needs four hexadecimal digits"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    /// A number, `true`, `false`, `null`, or one of Python's `NaN`,
    /// `Infinity`, `-Infinity`.
    fn literal(&mut self, at: (usize, usize)) -> Result<Value, LoadError> {
        let mut word = String::new();
        while let Some(c) = self
            .chars
            .peek()
            .copied()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.'))
        {
            word.push(c);
            self.bump();
        }
        let value = match word.as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            "null" => Some(Value::Null),
            "NaN" => Some(Value::Float(f64::NAN)),
            "Infinity" => Some(Value::Float(f64::INFINITY)),
            "-Infinity" => Some(Value::Float(f64::NEG_INFINITY)),
            w => number(w),
        };
        value.ok_or_else(|| {
            let hint = if word.chars().all(|c| c.is_ascii_alphanumeric()) {
                " (strings are in double quotes)"
            } else {
                ""
            };
            self.error_at(at, &format!("{word} is not a JSON value{hint}"))
        })
    }
}

/// A JSON number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`) as
/// Python reads it: an integer without a fraction or exponent (of any
/// size that fits in 128 bits), else a float (`1e400` is infinity).
fn number(w: &str) -> Option<Value> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = w.strip_prefix('-').unwrap_or(w);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let ok = digits(int)
        && (int == "0" || !int.starts_with('0'))
        && frac.is_none_or(digits)
        && exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    if !ok {
        return None;
    }
    if frac.is_none() && exponent.is_none() {
        return w.parse::<i128>().ok().map(Value::Int);
    }
    w.parse::<f64>().ok().map(Value::Float)
}

/// A character as an error message shows it.
fn shown(c: char) -> String {
    if c.is_control() {
        format!("{:?}", c)
    } else {
        format!("'{c}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::encode_config_data;

    fn load(src: &str) -> Result<Option<Node>, LoadError> {
        load_json(src, &mut Budget::default())
    }

    fn dumps(src: &str) -> String {
        encode_config_data(&load(src).unwrap().unwrap().to_value())
    }

    /// The expectations were printed by Python 3.11's `json.dumps(json.loads(...))`.
    #[test]
    fn numbers_read_as_python_json() {
        let src = r#"{"a": [1e5, 1E5, 2.5e-1, 1.0e5, 1e+5, -0, -0.0, 0, 1.50, 1e3, 12345678901234567890, 1e16, 1e-5, 0.1, 1e400, -1e400, NaN, 3.0E-5, 100]}"#;
        assert_eq!(
            dumps(src),
            r#"{"a": [100000.0, 100000.0, 0.25, 100000.0, 100000.0, 0, -0.0, 0, 1.5, 1000.0, 12345678901234567890, 1e+16, 1e-05, 0.1, Infinity, -Infinity, NaN, 3e-05, 100]}"#
        );
    }

    #[test]
    fn strings_read_as_python_json() {
        let src = r#"{"a": "\ud83d\ude00 \u00e9 \/ \"q\" \\ \b\f\n\r\t", "yes": "no", "": ""}"#;
        assert_eq!(
            dumps(src),
            r#"{"a": "\ud83d\ude00 \u00e9 / \"q\" \\ \b\f\n\r\t", "yes": "no", "": ""}"#
        );
    }

    #[test]
    fn numbers_carry_the_text_they_read_back_as() {
        let root = load(r#"{"e": 1e5, "t": true, "n": null, "i": 7}"#)
            .unwrap()
            .unwrap();
        let texts: Vec<&str> = root
            .as_map()
            .unwrap()
            .iter()
            .map(|e| e.value.as_scalar().unwrap().text.as_str())
            .collect();
        assert_eq!(texts, ["100000.0", "true", "null", "7"]);
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let root = load("{\n\t\"é\": {\"b\": [1, \"x\"]}\n}").unwrap().unwrap();
        let e = &root.as_map().unwrap()[0];
        assert_eq!((e.key_line, e.key_column), (2, 2));
        assert_eq!((e.value.line, e.value.column), (2, 7));
        let b = &e.value.as_map().unwrap()[0];
        let x = &b.value.as_seq().unwrap()[1];
        assert_eq!((x.line, x.column), (2, 17));
    }

    #[test]
    fn what_is_not_json_is_refused_where_it_is() {
        let cases = [
            ("{\"a\": 01}", (1, 7), "01 is not a JSON value"),
            ("{\"a\": .5}", (1, 7), "expected a value"),
            ("{\"a\": 1.}", (1, 7), "1. is not a JSON value"),
            ("{\"a\": yes}", (1, 7), "strings are in double quotes"),
            ("{'a': 1}", (1, 2), "a key in double quotes"),
            ("{\"a\": 1,}", (1, 9), "a key in double quotes"),
            ("[1, 2", (1, 6), "the end of the file"),
            ("{\"a\": 1} {}", (1, 10), "more after the JSON value"),
            ("{\"a\": \"x\ny\"}", (1, 9), "inside a string"),
            ("{\"a\": \"\\ud800\"}", (1, 8), "lone UTF-16 surrogate"),
            ("{\"a\": \"\\x\"}", (1, 8), "not a JSON escape"),
            ("{\"a\": 1, \"a\": 2}", (1, 10), "duplicate key"),
            ("# a comment\n{}", (1, 1), "expected a value"),
        ];
        for (src, pos, want) in cases {
            let e = load(src).unwrap_err();
            assert_eq!((e.line, e.column), pos, "{src}: {}", e.message);
            assert!(e.message.contains(want), "{src}: {}", e.message);
        }
        assert_eq!(load(" \n\t").unwrap(), None);
        assert!(load("\u{feff}{}").unwrap().is_some());
    }

    #[test]
    fn depth_and_nodes_are_budgeted() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(load(&deep).unwrap_err().message.contains("nested deeper"));
        let many = format!("[{}0]", "0,".repeat(super::super::MAX_NODES));
        assert!(load(&many).unwrap_err().message.contains("nodes"));
    }
}
