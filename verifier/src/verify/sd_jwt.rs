//! SD-JWT VC (and plain SD-JWT) verification, with key binding and Token Status List.

use did_core::document::Relationship;
use did_core::jose;
use did_core::resolve::resolve_party_key;
use did_core::sd_jwt::{SdJwt, SdJwtError, VerifyOptions};
use did_core::status::{StatusListReference, StatusListToken};
use serde_json::Value;

use super::Verifier;
use crate::report::{CheckKind, Failure, Report};

impl Verifier {
    /// Verifies an SD-JWT in compact or JSON serialization.
    pub(super) async fn verify_sd_jwt(&self, input: &str) -> Report {
        let mut report = Report::new("sd-jwt");
        // Parsed once, in either serialization; the issuer JWT's header picks the profile.
        let parsed = if input.trim_start().starts_with('{') {
            SdJwt::from_json(input)
        } else {
            SdJwt::parse(input.trim())
        };
        let (jwt, outcome) = match &parsed {
            Ok(parsed) => {
                let jwt = parsed.issuer_jwt();
                let mut options = match issuer_typ(jwt).as_deref() {
                    Some("dc+sd-jwt" | "vc+sd-jwt") => VerifyOptions::sd_jwt_vc(),
                    _ => VerifyOptions::sd_jwt(),
                }
                .skew(self.skew);
                if self.binding.nonce.is_some() || self.binding.aud.is_some() {
                    options.require_key_binding = true;
                    options.nonce = self.binding.nonce.clone();
                    options.audience = self.binding.aud.clone();
                }
                let outcome = parsed
                    .verify_with_resolver(self.resolver.as_ref(), &options, self.clock.as_ref())
                    .await;
                (jwt, outcome)
            }
            Err(e) => (input.trim().split('~').next().unwrap_or_default(), Err(e.clone())),
        };
        let verified = match outcome {
            Ok(verified) => verified,
            Err(e) => {
                report.issuer = unverified_issuer(jwt);
                let message = e.to_string();
                let (check, failure) = classify(e, report.issuer.is_some());
                report.failed(check, failure, message);
                return report.finish();
            }
        };
        report.issuer = verified.claims.get("iss").and_then(Value::as_str).map(str::to_owned);
        for check in [
            CheckKind::Format,
            CheckKind::IssuerKey,
            CheckKind::Signature,
            CheckKind::Disclosures,
            CheckKind::Validity,
        ] {
            report.passed(check);
        }
        if verified.key_binding_verified() {
            report.passed(CheckKind::KeyBinding);
        } else {
            report.skipped(CheckKind::KeyBinding, "no key-binding JWT presented and none required");
        }
        // Whatever the profile: a credential naming a status list is checked against it, so
        // an unusual `typ` cannot make revocation silently ineffective.
        let issuer = report.issuer.clone();
        self.check_token_status(&verified.claims, issuer.as_deref(), &mut report)
            .await;
        report.claims = Some(Value::Object(verified.claims));
        report.finish()
    }

