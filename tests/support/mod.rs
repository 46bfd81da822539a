//! What every engine test needs: an engine that answers, the test image
//! (built once, locally, from a static busybox), a unique `--managed-by`
//! name per test with cleanup on drop, and the paunch binary.
//!
//! Like ripgrep's `tests/util.rs`: a test names only what it is about.
//! Configurations are written with [`Scope::config`], whose placeholders
//! stand for the prefix, the test image and the standard service entry
//! ([`STANDARD_SERVICE`]); paunch is run with [`Scope::paunch`] (under the scope's
//! `--managed-by`) or [`paunch`] / [`Paunch`] (no scope, optional
//! environment), all taking `&str` arguments and returning a [`Run`].
//!
//! The engine is a parameter of the whole run: docker by default,
//! podman with `PAUNCH_TEST_RUNTIME=podman` (`scripts/test` runs the engine
//! tests once on each). Every engine command of the tests goes through
//! [`engine`]; paunch gets the runtime through `PAUNCH_DEFAULT_RUNTIME`.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

pub mod configs;
pub mod daemon;
pub mod original;
pub mod registry;
pub mod user;
pub use original::original_paunch;

pub const IMAGE: &str = "paunch-test/busybox:1";

/// The body of the standard service entry, what `{service}` stands for in
/// [`Scope::config`]: the test image, a command that keeps it running,
/// and no stop grace (the test image's `sleep`, as PID 1, ignores
/// SIGTERM: every second of grace is a second of each stop).
pub const STANDARD_SERVICE: &str = "image: {image}
command: sleep 3600
stop_grace_period: 0";

/// `yaml` with the placeholders of [`Scope::config`] replaced: `{p}` by
/// `prefix`, `{image}` by [`IMAGE`], and a line holding only `{service}`
/// by the lines of [`STANDARD_SERVICE`], at that line's indentation.
pub fn expand(yaml: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(yaml.len());
    for line in yaml.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let indent = &body[..body.len() - body.trim_start().len()];
        if body.trim() == "{service}" {
            for l in STANDARD_SERVICE.lines() {
                out.push_str(indent);
                out.push_str(l);
                out.push('\n');
            }
        } else {
            out.push_str(line);
        }
    }
    out.replace("{p}", prefix).replace("{image}", IMAGE)
}

static ENGINE: Once = Once::new();

/// The engine CLI this run tests: `docker` (default) or `podman`
/// (`PAUNCH_TEST_RUNTIME=podman`).
pub fn runtime() -> &'static str {
    match std::env::var("PAUNCH_TEST_RUNTIME").as_deref() {
        Ok("podman") => "podman",
        Ok("docker") | Err(_) => "docker",
        Ok(other) => panic!("PAUNCH_TEST_RUNTIME={other}: docker or podman"),
    }
}

/// Whether this run tests podman.
pub fn is_podman() -> bool {
    runtime() == "podman"
}

/// The environment every engine command and paunch run of the tests gets:
/// the runtime for paunch, and for podman the `containers.conf` this
/// machine needs (see tests/podman/containers.conf), unless one is set.
pub fn engine_env() -> Vec<(&'static str, String)> {
    let mut env = vec![("PAUNCH_DEFAULT_RUNTIME", runtime().to_string())];
    if is_podman() && std::env::var_os("CONTAINERS_CONF").is_none() {
        env.push(("CONTAINERS_CONF", podman_conf().display().to_string()));
    }
    env
}

/// The `containers.conf` podman needs on these machines (its comments say
/// why), for tests that run podman beside the engine under test.
pub fn podman_conf() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/podman/containers.conf")
}

/// Skips the rest of a test on podman, saying why on stderr: for what
/// only docker has (the original paunch's docker runtime, `DOCKER_HOST`).
/// Returns true when the test should stop.
pub fn docker_only(why: &str) -> bool {
    if is_podman() {
        eprintln!("docker only, skipped on podman: {why}");
    }
    is_podman()
}

