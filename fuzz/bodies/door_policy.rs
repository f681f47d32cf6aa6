//! Door policies as an operator (or a tampered configuration file) writes them: arbitrary text
//! read as TOML and as JSON. Must never panic; an accepted policy survives a JSON round trip
//! and answers lookups and opening hours without panicking.
use verifier::policy::{Policy, lookup};

/// Runs one input; the `door_policy` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for policy in [Policy::from_toml(text), Policy::from_json(text)].into_iter().flatten() {
        let json = serde_json::to_string(&policy).expect("a policy serializes");
        assert_eq!(Policy::from_json(&json).expect("its JSON reads back"), policy);
        let at = time::OffsetDateTime::from_unix_timestamp(1_780_272_000).expect("a time");
        let _ = policy.is_open(at);
        let claims = serde_json::json!({"department": "IT", "credentialSubject": {"age_over_19": true}});
        for rule in &policy.accept {
            for claim in &rule.claims {
                let _ = claim.check(&claims);
                let _ = lookup(&claims, &claim.path);
            }
        }
    }
}
