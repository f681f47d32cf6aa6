//! The exit codes of the `verifier` command lines (`verify`, `resolve`, `serve`, `bundle ...`),
//! shared so that no command module depends on another for them.

/// Exit code when the command did its job.
pub const EXIT_OK: i32 = 0;
/// Exit code when the command ran but the answer is a failure (e.g. resolution failed).
pub const EXIT_FAILED: i32 = 1;
/// Exit code for a usage error (clap uses the same).
pub const EXIT_USAGE: i32 = 2;
