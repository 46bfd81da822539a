//! Every configuration key in one table: how its value is read ([`Shape`])
//! and which engine flag it becomes ([`Emit`]). The table order is the
//! argv order, the original's first, so that our `docker run` lines read
//! like its own. Adding a key is one line here plus a test.

/// How a key's value is read and normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One string; numbers and plain YAML 1.1 booleans are taken as written
    /// (`restart: no` is the string "no").
    Str,
    /// An integer (a numeric string is accepted, as the original did).
    Int,
    /// A boolean (also `"true"`/`"false"` strings and 0/1).
    Bool,
    /// A list of strings, or one string.
    List,
    /// Environment: a list of `KEY=value`, or a map (a null value passes
    /// the variable through from the engine's environment).
    Env,
    /// Key/value pairs: a map, or a list of `key=value`.
    Pairs,
    /// A duration (`90`, `1.5s`, `1m30s`, `500ms`) in whole seconds, rounded up.
    Seconds,
    /// A command: a list, or a string split on runs of whitespace exactly
    /// as the original did (Python's `str.split()`: quotes stay in the words).
    Command,
    /// A restart policy: `no` (also the YAML 1.1 boolean `no`/`false` it
    /// reads as), `always`, `on-failure[:N]`, `unless-stopped`.
    Restart,
    /// `run` or `exec`.
    EntryAction,
    /// A list of integers, or one integer.
    Ints,
    /// The healthcheck map.
    Healthcheck,
    /// An entrypoint: a string, or a list whose tail is put before the command.
    Entrypoint,
}

