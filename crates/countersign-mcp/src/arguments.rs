//! A call's arguments against the server's own input schema, and the idempotency key for tools
//! that accept one.

use serde_json::{Map, Value};

/// Arguments that cannot be sent as they are, with a stable code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArgumentsError {
    #[error("the arguments are not a JSON object")]
    NotAnObject,
    /// The server's schema does not compile here (a remote `$ref`, an unknown draft…): what
    /// cannot be checked is not sent.
    #[error("the tool's input schema cannot be used: {0}")]
    SchemaUnusable(String),
    /// One line per violation: the JSON pointer and what is wrong.
    #[error("the arguments do not match the tool's input schema: {}", .0.join("; "))]
    SchemaMismatch(Vec<String>),
}

impl ArgumentsError {
    pub fn code(&self) -> &'static str {
        match self {
            ArgumentsError::NotAnObject => "arguments_not_object",
            ArgumentsError::SchemaUnusable(_) => "schema_unusable",
            ArgumentsError::SchemaMismatch(_) => "schema_mismatch",
        }
    }
}

/// Checks arguments against a tool's input schema, as the server listed it. Validation is
/// ours, not only the server's: a write is proposed (and its preview shown) only for arguments
/// the server would accept, and nothing malformed reaches it.
pub fn validate_arguments(schema: &Value, args: &Value) -> Result<(), ArgumentsError> {
    if !args.is_object() {
        return Err(ArgumentsError::NotAnObject);
    }
    let validator = jsonschema::validator_for(schema)
        .map_err(|e| ArgumentsError::SchemaUnusable(e.to_string()))?;
    let errors: Vec<String> = validator
        .iter_errors(args)
        .map(|e| {
            let path = e.instance_path.to_string();
            if path.is_empty() {
                e.to_string()
            } else {
                format!("{path}: {e}")
            }
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ArgumentsError::SchemaMismatch(errors))
    }
}

/// The names under which tools accept an idempotency key, most common first.
const IDEMPOTENCY_NAMES: [&str; 2] = ["idempotency_key", "idempotencyKey"];

/// The argument a tool takes its idempotency key in, if its schema has one.
pub fn idempotency_property(schema: &Value) -> Option<&'static str> {
    let properties = schema.get("properties")?.as_object()?;
    IDEMPOTENCY_NAMES.into_iter().find(|name| {
        properties.get(*name).is_some_and(|p| {
            // A key is a string; a property typed otherwise is something else by that name.
            p.get("type")
                .map(|t| {
                    t == "string" || t.as_array().is_some_and(|a| a.contains(&"string".into()))
                })
                .unwrap_or(true)
        })
    })
}

/// The arguments with our idempotency key in the tool's key argument, if it has one. The key
/// always replaces one the planner wrote: it must be the proposal's, stable across retries of
/// the same approval and different for every other proposal, which a model cannot promise.
pub fn with_idempotency_key(
    args: &Map<String, Value>,
    schema: &Value,
    key: &str,
) -> Map<String, Value> {
    let mut out = args.clone();
    if let Some(name) = idempotency_property(schema) {
        out.insert(name.to_owned(), Value::String(key.to_owned()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "charge": {"type": "string"},
                "amount": {"type": "integer", "minimum": 1},
                "idempotency_key": {"type": "string"}
            },
            "required": ["charge", "amount"],
            "additionalProperties": false
        })
    }

    #[test]
    fn validation_table() {
        let rows = [
            ("valid", json!({"charge": "ch_1", "amount": 5}), None),
            (
                "missing amount",
                json!({"charge": "ch_1"}),
                Some("schema_mismatch"),
            ),
            (
                "wrong type",
                json!({"charge": "ch_1", "amount": "5"}),
                Some("schema_mismatch"),
            ),
            (
                "an extra argument",
                json!({"charge": "ch_1", "amount": 5, "x": 1}),
                Some("schema_mismatch"),
            ),
            (
                "not an object",
                json!(["ch_1", 5]),
                Some("arguments_not_object"),
            ),
        ];
        for (name, args, want) in rows {
            assert_eq!(
                validate_arguments(&schema(), &args).err().map(|e| e.code()),
                want,
                "{name}"
            );
        }
        assert_eq!(
            validate_arguments(&json!({"$ref": "https://example.com/s.json"}), &json!({}))
                .err()
                .map(|e| e.code()),
            Some("schema_unusable")
        );
    }

    #[test]
    fn the_key_goes_where_the_tool_takes_it_and_replaces_the_planners() {
        let args = json!({"charge": "ch_1", "amount": 5, "idempotency_key": "from-the-model"});
        let out = with_idempotency_key(args.as_object().unwrap(), &schema(), "cs-42");
        assert_eq!(out["idempotency_key"], "cs-42");
        assert!(validate_arguments(&schema(), &Value::Object(out)).is_ok());

        let camel = json!({"properties": {"idempotencyKey": {"type": "string"}}});
        assert_eq!(idempotency_property(&camel), Some("idempotencyKey"));
        let none = json!({"properties": {"path": {"type": "string"}}});
        let out = with_idempotency_key(&Map::new(), &none, "cs-42");
        assert!(out.is_empty(), "a tool without a key argument gets none");
        let numeric = json!({"properties": {"idempotency_key": {"type": "integer"}}});
        assert_eq!(idempotency_property(&numeric), None);
    }
}
