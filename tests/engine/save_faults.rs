//! A saved plan that cannot be written (`plan --out` to a full disk, or
//! to a directory the user may not write) is an error saying where and
//! what to do, and leaves no partial file: the plan already at that path,
//! if any, is untouched, and no temporary file stays behind.

use crate::support::user::DockerUser;
use crate::support::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// A configuration whose plan is some 60 KiB.
fn big_config(s: &Scope) -> String {
    let yaml: String = (0..40)
        .map(|i| {
            format!(
                "{{p}}c{i:02}:\n  image: {IMAGE}\n  command: [sh, -c, 'echo {}']\n  stop_grace_period: 0\n",
                "x".repeat(600)
            )
        })
        .collect();
    s.config("big.yml", &yaml).to_str().unwrap().to_string()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A 16 KiB tmpfs, unmounted on drop.
struct Tiny(std::path::PathBuf);

impl Drop for Tiny {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).output();
    }
}

#[test]
fn plan_out_to_a_full_disk_leaves_no_partial_file() {
    let s = Scope::new("out-full");
    let file = big_config(&s);
    let dir = s.dir.path().join("tiny");
    std::fs::create_dir_all(&dir).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        mounted.status.success(),
        "mount: {}",
        String::from_utf8_lossy(&mounted.stderr)
    );
    let _tiny = Tiny(dir.clone());
    let target = dir.join("v2.plan");
    std::fs::write(&target, "the plan reviewed yesterday\n").unwrap();

    let out = s.paunch(&[
        "plan",
        "--file",
        &file,
        "--config-id",
        "c1",
        "--out",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains(&format!("cannot save the plan to {}", target.display())),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("No space left on device"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "the plan reviewed yesterday\n"
    );
    assert_eq!(files_in(&dir), ["v2.plan"], "a temporary file stayed");
    assert!(s.managed().is_empty());
}

#[test]
fn plan_out_where_the_user_may_not_write_leaves_no_file() {
    if docker_only("another user reaches the same engine through the docker group") {
        return;
    }
    let user = DockerUser::new();
    let s = Scope::new("out-denied");
    std::fs::set_permissions(s.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = big_config(&s);
    // root's directory: the user may read it, not write in it.
    let dir = s.dir.path().join("roots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let target = dir.join("v2.plan");
    let out = user.paunch(
        s.dir.path(),
        &[
            "plan",
            "--file",
            &file,
            "--config-id",
            "c1",
            "--managed-by",
            &s.managed_by,
            "--out",
            target.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("Permission denied"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("give --out a path in a directory you can write to"),
        "{}",
        out.stderr
    );
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
}
