//! The runtime (docker or podman) as a value, and the engine arguments of
//! each operation for it: pure functions, no spawning.
//! Every value is its own argv element in `--flag=value` form, so no value
//! can become a second flag or command, and nothing goes through a shell.

use crate::config::keys::Emit;
use crate::config::{Entry, Resource, Setting};
use crate::labels;
use crate::value::Value;
use serde::{Deserialize, Serialize};

/// Which engine CLI to drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    #[default]
    /// The `docker` CLI (the default).
    Docker,
    /// The `podman` CLI.
    Podman,
}

impl Runtime {
    /// The program looked up on PATH.
    pub fn program(self) -> &'static str {
        match self {
            Runtime::Docker => "docker",
            Runtime::Podman => "podman",
        }
    }
}

impl std::fmt::Display for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.program())
    }
}

impl std::str::FromStr for Runtime {
    type Err = String;
    fn from_str(s: &str) -> Result<Runtime, String> {
        match s {
            "docker" => Ok(Runtime::Docker),
            "podman" => Ok(Runtime::Podman),
            other => Err(format!("unknown runtime \"{other}\" (docker or podman)")),
        }
    }
}

/// The labels every created container carries besides its entry's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LabelSet {
    /// The `managed_by` label (`--managed-by`).
    pub managed_by: String,
    /// The `config_id` label (`--config-id`).
    pub config_id: String,
    /// `--label k=v` from the command line, sorted by key (a plan keeps
    /// them in a map, so the same labels give the same argv).
    pub extra: Vec<(String, String)>,
}

fn s(x: &str) -> String {
    x.to_string()
}

impl Runtime {
    /// Lists every container on the host, one JSON document per container
    /// (docker) or one JSON array (podman).
    pub fn ps_args(self) -> Vec<String> {
        match self {
            Runtime::Docker => vec![
                s("ps"),
                s("--all"),
                s("--no-trunc"),
                s("--format={{json .}}"),
            ],
            Runtime::Podman => vec![s("ps"), s("--all"), s("--format=json")],
        }
    }

    /// Inspects containers, all in one call.
    pub fn inspect_args(self, ids: &[String]) -> Vec<String> {
        let mut a = match self {
            Runtime::Docker => vec![s("inspect"), s("--type=container")],
            Runtime::Podman => vec![s("container"), s("inspect")],
        };
        a.extend(ids.iter().cloned());
        a
    }

    /// Whether the containers' inspect also inspects images (podman's
    /// `inspect` looks each name up as a container, then as an image).
    /// Each podman call is a whole Go program starting on the host's
    /// cores, so a no-op apply on podman makes two calls, not three.
    /// docker's CLI is a thin client of its daemon: there the images'
    /// inspect runs alongside the listing instead.
    pub fn inspects_images_with_containers(self) -> bool {
        self == Runtime::Podman
    }

    /// Inspects containers (by full ID) and then images, in one call
    /// ([`Runtime::inspects_images_with_containers`]); `refs` must be ones
    /// no container can answer to ([`crate::engine::parse::names_no_container`]).
    pub fn mixed_inspect_args(self, ids: &[String], refs: &[String]) -> Vec<String> {
        let mut a = vec![s("inspect")];
        a.extend(ids.iter().cloned());
        a.extend(refs.iter().cloned());
        a
    }

    /// Inspects images, all in one call.
    pub fn image_inspect_args(self, refs: &[String]) -> Vec<String> {
        let mut a = vec![s("image"), s("inspect")];
        a.extend(refs.iter().cloned());
        a
    }

    /// What an operator should know about an engine error paunch cannot
    /// resolve alone, if it is one paunch recognises.
    ///
    /// podman killed while creating a container (a killed paunch takes its
    /// engine calls with it, as stopping a unit kills its cgroup) can leave
    /// the container in podman's storage but not in its database: `podman
    /// ps` does not list it, yet its name is taken. A buildah working
    /// container looks the same, so paunch does not remove it.
    ///
    /// ```
    /// use paunch::engine::argv::Runtime;
    /// let e = "Error: creating container storage: the container name \"web\" is already in use by 3f2a. You have to remove that container to be able to reuse that name: that name is already in use";
    /// assert!(Runtime::Podman.explain(e).unwrap().contains("podman rm --storage 3f2a"));
    /// ```
    pub fn explain(self, stderr: &str) -> Option<String> {
        let (_, rest) = stderr.split_once("creating container storage: the container name \"")?;
        let (name, rest) = rest.split_once("\" is already in use by ")?;
        let id: String = rest
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        (self == Runtime::Podman && !id.is_empty()).then(|| {
            format!(
                "podman's storage holds a container named \"{name}\" ({id}) that podman does not list: \
                 one a killed podman left half created, or a buildah working container. \
                 If it is a leftover, remove it with `podman rm --storage {id}` and apply again"
            )
        })
    }

    /// Pulls an image.
    pub fn pull_args(self, image: &str) -> Vec<String> {
        vec![s("pull"), s(image)]
    }

