//! From a verification report to a decision: the report's failures become reasons, then the
//! policy judges each verified credential.

use std::time::SystemTime;

use did_core::key::Jwk;
use serde::Deserialize as _;
use serde_json::Value;

use super::trace::Trace;
use super::{Decision, OfflineTrust};
use crate::policy::{AcceptRule, Policy, X509Mode};
use crate::reason::{Reason, ReasonCode};
use crate::report::{CheckKind, CheckResult, Report};

/// What could not be reached, when that is why the report has no answer.
pub(super) fn unreachable(report: &Report, trace: &Trace) -> Option<super::Unavailable> {
    if let Some(did) = trace.unreachable_dids.first()
        && !report.verified
    {
        return Some(super::Unavailable::Did { did: did.clone() });
    }
    trace
        .unreachable_lists
        .first()
        .map(|url| super::Unavailable::StatusList { url: url.clone() })
}

/// Whether the holder proved possession: a verified key-binding JWT or presentation proof
/// (each verified only after the issuer's or presentation's signature).
pub(super) fn binding_verified(report: &Report) -> bool {
    report.has_check(CheckKind::KeyBinding, CheckResult::Passed)
        || report.has_check(CheckKind::Binding, CheckResult::Passed)
}

/// Whether the report has a verified signature and no failed one.
pub(super) fn signature_verified(report: &Report) -> bool {
    report.has_check(CheckKind::Signature, CheckResult::Passed)
        && !report.has_check(CheckKind::Signature, CheckResult::Failed)
}

/// Reasons that already say what is wrong with the holder binding.
pub(super) fn is_binding_reason(code: ReasonCode) -> bool {
    matches!(
        code,
        ReasonCode::HolderBindingMissing
            | ReasonCode::HolderBindingInvalid
            | ReasonCode::HolderKeyUnresolved
            | ReasonCode::NonceMismatch
            | ReasonCode::NonceUnknown
            | ReasonCode::NonceExpired
            | ReasonCode::NonceReplayed
            | ReasonCode::AudienceMismatch
    )
}

fn collect(report: &Report, reasons: &mut Vec<Reason>) {
    for error in &report.errors {
        reasons.push(Reason::with_detail(error.reason(), error.code()));
    }
    for inner in &report.credentials {
        collect(inner, reasons);
    }
}

/// The credential types a verified credential declares: an SD-JWT VC's `vct`, a VC's `type`
/// entries other than `VerifiableCredential`.
fn credential_types(claims: &Value) -> Vec<&str> {
    if let Some(vct) = claims.get("vct").and_then(Value::as_str) {
        return vec![vct];
    }
    match claims.get("type") {
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "VerifiableCredential")
            .collect(),
        Some(Value::String(t)) if t != "VerifiableCredential" => vec![t.as_str()],
        _ => Vec::new(),
    }
}

