//! The one place that starts the engine CLI (`docker`, or `podman`), found
//! on PATH; `DOCKER_HOST` and friends work because the environment is
//! inherited. Argument building is in [`crate::engine::argv`]; this module only
//! spawns.
//!
//! The engine side, one file each: `argv` builds every engine call's
//! arguments (pure), `parse` reads what the engine prints into
//! [`crate::observe`]'s model (pure), `pull` pulls with retries and
//! backoff, `pause` builds the Pods' pause image from the host's catatonit; this
//! file spawns.

pub mod argv;
pub mod parse;
pub mod pause;
pub mod pull;

use argv::Runtime;

use crate::error::{Error, ErrorKind, Result};
use crate::log;
use crate::observe::{Container, Holder, Observed};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::time::{Duration, Instant};

/// How long an observation call may take before the engine counts as
/// unreachable (a blackholed `DOCKER_HOST` would otherwise hang).
pub const OBSERVE_TIMEOUT: Duration = Duration::from_secs(30);

/// How many times a listing and an inspect that disagree are taken again
/// before observing fails.
const OBSERVE_ATTEMPTS: u32 = 5;

/// What one listing and inspect found.
struct Found {
    containers: Vec<Container>,
    foreign: Vec<Holder>,
    /// The local image ID of each image inspected in the same call.
    images: BTreeMap<String, Option<String>>,
    /// The labels of each of those images, by ID.
    image_labels: crate::engine::parse::ImageLabels,
}

/// One listing and inspect of the containers.
enum Look {
    /// Every container that may be ours was inspected.
    Agrees(Found),
    /// These were listed as maybe ours but not inspected.
    Missed {
        /// Their names (or IDs, when nameless).
        names: Vec<String>,
        /// The first line of what the inspect printed on failing.
        why: String,
        /// The listing, and what the inspect did return.
        listed: Vec<crate::engine::parse::Listed>,
        inspected: Vec<Container>,
    },
}

/// What one engine call printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    /// What it printed on stdout.
    pub stdout: String,
    /// What it printed on stderr.
    pub stderr: String,
}

impl From<&std::process::Output> for Output {
    fn from(out: &std::process::Output) -> Output {
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Output {
    /// Whether it exited 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The engine's own error text for reports: stderr, else stdout (some
    /// engine errors go there), else how it ended; control characters
    /// escaped, since it goes to a terminal or a CI log.
    pub fn error_text(&self) -> String {
        for text in [&self.stderr, &self.stdout] {
            let t = text.trim();
            if !t.is_empty() {
                return crate::mask::escape_controls(&error_first(t)).into_owned();
            }
        }
        match self.code {
            Some(c) => format!("exited with code {c}"),
            None => "killed by a signal".into(),
        }
    }
}

/// An engine's message with its own error line first: podman prints
/// warnings of its environment ("failed to connect to syslog", a
/// `/run/systemd/private` line) before the `Error:` line that says what
/// failed, and a summary shows the first line.
fn error_first(text: &str) -> std::borrow::Cow<'_, str> {
    let is_error = |l: &str| {
        let l = l.trim_start();
        l.starts_with("Error:") || l.starts_with("Error response from daemon:")
    };
    let lines: Vec<&str> = text.lines().collect();
    match lines.iter().position(|l| is_error(l)) {
        Some(0) | None => std::borrow::Cow::Borrowed(text),
        Some(i) => {
            let mut ordered = vec![lines[i]];
            ordered.extend(lines[..i].iter().chain(&lines[i + 1..]));
            std::borrow::Cow::Owned(ordered.join("\n"))
        }
    }
}

/// What the executor needs of an engine: one engine call of a plan's step,
/// its output captured. [`Engine`] is the real one; tests of the
/// executor's scheduling give it a recording one.
pub trait Runner: Sync {
    /// Runs `argv` (without the program name); `Err` only when the call
    /// could not be made at all.
    fn run_step(&self, argv: &[String]) -> Result<Output>;

    /// [`Runner::run_step`], given up (an
    /// [`ErrorKind::EngineUnreachable`] error) after `timeout`, if any.
    /// The default ignores the timeout.
    fn run_step_within(&self, argv: &[String], timeout: Option<Duration>) -> Result<Output> {
        let _ = timeout;
        self.run_step(argv)
    }

