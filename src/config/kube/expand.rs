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
//!
//! The Pod reader expands within bounds ([`Cx::expand`]): one value at
//! most what the kernel passes in one argument, a container's values at
//! most its engine command line, a manifest's at most
//! [`MAX_EXPANDED_BYTES`].

use super::container::Container;
use super::node::{Pos, pos_of, s, scalar_text};
use super::reader::Cx;
use crate::config::entry::{MAX_ARG_BYTES, MAX_ARGV_BYTES};
use crate::yaml::{Node, NodeData};

/// At most this much text written by `$(NAME)` expansion in one manifest:
/// what the YAML loader lets anchors and aliases copy (its budget counts
/// each byte of text twice, as written and as a value).
pub const MAX_EXPANDED_BYTES: usize = crate::yaml::MAX_COPY_BYTES / 2;

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

/// The value of an env item read so far, for `$(NAME)`.
fn env_value<'a>(env: &'a [(String, Node)], name: &str) -> Option<&'a str> {
    env.iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| scalar_text(v))
}

impl Cx<'_> {
    /// `text` with its `$(NAME)` references expanded by `env`, within
    /// bounds: what the engine CLI takes (one value at most what the kernel
    /// passes in one argument or environment string, a container's values
    /// together at most its whole argv), and the manifest's values together
    /// at most [`MAX_EXPANDED_BYTES`]. Past them, the text as written and an
    /// error: forty `$(A)` in each of a few env items make gigabytes of a
    /// 4 KB manifest, as an alias bomb does.
    pub(super) fn expand(
        &mut self,
        text: &str,
        env: &[(String, Node)],
        spent: &mut usize,
        at: Pos,
    ) -> String {
        if !text.contains('$') || *spent == usize::MAX {
            return text.to_string();
        }
        let container_left = MAX_ARGV_BYTES.saturating_sub(*spent);
        let max = MAX_ARG_BYTES.min(container_left).min(self.expansion_left);
        if let Some(out) = expand_within(text, |r| env_value(env, r), max) {
            self.expansion_left -= out.len();
            *spent += out.len();
            return out;
        }
        let message = if max == self.expansion_left {
            format!(
                "$(NAME) references expand to more than {} MiB of text in the manifest; refusing to read it (a reference bomb?)",
                MAX_EXPANDED_BYTES >> 20
            )
        } else if max == container_left {
            format!(
                "the container's $(NAME) references expand to more than {MAX_ARGV_BYTES} bytes together, more than its engine command line can hold"
            )
        } else {
            format!(
                "its $(NAME) references expand to more than {MAX_ARG_BYTES} bytes, more than the kernel passes in one argument or environment string"
            )
        };
        if self.expansion_left > 0 {
            self.error(
                at,
                message,
                Some("write $$(NAME) for a literal $(NAME)".into()),
            );
        }
        // One error for the manifest is enough once its budget is spent,
        // and one per container once the container's is.
        if max == self.expansion_left {
            self.expansion_left = 0;
        } else if max == container_left {
            *spent = usize::MAX;
        }
        text.to_string()
    }

    /// A container's `command` and `args` expanded with its whole env,
    /// wherever it was written in the container.
    pub(super) fn expand_words(&mut self, c: &mut Container) {
        for (key, node) in c.keys.iter_mut() {
            if let ("entrypoint" | "command", NodeData::Seq(words)) = (*key, &mut node.data) {
                for w in words.iter_mut() {
                    let expanded = scalar_text(w)
                        .filter(|t| t.contains('$'))
                        .map(|t| self.expand(t, &c.env, &mut c.expanded, pos_of(w)));
                    if let Some(text) = expanded {
                        *w = s(&text, pos_of(w));
                    }
                }
            }
        }
    }
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
