//! Applies a configuration using every key of the original format on the
//! real engine and reads each setting back with `docker inspect`.

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
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 0
  volumes: [/data]
  start_order: -1
{{p}}app:
  image: paunch-test/busybox:1
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
  log_tag: '{{p}}tag'
  ulimit: [nofile=1024:2048]
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
  image: paunch-test/busybox:1
  command: sleep 3600
  stop_grace_period: 0
  net: host
  pid: host
  uts: host
  ipc: host
  environment: [FROM_LIST=1]
  remove: true
",
        bind = bind.display(),
        env = env_file.display(),
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
    assert_eq!(
        hc["Binds"],
        serde_json::json!([format!("{}:/host:ro", bind.display())])
    );
    assert_eq!(hc["VolumesFrom"], serde_json::json!([s.name("data")]));
    assert_eq!(hc["LogConfig"]["Config"]["tag"], format!("{}tag", s.prefix));
    assert_eq!(hc["Ulimits"][0]["Name"], "nofile");
    assert_eq!(hc["Ulimits"][0]["Soft"], 1024);
    assert_eq!(hc["Ulimits"][0]["Hard"], 2048);
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
    assert_eq!(c["StopSignal"], "SIGINT");
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
    assert_eq!(hc["IpcMode"], "host");
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