    /// IETF Token Status List: `status.status_list {idx, uri}`, signed by the same issuer.
    async fn check_token_status(
        &self,
        claims: &serde_json::Map<String, Value>,
        issuer: Option<&str>,
        report: &mut Report,
    ) {
        // Only the `status` member is read: no need to copy every claim.
        let status_only = match claims.get("status") {
            Some(status) => serde_json::json!({ "status": status }),
            None => return,
        };
        let reference = match StatusListReference::from_claims(&status_only) {
            Ok(Some(reference)) => reference,
            Ok(None) => return,
            Err(e) => return report.failed(CheckKind::Status, Failure::StatusUnverified, e.to_string()),
        };
        let bytes = match self.status_source.fetch(&reference.uri).await {
            Ok(bytes) => bytes,
            Err(e) => return self.status_unreachable(report, &e),
        };
        let issuer = issuer.unwrap_or_default();
        let cached = self
            .status_cache
            .as_ref()
            .and_then(|cache| cache.lookup(&reference, &bytes, issuer, self.clock.as_ref()));
        let status = match cached {
            Some(status) => status,
            None => {
                let token = String::from_utf8_lossy(&bytes).trim().to_owned();
                let kid = jose::decode(&token).ok().and_then(|d| d.header().kid.clone());
                let key = match resolve_party_key(
                    self.resolver.as_ref(),
                    issuer,
                    kid.as_deref(),
                    Relationship::AssertionMethod,
                )
                .await
                {
                    Ok((key, _)) => key,
                    Err(e) => return report.failed(CheckKind::Status, Failure::StatusUnverified, e.to_string()),
                };
                match (
                    StatusListToken::verify(&token, &key, &reference.uri, self.clock.as_ref()),
                    &self.status_cache,
                ) {
                    (Ok(verified), Some(cache)) => cache.insert(&reference, bytes, issuer, verified),
                    (Ok(verified), None) => verified.status_of(&reference),
                    (Err(e), _) => Err(e),
                }
            }
        };
        match status {
            Ok(status) if status.is_valid() => report.passed(CheckKind::Status),
            Ok(status) => report.failed(
                CheckKind::Status,
                if status.value() == 2 {
                    Failure::Suspended
                } else {
                    Failure::Revoked
                },
                format!("the status list says {status}"),
            ),
            Err(e) => report.failed(CheckKind::Status, Failure::StatusUnverified, e.to_string()),
        }
    }
}

/// The issuer JWT's `typ`, read without verifying.
fn issuer_typ(jwt: &str) -> Option<String> {
    // Only the header is read (the payload is decoded once, by the verification itself).
    // Only `typ` is kept: the other members are skipped, not built into a map.
    #[derive(serde::Deserialize)]
    struct Typ {
        typ: Option<String>,
    }
    let header = jwt.split('.').next()?;
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header).ok()?;
    serde_json::from_slice::<Typ>(&bytes).ok()?.typ
}

/// The check an SD-JWT error fails and the failure it reports; `has_iss`: the token names an
/// issuer.
fn classify(e: SdJwtError, has_iss: bool) -> (CheckKind, Failure) {
    let check = match &e {
        SdJwtError::Jws(jose::JwsError::BadSignature) => CheckKind::Signature,
        SdJwtError::Expired | SdJwtError::NotYetValid | SdJwtError::IssuedInFuture => CheckKind::Validity,
        SdJwtError::KeyBindingRequired
        | SdJwtError::HolderKey(_)
        | SdJwtError::HolderKeyResolution(_)
        | SdJwtError::KeyBindingJws(_)
        | SdJwtError::InvalidKeyBinding(_)
        | SdJwtError::SdHashMismatch
        | SdJwtError::NonceMismatch
        | SdJwtError::AudienceMismatch
        | SdJwtError::KeyBindingStale
        | SdJwtError::KeyBindingInFuture => CheckKind::KeyBinding,
        SdJwtError::IssuerKey(_) | SdJwtError::KeyResolution(_) => CheckKind::IssuerKey,
        _ => CheckKind::Disclosures,
    };
    let failure = match e {
        // With an `iss`, did-core's IssuerKey means the `kid` is not one of `iss`'s keys: the
        // same attack as a VC-JWT's KEY_NOT_CONTROLLED.
        SdJwtError::IssuerKey(_) if has_iss => Failure::KeyNotControlled,
        e => Failure::SdJwt(e),
    };
    (check, failure)
}

/// The issuer JWT's `iss`, read without verifying, for the report only.
fn unverified_issuer(jwt: &str) -> Option<String> {
    let decoded = jose::decode(jwt).ok()?;
    let claims: Value = serde_json::from_slice(decoded.payload()).ok()?;
    claims.get("iss")?.as_str().map(str::to_owned)
}
