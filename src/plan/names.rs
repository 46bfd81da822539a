//! Container names: the deterministic unique suffix, and a book of who holds
//! which name as the plan's steps are simulated in order.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// `desired` + `-` + 8 lowercase alphanumerics, from a sha256 of the config
/// ID and the name (and `attempt` after a collision), so that plans are
/// reproducible.
///
/// ```
/// let a = paunch::plan::unique_name("hi-again", "hello", 0);
/// assert_eq!(a, paunch::plan::unique_name("hi-again", "hello", 0));
/// assert!(a.starts_with("hello-") && a.len() == "hello-".len() + 8);
/// assert_ne!(a, paunch::plan::unique_name("hi-again", "hello", 1));
/// ```
pub fn unique_name(config_id: &str, desired: &str, attempt: u32) -> String {
    let mut h = Sha256::new();
    h.update(config_id.as_bytes());
    h.update([0]);
    h.update(desired.as_bytes());
    if attempt > 0 {
        h.update([0]);
        h.update(attempt.to_be_bytes());
    }
    let digest = h.finalize();
    let suffix: String = digest[..8]
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("{desired}-{suffix}")
}

/// Who holds each name, as steps are simulated.
#[derive(Debug, Clone, Default)]
pub struct NameBook {
    /// name → holder (a container ID, or a planned entry's marker).
    held: BTreeMap<String, String>,
}

impl NameBook {
    /// A book of `(name, holder)` pairs.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> NameBook {
        NameBook {
            held: pairs.into_iter().collect(),
        }
    }

    /// Every name held on an observed host.
    pub fn of(observed: &crate::observe::Observed) -> NameBook {
        let managed = observed
            .containers
            .iter()
            .map(|c| (c.name.clone(), c.id.clone()));
        let foreign = observed
            .foreign
            .iter()
            .map(|h| (h.name.clone(), h.id.clone()));
        NameBook::new(managed.chain(foreign))
    }

    /// Who holds `name`, if anyone.
    pub fn holder(&self, name: &str) -> Option<&str> {
        self.held.get(name).map(String::as_str)
    }

    /// Whether no container holds `name`.
    pub fn is_free(&self, name: &str) -> bool {
        !self.held.contains_key(name)
    }

    /// `name` is released (its holder is deleted, replaced or renamed).
    pub fn free(&mut self, name: &str) {
        self.held.remove(name);
    }

    /// `holder` now holds `name`.
    pub fn take(&mut self, name: &str, holder: &str) {
        self.held.insert(name.to_string(), holder.to_string());
    }

    /// [`NameBook::choose`], and every name it found taken on the way
    /// (a saved plan depends on who holds them).
    pub fn choose_noting(&self, config_id: &str, desired: &str) -> (String, Vec<String>) {
        let mut tried = Vec::new();
        let mut candidate = desired.to_string();
        let mut attempt = 0;
        while !self.is_free(&candidate) && attempt < 10_000 {
            tried.push(candidate);
            candidate = unique_name(config_id, desired, attempt);
            attempt += 1;
        }
        (candidate, tried)
    }

    /// The desired name if free, else the first free unique name.
    pub fn choose(&self, config_id: &str, desired: &str) -> String {
        if self.is_free(desired) {
            return desired.to_string();
        }
        (0..)
            .map(|attempt| unique_name(config_id, desired, attempt))
            .find(|n| self.is_free(n))
            .unwrap_or_else(|| desired.to_string())
    }
}
