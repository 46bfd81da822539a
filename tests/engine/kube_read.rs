//! Kubernetes manifests as people write them (SPEC §18), on a real
//! engine: ConfigMaps and Secrets of the same file as env and as
//! read-only files (a Secret masked in the plan, its files not readable
//! by others), applied directly and from a saved plan, a changed value
//! replacing its container.

use crate::support::*;

const PASSWORD: &str = "hunter2-kube-4711";

fn objects(site: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: {{p}}web
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: {{image}}
    command: [sleep, "100000"]
    env:
    - name: DB_HOST
      valueFrom:
        secretKeyRef: {{name: db, key: host}}
    - name: MODE
      valueFrom:
        configMapKeyRef: {{name: web-env, key: mode}}
    envFrom:
    - secretRef: {{name: db}}
      prefix: S_
    volumeMounts:
    - {{name: conf, mountPath: /etc/web}}
    - {{name: creds, mountPath: /etc/creds}}
  volumes:
  - name: conf
    configMap:
      name: web-env
      items: [{{key: site, path: conf/site.txt}}]
  - name: creds
    secret: {{secretName: db}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: web-env}}
data:
  mode: prod
  site: |
    {site}
---
apiVersion: v1
kind: Secret
metadata: {{name: db}}
data:
  host: ZGIuaW50ZXJuYWw=
stringData:
  password: {PASSWORD}
"#
    )
}

#[test]
fn configmaps_and_secrets_are_env_and_read_only_files() {
    let s = Scope::new("kube-objects");
    let file = s.config("o.yaml", &objects("hello"));
    let app = s.name("web-app");
    // The plan masks what a Secret sets, whatever the variable's name.
    let plan = s.plan(&file, "o1").ok();
    let saved = s.dir.path().join("o1.plan");
    let shown = s
        .paunch(&[
            "plan",
            "--file",
            file.to_str().unwrap(),
            "--config-id",
            "o1",
            "--out",
            saved.to_str().unwrap(),
        ])
        .ok();
    let show = s.paunch(&["show", "-v", saved.to_str().unwrap()]).ok();
    for text in [&plan.stdout, &shown.stdout, &show.stdout] {
        assert!(!text.contains(PASSWORD), "{text}");
        assert!(!text.contains("db.internal"), "{text}");
    }
    assert!(
        show.stdout.contains("DB_HOST=(sensitive)"),
        "{}",
        show.stdout
    );
    // Applied from the saved plan: the files are written as by apply.
    s.paunch(&["apply", "--plan", saved.to_str().unwrap()]).ok();
    let env = exec_out(&app, &["env"]);
    assert!(env.contains("DB_HOST=db.internal"), "{env}");
    assert!(env.contains("MODE=prod"), "{env}");
    assert!(env.contains(&format!("S_password={PASSWORD}")), "{env}");
    assert_eq!(
        exec_out(&app, &["cat", "/etc/web/conf/site.txt"]),
        "hello\n"
    );
    assert_eq!(exec_out(&app, &["cat", "/etc/creds/password"]), PASSWORD);
    // Read-only; the Secret's files not readable by others.
    assert!(exec_out(&app, &["sh", "-c", "touch /etc/web/x || echo refused"]).contains("refused"));
    let mode = exec_out(&app, &["ls", "-l", "/etc/creds/password"]);
    assert!(mode.starts_with("-rw-r----- "), "{mode}");
    let mode = exec_out(&app, &["ls", "-l", "/etc/web/conf/site.txt"]);
    assert!(mode.starts_with("-rw-r--r-- "), "{mode}");
    // Again: nothing to do.
    let again = s.apply(&file, "o1").ok();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
    // A changed ConfigMap value replaces the container mounting it.
    let before = id_of(&app);
    let file = s.config("o.yaml", &objects("changed"));
    s.apply(&file, "o1").ok();
    assert_ne!(id_of(&app), before);
    assert_eq!(
        exec_out(&app, &["cat", "/etc/web/conf/site.txt"]),
        "changed\n"
    );
}

fn deployment(replicas: u32) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{p}}api
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: api}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: app
        image: {{image}}
        command: [sleep, "100000"]
"#
    )
}

/// Three copies; a scale down to two removes the highest, the others
/// untouched; applied again, nothing changes.
#[test]
fn a_deployment_of_three_replicas_scales_down_by_its_highest() {
    let s = Scope::new("kube-replicas");
    let file = s.config("d.yaml", &deployment(3));
    s.apply(&file, "r1").ok();
    let copies = ["api-pod-app", "api-pod-1-app", "api-pod-2-app"].map(|c| s.name(c));
    for c in &copies {
        assert!(running(c), "{c} is not running");
    }
    let ids: Vec<String> = copies[..2].iter().map(|c| id_of(c)).collect();
    let file = s.config("d.yaml", &deployment(2));
    s.apply(&file, "r1").ok();
    assert!(!exists(&copies[2]), "the highest copy is removed");
    assert!(!exists(&s.name("api-pod-2-infra")));
    let after: Vec<String> = copies[..2].iter().map(|c| id_of(c)).collect();
    assert_eq!(ids, after, "the other copies stay as they are");
    let again = s.apply(&file, "r1").ok();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}

