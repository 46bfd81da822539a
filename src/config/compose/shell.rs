//! A string `command`/`entrypoint` split into words as a POSIX shell
//! splits them (no expansion): compose's rule (docker-compose 1.29 uses
//! Python's `shlex.split`, compose v2 `go-shellwords`), not the original
//! paunch's whitespace split.

/// The words of `s`, or what is wrong (an unterminated quote, a trailing
/// backslash).
pub(super) fn split(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word has begun (`''` is one empty word).
    let mut started = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            '\'' => {
                started = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("a ' is not closed".into()),
                    }
                }
            }
            '"' => {
                started = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        // Inside double quotes a backslash escapes only
                        // these, as in a POSIX shell.
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => word.push(e),
                            Some('\n') => {}
                            Some(e) => {
                                word.push('\\');
                                word.push(e);
                            }
                            None => return Err("a \" is not closed".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("a \" is not closed".into()),
                    }
                }
            }
            '\\' => {
                started = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(e) => word.push(e),
                    None => return Err("it ends with a lone backslash".into()),
                }
            }
            c => {
                started = true;
                word.push(c);
            }
        }
    }
    if started {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_as_a_shell_does() {
        let cases: &[(&str, &[&str])] = &[
            ("sh -c 'echo hi there'", &["sh", "-c", "echo hi there"]),
            (r#"echo "a \"b\" c" d"#, &["echo", r#"a "b" c"#, "d"]),
            (r"a\ b c", &["a b", "c"]),
            ("  lead   trail  ", &["lead", "trail"]),
            ("x '' y", &["x", "", "y"]),
            (r#""a\nb""#, &[r"a\nb"]),
            ("a'b'\"c\"d", &["abcd"]),
            ("", &[]),
        ];
        for (input, want) in cases {
            let want: Vec<String> = want.iter().map(|w| (*w).to_string()).collect();
            assert_eq!(split(input), Ok(want), "{input}");
        }
    }

    #[test]
    fn unterminated_quotes_are_errors() {
        for bad in ["'open", "\"open", "end\\", "\"a\\"] {
            assert!(split(bad).is_err(), "{bad}");
        }
    }
}
