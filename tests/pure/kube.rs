//! The Kubernetes Pod format without an engine: what a Pod reads as, the
//! bad-manifest corpus (tests/kube-bad/, messages snapshotted), what
//! `podman kube generate` writes, the generated reference, and exports
//! reading back.

use paunch::Config;
use paunch::config::kube::table;
use paunch::engine::argv::{LabelSet, Runtime};
use std::path::Path;

const POD: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: shop
  labels: {app: shop}
spec:
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 5
  hostAliases:
  - {ip: 10.0.0.1, hostnames: [db.local]}
  initContainers:
  - name: migrate
    image: shop:1
    args: [migrate]
    volumeMounts:
    - {name: cache, mountPath: /cache}
  containers:
  - name: web
    image: shop:1
    command: [/bin/shop]
    args: [serve, --port, "8080"]
    workingDir: /srv
    env:
    - {name: MODE, value: prod}
    - {name: EMPTY}
    ports:
    - {containerPort: 8080, hostPort: 18080}
    - {containerPort: 53, hostPort: 1053, protocol: UDP}
    volumeMounts:
    - {name: cache, mountPath: /cache}
    - {name: conf, mountPath: /etc/shop, readOnly: true}
    - {name: data, mountPath: /data}
    resources:
      limits: {memory: 128Mi, cpu: 500m}
      requests: {memory: 64Mi, cpu: "0.25"}
    securityContext:
      runAsUser: 1000
      runAsGroup: 1000
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}
    livenessProbe:
      exec: {command: [/bin/shop, health]}
      periodSeconds: 10
      timeoutSeconds: 2
      failureThreshold: 3
      initialDelaySeconds: 5
    lifecycle: {stopSignal: SIGQUIT}
  - name: sidecar
    image: shop:1
    args: [tail]
  volumes:
  - {name: cache, emptyDir: {}}
  - {name: conf, hostPath: {path: /etc, type: Directory}}
  - {name: data, persistentVolumeClaim: {claimName: shop-data}}
"#;

#[test]
fn a_pod_reads_as_paunch_entries() {
    let config = Config::parse(POD, "shop.yaml").unwrap();
    let names: Vec<_> = config.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["shop-infra", "shop-migrate", "shop-web", "shop-sidecar"]
    );
    let dump = paunch::yaml::dump(&config.to_value());
    crate::plans::snapshot_settings().bind(|| {
        insta::assert_snapshot!("kube-shop-entries", dump);
    });
    let web = config.entry("shop-web").unwrap();
    let argv = Runtime::Docker.run_args(web, "shop-web", &LabelSet::default());
    for a in [
        "--entrypoint=/bin/shop",
        "--net=container:shop-infra",
        "--ipc=container:shop-infra",
        "--volumes-from=shop-infra",
        "--volume=/etc:/etc/shop:ro",
        "--volume=shop-data:/data",
        "--restart=on-failure",
        "--user=1000:1000",
        "--memory=134217728",
        "--cpu-quota=50000",
        "--cpu-shares=256",
        "--env=MODE=prod",
        "--env=EMPTY=",
        "--stop-timeout=5",
        "--stop-signal=SIGQUIT",
        "--security-opt=no-new-privileges",
        "--label=paunch.pod=shop",
    ] {
        assert!(argv.iter().any(|x| x == a), "{a} not in {argv:?}");
    }
    assert_eq!(
        &argv[argv.len() - 4..],
        ["shop:1", "serve", "--port", "8080"]
    );
    let infra = config.entry("shop-infra").unwrap();
    let argv = Runtime::Docker.run_args(infra, "shop-infra", &LabelSet::default());
    for a in [
        "--publish=18080:8080",
        "--publish=1053:53/udp",
        "--volume=/cache",
        "--hostname=shop",
        "--ipc=shareable",
        "--add-host=db.local:10.0.0.1",
    ] {
        assert!(argv.iter().any(|x| x == a), "{a} not in {argv:?}");
    }
    let migrate = config.entry("shop-migrate").unwrap();
    assert!(!migrate.detach());
    assert_eq!(migrate.start_order(), 1);
    assert_eq!(web.start_order(), 2);
    assert_eq!(infra.start_order(), 0);
}

