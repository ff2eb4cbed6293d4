//! The support mailbox over IMAP: fetch new requests without marking them seen, mark them seen
//! when the desk has committed them, wait for new mail, and the Sent-folder operations that
//! [`crate::deliver_once`] builds on.
//!
//! A failed network operation drops the session: every later call returns a transient
//! [`MailError::Unreachable`] until the caller connects again (a server restart looks exactly
//! like this). UIDs are only meaningful with their UIDVALIDITY: the caller keeps both, and
//! starts over when [`Mailbox::uid_validity`] differs from the one it stored.

use std::collections::HashSet;
use std::time::Duration;

use async_imap::error::Error as ImapError;
use async_imap::extensions::idle::IdleResponse;
use async_imap::types::{Flag, NameAttribute, UnsolicitedResponse};
use async_imap::{Client, Session};
use countersign_core::Secret;
use futures_util::TryStreamExt;

use crate::error::Server;
use crate::transport::{connect_tcp, upgrade, within, MailStream};
use crate::{thread_keys, ImapSettings, MailError, MessageId, Security};

/// The keyword [`crate::deliver_once`] puts on a Sent copy before handing the message to SMTP,
/// and removes once the SMTP server has accepted it.
pub const SENDING_KEYWORD: &str = "$Countersign-Sending";

/// One message as fetched. `(uid_validity, uid)` identifies it for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub uid_validity: u32,
    pub uid: u32,
    /// `None` when the message has none, or one that is not usable.
    pub message_id: Option<MessageId>,
    /// The message as the server stores it.
    pub raw: Vec<u8>,
    /// RFC822.SIZE as the server reports it.
    pub size: u32,
}

/// A flag to set when appending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailFlag {
    Seen,
    Draft,
    /// [`SENDING_KEYWORD`].
    Sending,
}

impl MailFlag {
    fn imap(&self) -> &'static str {
        match self {
            MailFlag::Seen => "\\Seen",
            MailFlag::Draft => "\\Draft",
            MailFlag::Sending => SENDING_KEYWORD,
        }
    }
}

/// Why [`Mailbox::wait_for_mail`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The server reported new messages (or other changes): fetch.
    NewMail,
    /// Nothing was reported within the time given.
    TimedOut,
}

/// A copy of a message found in a folder by its Message-ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Copy {
    pub uid: u32,
    pub sending: bool,
}

/// A logged-in IMAP session with the request folder selected.
#[derive(Debug)]
pub struct Mailbox {
    session: Option<Session<MailStream>>,
    settings: ImapSettings,
    uid_validity: u32,
    idle: bool,
    /// Which folder is selected now; commands on other folders select it and come back.
    selected: String,
    /// Whether the selected folder keeps keywords (PERMANENTFLAGS has `\*`).
    selected_keeps_keywords: bool,
}

