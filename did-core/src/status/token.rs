//! The IETF Token Status List (draft-ietf-oauth-status-list): a ZLIB-compressed,
//! LSB-first byte array, the `status_list` claim, and a referenced token's `status` claim.

use std::fmt;

use serde_json::{Map, Value};

use super::bits::{self, BitOrder};
use super::compress::{self, DecodeLimits};
use super::error::{Compression, StatusError};
use super::fields::{is_url, parse_bytes};

/// A status value in a Token Status List. Values other than the named ones are kept as
/// they are (`3` and `0x0C`..`0x0F` are application-specific, the rest reserved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenStatus(pub u8);

impl TokenStatus {
    /// `0x00`: the referenced token is valid.
    pub const VALID: TokenStatus = TokenStatus(0);
    /// `0x01`: the referenced token is revoked, permanently.
    pub const INVALID: TokenStatus = TokenStatus(1);
    /// `0x02`: the referenced token is temporarily invalid.
    pub const SUSPENDED: TokenStatus = TokenStatus(2);
    /// `0x03`: application-specific.
    pub const APPLICATION_SPECIFIC: TokenStatus = TokenStatus(3);

    /// The raw value.
    pub fn value(self) -> u8 {
        self.0
    }

    /// Whether this is [`TokenStatus::VALID`].
    pub fn is_valid(self) -> bool {
        self == TokenStatus::VALID
    }
}

impl fmt::Display for TokenStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TokenStatus::VALID => f.write_str("VALID"),
            TokenStatus::INVALID => f.write_str("INVALID"),
            TokenStatus::SUSPENDED => f.write_str("SUSPENDED"),
            TokenStatus(other) => write!(f, "{other:#04x}"),
        }
    }
}

/// An IETF Token Status List: `bits` (1, 2, 4 or 8) per status, status `i` at bit
/// `(i*bits) % 8` of byte `i*bits / 8` counted from the least significant bit.
///
/// ```
/// use did_core::status::{TokenStatus, TokenStatusList};
///
/// # fn main() -> Result<(), did_core::status::StatusError> {
/// // draft-ietf-oauth-status-list §4.1: 16 statuses of 1 bit.
/// let list = TokenStatusList::from_lst(1, "eNrbuRgAAhcBXQ")?;
/// assert_eq!(list.as_bytes(), &[0xb9, 0xa3]);
/// assert_eq!(list.get(0)?, TokenStatus::INVALID);
/// assert_eq!(list.get(1)?, TokenStatus::VALID);
/// assert!(list.get(16).is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TokenStatusList {
    bytes: Vec<u8>,
    bits: u8,
}

impl fmt::Debug for TokenStatusList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStatusList")
            .field("bits", &self.bits)
            .field("entries", &self.len())
            .finish_non_exhaustive()
    }
}

impl TokenStatusList {
    /// An all-VALID list with room for `entries` statuses of `bits` bits.
    pub fn new(bits: u8, entries: u64) -> Result<TokenStatusList, StatusError> {
        check_bits(u64::from(bits))?;
        let len = bits::bytes_for(entries, bits)
            .filter(|len| *len <= compress::MAX_INFLATED_LEN)
            .ok_or(StatusError::InflatedTooLarge {
                limit: compress::MAX_INFLATED_LEN,
            })?;
        Ok(TokenStatusList {
            bytes: vec![0; len],
            bits,
        })
    }

    /// A list over the uncompressed byte array.
    pub fn from_bytes(bits: u8, bytes: Vec<u8>) -> Result<TokenStatusList, StatusError> {
        check_bits(u64::from(bits))?;
        Ok(TokenStatusList { bytes, bits })
    }

    /// Decodes `lst` (base64url, no padding, of ZLIB) with the default [`DecodeLimits`].
    pub fn from_lst(bits: u8, lst: &str) -> Result<TokenStatusList, StatusError> {
        Self::from_lst_with_limits(bits, lst, &DecodeLimits::default())
    }

