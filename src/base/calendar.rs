//! Dates and instants as the contract writes them, read and written strictly: RFC 3339
//! instants with an offset (`2026-11-28T10:00:00-05:00`) and `YYYY-MM-DD` dates.
//!
//! jiff does the calendar arithmetic; reading and writing are done here because the
//! contract accepts exactly RFC 3339, while jiff's `FromStr` is a full Temporal parser
//! (time zone annotations, TZif data) that would also accept inputs the contract refuses
//! and that costs the browser package tens of kilobytes it never uses.

use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use jiff::{SignedDuration, Span, Timestamp};

/// Parses an RFC 3339 instant, e.g. `2026-11-28T10:00:00-05:00` or `…T15:00:00.5Z`.
pub fn instant(text: &str) -> Option<Timestamp> {
    let bytes = text.as_bytes();
    let date_part = date(text.get(..10)?)?;
    if !matches!(bytes.get(10), Some(b'T' | b't')) {
        return None;
    }
    let hour = digits(bytes, 11, 2)?;
    let minute = colon_digits(bytes, 13)?;
    let second = colon_digits(bytes, 16)?;
    let mut at = 19;
    let mut nanos = 0i32;
    if bytes.get(at) == Some(&b'.') {
        let start = at + 1;
        let mut end = start;
        while bytes.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        let count = end - start;
        if count == 0 || count > 9 {
            return None;
        }
        let fraction = i32::try_from(digits(bytes, start, count)?).ok()?;
        nanos = fraction.checked_mul(10i32.checked_pow(u32::try_from(9 - count).ok()?)?)?;
        at = end;
    }
    let offset_seconds = match bytes.get(at..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), ..] if bytes.len() == at + 6 => {
            let hours = digits(bytes, at + 1, 2)?;
            let minutes = colon_digits(bytes, at + 3)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
            if *sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    // A leap second (`:60`) is read as the last second of its minute, as jiff does.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let time = jiff::civil::Time::new(
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second.min(59)).ok()?,
        nanos,
    )
    .ok()?;
    let offset = Offset::from_seconds(offset_seconds).ok()?;
    offset
        .to_timestamp(DateTime::from_parts(date_part, time))
        .ok()
}

/// The calendar date of an instant in the offset it was written with, e.g. the
/// `2026-11-30` of `2026-11-30T23:30:00-05:00`.
pub fn local_date(text: &str) -> Option<Date> {
    instant(text)?;
    date(text.get(..10)?)
}

/// Parses `YYYY-MM-DD`, e.g. `2026-02-28`; `2026-02-30` is not a date.
pub fn date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let year = i16::try_from(digits(bytes, 0, 4)?).ok()?;
    let month = i8::try_from(digits(bytes, 5, 2)?).ok()?;
    let day = i8::try_from(digits(bytes, 8, 2)?).ok()?;
    Date::new(year, month, day).ok()
}

/// `YYYY-MM-DD`, e.g. `2026-12-01`.
pub fn date_text(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// A whole number of hours as a duration, saturating: never jiff's panicking constructor.
pub fn hours(hours: u64) -> SignedDuration {
    let seconds = i64::try_from(hours)
        .unwrap_or(i64::MAX)
        .saturating_mul(3600);
    SignedDuration::from_secs(seconds)
}

/// A span of whole days, or `None` past jiff's range (never its panicking setter).
pub fn days(days: i64) -> Option<Span> {
    Span::new().try_days(days).ok()
}

/// A span of whole months, or `None` past jiff's range.
pub fn months(months: i64) -> Option<Span> {
    Span::new().try_months(months).ok()
}

/// The number written by `count` ASCII digits at `at`.
fn digits(bytes: &[u8], at: usize, count: usize) -> Option<u32> {
    let run = bytes.get(at..at.checked_add(count)?)?;
    run.iter().try_fold(0u32, |value, b| {
        b.is_ascii_digit().then(|| value * 10 + u32::from(b - b'0'))
    })
}

/// `:` followed by two digits at `at`.
fn colon_digits(bytes: &[u8], at: usize) -> Option<u32> {
    (bytes.get(at) == Some(&b':'))
        .then(|| digits(bytes, at + 1, 2))
        .flatten()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn instants_are_read_as_jiff_reads_rfc_3339() {
        for text in [
            "2026-11-28T10:00:00-05:00",
            "2026-11-28T15:00:00Z",
            "2026-11-28t15:00:00z",
            "2026-11-28T15:00:00.5+01:00",
            "2024-02-29T23:59:59.123456789-12:00",
            "2026-01-01T00:00:00+14:00",
        ] {
            let ours = instant(text).unwrap();
            let jiffs: Timestamp = text.parse().unwrap();
            assert_eq!(ours, jiffs, "{text}");
        }
    }

    #[test]
    fn what_rfc_3339_does_not_allow_is_refused() {
        for text in [
            "",
            "2026-11-28",
            "2026-11-28T10:00:00",
            "2026-11-28T10:00-05:00",
            "2026-11-28 10:00:00Z",
            "2026-02-30T10:00:00Z",
            "2026-11-28T24:00:00Z",
            "2026-11-28T10:60:00Z",
            "2026-11-28T10:00:00.Z",
            "2026-11-28T10:00:00.1234567890Z",
            "2026-11-28T10:00:00+5:00",
            "2026-11-28T10:00:00+24:00",
            "2026-11-28T10:00:00Z[America/Toronto]",
            "+2026-11-28T10:00:00Z",
            "2026-11-28T10:00:00Zx",
        ] {
            assert_eq!(instant(text), None, "{text}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(date("2024-02-29"), Some(Date::new(2024, 2, 29).unwrap()));
        assert_eq!(date("2026-02-29"), None);
        assert_eq!(date("2026-2-28"), None);
        assert_eq!(date_text(Date::new(2026, 3, 7).unwrap()), "2026-03-07");
        assert_eq!(
            local_date("2026-11-30T23:30:00-05:00"),
            Some(Date::new(2026, 11, 30).unwrap())
        );
    }
}
