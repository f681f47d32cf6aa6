//! `did:jwk`: the DID is the base64url of a public JWK. Pure computation, no I/O.

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::{Resolution, ResolutionError, ResolutionOptions, Resolver};
use crate::did::{Did, DidError, DidUrl};
use crate::document::{Document, Relationship, Representation, VerificationMethod};
use crate::key::{Jwk, VerifyingKey};

/// Longest did:jwk method-specific id accepted (base64url characters).
const MAX_ENCODED_JWK: usize = 2048;

/// Resolves `did:jwk` DIDs whose JWK is a supported public key.
#[derive(Debug, Clone, Copy, Default)]
pub struct JwkResolver;

impl JwkResolver {
    /// The `did:jwk` DID of `key` (its public JWK with members in a fixed order).
    pub fn did_for(key: &VerifyingKey) -> Result<Did, DidError> {
        let json = serde_json::to_string(&key.to_jwk()).unwrap_or_default();
        Did::parse(&format!("did:jwk:{}", URL_SAFE_NO_PAD.encode(json)))
    }

    /// Builds the DID document of a `did:jwk` DID.
    pub fn document(did: &Did, representation: Representation) -> Result<Document, ResolutionError> {
        let invalid = |reason: &str| ResolutionError::InvalidMethodSpecificId {
            method: "jwk",
            reason: reason.to_owned(),
        };
        if did.method() != "jwk" {
            return Err(ResolutionError::MethodNotSupported(did.method().to_owned()));
        }
        let encoded = did.method_specific_id();
        if encoded.len() > MAX_ENCODED_JWK {
            return Err(invalid("the encoded JWK is too long"));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| invalid("not base64url without padding"))?;
        let jwk: Jwk = serde_json::from_slice(&bytes).map_err(|_| invalid("not a JSON JWK"))?;
        if let Some(member) = jwk.private_member() {
            return Err(invalid(&format!("the JWK contains the private member \"{member}\"")));
        }
        let key = VerifyingKey::from_jwk(&jwk).map_err(|e| ResolutionError::from_key_in_did("jwk", e))?;

        let vm_id = DidUrl::parse(&format!("{}#0", did.as_str())).map_err(ResolutionError::InvalidDid)?;
        let mut vm = VerificationMethod::json_web_key(vm_id, did.clone(), &key);
        vm.type_ = "JsonWebKey2020".to_owned();
        vm.public_key_jwk = Some(jwk.clone());
        let relationships: &[Relationship] = match jwk.use_.as_deref() {
            Some("enc") => &[Relationship::KeyAgreement],
            Some("sig") => &super::SIGNING_RELATIONSHIPS,
            _ => &Relationship::ALL,
        };
        let mut document = Document::new(did.clone());
        if representation == Representation::JsonLd {
            document.context = Some(json!([
                "https://www.w3.org/ns/did/v1",
                "https://w3id.org/security/suites/jws-2020/v1"
            ]));
        }
        document.add_verification_method(vm, relationships);
        Ok(document)
    }
}

#[async_trait]
impl Resolver for JwkResolver {
    async fn resolve(&self, did: &Did, options: &ResolutionOptions) -> Result<Resolution, ResolutionError> {
        let representation = options.representation()?;
        Ok(Resolution::new(Self::document(did, representation)?, representation))
    }
}
