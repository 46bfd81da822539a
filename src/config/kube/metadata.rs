//! `ObjectMeta` (a Pod's or a Deployment's `metadata`): its `name`,
//! checked as Kubernetes checks names (the DNS-1123 rules, also used for
//! container and claim names), and its `labels`, which become labels of
//! every container of the Pod (paunch's own label names are noted and
//! left to apply).

use super::node::{Pos, is_null, pos_of, s};
use super::reader::Cx;
use crate::yaml::Node;

/// DNS-1123 label: what Kubernetes allows as a container name.
pub(super) fn dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// DNS-1123 subdomain: what Kubernetes allows as a Pod name.
pub(super) fn dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(dns_label)
}

impl Cx<'_> {
    /// The name (with its position) and labels of an ObjectMeta.
    pub(super) fn metadata(
        &mut self,
        node: &Node,
        path: &str,
        labels: &mut Vec<(String, Node)>,
    ) -> Option<(String, Pos)> {
        let mut name = None;
        for (f, e) in self.fields("ObjectMeta", path, node) {
            match f.name {
                "name" => {
                    if let Some(n) = self.string(&format!("{path}.name"), &e.value) {
                        if dns_subdomain(&n) {
                            name = Some((n, pos_of(&e.value)));
                        } else {
                            self.error(
                                pos_of(&e.value),
                                format!("\"{n}\" is not a valid Kubernetes name"),
                                Some("lowercase letters, digits, - and ., starting and ending with a letter or digit".into()),
                            );
                        }
                    }
                }
                "labels" => self.labels(&e.value, path, labels),
                _ => {}
            }
        }
        name
    }

    fn labels(&mut self, node: &Node, path: &str, labels: &mut Vec<(String, Node)>) {
        for l in node.as_map().unwrap_or_default() {
            if crate::labels::RESERVED.contains(&l.key.as_str()) {
                // An export's: apply writes its own.
                self.note(
                    (l.key_line, l.key_column),
                    format!(
                        "{path}.labels.{} is paunch's own label; apply sets it",
                        l.key
                    ),
                );
                continue;
            }
            if let Some(v) = self.string(&format!("{path}.labels.{}", l.key), &l.value) {
                labels.push((l.key.clone(), s(&v, pos_of(&l.value))));
            }
        }
        if !is_null(node) && node.as_map().is_none() {
            self.error(
                pos_of(node),
                format!("{path}.labels: expected a map, found {}", node.type_name()),
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(dns_label("web-1"));
        assert!(!dns_label("Web"));
        assert!(!dns_label("-web"));
        assert!(dns_subdomain("a.b-c"));
        assert!(!dns_subdomain("a..b"));
    }
}
