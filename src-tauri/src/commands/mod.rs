//! Tauri commands, one file per area. Each is a thin call into the core.

pub mod approval;
pub mod conversation;
pub mod csat;
pub mod customers;
pub mod history;
pub mod inbox;
pub mod mailbox;
pub mod queue;
pub mod replies;
pub mod settings;
pub mod sync;
pub mod tools;
pub mod update;
pub mod webhook;
pub mod workspace;
