//! Packed fixed-width statuses: reading, writing and scanning a byte array in either
//! bit order. W3C lists are MSB-first, IETF lists LSB-first.

/// Where entry 0 lives in byte 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BitOrder {
    /// W3C: index 0 is the left-most (most significant) bit; a multi-bit value is read
    /// left to right, most significant bit first.
    MsbFirst,
    /// IETF: status `i` starts at bit `(i*bits) % 8` of byte `i*bits / 8`, counted from
    /// the least significant bit, and its least significant bit comes first.
    LsbFirst,
}

/// Number of whole entries of `width` bits in `byte_len` bytes.
pub(crate) fn entry_count(byte_len: usize, width: u8) -> u64 {
    (byte_len as u64).saturating_mul(8) / u64::from(width.max(1))
}

/// Bytes needed for `entries` entries of `width` bits, or `None` on overflow.
pub(crate) fn bytes_for(entries: u64, width: u8) -> Option<usize> {
    let bits = entries.checked_mul(u64::from(width))?;
    usize::try_from(bits.div_ceil(8)).ok()
}

/// The entry at `index`, or `None` if it is not wholly inside `bytes`.
/// `width` must be 1..=8.
pub(crate) fn get(bytes: &[u8], order: BitOrder, width: u8, index: u64) -> Option<u8> {
    if index >= entry_count(bytes.len(), width) {
        return None;
    }
    let start = index.checked_mul(u64::from(width))?;
    if 8 % width == 0 {
        // Aligned: the entry never crosses a byte boundary.
        let byte = *bytes.get(usize::try_from(start / 8).ok()?)?;
        let offset = (start % 8) as u32;
        let mask = low_mask(width);
        let shift = match order {
            BitOrder::LsbFirst => offset,
            BitOrder::MsbFirst => 8 - offset - u32::from(width),
        };
        return Some((byte >> shift) & mask);
    }
    let mut value = 0u8;
    for j in 0..u64::from(width) {
        let bit = read_bit(bytes, order, start + j)?;
        value = match order {
            BitOrder::MsbFirst => (value << 1) | bit,
            BitOrder::LsbFirst => value | (bit << j),
        };
    }
    Some(value)
}

/// Writes `value` at `index`. Returns `None` (and writes nothing) if the entry is not
/// wholly inside `bytes` or `value` does not fit in `width` bits.
pub(crate) fn set(bytes: &mut [u8], order: BitOrder, width: u8, index: u64, value: u8) -> Option<()> {
    if index >= entry_count(bytes.len(), width) || value > low_mask(width) {
        return None;
    }
    let start = index.checked_mul(u64::from(width))?;
    for j in 0..u64::from(width) {
        let bit = match order {
            BitOrder::MsbFirst => (value >> (u64::from(width) - 1 - j)) & 1,
            BitOrder::LsbFirst => (value >> j) & 1,
        };
        write_bit(bytes, order, start + j, bit)?;
    }
    Some(())
}

/// Every non-zero entry as `(index, value)`, in index order, skipping zero bytes.
pub(crate) fn nonzero(bytes: &[u8], order: BitOrder, width: u8) -> impl Iterator<Item = (u64, u8)> + '_ {
    let width = width.max(1);
    let total = entry_count(bytes.len(), width);
    let w = u64::from(width);
    let mut next = 0u64;
    bytes
        .iter()
        .enumerate()
        .filter(|(_, byte)| **byte != 0)
        .flat_map(move |(i, _)| {
            // The entries whose bits overlap byte i.
            let first_bit = i as u64 * 8;
            (first_bit / w)..=((first_bit + 7) / w)
        })
        // An entry spanning two non-zero bytes is seen twice; keep the first.
        .filter(move |index| {
            if *index < next || *index >= total {
                return false;
            }
            next = index + 1;
            true
        })
        .filter_map(move |index| get(bytes, order, width, index).filter(|v| *v != 0).map(|v| (index, v)))
}

fn low_mask(width: u8) -> u8 {
    if width >= 8 { 0xff } else { (1u8 << width) - 1 }
}

fn read_bit(bytes: &[u8], order: BitOrder, position: u64) -> Option<u8> {
    let byte = *bytes.get(usize::try_from(position / 8).ok()?)?;
    let offset = (position % 8) as u32;
    Some(match order {
        BitOrder::MsbFirst => (byte >> (7 - offset)) & 1,
        BitOrder::LsbFirst => (byte >> offset) & 1,
    })
}

fn write_bit(bytes: &mut [u8], order: BitOrder, position: u64, bit: u8) -> Option<()> {
    let byte = bytes.get_mut(usize::try_from(position / 8).ok()?)?;
    let offset = (position % 8) as u32;
    let mask = match order {
        BitOrder::MsbFirst => 0x80u8 >> offset,
        BitOrder::LsbFirst => 1u8 << offset,
    };
    if bit == 0 {
        *byte &= !mask;
    } else {
        *byte |= mask;
    }
    Some(())
}
