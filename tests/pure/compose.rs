//! Compose files as a configuration (SPEC §17), read without an engine:
//! names, `config_data`, the engine arguments, networks and volumes,
//! order, profiles, interpolation with `.env`, and a corpus of broken
//! files (tests/compose-bad/), each refused at file:line:column.

use paunch::Config;
use paunch::config::{LoadOptions, ResourceKind};
use paunch::engine::argv::{LabelSet, Runtime};
use std::path::PathBuf;

/// Writes `files` into a new directory and loads its `compose.yaml` as
/// project `project`, with `profiles` active.
fn load(
    files: &[(&str, &str)],
    project: &str,
    profiles: &[&str],
) -> (tempfile::TempDir, paunch::Result<Config>) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let opts = LoadOptions {
        project: Some(project.into()),
        profiles: profiles.iter().map(|p| (*p).to_string()).collect(),
        ..LoadOptions::default()
    };
    let config = Config::load_with(&dir.path().join("compose.yaml"), &opts);
    (dir, config)
}

fn argv(config: &Config, name: &str) -> Vec<String> {
    let labels = LabelSet {
        managed_by: "t".into(),
        config_id: "p".into(),
        extra: Default::default(),
    };
    Runtime::Docker.run_args(config.entry(name).unwrap(), name, &labels)
}

const PROJECT: &str = r#"
x-common: &common
  restart: unless-stopped
  stop_grace_period: 1s
services:
  db:
    <<: *common
    image: ${IMAGE:-busybox:1}
    command: sh -c 'echo "db up"; exec httpd -f -p 5432'
    environment:
      MODE: ${MODE}
      UNSET_HERE:
    env_file: db.env
    healthcheck:
      test: wget -q -O- localhost:5432
      interval: 1s
    volumes:
      - data:/data
      - ./conf:/conf:ro
      - type: tmpfs
        target: /scratch
        tmpfs: {size: 1000000}
  web:
    <<: *common
    image: busybox:1
    command: ["httpd", "-f", "-p", "80"]
    ports: ["127.0.0.1:18080:80", {target: 81, published: "18081", protocol: udp}]
    depends_on:
      db: {condition: service_healthy}
      init: {condition: service_completed_successfully}
    deploy:
      replicas: 2
      resources: {limits: {memory: 64m, cpus: "0.5"}}
  init:
    image: busybox:1
    command: "true"
    networks:
      back: {aliases: [setup]}
  debug:
    image: busybox:1
    profiles: [dbg]
volumes:
  data: {}
networks:
  back: {internal: true}
"#;

