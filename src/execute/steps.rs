//! The steps that are one engine call (or a few): create, rename, start,
//! exec, wait for a blocking container, pull; and how a failed call's
//! message is put together.

use super::*;

impl Run<'_> {
    /// Runs a step that is one engine call.
    pub(super) fn simple(&self, s: &Step) -> Outcome {
        match &s.action {
            Action::Pull { .. } => self.pull(s),
            Action::Build { .. } => self.build(s),
            Action::Rename { argv, to, .. } => match self.call(argv, self.bounded()) {
                Ok(o) if o.success() => Outcome::Done(format!("renamed to {to}")),
                Ok(o) => Outcome::engine(&o),
                Err(e) => Outcome::error(e),
            },
            Action::Create { create, .. } => self.create_with_units(create),
            Action::Units { ops, container, .. } => match self.unit_ops(ops) {
                Ok(()) => {
                    Outcome::Done(format!("wrote and enabled the units of {}", container.name))
                }
                Err(e) => Outcome::error(e),
            },
            Action::Exec {
                argv,
                exit_codes,
                target,
                ..
            } => match self.call(argv, None) {
                Ok(o) => match o.code {
                    Some(c) if exit_codes.contains(&i64::from(c)) => {
                        Outcome::Done(format!("exited with {c}"))
                    }
                    _ => Outcome::failed(
                        format!("exec in {target} {}: {}", code_text(&o), o.error_text()),
                        o.code,
                    ),
                },
                Err(e) => Outcome::error(e),
            },
            Action::Wait {
                argv,
                exit_codes,
                container,
                ..
            } => match self.call(argv, None) {
                Ok(o) if o.success() => {
                    // `wait` prints the container's exit code.
                    match o.stdout.trim().parse::<i64>() {
                        Ok(code) if exit_codes.contains(&code) => {
                            Outcome::Done(format!("{} exited with {code}", container.name))
                        }
                        Ok(code) => Outcome::failed(
                            format!(
                                "{} exited with {code}, expected one of {exit_codes:?}",
                                container.name
                            ),
                            i32::try_from(code).ok(),
                        ),
                        Err(_) => {
                            Outcome::error(format!("unexpected wait output: {}", o.stdout.trim()))
                        }
                    }
                }
                Ok(o) => Outcome::engine(&o),
                Err(e) => Outcome::error(e),
            },
            Action::Start {
                argv, container, ..
            } => match self.call(argv, self.bounded()) {
                Ok(o) if o.success() => Outcome::Done(format!("started {}", container.name)),
                Ok(o) => Outcome::engine(&o),
                Err(e) => Outcome::error(e),
            },
            Action::CreateNetwork { argv, name }
            | Action::RemoveNetwork { argv, name }
            | Action::CreateVolume { argv, name }
            | Action::RemoveVolume { argv, name } => {
                let what = match &s.action {
                    Action::CreateNetwork { .. } => "created network",
                    Action::RemoveNetwork { .. } => "removed network",
                    Action::CreateVolume { .. } => "created volume",
                    _ => "removed volume",
                };
                match self.call(argv, self.bounded()) {
                    Ok(o) if o.success() => Outcome::Done(format!("{what} {name}")),
                    Ok(o) => Outcome::engine(&o),
                    Err(e) => Outcome::error(e),
                }
            }
            // Deletions and replacements run in batches, not here.
            Action::Delete { .. } | Action::Replace { .. } => Outcome::NotRun,
        }
    }

    pub(super) fn create(&self, c: &Create) -> Outcome {
        let timeout = if c.detach { self.bounded() } else { None };
        match self.call(&c.argv, timeout) {
            Err(e) => Outcome::error(e),
            Ok(o) if c.detach => {
                if o.success() {
                    let id = o.stdout.trim();
                    if let Some(failed) = self.then(c) {
                        return failed;
                    }
                    Outcome::Done(format!(
                        "created {} ({})",
                        c.name,
                        crate::observe::short_id(id)
                    ))
                } else {
                    let mut msg = o.error_text();
                    self.explain(&o, &mut msg);
                    Outcome::failed(msg, o.code)
                }
            }
            Ok(o) => match o.code {
                Some(code) if c.exit_codes.contains(&i64::from(code)) => {
                    Outcome::Done(format!("{} ran and exited with {code}", c.name))
                }
                _ => {
                    let mut msg = format!(
                        "{} {}, expected one of {:?}",
                        c.name,
                        code_text(&o),
                        c.exit_codes
                    );
                    let tail = tail(&o.stderr, 20);
                    if !tail.is_empty() {
                        msg.push('\n');
                        msg.push_str(&tail);
                    }
                    self.explain(&o, &mut msg);
                    Outcome::failed(msg, o.code)
                }
            },
        }
    }

    /// Runs the calls that follow a creation (`network connect`, then
    /// `start`); the first that fails fails the step, saying the
    /// container was created.
    fn then(&self, c: &Create) -> Option<Outcome> {
        for argv in &c.then {
            let failed = match self.call(argv, self.bounded()) {
                Err(e) => Some(e.to_string()),
                Ok(o) if !o.success() => Some(o.error_text()),
                Ok(_) => None,
            };
            if let Some(why) = failed {
                return Some(Outcome::failed(
                    format!(
                        "{} was created, but `{}` failed: {why}",
                        c.name,
                        crate::mask::escape_controls(&argv.join(" "))
                    ),
                    None,
                ));
            }
        }
        None
    }

    /// Appends what the operator should know about a failed call, when
    /// the runtime recognises its error ([`crate::engine::argv::Runtime::explain`]).
    pub(super) fn explain(&self, o: &Output, msg: &mut String) {
        if let Some(hint) = self.plan.runtime.explain(&o.stderr) {
            msg.push('\n');
            msg.push_str(&hint);
        }
    }

    pub(super) fn pull(&self, s: &Step) -> Outcome {
        let Action::Pull { argv, image } = &s.action else {
            return Outcome::NotRun;
        };
        let retry = self.opts.pull_retry(self.plan.runtime);
        match crate::engine::pull::pull(self.engine, argv, image, &retry, &|| self.interrupted()) {
            Pulled::Done => Outcome::Done(format!("pulled {image}")),
            Pulled::Failed { message, code } => Outcome::failed(message, code),
            Pulled::Interrupted => Outcome::NotRun,
        }
    }
}

