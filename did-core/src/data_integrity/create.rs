//! Adding a proof to a document.

use serde_json::{Map, Value};

use super::hashing::{hash_data, proof_config};
use super::suite::{Cryptosuite, Transformation};
use super::{DataIntegrityError, DocumentLoader, ProofOptions, StaticLoader};
use crate::key::{KeyType, Signer, SigningKey};
use crate::multibase::{self, Base};

/// Signs `document` with `key`, returning it with a `DataIntegrityProof` added.
///
/// Contexts come from the [`StaticLoader`]. ECDSA nonces are RFC 6979 deterministic
/// ([`SigningKey::sign_deterministic`]), so the same input always gives the same proof.
/// If the document already has a `proof`, the new one joins it in a proof set (an
/// array); it covers the proofs named in [`ProofOptions::previous_proof`] and no others.
///
/// # Example
///
/// ```
/// use did_core::data_integrity::{self, Cryptosuite, ProofExpectations, ProofOptions};
/// use did_core::clock::SystemClock;
/// use did_core::key::{KeyType, SigningKey};
///
/// let key = SigningKey::generate(KeyType::Ed25519)?;
/// let multikey = key.verifying_key().to_multikey();
/// let credential = serde_json::json!({
///     "@context": ["https://www.w3.org/ns/credentials/v2"],
///     "type": ["VerifiableCredential"],
///     "issuer": format!("did:key:{multikey}"),
///     "credentialSubject": {"id": "did:example:subject"}
/// });
/// let options = ProofOptions::new(format!("did:key:{multikey}#{multikey}"));
/// let signed = data_integrity::sign(&credential, Cryptosuite::EddsaRdfc2022, &options, &key)?;
/// let verified = data_integrity::verify_with_key(
///     &signed,
///     key.verifying_key(),
///     &ProofExpectations::default(),
///     &SystemClock,
/// )?;
/// assert_eq!(verified.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign(
    document: &Value,
    suite: Cryptosuite,
    options: &ProofOptions,
    key: &SigningKey,
) -> Result<Value, DataIntegrityError> {
    sign_with_loader(document, suite, options, key, &StaticLoader)
}

/// [`sign`] with contexts loaded by `loader`.
pub fn sign_with_loader(
    document: &Value,
    suite: Cryptosuite,
    options: &ProofOptions,
    key: &SigningKey,
    loader: &dyn DocumentLoader,
) -> Result<Value, DataIntegrityError> {
    let prepared = prepare(document, suite, options, key.key_type(), loader)?;
    let signature = key.sign_deterministic(&prepared.hash_data)?;
    Ok(prepared.finish(&signature))
}

/// [`sign`] through any [`Signer`] (HSM, phone key store), with contexts from `loader`.
/// Whether ECDSA nonces are deterministic is up to the signer.
pub async fn sign_with_signer(
    document: &Value,
    suite: Cryptosuite,
    options: &ProofOptions,
    signer: &dyn Signer,
    loader: &dyn DocumentLoader,
) -> Result<Value, DataIntegrityError> {
    let prepared = prepare(document, suite, options, signer.verifying_key().key_type(), loader)?;
    let signature = signer.try_sign(&prepared.hash_data).await?;
    Ok(prepared.finish(&signature))
}

/// Everything but the signature.
struct Prepared {
    output: Map<String, Value>,
    existing: Vec<Value>,
    proof: Map<String, Value>,
    hash_data: Vec<u8>,
}

fn prepare(
    document: &Value,
    suite: Cryptosuite,
    options: &ProofOptions,
    key_type: KeyType,
    loader: &dyn DocumentLoader,
) -> Result<Prepared, DataIntegrityError> {
    suite.check_key(key_type)?;
    let Value::Object(document) = document else {
        return Err(DataIntegrityError::InvalidDocument(
            "a secured document must be a JSON object",
        ));
    };
    let mut unsecured = document.clone();
    let existing = match unsecured.remove("proof") {
        None => Vec::new(),
        Some(Value::Array(proofs)) => proofs,
        Some(proof @ Value::Object(_)) => vec![proof],
        Some(_) => {
            return Err(DataIntegrityError::MalformedProof(
                "proof must be an object or an array",
            ));
        }
    };
    let output = unsecured.clone();
    if !options.previous_proof.is_empty() {
        let covered = super::verify::matching_proofs(&existing, &options.previous_proof)?;
        unsecured.insert("proof".into(), Value::Array(covered));
    }
    let mut proof = options.to_proof(suite)?;
    let config = proof_config(&proof, &unsecured);
    if suite.transformation() == Transformation::Jcs
        && let Some(context) = unsecured.get("@context")
    {
        proof.insert("@context".into(), context.clone());
    }
    if suite.transformation() == Transformation::Rdfc {
        // Never sign over a context other than the one the document pins.
        super::related::check_pinned_contexts(&unsecured, loader)?;
    }
    let hash_data = hash_data(suite, key_type, &Value::Object(unsecured), &config, loader)?;
    Ok(Prepared {
        output,
        existing,
        proof,
        hash_data,
    })
}

impl Prepared {
    fn finish(self, signature: &[u8]) -> Value {
        let Prepared {
            mut output,
            mut existing,
            mut proof,
            ..
        } = self;
        proof.insert(
            "proofValue".into(),
            multibase::encode(Base::Base58Btc, signature).into(),
        );
        let proof = Value::Object(proof);
        if existing.is_empty() {
            output.insert("proof".into(), proof);
        } else {
            existing.push(proof);
            output.insert("proof".into(), Value::Array(existing));
        }
        Value::Object(output)
    }
}
