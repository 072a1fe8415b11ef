//! The searched text: bytes, or UTF-16 code units viewed as bytes.

/// What one offset unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
  /// A byte (Buffer input). Offsets are byte offsets.
  Byte,
  /// A UTF-16 code unit (string input). Offsets are UTF-16 indices.
  Utf16,
}

impl Unit {
  /// Bytes per unit: matches must start at a multiple of this.
  pub fn width(self) -> usize {
    match self {
      Unit::Byte => 1,
      Unit::Utf16 => 2,
    }
  }
}

/// The text being searched. UTF-16 input is kept as native-endian bytes so
/// the byte searchers (memchr, memmem, aho-corasick) run on it unchanged;
/// a match at an odd byte offset is not a code-unit match and is skipped.
#[derive(Debug, Clone, Copy)]
pub struct Haystack<'a> {
  bytes: &'a [u8],
  unit: Unit,
}

impl<'a> Haystack<'a> {
  /// A byte haystack (a Buffer).
  pub fn bytes(bytes: &'a [u8]) -> Self {
    Self {
      bytes,
      unit: Unit::Byte,
    }
  }

  /// A UTF-16 haystack (a JS string's code units).
  pub fn utf16(units: &'a [u16]) -> Self {
    // SAFETY: a `[u16]` of length n is 2n initialised bytes at an address
    // valid for reads; `u8` has alignment 1; the borrow keeps the lifetime.
    let bytes = unsafe { std::slice::from_raw_parts(units.as_ptr().cast::<u8>(), units.len() * 2) };
    Self {
      bytes,
      unit: Unit::Utf16,
    }
  }

  /// The raw bytes.
  pub fn as_bytes(&self) -> &'a [u8] {
    self.bytes
  }

  /// The unit kind.
  pub fn unit(&self) -> Unit {
    self.unit
  }

  /// Length in bytes.
  pub fn byte_len(&self) -> usize {
    self.bytes.len()
  }

  /// Length in units (bytes or UTF-16 code units).
  pub fn len(&self) -> usize {
    self.bytes.len() / self.unit.width()
  }

  /// True when there is nothing to search.
  pub fn is_empty(&self) -> bool {
    self.bytes.is_empty()
  }
}

/// Encodes a UTF-16 pattern as native-endian bytes, for a [`Unit::Utf16`] haystack.
pub fn utf16_pattern(units: &[u16]) -> Vec<u8> {
  units.iter().flat_map(|u| u.to_ne_bytes()).collect()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn utf16_view_has_two_bytes_per_unit() {
    let units: Vec<u16> = "a😀".encode_utf16().collect();
    let h = Haystack::utf16(&units);
    assert_eq!(h.len(), 3);
    assert_eq!(h.byte_len(), 6);
    assert_eq!(h.unit().width(), 2);
    assert_eq!(utf16_pattern(&[0x0A]), 0x0Au16.to_ne_bytes().to_vec());
  }
}
