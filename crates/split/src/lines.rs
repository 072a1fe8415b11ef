//! `countLines`: the number of lines, counted like `wc -l` plus an
//! unterminated last line.
//!
//! A line ends at `\n` (so `\r\n` ends one line, and a lone `\r` ends
//! none). A final line without `\n` counts when it is not empty: `""` → 0,
//! `"a"` → 1, `"a\n"` → 1, `"a\nb"` → 2, `"\n\n"` → 2.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::chunk;
use crate::haystack::{Haystack, Unit};

/// Counts lines on the current rayon pool; `None` if cancelled.
pub fn count_lines(hay: &Haystack<'_>, chunk_size: usize, cancel: &AtomicBool) -> Option<u64> {
  let bytes = hay.as_bytes();
  let unit = hay.unit();
  let count = |c: &std::ops::Range<usize>| -> Option<u64> {
    if cancel.load(Ordering::Relaxed) {
      return None;
    }
    let part = &bytes[c.clone()];
    Some(match unit {
      Unit::Byte => memchr::memchr_iter(b'\n', part).count() as u64,
      Unit::Utf16 => {
        // memchr the byte of U+000A that is 0x0A; keep hits on a unit
        // boundary whose other byte is 0 (chunks start on unit boundaries).
        let nl = 0x0Au16.to_ne_bytes();
        let key = if nl[0] == 0x0A { 0 } else { 1 };
        memchr::memchr_iter(0x0A, part)
          .filter(|&i| i % 2 == key && part[i - key..i - key + 2] == nl)
          .count() as u64
      }
    })
  };
  let chunks = chunk::plan(hay, chunk_size);
  let newlines: u64 = chunks
    .par_iter()
    .with_max_len(1)
    .map(count)
    .collect::<Option<Vec<_>>>()?
    .into_iter()
    .sum();
  let width = unit.width();
  let last_is_newline = bytes.len() >= width && {
    let last = &bytes[bytes.len() - width..];
    match unit {
      Unit::Byte => last == b"\n",
      Unit::Utf16 => last == 0x0Au16.to_ne_bytes(),
    }
  };
  Some(newlines + u64::from(!bytes.is_empty() && !last_is_newline))
}

#[cfg(test)]
mod tests {
  use super::*;

  fn both(s: &str, size: usize) -> (u64, u64) {
    let never = AtomicBool::new(false);
    let units: Vec<u16> = s.encode_utf16().collect();
    (
      count_lines(&Haystack::bytes(s.as_bytes()), size, &never).unwrap(),
      count_lines(&Haystack::utf16(&units), size, &never).unwrap(),
    )
  }

  #[test]
  fn documented_cases() {
    for (s, n) in [
      ("", 0),
      ("a", 1),
      ("a\n", 1),
      ("a\nb", 2),
      ("\n\n", 2),
      ("a\r\nb\r\n", 2),
      ("a\rb", 1),
      ("😀\n\u{0A00}", 2),
    ] {
      for size in [2, 4, 16, 1 << 20] {
        assert_eq!(both(s, size), (n, n), "{s:?} size {size}");
      }
    }
  }

  #[test]
  fn agrees_with_lines_iterator_on_big_input() {
    let text = "line one\nline two is longer\n\nx".repeat(100_000);
    let want = text.split('\n').count() as u64;
    assert_eq!(both(&text, 1 << 16), (want, want));
  }
}
