//! Certificate chain validation: parsing, validity windows, CA constraints, key usage and
//! signatures up to a trusted root.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use did_core::key::{KeyType, VerifyingKey};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384,
    OID_SIG_ED25519,
};
use x509_parser::prelude::FromDer;
use x509_parser::time::ASN1Time;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::{MAX_CERT_LEN, MAX_CHAIN_LEN, TrustAnchors, X509Failure};
use crate::reason::ReasonCode;

pub(crate) type Parsed<'a> = X509Certificate<'a>;

/// Checks `chain` (DER, leaf first) against `anchors` at `now` and returns the leaf's key.
///
/// Accepted when every certificate parses (at most [`MAX_CERT_LEN`] bytes each, at most
/// [`MAX_CHAIN_LEN`] of them), each is signed by the next, the last is a trusted root or is
/// signed by one (a root whose subject is the last certificate's issuer and whose key verifies
/// its signature), every certificate and the root are valid at `now`, every certificate above
/// the leaf is a CA (`basicConstraints` `cA`, within its `pathLenConstraint`) allowed to sign
/// certificates (`keyCertSign` if it has a `keyUsage`), the leaf may sign (`digitalSignature`
/// if it has a `keyUsage`), no certificate carries a critical extension this module does not
/// understand, and the leaf's key is P-256, P-384 or Ed25519.
///
/// Failures carry `X509_INVALID` (malformed, a broken link, a constraint), `X509_EXPIRED` (a
/// certificate outside its validity) or `X509_UNKNOWN_ROOT` (no trusted root certifies it).
pub fn verify_chain(chain: &[Vec<u8>], anchors: &TrustAnchors, now: SystemTime) -> Result<VerifyingKey, X509Failure> {
    if chain.is_empty() {
        return Err(X509Failure::invalid("the chain is empty"));
    }
    if chain.len() > MAX_CHAIN_LEN {
        return Err(X509Failure::invalid(format!(
            "the chain holds {} certificates, at most {MAX_CHAIN_LEN} are accepted",
            chain.len()
        )));
    }
    let now = asn1_time(now)?;
    let certs = chain
        .iter()
        .enumerate()
        .map(|(index, der)| {
            if der.len() > MAX_CERT_LEN {
                return Err(X509Failure::invalid(format!(
                    "certificate {index} is over {MAX_CERT_LEN} bytes"
                )));
            }
            parse(der).map_err(|why| X509Failure::invalid(format!("certificate {index}: {why}")))
        })
        .collect::<Result<Vec<_>, _>>()?;

    for (index, cert) in certs.iter().enumerate() {
        check_extensions(cert).map_err(|why| X509Failure::invalid(format!("certificate {index}: {why}")))?;
        let role = if index == 0 {
            check_leaf(cert)
        } else {
            check_ca(cert, index - 1)
        };
        role.map_err(|why| X509Failure::invalid(format!("certificate {index}: {why}")))?;
    }

    for (index, pair) in certs.windows(2).enumerate() {
        let [child, parent] = pair else {
            continue;
        };
        if child.issuer().as_raw() != parent.subject().as_raw() {
            return Err(X509Failure::invalid(format!(
                "certificate {index}'s issuer is not certificate {}'s subject",
                index + 1
            )));
        }
        verify_signature(child, parent.public_key()).map_err(|why| {
            X509Failure::invalid(format!(
                "certificate {index} is not signed by certificate {}: {why}",
                index + 1
            ))
        })?;
    }

    let (Some(last), Some(last_der)) = (certs.last(), chain.last()) else {
        return Err(X509Failure::invalid("the chain is empty"));
    };
    if !anchors.iter().any(|root| root == last_der.as_slice()) {
        check_root(last, certs.len().saturating_sub(1), anchors, now)?;
    }

    // Times last, so that a forged chain is reported as invalid rather than expired.
    if let Some(index) = certs.iter().position(|cert| !cert.validity().is_valid_at(now)) {
        return Err(X509Failure::new(
            ReasonCode::X509Expired,
            format!("certificate {index} is expired or not yet valid"),
        ));
    }

    let leaf = certs
        .first()
        .ok_or_else(|| X509Failure::invalid("the chain is empty"))?;
    let spki = leaf.public_key();
    let key_type = key_type(spki).ok_or_else(|| X509Failure::invalid("the leaf key is not P-256, P-384 or Ed25519"))?;
    VerifyingKey::from_bytes(key_type, &spki.subject_public_key.data)
        .map_err(|e| X509Failure::invalid(format!("the leaf key: {e}")))
}