/// Each container's config_data is the paunch entry it was read as: read
/// back from the label, it builds the same argv.
#[test]
fn config_data_round_trips() {
    let config = Config::parse(POD, "shop.yaml").unwrap();
    let labels = LabelSet::default();
    for e in &config.entries {
        let back = paunch::config::Entry::from_config_data(&e.name, e.config_data()).unwrap();
        assert_eq!(
            Runtime::Docker.run_args(&back, &e.name, &labels),
            Runtime::Docker.run_args(e, &e.name, &labels),
            "{}",
            e.name
        );
    }
    // ...and the dump of the whole configuration is a paunch --file.
    let dump = paunch::yaml::dump(&config.to_value());
    let again = Config::parse(&dump, "dump.yml").unwrap();
    assert_eq!(again.to_value(), config.to_value());
}

#[test]
fn a_deployment_of_one_replica_is_its_pod() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers:\n      - {name: app, image: api:2}\n";
    let config = Config::parse(text, "d.yaml").unwrap();
    let names: Vec<_> = config.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["api-pod-infra", "api-pod-app"]);
    assert!(config.warnings[0].message.contains("selector"));
}

/// Fields with no meaning on one host are notes, with their position.
#[test]
fn single_host_fields_are_notes() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a1\n  namespace: prod\nspec:\n  nodeSelector: {disk: ssd}\n  tolerations: []\n  containers:\n  - {name: c1, image: x:1}\n";
    let config = Config::parse(text, "n.yaml").unwrap();
    let notes: Vec<String> = config.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(
        notes[0].starts_with("n.yaml:5:3: metadata.namespace is ignored"),
        "{notes:?}"
    );
    assert!(
        notes[1].starts_with("n.yaml:7:3: Pod \"a1\": spec.nodeSelector is ignored"),
        "{notes:?}"
    );
}

/// What `podman kube generate` wrote (podman 4.3, a pod of two
/// containers) is read without an error.
#[test]
fn podman_kube_generate_output_is_accepted() {
    let config = Config::load(Path::new("tests/kube/podman-generate.yaml")).unwrap();
    let names: Vec<_> = config.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["k15gen-infra", "k15gen-web", "k15gen-side"]);
    let web = config.entry("k15gen-web").unwrap();
    assert_eq!(web.string("restart"), Some("no"));
    assert_eq!(web.strings("cap_add"), ["CAP_NET_ADMIN"]);
}

fn bad_corpus_len() -> usize {
    std::fs::read_dir("tests/kube-bad").unwrap().count()
}

/// Every bad manifest is refused, its message (with line:column)
/// snapshotted.
#[test]
fn every_bad_manifest_is_refused_with_a_clear_message() {
    assert!(bad_corpus_len() >= 15);
    insta::glob!("../kube-bad", "*.yaml", |path| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let file = path.strip_prefix(root).unwrap_or(path);
        let err = match Config::load(file) {
            Ok(_) => panic!("{} was accepted", file.display()),
            Err(e) => e,
        };
        assert_eq!(err.kind(), paunch::ErrorKind::Config, "{}", file.display());
        let text = err.to_string();
        assert!(text.lines().skip(1).all(|l| l.contains(".yaml:")), "{text}");
        let name = file.file_stem().unwrap().to_string_lossy();
        crate::plans::snapshot_settings().bind(|| {
            insta::assert_snapshot!(format!("kube-bad-{name}"), text);
        });
    });
}