    /// Runs `systemctl argv` (`apply --systemd`); `Err` only when it could
    /// not be run at all. The default has no systemd to run.
    fn run_systemctl(&self, argv: &[String]) -> Result<Output> {
        Err(Error::new(
            ErrorKind::Engine,
            format!(
                "cannot run systemctl {}: this runner has no systemd",
                argv.join(" ")
            ),
        ))
    }
}

impl Runner for Engine {
    fn run_step(&self, argv: &[String]) -> Result<Output> {
        Engine::run_step(self, argv)
    }

    fn run_step_within(&self, argv: &[String], timeout: Option<Duration>) -> Result<Output> {
        Engine::run_step_within(self, argv, timeout)
    }

    fn run_systemctl(&self, argv: &[String]) -> Result<Output> {
        systemctl(argv)
    }
}

/// Runs `systemctl ARGS`, found on PATH like the engine CLI, its output
/// captured, as long as it takes (`enable --now` waits for the unit's
/// start, which is the container's).
pub fn systemctl(args: &[String]) -> Result<Output> {
    log::verbose(|| {
        let mut words = vec!["systemctl"];
        words.extend(args.iter().map(String::as_str));
        format!("$ {}", crate::engine::argv::shell_join(&words))
    });
    let out = duct::cmd("systemctl", args)
        .unchecked()
        .stdin_null()
        .stdout_capture()
        .stderr_capture()
        .before_spawn(|cmd| {
            detach_from_terminal_signals(cmd);
            Ok(())
        })
        .run()
        .map_err(|e| {
            let what = if e.kind() == std::io::ErrorKind::NotFound {
                "cannot run systemctl: not found on PATH".to_string()
            } else {
                format!("cannot run systemctl: {e}")
            };
            Error::new(ErrorKind::Engine, what)
                .with_hint("--systemd needs systemd on this host (drop --systemd otherwise)")
                .with_source(e)
        })?;
    let output = Output::from(&out);
    log::debug(|| {
        format!(
            "  systemctl exit {:?}: {}",
            output.code,
            output.error_text()
        )
    });
    Ok(output)
}

/// Whether systemd answers `systemctl` on this host, asked before an
/// apply that enables units acts at all: without it, the container would
/// be created and its unit files written, and nothing could start or
/// remove them (a container runs in an image here, or the host booted
/// without systemd).
pub fn systemd_answers() -> Result<()> {
    let args = ["show".to_string(), "--property=Version".to_string()];
    let out = systemctl(&args)?;
    if out.success() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Engine,
        format!(
            "--systemd: systemd does not answer on this host (`systemctl show` said: {}); nothing was touched",
            out.error_text()
        ),
    )
    .with_hint("apply --systemd needs a host booted with systemd; drop --systemd to let the engine restart the containers"))
}

