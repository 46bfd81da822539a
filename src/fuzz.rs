//! The properties the fuzz targets (`fuzz/`) check, callable on stable so
//! `tests/fuzz_corpus.rs` replays the kept corpus in every test run.
//! Each function panics only when a property is broken.

use crate::engine::argv::{LabelSet, Runtime};
use crate::hash::sha256_canonical;
use crate::plan::staleness::changes;
use crate::render::{Paint, text};
use crate::{Config, labels, planfile, yaml};

/// Any text as a configuration, read as YAML and as JSON: no panic;
/// whatever loads gives engine arguments, and a YAML dump of each entry
/// that loads back as the same `config_data`.
pub fn config_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = Config::parse(text, "fuzz") {
        config_properties(&config);
    }
    if let Ok(config) = Config::parse_json(text, "fuzz.json", &Default::default()) {
        config_properties(&config);
    }
}

/// Any text to the YAML and JSON readers (one document, a stream, JSON):
/// no panic, within the budgets (the fuzzer runs under a memory limit, so
/// an expansion the budgets miss is a crash); a node read dumps as YAML
/// that reads back as the same value.
pub fn yaml_load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut nodes = Vec::new();
    nodes.extend(yaml::load(text).ok().flatten());
    nodes.extend(yaml::load_all(text).into_iter().flatten());
    nodes.extend(
        yaml::load_json(text, &mut Default::default())
            .ok()
            .flatten(),
    );
    for node in nodes {
        let dumped = yaml::dump_node(&node);
        let back = match yaml::load(&dumped) {
            Ok(Some(back)) => back,
            Ok(None) => panic!("the dump is empty:\n{dumped}"),
            Err(e) => panic!("the dump does not load back ({e:?}):\n{dumped}"),
        };
        assert_eq!(
            labels::encode_config_data(&back.to_value()),
            labels::encode_config_data(&node.to_value()),
            "the dump changed the value:\n{dumped}"
        );
    }
}

fn config_properties(config: &Config) {
    let set = LabelSet::default();
    for e in &config.entries {
        let _ = Runtime::Docker.run_args(e, &e.name, &set);
        let _ = Runtime::Podman.exec_args(e, "target");
        let label = e.config_data();
        assert!(e.matches_label(label));
        let dumped = yaml::dump_node(&e.node);
        let back = match yaml::load(&dumped) {
            Ok(Some(back)) => back,
            other => panic!("the dump does not load back ({other:?}):\n{dumped}"),
        };
        assert_eq!(
            labels::encode_config_data(&back.to_value()),
            label,
            "the dump changed the entry:\n{dumped}"
        );
    }
    let _ = config.to_value();
}

fn plan_document(doc: &str) {
    if let Ok(plan) = planfile::from_document(doc, "fuzz") {
        let _ = text::render(&plan, &Paint::plain());
        let _ = planfile::to_document(&plan);
        assert!(changes(&plan, &plan.depends_on).is_empty());
        let _ = plan.counts();
    }
}

/// Any bytes as a saved plan: refused cleanly or read; JSON objects are also
/// tried with a correct checksum stamped on, to reach deserialisation.
pub fn plan_load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    plan_document(text);
    if let Ok(serde_json::Value::Object(mut m)) = serde_json::from_str(text) {
        m.remove("checksum");
        let mut v = serde_json::Value::Object(m);
        let sum = sha256_canonical(&v);
        if let serde_json::Value::Object(m) = &mut v {
            m.insert("checksum".into(), sum.into());
        }
        plan_document(&v.to_string());
    }
}

/// Whatever the engine prints, observation parsing does not panic.
pub fn engine_output(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::engine::parse::parse_ps(Runtime::Docker, &text, "paunch");
    let _ = crate::engine::parse::parse_ps(Runtime::Podman, &text, "paunch");
    let _ = crate::engine::parse::parse_inspect(&text);
    let refs = ["busybox", "a/b:1", "1234abcd"].map(str::to_string);
    let _ = crate::engine::parse::parse_image_inspect(&text, &text, &refs, false);
    let _ = crate::engine::parse::parse_image_inspect(&text, "", &refs, true);
}