/// Missing `DirectoryOrCreate` and `FileOrCreate` host paths are listed
/// when the manifest is loaded (reading creates nothing: `validate` and
/// `plan` leave the host alone) and created by the apply, before its
/// containers; an existing path of the wrong kind is an error.
#[test]
fn or_create_host_paths_are_created_by_the_apply() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("made/dir");
    let f = dir.path().join("made/file");
    let text = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p1}}\nspec:\n  containers:\n  - name: c1\n    image: x:1\n    volumeMounts:\n    - {{name: d, mountPath: /d}}\n    - {{name: f, mountPath: /f}}\n  volumes:\n  - {{name: d, hostPath: {{path: {}, type: DirectoryOrCreate}}}}\n  - {{name: f, hostPath: {{path: {}, type: FileOrCreate}}}}\n",
        d.display(),
        f.display()
    );
    let path = dir.path().join("p.yaml");
    std::fs::write(&path, &text).unwrap();
    // Parsing text touches nothing...
    Config::parse(&text, "p.yaml").unwrap();
    assert!(!d.exists());
    // ...nor does loading the file: it lists them for the apply...
    let config = Config::load(&path).unwrap();
    assert!(!d.exists() && !f.exists());
    let listed: Vec<(&std::path::Path, bool)> = config
        .host_paths
        .iter()
        .map(|h| (h.path.as_path(), h.file))
        .collect();
    assert_eq!(listed, [(d.as_path(), false), (f.as_path(), true)]);
    // ...which creates them, as the kubelet does.
    paunch::execute::create_host_paths(&config.host_paths).unwrap();
    assert!(d.is_dir());
    assert!(f.is_file());
    let wrong = text.replace("type: FileOrCreate", "type: Directory");
    std::fs::write(&path, wrong).unwrap();
    let e = Config::load(&path).unwrap_err().to_string();
    assert!(e.contains("is not a Directory"), "{e}");
}

#[test]
fn the_kubernetes_reference_is_generated_from_the_table() {
    let path = "docs/kubernetes.md";
    let doc = std::fs::read_to_string(path).unwrap();
    let (start_tag, end_tag) = ("<!-- table:start -->\n", "<!-- table:end -->");
    let start = doc.find(start_tag).unwrap() + start_tag.len();
    let end = doc.find(end_tag).unwrap();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!(
            "{}{}{}",
            &doc[..start],
            table::markdown_tables(),
            &doc[end..]
        );
        std::fs::write(path, updated).unwrap();
        return;
    }
    assert_eq!(
        &doc[start..end],
        table::markdown_tables(),
        "docs/kubernetes.md is out of date: run this test with UPDATE_DOCS=1"
    );
}

/// Reading and planning 1000 containers from Pod manifests: the check
/// behind the benchmark's line, loose enough for a busy machine.
#[test]
fn a_thousand_containers_read_quickly() {
    let text = paunch::config::kube::bench_manifest(250);
    let started = std::time::Instant::now();
    let config = Config::parse(&text, "bench.yaml").unwrap();
    assert_eq!(config.entries.len(), 1000);
    assert!(started.elapsed().as_secs() < 5);
}

/// `$(NAME)` is Kubernetes' dependent variable: an env value sees the
/// items before it, `command` and `args` the whole env; `$$` escapes, the
/// shell's `$NAME` is left to the shell.
#[test]
fn dependent_variables_expand_as_the_kubelet_expands_them() {
    let text = r#"apiVersion: v1
kind: Pod
metadata: {name: dv}
spec:
  containers:
  - name: app
    image: app:1
    command: [/bin/app, "--listen=$(HOST):$(PORT)"]
    args: [sh, -c, "echo $(URL) $$(PORT) $PORT ${PORT} $(UNSET)"]
    env:
    - {name: EARLY, value: "$(PORT)"}
    - {name: HOST, value: 0.0.0.0}
    - {name: PORT, value: "8080"}
    - {name: URL, value: "http://$(HOST):$(PORT)/"}
    - {name: PRICE, value: "$5"}
"#;
    let config = Config::parse(text, "dv.yaml").unwrap();
    let e = config.entries.iter().find(|e| e.name == "dv-app").unwrap();
    assert_eq!(
        e.strings("entrypoint"),
        ["/bin/app", "--listen=0.0.0.0:8080"]
    );
    assert_eq!(
        e.command(),
        [
            "sh",
            "-c",
            "echo http://0.0.0.0:8080/ $(PORT) $PORT ${PORT} $(UNSET)"
        ]
    );
    let env = e.strings("environment");
    for want in ["EARLY=$(PORT)", "URL=http://0.0.0.0:8080/", "PRICE=$5"] {
        assert!(env.iter().any(|v| v == want), "{want} not in {env:?}");
    }
}

