//! Every failure the engine can report, with the code it prints and the reason a decision
//! gives: the engine's own failures (each variant, checked to be all of them), and did-core's
//! errors (every variant known today, inside each wrapper the engine uses). A code or a reason
//! that changes fails here.
//!
//! The `legacy` module freezes the string tables the verifier used before failures were typed
//! (`ReasonCode::from_report_code`, the VC-API's `error_type`): every failure must still mean
//! what its code meant there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use did_core::data_integrity::DataIntegrityError as Di;
use did_core::did::DidError;
use did_core::document::{DocumentError, Relationship};
use did_core::jose::{JwsError, Part};
use did_core::key::{Algorithm, KeyError, KeyType};
use did_core::resolve::ResolutionError as Res;
use did_core::sd_jwt::SdJwtError as Sd;
use did_core::status::{Compression, StatusError as St};
use did_core::vc::{CredentialError as Cred, Rule};

use super::{Failure, ProblemType};
use crate::reason::ReasonCode as R;

type Row = (Failure, &'static str, R);

fn key_error() -> KeyError {
    KeyError::UnsupportedKeyType("secp256k1".into())
}

/// Which of the engine's own variants `failure` is; `None` for a did-core wrapper. The match
/// is exhaustive: a new variant does not compile until it is sampled in [`own`].
fn own_index(failure: &Failure) -> Option<usize> {
    Some(match failure {
        Failure::InputTooLarge => 0,
        Failure::InvalidJson => 1,
        Failure::UnknownFormat => 2,
        Failure::UnreadableJwt => 3,
        Failure::UnsupportedEmbedded => 4,
        Failure::NoProof => 5,
        Failure::HolderMismatch => 6,
        Failure::KeyNotControlled => 7,
        Failure::HolderProofPurpose => 8,
        Failure::Revoked => 9,
        Failure::Suspended => 10,
        Failure::StatusUnreachable => 11,
        Failure::StatusUnverified => 12,
        Failure::Credential(_) | Failure::SdJwt(_) | Failure::DataIntegrity(_) | Failure::Status(_) => return None,
    })
}

const OWN_VARIANTS: usize = 13;

fn own() -> Vec<Row> {
    vec![
        (Failure::InputTooLarge, "TOO_LARGE", R::TooLarge),
        (Failure::InvalidJson, "INVALID_JSON", R::Malformed),
        (Failure::UnknownFormat, "UNKNOWN_FORMAT", R::Malformed),
        (Failure::UnreadableJwt, "INVALID_JWS", R::Malformed),
        (Failure::UnsupportedEmbedded, "UNSUPPORTED_FORMAT", R::Malformed),
        (Failure::NoProof, "NO_PROOF", R::InvalidCredential),
        (Failure::HolderMismatch, "HOLDER_MISMATCH", R::HolderMismatch),
        (Failure::KeyNotControlled, "KEY_NOT_CONTROLLED", R::WrongKey),
        (
            Failure::HolderProofPurpose,
            "HOLDER_BINDING_INVALID",
            R::HolderBindingInvalid,
        ),
        (Failure::Revoked, "REVOKED", R::Revoked),
        (Failure::Suspended, "SUSPENDED", R::Suspended),
        (
            Failure::StatusUnreachable,
            "STATUS_RETRIEVAL_ERROR",
            R::StatusUnavailable,
        ),
        (Failure::StatusUnverified, "STATUS_VERIFICATION_ERROR", R::StatusInvalid),
    ]
}

/// Every JWS error, with the code and reason it has as the issuer's (or holder's) JWS.
fn jws() -> Vec<(JwsError, &'static str, R)> {
    vec![
        (JwsError::Malformed("parts"), "INVALID_JWS", R::Malformed),
        (
            JwsError::InvalidBase64 { part: Part::Header },
            "INVALID_JWS",
            R::Malformed,
        ),
        (JwsError::InvalidHeader("alg"), "INVALID_HEADER", R::UnsupportedHeader),
        (
            JwsError::ForbiddenAlgorithm("none".into()),
            "FORBIDDEN_ALGORITHM",
            R::AlgorithmNotAllowed,
        ),
        (
            JwsError::AlgorithmMismatch {
                header: Algorithm::Es256,
                key: Algorithm::EdDsa,
            },
            "ALGORITHM_MISMATCH",
            R::AlgorithmNotAllowed,
        ),
        (
            JwsError::UnsupportedCritical("x".into()),
            "UNSUPPORTED_CRITICAL",
            R::UnsupportedHeader,
        ),
        (
            JwsError::InvalidCritical("empty"),
            "UNSUPPORTED_CRITICAL",
            R::UnsupportedHeader,
        ),
        (JwsError::UnencodedPayload, "INVALID_HEADER", R::UnsupportedHeader),
        (
            JwsError::UnexpectedType {
                expected: "vc+jwt".into(),
                found: None,
            },
            "INVALID_JWS",
            R::Malformed,
        ),
        (JwsError::TooLarge { limit: 1 }, "TOO_LARGE", R::TooLarge),
        (JwsError::InvalidPayload("object"), "INVALID_JWS", R::Malformed),
        (JwsError::BadSignature, "BAD_SIGNATURE", R::BadSignature),
        (JwsError::Key(key_error()), "INVALID_JWS", R::Malformed),
    ]
}

/// Every DID resolution error, with its DID Resolution code and its reason.
fn resolution() -> Vec<(Res, &'static str, R)> {
    vec![
        (
            Res::InvalidDid(DidError::MissingScheme),
            "invalidDid",
            R::IssuerKeyUnresolved,
        ),
        (
            Res::InvalidMethodSpecificId {
                method: "key",
                reason: "x".into(),
            },
            "invalidDid",
            R::IssuerKeyUnresolved,
        ),
        (
            Res::InvalidPublicKey {
                method: "key",
                source: key_error(),
            },
            "invalidPublicKey",
            R::IssuerKeyUnresolved,
        ),
        (
            Res::InvalidPublicKeyLength {
                method: "key",
                source: key_error(),
            },
            "invalidPublicKeyLength",
            R::IssuerKeyUnresolved,
        ),
        (
            Res::UnsupportedPublicKeyType("secp256k1".into()),
            "unsupportedPublicKeyType",
            R::InvalidCredential,
        ),
        (Res::NotFound, "notFound", R::IssuerKeyUnresolved),
        (
            Res::MethodNotSupported("x".into()),
            "methodNotSupported",
            R::InvalidCredential,
        ),
        (
            Res::RepresentationNotSupported("x".into()),
            "representationNotSupported",
            R::InvalidCredential,
        ),
        (
            Res::InvalidDocument(DocumentError::TooLarge { size: 2, limit: 1 }),
            "invalidDidDocument",
            R::InvalidCredential,
        ),
        (
            Res::DocumentIdMismatch { found: "did:x".into() },
            "invalidDidDocument",
            R::InvalidCredential,
        ),
        (
            Res::MethodNotFound("did:x#1".into()),
            "notFound",
            R::IssuerKeyUnresolved,
        ),
        (
            Res::NotAuthorized {
                method: "did:x#1".into(),
                relationship: Relationship::AssertionMethod,
            },
            "notAllowedVerificationMethod",
            R::InvalidCredential,
        ),
        (
            Res::KeyNotControlled {
                kid: None,
                party: "did:x".into(),
            },
            "notAllowedVerificationMethod",
            R::InvalidCredential,
        ),
        (Res::Deactivated, "deactivated", R::DidDeactivated),
        (Res::TooLarge { limit: 1 }, "invalidDidDocument", R::InvalidCredential),
        (Res::Transport("down".into()), "internalError", R::InvalidCredential),
        (Res::InvalidProof("x".into()), "invalidProof", R::InvalidCredential),
    ]
}

const RULES: [(Rule, &str); 20] = [
    (Rule::Context, "VC_CONTEXT"),
    (Rule::Type, "VC_TYPE"),
    (Rule::Id, "VC_ID"),
    (Rule::Issuer, "VC_ISSUER"),
    (Rule::CredentialSubject, "VC_CREDENTIAL_SUBJECT"),
    (Rule::ValidFrom, "VC_VALID_FROM"),
    (Rule::ValidUntil, "VC_VALID_UNTIL"),
    (Rule::ValidityPeriod, "VC_VALIDITY_PERIOD"),
    (Rule::IssuanceDate, "VC_ISSUANCE_DATE"),
    (Rule::ExpirationDate, "VC_EXPIRATION_DATE"),
    (Rule::CredentialStatus, "VC_CREDENTIAL_STATUS"),
    (Rule::CredentialSchema, "VC_CREDENTIAL_SCHEMA"),
    (Rule::Evidence, "VC_EVIDENCE"),
    (Rule::TermsOfUse, "VC_TERMS_OF_USE"),
    (Rule::RefreshService, "VC_REFRESH_SERVICE"),
    (Rule::RelatedResource, "VC_RELATED_RESOURCE"),
    (Rule::LanguageValue, "VC_LANGUAGE_VALUE"),
    (Rule::Holder, "VC_HOLDER"),
    (Rule::VerifiableCredential, "VC_VERIFIABLE_CREDENTIAL"),
    (Rule::JwtClaims, "VC_JWT_CLAIMS"),
];

fn credential() -> Vec<Row> {
    let c = Failure::Credential;
    let binding = |what| Cred::Binding {
        what,
        expected: "n".into(),
        found: None,
    };
    let mut rows = vec![
        (c(Cred::TooLarge { size: 2, limit: 1 }), "TOO_LARGE", R::TooLarge),
        (c(Cred::InvalidJson("x".into())), "INVALID_JSON", R::Malformed),
        (c(Cred::NotAnObject), "NOT_AN_OBJECT", R::Malformed),
        (
            c(Cred::NotYetValid {
                valid_from: "a".into(),
                now: "b".into(),
            }),
            "NOT_YET_VALID",
            R::NotYetValid,
        ),
        (
            c(Cred::Expired {
                valid_until: "a".into(),
                now: "b".into(),
            }),
            "EXPIRED",
            R::Expired,
        ),
        (c(binding("nonce")), "NONCE_MISMATCH", R::NonceMismatch),
        (c(binding("challenge")), "NONCE_MISMATCH", R::NonceMismatch),
        (c(binding("aud")), "AUDIENCE_MISMATCH", R::AudienceMismatch),
        (c(binding("domain")), "AUDIENCE_MISMATCH", R::AudienceMismatch),
        (
            c(Cred::KeyNotControlled {
                kid: None,
                party: "did:x".into(),
            }),
            "KEY_NOT_CONTROLLED",
            R::WrongKey,
        ),
    ];
    rows.extend(RULES.iter().map(|(rule, code)| {
        let invalid = Cred::Invalid {
            rule: *rule,
            at: "$".into(),
            reason: "x".into(),
        };
        (c(invalid), *code, R::InvalidCredential)
    }));
    rows.extend(
        jws()
            .into_iter()
            .map(|(e, code, reason)| (c(Cred::Jws(e)), code, reason)),
    );
    rows.extend(
        resolution()
            .into_iter()
            .map(|(e, code, reason)| (c(Cred::Resolution(e)), code, reason)),
    );
    rows
}

fn sd_jwt() -> Vec<Row> {
    let s = Failure::SdJwt;
    let mut rows = vec![
        (
            s(Sd::TooLarge {
                what: "disclosures",
                limit: 1,
            }),
            "SD_JWT_TOO_LARGE",
            R::TooLarge,
        ),
        (s(Sd::Malformed("x")), "SD_JWT_MALFORMED", R::Malformed),
        (
            s(Sd::InvalidDisclosure("x")),
            "SD_JWT_INVALID_DISCLOSURE",
            R::DisclosureInvalid,
        ),
        (
            s(Sd::UnexpectedType { found: None }),
            "SD_JWT_UNEXPECTED_TYPE",
            R::Malformed,
        ),
        (s(Sd::InvalidPayload("x")), "SD_JWT_INVALID_PAYLOAD", R::Malformed),
        (
            s(Sd::UnsupportedHashAlgorithm("md5".into())),
            "SD_JWT_UNSUPPORTED_HASH_ALGORITHM",
            R::AlgorithmNotAllowed,
        ),
        (
            s(Sd::DuplicateDisclosure),
            "SD_JWT_DUPLICATE_DISCLOSURE",
            R::DisclosureDuplicate,
        ),
        (
            s(Sd::DuplicateDigest),
            "SD_JWT_DUPLICATE_DIGEST",
            R::DisclosureDuplicate,
        ),
        (
            s(Sd::UnreferencedDisclosure),
            "SD_JWT_UNREFERENCED_DISCLOSURE",
            R::DisclosureInvalid,
        ),
        (
            s(Sd::DisclosureKindMismatch("x")),
            "SD_JWT_DISCLOSURE_KIND_MISMATCH",
            R::DisclosureInvalid,
        ),
        (
            s(Sd::ClaimConflict("a".into())),
            "SD_JWT_CLAIM_CONFLICT",
            R::DisclosureInvalid,
        ),
        (s(Sd::TooDeep(10)), "SD_JWT_TOO_DEEP", R::Malformed),
        (s(Sd::Expired), "EXPIRED", R::Expired),
        (s(Sd::NotYetValid), "NOT_YET_VALID", R::NotYetValid),
        (s(Sd::IssuedInFuture), "SD_JWT_ISSUED_IN_FUTURE", R::NotYetValid),
        (s(Sd::InvalidVc("vct")), "SD_JWT_INVALID_VC", R::InvalidCredential),
        (
            s(Sd::KeyBindingRequired),
            "SD_JWT_KEY_BINDING_REQUIRED",
            R::HolderBindingMissing,
        ),
        (s(Sd::HolderKey("cnf")), "SD_JWT_HOLDER_KEY", R::HolderBindingInvalid),
        (
            s(Sd::HolderKeyResolution(Res::Deactivated)),
            "deactivated",
            R::DidDeactivated,
        ),
        (
            s(Sd::HolderKeyResolution(Res::NotFound)),
            "SD_JWT_HOLDER_KEY_UNRESOLVED",
            R::HolderKeyUnresolved,
        ),
        (
            s(Sd::HolderKeyResolution(Res::Transport("down".into()))),
            "SD_JWT_HOLDER_KEY_UNRESOLVED",
            R::HolderKeyUnresolved,
        ),
        (
            s(Sd::InvalidKeyBinding("iat")),
            "SD_JWT_INVALID_KEY_BINDING",
            R::HolderBindingInvalid,
        ),
        (
            s(Sd::SdHashMismatch),
            "SD_JWT_SD_HASH_MISMATCH",
            R::HolderBindingInvalid,
        ),
        (s(Sd::NonceMismatch), "SD_JWT_NONCE_MISMATCH", R::NonceMismatch),
        (s(Sd::AudienceMismatch), "SD_JWT_AUDIENCE_MISMATCH", R::AudienceMismatch),
        (
            s(Sd::KeyBindingStale),
            "SD_JWT_KEY_BINDING_STALE",
            R::HolderBindingInvalid,
        ),
        (
            s(Sd::KeyBindingInFuture),
            "SD_JWT_KEY_BINDING_IN_FUTURE",
            R::HolderBindingInvalid,
        ),
        (
            s(Sd::InvalidPointer("x".into())),
            "SD_JWT_INVALID_POINTER",
            R::Malformed,
        ),
        (
            s(Sd::PointerNotFound("/x".into())),
            "SD_JWT_POINTER_NOT_FOUND",
            R::Malformed,
        ),
        (
            s(Sd::ReservedClaim("_sd".into())),
            "SD_JWT_RESERVED_CLAIM",
            R::DisclosureInvalid,
        ),
        (s(Sd::InvalidClaims("x")), "SD_JWT_INVALID_CLAIMS", R::InvalidCredential),
        (s(Sd::Key(key_error())), "SD_JWT_KEY", R::WrongKey),
        (s(Sd::IssuerKey("kid")), "SD_JWT_ISSUER_KEY", R::IssuerKeyUnresolved),
    ];
    rows.extend(jws().into_iter().map(|(e, code, reason)| (s(Sd::Jws(e)), code, reason)));
    // The holder's KB-JWT: one that does not verify or is not a `kb+jwt` is an invalid
    // holder proof; an attack on its header or algorithm is named as such.
    rows.extend(jws().into_iter().map(|(e, code, reason)| {
        let holder_proof = matches!(code, "INVALID_JWS" | "BAD_SIGNATURE");
        let (code, reason) = if holder_proof {
            ("SD_JWT_KEY_BINDING_JWS", R::HolderBindingInvalid)
        } else {
            (code, reason)
        };
        (s(Sd::KeyBindingJws(e)), code, reason)
    }));
    rows.extend(
        resolution()
            .into_iter()
            .map(|(e, code, reason)| (s(Sd::KeyResolution(e)), code, reason)),
    );
    rows
}

fn data_integrity() -> Vec<Row> {
    let d = Failure::DataIntegrity;
    let invalid = R::InvalidCredential;
    let mut rows = vec![
        (
            d(Di::TooLarge {
                what: "document",
                limit: 1,
            }),
            "DI_TOO_LARGE",
            invalid,
        ),
        (d(Di::InvalidJson("x".into())), "DI_INVALID_JSON", invalid),
        (d(Di::InvalidDocument("x")), "DI_INVALID_DOCUMENT", invalid),
        (d(Di::UnknownContext("https://x".into())), "DI_UNKNOWN_CONTEXT", invalid),
        (
            d(Di::Loader {
                url: "https://x".into(),
                reason: "x".into(),
            }),
            "DI_LOADER",
            invalid,
        ),
        (d(Di::JsonLd("x".into())), "DI_JSON_LD", invalid),
        (d(Di::UndefinedTerm("x".into())), "DI_UNDEFINED_TERM", invalid),
        (d(Di::Canonicalization("x".into())), "DI_CANONICALIZATION", invalid),
        (d(Di::Jcs("x".into())), "DI_JCS", invalid),
        (d(Di::MissingProof), "DI_MISSING_PROOF", invalid),
        (d(Di::MalformedProof("x")), "DI_MALFORMED_PROOF", invalid),
        (
            d(Di::UnsupportedProofType("x".into())),
            "DI_UNSUPPORTED_PROOF_TYPE",
            invalid,
        ),
        (
            d(Di::UnsupportedCryptosuite("x".into())),
            "DI_UNSUPPORTED_CRYPTOSUITE",
            R::AlgorithmNotAllowed,
        ),
        (
            d(Di::KeyTypeMismatch {
                cryptosuite: "eddsa-rdfc-2022",
                key_type: KeyType::P256,
            }),
            "DI_KEY_TYPE_MISMATCH",
            R::AlgorithmNotAllowed,
        ),
        (
            d(Di::PurposeMismatch {
                expected: "a".into(),
                found: "b".into(),
            }),
            "DI_PURPOSE_MISMATCH",
            invalid,
        ),
        (d(Di::ChallengeMismatch), "DI_CHALLENGE_MISMATCH", R::NonceMismatch),
        (d(Di::DomainMismatch), "DI_DOMAIN_MISMATCH", R::AudienceMismatch),
        (
            d(Di::InvalidDateTime {
                field: "created",
                value: "x".into(),
            }),
            "DI_INVALID_DATE_TIME",
            invalid,
        ),
        (d(Di::Expired), "EXPIRED", R::Expired),
        (d(Di::ContextMismatch), "DI_CONTEXT_MISMATCH", invalid),
        (
            d(Di::PreviousProofNotFound("x".into())),
            "DI_PREVIOUS_PROOF_NOT_FOUND",
            invalid,
        ),
        (
            d(Di::RelatedResourceMismatch {
                url: "https://x".into(),
                member: "digestSRI",
            }),
            "DI_RELATED_RESOURCE_MISMATCH",
            invalid,
        ),
        (
            d(Di::RelatedResourceUnchecked {
                url: "https://x".into(),
                reason: "x",
            }),
            "DI_RELATED_RESOURCE_UNCHECKED",
            invalid,
        ),
        (d(Di::InvalidProofValue("x")), "DI_INVALID_PROOF_VALUE", invalid),
        (
            d(Di::InvalidVerificationMethod("x".into())),
            "DI_INVALID_VERIFICATION_METHOD",
            invalid,
        ),
        (d(Di::Key(key_error())), "DI_KEY", invalid),
        (d(Di::BadSignature), "BAD_SIGNATURE", R::BadSignature),
    ];
    rows.extend(
        resolution()
            .into_iter()
            .map(|(e, code, reason)| (d(Di::Resolution(e)), code, reason)),
    );
    rows
}

fn status() -> Vec<Row> {
    let s = Failure::Status;
    let unverified = ("STATUS_VERIFICATION_ERROR", R::StatusInvalid);
    let malformed = ("MALFORMED_VALUE_ERROR", R::InvalidCredential);
    let rows: Vec<(St, (&'static str, R))> = vec![
        (St::EncodedTooLarge { limit: 1 }, unverified),
        (St::InflatedTooLarge { limit: 1 }, unverified),
        (St::WrongMultibasePrefix { found: None }, malformed),
        (St::InvalidBase64, malformed),
        (
            St::Decompression {
                format: Compression::Gzip,
            },
            malformed,
        ),
        (
            St::ListTooShort { entries: 1, minimum: 2 },
            ("STATUS_LIST_LENGTH_ERROR", R::StatusInvalid),
        ),
        (
            St::IndexOutOfRange { index: 2, len: 1 },
            ("RANGE_ERROR", R::StatusInvalid),
        ),
        (St::InvalidStatusSize(9), malformed),
        (St::InvalidBits(3), unverified),
        (St::ValueTooLarge { value: 9, bits: 1 }, unverified),
        (St::InvalidEntry("x"), malformed),
        (St::InvalidList("x"), malformed),
        (St::UnknownPurpose("x".into()), malformed),
        (St::WrongType { expected: "x" }, unverified),
        (St::PurposeMismatch { entry: "x".into() }, unverified),
        (
            St::ListUrlMismatch {
                expected: "a".into(),
                found: "b".into(),
            },
            unverified,
        ),
        (St::Expired, unverified),
        (St::NotYetValid, unverified),
        (St::Jws(JwsError::BadSignature), unverified),
        (
            St::Retrieval("down".into()),
            ("STATUS_RETRIEVAL_ERROR", R::StatusUnavailable),
        ),
        (
            St::NotFound("x".into()),
            ("STATUS_RETRIEVAL_ERROR", R::StatusUnavailable),
        ),
    ];
    rows.into_iter()
        .map(|(e, (code, reason))| (s(e), code, reason))
        .collect()
}

fn every_failure() -> Vec<Row> {
    let mut rows = own();
    rows.extend(credential());
    rows.extend(sd_jwt());
    rows.extend(data_integrity());
    rows.extend(status());
    rows
}

#[test]
fn every_failure_has_its_code_and_reason() {
    for (failure, code, reason) in every_failure() {
        assert_eq!(failure.code(), code, "{failure:?}");
        assert_eq!(failure.reason(), reason, "{failure:?}");
    }
}

#[test]
fn every_own_failure_is_walked() {
    let mut seen = [false; OWN_VARIANTS];
    for (failure, _, _) in own() {
        let index = own_index(&failure).unwrap();
        assert!(!seen[index], "{failure:?} twice");
        seen[index] = true;
    }
    assert!(seen.iter().all(|s| *s), "{seen:?}");
}

/// Typing the failures changed no code's meaning: each failure's reason and problem type are
/// what the string tables gave its code.
#[test]
fn failures_mean_what_their_codes_meant() {
    for (failure, _, _) in every_failure() {
        let code = failure.code();
        assert_eq!(failure.reason(), legacy::reason(code), "{failure:?}");
        assert_eq!(failure.problem_type(), legacy::problem(code), "{failure:?}");
    }
}

/// A report error prints its code and message as it always did.
#[test]
fn report_errors_serialize_their_code() {
    let error = super::ReportError::new(Failure::Credential(Cred::Jws(JwsError::BadSignature)), "bad");
    assert_eq!(
        serde_json::to_value(&error).unwrap(),
        serde_json::json!({"code": "BAD_SIGNATURE", "message": "bad"})
    );
    assert_eq!(error.reason(), R::BadSignature);
}

/// The string tables as they were before failures were typed, frozen: the spec the typed
/// mapping is checked against. Nothing outside this test reads them.
mod legacy {
    use super::{ProblemType, R};

    /// `ReasonCode::from_report_code`, as it was.
    pub(super) fn reason(code: &str) -> R {
        if let Some(reason) = R::from_code(code) {
            return reason;
        }
        match code {
            "INVALID_JSON"
            | "NOT_AN_OBJECT"
            | "UNKNOWN_FORMAT"
            | "UNSUPPORTED_FORMAT"
            | "INVALID_JWS"
            | "SD_JWT_MALFORMED"
            | "SD_JWT_INVALID_PAYLOAD"
            | "SD_JWT_INVALID_POINTER"
            | "SD_JWT_POINTER_NOT_FOUND"
            | "SD_JWT_TOO_DEEP"
            | "SD_JWT_UNEXPECTED_TYPE"
            | "MALFORMED_PROOF" => R::Malformed,
            "SD_JWT_TOO_LARGE" => R::TooLarge,
            "FORBIDDEN_ALGORITHM"
            | "ALGORITHM_MISMATCH"
            | "SD_JWT_UNSUPPORTED_HASH_ALGORITHM"
            | "DI_UNSUPPORTED_CRYPTOSUITE"
            | "DI_KEY_TYPE_MISMATCH" => R::AlgorithmNotAllowed,
            "UNSUPPORTED_CRITICAL" | "INVALID_CRITICAL" | "UNENCODED_PAYLOAD" | "INVALID_HEADER" => {
                R::UnsupportedHeader
            }
            "KEY_NOT_CONTROLLED" | "SD_JWT_KEY" | "PROOF_VERIFICATION_ERROR" => R::WrongKey,
            "SD_JWT_ISSUER_KEY"
            | "RESOLUTION"
            | "DID_RESOLUTION"
            | "notFound"
            | "invalidDid"
            | "invalidPublicKey"
            | "invalidPublicKeyLength" => R::IssuerKeyUnresolved,
            "deactivated" => R::DidDeactivated,
            "SD_JWT_ISSUED_IN_FUTURE" => R::NotYetValid,
            "STATUS_VERIFICATION_ERROR" | "STATUS_LIST_LENGTH_ERROR" | "RANGE_ERROR" => R::StatusInvalid,
            "STATUS_RETRIEVAL_ERROR" => R::StatusUnavailable,
            "SD_JWT_KEY_BINDING_REQUIRED" => R::HolderBindingMissing,
            "SD_JWT_HOLDER_KEY_UNRESOLVED" => R::HolderKeyUnresolved,
            "SD_JWT_HOLDER_KEY"
            | "SD_JWT_KEY_BINDING_JWS"
            | "SD_JWT_INVALID_KEY_BINDING"
            | "SD_JWT_SD_HASH_MISMATCH"
            | "SD_JWT_KEY_BINDING_STALE"
            | "SD_JWT_KEY_BINDING_IN_FUTURE" => R::HolderBindingInvalid,
            "SD_JWT_NONCE_MISMATCH" | "DI_CHALLENGE_MISMATCH" => R::NonceMismatch,
            "SD_JWT_AUDIENCE_MISMATCH" | "DI_DOMAIN_MISMATCH" => R::AudienceMismatch,
            "SD_JWT_DUPLICATE_DISCLOSURE" | "SD_JWT_DUPLICATE_DIGEST" => R::DisclosureDuplicate,
            "SD_JWT_INVALID_DISCLOSURE"
            | "SD_JWT_UNREFERENCED_DISCLOSURE"
            | "SD_JWT_DISCLOSURE_KIND_MISMATCH"
            | "SD_JWT_CLAIM_CONFLICT"
            | "SD_JWT_RESERVED_CLAIM" => R::DisclosureInvalid,
            _ => R::InvalidCredential,
        }
    }

    /// The VC-API's `error_type`, as it was.
    pub(super) fn problem(code: &str) -> ProblemType {
        match code {
            "INVALID_JSON" | "UNKNOWN_FORMAT" | "INVALID_JWS" | "SD_JWT_MALFORMED" | "TOO_LARGE" => {
                ProblemType::Parsing
            }
            "EXPIRED" | "NOT_YET_VALID" | "RANGE_ERROR" | "STATUS_LIST_LENGTH_ERROR" => ProblemType::Range,
            "BAD_SIGNATURE"
            | "PROOF_VERIFICATION_ERROR"
            | "KEY_NOT_CONTROLLED"
            | "ALGORITHM_MISMATCH"
            | "FORBIDDEN_ALGORITHM"
            | "SD_JWT_KEY_BINDING_JWS"
            | "SD_JWT_SD_HASH_MISMATCH"
            | "DI_RELATED_RESOURCE_MISMATCH" => ProblemType::CryptographicSecurity,
            "STATUS_RETRIEVAL_ERROR" => ProblemType::StatusRetrieval,
            "STATUS_VERIFICATION_ERROR" => ProblemType::StatusVerification,
            _ => ProblemType::MalformedValue,
        }
    }
}
