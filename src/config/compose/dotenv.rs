//! The `.env` / `env_file` format, as compose-go's `dotenv` package reads
//! it (what `docker compose` v2 uses for both):
//!
//! - one `NAME=VALUE` per line (`NAME: VALUE` too, and `export NAME=VALUE`);
//!   blank lines and lines starting with `#` are skipped; whitespace around
//!   the name and before the value is dropped;
//! - an unquoted value runs to the end of the line, is cut at ` #` (an
//!   inline comment) and loses its trailing whitespace;
//! - `'...'` is literal (only `\'` is unescaped); `"..."` may span lines and
//!   knows `\n \t \r \a \b \f \v \\ \" \$` and `\0NNN` (octal);
//! - unquoted and double-quoted values are interpolated (`${X}`, see
//!   [`super::interpolate`]), looking names up in the caller's variables,
//!   then in the file's earlier lines;
//! - `NAME` alone takes NAME's value from the same lookup, or defines
//!   nothing when it is unset.
//!
//! Where compose-go silently does something odd, this is an error with the
//! line and column: text after a closing quote (compose-go reads it as the
//! next line), an empty name, whitespace inside a name. A last line `NAME`
//! with no newline is `NAME` alone (compose-go defines the empty name).
//!
//! Pure: the caller reads the file and gives the variables.

use super::interpolate::{Vars, interpolate};
use std::collections::HashMap;

/// Why a `.env` text cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    /// 1-based line of the offending character.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong and what to write instead, without raw control
    /// characters.
    pub message: String,
}

impl std::fmt::Display for DotenvError {
    /// `LINE:COLUMN: MESSAGE`, for the caller to prefix with the file.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for DotenvError {}

/// The variables of a `.env` text, in order (a later definition of a key
/// replaces the earlier one, keeping its place).
///
/// ```
/// use paunch::config::compose::dotenv::parse;
/// use std::collections::BTreeMap;
/// let env = BTreeMap::from([("HOME".to_string(), "/root".to_string())]);
/// let vars = parse("# settings\nexport A=1\nB=\"${HOME}/x\" # where\nC='$A'\n", &env)?;
/// let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
/// assert_eq!(vars, [("A", "1"), ("B", "/root/x"), ("C", "$A")]);
/// # Ok::<(), paunch::config::compose::dotenv::DotenvError>(())
/// ```
pub fn parse(text: &str, vars: &dyn Vars) -> Result<Vec<(String, String)>, DotenvError> {
    // Editors on Windows add a byte order mark; compose-go drops it too.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser {
        text,
        pos: 0,
        env: Env::default(),
        vars,
    };
    while parser.next_statement() {
        parser.statement()?;
    }
    Ok(parser.env.pairs)
}

/// The file's variables so far: in order, with an index.
#[derive(Default)]
struct Env {
    pairs: Vec<(String, String)>,
    index: HashMap<String, usize>,
}

impl Env {
    fn get(&self, key: &str) -> Option<&str> {
        self.index.get(key).map(|&i| self.pairs[i].1.as_str())
    }

    fn set(&mut self, key: &str, value: String) {
        match self.index.get(key) {
            Some(&i) => self.pairs[i].1 = value,
            None => {
                self.index.insert(key.to_string(), self.pairs.len());
                self.pairs.push((key.to_string(), value));
            }
        }
    }
}

/// compose-go's lookup for a `.env` (`GetEnvFromFile`) and for an
/// `env_file`: the caller's variables win over the file's earlier lines.
struct Lookup<'a> {
    vars: &'a dyn Vars,
    file: &'a Env,
}

impl Vars for Lookup<'_> {
    fn var(&self, name: &str) -> Option<&str> {
        self.vars.var(name).or_else(|| self.file.get(name))
    }
}

/// compose-go's `isSpace`: whitespace that does not end a line.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

/// What compose-go accepts in a name (Go's `unicode.IsLetter`/`IsNumber`).
fn is_name_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || matches!(c, '_' | '.' | '-' | '[' | ']')
}

const NAME_RULE: &str =
    "a name is letters, digits, _ . - [ ]; write NAME=VALUE, or start a comment line with #";

/// At most `max` characters of `s`, quoted and escaped.
fn quoted(s: &str, max: usize) -> String {
    let mut shown: String = s.chars().take(max).collect();
    if s.chars().nth(max).is_some() {
        shown.push('…');
    }
    format!("{shown:?}")
}