/// A paunch entry whose command or environment holds `$(` exports escaped,
/// so that Kubernetes, and paunch reading the export, run it as written.
#[test]
fn dollar_parens_export_escaped_and_read_back_as_written() {
    let text = "app:\n  image: app:1\n  command: [sh, -c, 'echo $(date) $$ $HOME']\n  environment:\n    TEMPLATE: $(NAME) costs $5\n";
    let config = Config::parse(text, "dollar.yml").unwrap();
    let out = paunch::export::kubernetes(&config, &owner());
    assert!(out.text.contains("$$(date) $$$ $HOME"), "{}", out.text);
    // Read back as the entry the annotations carry, and from the spec
    // alone (the annotations dropped): the same command and environment.
    let spec_only: String = out
        .text
        .lines()
        .filter(|l| *l != "  annotations:" && !l.starts_with("    config-data.paunch/"))
        .map(|l| format!("{l}\n"))
        .collect();
    for (text, name) in [(&out.text, "app"), (&spec_only, "app-app")] {
        let back = Config::parse(text, "back.yaml").unwrap();
        let e = back.entries.iter().find(|e| e.name == name).unwrap();
        assert_eq!(e.command(), ["sh", "-c", "echo $(date) $$ $HOME"]);
        assert!(
            e.strings("environment")
                .iter()
                .any(|v| v == "TEMPLATE=$(NAME) costs $5")
        );
    }
}

fn owner() -> paunch::export::Owner<'static> {
    paunch::export::Owner {
        config_id: "v1",
        managed_by: "paunch",
    }
}

/// A configuration read from a Pod exports as that Pod, which reads back
/// as the same entries.
#[test]
fn a_pod_round_trips_through_export() {
    // lifecycle.stopSignal (Kubernetes 1.33's) included.
    assert!(POD.contains("stopSignal: SIGQUIT"));
    let config = Config::parse(POD, "shop.yaml").unwrap();
    let out = paunch::export::kubernetes(&config, &owner());
    let warnings: Vec<String> = out.warnings.iter().map(|w| w.to_string()).collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    let back = Config::parse(&out.text, "back.yaml").unwrap();
    assert_eq!(
        paunch::yaml::dump(&back.to_value()),
        paunch::yaml::dump(&config.to_value())
    );
}

/// paunch YAML exports as one Pod per entry (restartPolicy Never for a
/// blocking one), with warnings naming entry and key, and reads back.
#[test]
fn paunch_yaml_exports_as_pods_and_compose() {
    let config = Config::load(Path::new("examples/web-service.yml")).unwrap();
    let k8s = paunch::export::kubernetes(&config, &owner());
    assert_eq!(k8s.text.matches("kind: Pod").count(), 4);
    assert!(k8s.text.contains("restartPolicy: Never"));
    assert!(k8s.text.contains("config-data.paunch/000:"));
    let warned: Vec<_> = k8s
        .warnings
        .iter()
        .map(|w| (w.entry.clone().unwrap(), w.key.clone().unwrap()))
        .collect();
    assert!(
        warned.contains(&("demo-reload".into(), "action".into())),
        "{warned:?}"
    );
    assert!(
        warned.contains(&("demo-web-1".into(), "start_order".into())),
        "{warned:?}"
    );
    // Read back: the very entries exported (the exec entry aside).
    let back = Config::parse(&k8s.text, "back.yaml").unwrap();
    let runs: Vec<(&str, &str)> = config
        .entries
        .iter()
        .filter(|e| e.name != "demo-reload")
        .map(|e| (e.name.as_str(), e.config_data()))
        .collect();
    let read: Vec<(&str, &str)> = back
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e.config_data()))
        .collect();
    assert_eq!(read, runs);
    // From the spec alone (the annotations dropped): an infra container
    // per Pod.
    let spec_only: String = k8s
        .text
        .lines()
        .filter(|l| *l != "  annotations:" && !l.starts_with("    config-data.paunch/"))
        .map(|l| format!("{l}\n"))
        .collect();
    let back = Config::parse(&spec_only, "back.yaml").unwrap();
    assert_eq!(back.entries.len(), 8, "an infra container per Pod");
    let compose = paunch::export::compose(&config, &owner());
    assert!(
        compose
            .text
            .contains("condition: service_completed_successfully")
    );
    assert!(compose.text.contains("container_name: demo-db"));
}