/// The public key of one DER certificate (P-256, P-384 or Ed25519), without judging the
/// certificate's trust: for a caller that trusts it by other means, such as the hash an
/// OpenID4VP `x509_hash:` client id names.
pub fn certificate_key(der: &[u8]) -> Result<VerifyingKey, X509Failure> {
    let cert = parse(der).map_err(X509Failure::invalid)?;
    let spki = cert.public_key();
    let key_type = key_type(spki).ok_or_else(|| X509Failure::invalid("the key is not P-256, P-384 or Ed25519"))?;
    VerifyingKey::from_bytes(key_type, &spki.subject_public_key.data)
        .map_err(|e| X509Failure::invalid(format!("the certificate's key: {e}")))
}

/// Finds a trusted root that issued `last`, with `below` intermediates under it (its
/// pathLenConstraint applies to them as if it had been sent in the chain).
fn check_root(last: &Parsed<'_>, below: usize, anchors: &TrustAnchors, now: ASN1Time) -> Result<(), X509Failure> {
    let mut named = false;
    let mut expired = false;
    for root_der in anchors.iter() {
        let Ok(root) = parse(root_der) else {
            continue;
        };
        if root.subject().as_raw() != last.issuer().as_raw() {
            continue;
        }
        named = true;
        if verify_signature(last, root.public_key()).is_err() {
            continue;
        }
        check_ca(&root, below).map_err(|why| X509Failure::invalid(format!("the trusted root: {why}")))?;
        if root.validity().is_valid_at(now) {
            return Ok(());
        }
        expired = true;
    }
    Err(if expired {
        X509Failure::new(ReasonCode::X509Expired, "the trusted root is expired or not yet valid")
    } else if named {
        X509Failure::new(
            ReasonCode::X509UnknownRoot,
            "no trusted root of the issuer's name verifies the chain",
        )
    } else {
        X509Failure::new(ReasonCode::X509UnknownRoot, "the chain does not end at a trusted root")
    })
}

/// Parses one DER certificate, refusing trailing bytes.
pub(crate) fn parse(der: &[u8]) -> Result<Parsed<'_>, String> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|_| "not a DER X.509 certificate".to_owned())?;
    if !rest.is_empty() {
        return Err("trailing bytes after the certificate".into());
    }
    Ok(cert)
}

/// Refuses duplicate extensions and critical extensions that are not understood.
pub(crate) fn check_extensions(cert: &Parsed<'_>) -> Result<(), String> {
    cert.extensions_map()
        .map_err(|_| "an extension appears twice".to_owned())?;
    for ext in cert.extensions() {
        // Only what this check enforces (or what cannot widen trust) may be critical: a
        // critical name constraint or policy would be a promise nobody here keeps.
        let enforced = matches!(
            ext.parsed_extension(),
            ParsedExtension::BasicConstraints(_)
                | ParsedExtension::KeyUsage(_)
                | ParsedExtension::SubjectKeyIdentifier(_)
                | ParsedExtension::AuthorityKeyIdentifier(_)
                | ParsedExtension::SubjectAlternativeName(_)
        );
        if ext.critical && !enforced {
            return Err(format!("unsupported critical extension {}", ext.oid));
        }
    }
    Ok(())
}

