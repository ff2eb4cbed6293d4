//! The receiver's address, checked once: HTTPS, or plain HTTP to this machine only.

use std::net::IpAddr;

use reqwest::Url;

use crate::error::SyncError;

/// A checked sync endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint(Url);

impl Endpoint {
    pub fn parse(text: &str) -> Result<Endpoint, SyncError> {
        let url = Url::parse(text).map_err(|_| SyncError::InvalidEndpoint(text.to_owned()))?;
        // Credentials belong in the keychain (the bearer token), never in the URL, where they
        // would reach logs and error messages.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(SyncError::InvalidEndpoint(
                "a URL with credentials in it (use the token)".to_owned(),
            ));
        }
        match url.scheme() {
            "https" if url.host().is_some() => Ok(Endpoint(url)),
            "http" if is_loopback(&url) => Ok(Endpoint(url)),
            "http" | "https" => Err(SyncError::InsecureEndpoint(text.to_owned())),
            _ => Err(SyncError::InvalidEndpoint(text.to_owned())),
        }
    }

    pub fn url(&self) -> &Url {
        &self.0
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn https_anywhere_plain_http_only_to_loopback() {
        for ok in [
            "https://evals.example.com/ingest",
            "http://127.0.0.1:8080/x",
            "http://[::1]:9/",
            "http://localhost/",
        ] {
            assert!(Endpoint::parse(ok).is_ok(), "{ok}");
        }
        for (bad, code) in [
            ("http://evals.example.com/", "insecure_endpoint"),
            ("http://10.0.0.1/", "insecure_endpoint"),
            ("ftp://127.0.0.1/", "invalid_endpoint"),
            ("not a url", "invalid_endpoint"),
            ("https://user:pw@evals.example.com/", "invalid_endpoint"),
            ("http://localhost:80@evil.example/", "invalid_endpoint"),
        ] {
            assert_eq!(Endpoint::parse(bad).unwrap_err().code(), code, "{bad}");
        }
    }
}
