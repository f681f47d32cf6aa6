//! One entry point that secures a credential in any format Dojang issues: [`secure`].
//!
//! The issuer's command line, its HTTP service, bulk issuance and OpenID4VCI all call it, so a
//! format is signed one way everywhere. What goes in is already shaped for the format: a W3C
//! credential (JSON object) for the JWT and Data Integrity formats, an SD-JWT VC claims set for
//! [`Format::SdJwt`]. What comes out is [`Secured`]: a compact serialization or a JSON
//! document with its proof.
//!
//! ```
//! use std::time::SystemTime;
//! use did_core::key::{KeyType, SigningKey};
//! use did_core::resolve::KeyResolver;
//! use did_core::secure::{Format, SecureOptions, Secured, secure, secure_with_key};
//!
//! let key = SigningKey::generate(KeyType::P256).unwrap();
//! let method = KeyResolver::key_id_for(key.verifying_key());
//! let did = method.split('#').next().unwrap().to_owned();
//! let key = key.with_key_id(method.clone());
//! let credential = serde_json::json!({
//!     "@context": ["https://www.w3.org/ns/credentials/v2"],
//!     "type": ["VerifiableCredential"],
//!     "issuer": did,
//!     "validFrom": "2026-01-01T00:00:00Z",
//!     "credentialSubject": {"name": "Kim"},
//! });
//! let options = SecureOptions::new(method, SystemTime::now());
//! // With a key in memory and no async runtime, as the command line signs:
//! let signed = secure_with_key(&credential, Format::EcdsaRdfc2019, &options, &key).unwrap();
//! assert_eq!(signed.into_json()["proof"]["cryptosuite"], "ecdsa-rdfc-2019");
//! // Through the `Signer` trait (an HSM, a key store), as the issuer service signs:
//! # futures::executor::block_on(async {
//! let jwt = secure(&credential, Format::VcJwt, &options, &key).await.unwrap();
//! assert!(matches!(jwt, Secured::Compact(_)));
//! # });
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

use serde_json::Value;

use crate::data_integrity::{self, Cryptosuite, DataIntegrityError, ProofOptions, StaticLoader};
use crate::key::{KeyType, Signer, SigningKey, VerifyingKey};
use crate::sd_jwt::{self, IssueOptions, SdJwtError};
use crate::vc::jwt::{self, JwtEncoding};
use crate::vc::{CONTEXT_V1, Credential, CredentialError};

/// The Data Integrity context: VC 1.1's context does not define a proof's terms.
const DATA_INTEGRITY_V2: &str = "https://w3id.org/security/data-integrity/v2";

/// The securing formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// VC-JOSE-COSE: a JWT whose claims set is the credential (`typ: vc+jwt`).
    VcJwt,
    /// VC 1.1 JWT encoding (`vc` claim with `iss`, `sub`, `nbf`, `exp`, `jti`).
    Vc1Jwt,
    /// SD-JWT VC (`typ: dc+sd-jwt`) with the chosen claims selectively disclosable.
    SdJwt,
    /// Data Integrity, `ecdsa-rdfc-2019` (P-256 or P-384).
    EcdsaRdfc2019,
    /// Data Integrity, `ecdsa-jcs-2019` (P-256 or P-384).
    EcdsaJcs2019,
    /// Data Integrity, `eddsa-rdfc-2022` (Ed25519).
    EddsaRdfc2022,
    /// Data Integrity, `eddsa-jcs-2022` (Ed25519).
    EddsaJcs2022,
}

impl Format {
    /// Every format, in the order the command line lists them.
    pub const ALL: [Format; 7] = [
        Format::VcJwt,
        Format::Vc1Jwt,
        Format::SdJwt,
        Format::EcdsaRdfc2019,
        Format::EcdsaJcs2019,
        Format::EddsaRdfc2022,
        Format::EddsaJcs2022,
    ];

    /// Whether the format embeds a Data Integrity proof (the credential stays JSON-LD).
    pub fn is_data_integrity(self) -> bool {
        matches!(
            self,
            Format::EcdsaRdfc2019 | Format::EcdsaJcs2019 | Format::EddsaRdfc2022 | Format::EddsaJcs2022
        )
    }

