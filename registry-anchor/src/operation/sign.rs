//! Building and signing operations (what `registry-anchor did create|update|rotate|deactivate`
//! use). Signatures are deterministic for in-memory keys (RFC 6979 ECDSA, Ed25519) and always
//! low-S, so the same inputs give the same operation, byte for byte.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use did_core::did::Did;
use did_core::jose::Header;
use did_core::key::{KeyError, Signer, SigningKey, VerifyingKey};
use serde_json::{Map, Value};

use super::canonical::jcs;
use super::hash::{KeyCommitment, OperationHash};
use super::model::{CreatePayload, DeactivatePayload, DocumentChange, OperationPayload, UpdatePayload};
use super::parse::assemble;
use super::{OPERATION_TYP, Operation, OperationError, low_s};

/// The JWS Signing Input of `payload`: `BASE64URL(header) '.' BASE64URL(JCS(payload))`, with the
/// header `{"alg":…,"typ":"dojang-op+jws"}` for the algorithm of the payload's `updateKey`.
pub fn signing_input(payload: &OperationPayload) -> Result<String, OperationError> {
    let header = Header::new(payload.update_key().algorithm())
        .with_typ(OPERATION_TYP)
        .to_json()
        .map_err(|_| OperationError::InvalidHeader("header cannot be serialized"))?;
    let body = jcs(&payload.to_value())?;
    let mut out = URL_SAFE_NO_PAD.encode(header);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(body, &mut out);
    Ok(out)
}

/// Signs `payload` with an in-memory key, deterministically. The key must be the payload's
/// `updateKey`.
pub fn sign(payload: &OperationPayload, key: &SigningKey) -> Result<Operation, OperationError> {
    check_signer(payload, key.verifying_key())?;
    let input = signing_input(payload)?;
    let mut signature = key
        .sign_deterministic(input.as_bytes())
        .map_err(OperationError::Signing)?;
    low_s::normalize(key.key_type(), &mut signature);
    Operation::parse(&assemble(&input, &signature))
}

/// Signs `payload` with any [`Signer`] (HSM, phone key store). The signer's key must be the
/// payload's `updateKey`. ECDSA signatures are normalized to low-S.
pub async fn sign_with(payload: &OperationPayload, signer: &dyn Signer) -> Result<Operation, OperationError> {
    check_signer(payload, signer.verifying_key())?;
    let input = signing_input(payload)?;
    let mut signature = signer
        .try_sign(input.as_bytes())
        .await
        .map_err(OperationError::Signing)?;
    low_s::normalize(signer.verifying_key().key_type(), &mut signature);
    Operation::parse(&assemble(&input, &signature))
}

fn check_signer(payload: &OperationPayload, key: &VerifyingKey) -> Result<(), OperationError> {
    if key != payload.update_key() {
        return Err(OperationError::Signing(KeyError::SigningFailed(
            "the signing key is not the payload's updateKey".into(),
        )));
    }
    Ok(())
}

/// A signed `create` operation: `update_key` signs it and is revealed; `next` commits to the key
/// of the first update; `document` is the initial DID document without `id`, using relative
/// ids (`#key-1`) since the DID is not known before the operation is.
pub fn create(
    update_key: &SigningKey,
    next: KeyCommitment,
    document: Map<String, Value>,
) -> Result<Operation, OperationError> {
    let payload = OperationPayload::Create(CreatePayload {
        update_key: update_key.verifying_key().clone(),
        next_key_commitment: next,
        document,
    });
    sign(&payload, update_key)
}

/// A signed `update` operation of `did`: `previous` is the hash of the DID's latest operation,
/// `update_key` the key the latest operation committed to, `next` the commitment to the key of
/// the following operation, `change` the new document or a JSON Patch.
pub fn update(
    did: &Did,
    previous: OperationHash,
    update_key: &SigningKey,
    next: KeyCommitment,
    change: DocumentChange,
) -> Result<Operation, OperationError> {
    let payload = OperationPayload::Update(UpdatePayload {
        did: did.clone(),
        previous,
        update_key: update_key.verifying_key().clone(),
        next_key_commitment: next,
        change,
    });
    sign(&payload, update_key)
}

/// A signed `deactivate` operation of `did`, by the key the latest operation committed to.
pub fn deactivate(did: &Did, previous: OperationHash, update_key: &SigningKey) -> Result<Operation, OperationError> {
    let payload = OperationPayload::Deactivate(DeactivatePayload {
        did: did.clone(),
        previous,
        update_key: update_key.verifying_key().clone(),
    });
    sign(&payload, update_key)
}