    /// Decodes `lst` within `limits`.
    pub fn from_lst_with_limits(bits: u8, lst: &str, limits: &DecodeLimits) -> Result<TokenStatusList, StatusError> {
        check_bits(u64::from(bits))?;
        let bytes = compress::decode_text(lst, Compression::Zlib, limits)?;
        Ok(TokenStatusList { bytes, bits })
    }

    /// The `lst` form: base64url (no padding) of the ZLIB-compressed bytes. DEFLATE output
    /// differs between compressors, so compare decoded lists, not strings.
    pub fn to_lst(&self) -> Result<String, StatusError> {
        compress::encode_text(&self.bytes, Compression::Zlib)
    }

    /// Bits per status.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Number of statuses the byte array holds (`8 * bytes / bits`).
    pub fn len(&self) -> u64 {
        bits::entry_count(self.bytes.len(), self.bits)
    }

    /// Whether the list holds no statuses.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The status at `index`; [`StatusError::IndexOutOfRange`] outside the list.
    pub fn get(&self, index: u64) -> Result<TokenStatus, StatusError> {
        bits::get(&self.bytes, BitOrder::LsbFirst, self.bits, index)
            .map(TokenStatus)
            .ok_or(StatusError::IndexOutOfRange { index, len: self.len() })
    }

    /// Sets the status at `index`.
    pub fn set(&mut self, index: u64, status: TokenStatus) -> Result<(), StatusError> {
        let len = self.len();
        if index >= len {
            return Err(StatusError::IndexOutOfRange { index, len });
        }
        bits::set(&mut self.bytes, BitOrder::LsbFirst, self.bits, index, status.0).ok_or(StatusError::ValueTooLarge {
            value: status.0,
            bits: self.bits,
        })
    }

    /// Every status that is not VALID, as `(index, status)` in index order, skipping
    /// zero bytes.
    pub fn iter_nonzero(&self) -> impl Iterator<Item = (u64, TokenStatus)> + '_ {
        bits::nonzero(&self.bytes, BitOrder::LsbFirst, self.bits).map(|(i, v)| (i, TokenStatus(v)))
    }

    /// The uncompressed byte array.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

fn check_bits(bits: u64) -> Result<u8, StatusError> {
    match bits {
        1 | 2 | 4 | 8 => Ok(bits as u8),
        other => Err(StatusError::InvalidBits(other)),
    }
}

/// The `status_list` claim of a Status List Token: `{bits, lst, aggregation_uri?}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusListClaim {
    /// `bits`: 1, 2, 4 or 8.
    pub bits: u8,
    /// `lst`: base64url of the ZLIB-compressed byte array.
    pub lst: String,
    /// `aggregation_uri`, if present.
    pub aggregation_uri: Option<String>,
}

impl StatusListClaim {
    /// The claim for `list`.
    pub fn from_list(list: &TokenStatusList) -> Result<StatusListClaim, StatusError> {
        Ok(StatusListClaim {
            bits: list.bits,
            lst: list.to_lst()?,
            aggregation_uri: None,
        })
    }

    /// Sets `aggregation_uri`.
    pub fn with_aggregation_uri(mut self, uri: impl Into<String>) -> StatusListClaim {
        self.aggregation_uri = Some(uri.into());
        self
    }

    /// Parses the claim from JSON bytes (duplicate member names refused).
    pub fn from_json(bytes: &[u8]) -> Result<StatusListClaim, StatusError> {
        Self::from_json_value(&parse_bytes(bytes)?)
    }