fn check_leaf(cert: &Parsed<'_>) -> Result<(), String> {
    if let Some(usage) = cert.key_usage().map_err(|e| format!("keyUsage: {e}"))?
        && !usage.value.digital_signature()
    {
        return Err("keyUsage does not allow digitalSignature".into());
    }
    Ok(())
}

/// `below` is how many intermediates sit between this CA and the leaf.
fn check_ca(cert: &Parsed<'_>, below: usize) -> Result<(), String> {
    let constraints = cert
        .basic_constraints()
        .map_err(|e| format!("basicConstraints: {e}"))?
        .filter(|bc| bc.value.ca)
        .ok_or_else(|| "not a CA certificate (basicConstraints cA is not true)".to_owned())?;
    if let Some(limit) = constraints.value.path_len_constraint
        && usize::try_from(limit).is_ok_and(|limit| below > limit)
    {
        return Err(format!("pathLenConstraint {limit} exceeded"));
    }
    if let Some(usage) = cert.key_usage().map_err(|e| format!("keyUsage: {e}"))?
        && !usage.value.key_cert_sign()
    {
        return Err("keyUsage does not allow keyCertSign".into());
    }
    Ok(())
}

/// The did-core key type of a subject public key, if supported.
pub(crate) fn key_type(spki: &SubjectPublicKeyInfo<'_>) -> Option<KeyType> {
    let algorithm = &spki.algorithm;
    if algorithm.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = algorithm.parameters.as_ref()?.as_oid().ok()?;
        if curve == OID_EC_P256 {
            Some(KeyType::P256)
        } else if curve == OID_NIST_EC_P384 {
            Some(KeyType::P384)
        } else {
            None
        }
    } else if algorithm.algorithm == OID_SIG_ED25519 && algorithm.parameters.is_none() {
        Some(KeyType::Ed25519)
    } else {
        None
    }
}

/// Verifies `cert`'s signature with the issuer's key.
fn verify_signature(cert: &Parsed<'_>, issuer: &SubjectPublicKeyInfo<'_>) -> Result<(), &'static str> {
    let outer = &cert.signature_algorithm;
    let inner = &cert.tbs_certificate.signature;
    if outer.algorithm != inner.algorithm || outer.parameters != inner.parameters {
        return Err("the signature algorithm differs inside and outside the signed part");
    }
    if outer.parameters.is_some() {
        return Err("unexpected signature algorithm parameters");
    }
    let key_type = key_type(issuer).ok_or("the issuer key is not P-256, P-384 or Ed25519")?;
    let sha256 = outer.algorithm == OID_SIG_ECDSA_WITH_SHA256;
    let sha384 = outer.algorithm == OID_SIG_ECDSA_WITH_SHA384;
    let ed25519 = outer.algorithm == OID_SIG_ED25519;
    let algorithm: &'static dyn VerificationAlgorithm = match key_type {
        KeyType::P256 if sha256 => &signature::ECDSA_P256_SHA256_ASN1,
        KeyType::P256 if sha384 => &signature::ECDSA_P256_SHA384_ASN1,
        KeyType::P384 if sha256 => &signature::ECDSA_P384_SHA256_ASN1,
        KeyType::P384 if sha384 => &signature::ECDSA_P384_SHA384_ASN1,
        KeyType::Ed25519 if ed25519 => &signature::ED25519,
        _ => return Err("unsupported signature algorithm for the issuer key"),
    };
    if cert.signature_value.unused_bits != 0 {
        return Err("the signature is not a whole number of bytes");
    }
    UnparsedPublicKey::new(algorithm, issuer.subject_public_key.data.as_ref())
        .verify(cert.tbs_certificate.as_ref(), cert.signature_value.data.as_ref())
        .map_err(|_| "the signature does not verify")
}

fn asn1_time(now: SystemTime) -> Result<ASN1Time, X509Failure> {
    let seconds = now
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .ok_or_else(|| X509Failure::invalid("the clock is before 1970"))?;
    ASN1Time::from_timestamp(seconds).map_err(|_| X509Failure::invalid("the clock is out of range"))
}
