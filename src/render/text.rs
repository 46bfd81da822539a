//! The plan as text for people: one line per step with a symbol, the
//! reason, the config diff of replacements, notes, and a summary line.

use super::Paint;
use crate::observe::short_id;
use crate::plan::{Action, Counts, Note, Operation, Phase, Plan, Reason, Step, UnitOp};

/// Every reason's wording, in one place.
pub fn reason_text(r: &Reason) -> String {
    match r {
        Reason::ImageMissing => "not present locally".into(),
        Reason::RemovedFromConfig => "no longer in the configuration".into(),
        Reason::NowExec => "the entry is now an exec action".into(),
        Reason::Unreadable => {
            "the engine lists it but cannot read it (its storage is gone: a podman killed while removing it?)".into()
        }
        Reason::NoConfigData => "it has no config_data label".into(),
        Reason::BadConfigData => "its config_data label is not JSON".into(),
        Reason::Duplicate { kept } => format!("a second container of the entry; {kept} is kept"),
        Reason::ConfigIdNotKept { config_id } => {
            format!("config ID \"{config_id}\" is not among those kept")
        }
        Reason::ConfigIdDeleted { config_id } => format!("config ID \"{config_id}\" is deleted"),
        Reason::DesiredNameFree { .. } => "its desired name is free".into(),
        Reason::NamesSwapped { desired } => {
            format!("moves aside: \"{desired}\" is held by a container that wants this one's name")
        }
        Reason::ConfigChanged => "configuration changed".into(),
        Reason::ImageRebuilt => "image rebuilt".into(),
        Reason::ImageUpdated { from, to } => {
            format!("image updated ({} -> {})", short_id(from), short_id(to))
        }
        Reason::NeverStarted { error } if error.is_empty() => {
            "created but never started (an interrupted apply?)".into()
        }
        // The engine's own words: escaped, as every value printed.
        Reason::NeverStarted { error } => format!(
            "created, but its start failed: {}",
            crate::mask::escape_controls(error)
        ),
        Reason::NotCreated => "no container yet".into(),
        Reason::ExecEveryApply => "exec entries run on every apply".into(),
        Reason::StillRunning => {
            "a blocking container of an interrupted apply still runs; later groups wait for it"
                .into()
        }
        Reason::BlockingFailed { exit_code } => {
            format!(
                "its last run exited with {exit_code}, not one of its exit_codes: it runs again"
            )
        }
        Reason::JoinedReplaced { container } => {
            format!("{container} was replaced: this container joins its namespaces or volumes")
        }
        Reason::JoinedRestarted { container } => format!(
            "{container} started again after this container joined its namespaces: this one holds a dead namespace"
        ),
        Reason::Stopped {
            state,
            exit_code,
            since,
        } => {
            let since = if since.is_empty() {
                String::new()
            } else {
                format!(" since {since}")
            };
            // A container stopped on purpose is started too: say how to
            // keep one stopped.
            format!(
                "{state} ({exit_code}){since}, its configuration unchanged: apply starts it (to keep it stopped, remove its entry)"
            )
        }
        Reason::RollBack { step } => format!("rolls back the failed apply's \"{step}\""),
        Reason::UnitsMissing { files } => format!("systemd units missing: {}", files.join(", ")),
        Reason::UnitsDiffer { files } => format!(
            "systemd units differ from the configuration's: {}",
            files.join(", ")
        ),
        Reason::ResourceMissing => "not there yet".into(),
        Reason::ResourceChanged => {
            "its definition changed and no container uses it: removed and created again".into()
        }
        Reason::Unknown => "(a reason this paunch does not know)".into(),
    }
}

struct Line {
    symbol: &'static str,
    verb: &'static str,
    subject: String,
    reason: String,
    diff: Option<String>,
    /// What it does to systemd units, one line each.
    units: Vec<String>,
}

