//! Talks to the support mailbox: IMAP to read requests and keep the Sent folder, SMTP to send
//! replies. Stores nothing — the desk stores; this crate only speaks to servers.
//!
//! - [`Mailbox`]: fetch new messages by UID without marking them seen ([`Mailbox::fetch_new`]),
//!   [`Mailbox::mark_seen`] after the desk's commit, [`Mailbox::wait_for_mail`] (IDLE or
//!   polling), APPEND and search by Message-ID.
//! - [`render`] and [`send`]: a plain-text reply with our Message-ID and typed thread headers.
//! - [`deliver_once`]: send a reply at most once, with the Sent folder as the record (its
//!   module documentation explains the order of steps and the window that remains).
//! - [`thread_keys`]: Message-ID, In-Reply-To and References of a received message.
//!
//! Passwords are [`countersign_core::Secret`]s, used only to log in. Logs carry hosts, UIDs and
//! Message-IDs, never addresses, subjects or bodies. Every network operation has a timeout.

mod delivery;
mod error;
mod mailbox;
mod message_id;
mod outgoing;
mod settings;
mod smtp;
mod thread;
mod transport;

pub use delivery::{deliver_once, resolve_uncertain, Delivery, Resolution};
pub use error::{MailError, Server};
pub use mailbox::{Fetched, MailFlag, Mailbox, Wake, SENDING_KEYWORD};
pub use message_id::{InvalidMessageId, MessageId};
pub use outgoing::{render, OutgoingMail};
pub use settings::{ImapSettings, Security, SmtpSettings};
pub use smtp::send;
pub use thread::{thread_keys, ThreadKeys};
