//! Every configuration key in one table: how its value is read ([`Shape`]),
//! which engine flag it becomes ([`Emit`]), and how each `paunch export`
//! target writes it ([`ExportAs`], the `kube` and `compose` columns). The
//! table order is the argv order, the original's first, so that our
//! `docker run` lines read like its own. Adding a key is one row here plus
//! a test; decode, argv, schema, exporters and docs all read the row.

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

/// How one `paunch export` target writes a key. The exporters loop over
/// the rows: `Lost` and `Field` need no code of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportAs {
    /// The target has no equivalent: left out, with a warning naming entry
    /// and key (an error with `--strict`).
    Lost,
    /// Written under this field (`a.b`: field `b` of map `a`), converted by
    /// the key's [`Shape`]: a string, a list, a boolean, an integer, seconds
    /// as `Ns`, a map of pairs.
    Field(&'static str),
    /// Written by the exporter's own code for this key (a function whose
    /// doc names the key, as a test checks); the text says how, for
    /// docs/kubernetes.md.
    Custom(&'static str),
}

/// How a row without an equivalent reads in docs/kubernetes.md; also the
/// text of the `Custom` rows whose code leaves the key out with a warning
/// of its own (an exec entry, exit codes a Pod cannot count).
pub const LEFT_OUT: &str = "warning: left out";

impl ExportAs {
    /// The cell of docs/kubernetes.md's export table.
    pub fn doc(self) -> String {
        match self {
            ExportAs::Lost => LEFT_OUT.to_string(),
            ExportAs::Field(f) => format!("`{f}`"),
            ExportAs::Custom(how) => how.to_string(),
        }
    }
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
    /// How `paunch export --format kubernetes` writes it.
    pub kube: ExportAs,
    /// How `paunch export --format compose` writes it.
    pub compose: ExportAs,
}

/// A row being written: `k(..)` or `new(..)`, then `.kube(..)`, then
/// `.compose(..)`. Each step is its own type so that no row can leave an
/// export column out.
struct Unexported(Key);

/// A row with its Kubernetes column, waiting for its compose one.
struct HalfExported(Key);

impl Unexported {
    /// How `--format kubernetes` writes the key.
    const fn kube(self, how: ExportAs) -> HalfExported {
        let Unexported(mut key) = self;
        key.kube = how;
        HalfExported(key)
    }
}

impl HalfExported {
    /// How `--format compose` writes the key.
    const fn compose(self, how: ExportAs) -> Key {
        let HalfExported(mut key) = self;
        key.compose = how;
        key
    }
}

const fn k(name: &'static str, shape: Shape, emit: Emit, doc: &'static str) -> Unexported {
    Unexported(Key {
        name,
        shape,
        emit,
        original: true,
        doc,
        kube: ExportAs::Lost,
        compose: ExportAs::Lost,
    })
}

/// A compose v1 key the original never reached.
const fn new(name: &'static str, shape: Shape, emit: Emit, doc: &'static str) -> Unexported {
    Unexported(Key {
        name,
        shape,
        emit,
        original: false,
        doc,
        kube: ExportAs::Lost,
        compose: ExportAs::Lost,
    })
}

use Emit::*;
use ExportAs::*;
use Shape::*;

/// Every key, in argv order: the original's first.
pub static KEYS: &[Key] = &[
    // Read by the planner; no flag of their own.
    k(
        "image",
        Str,
        Nothing,
        "Image to run (required for action run). Pin a tag.",
    ).kube(Field("image")).compose(Field("image")),
    k(
        "command",
        Command,
        Nothing,
        "Command: a list, or a string split on whitespace as the original did (Python's str.split(): quotes are not interpreted and stay inside the words; a quote in a string command draws a warning, use a list). For action exec, the first word names the target container.",
    ).kube(Custom("`args`")).compose(Field("command")),
    k(
        "action",
        EntryAction,
        Nothing,
        "run (default) creates a container; exec runs a command in an existing one on every apply.",
    ).kube(Custom(LEFT_OUT)).compose(Custom(LEFT_OUT)),
    k(
        "start_order",
        Int,
        Nothing,
        "Order of creation, lowest first (default 0); ties keep file order.",
    ).kube(Custom(LEFT_OUT)).compose(Custom("`depends_on` on the previous group")),
    k(
        "exit_codes",
        Ints,
        Nothing,
        "Exit codes that count as success for detach: false (default [0]).",
    ).kube(Custom(LEFT_OUT)).compose(Custom(LEFT_OUT)),
    k(
        "labels",
        Pairs,
        Nothing,
        "Extra container labels (map or list of key=value); the four paunch labels cannot be set.",
    ).kube(Custom("`metadata.labels`")).compose(Custom("`labels`")),
    // The original's flags, in its order.
    k(
        "detach",
        Bool,
        Detach,
        "Run in the background (default true); false blocks the apply until the container exits.",
    ).kube(Custom("false: `restartPolicy: Never`")).compose(Custom("false: `depends_on: service_completed_successfully` of the next group")),
    k(
        "env_file",
        List,
        Each("--env-file"),
        "Files of KEY=value lines read by the engine client. Changing their contents does not replace the container.",
    ).kube(Lost).compose(Field("env_file")),
    k(
        "environment",
        Env,
        Each("--env"),
        "Environment: list of KEY=value, or a map.",
    ).kube(Custom("`env`")).compose(Field("environment")),
    k(
        "remove",
        Bool,
        Switch("--rm"),
        "Remove the container when it exits (--rm).",
    ).kube(Lost).compose(Lost),
    k(
        "interactive",
        Bool,
        Switch("--interactive"),
        "Keep stdin open (--interactive).",
    ).kube(Custom("`stdin`")).compose(Field("stdin_open")),
    k("tty", Bool, Switch("--tty"), "Allocate a terminal (--tty).").kube(Field("tty")).compose(Field("tty")),
    k(
        "net",
        Str,
        Each("--net"),
        "Network mode (--net), e.g. host, none, bridge, container:NAME.",
    ).kube(Custom("host: `hostNetwork`")).compose(Custom("`network_mode` (`container:X` → `service:X`)")),
    k("ipc", Str, Each("--ipc"), "IPC namespace mode (--ipc).").kube(Custom("host: `hostIPC`")).compose(Custom("`ipc`")),
    k("pid", Str, Each("--pid"), "PID namespace mode (--pid).").kube(Custom("host: `hostPID`")).compose(Custom("`pid`")),
    k("uts", Str, Each("--uts"), "UTS namespace mode (--uts).").kube(Lost).compose(Lost),
    k(
        "ulimit",
        List,
        Each("--ulimit"),
        "Resource limits, e.g. nofile=1024:2048 (--ulimit).",
    ).kube(Lost).compose(Custom("`ulimits`")),
    k(
        "healthcheck",
        Shape::Healthcheck,
        Emit::Healthcheck,
        "Healthcheck: test (string or compose list), interval, timeout, start_period, retries, disable.",
    ).kube(Custom("`livenessProbe.exec` (`readinessProbe.exec` when read from one)")).compose(Custom("`healthcheck`")),
    k(
        "privileged",
        Bool,
        BoolValue("--privileged"),
        "Extended privileges (--privileged).",
    ).kube(Custom("`securityContext.privileged`")).compose(Field("privileged")),
    k(
        "restart",
        Restart,
        Each("--restart"),
        "Restart policy: no, always, on-failure[:N], unless-stopped (--restart). `restart: no` unquoted is the YAML 1.1 boolean false, stored so in config_data, and still means no. With podman and apply --systemd, a detached container with this key is created for a systemd unit that starts it, and this is the unit's Restart= instead of --restart.",
    ).kube(Custom("`restartPolicy`")).compose(Custom("`restart`")),
    k(
        "user",
        Str,
        Each("--user"),
        "User name or UID, optionally :group (--user).",
    ).kube(Custom("numeric: `securityContext.runAsUser/runAsGroup`")).compose(Field("user")),
    k(
        "group_add",
        List,
        Each("--group-add"),
        "Additional groups (--group-add).",
    ).kube(Custom("numeric: `securityContext.supplementalGroups`")).compose(Field("group_add")),
    k(
        "volumes",
        List,
        Each("--volume"),
        "Volumes SOURCE:TARGET[:OPTIONS]; a SOURCE with a / is a host path that must exist, one without is a named volume (--volume).",
    ).kube(Custom("host paths: `hostPath`; named: `persistentVolumeClaim`")).compose(Field("volumes")),
    k(
        "volumes_from",
        List,
        Each("--volumes-from"),
        "Mount the volumes of other containers (--volumes-from).",
    ).kube(Custom(LEFT_OUT)).compose(Custom("`volumes_from` (`service:X`)")),
    k(
        "log_tag",
        Str,
        Prefixed("--log-opt", "tag="),
        "Log tag (--log-opt=tag=...).",
    ).kube(Lost).compose(Lost),
    k(
        "cpu_shares",
        Int,
        Each("--cpu-shares"),
        "Relative CPU weight (--cpu-shares).",
    ).kube(Custom("`resources.requests.cpu`")).compose(Field("cpu_shares")),
    k(
        "mem_limit",
        Str,
        Each("--memory"),
        "Memory limit, e.g. 512m (--memory).",
    ).kube(Custom("`resources.limits.memory`")).compose(Field("mem_limit")),
    k(
        "memswap_limit",
        Str,
        Each("--memory-swap"),
        "Memory plus swap limit, -1 for unlimited (--memory-swap).",
    ).kube(Lost).compose(Field("memswap_limit")),
    k(
        "mem_swappiness",
        Int,
        Each("--memory-swappiness"),
        "Swappiness 0-100 (--memory-swappiness).",
    ).kube(Lost).compose(Field("mem_swappiness")),
    k(
        "security_opt",
        List,
        Each("--security-opt"),
        "Security options, string or list (--security-opt).",
    ).kube(Custom("no-new-privileges: `allowPrivilegeEscalation: false`")).compose(Field("security_opt")),
    k(
        "stop_signal",
        Str,
        Each("--stop-signal"),
        "Signal that stops the container (--stop-signal).",
    ).kube(Custom("`lifecycle.stopSignal` (with `os.name: linux`)")).compose(Field("stop_signal")),
    k(
        "stop_grace_period",
        Seconds,
        Each("--stop-timeout"),
        "Time to wait after the stop signal before killing: 90, 1m30s, 1.5s (--stop-timeout, whole seconds).",
    ).kube(Custom("`terminationGracePeriodSeconds`")).compose(Field("stop_grace_period")),
    k(
        "hostname",
        Str,
        Each("--hostname"),
        "Container host name (--hostname).",
    ).kube(Custom("`hostname`")).compose(Field("hostname")),
    k(
        "extra_hosts",
        List,
        Each("--add-host"),
        "Extra /etc/hosts entries HOST:IP (--add-host).",
    ).kube(Custom("`hostAliases`")).compose(Field("extra_hosts")),
    k(
        "cpuset_cpus",
        Str,
        EachUnless("--cpuset-cpus", "all"),
        "CPUs allowed, e.g. 0-3 or 0,2 (--cpuset-cpus); `all` means no restriction and emits no flag, as every original version that read the key did.",
    ).kube(Lost).compose(Field("cpuset")),
    k(
        "cap_add",
        List,
        Each("--cap-add"),
        "Capabilities to add (--cap-add).",
    ).kube(Custom("`securityContext.capabilities.add`")).compose(Field("cap_add")),
    k(
        "cap_drop",
        List,
        Each("--cap-drop"),
        "Capabilities to drop (--cap-drop).",
    ).kube(Custom("`securityContext.capabilities.drop`")).compose(Field("cap_drop")),
    // Keys the original's users wrote that its docker builder ignored:
    // accepted and kept in config_data, no docker argument.
    k(
        "config_volume",
        Str,
        Nothing,
        "Read by TripleO's own tooling (the puppet config volume of the service); no engine argument.",
    ).kube(Lost).compose(Lost),
    k(
        "depends_on",
        List,
        Nothing,
        "Units this container's systemd unit wants (Wants=; a name without a unit type gets .service, and is not prefixed), with podman and apply --systemd; no engine argument, and with docker or without --systemd nothing.",
    ).kube(Lost).compose(Lost),
    k(
        "systemd_exec_flags",
        Pairs,
        Nothing,
        "Extra [Service] lines (KEY: value) of the container's systemd unit, with podman and apply --systemd; no engine argument, and with docker or without --systemd nothing.",
    ).kube(Lost).compose(Lost),
    k(
        "check_interval",
        Seconds,
        Nothing,
        "Seconds between runs of the healthcheck's systemd timer (default 60), with podman and apply --systemd; no engine argument, and with docker or without --systemd nothing.",
    ).kube(Lost).compose(Lost),
    // Compose v1 keys the original never reached.
    new(
        "entrypoint",
        Entrypoint,
        Nothing,
        "Entrypoint override: a string, or a list whose first word is the entrypoint and the rest go before the command (--entrypoint).",
    ).kube(Custom("`command`")).compose(Field("entrypoint")),
    new(
        "working_dir",
        Str,
        Each("--workdir"),
        "Working directory inside the container (--workdir).",
    ).kube(Field("workingDir")).compose(Field("working_dir")),
    new(
        "ports",
        List,
        Each("--publish"),
        "Published ports, e.g. \"8080:80\" (quote them: YAML 1.1 reads 22:22 as a number) (--publish).",
    ).kube(Custom("`ports` (`hostPort`)")).compose(Field("ports")),
    new(
        "expose",
        List,
        Each("--expose"),
        "Exposed ports (--expose).",
    ).kube(Lost).compose(Field("expose")),
    new("dns", List, Each("--dns"), "DNS servers (--dns).").kube(Custom("`dnsConfig.nameservers`")).compose(Field("dns")),
    new(
        "dns_search",
        List,
        Each("--dns-search"),
        "DNS search domains (--dns-search).",
    ).kube(Custom("`dnsConfig.searches`")).compose(Field("dns_search")),
    new(
        "devices",
        List,
        Each("--device"),
        "Host devices, e.g. /dev/fuse (--device).",
    ).kube(Lost).compose(Field("devices")),
    new(
        "read_only",
        Bool,
        Switch("--read-only"),
        "Read-only root filesystem (--read-only).",
    ).kube(Custom("`securityContext.readOnlyRootFilesystem`")).compose(Field("read_only")),
    new(
        "shm_size",
        Str,
        Each("--shm-size"),
        "Size of /dev/shm, e.g. 64m (--shm-size).",
    ).kube(Lost).compose(Field("shm_size")),
    new(
        "tmpfs",
        List,
        Each("--tmpfs"),
        "tmpfs mounts, e.g. /run:size=64m (--tmpfs).",
    ).kube(Lost).compose(Field("tmpfs")),
    new(
        "domainname",
        Str,
        Each("--domainname"),
        "Container NIS domain name (--domainname).",
    ).kube(Lost).compose(Field("domainname")),
    new(
        "mac_address",
        Str,
        Each("--mac-address"),
        "Container MAC address (--mac-address).",
    ).kube(Lost).compose(Field("mac_address")),
    new(
        "memory_reservation",
        Str,
        Each("--memory-reservation"),
        "Memory soft limit (--memory-reservation).",
    ).kube(Custom("`resources.requests.memory`")).compose(Field("mem_reservation")),
    new(
        "cpu_quota",
        Int,
        Each("--cpu-quota"),
        "CFS quota in microseconds (--cpu-quota).",
    ).kube(Custom("`resources.limits.cpu` (with cpu_period)")).compose(Field("cpu_quota")),
    new(
        "cpu_period",
        Int,
        Each("--cpu-period"),
        "CFS period in microseconds (--cpu-period).",
    ).kube(Custom("`resources.limits.cpu` (with cpu_quota)")).compose(Field("cpu_period")),
    new(
        "cgroup_parent",
        Str,
        Each("--cgroup-parent"),
        "Parent cgroup (--cgroup-parent).",
    ).kube(Lost).compose(Field("cgroup_parent")),
    new(
        "pids_limit",
        Int,
        Each("--pids-limit"),
        "Maximum number of processes (--pids-limit).",
    ).kube(Lost).compose(Field("pids_limit")),
    new(
        "oom_score_adj",
        Int,
        Each("--oom-score-adj"),
        "OOM score adjustment (--oom-score-adj).",
    ).kube(Lost).compose(Field("oom_score_adj")),
    new(
        "init",
        Bool,
        Switch("--init"),
        "Run an init process as PID 1 (--init).",
    ).kube(Lost).compose(Field("init")),
    new(
        "stdin_open",
        Bool,
        Switch("--interactive"),
        "Compose's name for interactive (--interactive).",
    ).kube(Custom("`stdin`")).compose(Field("stdin_open")),
    new(
        "sysctls",
        Pairs,
        Each("--sysctl"),
        "Kernel parameters (map or list of key=value) (--sysctl).",
    ).kube(Custom("`securityContext.sysctls`")).compose(Field("sysctls")),
    new(
        "log_driver",
        Str,
        Each("--log-driver"),
        "Logging driver (--log-driver).",
    ).kube(Lost).compose(Field("logging.driver")),
    new(
        "log_opt",
        Pairs,
        Each("--log-opt"),
        "Logging driver options (map or list of key=value) (--log-opt).",
    ).kube(Lost).compose(Field("logging.options")),
    // Read from compose files (SPEC §17); usable in paunch YAML too.
    new(
        "network_aliases",
        List,
        Each("--network-alias"),
        "DNS names of the container on its network (`net`, a user-defined network) (--network-alias); compose gives the service name and `aliases`.",
    ).kube(Lost).compose(Lost),
    new(
        "ip",
        Str,
        Each("--ip"),
        "IPv4 address on its network (--ip).",
    ).kube(Lost).compose(Lost),
    new(
        "ip6",
        Str,
        Each("--ip6"),
        "IPv6 address on its network (--ip6).",
    ).kube(Lost).compose(Lost),
    new(
        "gate",
        Bool,
        Nothing,
        "Later start_order groups start only once this container succeeded: a blocking one (detach: false) exited with one of its exit_codes, a detached one is healthy (it needs a healthcheck; waited for within --wait-timeout, with or without --wait). When it fails, the later groups are skipped. Compose's depends_on conditions service_healthy and service_completed_successfully.",
    ).kube(Lost).compose(Lost),
    new(
        "connect",
        List,
        Nothing,
        "Further networks, NETWORK or NETWORK=ALIAS,ALIAS: the container is created on `net`, connected to each (with its aliases), then started (docker 20.10 attaches one network at creation). Detached containers only. Compose's second and later `networks`.",
    ).kube(Lost).compose(Lost),
    new("cpus", Str, Each("--cpus"), "Number of CPUs, e.g. 0.5 (--cpus).").kube(Lost).compose(Field("cpus")),
    new(
        "dns_opt",
        List,
        Each("--dns-option"),
        "DNS resolver options (--dns-option).",
    ).kube(Lost).compose(Field("dns_opt")),
    new(
        "device_cgroup_rules",
        List,
        Each("--device-cgroup-rule"),
        "Device cgroup rules, e.g. 'c 1:3 mr' (--device-cgroup-rule).",
    ).kube(Lost).compose(Field("device_cgroup_rules")),
    new(
        "oom_kill_disable",
        Bool,
        Switch("--oom-kill-disable"),
        "Disable the OOM killer (--oom-kill-disable).",
    ).kube(Lost).compose(Field("oom_kill_disable")),
    new(
        "userns",
        Str,
        Each("--userns"),
        "User namespace mode, e.g. host (--userns).",
    ).kube(Lost).compose(Field("userns_mode")),
    new("runtime", Str, Each("--runtime"), "OCI runtime (--runtime).").kube(Lost).compose(Field("runtime")),
    new(
        "platform",
        Str,
        Each("--platform"),
        "Image platform, e.g. linux/amd64 (--platform).",
    ).kube(Lost).compose(Field("platform")),
    new(
        "storage_opt",
        Pairs,
        Each("--storage-opt"),
        "Storage driver options (map or list of key=value) (--storage-opt).",
    ).kube(Lost).compose(Field("storage_opt")),
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

/// docs/kubernetes.md's export table: how each target writes each key.
pub fn export_markdown_table() -> String {
    let mut s = String::from(
        "| paunch key | `--format kubernetes` | `--format compose` |\n|---|---|---|\n",
    );
    for k in KEYS {
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            k.name,
            k.kube.doc(),
            k.compose.doc()
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
