//! Conditions on disclosed claims: `department in [...]`, `age_over_19 == true`, presence.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::reason::ReasonCode;

/// One condition on a claim, named by a dotted path (see [`super::lookup`]).
///
/// With neither `equals` nor `in`, the claim only has to be disclosed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRule {
    /// The claim, e.g. `department` or `address.locality`.
    pub path: String,
    /// The claim must equal this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    /// The claim must equal one of these values.
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<Value>>,
}

impl ClaimRule {
    /// Checks the rule's own shape.
    pub(super) fn validate(&self) -> Result<(), String> {
        if self.path.is_empty() || self.path.split('.').any(str::is_empty) {
            return Err("path: must be non-empty dot-separated names".into());
        }
        if self.equals.is_some() && self.one_of.is_some() {
            return Err("give `equals` or `in`, not both".into());
        }
        if self.one_of.as_ref().is_some_and(Vec::is_empty) {
            return Err("in: must list at least one value".into());
        }
        Ok(())
    }

    /// Whether `claims` satisfy the rule: `CLAIM_MISSING` when the claim was not disclosed,
    /// `CLAIM_REJECTED` when its value does not qualify.
    pub fn check(&self, claims: &Value) -> Result<(), ReasonCode> {
        let value = super::lookup(claims, &self.path).ok_or(ReasonCode::ClaimMissing)?;
        let ok = match (&self.equals, &self.one_of) {
            (Some(expected), _) => value == expected,
            (None, Some(allowed)) => allowed.contains(value),
            (None, None) => !value.is_null(),
        };
        if ok { Ok(()) } else { Err(ReasonCode::ClaimRejected) }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    fn rule(path: &str, equals: Option<Value>, one_of: Option<Vec<Value>>) -> ClaimRule {
        ClaimRule {
            path: path.into(),
            equals,
            one_of,
        }
    }

    #[test]
    fn rules_decide_on_the_disclosed_value() {
        let claims = json!({"department": "IT", "age_over_19": true, "n": 1});
        let in_list = rule("department", None, Some(vec![json!("IT"), json!("HR")]));
        assert_eq!(in_list.check(&claims), Ok(()));
        assert_eq!(
            in_list.check(&json!({"department": "Sales"})),
            Err(ReasonCode::ClaimRejected)
        );
        assert_eq!(in_list.check(&json!({})), Err(ReasonCode::ClaimMissing));
        let adult = rule("age_over_19", Some(json!(true)), None);
        assert_eq!(adult.check(&claims), Ok(()));
        assert_eq!(
            adult.check(&json!({"age_over_19": "true"})),
            Err(ReasonCode::ClaimRejected),
            "types matter"
        );
        assert_eq!(rule("n", None, None).check(&claims), Ok(()));
        assert_eq!(
            rule("n", None, None).check(&json!({"n": null})),
            Err(ReasonCode::ClaimRejected)
        );
    }
}
