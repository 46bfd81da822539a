//! Compose interpolation: `$NAME`, `${NAME}` and `${NAME<op>ARG}` in one
//! string, as compose-go's `template/template.go` (v2, the reference
//! implementation of the compose spec's interpolation) does it, quirks
//! included, so that a file means here what it means to `docker compose`:
//!
//! - `$$` is a literal `$` (what follows is not expanded: `$${X}` → `${X}`);
//! - `$NAME` takes the longest name (`[_A-Za-z][_A-Za-z0-9]*`, no operator:
//!   `$FOO-bar` → `first-bar`); a `$` before anything else is kept;
//! - `${` that does not start `${NAME}` or `${NAME<op>ARG}` is an error;
//! - the operator is the earliest of `:?`, `?`, `:-`, `-`, `:+`, `+`; the
//!   `}` that ends a template with an operator is found the way compose-go
//!   finds it (see [`first_brace_closing`]), so a default may hold braces;
//! - an argument is interpolated only when it is used.
//!
//! Pure: no I/O, no environment read here; the caller gives the variables.

use std::collections::BTreeMap;

/// Looks a variable up: the caller's environment, then `.env`.
pub trait Vars {
    /// The value of `name`, or `None` when it is unset (an empty value is
    /// set: `${V-d}` keeps it, `${V:-d}` does not).
    fn var(&self, name: &str) -> Option<&str>;
}

impl Vars for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

/// What interpolating one string gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interpolated {
    /// The string with every template replaced.
    pub value: String,
    /// Names that were unset and defaulted to "" (each once, in order), for
    /// the warning `The "V" variable is not set. Defaulting to a blank
    /// string.` Only bare `$V`/`${V}` warn, as in compose-go: `${V-}` and
    /// friends say what an unset V means.
    pub unset: Vec<String>,
    /// Every variable whose (non-empty) value went into the result, each
    /// once, in order (for masking: a secret-looking value from the
    /// environment is masked in output).
    pub used: Vec<String>,
}

/// Why a string cannot be interpolated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpolateError {
    /// Byte offset in the input of the `$` that starts the failing template
    /// (the innermost one, when the failure is in a default or message).
    pub offset: usize,
    /// What is wrong, without raw control characters.
    pub message: String,
    /// What to write or do instead.
    pub hint: Option<String>,
}

impl std::fmt::Display for InterpolateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InterpolateError {}

/// Replaces every template in `text` with its value from `vars`.
///
/// ```
/// use paunch::config::compose::interpolate::interpolate;
/// use std::collections::BTreeMap;
/// let vars = BTreeMap::from([("FOO".to_string(), "first".to_string())]);
/// let out = interpolate("${FOO}-${MISSING:-x} $$HOME", &vars)?;
/// assert_eq!(out.value, "first-x $HOME");
/// # Ok::<(), paunch::config::compose::interpolate::InterpolateError>(())
/// ```
pub fn interpolate(text: &str, vars: &dyn Vars) -> Result<Interpolated, InterpolateError> {
    let mut cx = Cx {
        vars,
        unset: Vec::new(),
        used: Vec::new(),
    };
    let value = cx.substitute(text, 0, 0)?;
    Ok(Interpolated {
        value,
        unset: cx.unset,
        used: cx.used,
    })
}

/// Defaults nest (`${A:-${B:-${C}}}`) by recursion; a bound keeps a
/// hostile file from exhausting the stack (compose-go has none; no real
/// file comes near it).
const MAX_DEPTH: usize = 64;

const INVALID_HINT: &str = "a variable is $NAME or ${NAME}, with :-, -, :?, ?, :+ or + after the name; write $$ for a literal $";

/// The six operators of `${NAME<op>ARG}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `:?` — error when unset or empty.
    RequiredNonEmpty,
    /// `?` — error when unset.
    Required,
    /// `:-` — ARG when unset or empty.
    DefaultIfEmpty,
    /// `-` — ARG when unset.
    DefaultIfUnset,
    /// `:+` — ARG when set and not empty, else "".
    IfNonEmpty,
    /// `+` — ARG when set, else "".
    IfSet,
}

/// In compose-go's order, which breaks ties (none can happen: two of these
/// never start at the same index).
const OPERATORS: [(&str, Op); 6] = [
    (":?", Op::RequiredNonEmpty),
    ("?", Op::Required),
    (":-", Op::DefaultIfEmpty),
    ("-", Op::DefaultIfUnset),
    (":+", Op::IfNonEmpty),
    ("+", Op::IfSet),
];

/// compose-go's `getSubstitutionFunctionForTemplate`: the operator that
/// occurs earliest in `template`.
fn choose_operator(template: &str) -> Option<Op> {
    let mut best: Option<(usize, Op)> = None;
    for (sep, op) in OPERATORS {
        if let Some(at) = template.find(sep)
            && best.is_none_or(|(b, _)| at < b)
        {
            best = Some((at, op));
        }
    }
    best.map(|(_, op)| op)
}

