//! Hashes of canonical JSON: a plan's fingerprint of what it depends on,
//! and a saved plan's checksum. Canonical: object keys sorted by code
//! point, no whitespace, so a hash depends on the content only, not on how
//! a document was laid out.

use sha2::{Digest, Sha256};

/// `sha256:` + hex of the canonical JSON of `value` (object keys sorted,
/// no whitespace), so the hash does not depend on how a document was laid
/// out or which fields a reader knows of. Callers turn their data into a
/// JSON value first, and report it if that fails.
pub fn sha256_canonical(value: &serde_json::Value) -> String {
    let mut text = String::new();
    canonical(value, &mut text);
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256:");
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// `sha256:` + hex of a text, as is (a unit file's, to compare it with
/// what paunch would write).
pub fn sha256_text(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256:");
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

fn canonical(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&m[k], out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}