/// A sidecar (an init container of `restartPolicy: Always`) starts before
/// the init containers after it and keeps running beside the app: the
/// ordinary init container after it reaches it, then exits.
#[test]
fn a_sidecar_runs_while_the_app_starts() {
    let s = Scope::new("kube-sidecar");
    let file = s.config(
        "s.yaml",
        r#"apiVersion: v1
kind: Pod
metadata:
  name: {p}side
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: proxy
    image: {image}
    restartPolicy: Always
    command: [sh, -c, "mkdir -p /www && echo from-sidecar > /www/index.html && exec busybox httpd -f -p 8081 -h /www"]
  - name: wait
    image: {image}
    command: [sh, -c, "for i in $(seq 50); do busybox wget -qO- http://localhost:8081/ && exit 0; sleep 0.1; done; exit 1"]
  containers:
  - name: app
    image: {image}
    command: [sleep, "100000"]
"#,
    );
    s.apply(&file, "s1").ok();
    let proxy = s.name("side-proxy");
    assert!(running(&proxy), "the sidecar keeps running");
    assert_eq!(inspect(&s.name("side-wait"))["State"]["ExitCode"], 0);
    assert!(running(&s.name("side-app")));
    let started = |n: &str| {
        inspect(&s.name(n))["State"]["StartedAt"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(started("side-proxy") <= started("side-app"));
    let again = s.apply(&file, "s1").ok();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}

/// Pod `x-y`'s container `z` and Pod `x`'s container `y-z` would both be
/// `x-y-z`: refused, with both places, and nothing is created.
#[test]
fn colliding_container_names_are_refused() {
    let s = Scope::new("kube-collide");
    let file = s.config(
        "c.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: '{p}x-y'}\nspec:\n  containers:\n  - {name: z, image: '{image}'}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: '{p}x'}\nspec:\n  containers:\n  - {name: y-z, image: '{image}'}\n",
    );
    let run = s.apply(&file, "c1").code(3);
    assert!(run.stderr.contains("line 6, column"), "{}", run.stderr);
    assert!(run.stderr.contains("c.yaml:13:"), "{}", run.stderr);
    assert!(s.managed().is_empty());
}

/// The Pod's containers share its hostname (the infra container's UTS
/// namespace) on podman as on docker.
#[test]
fn a_pods_containers_share_its_hostname() {
    let s = Scope::new("kube-uts");
    let file = s.config(
        "h.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: '{p}host'}\nspec:\n  terminationGracePeriodSeconds: 1\n  hostname: pod-host\n  containers:\n  - {name: app, image: '{image}', command: [sleep, '100000']}\n",
    );
    s.apply(&file, "h1").ok();
    assert_eq!(
        exec_out(&s.name("host-app"), &["hostname"]).trim(),
        "pod-host"
    );
}

/// An exec probe is run without a shell where the engine's CLI allows it
/// (podman: the exec form `CMD`; docker's CLI has only the shell form, so
/// there its words are quoted for the shell), with Kubernetes' timings.
#[test]
fn an_exec_probe_runs_in_exec_form() {
    let s = Scope::new("kube-probe");
    let file = s.config(
        "p.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: '{p}probe'}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n    image: '{image}'\n    command: [sh, -c, 'echo ok > \"/tmp/a b\"; exec sleep 100000']\n    livenessProbe:\n      exec: {command: [cat, '/tmp/a b']}\n",
    );
    s.apply(&file, "p1").ok();
    let app = s.name("probe-app");
    let h = &inspect(&app)["Config"]["Healthcheck"];
    let test: Vec<String> = h["Test"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    if is_podman() {
        assert_eq!(test, ["CMD", "cat", "/tmp/a b"]);
    } else {
        eprintln!("docker: its CLI's --health-cmd is always CMD-SHELL; the words are shell-quoted");
        assert_eq!(test, ["CMD-SHELL", "cat '/tmp/a b'"]);
    }
    // Kubernetes' default period and timeout, in nanoseconds.
    assert_eq!(h["Interval"], 10_000_000_000_u64);
    assert_eq!(h["Timeout"], 1_000_000_000_u64);
    run_health_checks(&[&app]);
    wait_until(20, "the probe to pass", || {
        inspect(&app)["State"]["Health"]["Status"] == "healthy"
    });
}

/// An emptyDir of `medium: Memory` is a tmpfs of its `sizeLimit`.
#[test]
fn a_memory_emptydir_is_a_tmpfs() {
    let s = Scope::new("kube-tmpfs");
    let file = s.config(
        "t.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: '{p}mem'}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n    image: '{image}'\n    command: [sleep, '100000']\n    volumeMounts: [{name: scratch, mountPath: /scratch}]\n  volumes:\n  - {name: scratch, emptyDir: {medium: Memory, sizeLimit: 8Mi}}\n",
    );
    s.apply(&file, "t1").ok();
    let all = exec_out(&s.name("mem-app"), &["cat", "/proc/mounts"]);
    let mounts = all
        .lines()
        .find(|l| l.contains(" /scratch "))
        .unwrap_or_default()
        .to_string();
    assert!(mounts.starts_with("tmpfs /scratch tmpfs"), "{mounts}");
    assert!(mounts.contains("size=8192k"), "{mounts}");
    let again = s.apply(&file, "t1").ok();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}

/// A PersistentVolumeClaim of the file is the named volume of the Pod's
/// `persistentVolumeClaim` volume: what is written in it survives its
/// container's replacement (the volume is kept, never removed by apply).
#[test]
fn a_claim_is_a_named_volume_that_survives_a_reapply() {
    let s = Scope::new("kube-pvc");
    let claim = s.name("data");
    let manifest = |tag: &str| {
        format!(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: '{claim}'}}\nspec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: '{{p}}db', labels: {{tag: {tag}}}}}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n    image: '{{image}}'\n    command: [sleep, '100000']\n    volumeMounts: [{{name: data, mountPath: /data}}]\n  volumes:\n  - {{name: data, persistentVolumeClaim: {{claimName: '{claim}'}}}}\n"
        )
    };
    let file = s.config("v.yaml", &manifest("a"));
    s.apply(&file, "v1").ok();
    let app = s.name("db-app");
    engine_ok(&["exec", &app, "sh", "-c", "echo kept > /data/f"]);
    let before = id_of(&app);
    // A changed label replaces the container; the volume stays.
    let file = s.config("v.yaml", &manifest("b"));
    s.apply(&file, "v1").ok();
    assert_ne!(id_of(&app), before);
    assert_eq!(exec_out(&app, &["cat", "/data/f"]), "kept\n");
    let again = s.apply(&file, "v1").ok();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
    s.cleanup();
    let _ = engine(&["volume", "rm", "-f", &claim]);
}

