//! Reading the verifier's own files (policies, bundles, keys) with a size limit.

use std::io::Read as _;
use std::path::Path;

use crate::error::Error;

/// Reads `path` as UTF-8 text of at most `limit` bytes.
pub fn read_limited(path: &Path, limit: usize) -> Result<String, Error> {
    let bytes = read_limited_bytes(path, limit)?;
    String::from_utf8(bytes).map_err(|_| Error::Io {
        path: path.display().to_string(),
        source: std::io::Error::other("not UTF-8 text"),
    })
}

/// Reads at most `limit` bytes of `path`; a longer file is an error. The limit holds while
/// reading, so a file that grows meanwhile cannot slip past it.
pub fn read_limited_bytes(path: &Path, limit: usize) -> Result<Vec<u8>, Error> {
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > limit {
        return Err(io(std::io::Error::other(format!("larger than {limit} bytes"))));
    }
    Ok(bytes)
}
