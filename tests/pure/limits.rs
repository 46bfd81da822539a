//! SPEC §16, input limits: a small file that expands to gigabytes (YAML
//! aliases, Kubernetes `$(NAME)` references) and a file over the 16 MiB
//! cap are refused by the real binary with exit 3 and a clear message, in
//! well under a second and 100 MB of memory.
//!
//! The memory is GNU time's `%M` for the paunch process alone. Not
//! `wait4`/`getrusage` here: a child's `ru_maxrss` keeps the peak of the
//! process it was forked from until its exec, so the test binary's own
//! memory (the tests beside it) would be counted as paunch's.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

struct Run {
    code: i32,
    stderr: String,
    seconds: f64,
    /// The child's peak resident memory, in KiB (`None`: GNU time is not
    /// installed).
    max_rss_kib: Option<u64>,
}

const TIME: &str = "/usr/bin/time";

/// `paunch plan --file FILE`: it reads the configuration before anything
/// else, so no engine is needed (none is reachable: DOCKER_HOST points
/// nowhere, so a regression that reached for one would exit 5).
fn plan(file: &Path) -> Run {
    let paunch = env!("CARGO_BIN_EXE_paunch");
    let report = tempfile::NamedTempFile::new().unwrap();
    let timed = Path::new(TIME).exists();
    let mut cmd = if timed {
        let mut c = Command::new(TIME);
        c.args(["--quiet", "-f", "%M", "-o"])
            .arg(report.path())
            .arg(paunch);
        c
    } else {
        Command::new(paunch)
    };
    cmd.args(["plan", "--config-id", "limits", "--file"])
        .arg(file)
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .env("CONTAINER_HOST", "unix:///nonexistent/podman.sock")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let out = cmd.output().expect("paunch runs");
    let seconds = start.elapsed().as_secs_f64();
    let max_rss_kib = timed.then(|| {
        let text = std::fs::read_to_string(report.path()).unwrap();
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("GNU time wrote {text:?}"))
    });
    Run {
        code: out.status.code().expect("paunch exited"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        seconds,
        max_rss_kib,
    }
}

/// Refused with exit 3 and `message`, in under a second and 100 MB.
fn assert_refused_quickly(file: &Path, message: &str) {
    let run = plan(file);
    assert_eq!(run.code, 3, "{}: {}", file.display(), run.stderr);
    assert!(
        run.stderr.contains(message),
        "{}: wanted {message:?} in:\n{}",
        file.display(),
        run.stderr
    );
    assert!(
        run.seconds < 1.0,
        "{}: took {:.2} s",
        file.display(),
        run.seconds
    );
    match run.max_rss_kib {
        Some(kib) => assert!(kib < 100_000, "{}: took {kib} KiB", file.display()),
        None => eprintln!("memory not measured: {TIME} (GNU time) is not installed"),
    }
    eprintln!(
        "{}: exit 3 in {:.3} s, {:?} KiB",
        file.file_name().unwrap().to_string_lossy(),
        run.seconds,
        run.max_rss_kib
    );
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Levels of `fanout` aliases of the level before, over `first`.
fn alias_levels(first: &str, levels: usize, fanout: usize) -> String {
    let mut src = format!("web:\n  image: app:1\n  labels:\n    l0: &l0 {first}\n");
    for i in 1..=levels {
        let refs = vec![format!("*l{}", i - 1); fanout].join(", ");
        src.push_str(&format!("    l{i}: &l{i} [{refs}]\n"));
    }
    src
}

#[test]
fn alias_bombs_are_refused_in_a_second_and_100_mb() {
    let dir = tempfile::tempdir().unwrap();
    // The issue's: a 4 KiB string, five levels of ten aliases (4.3 KB
    // written; 1.5 GB and 4 s before the byte budget).
    let string = alias_levels(&format!("\"{}\"", "x".repeat(4096)), 5, 10);
    assert!(string.len() < 4500);
    let string = write(dir.path(), "string-bomb.yml", &string);
    // The classic billion laughs: nine levels of lists of nine.
    let laughs = write(
        dir.path(),
        "billion-laughs.yml",
        &alias_levels("[lol, lol, lol, lol, lol, lol, lol, lol, lol]", 9, 9),
    );
    // The same aliases used again at every level, each level all of them.
    let mut again = format!(
        "web:\n  image: app:1\n  labels:\n    l0: &l0 \"{}\"\n",
        "y".repeat(1000)
    );
    for i in 1..12 {
        let refs: Vec<String> = (0..i).map(|j| format!("*l{j}, *l{j}")).collect();
        again.push_str(&format!("    l{i}: &l{i} [{}]\n", refs.join(", ")));
    }
    let again = write(dir.path(), "every-level.yml", &again);
    for file in [&string, &laughs, &again] {
        assert_refused_quickly(file, "refusing to load (an alias bomb?)");
    }
    // The first one says where, and by how much.
    assert!(
        plan(&string)
            .stderr
            .contains("string-bomb.yml:8:14: anchors and aliases copy more than 24 MiB")
    );
}

/// A bomb in the second document of a Kubernetes manifest is the bomb,
/// not "more than one YAML document".
#[test]
fn an_alias_bomb_in_a_manifest_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut src = String::from(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: app:1}]}\n---\n",
    );
    src.push_str(&alias_levels(&format!("\"{}\"", "x".repeat(4096)), 5, 10));
    let file = write(dir.path(), "pods.yaml", &src);
    assert_refused_quickly(&file, "pods.yaml:13:14: anchors and aliases copy more");
}

