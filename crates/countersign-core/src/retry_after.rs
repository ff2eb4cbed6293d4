//! A `Retry-After` value (RFC 9110 §10.2.3): delay seconds or an HTTP-date, read one way for
//! every client that honours it (the LLM providers, the reply webhook, the eval store). Pure:
//! the caller passes the moment a date is measured from.

use std::time::{Duration, SystemTime};

/// How long the server asked us to wait: whole or fractional seconds (some providers send
/// `1.5`), or an HTTP-date (a date already past is no wait). `None` for anything else —
/// negative, not a number, not a date — and the caller's own backoff applies.
pub fn parse(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::try_from_secs_f64(secs).ok())
            .flatten();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_dates_and_nonsense() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let in_90s = httpdate::fmt_http_date(now + Duration::from_secs(90));
        let past = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH);
        let rows: [(&str, Option<Duration>); 9] = [
            ("7", Some(Duration::from_secs(7))),
            (" 0 ", Some(Duration::ZERO)),
            ("1.5", Some(Duration::from_millis(1_500))),
            (&in_90s, Some(Duration::from_secs(90))),
            (&past, Some(Duration::ZERO)),
            ("-3", None),
            ("NaN", None),
            ("1e309", None),
            ("soon", None),
        ];
        for (value, want) in rows {
            assert_eq!(parse(value, now), want, "{value:?}");
        }
    }
}
