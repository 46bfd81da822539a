//! The other objects of a manifest, as `podman kube play` reads them
//! beside its Pods: `v1 ConfigMap` (`data`, `binaryData`) and `v1 Secret`
//! (`data` base64, `stringData` over it), whose keys the Pods' `env`
//! (`valueFrom.configMapKeyRef`/`secretKeyRef`), `envFrom` and
//! `configMap`/`secret` volumes use; `v1 PersistentVolumeClaim` (its name
//! is the named volume of the `persistentVolumeClaim` volumes naming it,
//! created by the engine on first use and kept); `v1 Service` (accepted
//! with a note: on one host a container's `hostPort` is what publishes).
//!
//! They are read before the Pods, wherever they are in the file, so a
//! Pod may come first. A reference to a ConfigMap, Secret or key the file
//! does not hold is an error at the reference, unless it is `optional`.
//! Every value of a Secret is sensitive: an `env` variable it sets is
//! masked (its name joins the sensitive names), a file it writes is
//! never readable by others.

use super::metadata::dns_subdomain;
use super::node::{Pos, pos_of};
use super::reader::Cx;
use crate::config::keys::did_you_mean;
use crate::yaml::Node;
use std::collections::BTreeMap;

/// A ConfigMap's or Secret's keys, as read.
pub(super) struct Data {
    /// Each key's value (decoded) and position.
    pub(super) values: BTreeMap<String, (Vec<u8>, Pos)>,
}

/// The objects of the manifest the Pods refer to.
#[derive(Default)]
pub(super) struct Objects {
    pub(super) config_maps: BTreeMap<String, Data>,
    pub(super) secrets: BTreeMap<String, Data>,
    /// The claims declared, by name (a claim not declared is still a
    /// named volume, as podman reads it).
    pub(super) claims: BTreeMap<String, Pos>,
}

/// The kinds read here, with their apiVersion.
pub(super) const KINDS: &[&str] = &["ConfigMap", "Secret", "PersistentVolumeClaim", "Service"];

/// A ConfigMap or Secret key as Kubernetes allows it (also what the
/// cluster export may write as one).
pub fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 253
        && k != "."
        && k != ".."
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Standard base64 (with or without padding, whitespace ignored).
pub(super) fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut ended = false;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                ended = true;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        if ended {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be padding zeros (at most 4 of them).
    (bits < 6 && acc == 0).then_some(out)
}

impl Cx<'_> {
    /// One document of the kinds in [`KINDS`], into `self.objects`.
    pub(super) fn object(&mut self, doc: &Node, kind: &str) {
        let mut name = None;
        let mut fields = Vec::new();
        for (f, e) in self.fields(kind, kind, doc) {
            match f.name {
                "metadata" => name = self.metadata(&e.value, "metadata", &mut Vec::new()),
                "data" | "stringData" | "binaryData" => fields.push((f.name, &e.value)),
                _ => {}
            }
        }
        let Some((name, at)) = name else {
            if super::document::names_itself(doc) {
                return;
            }
            self.error(
                pos_of(doc),
                format!("the {kind} has no metadata.name"),
                Some("the Pods of the file refer to it by name".into()),
            );
            return;
        };
        match kind {
            "ConfigMap" | "Secret" => self.data_object(kind, name, at, &fields),
            "PersistentVolumeClaim" => {
                if dns_subdomain(&name) {
                    self.note(at, format!("PersistentVolumeClaim \"{name}\" is the named volume \"{name}\" (created by the engine on first use, kept when the Pods go)"));
                    self.objects.claims.insert(name, at);
                }
            }
            _ => self.note(
                at,
                format!("Service \"{name}\" is accepted and not run: no service proxy on one host; a container's hostPort is what publishes"),
            ),
        }
    }

    fn data_object(&mut self, kind: &str, name: String, at: Pos, fields: &[(&str, &Node)]) {
        let mut values = BTreeMap::new();
        // stringData over data, whatever their order.
        let mut ordered = fields.to_vec();
        ordered.sort_by_key(|(f, _)| *f == "stringData");
        for (field, node) in ordered {
            let Some(m) = node.as_map() else {
                if !super::node::is_null(node) {
                    self.error(
                        pos_of(node),
                        format!("{kind} \"{name}\": {field} must map keys to strings"),
                        None,
                    );
                }
                continue;
            };
            for e in m {
                let kp = (e.key_line, e.key_column);
                if !valid_key(&e.key) {
                    self.error(
                        kp,
                        format!("{kind} \"{name}\": \"{}\" is not a valid key", e.key),
                        Some("letters, digits, -, _ and .".into()),
                    );
                    continue;
                }
                let Some(text) = self.string(&format!("{field}.{}", e.key), &e.value) else {
                    continue;
                };
                let plain = field == "stringData" || (field == "data" && kind == "ConfigMap");
                let bytes = if plain {
                    Some(text.into_bytes())
                } else {
                    base64(&text)
                };
                match bytes {
                    Some(b) => {
                        values.insert(e.key.clone(), (b, pos_of(&e.value)));
                    }
                    None => self.error(
                        pos_of(&e.value),
                        format!("{kind} \"{name}\": {field}.{} is not base64", e.key),
                        Some(if kind == "Secret" {
                            "write it base64-encoded, or under stringData as it is".into()
                        } else {
                            "write it base64-encoded, or under data as it is".into()
                        }),
                    ),
                }
            }
        }
        let data = Data { values };
        let map = if kind == "Secret" {
            &mut self.objects.secrets
        } else {
            &mut self.objects.config_maps
        };
        if map.contains_key(&name) {
            self.error(
                at,
                format!("two {kind}s are named \"{name}\""),
                Some("rename one of them".into()),
            );
            return;
        }
        map.insert(name, data);
    }

    /// The keys of the ConfigMap (or Secret) `name`, referred to at `at`;
    /// `None` (with an error unless `optional`) when the file has none.
    pub(super) fn data_of(
        &mut self,
        secret: bool,
        name: &str,
        at: Pos,
        optional: bool,
    ) -> Option<BTreeMap<String, (Vec<u8>, Pos)>> {
        let kind = if secret { "Secret" } else { "ConfigMap" };
        let map = if secret {
            &self.objects.secrets
        } else {
            &self.objects.config_maps
        };
        if let Some(d) = map.get(name) {
            return Some(d.values.clone());
        }
        if !optional {
            let hint = did_you_mean(name, map.keys().map(String::as_str))
                .map(|k| format!("did you mean \"{k}\"?"))
                .unwrap_or_else(|| format!("add the {kind} to the same file (---, apiVersion: v1, kind: {kind}), or mark the reference optional: true"));
            self.error(
                at,
                format!("{kind} \"{name}\" is not in the file"),
                Some(hint),
            );
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes() {
        assert_eq!(base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64("").as_deref(), Some(&b""[..]));
        assert_eq!(base64("cGFzcw==\n").as_deref(), Some(&b"pass"[..]));
        assert_eq!(base64("a$"), None);
        assert_eq!(base64("aGVsbG8=x"), None);
    }

    #[test]
    fn keys() {
        assert!(valid_key("app.properties"));
        assert!(!valid_key(".."));
        assert!(!valid_key("a/b"));
    }
}