/// Kubernetes' `$(NAME)`: each env value expands the ones before it, so
/// forty references to forty references grow as an alias bomb does.
#[test]
fn reference_bombs_in_kubernetes_env_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pod = |env: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: c\n    image: app:1\n    env:\n{env}"
        )
    };
    let item = |name: &str, value: &str| format!("    - name: {name}\n      value: \"{value}\"\n");
    let mut env = item("A", &"x".repeat(4096));
    for (name, before) in [("B", "A"), ("C", "B"), ("D", "C")] {
        env.push_str(&item(name, &format!("$({before})").repeat(40)));
    }
    let one = write(dir.path(), "one-value.yaml", &pod(&env));
    assert_refused_quickly(
        &one,
        "one-value.yaml:11:7: Pod \"p\": its $(NAME) references expand to more than 131071 bytes",
    );
    // Each value under the kernel's limit, and many of them.
    let mut env = item("A", &"x".repeat(4096));
    env.push_str(&item("B", &"$(A)".repeat(31)));
    for i in 0..400 {
        env.push_str(&item(&format!("V{i}"), "$(B)"));
    }
    let many = write(dir.path(), "many-values.yaml", &pod(&env));
    assert_refused_quickly(
        &many,
        "the container's $(NAME) references expand to more than 1048576 bytes together",
    );
}

/// Containers each under their limit, and many of them: the manifest's
/// own budget. (Not timed: it reads as much text as a large file holds.)
#[test]
fn reference_expansion_has_a_budget_per_manifest() {
    let mut src = String::new();
    for p in 0..14 {
        src.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{p}}}\nspec:\n  containers:\n  - name: c\n    image: app:1\n    env:\n    - {{name: A, value: {a}}}\n    - {{name: B, value: \"{b}\"}}\n",
            a = "x".repeat(4096),
            b = "$(A)".repeat(31)
        ));
        for i in 0..7 {
            src.push_str(&format!("    - {{name: V{i}, value: \"$(B)\"}}\n"));
        }
    }
    let e = paunch::Config::parse(&src, "pods.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("references expand to more than 12 MiB of text in the manifest"),
        "{}",
        &e[..e.len().min(2000)]
    );
}

#[test]
fn files_over_the_cap_are_refused_in_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let cap = paunch::config::MAX_FILE_BYTES;
    let sparse = |name: &str, len: u64| {
        let path = dir.path().join(name);
        std::fs::File::create(&path).unwrap().set_len(len).unwrap();
        path
    };
    let big = sparse("big.yml", cap + 1);
    assert_refused_quickly(
        &big,
        "big.yml: the file is 16777217 bytes; configurations over 16777216 bytes (16 MiB) are refused",
    );
    let big = sparse("big.json", cap + 1);
    assert_refused_quickly(&big, "big.json: the file is 16777217 bytes");
    // A file whose size says nothing: read up to the cap, and no further.
    assert_refused_quickly(
        Path::new("/dev/zero"),
        "/dev/zero: the file is more than 16777216 bytes",
    );
    // The files of a hashed-NAME.json directory share the cap.
    let hashed = dir.path().join("hashed");
    std::fs::create_dir(&hashed).unwrap();
    write(&hashed, "hashed-a.json", r#"{"image": "app:1"}"#);
    let b = hashed.join("hashed-b.json");
    std::fs::File::create(&b)
        .unwrap()
        .set_len(cap - 10)
        .unwrap();
    assert_refused_quickly(
        &hashed,
        "hashed-b.json: the file is 16777206 bytes, and the hashed-NAME.json files before it hold 18: the cap is on them together",
    );
}
