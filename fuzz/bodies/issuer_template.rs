//! Issuer templates: arbitrary bytes as a template file. Must never panic; a template that
//! loads must check claims (its own examples and hostile ones) without panicking, and what
//! it accepts must have its record key.
use serde_json::json;
use vc_issuer::templates::Template;

/// Runs one input; the `issuer_template` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = Template::from_json(text) else {
        return;
    };
    let today = time::macros::date!(2026 - 11 - 22);
    for claims in [
        json!({}),
        json!({"employee_number": "E-1", "birth_date": "2000-02-29", "name": "x"}),
        json!({"birth_date": "not a date", "age_over_19": true}),
        json!([1, 2, 3]),
    ] {
        if let Ok(subject) = template.subject_claims(&claims, today) {
            assert!(template.record_key_of(&subject).is_ok());
            let _ = template.disclosable_pointers(&subject);
        }
    }
    let _ = template.type_metadata("https://issuer.example");
    let _ = template.credential_schema("https://issuer.example");
}
