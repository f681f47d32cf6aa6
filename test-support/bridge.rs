//! The interop bridge runner, shared by the integration tests of several crates (included
//! with `#[path = ".../test-support/bridge.rs"] mod bridge;`): a peer implementation behind a
//! one-shot script (`interop/README.md`: one JSON request on stdin, one JSON answer on stdout).

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

/// Runs `program script` with `request` on stdin and returns its JSON answer; the process must
/// exit 0. `install_hint` says how to install the peer when `program` cannot start.
pub fn run_bridge(program: &str, script: &Path, request: &Value, install_hint: &str) -> Value {
    let mut child = Command::new(program)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{program}` for the interop tests ({e}): {install_hint}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} exited with {}\nstdout: {}\nstderr: {stderr}",
        script.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{} did not answer JSON ({e}): {}\nstderr: {stderr}",
            script.display(),
            String::from_utf8_lossy(&output.stdout)
        )
    })
}
