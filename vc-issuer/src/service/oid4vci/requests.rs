//! Parsing of what wallets send, kept apart from the handlers so that it can be fuzzed
//! (`fuzz/fuzz_targets/oid4vci_request.rs`) and tested without a server: the token
//! request form, the credential request body and its key proof JWT.

use std::collections::BTreeMap;

use did_core::did::DidUrl;
use did_core::jose::{self, VerifyOptions};
use did_core::key::{Jwk, VerifyingKey};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::{OAuthError, PROOF_TYP};

/// The most parameters a token request may carry.
const MAX_PARAMS: usize = 16;

/// How far a proof's `iat` may be from now, in seconds.
const PROOF_IAT_WINDOW: i64 = 300;

/// How a key proof names the holder's key (OpenID4VCI §8.2.1.1): one of the two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofKey {
    /// The key itself, in the `jwk` header: the credential is bound to it (`cnf.jwk`).
    Jwk(VerifyingKey),
    /// A key of the holder's DID, as the DID URL in the `kid` header (`did:…#key-1`): the
    /// credential is bound to that DID key (`cnf.kid`), so it follows the DID's key
    /// rotations. The proof verifies with the key the DID document lists under it.
    DidUrl(String),
}

/// Parses an `application/x-www-form-urlencoded` body strictly: a repeated parameter
/// (RFC 6749 §3.1), a malformed escape or non-UTF-8 text is an error. Values are zeroized
/// on drop (the PIN and the pre-authorized code travel here).
pub fn parse_form(body: &[u8]) -> Result<BTreeMap<String, Zeroizing<String>>, OAuthError> {
    let text = std::str::from_utf8(body).map_err(|_| OAuthError::bad("invalid_request", "the body is not UTF-8"))?;
    let mut out = BTreeMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        if out.len() >= MAX_PARAMS {
            return Err(OAuthError::bad("invalid_request", "too many parameters"));
        }
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(name)?;
        let value = percent_decode(value)?;
        if out.insert(name.to_string(), value).is_some() {
            return Err(OAuthError::bad("invalid_request", "a parameter is repeated"));
        }
    }
    Ok(out)
}

fn percent_decode(text: &str) -> Result<Zeroizing<String>, OAuthError> {
    let bad = || OAuthError::bad("invalid_request", "malformed form encoding");
    let mut bytes = Zeroizing::new(Vec::with_capacity(text.len()));
    let mut iter = text.bytes();
    while let Some(b) = iter.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hi = iter.next().and_then(|c| char::from(c).to_digit(16)).ok_or_else(bad)?;
                let lo = iter.next().and_then(|c| char::from(c).to_digit(16)).ok_or_else(bad)?;
                bytes.push(u8::try_from(hi * 16 + lo).map_err(|_| bad())?);
            }
            other => bytes.push(other),
        }
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| bad())?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// A credential or deferred credential request body: a JSON object, with no duplicate
/// member name at any depth (two `proofs`, say, would leave which one counts to the reader).
pub fn parse_body(body: &[u8]) -> Result<Map<String, Value>, OAuthError> {
    match crate::json::parse(body) {
        Ok(Value::Object(map)) => Ok(map),
        Err(duplicate @ crate::json::JsonError::DuplicateMember { .. }) => Err(OAuthError::bad(
            "invalid_credential_request",
            format!("the body has a {duplicate}"),
        )),
        _ => Err(OAuthError::bad(
            "invalid_credential_request",
            "the body must be a JSON object",
        )),
    }
}

/// The one proof JWT of a request: `proofs.jwt[0]`, or the older `proof.jwt`.
pub fn proof_jwt(body: &Map<String, Value>) -> Result<String, OAuthError> {
    let refuse = |m: &str| OAuthError::bad("invalid_proof", m.to_owned());
    match (body.get("proofs"), body.get("proof")) {
        (Some(_), Some(_)) => Err(OAuthError::bad(
            "invalid_credential_request",
            "give either proofs or proof, not both",
        )),
        (Some(proofs), None) => {
            let jwts = proofs
                .get("jwt")
                .and_then(Value::as_array)
                .ok_or_else(|| refuse("proofs.jwt must be an array of JWTs (the only proof type supported)"))?;
            match jwts.as_slice() {
                [Value::String(jwt)] => Ok(jwt.clone()),
                [_] | [] => Err(refuse("proofs.jwt must hold one JWT")),
                _ => Err(OAuthError::bad(
                    "invalid_credential_request",
                    "an offer is for one credential: give one proof",
                )),
            }
        }
        (None, Some(proof)) => {
            if proof.get("proof_type").and_then(Value::as_str) != Some("jwt") {
                return Err(refuse("proof.proof_type must be jwt"));
            }
            proof
                .get("jwt")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| refuse("proof.jwt is missing"))
        }
        (None, None) => Err(refuse("a key proof (proofs.jwt) is required")),
    }
}

