//! OpenID4VCI requests as a wallet (or an attacker) sends them: arbitrary bytes as a token
//! request form and as a credential request with its key proof JWT. Must never panic; an
//! accepted proof yields the holder's public key.
use vc_issuer::service::oid4vci::requests::{check_proof, parse_body, parse_form, proof_jwt};

/// Runs one input; the `oid4vci_request` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let _ = parse_form(data);
    if let Ok(body) = parse_body(data)
        && let Ok(jwt) = proof_jwt(&body)
        && let Ok(proof) = check_proof(&jwt, "https://issuer.example", 1_800_000_000)
    {
        assert!(proof.key.to_jwk().private_member().is_none());
    }
}