/// A Pod using a ConfigMap of the same file, for paunch and for podman's
/// own `kube play` (named `pod`).
fn configmap_pod(pod: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: ConfigMap
metadata: {{name: {pod}-env}}
data:
  mode: prod
  site: |
    hello from the map
---
apiVersion: v1
kind: Pod
metadata: {{name: {pod}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: {{image}}
    command: [/bin/sleep, "100000"]
    env:
    - name: MODE
      valueFrom:
        configMapKeyRef: {{name: {pod}-env, key: mode}}
    envFrom:
    - configMapRef: {{name: {pod}-env}}
    volumeMounts:
    - {{name: conf, mountPath: /etc/web}}
  volumes:
  - name: conf
    configMap:
      name: {pod}-env
      items: [{{key: site, path: site.txt}}]
"#
    )
}

/// What podman 4.3's own `kube play` makes of a manifest with a ConfigMap
/// is what paunch makes of it: the same environment and the same files.
/// (kube play gives a container of an image without `Env` no `PATH`:
/// absolute paths.)
/// (Secrets are left out: podman 4.3's kube play cannot read a Secret of
/// the same file for `secretKeyRef`; so is `envFrom.prefix`, which 4.3
/// ignores and paunch honours, as Kubernetes does.)
#[test]
fn podman_kube_play_gives_the_same_env_and_files() {
    if !is_podman() {
        eprintln!("podman only, skipped on docker: podman kube play is the reference");
        return;
    }
    let s = Scope::new("kube-vs-play");
    let ours = s.config("ours.yaml", &configmap_pod("{p}ours"));
    s.apply(&ours, "cm1").ok();
    let theirs = s.config("theirs.yaml", &configmap_pod("{p}theirs"));
    let path = theirs.to_str().unwrap();
    let play = engine_command()
        .args(["kube", "play", path])
        .output()
        .unwrap();
    let seen = |c: &str| {
        let env = exec_out(c, &["/bin/busybox", "env"]);
        let mut vars: Vec<String> = env
            .lines()
            .filter(|l| ["MODE=", "mode=", "site="].iter().any(|p| l.starts_with(p)))
            .map(str::to_string)
            .collect();
        vars.sort();
        (
            vars,
            exec_out(c, &["/bin/busybox", "cat", "/etc/web/site.txt"]),
        )
    };
    let mine = seen(&s.name("ours-app"));
    let podmans = seen(&s.name("theirs-app"));
    let _ = engine_command().args(["kube", "down", path]).output();
    assert!(
        play.status.success(),
        "{}",
        String::from_utf8_lossy(&play.stderr)
    );
    assert_eq!(mine, podmans);
    assert!(mine.0.contains(&"MODE=prod".to_string()), "{mine:?}");
    assert_eq!(mine.1, "hello from the map\n");
}
