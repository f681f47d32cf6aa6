//! Credentials and presentations secured with Data Integrity proofs.

use did_core::data_integrity::{self, DataIntegrityError, ProofExpectations};
use did_core::document::Relationship;
use did_core::vc::{Credential, Presentation};
use serde_json::Value;

use super::{Verifier, fail_with};
use crate::report::{CheckKind, Failure, Report};

impl Verifier {
    /// JSON with an embedded proof: a credential or a presentation.
    pub(super) async fn verify_json(&self, value: Value) -> Report {
        let Some(proof) = value.get("proof") else {
            let mut report = Report::new("unknown");
            report.failed(
                CheckKind::Format,
                Failure::NoProof,
                "the JSON document (credential or presentation) has no proof",
            );
            return report.finish();
        };
        let first = proof.as_array().and_then(|p| p.first()).unwrap_or(proof);
        let suite = first.get("cryptosuite").and_then(Value::as_str).unwrap_or("unknown");
        let mut report = Report::new(suite);
        let is_presentation = match value.get("type") {
            Some(Value::String(t)) => t == "VerifiablePresentation",
            Some(Value::Array(ts)) => ts.iter().any(|t| t == "VerifiablePresentation"),
            _ => false,
        };
        if is_presentation {
            self.verify_di_presentation(value, report).await
        } else {
            let credential = match Credential::from_json(value.clone()) {
                Ok(credential) => credential,
                Err(e) => {
                    fail_with(&mut report, &e);
                    return report.finish();
                }
            };
            report.issuer = Some(credential.issuer().to_owned());
            report.passed(CheckKind::Format);
            report.passed(CheckKind::DataModel);
            let expected = ProofExpectations::new(Relationship::AssertionMethod);
            if !self
                .check_proofs(&value, &expected, credential.issuer(), &mut report)
                .await
            {
                return report.finish();
            }
            match credential.check_validity(self.clock.now(), self.skew) {
                Ok(()) => report.passed(CheckKind::Validity),
                Err(e) => {
                    fail_with(&mut report, &e);
                    return report.finish();
                }
            }
            self.check_status(&credential, &mut report).await;
            report.claims = Some(Value::Object(credential.into_json()));
            report.finish()
        }
    }

    async fn verify_di_presentation(&self, value: Value, mut report: Report) -> Report {
        let presentation = match Presentation::from_json(value.clone()) {
            Ok(presentation) => presentation,
            Err(e) => {
                fail_with(&mut report, &e);
                return report.finish();
            }
        };
        report.holder = presentation.holder().map(str::to_owned);
        report.passed(CheckKind::Format);
        report.passed(CheckKind::DataModel);
        let mut expected = ProofExpectations::new(Relationship::Authentication);
        if let Some(nonce) = &self.binding.nonce {
            expected = expected.with_challenge(nonce.clone());
        }
        if let Some(aud) = &self.binding.aud {
            expected = expected.with_domain(aud.clone());
        }
        let holder = presentation.holder().unwrap_or_default().to_owned();
        if !self.check_proofs(&value, &expected, &holder, &mut report).await {
            return report.finish();
        }
        if self.binding.nonce.is_some() || self.binding.aud.is_some() {
            report.passed(CheckKind::Binding);
        }
        self.verify_embedded(&presentation, &mut report).await;
        report.finish()
    }

    /// Verifies every proof, each by a method of `party`'s DID (when `party` is a DID), and
    /// records the outcome.
    async fn check_proofs(
        &self,
        value: &Value,
        expected: &ProofExpectations,
        party: &str,
        report: &mut Report,
    ) -> bool {
        match self.verify_proofs(value, expected, party).await {
            Ok(()) => {
                report.passed(CheckKind::IssuerKey);
                report.passed(CheckKind::Signature);
                true
            }
            Err(ProofFailure {
                check,
                failure,
                message,
            }) => {
                report.failed(check, failure, message);
                false
            }
        }
    }

    /// Verifies every proof of `value`, and that each was made by a method of `party`'s DID:
    /// Data Integrity itself only checks that the method's own document authorizes it.
    pub(super) async fn verify_proofs(
        &self,
        value: &Value,
        expected: &ProofExpectations,
        party: &str,
    ) -> Result<(), ProofFailure> {
        let party_is_holder = value.get("type").is_some_and(|t| {
            t == "VerifiablePresentation"
                || t.as_array()
                    .is_some_and(|a| a.iter().any(|v| v == "VerifiablePresentation"))
        });
        let proofs = data_integrity::verify(value, self.resolver.as_ref(), expected, self.clock.as_ref())
            .await
            .map_err(|e| ProofFailure::of(e, party_is_holder))?;
        let foreign = proofs
            .iter()
            .find(|p| !party.is_empty() && p.verification_method.split('#').next() != Some(party));
        match foreign {
            Some(proof) => Err(ProofFailure {
                check: CheckKind::IssuerKey,
                failure: Failure::KeyNotControlled,
                message: format!("proof by {} is not by {party}", proof.verification_method),
            }),
            None => Ok(()),
        }
    }
}

/// Why the proofs of a document were refused: the check, the failure and the reason.
pub(super) struct ProofFailure {
    pub(super) check: CheckKind,
    pub(super) failure: Failure,
    pub(super) message: String,
}

impl ProofFailure {
    /// The failure did-core's `error` stands for; `party_is_holder`: the proof is a
    /// presentation's, by its holder.
    fn of(error: DataIntegrityError, party_is_holder: bool) -> ProofFailure {
        let check = match &error {
            DataIntegrityError::BadSignature => CheckKind::Signature,
            DataIntegrityError::Resolution(_) | DataIntegrityError::InvalidVerificationMethod(_) => {
                CheckKind::IssuerKey
            }
            DataIntegrityError::ChallengeMismatch
            | DataIntegrityError::DomainMismatch
            | DataIntegrityError::PurposeMismatch { .. } => CheckKind::Binding,
            DataIntegrityError::Expired => CheckKind::Validity,
            _ => CheckKind::Proof,
        };
        let message = error.to_string();
        let failure = match (error, party_is_holder) {
            // A proof made for another purpose than this one: for a presentation, the holder's
            // proof is not a holder binding; for a credential, the key is not one the issuer
            // uses to issue.
            (DataIntegrityError::PurposeMismatch { .. }, true) => Failure::HolderProofPurpose,
            (DataIntegrityError::PurposeMismatch { .. }, false) => Failure::KeyNotControlled,
            (error, _) => Failure::DataIntegrity(error),
        };
        ProofFailure {
            check,
            failure,
            message,
        }
    }
}
