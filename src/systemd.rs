//! The systemd units of a podman container, as the original paunch 4.5.1
//! wrote them (`paunch/utils/systemd.py`: `service_create`,
//! `healthcheck_create`, `healthcheck_timer_create`, `service_delete`), and
//! the `systemctl` calls it made around them. Pure: nothing here reads or
//! writes a file or runs a program; the executor writes [`UnitFile`]s into
//! the systemd directory and runs [`create_calls`] / [`delete_calls`].
//!
//! podman has no daemon to start containers at boot, so for a container
//! with a `restart` key ([`wants_units`]) the original ran `podman create`
//! instead of `podman run` and let a unit start it:
//!
//! - `PREFIXNAME.service`: `Type=forking`, `ExecStart=podman start NAME`,
//!   `ExecStop=podman stop -t GRACE NAME` (`stop_grace_period`, default
//!   10), `Restart=` from `restart` (`unless-stopped` becomes `always`),
//!   `Wants=` from `depends_on`, and each `systemd_exec_flags` pair as a
//!   `[Service]` line;
//! - with a healthcheck test, `PREFIXNAME_healthcheck.service` (a oneshot
//!   `podman exec NAME TEST`) and `PREFIXNAME_healthcheck.timer`, which
//!   runs it every `check_interval` seconds (default 60).
//!
//! The text is the original's, line for line, except for these deliberate
//! differences (each keeps `systemd-analyze verify` silent, or fixes a unit
//! the original wrote that systemd would misread):
//!
//! 1. `KillMode=control-group` instead of `KillMode=none`, which systemd
//!    (since 247) warns is unsafe and deprecated. `ExecStop` has already
//!    stopped the container when systemd kills what is left; the default
//!    mode is what `podman generate systemd` writes too.
//! 2. `PIDFile=/run/NAME.pid` instead of `/var/run/NAME.pid`: systemd
//!    rewrites the legacy directory and asks for the unit to be updated.
//!    `/var/run` is a link to `/run`: it is the same file as podman's
//!    `--conmon-pidfile=/var/run/NAME.pid`.
//! 3. `TimeoutStopSec=GRACE+60` after `ExecStop` (as `podman generate
//!    systemd` writes it): without it systemd kills `podman stop -t GRACE`
//!    after its default 90 seconds, before a longer grace period ends.
//! 4. `stop_grace_period` and `check_interval` in whole seconds, as the
//!    configuration reads them (`1m30s` is `90`); the original wrote the
//!    value as given (`podman stop -t 1m30s` fails) and crashed on a
//!    `check_interval` that is not an integer. Integers are written alike.
//! 5. `Restart=`: `on-failure:N` is written `on-failure` (systemd has no
//!    retry count and ignored the whole line, leaving `Restart=no`);
//!    an unquoted `restart: no` (YAML's `false`) is written `no`, not
//!    Python's `False`, which systemd also ignored.
//! 6. `Wants=`: a `depends_on` name that already ends in a unit type
//!    (`.target`, `.socket`, …) is kept as written; the original only
//!    knew `.service` and wrote `NAME.target.service`. Other names get
//!    `.service` as in the original; names are not prefixed (the original
//!    did not: they name any unit, `openvswitch` or `tripleo_db`).
//! 7. The healthcheck command is split as a shell would split it and each
//!    word written in systemd's quoting (`%` as `%%`, `$` as `$$`): the
//!    original wrote the test verbatim into `ExecStart=`, where systemd
//!    expanded `%` specifiers and `$VARIABLES`. A plain test such as
//!    `/openstack/healthcheck 5672` is written exactly as the original did.
//!    A compose list (`["CMD", …]`) is its words; the original wrote
//!    Python's `repr` of the list. A disabled healthcheck (`disable: true`,
//!    `test: ["NONE"]`) has no healthcheck units.
//! 8. Every file ends with a newline (the original's service and timer did
//!    not).
//! 9. The original started a container with `depends_on` through
//!    `/usr/libexec/paunch-start-podman-container` when the host had
//!    `/etc/sysconfig/podman_drop_in` (a TripleO helper script); this
//!    module always writes `podman start`.
//! 10. What could inject a line or a setting is refused with a
//!     configuration error, never written: a newline or other control
//!     character (or a final backslash, a line continuation) in a
//!     `systemd_exec_flags` value, a flag name that is not a systemd
//!     setting name, a `depends_on` name with characters no unit name has,
//!     a healthcheck test with an unclosed quote, `check_interval: 0`.
//! 11. A `systemd_exec_flags` value is the configuration's reading of it:
//!     `true`, where the original wrote Python's `True` (systemd reads
//!     both). podman's path is a parameter (the original wrote
//!     `/usr/bin/podman`).
//! 12. The `systemctl` calls: see [`create_calls`] and [`delete_calls`]
//!     (the service enabled by its full name; a reload after deleting).
//!
//! `After=paunch-container-shutdown.service` (a unit the original's
//! package shipped) is kept as written: ordering against a unit that does
//! not exist does nothing, and a host that still has it keeps its order.

