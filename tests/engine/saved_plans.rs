//! `paunch plan`, saved plans and `apply --plan` on a real engine.

use crate::support::*;

/// web's command is spelt out: a test edits it.
const CONFIG: &str = "{p}db:
  {service}
{p}web:
  image: {image}
  command: sleep 3600
  stop_grace_period: 0
  start_order: 1
";

/// IDs and names of every container of this test (by name prefix),
/// managed or not: other tests run in parallel on the same host.
fn all_container_ids(s: &Scope) -> Vec<String> {
    let mut v: Vec<String> =
        engine_ok(&["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}"])
            .lines()
            .filter(|l| {
                l.split(' ')
                    .nth(1)
                    .is_some_and(|n| n.starts_with(&s.prefix))
            })
            .map(str::to_string)
            .collect();
    v.sort();
    v
}

/// Saves a plan of `config` (config ID v1); returns the plan file's path.
fn save_plan(s: &Scope, config: &str) -> String {
    let file = s.config("c.yml", config);
    let plan = s.dir.path().join("v1.plan");
    let p = plan.to_str().unwrap().to_string();
    s.paunch(&[
        "plan",
        "--file",
        file.to_str().unwrap(),
        "--config-id",
        "v1",
        "--out",
        &p,
    ])
    .ok();
    p
}

#[test]
fn plan_changes_nothing_and_detailed_exit_codes() {
    let s = Scope::new("plan-nothing");
    let file = s.config("c.yml", CONFIG);
    let f = file.to_str().unwrap();
    let out = s
        .paunch(&[
            "plan",
            "--file",
            f,
            "--config-id",
            "v1",
            "--detailed-exitcode",
        ])
        .code(2);
    assert!(out.stdout.contains("Plan: 2 to create"), "{}", out.stdout);
    assert!(
        out.stdout.contains("This plan was not saved"),
        "{}",
        out.stdout
    );
    assert!(s.managed().is_empty(), "plan created containers");

    s.apply(f, "v1").ok();
    let out = s
        .paunch(&[
            "plan",
            "--file",
            f,
            "--config-id",
            "v1",
            "--detailed-exitcode",
        ])
        .code(0);
    assert!(out.stdout.contains("No changes."), "{}", out.stdout);

    // Errors are 1 with --detailed-exitcode.
    let missing = s.dir.path().join("missing.yml");
    s.paunch(&[
        "plan",
        "--file",
        missing.to_str().unwrap(),
        "--config-id",
        "v1",
        "--detailed-exitcode",
    ])
    .code(1);
}

#[test]
fn saved_plan_applies_exactly_and_only_once() {
    let s = Scope::new("plan-once");
    let file = s.config("c.yml", CONFIG);
    let plan = s.dir.path().join("v1.plan");
    let (f, p) = (file.to_str().unwrap(), plan.to_str().unwrap());
    let printed = s
        .paunch(&["plan", "--file", f, "--config-id", "v1", "--out", p])
        .ok()
        .stdout;
    assert!(
        printed.contains(&format!("Saved the plan to {p}")),
        "{printed}"
    );

    // show prints what plan printed (without the closing hint).
    let shown = paunch(&["show", p]).ok().stdout;
    assert!(
        printed.starts_with(&shown),
        "show:\n{shown}\nplan:\n{printed}"
    );
    let json = paunch(&["show", p, "--format", "json"]).ok().stdout;
    assert_eq!(json, std::fs::read_to_string(&plan).unwrap());

    // The saved plan needs no --file and creates exactly what it says.
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let planned: Vec<String> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|st| st["name"].as_str().unwrap().to_string())
        .collect();
    s.paunch(&["apply", "--plan", p]).ok();
    let mut planned_sorted = planned.clone();
    planned_sorted.sort();
    assert_eq!(s.managed(), planned_sorted);

    // A plan made against an empty host is stale once its containers exist.
    let before = all_container_ids(&s);
    let again = s.paunch(&["apply", "--plan", p]).code(4);
    assert!(again.stderr.contains("plan is stale"), "{}", again.stderr);
    assert!(again.stderr.contains("container added"), "{}", again.stderr);
    assert_eq!(
        all_container_ids(&s),
        before,
        "a refused plan touched something"
    );
}

