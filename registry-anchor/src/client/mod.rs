//! The did:dojang resolver a verifier, wallet or door embeds (feature `client`).
//!
//! [`RegistryResolver`] implements did-core's [`Resolver`](did_core::resolve::Resolver). It asks
//! a node or mirror for a DID's resolution and trusts nothing in the answer until
//! [`ResolutionVerifier`](crate::resolution::ResolutionVerifier) has checked every proof against
//! the configured operator key, log id and witness policy. It remembers the largest tree head it
//! has seen and demands a consistency proof before accepting another, so a node that forks or
//! rewrites its log is caught the first time it answers. Verified answers are cached; a set of
//! them can be exported as an offline [`Snapshot`] that a door device imports (and re-verifies)
//! to resolve without a network.
//!
//! Plain `http://` node URLs are allowed: integrity comes from the proofs, not the transport.
//! Use `https://` when which DIDs a device resolves should stay private.
//!
//! ```no_run
//! use std::sync::Arc;
//! use did_core::resolve::Resolver;
//! use registry_anchor::client::RegistryResolver;
//! use registry_anchor::resolution::{ResolutionVerifier, parse_registry_key};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let operator = parse_registry_key("did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169")?;
//! let log_id = "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169";
//! let resolver = RegistryResolver::new(["https://registry.example"], ResolutionVerifier::new(operator, log_id))?;
//! let result = resolver.resolve_to_result("did:dojang:zQmExample").await;
//! println!("{:?}", result.did_resolution_metadata.error);
//! # Ok(())
//! # }
//! ```

mod cache;
mod node_api;
mod resolver;
mod snapshot;

use did_core::key::VerifyingKey;

use crate::resolution::{VerificationError, parse_registry_key};

/// The largest key file [`read_registry_key`] reads.
const MAX_KEY_FILE: u64 = 16 * 1024;

/// Reads a registry (operator) public key given on a command line or in a configuration: a
/// `did:key`, a Multikey, public JWK JSON, or the path of a file holding one of those.
pub fn read_registry_key(arg: &str) -> Result<VerifyingKey, VerificationError> {
    let path = std::path::Path::new(arg);
    let text = if path.is_file() {
        let unreadable = |e: std::io::Error| VerificationError::InvalidKey(format!("{arg}: {e}"));
        if std::fs::metadata(path).map_err(unreadable)?.len() > MAX_KEY_FILE {
            return Err(VerificationError::InvalidKey(format!(
                "{arg} is larger than {MAX_KEY_FILE} bytes"
            )));
        }
        std::fs::read_to_string(path).map_err(unreadable)?
    } else {
        arg.to_owned()
    };
    parse_registry_key(&text)
}

pub use node_api::{NodeApi, NodeApiError, WriteToken};
pub use resolver::{DEFAULT_OFFLINE_GRACE, DEFAULT_TTL, RegistryResolver};
pub use snapshot::{MAX_SNAPSHOT_LEN, SNAPSHOT_FORMAT, Snapshot};
