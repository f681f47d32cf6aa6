//! The verification engine: tells the securing format, verifies, and reports each check.

use std::sync::Arc;
use std::time::Duration;

use did_core::clock::Clock;
use did_core::jose;
use did_core::resolve::Resolver;
use did_core::status::StatusListSource;
use did_core::vc::jwt::{self, Binding, JwtVerifyOptions};
use did_core::vc::{CredentialError, EmbeddedCredential, Presentation};
use serde_json::Value;

use crate::report::{CheckKind, Failure, Report};

mod data_integrity;
mod sd_jwt;
mod status;
mod status_cache;

pub use status_cache::StatusCache;

/// The largest input `verify` reads, in bytes (2 MiB).
pub const MAX_INPUT_LEN: usize = 2 * 1024 * 1024;

/// What a verification needs from its surroundings.
#[derive(Clone)]
pub struct Verifier {
    /// Resolves issuer and holder DIDs.
    pub resolver: Arc<dyn Resolver>,
    /// The current time.
    pub clock: Arc<dyn Clock>,
    /// How far clocks may disagree.
    pub skew: Duration,
    /// The nonce and audience a presentation must carry.
    pub binding: Binding,
    /// Where status lists are fetched from.
    pub status_source: Arc<dyn StatusListSource>,
    /// Token Status Lists already verified, reused while their bytes are unchanged; `None`
    /// verifies every list on every check.
    pub status_cache: Option<Arc<StatusCache>>,
    /// What a status list that cannot be fetched makes of the credential.
    pub unreachable_status: UnreachableStatus,
    /// Whether a presentation's credentials must be about its holder.
    pub holder_subjects: HolderSubjects,
}

/// Whether the credentials in a presentation must name its `holder` as their subject.
///
/// A door admits the person presenting, so a credential about someone else fails
/// (`HOLDER_MISMATCH`). VC Data Model 2.0 itself does not require it (a parent may present a
/// child's credential): a general-purpose verifier such as the VC-API route records the
/// `holder` check as skipped instead, which the caller sees as a warning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HolderSubjects {
    /// A credential whose subject is not the holder fails the presentation. The default.
    #[default]
    MustBeHolder,
    /// Such a credential is reported (the `holder` check skipped), not refused.
    MayDiffer,
}

/// What a credential's report says when its status list cannot be fetched.
///
/// A verifier that could not check status must not say "verified", so the default fails the
/// check; skipping it is an explicit choice of the caller (`verifier verify
/// --allow-unchecked-status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UnreachableStatus {
    /// The status check fails with `STATUS_RETRIEVAL_ERROR`: the credential is not verified.
    #[default]
    Fail,
    /// The status check is recorded as skipped, and the other checks decide.
    Skip,
}

/// The securing formats `verify` tells apart.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Format {
    /// A compact JWT (VC-JOSE-COSE or VC 1.1).
    Jwt,
    /// A compact SD-JWT, with or without key binding.
    SdJwt,
    /// JSON: a credential or presentation with an embedded proof.
    Json(Value),
}

fn detect(input: &str) -> Result<Format, (Failure, String)> {
    let trimmed = input.trim();
    if trimmed.starts_with('{') {
        // Strict: a duplicate member name or an oversized document is refused before anything
        // reads it, as did-core does for every untrusted JSON text.
        let value = did_core::data_integrity::parse_document(trimmed.as_bytes())
            .map_err(|e| (Failure::InvalidJson, e.to_string()))?;
        // The JSON serialization of an SD-JWT (RFC 9901 §8).
        if value.get("payload").is_some() && (value.get("signature").is_some() || value.get("signatures").is_some()) {
            return Ok(Format::SdJwt);
        }
        return Ok(Format::Json(value));
    }
    if trimmed.contains('~') {
        return Ok(Format::SdJwt);
    }
    if trimmed.split('.').count() == 3 {
        return Ok(Format::Jwt);
    }
    Err((
        Failure::UnknownFormat,
        "not a JWT, an SD-JWT, or a JSON credential".into(),
    ))
}

