//! What the command lines (`cli`, and `bulk` behind `bulk-issue`) share: their exit codes, and
//! the audit log's actor for a command an operator runs.

/// Exit code when the command did its job.
pub const EXIT_OK: i32 = 0;
/// Exit code when the command ran but failed (bad key, refused credential).
pub const EXIT_FAILED: i32 = 1;
/// Exit code for a usage error (clap uses the same).
pub const EXIT_USAGE: i32 = 2;

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
