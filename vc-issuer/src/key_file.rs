//! Issuer keys as private JWKs whose `kid` is the did:key verification method.

use did_core::did::DidUrl;
use did_core::key::{Algorithm, Jwk, KeyType, SigningKey};
use did_core::resolve::KeyResolver;

use crate::Error;

/// Generates a key for `algorithm` and returns it as a private JWK with `alg` and with `kid`
/// set to its did:key verification method.
pub fn generate(algorithm: Algorithm) -> Result<Jwk, Error> {
    let key = SigningKey::generate(algorithm.key_type())?;
    let mut jwk = key.to_jwk();
    jwk.kid = Some(KeyResolver::key_id_for(key.verifying_key()));
    jwk.alg = Some(algorithm.name().to_owned());
    Ok(jwk)
}

/// An issuer key read from a private JWK, with the DID it signs for and its method ID.
#[derive(Debug)]
pub struct IssuerKey {
    /// The signing key; its key ID is [`IssuerKey::method`].
    pub key: SigningKey,
    /// The DID that controls the key: the `kid`'s DID, or the key's own did:key.
    pub did: String,
    /// The verification method (`kid`), an absolute DID URL.
    pub method: String,
}

impl IssuerKey {
    /// Reads a private JWK. A `kid` that is a DID URL names the DID the key signs for (e.g. a
    /// did:web issuer); without one the key's did:key is used.
    pub fn from_jwk_json(text: &str) -> Result<IssuerKey, Error> {
        let jwk = Jwk::from_json(text)?;
        let key = SigningKey::from_jwk(&jwk)?;
        let own_method = KeyResolver::key_id_for(key.verifying_key());
        let method = match jwk.kid.as_deref().map(DidUrl::parse) {
            Some(Ok(url)) if url.fragment().is_some() => url.into_string(),
            _ => own_method,
        };
        let did = method.split('#').next().unwrap_or_default().to_owned();
        Ok(IssuerKey {
            key: key.with_key_id(method.clone()),
            did,
            method,
        })
    }

    /// The key type.
    pub fn key_type(&self) -> KeyType {
        self.key.key_type()
    }
}
