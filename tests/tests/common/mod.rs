//! The province's services on 127.0.0.1, each started and stopped by the test.

#![allow(dead_code)]

#[path = "../../../test-support/bridge.rs"]
pub mod bridge;
pub mod chain;
pub mod issuer;
pub mod load;
pub mod registry;

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use did_core::clock::Clock;

/// The system clock, moved forward by the test (to let a trust bundle expire). Not did-core's
/// `FixedClock`: the wallets sign their key-binding JWTs with the real time, so the door's
/// clock must keep running with it.
#[derive(Debug, Default)]
pub struct TestClock {
    ahead: Mutex<Duration>,
}

impl TestClock {
    /// Moves the clock `by` ahead of the system clock.
    pub fn advance(&self, by: Duration) {
        *self.ahead.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + *self.ahead.lock().unwrap()
    }
}

/// Polls `check` every 50 ms until it holds, for at most 30 seconds.
pub async fn wait_until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The repository's root folder.
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fresh folder for this run under the build's temp dir.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dojang-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