    /// Parses the claim's JSON value. `bits` must be 1, 2, 4 or 8, `lst` a string,
    /// `aggregation_uri` (if present) a URI. `lst` is decoded later, by
    /// [`StatusListClaim::decode`].
    pub fn from_json_value(value: &Value) -> Result<StatusListClaim, StatusError> {
        let invalid = StatusError::InvalidList;
        let obj = value.as_object().ok_or(invalid("status_list is not a JSON object"))?;
        let bits = obj
            .get("bits")
            .and_then(Value::as_u64)
            .ok_or(invalid("bits is missing or not an integer"))?;
        let bits = check_bits(bits)?;
        let lst = obj
            .get("lst")
            .and_then(Value::as_str)
            .ok_or(invalid("lst is missing or not a string"))?
            .to_owned();
        let aggregation_uri = match obj.get("aggregation_uri") {
            None => None,
            Some(Value::String(uri)) if is_url(uri) => Some(uri.clone()),
            Some(_) => return Err(invalid("aggregation_uri is not a URI")),
        };
        Ok(StatusListClaim {
            bits,
            lst,
            aggregation_uri,
        })
    }

    /// The JSON form.
    pub fn to_json_value(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("bits".into(), self.bits.into());
        obj.insert("lst".into(), self.lst.clone().into());
        if let Some(uri) = &self.aggregation_uri {
            obj.insert("aggregation_uri".into(), uri.clone().into());
        }
        Value::Object(obj)
    }

    /// Decodes `lst` within `limits`.
    pub fn decode(&self, limits: &DecodeLimits) -> Result<TokenStatusList, StatusError> {
        TokenStatusList::from_lst_with_limits(self.bits, &self.lst, limits)
    }
}

/// A referenced token's pointer into a status list: `status: {status_list: {idx, uri}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusListReference {
    /// `idx`: the token's index in the list.
    pub idx: u64,
    /// `uri`: where the Status List Token is; its `sub` must equal this.
    pub uri: String,
}

impl StatusListReference {
    /// A reference to index `idx` of the list at `uri`.
    pub fn new(idx: u64, uri: impl Into<String>) -> Result<StatusListReference, StatusError> {
        let uri = uri.into();
        if !is_url(&uri) {
            return Err(StatusError::InvalidEntry("status_list uri is not a URI"));
        }
        Ok(StatusListReference { idx, uri })
    }

    /// [`StatusListReference::from_claims`] over JSON bytes (duplicate member names refused).
    pub fn from_claims_json(bytes: &[u8]) -> Result<Option<StatusListReference>, StatusError> {
        Self::from_claims(&parse_bytes(bytes)?)
    }

    /// Reads `status.status_list` from a referenced token's claims (a JSON object).
    /// `None` if the claims have no `status` or its `status` has no `status_list`
    /// (another status mechanism); an error if either is malformed.
    pub fn from_claims(claims: &Value) -> Result<Option<StatusListReference>, StatusError> {
        let invalid = StatusError::InvalidEntry;
        let status = match claims {
            Value::Object(obj) => match obj.get("status") {
                None => return Ok(None),
                Some(status) => status,
            },
            _ => return Err(invalid("the token claims are not a JSON object")),
        };
        let status = status.as_object().ok_or(invalid("status is not a JSON object"))?;
        match status.get("status_list") {
            None => Ok(None),
            Some(reference) => Self::from_json_value(reference).map(Some),
        }
    }

    /// Parses the `status_list` member: `idx` a non-negative integer, `uri` a URI.
    pub fn from_json_value(value: &Value) -> Result<StatusListReference, StatusError> {
        let invalid = StatusError::InvalidEntry;
        let obj = value.as_object().ok_or(invalid("status_list is not a JSON object"))?;
        let idx = obj
            .get("idx")
            .and_then(Value::as_u64)
            .ok_or(invalid("idx is missing or not a non-negative integer"))?;
        let uri = obj
            .get("uri")
            .and_then(Value::as_str)
            .filter(|uri| is_url(uri))
            .ok_or(invalid("uri is missing or not a URI"))?;
        Ok(StatusListReference {
            idx,
            uri: uri.to_owned(),
        })
    }

    /// The `status` claim value: `{"status_list": {"idx": …, "uri": …}}`.
    pub fn to_status_claim(&self) -> Value {
        serde_json::json!({ "status_list": { "idx": self.idx, "uri": self.uri } })
    }
}