use crate::config::entry::valid_name;
use crate::config::{Entry, EntryAction, Setting};
use crate::error::{Diagnostic, Error, Result};
use std::fmt::Write as _;

/// The prefix the original gave every unit (`tripleo_NAME.service`): units
/// written with it replace the original's own.
pub const ORIGINAL_PREFIX: &str = "tripleo_";

/// Seconds `podman stop` waits before killing, without `stop_grace_period`
/// (the original's `'10'`).
pub const DEFAULT_STOP_GRACE: u64 = 10;

/// Seconds between two runs of the healthcheck timer, without
/// `check_interval` (the original's `60`).
pub const DEFAULT_CHECK_INTERVAL: u64 = 60;

/// The longest unit name systemd accepts (`UNIT_NAME_MAX` less the NUL).
pub const MAX_UNIT_NAME: usize = 255;

/// Unit types a `depends_on` name may already end in.
const UNIT_SUFFIXES: &[&str] = &[
    ".service",
    ".socket",
    ".target",
    ".timer",
    ".path",
    ".mount",
    ".automount",
    ".swap",
    ".slice",
    ".scope",
    ".device",
];

/// One unit file: its name in the systemd directory, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFile {
    /// The file name, e.g. `tripleo_web.service`.
    pub name: String,
    /// The whole file.
    pub contents: String,
}

/// Whether the original gave this entry systemd units (with podman): a
/// `run` entry with a `restart` key, whatever its value. The original
/// read a missing `restart` as `'none'` and tested `restart != 'none'`,
/// so `restart: no` has an enabled unit too (it starts the container at
/// boot and never restarts it). Such a container is `podman create`d, and
/// its unit starts it. The runtime being podman is the caller's test.
pub fn wants_units(entry: &Entry) -> bool {
    entry.action() == EntryAction::Run && entry.setting("restart").is_some()
}

/// Whether the entry's units include the healthcheck service and timer:
/// it has a healthcheck test that is not disabled (`disable: true`,
/// `test: ["NONE"]`).
pub fn has_healthcheck(entry: &Entry) -> bool {
    health_test(entry).is_some()
}

fn health_test(entry: &Entry) -> Option<&str> {
    match entry.setting("healthcheck") {
        Some(Setting::Healthcheck(h)) if !h.disable => h.test.as_deref(),
        _ => None,
    }
}

/// The container's service unit: `PREFIXNAME.service`.
pub fn service_name(prefix: &str, name: &str) -> String {
    format!("{prefix}{name}.service")
}

/// The healthcheck's service unit: `PREFIXNAME_healthcheck.service`.
pub fn healthcheck_service_name(prefix: &str, name: &str) -> String {
    format!("{prefix}{name}_healthcheck.service")
}

/// The healthcheck's timer unit: `PREFIXNAME_healthcheck.timer`.
pub fn healthcheck_timer_name(prefix: &str, name: &str) -> String {
    format!("{prefix}{name}_healthcheck.timer")
}

/// Every unit file a container may have, in the order the original
/// stopped, disabled and removed them: the service, the healthcheck
/// service, the timer.
pub fn unit_names(prefix: &str, name: &str) -> [String; 3] {
    [
        service_name(prefix, name),
        healthcheck_service_name(prefix, name),
        healthcheck_timer_name(prefix, name),
    ]
}

/// The directory `systemctl add-requires` fills for the service
/// (`PREFIXNAME.service.requires`, in the systemd directory). The original
/// removed it before writing the service, so that a healthcheck timer a
/// previous version of the entry required is no longer pulled in, and
/// again after deleting the units.
pub fn requires_dir(prefix: &str, name: &str) -> String {
    format!("{}.requires", service_name(prefix, name))
}

