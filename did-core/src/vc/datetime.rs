//! `xsd:dateTimeStamp` / `xsd:dateTime` values as the data model uses them.

use std::time::SystemTime;

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Parses an `xsd:dateTimeStamp`: `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`, the time zone
/// required (VC DM 2.0 `validFrom` / `validUntil`). Lower-case `t`/`z`, which RFC 3339
/// tolerates but XML Schema does not, are refused.
pub(crate) fn parse_date_time_stamp(s: &str) -> Option<OffsetDateTime> {
    if !has_xsd_shape(s) || !has_zone(s) {
        return None;
    }
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// Parses an `xsd:dateTime` (VC 1.1 `issuanceDate` / `expirationDate`): like
/// [`parse_date_time_stamp`] but the time zone may be absent, in which case UTC is assumed.
pub(crate) fn parse_date_time(s: &str) -> Option<OffsetDateTime> {
    if !has_xsd_shape(s) {
        return None;
    }
    if has_zone(s) {
        return OffsetDateTime::parse(s, &Rfc3339).ok();
    }
    let with_zone = format!("{s}Z");
    OffsetDateTime::parse(&with_zone, &Rfc3339).ok().or_else(|| {
        let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        PrimitiveDateTime::parse(s, &format)
            .ok()
            .map(|p| p.assume_offset(UtcOffset::UTC))
    })
}

/// `YYYY-MM-DDThh:mm:ss` at the start, with an upper-case `T`.
fn has_xsd_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| b.get(range).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && b.get(10) == Some(&b'T')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19)
        && !s.contains(['t', 'z'])
}

/// Ends in `Z` or `±hh:mm`.
fn has_zone(s: &str) -> bool {
    if s.ends_with('Z') {
        return true;
    }
    let b = s.as_bytes();
    let n = b.len();
    n >= 6 && matches!(b.get(n - 6), Some(b'+' | b'-')) && b.get(n - 3) == Some(&b':')
}

/// A `SystemTime` as an `OffsetDateTime` (UTC).
pub(crate) fn from_system_time(t: SystemTime) -> OffsetDateTime {
    OffsetDateTime::from(t)
}

/// RFC 3339 text for reports, e.g. `2025-05-29T12:00:00Z`.
pub(crate) fn format(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// A Unix timestamp (JWT `NumericDate`) as an `OffsetDateTime`, if in range.
pub(crate) fn from_unix(seconds: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(seconds).ok()
}
