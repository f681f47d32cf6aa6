//! The checks a report records: what was checked and how it went, as types that serialize to
//! the report's stable strings (`"signature"`, `"passed"`, ...).

use serde::{Serialize, Serializer};

/// What a check looked at. Serialized as its [`CheckKind::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CheckKind {
    /// The securing format could be told and read (`format`).
    Format,
    /// The credential or presentation follows the data model (`data-model`).
    DataModel,
    /// The issuer's key was found and the issuer controls it (`issuer-key`).
    IssuerKey,
    /// The holder's key (of a presentation JWT) was found and the holder controls it
    /// (`holder-key`).
    HolderKey,
    /// The signature verifies (`signature`).
    Signature,
    /// A Data Integrity proof is well formed and usable (`proof`).
    Proof,
    /// The validity period covers now (`validity`).
    Validity,
    /// A presentation is bound to the expected nonce and audience (`binding`).
    Binding,
    /// An SD-JWT's disclosures match its digests (`disclosures`).
    Disclosures,
    /// An SD-JWT's key-binding JWT verifies (`key-binding`).
    KeyBinding,
    /// A presentation's credentials are about its holder (`holder`).
    Holder,
    /// The credential's status list says it is valid (`status`).
    Status,
}

impl CheckKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [CheckKind] = &[
        CheckKind::Format,
        CheckKind::DataModel,
        CheckKind::IssuerKey,
        CheckKind::HolderKey,
        CheckKind::Signature,
        CheckKind::Proof,
        CheckKind::Validity,
        CheckKind::Binding,
        CheckKind::Disclosures,
        CheckKind::KeyBinding,
        CheckKind::Holder,
        CheckKind::Status,
    ];

    /// The name the report prints, e.g. `issuer-key`.
    pub fn name(self) -> &'static str {
        match self {
            CheckKind::Format => "format",
            CheckKind::DataModel => "data-model",
            CheckKind::IssuerKey => "issuer-key",
            CheckKind::HolderKey => "holder-key",
            CheckKind::Signature => "signature",
            CheckKind::Proof => "proof",
            CheckKind::Validity => "validity",
            CheckKind::Binding => "binding",
            CheckKind::Disclosures => "disclosures",
            CheckKind::KeyBinding => "key-binding",
            CheckKind::Holder => "holder",
            CheckKind::Status => "status",
        }
    }
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

impl Serialize for CheckKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// How a check went. Serialized as its [`CheckResult::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckResult {
    /// The check ran and passed (`passed`).
    Passed,
    /// The check ran and failed (`failed`); the report's errors say why.
    Failed,
    /// The check did not run (`skipped`); the check's detail says why.
    Skipped,
}

impl CheckResult {
    /// The name the report prints: `passed`, `failed` or `skipped`.
    pub fn name(self) -> &'static str {
        match self {
            CheckResult::Passed => "passed",
            CheckResult::Failed => "failed",
            CheckResult::Skipped => "skipped",
        }
    }
}

impl std::fmt::Display for CheckResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

impl Serialize for CheckResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// One check and its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked.
    pub check: CheckKind,
    /// How it went.
    pub result: CheckResult,
    /// Why it was skipped, or what it found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    /// The names are the report's JSON: they never change.
    #[test]
    fn checks_serialize_to_the_stable_names() {
        let names: Vec<String> = CheckKind::ALL
            .iter()
            .map(|k| serde_json::to_value(k).unwrap().as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "format",
                "data-model",
                "issuer-key",
                "holder-key",
                "signature",
                "proof",
                "validity",
                "binding",
                "disclosures",
                "key-binding",
                "holder",
                "status"
            ]
        );
        let check = Check {
            check: CheckKind::KeyBinding,
            result: CheckResult::Skipped,
            detail: Some("why".into()),
        };
        assert_eq!(
            serde_json::to_value(&check).unwrap(),
            serde_json::json!({"check": "key-binding", "result": "skipped", "detail": "why"})
        );
        for (result, name) in [
            (CheckResult::Passed, "passed"),
            (CheckResult::Failed, "failed"),
            (CheckResult::Skipped, "skipped"),
        ] {
            assert_eq!(serde_json::to_value(result).unwrap(), name);
        }
    }
}
