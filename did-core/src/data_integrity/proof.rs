//! Proof options for signing, expectations for verifying, and what a verification reports.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::suite::Cryptosuite;
use super::{DataIntegrityError, DocumentLoader, StaticLoader};
use crate::document::Relationship;
use crate::key::VerifyingKey;
use crate::text::truncated;

/// The proof `type` this module creates and verifies.
pub const PROOF_TYPE: &str = "DataIntegrityProof";

/// What to put in a new proof (the Data Integrity "proof options").
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProofOptions {
    /// `verificationMethod`: the DID URL of the signing key (`did:key:z…#z…`).
    pub verification_method: String,
    /// `proofPurpose`; [`Relationship::AssertionMethod`] by default (use
    /// [`Relationship::Authentication`] for presentations).
    pub proof_purpose: Relationship,
    /// `created`, an XML Schema dateTimeStamp (`2024-01-01T00:00:00Z`); omitted if `None`.
    pub created: Option<String>,
    /// `expires`, an XML Schema dateTimeStamp; omitted if `None`.
    pub expires: Option<String>,
    /// `challenge` (a verifier's nonce, for presentations).
    pub challenge: Option<String>,
    /// `domain` (the intended verifier, for presentations).
    pub domain: Option<String>,
    /// `id` of the proof (a URL, e.g. `urn:uuid:…`), needed for `previousProof` chains.
    pub id: Option<String>,
    /// `previousProof`: ids of proofs already on the document that this proof covers.
    pub previous_proof: Vec<String>,
}

impl ProofOptions {
    /// Options for an `assertionMethod` proof by `verification_method`, with nothing else set.
    pub fn new(verification_method: impl Into<String>) -> ProofOptions {
        ProofOptions {
            verification_method: verification_method.into(),
            proof_purpose: Relationship::AssertionMethod,
            created: None,
            expires: None,
            challenge: None,
            domain: None,
            id: None,
            previous_proof: Vec::new(),
        }
    }

    /// Sets `proofPurpose`.
    pub fn with_purpose(mut self, purpose: Relationship) -> ProofOptions {
        self.proof_purpose = purpose;
        self
    }

    /// Sets `created` to `at`, formatted as `YYYY-MM-DDThh:mm:ssZ`.
    pub fn with_created(mut self, at: SystemTime) -> ProofOptions {
        self.created = Some(format_date_time(at));
        self
    }

    /// Sets `expires` to `at`, formatted as `YYYY-MM-DDThh:mm:ssZ`.
    pub fn with_expires(mut self, at: SystemTime) -> ProofOptions {
        self.expires = Some(format_date_time(at));
        self
    }

    /// Sets `challenge`.
    pub fn with_challenge(mut self, challenge: impl Into<String>) -> ProofOptions {
        self.challenge = Some(challenge.into());
        self
    }

    /// Sets `domain`.
    pub fn with_domain(mut self, domain: impl Into<String>) -> ProofOptions {
        self.domain = Some(domain.into());
        self
    }

    /// Sets the proof `id`.
    pub fn with_id(mut self, id: impl Into<String>) -> ProofOptions {
        self.id = Some(id.into());
        self
    }

    /// The proof object without `proofValue` (and without `@context`).
    pub(super) fn to_proof(&self, suite: Cryptosuite) -> Result<Map<String, Value>, DataIntegrityError> {
        let mut proof = Map::new();
        proof.insert("type".into(), PROOF_TYPE.into());
        proof.insert("cryptosuite".into(), suite.name().into());
        if let Some(id) = &self.id {
            proof.insert("id".into(), id.as_str().into());
        }
        if let Some(created) = &self.created {
            parse_date_time("created", created)?;
            proof.insert("created".into(), created.as_str().into());
        }
        if let Some(expires) = &self.expires {
            parse_date_time("expires", expires)?;
            proof.insert("expires".into(), expires.as_str().into());
        }
        proof.insert("verificationMethod".into(), self.verification_method.as_str().into());
        proof.insert("proofPurpose".into(), self.proof_purpose.as_str().into());
        if let Some(challenge) = &self.challenge {
            proof.insert("challenge".into(), challenge.as_str().into());
        }
        if let Some(domain) = &self.domain {
            proof.insert("domain".into(), domain.as_str().into());
        }
        match self.previous_proof.as_slice() {
            [] => {}
            [one] => {
                proof.insert("previousProof".into(), one.as_str().into());
            }
            many => {
                proof.insert(
                    "previousProof".into(),
                    Value::Array(many.iter().map(|id| id.as_str().into()).collect()),
                );
            }
        }
        Ok(proof)
    }
}

