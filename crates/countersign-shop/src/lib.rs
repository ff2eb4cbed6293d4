//! The embedded demo shop: the τ-bench retail schema, its tools with derived JSON schemas, the
//! policy that judges every write, and a deterministic demo generator.
//!
//! Pure: no I/O. Storage reaches in through [`ShopView`]; writes come out as [`Effect`]s that
//! the caller stores only after a person approves them.

pub mod calculate;
pub mod demo;
pub mod effect;
pub mod facts;
pub mod labels;
pub mod model;
pub mod money;
pub mod policy;
pub mod read;
pub mod schema;
pub mod subject;
pub mod tools;
pub mod view;

pub use effect::{Change, Effect, Preview};
pub use facts::gather_facts;
pub use labels::CustomerCard;
pub use model::*;
pub use money::Money;
pub use policy::{evaluate, Facts, PolicyViolation, ViolationCode};
pub use read::{run_read, ReadError, Scope};
pub use schema::{parse_read, parse_reply, parse_write, SchemaError, Side, ToolSchemas};
pub use subject::{BadSubject, Subject};
pub use tools::{
    OrderWrite, ReadCall, SendReplyArgs, ToolKind, ToolName, UnknownTool, WriteCall, WriteTarget,
};
pub use view::ShopView;
