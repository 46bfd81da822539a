//! Image pulls: the `--pull` policy, one pull retried with jittered
//! exponential backoff, and the pulls of one apply run in parallel.
//!
//! Where each policy acts, and why there:
//!
//! - `missing` (the default, the original's behaviour): the plan has a
//!   `pull` step for each image not present; the executor runs them first
//!   and touches no container if one fails.
//! - `always`: every image of the configuration is pulled **before the
//!   engine is observed and the plan is made** ([`pull_all`]), so the plan
//!   compares containers with the image IDs their tags name after the pull:
//!   a tag pushed anew gives a replacement ("image updated"), once. The
//!   planner stays a pure function of what it is given, and a saved plan
//!   stays honest: `plan --pull always --out F` pulls, then records the
//!   image IDs it compared, so `apply --plan F` refuses the plan (stale) if
//!   a tag moved again in between, instead of deciding replacements the
//!   reviewer never saw. (Putting the pulls in the plan and deciding the
//!   replacements after them would mean executing steps nobody reviewed.)
//!   Pulling changes images, never containers.
//! - `never`: nothing is pulled; a configuration naming an image that is
//!   not present is refused before anything is touched.

use crate::engine::argv::Runtime;
use crate::engine::{Output, Runner};
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::time::Duration;

/// How many pulls of one apply run at once (more only with a larger
/// `--parallel`).
pub const PARALLEL: usize = 4;

/// When images are pulled (`--pull`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullPolicy {
    /// Pull the images that are not present (the default).
    #[default]
    Missing,
    /// Pull every image before planning; a container whose tag now names
    /// another image is replaced.
    Always,
    /// Pull nothing; an image that is not present is an error.
    Never,
}

impl std::fmt::Display for PullPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PullPolicy::Missing => "missing",
            PullPolicy::Always => "always",
            PullPolicy::Never => "never",
        })
    }
}

impl std::str::FromStr for PullPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<PullPolicy, String> {
        match s {
            "missing" => Ok(PullPolicy::Missing),
            "always" => Ok(PullPolicy::Always),
            "never" => Ok(PullPolicy::Never),
            other => Err(format!(
                "unknown pull policy \"{other}\" (missing, always or never)"
            )),
        }
    }
}

/// How a pull is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts, the first included (at least one is made).
    pub attempts: u32,
    /// The base of the backoff (see [`backoff`]).
    pub backoff: Duration,
    /// The longest wait before a retry.
    pub backoff_max: Duration,
}

/// How one pull ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pulled {
    /// The image is there.
    Done,
    /// Every attempt failed: the last attempt's message (naming the image
    /// and the number of attempts) and exit code.
    Failed {
        /// `pull of IMAGE failed after N attempts: <the engine's message>`.
        message: String,
        /// The engine CLI's exit code, if it exited.
        code: Option<i32>,
    },
    /// An interrupt came between two attempts.
    Interrupted,
}

/// The wait before retry `retry` (1-based): uniform in `[cap/2, cap]`,
/// where `cap = min(backoff_max, backoff·2^(retry-1))`. With the defaults
/// (1 s, 10 s, 4 attempts) the three waits add up to between 3.5 s and
/// 7 s, so a registry back within 3.5 s is always waited for. (The
/// original's `wait_random_exponential` drew from `[0, cap]`, so its
/// retries could all come within a few milliseconds.)
pub fn backoff(retry: &Retry, n: u32) -> Duration {
    let cap = retry
        .backoff
        .saturating_mul(1u32 << n.saturating_sub(1).min(16))
        .min(retry.backoff_max);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(n);
    let unit = (h.finish() >> 11) as f64 / (1u64 << 53) as f64;
    cap.mul_f64(0.5 + unit / 2.0)
}

/// Pulls one image (`argv` is the runtime's pull command for it), retried
/// as `retry` says; stops retrying when `interrupted` says so.
pub fn pull(
    engine: &dyn Runner,
    argv: &[String],
    image: &str,
    retry: &Retry,
    interrupted: &dyn Fn() -> bool,
) -> Pulled {
    let mut last = Output {
        code: None,
        stdout: String::new(),
        stderr: String::new(),
    };
    let attempts = retry.attempts.max(1);
    for attempt in 1..=attempts {
        if attempt > 1 {
            if interrupted() {
                return Pulled::Interrupted;
            }
            std::thread::sleep(backoff(retry, attempt - 1));
            if interrupted() {
                return Pulled::Interrupted;
            }
        }
        match engine.run_step(argv) {
            Ok(o) if o.success() => return Pulled::Done,
            // No registry coming back helps an engine that is not there.
            Ok(o) if crate::engine::Engine::unreachable_text(&o.error_text()) => {
                return Pulled::Failed {
                    message: format!("pull of {image} failed: {}", o.error_text()),
                    code: o.code,
                };
            }
            Ok(o) => last = o,
            Err(e) => {
                return Pulled::Failed {
                    message: format!("pull of {image} failed: {e}"),
                    code: None,
                };
            }
        }
    }
    Pulled::Failed {
        message: format!(
            "pull of {image} failed after {attempts} attempts: {}",
            last.error_text()
        ),
        code: last.code,
    }
}