const OBJECTS: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: app
    image: busybox:1.36
    env:
    - {name: MODE, value: dev}
    - name: DB_HOST
      valueFrom:
        secretKeyRef: {name: db, key: host}
    - name: GONE
      valueFrom:
        configMapKeyRef: {name: nowhere, key: x, optional: true}
    - name: POD
      valueFrom:
        fieldRef: {fieldPath: metadata.name}
    - name: APP
      valueFrom:
        fieldRef: {fieldPath: "metadata.labels['app']"}
    envFrom:
    - configMapRef: {name: web-env}
      prefix: CM_
    - secretRef: {name: db}
    volumeMounts:
    - {name: conf, mountPath: /etc/web}
    - {name: creds, mountPath: /etc/creds}
  volumes:
  - name: conf
    configMap:
      name: web-env
      items: [{key: site, path: conf/site.txt, mode: 0600}]
  - name: creds
    secret: {secretName: db}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-env}
data:
  mode: prod
  site: SITE
---
apiVersion: v1
kind: Secret
metadata: {name: db}
type: Opaque
data:
  host: ZGIuaW50ZXJuYWw=
stringData:
  password: hunter2
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80}]}
---
"#;

/// ConfigMaps and Secrets of the same file, as `podman kube play` reads
/// them: env (envFrom first, env over it), files written by a files
/// container and mounted read-only; a Secret's variables are sensitive.
#[test]
fn configmaps_and_secrets_of_the_same_file_are_read() {
    let config = Config::parse(OBJECTS, "o.yaml").unwrap();
    let names: Vec<_> = config.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["web-infra", "web-conf-files", "web-creds-files", "web-app"]
    );
    let app = config.entry("web-app").unwrap();
    let data: serde_json::Value = serde_json::from_str(app.config_data()).unwrap();
    let env = &data["environment"];
    let get = |k: &str| env.get(k).and_then(|v| v.as_str().map(str::to_string));
    assert_eq!(get("MODE").as_deref(), Some("dev"));
    assert_eq!(get("CM_mode").as_deref(), Some("prod"));
    assert_eq!(get("DB_HOST").as_deref(), Some("db.internal"));
    assert_eq!(get("password").as_deref(), Some("hunter2"));
    assert_eq!(get("POD").as_deref(), Some("web"));
    assert_eq!(get("APP").as_deref(), Some("web"));
    assert_eq!(get("GONE"), None);
    assert_eq!(config.sensitive_env, ["DB_HOST", "host", "password"]);
    assert_eq!(
        app.strings("volumes_from"),
        ["web-conf-files:ro", "web-creds-files:ro"]
    );
    let files = config.entry("web-creds-files").unwrap();
    assert_eq!(files.string("user"), Some("0"));
    assert_eq!(files.string("net"), Some("none"));
    let script = files.strings("command").join("");
    assert!(script.contains("chmod 640 \"$d/password\""), "{script}");
    assert!(!script.contains("hunter2"), "{script}");
    let conf = config.entry("web-conf-files").unwrap();
    let script = conf.strings("command").join("");
    assert!(
        script.contains("chmod 600 \"$d/conf/site.txt\""),
        "{script}"
    );
    // The notes: the claim, the Service.
    let notes: Vec<_> = config.warnings.iter().map(|w| w.message.clone()).collect();
    assert!(
        notes.iter().any(|n| n.contains("named volume \"data\"")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("Service \"web\"")),
        "{notes:?}"
    );
}

/// A changed ConfigMap value changes the config_data of the container
/// mounting it (it is replaced), not only its files container's.
#[test]
fn a_changed_configmap_value_replaces_its_containers() {
    let a = Config::parse(OBJECTS, "o.yaml").unwrap();
    let b = Config::parse(&OBJECTS.replace("site: SITE", "site: OTHER"), "o.yaml").unwrap();
    for name in ["web-conf-files", "web-app"] {
        assert_ne!(
            a.entry(name).unwrap().config_data(),
            b.entry(name).unwrap().config_data(),
            "{name}"
        );
    }
    assert_eq!(
        a.entry("web-creds-files").unwrap().config_data(),
        b.entry("web-creds-files").unwrap().config_data()
    );
}