fn keeps_keywords(flags: &[Flag<'_>]) -> bool {
    flags.iter().any(|f| {
        *f == Flag::MayCreate
            || matches!(f, Flag::Custom(k) if k.eq_ignore_ascii_case(SENDING_KEYWORD))
    })
}

const S: Server = Server::Imap;

fn imap_error(e: ImapError) -> MailError {
    match e {
        ImapError::Io(e) => MailError::Unreachable {
            server: S,
            detail: e.to_string(),
        },
        ImapError::ConnectionLost => MailError::Unreachable {
            server: S,
            detail: "connection lost".into(),
        },
        ImapError::No(detail) => MailError::Rejected {
            server: S,
            detail,
            temporary: false,
        },
        ImapError::Append => MailError::Rejected {
            server: S,
            detail: "APPEND refused".into(),
            temporary: false,
        },
        ImapError::Validate(e) => MailError::Config(e.to_string()),
        other => MailError::Protocol {
            server: S,
            detail: other.to_string(),
        },
    }
}

fn lost() -> MailError {
    MailError::Unreachable {
        server: S,
        detail: "the connection was lost earlier; connect again".into(),
    }
}

/// An IMAP quoted string.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl Mailbox {
    /// Connects, logs in and selects the request folder.
    pub async fn connect(settings: &ImapSettings, password: &Secret) -> Result<Mailbox, MailError> {
        Self::connect_inner(settings, password)
            .await
            .map_err(|e| e.scrubbed(password))
    }

    async fn connect_inner(
        settings: &ImapSettings,
        password: &Secret,
    ) -> Result<Mailbox, MailError> {
        settings.validate()?;
        let t = settings.timeout();
        let tcp = connect_tcp(S, &settings.host, settings.port, t).await?;
        let client = match settings.security {
            Security::Tls => {
                let mut client = Client::new(upgrade(S, &settings.host, tcp, t).await?);
                greeting(&mut client, t).await?;
                client
            }
            Security::None => {
                let mut client = Client::new(MailStream::Plain(tcp));
                greeting(&mut client, t).await?;
                client
            }
            Security::StartTls => {
                let mut client = Client::new(MailStream::Plain(tcp));
                greeting(&mut client, t).await?;
                within(S, "STARTTLS", t, async {
                    client
                        .run_command_and_check_ok("STARTTLS", None)
                        .await
                        .map_err(|e| MailError::Tls {
                            server: S,
                            detail: format!("the server did not start TLS: {e}"),
                        })
                })
                .await?;
                let tcp = client
                    .into_inner()
                    .into_plain()
                    .ok_or(MailError::Protocol {
                        server: S,
                        detail: "STARTTLS on a TLS connection".into(),
                    })?;
                // No greeting after STARTTLS (RFC 3501 6.2.1).
                Client::new(upgrade(S, &settings.host, tcp, t).await?)
            }
        };
        let mut session = within(S, "login", t, async {
            client
                .login(&settings.user, password.expose())
                .await
                .map_err(|(e, _)| match e {
                    ImapError::No(_) | ImapError::Bad(_) => MailError::AuthFailed(S),
                    other => imap_error(other),
                })
        })
        .await?;
        let (uid_validity, idle, keywords) = within(S, "select", t, async {
            let capabilities = session.capabilities().await.map_err(imap_error)?;
            let selected = session.select(&settings.folder).await.map_err(imap_error)?;
            let validity = selected.uid_validity.ok_or(MailError::Protocol {
                server: S,
                detail: "the folder has no UIDVALIDITY".into(),
            })?;
            Ok((
                validity,
                capabilities.has_str("IDLE"),
                keeps_keywords(&selected.permanent_flags),
            ))
        })
        .await?;
        tracing::debug!(host = %settings.host, port = settings.port, uid_validity, idle, "imap: connected");
        Ok(Mailbox {
            session: Some(session),
            settings: settings.clone(),
            uid_validity,
            idle,
            selected: settings.folder.clone(),
            selected_keeps_keywords: keywords,
        })
    }

    /// The request folder's UIDVALIDITY at connect time.
    pub fn uid_validity(&self) -> u32 {
        self.uid_validity
    }

    /// Whether the server offers IDLE (else [`Mailbox::wait_for_mail`] polls).
    pub fn supports_idle(&self) -> bool {
        self.idle
    }

    /// Runs one operation on the session within the timeout; a transport failure or timeout
    /// drops the session, so the caller reconnects instead of reusing a broken one.
    async fn run<T, F>(&mut self, operation: &'static str, f: F) -> Result<T, MailError>
    where
        F: AsyncFnOnce(&mut Session<MailStream>) -> Result<T, MailError>,
    {
        let t = self.settings.timeout();
        let session = self.session.as_mut().ok_or_else(lost)?;
        let result = within(S, operation, t, f(session)).await;
        if let Err(e) = &result {
            if e.is_transient() {
                self.session = None;
            }
        }
        result
    }

    /// Selects `folder` (read-write: storing flags needs it) unless it is selected already.
    async fn select(&mut self, folder: &str) -> Result<(), MailError> {
        if self.selected == folder {
            return Ok(());
        }
        let name = folder.to_owned();
        let (uid_validity, keywords) = self
            .run("select", async |s| {
                let m = s.select(&name).await.map_err(imap_error)?;
                Ok((m.uid_validity, keeps_keywords(&m.permanent_flags)))
            })
            .await?;
        self.selected_keeps_keywords = keywords;
        if folder == self.settings.folder {
            if let Some(v) = uid_validity {
                if v != self.uid_validity {
                    tracing::warn!(
                        old = self.uid_validity,
                        new = v,
                        "imap: UIDVALIDITY changed"
                    );
                    self.uid_validity = v;
                }
            }
        }
        self.selected = name;
        Ok(())
    }

    async fn back_to_requests(&mut self) -> Result<(), MailError> {
        let folder = self.settings.folder.clone();
        self.select(&folder).await
    }

    /// Up to `max` messages with a UID above `after_uid` (all, with `None`), oldest first.
    /// Uses `BODY.PEEK[]`: fetching never sets `\Seen`; [`Mailbox::mark_seen`] does, once the
    /// desk has committed the message. The UIDs come from `UID SEARCH UID n:*` first, because
    /// `n:*` also matches the newest message when `n` is above every UID, and so the batch can
    /// be cut to `max` before any body is transferred.
    pub async fn fetch_new(
        &mut self,
        after_uid: Option<u32>,
        max: usize,
    ) -> Result<Vec<Fetched>, MailError> {
        self.back_to_requests().await?;
        let from = after_uid.map_or(1, |u| u.saturating_add(1));
        let mut uids: Vec<u32> = self
            .run("search", async |s| {
                s.uid_search(format!("UID {from}:*"))
                    .await
                    .map_err(imap_error)
                    .map(|set| set.into_iter().collect())
            })
            .await?;
        uids.retain(|u| after_uid.is_none_or(|a| *u > a));
        uids.sort_unstable();
        uids.truncate(max);
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: HashSet<u32> = uids.iter().copied().collect();
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let uid_validity = self.uid_validity;
        let mut fetched = self
            .run("fetch", async |s| {
                let fetches: Vec<_> = s
                    .uid_fetch(&set, "(UID RFC822.SIZE BODY.PEEK[])")
                    .await
                    .map_err(imap_error)?
                    .try_collect()
                    .await
                    .map_err(imap_error)?;
                Ok(fetches
                    .iter()
                    .filter_map(|f| {
                        let uid = f.uid.filter(|u| wanted.contains(u))?;
                        // A FETCH without a body is an unsolicited flag update, not ours.
                        let raw = f.body()?.to_vec();
                        Some(Fetched {
                            uid_validity,
                            uid,
                            message_id: thread_keys(&raw).message_id,
                            size: f
                                .size
                                .unwrap_or(u32::try_from(raw.len()).unwrap_or(u32::MAX)),
                            raw,
                        })
                    })
                    .collect::<Vec<_>>())
            })
            .await?;
        fetched.sort_by_key(|f| f.uid);
        fetched.dedup_by_key(|f| f.uid);
        tracing::debug!(
            count = fetched.len(),
            first = fetched.first().map(|f| f.uid),
            "imap: fetched"
        );
        Ok(fetched)
    }

    /// Sets `\Seen` on a message of the request folder.
    pub async fn mark_seen(&mut self, uid: u32) -> Result<(), MailError> {
        self.back_to_requests().await?;
        self.store(uid, "+FLAGS.SILENT (\\Seen)").await
    }

    /// Whether a message of the request folder has `\Seen`.
    pub async fn is_seen(&mut self, uid: u32) -> Result<bool, MailError> {
        self.back_to_requests().await?;
        self.run("fetch flags", async |s| {
            let fetches: Vec<_> = s
                .uid_fetch(uid.to_string(), "(UID FLAGS)")
                .await
                .map_err(imap_error)?
                .try_collect()
                .await
                .map_err(imap_error)?;
            Ok(fetches
                .iter()
                .filter(|f| f.uid == Some(uid))
                .any(|f| f.flags().any(|fl| fl == Flag::Seen)))
        })
        .await
    }

    async fn store(&mut self, uid: u32, query: &'static str) -> Result<(), MailError> {
        self.run("store", async |s| {
            let _: Vec<_> = s
                .uid_store(uid.to_string(), query)
                .await
                .map_err(imap_error)?
                .try_collect()
                .await
                .map_err(imap_error)?;
            Ok(())
        })
        .await
    }

    /// Waits up to `timeout` for new mail. With IDLE, returns as soon as the server reports a
    /// change; without it, sleeps `timeout` (the poll interval) and asks with NOOP.
    pub async fn wait_for_mail(&mut self, timeout: Duration) -> Result<Wake, MailError> {
        self.back_to_requests().await?;
        if self.drain_exists()? {
            return Ok(Wake::NewMail);
        }
        if !self.idle {
            tokio::time::sleep(timeout).await;
            self.run("noop", async |s| s.noop().await.map_err(imap_error))
                .await?;
            return Ok(if self.drain_exists()? {
                Wake::NewMail
            } else {
                Wake::TimedOut
            });
        }
        let t = self.settings.timeout();
        let session = self.session.take().ok_or_else(lost)?;
        // From here the session is inside the IDLE handle: any failure leaves `self.session`
        // empty, which is what a broken connection should do.
        let mut handle = session.idle();
        within(S, "IDLE", t, async {
            handle.init().await.map_err(imap_error)
        })
        .await?;
        let response = {
            let (wait, _stop) = handle.wait_with_timeout(timeout);
            within(S, "IDLE", timeout + t, async {
                wait.await.map_err(imap_error)
            })
            .await?
        };
        let session = within(S, "DONE", t, async {
            handle.done().await.map_err(imap_error)
        })
        .await?;
        self.session = Some(session);
        Ok(match response {
            IdleResponse::NewData(_) => Wake::NewMail,
            IdleResponse::Timeout | IdleResponse::ManualInterrupt => Wake::TimedOut,
        })
    }

    /// Empties the queue of unsolicited responses; true if one said the folder grew.
    fn drain_exists(&mut self) -> Result<bool, MailError> {
        let session = self.session.as_mut().ok_or_else(lost)?;
        let mut grew = false;
        while let Ok(r) = session.unsolicited_responses.try_recv() {
            grew |= matches!(
                r,
                UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
            );
        }
        Ok(grew)
    }

    /// The folder sent replies are kept in: the configured one, else the one the server marks
    /// `\Sent` (RFC 6154), else "Sent".
    pub async fn sent_folder(&mut self) -> Result<String, MailError> {
        if let Some(folder) = &self.settings.sent_folder {
            return Ok(folder.clone());
        }
        let special = self
            .run("list", async |s| {
                let names: Vec<_> = s
                    .list(Some(""), Some("*"))
                    .await
                    .map_err(imap_error)?
                    .try_collect()
                    .await
                    .map_err(imap_error)?;
                Ok(names
                    .iter()
                    .find(|n| n.attributes().contains(&NameAttribute::Sent))
                    .map(|n| n.name().to_owned()))
            })
            .await?;
        let folder = special.unwrap_or_else(|| "Sent".to_owned());
        self.settings.sent_folder = Some(folder.clone());
        Ok(folder)
    }

    /// Whether `folder` holds a message with this Message-ID (`UID SEARCH HEADER Message-ID`).
    pub async fn find_by_message_id(
        &mut self,
        folder: &str,
        message_id: &MessageId,
    ) -> Result<bool, MailError> {
        Ok(!self.copies(folder, message_id).await?.is_empty())
    }

    /// [`Mailbox::copies`], and whether `folder` keeps keywords.
    pub(crate) async fn copies_and_keywords(
        &mut self,
        folder: &str,
        message_id: &MessageId,
    ) -> Result<(Vec<Copy>, bool), MailError> {
        if let Err(e) = self.select(folder).await {
            // A Sent folder that does not exist yet is created (an account that never sent
            // from a client has none); any other refusal stands.
            if e.code() != "mail_rejected" {
                return Err(e);
            }
            let name = folder.to_owned();
            self.run("create", async |s| {
                s.create(&name).await.map_err(imap_error)
            })
            .await
            .map_err(|_| e)?;
            tracing::info!(folder, "imap: created the Sent folder");
            self.select(folder).await?;
        }
        let keywords = self.selected_keeps_keywords;
        Ok((self.copies(folder, message_id).await?, keywords))
    }

    /// The copies of a message in `folder`, with whether each still has [`SENDING_KEYWORD`].
    /// SEARCH HEADER matches substrings, so each hit's Message-ID is read back and compared.
    pub(crate) async fn copies(
        &mut self,
        folder: &str,
        message_id: &MessageId,
    ) -> Result<Vec<Copy>, MailError> {
        self.select(folder).await?;
        let query = format!("HEADER Message-ID {}", quoted(&message_id.angled()));
        let uids: Vec<u32> = self
            .run("search", async |s| {
                s.uid_search(&query)
                    .await
                    .map_err(imap_error)
                    .map(|set| set.into_iter().collect())
            })
            .await?;
        let mut copies = Vec::new();
        if !uids.is_empty() {
            let set = uids
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            copies = self
                .run("fetch", async |s| {
                    let fetches: Vec<_> = s
                        .uid_fetch(&set, "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                        .await
                        .map_err(imap_error)?
                        .try_collect()
                        .await
                        .map_err(imap_error)?;
                    Ok(fetches
                        .iter()
                        .filter_map(|f| {
                            let uid = f.uid?;
                            let head = f.header().or_else(|| f.body())?;
                            (thread_keys(head).message_id.as_ref() == Some(message_id)).then(|| {
                                Copy {
                                    uid,
                                    sending: f.flags().any(|fl| {
                                        matches!(&fl, Flag::Custom(k) if k.eq_ignore_ascii_case(SENDING_KEYWORD))
                                    }),
                                }
                            })
                        })
                        .collect::<Vec<_>>())
                })
                .await?;
        }
        self.back_to_requests().await?;
        Ok(copies)
    }

    /// Appends a message to `folder` with the given flags.
    pub async fn append(
        &mut self,
        folder: &str,
        raw: &[u8],
        flags: &[MailFlag],
    ) -> Result<(), MailError> {
        if folder.is_empty() || folder.chars().any(char::is_control) {
            return Err(MailError::Config(
                "the folder name is empty or has control characters".into(),
            ));
        }
        let flags = format!(
            "({})",
            flags
                .iter()
                .map(MailFlag::imap)
                .collect::<Vec<_>>()
                .join(" ")
        );
        let folder = folder.to_owned();
        self.run("append", async |s| {
            s.append(&folder, Some(&flags), None, raw)
                .await
                .map_err(imap_error)
        })
        .await
    }

    /// Removes [`SENDING_KEYWORD`] from a copy in `folder`.
    pub(crate) async fn clear_sending(&mut self, folder: &str, uid: u32) -> Result<(), MailError> {
        self.select(folder).await?;
        let result = self
            .store(uid, "-FLAGS.SILENT ($Countersign-Sending)")
            .await;
        self.back_to_requests().await?;
        result
    }

    /// Deletes a copy from `folder` for good (UID EXPUNGE touches only this message).
    pub(crate) async fn remove(&mut self, folder: &str, uid: u32) -> Result<(), MailError> {
        self.select(folder).await?;
        let result = async {
            self.store(uid, "+FLAGS.SILENT (\\Deleted)").await?;
            self.run("expunge", async |s| {
                let _: Vec<_> = s
                    .uid_expunge(uid.to_string())
                    .await
                    .map_err(imap_error)?
                    .try_collect()
                    .await
                    .map_err(imap_error)?;
                Ok(())
            })
            .await
        }
        .await;
        self.back_to_requests().await?;
        result
    }

    /// Logs out politely; the connection closes either way.
    pub async fn logout(mut self) {
        let _ = self
            .run("logout", async |s| s.logout().await.map_err(imap_error))
            .await;
    }
}

async fn greeting(client: &mut Client<MailStream>, t: Duration) -> Result<(), MailError> {
    within(S, "greeting", t, async {
        match client.read_response().await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(MailError::Unreachable {
                server: S,
                detail: "closed before the greeting".into(),
            }),
            Err(e) => Err(imap_error(ImapError::Io(e))),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quoted(r#"<a"b\c@d>"#), r#""<a\"b\\c@d>""#);
    }
}
