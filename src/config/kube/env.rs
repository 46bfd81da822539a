//! A container's `env` and `envFrom` → paunch's `environment`, as the
//! kubelet builds it: `envFrom` first (every key of a ConfigMap or Secret
//! of the same file, with its `prefix`), then `env` in order (a later
//! item of a name replacing the earlier), each `value` expanded with the
//! items before it (`$(NAME)`). `valueFrom` reads a key of a ConfigMap
//! (`configMapKeyRef`) or a Secret (`secretKeyRef`) of the same file, or
//! what one host knows of the Pod (`fieldRef`: `metadata.name`,
//! `metadata.namespace`, which is `default`, `metadata.labels['K']` and
//! `metadata.annotations['K']`).
//!
//! A variable a Secret sets is sensitive whatever its name: its name is
//! listed ([`Cx::sensitive`]) for the plan to mask its value everywhere
//! and keep it out of every argv (SPEC §16).

use super::container::Container;
use super::node::{Pos, pos_of, s};
use super::reader::Cx;
use crate::yaml::Node;

/// Where a `valueFrom` points.
struct KeyRef {
    name: Option<String>,
    key: Option<String>,
    optional: bool,
    at: Pos,
}

impl Cx<'_> {
    /// `env`: `name`/`value`/`valueFrom` items.
    pub(super) fn env(&mut self, p: &str, v: &Node, c: &mut Container) {
        for item in self.list(p, v) {
            let mut name = None;
            let mut value = Some(String::new());
            let mut from = None;
            for (f, e) in self.fields("EnvVar", p, item) {
                let fp = format!("{p}.{}", f.name);
                match f.name {
                    "name" => name = self.string(&fp, &e.value),
                    "value" => value = Some(self.string(&fp, &e.value).unwrap_or_default()),
                    _ => from = Some(&e.value),
                }
            }
            let Some(n) = name.filter(|n| !n.is_empty() && !n.contains('=')) else {
                self.error(
                    pos_of(item),
                    format!("{p}: an env item needs a name without ="),
                    None,
                );
                continue;
            };
            let from_value = from.map(|f| self.value_from(&format!("{p}.valueFrom"), f, &n));
            let value = match from_value {
                // Optional and missing: the variable is not set.
                Some(None) => continue,
                Some(Some(v)) => v,
                // Kubernetes expands an env value with the items before
                // it only.
                None => {
                    let raw = value.unwrap_or_default();
                    self.expand(&raw, &c.env, &mut c.expanded, pos_of(item))
                }
            };
            c.env.retain(|(k, _)| *k != n);
            c.env.push((n, s(&value, pos_of(item))));
        }
    }

    /// The value a `valueFrom` gives the variable `var`; `None` when it
    /// sets nothing (an optional reference to what is missing, or an
    /// error reported).
    fn value_from(&mut self, p: &str, v: &Node, var: &str) -> Option<String> {
        let mut out = None;
        for (f, e) in self.fields("EnvVarSource", p, v) {
            let fp = format!("{p}.{}", f.name);
            out = match f.name {
                "configMapKeyRef" | "secretKeyRef" => {
                    let secret = f.name == "secretKeyRef";
                    let r = self.key_ref(&fp, &e.value);
                    let value = self.key_value(secret, &r)?;
                    if secret {
                        self.sensitive.push(var.to_string());
                    }
                    Some(value)
                }
                _ => self.field_ref(&fp, &e.value, false),
            };
        }
        out
    }

    fn key_ref(&mut self, p: &str, v: &Node) -> KeyRef {
        let mut r = KeyRef {
            name: None,
            key: None,
            optional: false,
            at: pos_of(v),
        };
        for (f, e) in self.fields("KeyRef", p, v) {
            let fp = format!("{p}.{}", f.name);
            match f.name {
                "name" => r.name = self.string(&fp, &e.value),
                "key" => {
                    r.key = self.string(&fp, &e.value);
                    r.at = pos_of(&e.value);
                }
                _ => r.optional = self.flag(&fp, &e.value).unwrap_or(false),
            }
        }
        r
    }

    /// The text of a key of a ConfigMap or Secret.
    fn key_value(&mut self, secret: bool, r: &KeyRef) -> Option<String> {
        let kind = if secret { "Secret" } else { "ConfigMap" };
        let (Some(name), Some(key)) = (&r.name, &r.key) else {
            self.error(
                r.at,
                format!("a {kind} key reference needs name and key"),
                None,
            );
            return None;
        };
        let data = self.data_of(secret, name, r.at, r.optional)?;
        match data.get(key) {
            Some((bytes, _)) => match String::from_utf8(bytes.clone()) {
                Ok(text) => Some(text),
                Err(_) => {
                    self.error(
                        r.at,
                        format!("key \"{key}\" of {kind} \"{name}\" is not text: an environment variable cannot hold it"),
                        Some("mount it as a file (a volume) instead".into()),
                    );
                    None
                }
            },
            None if r.optional => None,
            None => {
                let hint = crate::config::keys::did_you_mean(key, data.keys().map(String::as_str))
                    .map(|k| format!("did you mean \"{k}\"?"))
                    .or_else(|| {
                        Some(format!(
                            "it has: {}",
                            data.keys().cloned().collect::<Vec<_>>().join(", ")
                        ))
                    });
                self.error(
                    r.at,
                    format!("{kind} \"{name}\" has no key \"{key}\""),
                    hint,
                );
                None
            }
        }
    }

    /// A `fieldRef`: what one host knows of the Pod (`all` for a
    /// downwardAPI file: `metadata.labels` whole, `K="V"` lines).
    pub(super) fn field_ref(&mut self, p: &str, v: &Node, all: bool) -> Option<String> {
        let mut path = None;
        for (f, e) in self.fields("ObjectFieldSelector", p, v) {
            if f.name == "fieldPath" {
                path = self
                    .string(&format!("{p}.fieldPath"), &e.value)
                    .map(|x| (x, pos_of(&e.value)));
            }
        }
        let (path, at) = path.or_else(|| {
            self.error(pos_of(v), format!("{p} has no fieldPath"), None);
            None
        })?;
        let label = path
            .strip_prefix("metadata.labels['")
            .and_then(|r| r.strip_suffix("']"));
        let annotation = path
            .strip_prefix("metadata.annotations['")
            .and_then(|r| r.strip_suffix("']"));
        if let Some(k) = annotation {
            let found = self.pod_annotations.iter().find(|(a, _)| a == k);
            return Some(found.map(|(_, v)| v.clone()).unwrap_or_default());
        }
        match (path.as_str(), label) {
            ("metadata.name", _) => Some(self.pod.clone()),
            ("metadata.namespace", _) => Some("default".into()),
            ("metadata.labels", _) if all => {
                let mut labels = self.pod_labels.clone();
                labels.sort();
                Some(labels.iter().map(|(k, v)| format!("{k}={v:?}\n")).collect())
            }
            ("metadata.annotations", _) if all => {
                let mut notes = self.pod_annotations.clone();
                notes.sort();
                Some(notes.iter().map(|(k, v)| format!("{k}={v:?}\n")).collect())
            }
            (_, Some(k)) => Some(
                self.pod_labels
                    .iter()
                    .find(|(l, _)| l == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            ),
            _ => {
                self.error(
                    at,
                    format!("{p}.fieldPath \"{path}\" is not known on one host"),
                    Some("one host knows metadata.name, metadata.namespace, metadata.labels['KEY'] and metadata.annotations['KEY']".into()),
                );
                None
            }
        }
    }

    /// One item of `envFrom`: every key of a ConfigMap or Secret.
    pub(super) fn env_from(&mut self, item: &Node, p: &str, c: &mut Container) {
        let mut prefix = String::new();
        let mut source = None;
        for (f, e) in self.fields("EnvFromSource", p, item) {
            let fp = format!("{p}.{}", f.name);
            match f.name {
                "prefix" => prefix = self.string(&fp, &e.value).unwrap_or_default(),
                _ => {
                    let mut name = None;
                    let mut optional = false;
                    for (g, x) in self.fields("ObjectRef", &fp, &e.value) {
                        let gp = format!("{fp}.{}", g.name);
                        if g.name == "name" {
                            name = self.string(&gp, &x.value).map(|n| (n, pos_of(&x.value)));
                        } else {
                            optional = self.flag(&gp, &x.value).unwrap_or(false);
                        }
                    }
                    match name {
                        Some(n) => source = Some((f.name == "secretRef", n, optional)),
                        None => self.error(pos_of(&e.value), format!("{fp} has no name"), None),
                    }
                }
            }
        }
        let Some((secret, (name, at), optional)) = source else {
            return;
        };
        let Some(data) = self.data_of(secret, &name, at, optional) else {
            return;
        };
        for (k, (bytes, _)) in data {
            let var = format!("{prefix}{k}");
            let Ok(text) = String::from_utf8(bytes) else {
                self.note(
                    at,
                    format!("key \"{k}\" of \"{name}\" is not text: envFrom skips it"),
                );
                continue;
            };
            if secret {
                self.sensitive.push(var.clone());
            }
            c.env.retain(|(e, _)| *e != var);
            c.env.push((var, s(&text, pos_of(item))));
        }
    }
}
