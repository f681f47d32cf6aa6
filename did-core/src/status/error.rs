//! The status-list error type.

use crate::jose::JwsError;

/// The compression format a status list is wrapped in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compression {
    /// GZIP (RFC 1952): the W3C Bitstring Status List `encodedList`.
    Gzip,
    /// ZLIB (RFC 1950): the IETF Token Status List `lst`.
    Zlib,
}

impl std::fmt::Display for Compression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Compression::Gzip => "GZIP",
            Compression::Zlib => "ZLIB",
        })
    }
}

/// Why a status list, a status entry or a status list token was refused.
///
/// Strings that come from the input are truncated to 64 characters.
/// [`StatusError::w3c_code`] maps a variant to the error type the W3C Bitstring Status
/// List specification names (`STATUS_LIST_LENGTH_ERROR`, `RANGE_ERROR`, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// The encoded (compressed) input is longer than the configured limit.
    #[error("encoded status list exceeds the limit of {limit} bytes")]
    EncodedTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The list inflates to more than the configured limit (a decompression bomb, or a
    /// list too large to hold).
    #[error("status list inflates to more than {limit} bytes")]
    InflatedTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// `encodedList` does not start with the multibase prefix `u` (base64url, no padding).
    #[error("encodedList must start with the multibase prefix 'u', found {found:?}")]
    WrongMultibasePrefix {
        /// The first character, if any.
        found: Option<char>,
    },
    /// The text is not canonical unpadded base64url.
    #[error("status list is not canonical unpadded base64url")]
    InvalidBase64,
    /// The bytes are not valid data of the expected compression format (wrong header,
    /// corrupt stream, bad checksum, truncated, or trailing bytes).
    #[error("status list is not valid {format} data")]
    Decompression {
        /// The format that was expected.
        format: Compression,
    },
    /// The list holds fewer entries than the W3C minimum of 131,072 (`STATUS_LIST_LENGTH_ERROR`).
    #[error("STATUS_LIST_LENGTH_ERROR: the list holds {entries} entries, the minimum is {minimum}")]
    ListTooShort {
        /// Entries in the list (bits / statusSize).
        entries: u64,
        /// The required minimum.
        minimum: u64,
    },
    /// The index is outside the list (`RANGE_ERROR`).
    #[error("RANGE_ERROR: status index {index} is outside the list of {len} entries")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// Entries in the list.
        len: u64,
    },
    /// A W3C `statusSize` outside 1..=8.
    #[error("unsupported statusSize {0} (1 to 8 bits are supported)")]
    InvalidStatusSize(u64),
    /// An IETF `bits` value other than 1, 2, 4 or 8.
    #[error("invalid status list bits {0} (must be 1, 2, 4 or 8)")]
    InvalidBits(u64),
    /// A status value does not fit in the list's bits per entry.
    #[error("status value {value} does not fit in {bits} bits")]
    ValueTooLarge {
        /// The value.
        value: u8,
        /// Bits per entry.
        bits: u8,
    },
    /// A `BitstringStatusListEntry` (or the referenced token's `status` claim) is malformed.
    #[error("invalid status entry: {0}")]
    InvalidEntry(&'static str),
    /// A `BitstringStatusListCredential`, its subject, a `status_list` claim or a status
    /// list token's claims are malformed.
    #[error("invalid status list: {0}")]
    InvalidList(&'static str),
    /// `statusPurpose` is not one of revocation, suspension, message, refresh.
    #[error("unknown statusPurpose {0:?}")]
    UnknownPurpose(String),
    /// A `type` is not what it must be (e.g. `BitstringStatusListEntry`).
    #[error("wrong type: expected {expected}")]
    WrongType {
        /// The type that was required.
        expected: &'static str,
    },
    /// The entry's purpose is not a purpose of the list (`STATUS_VERIFICATION_ERROR`).
    #[error("STATUS_VERIFICATION_ERROR: entry purpose {entry} is not a purpose of the list")]
    PurposeMismatch {
        /// The entry's purpose.
        entry: String,
    },
    /// The list (its credential `id`, or the token's `sub`) is not the one the entry names.
    #[error("the status list is {found:?}, but the entry names {expected:?}")]
    ListUrlMismatch {
        /// The URL the entry (or referenced token) names.
        expected: String,
        /// The list's own URL.
        found: String,
    },
    /// The status list token has expired (`exp` is not after now).
    #[error("the status list token has expired")]
    Expired,
    /// The status list token was issued in the future (`iat` after now plus the allowed skew).
    #[error("the status list token is not yet valid")]
    NotYetValid,
    /// The status list token's JWS was malformed, mistyped or did not verify.
    #[error(transparent)]
    Jws(#[from] JwsError),
    /// The status list could not be fetched (`STATUS_RETRIEVAL_ERROR`).
    #[error("STATUS_RETRIEVAL_ERROR: {0}")]
    Retrieval(String),
    /// The source has nothing at this URL (`STATUS_RETRIEVAL_ERROR`).
    #[error("STATUS_RETRIEVAL_ERROR: no status list at {0:?}")]
    NotFound(String),
}

impl StatusError {
    /// The W3C Bitstring Status List error type this error corresponds to, if any:
    /// `STATUS_LIST_LENGTH_ERROR`, `RANGE_ERROR`, `STATUS_VERIFICATION_ERROR`,
    /// `STATUS_RETRIEVAL_ERROR` or `MALFORMED_VALUE_ERROR`.
    pub fn w3c_code(&self) -> Option<&'static str> {
        Some(match self {
            StatusError::ListTooShort { .. } => "STATUS_LIST_LENGTH_ERROR",
            StatusError::IndexOutOfRange { .. } => "RANGE_ERROR",
            StatusError::PurposeMismatch { .. }
            | StatusError::ListUrlMismatch { .. }
            | StatusError::WrongType { .. } => "STATUS_VERIFICATION_ERROR",
            StatusError::Retrieval(_) | StatusError::NotFound(_) => "STATUS_RETRIEVAL_ERROR",
            StatusError::WrongMultibasePrefix { .. }
            | StatusError::InvalidBase64
            | StatusError::Decompression { .. }
            | StatusError::InvalidEntry(_)
            | StatusError::InvalidList(_)
            | StatusError::InvalidStatusSize(_)
            | StatusError::UnknownPurpose(_) => "MALFORMED_VALUE_ERROR",
            _ => return None,
        })
    }
}
