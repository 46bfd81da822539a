//! `apply --systemd` on a real podman: containers created for their units
//! and started by them, units kept across a replacement, stopped, disabled
//! and removed by delete and cleanup; every `systemctl` call recorded.
//!
//! No systemd runs on these machines, so `systemctl` is a stand-in, first
//! on PATH: it appends its arguments to a log and, standing in for systemd,
//! runs the unit's `ExecStart=` for `start` and `enable --now`, and its
//! `ExecStop=` for `stop`, read from the unit file in `--systemd-dir`. It
//! is the only fake here: it stands for what this machine cannot run. The
//! unit files themselves are checked by `systemd-analyze verify`.

use crate::support::{self, IMAGE, Scope, id_of, is_podman, running};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const STAND_IN: &str = r#"#!/bin/sh
# A stand-in for systemctl (no systemd runs here): records each call and,
# as systemd would, runs the unit's ExecStart (start, enable --now) or
# ExecStop (stop), read from the unit file. Timers and other verbs: recorded only.
echo "$*" >> "$SYSTEMCTL_LOG"
case "$1 $2" in
  "enable --now") unit=$3; key=ExecStart ;;
  "start "*) unit=$2; key=ExecStart ;;
  "stop "*) unit=$2; key=ExecStop ;;
  *) exit 0 ;;
esac
case "$unit" in *.service) ;; *) exit 0 ;; esac
file="$SYSTEMD_DIR/$unit"
[ -f "$file" ] || { echo "Unit $unit not found." >&2; exit 5; }
cmd=$(sed -n "s/^$key=//p" "$file")
[ -n "$cmd" ] || exit 0
exec sh -c "$cmd" >/dev/null
"#;

/// What `systemctl` does on a host without systemd (a container, or one
/// booted with another init), as this machine's own says it; calls are
/// recorded all the same.
const NO_SYSTEMD: &str = r#"#!/bin/sh
echo "$*" >> "$SYSTEMCTL_LOG"
echo "System has not been booted with systemd as init system (PID 1). Can't operate." >&2
echo "Failed to connect to bus: Host is down" >&2
exit 1
"#;

struct Systemd {
    dir: PathBuf,
    log: PathBuf,
    path: String,
}

impl Systemd {
    fn new(scope: &Scope) -> Systemd {
        Systemd::with(scope, STAND_IN)
    }

    /// A host where systemd does not answer.
    fn absent(scope: &Scope) -> Systemd {
        Systemd::with(scope, NO_SYSTEMD)
    }

    fn with(scope: &Scope, script_text: &str) -> Systemd {
        let bin = scope.dir.path().join("bin");
        let dir = scope.dir.path().join("units");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        let script = bin.join("systemctl");
        std::fs::write(&script, script_text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Systemd {
            dir,
            log: scope.dir.path().join("systemctl.log"),
            path: format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        }
    }

    /// Runs paunch with `--systemd --systemd-dir DIR` and the stand-in
    /// first on PATH.
    fn paunch(&self, scope: &Scope, args: &[&str]) -> support::Run {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend([
            "--systemd".into(),
            "--systemd-dir".into(),
            self.dir.display().to_string(),
            "--managed-by".into(),
            scope.managed_by.clone(),
        ]);
        let log = self.log.display().to_string();
        let dir = self.dir.display().to_string();
        support::Paunch::new()
            .envs(&[
                ("PATH", &self.path),
                ("SYSTEMCTL_LOG", &log),
                ("SYSTEMD_DIR", &dir),
            ])
            .run(&all)
    }

    /// The calls recorded since the last look, with the scope's prefix
    /// shown as `{p}`.
    fn calls(&self, scope: &Scope) -> Vec<String> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let _ = std::fs::remove_file(&self.log);
        text.lines()
            .map(|l| l.replace(&scope.prefix, "{p}"))
            .collect()
    }

    fn files(&self, scope: &Scope) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .replace(&scope.prefix, "{p}")
            })
            .collect();
        names.sort();
        names
    }
}

