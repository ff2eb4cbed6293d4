//! The byte stream under IMAP: plain TCP (loopback only, or before STARTTLS) or rustls over
//! TCP, verified against the Mozilla roots (webpki-roots), like the rest of Countersign.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use crate::error::Server;
use crate::MailError;

#[derive(Debug)]
pub(crate) enum MailStream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

pub(crate) async fn within<T>(
    server: Server,
    operation: &'static str,
    after: Duration,
    fut: impl Future<Output = Result<T, MailError>>,
) -> Result<T, MailError> {
    tokio::time::timeout(after, fut)
        .await
        .unwrap_or(Err(MailError::Timeout {
            server,
            operation,
            after,
        }))
}

pub(crate) async fn connect_tcp(
    server: Server,
    host: &str,
    port: u16,
    after: Duration,
) -> Result<TcpStream, MailError> {
    within(server, "connect", after, async {
        TcpStream::connect((host, port))
            .await
            .map_err(|e| MailError::Unreachable {
                server,
                detail: e.to_string(),
            })
    })
    .await
}

pub(crate) async fn upgrade(
    server: Server,
    host: &str,
    tcp: TcpStream,
    after: Duration,
) -> Result<MailStream, MailError> {
    let tls_error = |detail: String| MailError::Tls { server, detail };
    let config = ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| tls_error(e.to_string()))?
    .with_root_certificates(RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    })
    .with_no_client_auth();
    let name = ServerName::try_from(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
    )
    .map_err(|e| MailError::Config(format!("{host} is not a valid TLS server name: {e}")))?;
    let stream = within(server, "TLS handshake", after, async {
        TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| tls_error(e.to_string()))
    })
    .await?;
    Ok(MailStream::Tls(Box::new(stream)))
}

impl MailStream {
    pub(crate) fn into_plain(self) -> Option<TcpStream> {
        match self {
            MailStream::Plain(tcp) => Some(tcp),
            MailStream::Tls(_) => None,
        }
    }
}

impl AsyncRead for MailStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MailStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_flush(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MailStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MailStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
