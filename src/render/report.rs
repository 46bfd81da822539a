//! What an execution did: a line per finished step, and the summary that
//! names every failure and every step skipped because of one.

use crate::execute::{Outcome, Report};
use crate::plan::{Action, Plan, Step};
use crate::render::Paint;

/// The line printed when a step finishes.
pub fn step_line(step: &Step, outcome: &Outcome, paint: &Paint) -> String {
    let s = paint.style();
    match outcome {
        Outcome::Done(detail) => format!(
            "  {} {}: {detail}",
            s.green().apply_to("ok"),
            step.describe()
        ),
        Outcome::Failed(e) => {
            let mut out = format!(
                "  {} {}: ",
                s.red().bold().apply_to("FAILED"),
                step.describe()
            );
            out.push_str(&indent_rest(&e.message, "      "));
            out
        }
        Outcome::Skipped(why) => format!(
            "  {} {}: {why}",
            s.yellow().apply_to("skipped"),
            step.describe()
        ),
        Outcome::NotRun => format!("  {} {}", s.dim().apply_to("not run"), step.describe()),
    }
}

/// A step in flight, and what an exit now may leave of it (a step is in
/// flight from its engine call on; a replacement's from the creation of
/// its new container, its old one being gone by then).
pub fn in_flight(step: &Step) -> String {
    let left = match &step.action {
        Action::Pull { .. } => "the image may be partly pulled".to_string(),
        Action::Build { .. } => "the image may be partly built".to_string(),
        Action::Delete { container, .. } => {
            format!("{} may be stopped but not yet removed", container.name)
        }
        Action::Rename { container, to, .. } => {
            format!("{} may or may not be named {to} yet", container.name)
        }
        Action::Replace { .. } => {
            "its old container may be stopped or removed, and the new one not yet created or started".to_string()
        }
        Action::Create { .. } => "the container may not be created or started yet".to_string(),
        Action::Exec { target, .. } => format!("the command may still be running in {target}"),
        Action::CreateNetwork { name, .. } => format!("network {name} may not be created yet"),
        Action::RemoveNetwork { name, .. } => format!("network {name} may not be removed yet"),
        Action::CreateVolume { name, .. } => format!("volume {name} may not be created yet"),
        Action::RemoveVolume { name, .. } => format!("volume {name} may not be removed yet"),
        Action::Wait { container, .. } => format!("{} keeps running", container.name),
        Action::Start { container, .. } => {
            format!("{} may or may not be started yet", container.name)
        }
        Action::Units { container, .. } => format!(
            "the systemd units of {} may be partly written or enabled",
            container.name
        ),
    };
    format!("{} ({left})", step.describe())
}

/// What a second interrupt prints before exiting: every step in flight.
pub fn interrupted_again(in_flight: &[String]) -> String {
    match in_flight {
        [] => "interrupted again: exiting now; no step was in flight\n".to_string(),
        [one] => format!(
            "interrupted again: exiting now; in flight: {one}\nRun the command again to converge.\n"
        ),
        many => {
            let mut s = String::from("interrupted again: exiting now; in flight:\n");
            for step in many {
                s.push_str(&format!("  {step}\n"));
            }
            s.push_str("Run the command again to converge.\n");
            s
        }
    }
}

/// `--wait`'s verdicts: `Ready: web (healthy), db (running, no health check).`
fn ready(report: &Report) -> String {
    if report.ready.is_empty() {
        return String::new();
    }
    let each: Vec<String> = report
        .ready
        .iter()
        .map(|(name, how)| match how.as_str() {
            "running" => format!("{name} (running, no health check)"),
            how => format!("{name} ({how})"),
        })
        .collect();
    format!("Ready: {}.\n", each.join(", "))
}

fn indent_rest(text: &str, pad: &str) -> String {
    let mut lines = text.lines();
    let mut out = lines.next().unwrap_or_default().to_string();
    for l in lines {
        out.push('\n');
        out.push_str(pad);
        out.push_str(l);
    }
    out
}