/// The end of the line that `from` is on: its `\n`, or the end of `text`.
fn line_end(text: &str, from: usize) -> usize {
    text[from..].find('\n').map_or(text.len(), |i| from + i)
}

/// How a name ends.
enum NameEnd {
    /// `=` or `:` at this offset: a value follows.
    Value(usize),
    /// A newline (or the end of the text) at this offset: `NAME` alone.
    Alone(usize),
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    env: Env,
    vars: &'a dyn Vars,
}

impl Parser<'_> {
    fn error(&self, at: usize, message: String) -> DotenvError {
        let mut at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let before = &self.text[..at];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        DotenvError {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            message,
        }
    }

    /// Skips blank and comment lines; false at the end of the text.
    fn next_statement(&mut self) -> bool {
        loop {
            let rest = &self.text[self.pos..];
            let trimmed = rest.trim_start();
            self.pos += rest.len() - trimmed.len();
            if trimmed.is_empty() {
                return false;
            }
            if !trimmed.starts_with('#') {
                return true;
            }
            self.pos = line_end(self.text, self.pos);
        }
    }

    /// One `NAME=VALUE`, `NAME: VALUE`, `export NAME=VALUE` or `NAME`.
    fn statement(&mut self) -> Result<(), DotenvError> {
        let start = self.pos;
        let mut name_start = start;
        let exported = self.text[start..]
            .strip_prefix("export")
            .filter(|after| after.starts_with(['\t', '\u{c}', '\r', ' ']));
        if let Some(after) = exported {
            name_start = self.text.len() - after.trim_start_matches(is_space).len();
        }
        let end = self.name_end(name_start)?;
        let term = match end {
            NameEnd::Value(at) | NameEnd::Alone(at) => at,
        };
        let name = self.text[name_start..term].trim_end();
        if let Some((i, _)) = name.char_indices().find(|(_, c)| c.is_whitespace()) {
            return Err(self.error(
                name_start + i,
                format!("the name {} holds a space; {NAME_RULE}", quoted(name, 60)),
            ));
        }
        if name.is_empty() {
            let message = match (&end, exported.is_some()) {
                (NameEnd::Alone(_), true) => {
                    "export needs a name: write export NAME=VALUE".to_string()
                }
                _ => {
                    let before: String = self.text[term..].chars().take(1).collect();
                    format!("no name before {before:?}; write NAME=VALUE")
                }
            };
            return Err(self.error(term, message));
        }
        match end {
            NameEnd::Alone(at) => {
                self.pos = (at + 1).min(self.text.len());
                let lookup = Lookup {
                    vars: self.vars,
                    file: &self.env,
                };
                if let Some(value) = lookup.var(name).map(str::to_string) {
                    self.env.set(name, value);
                }
            }
            NameEnd::Value(at) => {
                let rest = &self.text[at + 1..];
                self.pos = self.text.len() - rest.trim_start_matches(is_space).len();
                let value = self.value(name)?;
                self.env.set(name, value);
            }
        }
        Ok(())
    }

    /// Where the name starting at `from` ends; an error at a character no
    /// name may hold.
    fn name_end(&self, from: usize) -> Result<NameEnd, DotenvError> {
        for (i, c) in self.text[from..].char_indices() {
            match c {
                '=' | ':' => return Ok(NameEnd::Value(from + i)),
                '\n' => return Ok(NameEnd::Alone(from + i)),
                c if is_space(c) || is_name_char(c) => {}
                c => {
                    let line = &self.text[from..line_end(self.text, from)];
                    let message = format!(
                        "unexpected character {:?} in the name {}; {NAME_RULE}",
                        c.to_string(),
                        quoted(line, 60)
                    );
                    return Err(self.error(from + i, message));
                }
            }
        }
        Ok(NameEnd::Alone(self.text.len()))
    }

    /// The value at `self.pos`, quoted or not; leaves `self.pos` after it.
    fn value(&mut self, name: &str) -> Result<String, DotenvError> {
        let start = self.pos;
        match self.text.as_bytes().get(start) {
            Some(&q @ (b'"' | b'\'')) => self.quoted_value(name, start, q),
            _ => {
                let end = line_end(self.text, start);
                self.pos = (end + 1).min(self.text.len());
                let line = &self.text[start..end];
                let value = line.find(" #").map_or(line, |i| &line[..i]).trim_end();
                self.interpolated(name, value, |offset| start + offset)
            }
        }
    }

    /// A value in quotes opened at `open`: to the first unescaped `q`.
    fn quoted_value(&mut self, name: &str, open: usize, q: u8) -> Result<String, DotenvError> {
        let bytes = self.text.as_bytes();
        // The value's bytes, each with its offset in the text (for errors
        // that interpolation finds in it).
        let mut value = Vec::new();
        let mut source = Vec::new();
        let mut escaped = false;
        for (i, &c) in bytes.iter().enumerate().skip(open + 1) {
            if c == q && !escaped {
                self.pos = i + 1;
                self.after_closing_quote(name)?;
                let value = String::from_utf8_lossy(&value).into_owned();
                if q == b'\'' {
                    return Ok(value);
                }
                let (value, source) = expand_escapes(&value, &source);
                return self.interpolated(name, &value, |offset| {
                    source.get(offset).copied().unwrap_or(open)
                });
            }
            if c == b'\\' && !escaped {
                escaped = true;
                continue;
            }
            // A backslash stays before anything but the quote; the escapes
            // of a double-quoted value are expanded afterwards.
            if escaped && c != q {
                value.push(b'\\');
                source.push(i - 1);
            }
            escaped = false;
            value.push(c);
            source.push(i);
        }
        let q = q as char;
        Err(self.error(
            open,
            format!("the value of {name:?} opens a quote ({q}) that is never closed; end the value with {q}"),
        ))
    }

    /// After a closing quote: only whitespace, then a comment or the end of
    /// the line.
    fn after_closing_quote(&mut self, name: &str) -> Result<(), DotenvError> {
        let rest = &self.text[self.pos..];
        let trimmed = rest.trim_start_matches(is_space);
        self.pos += rest.len() - trimmed.len();
        match trimmed.chars().next() {
            None | Some('\n' | '#') => Ok(()),
            Some(_) => Err(self.error(
                self.pos,
                format!(
                    "text after the closing quote of {name:?}; put it inside the quotes, or start a comment with #"
                ),
            )),
        }
    }

    /// `value` interpolated; `source` maps its byte offsets to the text's.
    fn interpolated(
        &self,
        name: &str,
        value: &str,
        source: impl Fn(usize) -> usize,
    ) -> Result<String, DotenvError> {
        let lookup = Lookup {
            vars: self.vars,
            file: &self.env,
        };
        match interpolate(value, &lookup) {
            Ok(out) => Ok(out.value),
            Err(e) => {
                let mut message = format!("in the value of {name:?}: {}", e.message);
                if let Some(hint) = e.hint {
                    message.push_str("; ");
                    message.push_str(&hint);
                }
                Err(self.error(source(e.offset), message))
            }
        }
    }
}