/// compose-go's `getFirstBraceClosingIndex`, byte for byte: a `{` opens and
/// skips the byte after it, a `}` closes; the index of the `}` that brings
/// the count back to zero. (The skip means `{}` inside a default does not
/// count its `}`: `${A:-{}}` works, and `${A:-{}} ${B}` reads as one
/// template up to the last `}` — both as in `docker compose`.)
fn first_brace_closing(s: &[u8]) -> Option<usize> {
    let mut open: isize = 0;
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if s[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

/// compose-go's pattern is case-insensitive, and Go folds `k` to the
/// Kelvin sign and `s` to the long s, so `(?i)[a-z]` matches both.
fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic() || c == '\u{17F}' || c == '\u{212A}'
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

/// The end of the longest name starting at `start` (`start` when none).
fn name_end(text: &str, start: usize) -> usize {
    let tail = &text[start..];
    let mut chars = tail.char_indices();
    match chars.next() {
        Some((_, c)) if is_name_start(c) => {}
        _ => return start,
    }
    for (i, c) in chars {
        if !is_name_char(c) {
            return start + i;
        }
    }
    text.len()
}

/// What the pattern matches at one `$`.
enum Token {
    /// Not a template: the `$` is kept.
    Lone,
    /// `$$`.
    Escaped,
    /// `$NAME` or `${NAME}`: the name's range and the end of the token.
    Plain { name: (usize, usize), end: usize },
    /// `${NAME<op>ARG}`: the pattern's match runs to `close`, the last `}`
    /// on the line (Go's `.*` is greedy and stops at a newline).
    WithOp {
        name: (usize, usize),
        op: Op,
        arg_start: usize,
        close: usize,
    },
    /// `${` that starts no template.
    Invalid,
}

/// The last `}` of the current line, computed once per line: the pattern's
/// greedy `(.*)}` would otherwise rescan the line for every template on it.
#[derive(Default)]
struct LineCache {
    /// The `\n` (or the end of the text) ending the cached line.
    end: usize,
    last_close: Option<usize>,
    filled: bool,
}

impl LineCache {
    /// The last `}` in `text[from..end of line]`.
    fn last_close(&mut self, text: &str, from: usize) -> Option<usize> {
        if !self.filled || from > self.end {
            let end = text[from..].find('\n').map_or(text.len(), |i| from + i);
            self.end = end;
            self.last_close = text[from..end].rfind('}').map(|i| from + i);
            self.filled = true;
        }
        self.last_close.filter(|&c| c >= from)
    }
}

/// The token at the `$` at `d`.
fn token_at(text: &str, d: usize, lines: &mut LineCache) -> Token {
    let after = d + 1;
    match text[after..].chars().next() {
        Some('$') => Token::Escaped,
        Some('{') => braced(text, d, lines),
        Some(c) if is_name_start(c) => {
            let end = name_end(text, after);
            Token::Plain {
                name: (after, end),
                end,
            }
        }
        _ => Token::Lone,
    }
}

/// The token at `${` (the `$` at `d`).
fn braced(text: &str, d: usize, lines: &mut LineCache) -> Token {
    let start = d + 2;
    let end = name_end(text, start);
    if end == start {
        return Token::Invalid;
    }
    let bytes = text.as_bytes();
    let arg_start = match (bytes.get(end), bytes.get(end + 1)) {
        (Some(b'}'), _) => {
            return Token::Plain {
                name: (start, end),
                end: end + 1,
            };
        }
        (Some(b':'), Some(b'-' | b'+' | b'?')) => end + 2,
        (Some(b'-' | b'+' | b'?'), _) => end + 1,
        _ => return Token::Invalid,
    };
    // compose-go picks the operator from the whole match; the earliest one
    // is always the one right after the name, so the name and operator
    // alone give the same answer without scanning the line.
    let Some(op) = choose_operator(&text[start..arg_start]) else {
        return Token::Invalid;
    };
    match lines.last_close(text, arg_start) {
        Some(close) => Token::WithOp {
            name: (start, end),
            op,
            arg_start,
            close,
        },
        // No `}` on the line: the pattern backtracks to `${NAME}`, which
        // fails on the operator, and matches its empty `invalid` group.
        None => Token::Invalid,
    }
}

/// Shows user text in a message: as is, or quoted and escaped when it
/// holds a control character.
fn shown(s: &str) -> String {
    if s.chars().any(char::is_control) {
        format!("{s:?}")
    } else {
        s.to_string()
    }
}

fn invalid_error(text: &str, d: usize, base: usize) -> InterpolateError {
    const MAX_CHARS: usize = 60;
    let tail = &text[d..];
    let line = tail.split('\n').next().unwrap_or(tail);
    let line = line.find('}').map_or(line, |i| &line[..=i]);
    let mut snippet: String = line.chars().take(MAX_CHARS).collect();
    if line.chars().nth(MAX_CHARS).is_some() {
        snippet.push('…');
    }
    InterpolateError {
        offset: base + d,
        message: format!("invalid interpolation format {snippet:?}"),
        hint: Some(INVALID_HINT.to_string()),
    }
}

fn required_error(name: &str, reason: &str, offset: usize) -> InterpolateError {
    let message = if reason.is_empty() {
        format!("required variable {name} is missing a value")
    } else {
        format!(
            "required variable {name} is missing a value: {}",
            shown(reason)
        )
    };
    InterpolateError {
        offset,
        message,
        hint: Some(format!(
            "set {name} in the environment or in the .env file beside the compose file (or name another with --env-file)"
        )),
    }
}

struct Cx<'v> {
    vars: &'v dyn Vars,
    unset: Vec<String>,
    used: Vec<String>,
}

impl<'v> Cx<'v> {
    fn note_used(&mut self, name: &str, value: &str) {
        if !value.is_empty() && !self.used.iter().any(|n| n == name) {
            self.used.push(name.to_string());
        }
    }

    /// `$NAME` / `${NAME}`: the value, or "" and a warning.
    fn plain(&mut self, name: &str) -> &'v str {
        let vars = self.vars;
        match vars.var(name) {
            Some(value) => {
                self.note_used(name, value);
                value
            }
            None => {
                if !self.unset.iter().any(|n| n == name) {
                    self.unset.push(name.to_string());
                }
                ""
            }
        }
    }

    /// One pass over `text`, which starts at byte `base` of the input.
    ///
    /// compose-go replaces each match of its pattern; a template with an
    /// operator is cut at its balancing `}` and what follows, up to the end
    /// of the match, is interpolated on its own and appended. Going on from
    /// the cut is the same (that part ends at the line's last `}`, so no
    /// template in it reaches past it) and needs no recursion per template.
    fn substitute(
        &mut self,
        text: &str,
        base: usize,
        depth: usize,
    ) -> Result<String, InterpolateError> {
        let mut out = String::with_capacity(text.len());
        let mut lines = LineCache::default();
        let mut copied = 0;
        let mut from = 0;
        while let Some(rel) = text[from..].find('$') {
            let d = from + rel;
            let token = token_at(text, d, &mut lines);
            if let Token::Lone = token {
                from = d + 1;
                continue;
            }
            out.push_str(&text[copied..d]);
            from = match token {
                Token::Lone => d + 1,
                Token::Escaped => {
                    out.push('$');
                    d + 2
                }
                Token::Plain { name, end } => {
                    out.push_str(self.plain(&text[name.0..name.1]));
                    end
                }
                Token::WithOp {
                    name,
                    op,
                    arg_start,
                    close,
                } => {
                    let cut =
                        first_brace_closing(&text.as_bytes()[d..=close]).map_or(close, |c| d + c);
                    // cut >= arg_start: the first `}` the count can see is
                    // after the operator.
                    let arg = text.get(arg_start..cut).unwrap_or("");
                    let at = (base + d, base + arg_start);
                    let value = self.apply(op, &text[name.0..name.1], arg, at, depth)?;
                    out.push_str(&value);
                    cut + 1
                }
                Token::Invalid => return Err(invalid_error(text, d, base)),
            };
            copied = from;
        }
        out.push_str(&text[copied..]);
        Ok(out)
    }

    /// The value of `${NAME<op>ARG}`; `at` is the offsets of its `$` and of
    /// ARG. ARG is interpolated only when it is used.
    fn apply(
        &mut self,
        op: Op,
        name: &str,
        arg: &str,
        at: (usize, usize),
        depth: usize,
    ) -> Result<String, InterpolateError> {
        let vars = self.vars;
        let value = vars.var(name);
        let use_arg = match op {
            Op::RequiredNonEmpty => value.is_none_or(str::is_empty),
            Op::Required => value.is_none(),
            Op::DefaultIfEmpty => value.is_none_or(str::is_empty),
            Op::DefaultIfUnset => value.is_none(),
            Op::IfNonEmpty => value.is_some_and(|v| !v.is_empty()),
            Op::IfSet => value.is_some(),
        };
        if !use_arg {
            let value = value.unwrap_or("");
            self.note_used(name, value);
            return Ok(value.to_string());
        }
        if depth >= MAX_DEPTH {
            return Err(InterpolateError {
                offset: at.0,
                message: format!("interpolation nested more than {MAX_DEPTH} levels deep"),
                hint: Some("nest fewer ${...} inside one another".to_string()),
            });
        }
        let arg = self.substitute(arg, at.1, depth + 1)?;
        match op {
            Op::RequiredNonEmpty | Op::Required => Err(required_error(name, &arg, at.0)),
            _ => Ok(arg),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// compose-go template_test.go's `defaults`.
    fn defaults() -> BTreeMap<String, String> {
        map(&[("FOO", "first"), ("BAR", ""), ("JSON", r#"{"json":2}"#)])
    }

    enum Want {
        Is(&'static str),
        /// The error message (whole).
        Fails(&'static str),
        Invalid,
    }
    use Want::{Fails, Invalid, Is};

    /// Every vector of compose-go's template/template_test.go (@e70e961c)
    /// that uses the default pattern and functions, in its order.
    #[rustfmt::skip]
    const VECTORS: &[(&str, Want)] = &[
        // TestEscaped, TestSubstituteNoMatch
        ("$${foo}", Is("${foo}")),
        ("foo", Is("foo")),
        // TestUnescaped
        ("a $ string", Is("a $ string")),
        ("^REGEX$", Is("^REGEX$")),
        ("$}", Is("$}")),
        ("$", Is("$")),
        // TestInvalid
        ("${", Invalid),
        ("${}", Invalid),
        ("${ }", Invalid),
        ("${ foo}", Invalid),
        ("${foo }", Invalid),
        ("${foo!}", Invalid),
        // TestNonBraced
        ("$FOO-bar", Is("first-bar")),
        // TestNoValueNoDefault, TestValueNoDefault
        ("This ${missing} var", Is("This  var")),
        ("This ${BAR} var", Is("This  var")),
        ("This $FOO var", Is("This first var")),
        ("This ${FOO} var", Is("This first var")),
        // TestNoValueWithDefault
        ("ok ${missing:-def}", Is("ok def")),
        ("ok ${missing-def}", Is("ok def")),
        // TestLazyDefaultDoesNotWarn, TestLazyDefaultWarnsWhenUsed
        ("${A:+${A},}B", Is("B")),
        ("${A:-${B}}", Is("")),
        // TestEmptyValueWithSoftDefault ... TestPresentValueAndNotEmptyWithSet
        ("ok ${BAR:-def}", Is("ok def")),
        ("ok ${FOO:-def}", Is("ok first")),
        ("ok ${BAR-def}", Is("ok ")),
        ("ok ${UNSET_VAR:+presence_value}", Is("ok ")),
        ("ok ${UNSET_VAR+presence_value}", Is("ok ")),
        ("ok ${FOO:+presence_value}", Is("ok presence_value")),
        ("ok ${FOO+presence_value}", Is("ok presence_value")),
        ("ok ${BAR+presence_value}", Is("ok presence_value")),
        ("ok ${BAR:+presence_value}", Is("ok ")),
        // TestNonAlphanumericDefault
        ("ok ${BAR:-/non:-alphanumeric}", Is("ok /non:-alphanumeric")),
        // TestInterpolationExternalInterference
        ("-ok ${BAR:-defaultValue}", Is("-ok defaultValue")),
        ("+ok ${UNSET:-${BAR-defaultValue}}", Is("+ok ")),
        ("-ok ${FOO:-defaultValue}", Is("-ok first")),
        (":-ok ${UNSET-defaultValue}", Is(":-ok defaultValue")),
        (":-ok ${BAR-defaultValue}", Is(":-ok ")),
        (":?ok ${BAR-defaultValue}", Is(":?ok ")),
        (":?ok ${BAR:-defaultValue}", Is(":?ok defaultValue")),
        (":+ok ${BAR:-defaultValue}", Is(":+ok defaultValue")),
        ("+ok ${BAR-defaultValue}", Is("+ok ")),
        ("?ok ${BAR:-defaultValue}", Is("?ok defaultValue")),
        // TestDefaultsWithNestedExpansion
        ("ok ${UNSET_VAR-$FOO}", Is("ok first")),
        ("ok ${UNSET_VAR-${FOO}}", Is("ok first")),
        ("ok ${UNSET_VAR-${FOO} ${FOO}}", Is("ok first first")),
        ("ok ${BAR:-$FOO}", Is("ok first")),
        ("ok ${BAR:-${FOO}}", Is("ok first")),
        ("ok ${BAR:-${FOO} ${FOO}}", Is("ok first first")),
        ("ok ${BAR+$FOO}", Is("ok first")),
        ("ok ${BAR+$FOO ${FOO:+second}}", Is("ok first second")),
        // TestMandatoryVariableErrors
        ("not ok ${UNSET_VAR:?Mandatory Variable Unset}",
            Fails("required variable UNSET_VAR is missing a value: Mandatory Variable Unset")),
        ("not ok ${BAR:?Mandatory Variable Empty}",
            Fails("required variable BAR is missing a value: Mandatory Variable Empty")),
        ("not ok ${UNSET_VAR:?}", Fails("required variable UNSET_VAR is missing a value")),
        ("not ok ${UNSET_VAR?Mandatory Variable Unset}",
            Fails("required variable UNSET_VAR is missing a value: Mandatory Variable Unset")),
        ("not ok ${UNSET_VAR?}", Fails("required variable UNSET_VAR is missing a value")),
        // TestMandatoryVariableErrorsWithNestedExpansion
        ("not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}",
            Fails("required variable UNSET_VAR is missing a value: Mandatory Variable first")),
        ("not ok ${UNSET_VAR?Mandatory Variable ${FOO}}",
            Fails("required variable UNSET_VAR is missing a value: Mandatory Variable first")),
        // TestDefaultsForMandatoryVariables
        ("ok ${FOO:?err}", Is("ok first")),
        ("ok ${FOO?err}", Is("ok first")),
        ("ok ${BAR?err}", Is("ok ")),
        // TestSubstituteWithReplacementFunc (its last case: default pattern)
        ("ok ${SUBDOMAIN:-redis}.${FOO:?}", Is("ok redis.first")),
        // TestPrecedence
        ("${UNSET_VAR?bar-baz}", Fails("required variable UNSET_VAR is missing a value: bar-baz")),
        ("${UNSET_VAR-myerror?msg}", Is("myerror?msg")),
        ("${FOO?bar-baz}", Is("first")),
        ("${BAR:-default_value_for_empty_var}", Is("default_value_for_empty_var")),
        ("${UNSET_VAR-default_value_for_unset_var}", Is("default_value_for_unset_var")),
        // TestNoValueWithCurlyBracesDefault, TestValueWithCurlyBracesDefault
        (r#"ok ${missing:-{"json":1}}"#, Is(r#"ok {"json":1}"#)),
        (r#"ok ${missing-{"json":1}}"#, Is(r#"ok {"json":1}"#)),
        (r#"ok ${JSON:-{"json":1}}"#, Is(r#"ok {"json":2}"#)),
        (r#"ok ${JSON-{"json":1}}"#, Is(r#"ok {"json":2}"#)),
    ];

    #[test]
    fn compose_go_vectors() {
        let vars = defaults();
        for (template, want) in VECTORS {
            let got = interpolate(template, &vars);
            match (want, &got) {
                (Is(value), Ok(out)) => assert_eq!(&out.value, value, "{template:?}"),
                (Fails(message), Err(e)) => {
                    assert_eq!(&e.message, message, "{template:?}");
                    assert!(e.hint.as_deref().is_some_and(|h| h.starts_with("set ")));
                }
                (Invalid, Err(e)) => {
                    assert_eq!(
                        e.message,
                        format!("invalid interpolation format {template:?}")
                    );
                    assert_eq!(e.hint.as_deref(), Some(INVALID_HINT));
                    assert_eq!(e.offset, 0);
                }
                _ => panic!("{template:?} gave {got:?}"),
            }
        }
    }

    /// TestSubstitutionFunctionChoice.
    #[test]
    fn operator_choice() {
        use Op::*;
        let cases = [
            ("VARNAME:?val?ue", RequiredNonEmpty),
            ("VARNAME?val:?ue", Required),
            ("VARNAME?va-lu+e:?e", Required),
            ("VARNAME?va+lu-e:?e", Required),
            ("VARNAME:-value", DefaultIfEmpty),
            ("VARNAME-va:-lu:?e", DefaultIfUnset),
            ("VARNAME-va+lu?e", DefaultIfUnset),
            ("VARNAME-va?lu+e", DefaultIfUnset),
            ("VARNAME:+va:?lu:-e", IfNonEmpty),
            ("VARNAME+va:+lue", IfSet),
            ("VARNAME+va?lu-e", IfSet),
            ("VARNAME+va-lu?e", IfSet),
        ];
        for (template, op) in cases {
            assert_eq!(choose_operator(template), Some(op), "{template}");
        }
        assert_eq!(choose_operator("VARNAME"), None);
    }

    /// TestLazyDefaultDoesNotWarn, TestLazyDefaultWarnsWhenUsed,
    /// TestLazyRequiredMessageDoesNotWarn: warnings only for what is used.
    #[test]
    fn unset_names_are_reported_once_in_order_and_only_when_used() {
        let vars = defaults();
        let unset = |t: &str| interpolate(t, &vars).map(|o| o.unset);
        assert_eq!(unset("${A:+${A},}B"), Ok(vec![]));
        assert_eq!(unset("${A:-${B}}"), Ok(vec!["B".to_string()]));
        assert_eq!(
            unset("$Z ${Y} $Z ${X-} ${W:-$V} ${FOO:-$U}"),
            Ok(vec!["Z".into(), "Y".into(), "V".into()])
        );
        // BAR is set (empty): no warning.
        assert_eq!(unset("$BAR${BAR}"), Ok(vec![]));
        let a = map(&[("A", "value")]);
        let out = interpolate("${A?${B}}", &a);
        assert_eq!(
            out.map(|o| (o.value, o.unset)),
            Ok(("value".into(), vec![]))
        );
    }

    #[test]
    fn used_names_are_those_whose_values_went_in() {
        let vars = map(&[("FOO", "first"), ("BAR", ""), ("PW", "s3cret")]);
        let used = |t: &str| interpolate(t, &vars).map(|o| o.used);
        assert_eq!(
            used("$PW ${FOO} $PW"),
            Ok(vec!["PW".to_string(), "FOO".to_string()])
        );
        // `:+` puts its argument in, not the variable's value.
        assert_eq!(used("${PW:+x}"), Ok(vec![]));
        assert_eq!(used("${PW:+$FOO}"), Ok(vec!["FOO".to_string()]));
        assert_eq!(used("${X:-$PW}${PW:?e}${PW-d}"), Ok(vec!["PW".to_string()]));
        // An empty value hides nothing.
        assert_eq!(used("$BAR${BAR-x}"), Ok(vec![]));
        // `$$PW` is no variable.
        assert_eq!(used("$$PW"), Ok(vec![]));
    }

    #[test]
    fn errors_point_at_the_innermost_failing_dollar() {
        let vars = defaults();
        let err = |t: &str| interpolate(t, &vars).err().map(|e| (e.offset, e.message));
        assert_eq!(err("ab ${foo!}").map(|e| e.0), Some(3));
        assert_eq!(
            err("ab ${foo!} cd").map(|e| e.1),
            Some("invalid interpolation format \"${foo!}\"".into())
        );
        // The first one wins.
        assert_eq!(err("$FOO ${X:?one} ${Y:?two}").map(|e| e.0), Some(5));
        // Inside a default that is used: the inner `$`.
        assert_eq!(err("x ${UNSET:-a ${NOPE:?msg}}").map(|e| e.0), Some(13));
        assert_eq!(err("x ${UNSET:-a ${ }}").map(|e| e.0), Some(13));
        // In a required variable's message.
        assert_eq!(err("${U:?see ${}}").map(|e| e.0), Some(9));
        // After a template with an operator, in what the cut left.
        assert_eq!(err("${FOO-x} ${!}").map(|e| e.0), Some(9));
        // An unused default is not read, so its error does not count.
        assert_eq!(err("${FOO:-${!}}"), None);
    }

    #[test]
    fn messages_never_hold_a_raw_control_character() {
        let vars = map(&[("E", "line1\nline2\u{1b}[31m")]);
        let e = interpolate("${U:?bad $E}", &vars).unwrap_err();
        assert_eq!(
            e.message,
            r#"required variable U is missing a value: "bad line1\nline2\u{1b}[31m""#
        );
        let e = interpolate("\t${\u{7}x}", &vars).unwrap_err();
        assert_eq!(e.message, r#"invalid interpolation format "${\u{7}x}""#);
        assert_eq!(e.offset, 1);
        // A snippet stops at the line's end and at 60 characters.
        let e = interpolate("${a\nb}", &vars).unwrap_err();
        assert_eq!(e.message, r#"invalid interpolation format "${a""#);
        let long = format!("${{{}", "x".repeat(100));
        let e = interpolate(&long, &vars).unwrap_err();
        assert_eq!(
            e.message,
            format!("invalid interpolation format \"${{{}…\"", "x".repeat(58))
        );
    }

    /// How compose-go ends a template with an operator: the pattern runs to
    /// the line's last `}`, then the balancing `}` cuts it.
    #[test]
    fn closing_brace_quirks_follow_compose_go() {
        let vars = defaults();
        let value = |t: &str| interpolate(t, &vars).map(|o| o.value).map_err(|e| e.offset);
        assert_eq!(value("${U:-x}}"), Ok("x}".into()));
        assert_eq!(value("${U:-{a}b}c"), Ok("{a}bc".into()));
        assert_eq!(value("${U:-{}}"), Ok("{}".into()));
        // `{` skips the byte after it, so `{}` does not close: the template
        // runs to the last `}` of the line and swallows ` ${FOO}` when set...
        assert_eq!(value("${FOO:-{}} ${FOO}"), Ok("first".into()));
        // ...and reads `{}} ${FOO` as its default when not.
        assert_eq!(value("${U:-{}} ${FOO}"), Err(9));
        // Go's `.` stops at a newline: an argument is on one line.
        assert_eq!(value("${U:-a\nb}"), Err(0));
        assert_eq!(
            value("${U:-a}\n${FOO:-b}\n$FOO"),
            Ok("a\nfirst\nfirst".into())
        );
        assert_eq!(value("${U:-a} and ${U:-b}"), Ok("a and b".into()));
        // `${A}` never takes an operator later on the line.
        assert_eq!(value("${FOO}:-x}"), Ok("first:-x}".into()));
        assert_eq!(value("${U:-$}"), Ok("$".into()));
        assert_eq!(value("${U:-$$}"), Ok("$".into()));
        assert_eq!(value("$1 $-x $FOO1"), Ok("$1 $-x ".into()));
    }

    #[test]
    fn names_are_case_insensitive_ascii_plus_go_case_folds() {
        let vars = map(&[
            ("foo_1", "a"),
            ("x\u{17F}", "long s"),
            ("\u{212A}", "kelvin"),
        ]);
        let value = |t: &str| interpolate(t, &vars).map(|o| o.value);
        assert_eq!(value("$foo_1 ${foo_1}"), Ok("a a".into()));
        assert_eq!(value("$x\u{17F}.${\u{212A}}"), Ok("long s.kelvin".into()));
        // Other non-ASCII letters end a name, or start none.
        assert_eq!(value("$foo_1é $é"), Ok("aé $é".into()));
        assert!(interpolate("${é}", &vars).is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let vars = defaults();
        let deep = format!("{}x{}", "${U:-".repeat(10_000), "}".repeat(10_000));
        let e = interpolate(&deep, &vars).unwrap_err();
        assert_eq!(e.message, "interpolation nested more than 64 levels deep");
        assert_eq!(e.offset, 64 * 5);
        let ok = format!("{}x{}", "${U:-".repeat(64), "}".repeat(64));
        assert_eq!(interpolate(&ok, &vars).map(|o| o.value), Ok("x".into()));
        // Not used, not read.
        let unused = format!("{}x{}", "${FOO:-".repeat(10_000), "}".repeat(10_000));
        assert_eq!(
            interpolate(&unused, &vars).map(|o| o.value),
            Ok("first".into())
        );
    }

    #[test]
    fn many_templates_on_one_line_take_linear_time() {
        let vars = defaults();
        let line = "${FOO-x}${U:-y}$FOO ".repeat(50_000);
        let start = std::time::Instant::now();
        let out = interpolate(&line, &vars).map(|o| o.value.len());
        assert_eq!(out, Ok("firstyfirst ".len() * 50_000));
        assert!(
            start.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }

    // ---- A literal port of compose-go's algorithm, to check the shortcuts
    // (the cut part is scanned in place, not recursively; the operator is
    // chosen from the name and operator only; the line's last `}` is
    // cached) against it on every short string. ----

    #[derive(Debug, PartialEq)]
    enum Group {
        Escaped,
        Named(usize, usize),
        Braced(usize, usize),
        Invalid,
    }

    /// `DefaultPattern`, matched at the first `$` at or after `from` where
    /// it matches: (start, end, group).
    fn go_find(t: &str, from: usize) -> Option<(usize, usize, Group)> {
        let b = t.as_bytes();
        for (d, _) in t.char_indices().filter(|&(i, c)| i >= from && c == '$') {
            let next = t[d + 1..].chars().next();
            match next {
                Some('$') => return Some((d, d + 2, Group::Escaped)),
                Some(c) if is_name_start(c) => {
                    let e = name_end(t, d + 1);
                    return Some((d, e, Group::Named(d + 1, e)));
                }
                Some('{') => {
                    let e = name_end(t, d + 2);
                    if e > d + 2 {
                        // (?::?[-+?](.*))? then `}`, greedy, `.` no newline.
                        let mut arg = None;
                        if b.get(e) == Some(&b':')
                            && matches!(b.get(e + 1), Some(b'-' | b'+' | b'?'))
                        {
                            arg = Some(e + 2);
                        } else if matches!(b.get(e), Some(b'-' | b'+' | b'?')) {
                            arg = Some(e + 1);
                        }
                        if let Some(a) = arg {
                            let line_end = t[a..].find('\n').map_or(t.len(), |i| a + i);
                            if let Some(c) = t[a..line_end].rfind('}') {
                                return Some((d, a + c + 1, Group::Braced(d + 2, a + c)));
                            }
                        }
                        if b.get(e) == Some(&b'}') {
                            return Some((d, e + 1, Group::Braced(d + 2, e)));
                        }
                    }
                    return Some((d, d + 2, Group::Invalid));
                }
                _ => {}
            }
        }
        None
    }

    type GoResult = Result<String, (usize, String)>;

    /// `Substitute` (ReplaceAllStringFunc), logging unset names to `warn`.
    fn go_substitute(
        t: &str,
        base: usize,
        vars: &BTreeMap<String, String>,
        warn: &mut Vec<String>,
    ) -> GoResult {
        let mut out = String::new();
        let mut pos = 0;
        let mut first_err = None;
        while let Some((start, end, _)) = go_find(t, pos) {
            out.push_str(&t[pos..start]);
            match go_replace(&t[start..end], base + start, vars, warn) {
                Ok(s) => out.push_str(&s),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
            pos = end;
        }
        out.push_str(&t[pos..]);
        first_err.map_or(Ok(out), Err)
    }

    /// `DefaultReplacementAppliedFunc`.
    fn go_replace(
        sub: &str,
        base: usize,
        vars: &BTreeMap<String, String>,
        warn: &mut Vec<String>,
    ) -> GoResult {
        let op = choose_operator(sub);
        let (sub, rest, rest_base) = match first_brace_closing(sub.as_bytes()) {
            Some(c) => (&sub[..=c], &sub[c + 1..], base + c + 1),
            None => (sub, "", base + sub.len()),
        };
        let substitution = match go_find(sub, 0) {
            Some((0, _, Group::Escaped)) => return Ok("$".into()),
            Some((0, _, Group::Named(s, e))) => &sub[s..e],
            Some((0, _, Group::Braced(s, e))) => {
                let inner = &sub[s..e];
                if let Some(op) = op
                    && let Some(v) = go_apply(op, inner, base + s, base, vars, warn)
                {
                    return Ok(v? + &go_substitute(rest, rest_base, vars, warn)?);
                }
                inner
            }
            _ => return Err((base, "invalid".into())),
        };
        match vars.get(substitution) {
            Some(v) => Ok(v.clone()),
            None => {
                warn.push(substitution.to_string());
                Ok(String::new())
            }
        }
    }

    /// The six substitution functions: None when not applied.
    fn go_apply(
        op: Op,
        inner: &str,
        inner_base: usize,
        base: usize,
        vars: &BTreeMap<String, String>,
        warn: &mut Vec<String>,
    ) -> Option<GoResult> {
        let sep = OPERATORS.iter().find(|(_, o)| *o == op).map(|(s, _)| *s)?;
        let at = inner.find(sep)?;
        let (name, arg) = (&inner[..at], &inner[at + sep.len()..]);
        let arg_base = inner_base + at + sep.len();
        let value = vars.get(name).map(String::as_str);
        let mut arg = || go_substitute(arg, arg_base, vars, warn);
        Some(match op {
            Op::DefaultIfEmpty | Op::DefaultIfUnset => {
                let empty_too = op == Op::DefaultIfEmpty;
                match value {
                    Some(v) if !(empty_too && v.is_empty()) => Ok(v.to_string()),
                    _ => arg(),
                }
            }
            Op::IfNonEmpty | Op::IfSet => match value {
                Some(v) if op == Op::IfSet || !v.is_empty() => arg(),
                v => Ok(v.unwrap_or("").to_string()),
            },
            Op::RequiredNonEmpty | Op::Required => match value {
                Some(v) if op == Op::Required || !v.is_empty() => Ok(v.to_string()),
                _ => match arg() {
                    Ok(reason) if reason.is_empty() => Err((base, format!("required {name}"))),
                    Ok(reason) => Err((base, format!("required {name}: {reason}"))),
                    Err(e) => Err(e),
                },
            },
        })
    }

    /// Runs both on `t`; panics (with `t`) when they differ.
    fn check_against_go(t: &str, vars: &BTreeMap<String, String>) {
        let mut warn = Vec::new();
        let go = go_substitute(t, 0, vars, &mut warn);
        let ours = interpolate(t, vars);
        match (&go, &ours) {
            (Ok(v), Ok(o)) => {
                assert_eq!(v, &o.value, "{t:?}");
                let mut once = Vec::new();
                for w in warn {
                    if !once.contains(&w) {
                        once.push(w);
                    }
                }
                assert_eq!(once, o.unset, "{t:?}");
            }
            (Err((at, kind)), Err(e)) => {
                assert_eq!(*at, e.offset, "{t:?}");
                let ours_kind = if e.message.starts_with("invalid interpolation format ") {
                    "invalid".to_string()
                } else {
                    e.message
                        .replace("required variable ", "required ")
                        .replace(" is missing a value", "")
                };
                assert_eq!(kind, &ours_kind, "{t:?}");
            }
            _ => panic!("{t:?}: compose-go {go:?}, ours {ours:?}"),
        }
        if let Err(e) = &ours {
            assert!(!e.message.chars().any(char::is_control), "{t:?}");
            assert!(
                t.is_char_boundary(e.offset) && t[e.offset..].starts_with('$'),
                "{t:?}"
            );
        }
    }

    fn fuzz_vars() -> BTreeMap<String, String> {
        map(&[
            ("a", "v"),
            ("_", ""),
            ("a1", "{}"),
            ("_a", "$a"),
            ("a_", "w"),
        ])
    }

    #[test]
    fn every_short_string_matches_compose_go() {
        const ALPHABET: [char; 10] = ['$', '{', '}', ':', '-', '?', '+', 'a', '_', '1'];
        let vars = fuzz_vars();
        let mut count = 0;
        let mut current = vec![String::new()];
        for _len in 0..=4 {
            let mut next = Vec::new();
            for t in &current {
                check_against_go(t, &vars);
                count += 1;
                for c in ALPHABET {
                    next.push(format!("{t}{c}"));
                }
            }
            current = next;
        }
        assert_eq!(count, 11_111);
    }

    #[test]
    fn random_strings_match_compose_go() {
        const ALPHABET: [&str; 18] = [
            "$", "{", "}", ":", "-", "?", "+", "a", "_", "1", "\n", "é", "\u{17F}", " ", "${a",
            "${_:-", "}}", "$$",
        ];
        let vars = fuzz_vars();
        // A fixed LCG: the same strings every run, no crate.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        for _ in 0..20_000 {
            let len = next() % 24;
            let t: String = (0..len)
                .map(|_| ALPHABET[next() % ALPHABET.len()])
                .collect();
            check_against_go(&t, &vars);
        }
    }
}
