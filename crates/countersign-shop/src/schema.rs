//! JSON schemas of every tool's input and output, derived from the Rust types with schemars and
//! enforced with jsonschema on every call.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use schemars::JsonSchema;
use serde_json::Value;

use crate::effect::Preview;
use crate::model::{Order, Product, User, Variant};
use crate::tools::*;

/// Which side of a call a schema describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Input,
    Output,
}

/// Arguments or a result that do not match the tool's schema.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{tool} {side}: {}", errors.join("; "))]
pub struct SchemaError {
    pub tool: ToolName,
    pub side: &'static str,
    /// One line per violation: the JSON pointer and what is wrong.
    pub errors: Vec<String>,
}

struct Compiled {
    schema: Value,
    validator: jsonschema::Validator,
}

pub struct ToolSchemas {
    input: HashMap<ToolName, Compiled>,
    output: HashMap<ToolName, Compiled>,
}

impl std::fmt::Debug for ToolSchemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolSchemas")
            .field("tools", &self.input.len())
            .finish()
    }
}

fn compile<T: JsonSchema>() -> Compiled {
    // Subschemas are inlined: none of our types is recursive, and a schema without `$ref`s
    // validates several times faster (jsonschema resolves references at validation time).
    let settings =
        schemars::generate::SchemaSettings::draft2020_12().with(|s| s.inline_subschemas = true);
    let schema = serde_json::to_value(settings.into_generator().into_root_schema_for::<T>())
        .unwrap_or(Value::Null);
    // The schemas are generated from our own types at start-up: failing to compile one is a
    // programming error caught by the first test, not a runtime condition.
    #[allow(clippy::expect_used)]
    let validator = jsonschema::validator_for(&schema).expect("derived schema compiles");
    Compiled { schema, validator }
}

static SCHEMAS: LazyLock<ToolSchemas> = LazyLock::new(ToolSchemas::build);

impl ToolSchemas {
    pub fn global() -> &'static ToolSchemas {
        &SCHEMAS
    }

    fn build() -> ToolSchemas {
        use ToolName::*;
        let mut input = HashMap::new();
        let mut output = HashMap::new();
        for &tool in ToolName::ALL {
            let (i, o) = match tool {
                FindUserIdByEmail => (compile::<FindUserIdByEmailArgs>(), compile::<String>()),
                FindUserIdByNameZip => (compile::<FindUserIdByNameZipArgs>(), compile::<String>()),
                GetUserDetails => (compile::<UserIdArgs>(), compile::<User>()),
                GetOrderDetails => (compile::<OrderIdArgs>(), compile::<Order>()),
                GetProductDetails => (compile::<ProductIdArgs>(), compile::<Product>()),
                GetItemDetails => (compile::<ItemIdArgs>(), compile::<Variant>()),
                ListAllProductTypes => (compile::<NoArgs>(), compile::<BTreeMap<String, String>>()),
                Calculate => (compile::<CalculateArgs>(), compile::<String>()),
                CancelPendingOrder => (compile::<CancelPendingOrderArgs>(), compile::<Preview>()),
                ModifyPendingOrderAddress => (
                    compile::<ModifyPendingOrderAddressArgs>(),
                    compile::<Preview>(),
                ),
                ModifyPendingOrderPayment => (
                    compile::<ModifyPendingOrderPaymentArgs>(),
                    compile::<Preview>(),
                ),
                ModifyPendingOrderItems => (compile::<ItemSwapArgs>(), compile::<Preview>()),
                ReturnDeliveredOrderItems => (
                    compile::<ReturnDeliveredOrderItemsArgs>(),
                    compile::<Preview>(),
                ),
                ExchangeDeliveredOrderItems => (compile::<ItemSwapArgs>(), compile::<Preview>()),
                ModifyUserAddress => (compile::<ModifyUserAddressArgs>(), compile::<Preview>()),
                SendReply => (compile::<SendReplyArgs>(), compile::<Preview>()),
            };
            input.insert(tool, i);
            output.insert(tool, o);
        }
        ToolSchemas { input, output }
    }

    /// The JSON schema of a tool's arguments or result (for forms and for the LLM planner).
    pub fn schema(&self, tool: ToolName, side: Side) -> &Value {
        let map = match side {
            Side::Input => &self.input,
            Side::Output => &self.output,
        };
        &map[&tool].schema
    }

    pub fn check(&self, tool: ToolName, side: Side, value: &Value) -> Result<(), SchemaError> {
        let map = match side {
            Side::Input => &self.input,
            Side::Output => &self.output,
        };
        let errors: Vec<String> = map[&tool]
            .validator
            .iter_errors(value)
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
            Err(SchemaError {
                tool,
                side: match side {
                    Side::Input => "arguments",
                    Side::Output => "result",
                },
                errors,
            })
        }
    }
}

