//! Saved plans: the plan document plus a `checksum` of its own content, so
//! that an edited or truncated file is refused. The format is documented in
//! `docs/plan-format.md`.

use crate::error::{Error, ErrorKind, Result};
use crate::plan::staleness::sha256_canonical;
use crate::plan::{FORMAT_VERSION, Plan};
use std::path::Path;

/// Plan files larger than this are refused before parsing.
pub const MAX_PLAN_BYTES: u64 = 64 * 1024 * 1024;

/// The plan as a JSON document with its checksum (what `--out` writes and
/// `plan --format json` prints).
pub fn to_document(plan: &Plan) -> String {
    let mut v = serde_json::to_value(plan).unwrap_or(serde_json::Value::Null);
    let sum = sha256_canonical(&v);
    if let serde_json::Value::Object(m) = &mut v {
        m.insert("checksum".into(), serde_json::Value::String(sum));
    }
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// Writes a plan document, replacing the file atomically.
pub fn write(path: &Path, plan: &Plan) -> Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, to_document(plan)).map_err(|e| Error::io("write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("write", path, e)
    })
}

fn invalid(path: &str, what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::PlanInvalid, format!("{path}: {what}"))
}

/// Parses and verifies a plan document: JSON, a paunch plan, a format
/// version this paunch reads, and a checksum that verifies.
pub fn from_document(text: &str, path: &str) -> Result<Plan> {
    let mut v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        invalid(path, format!("not a plan: not JSON ({e})"))
            .with_hint("a plan file is written by `paunch plan --out FILE`")
    })?;
    let Some(obj) = v.as_object_mut() else {
        return Err(invalid(
            path,
            "not a plan: the document is not a JSON object",
        ));
    };
    let Some(version) = obj.get("format_version").and_then(|v| v.as_str()) else {
        return Err(invalid(path, "not a paunch plan: it has no format_version")
            .with_hint("a plan file is written by `paunch plan --out FILE`"));
    };
    let major = |v: &str| v.split('.').next().unwrap_or("").to_string();
    if major(version) != major(FORMAT_VERSION) {
        return Err(invalid(
            path,
            format!(
                "plan format {version} is not readable by this paunch (it reads {}.x)",
                major(FORMAT_VERSION)
            ),
        )
        .with_hint("make the plan again with this paunch"));
    }
    let Some(serde_json::Value::String(claimed)) = obj.remove("checksum") else {
        return Err(invalid(path, "the plan has no checksum")
            .with_hint("make the plan again with `paunch plan --out FILE`"));
    };
    let actual = sha256_canonical(&v);
    if claimed != actual {
        return Err(invalid(
            path,
            "the checksum does not verify: the plan was edited or damaged since it was written",
        )
        .with_hint("make the plan again with `paunch plan --out FILE`; never edit a saved plan"));
    }
    serde_json::from_value(v).map_err(|e| invalid(path, format!("not a valid plan: {e}")))
}

/// Reads and verifies a plan file.
pub fn read(path: &Path) -> Result<Plan> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::io("read plan", path, e).with_hint("make one with `paunch plan --out FILE`")
    })?;
    if meta.len() > MAX_PLAN_BYTES {
        return Err(invalid(
            &shown,
            format!("{} bytes is too large for a plan", meta.len()),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io("read plan", path, e))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| invalid(&shown, "not a plan: the file is not UTF-8 text"))?;
    from_document(&text, &shown)
}