    /// How many pull calls give about the retry window of `attempts` of
    /// docker's. podman 4 retries a pull itself on a network error, three
    /// times 1 s apart, so each of its calls spans about 3 s; paunch's own
    /// retries on top would multiply the window (4 calls: about 19 s for a
    /// registry that is down, against docker's 3.5 to 7 s), so podman gets
    /// half as many calls (2: about 7 s).
    pub fn pull_calls(self, attempts: u32) -> u32 {
        match self {
            Runtime::Docker => attempts,
            Runtime::Podman => attempts.div_ceil(2),
        }
    }

    /// Stops one container; the executor joins the stops of a phase that
    /// differ only in the container into one call.
    pub fn stop_args(self, timeout: Option<u64>, id: &str) -> Vec<String> {
        let mut a = vec![s("stop")];
        // podman stops nothing of a batch when one container is missing;
        // with --ignore it stops the rest (docker does so by default).
        if self == Runtime::Podman {
            a.push(s("--ignore"));
        }
        if let Some(t) = timeout {
            a.push(format!("--time={t}"));
        }
        a.push(s(id));
        a
    }

    /// Removes a (stopped) container.
    pub fn rm_args(self, id: &str) -> Vec<String> {
        self.remove_args(id, Removal::default())
    }

    /// Removes a container, as `how` says: `--force` (stopping it),
    /// `--volumes` (its anonymous volumes too).
    pub fn remove_args(self, id: &str, how: Removal) -> Vec<String> {
        let mut a = vec![s("rm")];
        if how.force {
            a.push(s("--force"));
        }
        if how.volumes {
            a.push(s("--volumes"));
        }
        // As for stop: a missing container does not fail the batch.
        if self == Runtime::Podman {
            a.push(s("--ignore"));
        }
        a.push(s(id));
        a
    }

    /// Unpauses containers (podman stops no paused container).
    pub fn unpause_args(self, ids: &[String]) -> Vec<String> {
        let mut a = vec![s("unpause")];
        a.extend(ids.iter().cloned());
        a
    }

    /// Renames a container.
    pub fn rename_args(self, id: &str, to: &str) -> Vec<String> {
        vec![s("rename"), s(id), s(to)]
    }

    /// The last `lines` lines a container wrote.
    pub fn logs_args(self, id: &str, lines: usize) -> Vec<String> {
        vec![s("logs"), format!("--tail={lines}"), s(id)]
    }

    /// Starts an existing container.
    pub fn start_args(self, id: &str) -> Vec<String> {
        vec![s("start"), s(id)]
    }

    /// Runs a container's health check once (podman: with no systemd to
    /// run them on a timer, `--wait` runs them itself); `None` for docker,
    /// whose daemon runs them.
    pub fn healthcheck_run_args(self, id: &str) -> Option<Vec<String>> {
        match self {
            Runtime::Docker => None,
            Runtime::Podman => Some(vec![s("healthcheck"), s("run"), s(id)]),
        }
    }

    /// Waits for a container to exit; prints its exit code.
    pub fn wait_args(self, id: &str) -> Vec<String> {
        vec![s("wait"), s(id)]
    }

    /// Lists every network on the host with the labels paunch reads, in
    /// one call: podman prints them as JSON; docker's own JSON joins the
    /// labels into one `k=v,k=v` string, which a `config_data` with a
    /// comma would break, so each label is asked for by name.
    pub fn network_ls_args(self) -> Vec<String> {
        self.resource_ls_args("network")
    }

    /// Lists every volume on the host, as [`Runtime::network_ls_args`].
    pub fn volume_ls_args(self) -> Vec<String> {
        self.resource_ls_args("volume")
    }

    fn resource_ls_args(self, what: &str) -> Vec<String> {
        match self {
            Runtime::Docker => {
                let label = |k: &str| format!("\"{k}\":{{{{json (.Label \"{k}\")}}}}");
                let fields = [
                    s("\"name\":{{json .Name}}"),
                    label(labels::MANAGED_BY),
                    label(labels::CONFIG_ID),
                    label(labels::CONFIG_DATA),
                ];
                vec![
                    s(what),
                    s("ls"),
                    format!("--format={{{}}}", fields.join(",")),
                ]
            }
            Runtime::Podman => vec![s(what), s("ls"), s("--format=json")],
        }
    }

    /// Creates a network of a configuration: paunch's labels (its
    /// definition's JSON as `config_data`), then what the definition says
    /// (compose's keys: `driver`, `driver_opts`, `internal`, `enable_ipv6`,
    /// `ipam`, `labels`). `--` ends the flags, so no name is read as one.
    pub fn network_create_args(self, r: &Resource, labels: &LabelSet) -> Vec<String> {
        let data = r.data.as_map();
        let get = |k: &str| data.and_then(|m| m.get(k));
        let mut a = vec![s("network"), s("create")];
        a.extend(resource_labels(r, labels));
        if let Some(d) = get("driver").and_then(scalar_text) {
            a.push(format!("--driver={d}"));
        }
        a.extend(pairs(get("driver_opts")).map(|(k, v)| format!("--opt={k}={v}")));
        for (key, flag) in [("internal", "--internal"), ("enable_ipv6", "--ipv6")] {
            if matches!(get(key), Some(Value::Bool(true))) {
                a.push(s(flag));
            }
        }
        if let Some(ipam) = get("ipam").and_then(Value::as_map) {
            a.extend(ipam_args(ipam));
        }
        a.extend(user_labels(r));
        a.push(s("--"));
        a.push(r.name.clone());
        a
    }