#[test]
fn a_project_reads_as_compose_names_it() {
    let files = [
        ("compose.yaml", PROJECT),
        (".env", "MODE=from-dotenv\n"),
        ("db.env", "FROM_FILE=1\nMODE=overridden-by-environment\n"),
    ];
    let (dir, config) = load(&files, "shop", &[]);
    let config = config.unwrap();
    let names: Vec<&str> = config.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["shop-db-1", "shop-web-1", "shop-web-2", "shop-init-1"]
    );
    let db = config.entry("shop-db-1").unwrap();
    let d = dir.path().display();
    // config_data is the service as normalised: compose keys, engine names.
    assert_eq!(
        db.config_data(),
        format!(
            r#"{{"restart": "unless-stopped", "stop_grace_period": "1s", "image": "busybox:1", "command": ["sh", "-c", "echo \"db up\"; exec httpd -f -p 5432"], "environment": {{"FROM_FILE": "1", "MODE": "from-dotenv"}}, "healthcheck": {{"test": ["CMD-SHELL", "wget -q -O- localhost:5432"], "interval": "1s"}}, "volumes": ["shop_data:/data", "{d}/conf:/conf:ro"], "tmpfs": ["/scratch:size=1000000"], "networks": {{"shop_default": {{"aliases": ["db"]}}}}}}"#
        )
    );
    let a = argv(&config, "shop-db-1");
    for want in [
        "--net=shop_default",
        "--network-alias=db",
        "--volume=shop_data:/data",
        "--tmpfs=/scratch:size=1000000",
        "--restart=unless-stopped",
        "--stop-timeout=1",
        "--env=MODE=from-dotenv",
        "--label=paunch.compose.service=db",
    ] {
        assert!(a.contains(&want.to_string()), "{want} not in {a:?}");
    }
    assert_eq!(
        a[a.len() - 3..],
        ["sh", "-c", "echo \"db up\"; exec httpd -f -p 5432"]
    );
    // Order: db and init first; db is waited on, init runs to completion.
    assert_eq!(db.int("start_order"), Some(0));
    assert_eq!(db.bool("gate"), Some(true));
    let init = config.entry("shop-init-1").unwrap();
    assert_eq!(init.bool("detach"), Some(false));
    assert_eq!(init.strings("network_aliases"), ["init", "setup"]);
    let web = config.entry("shop-web-2").unwrap();
    assert_eq!(web.int("start_order"), Some(1));
    assert_eq!(web.strings("ports"), ["127.0.0.1:18080:80", "18081:81/udp"]);
    assert_eq!(web.string("cpus"), Some("0.5"));
    assert_eq!(web.string("mem_limit"), Some("64m"));
    // The networks and volumes used, by engine name; `debug`'s profile is off.
    let res: Vec<(ResourceKind, &str)> = config
        .resources
        .iter()
        .map(|r| (r.kind, r.name.as_str()))
        .collect();
    assert_eq!(
        res,
        [
            (ResourceKind::Network, "shop_back"),
            (ResourceKind::Network, "shop_default"),
            (ResourceKind::Volume, "shop_data"),
        ]
    );
    // The missing bind source is created, as the engine would.
    assert_eq!(config.host_paths.len(), 1);
    assert!(config.host_paths[0].path.ends_with("conf"));
}

#[test]
fn profiles_enable_services() {
    let (_d, config) = load(
        &[("compose.yaml", PROJECT), ("db.env", "")],
        "shop",
        &["dbg"],
    );
    let config = config.unwrap();
    assert!(config.entry("shop-debug-1").is_some());
}

/// A saved plan keeps each compose container's config_data beside its
/// paunch entry, so that `apply --plan` labels it as `apply --file` does.
#[test]
fn config_data_survives_the_plan_value() {
    let (_d, config) = load(&[("compose.yaml", PROJECT), ("db.env", "")], "shop", &[]);
    let config = config.unwrap();
    let mut back = Config::from_value(&config.to_value(), "plan", &config.options).unwrap();
    back.override_config_data(&config.config_data_overrides());
    for (a, b) in config.entries.iter().zip(&back.entries) {
        assert_eq!(a.config_data(), b.config_data(), "{}", a.name);
    }
}

/// A paunch file with an entry named `services` is still a paunch file.
#[test]
fn an_entry_named_services_is_not_compose() {
    let config = Config::parse("services:\n  image: app:1\n", "x").unwrap();
    assert_eq!(config.entries[0].name, "services");
}

/// A compose file never gets paunch's "entry services" errors.
#[test]
fn compose_errors_speak_compose() {
    let e = Config::parse(
        "services:\n  redis:\n    image: redis:7\n    imgae: x\n",
        "c.yaml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("c.yaml:4:5: services.redis: unknown key \"imgae\""),
        "{e}"
    );
    assert!(!e.contains("entry \"services\""), "{e}");
}

fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/compose-bad")
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    files
}

/// Every broken compose file is refused with the message in its snapshot.
#[test]
fn every_broken_compose_file_is_refused_with_a_clear_message() {
    assert!(corpus().len() >= 15);
    insta::glob!("../compose-bad", "*.yaml", |path| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let file = path.strip_prefix(root).unwrap_or(path);
        let err = match Config::load(file) {
            Ok(_) => panic!("{} was accepted", file.display()),
            Err(e) => e,
        };
        assert_eq!(err.kind(), paunch::ErrorKind::Config, "{}", file.display());
        let name = file.file_stem().unwrap().to_string_lossy();
        crate::plans::snapshot_settings().bind(|| {
            insta::assert_snapshot!(format!("compose-bad-{name}"), err.to_string());
        });
    });
}

