//! The key and certificate a door signs its OpenID4VP Request Objects with (`x509_hash:`
//! client id): one the operator gives (`verifier serve --request-cert chain.pem --request-key
//! key.pem`), or a P-256 key and self-signed certificate made when the service starts.

use std::sync::Arc;

use async_trait::async_trait;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use did_core::key::{KeyError, KeyType, Signer, VerifyingKey};
use x509_parser::pem::Pem;
use zeroize::Zeroizing;

use crate::Error;

/// The largest certificate chain or key PEM read.
pub const MAX_PEM_LEN: usize = 64 * 1024;

/// How long a certificate made at start stays valid (it is made again at every start).
const GENERATED_VALIDITY_DAYS: i64 = 365;

/// A door's Request Object signing key with its certificate chain (leaf first, DER).
#[derive(Clone)]
pub struct RequestSigner {
    signer: Arc<dyn Signer>,
    chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestSigner")
            .field("certificates", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl RequestSigner {
    /// A fresh P-256 key and a self-signed certificate for `host` (a DNS name or an IP
    /// address: the host of the door's public URL), valid for a year.
    pub fn generate(host: &str) -> Result<RequestSigner, Error> {
        let failed = |e: rcgen::Error| Error::Service(format!("making the request signing certificate: {e}"));
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(failed)?;
        let mut params = rcgen::CertificateParams::new(vec![host.to_owned()]).map_err(failed)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, format!("Dojang door {host}"));
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::minutes(5);
        params.not_after = now + time::Duration::days(GENERATED_VALIDITY_DAYS);
        let certificate = params.self_signed(&key).map_err(failed)?;
        let pkcs8 = Zeroizing::new(key.serialize_der());
        Ok(RequestSigner {
            signer: Arc::new(P256Key::from_pkcs8(&pkcs8)?),
            chain: vec![certificate.der().to_vec()],
        })
    }

    /// The operator's certificate chain (PEM, leaf first) and the leaf's P-256 private key
    /// (PEM, PKCS#8 `PRIVATE KEY`). The key must be the leaf's.
    pub fn from_pem(chain_pem: &[u8], key_pem: &[u8]) -> Result<RequestSigner, Error> {
        let invalid = |message: String| Error::Service(format!("request signing certificate: {message}"));
        if chain_pem.len() > MAX_PEM_LEN || key_pem.len() > MAX_PEM_LEN {
            return Err(invalid(format!("PEM input over {MAX_PEM_LEN} bytes")));
        }
        let mut chain = Vec::new();
        for block in Pem::iter_from_buffer(chain_pem) {
            let block = block.map_err(|e| invalid(format!("PEM block {}: {e}", chain.len())))?;
            if block.label != "CERTIFICATE" {
                return Err(invalid(format!("PEM block {} is not a CERTIFICATE", chain.len())));
            }
            chain.push(block.contents);
        }
        let leaf = chain
            .first()
            .ok_or_else(|| invalid("no PEM CERTIFICATE block".into()))?;
        let certified = crate::x509::certificate_key(leaf).map_err(|e| invalid(e.detail().to_owned()))?;
        let key = Pem::iter_from_buffer(key_pem)
            .next()
            .ok_or_else(|| invalid("the key file has no PEM block".into()))?
            .map_err(|e| invalid(format!("the key file: {e}")))?;
        if key.label != "PRIVATE KEY" {
            return Err(invalid("the key must be a PKCS#8 PEM `PRIVATE KEY` (P-256)".into()));
        }
        let pkcs8 = Zeroizing::new(key.contents);
        let key = P256Key::from_pkcs8(&pkcs8)?;
        if key.public != certified {
            return Err(invalid("the key is not the leaf certificate's".into()));
        }
        Ok(RequestSigner {
            signer: Arc::new(key),
            chain,
        })
    }

    /// The signer.
    pub fn signer(&self) -> &dyn Signer {
        self.signer.as_ref()
    }

    /// The certificate chain, leaf first (DER).
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// The leaf certificate (DER).
    pub fn leaf(&self) -> &[u8] {
        self.chain.first().map(Vec::as_slice).unwrap_or_default()
    }
}

/// A P-256 key held by aws-lc, which cleanses its memory on free.
struct P256Key {
    pair: EcdsaKeyPair,
    public: VerifyingKey,
    rng: SystemRandom,
}

impl P256Key {
    fn from_pkcs8(der: &[u8]) -> Result<P256Key, Error> {
        let invalid = |message: String| Error::Service(format!("request signing key: {message}"));
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
            .map_err(|_| invalid("not a P-256 PKCS#8 key".into()))?;
        let public =
            VerifyingKey::from_bytes(KeyType::P256, pair.public_key().as_ref()).map_err(|e| invalid(e.to_string()))?;
        Ok(P256Key {
            pair,
            public,
            rng: SystemRandom::new(),
        })
    }
}

#[async_trait]
impl Signer for P256Key {
    fn verifying_key(&self) -> &VerifyingKey {
        &self.public
    }

    async fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.pair
            .sign(&self.rng, message)
            .map(|signature| signature.as_ref().to_vec())
            .map_err(|_| KeyError::SigningFailed("aws-lc ECDSA signing failed".into()))
    }
}
