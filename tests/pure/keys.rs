//! The engine arguments of every configuration key. A key added to the
//! table without a case here fails `every_key_has_a_case`.

use paunch::Config;
use paunch::config::keys::KEYS;
use paunch::engine::argv::{LabelSet, Runtime};

/// (key, YAML value, the arguments it adds between the labels and the image)
const CASES: &[(&str, &str, &[&str])] = &[
    ("image", "app:1", &[]),
    ("command", "sh -c 'echo \"a b\"'", &[]),
    ("action", "run", &[]),
    ("start_order", "5", &[]),
    ("exit_codes", "[0, 3]", &[]),
    ("labels", "{team: web}", &[]),
    ("detach", "false", &[]),
    ("env_file", "/etc/hostname", &["--env-file=/etc/hostname"]),
    (
        "environment",
        "[A=1, B=two words]",
        &["--env=A=1", "--env=B=two words"],
    ),
    ("remove", "true", &["--rm"]),
    ("interactive", "true", &["--interactive"]),
    ("tty", "yes", &["--tty"]),
    ("net", "host", &["--net=host"]),
    ("ipc", "host", &["--ipc=host"]),
    ("pid", "host", &["--pid=host"]),
    ("uts", "host", &["--uts=host"]),
    (
        "ulimit",
        "[nofile=1024:2048, nproc=512]",
        &["--ulimit=nofile=1024:2048", "--ulimit=nproc=512"],
    ),
    (
        "healthcheck",
        "{test: curl -f localhost, interval: 30s, timeout: 5, start_period: 1m, retries: 3}",
        &[
            "--health-cmd=curl -f localhost",
            "--health-interval=30s",
            "--health-timeout=5s",
            "--health-start-period=1m",
            "--health-retries=3",
        ],
    ),
    ("privileged", "true", &["--privileged=true"]),
    ("restart", "no", &["--restart=no"]),
    ("user", "'0755'", &["--user=0755"]),
    (
        "group_add",
        "[wheel, 10]",
        &["--group-add=wheel", "--group-add=10"],
    ),
    (
        "volumes",
        "[/tmp:/tmp:ro, data:/data]",
        &["--volume=/tmp:/tmp:ro", "--volume=data:/data"],
    ),
    ("volumes_from", "[other]", &["--volumes-from=other"]),
    ("log_tag", "web", &["--log-opt=tag=web"]),
    ("cpu_shares", "512", &["--cpu-shares=512"]),
    ("mem_limit", "512m", &["--memory=512m"]),
    ("memswap_limit", "-1", &["--memory-swap=-1"]),
    ("mem_swappiness", "60", &["--memory-swappiness=60"]),
    (
        "security_opt",
        "[label=disable, no-new-privileges]",
        &[
            "--security-opt=label=disable",
            "--security-opt=no-new-privileges",
        ],
    ),
    ("stop_signal", "SIGINT", &["--stop-signal=SIGINT"]),
    ("stop_grace_period", "1m30s", &["--stop-timeout=90"]),
    ("hostname", "web1", &["--hostname=web1"]),
    (
        "extra_hosts",
        "[\"db:10.0.0.2\"]",
        &["--add-host=db:10.0.0.2"],
    ),
    ("cpuset_cpus", "0-1", &["--cpuset-cpus=0-1"]),
    ("config_volume", "nova_libvirt", &[]),
    ("depends_on", "[nova_libvirt]", &[]),
    ("systemd_exec_flags", "{RestartSec: 5}", &[]),
    ("check_interval", "30", &[]),
    ("cap_add", "[NET_ADMIN]", &["--cap-add=NET_ADMIN"]),
    ("cap_drop", "[ALL]", &["--cap-drop=ALL"]),
    ("entrypoint", "/bin/sh", &["--entrypoint=/bin/sh"]),
    ("working_dir", "/srv", &["--workdir=/srv"]),
    (
        "ports",
        "[\"8080:80\", 9090]",
        &["--publish=8080:80", "--publish=9090"],
    ),
    ("expose", "[80]", &["--expose=80"]),
    ("dns", "[10.0.0.1]", &["--dns=10.0.0.1"]),
    ("dns_search", "example.com", &["--dns-search=example.com"]),
    ("devices", "[/dev/fuse]", &["--device=/dev/fuse"]),
    ("read_only", "true", &["--read-only"]),
    ("shm_size", "64m", &["--shm-size=64m"]),
    (
        "tmpfs",
        "[/run, /tmp:size=64m]",
        &["--tmpfs=/run", "--tmpfs=/tmp:size=64m"],
    ),
    ("domainname", "example.com", &["--domainname=example.com"]),
    (
        "mac_address",
        "02:42:ac:11:00:02",
        &["--mac-address=02:42:ac:11:00:02"],
    ),
    ("memory_reservation", "256m", &["--memory-reservation=256m"]),
    ("cpu_quota", "50000", &["--cpu-quota=50000"]),
    ("cpu_period", "100000", &["--cpu-period=100000"]),
    ("cgroup_parent", "/paunch", &["--cgroup-parent=/paunch"]),
    ("pids_limit", "100", &["--pids-limit=100"]),
    ("oom_score_adj", "-500", &["--oom-score-adj=-500"]),
    ("init", "true", &["--init"]),
    ("stdin_open", "true", &["--interactive"]),
    (
        "sysctls",
        "{net.core.somaxconn: 1024}",
        &["--sysctl=net.core.somaxconn=1024"],
    ),
    ("log_driver", "json-file", &["--log-driver=json-file"]),
    ("log_opt", "{max-size: 10m}", &["--log-opt=max-size=10m"]),
    ("gate", "true", &[]),
    ("connect", "[back, front=web]", &[]),
    (
        "network_aliases",
        "[db, primary]",
        &["--network-alias=db", "--network-alias=primary"],
    ),
    ("ip", "172.30.0.5", &["--ip=172.30.0.5"]),
    ("ip6", "fd00::5", &["--ip6=fd00::5"]),
    ("cpus", "'0.5'", &["--cpus=0.5"]),
    ("dns_opt", "[ndots:2]", &["--dns-option=ndots:2"]),
    (
        "device_cgroup_rules",
        "['c 1:3 mr']",
        &["--device-cgroup-rule=c 1:3 mr"],
    ),
    ("oom_kill_disable", "true", &["--oom-kill-disable"]),
    ("userns", "host", &["--userns=host"]),
    ("runtime", "runc", &["--runtime=runc"]),
    ("platform", "linux/amd64", &["--platform=linux/amd64"]),
    ("storage_opt", "{size: 1G}", &["--storage-opt=size=1G"]),
];

