//! Multibase (the `z…`, `u…` self-describing encodings) on top of the `multibase` crate,
//! with a size limit and our own error type.

pub use ::multibase::Base;

/// Longest multibase string [`decode`] accepts, in bytes (1 MiB). Keys and status lists
/// are far smaller; the limit keeps hostile input from costing quadratic base58 time.
pub const MAX_ENCODED_LEN: usize = 1 << 20;

/// Longest base58 string [`decode`] accepts: base58 decoding is quadratic in length.
pub const MAX_BASE58_LEN: usize = 8 * 1024;

/// Why a multibase string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MultibaseError {
    /// The string is empty, so it has no base prefix.
    #[error("empty multibase string")]
    Empty,
    /// The first character is not a known base prefix.
    #[error("unknown multibase prefix {0:?}")]
    UnknownBase(char),
    /// The rest of the string is not valid in the named base.
    #[error("invalid {0:?} data")]
    InvalidData(Base),
    /// Over [`MAX_ENCODED_LEN`] (or [`MAX_BASE58_LEN`] for base58).
    #[error("multibase string longer than {0} bytes")]
    TooLong(usize),
}

/// Decodes a multibase string into its base and bytes.
pub fn decode(input: &str) -> Result<(Base, Vec<u8>), MultibaseError> {
    let first = input.chars().next().ok_or(MultibaseError::Empty)?;
    let base = Base::from_code(first).map_err(|_| MultibaseError::UnknownBase(first))?;
    let limit = match base {
        Base::Base58Btc | Base::Base58Flickr => MAX_BASE58_LEN,
        _ => MAX_ENCODED_LEN,
    };
    if input.len() > limit {
        return Err(MultibaseError::TooLong(limit));
    }
    let data = input.get(first.len_utf8()..).unwrap_or_default();
    base.decode(data)
        .map(|bytes| (base, bytes))
        .map_err(|_| MultibaseError::InvalidData(base))
}

/// Encodes `bytes` in `base`, with its prefix.
pub fn encode(base: Base, bytes: &[u8]) -> String {
    ::multibase::encode(base, bytes)
}
