//! `paunch list`: managed containers grouped by config ID.

use crate::observe::Container;
use serde::Serialize;
use std::collections::BTreeMap;

/// One row of the listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Its name.
    pub container: String,
    /// The image reference it was created from.
    pub image: String,
    /// Its entrypoint and command, words joined by spaces (as `docker ps`
    /// shows them: a Pod's `command` is the entrypoint).
    pub command: String,
    /// The state with health or exit code: `running (healthy)`.
    pub status: String,
    /// The health-check status alone, when it has a health check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
}

/// Config ID → its containers, by name.
pub fn group(containers: &[Container]) -> BTreeMap<String, Vec<Row>> {
    let mut out: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for c in containers {
        out.entry(c.config_id().to_string()).or_default().push(Row {
            container: c.name.clone(),
            image: c.image.clone(),
            command: c
                .entrypoint
                .iter()
                .chain(&c.command)
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
            status: c.status_text(),
            health: (!c.health.is_empty()).then(|| c.health.clone()),
        });
    }
    for rows in out.values_mut() {
        rows.sort_by(|a, b| a.container.cmp(&b.container));
    }
    out
}

/// A plain table with a header.
pub fn table(groups: &BTreeMap<String, Vec<Row>>) -> String {
    let header = ["config", "container", "image", "command", "status"];
    let mut rows: Vec<[String; 5]> = Vec::new();
    for (id, list) in groups {
        for r in list {
            rows.push([
                id.clone(),
                r.container.clone(),
                r.image.clone(),
                r.command.clone(),
                r.status.clone(),
            ]);
        }
    }
    let mut width = header.map(str::len);
    for r in &rows {
        for (w, cell) in width.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let fmt = |cells: [&str; 5]| {
        let mut line = String::new();
        for (i, (cell, w)) in cells.iter().zip(width).enumerate() {
            if i == 4 {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        line.trim_end().to_string() + "\n"
    };
    let mut out = fmt(header);
    for r in &rows {
        out.push_str(&fmt([&r[0], &r[1], &r[2], &r[3], &r[4]]));
    }
    out
}