fn argv(key: &str, value: &str) -> Vec<String> {
    let mut yaml = String::from("xx:\n  image: app:1\n");
    if key != "image" {
        yaml.push_str(&format!("  {key}: {value}\n"));
    }
    let config = Config::parse(&yaml, "keys.yml").unwrap_or_else(|e| panic!("{key}: {e}"));
    let labels = LabelSet {
        managed_by: "m".into(),
        config_id: "c".into(),
        extra: vec![],
    };
    Runtime::Docker.run_args(&config.entries[0], "xx", &labels)
}

/// The arguments between the `config_data` label and the image.
fn flags(argv: &[String]) -> Vec<String> {
    let start = argv
        .iter()
        .position(|a| a.starts_with("--label=config_data="))
        .unwrap()
        + 1;
    let end = argv.iter().position(|a| a == "app:1").unwrap();
    argv[start..end]
        .iter()
        .filter(|a| *a != "--detach=true")
        .cloned()
        .collect()
}

#[test]
fn every_key_has_a_case() {
    for k in KEYS {
        assert!(
            CASES.iter().any(|(name, _, _)| *name == k.name),
            "key {} has no argv case in tests/keys.rs",
            k.name
        );
    }
}

#[test]
fn each_key_gives_its_flags() {
    for (key, value, want) in CASES {
        let a = argv(key, value);
        assert_eq!(flags(&a), *want, "key {key}: {value}");
    }
}

#[test]
fn keys_placed_outside_the_flags() {
    // Split as the original did (Python's str.split()): quotes stay.
    let a = argv("command", "sh -c 'echo \"a b\"'");
    assert_eq!(a[a.len() - 5..], ["sh", "-c", "'echo", "\"a", "b\"'"]);
    let a = argv("command", "[sh, -c, 'echo \"a b\"']");
    assert_eq!(a[a.len() - 3..], ["sh", "-c", "echo \"a b\""]);
    let a = argv("detach", "false");
    assert!(!a.contains(&"--detach=true".to_string()));
    let a = argv("labels", "{team: web}");
    assert!(a.contains(&"--label=team=web".to_string()));
    let a = argv("entrypoint", "[/bin/sh, -c]");
    assert!(a.contains(&"--entrypoint=/bin/sh".to_string()));
    assert_eq!(a[a.len() - 2..], ["app:1", "-c"]);
}

#[test]
fn environment_map_and_passthrough() {
    let a = argv(
        "environment",
        "{A: '1', 'NO': 'off', PASS: , B: true, C: 1.5}",
    );
    assert_eq!(
        flags(&a),
        [
            "--env=A=1",
            "--env=NO=off",
            "--env=PASS",
            "--env=B=true",
            "--env=C=1.5"
        ]
    );
}