/// A unit operation for people: `$ systemctl ...`, `write FILE`, `remove
/// FILE`.
pub fn unit_op_text(op: &UnitOp) -> String {
    match op {
        UnitOp::Write { file, .. } => format!("write {file}"),
        UnitOp::Remove { file } => format!("remove {file}"),
        UnitOp::Systemctl { argv } => {
            let mut words = vec!["$ systemctl"];
            words.extend(argv.iter().map(String::as_str));
            words.join(" ")
        }
    }
}

fn unit_lines<'a>(ops: impl IntoIterator<Item = &'a UnitOp>) -> Vec<String> {
    ops.into_iter().map(unit_op_text).collect()
}

fn line(step: &Step) -> Line {
    let reason = reason_text(&step.reason);
    let units = match &step.action {
        Action::Delete { units_off, .. } => unit_lines(units_off),
        Action::Replace {
            units_off, create, ..
        } => unit_lines(units_off.iter().chain(&create.units)),
        Action::Create { create, .. } => unit_lines(&create.units),
        Action::Units { ops, .. } => unit_lines(ops),
        _ => Vec::new(),
    };
    let mut line = line_of(step, reason);
    line.units = units;
    line
}

fn line_of(step: &Step, reason: String) -> Line {
    match &step.action {
        Action::Pull { image, .. } => plain("*", "pull", image.clone(), reason),
        Action::Build { image, context, .. } => {
            plain("*", "build", format!("{image} from {context}"), reason)
        }
        Action::Delete { container, .. } => plain(
            "-",
            "delete",
            format!("{} ({})", container.name, container.short_id()),
            reason,
        ),
        Action::Rename { container, to, .. } => {
            plain("~", "rename", format!("{} -> {to}", container.name), reason)
        }
        Action::Replace {
            entry,
            old,
            create,
            diff,
            ..
        } => Line {
            symbol: "-/+",
            verb: "replace",
            subject: if create.name == *entry && old.name == *entry {
                format!("{entry} ({})", old.short_id())
            } else {
                format!(
                    "{entry} ({} {}) as {}",
                    old.name,
                    old.short_id(),
                    create.name
                )
            },
            reason: with_holder(reason, entry, create.name_held_by.as_deref()),
            diff: diff.clone(),
            units: Vec::new(),
        },
        Action::Create { entry, create } => Line {
            symbol: "+",
            verb: "create",
            subject: if create.name == *entry {
                entry.clone()
            } else {
                format!("{entry} as {}", create.name)
            },
            reason: with_holder(reason, entry, create.name_held_by.as_deref()),
            diff: None,
            units: Vec::new(),
        },
        Action::Wait { container, .. } => plain(
            "...",
            "wait",
            format!("{} ({})", container.name, container.short_id()),
            reason,
        ),
        Action::Start { container, .. } => plain(
            ">",
            "start",
            format!("{} ({})", container.name, container.short_id()),
            reason,
        ),
        Action::Units { container, .. } => plain(
            "~",
            "units",
            format!("{} ({})", container.name, container.short_id()),
            reason,
        ),
        Action::Exec { entry, target, .. } => {
            plain(">", "exec", format!("{entry} in {target}"), reason)
        }
        Action::CreateNetwork { name, .. }
        | Action::RemoveNetwork { name, .. }
        | Action::CreateVolume { name, .. }
        | Action::RemoveVolume { name, .. } => {
            let (symbol, verb) = match &step.action {
                Action::CreateNetwork { .. } => ("+", "network"),
                Action::RemoveNetwork { .. } => ("-", "network"),
                Action::CreateVolume { .. } => ("+", "volume"),
                _ => ("-", "volume"),
            };
            plain(symbol, verb, name.clone(), reason)
        }
    }
}

/// A line with no diff and no units.
fn plain(symbol: &'static str, verb: &'static str, subject: String, reason: String) -> Line {
    Line {
        symbol,
        verb,
        subject,
        reason,
        diff: None,
        units: Vec::new(),
    }
}

fn with_holder(reason: String, entry: &str, holder: Option<&str>) -> String {
    match holder {
        Some(h) => format!("{reason}; \"{entry}\" is held by {}", short_id(h)),
        None => reason,
    }
}