    /// Creates a named volume of a configuration: paunch's labels, then
    /// `driver`, `driver_opts` and `labels` of its definition.
    pub fn volume_create_args(self, r: &Resource, labels: &LabelSet) -> Vec<String> {
        let data = r.data.as_map();
        let get = |k: &str| data.and_then(|m| m.get(k));
        let mut a = vec![s("volume"), s("create")];
        let mut given = resource_labels(r, labels);
        given.extend(user_labels(r));
        // podman 4.3 reads `volume create --label` as a CSV list (where
        // its `network create` and `run` take each as it is): a value with
        // a quote or a comma (any config_data) is one quoted CSV field.
        if self == Runtime::Podman {
            given = given.iter().map(|l| csv_field_label(l)).collect();
        }
        let (ours, user) = given.split_at(3);
        a.extend_from_slice(ours);
        if let Some(d) = get("driver").and_then(scalar_text) {
            a.push(format!("--driver={d}"));
        }
        a.extend(pairs(get("driver_opts")).map(|(k, v)| format!("--opt={k}={v}")));
        a.extend_from_slice(user);
        a.push(s("--"));
        a.push(r.name.clone());
        a
    }

    /// Builds image `image` from a compose service's normalised `build`
    /// (`context`, `dockerfile`, `args`, `target`, `labels`, `network`,
    /// `shm_size`, `extra_hosts`, `no_cache`, `pull`, `tags`): the same
    /// flags for docker 20.10 and podman 4.3, and `--force-rm`. A relative `dockerfile` is
    /// relative to the context, as compose reads it (the engine would read
    /// it against its own working directory).
    pub fn build_args(self, image: &str, build: &crate::value::Map) -> Vec<String> {
        let get = |k: &str| build.get(k);
        let text = |k: &str| get(k).and_then(scalar_text);
        let context = text("context").unwrap_or_else(|| s("."));
        let mut a = vec![s("build"), format!("--tag={image}")];
        if let Some(Value::List(tags)) = get("tags") {
            a.extend(
                tags.iter()
                    .filter_map(scalar_text)
                    .map(|t| format!("--tag={t}")),
            );
        }
        // A failed step's intermediate container is removed too (docker
        // keeps it by default; podman's default already removes it).
        a.push(s("--force-rm"));
        if let Some(f) = text("dockerfile") {
            let f = std::path::Path::new(&context).join(f);
            a.push(format!("--file={}", f.display()));
        }
        a.extend(pairs(get("args")).map(|(k, v)| format!("--build-arg={k}={v}")));
        if let Some(t) = text("target") {
            a.push(format!("--target={t}"));
        }
        a.extend(pairs(get("labels")).map(|(k, v)| format!("--label={k}={v}")));
        if let Some(n) = text("network") {
            a.push(format!("--network={n}"));
        }
        if let Some(n) = text("shm_size") {
            a.push(format!("--shm-size={n}"));
        }
        if let Some(Value::List(hosts)) = get("extra_hosts") {
            a.extend(
                hosts
                    .iter()
                    .filter_map(scalar_text)
                    .map(|h| format!("--add-host={h}")),
            );
        }
        for (key, flag) in [("no_cache", "--no-cache"), ("pull", "--pull")] {
            if matches!(get(key), Some(Value::Bool(true))) {
                a.push(s(flag));
            }
        }
        a.push(s("--"));
        a.push(context);
        a
    }

    /// Removes a network (refused by the engine while a container uses it).
    pub fn network_rm_args(self, name: &str) -> Vec<String> {
        vec![s("network"), s("rm"), s("--"), s(name)]
    }

    /// Removes a volume (refused by the engine while a container uses it).
    pub fn volume_rm_args(self, name: &str) -> Vec<String> {
        vec![s("volume"), s("rm"), s("--"), s(name)]
    }

    /// `run` for an entry, under `name`, with its labels.
    ///
    /// ```
    /// use paunch::engine::argv::{LabelSet, Runtime};
    /// let config = paunch::Config::parse("web:\n  image: nginx:1.27\n  net: host\n", "x")?;
    /// let labels = LabelSet { managed_by: "paunch".into(), config_id: "v1".into(), extra: vec![] };
    /// let argv = Runtime::Docker.run_args(&config.entries[0], "web", &labels);
    /// assert_eq!(argv, [
    ///     "run", "--name=web",
    ///     "--label=config_id=v1", "--label=container_name=web", "--label=managed_by=paunch",
    ///     r#"--label=config_data={"image": "nginx:1.27", "net": "host"}"#,
    ///     "--detach=true", "--net=host", "nginx:1.27",
    /// ]);
    /// # Ok::<(), paunch::Error>(())
    /// ```
    pub fn run_args(self, entry: &Entry, name: &str, labels: &LabelSet) -> Vec<String> {
        self.run_args_joining(entry, name, labels, &[])
    }

