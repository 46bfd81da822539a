//! Pulls from a real registry (`docker-registry` on a loopback port, one
//! per test): a missing image is pulled and run; a tag pushed anew changes
//! nothing under `--pull missing` and replaces its container once under
//! `--pull always`; `--pull never` refuses a missing image; a registry
//! back within seconds is waited for; one down for good stops the apply
//! before any container is touched, naming each image and the engine's
//! message.

use crate::support::registry::Registry;
use crate::support::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Local images of distinct content (so distinct IDs), never the shared
/// test image itself.
fn variant(which: &str) -> String {
    let tag = format!("paunch-test/registry-{which}:1");
    ensure_image(&tag, &[("data/variant", which)]);
    tag
}

/// A scope whose paunch runs reach `reg` (podman pulls from a registry
/// without TLS only where a `registries.conf` says it may; docker does
/// from a loopback one anyway).
fn scope(reg: &Registry, test: &str) -> Scope {
    Scope::new(test).with_env("CONTAINERS_REGISTRIES_CONF", reg.registries_conf())
}

/// `paunch VERB --file F --config-id c1 --pull POLICY` under `s`.
fn pulling(s: &Scope, verb: &str, f: &str, policy: &str) -> Run {
    s.paunch(&[verb, "--file", f, "--config-id", "c1", "--pull", policy])
}

fn entry(name: &str, image: &str) -> String {
    format!("{{p}}{name}:\n  image: {image}\n  command: sleep 3600\n  stop_grace_period: 0\n")
}

fn variant_in(container: &str) -> String {
    engine_ok(&["exec", container, "cat", "/data/variant"])
}

#[test]
fn missing_images_are_pulled_and_a_tag_pushed_anew_replaces_only_with_pull_always() {
    let reg = Registry::start();
    let s = scope(&reg, "registry-pull");
    let web = reg.push(&variant("a"), "web:1");
    let db = reg.push(&variant("b"), "db:1");
    let file = s.config(
        "r.yml",
        &format!("{}{}", entry("web", &web), entry("db", &db)),
    );
    let f = file.to_str().unwrap();

    let out = s.apply(f, "c1").ok();
    assert!(
        out.stdout.contains(&format!("pull    {web}")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("pull    {db}")),
        "{}",
        out.stdout
    );
    let (w, d) = (s.name("web"), s.name("db"));
    assert!(running(&w) && running(&d));
    assert_eq!(variant_in(&w), "a");
    let id = id_of(&w);

    // The registry's web:1 is another image now; the engine's is not.
    reg.push_behind_the_engines_back(&variant("c"), "web:1");
    let out = s.apply(f, "c1").ok();
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);
    assert_eq!(
        id_of(&w),
        id,
        "--pull missing does not look at the registry"
    );

    let plan = pulling(&s, "plan", f, "always").ok();
    assert!(plan.stdout.contains("image updated"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("Plan: 0 to create, 1 to replace"),
        "{}",
        plan.stdout
    );

    let out = pulling(&s, "apply", f, "always").ok();
    assert!(
        out.stdout.contains(&format!("replace {w}")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("image updated"), "{}", out.stdout);
    assert_ne!(id_of(&w), id);
    assert_eq!(variant_in(&w), "c");
    assert!(running(&d));

    let again = pulling(&s, "apply", f, "always").ok();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}

#[test]
fn pull_never_refuses_a_missing_image_and_touches_nothing() {
    let reg = Registry::start();
    let s = scope(&reg, "registry-never");
    let app = reg.push(&variant("a"), "app:1");
    let file = s.config(
        "n.yml",
        &format!("{}{}", entry("local", IMAGE), entry("app", &app)),
    );
    let f = file.to_str().unwrap();
    for verb in ["plan", "apply"] {
        let out = pulling(&s, verb, f, "never").code(1);
        assert!(out.stderr.contains("--pull never"), "{}", out.stderr);
        assert!(out.stderr.contains(&app), "{}", out.stderr);
        assert!(out.stderr.contains("nothing was touched"), "{}", out.stderr);
    }
    assert!(s.managed().is_empty());
    assert!(reg.local_images().is_empty(), "nothing was pulled");
    // Present, it is used.
    s.apply(f, "c1").ok();
    let out = pulling(&s, "apply", f, "never").ok();
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);
}

#[test]
fn a_registry_back_within_seconds_is_waited_for() {
    let reg = Registry::start();
    let s = scope(&reg, "registry-back");
    let app = reg.push(&variant("a"), "app:1");
    let file = s.config("b.yml", &entry("app", &app));
    reg.stop();
    let started = Instant::now();
    let child = s
        .paunch_command()
        .args([
            "apply",
            "--file",
            file.to_str().unwrap(),
            "--config-id",
            "c1",
        ])
        .args(["--managed-by", &s.managed_by])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    reg.restart();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("the apply took {:?}", started.elapsed());
    assert!(running(&s.name("app")));
}

#[test]
fn a_registry_down_for_good_stops_the_apply_before_anything_is_touched() {
    let reg = Registry::start();
    let s = scope(&reg, "registry-down");
    let one = reg.push(&variant("a"), "one:1");
    let two = reg.push(&variant("b"), "two:1");
    // A container the apply would replace, and one it would create.
    let before = s.config("before.yml", &entry("kept", IMAGE));
    s.apply(&before, "c1").ok();
    let kept = s.name("kept");
    let id = id_of(&kept);
    let after = s.config(
        "after.yml",
        &format!(
            "{{p}}kept:\n  image: {IMAGE}\n  command: sleep 7200\n  stop_grace_period: 0\n{}{}",
            entry("one", &one),
            entry("two", &two)
        ),
    );
    let f = after.to_str().unwrap();
    reg.stop();

    let started = Instant::now();
    let out = s.apply(f, "c1").code(1);
    let took = started.elapsed();
    // podman retries each pull itself (three times, 1 s apart), so paunch
    // calls it half as often.
    let attempts = if is_podman() { 2 } else { 4 };
    for image in [&one, &two] {
        assert!(
            out.stdout
                .contains(&format!("pull of {image} failed after {attempts} attempts")),
            "{}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("connection refused"), "{}", out.stdout);
    assert!(out.stdout.contains("nothing is touched"), "{}", out.stdout);
    // Pulls run in parallel: one retry window (docker: 3.5 to 7 s; podman:
    // 6.5 to 7 s), not two.
    assert!(took < Duration::from_secs(12), "took {took:?}");
    assert_eq!(id_of(&kept), id);
    assert!(running(&kept));
    assert_eq!(s.managed(), std::slice::from_ref(&kept));

    let out = pulling(&s, "apply", f, "always").code(1);
    assert!(
        out.stderr
            .contains("images could not be pulled; nothing was touched"),
        "{}",
        out.stderr
    );
    for image in [&one, &two] {
        assert!(out.stderr.contains(image.as_str()), "{}", out.stderr);
    }
    assert!(out.stderr.contains("connection refused"), "{}", out.stderr);
    assert_eq!(id_of(&kept), id);
    assert_eq!(s.managed(), [kept]);
}
