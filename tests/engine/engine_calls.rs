//! A no-op apply costs the same number of engine calls for 3 containers as
//! for 30: one listing, one inspect of the managed containers, one image
//! inspect. Counted with a logging wrapper of the engine CLI first on PATH.

use crate::support::configs::service;
use crate::support::*;

fn config(n: usize) -> String {
    (0..n).map(|i| service(&format!("c{i}"))).collect()
}

fn count_calls(s: &Scope, file: &str) -> Vec<String> {
    let dir = s.dir.path().join("bin");
    std::fs::create_dir_all(&dir).unwrap();
    let log = s.dir.path().join("calls.log");
    let _ = std::fs::remove_file(&log);
    let real = which_engine();
    let wrapper = dir.join(runtime());
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$1\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&wrapper).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&wrapper, perms).unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Paunch::new()
        .env("PATH", &path)
        .run(&[
            "apply",
            "--file",
            file,
            "--config-id",
            "v1",
            "--managed-by",
            &s.managed_by,
        ])
        .ok();
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);
    std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn which_engine() -> String {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|p| p.join(runtime()))
        .find(|p| p.is_file())
        .expect("the engine CLI on PATH")
        .display()
        .to_string()
}

#[test]
fn no_op_apply_makes_a_constant_number_of_engine_calls() {
    let mut counts = Vec::new();
    for n in [3, 30] {
        let s = Scope::new(&format!("calls{n}"));
        let file = s.config("c.yml", &config(n));
        let f = file.to_str().unwrap();
        s.apply(f, "v1").ok();
        // docker's image inspect runs alongside the listing: order varies.
        let mut calls = count_calls(&s, f);
        calls.sort();
        eprintln!(
            "{n} containers: no-op apply made {} engine calls: {calls:?}",
            calls.len()
        );
        counts.push(calls);
    }
    assert_eq!(counts[0], counts[1]);
    // docker: the listing, the containers' inspect and the images' beside
    // them; podman: the listing, and one inspect of containers and images.
    let mut want = if is_podman() {
        vec!["inspect", "ps"]
    } else {
        vec!["image", "inspect", "ps"]
    };
    want.sort();
    assert_eq!(counts[0], want);
}
