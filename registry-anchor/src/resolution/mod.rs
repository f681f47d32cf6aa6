//! The resolution response of `docs/did-dojang.md` §10 and its checking (pure, no I/O).
//!
//! A node or mirror answers `GET /dids/{did}` with a [`Resolution`]: the document, the DID's
//! operations with inclusion proofs, and the signed tree head they lead to. A resolver trusts
//! none of it until [`ResolutionVerifier::verify`] has checked the head's signature, log id and
//! witness co-signatures, every inclusion proof, every operation's signature and the chain
//! rules, and replayed the chain to the same document and metadata.

mod did_core_view;
mod error;
mod model;
mod verify;

pub use error::VerificationError;
pub use model::{
    ConsistencyAnswer, EntriesAnswer, Entry, Resolution, ResolutionMetadata, ResolvedOperation, TreeHeadView,
};
pub use verify::{
    MAX_CHAIN_LEN, MAX_RESPONSE_LEN, ResolutionVerifier, VerifiedResolution, check_consistency, default_log_id,
    parse_registry_key, parse_resolution,
};
