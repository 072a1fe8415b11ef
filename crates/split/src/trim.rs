//! `String.prototype.trim` on a byte range: the JS WhiteSpace and
//! LineTerminator code points (not Rust's `char::is_whitespace`: JS adds
//! U+FEFF and leaves out U+0085).

use crate::haystack::Unit;

/// True for a code point `String.prototype.trim` removes.
pub fn is_js_space(c: u32) -> bool {
  matches!(
    c,
    0x09..=0x0D | 0x20 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000 | 0xFEFF
  )
}

/// The byte range `start..end` of `bytes` without leading and trailing JS
/// whitespace. Byte input is read as UTF-8 (invalid bytes are not space).
pub fn trim(bytes: &[u8], unit: Unit, mut start: usize, mut end: usize) -> (usize, usize) {
  match unit {
    Unit::Utf16 => {
      let at = |i: usize| u16::from_ne_bytes([bytes[i], bytes[i + 1]]) as u32;
      while start < end && is_js_space(at(start)) {
        start += 2;
      }
      while end > start && is_js_space(at(end - 2)) {
        end -= 2;
      }
    }
    Unit::Byte => {
      while start < end {
        match utf8_space_len(&bytes[start..end]) {
          Some(n) => start += n,
          None => break,
        }
      }
      while end > start {
        match utf8_space_len_back(&bytes[start..end]) {
          Some(n) => end -= n,
          None => break,
        }
      }
    }
  }
  (start, end)
}

/// Length of the UTF-8 space character at the start of `s`, if there is one.
fn utf8_space_len(s: &[u8]) -> Option<usize> {
  let b0 = s[0];
  let n = match b0 {
    0x00..=0x7F => return is_js_space(b0 as u32).then_some(1),
    0xC2 => 2,
    0xE1..=0xE3 | 0xEF => 3,
    _ => return None,
  };
  let cp = decode(s.get(..n)?)?;
  is_js_space(cp).then_some(n)
}

/// Length of the UTF-8 space character at the end of `s`, if there is one.
fn utf8_space_len_back(s: &[u8]) -> Option<usize> {
  let last = *s.last()?;
  if last < 0x80 {
    return is_js_space(last as u32).then_some(1);
  }
  for n in [2, 3] {
    if s.len() >= n {
      let tail = &s[s.len() - n..];
      if let Some(cp) = decode(tail) {
        return is_js_space(cp).then_some(n);
      }
    }
  }
  None
}

/// Decodes `s` if it is exactly one 2- or 3-byte UTF-8 sequence.
fn decode(s: &[u8]) -> Option<u32> {
  match *s {
    [a, b] if a & 0xE0 == 0xC0 && b & 0xC0 == 0x80 => {
      Some(((a as u32 & 0x1F) << 6) | (b as u32 & 0x3F))
    }
    [a, b, c] if a & 0xF0 == 0xE0 && b & 0xC0 == 0x80 && c & 0xC0 == 0x80 => {
      Some(((a as u32 & 0x0F) << 12) | ((b as u32 & 0x3F) << 6) | (c as u32 & 0x3F))
    }
    _ => None,
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const SPACES: &str = "\t\n\u{B}\u{C}\r \u{A0}\u{1680}\u{2000}\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}\u{FEFF}";

  fn trim_str(s: &str) -> &str {
    let (a, b) = trim(s.as_bytes(), Unit::Byte, 0, s.len());
    &s[a..b]
  }

  fn trim_utf16(s: &str) -> String {
    let units: Vec<u16> = s.encode_utf16().collect();
    let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_ne_bytes()).collect();
    let (a, b) = trim(&bytes, Unit::Utf16, 0, bytes.len());
    String::from_utf16(&units[a / 2..b / 2]).unwrap()
  }

  #[test]
  fn trims_the_js_whitespace_set() {
    let s = format!("{SPACES}a b\u{85}{SPACES}");
    assert_eq!(trim_str(&s), "a b\u{85}");
    assert_eq!(trim_utf16(&s), "a b\u{85}");
    assert_eq!(trim_str(SPACES), "");
    assert_eq!(trim_utf16(SPACES), "");
    assert_eq!(trim_str("\u{85}x\u{85}"), "\u{85}x\u{85}");
    assert_eq!(trim_str("é😀 "), "é😀");
  }

  #[test]
  fn invalid_utf8_is_not_space() {
    let b = [0xC2u8, b' ', 0xA0];
    assert_eq!(trim(&b, Unit::Byte, 0, 3), (0, 3));
  }
}
