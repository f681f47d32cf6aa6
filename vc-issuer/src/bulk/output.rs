//! The files bulk issuance writes: `offers.csv` (one line per offer made, appended and
//! written through per line; owner-only, as it holds the links and PINs) and one QR code
//! PNG per offer under `qr/`. Nothing earlier is truncated or overwritten: a re-run appends,
//! and a re-offer's QR code gets its own file (`qr/<key>.2.png`).

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::{Error, private_fs};

/// The header line of `offers.csv`.
pub const HEADER: &str = "line,record_key,offer_id,offer_url,credential_offer_uri,tx_code,qr_png,expires_at";

/// The list's file name in the output folder.
pub const LIST: &str = "offers.csv";

/// The QR codes' folder in the output folder.
pub const QR_DIR: &str = "qr";

/// One offer made, as written.
pub struct Entry<'a> {
    /// The row's line in the input.
    pub line: u64,
    /// The subject's record key.
    pub record_key: &'a str,
    /// The offer's generation (1, or more after `--reoffer`).
    pub generation: u32,
    /// The offer ID.
    pub offer_id: &'a str,
    /// `openid-credential-offer://?credential_offer_uri=...`.
    pub offer_url: &'a str,
    /// `{public_url}/offers/{handle}`.
    pub offer_uri: &'a str,
    /// The PIN, if any.
    pub tx_code: Option<&'a str>,
    /// The QR code of `offer_url`.
    pub png: &'a [u8],
    /// RFC 3339.
    pub expires_at: &'a str,
}

/// The output folder, open for appending.
pub struct Output {
    dir: PathBuf,
    list: File,
    listed: HashSet<String>,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output").field("dir", &self.dir).finish_non_exhaustive()
    }
}

fn io_error(path: &Path, what: &str) -> impl FnOnce(io::Error) -> Error {
    let context = format!("cannot {what} {}", path.display());
    move |e| Error::io(context, e)
}

impl Output {
    /// Opens (making it, owner-only) the folder `dir` and its `offers.csv`, checking that
    /// an existing list is one of ours, and reads which offers it lists. An existing folder
    /// or list that group or others could open is restricted to its owner first.
    pub fn open(dir: &Path) -> Result<Output, Error> {
        private_fs::private_dir(dir).map_err(io_error(dir, "create owner-only"))?;
        let qr = dir.join(QR_DIR);
        private_fs::private_dir(&qr).map_err(io_error(&qr, "create owner-only"))?;
        let path = dir.join(LIST);
        let mut list = private_fs::open_append(&path).map_err(io_error(&path, "open"))?;
        let mut text = Zeroizing::new(String::new());
        list.seek(SeekFrom::Start(0)).map_err(io_error(&path, "read"))?;
        list.read_to_string(&mut text).map_err(io_error(&path, "read"))?;
        let listed = if text.is_empty() {
            list.write_all(format!("{HEADER}\n").as_bytes())
                .map_err(io_error(&path, "write"))?;
            HashSet::new()
        } else {
            if text.lines().next() != Some(HEADER) {
                return Err(Error::invalid(
                    path.display().to_string(),
                    "exists and is not a bulk-issue offer list; choose another --out folder",
                ));
            }
            if !text.ends_with('\n') {
                // A run stopped in the middle of a line: start the next one on its own.
                list.write_all(b"\n").map_err(io_error(&path, "write"))?;
            }
            offer_ids(&text)
        };
        Ok(Output {
            dir: dir.to_owned(),
            list,
            listed,
        })
    }