/// YAML 1.1 turns these into something else than was written, and the
/// `config_data` label holds what it turned them into: refused, with the
/// way out, rather than sent to the engine as the text that the label can
/// no longer reproduce.
#[test]
fn values_yaml_1_1_changes_are_refused() {
    for (key, value, says) in [
        ("environment", "{NO: 1}", "reads the name NO as false"),
        (
            "environment",
            "{DEBUG: yes}",
            "reads yes as the boolean true",
        ),
        (
            "ports",
            "[22:22]",
            "reads 22:22 as the number 1342 (base 60)",
        ),
        ("user", "0755", "reads 0755 as the number 493"),
        ("hostname", "on", "reads on as the boolean true"),
    ] {
        let yaml = format!("xx:\n  image: app:1\n  {key}: {value}\n");
        let e = Config::parse(&yaml, "k.yml").expect_err(&yaml).to_string();
        assert!(e.contains(says) && e.contains("quote it"), "{yaml}: {e}");
    }
    assert_eq!(flags(&argv("cpuset_cpus", "all")), Vec::<String>::new());
    assert_eq!(flags(&argv("restart", "'no'")), ["--restart=no"]);
    assert_eq!(flags(&argv("restart", "false")), ["--restart=no"]);
    assert_eq!(
        flags(&argv("restart", "on-failure:3")),
        ["--restart=on-failure:3"]
    );
}

/// SPEC §15: an entry read back from its own config_data label (a rollback,
/// a `dump-json` used as --file) builds the same arguments as its YAML.
#[test]
fn every_case_round_trips_through_its_label() {
    let labels = LabelSet {
        managed_by: "m".into(),
        config_id: "c".into(),
        extra: vec![],
    };
    let mut extra = vec![
        ("environment", "{A: 1, B: true, C: 1.5, D: , E: '0755'}"),
        (
            "healthcheck",
            "{test: true, interval: 30, timeout: 1.5, retries: 3}",
        ),
        ("command", "sleep 1e3 'x y'"),
        ("stop_grace_period", "1m30s"),
        ("privileged", "yes"),
        ("ports", "[8080, '22:22']"),
    ];
    extra.extend(
        CASES
            .iter()
            .filter(|(k, _, _)| *k != "image")
            .map(|(k, v, _)| (*k, *v)),
    );
    for (key, value) in extra {
        let yaml = format!("xx:\n  image: app:1\n  {key}: {value}\n");
        let config = Config::parse(&yaml, "k.yml").unwrap_or_else(|e| panic!("{yaml}: {e}"));
        let entry = &config.entries[0];
        let back = paunch::config::Entry::from_config_data("xx", entry.config_data())
            .unwrap_or_else(|e| panic!("{yaml}: {e}"));
        assert_eq!(
            Runtime::Docker.run_args(&back, "xx", &labels),
            Runtime::Docker.run_args(entry, "xx", &labels),
            "{yaml}"
        );
    }
}

#[test]
fn healthcheck_forms() {
    let f = |v: &str| flags(&argv("healthcheck", v));
    assert_eq!(
        f("{test: [CMD, curl, -f, 'http://x/a b']}"),
        ["--health-cmd=curl -f 'http://x/a b'"]
    );
    assert_eq!(
        f("{test: [CMD-SHELL, 'curl -f x || exit 1']}"),
        ["--health-cmd=curl -f x || exit 1"]
    );
    assert_eq!(f("{test: [NONE]}"), ["--no-healthcheck"]);
    assert_eq!(f("{disable: true}"), ["--no-healthcheck"]);
}

#[test]
fn durations() {
    let f = |v: &str| flags(&argv("stop_grace_period", v));
    assert_eq!(f("45"), ["--stop-timeout=45"]);
    assert_eq!(f("1.5s"), ["--stop-timeout=2"]);
    assert_eq!(f("1.5"), ["--stop-timeout=2"]);
    assert_eq!(f("500ms"), ["--stop-timeout=1"]);
    assert_eq!(f("1h"), ["--stop-timeout=3600"]);
}

#[test]
fn loose_values_the_original_accepted() {
    assert_eq!(flags(&argv("cpu_shares", "'512'")), ["--cpu-shares=512"]);
    assert_eq!(flags(&argv("privileged", "'true'")), ["--privileged=true"]);
    assert_eq!(flags(&argv("privileged", "0")), ["--privileged=false"]);
    assert_eq!(flags(&argv("user", "1000")), ["--user=1000"]);
    assert_eq!(
        flags(&argv("security_opt", "label=disable")),
        ["--security-opt=label=disable"]
    );
    assert_eq!(
        flags(&argv("env_file", "[/etc/hostname, /etc/hosts]")),
        ["--env-file=/etc/hostname", "--env-file=/etc/hosts"]
    );
    assert_eq!(
        flags(&argv("volumes", "[/tmp:/tmp, '', ~]")),
        ["--volume=/tmp:/tmp"]
    );
}

#[test]
fn the_configuration_reference_lists_every_key() {
    let doc = std::fs::read_to_string("docs/configuration.md").unwrap();
    let start = doc.find("<!-- keys:start -->\n").unwrap() + "<!-- keys:start -->\n".len();
    let end = doc.find("<!-- keys:end -->").unwrap();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let table = paunch::config::keys::markdown_table();
        let updated = format!("{}{table}{}", &doc[..start], &doc[end..]);
        std::fs::write("docs/configuration.md", updated).unwrap();
        return;
    }
    assert_eq!(
        &doc[start..end],
        paunch::config::keys::markdown_table(),
        "docs/configuration.md is out of date: run this test with UPDATE_DOCS=1"
    );
}
