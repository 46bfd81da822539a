use super::*;
use crate::config::Config;
use crate::observe::{Container, Observed};
use crate::plan::{PlanOptions, plan_apply};
use std::sync::atomic::AtomicUsize;

#[derive(Default)]
struct Recorder {
    calls: Mutex<Vec<String>>,
    running: AtomicUsize,
    most: AtomicUsize,
    delay: Duration,
    /// A call whose words include this fails.
    fail: Option<&'static str>,
    /// What the failing call prints (default "boom").
    fail_text: Option<&'static str>,
    /// Set when the n-th call (1-based) starts.
    interrupt_at: Option<(usize, Arc<AtomicBool>)>,
    /// What `inspect` prints: the state of every container asked for.
    inspect_state: Option<&'static str>,
}

impl Runner for Recorder {
    fn run_step(&self, argv: &[String]) -> crate::error::Result<Output> {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        let n = {
            let mut calls = self.calls.lock().unwrap();
            calls.push(argv.join(" "));
            calls.len()
        };
        if let Some((at, flag)) = &self.interrupt_at
            && *at == n
        {
            flag.store(true, Ordering::SeqCst);
        }
        std::thread::sleep(self.delay);
        self.running.fetch_sub(1, Ordering::SeqCst);
        if self
            .fail
            .is_some_and(|w| argv.iter().any(|a| a.contains(w)))
        {
            return Ok(Output {
                code: Some(1),
                stdout: String::new(),
                stderr: self.fail_text.unwrap_or("boom").into(),
            });
        }
        // stop and rm print each container they handled.
        let stdout = match argv.first().map(String::as_str) {
            Some("stop" | "rm") => argv[1..]
                .iter()
                .filter(|a| !a.starts_with("--"))
                .cloned()
                .collect::<Vec<_>>()
                .join("\n"),
            Some("inspect" | "container") => {
                let state = self.inspect_state.unwrap_or(r#"{"Status": "running"}"#);
                let items: Vec<String> = argv[2..]
                    .iter()
                    .map(|n| {
                        format!(
                            r#"{{"Id": "x", "Name": "/{n}", "State": {state}, "Config": {{"Healthcheck": {{"Interval": 20000000}}}}}}"#
                        )
                    })
                    .collect();
                format!("[{}]", items.join(","))
            }
            _ => "0123456789abcdef".into(),
        };
        Ok(Output {
            code: Some(0),
            stdout,
            stderr: String::new(),
        })
    }

    fn run_systemctl(&self, argv: &[String]) -> crate::error::Result<Output> {
        self.record_systemctl(argv)
    }
}

impl Recorder {
    fn record_systemctl(&self, argv: &[String]) -> crate::error::Result<Output> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("systemctl {}", argv.join(" ")));
        Ok(Output {
            code: Some(0),
            stdout: String::new(),
            stderr: String::new(),
        })
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

const IMAGE: &str = "app:1";

fn observed(containers: Vec<Container>) -> Observed {
    Observed {
        containers,
        foreign: vec![],
        images: [(IMAGE.to_string(), Some("sha256:1".to_string()))].into(),
        ..Default::default()
    }
}

fn plan(yaml: &str, observed: &Observed) -> Plan {
    plan_on(crate::engine::argv::Runtime::Docker, yaml, observed)
}

fn plan_on(runtime: crate::engine::argv::Runtime, yaml: &str, observed: &Observed) -> Plan {
    let config = Config::parse(yaml, "t.yml").unwrap();
    let opts = PlanOptions {
        config_id: "c".into(),
        runtime,
        ..Default::default()
    };
    plan_apply(&config, observed, &opts)
}

/// A container of entry `name` created from `yaml`'s entry of that name.
fn existing(id: &str, name: &str, yaml: &str) -> Container {
    let config = Config::parse(yaml, "old.yml").unwrap();
    let e = config.entry(name).unwrap();
    Container {
        id: id.into(),
        name: name.into(),
        state: "running".into(),
        image_id: "sha256:1".into(),
        image: IMAGE.into(),
        command: vec![],
        entrypoint: vec![],
        created: "2026-11-01T10:00:00Z".into(),
        labels: [
            ("managed_by", "paunch"),
            ("config_id", "c"),
            ("container_name", name),
            ("config_data", e.config_data()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        exit_code: 0,
        health: String::new(),
        finished_at: String::new(),
        error: String::new(),
        started_at: String::new(),
        joined: vec![],
    }
}

fn run(plan: &Plan, r: &Recorder, parallel: usize, flag: Option<Arc<AtomicBool>>) -> Report {
    let opts = ExecuteOptions {
        parallel,
        interrupted: flag,
        pull_attempts: 2,
        pull_backoff: Duration::from_millis(1),
        ..Default::default()
    };
    execute(plan, r, &opts, &Silent)
}

fn wait_options() -> Option<WaitOptions> {
    Some(WaitOptions {
        timeout: Duration::from_secs(5),
        settle: Duration::from_millis(50),
        poll: Duration::from_millis(10),
    })
}

#[test]
fn wait_looks_at_a_whole_group_in_one_call_and_moves_on_when_it_runs() {
    let p = plan(
        "aa:\n  image: app:1\nbb:\n  image: app:1\ncc:\n  image: app:1\n  start_order: 1\n",
        &observed(vec![]),
    );
    let r = Recorder::default();
    let opts = ExecuteOptions {
        wait: wait_options(),
        ..Default::default()
    };
    let report = execute(&p, &r, &opts, &Silent);
    assert!(report.success(), "{report:?}");
    let calls = r.calls();
    let first_look = calls.iter().position(|c| c.starts_with("inspect")).unwrap();
    assert_eq!(calls[first_look], "inspect --type=container aa bb");
    let cc = calls.iter().position(|c| c.contains("--name=cc")).unwrap();
    assert!(first_look < cc, "the next group waits: {calls:?}");
}

#[test]
fn wait_fails_an_exited_container_and_skips_later_groups() {
    let p = plan(
        "aa:\n  image: app:1\nbb:\n  image: app:1\n  start_order: 1\n",
        &observed(vec![]),
    );
    let r = Recorder {
        inspect_state: Some(r#"{"Status": "exited", "ExitCode": 3}"#),
        ..Default::default()
    };
    let opts = ExecuteOptions {
        wait: wait_options(),
        ..Default::default()
    };
    let report = execute(&p, &r, &opts, &Silent);
    let failed: Vec<(usize, &str)> = report.failed().collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].1.starts_with("aa exited (3)"), "{failed:?}");
    assert!(matches!(
        report.outcomes[0].1,
        Outcome::Failed(Failure {
            exit_code: Some(3),
            ..
        })
    ));
    assert_eq!(report.skipped().count(), 1);
    assert!(!r.calls().iter().any(|c| c.contains("--name=bb")));
}

#[test]
fn on_podman_wait_runs_the_health_checks_at_their_interval() {
    let yaml = "aa:\n  image: app:1\n  healthcheck: {test: 'true', interval: 20ms}\n";
    let starting = Some(r#"{"Status": "running", "Health": {"Status": "starting"}}"#);
    let opts = ExecuteOptions {
        wait: Some(WaitOptions {
            timeout: Duration::from_millis(300),
            settle: Duration::from_millis(10),
            poll: Duration::from_millis(10),
        }),
        ..Default::default()
    };
    let checks = |runtime| {
        let p = plan_on(runtime, yaml, &observed(vec![]));
        let r = Recorder {
            inspect_state: starting,
            ..Default::default()
        };
        let report = execute(&p, &r, &opts, &Silent);
        // Never healthy: late, and said so.
        assert!(
            report.failed().any(|(_, m)| m.contains("not ready within")),
            "{report:?}"
        );
        r.calls()
            .iter()
            .filter(|c| c.as_str() == "healthcheck run aa")
            .count()
    };
    // No systemd runs podman's checks: paunch does, one per interval.
    assert!(checks(crate::engine::argv::Runtime::Podman) >= 3);
    // docker's daemon runs its own.
    assert_eq!(checks(crate::engine::argv::Runtime::Docker), 0);
}

#[test]
fn a_later_groups_joiner_goes_with_the_container_it_joined_and_stops_first() {
    let old = "hub:\n  image: app:1\n  environment: [V=1]\nspoke:\n  image: app:1\n  start_order: 1\n  net: container:hub\n  environment: [V=1]\n";
    let hub = existing("1111", "hub", old);
    let mut spoke = existing("2222", "spoke", old);
    spoke.joined = vec![crate::observe::Joined {
        key: "net".into(),
        container: "1111".into(),
    }];
    let new = old.replace("V=1", "V=2");
    let seen = observed(vec![hub, spoke]);
    let order = |runtime| {
        let p = plan_on(runtime, &new, &seen);
        let r = Recorder::default();
        assert!(run(&p, &r, 1, None).success());
        r.calls()
    };
    // On either engine (podman removes no container another one joined;
    // a Pod's app containers must keep their network while they stop):
    // the joiner is stopped before the hub, both old containers go before
    // the new hub is created, and the new spoke comes after it.
    for runtime in [
        crate::engine::argv::Runtime::Podman,
        crate::engine::argv::Runtime::Docker,
    ] {
        let calls = order(runtime);
        let at = |verb: &str, id: &str| {
            calls
                .iter()
                .position(|c| c.starts_with(verb) && c.contains(id))
        };
        assert!(at("stop", "2222") < at("stop", "1111"), "{calls:?}");
        let rm_spoke = at("rm", "2222");
        let new_hub = calls.iter().position(|c| c.contains("--name=hub"));
        assert!(rm_spoke < new_hub, "{calls:?}");
        let new_spoke = calls.iter().position(|c| c.contains("--name=spoke"));
        assert!(new_hub < new_spoke, "{calls:?}");
    }
}

#[test]
fn groups_run_in_start_order() {
    let p = plan(
        "cc:\n  image: app:1\n  start_order: 2\naa:\n  image: app:1\nbb:\n  image: app:1\n  start_order: 1\n",
        &observed(vec![]),
    );
    let r = Recorder::default();
    assert!(run(&p, &r, 4, None).success());
    let names: Vec<String> = r
        .calls()
        .iter()
        .map(|c| c.split(' ').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(names, ["--name=aa", "--name=bb", "--name=cc"]);
}

#[test]
fn a_blocking_container_is_a_barrier_in_its_group() {
    let yaml = "aa:\n  image: app:1\nbb:\n  image: app:1\njob:\n  image: app:1\n  detach: false\ncc:\n  image: app:1\ndd:\n  image: app:1\n";
    let p = plan(yaml, &observed(vec![]));
    let r = Recorder {
        delay: Duration::from_millis(40),
        ..Default::default()
    };
    assert!(run(&p, &r, 8, None).success());
    let names: Vec<String> = r
        .calls()
        .iter()
        .filter_map(|c| {
            c.split(' ')
                .find(|w| w.starts_with("--name="))
                .map(str::to_string)
        })
        .collect();
    let mut before: Vec<&str> = names[..2].iter().map(String::as_str).collect();
    before.sort_unstable();
    assert_eq!(before, ["--name=aa", "--name=bb"], "{names:?}");
    assert_eq!(names[2], "--name=job", "{names:?}");
    let mut after: Vec<&str> = names[3..].iter().map(String::as_str).collect();
    after.sort_unstable();
    assert_eq!(after, ["--name=cc", "--name=dd"], "{names:?}");
    // Two at a time: aa and bb, then cc and dd; the job alone.
    assert_eq!(r.most.load(Ordering::SeqCst), 2);
}

#[test]
fn parallel_is_a_limit() {
    let yaml: String = (0..6).map(|i| format!("c{i}:\n  image: app:1\n")).collect();
    let p = plan(&yaml, &observed(vec![]));
    for limit in [1, 2, 4] {
        let r = Recorder {
            delay: Duration::from_millis(40),
            ..Default::default()
        };
        assert!(run(&p, &r, limit, None).success());
        assert_eq!(r.calls().len(), 6);
        assert_eq!(r.most.load(Ordering::SeqCst), limit, "--parallel {limit}");
    }
}

#[test]
fn a_failed_step_skips_its_dependents_only() {
    let p = plan(
        "web:\n  image: app:1\n  command: [serve, --bad]\nother:\n  image: app:1\nreload:\n  action: exec\n  command: [web, reload]\n",
        &observed(vec![]),
    );
    let r = Recorder {
        fail: Some("--bad"),
        ..Default::default()
    };
    let report = run(&p, &r, 1, None);
    assert!(!report.success());
    assert_eq!(report.failed().count(), 1);
    let skipped: Vec<(usize, &str)> = report.skipped().collect();
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0].1.contains("(create web) did not succeed"),
        "{skipped:?}"
    );
    assert!(r.calls().iter().any(|c| c.contains("--name=other")));
    assert!(!r.calls().iter().any(|c| c.starts_with("exec")));
}

#[test]
fn an_engine_gone_mid_apply_starts_no_more_steps() {
    let p = plan(
        "aa:\n  image: app:1\nbb:\n  image: app:1\ncc:\n  image: app:1\n  start_order: 1\n",
        &observed(vec![]),
    );
    let r = Recorder {
        fail: Some("--name=aa"),
        fail_text: Some(
            "Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?",
        ),
        ..Default::default()
    };
    let report = run(&p, &r, 1, None);
    assert_eq!(r.calls().len(), 1, "{:?}", r.calls());
    assert_eq!(report.failed().count(), 1);
    let skipped: Vec<(usize, &str)> = report.skipped().collect();
    assert_eq!(skipped.len(), 2, "{report:?}");
    assert!(
        skipped[0]
            .1
            .starts_with("not started: docker stopped answering during the apply (Cannot connect"),
        "{skipped:?}"
    );
}

#[test]
fn a_failed_pull_touches_nothing() {
    let mut o = observed(vec![]);
    o.images.insert("gone:1".into(), None);
    let p = plan("aa:\n  image: gone:1\nbb:\n  image: app:1\n", &o);
    let r = Recorder {
        fail: Some("gone:1"),
        ..Default::default()
    };
    let report = run(&p, &r, 1, None);
    assert!(
        r.calls().iter().all(|c| c.starts_with("pull")),
        "{:?}",
        r.calls()
    );
    assert_eq!(r.calls().len(), 2, "two attempts");
    assert_eq!(report.skipped().count(), 2);
}

#[test]
fn an_interrupt_between_steps_starts_no_more() {
    let p = plan(
        "aa:\n  image: app:1\nbb:\n  image: app:1\n  start_order: 1\ncc:\n  image: app:1\n  start_order: 2\n",
        &observed(vec![]),
    );
    let flag = Arc::new(AtomicBool::new(false));
    let r = Recorder {
        interrupt_at: Some((1, flag.clone())),
        ..Default::default()
    };
    let report = run(&p, &r, 1, Some(flag));
    assert!(report.interrupted && !report.success());
    assert_eq!(
        r.calls().len(),
        1,
        "the step in flight finished, no other started"
    );
    assert_eq!(report.not_run().count(), 2);
}

#[test]
fn an_interrupt_while_the_old_container_stops_still_creates_the_new_one() {
    let old =
        "web:\n  image: app:1\n  environment: [V=1]\nlater:\n  image: app:1\n  start_order: 1\n";
    let new =
        "web:\n  image: app:1\n  environment: [V=2]\nlater:\n  image: app:1\n  start_order: 1\n";
    let p = plan(
        new,
        &observed(vec![
            existing("0001", "web", old),
            existing("0002", "later", old),
        ]),
    );
    let flag = Arc::new(AtomicBool::new(false));
    let r = Recorder {
        interrupt_at: Some((1, flag.clone())),
        ..Default::default()
    };
    let report = run(&p, &r, 1, Some(flag));
    let calls = r.calls();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert!(calls[0].starts_with("stop") && calls[1].starts_with("rm"));
    assert!(calls[2].starts_with("run --name=web"), "{calls:?}");
    assert!(report.interrupted);
    assert_eq!(
        report.outcomes[0].1,
        Outcome::Done("created web (0123456789ab)".into())
    );
}

/// A configuration's network and volume are created before the containers
/// that use them; one that fails to be created skips its users, not the
/// others; a network no longer used goes after its container.
#[test]
fn networks_and_volumes_come_before_their_containers_and_fail_them() {
    use crate::config::{Resource, ResourceKind};
    let yaml = "aa:\n  image: app:1\n  net: p_net\nbb:\n  image: app:1\n  volumes: ['p_vol:/v']\ncc:\n  image: app:1\n";
    let mut config = Config::parse(yaml, "t.yml").unwrap();
    config.resources = ["p_net", "p_vol"]
        .iter()
        .map(|n| Resource {
            kind: if *n == "p_net" {
                ResourceKind::Network
            } else {
                ResourceKind::Volume
            },
            name: n.to_string(),
            data: crate::value::Value::Map(Default::default()),
            external: false,
        })
        .collect();
    let old = existing("0d", "dd", "dd:\n  image: app:1\n  net: p_old\n");
    let mut host = observed(vec![old]);
    let labels = crate::observe::Labels {
        managed_by: "paunch".into(),
        config_id: "c".into(),
        config_data: "{}".into(),
    };
    host.networks.insert("p_old".into(), labels);
    let opts = PlanOptions {
        config_id: "c".into(),
        ..Default::default()
    };
    let p = plan_apply(&config, &host, &opts);
    let r = Recorder {
        fail: Some("p_net"),
        ..Default::default()
    };
    let report = run(&p, &r, 1, None);
    let calls = r.calls();
    let at = |w: &str| calls.iter().position(|c| c.contains(w)).unwrap();
    assert!(at("volume create") < at("--name=bb"), "{calls:?}");
    assert!(at("rm 0d") < at("network rm -- p_old"), "{calls:?}");
    assert!(!calls.iter().any(|c| c.contains("--name=aa")), "{calls:?}");
    let outcome = |what: &str| {
        let s = p.steps.iter().find(|s| s.describe() == what).unwrap();
        report
            .outcomes
            .iter()
            .find(|(id, _)| *id == s.id)
            .unwrap()
            .1
            .clone()
    };
    assert!(matches!(
        outcome("create network p_net"),
        Outcome::Failed(_)
    ));
    assert!(matches!(outcome("create aa"), Outcome::Skipped(_)));
    for ok in [
        "create volume p_vol",
        "create bb",
        "create cc",
        "remove network p_old",
    ] {
        assert!(outcome(ok).is_done(), "{ok}: {:?}", outcome(ok));
    }
}
