//! The four labels that are paunch's whole state, and the `config_data`
//! label: byte-identical to the original's `json.dumps(entry)` so that a
//! host can switch between the Python tool and this one without a restart,
//! and compared as values, never as strings.

use crate::value::Value;

/// The managing tool's name (`--managed-by`).
pub const MANAGED_BY: &str = "managed_by";
/// The config ID that created the container.
pub const CONFIG_ID: &str = "config_id";
/// The entry's name: the container's desired name.
pub const CONTAINER_NAME: &str = "container_name";
/// The entry as JSON, byte-identical to the original's encoding.
pub const CONFIG_DATA: &str = "config_data";

/// The four, which a configuration's own `labels` may not set.
pub const RESERVED: [&str; 4] = [MANAGED_BY, CONFIG_ID, CONTAINER_NAME, CONFIG_DATA];

/// The `config_data` label of an entry: its value as the original's
/// `json.dumps` wrote it ([`crate::pyjson::dumps`]).
///
/// ```
/// use paunch::value::{Map, Value};
/// let mut m = Map::new();
/// m.insert("image".into(), Value::String("café".into()));
/// m.insert("cpu".into(), Value::Float(1e16));
/// assert_eq!(paunch::labels::encode_config_data(&Value::Map(m)),
///            r#"{"image": "caf\u00e9", "cpu": 1e+16}"#);
/// ```
pub fn encode_config_data(value: &Value) -> String {
    crate::pyjson::dumps(value)
}

/// Parses a `config_data` label; `None` when it is not JSON.
pub fn decode_config_data(label: &str) -> Option<Value> {
    serde_json::from_str(label).ok()
}

/// Whether a container's `config_data` label describes `entry`: the same
/// bytes, or equal as parsed JSON values (key order ignored, `1 == 1.0`).
pub fn config_data_matches(label: &str, entry: &Value) -> bool {
    label_matches(label, &encode_config_data(entry), entry)
}

/// [`config_data_matches`] with the entry's encoding already at hand.
pub fn label_matches(label: &str, encoded: &str, entry: &Value) -> bool {
    label == encoded || decode_config_data(label).is_some_and(|old| old.same_as(entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_ignores_order_and_int_float() {
        let entry: Value = serde_json::from_str(r#"{"image": "x", "cpu_shares": 1}"#).unwrap();
        assert!(config_data_matches(
            r#"{"cpu_shares": 1.0, "image": "x"}"#,
            &entry
        ));
        assert!(!config_data_matches(r#"{"image": "y"}"#, &entry));
        assert!(!config_data_matches("not json", &entry));
    }

    #[test]
    fn non_finite_labels_match_by_bytes() {
        let entry = Value::Float(f64::NAN);
        assert!(config_data_matches("NaN", &entry));
    }
}