fn typed<T: serde::de::DeserializeOwned>(tool: ToolName, args: &Value) -> Result<T, SchemaError> {
    ToolSchemas::global().check(tool, Side::Input, args)?;
    // The schema was derived from T, so this only fails if the two disagree; report it the same way.
    serde_json::from_value(args.clone()).map_err(|e| SchemaError {
        tool,
        side: "arguments",
        errors: vec![e.to_string()],
    })
}

/// Checks a write tool's arguments against its schema and types them.
pub fn parse_write(tool: ToolName, args: &Value) -> Result<WriteCall, SchemaError> {
    use ToolName::*;
    Ok(match tool {
        CancelPendingOrder => WriteCall::CancelPendingOrder(typed(tool, args)?),
        ModifyPendingOrderAddress => WriteCall::ModifyPendingOrderAddress(typed(tool, args)?),
        ModifyPendingOrderPayment => WriteCall::ModifyPendingOrderPayment(typed(tool, args)?),
        ModifyPendingOrderItems => WriteCall::ModifyPendingOrderItems(typed(tool, args)?),
        ReturnDeliveredOrderItems => WriteCall::ReturnDeliveredOrderItems(typed(tool, args)?),
        ExchangeDeliveredOrderItems => WriteCall::ExchangeDeliveredOrderItems(typed(tool, args)?),
        ModifyUserAddress => WriteCall::ModifyUserAddress(typed(tool, args)?),
        SendReply => {
            return Err(SchemaError {
                tool,
                side: "arguments",
                errors: vec!["send_reply is the reply to the customer, not a shop write".into()],
            })
        }
        _ => {
            return Err(SchemaError {
                tool,
                side: "arguments",
                errors: vec![format!("{tool} is a read tool, not a write tool")],
            })
        }
    })
}

/// Checks a reply's arguments against its schema and types them.
pub fn parse_reply(args: &Value) -> Result<SendReplyArgs, SchemaError> {
    typed(ToolName::SendReply, args)
}

/// Checks a read tool's arguments against its schema and types them.
pub fn parse_read(tool: ToolName, args: &Value) -> Result<ReadCall, SchemaError> {
    use ToolName::*;
    Ok(match tool {
        FindUserIdByEmail => ReadCall::FindUserIdByEmail(typed(tool, args)?),
        FindUserIdByNameZip => ReadCall::FindUserIdByNameZip(typed(tool, args)?),
        GetUserDetails => ReadCall::GetUserDetails(typed(tool, args)?),
        GetOrderDetails => ReadCall::GetOrderDetails(typed(tool, args)?),
        GetProductDetails => ReadCall::GetProductDetails(typed(tool, args)?),
        GetItemDetails => ReadCall::GetItemDetails(typed(tool, args)?),
        ListAllProductTypes => {
            typed::<NoArgs>(tool, args)?;
            ReadCall::ListAllProductTypes
        }
        Calculate => ReadCall::Calculate(typed(tool, args)?),
        _ => {
            return Err(SchemaError {
                tool,
                side: "arguments",
                errors: vec![format!("{tool} is a write tool: it can only be proposed")],
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_tool_has_compiling_schemas() {
        for &tool in ToolName::ALL {
            assert!(ToolSchemas::global().schema(tool, Side::Input).is_object());
            assert!(ToolSchemas::global().schema(tool, Side::Output).is_object());
        }
    }

    #[test]
    fn rejects_unknown_missing_and_mistyped_arguments() {
        let t = ToolName::CancelPendingOrder;
        assert!(parse_write(t, &json!({"order_id": "#W1", "reason": "no longer needed"})).is_ok());
        let unknown = json!({"order_id": "#W1", "reason": "x", "force": true});
        assert!(parse_write(t, &unknown).is_err());
        assert!(parse_write(t, &json!({"order_id": "#W1"})).is_err());
        let err = parse_write(t, &json!({"order_id": 7, "reason": "x"})).unwrap_err();
        assert!(err.errors[0].contains("/order_id"), "{err}");
        assert!(parse_write(t, &json!("not an object")).is_err());
    }

    #[test]
    fn empty_item_lists_fail_the_schema() {
        let args = json!({"order_id": "#W1", "item_ids": [], "payment_method_id": "paypal_1"});
        assert!(parse_write(ToolName::ReturnDeliveredOrderItems, &args).is_err());
    }

    #[test]
    fn read_and_write_tools_do_not_cross() {
        assert!(parse_write(ToolName::GetOrderDetails, &json!({"order_id": "#W1"})).is_err());
        assert!(parse_read(ToolName::CancelPendingOrder, &json!({})).is_err());
    }
}
