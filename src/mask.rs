//! Sensitive values: which environment variables hold secrets, how they
//! are shown (`(sensitive)`), and how they are kept out of the argv of the
//! processes paunch starts (`/proc/*/cmdline` is world-readable).
//!
//! A name is sensitive when, upper-cased, it contains one of
//! [`SUBSTRINGS`] (`DB_PASSWORD`, `GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`),
//! has one of [`WORDS`] as a word (`API_KEY`, `DB_PASS`; not `KEYBOARD` or
//! `MONKEY`), or matches a `--sensitive-env` glob (`*_DSN`, `DATABASE_URL`,
//! case-insensitive). Over-masking is the safe side: a masked value that
//! was not secret costs a reader one look at the configuration.
//!
//! Masking is structural: paunch knows every place a value reaches what it
//! prints (an entry's `environment` map or `KEY=VALUE` list, a Pod's `env`,
//! the `config_data` label, `--env=` arguments, docker's `Env`, the lines
//! of a `config_data` diff), so it masks those and nothing else; values
//! are compared unmasked, so a changed secret still replaces its
//! container and its diff line says `(sensitive, changed)`.
//!
//! The pure functions take a [`Sensitive`]; the process-wide one (the
//! built-in rules and `--sensitive-env`, plus a saved plan's own patterns)
//! is [`current`], set by the binary with [`add_patterns`].

use crate::value::Value;
use std::borrow::Cow;
use std::sync::RwLock;

/// What a sensitive value is shown as.
pub const MASK: &str = "(sensitive)";

/// What a changed sensitive value is shown as in a diff.
pub const MASK_CHANGED: &str = "(sensitive, changed)";

/// Parts of a name that make it sensitive wherever they appear.
pub const SUBSTRINGS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "CREDENTIAL",
    "PRIVATE",
    "APIKEY",
];

/// Words of a name (split at anything not a letter or digit, and where a
/// lower-case letter meets an upper-case one) that make it sensitive.
pub const WORDS: &[&str] = &["KEY", "PASS", "PWD"];

/// Names that look sensitive by [`WORDS`] but are well known not to be:
/// the shell's working directory.
const NOT_SENSITIVE: &[&str] = &["PWD", "OLDPWD"];

/// The rules that say which environment names are sensitive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sensitive {
    patterns: Vec<String>,
}