/// Every note's wording, in one place (`managed_by` names the tool in
/// notes about containers it does not manage).
pub fn note_text(n: &Note, managed_by: &str) -> String {
    match n {
        Note::RenameBlocked {
            container,
            desired,
            holder,
            holder_managed,
        } => format!(
            "{} keeps its name: \"{desired}\" is held by {}{}",
            container.name,
            short_id(holder),
            if *holder_managed {
                String::new()
            } else {
                format!(" (not managed by {managed_by})")
            }
        ),
        Note::ImagePulledContainerKept { entry, image } => format!(
            "{entry} is kept; if the pulled {image} differs from the image it runs, the next apply replaces it"
        ),
        Note::NotRunning { container, state } => format!(
            "{} is {state}, not running; it is left as it is (restart policy or operator decides)",
            container.name
        ),
        Note::ExecTargetMissing { entry, target } => format!(
            "{entry}: no container named {target} exists now; the exec fails unless one does by then"
        ),
        Note::Unhealthy { container } => format!(
            "{} runs but is unhealthy: its health check fails (its configuration is unchanged, so it is kept)",
            container.name
        ),
        Note::Paused { container } => format!(
            "{} is paused; it is left paused (`docker unpause {}` resumes it)",
            container.name, container.name
        ),
        Note::LabelDiffers {
            container,
            key,
            has,
            wanted,
        } => format!(
            "{} keeps label {key}={}: --label {key}={wanted} reaches a container only when it is created or replaced",
            container.name,
            has.as_deref().unwrap_or("(none)")
        ),
        Note::LabelNotGiven {
            container,
            key,
            has,
        } => format!(
            "{} keeps label {key}={has}: no --label gives it now, and labels change only when a container is created or replaced",
            container.name
        ),
        Note::NotRolledBack { step, why } => format!("not rolled back: \"{step}\": {why}"),
        Note::VolumeLeftBehind { volume, config_id } => format!(
            "volume {volume} (config ID \"{config_id}\") is left behind, its data with it; `paunch delete --volumes {config_id}` removes it"
        ),
        Note::CannotChange {
            resource,
            name,
            used_by,
        } if resource == "network" => format!(
            "network {name}'s definition changed, but {} use{} it: a network cannot change in place, so it is kept as it is; once no container uses it (`paunch delete` of its config ID), an apply creates it anew",
            used_by.join(", "),
            if used_by.len() == 1 { "s" } else { "" }
        ),
        Note::CannotChange { resource, name, .. } => format!(
            "{resource} {name}'s definition changed: it is kept as it is, its data with it (`paunch delete --volumes` of its config ID removes it; the next apply creates it anew)"
        ),
        Note::InUse {
            resource,
            name,
            container,
        } => format!("{resource} {name} is kept: {container} still uses it"),
        Note::ResourceNotOurs {
            resource,
            name,
            config_id,
        } => match config_id {
            Some(id) => format!(
                "{resource} {name} exists, but belongs to config ID \"{id}\": paunch does not share it; apply refuses to run (name it differently, or delete config ID \"{id}\" first)"
            ),
            None => format!(
                "{resource} {name} exists and is not managed by {managed_by}: it is used as it is, as an external one, and paunch never removes it"
            ),
        },
        Note::ExternalMissing { resource, name } => format!(
            "external {resource} {name} does not exist: apply refuses to run (create it first: `docker {resource} create {name}`)"
        ),
        Note::Unknown => "(a note this paunch does not know)".into(),
    }
}

fn style_for(symbol: &str, p: &Paint) -> console::Style {
    let s = p.style();
    match symbol {
        "+" => s.green(),
        "-" => s.red(),
        "~" | "-/+" => s.yellow(),
        ">" => s.cyan(),
        _ => s.blue(),
    }
}