impl Verifier {
    /// Verifies `input` (any supported form) and reports.
    pub async fn verify(&self, input: &str) -> Report {
        if input.len() > MAX_INPUT_LEN {
            let mut report = Report::new("unknown");
            report.failed(
                CheckKind::Format,
                Failure::InputTooLarge,
                format!("input over {MAX_INPUT_LEN} bytes"),
            );
            return report.finish();
        }
        match detect(input) {
            Ok(Format::Jwt) => self.verify_jwt(input.trim()).await,
            Ok(Format::SdJwt) => self.verify_sd_jwt(input.trim()).await,
            Ok(Format::Json(value)) => self.verify_json(value).await,
            Err((failure, message)) => {
                let mut report = Report::new("unknown");
                report.failed(CheckKind::Format, failure, message);
                report.finish()
            }
        }
    }

    fn jwt_options<'a>(&'a self, binding: Option<&'a Binding>) -> JwtVerifyOptions<'a> {
        JwtVerifyOptions {
            clock: self.clock.as_ref(),
            skew: self.skew,
            expected: binding,
        }
    }

    /// A compact JWT: a credential or a presentation, in either encoding.
    async fn verify_jwt(&self, token: &str) -> Report {
        let is_presentation = match jose::decode(token) {
            Ok(decoded) => {
                let typ = decoded.header().typ.as_deref().unwrap_or_default();
                if typ.eq_ignore_ascii_case(jwt::TYP_VP) {
                    true
                } else if typ.eq_ignore_ascii_case(jwt::TYP_VC) {
                    false
                } else {
                    // VC 1.1 JWTs say what they are only in the claims: `vp` or `vc`.
                    serde_json::from_slice::<Value>(decoded.payload()).is_ok_and(|p| p.get("vp").is_some())
                }
            }
            Err(e) => {
                let mut report = Report::new("jwt");
                report.failed(CheckKind::Format, Failure::UnreadableJwt, e.to_string());
                return report.finish();
            }
        };
        if is_presentation {
            Box::pin(self.verify_presentation_jwt(token)).await
        } else {
            self.verify_credential_jwt(token).await
        }
    }

    async fn verify_credential_jwt(&self, token: &str) -> Report {
        match jwt::verify_credential(token, self.resolver.as_ref(), &self.jwt_options(None)).await {
            Ok(verified) => {
                let mut report = Report::new(verified.encoding.name());
                report.issuer = Some(verified.credential.issuer().to_owned());
                for check in [
                    CheckKind::Format,
                    CheckKind::DataModel,
                    CheckKind::IssuerKey,
                    CheckKind::Signature,
                    CheckKind::Validity,
                ] {
                    report.passed(check);
                }
                self.check_status(&verified.credential, &mut report).await;
                report.claims = Some(Value::Object(verified.credential.into_json()));
                report.finish()
            }
            Err(e) => {
                let mut report = Report::new(jwt_format_name(token, false));
                report.issuer = jwt_issuer(token);
                fail_with(&mut report, &e);
                report.finish()
            }
        }
    }

    async fn verify_presentation_jwt(&self, token: &str) -> Report {
        let verified =
            match jwt::verify_presentation(token, self.resolver.as_ref(), &self.jwt_options(Some(&self.binding))).await
            {
                Ok(verified) => verified,
                Err(e) => {
                    let mut report = Report::new(jwt_format_name(token, true));
                    fail_with(&mut report, &e);
                    return report.finish();
                }
            };
        let mut report = Report::new(match verified.encoding {
            jwt::JwtEncoding::JoseCose => "vp+jwt",
            _ => "vp1-jwt",
        });
        report.holder = verified.presentation.holder().map(str::to_owned);
        for check in [
            CheckKind::Format,
            CheckKind::DataModel,
            CheckKind::HolderKey,
            CheckKind::Signature,
            CheckKind::Validity,
            CheckKind::Binding,
        ] {
            report.passed(check);
        }
        self.verify_embedded(&verified.presentation, &mut report).await;
        report.finish()
    }

