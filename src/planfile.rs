//! Saved plans: the plan document plus a `checksum` of its own content, so
//! that an edited or truncated file is refused. The format is documented in
//! `docs/plan-format.md`.

use crate::error::{Error, ErrorKind, Result};
use crate::hash::sha256_canonical;
use crate::plan::{FORMAT_VERSION, Plan};
use std::io::Read;
use std::path::Path;

/// Plan files larger than this are refused before parsing.
pub const MAX_PLAN_BYTES: u64 = 64 * 1024 * 1024;

/// The plan as a JSON document with its checksum (what `--out` writes and
/// `plan --format json` prints). An error, never a document that does not
/// hold the plan, when the plan cannot be written as JSON.
pub fn to_document(plan: &Plan) -> Result<String> {
    let mut v = serde_json::to_value(plan).map_err(|e| {
        Error::new(
            ErrorKind::PlanInvalid,
            format!("the plan cannot be written as JSON: {e}"),
        )
        .with_source(e)
    })?;
    let sum = sha256_canonical(&v);
    if let serde_json::Value::Object(m) = &mut v {
        m.insert("checksum".into(), serde_json::Value::String(sum));
    }
    // Display of a JSON value cannot fail; `{:#}` is its pretty form.
    Ok(format!("{v:#}\n"))
}

/// The plan document as a person or a CI log reads it (`plan --format
/// json`, `show --format json`, the `plan` event): the same document with
/// sensitive values masked ([`crate::mask`]) and what a terminal would act
/// on escaped. Its checksum is of the masked document, so it is not a plan
/// `apply --plan` runs: a saved plan is written by [`write`] (or `--out -`).
pub fn to_display_document(plan: &Plan) -> Result<String> {
    let sensitive = crate::mask::for_plan(&plan.sensitive_env);
    let mut v = serde_json::to_value(plan).map_err(|e| {
        Error::new(
            ErrorKind::PlanInvalid,
            format!("the plan cannot be written as JSON: {e}"),
        )
        .with_source(e)
    })?;
    sensitive.json(&mut v);
    let sum = sha256_canonical(&v);
    if let serde_json::Value::Object(m) = &mut v {
        m.insert("checksum".into(), serde_json::Value::String(sum));
    }
    Ok(crate::mask::escape_json_text(&format!("{v:#}\n")).into_owned())
}

/// Writes a plan document, replacing the file atomically: the document
/// goes to a temporary file beside `path`, renamed over it once complete;
/// on any failure the temporary file is removed and `path` is untouched.
pub fn write(path: &Path, plan: &Plan) -> Result<()> {
    if path.file_name().is_none() {
        return Err(write_error(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
        ));
    };
    let document = to_document(plan)?;
    // It holds the configuration's secrets (it must apply them): 0600.
    crate::files::replace(path, document.as_bytes(), 0o600).map_err(|e| write_error(path, e))
}

/// A failed `--out`, naming the path the user gave and what to do.
fn write_error(path: &Path, e: std::io::Error) -> Error {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let hint = if !dir.is_dir() {
        format!(
            "the directory {} does not exist: create it, or give --out a path in an existing directory",
            dir.display()
        )
    } else if path.is_dir() {
        format!("{} is a directory: give --out a file name", path.display())
    } else if e.kind() == std::io::ErrorKind::PermissionDenied {
        format!(
            "paunch may not create files in {}: give --out a path in a directory you can write to",
            dir.display()
        )
    } else {
        "give --out a path in a directory you can write to; nothing was written".to_string()
    };
    Error::new(
        ErrorKind::Io,
        format!("cannot save the plan to {}: {e}", path.display()),
    )
    .with_hint(hint)
    .with_source(e)
}

fn invalid(path: &str, what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::PlanInvalid, format!("{path}: {what}"))
}

/// Parses and verifies a plan document: JSON, a paunch plan, a format
/// version this paunch reads, and a checksum that verifies. `path` names the
/// document in messages. Every failure is [`ErrorKind::PlanInvalid`]. It
/// checks neither that the steps follow from the plan's own configuration
/// ([`crate::plan::verify`]) nor that the plan is still current
/// ([`crate::plan::staleness`]).
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

/// A plan file that cannot be read: refused as a saved plan (exit 4).
fn unreadable(path: &Path, e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::PlanInvalid,
        format!("cannot read the plan {}: {e}", path.display()),
    )
    .with_hint("give the path of a plan saved with `paunch plan --out FILE`")
    .with_source(e)
}

/// Reads and verifies a plan file, as [`from_document`] does; `-` reads
/// it from stdin (`plan --out -` writes it to stdout; a file named `-` is
/// `./-`). A file that cannot be read, is larger than [`MAX_PLAN_BYTES`]
/// or is not UTF-8 is also [`ErrorKind::PlanInvalid`].
pub fn read(path: &Path) -> Result<Plan> {
    if path == Path::new("-") {
        return read_from(std::io::stdin().lock(), "stdin");
    }
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| unreadable(path, e))?;
    if meta.len() > MAX_PLAN_BYTES {
        return Err(invalid(
            &shown,
            format!("{} bytes is too large for a plan", meta.len()),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, e))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| invalid(&shown, "not a plan: the file is not UTF-8 text"))?;
    from_document(&text, &shown)
}