    /// Whether `offers.csv` lists offer `id` (from an earlier run).
    pub fn lists(&self, id: &str) -> bool {
        self.listed.contains(id)
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the QR code file, then appends the offer's line (one `write`, no buffering).
    pub fn write(&mut self, entry: &Entry<'_>) -> Result<(), Error> {
        let qr_name = qr_file_name(entry.record_key, entry.generation);
        let qr_relative = format!("{QR_DIR}/{qr_name}");
        write_private(&self.dir.join(QR_DIR), &qr_name, entry.png)?;
        let fields = Zeroizing::new([
            entry.line.to_string(),
            entry.record_key.to_owned(),
            entry.offer_id.to_owned(),
            entry.offer_url.to_owned(),
            entry.offer_uri.to_owned(),
            entry.tx_code.unwrap_or_default().to_owned(),
            qr_relative,
            entry.expires_at.to_owned(),
        ]);
        let mut line = Zeroizing::new(String::with_capacity(512));
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            push_csv_field(&mut line, field);
        }
        line.push('\n');
        let path = self.dir.join(LIST);
        self.list.write_all(line.as_bytes()).map_err(io_error(&path, "write"))?;
        self.listed.insert(entry.offer_id.to_owned());
        Ok(())
    }

    /// Flushes the list to disk.
    pub fn finish(self) -> Result<(), Error> {
        let path = self.dir.join(LIST);
        self.list.sync_all().map_err(io_error(&path, "sync"))
    }
}

/// The offer IDs `dir`'s list holds (none when there is no list yet).
pub fn listed(dir: &Path) -> Result<HashSet<String>, Error> {
    let path = dir.join(LIST);
    match fs::read(&path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            Ok(offer_ids(&Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned())))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(HashSet::new()),
        Err(e) => Err(io_error(&path, "read")(e)),
    }
}

/// The offer IDs in an existing list (lines cut short by a crash are skipped).
fn offer_ids(text: &str) -> HashSet<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .filter_map(Result::ok)
        .filter(|record| record.len() == 8)
        .filter_map(|record| record.get(2).map(str::to_owned))
        .collect()
}

/// Appends `field` to `line`, quoted when it holds a comma, quote or line break.
fn push_csv_field(line: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&field.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(field);
    }
}

/// A file name for a subject's QR code: the record key with anything but ASCII letters,
/// digits, `-` and `_` replaced (and then `~` and a short digest of the key, so that two
/// keys never share a file), `.{n}` for a re-offer, `.png`. Neither `~` nor `.` comes from
/// the key, so no two (key, generation) pairs share a name.
pub fn qr_file_name(record_key: &str, generation: u32) -> String {
    let mut name: String = record_key
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name != record_key || name.is_empty() {
        let digest = Sha256::digest(record_key.as_bytes());
        name.push('~');
        for byte in digest.iter().take(4) {
            name.push_str(&format!("{byte:02x}"));
        }
    }
    if generation > 1 {
        name.push_str(&format!(".{generation}"));
    }
    name.push_str(".png");
    name
}

/// Writes `bytes` to `dir/name` through a temporary file and a rename, so that a crash
/// never leaves half an image under the final name.
fn write_private(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Error> {
    let temporary = dir.join(format!(".{name}.tmp"));
    let target = dir.join(name);
    let _ = fs::remove_file(&temporary);
    let mut file = private_fs::create_new(&temporary).map_err(io_error(&temporary, "create"))?;
    file.write_all(bytes).map_err(io_error(&temporary, "write"))?;
    drop(file);
    fs::rename(&temporary, &target).map_err(io_error(&target, "write"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_file_names_are_safe_and_distinct() {
        assert_eq!(qr_file_name("E-1001", 1), "E-1001.png");
        assert_eq!(qr_file_name("E-1001", 2), "E-1001.2.png");
        assert_ne!(qr_file_name("E-1001", 2), qr_file_name("E-1001.2", 1));
        let a = qr_file_name("../x", 1);
        let b = qr_file_name("__x", 1);
        assert!(a.starts_with("___x~") && a.ends_with(".png"), "{a}");
        assert_ne!(a, b);
        assert!(!qr_file_name("", 1).starts_with('.'));
    }

    #[test]
    fn fields_are_quoted_when_needed() {
        let mut line = String::new();
        push_csv_field(&mut line, "a,\"b\"");
        assert_eq!(line, "\"a,\"\"b\"\"\"");
    }
}
