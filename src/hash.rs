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
    // Streamed into the hash: 1000 containers' worth of JSON is never
    // held as one text, and no scalar is allocated on its own.
    let mut hasher = Hashing(Sha256::new());
    // Writing into a hasher cannot fail, nor can serializing JSON values.
    let _ = canonical(value, &mut hasher);
    prefixed_hex(&hasher.0.finalize())
}

/// `sha256:` + hex of a text, as is (a unit file's, to compare it with
/// what paunch would write).
pub fn sha256_text(text: &str) -> String {
    prefixed_hex(&Sha256::digest(text.as_bytes()))
}

fn prefixed_hex(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256:");
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// An `io::Write` that feeds a hash.
struct Hashing(Sha256);

impl std::io::Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn canonical(v: &serde_json::Value, out: &mut impl std::io::Write) -> std::io::Result<()> {
    match v {
        serde_json::Value::Object(m) => {
            let mut pairs: Vec<(&String, &serde_json::Value)> = m.iter().collect();
            pairs.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.write_all(b"{")?;
            for (i, (k, v)) in pairs.into_iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                serde_json::to_writer(&mut *out, k)?;
                out.write_all(b":")?;
                canonical(v, out)?;
            }
            out.write_all(b"}")
        }
        serde_json::Value::Array(items) => {
            out.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                canonical(item, out)?;
            }
            out.write_all(b"]")
        }
        other => serde_json::to_writer(&mut *out, other).map_err(std::io::Error::other),
    }
}
