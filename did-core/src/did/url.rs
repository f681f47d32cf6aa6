//! [`DidUrl`]: a DID plus optional path, query and fragment, and relative DID URL resolution.

use super::grammar::{self, Offsets};
use super::{Did, DidError};
use crate::text::truncated;

/// A DID URL (`did path-abempty [ "?" query ] [ "#" fragment ]`, DID Core 1.0 §3.2), validated on
/// construction. The components are stored as offsets into one string, not as copies.
///
/// ```
/// use did_core::did::DidUrl;
///
/// let url = DidUrl::parse("did:example:123/path?versionId=1#key-1")?;
/// assert_eq!(url.did_str(), "did:example:123");
/// assert_eq!(url.path(), Some("/path"));
/// assert_eq!(url.query(), Some("versionId=1"));
/// assert_eq!(url.fragment(), Some("key-1"));
/// # Ok::<(), did_core::did::DidError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DidUrl {
    repr: String,
    offsets: Offsets,
}

impl DidUrl {
    /// Parses and validates an absolute DID URL (a bare DID is a DID URL too).
    pub fn parse(input: &str) -> Result<DidUrl, DidError> {
        Self::from_string(input.to_owned())
    }

    fn from_string(repr: String) -> Result<DidUrl, DidError> {
        let offsets = grammar::scan(&repr)?;
        Ok(DidUrl { repr, offsets })
    }

    /// Resolves a reference found in the DID document of `base` (DID Core 1.0 §3.2.2, RFC 3986
    /// §5.2) into an absolute DID URL.
    ///
    /// - `#key-1`, `?service=x#f`, `/path?q#f` are resolved against `base` (dot segments in a
    ///   path are removed);
    /// - an absolute `did:` URL is parsed as it is.
    ///
    /// Anything else (another scheme, a relative path such as `key-1`, a network-path `//x`) is
    /// [`DidError::InvalidRelativeReference`], since it cannot name a resource of the DID. So is
    /// the empty string: RFC 3986 would resolve it to `base` itself, but an empty id or reference
    /// in a DID document is a mistake, not a name for the DID.
    ///
    /// ```
    /// use did_core::did::{Did, DidUrl};
    ///
    /// let base = Did::parse("did:example:123")?;
    /// assert_eq!(DidUrl::resolve_relative(&base, "#key-1")?.as_str(), "did:example:123#key-1");
    /// # Ok::<(), did_core::did::DidError>(())
    /// ```
    pub fn resolve_relative(base: &Did, reference: &str) -> Result<DidUrl, DidError> {
        let invalid = || DidError::InvalidRelativeReference {
            reference: truncated(reference),
        };
        match reference.as_bytes().first() {
            Some(b'#' | b'?') => Self::from_string(format!("{base}{reference}")),
            Some(b'/') if reference.starts_with("//") => Err(invalid()),
            Some(b'/') => {
                let split = reference.find(['?', '#']).unwrap_or(reference.len());
                let (path, rest) = reference.split_at(split);
                Self::from_string(format!("{base}{}{rest}", remove_dot_segments(path)))
            }
            None => Err(invalid()),
            Some(_) => {
                // An absolute reference has a scheme: characters up to the first ':' with no
                // '/', '?' or '#' before it. Only `did:` can name a DID resource; parsing gives
                // the precise error for `DID:` and friends.
                let scheme_end = reference.find([':', '/', '?', '#']);
                match scheme_end.and_then(|end| reference.get(end..)) {
                    Some(rest) if rest.starts_with(':') => Self::parse(reference),
                    _ => Err(invalid()),
                }
            }
        }
    }

    /// The DID URL as a string.
    pub fn as_str(&self) -> &str {
        &self.repr
    }

    /// The DID part, as a string slice (`did:example:123` in `did:example:123/p#f`).
    pub fn did_str(&self) -> &str {
        self.repr.get(..self.offsets.did_end).unwrap_or_default()
    }

    /// The DID part, as an owned [`Did`].
    pub fn did(&self) -> Did {
        // The DID part of a valid DID URL is a valid DID with the same method offset.
        Did::from_validated(self.did_str().to_owned(), self.offsets.method_end)
    }

    /// The method name.
    pub fn method(&self) -> &str {
        self.repr.get(4..self.offsets.method_end).unwrap_or_default()
    }

    /// The method-specific identifier.
    pub fn method_specific_id(&self) -> &str {
        self.repr
            .get(self.offsets.method_end + 1..self.offsets.did_end)
            .unwrap_or_default()
    }

    /// The path (`path-abempty`, starting with `/`), or `None` when it is empty.
    pub fn path(&self) -> Option<&str> {
        let end = self.offsets.query.or(self.offsets.fragment).unwrap_or(self.repr.len());
        self.repr.get(self.offsets.did_end..end).filter(|p| !p.is_empty())
    }

    /// The query without its `?`. `Some("")` for a URL ending in `?`.
    pub fn query(&self) -> Option<&str> {
        let start = self.offsets.query?;
        let end = self.offsets.fragment.unwrap_or(self.repr.len());
        self.repr.get(start + 1..end)
    }

    /// The fragment without its `#`. `Some("")` for a URL ending in `#`.
    pub fn fragment(&self) -> Option<&str> {
        self.repr.get(self.offsets.fragment? + 1..)
    }

    /// Whether this DID URL names something inside its document: a non-empty fragment, as
    /// in `did:example:123#key-1` (how a `kid` or a `cnf.kid` names one key).
    pub fn has_fragment(&self) -> bool {
        self.fragment().is_some_and(|fragment| !fragment.is_empty())
    }

    /// Whether this DID URL is a bare DID (no path, no `?`, no `#`).
    pub fn is_did(&self) -> bool {
        self.offsets.did_end == self.repr.len()
    }

    /// Consumes the DID URL and returns its string.
    pub fn into_string(self) -> String {
        self.repr
    }
}

/// RFC 3986 §5.2.4 `remove_dot_segments`, for a path that starts with `/`.
fn remove_dot_segments(path: &str) -> String {
    let mut output: Vec<&str> = Vec::new();
    let mut segments = path.split('/').skip(1).peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        match segment {
            "." => {
                if last {
                    output.push("");
                }
            }
            ".." => {
                output.pop();
                if last {
                    output.push("");
                }
            }
            _ => output.push(segment),
        }
    }
    let mut resolved = String::with_capacity(path.len());
    for segment in output {
        resolved.push('/');
        resolved.push_str(segment);
    }
    resolved
}

impl From<Did> for DidUrl {
    fn from(did: Did) -> DidUrl {
        let method_end = did.method().len() + 4;
        let repr = did.into_string();
        let did_end = repr.len();
        DidUrl {
            repr,
            offsets: Offsets {
                method_end,
                did_end,
                query: None,
                fragment: None,
            },
        }
    }
}

impl TryFrom<DidUrl> for Did {
    type Error = DidError;

    fn try_from(url: DidUrl) -> Result<Did, DidError> {
        Did::try_from(url.into_string())
    }
}

super::string_newtype_impls!(DidUrl);

impl TryFrom<String> for DidUrl {
    type Error = DidError;

    fn try_from(value: String) -> Result<DidUrl, DidError> {
        DidUrl::from_string(value)
    }
}