/// docs/compose.md's key table is the reader's table.
#[test]
fn the_compose_reference_is_generated_from_the_table() {
    let path = "docs/compose.md";
    let doc = std::fs::read_to_string(path).unwrap();
    let (begin, end) = ("<!-- compose-keys:begin -->\n", "<!-- compose-keys:end -->");
    let start = doc.find(begin).unwrap() + begin.len();
    let stop = doc.find(end).unwrap();
    let table = paunch::config::compose::table::markdown_table();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, format!("{}{table}{}", &doc[..start], &doc[stop..])).unwrap();
        return;
    }
    assert_eq!(
        &doc[start..stop],
        table,
        "docs/compose.md is out of date: run this test with UPDATE_DOCS=1"
    );
}

/// A secret's file is bind-mounted read-only at /run/secrets/NAME; a
/// config's at /NAME; a service built on another by `extends` merges as
/// the spec says.
#[test]
fn secrets_configs_and_extends() {
    let text = r#"
services:
  base:
    image: busybox:1
    command: ["sleep", "1"]
    environment: [A=1, B=2]
    volumes: ["./a:/data", "./b:/keep"]
  app:
    extends: base
    command: ["sleep", "2"]
    environment: {B: "3"}
    volumes: ["./c:/data"]
    secrets: [db_password, {source: api_key, target: key.txt}]
    configs: [site]
  other:
    extends: {service: tool, file: tools.yaml}
secrets:
  db_password: {file: ./db_password.txt}
  api_key: {file: api_key.txt}
configs:
  site: {file: ./site.conf}
"#;
    let files = [
        ("compose.yaml", text),
        ("db_password.txt", "hunter2"),
        ("api_key.txt", "k"),
        ("site.conf", "c"),
        (
            "tools.yaml",
            "services:\n  tool:\n    image: tool:1\n    user: \"1000\"\n",
        ),
    ];
    let (dir, config) = load(&files, "x", &[]);
    let config = config.unwrap();
    let d = dir.path().display();
    let app = config.entry("x-app-1").unwrap();
    assert_eq!(app.strings("command"), ["sleep", "2"]);
    assert_eq!(app.strings("environment"), ["A=1", "B=3"]);
    assert_eq!(
        app.strings("volumes"),
        [
            format!("{d}/b:/keep"),
            format!("{d}/c:/data"),
            format!("{d}/db_password.txt:/run/secrets/db_password:ro"),
            format!("{d}/api_key.txt:/run/secrets/key.txt:ro"),
            format!("{d}/site.conf:/site:ro"),
        ]
    );
    // The secret's value is nowhere in what paunch writes.
    assert!(!app.config_data().contains("hunter2"));
    let other = config.entry("x-other-1").unwrap();
    assert_eq!(other.image(), Some("tool:1"));
    assert_eq!(other.string("user"), Some("1000"));
    // A missing secret file, a cycle: errors.
    let bad = "services:\n  a:\n    image: x:1\n    extends: b\n  b:\n    image: x:1\n    extends: a\n    secrets: [s]\nsecrets:\n  s: {file: ./nope}\n";
    let (_d, e) = load(&[("compose.yaml", bad)], "x", &[]);
    let e = e.unwrap_err().to_string();
    assert!(e.contains("extends makes a cycle"), "{e}");
    assert!(e.contains("nope does not exist"), "{e}");
}