/// `replicas: N` runs N copies, the first named as podman names a
/// Deployment's Pod, each knowing its own name.
#[test]
fn a_deployment_of_three_replicas_is_three_pods() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers:\n      - name: app\n        image: api:2\n        env:\n        - name: ME\n          valueFrom: {fieldRef: {fieldPath: metadata.name}}\n";
    let config = Config::parse(text, "d.yaml").unwrap();
    let names: Vec<_> = config.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "api-pod-infra",
            "api-pod-app",
            "api-pod-1-infra",
            "api-pod-1-app",
            "api-pod-2-infra",
            "api-pod-2-app"
        ]
    );
    let me: serde_json::Value =
        serde_json::from_str(config.entry("api-pod-2-app").unwrap().config_data()).unwrap();
    assert_eq!(me["environment"]["ME"], "api-pod-2");
    // The notes of the template are given once, not once per copy.
    let selector = config
        .warnings
        .iter()
        .filter(|w| w.message.contains("selector"))
        .count();
    assert_eq!(selector, 1);
    // Scaled to zero: no container.
    let none = Config::parse(&text.replace("replicas: 3", "replicas: 0"), "d.yaml").unwrap();
    assert!(none.entries.is_empty());
}

/// An init container of `restartPolicy: Always` is a sidecar: started at
/// its turn, detached, always restarted; the others still run to
/// completion.
#[test]
fn sidecars_start_in_order_and_keep_running() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  restartPolicy: Never\n  initContainers:\n  - {name: proxy, image: x:1, restartPolicy: Always}\n  - {name: migrate, image: x:1}\n  containers:\n  - {name: app, image: x:1}\n";
    let config = Config::parse(text, "s.yaml").unwrap();
    let proxy = config.entry("p-proxy").unwrap();
    assert!(proxy.detach());
    assert_eq!(proxy.string("restart"), Some("always"));
    assert_eq!(proxy.start_order(), 1);
    let migrate = config.entry("p-migrate").unwrap();
    assert!(!migrate.detach());
    assert_eq!(migrate.start_order(), 2);
    let app = config.entry("p-app").unwrap();
    assert_eq!(app.start_order(), 3);
    assert_eq!(app.string("restart"), Some("no"));
    let bad = text.replace(
        "- {name: app, image: x:1}",
        "- {name: app, image: x:1, restartPolicy: Always}",
    );
    let err = Config::parse(&bad, "s.yaml").unwrap_err().to_string();
    assert!(
        err.contains("restartPolicy is for init containers"),
        "{err}"
    );
    let bad = text.replace("restartPolicy: Always}", "restartPolicy: OnFailure}");
    let err = Config::parse(&bad, "s.yaml").unwrap_err().to_string();
    assert!(err.contains("is not Always"), "{err}");
}

