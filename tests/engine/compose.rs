//! Compose files on a real engine (SPEC §17): services that reach each
//! other by service name over the project network, `depends_on` with
//! `service_completed_successfully` and `service_healthy`, replicas, a
//! named volume that outlives `delete` until `--volumes`, a re-apply that
//! changes nothing, and `--wait --rollback` restoring a compose
//! container from its `config_data`.

use crate::support::*;

/// A project name unique to the test (the config ID is the project).
fn project(s: &Scope) -> String {
    format!("{}c", s.prefix.trim_end_matches('-'))
}

/// A seed job fills a volume, a server serves it once the seed ran, and
/// two web replicas fetch it by the server's service name.
fn shop(web_command: &str) -> String {
    format!(
        r#"services:
  seed:
    image: {IMAGE}
    command: sh -c 'echo seeded > /www/index.html'
    volumes: [www:/www]
  db:
    image: {IMAGE}
    command: busybox httpd -f -p 5432 -h /www
    stop_grace_period: 1s
    volumes: [www:/www]
    healthcheck:
      test: wget -q -O- localhost:5432
      interval: 1s
    depends_on:
      seed: {{condition: service_completed_successfully}}
  web:
    image: {IMAGE}
    command: {web_command}
    stop_grace_period: 1s
    depends_on:
      db: {{condition: service_healthy}}
    deploy: {{replicas: 2}}
volumes:
  www: {{}}
"#
    )
}

const FETCH: &str = "sh -c 'wget -q -O /tmp/got http://db:5432/ && exec sleep 3600'";

