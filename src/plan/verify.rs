//! A saved plan is code: before `apply --plan` runs it, its steps are
//! derived again from what the plan itself holds (its configuration, the
//! observed state it depends on, its options) and must be exactly the
//! saved ones. The checksum catches damage; this catches a plan edited
//! with a recomputed checksum (a changed argv, an added step), which a
//! reviewer approving the configuration would never have seen.

use super::model::{Dependencies, Operation, Plan, Step};
use super::planner::{PlanOptions, plan_apply, plan_cleanup, plan_delete};
use crate::config::{Config, LoadOptions};
use crate::observe::{Holder, Observed};
use std::collections::HashSet;
use std::path::PathBuf;

/// The observation a plan was made against, as far as the plan depends on
/// it: the managed containers that decide its steps, the image IDs it
/// compared, and the holders of the names it uses (a managed container it
/// did not record holds its name here as any other container would). The
/// planner asks only about those names, so it derives the same steps from
/// this as from the whole observation.
pub fn observed_of(deps: &Dependencies) -> Observed {
    let managed: HashSet<&str> = deps.containers.iter().map(|c| c.id.as_str()).collect();
    let mut observed = Observed {
        containers: deps.containers.clone(),
        foreign: deps
            .names
            .iter()
            .filter_map(|(name, holder)| {
                let id = holder.as_deref()?;
                (!managed.contains(id)).then(|| Holder {
                    id: id.to_string(),
                    name: name.clone(),
                })
            })
            .collect(),
        images: deps.images.clone(),
        units: deps.units.clone(),
        networks: found(&deps.networks),
        volumes: found(&deps.volumes),
    };
    observed.normalize();
    observed
}

/// The networks or volumes a plan recorded as found.
fn found(
    recorded: &std::collections::BTreeMap<String, Option<crate::observe::Labels>>,
) -> std::collections::BTreeMap<String, crate::observe::Labels> {
    recorded
        .iter()
        .filter_map(|(n, l)| Some((n.clone(), l.clone()?)))
        .collect()
}

/// The steps this paunch derives from the plan's own contents.
pub fn derive_steps(plan: &Plan) -> Result<Vec<Step>, String> {
    let observed = observed_of(&plan.depends_on);
    let opts = PlanOptions {
        runtime: plan.runtime,
        managed_by: plan.managed_by.clone(),
        config_id: plan.config_id.clone().unwrap_or_default(),
        labels: plan.labels.clone(),
        systemd: plan.systemd.clone(),
        sensitive_env: plan.sensitive_env.clone(),
        remove_volumes: plan.remove_volumes,
    };
    let derived = match plan.operation {
        Operation::Apply => {
            let value = plan
                .config
                .as_ref()
                .ok_or("an apply plan without its configuration")?;
            let load = LoadOptions {
                unknown_keys: plan.unknown_keys,
                base_dir: plan.base_dir.as_ref().map(PathBuf::from),
                ..LoadOptions::default()
            };
            let mut config = Config::from_value(value, "the plan's configuration", &load)
                .map_err(|e| e.to_string())?;
            config.override_config_data(&plan.config_data);
            config.resources.clone_from(&plan.resources);
            // Host paths are found on the host when a file is read, so
            // they are not derived again: a saved plan may create only
            // what its own configuration mounts.
            if let Some(h) = plan
                .host_paths
                .iter()
                .find(|h| !h.mounted_by(&config.entries))
            {
                return Err(format!(
                    "host path {} is not mounted by the plan's configuration",
                    h.path.display()
                ));
            }
            plan_apply(&config, &observed, &opts)
        }
        Operation::Cleanup => plan_cleanup(&observed, &plan.config_ids, &opts),
        Operation::Delete => plan_delete(&observed, &plan.config_ids, &opts),
        // Made from a failed apply's plan and report, which it does not
        // hold: never saved, never run from a file.
        Operation::Rollback => {
            return Err(
                "a rollback plan is made after a failed apply; it is not run from a file".into(),
            );
        }
    };
    Ok(derived.steps)
}

/// `Ok` when the saved steps are exactly what the plan's contents give;
/// otherwise what differs, one line per step.
pub fn verify(plan: &Plan) -> Result<(), Vec<String>> {
    let derived = derive_steps(plan).map_err(|e| vec![e])?;
    if derived == plan.steps {
        return Ok(());
    }
    let mut diffs = Vec::new();
    for i in 0..derived.len().max(plan.steps.len()) {
        match (plan.steps.get(i), derived.get(i)) {
            (Some(saved), Some(d)) if saved == d => {}
            (Some(saved), Some(d)) if saved.action == d.action => diffs.push(format!(
                "step {} ({}): its order, reason or dependencies were changed",
                saved.id,
                saved.describe()
            )),
            (Some(saved), Some(_)) => diffs.push(format!(
                "step {} ({}): its engine arguments are not what the configuration gives",
                saved.id,
                saved.describe()
            )),
            (Some(saved), None) => diffs.push(format!(
                "step {} ({}) is not derived from the configuration",
                saved.id,
                saved.describe()
            )),
            (None, Some(d)) => diffs.push(format!(
                "the configuration gives a step {} ({}) that the plan lacks",
                d.id,
                d.describe()
            )),
            (None, None) => {}
        }
    }
    Err(diffs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Action;

    fn plan() -> Plan {
        let config = Config::parse(
            "web:\n  image: busybox:1\n  restart: no\n  ports: ['22:22']\n",
            "x",
        )
        .unwrap();
        let opts = PlanOptions {
            config_id: "v1".into(),
            ..Default::default()
        };
        plan_apply(&config, &Observed::default(), &opts)
    }

    #[test]
    fn an_unedited_plan_verifies() {
        assert_eq!(verify(&plan()), Ok(()));
    }

    #[test]
    fn an_edited_argv_is_found() {
        let mut p = plan();
        for s in &mut p.steps {
            if let Action::Create { create, .. } = &mut s.action {
                create.argv.insert(2, "--privileged=true".into());
            }
        }
        let e = verify(&p).unwrap_err();
        assert!(e[0].contains("engine arguments"), "{e:?}");
    }

    #[test]
    fn an_added_step_is_found() {
        let mut p = plan();
        let mut extra = p.steps[0].clone();
        extra.id = p.steps.len() + 1;
        p.steps.push(extra);
        assert!(verify(&p).is_err());
    }
}
