//! Witness co-signatures, and the witness that makes them.

use did_core::key::{SigningKey, VerifyingKey};
use did_core::resolve::KeyResolver;

use super::error::truncated;
use super::jws::{self, COSIGNATURE_TYP};
use super::{SignedTreeHead, TreeHead, TreeHeadError};
use crate::merkle::{EMPTY_ROOT, Hash, verify_consistency};

/// A witness's compact JWS over a signed tree head's payload bytes (`typ`
/// `dojang-cosig+jws`, `kid` = the witness key's `did:key` DID URL).
///
/// Holding one says nothing until [`Cosignature::verify`] (or a [`super::WitnessPolicy`])
/// checked it against a head and a witness key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    compact: String,
    kid: String,
}

impl Cosignature {
    /// Parses a compact JWS: size limit, JWS structure and `alg` allow-list, `typ` exactly
    /// `dojang-cosig+jws`, and a `kid`. The signature is not checked.
    pub fn parse(compact: &str) -> Result<Cosignature, TreeHeadError> {
        let decoded = jws::open(compact, COSIGNATURE_TYP)?;
        let kid = jws::kid_of(&decoded).to_owned();
        Ok(Cosignature {
            compact: compact.to_owned(),
            kid,
        })
    }

    /// The `kid`: the witness key's `did:key` DID URL, as claimed (unverified until
    /// [`Cosignature::verify`]).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The compact JWS.
    pub fn as_compact(&self) -> &str {
        &self.compact
    }

    /// Verifies that `witness` co-signed exactly `head`'s payload bytes: `alg` the key's,
    /// `kid` its `did:key` DID URL, no `crit`, the same payload, and the signature.
    pub fn verify(&self, head: &SignedTreeHead, witness: &VerifyingKey) -> Result<(), TreeHeadError> {
        let decoded = jws::open(&self.compact, COSIGNATURE_TYP)?;
        if decoded.payload() != head.payload() {
            return Err(TreeHeadError::PayloadMismatch);
        }
        jws::verify(decoded, witness)?;
        Ok(())
    }
}

/// A witness: it follows one log of one operator and co-signs a head only if it extends
/// the last head it co-signed.
///
/// The witness's memory (the last head it co-signed) is the caller's to keep durably:
/// [`Witness::cosign`] is pure and takes it as an argument.
#[derive(Debug)]
pub struct Witness {
    key: SigningKey,
    operator: VerifyingKey,
    log: String,
}

impl Witness {
    /// A witness signing with `key` for the log `log` whose heads `operator` signs.
    pub fn new(key: SigningKey, operator: VerifyingKey, log: impl Into<String>) -> Witness {
        Witness {
            key,
            operator,
            log: log.into(),
        }
    }

    /// The witness's public key (what a [`super::WitnessPolicy`] lists).
    pub fn verifying_key(&self) -> &VerifyingKey {
        self.key.verifying_key()
    }

    /// The witness's `kid`: its key's `did:key` DID URL.
    pub fn kid(&self) -> String {
        KeyResolver::key_id_for(self.key.verifying_key())
    }

    /// Co-signs `new` if it is consistent with `previous`, the last head this witness
    /// co-signed (`None` for its first: then `new` must be consistent with the empty tree,
    /// i.e. `consistency_proof` is empty).
    ///
    /// Refuses, in order: a head signed by another key than the operator's
    /// ([`TreeHeadError::WrongOperator`]), a head of another log (or a `previous` of another
    /// log) ([`TreeHeadError::LogMismatch`]), a smaller size ([`TreeHeadError::SizeShrank`]),
    /// an earlier timestamp ([`TreeHeadError::TimestampRegressed`]), and a consistency proof
    /// from `previous` to `new` that does not verify ([`TreeHeadError::Inconsistent`]: a fork
    /// or a rewritten log; for equal sizes the roots must be equal and the proof empty).
    pub fn cosign(
        &self,
        previous: Option<&TreeHead>,
        new: &SignedTreeHead,
        consistency_proof: &[Hash],
    ) -> Result<Cosignature, TreeHeadError> {
        if new.operator() != &self.operator {
            return Err(TreeHeadError::WrongOperator {
                expected: KeyResolver::key_id_for(&self.operator),
                found: KeyResolver::key_id_for(new.operator()),
            });
        }
        let head = new.head();
        if head.log != self.log {
            return Err(TreeHeadError::LogMismatch {
                expected: truncated(&self.log),
                found: truncated(&head.log),
            });
        }
        let (old_size, old_root) = match previous {
            None => (0, EMPTY_ROOT),
            Some(previous) => {
                if previous.log != self.log {
                    return Err(TreeHeadError::LogMismatch {
                        expected: truncated(&self.log),
                        found: truncated(&previous.log),
                    });
                }
                if head.size < previous.size {
                    return Err(TreeHeadError::SizeShrank {
                        previous: previous.size,
                        new: head.size,
                    });
                }
                if head.timestamp_ms < previous.timestamp_ms {
                    return Err(TreeHeadError::TimestampRegressed {
                        previous: previous.timestamp_ms,
                        new: head.timestamp_ms,
                    });
                }
                (previous.size, previous.root_hash)
            }
        };
        verify_consistency(old_size, head.size, &old_root, &head.root_hash, consistency_proof)
            .map_err(TreeHeadError::Inconsistent)?;
        let compact = jws::sign(COSIGNATURE_TYP, new.payload(), &self.key)?;
        Ok(Cosignature {
            compact,
            kid: self.kid(),
        })
    }
}
