//! What can go wrong with a tree head, a co-signature or a witness policy.

use did_core::jose::JwsError;
use did_core::key::KeyError;

use crate::merkle::MerkleError;

/// Why a signed tree head or co-signature was refused, or a witness would not co-sign.
///
/// Strings that come from the input are truncated to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeHeadError {
    /// The compact JWS is longer than [`super::MAX_TREE_HEAD_JWS_LEN`].
    #[error("tree head JWS exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The JWS layer refused it: malformed, forbidden `alg` (e.g. `none`), `alg` not the key's
    /// algorithm, unknown `crit`, or a signature that does not verify.
    #[error(transparent)]
    Jws(#[from] JwsError),
    /// The header's `typ` is not the one this kind of JWS must carry.
    #[error("JWS typ {found:?} is not {expected:?}")]
    WrongType {
        /// The required `typ`.
        expected: &'static str,
        /// The header's `typ`, if any.
        found: Option<String>,
    },
    /// The header has no `kid`.
    #[error("JWS header has no kid")]
    MissingKid,
    /// The header's `kid` is not the `did:key` DID URL of the key it is checked with: the
    /// head was signed by (or claims) another key.
    #[error("JWS kid {found:?} is not the expected key {expected:?}")]
    KidMismatch {
        /// The `did:key` DID URL of the key the caller trusts.
        expected: String,
        /// The header's `kid`.
        found: String,
    },
    /// The payload is not a tree head: not JSON, a missing, extra or repeated member, a
    /// member of the wrong type, or a bad root hash.
    #[error("invalid tree head payload: {0}")]
    InvalidPayload(&'static str),
    /// The payload is a tree head but not its canonical JCS serialization.
    #[error("tree head payload is not canonical JCS")]
    NonCanonicalPayload,
    /// A tree head value is out of range (empty or overlong log id, number above 2^53 - 1).
    #[error("invalid tree head: {0}")]
    InvalidTreeHead(&'static str),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Key(#[from] KeyError),
    /// A co-signature covers other bytes than the tree head it was presented with.
    #[error("co-signature is over a different tree head")]
    PayloadMismatch,
    /// The head was signed by another key than the operator the witness follows.
    #[error("tree head signed by {found:?}, not by the log operator {expected:?}")]
    WrongOperator {
        /// The operator key's `did:key` DID URL.
        expected: String,
        /// The signer's `did:key` DID URL.
        found: String,
    },
    /// The head belongs to another log.
    #[error("tree head is for log {found:?}, expected {expected:?}")]
    LogMismatch {
        /// The log id expected.
        expected: String,
        /// The head's log id.
        found: String,
    },
    /// The new head is smaller than the last one the witness co-signed: the log shrank.
    #[error("tree size went back from {previous} to {new}")]
    SizeShrank {
        /// The previously co-signed size.
        previous: u64,
        /// The new head's size.
        new: u64,
    },
    /// The new head's timestamp is earlier than the last one the witness co-signed.
    #[error("tree head timestamp went back from {previous} to {new}")]
    TimestampRegressed {
        /// The previously co-signed timestamp (ms).
        previous: u64,
        /// The new head's timestamp (ms).
        new: u64,
    },
    /// The new head does not extend the previously co-signed one: the consistency proof
    /// failed, so the log was forked or rewritten (or the proof is wrong).
    #[error("tree head is not consistent with the previous one: {0}")]
    Inconsistent(#[source] MerkleError),
    /// A witness policy that cannot be met or is malformed.
    #[error("invalid witness policy: {0}")]
    InvalidPolicy(&'static str),
    /// More co-signatures than [`super::MAX_COSIGNATURES`] were presented.
    #[error("more than {limit} co-signatures")]
    TooManyCosignatures {
        /// The limit.
        limit: usize,
    },
    /// Fewer distinct known witnesses co-signed the head than the policy requires.
    #[error(
        "{valid} of the required {required} witnesses co-signed the tree head ({} unknown, {} invalid)",
        .unknown.len(), .invalid.len()
    )]
    NotEnoughWitnesses {
        /// The policy's threshold.
        required: usize,
        /// Distinct known witnesses whose co-signature verified.
        valid: usize,
        /// `kid`s of co-signatures by witnesses the policy does not know.
        unknown: Vec<String>,
        /// `kid`s of known witnesses whose co-signature did not verify.
        invalid: Vec<String>,
    },
}

/// Truncates a string from the input to 64 characters for an error message.
pub(crate) fn truncated(text: &str) -> String {
    text.chars().take(64).collect()
}
