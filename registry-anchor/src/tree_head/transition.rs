//! The operator key transition: the log entry by which a registry's operator hands the log to
//! a new key (docs/did-dojang.md §7.1). Both keys sign the same JCS payload
//! `{"from": <old did:key>, "log": <log id>, "size": <u64>, "to": <new did:key>}`, each as a
//! compact JWS with `typ` `dojang-key-transition+jws`; the entry is the old key's JWS, `~`, the
//! new key's. It is entry `size` of the log: heads of more than `size` entries are signed by
//! the new key. The old key's signature authorizes the change, the new key's proves it is held;
//! a statement with one of them, or two over different payloads, is refused.

use did_core::key::{SigningKey, VerifyingKey};
use did_core::resolve::KeyResolver;
use serde::{Deserialize, Serialize};

use super::TreeHeadError;
use super::jws::{self, MAX_TREE_HEAD_JWS_LEN};

/// `typ` of each of a key transition's two signatures.
pub const KEY_TRANSITION_TYP: &str = "dojang-key-transition+jws";

/// The longest key transition entry accepted (two JWS and the separator).
pub const MAX_KEY_TRANSITION_LEN: usize = 2 * MAX_TREE_HEAD_JWS_LEN + 1;

#[derive(Serialize)]
struct WireOut<'a> {
    from: &'a str,
    log: &'a str,
    size: u64,
    to: &'a str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireIn {
    from: String,
    log: String,
    size: u64,
    to: String,
}

/// A verified operator key transition: the old key (as trusted before it), the new one, and
/// the log size at which the new one takes over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTransition {
    log: String,
    from: VerifyingKey,
    to: VerifyingKey,
    size: u64,
}

impl KeyTransition {
    /// The log entry handing `log` from `from` to `to` at `size` entries, signed by both.
    pub fn sign(log: &str, size: u64, from: &SigningKey, to: &SigningKey) -> Result<String, TreeHeadError> {
        if from.verifying_key() == to.verifying_key() {
            return Err(TreeHeadError::InvalidPayload("a key transition needs a new key"));
        }
        let payload = payload(log, size, from.verifying_key(), to.verifying_key())?;
        let old = jws::sign(KEY_TRANSITION_TYP, &payload, from)?;
        let new = jws::sign(KEY_TRANSITION_TYP, &payload, to)?;
        Ok(format!("{old}~{new}"))
    }

    /// Checks a key transition entry against the key trusted until now (`from`) and the log
    /// id: two signatures over the same canonical payload, the first by `from`, the second by
    /// the key the payload names as `to`, for this log.
    pub fn verify(entry: &str, from: &VerifyingKey, log: &str) -> Result<KeyTransition, TreeHeadError> {
        if entry.len() > MAX_KEY_TRANSITION_LEN {
            return Err(TreeHeadError::TooLarge {
                limit: MAX_KEY_TRANSITION_LEN,
            });
        }
        let Some((old, new)) = entry.split_once('~') else {
            return Err(TreeHeadError::InvalidPayload(
                "a key transition carries two signatures, the old key's and the new key's",
            ));
        };
        let old = jws::open(old, KEY_TRANSITION_TYP)?;
        let new = jws::open(new, KEY_TRANSITION_TYP)?;
        if old.payload() != new.payload() {
            return Err(TreeHeadError::PayloadMismatch);
        }
        let wire: WireIn = serde_json::from_slice(old.payload())
            .map_err(|_| TreeHeadError::InvalidPayload("not a JSON object with from, log, size and to"))?;
        let expected_from = did_key(from);
        if wire.from != expected_from {
            return Err(TreeHeadError::WrongOperator {
                expected: expected_from,
                found: super::error::truncated(&wire.from),
            });
        }
        if wire.log != log {
            return Err(TreeHeadError::LogMismatch {
                expected: log.to_owned(),
                found: super::error::truncated(&wire.log),
            });
        }
        let to = wire
            .to
            .strip_prefix("did:key:")
            .and_then(|multikey| VerifyingKey::from_multikey(multikey).ok())
            .ok_or(TreeHeadError::InvalidPayload("to is not a did:key"))?;
        if &to == from {
            return Err(TreeHeadError::InvalidPayload("a key transition needs a new key"));
        }
        if payload(log, wire.size, from, &to)? != old.payload() {
            return Err(TreeHeadError::NonCanonicalPayload);
        }
        jws::verify(old, from)?;
        jws::verify(new, &to)?;
        Ok(KeyTransition {
            log: wire.log,
            from: from.clone(),
            to,
            size: wire.size,
        })
    }

    /// The log.
    pub fn log(&self) -> &str {
        &self.log
    }

    /// The key trusted before.
    pub fn from(&self) -> &VerifyingKey {
        &self.from
    }

    /// The key that signs the log's heads after.
    pub fn to(&self) -> &VerifyingKey {
        &self.to
    }

    /// The entry's index: heads of more than `size` entries are signed by [`KeyTransition::to`].
    pub fn size(&self) -> u64 {
        self.size
    }
}

fn did_key(key: &VerifyingKey) -> String {
    let kid = KeyResolver::key_id_for(key);
    kid.split('#').next().unwrap_or_default().to_owned()
}

/// The canonical payload bytes.
fn payload(log: &str, size: u64, from: &VerifyingKey, to: &VerifyingKey) -> Result<Vec<u8>, TreeHeadError> {
    if log.is_empty() || log.len() > super::MAX_LOG_ID_LEN {
        return Err(TreeHeadError::InvalidPayload("log id is empty or too long"));
    }
    if size > super::MAX_JSON_INTEGER {
        return Err(TreeHeadError::InvalidPayload("size exceeds 2^53 - 1"));
    }
    let (from, to) = (did_key(from), did_key(to));
    serde_json_canonicalizer::to_vec(&WireOut {
        from: &from,
        log,
        size,
        to: &to,
    })
    .map_err(|_| TreeHeadError::InvalidPayload("key transition cannot be serialized"))
}