static CURRENT: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Adds `--sensitive-env` patterns (or a saved plan's) to the process-wide
/// rules.
pub fn add_patterns(patterns: &[String]) {
    if let Ok(mut p) = CURRENT.write() {
        for pat in patterns {
            if !p.contains(pat) {
                p.push(pat.clone());
            }
        }
    }
}

/// The process-wide rules: the built-in ones and every pattern added.
pub fn current() -> Sensitive {
    Sensitive {
        patterns: CURRENT.read().map(|p| p.clone()).unwrap_or_default(),
    }
}

/// The process-wide rules and a plan's own `sensitive_env` patterns: how
/// everything that shows a plan masks it.
pub fn for_plan(plan_patterns: &[String]) -> Sensitive {
    let mut rules = current();
    for p in plan_patterns {
        if !rules.patterns.contains(p) {
            rules.patterns.push(p.clone());
        }
    }
    rules
}

impl Sensitive {
    /// The built-in rules and these extra glob patterns.
    pub fn with_patterns(patterns: &[String]) -> Sensitive {
        Sensitive {
            patterns: patterns.to_vec(),
        }
    }

    /// The extra patterns (what a saved plan records).
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Whether an environment variable of this name holds a secret.
    pub fn name(&self, name: &str) -> bool {
        let upper = name.to_ascii_uppercase();
        if NOT_SENSITIVE.contains(&upper.as_str()) {
            return false;
        }
        SUBSTRINGS.iter().any(|s| upper.contains(s))
            || words(name).any(|w| WORDS.contains(&w.to_ascii_uppercase().as_str()))
            || self
                .patterns
                .iter()
                .any(|p| glob(&p.to_ascii_uppercase(), &upper))
    }

    /// An engine argument as shown: `--env=NAME=VALUE` of a sensitive name
    /// with its value masked, a `--label=config_data=...` with the
    /// entry's sensitive values masked; others as they are.
    pub fn arg<'a>(&self, arg: &'a str) -> Cow<'a, str> {
        for flag in ["--env=", "--build-arg="] {
            if let Some(rest) = arg.strip_prefix(flag)
                && let Some((name, _)) = rest.split_once('=')
                && self.name(name)
            {
                return Cow::Owned(format!("{flag}{name}={MASK}"));
            }
        }
        if let Some(label) = arg.strip_prefix("--label=config_data=")
            && let Cow::Owned(masked) = self.config_data(label)
        {
            return Cow::Owned(format!("--label=config_data={masked}"));
        }
        Cow::Borrowed(arg)
    }

    /// A `config_data` label with the sensitive values of its entry masked
    /// (re-encoded as the label is); as it is when it holds none.
    pub fn config_data<'a>(&self, label: &'a str) -> Cow<'a, str> {
        let Some(mut v) = crate::labels::decode_config_data(label) else {
            return Cow::Borrowed(label);
        };
        if self.value(&mut v) {
            Cow::Owned(crate::labels::encode_config_data(&v))
        } else {
            Cow::Borrowed(label)
        }
    }

    /// Masks an entry-shaped value in place (its `environment`, at any
    /// depth); whether anything was masked.
    pub fn value(&self, v: &mut Value) -> bool {
        match v {
            Value::Map(m) => {
                let mut changed = false;
                let keys: Vec<String> = m.keys().cloned().collect();
                for k in keys {
                    let Some(item) = m.get(&k) else { continue };
                    let mut item = item.clone();
                    let masked = if k == "environment" {
                        self.environment(&mut item)
                    } else if k == "build" {
                        // A compose build's `args`, which the engine
                        // takes as `--build-arg`.
                        self.build_args(&mut item)
                    } else {
                        self.value(&mut item)
                    };
                    if masked {
                        m.insert(k, item);
                        changed = true;
                    }
                }
                changed
            }
            Value::List(items) => {
                // Every item, not only up to the first masked one.
                let mut changed = false;
                for item in items {
                    changed |= self.value(item);
                }
                changed
            }
            _ => false,
        }
    }

    /// The `args` of a compose service's `build`.
    fn build_args(&self, build: &mut Value) -> bool {
        let Value::Map(b) = build else { return false };
        let Some(mut args) = b.get("args").cloned() else {
            return false;
        };
        let masked = self.environment(&mut args);
        if masked {
            b.insert("args".into(), args);
        }
        masked
    }

    /// An `environment` map or `KEY=VALUE` list.
    fn environment(&self, v: &mut Value) -> bool {
        match v {
            Value::Map(m) => {
                let secret: Vec<String> = m
                    .iter()
                    .filter(|(k, v)| self.name(k) && !matches!(v, Value::Null))
                    .map(|(k, _)| k.clone())
                    .collect();
                for k in &secret {
                    m.insert(k.clone(), Value::String(MASK.into()));
                }
                !secret.is_empty()
            }
            Value::List(items) => {
                let mut changed = false;
                for item in items {
                    if let Value::String(s) = item
                        && let Some((name, _)) = s.split_once('=')
                        && self.name(name)
                    {
                        *s = format!("{name}={MASK}");
                        changed = true;
                    }
                }
                changed
            }
            _ => false,
        }
    }

    /// Masks a JSON document in place: every place a value of the
    /// configuration reaches (entries' `environment`, Pods' `env`,
    /// `config_data` labels, engine arguments, docker's `Env`, diffs).
    pub fn json(&self, v: &mut serde_json::Value) {
        use serde_json::Value as J;
        match v {
            J::Object(m) => {
                for (k, item) in m.iter_mut() {
                    match (k.as_str(), &mut *item) {
                        ("environment", J::Object(env)) => {
                            for (name, value) in env.iter_mut() {
                                if self.name(name) && !value.is_null() {
                                    *value = J::String(MASK.into());
                                }
                            }
                        }
                        ("environment" | "Env", J::Array(list)) => self.pairs(list),
                        ("env", J::Array(list)) => self.pod_env(list),
                        ("build", J::Object(b)) => {
                            if let Some(J::Object(args)) = b.get_mut("args") {
                                for (name, value) in args.iter_mut() {
                                    if self.name(name) && !value.is_null() {
                                        *value = J::String(MASK.into());
                                    }
                                }
                            }
                            self.json(item);
                        }
                        ("config_data", J::String(s)) => {
                            if let Cow::Owned(masked) = self.config_data(s) {
                                *s = masked;
                            }
                        }
                        ("diff", J::String(s)) => {
                            if let Cow::Owned(masked) = self.diff(s) {
                                *s = masked;
                            }
                        }
                        _ => self.json(item),
                    }
                }
            }
            J::Array(items) => {
                for item in items {
                    if let J::String(s) = item {
                        if let Cow::Owned(masked) = self.arg(s) {
                            *s = masked;
                        }
                    } else {
                        self.json(item);
                    }
                }
            }
            _ => {}
        }
    }

    fn pairs(&self, list: &mut [serde_json::Value]) {
        for item in list {
            if let serde_json::Value::String(s) = item
                && let Some((name, _)) = s.split_once('=')
                && self.name(name)
            {
                *s = format!("{name}={MASK}");
            } else {
                self.json(item);
            }
        }
    }

    /// A Pod container's `env`: `{name, value}` items.
    fn pod_env(&self, list: &mut [serde_json::Value]) {
        for item in list {
            if let serde_json::Value::Object(m) = item
                && m.get("name")
                    .and_then(|n| n.as_str())
                    .is_some_and(|n| self.name(n))
                && let Some(value) = m.get_mut("value")
                && value.is_string()
            {
                *value = serde_json::Value::String(MASK.into());
            } else {
                self.json(item);
            }
        }
    }

    /// A `config_data` diff (pretty-printed JSON lines, each led by ` `,
    /// `-` or `+`) with sensitive values masked: an added line of a name
    /// that also has a removed line says `(sensitive, changed)`.
    pub fn diff<'a>(&self, diff: &'a str) -> Cow<'a, str> {
        let removed: Vec<String> = diff
            .lines()
            .filter_map(|l| l.strip_prefix('-'))
            .filter_map(|l| self.diff_line_name(l))
            .collect();
        let mut out = String::with_capacity(diff.len());
        let mut changed = false;
        for line in diff.split_inclusive('\n') {
            let (body, end) = match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            };
            let mut chars = body.chars();
            let lead = chars.next();
            let rest = chars.as_str();
            let name = match lead {
                Some(' ' | '-' | '+') => self.diff_line_name(rest),
                _ => None,
            };
            match (lead, name) {
                (Some(c), Some(name)) => {
                    let shown = if c == '+' && removed.contains(&name) {
                        MASK_CHANGED
                    } else {
                        MASK
                    };
                    out.push(c);
                    out.push_str(&mask_diff_line(rest, &name, shown));
                    out.push_str(end);
                    changed = true;
                }
                _ => out.push_str(line),
            }
        }
        if changed {
            Cow::Owned(out)
        } else {
            Cow::Borrowed(diff)
        }
    }

    /// The sensitive name a pretty-printed line sets: `"NAME": value` or
    /// `"NAME=value"`.
    fn diff_line_name(&self, line: &str) -> Option<String> {
        let t = line.trim_start().strip_prefix('"')?;
        let end = t.find(['"', '='])?;
        let name = &t[..end];
        let after = &t[end..];
        let sets = after.starts_with('=') || after.starts_with("\": ");
        (sets && !name.is_empty() && self.name(name)).then(|| name.to_string())
    }
}

