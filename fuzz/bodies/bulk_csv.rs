//! `vc-issuer bulk-issue` input: arbitrary bytes as an employee CSV. Must never panic;
//! every accepted row holds its record key, every refusal names a line after the header,
//! and no line is both accepted and refused.
use std::collections::BTreeSet;
use std::sync::OnceLock;

use vc_issuer::bulk::rows;
use vc_issuer::templates::Templates;

/// Runs one input; the `bulk_csv` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    // Compiled once: the schemas take far longer to build than a row takes to check.
    static TEMPLATES: OnceLock<Option<Templates>> = OnceLock::new();
    let Some(templates) = TEMPLATES.get_or_init(|| Templates::built_in().ok()) else {
        return;
    };
    let Ok(template) = templates.get("EmployeeIdCredential") else {
        return;
    };
    let Ok(parsed) = rows::parse(data, template, time::macros::date!(2026 - 11 - 22)) else {
        return;
    };
    let refused: BTreeSet<u64> = parsed.bad.iter().map(|e| e.line).collect();
    assert_eq!(refused.len(), parsed.bad_rows);
    for row in &parsed.valid {
        assert!(row.line >= 2);
        assert!(!refused.contains(&row.line));
        assert_eq!(
            row.claims.get("employee_number").and_then(|v| v.as_str()),
            Some(row.record_key.as_str())
        );
    }
}
