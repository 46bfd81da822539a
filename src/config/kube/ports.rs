//! `ports` (`ContainerPort`) → the Pod's published `ports`: a port with a
//! `hostPort` becomes `[hostIP:]hostPort:containerPort[/proto]`, published
//! on the Pod's infra container, which holds the Pod's network (one
//! without a `hostPort` is only documentation, as in Kubernetes).

use super::node::{pos_of, s};
use super::pod_spec::Pod;
use super::reader::Cx;
use crate::yaml::Node;

/// The published ports of every container of a Pod, init containers
/// first, for its infra container.
pub(super) fn published(pod: &Pod) -> Vec<Node> {
    pod.init
        .iter()
        .chain(&pod.containers)
        .flat_map(|c| c.ports.clone())
        .collect()
}

impl Cx<'_> {
    pub(super) fn port(&mut self, item: &Node, path: &str, out: &mut Vec<Node>) {
        let mut port = None;
        let mut host = None;
        let mut ip = None;
        let mut proto = "tcp".to_string();
        for (f, e) in self.fields("ContainerPort", path, item) {
            let v = &e.value;
            let p = format!("{path}.{}", f.name);
            match f.name {
                "containerPort" => port = self.integer(&p, v),
                "hostPort" => host = self.integer(&p, v),
                "hostIP" => ip = self.string(&p, v),
                _ => {
                    if let Some(pr) = self.string(&p, v) {
                        match pr.as_str() {
                            "TCP" | "UDP" | "SCTP" => proto = pr.to_ascii_lowercase(),
                            _ => self.error(
                                pos_of(v),
                                format!("{p}: \"{pr}\" is not TCP, UDP or SCTP"),
                                None,
                            ),
                        }
                    }
                }
            }
        }
        let ok = |p: i64| (1..=65535).contains(&p);
        match (port, host) {
            (Some(p), _) if !ok(p) => self.error(
                pos_of(item),
                format!("{path}: containerPort {p} is not a port"),
                None,
            ),
            (_, Some(h)) if !ok(h) => self.error(
                pos_of(item),
                format!("{path}: hostPort {h} is not a port"),
                None,
            ),
            (Some(p), Some(h)) => {
                let suffix = if proto == "tcp" {
                    String::new()
                } else {
                    format!("/{proto}")
                };
                let ip = ip
                    .map(|i| {
                        if i.contains(':') {
                            format!("[{i}]:")
                        } else {
                            format!("{i}:")
                        }
                    })
                    .unwrap_or_default();
                out.push(s(&format!("{ip}{h}:{p}{suffix}"), pos_of(item)));
            }
            (Some(_), None) => {}
            (None, _) => self.error(
                pos_of(item),
                format!("{path}: a port needs containerPort"),
                None,
            ),
        }
    }
}
