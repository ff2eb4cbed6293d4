//! Where the desk sends data to on its own (the reply webhook, the eval store): HTTPS, or plain
//! HTTP to this machine only, and never with credentials in the URL (they belong in the
//! keychain). Parsed, not prefix-matched: `http://localhost:80@evil.example/` names
//! evil.example.

use crate::error::DeskError;

/// The URL, trimmed, if it is one the desk may send to; `what` names it in the error.
pub(crate) fn checked(text: &str, what: &str) -> Result<String, DeskError> {
    let url = text.trim();
    let parsed = url::Url::parse(url)
        .map_err(|e| DeskError::InvalidSetting(format!("the {what} URL does not parse: {e}")))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let allowed = match parsed.scheme() {
        "https" => parsed.host().is_some(),
        "http" => loopback,
        _ => false,
    };
    if !allowed || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(DeskError::InvalidSetting(format!(
            "the {what} URL must be https:// (plain http:// only to this machine), without credentials"
        )));
    }
    Ok(url.to_owned())
}

/// A URL as the audit log may keep it for good: without credentials (`user:token@`) and
/// without its query's values (a token is often passed there), which the log, append-only,
/// could never scrub later. Text that is not a URL is withheld whole if it could hold either.
pub(crate) fn for_the_record(text: &str) -> String {
    let text = text.trim();
    let Ok(mut url) = url::Url::parse(text) else {
        return if text.contains('@') || text.contains('?') {
            "[withheld]".to_owned()
        } else {
            text.to_owned()
        };
    };
    if !url.username().is_empty() || url.password().is_some() {
        // Both succeed on any URL that has a host, which one with credentials has.
        let _ = url.set_username("withheld");
        let _ = url.set_password(None);
    }
    let names: Vec<String> = url
        .query_pairs()
        .map(|(name, _)| format!("{name}=[withheld]"))
        .collect();
    url.set_query(None);
    url.set_fragment(None);
    let mut out = url.to_string();
    if !names.is_empty() {
        out.push('?');
        out.push_str(&names.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_for_the_record_keeps_no_credentials() {
        let rows = [
            (
                "https://evals.example.com/ingest",
                "https://evals.example.com/ingest",
            ),
            (
                "https://user:tok@mcp.example.com/mcp",
                "https://withheld@mcp.example.com/mcp",
            ),
            (
                "https://api.example.com/v1?key=sk-1&model=x",
                "https://api.example.com/v1?key=[withheld]&model=[withheld]",
            ),
            ("http://127.0.0.1:8080/x#frag", "http://127.0.0.1:8080/x"),
            ("not a url@host?key=1", "[withheld]"),
            ("plain words", "plain words"),
        ];
        for (url, want) in rows {
            assert_eq!(for_the_record(url), want, "{url}");
        }
    }

    #[test]
    fn https_anywhere_http_only_here_never_credentials() {
        for ok in [
            "https://evals.example.com/ingest",
            " http://127.0.0.1:8080/x ",
            "http://localhost/x",
            "http://[::1]:9/x",
            "http://127.0.0.2/x",
        ] {
            assert!(checked(ok, "test").is_ok(), "{ok}");
        }
        for bad in [
            "http://evals.example.com/",
            "http://localhost:80@evil.example/",
            "https://user:pw@evals.example.com/",
            "ftp://127.0.0.1/",
            "not a url",
            "http://localhost.evil.example/",
        ] {
            assert_eq!(
                checked(bad, "test").unwrap_err().code(),
                "invalid_setting",
                "{bad}"
            );
        }
    }
}