/// compose-go's `expandEscapes` on a double-quoted value: `\a \b \f \n \r
/// \t \v \\ \"`, `\$` → `$$` (a literal `$` for interpolation), `\0NNN` →
/// the character with octal code NNN (at most 0377); anything else, and an
/// octal escape Go cannot read (`\0`, `\012`, `\0400`), stays as compose-go
/// leaves it (`\c` as is, `\0...` without its `0`). `source` gives each
/// byte's offset in the file; the result's bytes get their escape's.
fn expand_escapes(value: &str, source: &[usize]) -> (String, Vec<usize>) {
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut out_source = Vec::with_capacity(b.len());
    let at = |i: usize| source.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while i < b.len() {
        let mut push = |bytes: &[u8], from: usize| {
            out.extend_from_slice(bytes);
            out_source.extend(std::iter::repeat_n(at(from), bytes.len()));
        };
        if b[i] != b'\\' {
            push(&b[i..=i], i);
            i += 1;
            continue;
        }
        let simple = match b.get(i + 1) {
            Some(b'a') => Some(0x07),
            Some(b'b') => Some(0x08),
            Some(b'f') => Some(0x0c),
            Some(b'n') => Some(b'\n'),
            Some(b'r') => Some(b'\r'),
            Some(b't') => Some(b'\t'),
            Some(b'v') => Some(0x0b),
            Some(&c @ (b'\\' | b'"')) => Some(c),
            _ => None,
        };
        match (simple, b.get(i + 1)) {
            (Some(c), _) => push(&[c], i),
            (None, Some(b'$')) => push(b"$$", i),
            (None, Some(b'0')) => {
                let digits = b[i + 2..]
                    .iter()
                    .take(3)
                    .take_while(|d| d.is_ascii_digit())
                    .count();
                let code = &b[i + 2..i + 2 + digits];
                let octal = (digits == 3 && code.iter().all(|d| (b'0'..=b'7').contains(d)))
                    .then(|| code.iter().fold(0u32, |n, d| n * 8 + u32::from(d - b'0')))
                    .filter(|&n| n <= 0o377)
                    .and_then(char::from_u32);
                match octal {
                    Some(c) => push(c.encode_utf8(&mut [0; 4]).as_bytes(), i),
                    None => {
                        push(b"\\", i);
                        push(code, i);
                    }
                }
                i += 2 + digits;
                continue;
            }
            // `\c` (matched by compose-go's pattern, refused by Go) and any
            // other backslash stay as they are.
            _ => {
                push(&b[i..=i], i);
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    (String::from_utf8_lossy(&out).into_owned(), out_source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn read(text: &str) -> Result<Vec<(String, String)>, DotenvError> {
        parse(text, &BTreeMap::new())
    }

    /// compose-go dotenv/godotenv_test.go `TestParsing` (@e70e961c), one
    /// line each: (text, name, value).
    #[rustfmt::skip]
    const ONE_LINERS: &[(&str, &str, &str)] = &[
        ("FOO=bar", "FOO", "bar"),
        ("FOO =bar", "FOO", "bar"),
        ("FOO= bar", "FOO", "bar"),
        (r#"FOO="bar""#, "FOO", "bar"),
        ("FOO='bar'", "FOO", "bar"),
        (r#"FOO="escaped\"bar""#, "FOO", r#"escaped"bar"#),
        (r#"FOO="\"quoted\"""#, "FOO", r#""quoted""#),
        (r#"FOO="'d'""#, "FOO", "'d'"),
        ("OPTION_A: 1", "OPTION_A", "1"),
        ("OPTION_A: Foo=bar", "OPTION_A", "Foo=bar"),
        ("OPTION_A=1:B", "OPTION_A", "1:B"),
        ("export OPTION_A=2", "OPTION_A", "2"),
        (r"export OPTION_B='\n'", "OPTION_B", r"\n"),
        ("export exportFoo=2", "exportFoo", "2"),
        ("exportFOO=2", "exportFOO", "2"),
        ("export_FOO =2", "export_FOO", "2"),
        ("export.FOO= 2", "export.FOO", "2"),
        ("export\tOPTION_A=2", "OPTION_A", "2"),
        ("  export OPTION_A=2", "OPTION_A", "2"),
        ("\texport OPTION_A=2", "OPTION_A", "2"),
        (r#"export OPTION_A="export A""#, "OPTION_A", "export A"),
        (r#"FOO="bar\nbaz""#, "FOO", "bar\nbaz"),
        (r"FOO=a\tb", "FOO", r"a\tb"),
        (r#"FOO="a\tb""#, "FOO", "a\tb"),
        (r#"KEY="Z\aZ\bZ\fZ\nZ\rZ\tZ\vZ\\Z\0123Z""#, "KEY", "Z\x07Z\x08Z\x0cZ\nZ\rZ\tZ\x0bZ\\ZSZ"),
        ("FOO.BAR=foobar", "FOO.BAR", "foobar"),
        ("FOO=foobar=", "FOO", "foobar="),
        ("FOO=bar ", "FOO", "bar"),
        ("FOO=bar # this is foo", "FOO", "bar"),
        ("FOO=bar #this is foo", "FOO", "bar"),
        ("FOO=bar #", "FOO", "bar"),
        ("FOO=123#not-an-inline-comment", "FOO", "123#not-an-inline-comment"),
        (r#"FOO="bar#baz""#, "FOO", "bar#baz"),
        (r##"FOO="bar#baz"#"##, "FOO", "bar#baz"),
        (r#"FOO="bar#baz" # comment"#, "FOO", "bar#baz"),
        ("FOO='bar#baz' # comment", "FOO", "bar#baz"),
        (r#"FOO="bar#baz#bang" # comment"#, "FOO", "bar#baz#bang"),
        (r#"FOO="ba#r""#, "FOO", "ba#r"),
        ("FOO='ba#r'", "FOO", "ba#r"),
        (r#"FOO="bar\n\ b\az""#, "FOO", "bar\n\\ b\x07z"),
        (r#"FOO="bar\\\n\ b\az""#, "FOO", "bar\\\n\\ b\x07z"),
        (r#"FOO="bar\\r\ b\az""#, "FOO", "bar\\r\\ b\x07z"),
        (r#"FOO="bar\nbaz\\""#, "FOO", "bar\nbaz\\"),
        (" KEY =value", "KEY", "value"),
        ("   KEY=value", "KEY", "value"),
        ("\tKEY=value", "KEY", "value"),
        (r#"KEY="\0123""#, "KEY", "S"),
        (r#"KEY="\x07""#, "KEY", r"\x07"),
        (r#"KEY="\u12e4""#, "KEY", r"\u12e4"),
        (r#"KEY="\U00101234""#, "KEY", r"\U00101234"),
        // TestVariableStringValueSeparator
        ("TEST_URLS=\"stratum+tcp://a:3333\nstratum+tcp://b:443\"", "TEST_URLS", "stratum+tcp://a:3333\nstratum+tcp://b:443"),
        // TestExpanding (one-line cases)
        ("BAR=$FOO", "BAR", ""),
        ("BAR='quote $FOO'", "BAR", "quote $FOO"),
        (r#"FOO="foo\$BAR""#, "FOO", "foo$BAR"),
        (r#"FOO="foo\${BAR}""#, "FOO", "foo${BAR}"),
        // Octal escapes Go cannot read keep compose-go's rewrite.
        (r#"K="\0""#, "K", r"\"),
        (r#"K="\012""#, "K", r"\12"),
        (r#"K="\0400""#, "K", r"\400"),
        (r#"K="\0128""#, "K", r"\128"),
        (r#"K="\0101\0102""#, "K", "AB"),
        (r#"K="\0303""#, "K", "\u{c3}"),
        (r#"K="\c\q\'""#, "K", r"\c\q\'"),
        (r"K='a\'b\\c\n'", "K", r"a'b\\c\n"),
        // Unicode names (parser_test.go TestParseBytes).
        ("a[1]=c", "a[1]", "c"),
        ("árvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép", "árvíztűrő-TÜKÖRFÚRÓGÉP", "ÁRVÍZTŰRŐ-tükörfúrógép"),
        // What the .env path of compose keeps (only godotenv's Read drops
        // names starting with a digit).
        ("456 = ABC", "456", "ABC"),
        ("FOO= #not a comment", "FOO", "#not a comment"),
        ("FOO=a\t#b", "FOO", "a\t#b"),
        ("FOO=a\r", "FOO", "a"),
        ("FOO=", "FOO", ""),
        ("FOO=\"\"", "FOO", ""),
    ];

    #[test]
    fn compose_go_one_liners() {
        for (text, name, value) in ONE_LINERS {
            assert_eq!(read(text), Ok(pairs(&[(name, value)])), "{text:?}");
            // The same with a newline, CRLF and a following line.
            let more = format!("{text}\r\nNEXT=1\n");
            assert_eq!(
                read(&more),
                Ok(pairs(&[(name, value), ("NEXT", "1")])),
                "{more:?}"
            );
        }
    }

    /// compose-go's fixtures, as files.
    #[test]
    fn compose_go_fixtures() {
        let plain = "OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\n456 = ABC\nOPTION_F = \nOPTION_G=\nOPTION_H = my string # Inline comment\n";
        let want = [
            ("OPTION_A", "1"),
            ("OPTION_B", "2"),
            ("OPTION_C", "3"),
            ("OPTION_D", "4"),
            ("OPTION_E", "5"),
            ("456", "ABC"),
            ("OPTION_F", ""),
            ("OPTION_G", ""),
            ("OPTION_H", "my string"),
        ];
        assert_eq!(read(plain), Ok(pairs(&want)));
        assert_eq!(read(&format!("\u{feff}{plain}")), Ok(pairs(&want)));

        let quoted = "OPTION_A='1'\nOPTION_B='2'\nOPTION_C=''\nOPTION_D='\\n'\nOPTION_E=\"1\"\nOPTION_F=\"2\"\nOPTION_G=\"\"\nOPTION_H=\"\\n\"\nOPTION_I = \"echo 'asd'\" # Inline comment\nOPTION_J = 'first line\nsecond line\nthird line\nand so on'\nOPTION_K='Let\\'s go!'\nOPTION_Z = \"last value\"\n";
        let want = [
            ("OPTION_A", "1"),
            ("OPTION_B", "2"),
            ("OPTION_C", ""),
            ("OPTION_D", "\\n"),
            ("OPTION_E", "1"),
            ("OPTION_F", "2"),
            ("OPTION_G", ""),
            ("OPTION_H", "\n"),
            ("OPTION_I", "echo 'asd'"),
            ("OPTION_J", "first line\nsecond line\nthird line\nand so on"),
            ("OPTION_K", "Let's go!"),
            ("OPTION_Z", "last value"),
        ];
        assert_eq!(read(quoted), Ok(pairs(&want)));

        let unquoted = "OPTION_A = \"some quoted phrase\"\nOPTION_B=first one with an unquoted phrase\nOPTION_C = then another one with an unquoted phrase\nOPTION_D = then another one with an unquoted phrase special è char\nOPTION_E = \"then another one quoted phrase\"\n";
        let got = read(unquoted).unwrap_or_default();
        assert_eq!(
            got[3].1,
            "then another one with an unquoted phrase special è char"
        );
        assert_eq!(got[4].1, "then another one quoted phrase");

        let equals = "export OPTION_A='postgres://localhost:5432/database?sslmode=disable'\n\n";
        assert_eq!(
            read(equals),
            Ok(pairs(&[(
                "OPTION_A",
                "postgres://localhost:5432/database?sslmode=disable"
            )]))
        );

        let special =
            "VAR.WITH.DOTS=dots\nVAR_WITH_UNDERSCORES=underscores\nVAR-WITH-DASHES=dashes\n";
        assert_eq!(read(special).map(|p| p.len()), Ok(3));

        let invalid1 =
            "# some comments\nfoo=\"\n  a\n  multine\n  value\n\"\nINVALID LINE\nzot=qix";
        let e = read(invalid1).unwrap_err();
        assert_eq!((e.line, e.column), (7, 8));
        assert!(
            e.message
                .starts_with("the name \"INVALID LINE\" holds a space"),
            "{e}"
        );
    }

    /// substitutions.env and substitutions-default.env, with and without
    /// OPTION_A in the caller's environment (TestSubstitutions*): the
    /// caller's variables win over the file's earlier lines.
    #[test]
    fn substitution_precedence_is_compose_gos() {
        let substitutions = "OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n";
        let defaults = substitutions.replace("OPTION_A=1", "OPTION_A=${OPTION_A:-1}");
        let none = BTreeMap::new();
        let five = map(&[("OPTION_A", "5")]);
        let values = |text: &str, vars: &BTreeMap<String, String>| {
            parse(text, vars).map(|p| p.into_iter().map(|(_, v)| v).collect::<Vec<_>>())
        };
        assert_eq!(
            values(substitutions, &none),
            Ok(vec![
                "1".into(),
                "1".into(),
                "1".into(),
                "1_1".into(),
                "".into()
            ])
        );
        assert_eq!(
            values(substitutions, &five),
            Ok(vec![
                "1".into(),
                "5".into(),
                "5".into(),
                "5_5".into(),
                "".into()
            ])
        );
        assert_eq!(
            values(&defaults, &five),
            Ok(vec![
                "5".into(),
                "5".into(),
                "5".into(),
                "5_5".into(),
                "".into()
            ])
        );
        assert_eq!(
            values(&defaults, &none),
            Ok(vec![
                "1".into(),
                "1".into(),
                "1".into(),
                "1_1".into(),
                "".into()
            ])
        );
        // TestExpanding's multi-line cases.
        assert_eq!(
            read("FOO=test\nBAR=$FOO"),
            Ok(pairs(&[("FOO", "test"), ("BAR", "test")]))
        );
        assert_eq!(
            read("FOO=test\nBAR=${FOO}bar"),
            Ok(pairs(&[("FOO", "test"), ("BAR", "testbar")]))
        );
        assert_eq!(
            read("FOO=test\nBAR=\"quote $FOO\""),
            Ok(pairs(&[("FOO", "test"), ("BAR", "quote test")]))
        );
        assert_eq!(
            read("FOO=test\nBAR=\"foo\\${FOO} ${FOO}\""),
            Ok(pairs(&[("FOO", "test"), ("BAR", "foo${FOO} test")]))
        );
        // Only earlier lines count.
        assert_eq!(read("A=$B\nB=1"), Ok(pairs(&[("A", ""), ("B", "1")])));
    }

    /// inherited-*.env: `NAME` alone.
    #[test]
    fn a_name_alone_takes_the_callers_value_or_nothing() {
        let env = map(&[
            ("VAR_TO_BE_LOADED_FROM_OS_ENV", "SOME_RANDOM_VALUE"),
            ("EMPTY", ""),
        ]);
        let multi = "foo=bar\nVAR_TO_BE_LOADED_FROM_OS_ENV\nbar=baz\n";
        assert_eq!(
            parse(multi, &env),
            Ok(pairs(&[
                ("foo", "bar"),
                ("VAR_TO_BE_LOADED_FROM_OS_ENV", "SOME_RANDOM_VALUE"),
                ("bar", "baz")
            ]))
        );
        assert_eq!(parse("VARIABLE_NOT_FOUND\n", &env), Ok(vec![]));
        // An empty value is set; the last line needs no newline; trailing
        // whitespace is not part of the name.
        assert_eq!(
            parse("EMPTY  \nexport VAR_TO_BE_LOADED_FROM_OS_ENV", &env).map(|p| p.len()),
            Ok(2)
        );
        // An earlier line of the file counts too (and keeps its place).
        assert_eq!(
            parse("A=1\nB=2\nA\n", &env),
            Ok(pairs(&[("A", "1"), ("B", "2")]))
        );
        // A variable called `export`.
        assert_eq!(
            parse("export\n", &map(&[("export", "x")])),
            Ok(pairs(&[("export", "x")]))
        );
    }

    #[test]
    fn a_later_definition_replaces_the_earlier_in_its_place() {
        assert_eq!(
            read("A=1\nB=2\nA=3\n"),
            Ok(pairs(&[("A", "3"), ("B", "2")]))
        );
        assert_eq!(read("A=1\nA=${A}2\n"), Ok(pairs(&[("A", "12")])));
    }

    #[test]
    fn blank_and_comment_lines_are_skipped() {
        for text in [
            "",
            "\n",
            "\r\n",
            "\t\t ",
            "# Comment",
            "\t # comment",
            "#A=1\n\n  # B=2\n",
        ] {
            assert_eq!(read(text), Ok(vec![]), "{text:?}");
        }
    }

    /// (text, line, column, start of the message).
    #[rustfmt::skip]
    const ERRORS: &[(&str, usize, usize, &str)] = &[
        // TestUnterminatedQuotes: at the opening quote.
        (r#"KEY=""#, 1, 5, r#"the value of "KEY" opens a quote (") that is never closed; end the value with ""#),
        (r#"KEY="value"#, 1, 5, "the value of \"KEY\" opens a quote"),
        (r#"KEY="value\""#, 1, 5, "the value of \"KEY\" opens a quote"),
        (r#"KEY="value'"#, 1, 5, "the value of \"KEY\" opens a quote"),
        ("KEY='", 1, 5, "the value of \"KEY\" opens a quote (') that is never closed; end the value with '"),
        ("KEY='value", 1, 5, "the value of \"KEY\" opens a quote"),
        (r"KEY='value\'", 1, 5, "the value of \"KEY\" opens a quote"),
        ("KEY='value\"", 1, 5, "the value of \"KEY\" opens a quote"),
        ("A=1\nB = \"x\ny\n", 2, 5, "the value of \"B\" opens a quote"),
        // TestParseVariable, `lol$wut`.
        ("%!(EXTRA string)=foo", 1, 1, r#"unexpected character "%" in the name "%!(EXTRA string)=foo"; a name is letters, digits, _ . - [ ]; write NAME=VALUE, or start a comment line with #"#),
        ("lol$wut", 1, 4, r#"unexpected character "$" in the name "lol$wut""#),
        ("A=1\n  B#c=2", 2, 4, r##"unexpected character "#" in the name "B#c=2""##),
        ("A\u{1b}[1m=1", 1, 2, r#"unexpected character "\u{1b}" in the name "A\u{1b}[1m=1""#),
        // Whitespace inside a name.
        ("FOO BAR=1", 1, 4, r#"the name "FOO BAR" holds a space"#),
        ("FOO\tBAR=1", 1, 4, r#"the name "FOO\tBAR" holds a space"#),
        ("x=1\nFOO BAR\n", 2, 4, r#"the name "FOO BAR" holds a space"#),
        // No name (compose-go defines "").
        ("=value", 1, 1, r#"no name before "="; write NAME=VALUE"#),
        ("  : value", 1, 3, r#"no name before ":""#),
        ("export =1", 1, 8, r#"no name before "=""#),
        ("export \n", 1, 8, "export needs a name: write export NAME=VALUE"),
        // Text after a closing quote (compose-go reads it as the next line).
        ("A=\"x\" B=2", 1, 7, r#"text after the closing quote of "A"; put it inside the quotes, or start a comment with #"#),
        ("A='x'y", 1, 6, "text after the closing quote of \"A\""),
        ("A=\"x\ny\"z\n", 2, 3, "text after the closing quote of \"A\""),
        // Interpolation: at the failing `$`, through escapes and lines.
        ("A=ok\nB=x ${NOPE:?must be set}", 2, 5, "in the value of \"B\": required variable NOPE is missing a value: must be set; set NOPE in the environment"),
        ("B=${foo!}", 1, 3, r#"in the value of "B": invalid interpolation format "${foo!}"; a variable is $NAME"#),
        ("B=\"\\t\\t${\"", 1, 8, "in the value of \"B\": invalid interpolation format \"${\""),
        ("B=\"a\nb\\n ${}\"", 2, 5, "in the value of \"B\": invalid interpolation format \"${}\""),
        ("B=\"\\$$ ${}\"", 1, 8, "in the value of \"B\": invalid interpolation format"),
        ("é=\"ü ${}\"", 1, 6, "in the value of \"é\": invalid"),
        // An unquoted value is cut at ` #` before interpolation.
        ("B=${X:-a #b}", 1, 3, "in the value of \"B\": invalid interpolation format \"${X:-a\""),
    ];

    #[test]
    fn errors_say_where_and_what_to_write() {
        for (text, line, column, message) in ERRORS {
            let e = read(text).unwrap_err();
            assert_eq!((e.line, e.column), (*line, *column), "{text:?}: {e}");
            assert!(e.message.starts_with(message), "{text:?}: {e}");
            assert!(!e.message.chars().any(char::is_control), "{text:?}: {e}");
        }
        let e = read("A=1\nB C=2").unwrap_err();
        assert_eq!(e.to_string(), format!("2:2: {}", e.message));
    }

    #[test]
    fn interpolated_control_characters_stay_in_values_not_messages() {
        let env = map(&[("ESC", "\u{1b}]0;x\u{7}")]);
        assert_eq!(
            parse("A=$ESC\n", &env),
            Ok(pairs(&[("A", "\u{1b}]0;x\u{7}")]))
        );
        let e = parse("A=${U:?$ESC}\n", &env).unwrap_err();
        assert!(!e.message.chars().any(char::is_control), "{e}");
    }

    /// Every string up to four characters over the characters that matter,
    /// and a few thousand longer ones: an answer, never a panic, and an
    /// error's position inside the text.
    #[test]
    fn no_input_panics() {
        const ALPHABET: [&str; 14] = [
            "=", "\"", "'", "\\", "#", "\n", "a", "$", "{", "}", " ", ":", "é", "export ",
        ];
        let env = map(&[("a", "1")]);
        let check = |t: &str| {
            if let Err(e) = parse(t, &env) {
                let lines = t.split('\n').count();
                assert!(
                    e.line >= 1 && e.line <= lines && e.column >= 1,
                    "{t:?}: {e}"
                );
                assert!(!e.message.chars().any(char::is_control), "{t:?}: {e}");
            }
        };
        let mut current = vec![String::new()];
        for _ in 0..=4 {
            let mut next = Vec::new();
            for t in &current {
                check(t);
                for c in ALPHABET {
                    next.push(format!("{t}{c}"));
                }
            }
            current = next;
        }
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        for _ in 0..5_000 {
            let len = next() % 40;
            let t: String = (0..len)
                .map(|_| ALPHABET[next() % ALPHABET.len()])
                .collect();
            check(&t);
        }
    }

    #[test]
    fn expand_escapes_maps_each_byte_to_its_escape() {
        let value = r"a\n\$b\0101";
        let source: Vec<usize> = (10..10 + value.len()).collect();
        let (out, map) = expand_escapes(value, &source);
        assert_eq!(out, "a\n$$bA");
        assert_eq!(map, vec![10, 11, 13, 13, 15, 16]);
    }
}
