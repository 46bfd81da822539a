//! Every Kubernetes field paunch knows, in one table: what it becomes
//! ([`Treat`]), per object kind. The reader accepts exactly these fields
//! (anything else is an unknown field, with a did-you-mean), the exporter
//! writes only these, and docs/kubernetes.md is generated from it (its
//! export table from the key table's export columns, [`crate::config::keys`]).

/// What a field becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treat {
    /// Read: it becomes the paunch keys named (a short description).
    Read(&'static str),
    /// An object of the named kind, read field by field.
    Object(&'static str),
    /// A list of objects of the named kind.
    List(&'static str),
    /// Accepted, with no meaning on one host: listed as a note.
    Note,
    /// Needs a cluster (an API server, a kubelet with its volume plugins):
    /// an error.
    Cluster,
    /// Meaningful, but not something paunch can do: an error saying why.
    Refused(&'static str),
}

/// One field of one object kind.
#[derive(Debug, PartialEq, Eq)]
pub struct Field {
    /// The object kind (`Container`, `PodSpec`, ...).
    pub object: &'static str,
    /// The field as written.
    pub name: &'static str,
    /// What it becomes.
    pub treat: Treat,
    /// One line for docs/kubernetes.md (for `Read`: how).
    pub doc: &'static str,
}

const fn f(object: &'static str, name: &'static str, treat: Treat, doc: &'static str) -> Field {
    Field {
        object,
        name,
        treat,
        doc,
    }
}

use Treat::*;

/// Why a field of an unsupported probe or hook kind is refused.
const NO_HOOKS: &str =
    "paunch runs no lifecycle hooks; run the command in the container's own entrypoint";

/// Every field, by object kind.
pub static FIELDS: &[Field] = &[
    // A document.
    f("Pod", "apiVersion", Read("—"), "`v1`."),
    f("Pod", "kind", Read("—"), "`Pod`."),
    f(
        "Pod",
        "metadata",
        Object("ObjectMeta"),
        "The Pod's name and labels.",
    ),
    f("Pod", "spec", Object("PodSpec"), "The Pod."),
    f("Pod", "status", Note, "Written by a cluster."),
    f("Deployment", "apiVersion", Read("—"), "`apps/v1`."),
    f("Deployment", "kind", Read("—"), "`Deployment`."),
    f(
        "Deployment",
        "metadata",
        Object("ObjectMeta"),
        "Its name N names the Pod `N-pod`, as podman does.",
    ),
    f(
        "Deployment",
        "spec",
        Object("DeploymentSpec"),
        "The Deployment.",
    ),
    f("Deployment", "status", Note, "Written by a cluster."),
    f(
        "DeploymentSpec",
        "replicas",
        Read("—"),
        "N copies (0 to 100): the first Pod `D-pod` (podman's name), the others `D-pod-1` ... `D-pod-(N-1)`; a scale down removes the highest. A `hostPort` on more than one copy is an error.",
    ),
    f(
        "DeploymentSpec",
        "selector",
        Note,
        "No controller on one host.",
    ),
    f(
        "DeploymentSpec",
        "template",
        Object("PodTemplateSpec"),
        "The Pod.",
    ),
    f(
        "DeploymentSpec",
        "strategy",
        Note,
        "paunch replaces a changed container at its turn.",
    ),
    f(
        "DeploymentSpec",
        "minReadySeconds",
        Note,
        "Use `apply --wait`.",
    ),
    f(
        "DeploymentSpec",
        "revisionHistoryLimit",
        Note,
        "No controller on one host.",
    ),
    f(
        "DeploymentSpec",
        "progressDeadlineSeconds",
        Note,
        "Use `apply --wait-timeout`.",
    ),
    f(
        "DeploymentSpec",
        "paused",
        Note,
        "No controller on one host.",
    ),
    f("ReplicaSet", "apiVersion", Read("—"), "`apps/v1`."),
    f("ReplicaSet", "kind", Read("—"), "`ReplicaSet`."),
    f(
        "ReplicaSet",
        "metadata",
        Object("ObjectMeta"),
        "Its name N names its Pods as a Deployment's: `N-pod`, `N-pod-1`, ...",
    ),
    f(
        "ReplicaSet",
        "spec",
        Object("ReplicaSetSpec"),
        "The ReplicaSet.",
    ),
    f("ReplicaSet", "status", Note, "Written by a cluster."),
    f(
        "ReplicaSetSpec",
        "replicas",
        Read("—"),
        "N copies, named and scaled as a Deployment's.",
    ),
    f(
        "ReplicaSetSpec",
        "selector",
        Note,
        "No controller on one host.",
    ),
    f(
        "ReplicaSetSpec",
        "template",
        Object("PodTemplateSpec"),
        "The Pod.",
    ),
    f(
        "ReplicaSetSpec",
        "minReadySeconds",
        Note,
        "Use `apply --wait`.",
    ),
    f("Job", "apiVersion", Read("—"), "`batch/v1`."),
    f("Job", "kind", Read("—"), "`Job`."),
    f(
        "Job",
        "metadata",
        Object("ObjectMeta"),
        "Its name N names its Pod `N-pod`, as a Deployment's.",
    ),
    f(
        "Job",
        "spec",
        Object("JobSpec"),
        "The Job: its Pod, run once.",
    ),
    f("Job", "status", Note, "Written by a cluster."),
    f("JobSpec", "template", Object("PodTemplateSpec"), "The Pod."),
    f(
        "JobSpec",
        "backoffLimit",
        Note,
        "paunch runs a Pod once per apply; an exported blocking entry says 0.",
    ),
    f("JobSpec", "completions", Note, "One run per apply."),
    f("JobSpec", "parallelism", Note, "One run per apply."),
    f(
        "JobSpec",
        "activeDeadlineSeconds",
        Note,
        "Use `apply --wait-timeout`.",
    ),
    f(
        "JobSpec",
        "ttlSecondsAfterFinished",
        Note,
        "No controller on one host.",
    ),
    f("JobSpec", "selector", Note, "No controller on one host."),
    f(
        "JobSpec",
        "manualSelector",
        Note,
        "No controller on one host.",
    ),
    f("JobSpec", "suspend", Note, "No controller on one host."),
    f("StatefulSet", "apiVersion", Read("—"), "`apps/v1`."),
    f("StatefulSet", "kind", Read("—"), "`StatefulSet`."),
    f(
        "StatefulSet",
        "metadata",
        Object("ObjectMeta"),
        "Its name N names its Pods as Kubernetes does: `N-0`, `N-1`, ...",
    ),
    f(
        "StatefulSet",
        "spec",
        Object("StatefulSetSpec"),
        "The StatefulSet.",
    ),
    f("StatefulSet", "status", Note, "Written by a cluster."),
    f(
        "StatefulSetSpec",
        "replicas",
        Read("—"),
        "N copies `N-0` ... `N-(N-1)`; a scale down removes the highest (their claims are kept).",
    ),
    f(
        "StatefulSetSpec",
        "selector",
        Note,
        "No controller on one host.",
    ),
    f(
        "StatefulSetSpec",
        "template",
        Object("PodTemplateSpec"),
        "The Pod.",
    ),
    f(
        "StatefulSetSpec",
        "volumeClaimTemplates",
        Read("`volumes`"),
        "Claim template T of copy I is the named volume `T-N-I`, mounted by the volume mounts naming T.",
    ),
    f(
        "StatefulSetSpec",
        "serviceName",
        Note,
        "No service proxy on one host.",
    ),
    f(
        "StatefulSetSpec",
        "podManagementPolicy",
        Note,
        "The copies are started together.",
    ),
    f(
        "StatefulSetSpec",
        "updateStrategy",
        Note,
        "paunch replaces a changed container at its turn.",
    ),
    f(
        "StatefulSetSpec",
        "revisionHistoryLimit",
        Note,
        "No controller on one host.",
    ),
    f(
        "StatefulSetSpec",
        "minReadySeconds",
        Note,
        "Use `apply --wait`.",
    ),
    f(
        "StatefulSetSpec",
        "persistentVolumeClaimRetentionPolicy",
        Note,
        "Claims are always kept.",
    ),
    f(
        "StatefulSetSpec",
        "ordinals",
        Refused("copies are numbered from 0"),
        "Refused.",
    ),
    f(
        "PodTemplateSpec",
        "metadata",
        Object("ObjectMeta"),
        "Its labels label every container.",
    ),
    f("PodTemplateSpec", "spec", Object("PodSpec"), "The Pod."),
    f("ConfigMap", "apiVersion", Read("—"), "`v1`."),
    f("ConfigMap", "kind", Read("—"), "`ConfigMap`."),
    f(
        "ConfigMap",
        "metadata",
        Object("ObjectMeta"),
        "Its name, as the Pods of the file name it.",
    ),
    f(
        "ConfigMap",
        "data",
        Read("`environment`, files"),
        "Its keys, for `env`, `envFrom` and `configMap` volumes.",
    ),
    f(
        "ConfigMap",
        "binaryData",
        Read("files"),
        "Base64 keys, for `configMap` volumes.",
    ),
    f("ConfigMap", "immutable", Note, "Not used on one host."),
    f("Secret", "apiVersion", Read("—"), "`v1`."),
    f("Secret", "kind", Read("—"), "`Secret`."),
    f(
        "Secret",
        "metadata",
        Object("ObjectMeta"),
        "Its name, as the Pods of the file name it.",
    ),
    f(
        "Secret",
        "data",
        Read("`environment`, files"),
        "Base64 keys; every value sensitive.",
    ),
    f(
        "Secret",
        "stringData",
        Read("`environment`, files"),
        "Plain keys (over `data`'s); every value sensitive.",
    ),
    f("Secret", "type", Note, "Not used on one host."),
    f("Secret", "immutable", Note, "Not used on one host."),
    f("PersistentVolumeClaim", "apiVersion", Read("—"), "`v1`."),
    f(
        "PersistentVolumeClaim",
        "kind",
        Read("—"),
        "`PersistentVolumeClaim`.",
    ),
    f(
        "PersistentVolumeClaim",
        "metadata",
        Object("ObjectMeta"),
        "Its name: the named volume of the `persistentVolumeClaim` volumes naming it.",
    ),
    f(
        "PersistentVolumeClaim",
        "spec",
        Note,
        "The engine's local volume driver holds it: no size, class or access mode.",
    ),
    f(
        "PersistentVolumeClaim",
        "status",
        Note,
        "Written by a cluster.",
    ),
    f("Service", "apiVersion", Read("—"), "`v1`."),
    f("Service", "kind", Read("—"), "`Service`."),
    f("Service", "metadata", Object("ObjectMeta"), "Its name."),
    f(
        "Service",
        "spec",
        Note,
        "No service proxy on one host: a container's `hostPort` is what publishes.",
    ),
    f("Service", "status", Note, "Written by a cluster."),
    // Metadata.
    f(
        "ObjectMeta",
        "name",
        Read("container names"),
        "Pod P's container C is the container `P-C`; its infra container `P-infra`.",
    ),
    f(
        "ObjectMeta",
        "labels",
        Read("`labels`"),
        "On every container of the Pod (with `paunch.pod: P`).",
    ),
    f(
        "ObjectMeta",
        "namespace",
        Note,
        "One host has no namespaces.",
    ),
    f("ObjectMeta", "annotations", Note, "Not used on one host."),
    f(
        "ObjectMeta",
        "creationTimestamp",
        Note,
        "Written by a cluster.",
    ),
    f("ObjectMeta", "uid", Note, "Written by a cluster."),
    f(
        "ObjectMeta",
        "resourceVersion",
        Note,
        "Written by a cluster.",
    ),
    f("ObjectMeta", "generation", Note, "Written by a cluster."),
    f("ObjectMeta", "managedFields", Note, "Written by a cluster."),
    f(
        "ObjectMeta",
        "ownerReferences",
        Note,
        "Written by a cluster.",
    ),
    f("ObjectMeta", "finalizers", Note, "Written by a cluster."),
    f(
        "ObjectMeta",
        "generateName",
        Refused("container names must be stable for apply to converge; give `name`"),
        "Refused: names must be stable.",
    ),
    // The Pod.
    f(
        "PodSpec",
        "containers",
        List("Container"),
        "The app containers: detached, started together after the init containers.",
    ),
    f(
        "PodSpec",
        "resources",
        Object("Resources"),
        "The Pod's limits and requests: those of each container that gives none of its own (one host has no Pod cgroup: each container may use them all).",
    ),
    f(
        "PodSpec",
        "initContainers",
        List("Container"),
        "`detach: false`, one `start_order` each, in order, before the app containers; each must exit 0.",
    ),
    f(
        "PodSpec",
        "volumes",
        List("Volume"),
        "Mounted through `volumeMounts`.",
    ),
    f(
        "PodSpec",
        "restartPolicy",
        Read("`restart`"),
        "App containers: Always → `always`, OnFailure → `on-failure`, Never → `no`.",
    ),
    f(
        "PodSpec",
        "terminationGracePeriodSeconds",
        Read("`stop_grace_period`"),
        "On every container.",
    ),
    f(
        "PodSpec",
        "hostname",
        Read("`hostname`"),
        "Of the infra container (default: the Pod's name); the others share it.",
    ),
    f(
        "PodSpec",
        "hostAliases",
        List("HostAlias"),
        "`extra_hosts` of the infra container.",
    ),
    f(
        "PodSpec",
        "dnsConfig",
        Object("PodDNSConfig"),
        "`dns`, `dns_search` of the infra container.",
    ),
    f(
        "PodSpec",
        "hostNetwork",
        Read("`net: host`"),
        "On every container (no network through the infra container).",
    ),
    f(
        "PodSpec",
        "hostPID",
        Read("`pid: host`"),
        "On every container.",
    ),
    f(
        "PodSpec",
        "hostIPC",
        Read("`ipc: host`"),
        "On every container.",
    ),
    f(
        "PodSpec",
        "shareProcessNamespace",
        Read("`pid: container:P-infra`"),
        "The containers share the infra container's PID namespace.",
    ),
    f(
        "PodSpec",
        "securityContext",
        Object("PodSecurityContext"),
        "Defaults for every container.",
    ),
    f(
        "PodSpec",
        "dnsPolicy",
        Note,
        "The engine's resolver is used.",
    ),
    f("PodSpec", "subdomain", Note, "No cluster DNS."),
    f("PodSpec", "nodeSelector", Note, "One host."),
    f("PodSpec", "nodeName", Note, "One host."),
    f("PodSpec", "affinity", Note, "One host."),
    f("PodSpec", "tolerations", Note, "One host."),
    f("PodSpec", "topologySpreadConstraints", Note, "One host."),
    f("PodSpec", "schedulerName", Note, "No scheduler."),
    f("PodSpec", "priority", Note, "No scheduler."),
    f("PodSpec", "priorityClassName", Note, "No scheduler."),
    f("PodSpec", "preemptionPolicy", Note, "No scheduler."),
    f("PodSpec", "readinessGates", Note, "No controller."),
    f(
        "PodSpec",
        "runtimeClassName",
        Note,
        "The engine's runtime is used.",
    ),
    f("PodSpec", "overhead", Note, "No scheduler."),
    f("PodSpec", "os", Note, "The host's OS."),
    f(
        "PodSpec",
        "serviceAccountName",
        Note,
        "No API server to authenticate to.",
    ),
    f(
        "PodSpec",
        "serviceAccount",
        Note,
        "No API server to authenticate to.",
    ),
    f(
        "PodSpec",
        "automountServiceAccountToken",
        Note,
        "No token to mount.",
    ),
    f("PodSpec", "enableServiceLinks", Note, "No services."),
    f(
        "PodSpec",
        "imagePullSecrets",
        Note,
        "The engine's own login is used (`docker login`).",
    ),
    f(
        "PodSpec",
        "activeDeadlineSeconds",
        Refused("paunch does not kill a Pod after a deadline"),
        "Refused.",
    ),
    f(
        "PodSpec",
        "ephemeralContainers",
        Cluster,
        "Added by the API server; an error.",
    ),
    f(
        "PodSpec",
        "resourceClaims",
        Cluster,
        "Dynamic resource allocation needs a cluster; an error.",
    ),
    f("PodSpec", "schedulingGates", Note, "No scheduler."),
    f(
        "PodSpec",
        "setHostnameAsFQDN",
        Note,
        "Not used on one host.",
    ),
    f(
        "PodSpec",
        "hostUsers",
        Refused("user namespaces per Pod are not supported; remove it"),
        "Refused.",
    ),
    f(
        "PodDNSConfig",
        "nameservers",
        Read("`dns`"),
        "Of the infra container.",
    ),
    f(
        "PodDNSConfig",
        "searches",
        Read("`dns_search`"),
        "Of the infra container.",
    ),
    f(
        "PodDNSConfig",
        "options",
        Refused("resolver options are not supported; remove them"),
        "Refused.",
    ),
    f(
        "HostAlias",
        "ip",
        Read("`extra_hosts`"),
        "`HOST:IP` for each hostname.",
    ),
    f(
        "HostAlias",
        "hostnames",
        Read("`extra_hosts`"),
        "The names of the IP.",
    ),
    f(
        "PodSecurityContext",
        "runAsUser",
        Read("`user`"),
        "Default UID of every container.",
    ),
    f(
        "PodSecurityContext",
        "runAsGroup",
        Read("`user`"),
        "Default GID of every container (`UID:GID`).",
    ),
    f(
        "PodSecurityContext",
        "supplementalGroups",
        Read("`group_add`"),
        "On every container.",
    ),
    f(
        "PodSecurityContext",
        "sysctls",
        List("Sysctl"),
        "`sysctls` of the infra container (they are namespaced).",
    ),
    f("PodSecurityContext", "runAsNonRoot", Note, "Not checked."),
    f(
        "PodSecurityContext",
        "fsGroup",
        Note,
        "Volumes are not chowned.",
    ),
    f(
        "PodSecurityContext",
        "fsGroupChangePolicy",
        Note,
        "Volumes are not chowned.",
    ),
    f(
        "PodSecurityContext",
        "seLinuxOptions",
        Note,
        "The engine's default labels are used.",
    ),
    f(
        "PodSecurityContext",
        "seccompProfile",
        Note,
        "The engine's default profile is used.",
    ),
    f(
        "PodSecurityContext",
        "appArmorProfile",
        Note,
        "The engine's default profile is used.",
    ),
    f(
        "PodSecurityContext",
        "windowsOptions",
        Note,
        "Not used on one host.",
    ),
    f("Sysctl", "name", Read("`sysctls`"), "`name=value`."),
    f("Sysctl", "value", Read("`sysctls`"), "`name=value`."),
    // A container.
    f(
        "Container",
        "name",
        Read("container names"),
        "Container C of Pod P is `P-C`.",
    ),
    f(
        "Container",
        "image",
        Read("`image`"),
        "As written; pin a tag.",
    ),
    f(
        "Container",
        "command",
        Read("`entrypoint`"),
        "Replaces the image's entrypoint (and its command, as in Kubernetes).",
    ),
    f(
        "Container",
        "args",
        Read("`command`"),
        "Replaces the image's command.",
    ),
    f(
        "Container",
        "workingDir",
        Read("`working_dir`"),
        "As written.",
    ),
    f(
        "Container",
        "env",
        List("EnvVar"),
        "`environment`, in order.",
    ),
    f(
        "Container",
        "envFrom",
        List("EnvFromSource"),
        "Every key of a ConfigMap or Secret of the same file, before `env` (which overrides it).",
    ),
    f(
        "Container",
        "ports",
        List("ContainerPort"),
        "`ports` of the infra container, for those with a `hostPort`.",
    ),
    f(
        "Container",
        "volumeMounts",
        List("VolumeMount"),
        "`volumes`, `volumes_from` (emptyDir).",
    ),
    f(
        "Container",
        "volumeDevices",
        Cluster,
        "Block volumes need a cluster; an error.",
    ),
    f(
        "Container",
        "resources",
        Object("Resources"),
        "Limits and requests.",
    ),
    f(
        "Container",
        "securityContext",
        Object("SecurityContext"),
        "Privileges and identity.",
    ),
    f(
        "Container",
        "livenessProbe",
        Object("Probe"),
        "`healthcheck` (exec probes).",
    ),
    f(
        "Container",
        "readinessProbe",
        Object("Probe"),
        "`healthcheck` when there is no liveness probe (exec probes).",
    ),
    f(
        "Container",
        "startupProbe",
        Object("Probe"),
        "Noted; `initialDelaySeconds` of the liveness probe is the healthcheck's start period.",
    ),
    f(
        "Container",
        "lifecycle",
        Object("Lifecycle"),
        "`stop_signal`.",
    ),
    f("Container", "stdin", Read("`interactive`"), "As written."),
    f("Container", "tty", Read("`tty`"), "As written."),
    f("Container", "stdinOnce", Note, "Not used on one host."),
    f(
        "Container",
        "imagePullPolicy",
        Note,
        "Use `apply --pull missing|always|never`.",
    ),
    f(
        "Container",
        "terminationMessagePath",
        Note,
        "Not used on one host.",
    ),
    f(
        "Container",
        "terminationMessagePolicy",
        Note,
        "Not used on one host.",
    ),
    f("Container", "resizePolicy", Note, "Not used on one host."),
    f(
        "Container",
        "restartPolicy",
        Read("`restart`, `detach`"),
        "`Always`, on an init container only: a sidecar, started at its turn among the init containers (detached, `restart: always`) and kept running beside the app containers.",
    ),
    f("EnvVar", "name", Read("`environment`"), "The variable."),
    f(
        "EnvVar",
        "value",
        Read("`environment`"),
        "Its value (default empty).",
    ),
    f(
        "EnvVar",
        "valueFrom",
        Object("EnvVarSource"),
        "A key of a ConfigMap or Secret of the same file, or what one host knows of the Pod.",
    ),
    f(
        "EnvVarSource",
        "configMapKeyRef",
        Object("KeyRef"),
        "A key of a ConfigMap of the same file.",
    ),
    f(
        "EnvVarSource",
        "secretKeyRef",
        Object("KeyRef"),
        "A key of a Secret of the same file: the variable is sensitive (masked).",
    ),
    f(
        "EnvVarSource",
        "fieldRef",
        Object("ObjectFieldSelector"),
        "`metadata.name`, `metadata.namespace` (`default`), `metadata.labels['K']`, `metadata.annotations['K']`.",
    ),
    f(
        "EnvVarSource",
        "resourceFieldRef",
        Cluster,
        "Resource values come from a kubelet; an error.",
    ),
    f(
        "KeyRef",
        "name",
        Read("`environment`"),
        "The object, in the same file.",
    ),
    f("KeyRef", "key", Read("`environment`"), "Its key."),
    f(
        "KeyRef",
        "optional",
        Read("—"),
        "When true, a missing object or key sets nothing.",
    ),
    f(
        "ObjectFieldSelector",
        "fieldPath",
        Read("`environment`"),
        "What one host knows of the Pod.",
    ),
    f("ObjectFieldSelector", "apiVersion", Note, "`v1` only."),
    f(
        "EnvFromSource",
        "configMapRef",
        Object("ObjectRef"),
        "Every key of the ConfigMap.",
    ),
    f(
        "EnvFromSource",
        "secretRef",
        Object("ObjectRef"),
        "Every key of the Secret (all sensitive).",
    ),
    f(
        "EnvFromSource",
        "prefix",
        Read("`environment`"),
        "Before each key.",
    ),
    f(
        "ObjectRef",
        "name",
        Read("`environment`"),
        "The object, in the same file.",
    ),
    f(
        "ObjectRef",
        "optional",
        Read("—"),
        "When true, a missing object sets nothing.",
    ),
    f(
        "ContainerPort",
        "containerPort",
        Read("`ports`"),
        "The port in the Pod.",
    ),
    f(
        "ContainerPort",
        "hostPort",
        Read("`ports`"),
        "Published on the host (`HOSTPORT:PORT`); without it the port is only reachable inside the Pod.",
    ),
    f(
        "ContainerPort",
        "hostIP",
        Read("`ports`"),
        "The host address to publish on.",
    ),
    f(
        "ContainerPort",
        "protocol",
        Read("`ports`"),
        "TCP (default), UDP or SCTP (`/udp`).",
    ),
    f("ContainerPort", "name", Note, "Not used on one host."),
    f(
        "VolumeMount",
        "name",
        Read("`volumes`"),
        "The Pod volume mounted.",
    ),
    f("VolumeMount", "mountPath", Read("`volumes`"), "Where."),
    f("VolumeMount", "readOnly", Read("`volumes`"), "`:ro`."),
    f(
        "VolumeMount",
        "subPath",
        Read("`volumes`"),
        "hostPath only: `PATH/SUBPATH`.",
    ),
    f(
        "VolumeMount",
        "mountPropagation",
        Read("`volumes`"),
        "HostToContainer → `rslave`, Bidirectional → `rshared`.",
    ),
    f(
        "VolumeMount",
        "subPathExpr",
        Cluster,
        "Expands the downward API; an error.",
    ),
    f(
        "VolumeMount",
        "recursiveReadOnly",
        Note,
        "Not used on one host.",
    ),
    f(
        "Resources",
        "limits",
        Object("ResourceList"),
        "`mem_limit`; cpu as `cpu_quota` over a `cpu_period` of 100000.",
    ),
    f(
        "Resources",
        "requests",
        Object("ResourceList"),
        "`memory_reservation`; cpu as `cpu_shares` (1024 per CPU, as the kubelet).",
    ),
    f(
        "Resources",
        "claims",
        Cluster,
        "Dynamic resource allocation needs a cluster; an error.",
    ),
    f(
        "ResourceList",
        "memory",
        Read("`mem_limit`, `memory_reservation`"),
        "Bytes (`128Mi`, `1G`, `500M`).",
    ),
    f(
        "ResourceList",
        "cpu",
        Read("`cpu_quota`, `cpu_shares`"),
        "CPUs (`0.5`, `500m`).",
    ),
    f(
        "ResourceList",
        "ephemeral-storage",
        Note,
        "Not used on one host.",
    ),
    f(
        "SecurityContext",
        "privileged",
        Read("`privileged`"),
        "As written.",
    ),
    f("SecurityContext", "runAsUser", Read("`user`"), "The UID."),
    f(
        "SecurityContext",
        "runAsGroup",
        Read("`user`"),
        "`UID:GID`.",
    ),
    f(
        "SecurityContext",
        "readOnlyRootFilesystem",
        Read("`read_only`"),
        "As written.",
    ),
    f(
        "SecurityContext",
        "capabilities",
        Object("Capabilities"),
        "`cap_add`, `cap_drop`.",
    ),
    f(
        "SecurityContext",
        "allowPrivilegeEscalation",
        Read("`security_opt`"),
        "false → `no-new-privileges`.",
    ),
    f("SecurityContext", "runAsNonRoot", Note, "Not checked."),
    f(
        "SecurityContext",
        "seLinuxOptions",
        Note,
        "The engine's default labels are used.",
    ),
    f(
        "SecurityContext",
        "seccompProfile",
        Note,
        "The engine's default profile is used.",
    ),
    f(
        "SecurityContext",
        "appArmorProfile",
        Note,
        "The engine's default profile is used.",
    ),
    f(
        "SecurityContext",
        "procMount",
        Note,
        "Not used on one host.",
    ),
    f(
        "SecurityContext",
        "windowsOptions",
        Note,
        "Not used on one host.",
    ),
    f("Capabilities", "add", Read("`cap_add`"), "As written."),
    f("Capabilities", "drop", Read("`cap_drop`"), "As written."),
    f(
        "Probe",
        "exec",
        Object("ExecAction"),
        "`healthcheck.test` (`CMD` form).",
    ),
    f(
        "Probe",
        "periodSeconds",
        Read("`healthcheck.interval`"),
        "Seconds.",
    ),
    f(
        "Probe",
        "timeoutSeconds",
        Read("`healthcheck.timeout`"),
        "Seconds.",
    ),
    f(
        "Probe",
        "failureThreshold",
        Read("`healthcheck.retries`"),
        "As written.",
    ),
    f(
        "Probe",
        "initialDelaySeconds",
        Read("`healthcheck.start_period`"),
        "Seconds.",
    ),
    f("Probe", "successThreshold", Note, "Not used on one host."),
    f(
        "Probe",
        "terminationGracePeriodSeconds",
        Note,
        "Not used on one host.",
    ),
    f(
        "Probe",
        "httpGet",
        Refused("only exec probes become a healthcheck; run e.g. `wget -qO- URL` in an exec probe"),
        "Refused.",
    ),
    f(
        "Probe",
        "tcpSocket",
        Refused("only exec probes become a healthcheck; run a client in an exec probe"),
        "Refused.",
    ),
    f(
        "Probe",
        "grpc",
        Refused("only exec probes become a healthcheck; run a client in an exec probe"),
        "Refused.",
    ),
    f(
        "ExecAction",
        "command",
        Read("`healthcheck.test`"),
        "Run without a shell, as Kubernetes does.",
    ),
    f(
        "Lifecycle",
        "stopSignal",
        Read("`stop_signal`"),
        "As written.",
    ),
    f("Lifecycle", "preStop", Refused(NO_HOOKS), "Refused."),
    f("Lifecycle", "postStart", Refused(NO_HOOKS), "Refused."),
    // Volumes.
    f("Volume", "name", Read("—"), "Named by `volumeMounts`."),
    f(
        "Volume",
        "hostPath",
        Object("HostPathVolumeSource"),
        "A bind mount (`volumes: [PATH:MOUNT]`).",
    ),
    f(
        "Volume",
        "emptyDir",
        Object("EmptyDirVolumeSource"),
        "An anonymous volume of the infra container at the mountPath, which the containers mounting it reach through `volumes_from: [P-infra]`; removed with the Pod's containers. Mounted at several paths: the Pod's named volume `P-V-emptydir`, removed with the Pod.",
    ),
    f(
        "Volume",
        "persistentVolumeClaim",
        Object("PersistentVolumeClaimVolumeSource"),
        "The named volume `claimName` (created by the engine, kept when the Pod goes), as podman does.",
    ),
    f(
        "Volume",
        "configMap",
        Object("ConfigMapVolumeSource"),
        "Read-only files of a ConfigMap of the same file: written by the Pod's files container `P-V-files` into its own volume, which the containers mounting it reach through `volumes_from: [P-V-files:ro]` (so every container mounts it at the same path).",
    ),
    f(
        "Volume",
        "secret",
        Object("SecretVolumeSource"),
        "As `configMap`, of a Secret (its values sensitive, its files never readable by others).",
    ),
    f(
        "Volume",
        "projected",
        Cluster,
        "Projected volumes need a cluster; an error.",
    ),
    f(
        "Volume",
        "downwardAPI",
        Object("DownwardAPIVolumeSource"),
        "Read-only files of what one host knows of the Pod, written as a `configMap` volume's are.",
    ),
    f(
        "DownwardAPIVolumeSource",
        "items",
        List("DownwardAPIVolumeFile"),
        "The files.",
    ),
    f(
        "DownwardAPIVolumeSource",
        "defaultMode",
        Read("—"),
        "The files' mode (default 0644).",
    ),
    f(
        "DownwardAPIVolumeFile",
        "path",
        Read("—"),
        "Its relative path in the volume.",
    ),
    f(
        "DownwardAPIVolumeFile",
        "fieldRef",
        Object("ObjectFieldSelector"),
        "`metadata.name`, `metadata.namespace`, `metadata.labels` or `metadata.annotations` (`K=\"V\"` lines), or one of them (`metadata.labels['K']`, `metadata.annotations['K']`).",
    ),
    f(
        "DownwardAPIVolumeFile",
        "resourceFieldRef",
        Cluster,
        "Resource values come from a kubelet; an error.",
    ),
    f("DownwardAPIVolumeFile", "mode", Read("—"), "Its mode."),
    f(
        "Volume",
        "csi",
        Cluster,
        "CSI drivers need a cluster; an error.",
    ),
    f(
        "Volume",
        "ephemeral",
        Cluster,
        "Ephemeral volumes need a cluster; an error.",
    ),
    f(
        "Volume",
        "nfs",
        Cluster,
        "Volume plugins need a kubelet; mount it on the host and use a hostPath.",
    ),
    f(
        "Volume",
        "iscsi",
        Cluster,
        "Volume plugins need a kubelet; mount it on the host and use a hostPath.",
    ),
    f(
        "Volume",
        "image",
        Cluster,
        "Image volumes need a kubelet; an error.",
    ),
    f(
        "HostPathVolumeSource",
        "path",
        Read("`volumes`"),
        "An absolute host path.",
    ),
    f(
        "HostPathVolumeSource",
        "type",
        Read("—"),
        "Checked when the file is loaded: `Directory`, `File`, `Socket`, `CharDevice`, `BlockDevice` must exist as such; a missing `DirectoryOrCreate` (or no type) is created as a directory, `FileOrCreate` as an empty file, by `apply`, before its containers (`validate` and `plan` create nothing).",
    ),
    f(
        "EmptyDirVolumeSource",
        "medium",
        Read("`tmpfs`"),
        "`Memory`: a tmpfs of the one container mounting it (`tmpfs: [PATH:size=N]`); shared by several containers it is an error.",
    ),
    f(
        "EmptyDirVolumeSource",
        "sizeLimit",
        Read("`tmpfs`"),
        "The size of a `Memory` emptyDir; not enforced on disk (a note).",
    ),
    f(
        "ConfigMapVolumeSource",
        "name",
        Read("`volumes_from`"),
        "The ConfigMap, in the same file.",
    ),
    f(
        "ConfigMapVolumeSource",
        "items",
        List("KeyToPath"),
        "Only these keys, at these paths (default: every key at its name).",
    ),
    f(
        "ConfigMapVolumeSource",
        "defaultMode",
        Read("—"),
        "The files' mode (default 0644).",
    ),
    f(
        "ConfigMapVolumeSource",
        "optional",
        Read("—"),
        "When true, a missing ConfigMap is an empty volume.",
    ),
    f(
        "SecretVolumeSource",
        "secretName",
        Read("`volumes_from`"),
        "The Secret, in the same file.",
    ),
    f(
        "SecretVolumeSource",
        "items",
        List("KeyToPath"),
        "Only these keys, at these paths (default: every key at its name).",
    ),
    f(
        "SecretVolumeSource",
        "defaultMode",
        Read("—"),
        "The files' mode (default 0644), less what others could read.",
    ),
    f(
        "SecretVolumeSource",
        "optional",
        Read("—"),
        "When true, a missing Secret is an empty volume.",
    ),
    f("KeyToPath", "key", Read("—"), "The key."),
    f(
        "KeyToPath",
        "path",
        Read("—"),
        "Its relative path in the volume.",
    ),
    f("KeyToPath", "mode", Read("—"), "Its mode."),
    f(
        "PersistentVolumeClaimVolumeSource",
        "claimName",
        Read("`volumes`"),
        "The named volume.",
    ),
    f(
        "PersistentVolumeClaimVolumeSource",
        "readOnly",
        Read("`volumes`"),
        "`:ro`.",
    ),
];

/// The field `name` of object kind `object`.
pub fn field(object: &str, name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.object == object && f.name == name)
}

/// The field names of an object kind.
pub fn names(object: &str) -> impl Iterator<Item = &'static str> + '_ {
    FIELDS
        .iter()
        .filter(move |f| f.object == object)
        .map(|f| f.name)
}

/// docs/kubernetes.md's two tables: reading from [`FIELDS`], writing from
/// the export columns of the key table
/// ([`crate::config::keys::export_markdown_table`]).
pub fn markdown_tables() -> String {
    let mut s = String::from(
        "### Reading (`--file`)\n\n| object | field | becomes | meaning |\n|---|---|---|---|\n",
    );
    for f in FIELDS {
        let becomes = match f.treat {
            Read(k) => k.to_string(),
            Object(o) => format!("object {o}"),
            List(o) => format!("list of {o}"),
            Note => "a note".into(),
            Cluster => "**error**: needs a cluster".into(),
            Refused(_) => "**error**".into(),
        };
        let doc = match f.treat {
            Refused(why) => format!("Refused: {why}."),
            _ => f.doc.to_string(),
        };
        s.push_str(&format!(
            "| {} | `{}` | {becomes} | {} |\n",
            f.object,
            f.name,
            doc.replace('|', "\\|")
        ));
    }
    s.push_str("\n### Writing (`paunch export`)\n\n");
    s.push_str(&crate::config::keys::export_markdown_table());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_unique_and_objects_are_defined() {
        for (i, a) in FIELDS.iter().enumerate() {
            assert!(
                !FIELDS[..i]
                    .iter()
                    .any(|b| a.object == b.object && a.name == b.name),
                "{}.{} twice",
                a.object,
                a.name
            );
            if let Object(o) | List(o) = a.treat {
                assert!(names(o).next().is_some(), "{o} has no fields");
            }
        }
    }
}
