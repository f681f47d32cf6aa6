//! The JSON report `verifier verify` prints: one per credential or presentation.

use serde::ser::SerializeStruct as _;
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::reason::ReasonCode;

mod check;
mod core_errors;
mod failure;
#[cfg(test)]
mod failure_table;
mod problem;

pub use check::{Check, CheckKind, CheckResult};
pub use failure::Failure;
pub use problem::ProblemType;

/// The outcome of verifying one credential or presentation.
///
/// `verified` is true only when every check that ran passed and there are no errors.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// Whether the input verified.
    pub verified: bool,
    /// The securing format found: `vc+jwt`, `vc1-jwt`, `vp+jwt`, `vp1-jwt`, `sd-jwt`, or a Data
    /// Integrity cryptosuite name; `unknown` if it could not be told.
    pub format: String,
    /// The issuer's identifier, once known (for a presentation, `null`).
    pub issuer: Option<String>,
    /// Each check that ran, in order.
    pub checks: Vec<Check>,
    /// Why verification failed; empty when verified.
    pub errors: Vec<ReportError>,
    /// For presentations: the holder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// For presentations: one report per credential carried.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<Report>,
    /// The verified claims (the credential, or an SD-JWT's disclosed claims), when verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<Value>,
}

/// A failure: its typed cause, from which its stable code and its decision reason come, and
/// what went wrong in words. Serialized as `{"code": …, "message": …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportError {
    failure: Failure,
    message: String,
}

impl ReportError {
    /// An error for `failure`, told in `message`.
    pub fn new(failure: Failure, message: impl Into<String>) -> ReportError {
        ReportError {
            failure,
            message: message.into(),
        }
    }

    /// The typed cause.
    pub fn failure(&self) -> &Failure {
        &self.failure
    }

    /// The stable code, e.g. `BAD_SIGNATURE`, `EXPIRED`, `VC_ISSUER`, `REVOKED`.
    pub fn code(&self) -> &'static str {
        self.failure.code()
    }

    /// The reason a decision gives for this error.
    pub fn reason(&self) -> ReasonCode {
        self.failure.reason()
    }

    /// What went wrong, in words.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl Serialize for ReportError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("ReportError", 2)?;
        out.serialize_field("code", self.code())?;
        out.serialize_field("message", &self.message)?;
        out.end()
    }
}

impl Report {
    /// An empty report for `format`.
    pub fn new(format: impl Into<String>) -> Report {
        Report {
            format: format.into(),
            ..Report::default()
        }
    }

    /// Records a passed check.
    pub fn passed(&mut self, check: CheckKind) {
        self.record(check, CheckResult::Passed, None);
    }

    /// Records a passed check and what it found.
    pub fn passed_with(&mut self, check: CheckKind, found: impl Into<String>) {
        self.record(check, CheckResult::Passed, Some(found.into()));
    }

    /// Records a skipped check and why.
    pub fn skipped(&mut self, check: CheckKind, why: impl Into<String>) {
        self.record(check, CheckResult::Skipped, Some(why.into()));
    }

    /// Records a failed check and the error behind it.
    pub fn failed(&mut self, check: CheckKind, failure: Failure, message: impl Into<String>) {
        self.record(check, CheckResult::Failed, None);
        self.errors.push(ReportError::new(failure, message));
    }

    fn record(&mut self, check: CheckKind, result: CheckResult, detail: Option<String>) {
        self.checks.push(Check { check, result, detail });
    }

    /// Whether a `check` of this report (not of its nested reports) had `result`.
    pub fn has_check(&self, check: CheckKind, result: CheckResult) -> bool {
        self.checks.iter().any(|c| c.check == check && c.result == result)
    }

    /// Sets `verified` from the checks and nested reports; returns it.
    pub fn finish(mut self) -> Report {
        self.verified = self.errors.is_empty()
            && self.checks.iter().all(|c| c.result != CheckResult::Failed)
            && self.credentials.iter().all(|c| c.verified);
        if !self.verified {
            self.claims = None;
        }
        self
    }
}
