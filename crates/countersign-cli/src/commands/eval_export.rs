//! `evals export`: the captured cases as JSONL that `countersign eval` accepts.

use std::io::Write;

use anyhow::Context;
use countersign_sync::Redactor;

use crate::error::{bad, desk};
use crate::invocation::Invocation;

/// `--since` as epoch ms: a date (`YYYY-MM-DD`, UTC midnight) or an RFC 3339 time.
pub fn parse_since(text: &str) -> anyhow::Result<i64> {
    let refuse = || {
        bad(
            "invalid_date",
            format!("`{text}` is not a date (YYYY-MM-DD or RFC 3339)"),
        )
    };
    let with_time = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    let at = rfc3339_ms(&with_time).ok_or_else(refuse)?;
    Ok(at)
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` to epoch ms without a date library: the CLI
/// needs only this one shape.
fn rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            sign * (rest.get(1..3)?.parse::<i64>().ok()? * 60
                + rest.get(4..6)?.parse::<i64>().ok()?)
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec) - offset_min * 60) * 1000)
}

/// Writes the cases created since `since` to stdout, one per line; with `redact`, one redactor
/// for the whole export (the same address is the same placeholder throughout).
pub fn export(ctx: &Invocation, since: Option<&str>, redact: bool) -> anyhow::Result<()> {
    let since_ms = since.map(parse_since).transpose()?.unwrap_or(0);
    let cases = ctx.open()?.eval_cases(since_ms).map_err(desk)?;
    let mut redactor = Redactor::new();
    let mut stdout = std::io::stdout().lock();
    for case in &cases {
        let body = if redact {
            redactor.case(&case.body)
        } else {
            case.body.clone()
        };
        writeln!(stdout, "{body}").context("writing to stdout")?;
    }
    tracing::info!(cases = cases.len(), redact, "eval cases exported");
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates_and_times_to_epoch_ms() {
        assert_eq!(parse_since("1970-01-01").unwrap(), 0);
        assert_eq!(parse_since("2027-01-15").unwrap(), 1_799_971_200_000);
        assert_eq!(
            parse_since("2027-01-15T01:00:00+01:00").unwrap(),
            1_799_971_200_000
        );
        assert!(parse_since("15/01/2027").is_err());
    }
}
