//! Credential status lists: the W3C Bitstring Status List and the IETF Token Status List.
//!
//! The two formats pack statuses into a compressed bit array, but differ in detail:
//!
//! | | W3C Bitstring Status List | IETF Token Status List |
//! |---|---|---|
//! | bits per status | `statusSize` 1..=8 | `bits` 1, 2, 4 or 8 |
//! | bit order | index 0 = **most** significant bit of byte 0 | index 0 = **least** significant bit of byte 0 |
//! | compression | GZIP (RFC 1952) | ZLIB (RFC 1950) |
//! | text | multibase `u` + base64url | base64url |
//! | minimum size | 131,072 entries ([`MIN_ENTRIES`]) | none |
//!
//! - W3C: [`BitstringStatusList`] (the bits), [`BitstringStatusListEntry`] (a credential's
//!   `credentialStatus`), [`BitstringStatusListSubject`] (the list credential's subject),
//!   and [`check_bitstring_status`], which reads an entry's status from a list
//!   credential the caller has verified.
//! - IETF: [`TokenStatusList`] (the bytes), [`TokenStatus`], [`StatusListClaim`]
//!   (`status_list`), [`StatusListReference`] (a referenced token's `status.status_list`),
//!   and [`StatusListToken`], the `statuslist+jwt` JWT: sign, parse, verify with a
//!   caller-chosen key and clock.
//! - [`StatusListSource`] fetches list bytes: [`MemoryStatusListSource`], and
//!   `HttpStatusListSource` with the `did-web` feature.
//!
//! # Hostile input
//!
//! Encoded lists over [`DecodeLimits::max_encoded_len`] (default [`MAX_ENCODED_LEN`],
//! 8 MiB) are refused before decoding, and inflation stops as soon as the output passes
//! [`DecodeLimits::max_inflated_len`] (default [`MAX_INFLATED_LEN`], 16 MiB), so a
//! decompression bomb costs at most that much memory. Trailing bytes after the GZIP member
//! or ZLIB stream, and bad checksums, are refused. Nothing here panics on any input.

mod bits;
mod bitstring;
mod compress;
mod entry;
mod error;
mod fields;
#[cfg(feature = "did-web")]
mod http;
mod list_credential;
mod source;
mod token;
mod token_jwt;

pub use bitstring::{BitstringStatusList, MIN_ENTRIES};
pub use compress::{DecodeLimits, MAX_ENCODED_LEN, MAX_INFLATED_LEN};
pub use entry::{
    BitstringStatusListEntry, CREDENTIAL_TYPE, ENTRY_TYPE, SUBJECT_TYPE, StatusMessage, StatusPurpose,
    bitstring_entries,
};
pub use error::{Compression, StatusError};
#[cfg(feature = "did-web")]
pub use http::{DEFAULT_ACCEPT, HttpStatusListSource, MAX_RESPONSE_BYTES};
pub use list_credential::{
    BitstringStatus, BitstringStatusListSubject, check_bitstring_status, check_bitstring_status_with_limits,
};
pub use source::{MemoryStatusListSource, StatusListSource};
pub use token::{StatusListClaim, StatusListReference, TokenStatus, TokenStatusList};
pub use token_jwt::{MAX_CLOCK_SKEW, STATUS_LIST_JWT_TYP, StatusListToken};
