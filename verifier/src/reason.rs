//! Why a decision went the way it did: stable machine-readable codes with Korean and English
//! text for the guard's screen.
//!
//! A code never changes meaning once released; new failure kinds get new codes. The texts
//! name no person and carry no claim value, so a reason may be shown and logged.

use serde::{Serialize, Serializer};

macro_rules! reason_codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal, $en:literal, $ko:literal;)*) => {
        /// A machine-readable reason for a decision.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ReasonCode {
            $($(#[$doc])* $variant,)*
        }

        impl ReasonCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$variant,)*];

            /// The stable code, e.g. `REVOKED`.
            pub fn code(self) -> &'static str {
                match self { $(ReasonCode::$variant => $code,)* }
            }

            /// The English text.
            pub fn en(self) -> &'static str {
                match self { $(ReasonCode::$variant => $en,)* }
            }

            /// The Korean text.
            pub fn ko(self) -> &'static str {
                match self { $(ReasonCode::$variant => $ko,)* }
            }

            /// The code named `code`, if there is one.
            pub fn from_code(code: &str) -> Option<ReasonCode> {
                match code { $($code => Some(ReasonCode::$variant),)* _ => None }
            }
        }
    };
}

reason_codes! {
    /// Every check passed and the policy allows.
    Allowed => "ALLOWED", "Allowed", "허용";
    /// The input is not a credential or presentation in a supported form.
    Malformed => "MALFORMED", "The credential could not be read", "자격증명을 읽을 수 없습니다";
    /// The input is larger than the verifier accepts.
    TooLarge => "TOO_LARGE", "The credential is too large", "자격증명이 너무 큽니다";
    /// A signature does not verify.
    BadSignature => "BAD_SIGNATURE", "The signature is not valid", "서명이 유효하지 않습니다";
    /// The signature algorithm is forbidden (e.g. `none`, HMAC) or does not match the key.
    AlgorithmNotAllowed => "ALGORITHM_NOT_ALLOWED", "The signature algorithm is not allowed", "허용되지 않은 서명 알고리즘입니다";
    /// The token uses a header feature the verifier refuses (unknown `crit`, embedded keys).
    UnsupportedHeader => "UNSUPPORTED_HEADER", "The token uses an unsupported header", "지원하지 않는 헤더가 사용되었습니다";
    /// The signing key is not one the issuer controls for issuing.
    WrongKey => "WRONG_KEY", "The credential was signed with a key the issuer does not control", "발급자가 관리하지 않는 키로 서명되었습니다";
    /// The issuer's DID could not be resolved to a usable key.
    IssuerKeyUnresolved => "ISSUER_KEY_UNRESOLVED", "The issuer's key could not be found", "발급자의 키를 찾을 수 없습니다";
    /// The DID has been deactivated.
    DidDeactivated => "DID_DEACTIVATED", "The DID has been deactivated", "DID가 비활성화되었습니다";
    /// The credential violates the data model.
    InvalidCredential => "INVALID_CREDENTIAL", "The credential is not well formed", "자격증명 형식이 올바르지 않습니다";
    /// The credential has expired.
    Expired => "EXPIRED", "The credential has expired", "자격증명이 만료되었습니다";
    /// The credential is not valid yet.
    NotYetValid => "NOT_YET_VALID", "The credential is not valid yet", "자격증명의 유효기간이 아직 시작되지 않았습니다";
    /// The issuer revoked the credential.
    Revoked => "REVOKED", "The credential has been revoked", "폐기된 자격증명입니다";
    /// The issuer suspended the credential.
    Suspended => "SUSPENDED", "The credential is suspended", "정지된 자격증명입니다";
    /// The status list could not be fetched and no copy is fresh enough.
    StatusUnavailable => "STATUS_UNAVAILABLE", "The credential's status could not be checked", "자격증명 상태를 확인할 수 없습니다";
    /// The only status list at hand is older than the policy allows.
    StatusStale => "STATUS_STALE", "The status information is too old", "상태 정보가 너무 오래되었습니다";
    /// The status list does not verify or does not cover the credential.
    StatusInvalid => "STATUS_INVALID", "The status list is not valid", "상태 목록이 유효하지 않습니다";
    /// The issuer is not trusted for this credential type.
    UntrustedIssuer => "UNTRUSTED_ISSUER", "The issuer is not trusted here", "신뢰하지 않는 발급자입니다";
    /// The credential type is not one the policy accepts.
    WrongCredentialType => "WRONG_CREDENTIAL_TYPE", "This type of credential is not accepted here", "이곳에서 허용하지 않는 자격증명 종류입니다";
    /// The issuer's certificate chain ends at a root the verifier does not trust.
    X509UnknownRoot => "X509_UNKNOWN_ROOT", "The issuer's certificate is not from a trusted authority", "신뢰하지 않는 기관의 인증서입니다";
    /// A certificate in the issuer's chain is expired or not yet valid.
    X509Expired => "X509_EXPIRED", "The issuer's certificate has expired", "발급자 인증서가 만료되었습니다";
    /// The issuer's certificate chain is malformed or a link does not verify.
    X509Invalid => "X509_INVALID", "The issuer's certificate chain is not valid", "발급자 인증서 체인이 유효하지 않습니다";
    /// The certified key is not the key that signed the credential.
    X509KeyMismatch => "X509_KEY_MISMATCH", "The certificate does not certify the signing key", "인증서가 서명 키를 증명하지 않습니다";
    /// The policy requires an X.509 chain and none was presented.
    X509Missing => "X509_MISSING", "The issuer's certificate is missing", "발급자 인증서가 없습니다";
    /// No holder binding was presented (no key-binding JWT, no signed presentation).
    HolderBindingMissing => "HOLDER_BINDING_MISSING", "The holder did not prove possession", "소지자 증명이 없습니다";
    /// The holder binding does not verify.
    HolderBindingInvalid => "HOLDER_BINDING_INVALID", "The holder's proof is not valid", "소지자 증명이 유효하지 않습니다";
    /// The credential is bound to a key of the holder's DID (`cnf.kid`), and that DID could
    /// not be resolved: not reachable, not in the trust bundle, or gone.
    HolderKeyUnresolved => "HOLDER_KEY_UNRESOLVED", "The holder's key could not be found", "소지자의 키를 찾을 수 없습니다";
    /// The presentation is about someone other than the holder who signed it.
    HolderMismatch => "HOLDER_MISMATCH", "The credential belongs to someone else", "다른 사람의 자격증명입니다";
    /// The presentation carries a nonce this verifier did not issue.
    NonceUnknown => "NONCE_UNKNOWN", "The request code is not recognised", "알 수 없는 요청 코드입니다";
    /// The nonce was already used: a replay.
    NonceReplayed => "NONCE_REPLAYED", "This presentation was already used", "이미 사용된 제시입니다";
    /// The nonce has expired.
    NonceExpired => "NONCE_EXPIRED", "The request has expired; try again", "요청이 만료되었습니다. 다시 시도하세요";
    /// The presentation is bound to another nonce than the one expected.
    NonceMismatch => "NONCE_MISMATCH", "The presentation answers another request", "다른 요청에 대한 제시입니다";
    /// The presentation is addressed to another verifier.
    AudienceMismatch => "AUDIENCE_MISMATCH", "The presentation is meant for another verifier", "다른 검증자를 위한 제시입니다";
    /// A disclosure does not match the credential (tampered or foreign).
    DisclosureInvalid => "DISCLOSURE_INVALID", "A disclosed claim has been tampered with", "공개된 항목이 변조되었습니다";
    /// A disclosure appears twice.
    DisclosureDuplicate => "DISCLOSURE_DUPLICATE", "A disclosed claim appears twice", "공개된 항목이 중복되었습니다";
    /// A claim the policy requires was not disclosed.
    ClaimMissing => "CLAIM_MISSING", "A required claim was not disclosed", "필요한 항목이 공개되지 않았습니다";
    /// A disclosed claim does not satisfy the policy.
    ClaimRejected => "CLAIM_REJECTED", "A claim does not meet the entry rule", "출입 조건을 충족하지 않습니다";
    /// Outside the policy's hours.
    OutsideHours => "OUTSIDE_HOURS", "Entry is not allowed at this time", "지금은 출입할 수 없는 시간입니다";
    /// The trust bundle has expired.
    BundleStale => "BUNDLE_STALE", "The offline trust data has expired", "오프라인 신뢰 정보가 만료되었습니다";
    /// The registry data at hand is older than the policy allows.
    RegistryStale => "REGISTRY_STALE", "The registry information is too old", "레지스트리 정보가 너무 오래되었습니다";
    /// The request does not match what the verifier asked for (DCQL query, credential count).
    RequestMismatch => "REQUEST_MISMATCH", "The presentation does not answer the request", "요청에 맞지 않는 제시입니다";
}

