//! A corpus of invalid configurations (tests/bad-configs/, one file each):
//! every one is refused before anything runs, with the message snapshotted.

use paunch::Config;
use std::path::{Path, PathBuf};

fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/bad-configs")
        .expect("tests/bad-configs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    files
}

#[test]
fn every_bad_config_is_refused_with_a_clear_message() {
    let files = corpus();
    assert!(files.len() >= 25);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for file in &files {
            let err = match Config::load(file) {
                Ok(_) => panic!("{} was accepted", file.display()),
                Err(e) => e,
            };
            assert_eq!(err.exit_code(), 3, "{}", file.display());
            let name = file.file_stem().unwrap().to_string_lossy();
            insta::assert_snapshot!(format!("bad-config-{name}"), err.to_string());
        }
    });
}

#[test]
fn huge_files_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.yml");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(paunch::config::MAX_FILE_BYTES + 1).unwrap();
    let e = Config::load(&path).unwrap_err();
    assert!(e.to_string().contains("are refused"), "{e}");
}

#[test]
fn a_missing_file_says_so() {
    let e = Config::load(Path::new("tests/bad-configs/no-such-file.yml")).unwrap_err();
    assert!(e.to_string().contains("No such file"), "{e}");
}
