//! SMTP submission with lettre's connection type, step by step, so [`crate::deliver_once`] can
//! tell "not accepted" (refused at any step, or failed before the message was handed over)
//! from "may have been accepted" (the connection broke while the message was in flight).

use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::Error as SmtpError;

use countersign_core::Secret;

use crate::error::Server;
use crate::transport::within;
use crate::{render, MailError, OutgoingMail, Security, SmtpSettings};

const S: Server = Server::Smtp;

/// Sends one message through the submission server: TLS or STARTTLS per the settings, AUTH
/// always (PLAIN or LOGIN), then MAIL/RCPT/DATA.
pub async fn send(
    settings: &SmtpSettings,
    password: &Secret,
    mail: &OutgoingMail,
) -> Result<(), MailError> {
    settings.check_sender(mail)?;
    let raw = render(mail)?;
    let envelope = mail.envelope()?;
    let mut conn = Submission::open(settings, password).await?;
    conn.transmit(&envelope, &raw)
        .await
        .map_err(|f| f.error)
        .map_err(|e| e.scrubbed(password))?;
    conn.close().await;
    Ok(())
}

/// How a transmission failed.
#[derive(Debug)]
pub(crate) struct TransmitFailure {
    pub error: MailError,
    /// The server may have accepted the message (the reply to DATA's end never came).
    pub maybe_accepted: bool,
}

/// An authenticated submission connection.
pub(crate) struct Submission {
    conn: AsyncSmtpConnection,
    settings: SmtpSettings,
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("host", &self.settings.host)
            .field("port", &self.settings.port)
            .finish_non_exhaustive()
    }
}

fn smtp_error(e: &SmtpError, during_auth: bool, after: Duration) -> MailError {
    let detail = e.to_string();
    if e.is_timeout() {
        MailError::Timeout {
            server: S,
            operation: "smtp",
            after,
        }
    } else if e.is_tls() {
        MailError::Tls { server: S, detail }
    } else if during_auth && (e.is_permanent() || e.is_transient()) {
        MailError::AuthFailed(S)
    } else if e.is_permanent() || e.is_transient() {
        MailError::Rejected {
            server: S,
            detail,
            temporary: e.is_transient(),
        }
    } else if e.is_client() || e.is_response() {
        MailError::Protocol { server: S, detail }
    } else {
        MailError::Unreachable { server: S, detail }
    }
}

impl Submission {
    pub(crate) async fn open(
        settings: &SmtpSettings,
        password: &Secret,
    ) -> Result<Submission, MailError> {
        Self::open_inner(settings, password)
            .await
            .map_err(|e| e.scrubbed(password))
    }

    async fn open_inner(
        settings: &SmtpSettings,
        password: &Secret,
    ) -> Result<Submission, MailError> {
        settings.validate()?;
        let t = settings.timeout();
        let hello = ClientId::Domain("countersign.invalid".to_owned());
        let tls = || {
            TlsParameters::new_rustls(settings.host.clone()).map_err(|e| MailError::Tls {
                server: S,
                detail: e.to_string(),
            })
        };
        let initial_tls = match settings.security {
            Security::Tls => Some(tls()?),
            Security::StartTls | Security::None => None,
        };
        let mut conn = within(S, "connect", t, async {
            AsyncSmtpConnection::connect_tokio1(
                (settings.host.as_str(), settings.port),
                Some(t),
                &hello,
                initial_tls,
                None,
            )
            .await
            .map_err(|e| smtp_error(&e, false, t))
        })
        .await?;
        if settings.security == Security::StartTls {
            if !conn.can_starttls() {
                return Err(MailError::Tls {
                    server: S,
                    detail: "the server does not offer STARTTLS".into(),
                });
            }
            let params = tls()?;
            within(S, "STARTTLS", t, async {
                conn.starttls(params, &hello)
                    .await
                    .map_err(|e| smtp_error(&e, false, t))
            })
            .await?;
        }
        let credentials = Credentials::new(settings.user.clone(), password.expose().to_owned());
        within(S, "AUTH", t, async {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
                .await
                .map_err(|e| {
                    if e.is_client() {
                        MailError::Protocol {
                            server: S,
                            detail: "the server offers no AUTH mechanism we use (PLAIN, LOGIN)"
                                .into(),
                        }
                    } else {
                        smtp_error(&e, true, t)
                    }
                })
        })
        .await?;
        tracing::debug!(host = %settings.host, port = settings.port, "smtp: authenticated");
        Ok(Submission {
            conn,
            settings: settings.clone(),
        })
    }

    /// MAIL, RCPT, DATA and the message. A refusal at any step means the message was not
    /// accepted; a broken connection or a timeout leaves that unknown.
    pub(crate) async fn transmit(
        &mut self,
        envelope: &Envelope,
        raw: &[u8],
    ) -> Result<(), TransmitFailure> {
        let t = self.settings.timeout();
        let result = tokio::time::timeout(t, self.conn.send(envelope, raw)).await;
        match result {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                let refused = e.is_permanent() || e.is_transient() || e.is_client();
                Err(TransmitFailure {
                    error: smtp_error(&e, false, t),
                    maybe_accepted: !refused,
                })
            }
            Err(_) => Err(TransmitFailure {
                error: MailError::Timeout {
                    server: S,
                    operation: "send",
                    after: t,
                },
                maybe_accepted: true,
            }),
        }
    }

    pub(crate) async fn close(mut self) {
        let t = self.settings.timeout();
        let _ = tokio::time::timeout(t, self.conn.quit()).await;
    }
}
