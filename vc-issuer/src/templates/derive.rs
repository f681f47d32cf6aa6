//! Claims the issuer computes from others, so that a holder can prove a fact (age over 19)
//! without disclosing its source (the birth date).

use serde::Deserialize;
use serde_json::{Map, Value};
use time::{Date, Month};

use crate::Error;

/// What a derived claim computes.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DerivedKind {
    /// `true` when the date in `from` (`YYYY-MM-DD`) is at least `years` years before today.
    AgeOver,
}

/// One derived claim of a template.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Derived {
    /// The claim it sets.
    pub claim: String,
    /// How it is computed.
    pub kind: DerivedKind,
    /// The claim it is computed from.
    pub from: String,
    /// For `age_over`: the age.
    pub years: u16,
}

impl Derived {
    /// Checks that the schema declares both the derived claim and its source.
    pub(super) fn check(&self, schema: &Value) -> Result<(), String> {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in [&self.claim, &self.from] {
            if !properties.is_some_and(|p| p.contains_key(name.as_str())) {
                return Err(format!("{name} is not in the schema's properties"));
            }
        }
        Ok(())
    }

    /// The claim's value for `claims` on `today`.
    pub(super) fn compute(&self, claims: &Map<String, Value>, today: Date) -> Result<Value, Error> {
        match self.kind {
            DerivedKind::AgeOver => {
                let field = format!("/claims/{}", self.from);
                let text = claims
                    .get(&self.from)
                    .and_then(Value::as_str)
                    .ok_or_else(|| Error::invalid(&field, "is required (a YYYY-MM-DD date)"))?;
                let born = parse_date(text).ok_or_else(|| Error::invalid(&field, "is not a YYYY-MM-DD date"))?;
                if born > today {
                    return Err(Error::invalid(&field, "is in the future"));
                }
                Ok(Value::Bool(age_on(born, today) >= i32::from(self.years)))
            }
        }
    }
}

/// Whole years from `born` to `today` (a 29 February birthday counts on 1 March in
/// common years, as Korean and most civil law does).
pub fn age_on(born: Date, today: Date) -> i32 {
    let mut age = today.year() - born.year();
    if (today.month() as u8, today.day()) < (born.month() as u8, born.day()) {
        age -= 1;
    }
    age
}

fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::date;

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age_on(date!(2007 - 11 - 22), date!(2026 - 11 - 22)), 19);
        assert_eq!(age_on(date!(2007 - 11 - 23), date!(2026 - 11 - 22)), 18);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2027 - 02 - 28)), 18);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2027 - 03 - 01)), 19);
        assert!(parse_date("2007-02-30").is_none());
        assert!(parse_date("07-02-03").is_none());
    }
}