#[test]
fn services_reach_each_other_by_name_in_order_and_converge() {
    let s = Scope::new("compose-shop");
    let p = project(&s);
    let file = s.config("compose.yaml", &shop(FETCH));
    let out = s.apply(&file, &p).ok().stdout;
    assert!(out.contains(&format!("+ network {p}_default")), "{out}");
    assert!(out.contains(&format!("+ volume  {p}_www")), "{out}");
    // The seed ran to completion before the server, which was healthy
    // before the web replicas fetched from it by its service name.
    assert_eq!(inspect(&format!("{p}-seed-1"))["State"]["ExitCode"], 0);
    for n in [1, 2] {
        let web = format!("{p}-web-{n}");
        assert!(running(&web), "{web}");
        assert_eq!(exec_out(&web, &["cat", "/tmp/got"]), "seeded\n");
        let nets = &inspect(&web)["NetworkSettings"]["Networks"];
        let aliases = nets[format!("{p}_default")]["Aliases"].to_string();
        assert!(aliases.contains("\"web\""), "{aliases}");
    }
    assert_eq!(
        label(&format!("{p}-db-1"), "paunch.compose.service").as_deref(),
        Some("db")
    );
    // Again: nothing to do.
    let again = s.apply(&file, &p).ok().stdout;
    assert!(again.contains("No changes"), "{again}");
    // delete removes the containers and the network, not the volume...
    s.paunch(&["delete", &p]).ok();
    assert!(s.managed().is_empty());
    let volumes = engine_ok(&["volume", "ls", "-q"]);
    assert!(
        volumes.lines().any(|v| v == format!("{p}_www")),
        "{volumes}"
    );
    let networks = engine_ok(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(
        !networks.lines().any(|n| n == format!("{p}_default")),
        "{networks}"
    );
    // ...until --volumes.
    s.paunch(&["delete", &p, "--volumes"]).ok();
    let volumes = engine_ok(&["volume", "ls", "-q"]);
    assert!(
        !volumes.lines().any(|v| v == format!("{p}_www")),
        "{volumes}"
    );
}

/// A changed service that fails `--wait` is rolled back: the old
/// containers come back from their `config_data` (the normalised service),
/// on the project network, answering by name as before.
#[test]
fn a_failed_compose_apply_rolls_back() {
    let s = Scope::new("compose-rollback");
    let p = project(&s);
    let file = s.config("compose.yaml", &shop(FETCH));
    s.apply(&file, &p).ok();
    let before = id_of(&format!("{p}-web-1"));
    let broken = s.config("broken.yaml", &shop("sh -c 'exit 3'"));
    let f = broken.to_str().unwrap();
    let run = s.paunch(&[
        "apply",
        "--file",
        f,
        "--config-id",
        &p,
        "--wait",
        "--wait-timeout",
        "20",
        "--rollback",
    ]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("roll"), "{}", run.stdout);
    let web = format!("{p}-web-1");
    assert!(running(&web), "{}", run.stdout);
    assert_ne!(id_of(&web), before, "recreated, not kept");
    wait_until(20, "the restored web to fetch", || {
        exec_out(&web, &["cat", "/tmp/got"]) == "seeded\n"
    });
    let again = s.plan(&file, &p).ok().stdout;
    assert!(again.contains("No changes"), "{again}");
    s.paunch(&["delete", &p, "--volumes"]).ok();
}

/// A volume no longer in the file stays, and the plan says so; a service
/// of a profile runs only with it.
#[test]
fn a_dropped_volume_stays_and_profiles_choose_services() {
    let s = Scope::new("compose-profiles");
    let p = project(&s);
    let with = format!(
        "services:\n  app:\n    image: {IMAGE}\n    command: sleep 3600\n    stop_grace_period: 1s\n    volumes: [data:/data]\n  debug:\n    image: {IMAGE}\n    command: sleep 3600\n    stop_grace_period: 1s\n    profiles: [dbg]\nvolumes:\n  data: {{}}\n"
    );
    let file = s.config("compose.yaml", &with);
    s.apply(&file, &p).ok();
    assert!(!exists(&format!("{p}-debug-1")));
    let f = file.to_str().unwrap();
    s.paunch(&["apply", "--file", f, "--config-id", &p, "--profile", "dbg"])
        .ok();
    assert!(running(&format!("{p}-debug-1")));
    let without = format!(
        "services:\n  app:\n    image: {IMAGE}\n    command: sleep 3600\n    stop_grace_period: 1s\n    volumes: [/scratch]\n"
    );
    let file = s.config("compose.yaml", &without);
    let out = s.apply(&file, &p).ok().stdout;
    assert!(out.contains(&format!("{p}_data")), "{out}");
    assert!(!exists(&format!("{p}-debug-1")));
    let volumes = engine_ok(&["volume", "ls", "-q"]);
    assert!(
        volumes.lines().any(|v| v == format!("{p}_data")),
        "{volumes}"
    );
    // `delete --volumes` removes the containers' anonymous volumes too,
    // as `docker-compose down -v` does.
    let mounts = inspect(&format!("{p}-app-1"))["Mounts"].clone();
    let anonymous = mounts
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Destination"] == "/scratch")
        .and_then(|m| m["Name"].as_str())
        .unwrap()
        .to_string();
    s.paunch(&["delete", &p, "--volumes"]).ok();
    let volumes = engine_ok(&["volume", "ls", "-q"]);
    assert!(!volumes.lines().any(|v| v == anonymous), "{volumes}");
    assert!(
        !volumes.lines().any(|v| v == format!("{p}_data")),
        "{volumes}"
    );
}

/// A service on two networks answers on each under that network's
/// aliases; a client on one of them reaches it there.
#[test]
fn a_service_on_two_networks_answers_on_both() {
    let s = Scope::new("compose-nets");
    let p = project(&s);
    let text = format!(
        r#"services:
  api:
    image: {IMAGE}
    command: sh -c 'mkdir -p /w && echo hi > /w/index.html && exec busybox httpd -f -p 8080 -h /w'
    stop_grace_period: 1s
    networks:
      front: {{aliases: [api-front]}}
      back: {{aliases: [api-back]}}
  client:
    image: {IMAGE}
    command: sleep 3600
    stop_grace_period: 1s
    networks: [back]
    depends_on: [api]
networks:
  front: {{}}
  back: {{}}
"#
    );
    let file = s.config("compose.yaml", &text);
    s.apply(&file, &p).ok();
    let api = inspect(&format!("{p}-api-1"));
    let nets = &api["NetworkSettings"]["Networks"];
    for (net, alias) in [("front", "api-front"), ("back", "api-back")] {
        let aliases = nets[format!("{p}_{net}")]["Aliases"].to_string();
        assert!(
            aliases.contains(&format!("\"{alias}\"")),
            "{net}: {aliases}"
        );
        assert!(aliases.contains("\"api\""), "{net}: {aliases}");
    }
    let client = format!("{p}-client-1");
    wait_until(20, "the client to reach api-back", || {
        exec_out(
            &client,
            &["busybox", "wget", "-q", "-O-", "http://api-back:8080/"],
        ) == "hi\n"
    });
    let again = s.plan(&file, &p).ok().stdout;
    assert!(again.contains("No changes"), "{again}");
    s.paunch(&["delete", &p]).ok();
}

/// `export --format compose` reads back as `--file` with an empty plan
/// against what it was exported from (SPEC §17): each service carries its
/// entry's `config_data`, and the named volume the containers already use
/// is taken as it is.
#[test]
fn an_export_reads_back_with_an_empty_plan() {
    let s = Scope::new("compose-export");
    let yaml = "{p}db:\n  image: {image}\n  command: sleep 3600\n  stop_grace_period: 1\n  restart: always\n  environment: {A: '1'}\n  volumes: ['{p}data:/data']\n  healthcheck: {test: 'true', interval: 5s}\n{p}job:\n  image: {image}\n  command: [sh, -c, 'echo done']\n  detach: false\n  start_order: 1\n";
    let file = s.config("paunch.yml", yaml);
    s.apply(&file, "x1").ok();
    let out = s.dir.path().join("compose.yaml");
    let f = file.to_str().unwrap();
    let o = out.to_str().unwrap();
    s.paunch(&[
        "export",
        "--file",
        f,
        "--config-id",
        "x1",
        "--format",
        "compose",
        "--out",
        o,
    ])
    .ok();
    let plan = s.plan(&out, "x1").ok();
    assert!(
        plan.stdout.contains("No changes"),
        "{}\n{}",
        plan.stdout,
        plan.stderr
    );
    assert!(
        !plan.stderr.contains("no longer describes"),
        "{}",
        plan.stderr
    );
    s.paunch(&["delete", "x1"]).ok();
    let _ = engine(&["volume", "rm", &s.name("data")]);
}

/// Removes images by reference or ID when dropped (a failed assertion
/// included); ones already gone are no failure.
struct Images(Vec<String>);

impl Drop for Images {
    fn drop(&mut self) {
        for i in &self.0 {
            let _ = engine(&["rmi", "--force", i]);
        }
    }
}

fn image_id(reference: &str) -> String {
    engine_ok(&["image", "inspect", "--format", "{{.Id}}", reference])
        .trim()
        .to_string()
}

/// `build`: the image is built by the engine as a plan step, tagged
/// `PROJECT-SERVICE`, its build output kept out of the apply's; a secret
/// build argument reaches the build; a second apply builds nothing; a
/// changed context rebuilds and replaces ("image rebuilt"); a failed
/// build leaves the running container alone; delete leaves the image.
#[test]
fn a_built_image_follows_its_context() {
    let s = Scope::new("compose-build");
    let p = project(&s);
    let tag = format!("{p}-app");
    let mut images = Images(vec![tag.clone()]);
    let ctx = s.dir.path().join("ctx");
    std::fs::create_dir(&ctx).unwrap();
    let dockerfile = format!(
        "FROM {IMAGE}\nARG API_TOKEN\nCOPY hello.txt /hello.txt\nRUN echo \"$API_TOKEN\" > /token\n"
    );
    std::fs::write(ctx.join("Dockerfile"), &dockerfile).unwrap();
    std::fs::write(ctx.join("hello.txt"), "one\n").unwrap();
    let file = s.config(
        "compose.yaml",
        "services:\n  app:\n    build: {context: ./ctx, args: {API_TOKEN: s3cret-arg}}\n    command: sleep 3600\n    stop_grace_period: 1s\n",
    );
    let app = format!("{p}-app-1");
    let out = s.apply(&file, &p).ok().stdout;
    assert!(out.contains(&format!("build   {tag}")), "{out}");
    assert!(!out.contains("s3cret-arg"), "{out}");
    // The build's own output is not the apply's.
    assert!(!out.to_lowercase().contains("step 1/"), "{out}");
    let first = image_id(&tag);
    images.0.push(first.clone());
    assert!(running(&app));
    assert_eq!(exec_out(&app, &["cat", "/hello.txt"]), "one\n");
    assert_eq!(exec_out(&app, &["cat", "/token"]), "s3cret-arg\n");
    let before = id_of(&app);

    let again = s.apply(&file, &p).ok().stdout;
    assert!(again.contains("No changes"), "{again}");
    assert_eq!(image_id(&tag), first);

    std::fs::write(ctx.join("hello.txt"), "two\n").unwrap();
    let plan = s.plan(&file, &p).ok().stdout;
    assert!(plan.contains("image rebuilt"), "{plan}");
    s.apply(&file, &p).ok();
    let second = image_id(&tag);
    images.0.push(second.clone());
    assert_ne!(second, first);
    assert_ne!(id_of(&app), before, "replaced");
    assert_eq!(exec_out(&app, &["cat", "/hello.txt"]), "two\n");

    // A build that fails fails its step; the container it would replace
    // keeps running.
    let running_id = id_of(&app);
    std::fs::write(ctx.join("Dockerfile"), format!("{dockerfile}RUN exit 3\n")).unwrap();
    let failed = s.apply(&file, &p);
    assert_ne!(failed.code, 0, "{}", failed.stdout);
    assert!(failed.stdout.contains("build"), "{}", failed.stdout);
    assert!(running(&app));
    assert_eq!(id_of(&app), running_id);

    // delete leaves the image, as `docker compose down` does without --rmi.
    s.paunch(&["delete", &p]).ok();
    assert!(s.managed().is_empty());
    assert_eq!(image_id(&tag), second);
}

/// A compose project through a saved plan (`plan --out`, `apply --plan`,
/// labelled as `apply --file` labels it), with a secret file mounted
/// read-only and a service built by `extends`; `cleanup` of the project
/// keeps its volume.
#[test]
fn a_saved_compose_plan_with_a_secret_and_extends() {
    let s = Scope::new("compose-saved");
    let p = project(&s);
    std::fs::write(s.dir.path().join("token.txt"), "s3cret\n").unwrap();
    let text = format!(
        "x-base: &base\n  stop_grace_period: 1s\nservices:\n  base:\n    <<: *base\n    image: {IMAGE}\n    command: sleep 3600\n    environment: {{A: '1'}}\n    volumes: [data:/data]\n  app:\n    extends: base\n    environment: {{B: '2'}}\n    secrets: [token]\nsecrets:\n  token: {{file: ./token.txt}}\nvolumes:\n  data: {{}}\n"
    );
    let file = s.config("compose.yaml", &text);
    let f = file.to_str().unwrap();
    let saved = s.dir.path().join("plan.json");
    let out = s
        .paunch(&[
            "plan",
            "--file",
            f,
            "--config-id",
            &p,
            "--out",
            saved.to_str().unwrap(),
        ])
        .ok()
        .stdout;
    assert!(!out.contains("s3cret"), "{out}");
    s.runner()
        .run(&["apply", "--plan", saved.to_str().unwrap()])
        .ok();
    let app = format!("{p}-app-1");
    assert_eq!(exec_out(&app, &["cat", "/run/secrets/token"]), "s3cret\n");
    assert_eq!(exec_out(&app, &["sh", "-c", "echo $A$B"]), "12\n");
    assert!(
        !engine_command()
            .args(["exec", &app, "touch", "/run/secrets/token"])
            .status()
            .unwrap()
            .success()
    );
    // Labelled as apply --file labels it: nothing to do.
    let again = s.plan(&file, &p).ok().stdout;
    assert!(again.contains("No changes"), "{again}");
    // cleanup of every config ID removes the containers, not the volume.
    s.paunch(&["cleanup"]).ok();
    assert!(s.managed().is_empty());
    let volumes = engine_ok(&["volume", "ls", "-q"]);
    assert!(
        volumes.lines().any(|v| v == format!("{p}_data")),
        "{volumes}"
    );
    let _ = engine(&["volume", "rm", &format!("{p}_data")]);
}
