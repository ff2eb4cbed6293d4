//! Eval sync: the outbox's captured cases, POSTed in batches to the team's eval store.
//!
//! Wire format (DESIGN.md "Eval sync wire format"): `POST` with `Content-Type:
//! application/x-ndjson`, `Authorization: Bearer <token>` and an `Idempotency-Key` per batch;
//! one case per line. Any 2xx acknowledges the batch; 408, 429, 5xx and transport errors are
//! retried with backoff (`Retry-After` honoured); any other status parks the batch for a person.

mod endpoint;
mod error;
mod redact;
mod syncer;

pub use endpoint::Endpoint;
pub use error::SyncError;
pub use redact::Redactor;
pub use syncer::{sync, Mode, SyncReport, SyncSettings};