/// The unit files of one container: the service, then, with a healthcheck
/// test, the healthcheck service and its timer.
///
/// `name` is the container's name (the units start, stop and exec it);
/// `prefix` starts every unit name ([`ORIGINAL_PREFIX`] adopts the
/// original's units); `program` is the absolute path of podman.
///
/// Fails, and writes nothing, when a value would not survive systemd's
/// parsing as written (see the module's point 10), when the prefix or the
/// program could not be written safely ([`ErrorKind::Usage`](crate::ErrorKind::Usage)) or when a
/// unit name would be longer than [`MAX_UNIT_NAME`].
///
/// ```
/// use paunch::{Config, systemd};
/// let config = Config::parse("web:\n  image: nginx:1.27\n  restart: always\n", "x.yaml")?;
/// let units = systemd::units(&config.entries[0], "web", "tripleo_", "/usr/bin/podman")?;
/// assert_eq!(units.len(), 1);
/// assert_eq!(units[0].name, "tripleo_web.service");
/// assert!(units[0].contents.contains("ExecStart=/usr/bin/podman start web\n"));
/// # Ok::<(), paunch::Error>(())
/// ```
pub fn units(entry: &Entry, name: &str, prefix: &str, program: &str) -> Result<Vec<UnitFile>> {
    check_prefix(prefix)?;
    check_program(program)?;
    if !valid_name(name) {
        return Err(Error::usage(format!(
            "\"{name}\" is not a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)"
        )));
    }
    let test = health_test(entry);
    let mut names = vec![service_name(prefix, name)];
    if test.is_some() {
        names.push(healthcheck_service_name(prefix, name));
        names.push(healthcheck_timer_name(prefix, name));
    }
    if let Some(long) = names.iter().find(|n| n.len() > MAX_UNIT_NAME) {
        return Err(Error::usage(format!(
            "the unit name {long} is longer than systemd's {MAX_UNIT_NAME} characters"
        ))
        .with_hint("use a shorter --systemd-prefix or container name"));
    }
    let program = exec_word(program);
    let mut out = vec![UnitFile {
        name: names[0].clone(),
        contents: service(entry, name, &program)?,
    }];
    if let Some(test) = test {
        out.push(UnitFile {
            name: names[1].clone(),
            contents: healthcheck_service(entry, name, prefix, &program, test)?,
        });
        out.push(UnitFile {
            name: names[2].clone(),
            contents: healthcheck_timer(entry, name, prefix)?,
        });
    }
    Ok(out)
}

/// `service_create`'s template.
fn service(entry: &Entry, name: &str, program: &str) -> Result<String> {
    let wants = entry
        .strings("depends_on")
        .iter()
        .map(|d| wanted_unit(entry, d))
        .collect::<Result<Vec<_>>>()?
        .join(" ");
    let restart = match entry.string("restart").unwrap_or("always") {
        "unless-stopped" => "always",
        other => other.split(':').next().unwrap_or(other),
    };
    let grace = entry.stop_grace_period().unwrap_or(DEFAULT_STOP_GRACE);
    let flags = entry
        .strings("systemd_exec_flags")
        .iter()
        .map(|f| exec_flag(entry, f))
        .collect::<Result<Vec<_>>>()?
        .join("\n");
    Ok(format!(
        "[Unit]
Description={name} container
After=paunch-container-shutdown.service
Wants={wants}
[Service]
Restart={restart}
ExecStart={program} start {name}
ExecStop={program} stop -t {grace} {name}
TimeoutStopSec={timeout}
KillMode=control-group
Type=forking
PIDFile=/run/{name}.pid
{flags}
[Install]
WantedBy=multi-user.target
",
        timeout = grace.saturating_add(60),
    ))
}

/// `healthcheck_create`'s template.
fn healthcheck_service(
    entry: &Entry,
    name: &str,
    prefix: &str,
    program: &str,
    test: &str,
) -> Result<String> {
    let words = shlex::split(test)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| {
            diagnostic(
                entry,
                "healthcheck",
                format!("the healthcheck test {test:?} has an unclosed quote or is empty"),
            )
        })?;
    if words.iter().any(|w| w.contains('\0')) {
        return Err(diagnostic(
            entry,
            "healthcheck",
            "the healthcheck test holds a NUL character".into(),
        ));
    }
    let test: Vec<String> = words.iter().map(|w| exec_word(w)).collect();
    let service = format!("{prefix}{name}");
    Ok(format!(
        "[Unit]
Description={name} healthcheck
After=paunch-container-shutdown.service {service}.service
Requisite={service}.service
[Service]
Type=oneshot
ExecStart={program} exec {name} {test}
[Install]
WantedBy=multi-user.target
",
        test = test.join(" "),
    ))
}

