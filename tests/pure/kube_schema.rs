//! The Pod reader's field table against the OpenAPI schema of the pinned
//! Kubernetes version (src/config/kube/openapi.rs, written by
//! scripts/kube-fields): every field the table reads is a real one, and a
//! real field the table does not read is never called unknown.

use paunch::Config;
use paunch::config::kube::{openapi, table};

#[test]
fn every_field_of_the_table_is_a_kubernetes_field() {
    let mut wrong = Vec::new();
    for f in table::FIELDS {
        let known = openapi::fields(f.object);
        if !known.is_empty() && !openapi::has(f.object, f.name) {
            wrong.push(format!("{}.{}", f.object, f.name));
        }
    }
    assert!(
        wrong.is_empty(),
        "not fields of Kubernetes {}: {wrong:?}",
        openapi::VERSION
    );
}

#[test]
fn the_schema_knows_every_object_the_table_reads_field_by_field() {
    // Maps of quantities have no fields; every other object is in it.
    let missing: Vec<&str> = table::FIELDS
        .iter()
        .map(|f| f.object)
        .filter(|o| *o != "ResourceList" && openapi::fields(o).is_empty())
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}

fn error_of(yaml: &str) -> String {
    match Config::parse(yaml, "pod.yaml") {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_current_field_is_not_unknown_and_a_misspelt_one_is() {
    // A field of the schema paunch does not read: said so, at its place.
    let e = error_of(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostnameOverride: h\n  containers:\n  - {name: c, image: i}\n",
    );
    assert!(e.contains("pod.yaml:5:3"), "{e}");
    assert!(e.contains("is a Kubernetes 1.37.0 field"), "{e}");
    assert!(!e.contains("unknown"), "{e}");
    // A misspelt one: unknown, with the real one suggested.
    let e = error_of(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostnameOveride: h\n  containers:\n  - {name: c, image: i}\n",
    );
    assert!(e.contains("unknown field \"hostnameOveride\""), "{e}");
    assert!(e.contains("did you mean \"hostnameOverride\"?"), "{e}");
}