/// `include`: another file's services join the project, its relative
/// paths meaning its own directory and its `.env` defaulting its
/// variables; a name defined twice, and a cycle, are errors.
#[test]
fn included_files_join_the_project() {
    let (dir, _) = load(&[("compose.yaml", "services: {}\n")], "x", &[]);
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join(".env"), "TAG=from-sub-env\n").unwrap();
    std::fs::write(
        sub.join("db.yaml"),
        "services:\n  db:\n    image: db:${TAG}\n    volumes: [./data:/data, cache:/cache]\nvolumes:\n  cache: {}\n",
    )
    .unwrap();
    let main =
        "include: [sub/db.yaml]\nservices:\n  web:\n    image: web:1\n    depends_on: [db]\n";
    std::fs::write(dir.path().join("compose.yaml"), main).unwrap();
    let opts = LoadOptions {
        project: Some("x".into()),
        ..LoadOptions::default()
    };
    let config = Config::load_with(&dir.path().join("compose.yaml"), &opts).unwrap();
    let db = config.entry("x-db-1").unwrap();
    assert_eq!(db.image(), Some("db:from-sub-env"));
    assert_eq!(
        db.strings("volumes"),
        [
            format!("{}/data:/data", sub.display()),
            "x_cache:/cache".to_string()
        ]
    );
    assert_eq!(config.entry("x-web-1").unwrap().int("start_order"), Some(1));
    // Defined twice.
    std::fs::write(
        dir.path().join("compose.yaml"),
        "include: [sub/db.yaml]\nservices:\n  db:\n    image: other:1\n",
    )
    .unwrap();
    let e = Config::load_with(&dir.path().join("compose.yaml"), &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("services \"db\" is defined both here and in sub/db.yaml"),
        "{e}"
    );
    // A cycle.
    std::fs::write(
        sub.join("db.yaml"),
        "include: [../compose.yaml]\nservices:\n  db:\n    image: db:1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "include: [sub/db.yaml]\nservices:\n  web:\n    image: web:1\n",
    )
    .unwrap();
    let e = Config::load_with(&dir.path().join("compose.yaml"), &opts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("include cycle"), "{e}");
}

/// A container of `e` as an earlier apply left it: labelled with its
/// config_data, running `image_id`.
fn applied(e: &paunch::config::Entry, config_id: &str, image_id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": "ab".repeat(32),
        "name": e.name,
        "state": "running",
        "image_id": image_id,
        "image": e.image(),
        "command": [],
        "created": "2026-11-01T10:00:01Z",
        "labels": {
            "managed_by": "paunch",
            "config_id": config_id,
            "container_name": e.name,
            "config_data": e.config_data(),
        }
    })
}

