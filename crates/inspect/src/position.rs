//! Byte offsets in a UTF-8 source as V8 reports positions: 1-based lines
//! (split at `\n`, `\r\n`, `\r`, U+2028 and U+2029, the ECMAScript line
//! terminators) and 1-based columns in UTF-16 code units.

/// Converts byte offsets of one source into positions, cheaply for offsets
/// given in increasing order (it resumes where the last one ended).
pub struct Positions<'s> {
  source: &'s str,
  /// Byte offset reached so far, its line, and the byte offset where that line starts.
  at: usize,
  line: u32,
  line_start: usize,
}

impl<'s> Positions<'s> {
  /// A converter for `source`.
  pub fn new(source: &'s str) -> Self {
    Self {
      source,
      at: 0,
      line: 1,
      line_start: 0,
    }
  }

  /// `(line, column)` of byte `offset` (clamped to the source, rounded down
  /// to a char boundary). Offsets smaller than the previous one restart the scan.
  pub fn line_column(&mut self, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(self.source.len());
    while !self.source.is_char_boundary(offset) {
      offset -= 1;
    }
    if offset < self.at {
      *self = Self::new(self.source);
    }
    let bytes = self.source.as_bytes();
    let mut i = self.at;
    while i < offset {
      match bytes[i] {
        b'\n' => {
          self.line += 1;
          self.line_start = i + 1;
          i += 1;
        }
        b'\r' => {
          // `\r\n` is one terminator: the `\n` ends the line.
          if bytes.get(i + 1) != Some(&b'\n') {
            self.line += 1;
            self.line_start = i + 1;
          }
          i += 1;
        }
        // U+2028 / U+2029 are E2 80 A8 / E2 80 A9.
        0xE2
          if bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) =>
        {
          i += 3;
          if i <= offset {
            self.line += 1;
            self.line_start = i;
          }
        }
        _ => i += 1,
      }
    }
    self.at = offset;
    let column = self.source[self.line_start..offset].encode_utf16().count() as u32 + 1;
    (self.line, column)
  }
}

/// The UTF-16 offset of byte `offset` in `source` (a JS string index).
pub fn utf16_offset(source: &str, offset: usize) -> u32 {
  let mut offset = offset.min(source.len());
  while !source.is_char_boundary(offset) {
    offset -= 1;
  }
  source[..offset].encode_utf16().count() as u32
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn lines_and_utf16_columns() {
    let s = "a\nb\r\nc\rd\u{2028}e😀f";
    let mut p = Positions::new(s);
    assert_eq!(p.line_column(0), (1, 1));
    assert_eq!(p.line_column(2), (2, 1));
    assert_eq!(p.line_column(s.find('c').unwrap()), (3, 1));
    assert_eq!(p.line_column(s.find('d').unwrap()), (4, 1));
    assert_eq!(p.line_column(s.find('e').unwrap()), (5, 1));
    // The emoji is two UTF-16 units.
    assert_eq!(p.line_column(s.find('f').unwrap()), (5, 4));
    // Going back restarts.
    assert_eq!(p.line_column(1), (1, 2));
    assert_eq!(utf16_offset(s, s.find('f').unwrap()), 12);
  }
}
