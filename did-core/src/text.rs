//! Small text helpers shared by the modules' errors.

/// `s` cut to at most 64 characters, so attacker-chosen strings stay short in errors.
pub(crate) fn truncated(s: &str) -> String {
    const MAX_CHARS: usize = 64;
    match s.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", s.get(..cut).unwrap_or_default()),
        None => s.to_owned(),
    }
}
