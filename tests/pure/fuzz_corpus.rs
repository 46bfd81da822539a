//! Replays the fuzzers' kept corpus (fuzz/corpus/TARGET/*) through the same
//! properties, on stable, in every test run.

fn replay(target: &str, property: fn(&[u8])) {
    let dir = std::path::Path::new("fuzz/corpus").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| property(&data));
        assert!(outcome.is_ok(), "{} fails {target}", path.display());
        n += 1;
    }
    assert!(n > 0, "empty corpus for {target}");
}

#[test]
fn config_parse_corpus() {
    replay("config_parse", paunch::fuzz::config_parse);
}

#[test]
fn yaml_load_corpus() {
    replay("yaml_load", paunch::fuzz::yaml_load);
}

#[test]
fn plan_load_corpus() {
    replay("plan_load", paunch::fuzz::plan_load);
}

#[test]
fn engine_output_corpus() {
    replay("engine_output", paunch::fuzz::engine_output);
}