impl Run<'_> {
    /// Builds an image: its output is logged at `-vv` only; a failure
    /// fails the step with the engine's last lines, and the steps that
    /// use the image are skipped (their `after`). Not bounded by
    /// `--step-timeout`: a build takes what its Dockerfile takes.
    pub(super) fn build(&self, s: &Step) -> Outcome {
        let Action::Build { argv, image, .. } = &s.action else {
            return Outcome::NotRun;
        };
        match self.call(argv, None) {
            Ok(o) => {
                crate::log::debug(|| {
                    format!(
                        "build {image}:\n{}{}",
                        crate::mask::escape_controls(&o.stdout),
                        crate::mask::escape_controls(&o.stderr)
                    )
                });
                if o.success() {
                    Outcome::Done(format!("built {image}"))
                } else {
                    let mut msg = format!("the build of {image} {}", code_text(&o));
                    let tail = tail(&format!("{}\n{}", o.stdout, o.stderr), 20);
                    if !tail.is_empty() {
                        msg.push('\n');
                        msg.push_str(&tail);
                    }
                    Outcome::failed(msg, o.code)
                }
            }
            Err(e) => Outcome::error(e),
        }
    }
}

pub(super) fn code_text(o: &Output) -> String {
    match o.code {
        Some(c) => format!("exited with {c}"),
        None => "was killed by a signal".into(),
    }
}

pub(super) fn tail(s: &str, lines: usize) -> String {
    let all: Vec<&str> = s.trim_end().lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
