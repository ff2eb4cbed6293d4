//! Why a mail operation failed, with a stable `code()` the UI and the CLI match on.
//!
//! No variant carries a password: details come from server replies and transport errors, and
//! [`MailError::scrubbed`] removes the password from them anyway before they are kept, in case a
//! server echoes what it was sent.

use std::time::Duration;

use countersign_core::Secret;

/// Which server an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Imap,
    Smtp,
}

impl std::fmt::Display for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Server::Imap => "IMAP",
            Server::Smtp => "SMTP",
        })
    }
}

/// A mail operation's failure. `code()` is stable; `is_transient()` says whether reconnecting
/// and trying again later can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The settings cannot be used as they are (an unencrypted connection to a host that is not
    /// loopback, an address that does not parse, a folder name with a line break…).
    #[error("the mail settings are not usable: {0}")]
    Config(String),
    #[error("the {0} server refused the user name or password")]
    AuthFailed(Server),
    /// Could not connect, or the connection dropped (a server restart ends up here).
    #[error("could not reach the {server} server: {detail}")]
    Unreachable { server: Server, detail: String },
    #[error("the TLS connection to the {server} server failed: {detail}")]
    Tls { server: Server, detail: String },
    #[error("the {server} server did not answer within {after:?} ({operation})")]
    Timeout {
        server: Server,
        operation: &'static str,
        after: Duration,
    },
    /// The server said something we cannot read, or does not offer what we need.
    #[error("the {server} server's answer could not be used: {detail}")]
    Protocol { server: Server, detail: String },
    /// The server refused the command (IMAP `NO`, SMTP 4xx/5xx). `temporary`: an SMTP 4xx.
    #[error("the {server} server refused: {detail}")]
    Rejected {
        server: Server,
        detail: String,
        temporary: bool,
    },
    /// An earlier delivery of this Message-ID stopped between recording it in Sent and knowing
    /// whether the SMTP server accepted it. Sending again could give the customer two copies;
    /// a person decides (see [`crate::resolve_uncertain`]).
    #[error("an earlier attempt to send {message_id} may or may not have gone out; check before sending again")]
    DeliveryUncertain { message_id: String },
}

impl MailError {
    pub fn code(&self) -> &'static str {
        match self {
            MailError::Config(_) => "mail_config",
            MailError::AuthFailed(_) => "mail_auth_failed",
            MailError::Unreachable { .. } => "mail_unreachable",
            MailError::Tls { .. } => "mail_tls",
            MailError::Timeout { .. } => "mail_timeout",
            MailError::Protocol { .. } => "mail_protocol",
            MailError::Rejected { .. } => "mail_rejected",
            MailError::DeliveryUncertain { .. } => "mail_delivery_uncertain",
        }
    }

    /// Every code, for the generated IPC catalogue.
    pub const CODES: [&'static str; 8] = [
        "mail_config",
        "mail_auth_failed",
        "mail_unreachable",
        "mail_tls",
        "mail_timeout",
        "mail_protocol",
        "mail_rejected",
        "mail_delivery_uncertain",
    ];

    /// Reconnecting and trying again later may help: the server was unreachable, restarted,
    /// was slow, or answered with a temporary SMTP refusal.
    pub fn is_transient(&self) -> bool {
        match self {
            MailError::Unreachable { .. } | MailError::Timeout { .. } => true,
            MailError::Rejected { temporary, .. } => *temporary,
            _ => false,
        }
    }

    /// The same error with the password removed from its details, should a server have
    /// echoed it. Short passwords are left alone: replacing two letters everywhere would
    /// garble the message and protect nothing.
    pub(crate) fn scrubbed(self, password: &Secret) -> MailError {
        let secret = password.expose();
        if secret.len() < 4 {
            return self;
        }
        let scrub = |s: String| s.replace(secret, "[redacted]");
        match self {
            MailError::Config(d) => MailError::Config(scrub(d)),
            MailError::Unreachable { server, detail } => MailError::Unreachable {
                server,
                detail: scrub(detail),
            },
            MailError::Tls { server, detail } => MailError::Tls {
                server,
                detail: scrub(detail),
            },
            MailError::Protocol { server, detail } => MailError::Protocol {
                server,
                detail: scrub(detail),
            },
            MailError::Rejected {
                server,
                detail,
                temporary,
            } => MailError::Rejected {
                server,
                detail: scrub(detail),
                temporary,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once() {
        let mut codes = MailError::CODES.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), MailError::CODES.len());
    }

    #[test]
    fn scrubbing_removes_an_echoed_password() {
        let e = MailError::Rejected {
            server: Server::Smtp,
            detail: "bad login hunter2-xyz".into(),
            temporary: false,
        }
        .scrubbed(&Secret::new("hunter2-xyz".into()));
        assert!(!format!("{e} {e:?}").contains("hunter2"));
    }
}
