//! Verifying the proofs on a document.

use serde_json::{Map, Value};

use super::hashing::{hash_data, proof_config};
use super::proof::{PROOF_TYPE, parse_date_time, parse_purpose};
use super::suite::{Cryptosuite, Transformation};
use super::{DataIntegrityError, ProofExpectations, VerifiedProof};
use crate::clock::Clock;
use crate::did::DidUrl;
use crate::document::Relationship;
use crate::key::VerifyingKey;
use crate::multibase::{self, Base};
use crate::resolve::Resolver;
use crate::text::truncated;

/// Verifies every proof on `secured` with `key`; all must verify.
///
/// `proof` may be one object or a set (an array). Returns one [`VerifiedProof`] per
/// proof, in order, or the error of the first proof that failed (use
/// [`verify_each_with_key`] for one result per proof). `clock` decides whether
/// `expires` has passed.
pub fn verify_with_key(
    secured: &Value,
    key: &VerifyingKey,
    expected: &ProofExpectations,
    clock: &dyn Clock,
) -> Result<Vec<VerifiedProof>, DataIntegrityError> {
    verify_each_with_key(secured, key, expected, clock)?
        .into_iter()
        .collect()
}

/// One result per proof on `secured`, each checked against `key`. The outer error is
/// for a document that has no usable `proof` at all.
pub fn verify_each_with_key(
    secured: &Value,
    key: &VerifyingKey,
    expected: &ProofExpectations,
    clock: &dyn Clock,
) -> Result<Vec<Result<VerifiedProof, DataIntegrityError>>, DataIntegrityError> {
    let (unsecured, proofs) = split(secured)?;
    Ok(proofs
        .iter()
        .map(|proof| {
            let parsed = Parsed::read(proof, expected, clock)?;
            parsed.check(key.clone(), &unsecured, &proofs, expected)
        })
        .collect())
}

/// Verifies every proof on `secured`, dereferencing each `verificationMethod` (a DID
/// URL) with `resolver`; the DID document must list the method under the relationship
/// named by `proofPurpose` (which must be `expected.proof_purpose`). All proofs must
/// verify; see [`verify_with_key`] for the shape of the result.
pub async fn verify(
    secured: &Value,
    resolver: &dyn Resolver,
    expected: &ProofExpectations,
    clock: &dyn Clock,
) -> Result<Vec<VerifiedProof>, DataIntegrityError> {
    verify_each(secured, resolver, expected, clock)
        .await?
        .into_iter()
        .collect()
}

/// [`verify`] with one result per proof.
pub async fn verify_each(
    secured: &Value,
    resolver: &dyn Resolver,
    expected: &ProofExpectations,
    clock: &dyn Clock,
) -> Result<Vec<Result<VerifiedProof, DataIntegrityError>>, DataIntegrityError> {
    let (unsecured, proofs) = split(secured)?;
    let mut results = Vec::with_capacity(proofs.len());
    for proof in &proofs {
        let result = match Parsed::read(proof, expected, clock) {
            Ok(parsed) => match resolve_key(&parsed, resolver).await {
                Ok(key) => parsed.check(key, &unsecured, &proofs, expected),
                Err(error) => Err(error),
            },
            Err(error) => Err(error),
        };
        results.push(result);
    }
    Ok(results)
}

async fn resolve_key(parsed: &Parsed<'_>, resolver: &dyn Resolver) -> Result<VerifyingKey, DataIntegrityError> {
    let method = DidUrl::parse(parsed.verification_method)
        .map_err(|_| DataIntegrityError::InvalidVerificationMethod(truncated(parsed.verification_method)))?;
    Ok(resolver.resolve_verifying_key(&method, parsed.purpose).await?)
}

/// The document without `proof`, and its proofs.
fn split(secured: &Value) -> Result<(Map<String, Value>, Vec<Value>), DataIntegrityError> {
    let Value::Object(document) = secured else {
        return Err(DataIntegrityError::InvalidDocument(
            "a secured document must be a JSON object",
        ));
    };
    let mut unsecured = document.clone();
    let proofs = match unsecured.remove("proof") {
        None => return Err(DataIntegrityError::MissingProof),
        Some(Value::Array(proofs)) if proofs.is_empty() => return Err(DataIntegrityError::MissingProof),
        Some(Value::Array(proofs)) => proofs,
        Some(proof @ Value::Object(_)) => vec![proof],
        Some(_) => {
            return Err(DataIntegrityError::MalformedProof(
                "proof must be an object or an array",
            ));
        }
    };
    Ok((unsecured, proofs))
}

/// The proofs of `proofs` whose `id` is in `ids`, in the order of `ids`.
pub(super) fn matching_proofs(proofs: &[Value], ids: &[String]) -> Result<Vec<Value>, DataIntegrityError> {
    ids.iter()
        .map(|id| {
            proofs
                .iter()
                .find(|proof| proof.get("id").and_then(Value::as_str) == Some(id.as_str()))
                .cloned()
                .ok_or_else(|| DataIntegrityError::PreviousProofNotFound(truncated(id)))
        })
        .collect()
}

fn string_member<'a>(proof: &'a Map<String, Value>, name: &'static str) -> Result<Option<&'a str>, DataIntegrityError> {
    match proof.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(DataIntegrityError::MalformedProof(name)),
    }
}

fn required<'a>(proof: &'a Map<String, Value>, name: &'static str) -> Result<&'a str, DataIntegrityError> {
    string_member(proof, name)?.ok_or(DataIntegrityError::MalformedProof(name))
}