/// Panics with the set-up instruction unless the engine answers.
pub fn require_engine() {
    ENGINE.call_once(|| {
        let ok = engine_command()
            .arg("info")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            ok,
            "no {0} engine answers `{0} info`. Install and start one:\n  \
             apt-get update && apt-get install -y docker.io podman catatonit\n  \
             dockerd >/tmp/dockerd.log 2>&1 &\n\
             then wait until `docker info` answers (or run .ci/run, which does this).",
            runtime()
        );
        eprintln!("engine tests on {}", runtime());
        ensure_image(IMAGE, &[]);
    });
}

/// The engine CLI with the tests' environment.
pub fn engine_command() -> Command {
    let mut cmd = Command::new(runtime());
    for (k, v) in engine_env() {
        cmd.env(k, v);
    }
    cmd
}

fn engine_raw(args: &[&str]) -> Output {
    engine_command()
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", runtime()))
}

/// Builds `tag` with `scripts/busybox-image` (a static busybox, plus
/// `extra` files to make an image with another ID), unless present.
/// Serialised across test processes by a file lock.
pub fn ensure_image(tag: &str, extra: &[(&str, &str)]) {
    let lock_path = std::env::temp_dir().join("paunch-test-image.lock");
    let lock = std::fs::File::create(&lock_path).expect("lock file");
    lock.lock().expect("image lock");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/busybox-image");
    let out = Command::new(script)
        .env("PAUNCH_IMAGE_ENGINE", runtime())
        .envs(engine_env())
        .arg(tag)
        .args(
            extra
                .iter()
                .map(|(path, content)| format!("{path}={content}")),
        )
        .output()
        .expect("scripts/busybox-image runs");
    assert!(
        out.status.success(),
        "scripts/busybox-image {tag} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// One test's corner of the host: its own managed-by name and container
/// name prefix; everything it made is removed on drop.
pub struct Scope {
    pub managed_by: String,
    pub prefix: String,
    pub dir: tempfile::TempDir,
    foreign: std::sync::Mutex<Vec<String>>,
    /// Environment of this scope's paunch runs, beyond the engine's.
    env: Vec<(String, String)>,
}

impl Scope {
    pub fn new(test: &str) -> Scope {
        require_engine();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let tag = format!("{}{}", std::process::id(), n);
        Scope {
            managed_by: format!("paunch-test-{test}-{tag}"),
            prefix: format!("t{tag}-"),
            dir: tempfile::tempdir().expect("tempdir"),
            foreign: Default::default(),
            env: Vec::new(),
        }
    }

    /// The same scope, its paunch runs (and [`Scope::paunch_command`]s)
    /// given `key=value` too.
    pub fn with_env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Scope {
        let value = value.as_ref().to_string_lossy().into_owned();
        self.env.push((key.to_string(), value));
        self
    }

    /// [`paunch_command`] with this scope's environment and lock directory,
    /// for a test that spawns paunch itself (to signal or time it).
    pub fn paunch_command(&self) -> Command {
        let mut cmd = paunch_command();
        cmd.env("PAUNCH_LOCK_DIR", self.dir.path());
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// A [`Paunch`] with this scope's environment, for a run the scope's
    /// `--managed-by` must not be added to (a test adds it, or another).
    pub fn runner(&self) -> Paunch {
        self.env.iter().fold(Paunch::new(), |p, (k, v)| p.env(k, v))
    }

    /// A container name unique to this test.
    pub fn name(&self, base: &str) -> String {
        format!("{}{base}", self.prefix)
    }

    /// Writes a config file, its placeholders replaced ([`expand`]): `{p}`
    /// by the prefix, `{image}` by the test image, a `{service}` line by
    /// the standard service entry.
    pub fn config(&self, file: &str, yaml: &str) -> PathBuf {
        let path = self.dir.path().join(file);
        std::fs::write(&path, expand(yaml, &self.prefix)).unwrap();
        path
    }

    /// Runs paunch with this scope's --managed-by appended where it applies.
    pub fn paunch(&self, args: &[impl AsRef<str>]) -> Run {
        let mut all: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
        let takes_scope = matches!(
            all.first().copied(),
            Some("apply" | "plan" | "cleanup" | "delete" | "list" | "debug")
        ) && !all.contains(&"--plan");
        if takes_scope {
            all.extend(["--managed-by", &self.managed_by]);
        }
        self.runner().run(&all)
    }

    /// `paunch apply --file FILE --config-id ID` under this scope.
    pub fn apply(&self, file: impl AsRef<Path>, config_id: &str) -> Run {
        self.with_file("apply", file.as_ref(), config_id)
    }

    /// `paunch plan --file FILE --config-id ID` under this scope.
    pub fn plan(&self, file: impl AsRef<Path>, config_id: &str) -> Run {
        self.with_file("plan", file.as_ref(), config_id)
    }

    fn with_file(&self, verb: &str, file: &Path, config_id: &str) -> Run {
        let file = file.to_str().expect("test paths are UTF-8");
        self.paunch(&[verb, "--file", file, "--config-id", config_id])
    }

    /// Starts a container paunch does not manage, removed on drop.
    pub fn foreign(&self, name: &str, labels: &[&str]) -> String {
        let mut args = vec!["run", "-d", "--name", name, "--stop-timeout", "0"];
        for l in labels {
            args.push("--label");
            args.push(l);
        }
        args.extend([IMAGE, "sleep", "3600"]);
        let out = engine_raw(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.foreign.lock().unwrap().push(name.to_string());
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Names of this scope's managed containers.
    pub fn managed(&self) -> Vec<String> {
        let out = engine_raw(&[
            "ps",
            "-a",
            "--filter",
            &format!("label=managed_by={}", self.managed_by),
            "--format",
            "{{.Names}}",
        ]);
        let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        names.sort();
        names
    }

    pub fn cleanup(&self) {
        let out = engine_raw(&[
            "ps",
            "-aq",
            "--filter",
            &format!("label=managed_by={}", self.managed_by),
        ]);
        let mut ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        ids.extend(self.foreign.lock().unwrap().drain(..));
        if !ids.is_empty() {
            self.remove_containers(&ids);
        }
        // A compose project's networks and volumes, once their containers
        // are gone.
        for kind in ["network", "volume"] {
            let filter = format!("label=managed_by={}", self.managed_by);
            let out = engine_raw(&[kind, "ls", "-q", "--filter", &filter]);
            for name in String::from_utf8_lossy(&out.stdout).lines() {
                let _ = engine_raw(&[kind, "rm", name]);
            }
        }
    }

    fn remove_containers(&self, ids: &[String]) {
        // -v: anonymous volumes (a Pod's emptyDir) go with their containers.
        let mut args = vec!["rm", "-f", "-v"];
        if is_podman() {
            // podman waits out each container's stop timeout even with -f,
            // and removes no container another one joined (a namespace)
            // unless its dependents go too (all of them are ours).
            args.extend(["--time=0", "--depend"]);
        }
        args.extend(ids.iter().map(String::as_str));
        let _ = engine_raw(&args);
        if is_podman() {
            // podman 4.3's `rm -f` of a batch removes nothing when one of
            // them vanished meanwhile: one at a time what is left.
            for id in ids {
                let _ = engine_raw(&["rm", "-f", "-v", "--time=0", "--depend", "--ignore", id]);
            }
        }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// The result of running paunch.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "paunch failed:\n{}\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "unexpected exit code:\n{}\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_paunch")
}

/// The paunch binary with what every test run of it gets: no colour,
/// the engine under test and its environment ([`engine_env`]). Where its
/// lock files go is the caller's choice.
pub fn paunch_command() -> Command {
    let mut cmd = Command::new(bin());
    cmd.env("NO_COLOR", "1").envs(engine_env());
    cmd
}

/// The lock directory of the tests' paunch runs: in the build's own
/// temporary directory, not a fixed name in `/tmp`, which paunch refuses
/// once another user (or an older paunch) has made it world-writable.
pub fn test_lock_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("paunch-test-locks")
}

/// Runs the paunch binary (no scope, no extra environment).
pub fn paunch(args: &[impl AsRef<str>]) -> Run {
    Paunch::new().run(args)
}

/// How to run the paunch binary, for a run with extra environment or
/// another lock directory: [`paunch_command`], its lock files in
/// [`test_lock_dir`] (out of /run/paunch) unless [`Paunch::lock_dir`]
/// says otherwise. One value runs paunch any number of times.
#[derive(Clone)]
pub struct Paunch {
    /// Set (`Some`) or removed (`None`), in order, after the defaults.
    env: Vec<(OsString, Option<OsString>)>,
}

impl Default for Paunch {
    fn default() -> Paunch {
        Paunch::new()
    }
}

impl Paunch {
    pub fn new() -> Paunch {
        Paunch { env: Vec::new() }.lock_dir(Some(&test_lock_dir()))
    }

    /// The runs get `key=value` too.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Paunch {
        let value = Some(value.as_ref().to_os_string());
        self.env.push((key.as_ref().to_os_string(), value));
        self
    }

    /// The runs get each `key=value` of `env` too.
    pub fn envs(self, env: &[(&str, &str)]) -> Paunch {
        env.iter().fold(self, |p, (k, v)| p.env(k, v))
    }

    /// The runs lock in `dir`; with `None`, in paunch's default directory
    /// (/run/paunch for root), as a real run would.
    pub fn lock_dir(mut self, dir: Option<&Path>) -> Paunch {
        let value = dir.map(|d| d.as_os_str().to_os_string());
        self.env.push(("PAUNCH_LOCK_DIR".into(), value));
        self
    }

    /// The command, for a test that spawns it (to signal or time it).
    pub fn command(&self, args: &[impl AsRef<str>]) -> Command {
        let mut cmd = paunch_command();
        cmd.args(args.iter().map(AsRef::as_ref));
        for (key, value) in &self.env {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        cmd
    }

    /// Runs paunch with `args` and waits for it.
    pub fn run(&self, args: &[impl AsRef<str>]) -> Run {
        self.command(args).output().expect("paunch runs").into()
    }
}

/// The engine's `inspect` of one container as JSON.
/// What `ENGINE exec NAME ARGS...` printed on stdout.
pub fn exec_out(name: &str, args: &[&str]) -> String {
    let out = engine_command()
        .arg("exec")
        .arg(name)
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn inspect(name: &str) -> serde_json::Value {
    let out = engine_raw(&["container", "inspect", name]);
    assert!(out.status.success(), "no container {name}");
    let mut v: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    v.remove(0)
}

pub fn exists(name: &str) -> bool {
    engine_raw(&["container", "inspect", name]).status.success()
}

pub fn id_of(name: &str) -> String {
    inspect(name)["Id"].as_str().unwrap().to_string()
}

pub fn running(name: &str) -> bool {
    inspect(name)["State"]["Running"].as_bool().unwrap_or(false)
}

pub fn label(name: &str, key: &str) -> Option<String> {
    inspect(name)["Config"]["Labels"][key]
        .as_str()
        .map(str::to_string)
}

/// Runs an engine command, asserting success; returns stdout.
pub fn engine_ok(args: &[&str]) -> String {
    let out = engine_raw(args);
    assert!(
        out.status.success(),
        "{} {args:?} failed: {}",
        runtime(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs an engine command; its stdout, or its stderr as the error.
pub fn engine(args: &[&str]) -> Result<String, String> {
    let out = engine_raw(args);
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// On podman, runs the containers' health checks once: with no systemd on
/// this machine nothing else runs them (podman's own timer is a systemd
/// unit). Docker's daemon runs its own: nothing to do.
pub fn run_health_checks(names: &[&str]) {
    if is_podman() {
        for n in names {
            let _ = engine_raw(&["healthcheck", "run", n]);
        }
    }
}

/// Waits until `cond` holds, polling every 50 ms, for at most `secs`
/// seconds (instead of a fixed sleep that a loaded machine outlasts).
#[track_caller]
pub fn wait_until(secs: u64, what: &str, cond: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {secs}s waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The placeholders of [`Scope::config`] stand for what they say, at the
/// indentation they are written at.
#[test]
fn placeholders_expand() {
    let yaml = expand(
        "{p}db:\n  {service}\n  start_order: 1\n{p}job:\n    image: {image}\n",
        "t1-",
    );
    assert_eq!(
        yaml,
        "t1-db:\n  image: paunch-test/busybox:1\n  command: sleep 3600\n  stop_grace_period: 0\n  \
         start_order: 1\nt1-job:\n    image: paunch-test/busybox:1\n"
    );
    let nested = expand("{p}a:\n    {service}", "");
    assert!(nested.ends_with("\n    stop_grace_period: 0\n"), "{nested}");
}
