//! Cutting the haystack into chunks that threads claim one at a time.
//!
//! A cut never falls inside a UTF-8 sequence (byte input) or between the two
//! halves of a surrogate pair (UTF-16 input), and is always a multiple of the
//! unit width. Correctness of the scan does not depend on where cuts fall
//! (matches belong to the chunk where they start); the rule keeps chunks
//! meaningful on their own.

use std::ops::Range;

use crate::haystack::{Haystack, Unit};

/// Byte ranges covering the haystack, each about `chunk_size` bytes (the
/// last one may be shorter). An empty haystack has one empty chunk.
pub fn plan(hay: &Haystack<'_>, chunk_size: usize) -> Vec<Range<usize>> {
  let len = hay.byte_len();
  let width = hay.unit().width();
  let step = chunk_size.max(width) / width * width;
  let mut out = Vec::with_capacity(len / step + 1);
  let mut start = 0;
  while start < len {
    let target = start.saturating_add(step);
    let end = if target >= len {
      len
    } else {
      adjust_cut(hay, target)
    };
    out.push(start..end);
    start = end;
  }
  if out.is_empty() {
    out.push(0..0);
  }
  out
}

/// Moves a unit-aligned cut forward to the next character boundary.
fn adjust_cut(hay: &Haystack<'_>, mut cut: usize) -> usize {
  let bytes = hay.as_bytes();
  match hay.unit() {
    Unit::Byte => {
      // At most 3 continuation bytes follow a leading byte in valid UTF-8;
      // for invalid input stop after 3 anyway.
      for _ in 0..3 {
        if cut < bytes.len() && is_continuation(bytes[cut]) {
          cut += 1;
        } else {
          break;
        }
      }
      cut
    }
    Unit::Utf16 => {
      if cut + 2 <= bytes.len()
        && is_low_surrogate(unit_at(bytes, cut))
        && is_high_surrogate(unit_at(bytes, cut - 2))
      {
        cut += 2;
      }
      cut
    }
  }
}

fn is_continuation(b: u8) -> bool {
  b & 0xC0 == 0x80
}

fn unit_at(bytes: &[u8], at: usize) -> u16 {
  u16::from_ne_bytes([bytes[at], bytes[at + 1]])
}

fn is_high_surrogate(u: u16) -> bool {
  (0xD800..0xDC00).contains(&u)
}

fn is_low_surrogate(u: u16) -> bool {
  (0xDC00..0xE000).contains(&u)
}

#[cfg(test)]
mod tests {
  use super::*;

  fn check_cover(chunks: &[Range<usize>], len: usize) {
    assert_eq!(chunks[0].start, 0);
    assert_eq!(chunks.last().unwrap().end, len);
    for w in chunks.windows(2) {
      assert_eq!(w[0].end, w[1].start);
      assert!(w[0].start < w[0].end);
    }
  }

  #[test]
  fn empty_input_has_one_empty_chunk() {
    assert_eq!(plan(&Haystack::bytes(b""), 16), vec![0..0]);
  }

  #[test]
  fn chunks_cover_input_and_never_cut_utf8() {
    let text = "aé😀€b".repeat(50);
    for size in [2, 3, 5, 16, 17, 64] {
      let chunks = plan(&Haystack::bytes(text.as_bytes()), size);
      check_cover(&chunks, text.len());
      for c in &chunks {
        assert!(
          text.is_char_boundary(c.start),
          "size {size} cut at {}",
          c.start
        );
      }
    }
  }

  #[test]
  fn utf16_cuts_are_even_and_keep_pairs() {
    let units: Vec<u16> = "a😀😀b😀".repeat(40).encode_utf16().collect();
    let hay = Haystack::utf16(&units);
    for size in [2, 3, 4, 6, 16, 18] {
      let chunks = plan(&hay, size);
      check_cover(&chunks, units.len() * 2);
      for c in &chunks {
        assert_eq!(c.start % 2, 0);
        let i = c.start / 2;
        if i > 0 && i < units.len() {
          assert!(!(is_high_surrogate(units[i - 1]) && is_low_surrogate(units[i])));
        }
      }
    }
  }

  #[test]
  fn a_small_input_is_one_chunk() {
    assert_eq!(plan(&Haystack::bytes(b"hello"), 1 << 20), vec![0..5]);
  }
}