/// Reads and verifies a plan from `reader` (named `shown` in messages),
/// as [`read`] does a file: at most [`MAX_PLAN_BYTES`], UTF-8, a plan.
pub fn read_from(reader: impl std::io::Read, shown: &str) -> Result<Plan> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_PLAN_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            Error::new(
                ErrorKind::PlanInvalid,
                format!("cannot read the plan from {shown}: {e}"),
            )
            .with_source(e)
        })?;
    if bytes.len() as u64 > MAX_PLAN_BYTES {
        return Err(invalid(
            shown,
            format!("more than {MAX_PLAN_BYTES} bytes is too large for a plan"),
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| invalid(shown, "not a plan: the input is not UTF-8 text"))?;
    from_document(&text, shown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{PlanOptions, plan_cleanup};

    fn doc() -> String {
        let plan = plan_cleanup(&Default::default(), &[], &PlanOptions::default());
        to_document(&plan).unwrap()
    }

    fn kind_and_message(text: &str) -> (ErrorKind, String) {
        let e = from_document(text, "p").unwrap_err();
        (e.kind(), e.to_string())
    }

    #[test]
    fn an_unreadable_plan_is_refused_naming_its_path() {
        let dir = tempfile::tempdir().unwrap();
        for path in [dir.path().join("missing.plan"), dir.path().to_path_buf()] {
            let e = read(&path).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::PlanInvalid, "{e}");
            assert_eq!(e.kind(), ErrorKind::PlanInvalid);
            assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        }
    }

    fn plan() -> Plan {
        plan_cleanup(&Default::default(), &[], &PlanOptions::default())
    }

    /// The files in `dir`.
    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_write_names_the_given_path_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir/v2.plan");
        let e = write(&missing, &plan()).unwrap_err().to_string();
        assert!(e.contains(&missing.display().to_string()), "{e}");
        assert!(!e.contains(".tmp."), "{e}");
        assert!(e.contains("does not exist: create it"), "{e}");
        // Onto a directory: the rename fails, the temporary file goes.
        let target = dir.path().join("adir");
        std::fs::create_dir(&target).unwrap();
        let e = write(&target, &plan()).unwrap_err().to_string();
        assert!(e.contains(&target.display().to_string()), "{e}");
        assert!(!e.contains(".tmp."), "{e}");
        assert!(e.contains("is a directory"), "{e}");
        assert_eq!(files(dir.path()), ["adir"]);
        // A good one: the file, and nothing else.
        write(&dir.path().join("v2.plan"), &plan()).unwrap();
        assert_eq!(files(dir.path()), ["adir", "v2.plan"]);
        assert!(read(&dir.path().join("v2.plan")).is_ok());
    }

    #[test]
    fn a_plan_json_cannot_hold_is_an_error_not_a_null_document() {
        let mut plan = plan_cleanup(&Default::default(), &[], &PlanOptions::default());
        plan.config = Some(crate::value::Value::Int(i128::MAX));
        let e = to_document(&plan).unwrap_err();
        assert!(e.to_string().contains("cannot be written as JSON"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        assert!(write(&path, &plan).is_err());
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }

    #[test]
    fn round_trip() {
        assert!(from_document(&doc(), "p").is_ok());
    }

    #[test]
    fn refusals_are_clear() {
        let d = doc();
        for (text, want) in [
            ("", "not JSON"),
            ("[1, 2]", "not a JSON object"),
            ("{}", "no format_version"),
            (&d[..d.len() / 2], "not JSON"),
            (
                &d.replace(&format!("\"{FORMAT_VERSION}\""), "\"2.0\""),
                "plan format 2.0",
            ),
            (
                &d.replace("\"paunch\"", "\"someone\""),
                "checksum does not verify",
            ),
        ] {
            let (kind, msg) = kind_and_message(text);
            assert_eq!(kind, ErrorKind::PlanInvalid, "{msg}");
            assert!(msg.contains(want), "{want:?} not in {msg:?}");
        }
    }

    #[test]
    fn a_later_minor_version_with_new_fields_is_read() {
        let mut v: serde_json::Value = serde_json::from_str(&doc()).unwrap();
        let obj = v.as_object_mut().unwrap();
        obj.remove("checksum");
        obj.insert("format_version".into(), "1.7".into());
        obj.insert("something_new".into(), serde_json::json!({"a": 1}));
        let sum = sha256_canonical(&v);
        v.as_object_mut()
            .unwrap()
            .insert("checksum".into(), sum.into());
        let plan = from_document(&v.to_string(), "p").unwrap();
        assert_eq!(plan.format_version, "1.7");
    }

    #[test]
    fn unknown_reasons_of_a_later_minor_version_are_read() {
        let r: crate::plan::Reason =
            serde_json::from_str(r#"{"kind": "something_new", "detail": 1}"#).unwrap();
        assert_eq!(r, crate::plan::Reason::Unknown);
    }
}