/// Reads how a key proof JWT names the holder's key, verifying nothing yet: a public
/// `jwk`, or a `kid` that is an absolute DID URL with a fragment; never both, and no
/// `x5c` or `trust_chain`.
pub fn proof_key(jwt: &str) -> Result<ProofKey, OAuthError> {
    let refuse = |m: String| OAuthError::bad("invalid_proof", m);
    let decoded = jose::decode(jwt).map_err(|e| refuse(format!("the proof is not an acceptable JWS: {e}")))?;
    let header = decoded.header();
    if header.contains("x5c") || header.contains("trust_chain") {
        return Err(refuse(
            "the proof must name its key by jwk or by a DID URL in kid".into(),
        ));
    }
    match (header.get("jwk"), header.kid.as_deref()) {
        (Some(_), Some(_)) => Err(refuse(
            "the proof names its key twice: give jwk or kid, not both".into(),
        )),
        (None, None) => Err(refuse("the proof header has neither jwk nor kid".into())),
        (None, Some(kid)) => match DidUrl::parse(kid) {
            Ok(url) if url.has_fragment() => Ok(ProofKey::DidUrl(kid.to_owned())),
            _ => Err(refuse(
                "the proof's kid must be a DID URL naming one key (did:…#key)".into(),
            )),
        },
        (Some(jwk_value), None) => {
            let jwk: Jwk =
                serde_json::from_value(jwk_value).map_err(|_| refuse("the proof's jwk is not a JWK".into()))?;
            if jwk.private_member().is_some() {
                return Err(refuse("the proof's jwk holds private key material".into()));
            }
            let key = VerifyingKey::from_jwk(&jwk).map_err(|e| refuse(format!("the proof's jwk: {e}")))?;
            Ok(ProofKey::Jwk(key))
        }
    }
}

