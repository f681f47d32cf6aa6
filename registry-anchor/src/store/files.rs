//! The file steps a backup and a restore share: new owner-only files, durable renames.

use std::fs::File;
use std::io;
use std::path::Path;

/// Creates `path` for writing, owner-only (0600 on Unix, whatever the umask); fails if it exists.
pub(crate) fn create_private(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// Renames `from` to `to`, then syncs `to`'s folder so the rename survives a crash. The error
/// names the path it failed on.
pub(crate) fn rename_durably(from: &Path, to: &Path) -> Result<(), (std::path::PathBuf, io::Error)> {
    std::fs::rename(from, to).map_err(|e| (to.to_path_buf(), e))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| (dir.to_path_buf(), e))?;
    }
    Ok(())
}
