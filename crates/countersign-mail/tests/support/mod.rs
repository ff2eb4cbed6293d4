//! Real mail servers for a test: `tests/mail/servers.sh` starts dovecot and aiosmtpd on free
//! loopback ports in a temp dir, and dropping [`Servers`] stops them. Missing servers fail the
//! test with the fix, never skip it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use countersign_core::Secret;
use countersign_mail::{ImapSettings, Mailbox, Security, SmtpSettings};

pub const SUPPORT: &str = "support@example.test";
pub const CUSTOMER: &str = "customer@example.test";
pub const SUPPORT_PASSWORD: &str = "support-secret";
pub const CUSTOMER_PASSWORD: &str = "customer-secret";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/mail/servers.sh")
}

#[derive(Debug)]
pub struct Servers {
    dir: tempfile::TempDir,
    pub imap_port: u16,
    pub smtp_port: u16,
}

fn run(command: &str, dir: &Path) -> String {
    let out = Command::new("bash")
        .arg(script())
        .arg(command)
        .arg(dir)
        .output()
        .expect("bash runs tests/mail/servers.sh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() != Some(3),
        "the test mail servers are not installed: run scripts/setup.sh\n{stderr}"
    );
    assert!(
        out.status.success(),
        "tests/mail/servers.sh {command} failed: {stderr}"
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Servers {
    pub fn start() -> Servers {
        let dir = tempfile::tempdir().unwrap();
        let env = run("start", dir.path());
        let port = |key: &str| -> u16 {
            env.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("servers.sh printed no {key}: {env}"))
        };
        Servers {
            imap_port: port("IMAP_PORT="),
            smtp_port: port("SMTP_PORT="),
            dir,
        }
    }

    /// Stops dovecot only, as a server restart would.
    pub fn imap_stop(&self) {
        run("imap-stop", self.dir.path());
    }

    pub fn imap_start(&self) {
        run("imap-start", self.dir.path());
    }

    pub fn imap(&self, user: &str) -> ImapSettings {
        let mut s = ImapSettings::new("127.0.0.1", self.imap_port, Security::None, user);
        s.timeout_secs = 10;
        s
    }

    pub fn smtp(&self) -> SmtpSettings {
        SmtpSettings {
            host: "127.0.0.1".into(),
            port: self.smtp_port,
            security: Security::None,
            user: SUPPORT.into(),
            from: format!("Support <{SUPPORT}>"),
            timeout_secs: 10,
        }
    }

    pub async fn support(&self) -> Mailbox {
        Mailbox::connect(&self.imap(SUPPORT), &secret(SUPPORT_PASSWORD))
            .await
            .unwrap()
    }

    pub async fn customer(&self) -> Mailbox {
        Mailbox::connect(&self.imap(CUSTOMER), &secret(CUSTOMER_PASSWORD))
            .await
            .unwrap()
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(self.dir.path())
            .output();
    }
}

pub fn secret(s: &str) -> Secret {
    Secret::new(s.to_owned())
}

/// A small, well-formed request from the customer.
pub fn request(n: u32) -> Vec<u8> {
    format!(
        "From: Customer <{CUSTOMER}>\r\nTo: {SUPPORT}\r\nSubject: Request {n}\r\nMessage-ID: <req-{n}@customer.example>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\nWhere is order {n}?\r\n"
    )
    .into_bytes()
}
