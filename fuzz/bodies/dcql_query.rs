//! DCQL queries from untrusted text (a request object or deep link read by a wallet): parse and
//! validate must never panic; an accepted query re-serializes to one that validates the same,
//! and matching it against arbitrary claims never panics.
use verifier::oid4vp::dcql::DcqlQuery;

/// Runs one input; the `dcql_query` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(query) = DcqlQuery::from_json(text) {
        let again = DcqlQuery::from_json(&query.to_json()).expect("a valid query re-parses");
        assert_eq!(again, query);
        let claims = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text).unwrap_or_default();
        for credential in &query.credentials {
            let _ = query.check_presentation(&credential.id, &credential.format, &claims);
        }
    }
}