/// Who presented: the presentation's holder, the SD-JWT's confirmation key (as a JWK
/// thumbprint) or DID (of a `cnf.kid` DID URL), or subject, or the credential subject's `id`.
fn holder_of(report: &Report) -> Option<String> {
    if let Some(holder) = &report.holder {
        return Some(holder.clone());
    }
    let claims = report.claims.as_ref()?;
    // The thumbprint is computed from the JWK's members; the key itself was already checked
    // by the key-binding verification.
    if let Some(jwk) = claims.pointer("/cnf/jwk")
        && let Ok(jwk) = Jwk::deserialize(jwk)
        && let Ok(thumbprint) = jwk.thumbprint()
    {
        return Some(thumbprint);
    }
    if let Some(kid) = claims.pointer("/cnf/kid").and_then(Value::as_str) {
        return kid.split('#').next().map(str::to_owned);
    }
    claims
        .get("sub")
        .or_else(|| claims.pointer("/credentialSubject/id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn trusted(rule: &AcceptRule, issuer: &str, offline: Option<&OfflineTrust>, certified: bool, policy: &Policy) -> bool {
    (certified && policy.x509 == X509Mode::Trust)
        || rule.issuers.iter().any(|i| i == issuer)
        || offline
            .and_then(|o| o.issuers.get(&rule.credential_type))
            .is_some_and(|list| list.iter().any(|i| i == issuer))
}

/// Judges one verified credential: `Ok` when some rule accepts it in full, otherwise the
/// reasons of the closest rule.
fn judge(
    claims: &Value,
    issuer: &str,
    policy: &Policy,
    offline: Option<&OfflineTrust>,
    certified: bool,
) -> Result<(), Vec<Reason>> {
    let types = credential_types(claims);
    let rules: Vec<&AcceptRule> = types.iter().flat_map(|t| policy.rules_for(t)).collect();
    if rules.is_empty() {
        return Err(vec![Reason::new(ReasonCode::WrongCredentialType)]);
    }
    let mut closest: Option<Vec<Reason>> = None;
    for rule in rules {
        let mut reasons = Vec::new();
        if !trusted(rule, issuer, offline, certified, policy) {
            reasons.push(Reason::new(ReasonCode::UntrustedIssuer));
        }
        for claim in &rule.claims {
            if let Err(code) = claim.check(claims) {
                reasons.push(Reason::with_detail(code, claim.path.clone()));
            }
        }
        if reasons.is_empty() {
            return Ok(());
        }
        if closest.as_ref().is_none_or(|c| reasons.len() < c.len()) {
            closest = Some(reasons);
        }
    }
    Err(closest.unwrap_or_default())
}

/// The decision the report and the policy make, before freshness and nonce use.
pub(super) fn decide(
    report: &mut Report,
    policy: &Policy,
    offline: Option<&OfflineTrust>,
    certified: bool,
    now: SystemTime,
) -> Decision {
    let mut reasons = Vec::new();
    collect(report, &mut reasons);
    let mut decision = Decision::deny(Vec::new());
    decision.holder = holder_of(report);
    let credentials: Vec<&Report> = if report.credentials.is_empty() {
        vec![report]
    } else {
        report.credentials.iter().collect()
    };
    let mut closest: Option<Vec<Reason>> = None;
    let mut accepted = None;
    for (index, credential) in credentials.into_iter().enumerate() {
        decision.issuer = decision.issuer.or_else(|| credential.issuer.clone());
        let Some(claims) = &credential.claims else { continue };
        decision.credential_type = credential_types(claims).first().map(|t| (*t).to_owned());
        decision.holder = decision.holder.or_else(|| holder_of(credential));
        match judge(
            claims,
            credential.issuer.as_deref().unwrap_or_default(),
            policy,
            offline,
            certified,
        ) {
            Ok(()) => {
                decision.issuer = credential.issuer.clone();
                accepted = Some(index);
                closest = Some(Vec::new());
                break;
            }
            Err(found) => {
                if closest.is_none() {
                    closest = Some(found);
                }
            }
        }
    }
    // The accepted credential's claims move to the decision (the report is not used after).
    let accepted = match accepted {
        Some(_) if report.credentials.is_empty() => Some(&mut *report),
        Some(index) => report.credentials.get_mut(index),
        None => None,
    };
    decision.disclosed = accepted.and_then(|credential| credential.claims.take());
    if report.verified {
        reasons.extend(closest.unwrap_or_else(|| vec![Reason::new(ReasonCode::WrongCredentialType)]));
    }
    if !policy.is_open(time::OffsetDateTime::from(now)) {
        reasons.push(Reason::new(ReasonCode::OutsideHours));
    }
    decision.reasons = reasons;
    decision
}

/// Sets `allow` from the reasons: allowed when there are none (then the one reason is
/// `ALLOWED`); duplicate codes are dropped; a denial keeps no disclosed claims.
pub(super) fn finish(mut decision: Decision) -> Decision {
    let mut seen = std::collections::HashSet::new();
    decision.reasons.retain(|r| seen.insert(r.code));
    decision.allow = decision.reasons.is_empty();
    if decision.allow {
        decision.reasons.push(Reason::new(ReasonCode::Allowed));
    } else {
        decision.disclosed = None;
    }
    decision
}
