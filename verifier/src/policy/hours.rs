//! Opening hours: days of the week and a time-of-day window at a fixed UTC offset.

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, Time, UtcOffset};

/// A day of the week, as policies write it (`mon` ... `sun`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    fn of(day: time::Weekday) -> Weekday {
        match day {
            time::Weekday::Monday => Weekday::Mon,
            time::Weekday::Tuesday => Weekday::Tue,
            time::Weekday::Wednesday => Weekday::Wed,
            time::Weekday::Thursday => Weekday::Thu,
            time::Weekday::Friday => Weekday::Fri,
            time::Weekday::Saturday => Weekday::Sat,
            time::Weekday::Sunday => Weekday::Sun,
        }
    }
}

/// A window of opening hours. `from` is inclusive, `to` exclusive; a window whose `to` is
/// earlier than its `from` runs past midnight (e.g. `22:00`–`06:00`), and then `days` names
/// the day it starts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hours {
    /// The days it applies to; empty means every day.
    #[serde(default)]
    pub days: Vec<Weekday>,
    /// Opening time, `HH:MM`.
    pub from: String,
    /// Closing time, `HH:MM`.
    pub to: String,
    /// The local time's offset from UTC, `+09:00` for Korea (the default).
    #[serde(default = "korea")]
    pub utc_offset: String,
}

fn korea() -> String {
    "+09:00".to_owned()
}

fn parse_time(text: &str) -> Result<Time, String> {
    let (h, m) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?}: expected HH:MM"))?;
    let hour: u8 = h.parse().map_err(|_| format!("{text:?}: expected HH:MM"))?;
    let minute: u8 = m.parse().map_err(|_| format!("{text:?}: expected HH:MM"))?;
    if h.len() != 2 || m.len() != 2 {
        return Err(format!("{text:?}: expected HH:MM"));
    }
    Time::from_hms(hour, minute, 0).map_err(|_| format!("{text:?}: not a time of day"))
}

fn parse_offset(text: &str) -> Result<UtcOffset, String> {
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1i8, text.get(1..).unwrap_or_default()),
        Some(b'-') => (-1i8, text.get(1..).unwrap_or_default()),
        _ => return Err(format!("utc_offset {text:?}: expected +HH:MM or -HH:MM")),
    };
    let time = parse_time(rest).map_err(|_| format!("utc_offset {text:?}: expected +HH:MM or -HH:MM"))?;
    let (h, m, _) = time.as_hms();
    let (h, m) = (i8::try_from(h).unwrap_or(0), i8::try_from(m).unwrap_or(0));
    UtcOffset::from_hms(sign * h, sign * m, 0).map_err(|_| format!("utc_offset {text:?}: out of range"))
}

impl Hours {
    pub(super) fn validate(&self) -> Result<(), String> {
        let from = parse_time(&self.from).map_err(|e| format!("from: {e}"))?;
        let to = parse_time(&self.to).map_err(|e| format!("to: {e}"))?;
        if from == to {
            return Err("from and to are equal: an empty window".into());
        }
        parse_offset(&self.utc_offset)?;
        Ok(())
    }

    /// Whether `at` falls in the window (a window that does not parse contains nothing).
    pub fn contains(&self, at: OffsetDateTime) -> bool {
        let (Ok(from), Ok(to), Ok(offset)) = (
            parse_time(&self.from),
            parse_time(&self.to),
            parse_offset(&self.utc_offset),
        ) else {
            return false;
        };
        let local = at.to_offset(offset);
        let day_ok = |day: time::Weekday| self.days.is_empty() || self.days.contains(&Weekday::of(day));
        let now = local.time();
        if from < to {
            day_ok(local.weekday()) && now >= from && now < to
        } else {
            // Overnight: the evening part belongs to today, the morning part to yesterday.
            (now >= from && day_ok(local.weekday())) || (now < to && day_ok(local.weekday().previous()))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use time::macros::datetime;

    fn hours(days: Vec<Weekday>, from: &str, to: &str) -> Hours {
        Hours {
            days,
            from: from.into(),
            to: to.into(),
            utc_offset: korea(),
        }
    }

    #[test]
    fn windows_follow_local_time() {
        let office = hours(vec![Weekday::Mon, Weekday::Fri], "07:00", "20:00");
        // Monday 2026-11-23 08:00 KST is Sunday 23:00 UTC.
        assert!(office.contains(datetime!(2026-11-22 23:00 UTC)));
        assert!(!office.contains(datetime!(2026-11-23 11:00 UTC)), "20:00 KST is closed");
        assert!(!office.contains(datetime!(2026-11-24 01:00 UTC)), "Tuesday");
        let night = hours(vec![Weekday::Fri], "22:00", "06:00");
        assert!(night.contains(datetime!(2026-11-27 14:00 UTC)), "Friday 23:00 KST");
        assert!(night.contains(datetime!(2026-11-27 20:00 UTC)), "Saturday 05:00 KST");
        assert!(!night.contains(datetime!(2026-11-28 14:00 UTC)), "Saturday 23:00 KST");
    }

    #[test]
    fn bad_windows_are_refused() {
        assert!(hours(vec![], "7:00", "20:00").validate().is_err());
        assert!(hours(vec![], "07:00", "07:00").validate().is_err());
        let mut offset = hours(vec![], "07:00", "08:00");
        offset.utc_offset = "09:00".into();
        assert!(offset.validate().is_err());
        offset.utc_offset = "-03:30".into();
        assert!(offset.validate().is_ok());
    }
}