/// A pretty-printed line with its value replaced by `shown`, keeping its
/// indentation and trailing comma.
fn mask_diff_line(line: &str, name: &str, shown: &str) -> String {
    let indent = &line[..line.len() - line.trim_start().len()];
    let comma = if line.trim_end().ends_with(',') {
        ","
    } else {
        ""
    };
    let t = line.trim_start();
    if t.starts_with(&format!("\"{name}=")) {
        format!("{indent}\"{name}={shown}\"{comma}")
    } else {
        format!("{indent}\"{name}\": \"{shown}\"{comma}")
    }
}

/// The words of a name: split at anything not a letter or digit, and
/// where a lower-case letter is followed by an upper-case one (`apiKey`).
fn words(name: &str) -> impl Iterator<Item = &str> {
    let mut cuts = Vec::new();
    let bytes = name.as_bytes();
    let mut start = 0;
    for i in 0..bytes.len() {
        let b = bytes[i];
        if !b.is_ascii_alphanumeric() {
            cuts.push((start, i));
            start = i + 1;
        } else if i > start && bytes[i - 1].is_ascii_lowercase() && b.is_ascii_uppercase() {
            cuts.push((start, i));
            start = i;
        }
    }
    cuts.push((start, bytes.len()));
    cuts.into_iter()
        .filter(|(a, b)| a < b)
        .map(move |(a, b)| &name[a..b])
}

