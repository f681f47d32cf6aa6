//! What a presentation claims before it is verified: its nonce, so the engine can check that
//! the nonce is one it issued before spending any signature checks on it.

use serde_json::Value;

/// The nonce a presentation answers, read without verifying anything: the key-binding JWT's
/// `nonce` (SD-JWT), the `nonce` claim (`vp+jwt`, VC 1.1 VP JWT), or the proof's `challenge`
/// (Data Integrity). `None` for a bare credential or unreadable input.
pub fn presented_nonce(input: &str) -> Option<String> {
    let input = input.trim();
    if input.starts_with('{') {
        let value = did_core::data_integrity::parse_document(input.as_bytes()).ok()?;
        // An SD-JWT in JSON serialization: the KB-JWT sits in the unprotected header.
        if value.get("payload").is_some() {
            let sd_jwt = did_core::sd_jwt::SdJwt::from_json(input).ok()?;
            return jwt_nonce(sd_jwt.key_binding_jwt()?);
        }
        let challenge = |proof: &Value| proof.get("challenge").and_then(Value::as_str).map(str::to_owned);
        return match value.get("proof")? {
            Value::Array(proofs) => proofs.iter().find_map(challenge),
            proof => challenge(proof),
        };
    }
    let jwt = if input.contains('~') {
        // SD-JWT+KB: the KB-JWT is the part after the last `~`.
        input.rsplit('~').next().filter(|kb| !kb.is_empty())?
    } else {
        input
    };
    jwt_nonce(jwt)
}

/// The `nonce` claim of a compact JWT, read from its payload alone (the verification that
/// follows checks everything else, with the strict parser).
fn jwt_nonce(jwt: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Claims {
        nonce: Option<String>,
    }
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).ok()?;
    serde_json::from_slice::<Claims>(&bytes).ok()?.nonce
}
