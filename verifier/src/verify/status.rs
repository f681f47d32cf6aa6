//! W3C Bitstring Status List checks for credentials that name a status list.

use did_core::status::{self, StatusPurpose};
use did_core::vc::Credential;
use did_core::vc::jwt;
use serde_json::Value;

use super::{UnreachableStatus, Verifier};
use crate::report::{CheckKind, Failure, Report};

impl Verifier {
    /// Checks each `BitstringStatusListEntry`. An unreachable list fails the check (or is
    /// skipped, as [`UnreachableStatus`] says); a revoked or suspended credential, or a list
    /// that does not verify, fails.
    pub(super) async fn check_status(&self, credential: &Credential, report: &mut Report) {
        if credential.statuses().is_empty() {
            return;
        }
        let json = Value::Object(credential.as_json().clone());
        let entries = match status::bitstring_entries(&json) {
            Ok(entries) if entries.is_empty() => {
                return report.skipped(
                    CheckKind::Status,
                    "no BitstringStatusListEntry (other status types are not checked)",
                );
            }
            Ok(entries) => entries,
            Err(e) => return report.failed(CheckKind::Status, Failure::Status(e.clone()), e.to_string()),
        };
        for entry in entries {
            let bytes = match self.status_source.fetch(&entry.status_list_credential).await {
                Ok(bytes) => bytes,
                Err(e) => {
                    self.status_unreachable(report, &e);
                    continue;
                }
            };
            let list = match self.verify_list_credential(&bytes, credential.issuer()).await {
                Ok(list) => list,
                Err(message) => {
                    report.failed(CheckKind::Status, Failure::StatusUnverified, message);
                    continue;
                }
            };
            match status::check_bitstring_status(&entry, &list) {
                Ok(found) if found.is_zero() => report.passed(CheckKind::Status),
                Ok(found) => match found.purpose {
                    StatusPurpose::Revocation => report.failed(
                        CheckKind::Status,
                        Failure::Revoked,
                        format!("revoked (index {})", found.index),
                    ),
                    StatusPurpose::Suspension => report.failed(
                        CheckKind::Status,
                        Failure::Suspended,
                        format!("suspended (index {})", found.index),
                    ),
                    _ => report.passed_with(
                        CheckKind::Status,
                        found.message.unwrap_or_else(|| format!("status {}", found.value)),
                    ),
                },
                Err(e) => report.failed(CheckKind::Status, Failure::Status(e.clone()), e.to_string()),
            }
        }
    }

    /// Records a status list that could not be fetched, as the verifier was told to.
    pub(super) fn status_unreachable(&self, report: &mut Report, error: &dyn std::fmt::Display) {
        let message = format!("status list unreachable: {error}");
        match self.unreachable_status {
            UnreachableStatus::Fail => report.failed(CheckKind::Status, Failure::StatusUnreachable, message),
            UnreachableStatus::Skip => report.skipped(CheckKind::Status, message),
        }
    }

    /// Verifies a status list credential (JWT or Data Integrity, no status check of its own)
    /// issued by `issuer`, and returns its JSON.
    async fn verify_list_credential(&self, bytes: &[u8], issuer: &str) -> Result<Value, String> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| "the status list is not UTF-8".to_owned())?
            .trim();
        let credential = if text.starts_with('{') {
            let value = did_core::data_integrity::parse_document(text.as_bytes()).map_err(|e| e.to_string())?;
            let credential = Credential::from_json(value.clone()).map_err(|e| e.to_string())?;
            // The proof must be by the list's issuer, checked as for any credential.
            let expected =
                did_core::data_integrity::ProofExpectations::new(did_core::document::Relationship::AssertionMethod);
            self.verify_proofs(&value, &expected, credential.issuer())
                .await
                .map_err(|failure| format!("status list proof: {}", failure.message))?;
            credential
        } else {
            jwt::verify_credential(text, self.resolver.as_ref(), &self.jwt_options(None))
                .await
                .map_err(|e| format!("status list JWT: {e}"))?
                .credential
        };
        credential
            .check_validity(self.clock.now(), self.skew)
            .map_err(|e| format!("status list: {e}"))?;
        if credential.issuer() != issuer {
            return Err(format!(
                "the status list is issued by {}, not by the credential's issuer",
                credential.issuer()
            ));
        }
        Ok(Value::Object(credential.into_json()))
    }
}
