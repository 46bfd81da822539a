//! Deletions and the old containers of replacements: stopped together,
//! then removed together (one engine call per distinct command), with
//! podman's unpause first and each member's result read back.

use super::*;

impl Run<'_> {
    /// Deletions: every stop at once (one call per distinct stop command),
    /// then every remove at once.
    pub(super) fn stop_and_remove(&self, steps: &[&Step]) {
        let mut items = Vec::new();
        let mut unit_errors: HashMap<usize, Vec<String>> = HashMap::new();
        for s in steps {
            if self.stop_requested(s) {
                continue;
            }
            if let Action::Delete {
                stop,
                remove,
                units_off,
                ..
            } = &s.action
            {
                self.progress.started(s);
                // Its units first, or systemd would start it again. What
                // systemctl cannot do (no systemd answers) does not keep
                // the container and the files: delete removes what it
                // can and says what it could not.
                let units_failed = self.unit_ops_removing(units_off);
                items.push((s.id, stop.clone(), remove.clone()));
                if !units_failed.is_empty() {
                    unit_errors.insert(s.id, units_failed);
                }
            }
        }
        let results = self.batch_stop_remove(&items);
        for s in steps {
            if let Some(r) = results.get(&s.id) {
                let out = match (r, unit_errors.get(&s.id)) {
                    (Ok(()), None) => Outcome::Done("stopped and removed".into()),
                    (Ok(()), Some(errors)) => Outcome::error(units_not_stopped(errors)),
                    (Err(e), _) => Outcome::error(e),
                };
                self.finish(s, out);
            }
        }
    }

    /// The old containers of a group's replacements, stopped together then
    /// removed together. Returns each step's result.
    pub(super) fn stop_and_remove_replaced(
        &self,
        steps: &[&Step],
        group: &[usize],
    ) -> HashMap<usize, Result<(), Outcome>> {
        let mut items = Vec::new();
        let mut results = HashMap::new();
        for s in steps {
            if self.interrupted() {
                continue;
            }
            if let Some(skip) = self.blocked_by(s, group) {
                results.insert(s.id, Err(skip));
                continue;
            }
            if let Action::Replace {
                stop,
                remove,
                units_off,
                ..
            } = &s.action
            {
                // In flight from its old container's stop on.
                self.progress.started(s);
                // Its service stopped first, or systemd would start it again.
                if let Err(e) = self.unit_ops(units_off) {
                    results.insert(
                        s.id,
                        Err(Outcome::error(format!(
                            "the old container's units could not be stopped: {e}"
                        ))),
                    );
                    continue;
                }
                items.push((s.id, stop.clone(), remove.clone()));
            }
        }
        results.extend(self.batch_stop_remove(&items).into_iter().map(|(id, r)| {
            (
                id,
                r.map_err(|e| {
                    Outcome::error(format!("the old container could not be removed: {e}"))
                }),
            )
        }));
        results
    }

    pub(super) fn batch_stop_remove(
        &self,
        items: &[(usize, Vec<String>, Vec<String>)],
    ) -> HashMap<usize, Result<(), String>> {
        self.unpause_for_podman(items);
        let mut results = HashMap::new();
        for round in self.stop_rounds(items) {
            let stops: Vec<(usize, &[String])> = items
                .iter()
                .filter(|(id, _, _)| round.contains(id))
                .map(|(id, s, _)| (*id, s.as_slice()))
                .collect();
            results.extend(self.batched(&stops, "stop"));
        }
        let mut removes: Vec<(usize, &[String])> = items
            .iter()
            .filter(|(id, _, _)| matches!(results.get(id), Some(Ok(Gone::No))))
            .map(|(id, _, r)| (*id, r.as_slice()))
            .collect();
        // podman removes no container that another one joined (its
        // network, IPC or PID namespace), even when that one goes in the
        // same call: remove in rounds, dependents first, while each round
        // removes something.
        // And a container whose storage a killed engine call left busy
        // (podman has no daemon to finish it) gets two more tries.
        let mut busy_tries = 2;
        loop {
            let removed = self.batched(&removes, "rm");
            let refused: Vec<usize> = removed
                .iter()
                .filter(|(_, r)| matches!(r, Err(e) if e.contains("has dependent containers")))
                .map(|(id, _)| *id)
                .collect();
            let busy: Vec<usize> = removed
                .iter()
                .filter(|(_, r)| matches!(r, Err(e) if e.contains("device or resource busy")))
                .map(|(id, _)| *id)
                .collect();
            let progress = refused.len() + busy.len() < removed.len();
            for (id, r) in removed {
                results.insert(id, r);
            }
            let retry_busy = !busy.is_empty() && busy_tries > 0;
            if !(retry_busy || (!refused.is_empty() && progress)) {
                break;
            }
            if retry_busy {
                busy_tries -= 1;
                std::thread::sleep(Duration::from_millis(500));
            }
            removes.retain(|(id, _)| refused.contains(id) || busy.contains(id));
        }
        results
            .into_iter()
            .map(|(id, r)| (id, r.map(|_| ())))
            .collect()
    }

    /// The stops of `items` in rounds: a container that another one of
    /// them joined (its network, IPC or PID namespace: a Pod's infra
    /// container) is stopped only after the ones that joined it, as the
    /// kubelet stops a Pod's sandbox after its containers, so that they
    /// keep their network while they handle their stop signal. Containers
    /// are named by the stop's last word (their ID).
    fn stop_rounds(&self, items: &[(usize, Vec<String>, Vec<String>)]) -> Vec<Vec<usize>> {
        let target = |stop: &[String]| stop.last().cloned().unwrap_or_default();
        let joined_by: HashMap<&str, Vec<String>> = self
            .plan
            .depends_on
            .containers
            .iter()
            .map(|c| {
                let joins = c.joined.iter().filter(|j| j.key != "volumes_from");
                (c.id.as_str(), joins.map(|j| j.container.clone()).collect())
            })
            .collect();
        let mut left: Vec<(usize, String)> =
            items.iter().map(|(id, s, _)| (*id, target(s))).collect();
        let mut rounds = Vec::new();
        while !left.is_empty() {
            // Joined by none of those left: stopped in this round (all
            // of them when the joins go round in a circle).
            let joined: HashSet<&String> = left
                .iter()
                .flat_map(|(_, c)| joined_by.get(c.as_str()).into_iter().flatten())
                .collect();
            let (now, later): (Vec<_>, Vec<_>) =
                left.iter().cloned().partition(|(_, c)| !joined.contains(c));
            if now.is_empty() {
                rounds.push(later.into_iter().map(|(id, _)| id).collect());
                break;
            }
            rounds.push(now.into_iter().map(|(id, _)| id).collect());
            left = later;
        }
        rounds
    }

    /// podman stops no paused container: unpause those of `items` that
    /// were paused when the plan was made, in one call, before stopping.
    pub(super) fn unpause_for_podman(&self, items: &[(usize, Vec<String>, Vec<String>)]) {
        if self.plan.runtime != crate::engine::argv::Runtime::Podman {
            return;
        }
        let paused: Vec<String> = items
            .iter()
            .filter_map(|(_, stop, _)| stop.last())
            .filter(|id| {
                self.plan
                    .depends_on
                    .containers
                    .iter()
                    .any(|c| &c.id == *id && c.status() == State::Paused)
            })
            .cloned()
            .collect();
        if !paused.is_empty() {
            // A failure shows in the stop that follows.
            let _ = self.call(&self.plan.runtime.unpause_args(&paused), self.bounded());
        }
    }

    /// Runs commands that differ only in their last word (the container)
    /// as one call per distinct prefix, those calls concurrently.
    pub(super) fn batched(
        &self,
        items: &[(usize, &[String])],
        verb: &str,
    ) -> HashMap<usize, Result<Gone, String>> {
        let mut by_prefix: BTreeMap<&[String], Vec<(usize, &str)>> = BTreeMap::new();
        for (id, argv) in items {
            if let Some((last, prefix)) = argv.split_last() {
                by_prefix
                    .entry(prefix)
                    .or_default()
                    .push((*id, last.as_str()));
            }
        }
        let results = Mutex::new(HashMap::new());
        std::thread::scope(|scope| {
            for (prefix, members) in &by_prefix {
                let results = &results;
                scope.spawn(move || {
                    let mut argv: Vec<String> = prefix.to_vec();
                    argv.extend(members.iter().map(|(_, c)| c.to_string()));
                    let out = self.call(&argv, Some(stop_grace(prefix) + self.opts.step_timeout));
                    let mut r = results.lock().unwrap_or_else(|e| e.into_inner());
                    for (id, container) in members {
                        r.insert(*id, member_result(&out, container, verb));
                    }
                });
            }
        });
        results.into_inner().unwrap_or_default()
    }
}

