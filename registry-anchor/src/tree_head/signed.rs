//! The operator's signed tree head.

use did_core::jose::Decoded;
use did_core::key::{SigningKey, VerifyingKey};

use super::jws::{self, TREE_HEAD_TYP};
use super::{TreeHead, TreeHeadError};

/// A tree head whose operator signature verified (or that was just signed).
///
/// Only [`SignedTreeHead::sign`], [`SignedTreeHead::verify`] and [`UnverifiedTreeHead::verify`]
/// make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTreeHead {
    head: TreeHead,
    payload: Vec<u8>,
    compact: String,
    operator: VerifyingKey,
}

impl SignedTreeHead {
    /// Signs `head` with the operator key (deterministic nonce; `kid` = the key's `did:key`
    /// DID URL). Fails if the head's values are out of range ([`TreeHead::validate`]).
    pub fn sign(head: TreeHead, operator: &SigningKey) -> Result<SignedTreeHead, TreeHeadError> {
        let payload = head.to_payload()?;
        let compact = jws::sign(TREE_HEAD_TYP, &payload, operator)?;
        Ok(SignedTreeHead {
            head,
            payload,
            compact,
            operator: operator.verifying_key().clone(),
        })
    }

    /// Parses and verifies a compact JWS with the operator key the caller trusts.
    ///
    /// Refuses: more than [`super::MAX_TREE_HEAD_JWS_LEN`] bytes, anything `did_core::jose`
    /// refuses (malformed, `alg` `none` or not allowed, unknown `crit`), a `typ` other than
    /// exactly `dojang-sth+jws`, `alg` not the key's algorithm, a `kid` other than the key's
    /// `did:key` DID URL, a payload that is not the canonical JCS of a valid tree head, and
    /// a bad signature.
    pub fn verify(compact: &str, operator: &VerifyingKey) -> Result<SignedTreeHead, TreeHeadError> {
        UnverifiedTreeHead::parse(compact)?.verify(operator)
    }

    /// The tree head.
    pub fn head(&self) -> &TreeHead {
        &self.head
    }

    /// The signed payload bytes (the JCS of the head), which co-signatures also sign.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The compact JWS.
    pub fn as_compact(&self) -> &str {
        &self.compact
    }

    /// The operator key the signature verified with.
    pub fn operator(&self) -> &VerifyingKey {
        &self.operator
    }
}

/// A tree head read from a compact JWS whose signature has **not** been checked yet: read
/// its `kid` or log id to choose the operator key, then call [`UnverifiedTreeHead::verify`].
#[derive(Debug, Clone)]
pub struct UnverifiedTreeHead<'a> {
    compact: &'a str,
    decoded: Decoded<'a>,
    head: TreeHead,
}

impl<'a> UnverifiedTreeHead<'a> {
    /// Parses a compact JWS: size limit, JWS structure and `alg` allow-list, `typ` exactly
    /// `dojang-sth+jws`, a `kid`, and a canonical tree head payload.
    pub fn parse(compact: &'a str) -> Result<UnverifiedTreeHead<'a>, TreeHeadError> {
        let decoded = jws::open(compact, TREE_HEAD_TYP)?;
        let head = TreeHead::from_payload(decoded.payload())?;
        Ok(UnverifiedTreeHead { compact, decoded, head })
    }

    /// The header's `kid` (unverified).
    pub fn kid(&self) -> &str {
        jws::kid_of(&self.decoded)
    }

    /// The tree head (unverified).
    pub fn head(&self) -> &TreeHead {
        &self.head
    }

    /// Verifies the signature with `operator` (see [`SignedTreeHead::verify`]).
    pub fn verify(self, operator: &VerifyingKey) -> Result<SignedTreeHead, TreeHeadError> {
        let verified = jws::verify(self.decoded, operator)?;
        Ok(SignedTreeHead {
            head: self.head,
            payload: verified.payload,
            compact: self.compact.to_owned(),
            operator: operator.clone(),
        })
    }
}
