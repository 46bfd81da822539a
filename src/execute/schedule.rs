//! Scheduling inside a phase: a pool of workers runs steps up to
//! `--parallel` at once, each after what it depends on (`after`) and after
//! the barriers of its group (a blocking container, a wait, an exec).

use super::*;

impl Run<'_> {
    /// Runs `steps` in order, up to `parallel` at once, each after the
    /// steps it depends on.
    pub(super) fn pool(&self, steps: &[&Step], work: impl Fn(&Step) -> Outcome + Sync) {
        self.pool_committed(steps, &HashSet::new(), work);
    }

    /// [`Run::pool`], where the `committed` steps (already half done) run
    /// even after an interrupt.
    pub(super) fn pool_committed(
        &self,
        steps: &[&Step],
        committed: &HashSet<usize>,
        work: impl Fn(&Step) -> Outcome + Sync,
    ) {
        self.pool_limited(steps, committed, self.opts.parallel, work);
    }

    /// [`Run::pool_committed`], up to `limit` at once.
    pub(super) fn pool_limited(
        &self,
        steps: &[&Step],
        committed: &HashSet<usize>,
        limit: usize,
        work: impl Fn(&Step) -> Outcome + Sync,
    ) {
        if steps.is_empty() {
            return;
        }
        struct Queue {
            pending: Vec<usize>,
            running: usize,
        }
        let ids: Vec<usize> = steps.iter().map(|s| s.id).collect();
        let queue = Mutex::new(Queue {
            pending: (0..steps.len()).collect(),
            running: 0,
        });
        let changed = Condvar::new();
        let in_pool = |id: usize| ids.contains(&id);
        let order = barrier_order(steps);
        let ready = |i: usize| {
            let done = |d: &usize| !in_pool(*d) || self.outcome(*d).is_some();
            steps[i].after.iter().all(done) && order[i].iter().all(done)
        };
        let worker = || {
            loop {
                let index = {
                    let Ok(mut q) = queue.lock() else { return };
                    loop {
                        if q.pending.is_empty() {
                            changed.notify_all();
                            return;
                        }
                        if let Some(pos) = q.pending.iter().position(|i| ready(*i)) {
                            q.running += 1;
                            break q.pending.remove(pos);
                        }
                        if q.running == 0 {
                            // Nothing can make progress: a dependency outside
                            // any order. Run the first to report it.
                            q.running += 1;
                            break q.pending.remove(0);
                        }
                        q = match changed.wait(q) {
                            Ok(q) => q,
                            Err(_) => return,
                        };
                    }
                };
                let step = steps[index];
                if committed.contains(&step.id) || !self.stop_requested(step) {
                    match self.blocked(step) {
                        Some(skip) => self.finish(step, skip),
                        None if !committed.contains(&step.id) && self.gone().is_some() => {
                            let why = self.gone().unwrap_or_default();
                            self.finish(step, Outcome::Skipped(format!("not started: {why}")));
                        }
                        None => {
                            self.progress.started(step);
                            let out = work(step);
                            self.finish(step, out);
                        }
                    }
                }
                if let Ok(mut q) = queue.lock() {
                    q.running -= 1;
                }
                changed.notify_all();
            }
        };
        let n = limit.clamp(1, steps.len());
        if n == 1 {
            worker();
        } else {
            let worker = &worker;
            std::thread::scope(|scope| {
                for _ in 0..n {
                    scope.spawn(worker);
                }
            });
        }
    }
}

/// Whether paunch waits for a step to end before what follows it in its
/// group may start, as the original ran a group one entry at a time: a
/// blocking (`detach: false`) container, a wait for one, and an exec.
pub(super) fn is_barrier(step: &Step) -> bool {
    match &step.action {
        Action::Create { create, .. } | Action::Replace { create, .. } => !create.detach,
        Action::Wait { .. } | Action::Exec { .. } => true,
        _ => false,
    }
}

/// For each step of a pool, the steps that must have ended before it
/// starts, beyond its own `after`: a barrier ([`is_barrier`]) waits for
/// everything before it in the pool (file order), and everything after a
/// barrier waits for it. Detached containers between two barriers run
/// together, up to `--parallel`.
pub(super) fn barrier_order(steps: &[&Step]) -> Vec<Vec<usize>> {
    let mut last_barrier: Option<usize> = None;
    let mut order = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        if is_barrier(step) {
            order.push(steps[..i].iter().map(|s| s.id).collect());
            last_barrier = Some(step.id);
        } else {
            order.push(last_barrier.into_iter().collect());
        }
    }
    order
}