/// Which engine arguments a key produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emit {
    /// Not a flag: read by the planner or placed elsewhere (image, command, labels).
    Nothing,
    /// `--flag=value` for each value.
    Each(&'static str),
    /// `--flag=value`, except for the value that means the engine's
    /// default (`cpuset_cpus: all`), which emits nothing.
    EachUnless(&'static str, &'static str),
    /// `--flag` when true.
    Switch(&'static str),
    /// `--flag=true` / `--flag=false`.
    BoolValue(&'static str),
    /// `--flag=prefix` + value, e.g. `--log-opt=tag=` + value.
    Prefixed(&'static str, &'static str),
    /// The healthcheck flags.
    Healthcheck,
    /// `--detach=true` unless false.
    Detach,
}

/// One configuration key.
#[derive(Debug, PartialEq, Eq)]
pub struct Key {
    /// The key as written in a configuration.
    pub name: &'static str,
    /// How its value is read.
    pub shape: Shape,
    /// Which engine arguments it gives.
    pub emit: Emit,
    /// A key of the original 4.5.1 format.
    pub original: bool,
    /// One line for the reference (docs/configuration.md).
    pub doc: &'static str,
}

const fn k(name: &'static str, shape: Shape, emit: Emit, doc: &'static str) -> Key {
    Key {
        name,
        shape,
        emit,
        original: true,
        doc,
    }
}

/// A compose v1 key the original never reached.
const fn new(name: &'static str, shape: Shape, emit: Emit, doc: &'static str) -> Key {
    Key {
        name,
        shape,
        emit,
        original: false,
        doc,
    }
}

use Emit::*;
use Shape::*;

/// Every key, in argv order: the original's first.
pub static KEYS: &[Key] = &[
    // Read by the planner; no flag of their own.
    k(
        "image",
        Str,
        Nothing,
        "Image to run (required for action run). Pin a tag.",
    ),
    k(
        "command",
        Command,
        Nothing,
        "Command: a list, or a string split on whitespace as the original did (Python's str.split(): quotes are not interpreted and stay inside the words; a quote in a string command draws a warning, use a list). For action exec, the first word names the target container.",
    ),
    k(
        "action",
        EntryAction,
        Nothing,
        "run (default) creates a container; exec runs a command in an existing one on every apply.",
    ),
    k(
        "start_order",
        Int,
        Nothing,
        "Order of creation, lowest first (default 0); ties keep file order.",
    ),
    k(
        "exit_codes",
        Ints,
        Nothing,
        "Exit codes that count as success for detach: false (default [0]).",
    ),
    k(
        "labels",
        Pairs,
        Nothing,
        "Extra container labels (map or list of key=value); the four paunch labels cannot be set.",
    ),
    // The original's flags, in its order.
    k(
        "detach",
        Bool,
        Detach,
        "Run in the background (default true); false blocks the apply until the container exits.",
    ),
    k(
        "env_file",
        List,
        Each("--env-file"),
        "Files of KEY=value lines read by the engine client. Changing their contents does not replace the container.",
    ),
    k(
        "environment",
        Env,
        Each("--env"),
        "Environment: list of KEY=value, or a map.",
    ),
    k(
        "remove",
        Bool,
        Switch("--rm"),
        "Remove the container when it exits (--rm).",
    ),
    k(
        "interactive",
        Bool,
        Switch("--interactive"),
        "Keep stdin open (--interactive).",
    ),
    k("tty", Bool, Switch("--tty"), "Allocate a terminal (--tty)."),
    k(
        "net",
        Str,
        Each("--net"),
        "Network mode (--net), e.g. host, none, bridge, container:NAME.",
    ),
    k("ipc", Str, Each("--ipc"), "IPC namespace mode (--ipc)."),
    k("pid", Str, Each("--pid"), "PID namespace mode (--pid)."),
    k("uts", Str, Each("--uts"), "UTS namespace mode (--uts)."),
    k(
        "ulimit",
        List,
        Each("--ulimit"),
        "Resource limits, e.g. nofile=1024:2048 (--ulimit).",
    ),
    k(
        "healthcheck",
        Shape::Healthcheck,
        Emit::Healthcheck,
        "Healthcheck: test (string or compose list), interval, timeout, start_period, retries, disable.",
    ),
    k(
        "privileged",
        Bool,
        BoolValue("--privileged"),
        "Extended privileges (--privileged).",
    ),
    k(
        "restart",
        Restart,
        Each("--restart"),
        "Restart policy: no, always, on-failure[:N], unless-stopped (--restart). `restart: no` unquoted is the YAML 1.1 boolean false, stored so in config_data, and still means no. With podman and apply --systemd, a detached container with this key is created for a systemd unit that starts it, and this is the unit's Restart= instead of --restart.",
    ),
    k(
        "user",
        Str,
        Each("--user"),
        "User name or UID, optionally :group (--user).",
    ),
    k(
        "group_add",
        List,
        Each("--group-add"),
        "Additional groups (--group-add).",
    ),
    k(
        "volumes",
        List,
        Each("--volume"),
        "Volumes SOURCE:TARGET[:OPTIONS]; a SOURCE with a / is a host path that must exist, one without is a named volume (--volume).",
    ),
    k(
        "volumes_from",
        List,
        Each("--volumes-from"),
        "Mount the volumes of other containers (--volumes-from).",
    ),
    k(
        "log_tag",
        Str,
        Prefixed("--log-opt", "tag="),
        "Log tag (--log-opt=tag=...).",
    ),
    k(
        "cpu_shares",
        Int,
        Each("--cpu-shares"),
        "Relative CPU weight (--cpu-shares).",
    ),
    k(
        "mem_limit",
        Str,
        Each("--memory"),
        "Memory limit, e.g. 512m (--memory).",
    ),
    k(
        "memswap_limit",
        Str,
        Each("--memory-swap"),
        "Memory plus swap limit, -1 for unlimited (--memory-swap).",
    ),
    k(
        "mem_swappiness",
        Int,
        Each("--memory-swappiness"),
        "Swappiness 0-100 (--memory-swappiness).",
    ),
    k(
        "security_opt",
        List,
        Each("--security-opt"),
        "Security options, string or list (--security-opt).",
    ),
    k(
        "stop_signal",
        Str,
        Each("--stop-signal"),
        "Signal that stops the container (--stop-signal).",
    ),
    k(
        "stop_grace_period",
        Seconds,
        Each("--stop-timeout"),
        "Time to wait after the stop signal before killing: 90, 1m30s, 1.5s (--stop-timeout, whole seconds).",
    ),
    k(
        "hostname",
        Str,
        Each("--hostname"),
        "Container host name (--hostname).",
    ),
    k(
        "extra_hosts",
        List,
        Each("--add-host"),
        "Extra /etc/hosts entries HOST:IP (--add-host).",
    ),
    k(
        "cpuset_cpus",
        Str,
        EachUnless("--cpuset-cpus", "all"),
        "CPUs allowed, e.g. 0-3 or 0,2 (--cpuset-cpus); `all` means no restriction and emits no flag, as every original version that read the key did.",
    ),
    k(
        "cap_add",
        List,
        Each("--cap-add"),
        "Capabilities to add (--cap-add).",
    ),
    k(
        "cap_drop",
        List,
        Each("--cap-drop"),
        "Capabilities to drop (--cap-drop).",
    ),
    // Keys the original's users wrote that its docker builder ignored:
    // accepted and kept in config_data, no docker argument.
    k(
        "config_volume",
        Str,
        Nothing,
        "Read by TripleO's own tooling (the puppet config volume of the service); no engine argument.",
    ),
    k(
        "depends_on",
        List,
        Nothing,
        "Units this container's systemd unit wants (Wants=; a name without a unit type gets .service, and is not prefixed), with podman and apply --systemd; no engine argument, and with docker or without --systemd nothing.",
    ),
    k(
        "systemd_exec_flags",
        Pairs,
        Nothing,
        "Extra [Service] lines (KEY: value) of the container's systemd unit, with podman and apply --systemd; no engine argument, and with docker or without --systemd nothing.",
    ),
    k(
        "check_interval",
        Seconds,
        Nothing,
        "Seconds between runs of the healthcheck's systemd timer (default 60), with podman and apply --systemd; no engine argument, and with docker or without --systemd nothing.",
    ),
    // Compose v1 keys the original never reached.
    new(
        "entrypoint",
        Entrypoint,
        Nothing,
        "Entrypoint override: a string, or a list whose first word is the entrypoint and the rest go before the command (--entrypoint).",
    ),
    new(
        "working_dir",
        Str,
        Each("--workdir"),
        "Working directory inside the container (--workdir).",
    ),
    new(
        "ports",
        List,
        Each("--publish"),
        "Published ports, e.g. \"8080:80\" (quote them: YAML 1.1 reads 22:22 as a number) (--publish).",
    ),
    new(
        "expose",
        List,
        Each("--expose"),
        "Exposed ports (--expose).",
    ),
    new("dns", List, Each("--dns"), "DNS servers (--dns)."),
    new(
        "dns_search",
        List,
        Each("--dns-search"),
        "DNS search domains (--dns-search).",
    ),
    new(
        "devices",
        List,
        Each("--device"),
        "Host devices, e.g. /dev/fuse (--device).",
    ),
    new(
        "read_only",
        Bool,
        Switch("--read-only"),
        "Read-only root filesystem (--read-only).",
    ),
    new(
        "shm_size",
        Str,
        Each("--shm-size"),
        "Size of /dev/shm, e.g. 64m (--shm-size).",
    ),
    new(
        "tmpfs",
        List,
        Each("--tmpfs"),
        "tmpfs mounts, e.g. /run:size=64m (--tmpfs).",
    ),
    new(
        "domainname",
        Str,
        Each("--domainname"),
        "Container NIS domain name (--domainname).",
    ),
    new(
        "mac_address",
        Str,
        Each("--mac-address"),
        "Container MAC address (--mac-address).",
    ),
    new(
        "memory_reservation",
        Str,
        Each("--memory-reservation"),
        "Memory soft limit (--memory-reservation).",
    ),
    new(
        "cpu_quota",
        Int,
        Each("--cpu-quota"),
        "CFS quota in microseconds (--cpu-quota).",
    ),
    new(
        "cpu_period",
        Int,
        Each("--cpu-period"),
        "CFS period in microseconds (--cpu-period).",
    ),
    new(
        "cgroup_parent",
        Str,
        Each("--cgroup-parent"),
        "Parent cgroup (--cgroup-parent).",
    ),
    new(
        "pids_limit",
        Int,
        Each("--pids-limit"),
        "Maximum number of processes (--pids-limit).",
    ),
    new(
        "oom_score_adj",
        Int,
        Each("--oom-score-adj"),
        "OOM score adjustment (--oom-score-adj).",
    ),
    new(
        "init",
        Bool,
        Switch("--init"),
        "Run an init process as PID 1 (--init).",
    ),
    new(
        "stdin_open",
        Bool,
        Switch("--interactive"),
        "Compose's name for interactive (--interactive).",
    ),
    new(
        "sysctls",
        Pairs,
        Each("--sysctl"),
        "Kernel parameters (map or list of key=value) (--sysctl).",
    ),
    new(
        "log_driver",
        Str,
        Each("--log-driver"),
        "Logging driver (--log-driver).",
    ),
    new(
        "log_opt",
        Pairs,
        Each("--log-opt"),
        "Logging driver options (map or list of key=value) (--log-opt).",
    ),
];

/// The sub-keys of `healthcheck`.
pub static HEALTHCHECK_KEYS: &[(&str, &str)] = &[
    (
        "test",
        "Command: a string run by the container's shell, or a compose list [\"CMD\", ...], [\"CMD-SHELL\", \"...\"] or [\"NONE\"] (--health-cmd).",
    ),
    (
        "interval",
        "Time between checks, e.g. 30s (--health-interval).",
    ),
    (
        "timeout",
        "Time a check may take, e.g. 10s (--health-timeout).",
    ),
    (
        "start_period",
        "Start-up time before failures count, e.g. 60s (--health-start-period).",
    ),
    (
        "retries",
        "Failures in a row before unhealthy (--health-retries).",
    ),
    (
        "disable",
        "true disables the image's healthcheck (--no-healthcheck).",
    ),
];

/// Looks a key up by name.
pub fn key(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.name == name)
}

/// The closest known name to `unknown`, if close enough to be a likely typo.
pub fn did_you_mean<'a>(unknown: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (strsim::jaro_winkler(unknown, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// The key reference as a Markdown table (docs/configuration.md holds it).
pub fn markdown_table() -> String {
    let mut s = String::from("| key | engine flag | since | meaning |\n|---|---|---|---|\n");
    for k in KEYS {
        let flag = match k.emit {
            Emit::Nothing => "—".to_string(),
            Emit::Each(f) | Emit::Switch(f) | Emit::BoolValue(f) | Emit::EachUnless(f, _) => {
                format!("`{f}`")
            }
            Emit::Prefixed(f, p) => format!("`{f}={p}…`"),
            Emit::Healthcheck => "`--health-*`, `--no-healthcheck`".into(),
            Emit::Detach => "`--detach=true`".into(),
        };
        let since = if k.original { "original" } else { "new" };
        s.push_str(&format!(
            "| `{}` | {flag} | {since} | {} |\n",
            k.name,
            k.doc.replace('|', "\\|")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = KEYS.iter().map(|k| k.name).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    /// The values a shape reads are what its emit writes: a mismatch
    /// would pass nothing to the engine, silently.
    #[test]
    fn every_shape_fits_its_emit() {
        for k in KEYS {
            let fits = match k.emit {
                Emit::Nothing => true,
                Emit::Each(_) => matches!(
                    k.shape,
                    Shape::Str
                        | Shape::Int
                        | Shape::List
                        | Shape::Env
                        | Shape::Pairs
                        | Shape::Seconds
                        | Shape::Restart
                ),
                Emit::EachUnless(..) | Emit::Prefixed(..) => k.shape == Shape::Str,
                Emit::Switch(_) | Emit::BoolValue(_) | Emit::Detach => k.shape == Shape::Bool,
                Emit::Healthcheck => k.shape == Shape::Healthcheck,
            };
            assert!(
                fits,
                "key {}: {:?} does not fit {:?}",
                k.name, k.shape, k.emit
            );
        }
    }

    #[test]
    fn suggestions() {
        let names = || KEYS.iter().map(|k| k.name);
        assert_eq!(did_you_mean("imgae", names()), Some("image"));
        assert_eq!(did_you_mean("enviroment", names()), Some("environment"));
        assert_eq!(did_you_mean("volume", names()), Some("volumes"));
        assert_eq!(did_you_mean("zzzz", names()), None);
    }
}
