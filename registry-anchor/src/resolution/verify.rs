//! Checking a resolution response against the operator key, the log id and a witness policy.

use did_core::key::{Jwk, VerifyingKey};

use super::{Resolution, TreeHeadView, VerificationError};
use crate::merkle::{self, Hash};
use crate::operation::{DidState, Operation};
use crate::tree_head::{
    Cosignature, KeyTransition, MAX_COSIGNATURES, SignedTreeHead, TreeHead, TreeHeadError, WitnessPolicy,
};

/// The most operations one DID's chain may have in a response a resolver accepts.
pub const MAX_CHAIN_LEN: usize = 10_000;

/// The largest resolution response (JSON bytes) a resolver reads.
pub const MAX_RESPONSE_LEN: usize = 8 * 1024 * 1024;

/// What a resolver trusts: the operator key, the log id and optionally k of n witnesses.
#[derive(Debug, Clone)]
pub struct ResolutionVerifier {
    operator: VerifyingKey,
    log_id: String,
    witnesses: WitnessPolicy,
}

/// A resolution whose every proof checked out.
#[derive(Debug, Clone)]
pub struct VerifiedResolution {
    state: DidState,
    head: SignedTreeHead,
    response: Resolution,
}

impl VerifiedResolution {
    /// The DID's state replayed from its proven operations (document, version, deactivation).
    pub fn state(&self) -> &DidState {
        &self.state
    }

    /// The verified tree head the proofs lead to.
    pub fn tree_head(&self) -> &SignedTreeHead {
        &self.head
    }

    /// The response as the node sent it (what an offline snapshot stores).
    pub fn response(&self) -> &Resolution {
        &self.response
    }
}

impl ResolutionVerifier {
    /// Trusts heads of `log_id` signed by `operator`, with no witness requirement.
    pub fn new(operator: VerifyingKey, log_id: impl Into<String>) -> ResolutionVerifier {
        ResolutionVerifier {
            operator,
            log_id: log_id.into(),
            witnesses: WitnessPolicy::none(),
        }
    }

    /// Also requires the witness co-signatures `policy` asks for.
    pub fn with_witnesses(mut self, policy: WitnessPolicy) -> ResolutionVerifier {
        self.witnesses = policy;
        self
    }

    /// The operator key heads must be signed by.
    pub fn operator(&self) -> &VerifyingKey {
        &self.operator
    }

    /// The log id heads must name.
    pub fn log_id(&self) -> &str {
        &self.log_id
    }

    /// Checks a tree head and its co-signatures: the operator's signature, the log id and the
    /// witness policy (`docs/did-dojang.md` §10 step 2).
    pub fn verify_tree_head(
        &self,
        tree_head: &str,
        cosignatures: &[String],
    ) -> Result<SignedTreeHead, VerificationError> {
        let head = SignedTreeHead::verify(tree_head, &self.operator).map_err(VerificationError::TreeHead)?;
        if head.head().log != self.log_id {
            return Err(VerificationError::TreeHead(TreeHeadError::LogMismatch {
                expected: self.log_id.clone(),
                found: head.head().log.chars().take(64).collect(),
            }));
        }
        if cosignatures.len() > MAX_COSIGNATURES {
            return Err(VerificationError::TreeHead(TreeHeadError::TooManyCosignatures {
                limit: MAX_COSIGNATURES,
            }));
        }
        if self.witnesses.threshold() > 0 {
            // Unparseable co-signatures count as neither valid nor known: skip them.
            let parsed: Vec<Cosignature> = cosignatures.iter().filter_map(|c| Cosignature::parse(c).ok()).collect();
            self.witnesses
                .check(&head, &parsed)
                .map_err(VerificationError::TreeHead)?;
        }
        Ok(head)
    }

