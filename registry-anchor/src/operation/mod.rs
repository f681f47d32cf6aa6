//! `did:dojang` operations: `create`, `update` (whole document or JSON Patch) and `deactivate`,
//! as specified in `docs/did-dojang.md`.
//!
//! - [`Operation::parse`] reads a compact JWS and checks everything that needs no context: size,
//!   header, canonical (JCS) payload, members, revealed `updateKey`, low-S signature.
//! - [`DidState::create`] and [`DidState::apply`] check the chain rules (same DID, no replay,
//!   `previous` is the latest operation, the revealed key matches the commitment, nothing after
//!   `deactivate`, valid document) and compute the next state. The node runs them before
//!   appending; resolvers and mirrors run them to replay a chain.
//! - [`create`], [`update`], [`deactivate`] (and [`sign`], [`sign_with`]) build signed operations.
//!
//! ```
//! use did_core::key::{KeyType, SigningKey};
//! use registry_anchor::operation::{self, DidState, DocumentChange, KeyCommitment};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key0 = SigningKey::generate(KeyType::P256)?;
//! let key1 = SigningKey::generate(KeyType::P256)?;
//! let key2 = SigningKey::generate(KeyType::P256)?;
//! let document = json!({
//!     "verificationMethod": [{
//!         "id": "#key-1", "type": "Multikey",
//!         "publicKeyMultibase": key0.verifying_key().to_multikey(),
//!     }],
//!     "authentication": ["#key-1"],
//! });
//! let serde_json::Value::Object(document) = document else { unreachable!() };
//! let create = operation::create(&key0, KeyCommitment::of(key1.verifying_key()), document)?;
//! let state = DidState::create(&create)?;
//! assert!(state.did().as_str().starts_with("did:dojang:z"));
//!
//! let patch = serde_json::from_value(json!([{"op": "remove", "path": "/authentication/0"}]))
//!     .map(operation::PatchOperation::parse_patch)??;
//! let update = operation::update(
//!     state.did(), *state.last_operation(), &key1,
//!     KeyCommitment::of(key2.verifying_key()), DocumentChange::Patch(patch),
//! )?;
//! let state = state.apply(&update)?;
//! assert!(state.document().authentication.is_empty());
//! # Ok(())
//! # }
//! ```

mod canonical;
mod document;
mod error;
mod hash;
mod low_s;
mod model;
mod parse;
mod patch;
mod sign;
mod state;

pub use canonical::{METHOD, did_from_create_payload, parse_did};
pub use document::{METHOD_TYPES, build_document, key_document};
pub use error::OperationError;
pub use hash::{KeyCommitment, OperationHash};
pub use model::{CreatePayload, DeactivatePayload, DocumentChange, OperationPayload, OperationType, UpdatePayload};
pub use parse::Operation;
pub use patch::{JsonPointer, MAX_PATCH_OPERATIONS, PatchOperation, apply_patch};
pub use sign::{create, deactivate, sign, sign_with, signing_input, update};
pub use state::DidState;

/// The largest operation (compact JWS) accepted, in bytes: 32 KiB.
pub const MAX_OPERATION_LEN: usize = 32 * 1024;

/// The JWS `typ` of an operation.
pub const OPERATION_TYP: &str = "dojang-op+jws";
