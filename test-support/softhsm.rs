//! A private SoftHSM2 configuration for a test: its own token folder, so tests never touch the
//! machine's tokens (`scripts/test` installs SoftHSM2 with apt).

use std::path::{Path, PathBuf};

/// Writes `dir/softhsm2.conf` with a token folder `dir/softhsm-tokens` (made here); returns the
/// configuration's path, for `SOFTHSM2_CONF`.
pub fn private_conf(dir: &Path) -> PathBuf {
    let tokens = dir.join("softhsm-tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    conf
}