/// A glob of `*` (any run) and `?` (one character) over the whole text.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matching with one backtrack point: linear in practice.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Splits an engine call's argv into what may be seen in
/// `/proc/PID/cmdline` and what may not: each `--env=NAME=VALUE` of a
/// sensitive name becomes `--env=NAME` with the value given to the engine
/// CLI through its own environment (which only its user can read), and a
/// label holding one of those values (the `config_data` label) goes to a
/// label file instead.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// The argv to run.
    pub argv: Vec<String>,
    /// Environment variables for the engine CLI's own process.
    pub env: Vec<(String, String)>,
    /// `KEY=VALUE` lines for a `--label-file`, inserted after the
    /// subcommand as `--label-file=PATH` by whoever runs it.
    pub labels: Vec<String>,
}

impl Sensitive {
    /// [`Split`] of an argv: what moves out of it.
    pub fn split(&self, argv: &[String]) -> Split {
        let mut split = Split::default();
        let mut secrets: Vec<String> = Vec::new();
        for a in argv {
            // `--build-arg=NAME`, as `--env=NAME`, takes the value from the
            // engine CLI's environment.
            let flag = ["--env=", "--build-arg="]
                .into_iter()
                .find(|f| a.starts_with(f));
            if let Some(flag) = flag
                && let Some((name, value)) = a[flag.len()..].split_once('=')
                && self.name(name)
            {
                split.argv.push(format!("{flag}{name}"));
                split.env.push((name.to_string(), value.to_string()));
                if !value.is_empty() {
                    secrets.push(value.to_string());
                    // As the label's JSON writes it.
                    let encoded = crate::pyjson::dumps(&Value::String(value.to_string()));
                    secrets.push(encoded.trim_matches('"').to_string());
                }
            } else {
                split.argv.push(a.clone());
            }
        }
        // `build` has no label file; its labels are the image's own,
        // never a `config_data`.
        if secrets.is_empty() || argv.first().is_some_and(|a| a == "build") {
            return split;
        }
        let mut kept = Vec::with_capacity(split.argv.len());
        for a in split.argv {
            match a.strip_prefix("--label=") {
                Some(label) if secrets.iter().any(|s| label.contains(s.as_str())) => {
                    split.labels.push(label.to_string());
                }
                _ => kept.push(a),
            }
        }
        split.argv = kept;
        split
    }
}

/// Text as a terminal may show it: control characters (but newline and
/// tab), DEL, C1 controls, and the bidirectional and invisible formatting
/// characters that make a reader see other text than is there, written as
/// `\u{1b}`. Everything paunch prints of what it did not write itself
/// (names, commands, engine messages, lock holders) goes through this.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`escape_controls`] for a text that must stay one line (a lock holder,
/// a name read from a file): newlines and tabs are escaped too.
pub fn escape_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\n' || c == '\t' || needs_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c,
            '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}')
}

