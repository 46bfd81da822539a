//! Kubernetes' dependent variables: `$(NAME)` in a container's `command`,
//! `args` and `env` values, expanded as the kubelet expands them, so that
//! a manifest moved from a cluster starts the same processes here.
//!
//! - `$(NAME)` becomes the variable's value when it is defined (for an
//!   `env` value: by an earlier item of the same list; for `command` and
//!   `args`: by any item), and stays as written otherwise.
//! - `$$` is one `$`, so `$$(NAME)` is the text `$(NAME)`.
//! - Any other `$` (`$NAME`, `${NAME}`, an unclosed `$(`) stays as
//!   written: those are the shell's, inside the container.

/// `text` with its `$(NAME)` references expanded by `lookup`.
///
/// ```
/// use paunch::config::kube::expand;
/// let env = |n: &str| (n == "PORT").then_some("8080");
/// assert_eq!(expand("--port=$(PORT)", env), "--port=8080");
/// assert_eq!(expand("$(HOST):$(PORT)", env), "$(HOST):8080");
/// assert_eq!(expand("$$(PORT) $PORT ${PORT}", env), "$(PORT) $PORT ${PORT}");
/// ```
pub fn expand<'a>(text: &str, lookup: impl Fn(&str) -> Option<&'a str>) -> String {
    expand_within(text, lookup, usize::MAX).unwrap_or_default()
}

/// [`expand`], or `None` as soon as the text grows past `max` bytes: an
/// env item of forty `$(A)` expanded into the next one's forty makes a 4 KB
/// manifest gigabytes, as an alias bomb does.
///
/// ```
/// use paunch::config::kube::expand_within;
/// let env = |n: &str| (n == "A").then_some("xxxx");
/// assert_eq!(expand_within("$(A)$(A)", env, 8).as_deref(), Some("xxxxxxxx"));
/// assert_eq!(expand_within("$(A)$(A)$(A)", env, 8), None);
/// ```
pub fn expand_within<'a>(
    text: &str,
    lookup: impl Fn(&str) -> Option<&'a str>,
    max: usize,
) -> Option<String> {
    let mut out = String::with_capacity(text.len().min(max));
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        if out.len() > max {
            return None;
        }
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(more) = after.strip_prefix('$') {
            out.push('$');
            rest = more;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            let name = &inner[..end];
            match lookup(name) {
                Some(value) => out.push_str(value),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    (out.len() <= max).then_some(out)
}

/// `text` written so that [`expand`] reads it back unchanged, whatever is
/// defined: a `$` before `$` or `(` is doubled, any other is left alone
/// (an exported `PRICE=$5` stays `$5`).
///
/// ```
/// use paunch::config::kube::{escape, expand};
/// assert_eq!(escape("$(HOME) costs $5, pid $$"), "$$(HOME) costs $5, pid $$$");
/// assert_eq!(expand(&escape("$(HOME)"), |_| Some("/root")), "$(HOME)");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '$' && matches!(chars.peek(), Some('$' | '(')) {
            out.push('$');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, expand};

    fn env(name: &str) -> Option<&'static str> {
        match name {
            "A" => Some("1"),
            "EMPTY" => Some(""),
            "DOLLAR" => Some("$(A)"),
            _ => None,
        }
    }

    #[test]
    fn defined_references_expand_and_others_stay() {
        assert_eq!(expand("x$(A)y$(B)z", env), "x1y$(B)z");
        assert_eq!(expand("[$(EMPTY)]", env), "[]");
        assert_eq!(expand("no references", env), "no references");
    }

    #[test]
    fn dollars_escape_and_the_shells_syntax_is_left_alone() {
        assert_eq!(expand("$$(A)", env), "$(A)");
        assert_eq!(expand("$$$(A)", env), "$1");
        assert_eq!(expand("$$", env), "$");
        assert_eq!(expand("$A ${A} $", env), "$A ${A} $");
        assert_eq!(expand("$(A", env), "$(A");
        assert_eq!(expand("price $5", env), "price $5");
    }

    #[test]
    fn a_value_is_not_expanded_again() {
        assert_eq!(expand("$(DOLLAR)", env), "$(A)");
    }

    #[test]
    fn escaped_text_expands_back_to_itself() {
        for t in [
            "",
            "$",
            "$$",
            "$$$",
            "$(A)",
            "$$(A)",
            "a$(A",
            "$(A)$(B)$",
            "$A ${A}",
            "(A)$",
        ] {
            assert_eq!(
                expand(&escape(t), env),
                t,
                "{t:?} escaped as {:?}",
                escape(t)
            );
        }
    }
}
