//! Pieces the process-level tests of several crates share: a seeded generator for kill
//! moments, environment knobs, a test's name for re-running it in a child, and the util-linux tools that make a disk full (`prlimit`) or
//! a file read-only even for root (`setpriv`). Included with
//! `#[path = "../../test-support/process.rs"] mod process;`: test code, not worth a crate.

// Each test uses the part it needs.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

/// xorshift64*: reproducible pseudo-random numbers from a seed (printed by the tests, so a
/// failing round can be replayed).
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced by 1, which xorshift needs).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `low..=high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    /// True `p` times in a hundred.
    pub fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }
}

/// The environment variable `name` as a number, if set (a bad number fails the test).
pub fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|e| panic!("{name}: {e}")))
}

/// Whether this process runs as root (where file permissions do not stop writes).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The command prefix under which file permissions bind: none for an ordinary user, `setpriv`
/// dropping every capability for root; `None` when root cannot drop them here.
pub fn permissions_bind_prefix() -> Option<Vec<&'static str>> {
    if !is_root() {
        return Some(Vec::new());
    }
    let prefix = ["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--"];
    let works = Command::new(prefix[0])
        .args(&prefix[1..])
        .arg("true")
        .status()
        .is_ok_and(|s| s.success());
    works.then(|| prefix.to_vec())
}

/// Lowers the soft file-size limit of process `pid` to `limit` (bytes): writes past it fail
/// with EFBIG, a disk that is full for that process. Raising it back needs no privilege.
pub fn prlimit_fsize(pid: u32, limit: &str) {
    let status = Command::new("prlimit")
        .arg("--pid")
        .arg(pid.to_string())
        .arg(format!("--fsize={limit}:"))
        .status()
        .expect("prlimit (util-linux) is needed by this test");
    assert!(status.success(), "prlimit --fsize={limit}: failed");
}

/// Test `name` of `module` (the caller's `module_path!()`) as libtest names it in its binary,
/// for `--exact`: the module path without the crate's name, then `name`.
pub fn libtest_name(module: &str, name: &str) -> String {
    module
        .split_once("::")
        .map_or_else(|| name.to_owned(), |(_, module)| format!("{module}::{name}"))
}

/// A free port on 127.0.0.1 (bound, then released for the caller to listen on).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
