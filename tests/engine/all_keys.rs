//! Applies a configuration using every key of the original format on the
//! real engine and reads each setting back with the engine's `inspect`.
//! Where podman records a setting its own way, the check says so.

use crate::support::*;
use serde_json::Value;

#[test]
fn every_original_key_reaches_the_engine() {
    let s = Scope::new("allkeys");
    let env_file = s.dir.path().join("app.env");
    std::fs::write(&env_file, "FROM_FILE=yes\n").unwrap();
    let bind = s.dir.path().join("bind");
    std::fs::create_dir(&bind).unwrap();
    let config = format!(
        "{{p}}data:
  {{service}}
  volumes: [/data]
  start_order: -1
{{p}}app:
  image: {{image}}
  command: sleep 3600
  detach: true
  net: none
  restart: on-failure:3
  # privileged: true cannot start in this sandbox (capabilities refused);
  # the flag is the same either way.
  privileged: false
  user: nobody
  group_add: ['1234']
  volumes: ['{bind}:/host:ro']
  volumes_from: ['{{p}}data']
{log_tag}  # A --ulimit replaces podman's default_ulimits; this sandbox
  # refuses podman's own nproc default (see tests/podman/containers.conf).
  ulimit: [nofile=1024:2048, nproc=4096:8192]
  healthcheck:
    test: /bin/true
    interval: 30s
    timeout: 5s
    retries: 3
  cpu_shares: 512
  mem_limit: 64m
  memswap_limit: 128m
  mem_swappiness: 10
  security_opt: [label=disable]
  stop_signal: SIGINT
  stop_grace_period: 1m30s
  cpuset_cpus: '0'
  cap_add: [NET_ADMIN]
  cap_drop: [MKNOD]
  environment:
    FROM_MAP: 'yes'
  env_file: {env}
  hostname: {{p}}host
  extra_hosts: ['db.internal:10.1.2.3']
  tty: true
  interactive: true
{{p}}host-ns:
  {{service}}
  net: host
  pid: host
  uts: host
  ipc: host
  environment: [FROM_LIST=1]
  remove: true
",
        bind = bind.display(),
        env = env_file.display(),
        // podman's default log driver (k8s-file) refuses a tag, and this
        // machine has no journald: on podman the flag is checked in the
        // arguments below instead.
        log_tag = if is_podman() {
            ""
        } else {
            "  log_tag: '{p}tag'\n"
        },
    );
    let file = s.config("all.yml", &config);
    s.apply(&file, "v1").ok();

    let app = inspect(&s.name("app"));
    let hc = &app["HostConfig"];
    let c = &app["Config"];
    assert_eq!(app["State"]["Running"], true);
    assert_eq!(hc["NetworkMode"], "none");
    assert_eq!(hc["RestartPolicy"]["Name"], "on-failure");
    assert_eq!(hc["RestartPolicy"]["MaximumRetryCount"], 3);
    assert_eq!(hc["Privileged"], false);
    assert_eq!(c["User"], "nobody");
    assert_eq!(hc["GroupAdd"], serde_json::json!(["1234"]));
    // podman lists the binds volumes_from brings too, and each bind's
    // mount options.
    let host_bind = format!("{}:/host:ro", bind.display());
    let binds: Vec<&str> = hc["Binds"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        binds
            .iter()
            .any(|b| *b == host_bind || b.starts_with(&format!("{host_bind},"))),
        "{binds:?}"
    );
    assert_eq!(hc["VolumesFrom"], serde_json::json!([s.name("data")]));
    if is_podman() {
        let tagged = s.config(
            "tag.yml",
            "{p}tagged:\n  image: {image}\n  log_tag: '{p}tag'\n",
        );
        let argv = s
            .paunch(&[
                "debug",
                "--file",
                tagged.to_str().unwrap(),
                "--container",
                &s.name("tagged"),
            ])
            .ok()
            .stdout;
        assert!(
            argv.contains(&format!("--log-opt=tag={}tag", s.prefix)),
            "{argv}"
        );
    } else {
        assert_eq!(hc["LogConfig"]["Config"]["tag"], format!("{}tag", s.prefix));
    }
    let ulimit = |name: &str| {
        hc["Ulimits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| {
                let n = u["Name"].as_str().unwrap_or_default();
                n == name || n == format!("RLIMIT_{}", name.to_uppercase())
            })
            .map(|u| (u["Soft"].as_u64().unwrap(), u["Hard"].as_u64().unwrap()))
    };
    assert_eq!(ulimit("nofile"), Some((1024, 2048)), "{}", hc["Ulimits"]);
    assert_eq!(ulimit("nproc"), Some((4096, 8192)), "{}", hc["Ulimits"]);
    assert_eq!(
        c["Healthcheck"]["Test"],
        serde_json::json!(["CMD-SHELL", "/bin/true"])
    );
    assert_eq!(c["Healthcheck"]["Interval"], 30_000_000_000u64);
    assert_eq!(c["Healthcheck"]["Timeout"], 5_000_000_000u64);
    assert_eq!(c["Healthcheck"]["Retries"], 3);
    assert_eq!(hc["CpuShares"], 512);
    assert_eq!(hc["Memory"], 64 * 1024 * 1024);
    assert_eq!(hc["MemorySwap"], 128 * 1024 * 1024);
    assert_eq!(hc["MemorySwappiness"], 10);
    assert_eq!(hc["SecurityOpt"], serde_json::json!(["label=disable"]));
    // podman records the signal's number.
    assert!(
        c["StopSignal"] == "SIGINT" || c["StopSignal"] == 2,
        "{}",
        c["StopSignal"]
    );
    assert_eq!(c["StopTimeout"], 90);
    assert_eq!(hc["CpusetCpus"], "0");
    // The client may normalise capability names to CAP_*.
    let cap = |v: &Value| {
        v[0].as_str()
            .unwrap_or_default()
            .trim_start_matches("CAP_")
            .to_string()
    };
    assert_eq!(cap(&hc["CapAdd"]), "NET_ADMIN");
    assert_eq!(cap(&hc["CapDrop"]), "MKNOD");
    let env: Vec<&str> = c["Env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(env.contains(&"FROM_MAP=yes"), "{env:?}");
    assert!(env.contains(&"FROM_FILE=yes"), "{env:?}");
    assert_eq!(c["Hostname"], format!("{}host", s.prefix));
    assert_eq!(
        hc["ExtraHosts"],
        serde_json::json!(["db.internal:10.1.2.3"])
    );
    assert_eq!(c["Tty"], true);
    assert_eq!(c["OpenStdin"], true);

    let ns = inspect(&s.name("host-ns"));
    let hc = &ns["HostConfig"];
    assert_eq!(hc["NetworkMode"], "host");
    assert_eq!(hc["PidMode"], "host");
    assert_eq!(hc["UTSMode"], "host");
    if is_podman() {
        // podman 4.3's inspect says "shareable" for --ipc=host: the
        // namespace itself is the host's.
        let inside = engine_ok(&[
            "exec",
            &s.name("host-ns"),
            "busybox",
            "readlink",
            "/proc/self/ns/ipc",
        ]);
        let host = std::fs::read_link("/proc/self/ns/ipc").unwrap();
        assert_eq!(inside, host.display().to_string());
    } else {
        assert_eq!(hc["IpcMode"], "host");
    }
    assert_eq!(hc["AutoRemove"], true);
    let env: Vec<&str> = ns["Config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(env.contains(&"FROM_LIST=1"), "{env:?}");

    // And nothing changes on a second apply.
    let out = s
        .paunch(&[
            "apply",
            "--file",
            file.to_str().unwrap(),
            "--config-id",
            "v1",
        ])
        .ok();
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);
}
