//! Where the mailbox and the submission server are, and how to reach them. Passwords are not
//! here: they come from the keychain as a [`countersign_core::Secret`] at call time.

use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::MailError;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// TLS from the first byte (IMAP 993, SMTP 465).
    Tls,
    /// A plain connection upgraded with STARTTLS before logging in (IMAP 143, SMTP 587).
    /// If the server does not offer STARTTLS, the connection is refused, never continued in
    /// the clear.
    StartTls,
    /// No encryption: allowed only for loopback hosts (a local bridge, the tests).
    None,
}

/// The support mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    /// Where requests arrive.
    #[serde(default = "default_folder")]
    pub folder: String,
    /// Where sent replies are kept. `None`: the folder with the `\Sent` special use, else
    /// "Sent".
    #[serde(default)]
    pub sent_folder: Option<String>,
    /// Limit for each network operation (connect, one command), in seconds.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

/// The submission server replies go out through. AUTH is always used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    /// The address replies are sent from, e.g. `Support <support@example.com>`; every
    /// [`crate::OutgoingMail::from`] must have this address.
    pub from: String,
    /// Limit for each network operation (connect, one command), in seconds.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_folder() -> String {
    "INBOX".to_owned()
}

fn default_timeout_secs() -> u64 {
    30
}

impl ImapSettings {
    /// Settings with the defaults for everything but the server and the account.
    pub fn new(host: &str, port: u16, security: Security, user: &str) -> ImapSettings {
        ImapSettings {
            host: host.to_owned(),
            port,
            security,
            user: user.to_owned(),
            folder: default_folder(),
            sent_folder: None,
            timeout_secs: default_timeout_secs(),
        }
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.max(1))
    }

    pub fn validate(&self) -> Result<(), MailError> {
        validate_server(&self.host, self.port, self.security, &self.user)?;
        for folder in std::iter::once(&self.folder).chain(self.sent_folder.as_ref()) {
            if folder.is_empty() || folder.chars().any(char::is_control) {
                return Err(MailError::Config(
                    "a folder name is empty or has control characters".into(),
                ));
            }
        }
        Ok(())
    }
}

impl SmtpSettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.max(1))
    }

    pub fn validate(&self) -> Result<(), MailError> {
        validate_server(&self.host, self.port, self.security, &self.user)
    }

    /// A reply goes out from the account's own address ([`SmtpSettings::from`]); the display
    /// name may differ, the address may not. Keeps a mistyped or injected From from sending
    /// as someone else through the support account.
    pub fn check_sender(&self, mail: &crate::OutgoingMail) -> Result<(), MailError> {
        let ours: lettre::message::Mailbox = self
            .from
            .parse()
            .map_err(|_| MailError::Config("the account's From address does not parse".into()))?;
        let (theirs, _) = mail.addresses()?;
        if ours.email != theirs.email {
            return Err(MailError::Config(
                "the reply's From address is not the account's address".into(),
            ));
        }
        Ok(())
    }
}

fn validate_server(host: &str, port: u16, security: Security, user: &str) -> Result<(), MailError> {
    if host.trim().is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(MailError::Config(
            "the host name is empty or malformed".into(),
        ));
    }
    if port == 0 {
        return Err(MailError::Config("the port is 0".into()));
    }
    if user.is_empty() || user.chars().any(char::is_control) {
        return Err(MailError::Config(
            "the user name is empty or has control characters".into(),
        ));
    }
    if security == Security::None && !is_loopback(host) {
        return Err(MailError::Config(format!(
            "an unencrypted connection is allowed only to this machine (localhost, 127.0.0.1, ::1), not to {host}"
        )));
    }
    Ok(())
}

/// `localhost` or a loopback address; no name resolution, so a DNS answer cannot make a remote
/// host count as local.
pub(crate) fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_is_refused_for_a_remote_host() {
        let s = ImapSettings::new("imap.example.com", 143, Security::None, "u");
        assert_eq!(s.validate().unwrap_err().code(), "mail_config");
        let s = ImapSettings::new("127.0.0.2", 143, Security::None, "u");
        assert!(s.validate().is_ok());
        assert!(is_loopback("[::1]") && is_loopback("LOCALHOST"));
        assert!(!is_loopback("localhost.example.com") && !is_loopback("10.0.0.1"));
    }

    #[test]
    fn defaults_fill_the_folder_and_timeout() {
        let s: ImapSettings =
            serde_json::from_str(r#"{"host":"h","port":993,"security":"tls","user":"u"}"#).unwrap();
        assert_eq!(
            (s.folder.as_str(), s.sent_folder, s.timeout_secs),
            ("INBOX", None, 30)
        );
    }
}
