//! What a new user runs first works on the engine under test: every file
//! in `examples/` (the directory is read, so a new example is covered
//! without touching this file) validates with no warning, applies with
//! `--wait`, applies again changing nothing, and deletes; and README's
//! walkthrough, run as written, prints what README shows.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The image every example names (README says why it is a local one):
/// built by the same script, under the same lock, as the tests' image.
const EXAMPLE_IMAGE: &str = "paunch-examples/busybox:1";

/// The examples and the walkthrough use fixed container names (`hello`,
/// `demo-db`, ...) as an operator would, not the tests' prefixed ones:
/// the two tests take turns, or one's `hello` would be the other's
/// suffixed name.
static FIXED_NAMES: Mutex<()> = Mutex::new(());

fn fixed_names() -> MutexGuard<'static, ()> {
    // A panic in the other test does not make the names any less free.
    FIXED_NAMES.lock().unwrap_or_else(|e| e.into_inner())
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn example_files() -> Vec<PathBuf> {
    let dir = repo().join("examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("examples/ entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_validates_applies_with_wait_reapplies_unchanged_and_deletes() {
    let _turn = fixed_names();
    require_engine();
    ensure_image(EXAMPLE_IMAGE, &[]);
    let files = example_files();
    assert!(
        files.len() >= 3,
        "examples/ holds {} files: README's three are missing",
        files.len()
    );
    for file in &files {
        check_example(file);
    }
}

/// `what` of `file` exited `code`, or the test fails naming both.
#[track_caller]
fn expect(run: Run, code: i32, file: &Path, what: &str) -> Run {
    assert_eq!(
        run.code,
        code,
        "{what} of {} exited {} (expected {code}):\n{}\n{}",
        file.display(),
        run.code,
        run.stdout,
        run.stderr
    );
    run
}

#[track_caller]
fn no_warning(run: &Run, file: &Path, what: &str) {
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        !all.contains("warning"),
        "{what} of {} warns:\n{all}",
        file.display()
    );
}

fn check_example(file: &Path) {
    let f = file.to_str().expect("test paths are UTF-8");
    eprintln!("example {f}");
    let validate = paunch(&["validate", "--file", f]);
    no_warning(&expect(validate, 0, file, "validate"), file, "validate");
    let json = paunch(&["validate", "--file", f, "--format", "json"]);
    let v: serde_json::Value =
        serde_json::from_str(&expect(json, 0, file, "validate --format json").stdout)
            .expect("validate --format json prints JSON");
    assert_eq!(v["warnings"], serde_json::json!([]), "{f}: {v}");
    assert_eq!(v["diagnostics"], serde_json::json!([]), "{f}: {v}");

    // Dropped after the scope: its containers go before its volumes.
    let _volumes = NewVolumes::of(file);
    let s = Scope::new("example");
    let id = format!("example-{}", s.prefix.trim_end_matches('-'));
    let apply = ["apply", "--wait", "--wait-timeout", "120", "--file", f];
    let apply: Vec<&str> = apply.iter().copied().chain(["--config-id", &id]).collect();
    let first = expect(s.paunch(&apply), 0, file, "apply --wait");
    no_warning(&first, file, "apply --wait");
    let made = s.managed();
    assert!(!made.is_empty(), "{f}: apply made no container");
    let ids: Vec<String> = made.iter().map(|n| id_of(n)).collect();

    expect(s.paunch(&apply), 0, file, "a second apply --wait");
    assert_eq!(s.managed(), made, "{f}: the second apply changed names");
    let again: Vec<String> = made.iter().map(|n| id_of(n)).collect();
    assert_eq!(again, ids, "{f}: the second apply replaced a container");
    let plan = [
        "plan",
        "--file",
        f,
        "--config-id",
        &id,
        "--detailed-exitcode",
    ];
    expect(s.paunch(&plan), 0, file, "plan --detailed-exitcode");

    expect(s.paunch(&["delete", &id]), 0, file, "delete");
    assert_eq!(s.managed(), Vec::<String>::new(), "{f}: delete left some");
}

/// The named volumes an example's containers use that the engine does not
/// have yet: removed on drop (a volume that was there before is someone
/// else's, and stays).
struct NewVolumes(Vec<String>);

impl NewVolumes {
    fn of(file: &Path) -> NewVolumes {
        let config =
            paunch::Config::load(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut names: Vec<String> = config
            .entries
            .iter()
            .flat_map(|e| e.strings("volumes"))
            .filter_map(|v| v.split(':').next())
            .filter(|src| !src.is_empty() && !src.contains('/'))
            .map(str::to_string)
            .collect();
        names.sort();
        names.dedup();
        names.retain(|n| engine(&["volume", "inspect", n]).is_err());
        NewVolumes(names)
    }
}

impl Drop for NewVolumes {
    fn drop(&mut self) {
        for v in &self.0 {
            let _ = engine(&["volume", "rm", "-f", v]);
        }
    }
}

/// README's walkthrough, block by block in the order README gives them:
/// a `sh` block runs as one shell script that must succeed; in a
/// `console` block each `$ COMMAND` runs in a shell and what README shows
/// under it must appear, line for line, in what it printed. `paunch` is
/// the binary under test behind a wrapper that keeps this test's
/// `--managed-by` names (`docker-cmd` becomes SCOPE-docker-cmd); the
/// output is read back with README's names (`paunch`, `docker`) and with
/// every container ID as `<id>` (README's are from one run).
#[test]
fn readme_walkthrough_prints_what_readme_shows() {
    let _turn = fixed_names();
    require_engine();
    ensure_image(EXAMPLE_IMAGE, &[]);
    let s = Scope::new("walkthrough");
    // The walkthrough's second tool; this scope removes its container.
    let mut other = Scope::new("walkthrough");
    other.managed_by = format!("{}-docker-cmd", s.managed_by);
    assert!(
        !exists("hello"),
        "a container named hello exists on {}: README's walkthrough shows the name \
         free; remove it ({} rm -f hello) and run again",
        runtime(),
        runtime()
    );
    let shell = Walkthrough::new(&s);
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let blocks = fenced_blocks(section(&readme, "## The walkthrough"));
    assert!(blocks.len() >= 4, "README's walkthrough has {blocks:?}");
    for (lang, body) in blocks {
        match lang.as_str() {
            "sh" => {
                let out = shell.run(&format!("set -e\n{body}"));
                assert_eq!(out.code, 0, "README's block\n{body}\nfailed: {out:?}");
            }
            "console" => {
                for (command, shown) in console_commands(&body) {
                    let out = shell.run(&command);
                    assert_eq!(out.code, 0, "README's `{command}` failed: {out:?}");
                    let printed = shell.readme_names(&format!("{}{}", out.stdout, out.stderr));
                    assert_shows(&command, &printed, &shown);
                }
            }
            other => panic!("README's walkthrough has a ```{other} block this test cannot run"),
        }
    }
}

/// The shell README's commands run in: a directory of their own, with
/// `examples/` and the `paunch` wrapper.
struct Walkthrough<'a> {
    scope: &'a Scope,
    bin: PathBuf,
}

impl<'a> Walkthrough<'a> {
    fn new(scope: &'a Scope) -> Walkthrough<'a> {
        let dir = scope.dir.path();
        std::os::unix::fs::symlink(repo().join("examples"), dir.join("examples"))
            .expect("examples link");
        let bin = dir.join("bin");
        std::fs::create_dir(&bin).expect("bin dir");
        // Each --managed-by value is prefixed with the scope's name; none
        // given is the scope's name, as `paunch` is README's default.
        let wrapper = format!(
            "#!/bin/sh\nscope='{scope}'\ngiven=\nfor a do\n  shift\n  \
             if [ \"$given\" = next ]; then a=\"$scope-$a\"; given=yes\n  \
             elif [ \"$a\" = --managed-by ]; then given=next\n  fi\n  \
             set -- \"$@\" \"$a\"\ndone\n\
             [ -n \"$given\" ] || set -- \"$@\" --managed-by \"$scope\"\n\
             exec '{bin}' \"$@\"\n",
            scope = scope.managed_by,
            bin = crate::support::bin(),
        );
        let path = bin.join("paunch");
        std::fs::write(&path, wrapper).expect("wrapper");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        Walkthrough { scope, bin }
    }

    fn run(&self, script: &str) -> Run {
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(self.scope.dir.path())
            .env("PATH", path)
            .env("NO_COLOR", "1")
            .env("PAUNCH_LOCK_DIR", self.scope.dir.path())
            .envs(engine_env())
            .output()
            .expect("sh runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Output as README shows it: its names for the tool and the engine,
    /// container IDs as `<id>`.
    fn readme_names(&self, text: &str) -> String {
        let m = &self.scope.managed_by;
        let text = text
            .replace(&format!("managed by {m}-"), "managed by ")
            .replace(&format!("managed by {m}"), "managed by paunch")
            .replace(&format!(", {})", runtime()), ", docker)");
        ids_as_placeholders(&text)
    }
}

/// Every word of 12 lowercase hex digits (a short container ID) as `<id>`.
fn ids_as_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let is_id = word.len() == 12 && word.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'));
        out.push_str(if is_id { "<id>" } else { word });
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[track_caller]
fn assert_shows(command: &str, printed: &str, shown: &[String]) {
    let shown: Vec<String> = shown
        .iter()
        .map(|l| ids_as_placeholders(l.trim_end()))
        .collect();
    let lines: Vec<&str> = printed.lines().map(str::trim_end).collect();
    let found = shown.is_empty()
        || lines
            .windows(shown.len())
            .any(|w| w.iter().zip(&shown).all(|(a, b)| a == b));
    assert!(
        found,
        "README shows under `{command}`:\n{}\nbut it printed:\n{printed}",
        shown.join("\n")
    );
}

/// The text from a `## ` heading to the next one.
fn section<'t>(text: &'t str, heading: &str) -> &'t str {
    let start = text
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README has no {heading:?}"));
    let rest = &text[start + heading.len() + 2..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

/// The fenced blocks of a text: (language, body).
fn fenced_blocks(text: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        match (line.strip_prefix("```"), open.take()) {
            (Some(_), Some(block)) => blocks.push(block),
            (Some(lang), None) => open = Some((lang.trim().to_string(), String::new())),
            (None, Some((lang, mut body))) => {
                body.push_str(line);
                body.push('\n');
                open = Some((lang, body));
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "an unclosed fenced block");
    blocks
}

/// A console block's commands (`$ ` lines) with the lines shown under each.
fn console_commands(body: &str) -> Vec<(String, Vec<String>)> {
    let mut commands: Vec<(String, Vec<String>)> = Vec::new();
    for line in body.lines() {
        match (line.strip_prefix("$ "), commands.last_mut()) {
            (Some(command), _) => commands.push((command.to_string(), Vec::new())),
            (None, Some((_, shown))) => shown.push(line.to_string()),
            (None, None) => panic!("a console block starts with {line:?}, not a `$ ` command"),
        }
    }
    for (_, shown) in &mut commands {
        while shown.last().is_some_and(|l| l.trim().is_empty()) {
            shown.pop();
        }
    }
    commands
}
