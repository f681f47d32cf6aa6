//! W3C Data Integrity proofs (VC Data Integrity 1.0) with the cryptosuites
//! `ecdsa-rdfc-2019`, `ecdsa-jcs-2019` (P-256 with SHA-256, P-384 with SHA-384),
//! `eddsa-rdfc-2022` and `eddsa-jcs-2022` (Ed25519).
//!
//! - [`sign`] adds a `DataIntegrityProof` to a JSON document; [`verify_with_key`] and
//!   [`verify`] (which dereferences `verificationMethod` through a
//!   [`crate::resolve::Resolver`]) check every proof on it. A `proof` may be one object
//!   or a set; `previousProof` chains are followed.
//! - The pipeline: the proof configuration (the proof options, with the document's
//!   `@context`) and the document are canonicalized (RDFC-1.0 N-Quads for `*-rdfc-*`,
//!   RFC 8785 JCS for `*-jcs-*`), each hashed (SHA-384 for P-384 keys, SHA-256
//!   otherwise), and the signature covers `proofHash ‖ docHash`. `proofValue` is the
//!   multibase base58btc (`z…`) raw signature (`r ‖ s` for ECDSA).
//! - JSON-LD contexts come from a [`DocumentLoader`]; the default [`StaticLoader`]
//!   serves the contexts shipped in `did-core/contexts/` and nothing else. No network.
//! - Related resource integrity (VC DM 2.0 §5.3): when an `*-rdfc-*` proof is made or
//!   verified, a top-level `relatedResource` entry naming one of the document's contexts
//!   must carry the digest (`digestSRI`, `digestMultibase`; SHA-2) of that context as
//!   loaded, or signing or verifying fails
//!   ([`DataIntegrityError::RelatedResourceMismatch`]): the proof would not be over the
//!   pinned context. JCS proofs use no context and do not check it.
//! - JSON-LD "safe mode": data that JSON-LD would silently drop (a term with no
//!   definition, a type or `@id` that is not an absolute IRI, a `@`-key that is not a
//!   keyword, a term mapped to `null`) is refused with
//!   [`DataIntegrityError::UndefinedTerm`] instead of being left unsigned.
//! - Verification never rejects high-S ECDSA signatures (P-256/P-384 do not require
//!   low-S, and published vectors have high S).
//!
//! Out of scope: `ecdsa-sd-2023`, `bbs-2023` and the legacy `Ed25519Signature2020`
//! proof type.

mod context_scan;
mod create;
mod error;
mod hashing;
mod jcs;
mod loader;
mod proof;
mod rdfc;
mod related;
mod suite;
mod verify;

pub use create::{sign, sign_with_loader, sign_with_signer};
pub use error::DataIntegrityError;
pub use hashing::{canonicalize, hash_data, proof_config};
pub use jcs::canonicalize_jcs;
pub use loader::{DocumentLoader, MAX_CONTEXT_BYTES, MAX_CONTEXTS, StaticLoader};
pub use proof::{PROOF_TYPE, ProofExpectations, ProofOptions, VerifiedProof};
pub use rdfc::{MAX_DOCUMENT_BYTES, MAX_QUADS, canonicalize_rdfc};
pub use related::check_pinned_contexts;
pub use suite::Cryptosuite;
pub use verify::{verify, verify_each, verify_each_with_key, verify_with_key};

/// Parses untrusted bytes into a JSON value for [`verify`] or [`verify_with_key`]:
/// at most [`MAX_DOCUMENT_BYTES`], duplicate member names refused at any depth.
pub fn parse_document(bytes: &[u8]) -> Result<serde_json::Value, DataIntegrityError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(DataIntegrityError::TooLarge {
            what: "document",
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    crate::json::parse_value(bytes).map_err(|e| DataIntegrityError::InvalidJson(format!("{e:?}")))
}