/// Checks a key proof JWT (OpenID4VCI §8.2.1.1) for the issuer `issuer` at `now` (Unix
/// seconds) with `key`, the holder key [`proof_key`] named (resolved, for a DID URL):
/// `typ`, the signature, `aud`, `iat` within five minutes. Returns the proof's nonce,
/// unchecked: the caller uses it up.
pub fn check_proof(jwt: &str, key: &VerifyingKey, issuer: &str, now: i64) -> Result<String, OAuthError> {
    let refuse = |m: String| OAuthError::bad("invalid_proof", m);
    let decoded = jose::decode(jwt).map_err(|e| refuse(format!("the proof is not an acceptable JWS: {e}")))?;
    let verified = decoded
        .verify(key, &VerifyOptions::default().expect_typ(PROOF_TYP))
        .map_err(|e| refuse(format!("the proof does not verify: {e}")))?;
    let claims = verified
        .payload_object()
        .map_err(|e| refuse(format!("the proof's claims: {e}")))?;
    let aud_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == issuer,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(issuer)),
        _ => false,
    };
    if !aud_ok {
        return Err(refuse(format!("the proof's aud must be {issuer}")));
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or_else(|| refuse("the proof has no numeric iat".into()))?;
    if iat.saturating_sub(now).saturating_abs() > PROOF_IAT_WINDOW {
        return Err(refuse("the proof's iat is not within 5 minutes of now".into()));
    }
    // OpenID4VCI 1.0 §8.3.1.2: a key proof without a c_nonce is an invalid proof;
    // `invalid_nonce` is for a nonce that is there but unknown, used or expired.
    let nonce = claims.get("nonce").and_then(Value::as_str).ok_or_else(|| {
        OAuthError::bad(
            "invalid_proof",
            "the proof has no nonce: get one from the nonce endpoint",
        )
    })?;
    Ok(nonce.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use did_core::jose::Header;
    use did_core::key::{Algorithm, KeyType, SigningKey};
    use serde_json::json;

    use super::*;

    #[test]
    fn forms_decode_and_refuse_repeats() {
        let form = parse_form(b"a=1+2&b=%41%2f&c").unwrap();
        assert_eq!(form["a"].as_str(), "1 2");
        assert_eq!(form["b"].as_str(), "A/");
        assert_eq!(form["c"].as_str(), "");
        assert!(parse_form(b"a=1&a=2").is_err());
        assert!(parse_form(b"a=%4").is_err());
        assert!(parse_form(b"a=%ff").is_err(), "not UTF-8 once decoded");
        let many: String = (0..=MAX_PARAMS).map(|i| format!("p{i}=1&")).collect();
        assert!(parse_form(many.as_bytes()).is_err());
    }

    /// Issue 28, finding 8: a credential request with two `proofs` (or any member twice, at
    /// any depth) was read as its last one; it is refused.
    #[test]
    fn a_credential_request_with_a_duplicate_member_is_refused() {
        let good = br#"{"credential_configuration_id": "E", "proofs": {"jwt": ["a.b.c"]}}"#;
        assert_eq!(parse_body(good).unwrap()["credential_configuration_id"], "E");
        for body in [
            &br#"{"proofs": {"jwt": ["a.b.c"]}, "proofs": {"jwt": ["d.e.f"]}}"#[..],
            br#"{"proofs": {"jwt": ["a.b.c"], "jwt": []}}"#,
            br#"{"transaction_id": "t", "transaction_id": "u"}"#,
        ] {
            let refused = parse_body(body).unwrap_err();
            assert_eq!(refused.error, "invalid_credential_request");
            assert!(
                refused.description.contains("duplicate member name at /"),
                "{}",
                refused.description
            );
        }
        assert_eq!(parse_body(b"[1]").unwrap_err().error, "invalid_credential_request");
    }

    fn proof(key: &SigningKey, header: Header, claims: Value) -> String {
        jose::sign_json_with_key(header, &claims, key).unwrap()
    }

    fn header(key: &SigningKey) -> Header {
        let jwk = serde_json::to_value(key.verifying_key().to_jwk()).unwrap();
        Header::new(Algorithm::Es256)
            .with_typ(PROOF_TYP)
            .with_member("jwk", jwk)
    }

    const ISSUER: &str = "https://issuer.example";
    const NOW: i64 = 1_800_000_000;

    #[test]
    fn key_proofs() {
        let key = SigningKey::generate(KeyType::P256).unwrap();
        let good = json!({"aud": ISSUER, "iat": NOW, "nonce": "n-1"});
        let checked = |jwt: &str| match proof_key(jwt)? {
            ProofKey::Jwk(named) => check_proof(jwt, &named, ISSUER, NOW).map(|nonce| (named, nonce)),
            ProofKey::DidUrl(_) => unreachable!("a jwk proof"),
        };
        let (named, nonce) = checked(&proof(&key, header(&key), good.clone())).unwrap();
        assert_eq!(&named, key.verifying_key());
        assert_eq!(nonce, "n-1");
        let refused = |jwt: String| checked(&jwt).unwrap_err().error;

        let other = SigningKey::generate(KeyType::P256).unwrap();
        assert_eq!(refused(proof(&other, header(&key), good.clone())), "invalid_proof");
        let wrong_typ = header(&key).with_typ("JWT");
        assert_eq!(refused(proof(&key, wrong_typ, good.clone())), "invalid_proof");
        let with_kid = header(&key).with_kid("did:example:123#key-1");
        assert_eq!(
            refused(proof(&key, with_kid, good.clone())),
            "invalid_proof",
            "jwk and kid"
        );
        let x5c = header(&key).with_member("x5c", json!(["MIIB"]));
        assert_eq!(refused(proof(&key, x5c, good.clone())), "invalid_proof");
        let private = serde_json::to_value(key.to_jwk()).unwrap();
        let leaked = Header::new(Algorithm::Es256)
            .with_typ(PROOF_TYP)
            .with_member("jwk", private);
        assert_eq!(refused(proof(&key, leaked, good.clone())), "invalid_proof");
        for claims in [
            json!({"aud": "https://other.example", "iat": NOW, "nonce": "n"}),
            json!({"aud": ISSUER, "iat": NOW - PROOF_IAT_WINDOW - 1, "nonce": "n"}),
            json!({"aud": ISSUER, "iat": i64::MIN, "nonce": "n"}),
            json!({"aud": ISSUER, "iat": "now", "nonce": "n"}),
        ] {
            assert_eq!(
                refused(proof(&key, header(&key), claims.clone())),
                "invalid_proof",
                "{claims}"
            );
        }
        let no_nonce = json!({"aud": [ISSUER], "iat": NOW});
        assert_eq!(refused(proof(&key, header(&key), no_nonce)), "invalid_proof");
        assert_eq!(refused("not.a.jwt".to_owned()), "invalid_proof");
    }

    #[test]
    fn a_proof_may_name_a_did_key_instead() {
        let key = SigningKey::generate(KeyType::P256).unwrap();
        let good = json!({"aud": ISSUER, "iat": NOW, "nonce": "n-2"});
        let by_did = Header::new(Algorithm::Es256)
            .with_typ(PROOF_TYP)
            .with_kid("did:dojang:abc#key-1");
        let jwt = proof(&key, by_did, good.clone());
        assert_eq!(
            proof_key(&jwt).unwrap(),
            ProofKey::DidUrl("did:dojang:abc#key-1".into())
        );
        // Whatever the DID resolves to is what it must verify with.
        assert_eq!(check_proof(&jwt, key.verifying_key(), ISSUER, NOW).unwrap(), "n-2");
        let other = SigningKey::generate(KeyType::P256).unwrap();
        assert_eq!(
            check_proof(&jwt, other.verifying_key(), ISSUER, NOW).unwrap_err().error,
            "invalid_proof"
        );
        for kid in [
            "did:dojang:abc",
            "key-1",
            "#key-1",
            "https://wallet.example#key-1",
            "did:dojang:abc#",
        ] {
            let named = Header::new(Algorithm::Es256).with_typ(PROOF_TYP).with_kid(kid);
            let err = proof_key(&proof(&key, named, good.clone())).unwrap_err();
            assert_eq!(err.error, "invalid_proof", "{kid}");
        }
        let neither = Header::new(Algorithm::Es256).with_typ(PROOF_TYP);
        assert_eq!(
            proof_key(&proof(&key, neither, good)).unwrap_err().error,
            "invalid_proof"
        );
    }
}