    /// The format's name (`vc+jwt`, `sd-jwt`, a cryptosuite's name).
    pub fn name(self) -> &'static str {
        match self {
            Format::VcJwt => "vc+jwt",
            Format::Vc1Jwt => "vc1-jwt",
            Format::SdJwt => "sd-jwt",
            Format::EcdsaRdfc2019 => "ecdsa-rdfc-2019",
            Format::EcdsaJcs2019 => "ecdsa-jcs-2019",
            Format::EddsaRdfc2022 => "eddsa-rdfc-2022",
            Format::EddsaJcs2022 => "eddsa-jcs-2022",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is none of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown format {given:?}; expected one of vc+jwt, vc1-jwt, sd-jwt, ecdsa-rdfc-2019, ecdsa-jcs-2019, eddsa-rdfc-2022, eddsa-jcs-2022"
)]
pub struct UnknownFormat {
    /// The name given.
    pub given: String,
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFormat { given: s.to_owned() })
    }
}

/// Who an SD-JWT VC is bound to (`cnf`).
#[derive(Debug, Clone)]
enum HolderBinding {
    /// `cnf.jwk`.
    Key(VerifyingKey),
    /// `cnf.kid`: a key of the holder's DID, as a DID URL.
    DidUrl(String),
}

/// How to secure: the verification method, the time, and for SD-JWT the disclosable claims
/// and the holder binding.
#[derive(Debug, Clone)]
pub struct SecureOptions {
    method: String,
    created: SystemTime,
    disclose: Vec<String>,
    holder: Option<HolderBinding>,
}

impl SecureOptions {
    /// Signed by `method` (an absolute DID URL: the SD-JWT `kid`, the Data Integrity
    /// `verificationMethod`) at `now` (the proof's `created`). JWTs take their `kid` from the
    /// signer.
    pub fn new(method: impl Into<String>, now: SystemTime) -> SecureOptions {
        SecureOptions {
            method: method.into(),
            created: now,
            disclose: Vec::new(),
            holder: None,
        }
    }

    /// Makes the claim at `pointer` (a JSON Pointer into the SD-JWT VC claims) selectively
    /// disclosable. SD-JWT only: other formats refuse it.
    #[must_use]
    pub fn disclose(mut self, pointer: impl Into<String>) -> SecureOptions {
        self.disclose.push(pointer.into());
        self
    }

    /// Binds an SD-JWT VC to the holder's key (`cnf.jwk`).
    #[must_use]
    pub fn holder_key(mut self, key: VerifyingKey) -> SecureOptions {
        self.holder = Some(HolderBinding::Key(key));
        self
    }

    /// Binds an SD-JWT VC to a key of the holder's DID (`cnf.kid`), so it follows the DID's
    /// key rotations.
    #[must_use]
    pub fn holder_did_url(mut self, did_url: impl Into<String>) -> SecureOptions {
        self.holder = Some(HolderBinding::DidUrl(did_url.into()));
        self
    }
}

/// A secured credential.
#[derive(Debug, Clone, PartialEq)]
pub enum Secured {
    /// A compact serialization: a JWT, or an SD-JWT with its disclosures.
    Compact(String),
    /// A JSON document with an embedded proof (Data Integrity).
    Document(Value),
}

impl Secured {
    /// As JSON: a string for a compact form, the document itself otherwise.
    pub fn into_json(self) -> Value {
        match self {
            Secured::Compact(compact) => Value::String(compact),
            Secured::Document(document) => document,
        }
    }
}

