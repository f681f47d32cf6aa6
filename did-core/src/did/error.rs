//! Why a DID or DID URL string was rejected.

/// Why a string is not a DID or DID URL, naming the DID Core 1.0 §3 ABNF rule that was broken.
///
/// Positions are byte offsets into the string that was parsed (for
/// [`DidUrl::resolve_relative`](super::DidUrl::resolve_relative), into the resolved string).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DidError {
    /// The input is longer than [`MAX_LEN`](super::MAX_LEN) bytes.
    #[error("DID URL is {len} bytes long, over the {max}-byte limit")]
    TooLong {
        /// Length of the input in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The input does not start with the literal `did:`.
    #[error("missing \"did:\" scheme")]
    MissingScheme,
    /// The input starts with `did:` in another case (`DID:`, `dID:`); only lower case is accepted.
    #[error("the \"did:\" scheme must be lower case")]
    SchemeNotLowercase,
    /// `method-name` is empty (`did::...`).
    #[error("empty method name")]
    EmptyMethodName,
    /// A character that is not a `method-char` (`a-z`, `0-9`) in the method name.
    #[error("invalid method-name character {ch:?} at byte {position}")]
    InvalidMethodName {
        /// Byte offset of the character.
        position: usize,
        /// The offending character.
        ch: char,
    },
    /// `method-specific-id` is missing or empty (`did:example`, `did:example:`).
    #[error("empty method-specific-id")]
    EmptyMethodSpecificId,
    /// A character that is not an `idchar` (or `:`) in the method-specific-id.
    #[error("invalid method-specific-id character {ch:?} at byte {position}")]
    InvalidIdChar {
        /// Byte offset of the character.
        position: usize,
        /// The offending character.
        ch: char,
    },
    /// The method-specific-id ends with `:` (its last segment must have at least one `idchar`).
    #[error("method-specific-id ends with ':'")]
    TrailingColon,
    /// A `%` not followed by two hexadecimal digits.
    #[error("invalid percent-encoding at byte {position}")]
    InvalidPercentEncoding {
        /// Byte offset of the `%`.
        position: usize,
    },
    /// A character not allowed in an RFC 3986 `path-abempty`.
    #[error("invalid path character {ch:?} at byte {position}")]
    InvalidPathChar {
        /// Byte offset of the character.
        position: usize,
        /// The offending character.
        ch: char,
    },
    /// A character not allowed in an RFC 3986 `query`.
    #[error("invalid query character {ch:?} at byte {position}")]
    InvalidQueryChar {
        /// Byte offset of the character.
        position: usize,
        /// The offending character.
        ch: char,
    },
    /// A character not allowed in an RFC 3986 `fragment`.
    #[error("invalid fragment character {ch:?} at byte {position}")]
    InvalidFragmentChar {
        /// Byte offset of the character.
        position: usize,
        /// The offending character.
        ch: char,
    },
    /// A valid DID URL with a path, query or fragment where a bare DID was required.
    #[error("a DID was required but the DID URL has a {part}")]
    NotADid {
        /// The component that makes it a DID URL: `"path"`, `"query"` or `"fragment"`.
        part: &'static str,
    },
    /// A relative reference that cannot be resolved against a DID: it must be empty, start with
    /// `/`, `?` or `#`, or be an absolute `did:` URL.
    #[error("not a DID URL or relative DID URL: {reference:?}")]
    InvalidRelativeReference {
        /// The reference, truncated to 64 characters.
        reference: String,
    },
}
