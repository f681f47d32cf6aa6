//! Offline trust bundles: what a door needs to keep deciding when the network is down.
//!
//! A bundle is a compact JWS (`typ: dojang-trust-bundle+jwt`) signed by the operator's key
//! over a JSON document ([`model::BundleContent`], `"version": 1`) holding:
//!
//! - `issued_at`, `expires_at` (seconds since the Unix epoch) and `operator` (the signer's key
//!   id, informational: the bundle is only ever checked against keys configured on the door);
//! - `issuers`: the trusted issuer DIDs per credential type (a VC `type` or an SD-JWT VC `vct`);
//! - `registry`: the issuers' did:dojang answers with every proof, as a registry-anchor offline
//!   [`Snapshot`](registry_anchor::client::Snapshot), re-verified on load;
//! - `documents`: DID documents of the other issuer DIDs (did:web, ...) as resolved when built
//!   (did:key and did:jwk need none: they are computed locally);
//! - `status_lists`: for each status list URL, the exact bytes published there (base64url) and
//!   when they were fetched.
//!
//! [`BundleBuilder`] makes one; [`TrustBundle::load`] checks one and gives a [`LoadedBundle`]
//! with an offline resolver and status source. A bundle past its `expires_at` still loads and
//! reports [`LoadedBundle::is_stale`]: the policy decides whether to deny.

mod build;
#[cfg(feature = "cli")]
pub mod cli;
mod jws;
mod load;
pub mod model;
mod resolver;

pub use crate::error::BundleError;
pub use build::{BundleBuilder, DEFAULT_VALIDITY};
pub use load::{LoadedBundle, TrustBundle};

/// The JWS `typ` of a trust bundle.
pub const BUNDLE_TYP: &str = "dojang-trust-bundle+jwt";

/// The content version this release writes and reads.
pub const BUNDLE_VERSION: u32 = 1;

/// The largest bundle (compact JWS bytes) [`TrustBundle::load`] reads (32 MiB).
pub const MAX_BUNDLE_LEN: usize = 32 * 1024 * 1024;

/// The most entries each of `issuers`, `documents` and `status_lists` may hold, and the most
/// DIDs one credential type may list.
pub const MAX_ENTRIES: usize = 10_000;
