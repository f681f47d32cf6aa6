//! The JSON report `verifier verify` prints: one per credential or presentation.

use serde::Serialize;
use serde_json::Value;

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

/// One check and its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked: `format`, `signature`, `issuer-key`, `data-model`, `validity`,
    /// `binding`, `key-binding`, `holder`, `status`.
    pub check: &'static str,
    /// `passed`, `failed` or `skipped`.
    pub result: &'static str,
    /// Why it was skipped, or what it found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A failure with a stable machine-readable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportError {
    /// A stable code, e.g. `BAD_SIGNATURE`, `EXPIRED`, `VC_ISSUER`, `REVOKED`.
    pub code: String,
    /// What went wrong, in words.
    pub message: String,
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
    pub fn passed(&mut self, check: &'static str) {
        self.checks.push(Check {
            check,
            result: "passed",
            detail: None,
        });
    }

    /// Records a skipped check and why.
    pub fn skipped(&mut self, check: &'static str, why: impl Into<String>) {
        self.checks.push(Check {
            check,
            result: "skipped",
            detail: Some(why.into()),
        });
    }

    /// Records a failed check and the error behind it.
    pub fn failed(&mut self, check: &'static str, code: impl Into<String>, message: impl Into<String>) {
        self.checks.push(Check {
            check,
            result: "failed",
            detail: None,
        });
        self.errors.push(ReportError {
            code: code.into(),
            message: message.into(),
        });
    }

    /// Sets `verified` from the checks and nested reports; returns it.
    pub fn finish(mut self) -> Report {
        self.verified = self.errors.is_empty()
            && self.checks.iter().all(|c| c.result != "failed")
            && self.credentials.iter().all(|c| c.verified);
        if !self.verified {
            self.claims = None;
        }
        self
    }
}