    /// Follows an operator key transition (`docs/did-dojang.md` §7.1): `entry` must be signed
    /// by this verifier's operator key and by the new key it names, for this log; it must sit
    /// at `index`, its `size`; and `inclusion_proof` must prove it is entry `index` of
    /// `tree_head`, a head of more entries signed by the new key (with the witnesses this
    /// verifier requires). Returns the verifier of the new key, for the same log and witnesses.
    /// A statement signed by one key only, by another key than the one trusted, or not in the
    /// log is refused.
    pub fn follow_transition(
        &self,
        entry: &str,
        index: u64,
        inclusion_proof: &[String],
        tree_head: &str,
        cosignatures: &[String],
    ) -> Result<(ResolutionVerifier, KeyTransition), VerificationError> {
        let transition =
            KeyTransition::verify(entry, &self.operator, &self.log_id).map_err(VerificationError::TreeHead)?;
        if transition.size() != index {
            return Err(VerificationError::Order(format!(
                "the key transition names size {} but sits at index {index}",
                transition.size()
            )));
        }
        let next = ResolutionVerifier {
            operator: transition.to().clone(),
            log_id: self.log_id.clone(),
            witnesses: self.witnesses.clone(),
        };
        let head = next.verify_tree_head(tree_head, cosignatures)?;
        let (size, root) = (head.head().size, head.head().root_hash);
        let proof = decode_proof(inclusion_proof)?;
        merkle::verify_inclusion(&merkle::leaf_hash(entry.as_bytes()), index, size, &proof, &root)
            .map_err(|source| VerificationError::Inclusion { index, source })?;
        Ok((next, transition))
    }

    /// Checks a `GET /tree-head` answer.
    pub fn verify_tree_head_view(&self, view: &TreeHeadView) -> Result<SignedTreeHead, VerificationError> {
        self.verify_tree_head(&view.tree_head, &view.cosignatures)
    }

    /// Checks a resolution response for `did` (`docs/did-dojang.md` §10 steps 1–5): the tree
    /// head, every inclusion proof, every operation and the chain, and that the node's document
    /// and metadata are the ones the chain yields.
    pub fn verify(&self, did: &str, response: Resolution) -> Result<VerifiedResolution, VerificationError> {
        let head = self.verify_tree_head(&response.tree_head, &response.cosignatures)?;
        let size = head.head().size;
        let root = head.head().root_hash;
        if response.operations.is_empty() {
            return Err(VerificationError::Order("the response lists no operation".into()));
        }
        if response.operations.len() > MAX_CHAIN_LEN {
            return Err(VerificationError::TooLarge {
                what: "operations",
                limit: MAX_CHAIN_LEN,
            });
        }
        let mut operations = Vec::with_capacity(response.operations.len());
        let mut last_index = None;
        for entry in &response.operations {
            let index = entry.index;
            if last_index.is_some_and(|last| index <= last) {
                return Err(VerificationError::Order(format!(
                    "index {index} does not follow the one before"
                )));
            }
            last_index = Some(index);
            let proof = decode_proof(&entry.inclusion_proof)?;
            let leaf = merkle::leaf_hash(entry.operation.as_bytes());
            merkle::verify_inclusion(&leaf, index, size, &proof, &root)
                .map_err(|source| VerificationError::Inclusion { index, source })?;
            let operation =
                Operation::parse(&entry.operation).map_err(|source| VerificationError::Operation { index, source })?;
            operations.push((index, operation));
        }
        let state = replay(&operations)?;
        if state.did().as_str() != did {
            return Err(VerificationError::WrongDid {
                found: state.did().as_str().chars().take(128).collect(),
            });
        }
        let document = serde_json::to_value(state.document())
            .map_err(|e| VerificationError::Malformed(format!("the replayed document does not serialize: {e}")))?;
        if document != response.did_document {
            return Err(VerificationError::Mismatch("didDocument"));
        }
        let metadata = &response.did_document_metadata;
        if metadata.version_id != state.last_operation().to_string() {
            return Err(VerificationError::Mismatch("versionId"));
        }
        if metadata.deactivated != state.is_deactivated() {
            return Err(VerificationError::Mismatch("deactivated"));
        }
        Ok(VerifiedResolution { state, head, response })
    }

