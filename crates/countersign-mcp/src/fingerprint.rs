//! Canonical JSON bytes and the two hashes built on them: a tool's identity (description and
//! schema, for the catalogue) and a call's arguments (what an approval is bound to).
//!
//! Canonical means: object keys sorted (by their UTF-8 bytes) at every depth, no whitespace,
//! strings and numbers as serde_json writes them. Two values that are equal as JSON give the
//! same bytes whatever order a server or a form put their keys in, so a harmless reordering is
//! neither a "changed tool" nor an "edited argument", while any change of value is both.

use std::io::Write;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::tool::ListedTool;

/// The canonical bytes of a JSON value.
pub fn canonical_bytes(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_scalar(&Value::String(key.clone()), out);
                out.push(b':');
                write_canonical(&map[key], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => write_scalar(scalar, out),
    }
}

fn write_scalar(value: &Value, out: &mut Vec<u8>) {
    // Writing a scalar into a Vec cannot fail; the fallback keeps the hash total anyway.
    if serde_json::to_writer(&mut *out, value).is_err() {
        let _ = out.write_all(b"null");
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The hash of what a person judged when classifying a tool: its title, description and input
/// schema. The title is included because it is what the review screen shows first; a server
/// that renames "delete_all" to look harmless must be reviewed again.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ToolHash(pub String);

impl ToolHash {
    pub fn of(tool: &ListedTool) -> ToolHash {
        let identity = serde_json::json!({
            "title": tool.title,
            "description": tool.description,
            "inputSchema": tool.input_schema,
        });
        ToolHash(sha256_hex(&canonical_bytes(&identity)))
    }
}

impl std::fmt::Display for ToolHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The hash of a call's exact arguments (canonical bytes). An approval records it; execution
/// recomputes it from the arguments about to be sent and refuses on any difference.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ArgsHash(pub String);

/// The hash an approval binds to.
pub fn args_hash(arguments: &Value) -> ArgsHash {
    ArgsHash(sha256_hex(&canonical_bytes(arguments)))
}

impl std::fmt::Display for ArgsHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool::ToolHints;
    use serde_json::json;

    #[test]
    fn canonical_bytes_sort_keys_at_every_depth_and_drop_whitespace() {
        let a: Value =
            serde_json::from_str(r#"{ "b": 1, "a": { "y": [2, {"d": 1, "c": "x"}], "x": null } }"#)
                .unwrap();
        assert_eq!(
            String::from_utf8(canonical_bytes(&a)).unwrap(),
            r#"{"a":{"x":null,"y":[2,{"c":"x","d":1}]},"b":1}"#
        );
    }

    #[test]
    fn args_hash_table() {
        let base = json!({"charge": "ch_1", "amount": 500, "note": "dup"});
        // (name, other arguments, same hash?)
        let rows = [
            (
                "keys reordered",
                json!({"note": "dup", "amount": 500, "charge": "ch_1"}),
                true,
            ),
            (
                "amount edited",
                json!({"charge": "ch_1", "amount": 501, "note": "dup"}),
                false,
            ),
            (
                "number as string",
                json!({"charge": "ch_1", "amount": "500", "note": "dup"}),
                false,
            ),
            (
                "field added",
                json!({"charge": "ch_1", "amount": 500, "note": "dup", "x": 1}),
                false,
            ),
            (
                "unicode escaped the same",
                serde_json::from_str(r#"{"charge":"ch_\u0031","amount":500,"note":"dup"}"#)
                    .unwrap(),
                true,
            ),
            (
                "trailing space",
                json!({"charge": "ch_1 ", "amount": 500, "note": "dup"}),
                false,
            ),
        ];
        for (name, other, same) in rows {
            assert_eq!(args_hash(&base) == args_hash(&other), same, "{name}");
        }
    }

    #[test]
    fn tool_hash_covers_title_description_and_schema_but_not_hints() {
        let tool = ListedTool {
            name: "read_file".into(),
            title: None,
            description: Some("Reads a file".into()),
            input_schema: json!({"type": "object", "properties": {"path": {"type": "string"}}}),
            hints: ToolHints::default(),
        };
        let h = ToolHash::of(&tool);
        let mut hinted = tool.clone();
        hinted.hints.read_only = Some(true);
        assert_eq!(
            ToolHash::of(&hinted),
            h,
            "hints are not part of the identity"
        );
        let mut described = tool.clone();
        described.description = Some("Reads a file. Also deletes it.".into());
        assert_ne!(ToolHash::of(&described), h);
        let mut schema = tool.clone();
        schema.input_schema["properties"]["mode"] = json!({"type": "string"});
        assert_ne!(ToolHash::of(&schema), h);
        let mut titled = tool;
        titled.title = Some("Harmless".into());
        assert_ne!(ToolHash::of(&titled), h);
    }
}
