//! Our `docker run` arguments against the original 4.5.1's builder
//! (`ComposeV1Builder.label_arguments` + `container_run_args`) for a corpus
//! of entries: the same wherever the original's are accepted by the engine,
//! and different, for the stated reason, where they are not. Skipped with
//! a message where the original cannot be installed.

use paunch::Config;
use paunch::engine::argv::{LabelSet, Runtime};

enum Expect {
    Same,
    /// Ours differs on purpose: what the original emits is rejected by the
    /// engine or loses the operator's meaning.
    Differs(&'static str),
}
use Expect::*;

const CORPUS: &[(&str, Expect)] = &[
    ("image: app:1", Same),
    ("image: app:1\ncommand: sleep 1", Same),
    ("image: app:1\ncommand: [sh, -c, 'echo \"a b\"']", Same),
    ("image: app:1\ndetach: false", Same),
    ("image: app:1\nenvironment: [A=1, B=two words, C=]", Same),
    ("image: app:1\nenv_file: /etc/hostname", Same),
    ("image: app:1\nenv_file: [/etc/hostname, /etc/hosts]", Same),
    (
        "image: app:1\nremove: true\ninteractive: true\ntty: true",
        Same,
    ),
    (
        "image: app:1\nnet: host\nipc: host\npid: host\nuts: host",
        Same,
    ),
    ("image: app:1\nulimit: [nofile=1024:2048, nproc=512]", Same),
    (
        "image: app:1\nhealthcheck: {test: /bin/true, interval: 30s, timeout: 5s, retries: 3}",
        Same,
    ),
    ("image: app:1\nprivileged: true", Same),
    ("image: app:1\nprivileged: false", Same),
    ("image: app:1\nprivileged: yes", Same),
    ("image: app:1\nrestart: always", Same),
    ("image: app:1\nrestart: 'no'", Same),
    ("image: app:1\nuser: '1000:1000'", Same),
    ("image: app:1\ngroup_add: [wheel, audio]", Same),
    (
        "image: app:1\nvolumes: ['/tmp:/tmp:ro', '/etc/hosts:/etc/hosts']",
        Same,
    ),
    ("image: app:1\nvolumes_from: [data]", Same),
    ("image: app:1\nlog_tag: web", Same),
    (
        "image: app:1\ncpu_shares: 512\nmem_limit: 64m\nmemswap_limit: 128m\nmem_swappiness: 10",
        Same,
    ),
    ("image: app:1\nsecurity_opt: label=disable", Same),
    ("image: app:1\nstop_signal: SIGINT", Same),
    ("image: app:1\nstop_grace_period: 10", Same),
    (
        "image: app:1\ncap_add: [NET_ADMIN]\ncap_drop: [MKNOD]",
        Same,
    ),
    (
        "image: app:1\nstart_order: 3\naction: run\nexit_codes: [0, 2]\ndetach: false",
        Same,
    ),
    (
        "image: app:1\nenvironment: ['GREETING=héllo wörld ☃']\nlog_tag: 'ünïcode'",
        Same,
    ),
    (
        "image: app:1\ncommand: [echo, '1.0', 'yes', 'null']\nuser: 0\ncpu_shares: 0x10",
        Same,
    ),
    (
        "image: app:1\nstop_grace_period: 1m30s",
        Differs("the original emits --stop-timeout=90.0, which the engine rejects"),
    ),
    (
        "image: app:1\nstop_grace_period: 1.5",
        Differs("the original emits --stop-timeout=1.5, which the engine rejects"),
    ),
    (
        "image: app:1\nenvironment: {A: '1'}",
        Differs("the original emits --env=A, losing the value"),
    ),
    (
        "image: app:1\nsecurity_opt: [label=disable, no-new-privileges]",
        Differs("the original emits one flag holding a Python list repr"),
    ),
    (
        "image: app:1\nrestart: no",
        Differs("the original emits --restart=False (YAML 1.1 boolean)"),
    ),
    // Split on whitespace, quotes kept, exactly as the original did:
    // TripleO's bootstrap_host_exec re-joins and evals these words.
    ("image: app:1\ncommand: sh -c 'echo hi'", Same),
    (
        "image: app:1\ncommand: bootstrap_host_exec nova su nova -s /bin/bash -c '/usr/bin/nova-manage api_db sync'",
        Same,
    ),
    ("image: app:1\ncpuset_cpus: all", Same),
    (
        "image: app:1\nconfig_volume: nova\ndepends_on: [a]\nsystemd_exec_flags: {RestartSec: 5}\ncheck_interval: 30",
        Same,
    ),
    (
        "image: app:1\nhostname: web1\nextra_hosts: ['db:10.0.0.2']\ncpuset_cpus: '0'",
        Differs("the original ignores these keys for docker"),
    ),
    (
        "image: app:1\nhealthcheck: {test: [CMD-SHELL, 'true']}",
        Differs("the original emits the Python repr of the list"),
    ),
];

#[test]
fn argv_matches_the_original_builder() {
    assert!(CORPUS.len() >= 20);
    let texts: Vec<String> = CORPUS
        .iter()
        .map(|(yaml, _)| {
            let body: String = yaml.lines().map(|l| format!("  {l}\n")).collect();
            format!("xx:\n{body}")
        })
        .collect();
    let Some(built) = crate::original::build(&texts) else {
        return;
    };

    let labels = LabelSet {
        managed_by: "paunch".into(),
        config_id: "c".into(),
        extra: vec![],
    };
    for ((text, (_, expect)), built) in texts.iter().zip(CORPUS).zip(built) {
        // Each text is the one entry `xx`.
        assert_eq!(built.len(), 1, "for\n{text}");
        assert_eq!(built[0].name, "xx", "for\n{text}");
        let config = Config::parse(text, "corpus").unwrap_or_else(|e| panic!("{text}: {e}"));
        let ours = Runtime::Docker.run_args(&config.entries[0], "xx", &labels);
        // Ours starts with `run --name=x`; the original's builder adds those
        // elsewhere.
        let ours = &ours[2..];
        let theirs = crate::original::normalize(&built[0].argv);
        match expect {
            Same => assert_eq!(ours, theirs, "for\n{text}"),
            Differs(why) => {
                assert_ne!(ours, theirs, "expected a difference ({why}) for\n{text}");
                // The labels are the same all the same.
                assert_eq!(ours[..4], theirs[..4], "labels differ for\n{text}");
            }
        }
    }
}
