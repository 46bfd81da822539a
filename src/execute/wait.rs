//! `apply --wait`: how readiness is polled (one engine call a look for a
//! whole group), what "ready" means (healthy, or kept running in the same
//! run for the settle time), podman's health checks run at their interval,
//! and the held step events released with the verdict.

use super::*;

impl Run<'_> {
    /// Reports the held steps (all, or the one of container `name`) as
    /// they ended, with what the wait found (`ready`: "healthy").
    pub(super) fn release_held(&self, only: Option<(&str, &str)>) {
        let Ok(mut held) = self.held.lock() else {
            return;
        };
        let ids: Vec<usize> = held.keys().copied().collect();
        for id in ids {
            let Some(step) = self.plan.steps.iter().find(|s| s.id == id) else {
                continue;
            };
            let outcome = match only {
                None => held.remove(&id),
                Some((name, how)) if waited_name(step) == Some(name) => {
                    held.remove(&id).map(|o| match o {
                        Outcome::Done(d) => Outcome::Done(format!("{d}; ready ({how})")),
                        other => other,
                    })
                }
                Some(_) => None,
            };
            if let Some(o) = outcome {
                self.progress.finished(step, &o);
            }
        }
    }

    /// `--wait`: looks at the group's new and started detached containers,
    /// all in one engine call each time, until each is healthy (it has a
    /// health check) or has kept running for the settle time (it has
    /// none). One that exits, turns unhealthy or is not ready by the
    /// deadline fails its step, with its state and last log lines. Returns
    /// the names that failed, if any did.
    pub(super) fn wait(&self, group: &[&Step], w: &WaitOptions) -> Option<String> {
        let mut pending: Vec<(&Step, String)> = group
            .iter()
            .filter(|s| self.outcome(s.id).is_some_and(|o| o.is_done()))
            .filter_map(|s| waited_name(s).map(|n| (*s, n.to_string())))
            .collect();
        let began = Instant::now();
        // --wait-timeout bounds waiting for readiness, summed over the
        // groups: not the time creating, nor a blocking job's run (a job
        // is not waited for to become ready; --step-timeout bounds it).
        let spent = self.waited.lock().map(|w| *w).unwrap_or_default();
        let mut look = Look {
            runs: first_runs(&pending),
            began,
            settled: began + w.settle,
            deadline: began + w.timeout.saturating_sub(spent),
            timeout: w.timeout,
            checked: HashMap::new(),
        };
        let mut failed = Vec::new();
        while !pending.is_empty() && !self.interrupted() {
            let names: Vec<String> = pending.iter().map(|(_, n)| n.clone()).collect();
            let seen = match self.look_at(&names) {
                Ok(x) => x,
                // An engine found gone does not come back in time.
                Err(why) if Instant::now() >= look.deadline || self.gone().is_some() => {
                    for (step, name) in pending.drain(..) {
                        let message = format!(
                            "{name} could not be looked at within --wait-timeout {}s: {why}",
                            w.timeout.as_secs()
                        );
                        self.finish(step, Outcome::failed(message, None));
                        failed.push(name);
                    }
                    break;
                }
                Err(_) => {
                    std::thread::sleep(w.poll);
                    continue;
                }
            };
            let now = Instant::now();
            let mut still = Vec::new();
            for (step, name) in pending {
                match self.judge(&name, &seen, now, &mut look) {
                    Verdict::Ready(how) => {
                        self.release_held(Some((&name, how)));
                        if let Ok(mut r) = self.ready.lock() {
                            r.push((name, how.to_string()));
                        }
                    }
                    Verdict::Failed(message, code) => {
                        self.fail_with_logs(step, &name, message, code);
                        failed.push(name);
                    }
                    Verdict::Pending => still.push((step, name)),
                }
            }
            pending = still;
            if !pending.is_empty() {
                std::thread::sleep(w.poll);
            }
        }
        if let Ok(mut w) = self.waited.lock() {
            *w += began.elapsed();
        }
        (!failed.is_empty()).then(|| failed.join(", "))
    }

    /// One look at the group: one engine call for all of it. A call that
    /// fails outright (the engine, not a container) tells nothing: `Err`.
    fn look_at(&self, names: &[String]) -> Result<Seen, String> {
        let o = self
            .call(&self.plan.runtime.inspect_args(names), self.bounded())
            .map_err(|e| e.to_string())?;
        let seen = crate::engine::parse::parse_inspect_with_health(&o.stdout)
            .map_err(|e| e.to_string())?;
        if seen.is_empty() && !o.success() {
            return Err(o.error_text());
        }
        Ok(seen)
    }

    /// What one look says of container `name`.
    fn judge(&self, name: &str, seen: &Seen, now: Instant, look: &mut Look) -> Verdict {
        let Some((c, check)) = seen.iter().find(|(c, _)| c.name == name) else {
            return Verdict::Failed(format!("{name} is gone"), None);
        };
        let code = i32::try_from(c.exit_code).ok();
        if look
            .runs
            .entry(name.to_string())
            .or_default()
            .restarted(c, check)
        {
            return Verdict::Failed(
                format!(
                    "{name} restarted while --wait waited for it ({}, last exit code {}): it does not keep running",
                    c.status_text(),
                    c.exit_code
                ),
                code,
            );
        }
        if matches!(c.status(), State::Exited | State::Dead) {
            return Verdict::Failed(format!("{name} {}", c.status_text()), code);
        }
        if c.health == "unhealthy" {
            let message = match check.last_output.as_str() {
                "" => format!("{name} is unhealthy: its health check fails"),
                output => format!(
                    "{name} is unhealthy: its health check fails, printing:\n{}",
                    tail(output, 10)
                ),
            };
            return Verdict::Failed(message, None);
        }
        if c.running() && c.health == "healthy" {
            return Verdict::Ready("healthy");
        }
        if c.running() && c.health.is_empty() && now >= look.settled {
            return Verdict::Ready("running");
        }
        if now >= look.deadline {
            let message = format!(
                "{name} is not ready within --wait-timeout {}s: {}",
                look.timeout.as_secs(),
                c.status_text()
            );
            return Verdict::Failed(message, None);
        }
        // No systemd runs podman's checks on a timer: run the check at its
        // interval (the engine's default, 30 s, when none is given), the
        // first one interval in.
        if c.running() && !c.health.is_empty() {
            self.run_health_check(name, Some(check), look.began, &mut look.checked);
        }
        Verdict::Pending
    }

    /// Fails a waited step, with the container's last log lines.
    fn fail_with_logs(&self, step: &Step, name: &str, message: String, code: Option<i32>) {
        let logs = self
            .call(&self.plan.runtime.logs_args(name, 20), self.bounded())
            .map(|o| tail(&format!("{}{}", o.stdout, o.stderr), 20))
            .unwrap_or_default();
        let message = if logs.is_empty() {
            message
        } else {
            format!("{message}; its last log lines:\n{logs}")
        };
        self.finish(step, Outcome::failed(message, code));
    }

    /// Runs a container's health check if the runtime leaves that to the
    /// client (podman without systemd) and it is due.
    pub(super) fn run_health_check(
        &self,
        name: &str,
        check: Option<&crate::engine::parse::HealthCheck>,
        began: Instant,
        checked: &mut HashMap<String, Instant>,
    ) {
        let Some(argv) = self.plan.runtime.healthcheck_run_args(name) else {
            return;
        };
        let interval = check
            .and_then(|h| h.interval)
            .unwrap_or(Duration::from_secs(30));
        let last = checked.get(name).copied().unwrap_or(began);
        if last.elapsed() >= interval {
            // Its verdict is read back by the next look, like docker's.
            let _ = self.call(&argv, self.bounded());
            checked.insert(name.to_string(), Instant::now());
        }
    }
}