/// Quantities in Kubernetes' grammar (`1e3`), a CPU limit without a
/// request weighted as its request (Kubernetes defaults the one to the
/// other), probes of no timings given Kubernetes' defaults.
#[test]
fn quantities_cpu_weights_and_probe_defaults_are_kubernetes() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers:\n  - name: app\n    image: x:1\n    resources: {limits: {memory: \"1e3\", cpu: \"1\"}}\n    livenessProbe: {exec: {command: [\"true\"]}}\n";
    let config = Config::parse(text, "q.yaml").unwrap();
    let app = config.entry("q-app").unwrap();
    let data: serde_json::Value = serde_json::from_str(app.config_data()).unwrap();
    assert_eq!(data["mem_limit"], "1000");
    assert_eq!(data["cpu_shares"], 1024);
    assert_eq!(data["cpu_quota"], 100_000);
    assert_eq!(data["healthcheck"]["interval"], "10s");
    assert_eq!(data["healthcheck"]["timeout"], "1s");
}

/// A memory emptyDir is its one container's tmpfs; a downwardAPI volume
/// is files of what one host knows; the Pod's resources are those of a
/// container giving none.
#[test]
fn memory_emptydirs_downward_files_and_pod_resources() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: m, labels: {app: m, tier: db}}\nspec:\n  resources: {limits: {memory: 64Mi}}\n  containers:\n  - name: app\n    image: x:1\n    volumeMounts:\n    - {name: cache, mountPath: /cache}\n    - {name: info, mountPath: /info}\n  - name: own\n    image: x:1\n    resources: {limits: {memory: 32Mi}}\n  volumes:\n  - {name: cache, emptyDir: {medium: Memory, sizeLimit: 16Mi}}\n  - name: info\n    downwardAPI:\n      items:\n      - {path: name, fieldRef: {fieldPath: metadata.name}}\n      - {path: labels, fieldRef: {fieldPath: metadata.labels}}\n";
    let config = Config::parse(text, "m.yaml").unwrap();
    let app = config.entry("m-app").unwrap();
    assert_eq!(app.strings("tmpfs"), ["/cache:size=16777216"]);
    assert_eq!(app.strings("volumes_from"), ["m-info-files:ro"]);
    let data: serde_json::Value = serde_json::from_str(app.config_data()).unwrap();
    assert_eq!(data["mem_limit"], "67108864");
    let own: serde_json::Value =
        serde_json::from_str(config.entry("m-own").unwrap().config_data()).unwrap();
    assert_eq!(own["mem_limit"], "33554432");
    let files: serde_json::Value =
        serde_json::from_str(config.entry("m-info-files").unwrap().config_data()).unwrap();
    assert_eq!(files["environment"]["PAUNCH_CONFIG_0"], "m");
    assert_eq!(
        files["environment"]["PAUNCH_CONFIG_1"],
        "app=\"m\"\\0012tier=\"db\"\\0012"
    );
    // Shared by two containers, a tmpfs cannot be.
    let shared = text.replace(
        "  - name: own\n    image: x:1\n",
        "  - name: own\n    image: x:1\n    volumeMounts: [{name: cache, mountPath: /cache}]\n",
    );
    let err = Config::parse(&shared, "m.yaml").unwrap_err().to_string();
    assert!(err.contains("a tmpfs is one container's own"), "{err}");
}

/// The corpus of manifests as people write them (tests/kube/corpus/):
/// every runnable one validates and plans; every other is refused with a
/// file:line:column; none crashes the reader.
#[test]
fn the_manifest_corpus_runs_or_is_refused_with_a_location() {
    use paunch::plan::{PlanOptions, plan_apply};
    let dir = |d: &str| {
        let mut files: Vec<_> = std::fs::read_dir(format!("tests/kube/corpus/{d}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    };
    let runnable = dir("runnable");
    // Needing a cluster (or refused: see SOURCES.md).
    let cluster = dir("cluster");
    assert!(runnable.len() + cluster.len() >= 15);
    let popts = PlanOptions {
        config_id: "corpus".into(),
        ..PlanOptions::default()
    };
    for f in &runnable {
        let config = Config::load(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(!config.entries.is_empty(), "{}", f.display());
        let plan = plan_apply(&config, &paunch::Observed::default(), &popts);
        assert!(plan.counts().create >= 2, "{}", f.display());
    }
    for f in &cluster {
        let err = match Config::load(f) {
            Ok(_) => panic!("{} was accepted", f.display()),
            Err(e) => e.to_string(),
        };
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            err.lines().skip(1).all(|l| l.contains(&format!("{name}:"))),
            "{err}"
        );
        assert!(
            err.lines().skip(1).any(|l| {
                l.split(':')
                    .nth(1)
                    .is_some_and(|n| n.trim().parse::<usize>().is_ok())
            }),
            "{name}: no line:column in {err}"
        );
    }
}

/// A StatefulSet's copies are `N-0`, `N-1`, ... each with its own claim
/// `T-N-I` of each claim template T.
#[test]
fn a_statefulset_has_numbered_copies_with_their_own_claims() {
    let config = Config::load(Path::new("tests/kube/corpus/runnable/statefulset.yaml")).unwrap();
    let names: Vec<_> = config.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "web-0-infra",
            "web-0-nginx",
            "web-1-infra",
            "web-1-nginx",
            "web-2-infra",
            "web-2-nginx"
        ]
    );
    assert_eq!(
        config.entry("web-2-nginx").unwrap().strings("volumes"),
        ["www-web-2:/usr/share/nginx/html"]
    );
}

/// One volume mounted at several paths of one container: a claim twice,
/// a ConfigMap's files written at each of its paths.
#[test]
fn one_volume_at_several_paths_of_a_container() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: mp}\nspec:\n  containers:\n  - name: app\n    image: x:1\n    volumeMounts:\n    - {name: d, mountPath: /a}\n    - {name: d, mountPath: /b, readOnly: true}\n    - {name: c, mountPath: /c1}\n    - {name: c, mountPath: /c2}\n  volumes:\n  - {name: d, persistentVolumeClaim: {claimName: d}}\n  - {name: c, configMap: {name: c}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n";
    let config = Config::parse(text, "mp.yaml").unwrap();
    let app = config.entry("mp-app").unwrap();
    assert_eq!(app.strings("volumes"), ["d:/a", "d:/b:ro"]);
    assert_eq!(app.strings("volumes_from"), ["mp-c-files:ro"]);
    let files = config.entry("mp-c-files").unwrap();
    assert_eq!(files.strings("volumes"), ["/c1", "/c2"]);
    assert!(files.strings("command")[0].contains("for d in '/c1' '/c2'; do"));
}

