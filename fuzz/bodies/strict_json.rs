//! did-core's strict JSON reader, both ways: `check` (walks the input without building it,
//! as the issuer's request bodies are read) must give exactly what `parse_value` (builds the
//! value) gives on every input, the same duplicate at the same pointer, the same syntax error.
//! Neither may panic.
use did_core::json::{check, parse_value};

/// Runs one input; the `strict_json` fuzz target and the corpus replay test call this.
pub fn run(data: &[u8]) {
    let checked = check(data);
    let parsed = parse_value(data).map(|_| ());
    assert_eq!(checked, parsed);
}