    /// Parses and checks a resolution response from its JSON bytes.
    pub fn verify_json(&self, did: &str, json: &[u8]) -> Result<VerifiedResolution, VerificationError> {
        self.verify(did, parse_resolution(json)?)
    }
}

/// Parses a resolution response (at most [`MAX_RESPONSE_LEN`] bytes) without checking it.
pub fn parse_resolution(json: &[u8]) -> Result<Resolution, VerificationError> {
    if json.len() > MAX_RESPONSE_LEN {
        return Err(VerificationError::TooLarge {
            what: "bytes",
            limit: MAX_RESPONSE_LEN,
        });
    }
    serde_json::from_slice(json).map_err(|e| VerificationError::Malformed(e.to_string()))
}

/// Checks that `new` extends `seen` with an RFC 9162 consistency proof (or, at equal sizes,
/// that the roots are equal). A failure means the log was forked or rewritten.
pub fn check_consistency(seen: &TreeHead, new: &TreeHead, proof: &[String]) -> Result<(), VerificationError> {
    let inconsistent = |reason: String| VerificationError::Inconsistent {
        seen_size: seen.size,
        reason,
    };
    if new.size < seen.size {
        return Err(inconsistent(format!("the new head is smaller ({})", new.size)));
    }
    let proof = decode_proof(proof)?;
    merkle::verify_consistency(seen.size, new.size, &seen.root_hash, &new.root_hash, &proof)
        .map_err(|e| inconsistent(e.to_string()))
}

/// Reads a registry key given as a `did:key` DID or DID URL, a Multikey (`z…`), or a public
/// JWK (JSON). A private JWK is refused: a resolver must never hold the operator's secret.
pub fn parse_registry_key(text: &str) -> Result<VerifyingKey, VerificationError> {
    let text = text.trim();
    let invalid = |e: &dyn std::fmt::Display| VerificationError::InvalidKey(e.to_string());
    if text.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| invalid(&e))?;
        if value.get("d").is_some() {
            return Err(VerificationError::InvalidKey(
                "a private JWK was given; give the public key".into(),
            ));
        }
        let jwk = Jwk::from_json(text).map_err(|e| invalid(&e))?;
        return VerifyingKey::from_jwk(&jwk).map_err(|e| invalid(&e));
    }
    let multikey = match text.strip_prefix("did:key:") {
        Some(rest) => rest.split('#').next().unwrap_or_default(),
        None => text,
    };
    VerifyingKey::from_multikey(multikey).map_err(|e| invalid(&e))
}

/// The log id a node uses when none is configured: its operator key's `did:key` (what `serve`
/// names its log, and what mirrors, witnesses and verifiers assume by default).
pub fn default_log_id(operator: &VerifyingKey) -> String {
    let kid = did_core::resolve::KeyResolver::key_id_for(operator);
    kid.split('#').next().unwrap_or_default().to_owned()
}

fn decode_proof(proof: &[String]) -> Result<Vec<Hash>, VerificationError> {
    // An audit path is at most 64 hashes long for any u64 size.
    if proof.len() > 64 {
        return Err(VerificationError::TooLarge {
            what: "proof hashes",
            limit: 64,
        });
    }
    proof
        .iter()
        .map(|hash| merkle::decode_hash(hash).map_err(|e| VerificationError::Malformed(e.to_string())))
        .collect()
}

fn replay(operations: &[(u64, Operation)]) -> Result<DidState, VerificationError> {
    let mut iter = operations.iter();
    let (first_index, first) = iter
        .next()
        .ok_or_else(|| VerificationError::Order("no operation".into()))?;
    let mut state = DidState::create(first).map_err(|source| VerificationError::Operation {
        index: *first_index,
        source,
    })?;
    for (index, operation) in iter {
        state
            .apply_in_place(operation)
            .map_err(|source| VerificationError::Operation { index: *index, source })?;
    }
    Ok(state)
}