/// Whether a container turned out to be gone already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gone {
    No,
    Already,
}

/// One container's result in a batched call: the engine prints each
/// container it handled on stdout and an error line for each it did not.
pub(super) fn member_result(
    out: &crate::error::Result<Output>,
    container: &str,
    verb: &str,
) -> Result<Gone, String> {
    let out = match out {
        Ok(o) => o,
        Err(e) => return Err(e.to_string()),
    };
    if out.stdout.lines().any(|l| l.trim() == container) {
        return Ok(Gone::No);
    }
    let mine: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains(container))
        .collect();
    if mine
        .iter()
        .any(|l| l.to_ascii_lowercase().contains("no such container"))
    {
        return Ok(Gone::Already);
    }
    if out.success() {
        return Ok(Gone::No);
    }
    Err(if mine.is_empty() {
        format!("{verb} failed: {}", out.error_text())
    } else {
        mine.join("\n")
    })
}

/// The grace period a stop command gives (`--time=N`), else the
/// engine's default of 10 s; nothing for other commands.
pub(super) fn stop_grace(argv: &[String]) -> Duration {
    if argv.first().map(String::as_str) != Some("stop") {
        return Duration::ZERO;
    }
    let secs = argv
        .iter()
        .find_map(|a| a.strip_prefix("--time="))
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(10);
    Duration::from_secs(secs)
}
