//! Images built from a compose service's context (SPEC §17): a `build`
//! step in phase `pull` (after the pulls, before any container), planned
//! when a container of a built service is created or replaced, or its
//! image is missing; never when nothing changed. The creates and replaces
//! that use the image come after it, so a failed build skips them (and
//! leaves the old containers as they are). A built image is never pulled.
//!
//! Whether the context changed is in the containers' `config_data`
//! (`build.context_hash`, computed when the file is loaded), so the
//! planner reads no file: a replacement whose only change is that hash
//! has the reason "image rebuilt".

use super::model::*;
use super::planner::{Builder, local_image};
use crate::config::compose::SERVICE_LABEL;
use crate::config::{Config, Entry, EntryAction};
use crate::value::{Map, Value};
use std::collections::BTreeSet;

/// The image an entry's containers run and the `build` it is built by,
/// when the entry is a compose service's with `build` (its normalised
/// `config_data` holds it).
pub fn build_of(e: &Entry) -> Option<(&str, &Map)> {
    let compose = e
        .strings("labels")
        .iter()
        .any(|l| l.split_once('=').is_some_and(|(k, _)| k == SERVICE_LABEL));
    if !compose || e.action() != EntryAction::Run {
        return None;
    }
    let build = e.data.as_map()?.get("build")?.as_map()?;
    Some((e.image()?, build))
}

/// The images of the configuration that are built, not pulled.
pub fn built_images(config: &Config) -> BTreeSet<String> {
    config
        .entries
        .iter()
        .filter_map(build_of)
        .map(|(image, _)| image.to_string())
        .collect()
}

/// Whether two `config_data` differ only in `build.context_hash`.
pub fn only_context_changed(old: &Value, new: &Value) -> bool {
    let hash = |v: &Value| {
        v.as_map()
            .and_then(|m| m.get("build"))
            .and_then(Value::as_map)
            .and_then(|b| b.get("context_hash"))
            .cloned()
    };
    hash(old) != hash(new) && without_hash(old).same_as(&without_hash(new))
}

fn without_hash(v: &Value) -> Value {
    let Some(m) = v.as_map() else {
        return v.clone();
    };
    let mut m = m.clone();
    if let Some(Value::Map(b)) = m.get("build") {
        let mut b = b.clone();
        b.remove("context_hash");
        m.insert("build".into(), Value::Map(b));
    }
    Value::Map(m)
}

/// One image to build, and the steps that use it.
struct Wanted<'c> {
    image: &'c str,
    build: &'c Map,
    reason: Reason,
    users: Vec<usize>,
}

impl Builder<'_> {
    /// The builds of an apply, once its other steps are planned: one per
    /// image whose containers are created or replaced, or that is
    /// missing, inserted after the pulls (later steps renumbered); each
    /// create and replace using the image comes after its build.
    pub(super) fn builds(&mut self, config: &Config) {
        let mut wanted: Vec<Wanted> = Vec::new();
        for e in &config.entries {
            let Some((image, build)) = build_of(e) else {
                continue;
            };
            let users: Vec<(usize, Reason)> = self
                .steps
                .iter()
                .filter(|s| match &s.action {
                    Action::Create { entry, .. } | Action::Replace { entry, .. } => {
                        *entry == e.name
                    }
                    _ => false,
                })
                .map(|s| (s.id, s.reason.clone()))
                .collect();
            let missing = local_image(self.observed, image).is_none();
            if users.is_empty() && !missing {
                continue;
            }
            let reason = match users.first() {
                Some((_, r)) if !missing => r.clone(),
                _ => Reason::ImageMissing,
            };
            let ids = users.into_iter().map(|(id, _)| id);
            match wanted.iter_mut().find(|w| w.image == image) {
                Some(w) => w.users.extend(ids),
                None => wanted.push(Wanted {
                    image,
                    build,
                    reason,
                    users: ids.collect(),
                }),
            }
        }
        if wanted.is_empty() {
            return;
        }
        let at = self
            .steps
            .iter()
            .take_while(|s| s.phase == Phase::Pull)
            .count();
        let k = wanted.len();
        let moved = |id: usize| if id > at { id + k } else { id };
        for s in &mut self.steps {
            s.id = moved(s.id);
            for a in &mut s.after {
                *a = moved(*a);
            }
        }
        for (i, w) in wanted.into_iter().enumerate() {
            let id = at + i + 1;
            let users: Vec<usize> = w.users.iter().map(|u| moved(*u)).collect();
            for s in self.steps.iter_mut().filter(|s| users.contains(&s.id)) {
                s.after.push(id);
                s.after.sort_unstable();
            }
            let context = w
                .build
                .get("context")
                .and_then(Value::as_str)
                .unwrap_or(".")
                .to_string();
            let step = Step {
                id,
                phase: Phase::Pull,
                action: Action::Build {
                    image: w.image.to_string(),
                    context,
                    argv: self.runtime.build_args(w.image, w.build),
                },
                reason: w.reason,
                after: vec![],
            };
            self.steps.insert(id - 1, step);
        }
    }
}