/// `healthcheck_timer_create`'s template.
fn healthcheck_timer(entry: &Entry, name: &str, prefix: &str) -> Result<String> {
    let interval = match entry.string("check_interval") {
        None => DEFAULT_CHECK_INTERVAL,
        Some(s) => s.parse().unwrap_or(0),
    };
    if interval == 0 {
        return Err(diagnostic(
            entry,
            "check_interval",
            "check_interval must be at least 1 second (0 would run the healthcheck without pause)"
                .into(),
        ));
    }
    // Python's `int(interval) * 3 / 4`: a float, written as Python writes
    // it (`45.0`, `22.5`); systemd reads both.
    let randomize = format!("{:?}", interval as f64 * 3.0 / 4.0);
    Ok(format!(
        "[Unit]
Description={name} container healthcheck
PartOf={prefix}{name}.service
[Timer]
OnActiveSec=120
OnUnitActiveSec={interval}
RandomizedDelaySec={randomize}
[Install]
WantedBy=timers.target
"
    ))
}

/// A `depends_on` name as a unit name (`.service` added unless it has a
/// unit type), refused unless made of unit-name characters.
fn wanted_unit(entry: &Entry, dep: &str) -> Result<String> {
    let ok = !dep.is_empty()
        && dep
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '.' | '-' | '@'));
    let unit = if UNIT_SUFFIXES
        .iter()
        .any(|s| dep.ends_with(s) && dep.len() > s.len())
    {
        dep.to_string()
    } else {
        format!("{dep}.service")
    };
    if !ok || unit.len() > MAX_UNIT_NAME {
        return Err(diagnostic(
            entry,
            "depends_on",
            format!(
                "{dep:?} is not a systemd unit name (letters, digits and :_.-@, at most {MAX_UNIT_NAME})"
            ),
        ));
    }
    Ok(unit)
}

/// One `systemd_exec_flags` pair (`KEY=value`) as a `[Service]` line:
/// the value as written, refused if it could end the line or continue it.
fn exec_flag(entry: &Entry, pair: &str) -> Result<String> {
    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
    let key_ok = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric());
    if !key_ok {
        return Err(diagnostic(
            entry,
            "systemd_exec_flags",
            format!("{key:?} is not a systemd setting name (letters and digits)"),
        ));
    }
    if let Some(c) = value.chars().find(|c| c.is_control() && *c != '\t') {
        return Err(diagnostic(
            entry,
            "systemd_exec_flags",
            format!(
                "the value of {key} holds the control character {c:?}; a unit file line cannot"
            ),
        ));
    }
    if value.trim_end().ends_with('\\') {
        return Err(diagnostic(
            entry,
            "systemd_exec_flags",
            format!(
                "the value of {key} ends with a backslash, which would continue the line in a unit file"
            ),
        ));
    }
    Ok(format!("{key}={value}"))
}

/// One word of an `Exec*=` command line, in systemd's quoting: as is when
/// plain, else double-quoted with `\`, `"` and control characters escaped.
/// `%` (a specifier) is written `%%` and `$` (a variable) `$$` either way.
fn exec_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_.,:=+@-~".contains(c));
    if plain {
        return word.to_string();
    }
    let mut s = String::from("\"");
    for c in word.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '\r' => s.push_str("\\r"),
            '%' => s.push_str("%%"),
            '$' => s.push_str("$$"),
            c if c.is_ascii_control() => {
                let _ = write!(s, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Refuses a unit name prefix with characters no unit name has (a usage
/// error: it is `--systemd-prefix`).
pub fn check_prefix(prefix: &str) -> Result<()> {
    if prefix
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '.' | '-'))
    {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "the systemd prefix {prefix:?} may hold only letters, digits and :_.-"
        )))
    }
}

fn check_program(program: &str) -> Result<()> {
    if program.starts_with('/') && !program.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "the podman program {program:?} must be an absolute path (systemd runs no search)"
        )))
    }
}

fn diagnostic(entry: &Entry, key: &str, message: String) -> Error {
    let (line, column) = entry.position(key);
    let known = |n: usize| (n > 0).then_some(n);
    Error::config(vec![Diagnostic {
        file: entry.file.clone(),
        line: known(line),
        column: known(column),
        entry: Some(entry.name.clone()),
        key: Some(key.into()),
        message,
        hint: None,
    }])
}

