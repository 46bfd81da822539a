//! Every compose key paunch knows, in one table per object (a service,
//! the top level, a network, a volume): how it is read ([`Treat`]) and
//! one line for the reference. The table drives the strict check (an
//! unknown key is an error with a did-you-mean), the warnings for keys
//! with no meaning on one host, the refusals, and docs/compose.md
//! ([`markdown_table`]). A service key read as a paunch key names it: its
//! value reaches the engine through that key's row of
//! [`crate::config::keys`], so argv building stays in one place.

/// How a compose key is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treat {
    /// Read as the value of this paunch key (same shape), under its
    /// compose name in `config_data`.
    Key(&'static str),
    /// Read by the reader's own code for this key (`service.rs` or
    /// `project.rs`), which the doc describes.
    Custom,
    /// Accepted with a warning: it has no meaning on one host (or for this
    /// engine CLI); the doc says why.
    Ignored,
    /// Refused with an error saying why and what to do instead.
    Refused(&'static str),
}

/// One compose key.
#[derive(Debug)]
pub struct Row {
    /// The key as written.
    pub name: &'static str,
    /// How it is read.
    pub treat: Treat,
    /// One line for docs/compose.md.
    pub doc: &'static str,
}

const fn key(name: &'static str, paunch: &'static str, doc: &'static str) -> Row {
    Row {
        name,
        treat: Treat::Key(paunch),
        doc,
    }
}

const fn custom(name: &'static str, doc: &'static str) -> Row {
    Row {
        name,
        treat: Treat::Custom,
        doc,
    }
}

const fn ignored(name: &'static str, doc: &'static str) -> Row {
    Row {
        name,
        treat: Treat::Ignored,
        doc,
    }
}

const fn refused(name: &'static str, why: &'static str) -> Row {
    Row {
        name,
        treat: Treat::Refused(why),
        doc: why,
    }
}

/// The keys of a service.
pub static SERVICE: &[Row] = &[
    key(
        "image",
        "image",
        "The image (required without `build`); with `build`, the tag the built image gets.",
    ),
    custom(
        "command",
        "A list, or a string split as a POSIX shell splits it (quotes and backslashes), as compose does.",
    ),
    custom(
        "entrypoint",
        "As `command`; `[]` or `''` clears the image's entrypoint.",
    ),
    custom(
        "environment",
        "A list of `K=V` or a map; a bare name (or a null value) takes the caller's value, and is left out when unset.",
    ),
    custom(
        "env_file",
        "Files of `K=V` lines (compose's `.env` rules: quotes, `export`, comments), read when the file is read and merged under `environment`; a string, a list, or `{path, required}`. Relative to the compose file.",
    ),
    key(
        "labels",
        "labels",
        "Container labels, a map or a list of `k=v`.",
    ),
    custom(
        "ports",
        "Short (`[ip:][host:]container[/proto]`, ranges) or long syntax (`target`, `published`, `host_ip`, `protocol`).",
    ),
    key("expose", "expose", "Ports exposed without publishing them."),
    custom(
        "volumes",
        "Short (`src:dst[:ro]`) or long syntax (`type: bind|volume|tmpfs`); a relative source is relative to the compose file; a named volume must be declared in the top-level `volumes`; a missing bind source is created as a directory, as the engine does.",
    ),
    custom(
        "volumes_from",
        "`SERVICE[:ro|rw]` (its first container) or `container:NAME[:ro|rw]`.",
    ),
    key("tmpfs", "tmpfs", "tmpfs mounts, a string or a list."),
    custom(
        "networks",
        "A list of network keys, or a map of them to `{aliases, ipv4_address, ipv6_address}`; the service name is always a DNS alias. The first network is given at creation, the others are connected before the container starts (paunch key `connect`); only the first takes an address.",
    ),
    custom(
        "network_mode",
        "`host`, `none`, `bridge`, `service:S` (joins S's first container) or `container:NAME`.",
    ),
    custom(
        "depends_on",
        "A list of services, or a map of them to `{condition, required, restart}`: the order of creation; `service_healthy` waits for the dependency's health; `service_completed_successfully` runs it to completion first (exit 0).",
    ),
    custom(
        "healthcheck",
        "`test` (a string runs in the image's shell; a list `[CMD, ...]`, `[CMD-SHELL, ...]`, `[NONE]`), `interval`, `timeout`, `start_period`, `retries`, `disable`; `start_interval` is ignored with a warning (the engines here have no flag for it).",
    ),
    key(
        "restart",
        "restart",
        "`no`, `always`, `on-failure[:N]`, `unless-stopped`.",
    ),
    custom(
        "deploy",
        "`replicas`, `resources.limits` (`cpus`, `memory`, `pids`), `resources.reservations.memory`, `restart_policy`; the swarm-only sub-keys draw a warning.",
    ),
    custom("scale", "The number of containers (as `deploy.replicas`)."),
    custom(
        "container_name",
        "The container's name instead of `PROJECT-SERVICE-N` (then one replica only).",
    ),
    custom(
        "profiles",
        "The service runs only when one of its profiles is active (`--profile`, `COMPOSE_PROFILES`).",
    ),
    custom(
        "extra_hosts",
        "`HOST:IP` or `HOST=IP` strings, or a map of host to IP.",
    ),
    key("dns", "dns", "DNS servers, a string or a list."),
    key(
        "dns_search",
        "dns_search",
        "DNS search domains, a string or a list.",
    ),
    key("dns_opt", "dns_opt", "DNS resolver options."),
    custom("logging", "`driver` and `options`."),
    custom(
        "ulimits",
        "A map of limit to a number, or to `{soft, hard}`.",
    ),
    key(
        "sysctls",
        "sysctls",
        "Kernel parameters, a map or a list of `k=v`.",
    ),
    key(
        "devices",
        "devices",
        "Host devices, `HOST[:CONTAINER[:PERMISSIONS]]`.",
    ),
    key(
        "device_cgroup_rules",
        "device_cgroup_rules",
        "Device cgroup rules.",
    ),
    key("cap_add", "cap_add", "Capabilities added."),
    key("cap_drop", "cap_drop", "Capabilities dropped."),
    key("security_opt", "security_opt", "Security options."),
    key("privileged", "privileged", "Extended privileges."),
    key("init", "init", "An init process as PID 1."),
    key("stop_signal", "stop_signal", "The stop signal."),
    key(
        "stop_grace_period",
        "stop_grace_period",
        "Time between the stop signal and the kill (`10s`, `1m30s`).",
    ),
    key("user", "user", "`USER[:GROUP]`."),
    key("group_add", "group_add", "Additional groups."),
    key("working_dir", "working_dir", "The working directory."),
    key("hostname", "hostname", "The host name."),
    key("domainname", "domainname", "The NIS domain name."),
    key("tty", "tty", "A terminal."),
    key("stdin_open", "stdin_open", "Keep stdin open."),
    key("read_only", "read_only", "A read-only root file system."),
    key("shm_size", "shm_size", "The size of /dev/shm."),
    key("mem_limit", "mem_limit", "The memory limit."),
    key("memswap_limit", "memswap_limit", "Memory plus swap."),
    key("mem_swappiness", "mem_swappiness", "Swappiness, 0-100."),
    key(
        "mem_reservation",
        "memory_reservation",
        "The memory soft limit.",
    ),
    key("cpus", "cpus", "CPUs, e.g. 0.5."),
    key("cpu_shares", "cpu_shares", "Relative CPU weight."),
    key("cpu_quota", "cpu_quota", "CFS quota, microseconds."),
    key("cpu_period", "cpu_period", "CFS period, microseconds."),
    key("cpuset", "cpuset_cpus", "CPUs allowed."),
    key("cgroup_parent", "cgroup_parent", "The parent cgroup."),
    key("pids_limit", "pids_limit", "The process limit."),
    key("oom_score_adj", "oom_score_adj", "OOM score adjustment."),
    key(
        "oom_kill_disable",
        "oom_kill_disable",
        "Disable the OOM killer.",
    ),
    key(
        "ipc",
        "ipc",
        "IPC mode (`host`, `shareable`, `service:S` is refused).",
    ),
    key("pid", "pid", "PID mode (`host`)."),
    key("uts", "uts", "UTS mode (`host`)."),
    key("userns_mode", "userns", "User namespace mode."),
    key("mac_address", "mac_address", "The MAC address."),
    key("runtime", "runtime", "The OCI runtime."),
    key("platform", "platform", "The image platform."),
    key("storage_opt", "storage_opt", "Storage driver options."),
    custom(
        "links",
        "Legacy: services reach each other by name on the project network; a link's own alias draws a warning.",
    ),
    custom(
        "build",
        "A context directory, or `{context, dockerfile, args, target, labels, network, shm_size, extra_hosts, no_cache, pull, tags}`: the image is built by the engine as a plan step (`build`) and tagged `image`, else `PROJECT-SERVICE`. The context's files are hashed into `config_data` (`build.context_hash`, `.dockerignore` followed), so a changed context rebuilds the image and replaces the containers (\"image rebuilt\").",
    ),
    custom(
        "secrets",
        "Names of top-level `secrets` (or `{source, target}`): the secret's file, bind-mounted read-only at `/run/secrets/NAME` (or `target`; a relative target is under /run/secrets). `uid`, `gid` and `mode` draw a warning: a bind mount keeps the file's own.",
    ),
    custom(
        "configs",
        "Names of top-level `configs` (or `{source, target}`): the config's file, bind-mounted read-only at `/NAME` (or `target`). `uid`, `gid` and `mode` draw a warning.",
    ),
    custom(
        "extends",
        "`NAME`, or `{service, file}` (a file in the same directory): the service is built on that one, merged by the compose spec's rules (maps key by key, this service winning; `command`, `entrypoint`, `healthcheck.test` replaced; `volumes` by target; other lists appended).",
    ),
    refused(
        "external_links",
        "external links need a legacy link to a container paunch does not manage: put both on one network",
    ),
    refused("cgroup", "cgroup namespaces are not set by paunch yet"),
    refused(
        "pull_policy",
        "pull_policy is not read yet: give `--pull missing|always|never` to apply",
    ),
    refused("gpus", "GPU requests are not passed yet"),
    refused("blkio_config", "block I/O limits are not passed yet"),
    refused(
        "annotations",
        "annotations need a newer docker than the one paunch is tested on",
    ),
    ignored("credential_spec", "Windows only."),
    ignored("cpu_count", "Windows only."),
    ignored("cpu_percent", "Windows only."),
    ignored("isolation", "Windows only."),
    ignored("cpu_rt_period", "Needs a real-time kernel; not passed."),
    ignored("cpu_rt_runtime", "Needs a real-time kernel; not passed."),
    ignored("label_file", "Not read yet."),
    ignored(
        "attach",
        "A `docker compose up` option: paunch never attaches.",
    ),
    ignored("develop", "`docker compose watch` only."),
    ignored("post_start", "Lifecycle hooks are not run."),
    ignored("pre_stop", "Lifecycle hooks are not run."),
    ignored("provider", "Compose providers are not run."),
    ignored("models", "Model runners are not run."),
    ignored("use_api_socket", "Not passed."),
    ignored("pull_refresh_after", "Not read."),
];

/// The top-level keys.
pub static TOP: &[Row] = &[
    custom("services", "The services (required)."),
    custom(
        "networks",
        "Networks, created as `PROJECT_KEY` (or `name`), labelled as paunch's; `external` ones must exist.",
    ),
    custom(
        "volumes",
        "Named volumes, created as `PROJECT_KEY` (or `name`); never removed by apply or cleanup.",
    ),
    custom(
        "name",
        "The project name; the config ID is the project name, and a `name` that differs draws a warning.",
    ),
    ignored("version", "Obsolete; ignored, as compose ignores it."),
    custom(
        "include",
        "Other compose files (a path, or `{path, project_directory, env_file}`), each a project of its own whose services, networks, volumes, secrets and configs join this one; their relative paths mean their own directory; a name defined twice is an error (compose does not merge them).",
    ),
    custom(
        "secrets",
        "Secrets with a `file` (relative to the compose file; it must exist). `environment`, `content` and `external` are refused: one host has no secret store, and paunch writes no secret to disk.",
    ),
    custom(
        "configs",
        "Configs with a `file`, as secrets; `content`, `environment` and `external` are refused.",
    ),
    ignored("models", "Model runners are not run."),
];

/// The keys of a top-level network.
pub static NETWORK: &[Row] = &[
    custom("driver", "The driver (default `bridge`)."),
    custom("driver_opts", "Driver options."),
    custom("attachable", "Attachable (swarm); kept in config_data."),
    custom("enable_ipv6", "IPv6."),
    custom("internal", "No outside access."),
    custom(
        "ipam",
        "`driver`, `config: [{subnet, gateway, ip_range}]`, `options`.",
    ),
    custom("labels", "Labels of the network."),
    custom("name", "Its name instead of `PROJECT_KEY`."),
    custom(
        "external",
        "It must exist; paunch never creates nor removes it.",
    ),
];

/// The keys of a top-level volume.
pub static VOLUME: &[Row] = &[
    custom("driver", "The driver (default `local`)."),
    custom("driver_opts", "Driver options."),
    custom("labels", "Labels of the volume."),
    custom("name", "Its name instead of `PROJECT_KEY`."),
    custom(
        "external",
        "It must exist; paunch never creates nor removes it.",
    ),
];

/// The sub-keys of `deploy`.
pub static DEPLOY: &[Row] = &[
    custom("replicas", "The number of containers."),
    custom(
        "resources",
        "`limits.cpus`, `limits.memory`, `limits.pids`, `reservations.memory`.",
    ),
    custom(
        "restart_policy",
        "`condition` (`none`, `on-failure`, `any`) and `max_attempts`; `delay` and `window` draw a warning.",
    ),
    ignored("mode", "Swarm only."),
    ignored("endpoint_mode", "Swarm only."),
    ignored("placement", "Swarm only: one host has no placement."),
    ignored("update_config", "Swarm only."),
    ignored(
        "rollback_config",
        "Swarm only: paunch's own is `apply --rollback`.",
    ),
    ignored("labels", "Swarm service labels; not container labels."),
];

/// The keys of a service's `build` map.
pub static BUILD: &[Row] = &[
    custom(
        "context",
        "The directory sent to the engine (default `.`), relative to the compose file.",
    ),
    custom(
        "dockerfile",
        "The Dockerfile, relative to the context (default `Dockerfile`).",
    ),
    custom(
        "args",
        "Build arguments, a map or a list of `K=V`; a bare name takes the caller's value, and is left out when unset.",
    ),
    custom("target", "The stage to build."),
    custom("labels", "Labels of the image, a map or a list of `k=v`."),
    custom("network", "The network of the build's `RUN` steps."),
    custom(
        "shm_size",
        "The size of /dev/shm of the build's `RUN` steps.",
    ),
    custom(
        "extra_hosts",
        "`HOST:IP` entries of the build's `RUN` steps, a list or a map.",
    ),
    custom("no_cache", "Build without the engine's layer cache."),
    custom("pull", "Pull a newer base image on every build."),
    custom("tags", "More tags of the built image."),
    ignored(
        "cache_from",
        "Not passed: the engine's local layer cache is used.",
    ),
    ignored("cache_to", "Not passed: needs BuildKit (docker buildx)."),
    ignored(
        "platforms",
        "Not passed: one host builds for its own platform.",
    ),
    ignored("isolation", "Windows only."),
    ignored("provenance", "Not passed: BuildKit attestations."),
    ignored("sbom", "Not passed: BuildKit attestations."),
    ignored("entitlements", "Not passed: needs BuildKit."),
    refused(
        "ssh",
        "build ssh forwarding needs BuildKit (docker buildx); paunch runs the engine's own `build`: remove it, or build the image first and name it in `image`",
    ),
    refused(
        "secrets",
        "build secrets need BuildKit (docker buildx); paunch runs the engine's own `build`: remove them, or build the image first and name it in `image`",
    ),
    refused(
        "additional_contexts",
        "additional contexts need BuildKit (docker buildx): build the image first and name it in `image`",
    ),
    refused(
        "dockerfile_inline",
        "an inline Dockerfile is not read: write it to a file in the context and name it in `dockerfile`",
    ),
    refused(
        "privileged",
        "privileged builds need BuildKit (docker buildx): build the image first and name it in `image`",
    ),
    refused(
        "ulimits",
        "build ulimits are not passed yet: build the image first and name it in `image`",
    ),
];

/// The row of `name` in `table`.
pub fn row(table: &'static [Row], name: &str) -> Option<&'static Row> {
    table.iter().find(|r| r.name == name)
}

/// docs/compose.md's table of service keys.
pub fn markdown_table() -> String {
    let mut s = String::from("| service key | read as | meaning |\n|---|---|---|\n");
    for r in SERVICE {
        let how = match r.treat {
            Treat::Key(k) => format!("paunch key `{k}`"),
            Treat::Custom => "its own reader".into(),
            Treat::Ignored => "warning: ignored".into(),
            Treat::Refused(_) => "error".into(),
        };
        s.push_str(&format!(
            "| `{}` | {how} | {} |\n",
            r.name,
            r.doc.replace('|', "\\|")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key row naming a paunch key that does not exist would read a
    /// value no argv builder looks at.
    #[test]
    fn key_rows_name_paunch_keys() {
        for r in SERVICE {
            if let Treat::Key(k) = r.treat {
                assert!(
                    crate::config::keys::key(k).is_some(),
                    "compose key {} names no paunch key {k}",
                    r.name
                );
            }
        }
    }

    #[test]
    fn names_are_unique() {
        for table in [SERVICE, TOP, NETWORK, VOLUME, DEPLOY, BUILD] {
            let mut names: Vec<_> = table.iter().map(|r| r.name).collect();
            names.sort_unstable();
            let n = names.len();
            names.dedup();
            assert_eq!(n, names.len());
        }
    }
}
