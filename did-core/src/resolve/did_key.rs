//! `did:key` (W3C CCG did:key v0.9): the DID is the public key, so resolution is pure
//! computation: no I/O, no registry.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use async_trait::async_trait;
use serde_json::json;

use super::{Resolution, ResolutionError, ResolutionOptions, Resolver, SIGNING_RELATIONSHIPS, key_from_document, lock};
use crate::did::{Did, DidError, DidUrl};
use crate::document::{Document, MethodRef, Relationship, Representation, VerificationMethod};
use crate::key::{KeyType, VerifyingKey};

/// Resolves `did:key` DIDs of P-256, P-384 and Ed25519 keys into `Multikey` documents.
///
/// Keys decoded from DIDs are remembered for the process (up to [`KeyResolver::REMEMBERED_KEYS`]): a did:key
/// is its key, so nothing remembered can go stale, and a verifier that sees the same
/// issuers again skips the point decompression.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyResolver;

impl KeyResolver {
    /// How many decoded keys the process remembers. A verifier sees few issuers and many
    /// credentials, so this covers its working set many times over.
    pub const REMEMBERED_KEYS: usize = 1024;

    /// The `did:key` DID of `key`.
    ///
    /// A Multikey is base58btc, all DID idchars, so this only fails if that ever changed.
    pub fn did_for(key: &VerifyingKey) -> Result<Did, DidError> {
        Did::parse(&format!("did:key:{}", key.to_multikey()))
    }

    /// The verification method DID URL (`did:key:z…#z…`) of `key`, for a JWS `kid`.
    pub fn key_id_for(key: &VerifyingKey) -> String {
        let multikey = key.to_multikey();
        format!("did:key:{multikey}#{multikey}")
    }

    /// Builds the DID document of a `did:key` DID.
    pub fn document(did: &Did, representation: Representation) -> Result<Document, ResolutionError> {
        let invalid = |reason: &str| ResolutionError::InvalidMethodSpecificId {
            method: "key",
            reason: reason.to_owned(),
        };
        if did.method() != "key" {
            return Err(ResolutionError::MethodNotSupported(did.method().to_owned()));
        }
        let multibase = did.method_specific_id();
        if !multibase.starts_with('z') || multibase.contains(':') {
            return Err(invalid("the method-specific id must be one base58btc ('z') Multikey"));
        }
        let key = decode_memoized(multibase)?;

        let vm_id = DidUrl::parse(&format!("{}#{multibase}", did.as_str())).map_err(ResolutionError::InvalidDid)?;
        let mut document = Document::new(did.clone());
        if representation == Representation::JsonLd {
            document.context = Some(json!([
                "https://www.w3.org/ns/did/v1",
                "https://w3id.org/security/multikey/v1"
            ]));
        }
        document.add_verification_method(
            VerificationMethod::multikey(vm_id.clone(), did.clone(), &key),
            &super::SIGNING_RELATIONSHIPS,
        );
        match key.key_type() {
            // ECDH works on the NIST curves with the same key.
            KeyType::P256 | KeyType::P384 => document.key_agreement.push(MethodRef::Reference(vm_id.into_string())),
            // Ed25519 signs only; its Montgomery form is the X25519 key-agreement key,
            // embedded in `keyAgreement` as the did:key specification's example does.
            KeyType::Ed25519 => {
                if let Some(x25519) = crate::key::x25519_from_ed25519(key.as_bytes()) {
                    let id =
                        DidUrl::parse(&format!("{}#{x25519}", did.as_str())).map_err(ResolutionError::InvalidDid)?;
                    let mut vm = VerificationMethod::multikey(id, did.clone(), &key);
                    vm.public_key_multibase = Some(x25519);
                    document.key_agreement.push(MethodRef::Embedded(vm));
                }
            }
        }
        Ok(document)
    }
}

#[async_trait]
impl Resolver for KeyResolver {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        let representation = options.representation()?;
        Ok(Resolution::new(Self::document(did, representation)?, representation))
    }

    /// The DID is the key: a method `did:key:z…#z…` for a signing relationship is decoded
    /// straight from the DID, without building the document and decoding the key again
    /// from it (verifiers call this once per credential). Anything else goes the general way.
    async fn resolve_verifying_key(
        &self,
        method: &DidUrl,
        relationship: Relationship,
    ) -> Result<VerifyingKey, ResolutionError> {
        let multikey = method.method_specific_id();
        let own_key = method.method() == "key"
            && method.fragment() == Some(multikey)
            && method.path().is_none()
            && method.query().is_none()
            && multikey.starts_with('z')
            && SIGNING_RELATIONSHIPS.contains(&relationship);
        if !own_key {
            return key_from_document(self, method, relationship).await;
        }
        decode_memoized(multikey)
    }
}

/// Keys decoded from `did:key` Multikeys, by Multikey.
static DECODED: OnceLock<Mutex<HashMap<Box<str>, VerifyingKey>>> = OnceLock::new();

/// [`VerifyingKey::from_multikey`], remembered for the process.
///
/// A `did:key` DID is its key, so a decoded key can never go stale: no time to live, no
/// invalidation. Decoding a compressed P-256 point costs a field square root, about a sixth
/// of an ES256 verify, which a verifier would otherwise pay for every credential of the same
/// issuer. When full the memo starts over, so hostile input naming ever-new keys bounds its
/// memory and costs each lookup what decoding already costs. Failures are not remembered.
fn decode_memoized(multikey: &str) -> Result<VerifyingKey, ResolutionError> {
    let memo = DECODED.get_or_init(Mutex::default);
    if let Some(key) = lock(memo).get(multikey) {
        return Ok(key.clone());
    }
    let key = VerifyingKey::from_multikey(multikey).map_err(|e| ResolutionError::from_key_in_did("key", e))?;
    let mut decoded = lock(memo);
    if decoded.len() >= KeyResolver::REMEMBERED_KEYS {
        decoded.clear();
    }
    decoded.insert(multikey.into(), key.clone());
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SigningKey;

    /// Hostile input naming ever-new keys cannot grow the memo past its bound.
    #[test]
    fn the_memo_never_holds_more_than_its_bound() {
        for _ in 0..KeyResolver::REMEMBERED_KEYS + 10 {
            let key = SigningKey::generate(KeyType::Ed25519).unwrap();
            let multikey = key.verifying_key().to_multikey();
            assert_eq!(&decode_memoized(&multikey).unwrap(), key.verifying_key());
            let held = DECODED.get().map(|memo| lock(memo).len()).unwrap_or_default();
            assert!(held <= KeyResolver::REMEMBERED_KEYS, "{held}");
        }
    }
}