/// Escapes, in JSON text serde_json wrote, what it leaves raw but a
/// terminal acts on (DEL, C1 controls, bidirectional overrides): as
/// `\uXXXX`, which is the same JSON.
pub fn escape_json_text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c != '\n' && c != '\t' && needs_escape(c) {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> Sensitive {
        Sensitive::with_patterns(&["*_DSN".to_string()])
    }

    #[test]
    fn names() {
        let s = s();
        for yes in [
            "DB_PASSWORD",
            "mysql_root_password",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "API_KEY",
            "apiKey",
            "DB_PASS",
            "SSH_PRIVATE",
            "credentials",
            "SENTRY_DSN",
            "APIKEY",
        ] {
            assert!(s.name(yes), "{yes}");
        }
        for no in [
            "KEYBOARD",
            "MONKEY",
            "PATH",
            "LOG_LEVEL",
            "PWD",
            "PASSAGE",
            "DSN_HOST",
        ] {
            assert!(!s.name(no), "{no}");
        }
    }

    #[test]
    fn globs() {
        assert!(glob("*_DSN", "SENTRY_DSN"));
        assert!(glob("A?C", "ABC"));
        assert!(glob("*", ""));
        assert!(!glob("*_DSN", "SENTRY_DSNX"));
        assert!(glob("*A*B*", "XXAYYBZZ"));
    }

    #[test]
    fn args_are_masked() {
        let s = s();
        assert_eq!(
            s.arg("--env=DB_PASSWORD=hunter2"),
            "--env=DB_PASSWORD=(sensitive)"
        );
        assert_eq!(s.arg("--env=LOG=debug"), "--env=LOG=debug");
        let label = r#"--label=config_data={"image": "x", "environment": {"DB_PASSWORD": "hunter2", "A": "b"}}"#;
        let masked = s.arg(label);
        assert!(!masked.contains("hunter2"), "{masked}");
        assert!(masked.contains(r#""A": "b""#), "{masked}");
    }

    #[test]
    fn a_changed_secret_says_so_in_the_diff() {
        let diff = "@@ -1,4 +1,4 @@\n   \"environment\": {\n-    \"DB_PASSWORD\": \"old\",\n+    \"DB_PASSWORD\": \"new\",\n     \"TOKEN\": \"same\"\n   }\n";
        let masked = s().diff(diff);
        assert!(
            !masked.contains("old") && !masked.contains("new"),
            "{masked}"
        );
        assert!(
            masked.contains("-    \"DB_PASSWORD\": \"(sensitive)\",\n"),
            "{masked}"
        );
        assert!(
            masked.contains("+    \"DB_PASSWORD\": \"(sensitive, changed)\",\n"),
            "{masked}"
        );
        assert!(
            masked.contains("     \"TOKEN\": \"(sensitive)\"\n"),
            "{masked}"
        );
        let list = "-    \"DB_PASSWORD=old\",\n+    \"DB_PASSWORD=new\"\n";
        let masked = s().diff(list);
        assert_eq!(
            masked,
            "-    \"DB_PASSWORD=(sensitive)\",\n+    \"DB_PASSWORD=(sensitive, changed)\"\n"
        );
    }

    #[test]
    fn secrets_leave_the_argv() {
        let argv: Vec<String> = [
            "run",
            "--name=db",
            "--env=DB_PASSWORD=hunter2",
            "--env=A=1",
            "--label=config_id=x",
            r#"--label=config_data={"environment": {"DB_PASSWORD": "hunter2"}}"#,
            "image",
        ]
        .map(String::from)
        .to_vec();
        let split = s().split(&argv);
        assert!(
            split.argv.iter().all(|a| !a.contains("hunter2")),
            "{split:?}"
        );
        assert!(split.argv.contains(&"--env=DB_PASSWORD".to_string()));
        assert!(split.argv.contains(&"--label=config_id=x".to_string()));
        assert_eq!(split.env, [("DB_PASSWORD".into(), "hunter2".into())]);
        assert_eq!(split.labels.len(), 1);
        let plain = s().split(&argv[..2]);
        assert_eq!(plain.argv, argv[..2]);
    }

    /// A compose build's secret-looking `args` leave its argv as
    /// `--env` values do, and are masked where shown.
    #[test]
    fn build_args_leave_the_argv() {
        let argv: Vec<String> = [
            "build",
            "--tag=x",
            "--build-arg=API_TOKEN=t0k",
            "--build-arg=V=1",
            "--",
            "/c",
        ]
        .map(String::from)
        .to_vec();
        let split = s().split(&argv);
        assert_eq!(
            split.argv,
            [
                "build",
                "--tag=x",
                "--build-arg=API_TOKEN",
                "--build-arg=V=1",
                "--",
                "/c"
            ]
        );
        assert_eq!(split.env, [("API_TOKEN".to_string(), "t0k".to_string())]);
        assert!(split.labels.is_empty());
        assert_eq!(
            s().arg("--build-arg=API_TOKEN=t0k"),
            format!("--build-arg=API_TOKEN={MASK}")
        );
        let mut v = crate::labels::decode_config_data(
            r#"{"build": {"args": {"API_TOKEN": "t0k", "V": "1"}}}"#,
        )
        .unwrap();
        assert!(s().value(&mut v));
        assert!(!crate::labels::encode_config_data(&v).contains("t0k"));
    }

    #[test]
    fn controls_are_escaped() {
        assert_eq!(escape_controls("a\u{1b}[8mb"), "a\\u{1b}[8mb");
        assert_eq!(escape_controls("ok\n"), "ok\n");
        assert_eq!(escape_controls("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escape_json_text("\"\u{9b}\""), "\"\\u009b\"");
    }
}
