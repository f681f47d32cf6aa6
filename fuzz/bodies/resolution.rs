//! Resolution answers (`docs/did-dojang.md` §10) on arbitrary bytes: parsing and checking must
//! never panic, and whatever verifies must replay to the document and metadata it claims.
use std::sync::OnceLock;

use registry_anchor::resolution::{ResolutionVerifier, parse_registry_key, parse_resolution};
use serde_json::Value;

/// The specification's resolution example: its operator key, log id and DID.
fn example() -> &'static (ResolutionVerifier, String) {
    static EXAMPLE: OnceLock<(ResolutionVerifier, String)> = OnceLock::new();
    EXAMPLE.get_or_init(|| {
        let vector: Value =
            serde_json::from_str(include_str!("../../registry-anchor/tests/vectors/resolution.json")).unwrap();
        let operator = parse_registry_key(&vector["operatorKey"].to_string()).unwrap();
        let verifier = ResolutionVerifier::new(operator, vector["logId"].as_str().unwrap());
        let did = vector["resolution"]["didDocument"]["id"].as_str().unwrap().to_owned();
        (verifier, did)
    })
}

/// Runs one input; the `resolution` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Ok(response) = parse_resolution(data) else {
        return;
    };
    let (verifier, did) = example();
    if let Ok(verified) = verifier.verify(did, response.clone()) {
        let document = serde_json::to_value(verified.state().document()).unwrap();
        assert_eq!(document, response.did_document);
        assert_eq!(
            verified.state().is_deactivated(),
            response.did_document_metadata.deactivated
        );
    }
}