fn systemctl(args: &[&str]) -> Vec<String> {
    std::iter::once("systemctl")
        .chain(args.iter().copied())
        .map(String::from)
        .collect()
}

/// The `systemctl` calls the original made once a container's unit files
/// are written (`service_create`, then `healthcheck_timer_create`), in
/// order:
///
/// 1. `systemctl daemon-reload`, to read the new files;
/// 2. `systemctl enable --now PREFIXNAME.service`: start the container now
///    and at boot (the original wrote `PREFIXNAME`, which `systemctl`
///    reads as the same `.service`; the full name says which unit);
/// 3. with a healthcheck: `systemctl enable --now PREFIXNAME_healthcheck.timer`,
///    `systemctl add-requires PREFIXNAME.service PREFIXNAME_healthcheck.timer`
///    (the service pulls the timer in) and `systemctl daemon-reload`.
///
/// The original removed [`requires_dir`] before writing the service file.
/// When an `enable` failed it ran `systemctl reset-failed UNIT` and
/// retried, five attempts in all with a random exponential backoff of at
/// most 10 seconds.
///
/// ```
/// let calls = paunch::systemd::create_calls("tripleo_", "web", false);
/// assert_eq!(calls, [vec!["systemctl", "daemon-reload"],
///                    vec!["systemctl", "enable", "--now", "tripleo_web.service"]]);
/// ```
pub fn create_calls(prefix: &str, name: &str, healthcheck: bool) -> Vec<Vec<String>> {
    let service = service_name(prefix, name);
    let mut calls = vec![
        systemctl(&["daemon-reload"]),
        systemctl(&["enable", "--now", &service]),
    ];
    if healthcheck {
        let timer = healthcheck_timer_name(prefix, name);
        calls.push(systemctl(&["enable", "--now", &timer]));
        calls.push(systemctl(&["add-requires", &service, &timer]));
        calls.push(systemctl(&["daemon-reload"]));
    }
    calls
}