/// The heading of a plan.
pub fn heading(plan: &Plan) -> String {
    match plan.operation {
        Operation::Apply => format!(
            "Plan for config ID \"{}\" (managed by {}, {}):",
            plan.config_id.as_deref().unwrap_or_default(),
            plan.managed_by,
            plan.runtime
        ),
        Operation::Cleanup if plan.config_ids.is_empty() => format!(
            "Cleanup of every container managed by {} ({}):",
            plan.managed_by, plan.runtime
        ),
        Operation::Cleanup => format!(
            "Cleanup keeping config IDs {} (managed by {}, {}):",
            plan.config_ids.join(", "),
            plan.managed_by,
            plan.runtime
        ),
        Operation::Delete => format!(
            "Delete of config IDs {} (managed by {}, {}):",
            plan.config_ids.join(", "),
            plan.managed_by,
            plan.runtime
        ),
        Operation::Rollback => format!(
            "Rollback of the failed apply of config ID \"{}\" (managed by {}, {}):",
            plan.config_id.as_deref().unwrap_or_default(),
            plan.managed_by,
            plan.runtime
        ),
    }
}

/// The one-line summary.
pub fn plan_summary(c: &Counts) -> String {
    let waits = if c.wait > 0 {
        format!(
            " {} blocking container{} to wait for.",
            c.wait,
            if c.wait == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    let starts = if c.start > 0 {
        format!("{} to start, ", c.start)
    } else {
        String::new()
    };
    let units = if c.units > 0 {
        format!(
            "{} container{} with units to write, ",
            c.units,
            if c.units == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    let resources = resources_summary(c);
    if c.pull + c.build + c.create + c.replace + c.delete + c.rename + c.start + c.units == 0
        && resources.is_empty()
    {
        let mut s = String::from("No changes. The containers match the configuration.");
        if c.exec > 0 {
            s.push_str(&format!(
                " {} exec step{} run{} on every apply.",
                c.exec,
                if c.exec == 1 { "" } else { "s" },
                if c.exec == 1 { "s" } else { "" }
            ));
        }
        s.push_str(&waits);
        return s;
    }
    let pulls = if c.pull > 0 {
        format!(
            "{} image{} to pull, ",
            c.pull,
            if c.pull == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    let builds = if c.build > 0 {
        format!(
            "{} image{} to build, ",
            c.build,
            if c.build == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    format!(
        "Plan: {pulls}{builds}{} to create, {starts}{units}{} to replace, {} to delete, {} to rename, {} exec{resources}.{waits}",
        c.create, c.replace, c.delete, c.rename, c.exec
    )
}

/// `; 1 network to create, 1 volume to remove` (what of them there is).
fn resources_summary(c: &Counts) -> String {
    let mut out = Vec::new();
    for (n, what, verb) in [
        (c.network_create, "network", "create"),
        (c.network_remove, "network", "remove"),
        (c.volume_create, "volume", "create"),
        (c.volume_remove, "volume", "remove"),
    ] {
        if n > 0 {
            let plural = if n == 1 { "" } else { "s" };
            out.push(format!("{n} {what}{plural} to {verb}"));
        }
    }
    if out.is_empty() {
        return String::new();
    }
    format!("; {}", out.join(", "))
}

/// The summary of a cleanup or delete with no step ("No changes. The
/// containers match the configuration." is an apply's).
fn nothing_to_remove(plan: &Plan) -> Option<String> {
    if !plan.steps.is_empty() {
        return None;
    }
    let ids = || {
        plan.config_ids
            .iter()
            .map(|id| format!("\"{id}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let plural = if plan.config_ids.len() == 1 { "" } else { "s" };
    let m = &plan.managed_by;
    match plan.operation {
        Operation::Apply => None,
        Operation::Rollback => {
            Some("Nothing to roll back: the failed apply changed no container.".into())
        }
        Operation::Delete => Some(format!(
            "No containers of config ID{plural} {} are managed by {m}: nothing to delete.",
            ids()
        )),
        Operation::Cleanup if plan.config_ids.is_empty() => Some(format!(
            "No containers are managed by {m}: nothing to clean up."
        )),
        Operation::Cleanup => Some(format!(
            "Nothing to clean up: every container managed by {m} is of config ID{plural} {}, and none is to be renamed.",
            ids()
        )),
    }
}

/// The whole text rendering.
pub fn render(plan: &Plan, paint: &Paint) -> String {
    let sensitive = crate::mask::for_plan(&plan.sensitive_env);
    let esc = |t: &str| crate::mask::escape_controls(t).into_owned();
    let mut out = String::new();
    out.push_str(
        &paint
            .style()
            .bold()
            .apply_to(esc(&heading(plan)))
            .to_string(),
    );
    out.push('\n');
    let lines: Vec<(Phase, Line)> = plan.steps.iter().map(|s| (s.phase, line(s))).collect();
    let width = lines
        .iter()
        .map(|(_, l)| l.subject.chars().count())
        .max()
        .unwrap_or(0)
        .min(48);
    let groups: std::collections::BTreeSet<i64> = plan
        .steps
        .iter()
        .filter_map(|s| match s.phase {
            Phase::Group(n) => Some(n),
            _ => None,
        })
        .collect();
    if !lines.is_empty() {
        out.push('\n');
    }
    let mut last_group = None;
    for (phase, l) in &lines {
        if let Phase::Group(n) = phase
            && groups.len() > 1
            && last_group != Some(*n)
        {
            last_group = Some(*n);
            out.push_str(
                &paint
                    .style()
                    .dim()
                    .apply_to(format!("  start_order {n}:"))
                    .to_string(),
            );
            out.push('\n');
        }
        let style = style_for(l.symbol, paint);
        let sym = style.apply_to(format!("{:>3}", l.symbol));
        let verb = style.apply_to(format!("{:<7}", l.verb));
        let pad = width.saturating_sub(l.subject.chars().count());
        out.push_str(&format!(
            "{sym} {verb} {}{}  {}\n",
            esc(&l.subject),
            " ".repeat(pad),
            paint.style().dim().apply_to(esc(&l.reason))
        ));
        if let Some(diff) = &l.diff {
            let diff = sensitive.diff(diff);
            for d in diff.lines() {
                let d = esc(d);
                let s = match d.chars().next() {
                    Some('+') => paint.style().green(),
                    Some('-') => paint.style().red(),
                    Some('@') => paint.style().cyan(),
                    _ => paint.style(),
                };
                out.push_str(&format!("        {}\n", s.apply_to(d)));
            }
        }
        for u in &l.units {
            out.push_str(&format!(
                "        {}\n",
                paint.style().dim().apply_to(esc(u))
            ));
        }
    }
    if !plan.notes.is_empty() {
        out.push_str("\nNotes:\n");
        for n in &plan.notes {
            out.push_str(&format!(
                "  {} {}\n",
                paint.style().yellow().apply_to("!"),
                esc(&note_text(n, &plan.managed_by))
            ));
        }
    }
    out.push('\n');
    let summary = nothing_to_remove(plan).unwrap_or_else(|| plan_summary(&plan.counts()));
    out.push_str(&paint.style().bold().apply_to(summary).to_string());
    out.push('\n');
    out
}

/// Every engine command a plan runs, step by step, shell-quoted: what a
/// reviewer approves (`paunch show -v`). Deletions and replacements stop
/// and remove before they create.
pub fn commands(plan: &Plan) -> String {
    let program = plan.runtime.program();
    let sensitive = crate::mask::for_plan(&plan.sensitive_env);
    let cmd = |argv: &[String]| {
        let masked: Vec<std::borrow::Cow<'_, str>> =
            argv.iter().map(|a| sensitive.arg(a)).collect();
        let mut words = vec![program];
        words.extend(masked.iter().map(|a| a.as_ref()));
        format!("      $ {}\n", crate::engine::argv::shell_join(&words))
    };
    // Unit files in full: a reviewer approves what systemd will run.
    let dir = plan.systemd.as_ref().map(|s| s.dir.as_str()).unwrap_or(".");
    let ops = |ops: &[UnitOp]| {
        let mut text = String::new();
        for op in ops {
            match op {
                UnitOp::Systemctl { argv } => {
                    let mut words = vec!["systemctl"];
                    words.extend(argv.iter().map(String::as_str));
                    text.push_str(&format!(
                        "      $ {}\n",
                        crate::engine::argv::shell_join(&words)
                    ));
                }
                UnitOp::Remove { file } => text.push_str(&format!("      remove {dir}/{file}\n")),
                UnitOp::Write { file, contents } => {
                    text.push_str(&format!("      write {dir}/{file}:\n"));
                    for l in contents.lines() {
                        let l = crate::mask::escape_controls(l);
                        text.push_str(&format!("        | {l}\n"));
                    }
                }
            }
        }
        text
    };
    let mut out = String::from("Engine commands:\n");
    for s in &plan.steps {
        let what = s.describe();
        let what = crate::mask::escape_controls(&what);
        out.push_str(&format!("  {:>3}. {what}\n", s.id));
        match &s.action {
            Action::Pull { argv, .. }
            | Action::Build { argv, .. }
            | Action::Rename { argv, .. }
            | Action::Wait { argv, .. }
            | Action::Start { argv, .. }
            | Action::Exec { argv, .. } => out.push_str(&cmd(argv)),
            Action::Delete {
                stop,
                remove,
                units_off,
                ..
            } => {
                out.push_str(&ops(units_off));
                out.push_str(&cmd(stop));
                out.push_str(&cmd(remove));
            }
            Action::Replace {
                stop,
                remove,
                create,
                units_off,
                ..
            } => {
                out.push_str(&ops(units_off));
                out.push_str(&cmd(stop));
                out.push_str(&cmd(remove));
                out.push_str(&cmd(&create.argv));
                out.push_str(&ops(&create.units));
            }
            Action::Create { create, .. } => {
                out.push_str(&cmd(&create.argv));
                out.push_str(&ops(&create.units));
            }
            Action::Units { ops: unit_ops, .. } => out.push_str(&ops(unit_ops)),
            Action::CreateNetwork { argv, .. }
            | Action::RemoveNetwork { argv, .. }
            | Action::CreateVolume { argv, .. }
            | Action::RemoveVolume { argv, .. } => out.push_str(&cmd(argv)),
        }
    }
    out
}

/// A plan as plain text (no colour): what `paunch plan` prints.
///
/// ```
/// use paunch::{Config, Observed, plan::{plan_apply, PlanOptions}};
/// let config = Config::parse("hello:\n  image: busybox:1.36\n", "x")?;
/// let opts = PlanOptions { config_id: "hi".into(), ..Default::default() };
/// let plan = plan_apply(&config, &Observed::default(), &opts);
/// assert!(plan.to_string().contains("+ create  hello"));
/// # Ok::<(), paunch::Error>(())
/// ```
impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&render(self, &Paint::plain()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{PlanOptions, plan_cleanup, plan_delete};

    #[test]
    fn an_empty_delete_or_cleanup_says_there_is_nothing_to_remove() {
        let opts = PlanOptions {
            managed_by: "tripleo".into(),
            ..PlanOptions::default()
        };
        let none = Default::default();
        let render = |p: &Plan| render(p, &Paint::plain());
        let text = render(&plan_delete(&none, &["x".into()], &opts));
        assert!(
            text.contains(
                "No containers of config ID \"x\" are managed by tripleo: nothing to delete."
            ),
            "{text}"
        );
        let text = render(&plan_delete(&none, &["x".into(), "y".into()], &opts));
        assert!(text.contains("config IDs \"x\", \"y\" are"), "{text}");
        let text = render(&plan_cleanup(&none, &[], &opts));
        assert!(
            text.contains("No containers are managed by tripleo: nothing to clean up."),
            "{text}"
        );
        let text = render(&plan_cleanup(&none, &["v2".into()], &opts));
        assert!(text.contains("Nothing to clean up"), "{text}");
        for text in [
            render(&plan_delete(&none, &["x".into()], &opts)),
            render(&plan_cleanup(&none, &[], &opts)),
        ] {
            assert!(!text.contains("match the configuration"), "{text}");
        }
    }
}