/// `build`: normalised into config_data with its context's hash; a plan
/// builds the image (never pulls it) before the containers that use it;
/// nothing is built when nothing changed; a changed context rebuilds and
/// replaces ("image rebuilt"); BuildKit-only keys are refused or ignored.
#[test]
fn build_is_a_plan_step_before_its_containers() {
    use paunch::plan::{Action, Phase, PlanOptions, Reason, plan_apply};
    let text = r#"
services:
  app:
    build:
      context: ./ctx
      dockerfile: Containerfile
      args: [VERSION=1, FROM_ENV, UNSET_BUILD_ARG_X]
      target: final
      labels: {org.x: y}
      network: host
      shm_size: 64m
      extra_hosts: {reg: 10.0.0.1}
      no_cache: true
      pull: true
      tags: [extra:1]
      cache_from: [x]
  named:
    build: ctx
    image: mine:2
"#;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("ctx")).unwrap();
    std::fs::write(d.join("ctx/Containerfile"), "FROM x\nCOPY a /a\n").unwrap();
    std::fs::write(d.join("ctx/a"), "one").unwrap();
    std::fs::write(d.join("compose.yaml"), text).unwrap();
    std::fs::write(d.join(".env"), "FROM_ENV=e\n").unwrap();
    let opts = LoadOptions {
        project: Some("x".into()),
        ..LoadOptions::default()
    };
    let load = || Config::load_with(&d.join("compose.yaml"), &opts).unwrap();
    let config = load();
    let warned: Vec<String> = config.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warned
            .iter()
            .any(|w| w.contains("build.cache_from is ignored")),
        "{warned:?}"
    );
    let app = config.entry("x-app-1").unwrap();
    assert_eq!(app.image(), Some("x-app"));
    let ctx = format!("{}/ctx", d.display());
    let data = app.data.as_map().unwrap();
    let build = data.get("build").unwrap().as_map().unwrap();
    let hash = build.get("context_hash").unwrap().as_str().unwrap();
    assert!(hash.starts_with("sha256:"), "{hash}");
    assert_eq!(
        app.config_data(),
        format!(
            r#"{{"build": {{"context": "{ctx}", "dockerfile": "Containerfile", "args": {{"VERSION": "1", "FROM_ENV": "e"}}, "target": "final", "labels": {{"org.x": "y"}}, "network": "host", "shm_size": "64m", "extra_hosts": ["reg:10.0.0.1"], "no_cache": true, "pull": true, "tags": ["extra:1"], "context_hash": "{hash}"}}, "image": "x-app", "networks": {{"x_default": {{"aliases": ["app"]}}}}}}"#
        )
    );
    assert_eq!(config.entry("x-named-1").unwrap().image(), Some("mine:2"));

    // Nothing there: both images built, none pulled, the creates after.
    let popts = PlanOptions {
        config_id: "x".into(),
        ..PlanOptions::default()
    };
    let plan = plan_apply(&config, &paunch::Observed::default(), &popts);
    assert_eq!(plan.counts().pull, 0);
    assert_eq!(plan.counts().build, 2);
    let s = &plan.steps[0];
    assert_eq!((s.phase, &s.reason), (Phase::Pull, &Reason::ImageMissing));
    let Action::Build { image, argv, .. } = &s.action else {
        panic!("{:?}", s.action)
    };
    assert_eq!(image, "x-app");
    let want = [
        "build",
        "--tag=x-app",
        "--tag=extra:1",
        "--force-rm",
        &format!("--file={ctx}/Containerfile"),
        "--build-arg=VERSION=1",
        "--build-arg=FROM_ENV=e",
        "--target=final",
        "--label=org.x=y",
        "--network=host",
        "--shm-size=64m",
        "--add-host=reg:10.0.0.1",
        "--no-cache",
        "--pull",
        "--",
        &ctx,
    ];
    assert_eq!(argv, &want);
    let create = plan
        .steps
        .iter()
        .find(|s| s.describe() == "create x-app-1")
        .unwrap();
    assert!(create.after.contains(&1), "{:?}", create.after);
    let shown = paunch::render::text::render(&plan, &paunch::render::Paint::plain());
    assert!(
        shown.contains("Plan: 2 images to build, 2 to create"),
        "{shown}"
    );
    assert!(shown.contains(&format!("x-app from {ctx}")), "{shown}");

    // Applied, images there: nothing to do, nothing built.
    let image_id = format!("sha256:{}", "c".repeat(64));
    let observed_with = |config: &Config| -> paunch::Observed {
        let e = config.entry("x-app-1").unwrap();
        let n = config.entry("x-named-1").unwrap();
        let mut c2 = applied(n, "x", &image_id);
        c2["id"] = serde_json::json!("cd".repeat(32));
        serde_json::from_value(serde_json::json!({
            "containers": [applied(e, "x", &image_id), c2],
            "images": {"x-app": image_id, "mine:2": image_id},
            "networks": {"x_default": {"managed_by": "paunch", "config_id": "x", "config_data": "{}"}},
        }))
        .unwrap()
    };
    let observed = observed_with(&config);
    let plan = plan_apply(&config, &observed, &popts);
    assert!(plan.steps.is_empty(), "{:?}", plan.steps);

    // The context changed: rebuilt, replaced, "image rebuilt".
    std::fs::write(d.join("ctx/a"), "two").unwrap();
    let changed = load();
    let plan = plan_apply(&changed, &observed, &popts);
    let kinds: Vec<(String, &Reason)> = plan
        .steps
        .iter()
        .map(|s| (s.describe(), &s.reason))
        .collect();
    assert_eq!(
        kinds,
        [
            ("build x-app".to_string(), &Reason::ImageRebuilt),
            ("build mine:2".to_string(), &Reason::ImageRebuilt),
            ("replace x-app-1".to_string(), &Reason::ImageRebuilt),
            ("replace x-named-1".to_string(), &Reason::ImageRebuilt),
        ]
    );
    assert_eq!(plan.steps[2].after, [1]);
    assert_eq!(plan.steps[3].after, [2]);
    let shown = paunch::render::text::render(&plan, &paunch::render::Paint::plain());
    assert!(shown.contains("image rebuilt"), "{shown}");
    let json = serde_json::to_string(&plan).unwrap();
    assert!(json.contains(r#""kind":"image_rebuilt""#), "{json}");
    // A change of the build itself: "configuration changed", rebuilt.
    std::fs::write(
        d.join("compose.yaml"),
        text.replace("target: final", "target: other"),
    )
    .unwrap();
    let plan = plan_apply(&load(), &observed, &popts);
    assert_eq!(plan.steps[0].describe(), "build x-app");
    assert_eq!(plan.steps[2].reason, Reason::ConfigChanged);
    // The image gone, the container kept: built again.
    let mut gone = observed_with(&config);
    gone.images.insert("x-app".into(), None);
    let plan = plan_apply(&config, &gone, &popts);
    let steps: Vec<String> = plan.steps.iter().map(|s| s.describe()).collect();
    assert_eq!(steps, ["build x-app"]);
}

/// BuildKit-only build keys, a remote context and a missing one are
/// refused; text without a directory is not hashed.
#[test]
fn build_refusals() {
    for (build, want) in [
        (
            "{context: ., ssh: [default]}",
            "build ssh forwarding needs BuildKit",
        ),
        ("{context: ., secrets: [s]}", "build secrets need BuildKit"),
        ("https://github.com/x/y.git", "a remote build context"),
        ("./nope", "cannot be read"),
        ("{context: ., dockerfil: x}", "did you mean \"dockerfile\""),
    ] {
        let text = format!("services:\n  app:\n    build: {build}\n");
        let (_d, config) = load(&[("compose.yaml", &text)], "x", &[]);
        let e = config.unwrap_err().to_string();
        assert!(e.contains(want), "{build}: {e}");
    }
    let config = Config::parse("services:\n  app:\n    build: ./ctx\n", "c.yaml").unwrap();
    assert_eq!(
        config.entries[0].config_data(),
        r#"{"build": {"context": "./ctx"}, "image": "default-app", "networks": {"default_default": {"aliases": ["app"]}}}"#
    );
}

/// A `.env` that cannot be read is the compose file's error, at its
/// line; a paunch file beside it that mentions `services` never reads it.
#[test]
fn a_broken_env_file_is_reported_only_for_compose() {
    let bad_env = "GOOD=1\nA=\"unclosed\n";
    let (_d, compose) = load(
        &[
            ("compose.yaml", "services:\n  web:\n    image: app:1\n"),
            (".env", bad_env),
        ],
        "x",
        &[],
    );
    let e = compose.unwrap_err().to_string();
    assert!(e.contains(".env:2:"), "{e}");
    let (_d, paunch) = load(
        &[
            (
                "compose.yaml",
                "# the services of this host\nweb:\n  image: app:1\n",
            ),
            (".env", bad_env),
        ],
        "x",
        &[],
    );
    assert_eq!(paunch.unwrap().entries[0].name, "web");
}

/// `paunch schema --compose` accepts the corpus files paunch reads (those
/// without variables: the schema sees the file before interpolation) and
/// refuses an unknown or a refused key.
#[test]
fn the_compose_schema_follows_the_tables() {
    let schema = paunch::config::compose::schema::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let mut n = 0;
    for case in std::fs::read_dir("tests/compose/corpus").unwrap() {
        let file = case.unwrap().path().join("compose.yaml");
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let opts = LoadOptions {
            project: Some("s".into()),
            ..LoadOptions::default()
        };
        if text.contains('$') || Config::load_with(&file, &opts).is_err() {
            continue;
        }
        let doc =
            serde_json::to_value(paunch::yaml::load(&text).unwrap().unwrap().to_value()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", file.display());
        n += 1;
    }
    assert!(n >= 10, "{n}");
    for bad in [
        serde_json::json!({"services": {"web": {"imgae": "x"}}}),
        serde_json::json!({"services": {"web": {"image": "x", "gpus": "all"}}}),
        serde_json::json!({"services": {"web": {"image": "x", "deploy": {"replica": 2}}}}),
        serde_json::json!({"volumes": {}}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
    assert!(validator.is_valid(
        &serde_json::json!({"services": {"web": {"image": "x", "x-note": 1}}, "x-any": []})
    ));
}
