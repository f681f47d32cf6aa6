//! The `did:dojang` method: DID operations on a verifiable, append-only log (the RFC 9162
//! Certificate Transparency model), signed tree heads with optional witness co-signatures,
//! and the proofs a resolver checks so that it never has to trust a registry node.
//!
//! The method itself is specified in `docs/did-dojang.md`; this crate follows it.
//!
//! - [`merkle`]: RFC 9162 hashing, inclusion and consistency proofs (pure, no I/O).
//! - [`operation`]: `create` / `update` / `deactivate` operations, DID derivation, chain validation.
//! - [`tree_head`]: signed tree heads and witness co-signatures.
//! - [`resolution`]: the resolution response and its checking against operator and witness keys (pure).
//! - `client` (feature `client`): the did:dojang [`Resolver`](did_core::resolve::Resolver) that
//!   fetches resolutions from a node or mirror, checks every proof, caches and keeps offline snapshots.
//! - `node` (feature `node`): the registry node (store, batching writer, HTTP API).
//! - `anchor` (feature `anchor`): writing tree heads to an EVM chain and reading them back.
#![forbid(unsafe_code)]

#[cfg(feature = "anchor")]
pub mod anchor;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "client")]
pub mod client;
mod error;
pub mod merkle;
#[cfg(feature = "node")]
pub mod node;
pub mod operation;
pub mod resolution;
#[cfg(feature = "node")]
pub mod store;
pub mod tree_head;

pub use error::Error;
