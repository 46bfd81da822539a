//! Secrets on a real engine (SPEC §16): a sensitive environment value
//! reaches the container, and appears in no argv of any process paunch
//! starts (`/proc/*/cmdline` is world-readable), nor in anything printed
//! or logged; a changed secret still replaces its container and says so.

use crate::support::*;
use std::os::unix::fs::PermissionsExt as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const SECRET: &str = "s3cr3t-value-4711";
const CHANGED: &str = "s3cr3t-value-0815";

fn config(secret: &str) -> String {
    format!(
        "{{p}}db:
  image: {{image}}
  command: [sleep, '3600']
  stop_grace_period: 0
  environment:
    DB_PASSWORD: {secret}
    LOG_LEVEL: info
{{p}}job:
  image: {{image}}
  command: [sh, -c, 'sleep 1']
  detach: false
  environment: [API_TOKEN={secret}]
  start_order: 1
{{p}}hook:
  action: exec
  command: ['{{p}}db', 'true']
  environment: {{MY_SECRET: {secret}}}
  start_order: 2
"
    )
}

/// Every process's argv that holds `needle`, polled until `done`.
fn watch_argv(needle: &'static str, done: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        while !done.load(Ordering::SeqCst) {
            for p in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
                if let Ok(raw) = std::fs::read(p.path().join("cmdline")) {
                    let line = String::from_utf8_lossy(&raw).replace('\0', " ");
                    if line.contains(needle) && !line.contains("secrets::") {
                        seen.push(line);
                    }
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        seen
    })
}

#[test]
fn a_secret_reaches_the_container_and_nothing_else() {
    let s = Scope::new("secrets");
    let file = s.config("c.yml", &config(SECRET));
    let log = s.dir.path().join("paunch.log");
    let done = Arc::new(AtomicBool::new(false));
    let watcher = watch_argv(SECRET, Arc::clone(&done));
    // The control: the watcher does see what is not secret.
    let control = watch_argv("--env=LOG_LEVEL=info", Arc::clone(&done));
    let out = s
        .paunch_command()
        .args([
            "-vv",
            "--log-file",
            log.to_str().unwrap(),
            "apply",
            "--file",
        ])
        .arg(&file)
        .args(["--config-id", "v1", "--managed-by", &s.managed_by])
        .output()
        .unwrap();
    done.store(true, Ordering::SeqCst);
    let argv = watcher.join().unwrap();
    assert!(
        !control.join().unwrap().is_empty(),
        "the watcher saw no argv"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(argv.is_empty(), "a secret in an argv: {argv:?}");
    assert!(!stdout.contains(SECRET), "{stdout}");
    assert!(!stderr.contains(SECRET), "-vv shows it: {stderr}");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(!logged.contains(SECRET), "the log file holds it");
    let mode = std::fs::metadata(&log).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the log file is 0600");
    // The container has it, and the label keeps it for the original.
    let env = inspect(&s.name("db"))["Config"]["Env"].to_string();
    assert!(env.contains(&format!("DB_PASSWORD={SECRET}")), "{env}");
    let data = label(&s.name("db"), "config_data").unwrap();
    assert!(data.contains(SECRET), "{data}");

    for format in ["table", "json", "yaml"] {
        let list = s.paunch(&["list", "--format", format]).ok();
        assert!(
            !list.stdout.contains(SECRET),
            "list {format}: {}",
            list.stdout
        );
    }

    // Changed: replaced, and the plan says so without showing either.
    let file = s.config("c.yml", &config(CHANGED));
    let f = file.to_str().unwrap();
    let plan = s.plan(&file, "v1").ok();
    assert!(
        plan.stdout
            .contains("\"DB_PASSWORD\": \"(sensitive, changed)\""),
        "{}",
        plan.stdout
    );
    for text in [&plan.stdout, &plan.stderr] {
        assert!(!text.contains(SECRET) && !text.contains(CHANGED), "{text}");
    }
    let json = s
        .paunch(&["plan", "--file", f, "--config-id", "v1", "--format", "json"])
        .ok();
    assert!(!json.stdout.contains(SECRET) && !json.stdout.contains(CHANGED));
    let before = id_of(&s.name("db"));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = watch_argv(CHANGED, Arc::clone(&done));
    let events = s
        .paunch(&[
            "apply",
            "--file",
            f,
            "--config-id",
            "v1",
            "--format",
            "json",
        ])
        .ok();
    done.store(true, Ordering::SeqCst);
    assert!(watcher.join().unwrap().is_empty(), "a secret in an argv");
    assert!(!events.stdout.contains(SECRET) && !events.stdout.contains(CHANGED));
    assert_ne!(id_of(&s.name("db")), before, "a changed secret replaces");
    let env = inspect(&s.name("db"))["Config"]["Env"].to_string();
    assert!(env.contains(&format!("DB_PASSWORD={CHANGED}")), "{env}");
    // And the same file again is a no-op: compared on the real values.
    s.paunch(&[
        "plan",
        "--file",
        f,
        "--config-id",
        "v1",
        "--detailed-exitcode",
    ])
    .ok();
}