/// `systemd-analyze verify` of every unit file in `dir`: exit 0, and no
/// word about them on stderr (at debug level it also says which lines it
/// ignored or rewrote).
fn verify(dir: &Path) {
    let paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    assert!(!paths.is_empty());
    for level in ["info", "debug"] {
        let out = Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .args(&paths)
            .env("SYSTEMD_LOG_LEVEL", level)
            .stdin(Stdio::null())
            .output()
            .expect("systemd-analyze runs (apt-get install -y systemd)");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let ours: Vec<&str> = stderr
            .lines()
            .filter(|l| {
                paths
                    .iter()
                    .any(|p| l.contains(&format!("{}:", p.display())))
            })
            .collect();
        assert!(
            out.status.success() && ours.is_empty(),
            "systemd-analyze verify ({level}): {}\n{stderr}",
            out.status
        );
    }
}

const CONFIG: &str = "{p}db:
  image: IMAGE
  command: sleep 3600
  restart: unless-stopped
  stop_grace_period: 1
{p}web:
  image: IMAGE
  command: sleep 3600
  restart: always
  stop_grace_period: 1
  check_interval: 30
  healthcheck:
    test: /bin/true
  depends_on: [{p}db]
  start_order: 1
{p}job:
  image: IMAGE
  command: sleep 3600
  stop_grace_period: 1
  start_order: 1
";

#[test]
fn systemd_units_on_podman() {
    // Whatever the engine: docker restarts containers itself.
    let docker = support::paunch(&[
        "--default-runtime",
        "docker",
        "plan",
        "--file",
        "/nonexistent.yaml",
        "--config-id",
        "x",
        "--systemd",
    ])
    .code(3);
    assert!(
        docker.stderr.contains("--systemd is for podman"),
        "{}",
        docker.stderr
    );
    if !is_podman() {
        eprintln!("podman only, skipped on docker: systemd units are for podman containers");
        return;
    }
    let scope = Scope::new("systemd");
    let sd = Systemd::new(&scope);
    let config = CONFIG.replace("IMAGE", IMAGE);
    let v1 = scope.config("v1.yaml", &config);
    let v1 = v1.to_str().unwrap();
    let (db, web, job) = (scope.name("db"), scope.name("web"), scope.name("job"));

    // The plan shows the unit steps.
    let plan = sd
        .paunch(&scope, &["plan", "--file", v1, "--config-id", "v1"])
        .ok();
    assert!(
        plan.stdout
            .contains(&format!("$ systemctl enable --now paunch_{db}.service")),
        "{}",
        plan.stdout
    );

    // apply: db and web are created, their units written and enabled
    // (which starts them); job has no restart key: run as without --systemd.
    sd.paunch(&scope, &["apply", "--file", v1, "--config-id", "v1"])
        .ok();
    let apply = sd.calls(&scope);
    eprintln!("systemctl calls, apply:\n  {}", apply.join("\n  "));
    assert_eq!(
        apply,
        [
            "show --property=Version",
            "daemon-reload",
            "enable --now paunch_{p}db.service",
            "daemon-reload",
            "enable --now paunch_{p}web.service",
            "enable --now paunch_{p}web_healthcheck.timer",
            "add-requires paunch_{p}web.service paunch_{p}web_healthcheck.timer",
            "daemon-reload",
        ]
    );
    assert!(running(&db) && running(&web) && running(&job));
    assert_eq!(
        sd.files(&scope),
        [
            "paunch_{p}db.service",
            "paunch_{p}web.service",
            "paunch_{p}web_healthcheck.service",
            "paunch_{p}web_healthcheck.timer",
        ]
    );
    let unit = std::fs::read_to_string(sd.dir.join(format!("paunch_{db}.service"))).unwrap();
    assert!(
        unit.contains(&format!("\nExecStart=/usr/bin/podman start {db}\n")),
        "{unit}"
    );
    // systemd follows the container through the pid file its unit names.
    assert!(Path::new(&format!("/run/{db}.pid")).exists());
    verify(&sd.dir);

    // Re-apply: nothing to do, no systemctl call.
    let db_id = id_of(&db);
    let again = sd
        .paunch(&scope, &["apply", "--file", v1, "--config-id", "v1"])
        .ok();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
    assert_eq!(sd.calls(&scope), Vec::<String>::new());
    assert_eq!(id_of(&db), db_id);

    // Replace db (its command changed): its service is stopped before its
    // old container (or systemd would start it again), its units kept and
    // enabled again once the new container is created.
    let v2 = scope.config("v2.yaml", &config.replacen("sleep 3600", "sleep 3601", 1));
    sd.paunch(
        &scope,
        &["apply", "--file", v2.to_str().unwrap(), "--config-id", "v1"],
    )
    .ok();
    let replace = sd.calls(&scope);
    eprintln!("systemctl calls, replace:\n  {}", replace.join("\n  "));
    assert_eq!(
        replace,
        [
            "show --property=Version",
            "stop paunch_{p}db.service",
            "daemon-reload",
            "enable --now paunch_{p}db.service",
        ]
    );
    assert_ne!(id_of(&db), db_id);
    assert!(running(&db));
    assert_eq!(sd.files(&scope).len(), 4);

    // delete: every unit stopped, disabled and removed, then the containers.
    sd.paunch(&scope, &["delete", "v1"]).ok();
    let delete = sd.calls(&scope);
    eprintln!("systemctl calls, delete:\n  {}", delete.join("\n  "));
    assert_eq!(
        delete,
        [
            "stop paunch_{p}db.service",
            "disable paunch_{p}db.service",
            "daemon-reload",
            "stop paunch_{p}web.service",
            "disable paunch_{p}web.service",
            "stop paunch_{p}web_healthcheck.service",
            "disable paunch_{p}web_healthcheck.service",
            "stop paunch_{p}web_healthcheck.timer",
            "disable paunch_{p}web_healthcheck.timer",
            "daemon-reload",
        ]
    );
    assert!(scope.managed().is_empty());
    assert!(sd.files(&scope).is_empty(), "{:?}", sd.files(&scope));

    // cleanup, after an apply of another config ID: the same.
    sd.paunch(&scope, &["apply", "--file", v1, "--config-id", "v3"])
        .ok();
    sd.calls(&scope);
    sd.paunch(&scope, &["cleanup"]).ok();
    let cleanup = sd.calls(&scope);
    eprintln!("systemctl calls, cleanup:\n  {}", cleanup.join("\n  "));
    assert_eq!(cleanup, delete);
    assert!(scope.managed().is_empty());
    assert!(sd.files(&scope).is_empty(), "{:?}", sd.files(&scope));
}

