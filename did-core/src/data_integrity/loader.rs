//! JSON-LD document loading: the [`DocumentLoader`] seam and the offline [`StaticLoader`].

use super::DataIntegrityError;
use crate::text::truncated;

/// Largest JSON-LD context a loader may return, in bytes (1 MiB).
pub const MAX_CONTEXT_BYTES: usize = 1 << 20;

/// Most distinct contexts one canonicalization may load.
pub const MAX_CONTEXTS: usize = 32;

/// Loads JSON-LD contexts by URL.
///
/// The default, [`StaticLoader`], serves the contexts shipped in did-core and refuses
/// every other URL with [`DataIntegrityError::UnknownContext`]. A caller who wants more
/// (a pinned context of their own, or network fetching with their own policy and cache)
/// implements this trait; did-core itself never fetches contexts.
pub trait DocumentLoader: Send + Sync {
    /// The bytes of the JSON-LD document at `url`. Return
    /// [`DataIntegrityError::UnknownContext`] for a URL you do not serve.
    fn load(&self, url: &str) -> Result<Vec<u8>, DataIntegrityError>;
}

/// The shipped contexts, by URL (see `did-core/contexts/SOURCES.md`).
const CONTEXTS: &[(&str, &[u8])] = &[
    (
        "https://www.w3.org/ns/credentials/v2",
        include_bytes!("../../contexts/credentials-v2.jsonld"),
    ),
    (
        "https://www.w3.org/2018/credentials/v1",
        include_bytes!("../../contexts/credentials-v1.jsonld"),
    ),
    (
        "https://www.w3.org/ns/credentials/examples/v2",
        include_bytes!("../../contexts/credentials-examples-v2.jsonld"),
    ),
    (
        "https://www.w3.org/2018/credentials/examples/v1",
        include_bytes!("../../contexts/credentials-examples-v1.jsonld"),
    ),
    (
        "https://www.w3.org/ns/credentials/undefined-terms/v2",
        include_bytes!("../../contexts/credentials-undefined-terms-v2.jsonld"),
    ),
    (
        "https://w3id.org/security/data-integrity/v2",
        include_bytes!("../../contexts/data-integrity-v2.jsonld"),
    ),
    (
        "https://w3id.org/security/data-integrity/v1",
        include_bytes!("../../contexts/data-integrity-v1.jsonld"),
    ),
    (
        "https://w3id.org/security/multikey/v1",
        include_bytes!("../../contexts/multikey-v1.jsonld"),
    ),
    (
        "https://w3id.org/security/jwk/v1",
        include_bytes!("../../contexts/jwk-v1.jsonld"),
    ),
    (
        "https://www.w3.org/ns/did/v1",
        include_bytes!("../../contexts/did-v1.jsonld"),
    ),
    (
        "https://www.w3.org/ns/did/v1.1",
        include_bytes!("../../contexts/did-v1.1rc1.jsonld"),
    ),
    (
        "https://www.w3.org/ns/credentials/status/v1",
        include_bytes!("../../contexts/credentials-status-v1.jsonld"),
    ),
    (
        "https://w3id.org/vc/status-list/2021/v1",
        include_bytes!("../../contexts/status-list-2021-v1.jsonld"),
    ),
    (
        "https://w3id.org/security/suites/ed25519-2020/v1",
        include_bytes!("../../contexts/ed25519-2020-v1.jsonld"),
    ),
    (
        "https://w3id.org/security/suites/jws-2020/v1",
        include_bytes!("../../contexts/jws-2020-v1.jsonld"),
    ),
    (
        "https://w3id.org/citizenship/v4rc1",
        include_bytes!("../../contexts/citizenship-v4rc1.jsonld"),
    ),
];

/// Serves the JSON-LD contexts compiled into did-core (W3C credentials v1/v2 and
/// examples, Data Integrity v1/v2, Multikey, JWK, DID v1/v1.1, status lists,
/// Ed25519Signature2020, JWS 2020, citizenship v4rc1). Offline; any other URL is
/// [`DataIntegrityError::UnknownContext`].
#[derive(Debug, Clone, Copy, Default)]
pub struct StaticLoader;

impl StaticLoader {
    /// The shipped context for `url`, if there is one.
    pub fn get(url: &str) -> Option<&'static [u8]> {
        CONTEXTS
            .iter()
            .find(|(known, _)| *known == url)
            .map(|(_, bytes)| *bytes)
    }

    /// The URLs this loader serves.
    pub fn urls() -> impl Iterator<Item = &'static str> {
        CONTEXTS.iter().map(|(url, _)| *url)
    }
}

impl DocumentLoader for StaticLoader {
    fn load(&self, url: &str) -> Result<Vec<u8>, DataIntegrityError> {
        Self::get(url)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| DataIntegrityError::UnknownContext(truncated(url)))
    }
}
