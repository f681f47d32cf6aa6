//! What the command lines (`cli`, and `bulk` behind `bulk-issue`) share: their exit codes, and
//! the audit log's actor for a command an operator runs.

pub use did_core::cli::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};

/// The audit log's actor for a command run from the command line: `cli:<command>`, with the
/// login name when it is a plain one.
pub(crate) fn actor(command: &str) -> String {
    match std::env::var("USER") {
        Ok(user)
            if !user.is_empty()
                && user.len() <= 32
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) =>
        {
            format!("cli:{command}:{user}")
        }
        _ => format!("cli:{command}"),
    }
}