/// Without systemd, `apply --systemd` touches nothing (it asks systemd
/// before acting), and `delete --systemd` removes the containers and unit
/// files it can, and says which `systemctl` calls failed.
#[test]
fn systemd_that_does_not_answer() {
    if !is_podman() {
        eprintln!("podman only, skipped on docker: systemd units are for podman containers");
        return;
    }
    let scope = Scope::new("nosystemd");
    let config = CONFIG.replace("IMAGE", IMAGE);
    let v1 = scope.config("v1.yaml", &config);
    let v1 = v1.to_str().unwrap();
    let args = ["apply", "--file", v1, "--config-id", "v1"];

    let absent = Systemd::absent(&scope);
    let refused = absent.paunch(&scope, &args).code(1);
    assert!(
        refused.stderr.contains("systemd does not answer")
            && refused.stderr.contains("nothing was touched"),
        "{}",
        refused.stderr
    );
    assert_eq!(absent.calls(&scope), ["show --property=Version"]);
    assert!(scope.managed().is_empty(), "{:?}", scope.managed());
    assert!(absent.files(&scope).is_empty());

    // Made where systemd answered; deleted where it no longer does.
    Systemd::new(&scope).paunch(&scope, &args).ok();
    assert_eq!(absent.files(&scope).len(), 4);
    let absent = Systemd::absent(&scope);
    let delete = absent.paunch(&scope, &["delete", "v1"]).code(1);
    assert!(
        delete
            .stdout
            .contains("its unit files removed, but `systemctl stop")
            && delete.stdout.contains("Host is down"),
        "{}\n{}",
        delete.stdout,
        delete.stderr
    );
    assert!(scope.managed().is_empty(), "{:?}", scope.managed());
    assert!(
        absent.files(&scope).is_empty(),
        "{:?}",
        absent.files(&scope)
    );
    // Nothing is left for a second delete to do.
    let again = absent.paunch(&scope, &["delete", "v1"]).ok();
    assert!(!again.stdout.contains("failed"), "{}", again.stdout);
}
