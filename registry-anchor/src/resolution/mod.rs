//! The resolution response of `docs/did-dojang.md` §10 and its checking.
//!
//! A node or mirror answers `GET /dids/{did}` with a [`Resolution`]: the document, the DID's
//! operations with inclusion proofs, and the signed tree head they lead to. A resolver trusts
//! none of it until [`ResolutionVerifier::verify`] has checked the head's signature (and witness
//! co-signatures), every inclusion proof, every operation's signature and the chain rules, and
//! replayed the chain to the same document.

mod model;

pub use model::{Resolution, ResolutionMetadata, ResolvedOperation, TreeHeadView};
