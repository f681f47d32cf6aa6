//! Files and folders only their owner can read: the data folder, its databases and key
//! files, and what the command line writes (key files, bulk-issue output: offer links and
//! PINs). On Unix the modes are set when the file or folder is created (0600, 0700), so there
//! is no moment when others could open it; a umask can only take permissions away, so group
//! and others never get any, whatever it is. Files and folders made by earlier versions (or
//! by other programs, SQLite's and redb's files under a 0022 umask are 0644) are restricted
//! with [`restrict`]. Elsewhere the platform's defaults apply.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `dir` and its missing parents, owner-only. An existing folder is left as it is.
pub(crate) fn create_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
    }
    #[cfg(not(unix))]
    fs::create_dir_all(dir)
}

/// Creates `dir` and its missing parents owner-only, and [`restrict`]s `dir` if it existed.
pub(crate) fn private_dir(dir: &Path) -> io::Result<()> {
    create_dir(dir)?;
    restrict(dir)
}

/// Creates `path` for writing, owner-only; fails if it exists.
pub(crate) fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    owner_only(&mut options).open(path)
}

/// Opens `path` for reading and appending, creating it owner-only if it is missing, and
/// [`restrict`]s it if it existed.
pub(crate) fn open_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    let file = owner_only(&mut options).open(path)?;
    restrict(path)?;
    Ok(file)
}

/// Makes sure the file `path` exists and is owner-only: creates it empty (0600) when it is
/// missing, [`restrict`]s it when it is there. An existing file is not opened, so one without
/// write permission stays as it is (the program that opens it then says so).
pub(crate) fn private_file(path: &Path) -> io::Result<()> {
    match create_new(path) {
        Ok(file) => {
            drop(file);
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => restrict(path),
        Err(e) => Err(e),
    }
}

/// Takes every permission of group and others away from `path` (0755 → 0700, 0644 → 0600),
/// keeping the owner's: a read-only file or folder stays read-only (0444 → 0400). Nothing
/// to do when `path` does not exist or is owner-only already.
pub(crate) fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = match fs::metadata(path) {
            Ok(metadata) => metadata.permissions().mode(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if mode & 0o077 != 0 {
            fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o7700))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

fn owner_only(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600)
    }
    #[cfg(not(unix))]
    options
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn set_mode(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn modes_are_owner_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b");
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("f");
        drop(create_new(&file).unwrap());
        assert_eq!(mode(&file), 0o600);
        assert!(create_new(&file).is_err(), "never overwrites");
        let log = dir.join("log");
        drop(open_append(&log).unwrap());
        assert_eq!(mode(&log), 0o600);
    }

    #[test]
    fn what_others_could_open_is_restricted_and_read_only_stays_read_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        fs::create_dir(&dir).unwrap();
        set_mode(&dir, 0o755);
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);

        let db = dir.join("issuer.db");
        private_file(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
        fs::write(&db, b"records").unwrap();
        set_mode(&db, 0o644);
        private_file(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
        assert_eq!(fs::read(&db).unwrap(), b"records", "an existing file is kept as it is");
        set_mode(&db, 0o444);
        private_file(&db).unwrap();
        assert_eq!(mode(&db), 0o400);

        let list = dir.join("offers.csv");
        fs::write(&list, b"").unwrap();
        set_mode(&list, 0o664);
        drop(open_append(&list).unwrap());
        assert_eq!(mode(&list), 0o600);

        restrict(&dir.join("missing")).unwrap();
    }
}
