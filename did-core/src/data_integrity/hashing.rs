//! The shared middle of signing and verifying: proof configuration and hash data.

use serde_json::{Map, Value};

use super::rdfc::{RdfcHash, canonicalize_rdfc_with};
use super::suite::{Cryptosuite, Transformation};
use super::{DataIntegrityError, DocumentLoader, canonicalize_jcs, canonicalize_rdfc};
use crate::key::KeyType;

/// The suite's canonical form of `value`.
pub fn canonicalize(
    suite: Cryptosuite,
    value: &Value,
    loader: &dyn DocumentLoader,
) -> Result<String, DataIntegrityError> {
    match suite.transformation() {
        Transformation::Rdfc => canonicalize_rdfc(value, loader),
        Transformation::Jcs => canonicalize_jcs(value),
    }
}

/// The suite's canonical form of `value` for a proof made with a `key_type` key.
fn canonicalize_for_key(
    suite: Cryptosuite,
    key_type: KeyType,
    value: &Value,
    loader: &dyn DocumentLoader,
) -> Result<String, DataIntegrityError> {
    match (suite.transformation(), key_type) {
        (Transformation::Rdfc, KeyType::P384) => canonicalize_rdfc_with(value, loader, RdfcHash::Sha384),
        _ => canonicalize(suite, value, loader),
    }
}

/// The bytes a proof signs: `hash(canonical proof config) ‖ hash(canonical document)`,
/// with SHA-384 for P-384 keys and SHA-256 otherwise (for the rdfc suites, RDFC-1.0 also
/// runs with SHA-384 for P-384 keys, as vc-di-ecdsa requires).
///
/// `proof_config` is the proof without `proofValue`, carrying the `@context` the suite
/// requires (see [`proof_config`]); `unsecured` is the document without `proof`.
pub fn hash_data(
    suite: Cryptosuite,
    key_type: KeyType,
    unsecured: &Value,
    proof_config: &Value,
    loader: &dyn DocumentLoader,
) -> Result<Vec<u8>, DataIntegrityError> {
    let proof_canonical = canonicalize_for_key(suite, key_type, proof_config, loader)?;
    let doc_canonical = canonicalize_for_key(suite, key_type, unsecured, loader)?;
    let mut out = suite.hash(key_type, proof_canonical.as_bytes());
    out.extend(suite.hash(key_type, doc_canonical.as_bytes()));
    Ok(out)
}

/// The proof configuration of `proof` (a proof without `proofValue`) for `unsecured`:
/// the proof with the document's `@context` (removed if the document has none).
///
/// This is what both the rdfc suites (always) and the jcs suites (at creation) sign.
pub fn proof_config(proof: &Map<String, Value>, unsecured: &Map<String, Value>) -> Value {
    let mut config = proof.clone();
    config.remove("proofValue");
    match unsecured.get("@context") {
        Some(context) => {
            config.insert("@context".into(), context.clone());
        }
        None => {
            config.remove("@context");
        }
    }
    Value::Object(config)
}
