//! What the three command lines (`vc-issuer`, `verifier`, `registry-anchor`) share, so that
//! they speak one dialect: the exit codes, a service's start-up banner, and the form of a
//! failure.
//!
//! - **Exit codes**: [`EXIT_OK`] when the command did its job, [`EXIT_FAILED`] when it ran but
//!   failed (a refused credential, an unreachable node, a port in use), [`EXIT_USAGE`] for a
//!   usage error (clap's own code for a bad flag, and ours for a bad configuration file).
//! - **Banner**: a service prints [`Banner`] on standard output once it listens: a first line
//!   `<program> listening on <url>`, then one indented `label  value` line per fact an operator
//!   needs (the DID, the key, where data lives).
//! - **Failures**: one line on standard error, `error: <message>`, the way clap reports a usage
//!   error, with an optional `  tip: <what to do>` line ([`write_error`]). A command whose
//!   answer is JSON on standard output answers a failure there too, as
//!   `{"ok": false, "error": {"code", "message"}}` ([`json_failure`]), so a script can branch on
//!   the code.
//!
//! ```
//! use did_core::cli::{Banner, json_failure, write_error};
//!
//! let banner = Banner::new("registry-anchor", "http://127.0.0.1:8070").field("tree size", 0);
//! assert_eq!(
//!     banner.to_string(),
//!     "registry-anchor listening on http://127.0.0.1:8070\n  tree size       0"
//! );
//!
//! let mut err = Vec::new();
//! write_error(&mut err, "cannot read door.toml: No such file", Some("give --policy FILE"));
//! assert_eq!(
//!     String::from_utf8(err).unwrap(),
//!     "error: cannot read door.toml: No such file\n  tip: give --policy FILE\n"
//! );
//! assert_eq!(json_failure("listen", "port in use")["error"]["code"], "listen");
//! ```

use std::fmt;
use std::io::Write;

use serde_json::{Value, json};

/// Exit code when the command did its job.
pub const EXIT_OK: i32 = 0;
/// Exit code when the command ran but failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code for a usage error: a bad flag (clap uses the same) or a bad configuration file.
pub const EXIT_USAGE: i32 = 2;

/// The width labels are padded to in a [`Banner`], so values line up.
const LABEL_WIDTH: usize = 15;

/// A service's start-up banner: `<program> listening on <url>`, then `  <label>  <value>` lines.
#[derive(Debug, Clone)]
pub struct Banner {
    lines: Vec<String>,
}

impl Banner {
    /// A banner for `program` listening on `url`.
    pub fn new(program: &str, url: impl fmt::Display) -> Banner {
        Banner {
            lines: vec![format!("{program} listening on {url}")],
        }
    }

    /// Adds a `label  value` line.
    #[must_use]
    pub fn field(mut self, label: &str, value: impl fmt::Display) -> Banner {
        self.lines.push(format!("  {label:<LABEL_WIDTH$} {value}"));
        self
    }
}

impl fmt::Display for Banner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines.join("\n"))
    }
}

/// The value of `label` in a banner's text (its first line's URL for `"listening on"`), for
/// programs and tests that start a service and read where it listens.
pub fn banner_value<'a>(banner: &'a str, label: &str) -> Option<&'a str> {
    banner.lines().find_map(|line| {
        if label == "listening on" {
            return line.split_once(" listening on ").map(|(_, url)| url.trim());
        }
        let rest = line.strip_prefix("  ")?.strip_prefix(label)?;
        // The label is whole: its padding follows it.
        rest.starts_with(' ').then(|| rest.trim())
    })
}

/// Writes a failure as the command lines print it: `error: <message>`, then `  tip: <tip>`.
pub fn write_error(err: &mut dyn Write, message: &str, tip: Option<&str>) {
    let _ = writeln!(err, "error: {message}");
    if let Some(tip) = tip {
        let _ = writeln!(err, "  tip: {tip}");
    }
}

/// A failure as a JSON-answering command prints it on standard output:
/// `{"ok": false, "error": {"code": <code>, "message": <message>}}`.
pub fn json_failure(code: &str, message: &str) -> Value {
    json!({"ok": false, "error": {"code": code, "message": message}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_lines_up_its_values_and_reads_back() {
        let banner = Banner::new("verifier", "http://127.0.0.1:8090")
            .field("door", "city-hall-east")
            .field("a label longer than the column", "x")
            .to_string();
        assert_eq!(
            banner,
            "verifier listening on http://127.0.0.1:8090\n  door            city-hall-east\n  a label longer than the column x"
        );
        assert_eq!(banner_value(&banner, "listening on"), Some("http://127.0.0.1:8090"));
        assert_eq!(banner_value(&banner, "door"), Some("city-hall-east"));
        // A label is matched whole, not as a prefix of another.
        assert_eq!(banner_value(&banner, "do"), None);
        assert_eq!(banner_value(&banner, "kiosk"), None);
    }

    #[test]
    fn an_error_without_a_tip_is_one_line() {
        let mut err = Vec::new();
        write_error(&mut err, "cannot listen on 1.1.1.1:1", None);
        assert_eq!(err, b"error: cannot listen on 1.1.1.1:1\n");
        assert_eq!(
            json_failure("listen", "in use"),
            json!({"ok": false, "error": {"code": "listen", "message": "in use"}})
        );
    }
}
