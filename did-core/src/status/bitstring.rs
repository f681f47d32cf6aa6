//! The W3C Bitstring Status List itself: a GZIP-compressed, MSB-first bitstring.

use super::bits::{self, BitOrder};
use super::compress::{self, DecodeLimits};
use super::error::{Compression, StatusError};

/// The fewest entries a W3C status list may hold (16 KiB of 1-bit entries), so that a
/// holder hides in a crowd when the list is fetched. Shorter lists are refused with
/// [`StatusError::ListTooShort`] (`STATUS_LIST_LENGTH_ERROR`).
pub const MIN_ENTRIES: u64 = 131_072;

/// A W3C Bitstring Status List: `status_size` bits per entry (1..=8), index 0 at the
/// left-most (most significant) bit of the first byte, at least [`MIN_ENTRIES`] entries.
///
/// ```
/// use did_core::status::BitstringStatusList;
///
/// # fn main() -> Result<(), did_core::status::StatusError> {
/// let mut list = BitstringStatusList::new(1, 131_072)?;
/// list.set(94_567, 1)?;
/// let encoded = list.encode()?; // "u" + base64url(GZIP(bits))
/// let decoded = BitstringStatusList::decode(&encoded, 1)?;
/// assert_eq!(decoded.get(94_567)?, 1);
/// assert_eq!(decoded.get(94_566)?, 0);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BitstringStatusList {
    bytes: Vec<u8>,
    status_size: u8,
}

impl std::fmt::Debug for BitstringStatusList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BitstringStatusList")
            .field("status_size", &self.status_size)
            .field("entries", &self.len())
            .finish_non_exhaustive()
    }
}

impl BitstringStatusList {
    /// An all-zero list of `entries` entries of `status_size` bits.
    ///
    /// Refuses a `status_size` outside 1..=8, fewer than [`MIN_ENTRIES`] entries, and a
    /// list over [`compress::MAX_INFLATED_LEN`] bytes.
    pub fn new(status_size: u8, entries: u64) -> Result<BitstringStatusList, StatusError> {
        check_status_size(u64::from(status_size))?;
        check_minimum(entries)?;
        let len = bits::bytes_for(entries, status_size)
            .filter(|len| *len <= compress::MAX_INFLATED_LEN)
            .ok_or(StatusError::InflatedTooLarge {
                limit: compress::MAX_INFLATED_LEN,
            })?;
        Ok(BitstringStatusList {
            bytes: vec![0; len],
            status_size,
        })
    }

    /// A list over the uncompressed bitstring `bytes`. Refuses a `status_size` outside
    /// 1..=8 and fewer than [`MIN_ENTRIES`] entries.
    pub fn from_bytes(status_size: u8, bytes: Vec<u8>) -> Result<BitstringStatusList, StatusError> {
        check_status_size(u64::from(status_size))?;
        check_minimum(bits::entry_count(bytes.len(), status_size))?;
        Ok(BitstringStatusList { bytes, status_size })
    }

    /// Decodes an `encodedList` (multibase `u` + base64url, no padding, of GZIP) with the
    /// default [`DecodeLimits`].
    pub fn decode(encoded_list: &str, status_size: u8) -> Result<BitstringStatusList, StatusError> {
        Self::decode_with_limits(encoded_list, status_size, &DecodeLimits::default())
    }

    /// Decodes an `encodedList` within `limits`.
    ///
    /// Errors: [`StatusError::WrongMultibasePrefix`], [`StatusError::InvalidBase64`],
    /// [`StatusError::Decompression`] (not one complete GZIP member),
    /// [`StatusError::EncodedTooLarge`], [`StatusError::InflatedTooLarge`],
    /// [`StatusError::InvalidStatusSize`], [`StatusError::ListTooShort`].
    pub fn decode_with_limits(
        encoded_list: &str,
        status_size: u8,
        limits: &DecodeLimits,
    ) -> Result<BitstringStatusList, StatusError> {
        check_status_size(u64::from(status_size))?;
        let Some(data) = encoded_list.strip_prefix('u') else {
            return Err(StatusError::WrongMultibasePrefix {
                found: encoded_list.chars().next(),
            });
        };
        let bytes = compress::decode_text(data, Compression::Gzip, limits)?;
        Self::from_bytes(status_size, bytes)
    }

    /// The `encodedList` form: `u` + base64url (no padding) of the GZIP-compressed bits.
    ///
    /// GZIP output differs between compressors, so compare decoded lists, not strings.
    pub fn encode(&self) -> Result<String, StatusError> {
        let mut out = String::from("u");
        out.push_str(&compress::encode_text(&self.bytes, Compression::Gzip)?);
        Ok(out)
    }

    /// Bits per entry.
    pub fn status_size(&self) -> u8 {
        self.status_size
    }

    /// Number of entries: the bitstring's length divided by the status size.
    pub fn len(&self) -> u64 {
        bits::entry_count(self.bytes.len(), self.status_size)
    }

    /// Always `false`: a list holds at least [`MIN_ENTRIES`] entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The status at `index`; [`StatusError::IndexOutOfRange`] (`RANGE_ERROR`) outside the list.
    pub fn get(&self, index: u64) -> Result<u8, StatusError> {
        bits::get(&self.bytes, BitOrder::MsbFirst, self.status_size, index)
            .ok_or(StatusError::IndexOutOfRange { index, len: self.len() })
    }

    /// Sets the status at `index` to `value`.
    pub fn set(&mut self, index: u64, value: u8) -> Result<(), StatusError> {
        let len = self.len();
        if index >= len {
            return Err(StatusError::IndexOutOfRange { index, len });
        }
        bits::set(&mut self.bytes, BitOrder::MsbFirst, self.status_size, index, value).ok_or(
            StatusError::ValueTooLarge {
                value,
                bits: self.status_size,
            },
        )
    }

    /// Every entry whose status is not 0, as `(index, status)` in index order. Zero bytes
    /// are skipped, so this is fast on the sparse lists status lists usually are.
    pub fn iter_nonzero(&self) -> impl Iterator<Item = (u64, u8)> + '_ {
        bits::nonzero(&self.bytes, BitOrder::MsbFirst, self.status_size)
    }

    /// The uncompressed bitstring.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

pub(crate) fn check_status_size(size: u64) -> Result<u8, StatusError> {
    match u8::try_from(size) {
        Ok(size @ 1..=8) => Ok(size),
        _ => Err(StatusError::InvalidStatusSize(size)),
    }
}

fn check_minimum(entries: u64) -> Result<(), StatusError> {
    if entries < MIN_ENTRIES {
        return Err(StatusError::ListTooShort {
            entries,
            minimum: MIN_ENTRIES,
        });
    }
    Ok(())
}