    /// [`Runtime::run_args`], the entry's joins (`net: container:X`,
    /// `volumes_from: [X]`) pointed at the containers the planner resolved
    /// them to (`--net=container:X-1a2b3c4d`).
    pub fn run_args_joining(
        self,
        entry: &Entry,
        name: &str,
        labels: &LabelSet,
        joins: &[JoinTarget<'_>],
    ) -> Vec<String> {
        let head = self.labelled_run(entry, name, labels);
        self.container_args(entry, head, entry.image().unwrap_or_default(), joins)
    }

    /// Recreates a container a failed apply removed, as it was: its entry
    /// read back from its `config_data` label, its own labels, and the
    /// image by ID (`image`), since its tag may name another image now.
    /// `start` runs it (it was running); otherwise it is only created, as
    /// it was not.
    pub fn recreate_args(
        self,
        entry: &Entry,
        name: &str,
        labels: &LabelSet,
        image: &str,
        start: bool,
        joins: &[JoinTarget<'_>],
    ) -> Vec<String> {
        let mut head = self.labelled_run(entry, name, labels);
        if start {
            return self.container_args(entry, head, image, joins);
        }
        // `create` takes `run`'s flags but `--detach`.
        head[0] = s("create");
        self.flags_image_command(entry, head, image, joins)
    }

    /// `create` (`run`'s arguments but `--detach`) for a container that
    /// is connected to its further networks (`connect`) before it starts.
    pub fn create_args_joining(
        self,
        entry: &Entry,
        name: &str,
        labels: &LabelSet,
        joins: &[JoinTarget<'_>],
    ) -> Vec<String> {
        let mut head = self.labelled_run(entry, name, labels);
        head[0] = s("create");
        self.flags_image_command(entry, head, entry.image().unwrap_or_default(), joins)
    }

    /// The engine calls that connect a created container to the
    /// networks of its `connect` key (`NETWORK[=ALIAS,ALIAS]`), each with
    /// its aliases.
    ///
    /// ```
    /// use paunch::engine::argv::Runtime;
    /// let calls = Runtime::Docker.connect_args("web-1", &["back=api,web".to_string()]);
    /// assert_eq!(calls, [["network", "connect", "--alias=api", "--alias=web", "back", "web-1"]]);
    /// ```
    pub fn connect_args(self, name: &str, connect: &[String]) -> Vec<Vec<String>> {
        connect
            .iter()
            .map(|c| {
                let (net, aliases) = c.split_once('=').unwrap_or((c.as_str(), ""));
                let mut a = vec![s("network"), s("connect")];
                a.extend(
                    aliases
                        .split(',')
                        .filter(|x| !x.is_empty())
                        .map(|x| format!("--alias={x}")),
                );
                a.push(s(net));
                a.push(s(name));
                a
            })
            .collect()
    }

    /// `create` for a podman container that its systemd unit starts
    /// (`apply --systemd`, [`crate::systemd`]), as the original 4.5.1
    /// created it: `run`'s arguments but `--detach`, with
    /// `--conmon-pidfile=/run/NAME.pid` (the unit's `PIDFile=`: systemd
    /// follows the container's conmon through it) and without `--restart`
    /// (the unit's `Restart=` restarts it; podman's own policy would
    /// restart it behind systemd's back).
    ///
    /// ```
    /// use paunch::engine::argv::{LabelSet, Runtime};
    /// let config = paunch::Config::parse("web:\n  image: nginx:1.27\n  restart: always\n", "x")?;
    /// let labels = LabelSet { managed_by: "paunch".into(), config_id: "v1".into(), extra: vec![] };
    /// let argv = Runtime::Podman.unit_create_args(&config.entries[0], "web", &labels);
    /// assert_eq!(argv[0], "create");
    /// assert_eq!(argv[6], "--conmon-pidfile=/run/web.pid");
    /// assert_eq!(argv[7], "nginx:1.27");
    /// # Ok::<(), paunch::Error>(())
    /// ```
    pub fn unit_create_args(self, entry: &Entry, name: &str, labels: &LabelSet) -> Vec<String> {
        self.unit_create_args_joining(entry, name, labels, &[])
    }

    /// [`Runtime::unit_create_args`] with the joins resolved (see
    /// [`Runtime::run_args_joining`]).
    pub fn unit_create_args_joining(
        self,
        entry: &Entry,
        name: &str,
        labels: &LabelSet,
        joins: &[JoinTarget<'_>],
    ) -> Vec<String> {
        let mut a = self.labelled_run(entry, name, labels);
        a[0] = s("create");
        a.push(format!("--conmon-pidfile=/run/{name}.pid"));
        for (key, setting) in &entry.settings {
            if key.name != "restart" {
                emit_joined(key.name, key.emit, setting, joins, &mut a);
            }
        }
        self.pod_uts(entry, &mut a);
        self.exec_health(entry, &mut a);
        self.image_and_command(entry, a, entry.image().unwrap_or_default())
    }

    /// `run --name=NAME` and every label: `--label`s, the entry's own,
    /// then paunch's four.
    fn labelled_run(self, entry: &Entry, name: &str, labels: &LabelSet) -> Vec<String> {
        let mut a = vec![s("run"), format!("--name={name}")];
        for (k, v) in &labels.extra {
            a.push(format!("--label={k}={v}"));
        }
        for l in entry.strings("labels") {
            a.push(format!("--label={l}"));
        }
        // The built-in four go last so nothing can override them.
        a.push(format!(
            "--label={}={}",
            labels::CONFIG_ID,
            labels.config_id
        ));
        a.push(format!("--label={}={}", labels::CONTAINER_NAME, entry.name));
        a.push(format!(
            "--label={}={}",
            labels::MANAGED_BY,
            labels.managed_by
        ));
        a.push(format!(
            "--label={}={}",
            labels::CONFIG_DATA,
            entry.config_data()
        ));
        a
    }

    /// `run` for `paunch debug --action run`: the entry's own arguments,
    /// but none of paunch's four labels (only `paunch_debug=ENTRY`), so no
    /// apply ever counts the container as one of its own.
    pub fn debug_run_args(
        self,
        entry: &Entry,
        name: &str,
        extra: &[(String, String)],
    ) -> Vec<String> {
        let mut a = vec![s("run"), format!("--name={name}")];
        for (k, v) in extra {
            a.push(format!("--label={k}={v}"));
        }
        for l in entry.strings("labels") {
            a.push(format!("--label={l}"));
        }
        a.push(format!("--label=paunch_debug={}", entry.name));
        self.container_args(entry, a, entry.image().unwrap_or_default(), &[])
    }

    /// The entry's flags, image and command after the name and labels.
    fn container_args(
        self,
        entry: &Entry,
        mut a: Vec<String>,
        image: &str,
        joins: &[JoinTarget<'_>],
    ) -> Vec<String> {
        if entry.detach() {
            a.push(s("--detach=true"));
        }
        self.flags_image_command(entry, a, image, joins)
    }

    /// The entry's flags (its joins resolved), then image and command.
    fn flags_image_command(
        self,
        entry: &Entry,
        mut a: Vec<String>,
        image: &str,
        joins: &[JoinTarget<'_>],
    ) -> Vec<String> {
        for (key, setting) in &entry.settings {
            emit_joined(key.name, key.emit, setting, joins, &mut a);
        }
        self.pod_uts(entry, &mut a);
        self.exec_health(entry, &mut a);
        self.image_and_command(entry, a, image)
    }

    /// podman: an exec-form healthcheck as a JSON array, which podman runs
    /// without a shell (as Kubernetes runs an exec probe). Without `CMD`:
    /// podman splits a `CMD` array's words again at spaces; one word is
    /// `["CMD", word]` (an array of one word would be run by a shell).
    fn exec_health(self, entry: &Entry, a: &mut [String]) {
        let Some(Setting::Healthcheck(h)) = entry.setting("healthcheck") else {
            return;
        };
        let (Runtime::Podman, Some(words), false) = (self, &h.exec, h.disable) else {
            return;
        };
        let array = if words.len() == 1 && !words[0].contains(char::is_whitespace) {
            vec!["CMD".to_string(), words[0].clone()]
        } else if words.len() == 1 {
            return;
        } else {
            words.clone()
        };
        let json = serde_json::to_string(&array).unwrap_or_default();
        if let Some(arg) = a.iter_mut().find(|x| x.starts_with("--health-cmd=")) {
            *arg = format!("--health-cmd={json}");
        }
    }

    /// podman: a container of a Kubernetes Pod joining its infra
    /// container's network joins its UTS namespace too (its hostname), as
    /// docker does by itself with `--net=container:X` (and refuses
    /// `--uts=container:X`).
    fn pod_uts(self, entry: &Entry, a: &mut Vec<String>) {
        if self != Runtime::Podman
            || entry.setting("uts").is_some()
            || !entry
                .strings("labels")
                .iter()
                .any(|l| l.starts_with(&format!("{}=", crate::config::kube::POD_LABEL)))
        {
            return;
        }
        if let Some(joined) = a.iter().find_map(|x| x.strip_prefix("--net=container:")) {
            let uts = format!("--uts=container:{joined}");
            a.push(uts);
        }
    }

    /// `--entrypoint`, the image and the command, last.
    fn image_and_command(self, entry: &Entry, mut a: Vec<String>, image: &str) -> Vec<String> {
        let entrypoint = entry.strings("entrypoint");
        if let Some((first, _)) = entrypoint.split_first() {
            a.push(format!("--entrypoint={first}"));
        } else if entry.setting("entrypoint").is_some() {
            a.push(s("--entrypoint="));
        }
        a.push(image.to_string());
        a.extend(entrypoint.iter().skip(1).cloned());
        a.extend(entry.command().iter().cloned());
        a
    }

    /// `exec` for an exec entry into `target`.
    pub fn exec_args(self, entry: &Entry, target: &str) -> Vec<String> {
        let mut a = vec![s("exec")];
        if let Some(p) = entry.bool("privileged") {
            a.push(format!("--privileged={p}"));
        }
        if let Some(u) = entry.string("user") {
            a.push(format!("--user={u}"));
        }
        for e in entry.strings("environment") {
            a.push(format!("--env={e}"));
        }
        // `--` ends the engine's options (docker and podman both take it
        // before the container): the target is never read as one, whatever
        // validation let through.
        a.push(s("--"));
        a.push(s(target));
        a.extend(entry.command().iter().skip(1).cloned());
        a
    }
}

/// A join the planner resolved: the entry's `key` (`net`, `ipc`, `pid`,
/// `volumes_from`) names container `wanted`, which is `container` now (this
/// config ID's new container, a suffixed name, or `wanted` itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinTarget<'a> {
    /// The key that joins.
    pub key: &'a str,
    /// The container the entry names.
    pub wanted: &'a str,
    /// The container it joins.
    pub container: &'a str,
}

/// paunch's labels of a network or volume it creates: `managed_by`,
/// `config_id`, and its definition as `config_data`.
fn resource_labels(r: &Resource, set: &LabelSet) -> Vec<String> {
    vec![
        format!("--label={}={}", labels::MANAGED_BY, set.managed_by),
        format!("--label={}={}", labels::CONFIG_ID, set.config_id),
        format!(
            "--label={}={}",
            labels::CONFIG_DATA,
            resource_config_data(r)
        ),
    ]
}

/// The `config_data` label of a network or volume: the JSON of its
/// definition, as the original's encoder writes a container's.
pub fn resource_config_data(r: &Resource) -> String {
    crate::labels::encode_config_data(&r.data)
}

/// `--label=K=V` as one CSV field, quoted when it must be (a `"`, a
/// comma, a line break, or space at either end), its quotes doubled.
fn csv_field_label(arg: &str) -> String {
    let Some(kv) = arg.strip_prefix("--label=") else {
        return arg.to_string();
    };
    let special = |c: char| matches!(c, '"' | ',' | '\n' | '\r');
    if !kv.contains(special) && kv.trim() == kv {
        return arg.to_string();
    }
    format!("--label=\"{}\"", kv.replace('"', "\"\""))
}

/// The definition's own `labels`, except any that would overwrite one of
/// paunch's (the resource would no longer be recognised as its own).
fn user_labels(r: &Resource) -> Vec<String> {
    let given = r.data.as_map().and_then(|m| m.get("labels"));
    pairs(given)
        .filter(|(k, _)| !labels::RESERVED.contains(&k.as_str()))
        .map(|(k, v)| format!("--label={k}={v}"))
        .collect()
}

/// A map's entries as `(key, text)`, in order; a list of `k=v` strings
/// (compose's other form) split at the first `=`.
fn pairs(v: Option<&Value>) -> impl Iterator<Item = (String, String)> + '_ {
    let from_map = v.and_then(Value::as_map).into_iter().flat_map(|m| {
        m.iter()
            .map(|(k, v)| (k.clone(), scalar_text(v).unwrap_or_default()))
    });
    let from_list = v.and_then(list).into_iter().flat_map(|l| {
        l.iter()
            .filter_map(scalar_text)
            .map(|t| match t.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (t, String::new()),
            })
    });
    from_map.chain(from_list)
}

fn list(v: &Value) -> Option<&Vec<Value>> {
    match v {
        Value::List(l) => Some(l),
        _ => None,
    }
}

/// A scalar as the engine reads it on its command line.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(t) => Some(t.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// compose's `ipam`: `driver`, `options`, and per `config` item its
/// `subnet`, `ip_range`, `gateway` and `aux_addresses` (docker takes each
/// after the `--subnet` it belongs to).
fn ipam_args(ipam: &crate::value::Map) -> Vec<String> {
    let mut a = Vec::new();
    if let Some(d) = ipam.get("driver").and_then(scalar_text) {
        a.push(format!("--ipam-driver={d}"));
    }
    a.extend(pairs(ipam.get("options")).map(|(k, v)| format!("--ipam-opt={k}={v}")));
    let configs = ipam.get("config").and_then(list);
    for c in configs.into_iter().flatten().filter_map(Value::as_map) {
        for (key, flag) in [
            ("subnet", "--subnet"),
            ("ip_range", "--ip-range"),
            ("gateway", "--gateway"),
        ] {
            if let Some(v) = c.get(key).and_then(scalar_text) {
                a.push(format!("{flag}={v}"));
            }
        }
        a.extend(pairs(c.get("aux_addresses")).map(|(k, v)| format!("--aux-address={k}={v}")));
    }
    a
}

/// How a container is removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removal {
    /// `--force`: stop it first (what podman needs for a container a
    /// killed podman left "removing").
    pub force: bool,
    /// `--volumes`: its anonymous volumes go with it (a Pod's emptyDirs).
    pub volumes: bool,
}

/// [`emit`], a join key's value pointed at the container it resolved to:
/// `container:X` → `container:X-1a2b3c4d`, `X:ro` → `X-1a2b3c4d:ro`.
fn emit_joined(
    key: &str,
    how: Emit,
    setting: &Setting,
    joins: &[JoinTarget<'_>],
    a: &mut Vec<String>,
) {
    let Setting::Strings(values) = setting else {
        return emit(how, setting, a);
    };
    let mine: Vec<&JoinTarget<'_>> = joins.iter().filter(|j| j.key == key).collect();
    if mine.is_empty() {
        return emit(how, setting, a);
    }
    let resolve = |value: &String| -> String {
        let found = |x: &str| mine.iter().find(|j| j.wanted == x && j.container != x);
        if key == "volumes_from" {
            let (x, mode) = match value.rsplit_once(':') {
                Some((x, m)) if m == "ro" || m == "rw" => (x, format!(":{m}")),
                _ => (value.as_str(), String::new()),
            };
            found(x).map_or_else(|| value.clone(), |j| format!("{}{mode}", j.container))
        } else {
            value
                .strip_prefix("container:")
                .and_then(found)
                .map_or_else(|| value.clone(), |j| format!("container:{}", j.container))
        }
    };
    let resolved = Setting::Strings(values.iter().map(resolve).collect());
    emit(how, &resolved, a);
}

fn emit(how: Emit, setting: &Setting, a: &mut Vec<String>) {
    match (how, setting) {
        (Emit::Each(flag), Setting::Strings(values)) => {
            a.extend(values.iter().map(|v| format!("{flag}={v}")));
        }
        (Emit::EachUnless(flag, default), Setting::Strings(values)) => {
            a.extend(
                values
                    .iter()
                    .filter(|v| v.as_str() != default)
                    .map(|v| format!("{flag}={v}")),
            );
        }
        (Emit::Each(flag), Setting::Int(i)) => a.push(format!("{flag}={i}")),
        (Emit::Switch(flag), Setting::Bool(true)) => a.push(s(flag)),
        (Emit::BoolValue(flag), Setting::Bool(b)) => a.push(format!("{flag}={b}")),
        (Emit::Prefixed(flag, prefix), Setting::Strings(values)) => {
            a.extend(values.iter().map(|v| format!("{flag}={prefix}{v}")));
        }
        (Emit::Healthcheck, Setting::Healthcheck(h)) => {
            if h.disable {
                a.push(s("--no-healthcheck"));
                return;
            }
            if let Some(t) = &h.test {
                a.push(format!("--health-cmd={t}"));
            }
            if let Some(v) = &h.interval {
                a.push(format!("--health-interval={v}"));
            }
            if let Some(v) = &h.timeout {
                a.push(format!("--health-timeout={v}"));
            }
            if let Some(v) = &h.start_period {
                a.push(format!("--health-start-period={v}"));
            }
            if let Some(v) = h.retries {
                a.push(format!("--health-retries={v}"));
            }
        }
        // `detach` is placed with the labels; keys that emit nothing, and
        // switches that are off, add nothing.
        (Emit::Nothing | Emit::Detach, _) | (Emit::Switch(_), Setting::Bool(false)) => {}
        // Any other pairing would be a key whose shape does not fit its
        // emit: `keys::tests::every_shape_fits_its_emit` rules that out.
        _ => {}
    }
}

/// Joins words into a command line a POSIX shell reads back as the same
/// words: for showing a command (logs, `debug --action print-cmd`, `show
/// -v`), never for running one.
pub fn shell_join(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| {
            // A control character (or a bidirectional override) would act
            // on the reader's terminal inside plain quotes: bash's $'...'
            // spells it out and still pastes as the same word.
            if crate::mask::escape_controls(w) != *w || w.contains('\n') {
                return ansi_c_quote(w);
            }
            match shlex::try_quote(w) {
                Ok(q) => q.into_owned(),
                // Only a NUL byte cannot be quoted; show it escaped.
                Err(_) => format!("{w:?}"),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A word as bash's `$'...'`: printable characters as they are, `\\` and
/// `\'` escaped, everything else as `\xNN` or `\uNNNN`.
fn ansi_c_quote(w: &str) -> String {
    let mut out = String::from("$'");
    for c in w.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 && c.is_control() => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if crate::mask::escape_controls(c.encode_utf8(&mut [0; 4])).len() > c.len_utf8() => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A network's and a volume's argv: paunch's labels first, then the
    /// definition, a label that would pass for paunch's dropped, `--`
    /// before the name; podman's volume labels CSV-quoted.
    #[test]
    fn networks_and_volumes_are_created_with_labels_and_their_definition() {
        use crate::config::{Resource, ResourceKind};
        let data = r#"{"driver": "bridge", "driver_opts": {"mtu": "1400"}, "internal": true,
            "enable_ipv6": true, "labels": {"tier": "back", "config_id": "forged"},
            "ipam": {"driver": "default", "config": [{"subnet": "10.5.0.0/16", "gateway": "10.5.0.1"}]}}"#;
        let net = Resource {
            kind: ResourceKind::Network,
            name: "p_default".into(),
            data: serde_json::from_str(data).unwrap(),
            external: false,
        };
        let set = LabelSet {
            managed_by: "paunch".into(),
            config_id: "p".into(),
            extra: vec![],
        };
        let argv = Runtime::Docker.network_create_args(&net, &set);
        let config_data = format!("--label=config_data={}", resource_config_data(&net));
        assert_eq!(
            argv,
            [
                "network",
                "create",
                "--label=managed_by=paunch",
                "--label=config_id=p",
                &config_data,
                "--driver=bridge",
                "--opt=mtu=1400",
                "--internal",
                "--ipv6",
                "--ipam-driver=default",
                "--subnet=10.5.0.0/16",
                "--gateway=10.5.0.1",
                "--label=tier=back",
                "--",
                "p_default",
            ]
        );
        let vol = Resource {
            kind: ResourceKind::Volume,
            name: "p_data".into(),
            data: serde_json::from_str(r#"{"driver": "local", "labels": {"a": "x,y"}}"#).unwrap(),
            external: false,
        };
        let docker = Runtime::Docker.volume_create_args(&vol, &set);
        assert_eq!(
            docker[4],
            r#"--label=config_data={"driver": "local", "labels": {"a": "x,y"}}"#
        );
        assert_eq!(
            docker[5..],
            ["--driver=local", "--label=a=x,y", "--", "p_data"]
        );
        let podman = Runtime::Podman.volume_create_args(&vol, &set);
        assert_eq!(podman[2], "--label=managed_by=paunch");
        assert_eq!(
            podman[4],
            r#"--label="config_data={""driver"": ""local"", ""labels"": {""a"": ""x,y""}}""#
        );
        assert_eq!(podman[6], r#"--label="a=x,y""#);
        assert_eq!(
            Runtime::Podman.network_rm_args("n"),
            ["network", "rm", "--", "n"]
        );
    }

    #[test]
    fn quoting_round_trips() {
        let words = [
            "docker",
            "run",
            "--label=config_data={\"a\": \"b c\"}",
            "it's",
            "",
        ];
        let line = shell_join(&words);
        assert_eq!(shlex::split(&line).unwrap(), words);
    }

    #[test]
    fn control_characters_are_spelled_out() {
        let line = shell_join(&["echo", "a\u{1b}[8mb", "x\u{202e}y", "it's\n"]);
        assert_eq!(line, "echo $'a\\x1b[8mb' $'x\\u202ey' $'it\\'s\\n'");
        assert!(!line.chars().any(|c| c.is_control()));
    }

    fn entry(yaml: &str) -> Entry {
        crate::Config::parse(yaml, "t").unwrap().entries.remove(0)
    }

    #[test]
    fn podman_lists_and_inspects_its_own_way() {
        assert_eq!(
            Runtime::Docker.ps_args(),
            ["ps", "--all", "--no-trunc", "--format={{json .}}"]
        );
        assert_eq!(Runtime::Podman.ps_args(), ["ps", "--all", "--format=json"]);
        let ids = vec!["a".to_string(), "b".to_string()];
        assert_eq!(
            Runtime::Docker.inspect_args(&ids),
            ["inspect", "--type=container", "a", "b"]
        );
        assert_eq!(
            Runtime::Podman.inspect_args(&ids),
            ["container", "inspect", "a", "b"]
        );
        assert_eq!(
            Runtime::Podman.image_inspect_args(&ids),
            ["image", "inspect", "a", "b"]
        );
        assert_eq!(Runtime::Podman.program(), "podman");
    }

    #[test]
    fn podman_runs_with_the_same_verbs() {
        let e = entry("web:\n  image: nginx:1\n  net: host\n  stop_grace_period: 5\n");
        let labels = LabelSet {
            managed_by: "m".into(),
            config_id: "c".into(),
            extra: vec![],
        };
        assert_eq!(
            Runtime::Podman.run_args(&e, "web", &labels),
            Runtime::Docker.run_args(&e, "web", &labels)
        );
        // A batch with a missing container stops (removes) the others, as
        // docker's does.
        assert_eq!(
            Runtime::Podman.stop_args(Some(5), "x"),
            ["stop", "--ignore", "--time=5", "x"]
        );
        assert_eq!(Runtime::Podman.rm_args("x"), ["rm", "--ignore", "x"]);
        assert_eq!(
            Runtime::Docker.stop_args(Some(5), "x"),
            ["stop", "--time=5", "x"]
        );
        assert_eq!(Runtime::Podman.rename_args("x", "y"), ["rename", "x", "y"]);
    }

    #[test]
    fn user_labels_come_before_the_built_in_four() {
        let e = entry("web:\n  image: nginx:1\n  labels: {team: a}\n");
        let labels = LabelSet {
            managed_by: "m".into(),
            config_id: "c".into(),
            extra: vec![("cli".into(), "1".into())],
        };
        let a = Runtime::Docker.run_args(&e, "web", &labels);
        assert_eq!(
            &a[2..8],
            [
                "--label=cli=1",
                "--label=team=a",
                "--label=config_id=c",
                "--label=container_name=web",
                "--label=managed_by=m",
                r#"--label=config_data={"image": "nginx:1", "labels": {"team": "a"}}"#,
            ]
        );
    }

    #[test]
    fn values_are_single_argv_elements() {
        let e = entry(
            "xx:\n  image: nginx:1\n  user: '--privileged'\n  hostname: 'a; rm -rf /'\n  command: '--rm'\n",
        );
        let a = Runtime::Docker.run_args(&e, "xx", &LabelSet::default());
        assert!(a.contains(&"--user=--privileged".to_string()));
        assert!(a.contains(&"--hostname=a; rm -rf /".to_string()));
        assert_eq!(a[a.len() - 2..], ["nginx:1", "--rm"]);
    }

    #[test]
    fn exec_passes_user_privileged_and_env() {
        let e = entry(
            "fix:\n  action: exec\n  command: [web, chown, -R, app, /data]\n  user: root\n  privileged: true\n  environment: {A: '1'}\n",
        );
        assert_eq!(
            Runtime::Docker.exec_args(&e, "web-abc"),
            [
                "exec",
                "--privileged=true",
                "--user=root",
                "--env=A=1",
                "--",
                "web-abc",
                "chown",
                "-R",
                "app",
                "/data"
            ]
        );
    }

    #[test]
    fn podman_pulls_half_as_often_as_it_retries_itself() {
        assert_eq!(Runtime::Docker.pull_calls(4), 4);
        assert_eq!(Runtime::Podman.pull_calls(4), 2);
        assert_eq!(Runtime::Podman.pull_calls(1), 1);
    }
}