/// Why a credential could not be secured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecureError {
    /// The format's algorithm does not take the signer's key type (an Ed25519 key for an
    /// ECDSA cryptosuite).
    #[error("{format} cannot sign with a {key_type:?} key")]
    KeyType {
        /// The format asked for.
        format: Format,
        /// The signer's key type.
        key_type: KeyType,
    },
    /// Selective disclosure was asked of a format that has none.
    #[error("selective disclosure applies to sd-jwt only, not {0}")]
    DisclosureNotSupported(Format),
    /// The credential (or SD-JWT VC claims set) is not a JSON object.
    #[error("the credential to secure is not a JSON object")]
    NotAnObject,
    /// The credential breaks the data model.
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// SD-JWT issuance failed (a pointer to no claim, a reserved claim name, signing).
    #[error(transparent)]
    SdJwt(#[from] SdJwtError),
    /// Data Integrity signing failed (a term JSON-LD cannot expand, signing).
    #[error(transparent)]
    DataIntegrity(#[from] DataIntegrityError),
}

/// Secures `credential` in `format`, signed by `signer` (an HSM, a key store, a key in
/// memory).
///
/// A W3C credential for the JWT and Data Integrity formats (a VC 1.1 one secured with Data
/// Integrity gets the `data-integrity/v2` context it needs for the proof's terms); an SD-JWT VC
/// claims set for [`Format::SdJwt`].
pub async fn secure(
    credential: &Value,
    format: Format,
    options: &SecureOptions,
    signer: &dyn Signer,
) -> Result<Secured, SecureError> {
    Ok(
        match prepare(credential, format, options, signer.verifying_key().key_type())? {
            Prepared::Jwt(credential, encoding) => {
                Secured::Compact(jwt::sign_credential_with(&credential, encoding, signer).await?)
            }
            Prepared::SdJwt(issue) => Secured::Compact(sd_jwt::issue_with_signer(credential, &issue, signer).await?),
            Prepared::DataIntegrity(document, suite, proof) => Secured::Document(
                data_integrity::sign_with_signer(&document, suite, &proof, signer, &StaticLoader).await?,
            ),
        },
    )
}

/// [`secure`] with a key in memory, without an async runtime (a command line, a test). It
/// shapes the credential exactly as [`secure`] does.
pub fn secure_with_key(
    credential: &Value,
    format: Format,
    options: &SecureOptions,
    key: &SigningKey,
) -> Result<Secured, SecureError> {
    Ok(match prepare(credential, format, options, key.key_type())? {
        Prepared::Jwt(credential, encoding) => Secured::Compact(jwt::sign_credential(&credential, encoding, key)?),
        Prepared::SdJwt(issue) => Secured::Compact(sd_jwt::issue(credential, &issue, key)?),
        Prepared::DataIntegrity(document, suite, proof) => {
            Secured::Document(data_integrity::sign(&document, suite, &proof, key)?)
        }
    })
}

/// What a format signs, checked and shaped: everything but the signature.
enum Prepared {
    /// A W3C credential and its JWT encoding.
    Jwt(Credential, JwtEncoding),
    /// The SD-JWT issuance options (the claims are the input as given).
    SdJwt(IssueOptions),
    /// The document to prove, the cryptosuite and the proof options.
    DataIntegrity(Value, Cryptosuite, ProofOptions),
}

fn prepare(
    credential: &Value,
    format: Format,
    options: &SecureOptions,
    key_type: KeyType,
) -> Result<Prepared, SecureError> {
    let Value::Object(map) = credential else {
        return Err(SecureError::NotAnObject);
    };
    if format != Format::SdJwt && !options.disclose.is_empty() {
        return Err(SecureError::DisclosureNotSupported(format));
    }
    match format {
        Format::VcJwt | Format::Vc1Jwt => {
            let encoding = if format == Format::Vc1Jwt {
                JwtEncoding::Vc11
            } else {
                JwtEncoding::JoseCose
            };
            Ok(Prepared::Jwt(Credential::from_map(map.clone())?, encoding))
        }
        Format::SdJwt => {
            let mut issue = IssueOptions::sd_jwt_vc().kid(options.method.clone());
            for pointer in &options.disclose {
                issue = issue.disclose(pointer.clone());
            }
            issue = match &options.holder {
                Some(HolderBinding::Key(key)) => issue.holder_key(key.clone()),
                Some(HolderBinding::DidUrl(url)) => issue.holder_did_url(url.clone()),
                None => issue,
            };
            Ok(Prepared::SdJwt(issue))
        }
        Format::EcdsaRdfc2019 | Format::EcdsaJcs2019 | Format::EddsaRdfc2022 | Format::EddsaJcs2022 => {
            let suite = Cryptosuite::from_name(format.name())?;
            if !suite.accepts(key_type) {
                return Err(SecureError::KeyType { format, key_type });
            }
            let mut document = map.clone();
            if first_context(&document) == Some(CONTEXT_V1)
                && let Some(Value::Array(contexts)) = document.get_mut("@context")
                && !contexts.iter().any(|c| c.as_str() == Some(DATA_INTEGRITY_V2))
            {
                contexts.push(Value::String(DATA_INTEGRITY_V2.to_owned()));
            }
            let proof = ProofOptions::new(options.method.clone()).with_created(options.created);
            Ok(Prepared::DataIntegrity(Value::Object(document), suite, proof))
        }
    }
}

/// The credential's first `@context` entry, when it is a string.
fn first_context(credential: &serde_json::Map<String, Value>) -> Option<&str> {
    match credential.get("@context")? {
        Value::Array(contexts) => contexts.first()?.as_str(),
        Value::String(context) => Some(context),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::SigningKey;
    use serde_json::json;

    fn key(key_type: KeyType) -> (SigningKey, String) {
        let key = SigningKey::generate(key_type).unwrap();
        let method = crate::resolve::KeyResolver::key_id_for(key.verifying_key());
        (key.with_key_id(method.clone()), method)
    }

    fn credential(did: &str, context: &str) -> Value {
        let since = if context == CONTEXT_V1 {
            "issuanceDate"
        } else {
            "validFrom"
        };
        json!({
            "@context": [context],
            "type": ["VerifiableCredential"],
            "issuer": did,
            since: "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:holder"},
        })
    }

    #[test]
    fn every_format_name_parses_back_and_an_unknown_one_lists_them() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>(), Ok(format));
        }
        let unknown = "jwt".parse::<Format>().unwrap_err();
        assert!(unknown.to_string().contains("eddsa-jcs-2022"), "{unknown}");
    }

    #[test]
    fn a_format_refuses_what_it_cannot_do() {
        let (ed25519, method) = key(KeyType::Ed25519);
        let did = method.split('#').next().unwrap();
        let options = SecureOptions::new(method.clone(), SystemTime::now());
        let vc = credential(did, crate::vc::CONTEXT_V2);
        let error = secure_with_key(&vc, Format::EcdsaRdfc2019, &options, &ed25519).unwrap_err();
        assert!(
            matches!(
                error,
                SecureError::KeyType {
                    format: Format::EcdsaRdfc2019,
                    key_type: KeyType::Ed25519
                }
            ),
            "{error}"
        );
        let disclosing = options.clone().disclose("/name");
        let error = secure_with_key(&vc, Format::VcJwt, &disclosing, &ed25519).unwrap_err();
        assert!(
            matches!(error, SecureError::DisclosureNotSupported(Format::VcJwt)),
            "{error}"
        );
        let error = secure_with_key(&json!("text"), Format::VcJwt, &options, &ed25519).unwrap_err();
        assert!(matches!(error, SecureError::NotAnObject), "{error}");
    }

    #[test]
    fn a_vc11_credential_gets_the_data_integrity_context_and_verifies() {
        let (p256, method) = key(KeyType::P256);
        let did = method.split('#').next().unwrap();
        let created = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let options = SecureOptions::new(method.clone(), created);
        let vc = credential(did, CONTEXT_V1);
        let signed = secure_with_key(&vc, Format::EcdsaRdfc2019, &options, &p256)
            .unwrap()
            .into_json();
        assert_eq!(signed["@context"][1], DATA_INTEGRITY_V2);
        assert_eq!(signed["proof"]["created"], "2027-01-15T08:00:00Z");
        assert_eq!(signed["proof"]["verificationMethod"], method);
        let expected = data_integrity::ProofExpectations::new(crate::document::Relationship::AssertionMethod);
        data_integrity::verify_with_key(&signed, p256.verifying_key(), &expected, &crate::clock::SystemClock).unwrap();
    }
}