    /// Each credential inside a presentation gets its own report; a credential about someone
    /// other than the holder fails the `holder` check.
    async fn verify_embedded(&self, presentation: &Presentation, report: &mut Report) {
        for embedded in presentation.credentials() {
            let inner = match embedded {
                EmbeddedCredential::Jwt(token) => Box::pin(self.verify_credential_jwt(token)).await,
                EmbeddedCredential::Enveloped { token, .. } => Box::pin(self.verify(token)).await,
                EmbeddedCredential::Object(credential) => {
                    Box::pin(self.verify_json(Value::Object(credential.as_json().clone()))).await
                }
                _ => {
                    let mut unknown = Report::new("unknown");
                    unknown.failed(
                        CheckKind::Format,
                        Failure::UnsupportedEmbedded,
                        "unsupported embedded credential",
                    );
                    unknown.finish()
                }
            };
            report.credentials.push(inner);
        }
        if let Some(holder) = presentation.holder() {
            let foreign = report
                .credentials
                .iter()
                .any(|c| !subject_is(c.claims.as_ref(), holder));
            if foreign && self.holder_subjects == HolderSubjects::MayDiffer {
                report.skipped(
                    CheckKind::Holder,
                    "a credential's subject is not the presentation's holder",
                );
            } else if foreign {
                report.failed(
                    CheckKind::Holder,
                    Failure::HolderMismatch,
                    "a credential's subject is not the presentation's holder",
                );
            } else if !report.credentials.is_empty() {
                report.passed(CheckKind::Holder);
            }
        }
    }
}

/// Whether the verified claims name `holder` as a subject (or name no subject at all).
fn subject_is(claims: Option<&Value>, holder: &str) -> bool {
    let Some(claims) = claims else { return true };
    let ids: Vec<&str> = match claims.get("credentialSubject") {
        Some(Value::Array(subjects)) => subjects.iter().filter_map(|s| s.get("id")?.as_str()).collect(),
        Some(subject) => subject.get("id").and_then(Value::as_str).into_iter().collect(),
        // SD-JWT VC: the holder is bound through cnf / sub.
        None => claims.get("sub").and_then(Value::as_str).into_iter().collect(),
    };
    ids.is_empty() || ids.contains(&holder)
}

fn jwt_format_name(token: &str, presentation: bool) -> &'static str {
    let typ = jose::decode(token)
        .ok()
        .and_then(|d| d.header().typ.clone())
        .unwrap_or_default();
    match (
        presentation,
        typ.eq_ignore_ascii_case("vc+jwt") || typ.eq_ignore_ascii_case("vp+jwt"),
    ) {
        (false, true) => "vc+jwt",
        (false, false) => "vc1-jwt",
        (true, true) => "vp+jwt",
        (true, false) => "vp1-jwt",
    }
}

/// The issuer named by an unverified JWT, for the report only.
fn jwt_issuer(token: &str) -> Option<String> {
    let decoded = jose::decode(token).ok()?;
    let claims: Value = serde_json::from_slice(decoded.payload()).ok()?;
    let issuer = claims.get("issuer").or_else(|| claims.get("iss"))?;
    issuer
        .as_str()
        .or_else(|| issuer.get("id").and_then(Value::as_str))
        .map(str::to_owned)
}

/// Records the failed check a credential error stands for.
pub(crate) fn fail_with(report: &mut Report, error: &CredentialError) {
    let check = match error {
        CredentialError::Jws(jose::JwsError::BadSignature) => CheckKind::Signature,
        CredentialError::Jws(_) => CheckKind::Format,
        CredentialError::KeyNotControlled { .. } | CredentialError::Resolution(_) => CheckKind::IssuerKey,
        CredentialError::NotYetValid { .. } | CredentialError::Expired { .. } => CheckKind::Validity,
        CredentialError::Binding { .. } => CheckKind::Binding,
        _ => CheckKind::DataModel,
    };
    report.failed(check, Failure::Credential(error.clone()), error.to_string());
}