/// The `systemctl` calls that delete a container's units
/// (`service_delete`): for each of [`unit_names`] whose file is `present`
/// in the systemd directory, in that order, `systemctl stop UNIT` and
/// `systemctl disable UNIT`; the executor removes each file after its
/// `disable`, as the original did, then [`requires_dir`]. Last,
/// `systemctl daemon-reload`, after the files are gone: the original did
/// not reload, and systemd kept the deleted units loaded until the next
/// reload. Nothing is present, nothing to call.
///
/// ```
/// let calls = paunch::systemd::delete_calls("tripleo_", "web", &["tripleo_web.service"]);
/// assert_eq!(calls, [vec!["systemctl", "stop", "tripleo_web.service"],
///                    vec!["systemctl", "disable", "tripleo_web.service"],
///                    vec!["systemctl", "daemon-reload"]]);
/// ```
pub fn delete_calls(prefix: &str, name: &str, present: &[&str]) -> Vec<Vec<String>> {
    let mut calls = Vec::new();
    for unit in unit_names(prefix, name) {
        if present.contains(&unit.as_str()) {
            calls.push(systemctl(&["stop", &unit]));
            calls.push(systemctl(&["disable", &unit]));
        }
    }
    if !calls.is_empty() {
        calls.push(systemctl(&["daemon-reload"]));
    }
    calls
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, ErrorKind};

    fn entry(yaml: &str) -> Entry {
        Config::parse(yaml, "x.yaml").unwrap().entries.remove(0)
    }

    #[test]
    fn words_are_quoted_for_systemd() {
        assert_eq!(
            exec_word("/openstack/healthcheck"),
            "/openstack/healthcheck"
        );
        assert_eq!(exec_word("a b"), "\"a b\"");
        assert_eq!(exec_word("50%"), "\"50%%\"");
        assert_eq!(exec_word("$HOME"), "\"$$HOME\"");
        assert_eq!(exec_word("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
        assert_eq!(exec_word(";"), "\";\"");
        assert_eq!(exec_word(""), "\"\"");
        assert_eq!(exec_word("a\u{1}"), "\"a\\x01\"");
    }

    #[test]
    fn restart_policies() {
        for (written, unit) in [
            ("always", "always"),
            ("unless-stopped", "always"),
            ("on-failure", "on-failure"),
            ("on-failure:5", "on-failure"),
            ("no", "no"),
            ("'no'", "no"),
        ] {
            let e = entry(&format!("web:\n  image: i\n  restart: {written}\n"));
            assert!(wants_units(&e));
            let u = units(&e, "web", "p_", "/usr/bin/podman").unwrap();
            assert!(
                u[0].contents.contains(&format!("\nRestart={unit}\n")),
                "{written}: {}",
                u[0].contents
            );
        }
    }

    #[test]
    fn which_entries_want_units() {
        assert!(!wants_units(&entry("web:\n  image: i\n")));
        assert!(!wants_units(&entry(
            "web:\n  image: i\n  restart: always\n  action: exec\n  command: [web, ls]\n"
        )));
        assert!(!has_healthcheck(&entry(
            "web:\n  image: i\n  restart: always\n  healthcheck:\n    test: [\"NONE\"]\n"
        )));
    }

    #[test]
    fn what_could_inject_is_refused() {
        let bad = [
            "systemd_exec_flags:\n    Environment: \"A=1\\nExecStartPre=/bin/evil\"\n",
            "systemd_exec_flags:\n    Environment: \"A=1\\\\\"\n",
            "systemd_exec_flags:\n    \"Foo Bar\": x\n",
            "systemd_exec_flags:\n    \"[Install]\": x\n",
            "depends_on: [\"db.service\\nExecStartPre=/bin/evil\"]\n",
            "depends_on: [\"a b\"]\n",
            "depends_on: [\"%n\"]\n",
            "healthcheck:\n    test: \"echo 'unclosed\"\n",
            "check_interval: 0\n  healthcheck:\n    test: /bin/true\n",
        ];
        for b in bad {
            let e = entry(&format!("web:\n  image: i\n  restart: always\n  {b}"));
            let err = units(&e, "web", "p_", "/usr/bin/podman").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{b}");
        }
        let e = entry("web:\n  image: i\n  restart: always\n");
        for prefix in ["a b", "x\n", "%n", "a/b"] {
            assert_eq!(
                units(&e, "web", prefix, "/usr/bin/podman")
                    .unwrap_err()
                    .kind(),
                ErrorKind::Usage
            );
        }
        assert!(units(&e, "web", "", "podman").is_err());
        assert!(units(&e, "web\nx", "", "/usr/bin/podman").is_err());
        let long = "a".repeat(250);
        assert!(units(&e, &long, "tripleo_", "/usr/bin/podman").is_err());
    }

    #[test]
    fn wanted_units_keep_their_type() {
        let e = entry(
            "web:\n  image: i\n  restart: always\n  depends_on: [db, db.service, libvirt.target, x.socket, a@b.service]\n",
        );
        let u = units(&e, "web", "p_", "/usr/bin/podman").unwrap();
        assert!(
            u[0].contents
                .contains("\nWants=db.service db.service libvirt.target x.socket a@b.service\n")
        );
    }

    #[test]
    fn durations_are_whole_seconds() {
        let e = entry(
            "web:\n  image: i\n  restart: always\n  stop_grace_period: 1m30s\n  check_interval: 2.5\n  healthcheck:\n    test: /bin/true\n",
        );
        let u = units(&e, "web", "p_", "/usr/bin/podman").unwrap();
        assert!(
            u[0].contents
                .contains("\nExecStop=/usr/bin/podman stop -t 90 web\nTimeoutStopSec=150\n")
        );
        assert!(
            u[2].contents
                .contains("\nOnUnitActiveSec=3\nRandomizedDelaySec=2.25\n")
        );
    }

    #[test]
    fn healthcheck_words() {
        let e = entry(
            "web:\n  image: i\n  restart: always\n  healthcheck:\n    test: [\"CMD\", \"sh\", \"-c\", \"test -e /x && echo 50% $HOME\"]\n",
        );
        let u = units(&e, "web", "p_", "/usr/bin/podman").unwrap();
        assert!(
            u[1].contents.contains(
                "\nExecStart=/usr/bin/podman exec web sh -c \"test -e /x && echo 50%% $$HOME\"\n"
            ),
            "{}",
            u[1].contents
        );
    }

    #[test]
    fn delete_only_what_is_present() {
        assert!(delete_calls("p_", "web", &[]).is_empty());
        let calls = delete_calls("p_", "web", &["p_web_healthcheck.timer", "p_web.service"]);
        let flat: Vec<String> = calls.iter().map(|c| c.join(" ")).collect();
        assert_eq!(
            flat,
            [
                "systemctl stop p_web.service",
                "systemctl disable p_web.service",
                "systemctl stop p_web_healthcheck.timer",
                "systemctl disable p_web_healthcheck.timer",
                "systemctl daemon-reload",
            ]
        );
    }
}
