//! `resources` (`limits` and `requests` of `memory` and `cpu`) → paunch's
//! `mem_limit`, `memory_reservation`, `cpu_quota`/`cpu_period` and
//! `cpu_shares`, converted as the kubelet converts them; and the reading
//! of Kubernetes quantities (`128Mi`, `500m`, `0.5`).

use super::container::Container;
use super::node::{int, pos_of, s};
use super::reader::Cx;
use crate::value::Value;
use crate::yaml::Node;

impl Cx<'_> {
    /// A container's `resources`.
    pub(super) fn resources(&mut self, p: &str, v: &Node, c: &mut Container) {
        for (f, e) in self.fields("Resources", p, v) {
            let limits = f.name == "limits";
            let pp = format!("{p}.{}", f.name);
            for (f, e) in self.fields("ResourceList", &pp, &e.value) {
                let ppp = format!("{pp}.{}", f.name);
                let at = pos_of(&e.value);
                let Some(text) = quantity_text(&e.value) else {
                    self.error(
                        at,
                        format!("{ppp}: expected a quantity, found {}", e.value.type_name()),
                        None,
                    );
                    continue;
                };
                if f.name == "memory" {
                    match memory_bytes(&text) {
                        Some(b) if limits => c.mem_limit = Some(s(&b.to_string(), at)),
                        Some(b) => c.mem_request = Some(s(&b.to_string(), at)),
                        None => self.error(
                            at,
                            format!("{ppp}: \"{text}\" is not a memory quantity"),
                            Some("e.g. 128Mi, 1Gi, 500M".into()),
                        ),
                    }
                } else {
                    match millicpus(&text) {
                        Some(m) if limits => c.cpu_limit = Some((m, at)),
                        Some(m) => c.cpu_request = Some((m, at)),
                        None => self.error(
                            at,
                            format!("{ppp}: \"{text}\" is not a CPU quantity"),
                            Some("e.g. 500m, 0.5, 2".into()),
                        ),
                    }
                }
            }
        }
    }
}

/// The entry keys of a container's resources: its own, else the Pod's
/// (`pod`).
pub(super) fn resource_keys(
    c: &Container,
    pod: Option<&Container>,
    keys: &mut Vec<(&'static str, Node)>,
) {
    let own = c.mem_limit.is_some()
        || c.mem_request.is_some()
        || c.cpu_limit.is_some()
        || c.cpu_request.is_some();
    let c = match pod {
        Some(p) if !own => p,
        _ => c,
    };
    if let Some(m) = &c.mem_limit {
        keys.push(("mem_limit", m.clone()));
    }
    if let Some(m) = &c.mem_request {
        keys.push(("memory_reservation", m.clone()));
    }
    if let Some((m, at)) = c.cpu_limit {
        // The kubelet's own conversion: quota over a 100ms period.
        keys.push(("cpu_quota", int((m as i64 * 100).max(1000), at)));
        keys.push(("cpu_period", int(100_000, at)));
    }
    // Kubernetes defaults a missing request to the limit.
    if let Some((m, at)) = c.cpu_request.or(c.cpu_limit) {
        keys.push(("cpu_shares", int((m as i64 * 1024 / 1000).max(2), at)));
    }
}

/// A quantity as written: a string, or a number (`cpu: 2`, `cpu: 0.5`).
fn quantity_text(n: &Node) -> Option<String> {
    match n.as_scalar().map(|s| (&s.value, &s.text)) {
        Some((Value::String(s), _)) => Some(s.clone()),
        Some((Value::Int(_) | Value::Float(_), t)) => Some(t.clone()),
        _ => None,
    }
}

/// A decimal number with up to 9 fraction digits, times 10^9.
fn nano(text: &str) -> Option<u128> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 9
    {
        return None;
    }
    let i: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let f: u128 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().ok()?
    };
    i.checked_mul(1_000_000_000)?.checked_add(f)
}

/// A Kubernetes memory quantity in bytes (rounded up), in the quantity
/// grammar: `128Mi`, `1G`, `500M`, `1e3`, `1.5E6`, `129000m`.
pub fn memory_bytes(text: &str) -> Option<u64> {
    // A decimal exponent (`e3`, `E-2`), but not the suffix `E` (exa).
    if let Some(i) = text.rfind(['e', 'E'])
        && i > 0
        && let Ok(exp) = text[i + 1..].parse::<i32>()
    {
        let mantissa = nano(&text[..i])?;
        let scaled = if exp >= 0 {
            mantissa.checked_mul(10u128.checked_pow(u32::try_from(exp).ok()?)?)?
        } else {
            mantissa.div_ceil(10u128.checked_pow(exp.unsigned_abs())?)
        };
        let bytes = scaled.div_ceil(1_000_000_000);
        return u64::try_from(bytes).ok().filter(|b| *b > 0);
    }
    if let Some(milli) = text.strip_suffix('m') {
        let bytes = nano(milli)?.div_ceil(1_000_000_000_000);
        return u64::try_from(bytes).ok().filter(|b| *b > 0);
    }
    let units: &[(&str, u128)] = &[
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
        ("Pi", 1 << 50),
        ("Ei", 1 << 60),
        ("k", 1_000),
        ("M", 1_000_000),
        ("G", 1_000_000_000),
        ("T", 1_000_000_000_000),
        ("P", 1_000_000_000_000_000),
        ("E", 1_000_000_000_000_000_000),
    ];
    let (num, mult) = units
        .iter()
        .find_map(|(u, m)| text.strip_suffix(u).map(|n| (n, *m)))
        .unwrap_or((text, 1));
    let bytes = nano(num)?.checked_mul(mult)?.div_ceil(1_000_000_000);
    u64::try_from(bytes).ok().filter(|b| *b > 0)
}

/// A Kubernetes CPU quantity in millicpus: `500m`, `0.5`, `2`.
pub fn millicpus(text: &str) -> Option<u64> {
    let m = match text.strip_suffix('m') {
        Some(n) => nano(n)?.div_ceil(1_000_000_000),
        None => nano(text)?.div_ceil(1_000_000),
    };
    u64::try_from(m).ok().filter(|m| *m > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(memory_bytes("64Mi"), Some(64 << 20));
        assert_eq!(memory_bytes("1G"), Some(1_000_000_000));
        assert_eq!(memory_bytes("0.5Gi"), Some(1 << 29));
        assert_eq!(memory_bytes("1000"), Some(1000));
        assert_eq!(memory_bytes("1x"), None);
        assert_eq!(memory_bytes("-1"), None);
        assert_eq!(memory_bytes("1e3"), Some(1000));
        assert_eq!(memory_bytes("1.5E6"), Some(1_500_000));
        assert_eq!(memory_bytes("1E"), Some(1_000_000_000_000_000_000));
        assert_eq!(memory_bytes("129000000m"), Some(129_000));
        assert_eq!(memory_bytes("129e6m"), None);
        assert_eq!(memory_bytes("1e"), None);
        assert_eq!(memory_bytes("1Ei"), Some(1 << 60));
        assert_eq!(millicpus("500m"), Some(500));
        assert_eq!(millicpus("0.5"), Some(500));
        assert_eq!(millicpus("2"), Some(2000));
        assert_eq!(millicpus("0.0001"), Some(1));
        assert_eq!(millicpus(""), None);
    }
}