#[test]
fn stale_when_a_name_it_creates_is_taken() {
    let s = Scope::new("plan-taken");
    let p = &save_plan(&s, CONFIG);
    // An unrelated container coming and going elsewhere does not matter...
    let unrelated = s.name("unrelated");
    s.foreign(&unrelated, &[]);
    // ...but one taking a name the plan will create does.
    let web = s.name("web");
    s.foreign(&web, &[]);
    let before = all_container_ids(&s);
    let out = s.paunch(&["apply", "--plan", p]).code(4);
    assert!(out.stderr.contains("plan is stale"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("name now taken: {web}")),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(&unrelated), "{}", out.stderr);
    assert_eq!(all_container_ids(&s), before);
    assert!(s.managed().is_empty());
}

#[test]
fn unrelated_foreign_container_does_not_make_a_plan_stale() {
    let s = Scope::new("plan-unrelated");
    let p = &save_plan(&s, CONFIG);
    s.foreign(&s.name("elsewhere"), &[]);
    s.paunch(&["apply", "--plan", p]).ok();
    assert_eq!(s.managed(), vec![s.name("db"), s.name("web")]);
}

#[test]
fn stale_when_a_managed_container_is_removed() {
    let s = Scope::new("plan-removed");
    let file = s.config("c.yml", CONFIG);
    let f = file.to_str().unwrap();
    s.apply(f, "v1").ok();
    let changed = s.config(
        "c2.yml",
        &CONFIG.replace(
            "command: sleep 3600\n  stop_grace_period: 0\n  start_order: 1",
            "command: sleep 7200\n  stop_grace_period: 0\n  start_order: 1",
        ),
    );
    let plan = s.dir.path().join("p.plan");
    let p = plan.to_str().unwrap();
    s.paunch(&[
        "plan",
        "--file",
        changed.to_str().unwrap(),
        "--config-id",
        "v1",
        "--out",
        p,
    ])
    .ok();
    let db = s.name("db");
    engine_ok(&["rm", "-f", &db]);
    let web_id = id_of(&s.name("web"));
    let out = s.paunch(&["apply", "--plan", p]).code(4);
    assert!(
        out.stderr.contains(&format!("container removed: {db}")),
        "{}",
        out.stderr
    );
    assert_eq!(
        id_of(&s.name("web")),
        web_id,
        "the refused plan replaced web"
    );
}

#[test]
fn edited_or_broken_plans_are_refused() {
    let s = Scope::new("plan-edited");
    let p = &save_plan(&s, CONFIG);
    let text = std::fs::read_to_string(p).unwrap();

    let write = |name: &str, content: &str| {
        let path = s.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_string()
    };
    let edited = write("edited.plan", &text.replace("sleep", "sleeq"));
    let out = s.paunch(&["apply", "--plan", &edited]).code(4);
    assert!(
        out.stderr.contains("checksum does not verify"),
        "{}",
        out.stderr
    );

    let truncated = write("truncated.plan", &text[..text.len() / 2]);
    let out = s.paunch(&["apply", "--plan", &truncated]).code(4);
    assert!(out.stderr.contains("not JSON"), "{}", out.stderr);

    let other = write(
        "other.plan",
        &text.replace(
            &format!("\"format_version\": \"{}\"", paunch::plan::FORMAT_VERSION),
            "\"format_version\": \"2.0\"",
        ),
    );
    let out = s.paunch(&["apply", "--plan", &other]).code(4);
    assert!(
        out.stderr.contains("plan format 2.0 is not readable"),
        "{}",
        out.stderr
    );

    let not_a_plan = write("x.plan", "{\"hello\": 1}");
    let out = s.paunch(&["apply", "--plan", &not_a_plan]).code(4);
    assert!(out.stderr.contains("not a paunch plan"), "{}", out.stderr);

    let missing = s.dir.path().join("nope.plan");
    let out = s.paunch(&["apply", "--plan", missing.to_str().unwrap()]);
    assert_ne!(out.code, 0);
    assert!(s.managed().is_empty());
}

#[test]
fn dry_runs_touch_nothing() {
    let s = Scope::new("dry");
    let file = s.config("c.yml", CONFIG);
    s.apply(&file, "v1").ok();
    let before = all_container_ids(&s);
    let out = s.paunch(&["cleanup", "--dry-run"]).ok();
    assert!(
        out.stdout
            .contains("Plan: 0 to create, 0 to replace, 2 to delete"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Dry run: nothing was changed."),
        "{}",
        out.stdout
    );
    let out = s.paunch(&["delete", "v1", "--dry-run"]).ok();
    assert!(out.stdout.contains("2 to delete"), "{}", out.stdout);
    assert_eq!(all_container_ids(&s), before);
    assert!(running(&s.name("db")) && running(&s.name("web")));
}