/// What the verifier requires of a proof, and where JSON-LD contexts come from.
#[derive(Clone)]
#[non_exhaustive]
pub struct ProofExpectations {
    /// The required `proofPurpose` (default [`Relationship::AssertionMethod`]). With a
    /// resolver, the verification method must also be listed under this relationship
    /// in its DID document.
    pub proof_purpose: Relationship,
    /// If set, the proof's `challenge` must equal it.
    pub challenge: Option<String>,
    /// If set, the proof's `domain` must equal it (or, for an array `domain`, contain it).
    pub domain: Option<String>,
    /// Loads JSON-LD contexts for the `*-rdfc-*` suites; [`StaticLoader`] by default.
    pub loader: Arc<dyn DocumentLoader>,
}

impl ProofExpectations {
    /// Expect `purpose`, no challenge, no domain, the static loader.
    pub fn new(purpose: Relationship) -> ProofExpectations {
        ProofExpectations {
            proof_purpose: purpose,
            challenge: None,
            domain: None,
            loader: Arc::new(StaticLoader),
        }
    }

    /// Expect an `authentication` proof with this challenge and domain (a presentation).
    pub fn authentication(challenge: impl Into<String>, domain: impl Into<String>) -> ProofExpectations {
        ProofExpectations::new(Relationship::Authentication)
            .with_challenge(challenge)
            .with_domain(domain)
    }

    /// Requires `challenge`.
    pub fn with_challenge(mut self, challenge: impl Into<String>) -> ProofExpectations {
        self.challenge = Some(challenge.into());
        self
    }

    /// Requires `domain`.
    pub fn with_domain(mut self, domain: impl Into<String>) -> ProofExpectations {
        self.domain = Some(domain.into());
        self
    }

    /// Loads contexts with `loader` instead of the static one.
    pub fn with_loader(mut self, loader: Arc<dyn DocumentLoader>) -> ProofExpectations {
        self.loader = loader;
        self
    }
}

impl Default for ProofExpectations {
    fn default() -> Self {
        ProofExpectations::new(Relationship::AssertionMethod)
    }
}

impl fmt::Debug for ProofExpectations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProofExpectations")
            .field("proof_purpose", &self.proof_purpose)
            .field("challenge", &self.challenge)
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

/// A proof that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedProof {
    /// The proof's cryptosuite.
    pub cryptosuite: Cryptosuite,
    /// The proof's `verificationMethod`.
    pub verification_method: String,
    /// The proof's `proofPurpose`.
    pub proof_purpose: Relationship,
    /// The proof's `id`, if any.
    pub id: Option<String>,
    /// The proof's `created`, if any.
    pub created: Option<OffsetDateTime>,
    /// The proof's `expires`, if any.
    pub expires: Option<OffsetDateTime>,
    /// The key the signature verified with.
    pub key: VerifyingKey,
}

/// Parses a `proofPurpose` value.
pub(super) fn parse_purpose(value: &str) -> Option<Relationship> {
    Relationship::ALL.into_iter().find(|r| r.as_str() == value)
}

/// Parses an XML Schema dateTimeStamp (a dateTime with a time zone): RFC 3339 with an
/// upper-case `T` and `Z`.
pub(super) fn parse_date_time(field: &'static str, value: &str) -> Result<OffsetDateTime, DataIntegrityError> {
    let invalid = || DataIntegrityError::InvalidDateTime {
        field,
        value: truncated(value),
    };
    if value.as_bytes().get(10) != Some(&b'T') || value.contains('z') {
        return Err(invalid());
    }
    OffsetDateTime::parse(value, &Rfc3339).map_err(|_| invalid())
}

fn format_date_time(at: SystemTime) -> String {
    let at = OffsetDateTime::from(at);
    let at = at.replace_nanosecond(0).unwrap_or(at);
    at.format(&Rfc3339).unwrap_or_default()
}