/// The engine's output for the debug log: JSON (an inspect, a listing,
/// one document or one a line) with its sensitive values masked; other
/// text as it is.
fn mask_output(stdout: &str) -> String {
    let sensitive = crate::mask::current();
    let mask = |text: &str| -> Option<String> {
        let mut v: serde_json::Value = serde_json::from_str(text).ok()?;
        sensitive.json(&mut v);
        Some(v.to_string())
    };
    if let Some(m) = mask(stdout) {
        return m;
    }
    stdout
        .lines()
        .map(|l| mask(l).unwrap_or_else(|| l.to_string()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A container engine CLI.
#[derive(Debug, Clone)]
pub struct Engine {
    runtime: Runtime,
    program: OsString,
}

impl Engine {
    /// The runtime's CLI, looked up on PATH.
    pub fn new(runtime: Runtime) -> Engine {
        Engine {
            runtime,
            program: runtime.program().into(),
        }
    }

    /// The runtime whose CLI it drives.
    pub fn runtime(&self) -> Runtime {
        self.runtime
    }

    fn expression(&self, args: &[String]) -> duct::Expression {
        duct::cmd(&self.program, args).unchecked()
    }

    /// The process for `args` with every secret out of its argv
    /// ([`crate::mask::Split`]): sensitive `--env` values in the CLI's own
    /// environment, labels holding them in a `0600` label file (an
    /// exclusive temporary with an unpredictable name, removed when the
    /// returned guard drops, after the call).
    fn secret_safe(
        &self,
        args: &[String],
    ) -> Result<(duct::Expression, Option<tempfile::NamedTempFile>)> {
        let split = crate::mask::current().split(args);
        if split.env.is_empty() {
            return Ok((self.expression(args), None));
        }
        let mut argv = split.argv;
        let mut file = None;
        if !split.labels.is_empty() {
            let mut f = tempfile::Builder::new()
                .prefix(".paunch-labels-")
                .tempfile()
                .map_err(|e| Error::io("create a label file", &std::env::temp_dir(), e))?;
            let mut text = split.labels.join("\n");
            text.push('\n');
            std::io::Write::write_all(&mut f, text.as_bytes())
                .map_err(|e| Error::io("write a label file", f.path(), e))?;
            // After the subcommand: `run`, `create`, `exec`.
            let at = usize::from(!argv.is_empty());
            argv.insert(at, format!("--label-file={}", f.path().display()));
            file = Some(f);
        }
        let mut expr = self.expression(&argv);
        for (k, v) in split.env {
            expr = expr.env(k, v);
        }
        Ok((expr, file))
    }

    fn spawn_error(&self, err: std::io::Error) -> Error {
        let program = self.program.to_string_lossy();
        if err.kind() == std::io::ErrorKind::NotFound {
            Error::new(
                ErrorKind::EngineUnreachable,
                format!("cannot run {program}: not found on PATH"),
            )
            .with_hint(format!(
                "install the {} client, or choose another with --default-runtime",
                self.runtime
            ))
            .with_source(err)
        } else {
            Error::new(
                ErrorKind::EngineUnreachable,
                format!("cannot run {program}: {err}"),
            )
            .with_source(err)
        }
    }

    /// Runs a command with output captured; waits at most `timeout`.
    /// `Err` only when it could not be started or timed out.
    pub fn run_with_timeout(&self, args: &[String], timeout: Option<Duration>) -> Result<Output> {
        log::verbose(|| format!("$ {}", self.display(args)));
        let started = Instant::now();
        let (expression, _label_file) = self.secret_safe(args)?;
        let handle = expression
            .stdin_null()
            .stdout_capture()
            .stderr_capture()
            .before_spawn(|cmd| {
                detach_from_terminal_signals(cmd);
                Ok(())
            })
            .start()
            .map_err(|e| self.spawn_error(e))?;
        let out = match timeout {
            None => handle.wait().map_err(|e| self.spawn_error(e))?,
            Some(t) => match handle.wait_timeout(t).map_err(|e| self.spawn_error(e))? {
                Some(o) => o,
                None => {
                    let _ = handle.kill();
                    return Err(Error::new(
                        ErrorKind::EngineUnreachable,
                        format!(
                            "{} did not answer within {}s: {}",
                            self.runtime,
                            t.as_secs(),
                            self.display(args)
                        ),
                    )
                    .with_hint(self.reach_hint()));
                }
            },
        };
        let output = Output::from(out);
        log::debug(|| {
            format!(
                "  {} after {:.3}s\n  stdout: {}\n  stderr: {}",
                match output.code {
                    Some(c) => format!("exit {c}"),
                    None => "killed by signal".to_string(),
                },
                started.elapsed().as_secs_f64(),
                mask_output(output.stdout.trim_end()),
                output.stderr.trim_end()
            )
        });
        Ok(output)
    }

    /// Runs a command with output captured, as long as it takes.
    pub fn run(&self, args: &[String]) -> Result<Output> {
        self.run_with_timeout(args, None)
    }

    /// Runs one engine call of a plan's execution (the executor's only way
    /// to the engine, so tests can kill paunch at any step boundary).
    pub fn run_step(&self, args: &[String]) -> Result<Output> {
        self.run_step_within(args, None)
    }

    /// [`Engine::run_step`], killed and an error after `timeout`, if any.
    pub fn run_step_within(&self, args: &[String], timeout: Option<Duration>) -> Result<Output> {
        #[cfg(feature = "fault-injection")]
        let at = fault::begin();
        #[cfg(feature = "fault-injection")]
        if at == fault::At::During {
            // The engine call is under way when paunch dies: its child was
            // spawned and has had a moment to send its request.
            let call = self.secret_safe(args);
            let _call = call.map(|(e, f)| (e.stdout_null().stderr_null().start(), f));
            std::thread::sleep(Duration::from_millis(30));
            fault::die();
        }
        let out = self.run_with_timeout(args, timeout);
        #[cfg(feature = "fault-injection")]
        fault::end(at);
        out
    }

    /// Runs a command attached to this terminal (stdin, stdout, stderr and
    /// signals), returning its exit code.
    pub fn run_attached(&self, args: &[String]) -> Result<i32> {
        log::verbose(|| format!("$ {}", self.display(args)));
        let (expression, _label_file) = self.secret_safe(args)?;
        let out = expression.run().map_err(|e| self.spawn_error(e))?;
        // Killed by a signal: 128 + its number, as a shell reports it.
        let signal = std::os::unix::process::ExitStatusExt::signal(&out.status).unwrap_or(0);
        Ok(out.status.code().unwrap_or(128 + signal))
    }

    /// The command line, shell-quoted, for logs and messages.
    pub fn display(&self, args: &[String]) -> String {
        let program = self.program.to_string_lossy();
        let sensitive = crate::mask::current();
        let masked: Vec<std::borrow::Cow<'_, str>> =
            args.iter().map(|a| sensitive.arg(a)).collect();
        let mut words = vec![program.as_ref()];
        words.extend(masked.iter().map(|a| a.as_ref()));
        crate::engine::argv::shell_join(&words)
    }

    fn reach_hint(&self) -> String {
        match self.runtime {
            Runtime::Docker => "check that the Docker daemon runs (`docker info`) and that DOCKER_HOST, if set, points at it".into(),
            Runtime::Podman => "check that podman works (`podman info`) and CONTAINER_HOST, if set".into(),
        }
    }

    /// What identifies the engine behind this CLI, whatever the address
    /// it is reached by (a socket, a TCP forward of it, another machine):
    /// docker's daemon ID (`docker info`), or podman's storage root (podman
    /// has no daemon: its engine is the storage). One engine call.
    pub fn identity(&self) -> Result<String> {
        let format = match self.runtime {
            Runtime::Docker => "--format={{.ID}}",
            Runtime::Podman => "--format={{.Store.GraphRoot}}",
        };
        let args = vec!["info".to_string(), format.to_string()];
        let out = self.run_with_timeout(&args, Some(OBSERVE_TIMEOUT))?;
        let id = out.stdout.trim();
        if !out.success() || id.is_empty() {
            return Err(self.observe_error("asking the engine for its identity", &out));
        }
        Ok(format!("{}:{id}", self.runtime))
    }

    /// Whether an engine CLI's message says the engine could not be
    /// reached at all (not that it answered with an error: a registry
    /// refusing a pull's connection is the engine answering).
    pub fn unreachable_text(text: &str) -> bool {
        let lower = text.to_ascii_lowercase();
        !lower.contains("error response from daemon")
            && [
                "cannot connect to the docker daemon",
                "is the docker daemon running",
                "error during connect",
                "cannot connect to podman",
            ]
            .iter()
            .any(|p| lower.contains(p))
    }

    /// Turns a failed observation call into an error, telling an unreachable
    /// engine apart from other failures.
    fn observe_error(&self, what: &str, out: &Output) -> Error {
        let text = out.error_text();
        let lower = text.to_ascii_lowercase();
        let unreachable = [
            "cannot connect to the docker daemon",
            "is the docker daemon running",
            "error during connect",
            "cannot connect to podman",
            "connection refused",
            "no such host",
            "dial unix",
            "dial tcp",
        ]
        .iter()
        .any(|p| lower.contains(p));
        if unreachable {
            Error::new(
                ErrorKind::EngineUnreachable,
                format!("{} is unreachable: {}", self.runtime, first_line(&text)),
            )
            .with_hint(self.reach_hint())
        } else {
            Error::new(ErrorKind::Engine, format!("{what} failed: {text}"))
        }
    }

    /// Observes the host in a constant number of engine calls whatever
    /// the number of containers: one listing and one inspect of the
    /// containers that may be managed by `managed_by`; `images` are
    /// inspected alongside (docker) or in that same inspect (podman, for
    /// the references no container can answer to; see
    /// [`Runtime::inspects_images_with_containers`]).
    pub fn observe(&self, managed_by: &str, images: &[String]) -> Result<Observed> {
        self.observe_labelled(managed_by, images).map(|(o, _)| o)
    }

    /// [`Engine::observe`], and the labels of the images found, by ID,
    /// from the same calls.
    pub fn observe_labelled(
        &self,
        managed_by: &str,
        images: &[String],
    ) -> Result<(Observed, crate::engine::parse::ImageLabels)> {
        let (together, apart): (Vec<String>, Vec<String>) =
            if self.runtime.inspects_images_with_containers() {
                images
                    .iter()
                    .cloned()
                    .partition(|r| crate::engine::parse::names_no_container(r))
            } else {
                (Vec::new(), images.to_vec())
            };
        let (found, image_ids) = std::thread::scope(|scope| {
            let image_ids = scope.spawn(|| self.observe_images(&apart));
            let found = self.observe_containers(managed_by, &together);
            let image_ids = image_ids
                .join()
                .unwrap_or_else(|_| Err(Error::new(ErrorKind::Engine, "observing images failed")));
            (found, image_ids)
        });
        let mut found = found?;
        let (mut images, mut image_labels) = image_ids?;
        images.append(&mut found.images);
        image_labels.append(&mut found.image_labels);
        let mut observed = Observed {
            containers: found.containers,
            foreign: found.foreign,
            images,
            ..Observed::default()
        };
        observed.normalize();
        Ok((observed, image_labels))
    }

    /// Every network and every volume on the host with paunch's labels
    /// ([`Observed::networks`], [`Observed::volumes`]): two listings, side
    /// by side. Asked only when a plan can involve them, so a plan of
    /// containers alone makes no more calls than before.
    pub fn observe_resources(&self, into: &mut Observed) -> Result<()> {
        let rt = self.runtime;
        let list = |argv: Vec<String>, what: &str| -> Result<_> {
            let out = self.run_with_timeout(&argv, Some(OBSERVE_TIMEOUT))?;
            if !out.success() {
                return Err(self.observe_error(what, &out));
            }
            crate::engine::parse::parse_resource_ls(rt, &out.stdout)
        };
        let (networks, volumes) = std::thread::scope(|scope| {
            let volumes = scope.spawn(|| list(rt.volume_ls_args(), "listing volumes"));
            let networks = list(rt.network_ls_args(), "listing networks");
            let volumes = volumes
                .join()
                .unwrap_or_else(|_| Err(Error::new(ErrorKind::Engine, "listing volumes failed")));
            (networks, volumes)
        });
        into.networks = networks?;
        into.volumes = volumes?;
        Ok(())
    }

    /// The managed containers and the names everything else holds, from
    /// one listing and one inspect that agree: every container the listing
    /// says may be ours was inspected. A container the inspect missed
    /// (removed in between, or busy in an engine call a killed paunch left
    /// running) is looked at again rather than taken for a foreign holder
    /// of its name: that would have the planner create a suffixed twin
    /// beside it. `refs` are images inspected in the same call.
    fn observe_containers(&self, managed_by: &str, refs: &[String]) -> Result<Found> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.observe_containers_once(managed_by, refs)? {
                Look::Agrees(found) => return Ok(found),
                // Taken again, a container that vanished is gone from the
                // listing; one still there is inspected alone.
                Look::Missed {
                    names,
                    why,
                    listed,
                    inspected,
                } if attempt >= 2 => {
                    if let Some(found) =
                        self.inspect_one_by_one(managed_by, refs, &listed, inspected)?
                    {
                        return Ok(found);
                    }
                    if attempt >= OBSERVE_ATTEMPTS {
                        return Err(self.unreadable_error(&names, &why));
                    }
                }
                Look::Missed { .. } => {}
            }
            std::thread::sleep(Duration::from_millis(150 * u64::from(attempt)));
        }
    }

    /// The look when the containers the batch inspect missed are
    /// inspected one by one: each is read, or is ours but unreadable
    /// ([`crate::engine::parse::unreadable`]: the planner deletes it); `None` when one
    /// is neither (it is not known to be ours, so nothing may be planned
    /// around it).
    fn inspect_one_by_one(
        &self,
        managed_by: &str,
        refs: &[String],
        listed: &[crate::engine::parse::Listed],
        mut inspected: Vec<Container>,
    ) -> Result<Option<Found>> {
        let seen: BTreeSet<String> = inspected.iter().map(|c| c.id.clone()).collect();
        for l in listed
            .iter()
            .filter(|l| l.maybe_managed && !seen.contains(&l.id))
        {
            let out = self.run_with_timeout(
                &self.runtime.inspect_args(std::slice::from_ref(&l.id)),
                Some(OBSERVE_TIMEOUT),
            )?;
            match crate::engine::parse::parse_inspect(&out.stdout) {
                Ok(mut one) if !one.is_empty() => inspected.append(&mut one),
                _ => match crate::engine::parse::unreadable(l, managed_by) {
                    Some(c) => {
                        log::info(|| {
                            format!(
                                "{} lists {} but cannot inspect it ({}): it is planned for deletion",
                                self.runtime,
                                c.name,
                                first_line(&out.error_text())
                            )
                        });
                        inspected.push(c);
                    }
                    None => return Ok(None),
                },
            }
        }
        let Ok((containers, foreign)) = crate::engine::parse::agree(listed, inspected, managed_by)
        else {
            return Ok(None);
        };
        // The batch call that failed said nothing reliable of the images.
        let (images, image_labels) = self.observe_images(refs)?;
        Ok(Some(Found {
            containers,
            foreign,
            images,
            image_labels,
        }))
    }

    fn unreadable_error(&self, names: &[String], why: &str) -> Error {
        let listed = names.join(", ");
        Error::new(
            ErrorKind::Engine,
            format!(
                "{} lists {listed} but could not inspect {} ({} tries): {}",
                self.runtime,
                if names.len() == 1 { "it" } else { "them" },
                OBSERVE_ATTEMPTS,
                if why.is_empty() {
                    "it printed nothing about them"
                } else {
                    why
                }
            ),
        )
        .with_hint(format!(
            "paunch will not plan around a container it cannot read; run `{} inspect {}` to see why, then apply again",
            self.runtime,
            names.first().map(String::as_str).unwrap_or_default()
        ))
    }

    fn observe_containers_once(&self, managed_by: &str, refs: &[String]) -> Result<Look> {
        let rt = self.runtime;
        let ps = self.run_with_timeout(&rt.ps_args(), Some(OBSERVE_TIMEOUT))?;
        if !ps.success() {
            return Err(self.observe_error("listing containers", &ps));
        }
        let listed = crate::engine::parse::parse_ps(rt, &ps.stdout, managed_by)?;
        let candidates: Vec<String> = listed
            .iter()
            .filter(|l| l.maybe_managed)
            .map(|l| l.id.clone())
            .collect();
        let mut inspected = Vec::new();
        let mut images = BTreeMap::new();
        let mut image_labels = BTreeMap::new();
        let mut out = None;
        if !candidates.is_empty() || !refs.is_empty() {
            let argv = if refs.is_empty() {
                rt.inspect_args(&candidates)
            } else {
                rt.mixed_inspect_args(&candidates, refs)
            };
            let o = self.run_with_timeout(&argv, Some(OBSERVE_TIMEOUT))?;
            if !o.success() && o.stdout.trim().is_empty() && Self::unreachable_text(&o.error_text())
            {
                return Err(self.observe_error("inspecting containers", &o));
            }
            // A container removed since the listing, or an image not
            // there, makes the call fail but still prints the others;
            // `agree` says whether a container is missing.
            let parsed = if refs.is_empty() {
                crate::engine::parse::parse_inspect(&o.stdout).map(|c| (c, BTreeMap::new()))
            } else {
                crate::engine::parse::parse_mixed_inspect(&o.stdout, &o.stderr, refs, o.success())
            };
            (inspected, images) = match parsed {
                Ok(found) => found,
                Err(_) if !o.success() => {
                    return Err(self.observe_error("inspecting containers", &o));
                }
                Err(e) => return Err(e),
            };
            if !refs.is_empty() {
                image_labels = crate::engine::parse::parse_image_labels(&o.stdout);
            }
            out = Some(o);
        }
        match crate::engine::parse::agree(&listed, inspected, managed_by) {
            Ok((containers, foreign)) => Ok(Look::Agrees(Found {
                containers,
                foreign,
                images,
                image_labels,
            })),
            Err(crate::engine::parse::Disagreement { missed, inspected }) => {
                if let Some(o) = out
                    .as_ref()
                    .filter(|o| Self::unreachable_text(&o.error_text()))
                {
                    return Err(self.observe_error("inspecting containers", o));
                }
                let why = out.map(|o| first_line(&o.error_text()).to_string());
                Ok(Look::Missed {
                    names: missed,
                    why: why.unwrap_or_default(),
                    listed,
                    inspected,
                })
            }
        }
    }

    /// The local image ID each of `images` names, and the labels of
    /// those found, by ID.
    fn observe_images(
        &self,
        images: &[String],
    ) -> Result<(
        BTreeMap<String, Option<String>>,
        crate::engine::parse::ImageLabels,
    )> {
        if images.is_empty() {
            return Ok(Default::default());
        }
        let out = self.run_with_timeout(
            &self.runtime.image_inspect_args(images),
            Some(OBSERVE_TIMEOUT),
        )?;
        if !out.success() && out.stdout.trim().is_empty() {
            // Either nothing was found, or the engine is not there at all.
            let e = self.observe_error("inspecting images", &out);
            if e.kind() == ErrorKind::EngineUnreachable {
                return Err(e);
            }
        }
        let ids = crate::engine::parse::parse_image_inspect(
            &out.stdout,
            &out.stderr,
            images,
            out.success(),
        )?;
        Ok((ids, crate::engine::parse::parse_image_labels(&out.stdout)))
    }
}

/// Test-only: `PAUNCH_FAULT_KILL_AT=K:before|during|after` SIGKILLs paunch
/// around its K-th step engine call (1-based), as a power cut or a
/// pipeline timeout would. Compiled only with the `fault-injection` feature.
#[cfg(feature = "fault-injection")]
mod fault {
    use std::sync::atomic::{AtomicUsize, Ordering};

    static CALLS: AtomicUsize = AtomicUsize::new(0);

    #[derive(Clone, Copy, PartialEq, Eq)]
    pub enum At {
        None,
        During,
        After,
    }

    /// SIGKILL now.
    pub fn die() -> ! {
        kill_self()
    }

    fn kill_self() -> ! {
        // SAFETY: getpid and kill have no preconditions.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
        std::process::abort()
    }

    pub fn begin() -> At {
        let n = CALLS.fetch_add(1, Ordering::SeqCst) + 1;
        let Ok(spec) = std::env::var("PAUNCH_FAULT_KILL_AT") else {
            return At::None;
        };
        let Some((k, when)) = spec.split_once(':') else {
            return At::None;
        };
        if k.parse::<usize>().ok() != Some(n) {
            return At::None;
        }
        match when {
            "before" => kill_self(),
            "during" => At::During,
            "after" => At::After,
            _ => At::None,
        }
    }

    pub fn end(at: At) {
        if at == At::After {
            kill_self()
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// Engine children get their own process group, so a Ctrl-C at the
/// terminal reaches paunch alone and the step in flight can finish; and
/// they die with paunch if it is killed, rather than acting on their own.
fn detach_from_terminal_signals(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    // SAFETY: prctl is async-signal-safe and touches no memory of ours; it
    // runs in the child between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engines_error_line_comes_first() {
        let out = Output {
            code: Some(126),
            stdout: String::new(),
            stderr: "time=\"x\" level=warning msg=\"failed to connect to syslog: Initialization\"\nFailed to connect to bus: /run/systemd/private\nError: cannot listen on the TCP port: bind: address already in use\n".into(),
        };
        let text = out.error_text();
        assert!(
            text.starts_with("Error: cannot listen on the TCP port"),
            "{text}"
        );
        assert!(text.contains("syslog"), "the rest is kept: {text}");
        let plain = Output {
            code: Some(1),
            stdout: String::new(),
            stderr: "Error response from daemon: boom\nmore\n".into(),
        };
        assert_eq!(plain.error_text(), "Error response from daemon: boom\nmore");
    }
}
