//! A server's tools and calls in our own types: what the rest of Countersign sees of MCP, so a
//! revision of the protocol changes `client.rs`, not the catalogue, the policy or the store.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The server's annotations. The specification calls them untrusted hints, and so do we: they
/// are shown to the supervisor who classifies a tool and decide nothing on their own (see
/// `catalogue.rs` for the one case an administrator lets `read_only` count).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolHints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destructive: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_world: Option<bool>,
}

/// One tool as a server lists it now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListedTool {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON schema of the arguments, as the server sent it.
    pub input_schema: Value,
    #[serde(default)]
    pub hints: ToolHints,
}

/// One `tools/call`: the tool's name and the exact arguments (a JSON object).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub name: String,
    pub arguments: Map<String, Value>,
}

/// What a tool returned. `is_error` is the tool's own failure (a definite answer: it ran and
/// said it failed, or refused), not a transport failure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolOutput {
    pub is_error: bool,
    /// The content blocks as the server sent them (`{"type":"text","text":…}`, …).
    pub content: Vec<Value>,
    /// `structuredContent`, when the server sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured: Option<Value>,
}

impl ToolOutput {
    /// The text blocks, joined by newlines.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter(|c| c.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|c| c.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The result as JSON: the structured content if there is one, else the text read as JSON
    /// (most servers put their JSON in a text block). `None` if neither is JSON.
    pub fn json(&self) -> Option<Value> {
        if let Some(s) = &self.structured {
            return Some(s.clone());
        }
        serde_json::from_str(self.text().trim()).ok()
    }

    /// Bytes of the result as JSON: what a size limit on read results is measured in.
    pub fn size(&self) -> usize {
        serde_json::to_vec(self)
            .map(|v| v.len())
            .unwrap_or(usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_prefers_structured_content_then_text() {
        let text = ToolOutput {
            is_error: false,
            content: vec![json!({"type": "text", "text": " {\"customer\": \"c_1\"} "})],
            structured: None,
        };
        assert_eq!(text.json(), Some(json!({"customer": "c_1"})));
        let structured = ToolOutput {
            structured: Some(json!({"customer": "c_2"})),
            ..text.clone()
        };
        assert_eq!(structured.json(), Some(json!({"customer": "c_2"})));
        let prose = ToolOutput {
            is_error: false,
            content: vec![json!({"type": "text", "text": "done"})],
            structured: None,
        };
        assert_eq!(prose.json(), None);
        assert_eq!(prose.text(), "done");
    }
}
