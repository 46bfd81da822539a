//! Results for machines (`apply`, `cleanup`, `delete` with `--format
//! json`): JSON lines, one object each, as the run goes: the plan, each
//! step as it ends, then the summary (or an error). Pure functions; the
//! caller prints each value on a line of its own.

use crate::error::Error;
use crate::execute::{Outcome, Report};
use crate::plan::{Plan, Step};
use serde_json::{Value, json};

/// `{"event": "plan", "plan": DOCUMENT}`: the same document as `plan
/// --format json` and a saved plan.
pub fn plan_event(plan: &Plan) -> crate::error::Result<Value> {
    let doc = crate::planfile::to_display_document(plan)?;
    let plan: Value = serde_json::from_str(&doc)
        .map_err(|e| Error::new(crate::ErrorKind::PlanInvalid, e.to_string()))?;
    Ok(json!({"event": "plan", "plan": plan}))
}

/// `{"event": "step", "id", "action", "description", "outcome", ...}`:
/// `ok` with `detail`, `failed` with `error` and `exit_code` (null when the
/// engine could not be run), `skipped` with `why`, or `not_run`.
pub fn step_event(step: &Step, outcome: &Outcome) -> Value {
    let mut v = json!({
        "event": "step",
        "id": step.id,
        "action": action_name(step),
        "description": step.describe(),
    });
    let fields = match outcome {
        Outcome::Done(detail) => json!({"outcome": "ok", "detail": detail}),
        Outcome::Failed(f) => {
            json!({"outcome": "failed", "error": f.message, "exit_code": f.exit_code})
        }
        Outcome::Skipped(why) => json!({"outcome": "skipped", "why": why}),
        Outcome::NotRun => json!({"outcome": "not_run"}),
    };
    if let (Value::Object(m), Value::Object(f)) = (&mut v, fields) {
        m.extend(f);
    }
    v
}

/// The action of a step as the plan document names it.
fn action_name(step: &Step) -> &'static str {
    use crate::plan::Action::*;
    match step.action {
        Pull { .. } => "pull",
        Build { .. } => "build",
        Delete { .. } => "delete",
        Rename { .. } => "rename",
        Replace { .. } => "replace",
        Create { .. } => "create",
        Wait { .. } => "wait",
        Start { .. } => "start",
        Units { .. } => "units",
        Exec { .. } => "exec",
        CreateNetwork { .. } => "create_network",
        RemoveNetwork { .. } => "remove_network",
        CreateVolume { .. } => "create_volume",
        RemoveVolume { .. } => "remove_volume",
    }
}

/// `{"event": "summary", "success", "interrupted", counts, "elapsed_seconds",
/// "exit_code", "failed": [ids], "skipped": [ids], "not_run": [ids],
/// "ready": [{"name", "state"}]}`, and with `--rollback` after a failure,
/// `"rollback"`: the same counts of the rollback plan's steps (whose
/// `plan` and `step` events came before), or `{"error": MESSAGE}`.
pub fn summary_event(
    report: &Report,
    rollback: Option<Result<&Report, &Error>>,
    exit_code: i32,
) -> Value {
    let mut v = json!({"event": "summary"});
    if let (Value::Object(m), Value::Object(c)) = (&mut v, counts(report)) {
        m.extend(c);
        m.insert("exit_code".into(), json!(exit_code));
        match rollback {
            None => {}
            Some(Ok(r)) => {
                m.insert("rollback".into(), counts(r));
            }
            Some(Err(e)) => {
                m.insert("rollback".into(), json!({"error": e.to_string()}));
            }
        }
    }
    v
}

/// The counts of a report, by outcome.
fn counts(report: &Report) -> Value {
    let ids = |f: fn(&Outcome) -> bool| -> Vec<usize> {
        report
            .outcomes
            .iter()
            .filter(|(_, o)| f(o))
            .map(|(id, _)| *id)
            .collect()
    };
    let done = ids(|o| matches!(o, Outcome::Done(_)));
    let failed = ids(|o| matches!(o, Outcome::Failed(_)));
    let skipped = ids(|o| matches!(o, Outcome::Skipped(_)));
    let not_run = ids(|o| matches!(o, Outcome::NotRun));
    let ready: Vec<Value> = report
        .ready
        .iter()
        .map(|(name, state)| json!({"name": name, "state": state}))
        .collect();
    json!({
        "success": report.success(),
        "interrupted": report.interrupted,
        "done": done.len(),
        "failed": failed,
        "skipped": skipped,
        "not_run": not_run,
        "elapsed_seconds": report.elapsed.as_secs_f64(),
        "ready": ready,
    })
}

/// `{"event": "error", "kind", "message", "hint", "exit_code"}` for an
/// error that ended the command before or instead of a summary. Each part
/// is said once: `message` is what went wrong, without the `hint` (the
/// text form joins them). A configuration error also has `"diagnostics"`
/// (`file`, `line`, `column`, `entry`, `key`, `message`, `hint` each); a
/// stale plan's has `"changes"`: what changed, each an object with its
/// `kind` (`container_changed` with the `field`, `from` and `to`, ...).
pub fn error_event(e: &Error, exit_code: i32) -> Value {
    let mut v = json!({
        "event": "error",
        "kind": format!("{:?}", e.kind()).to_lowercase(),
        "message": e.message(),
        "hint": e.hint(),
        "exit_code": exit_code,
    });
    if let Value::Object(m) = &mut v {
        if !e.diagnostics().is_empty() {
            m.insert("diagnostics".into(), json!(e.diagnostics()));
        }
        if !e.changes().is_empty() {
            m.insert("changes".into(), Value::Array(e.changes().to_vec()));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_event_says_its_hint_once() {
        let e =
            Error::new(crate::ErrorKind::PlanStale, "the plan is stale").with_hint("plan again");
        let v = error_event(&e, 4);
        assert_eq!(v["message"], "the plan is stale");
        assert_eq!(v["hint"], "plan again");
        assert!(v.get("diagnostics").is_none());
    }
}
