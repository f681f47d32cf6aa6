//! OpenID4VCI requests as a wallet (or an attacker) sends them: arbitrary bytes as a token
//! request form and as a credential request with its key proof JWT. Must never panic; an
//! accepted proof names a public key or a DID URL naming one key.
use vc_issuer::service::oid4vci::requests::{ProofKey, check_proof, parse_body, parse_form, proof_jwt, proof_key};

/// Runs one input; the `oid4vci_request` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let _ = parse_form(data);
    if let Ok(body) = parse_body(data)
        && let Ok(jwt) = proof_jwt(&body)
    {
        match proof_key(&jwt) {
            Ok(ProofKey::Jwk(key)) => {
                assert!(key.to_jwk().private_member().is_none());
                let _ = check_proof(&jwt, &key, "https://issuer.example", 1_800_000_000);
            }
            Ok(ProofKey::DidUrl(url)) => assert!(url.starts_with("did:") && url.contains('#')),
            Err(_) => {}
        }
    }
}