/// A rollback's plan and report, read together.
struct Rolled<'a> {
    plan: &'a Plan,
    report: &'a Report,
}

/// What a rollback did (its plan and report, or why it could not be
/// planned), after the failed apply's summary.
pub fn rollback_summary(
    rollback: Result<(&Plan, &Report), &crate::error::Error>,
    paint: &Paint,
) -> String {
    let s = paint.style();
    let (plan, report) = match rollback {
        Err(e) => {
            return format!(
                "{} {e}\nNothing was rolled back; run `paunch plan` to see where the host stands.\n",
                s.red().bold().apply_to("Rollback could not be planned:")
            );
        }
        Ok(r) => r,
    };
    let r = Rolled { plan, report };
    let mut out = String::from("\n");
    if r.plan.steps.is_empty() {
        out.push_str("Nothing to roll back: the failed apply changed no container.\n");
    } else if r.report.success() {
        let done = r.report.outcomes.len();
        out.push_str(&format!(
            "{}\n",
            s.yellow().bold().apply_to(format!(
                "Rolled back: {done} step{} done in {:.1}s.",
                if done == 1 { "" } else { "s" },
                r.report.elapsed.as_secs_f64()
            ))
        ));
        for st in &r.plan.steps {
            out.push_str(&format!("  {}\n", st.describe()));
        }
    } else {
        out.push_str(&apply_summary("Rollback", r.plan, r.report, paint));
        out.push_str("The host is partly rolled back: run `paunch plan` to see where it stands.\n");
    }
    for n in &r.plan.notes {
        out.push_str(&format!(
            "  {}\n",
            crate::render::text::note_text(n, &r.plan.managed_by)
        ));
    }
    if r.report.success() {
        out.push_str(
            "The configuration is unchanged: the next plan shows the same change again.\n",
        );
    }
    out
}

/// The closing summary.
pub fn apply_summary(verb: &str, plan: &Plan, report: &Report, paint: &Paint) -> String {
    let s = paint.style();
    let find = |id: usize| plan.steps.iter().find(|st| st.id == id);
    let failed: Vec<_> = report.failed().collect();
    let skipped: Vec<_> = report.skipped().collect();
    let not_run: Vec<_> = report.not_run().collect();
    let done = report.outcomes.iter().filter(|(_, o)| o.is_done()).count();
    let secs = report.elapsed.as_secs_f64();
    let mut out = String::new();
    if report.success() {
        out.push_str(&format!(
            "{}\n",
            s.green().bold().apply_to(format!(
                "{verb} complete: {done} step{} done in {secs:.1}s.",
                if done == 1 { "" } else { "s" }
            ))
        ));
        out.push_str(&ready(report));
        return out;
    }
    let head = if report.interrupted {
        format!(
            "{verb} interrupted: {done} done, {} failed, {} skipped, {} not run, in {secs:.1}s.",
            failed.len(),
            skipped.len(),
            not_run.len()
        )
    } else {
        format!(
            "{verb} failed: {} step{} failed, {} skipped, {done} done, in {secs:.1}s.",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            skipped.len()
        )
    };
    out.push_str(&format!("{}\n", s.red().bold().apply_to(head)));
    if !failed.is_empty() {
        out.push_str("Failed:\n");
        for (id, e) in &failed {
            if let Some(st) = find(*id) {
                out.push_str(&format!(
                    "  {}: {}\n",
                    st.describe(),
                    indent_rest(e, "      ")
                ));
            }
        }
    }
    if !skipped.is_empty() {
        out.push_str("Skipped because of a failure:\n");
        for (id, why) in &skipped {
            if let Some(st) = find(*id) {
                out.push_str(&format!("  {}: {why}\n", st.describe()));
            }
        }
    }
    if !not_run.is_empty() {
        out.push_str("Left undone (run apply again to converge):\n");
        for id in &not_run {
            if let Some(st) = find(*id) {
                out.push_str(&format!("  {}\n", st.describe()));
            }
        }
    }
    out
}