/// Pulls every image in `images`, up to `parallel` at once, each retried;
/// returns each image with how its pull ended, in the order given.
pub fn pull_all(
    engine: &dyn Runner,
    runtime: Runtime,
    images: &[String],
    retry: &Retry,
    parallel: usize,
    interrupted: &(dyn Fn() -> bool + Sync),
) -> Vec<(String, Pulled)> {
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<Pulled>>> = Mutex::new(vec![None; images.len()]);
    let worker = || {
        loop {
            let i = {
                let Ok(mut n) = next.lock() else { return };
                let i = *n;
                *n += 1;
                i
            };
            let Some(image) = images.get(i) else { return };
            let pulled = if interrupted() {
                Pulled::Interrupted
            } else {
                pull(engine, &runtime.pull_args(image), image, retry, interrupted)
            };
            if let Ok(mut r) = results.lock() {
                r[i] = Some(pulled);
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..parallel.clamp(1, images.len().max(1)) {
            scope.spawn(worker);
        }
    });
    let results = results.into_inner().unwrap_or_default();
    images
        .iter()
        .cloned()
        .zip(
            results
                .into_iter()
                .map(|r| r.unwrap_or(Pulled::Interrupted)),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    #[test]
    fn backoff_waits_at_least_half_its_cap() {
        let retry = Retry {
            attempts: 4,
            backoff: Duration::from_secs(1),
            backoff_max: Duration::from_secs(10),
        };
        for _ in 0..200 {
            let waits: Vec<Duration> = (1..=3).map(|n| backoff(&retry, n)).collect();
            for (w, cap) in waits.iter().zip([1000, 2000, 4000]) {
                let ms = w.as_millis();
                assert!(ms >= cap / 2 && ms <= cap, "{waits:?}");
            }
        }
        assert!(backoff(&retry, 9) >= Duration::from_secs(5));
        assert!(backoff(&retry, 9) <= Duration::from_secs(10));
    }

    /// Fails every call for `images` containing "bad"; counts calls and
    /// the most at once.
    #[derive(Default)]
    struct Flaky {
        calls: AtomicUsize,
        running: AtomicUsize,
        most: AtomicUsize,
    }

    impl Runner for Flaky {
        fn run_step(&self, argv: &[String]) -> crate::error::Result<Output> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(30));
            self.running.fetch_sub(1, Ordering::SeqCst);
            let bad = argv.iter().any(|a| a.contains("bad"));
            Ok(Output {
                code: Some(i32::from(bad)),
                stdout: String::new(),
                stderr: if bad {
                    "manifest unknown".into()
                } else {
                    String::new()
                },
            })
        }
    }

    #[test]
    fn pulls_run_in_parallel_up_to_the_limit_and_each_failure_is_named() {
        let images: Vec<String> = ["a:1", "bad:1", "c:1", "d:1", "e:1", "f:1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let engine = Flaky::default();
        let retry = Retry {
            attempts: 2,
            backoff: Duration::from_millis(2),
            backoff_max: Duration::from_millis(4),
        };
        let started = Instant::now();
        let out = pull_all(&engine, Runtime::Docker, &images, &retry, 3, &|| false);
        assert!(
            started.elapsed() < Duration::from_millis(6 * 30),
            "parallel"
        );
        assert_eq!(engine.most.load(Ordering::SeqCst), 3);
        assert_eq!(engine.calls.load(Ordering::SeqCst), 7, "bad:1 twice");
        assert_eq!(out.len(), 6);
        assert_eq!(out[0], ("a:1".to_string(), Pulled::Done));
        assert_eq!(
            out[1].1,
            Pulled::Failed {
                message: "pull of bad:1 failed after 2 attempts: manifest unknown".into(),
                code: Some(1)
            }
        );
    }

    #[test]
    fn policies_read_and_print() {
        for p in [PullPolicy::Missing, PullPolicy::Always, PullPolicy::Never] {
            assert_eq!(p.to_string().parse::<PullPolicy>(), Ok(p));
        }
        assert!("sometimes".parse::<PullPolicy>().is_err());
    }
}
