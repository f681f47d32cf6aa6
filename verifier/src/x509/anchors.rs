//! The configured root certificates.

use x509_parser::pem::Pem;

use super::chain::{self, Parsed};
use super::{MAX_CERT_LEN, TrustAnchorError};
use crate::Error;

/// The largest PEM input [`TrustAnchors::from_pem`] reads, in bytes.
pub const MAX_PEM_LEN: usize = 1024 * 1024;

/// The most root certificates one set may hold.
pub const MAX_ANCHORS: usize = 256;

/// Root certificates the verifier trusts to certify issuer keys.
///
/// Every root was parsed when the set was built: it is at most [`super::MAX_CERT_LEN`] bytes,
/// is a CA (`basicConstraints` with `cA` true), may sign certificates (`keyCertSign`, if it has
/// a `keyUsage`), and has a P-256, P-384 or Ed25519 key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustAnchors {
    roots: Vec<Vec<u8>>,
}

impl TrustAnchors {
    /// Reads one or more PEM `CERTIFICATE` blocks. Text around the blocks is ignored; a block
    /// of another kind, or no block at all, is an error.
    pub fn from_pem(pem: &[u8]) -> Result<TrustAnchors, Error> {
        if pem.len() > MAX_PEM_LEN {
            return Err(TrustAnchorError::TooLarge { limit: MAX_PEM_LEN }.into());
        }
        let mut roots = Vec::new();
        for block in Pem::iter_from_buffer(pem) {
            let index = roots.len();
            let block = block.map_err(|e| TrustAnchorError::Pem {
                index,
                problem: e.to_string(),
            })?;
            if block.label != "CERTIFICATE" {
                return Err(TrustAnchorError::Pem {
                    index,
                    problem: "not a CERTIFICATE".into(),
                }
                .into());
            }
            roots.push(block.contents);
            if roots.len() > MAX_ANCHORS {
                return Err(TrustAnchorError::TooMany { limit: MAX_ANCHORS }.into());
            }
        }
        if roots.is_empty() {
            return Err(TrustAnchorError::Empty.into());
        }
        TrustAnchors::from_der(roots)
    }

    /// Takes DER certificates.
    pub fn from_der(roots: Vec<Vec<u8>>) -> Result<TrustAnchors, Error> {
        if roots.len() > MAX_ANCHORS {
            return Err(TrustAnchorError::TooMany { limit: MAX_ANCHORS }.into());
        }
        for (index, der) in roots.iter().enumerate() {
            check_root(der).map_err(|problem| TrustAnchorError::Root { index, problem })?;
        }
        Ok(TrustAnchors { roots })
    }

    /// Whether there is no root.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// How many roots there are.
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// The roots, DER.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.roots.iter().map(Vec::as_slice)
    }
}

fn check_root(der: &[u8]) -> Result<(), String> {
    if der.len() > MAX_CERT_LEN {
        return Err(format!("over {MAX_CERT_LEN} bytes"));
    }
    let cert = chain::parse(der)?;
    check_parsed_root(&cert)
}

fn check_parsed_root(cert: &Parsed<'_>) -> Result<(), String> {
    chain::check_extensions(cert)?;
    let ca = cert
        .basic_constraints()
        .map_err(|e| format!("basicConstraints: {e}"))?
        .is_some_and(|bc| bc.value.ca);
    if !ca {
        return Err("not a CA certificate (basicConstraints cA is not true)".into());
    }
    if let Some(usage) = cert.key_usage().map_err(|e| format!("keyUsage: {e}"))?
        && !usage.value.key_cert_sign()
    {
        return Err("keyUsage does not allow keyCertSign".into());
    }
    chain::key_type(cert.public_key()).ok_or_else(|| "key is not P-256, P-384 or Ed25519".to_owned())?;
    Ok(())
}