/// A proof whose members have been read and checked against the expectations, before
/// any key or hashing.
struct Parsed<'a> {
    proof: &'a Map<String, Value>,
    suite: Cryptosuite,
    signature: Vec<u8>,
    verification_method: &'a str,
    purpose: Relationship,
    verified: VerifiedFields,
}

struct VerifiedFields {
    id: Option<String>,
    created: Option<time::OffsetDateTime>,
    expires: Option<time::OffsetDateTime>,
}

impl<'a> Parsed<'a> {
    fn read(
        proof: &'a Value,
        expected: &ProofExpectations,
        clock: &dyn Clock,
    ) -> Result<Parsed<'a>, DataIntegrityError> {
        let Value::Object(proof) = proof else {
            return Err(DataIntegrityError::MalformedProof("proof must be an object"));
        };
        let proof_type = required(proof, "type")?;
        if proof_type != PROOF_TYPE {
            return Err(DataIntegrityError::UnsupportedProofType(truncated(proof_type)));
        }
        let suite = Cryptosuite::from_name(required(proof, "cryptosuite")?)?;
        let purpose_name = required(proof, "proofPurpose")?;
        let purpose = parse_purpose(purpose_name).ok_or_else(|| DataIntegrityError::PurposeMismatch {
            expected: expected.proof_purpose.as_str().to_owned(),
            found: truncated(purpose_name),
        })?;
        if purpose != expected.proof_purpose {
            return Err(DataIntegrityError::PurposeMismatch {
                expected: expected.proof_purpose.as_str().to_owned(),
                found: purpose.as_str().to_owned(),
            });
        }
        if let Some(challenge) = &expected.challenge
            && string_member(proof, "challenge")? != Some(challenge.as_str())
        {
            return Err(DataIntegrityError::ChallengeMismatch);
        }
        if let Some(domain) = &expected.domain {
            let matches = match proof.get("domain") {
                Some(Value::String(found)) => found == domain,
                Some(Value::Array(found)) => found.iter().any(|d| d.as_str() == Some(domain.as_str())),
                _ => false,
            };
            if !matches {
                return Err(DataIntegrityError::DomainMismatch);
            }
        }
        let created = string_member(proof, "created")?
            .map(|v| parse_date_time("created", v))
            .transpose()?;
        let expires = string_member(proof, "expires")?
            .map(|v| parse_date_time("expires", v))
            .transpose()?;
        if let Some(expires) = expires
            && time::OffsetDateTime::from(clock.now()) > expires
        {
            return Err(DataIntegrityError::Expired);
        }
        let verification_method = required(proof, "verificationMethod")?;
        let (base, signature) = multibase::decode(required(proof, "proofValue")?)
            .map_err(|_| DataIntegrityError::InvalidProofValue("not multibase"))?;
        if base != Base::Base58Btc {
            return Err(DataIntegrityError::InvalidProofValue(
                "proofValue must be base58btc ('z')",
            ));
        }
        let id = string_member(proof, "id")?.map(str::to_owned);
        Ok(Parsed {
            proof,
            suite,
            signature,
            verification_method,
            purpose,
            verified: VerifiedFields { id, created, expires },
        })
    }

    /// Rebuilds the signed bytes and checks the signature with `key`.
    fn check(
        self,
        key: VerifyingKey,
        unsecured: &Map<String, Value>,
        proofs: &[Value],
        expected: &ProofExpectations,
    ) -> Result<VerifiedProof, DataIntegrityError> {
        self.suite.check_key(key.key_type())?;
        let mut unsecured = unsecured.clone();
        if let Some(previous) = self.proof.get("previousProof") {
            let ids: Vec<String> = match previous {
                Value::String(id) => vec![id.clone()],
                Value::Array(ids) => ids
                    .iter()
                    .map(|id| id.as_str().map(str::to_owned))
                    .collect::<Option<_>>()
                    .ok_or(DataIntegrityError::MalformedProof("previousProof"))?,
                _ => return Err(DataIntegrityError::MalformedProof("previousProof")),
            };
            unsecured.insert("proof".into(), Value::Array(matching_proofs(proofs, &ids)?));
        }
        let mut options = self.proof.clone();
        options.remove("proofValue");
        let config = match self.suite.transformation() {
            Transformation::Rdfc => {
                if let Some(context) = options.get("@context")
                    && unsecured.get("@context") != Some(context)
                {
                    return Err(DataIntegrityError::ContextMismatch);
                }
                super::related::check_pinned_contexts(&unsecured, expected.loader.as_ref())?;
                proof_config(&options, &unsecured)
            }
            Transformation::Jcs => {
                if let Some(context) = options.get("@context") {
                    if !starts_with(unsecured.get("@context"), context) {
                        return Err(DataIntegrityError::ContextMismatch);
                    }
                    unsecured.insert("@context".into(), context.clone());
                }
                Value::Object(options)
            }
        };
        let data = hash_data(
            self.suite,
            key.key_type(),
            &Value::Object(unsecured),
            &config,
            expected.loader.as_ref(),
        )?;
        key.verify(&data, &self.signature)?;
        Ok(VerifiedProof {
            cryptosuite: self.suite,
            verification_method: self.verification_method.to_owned(),
            proof_purpose: self.purpose,
            id: self.verified.id,
            created: self.verified.created,
            expires: self.verified.expires,
            key,
        })
    }
}

/// Whether the document's `@context` starts with the proof's (ecdsa-jcs-2019 §3.3.2):
/// a single value is a one-element list.
fn starts_with(document: Option<&Value>, proof: &Value) -> bool {
    fn as_list(value: &Value) -> &[Value] {
        match value {
            Value::Array(items) => items,
            other => std::slice::from_ref(other),
        }
    }
    let Some(document) = document else {
        return false;
    };
    as_list(document).starts_with(as_list(proof))
}
