//! [`DidState`]: a DID's state after replaying its chain, and the chain rules every next
//! operation must satisfy. The node runs them before appending; resolvers and mirrors run the
//! same code to replay a chain.

use std::collections::HashMap;

use did_core::did::Did;
use did_core::document::Document;
use serde_json::{Map, Value};

use super::document::build_document;
use super::hash::{KeyCommitment, OperationHash};
use super::model::{DocumentChange, OperationPayload};
use super::patch::apply_patch;
use super::{Operation, OperationError};

/// The state of one DID: its current document, its chain of operation hashes, the key
/// commitment in force, and whether it is deactivated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidState {
    did: Did,
    document: Document,
    content: Map<String, Value>,
    hashes: Vec<OperationHash>,
    latest: OperationHash,
    positions: HashMap<OperationHash, usize>,
    next_key_commitment: Option<KeyCommitment>,
    deactivated: bool,
}

impl DidState {
    /// The state a `create` operation establishes. Fails with
    /// [`OperationError::ExpectedCreate`] for any other operation and with a document error if
    /// the initial document is not valid.
    pub fn create(operation: &Operation) -> Result<DidState, OperationError> {
        let OperationPayload::Create(payload) = operation.payload() else {
            return Err(OperationError::ExpectedCreate);
        };
        let did = operation.did().clone();
        let document = build_document(&did, &payload.document)?;
        let hash = *operation.hash();
        Ok(DidState {
            did,
            document,
            content: payload.document.clone(),
            hashes: vec![hash],
            latest: hash,
            positions: HashMap::from([(hash, 0)]),
            next_key_commitment: Some(payload.next_key_commitment),
            deactivated: false,
        })
    }

    /// Replays a whole chain, `create` first.
    pub fn replay<'a>(operations: impl IntoIterator<Item = &'a Operation>) -> Result<DidState, OperationError> {
        let mut operations = operations.into_iter();
        let first = operations.next().ok_or(OperationError::ExpectedCreate)?;
        let mut state = DidState::create(first)?;
        for operation in operations {
            state.apply_in_place(operation)?;
        }
        Ok(state)
    }

    /// The state after `operation`, which must continue this DID's chain. `self` is unchanged.
    ///
    /// Checks, in order: same DID ([`OperationError::DidMismatch`]); not already in the chain
    /// ([`OperationError::Replay`]); not a `create` ([`OperationError::DuplicateCreate`]); DID
    /// not deactivated ([`OperationError::Deactivated`]); `previous` is the latest operation
    /// ([`OperationError::ForkedChain`] if it names an earlier one,
    /// [`OperationError::StalePrevious`] if it names none of this DID's); `updateKey` matches
    /// the commitment in force ([`OperationError::KeyCommitmentMismatch`]); the new document is
    /// valid.
    pub fn apply(&self, operation: &Operation) -> Result<DidState, OperationError> {
        let mut next = self.clone();
        next.apply_in_place(operation)?;
        Ok(next)
    }

    /// As [`DidState::apply`], changing `self`; on error `self` is left as it was.
    pub fn apply_in_place(&mut self, operation: &Operation) -> Result<(), OperationError> {
        if operation.did() != &self.did {
            return Err(OperationError::DidMismatch {
                expected: self.did.to_string(),
                found: operation.did().to_string(),
            });
        }
        if let Some(index) = self.positions.get(operation.hash()) {
            return Err(OperationError::Replay {
                hash: operation.hash().to_string(),
                index: *index,
            });
        }
        let payload = operation.payload();
        let Some(previous) = payload.previous() else {
            return Err(OperationError::DuplicateCreate);
        };
        if self.deactivated {
            return Err(OperationError::Deactivated);
        }
        let latest = &self.latest;
        if previous != latest {
            return Err(match self.positions.get(previous) {
                Some(index) => OperationError::ForkedChain {
                    previous: previous.to_string(),
                    index: *index,
                    latest: latest.to_string(),
                },
                None => OperationError::StalePrevious {
                    previous: previous.to_string(),
                    latest: latest.to_string(),
                },
            });
        }
        // A live DID always has a commitment: only deactivate clears it.
        let expected = self.next_key_commitment.ok_or(OperationError::Deactivated)?;
        let found = KeyCommitment::of(payload.update_key());
        if found != expected {
            return Err(OperationError::KeyCommitmentMismatch {
                expected: expected.to_string(),
                found: found.to_string(),
            });
        }
        match payload {
            OperationPayload::Update(update) => {
                let content = match &update.change {
                    DocumentChange::Replace(document) => document.clone(),
                    DocumentChange::Patch(patch) => apply_patch(&self.content, patch)?,
                };
                self.document = build_document(&self.did, &content)?;
                self.content = content;
                self.next_key_commitment = Some(update.next_key_commitment);
            }
            OperationPayload::Deactivate(_) => {
                self.document = Document::new(self.did.clone());
                self.content = Map::new();
                self.next_key_commitment = None;
                self.deactivated = true;
            }
            OperationPayload::Create(_) => return Err(OperationError::DuplicateCreate),
        }
        let hash = *operation.hash();
        self.positions.insert(hash, self.hashes.len());
        self.hashes.push(hash);
        self.latest = hash;
        Ok(())
    }

    /// The DID.
    pub fn did(&self) -> &Did {
        &self.did
    }

    /// The current DID document (with `id`). After deactivation: a document with only `id`.
    pub fn document(&self) -> &Document {
        &self.document
    }

    /// The current document in its stored form (without `id`), which a JSON Patch applies to.
    pub fn content(&self) -> &Map<String, Value> {
        &self.content
    }

    /// The hash of the latest operation: the next operation's `previous`, and the `versionId`.
    pub fn last_operation(&self) -> &OperationHash {
        &self.latest
    }

    /// Every operation hash of the chain, `create` first.
    pub fn operation_hashes(&self) -> &[OperationHash] {
        &self.hashes
    }

    /// The commitment the next operation's `updateKey` must match (`None` once deactivated).
    pub fn next_key_commitment(&self) -> Option<&KeyCommitment> {
        self.next_key_commitment.as_ref()
    }

    /// Whether a `deactivate` ended the DID.
    pub fn is_deactivated(&self) -> bool {
        self.deactivated
    }

    /// How many operations the chain holds (1 after `create`).
    pub fn version(&self) -> usize {
        self.hashes.len()
    }
}