/// A Secret's files belong to the mounting container's user, never
/// readable by others; a ConfigMap's `binaryData` is written byte for
/// byte (escaped for `printf %b`).
#[test]
fn secret_files_belong_to_their_user_and_binary_data_survives() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: o}\nspec:\n  securityContext: {runAsUser: 1000, runAsGroup: 2000}\n  containers:\n  - name: app\n    image: x:1\n    volumeMounts:\n    - {name: s, mountPath: /s}\n    - {name: b, mountPath: /b}\n  volumes:\n  - {name: s, secret: {secretName: s, defaultMode: 0777}}\n  - {name: b, configMap: {name: b}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {token: t}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\nbinaryData: {blob: AAEC/w==}\n";
    let config = Config::parse(text, "o.yaml").unwrap();
    let s = config.entry("o-s-files").unwrap().strings("command")[0].clone();
    assert!(s.contains("chmod 770 \"$d/token\""), "{s}");
    assert!(s.contains("chown 1000:2000 \"$d/token\""), "{s}");
    let b: serde_json::Value =
        serde_json::from_str(config.entry("o-b-files").unwrap().config_data()).unwrap();
    assert_eq!(
        b["environment"]["PAUNCH_CONFIG_0"],
        "\\0000\\0001\\0002\\0377"
    );
}

/// The downward API's annotations: one by `fieldRef` in env, all of them
/// in a downwardAPI file (`K="V"` lines, sorted), as the kubelet writes.
#[test]
fn the_downward_api_knows_the_pods_annotations() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations: {build: '42', owner: ops}\nspec:\n  containers:\n  - name: app\n    image: x:1\n    env:\n    - name: BUILD\n      valueFrom: {fieldRef: {fieldPath: \"metadata.annotations['build']\"}}\n    volumeMounts: [{name: info, mountPath: /info}]\n  volumes:\n  - name: info\n    downwardAPI:\n      items:\n      - {path: notes, fieldRef: {fieldPath: metadata.annotations}}\n";
    let config = Config::parse(text, "a.yaml").unwrap();
    let app: serde_json::Value =
        serde_json::from_str(config.entry("a-app").unwrap().config_data()).unwrap();
    assert_eq!(app["environment"]["BUILD"], "42", "{app}");
    let files: serde_json::Value =
        serde_json::from_str(config.entry("a-info-files").unwrap().config_data()).unwrap();
    assert_eq!(
        files["environment"]["PAUNCH_CONFIG_0"],
        "build=\"42\"\\0012owner=\"ops\"\\0012"
    );
    // In a Deployment, the Pod's annotations are its template's.
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, annotations: {build: 'no'}}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}, annotations: {build: '7'}}\n    spec:\n      containers:\n      - name: app\n        image: x:1\n        env:\n        - name: BUILD\n          valueFrom: {fieldRef: {fieldPath: \"metadata.annotations['build']\"}}\n";
    let config = Config::parse(deployment, "d.yaml").unwrap();
    let app: serde_json::Value =
        serde_json::from_str(config.entry("d-pod-app").unwrap().config_data()).unwrap();
    assert_eq!(app["environment"]["BUILD"], "7", "{app}");
}
