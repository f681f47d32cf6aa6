//! [`Did`]: a bare decentralized identifier.

use super::grammar;
use super::{DidError, DidUrl};

/// A DID (`did:method:method-specific-id`), validated against the DID Core 1.0 §3.1 ABNF on
/// construction, so holding one proves the syntax is right.
///
/// ```
/// use did_core::did::Did;
///
/// let did = Did::parse("did:example:123456789abcdefghi")?;
/// assert_eq!(did.method(), "example");
/// assert_eq!(did.method_specific_id(), "123456789abcdefghi");
/// assert!(Did::parse("did:example:123#key-1").is_err()); // a DID URL, not a DID
/// # Ok::<(), did_core::did::DidError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Did {
    repr: String,
    /// Index of the `:` after the method name.
    method_end: usize,
}

impl Did {
    /// Parses and validates a DID. A DID URL with a path, query or fragment is
    /// [`DidError::NotADid`].
    pub fn parse(input: &str) -> Result<Did, DidError> {
        Self::from_string(input.to_owned())
    }

    fn from_string(repr: String) -> Result<Did, DidError> {
        let offsets = grammar::scan(&repr)?;
        if offsets.did_end < repr.len() {
            let part = if offsets.did_end < offsets.query.or(offsets.fragment).unwrap_or(repr.len()) {
                "path"
            } else if offsets.query.is_some() {
                "query"
            } else {
                "fragment"
            };
            return Err(DidError::NotADid { part });
        }
        Ok(Did {
            repr,
            method_end: offsets.method_end,
        })
    }

    /// Builds a DID from a string that [`grammar::scan`] accepted as a bare DID.
    pub(super) fn from_validated(repr: String, method_end: usize) -> Did {
        Did { repr, method_end }
    }

    /// The DID as a string.
    pub fn as_str(&self) -> &str {
        &self.repr
    }

    /// The method name (`example` in `did:example:123`).
    pub fn method(&self) -> &str {
        self.repr.get(4..self.method_end).unwrap_or_default()
    }

    /// The method-specific identifier (`123` in `did:example:123`), still percent-encoded.
    pub fn method_specific_id(&self) -> &str {
        self.repr.get(self.method_end + 1..).unwrap_or_default()
    }

    /// This DID as a DID URL with no path, query or fragment.
    pub fn to_did_url(&self) -> DidUrl {
        DidUrl::from(self.clone())
    }

    /// Consumes the DID and returns its string.
    pub fn into_string(self) -> String {
        self.repr
    }
}

super::string_newtype_impls!(Did);

impl TryFrom<String> for Did {
    type Error = DidError;

    fn try_from(value: String) -> Result<Did, DidError> {
        Did::from_string(value)
    }
}
