//! DIDs and DID URLs (DID Core 1.0 §3): validated, owned string types.
//!
//! - [`Did`], a bare `did:method:method-specific-id`;
//! - [`DidUrl`], a DID plus optional path, query and fragment; [`DidUrl::resolve_relative`]
//!   turns the relative DID URLs of a DID document (`#key-1`) into absolute ones.
//!
//! Both validate on construction (including when deserialized) and serialize as plain strings.
//! The `did:` literal is accepted in lower case only, and inputs over [`MAX_LEN`] bytes are
//! rejected before they are scanned.

mod error;
mod grammar;
mod identifier;
mod url;

pub use error::DidError;
pub use identifier::Did;
pub use url::DidUrl;

pub(crate) use crate::text::truncated;

/// Longest DID or DID URL accepted, in bytes.
pub const MAX_LEN: usize = 4096;

/// The string-like trait impls shared by [`Did`] and [`DidUrl`]: `Display`, `Debug`, `FromStr`,
/// `AsRef<str>`, `Serialize`, and a `Deserialize` that validates.
macro_rules! string_newtype_impls {
    ($ty:ident) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}({:?})", stringify!($ty), self.as_str())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::did::DidError;

            fn from_str(s: &str) -> Result<$ty, $crate::did::DidError> {
                $ty::parse(s)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                $ty::try_from(s).map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    };
}
use string_newtype_impls;