impl ReasonCode {
    /// Whether a denial for this reason still proves the presentation came from the holder
    /// of an authentic credential of an issuer the door trusts: the credential's own state
    /// (expired, revoked, suspended, its status or trust data too old to use), or the door's
    /// rules (a claim missing or rejected, the hours). Every other reason (unreadable input,
    /// a bad signature, an untrusted issuer, a missing or broken holder proof, a nonce for
    /// another request) is something anyone could post: such an answer must not close the
    /// holder's request nor spend its nonce.
    pub fn leaves_holder_proved(self) -> bool {
        matches!(
            self,
            ReasonCode::Expired
                | ReasonCode::NotYetValid
                | ReasonCode::Revoked
                | ReasonCode::Suspended
                | ReasonCode::StatusUnavailable
                | ReasonCode::StatusStale
                | ReasonCode::DidDeactivated
                | ReasonCode::ClaimMissing
                | ReasonCode::ClaimRejected
                | ReasonCode::OutsideHours
                | ReasonCode::BundleStale
                | ReasonCode::RegistryStale
        )
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for ReasonCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// A reason with both texts and, where useful, a detail for operators (never personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The stable code.
    pub code: ReasonCode,
    /// English text.
    pub en: &'static str,
    /// Korean text.
    pub ko: &'static str,
    /// What exactly failed, for the operator (e.g. which check); no claim values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Reason {
    /// The reason for `code`, without detail.
    pub fn new(code: ReasonCode) -> Reason {
        Reason {
            code,
            en: code.en(),
            ko: code.ko(),
            detail: None,
        }
    }

    /// The reason for `code` with a detail.
    pub fn with_detail(code: ReasonCode, detail: impl Into<String>) -> Reason {
        Reason {
            detail: Some(detail.into()),
            ..Reason::new(code)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for &reason in ReasonCode::ALL {
            assert!(seen.insert(reason.code()), "duplicate {}", reason.code());
            assert_eq!(ReasonCode::from_code(reason.code()), Some(reason));
            assert!(!reason.en().is_empty() && !reason.ko().is_empty());
            assert!(
                reason
                    .code()
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
            );
        }
    }

    /// A few of the engine's failures and the reasons they give; every failure is walked in
    /// `report::failure_table`.
    #[test]
    fn engine_failures_map_to_reasons() {
        use did_core::data_integrity::DataIntegrityError;
        use did_core::jose::JwsError;
        use did_core::sd_jwt::SdJwtError;
        use did_core::vc::CredentialError;

        use crate::report::Failure;

        let cases = [
            (
                Failure::Credential(CredentialError::Jws(JwsError::BadSignature)),
                ReasonCode::BadSignature,
            ),
            (
                Failure::SdJwt(SdJwtError::DuplicateDisclosure),
                ReasonCode::DisclosureDuplicate,
            ),
            (
                Failure::SdJwt(SdJwtError::KeyBindingRequired),
                ReasonCode::HolderBindingMissing,
            ),
            (
                Failure::DataIntegrity(DataIntegrityError::DomainMismatch),
                ReasonCode::AudienceMismatch,
            ),
            (
                Failure::DataIntegrity(DataIntegrityError::UnsupportedCryptosuite("x".into())),
                ReasonCode::AlgorithmNotAllowed,
            ),
            (Failure::Revoked, ReasonCode::Revoked),
        ];
        for (failure, reason) in cases {
            assert_eq!(failure.reason(), reason, "{failure:?}");
        }
        // A data-model rule did-core names gets the general reason, under did-core's code.
        let rule = Failure::Credential(CredentialError::Invalid {
            rule: did_core::vc::Rule::Issuer,
            at: "$".into(),
            reason: "missing".into(),
        });
        assert_eq!(
            (rule.code(), rule.reason()),
            ("VC_ISSUER", ReasonCode::InvalidCredential)
        );
    }
}