/// What one look at a group gives: each container with its health check.
type Seen = Vec<(crate::observe::Container, crate::engine::parse::HealthCheck)>;

/// What a wait knows across its looks.
struct Look {
    /// The run each container was first seen in.
    runs: HashMap<String, Run0>,
    began: Instant,
    /// When a container without a health check counts as up.
    settled: Instant,
    deadline: Instant,
    /// `--wait-timeout`, for messages.
    timeout: Duration,
    /// Podman health checks this paunch runs itself: when each last ran.
    checked: HashMap<String, Instant>,
}

/// What a look says of one container.
enum Verdict {
    /// Healthy, or kept running in the same run for the settle time.
    Ready(&'static str),
    /// Its step fails: why, and the container's exit code if it has one.
    Failed(String, Option<i32>),
    /// Not yet.
    Pending,
}

/// The run each container was first seen in: ready means it kept running
/// in that run. A container made by this apply has had no restart before
/// it.
fn first_runs(pending: &[(&Step, String)]) -> HashMap<String, Run0> {
    pending
        .iter()
        .filter(|(s, _)| matches!(s.action, Action::Create { .. } | Action::Replace { .. }))
        .map(|(_, n)| {
            let run = Run0 {
                restarts: Some(0),
                started_at: String::new(),
            };
            (n.clone(), run)
        })
        .collect()
}

/// Whether `--wait` waits for the container of this step: a new or
/// replaced detached one, or one it starts.
pub(super) fn waited_for(step: &Step) -> bool {
    waited_name(step).is_some()
}

/// The container `--wait` waits for after this step, if any (what
/// [`Run::wait`] looks at).
pub(super) fn waited_name(step: &Step) -> Option<&str> {
    match &step.action {
        // Started by its create (`run`) or its units; a rollback's `create`
        // of a container that was not running is not waited for.
        Action::Create { create, .. } | Action::Replace { create, .. }
            if create.detach
                && (create.argv.first().is_some_and(|a| a == "run")
                    || !create.units.is_empty()) =>
        {
            Some(&create.name)
        }
        Action::Start { container, .. } | Action::Units { container, .. } => Some(&container.name),
        _ => None,
    }
}

/// The run of a container `--wait` first saw: its restart count and start
/// time (`None`/empty until seen).
#[derive(Debug, Default)]
pub(super) struct Run0 {
    restarts: Option<u64>,
    started_at: String,
}

impl Run0 {
    /// Whether the container `c` is no longer in this run: the engine
    /// restarted it, or is about to (`restarting`). The first look sets
    /// what is not yet known.
    fn restarted(
        &mut self,
        c: &crate::observe::Container,
        h: &crate::engine::parse::HealthCheck,
    ) -> bool {
        let base = *self.restarts.get_or_insert(h.restart_count);
        let started = !h.started_at.is_empty() && !h.started_at.starts_with("0001-");
        if self.started_at.is_empty() && started {
            self.started_at = h.started_at.clone();
        }
        h.restart_count > base
            || (started && h.started_at != self.started_at)
            || c.status() == State::Restarting
    }
}
