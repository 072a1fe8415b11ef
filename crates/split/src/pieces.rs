//! From matches to the pieces between them, as `[start, end]` offset pairs.
//!
//! The pieces are exactly those of `String.prototype.split`: one more than
//! there are matches (an empty input gives one empty piece). Then, in this
//! order: `trim` trims each piece, `skipEmpty` drops empty pieces, and
//! `limit` keeps the first `limit` pieces (like `split`'s limit, which
//! truncates and never joins the rest).

use std::sync::atomic::AtomicBool;

use rayon::prelude::*;

use crate::haystack::Haystack;
use crate::matcher::Matcher;
use crate::scan::{find_matches, match_pairs};
use crate::trim::trim;

/// What to do with the pieces.
#[derive(Debug, Clone, Copy)]
pub struct SplitOptions {
  /// Drop empty pieces (after trimming).
  pub skip_empty: bool,
  /// Trim JS whitespace from each piece.
  pub trim: bool,
  /// Keep at most this many pieces.
  pub limit: Option<usize>,
  /// Bytes per chunk.
  pub chunk_size: usize,
}

impl Default for SplitOptions {
  fn default() -> Self {
    Self {
      skip_empty: false,
      trim: false,
      limit: None,
      chunk_size: crate::DEFAULT_CHUNK_SIZE,
    }
  }
}

/// An offset type for the output (`u32` when the input fits, else `f64`).
pub trait Offset: Copy + Send + Sync {
  /// Converts a unit offset.
  fn from_usize(v: usize) -> Self;
}

impl Offset for u32 {
  fn from_usize(v: usize) -> Self {
    v as u32
  }
}

impl Offset for f64 {
  fn from_usize(v: usize) -> Self {
    v as f64
  }
}

/// Splits `hay` and returns the pieces as `[start0, end0, start1, end1, …]`
/// in units (bytes or UTF-16 code units). `None` if cancelled. Use `u32`
/// only when `hay.len() <= u32::MAX`.
pub fn split_offsets<O: Offset>(
  hay: &Haystack<'_>,
  matcher: &Matcher,
  opts: &SplitOptions,
  cancel: &AtomicBool,
) -> Option<Vec<O>> {
  if opts.limit == Some(0) {
    return Some(Vec::new());
  }
  if !opts.trim && !opts.skip_empty {
    // The pieces are then [0, s0], [e0, s1], …, [e_last, len]: the match pairs
    // between a leading 0 and a trailing len, no per-piece work at all.
    let parts = match_pairs::<O>(hay, matcher, opts.chunk_size, cancel)?;
    let total = parts.iter().map(Vec::len).sum::<usize>() + 2;
    let cap = opts.limit.map_or(total, |l| total.min(l.saturating_mul(2)));
    let mut out = Vec::with_capacity(cap);
    out.push(O::from_usize(0));
    for p in &parts {
      let room = cap.saturating_sub(out.len());
      out.extend_from_slice(&p[..p.len().min(room)]);
    }
    out.push(O::from_usize(hay.len()));
    out.truncate(cap);
    return Some(out);
  }
  let found = find_matches(hay, matcher, opts.chunk_size, cancel)?;
  let bytes = hay.as_bytes();
  let unit = hay.unit();
  let width = unit.width();
  // Where the first piece of each chunk starts: the end of the last match before it.
  let mut firsts = Vec::with_capacity(found.matches.len());
  let mut prev_end = 0;
  for ms in &found.matches {
    firsts.push(prev_end);
    if let Some(m) = ms.last() {
      prev_end = m.end;
    }
  }
  let emit = |out: &mut Vec<O>, s: usize, e: usize| {
    let (s, e) = if opts.trim {
      trim(bytes, unit, s, e)
    } else {
      (s, e)
    };
    if !(opts.skip_empty && s == e) {
      out.push(O::from_usize(s / width));
      out.push(O::from_usize(e / width));
    }
  };
  let per_chunk = |(ms, first): (&Vec<crate::Match>, &usize)| {
    let mut out = Vec::with_capacity(ms.len() * 2);
    let mut start = *first;
    for m in ms {
      emit(&mut out, start, m.start);
      start = m.end;
    }
    out
  };
  let parts: Vec<Vec<O>> = if found.matches.len() == 1 {
    vec![per_chunk((&found.matches[0], &firsts[0]))]
  } else {
    found
      .matches
      .par_iter()
      .zip(firsts.par_iter())
      .with_max_len(1)
      .map(per_chunk)
      .collect()
  };
  let total: usize = parts.iter().map(Vec::len).sum::<usize>() + 2;
  let cap = opts.limit.map_or(total, |l| total.min(l.saturating_mul(2)));
  let mut out = Vec::with_capacity(cap);
  for p in &parts {
    let room = cap - out.len();
    out.extend_from_slice(&p[..p.len().min(room)]);
    if out.len() == cap {
      return Some(out);
    }
  }
  emit(&mut out, prev_end, bytes.len());
  out.truncate(cap);
  Some(out)
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::haystack::{Unit, utf16_pattern};
  use crate::scan::tests::Rng;

  /// Reference: `str::split` for one delimiter (Rust's split has the same
  /// non-overlapping leftmost semantics as JS for a single delimiter).
  fn reference<'a>(
    text: &'a str,
    d: &str,
    trim_it: bool,
    skip: bool,
    limit: Option<usize>,
  ) -> Vec<&'a str> {
    let mut v: Vec<&str> = text
      .split(d)
      .map(|p| {
        if trim_it {
          p.trim_matches(|c: char| crate::trim::is_js_space(c as u32))
        } else {
          p
        }
      })
      .collect();
    if skip {
      v.retain(|p| !p.is_empty());
    }
    if let Some(l) = limit {
      v.truncate(l);
    }
    v
  }

  fn run_bytes<'a>(text: &'a str, d: &str, opts: &SplitOptions) -> Vec<&'a str> {
    let m = Matcher::new(&[d], Unit::Byte).unwrap();
    let never = AtomicBool::new(false);
    let o: Vec<u32> = split_offsets(&Haystack::bytes(text.as_bytes()), &m, opts, &never).unwrap();
    o.chunks(2)
      .map(|p| &text[p[0] as usize..p[1] as usize])
      .collect()
  }

  fn run_utf16(text: &str, d: &str, opts: &SplitOptions) -> Vec<String> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let m = Matcher::new(
      &[utf16_pattern(&d.encode_utf16().collect::<Vec<_>>())],
      Unit::Utf16,
    )
    .unwrap();
    let never = AtomicBool::new(false);
    let o: Vec<f64> = split_offsets(&Haystack::utf16(&units), &m, opts, &never).unwrap();
    o.chunks(2)
      .map(|p| String::from_utf16(&units[p[0] as usize..p[1] as usize]).unwrap())
      .collect()
  }

  #[test]
  fn matches_str_split_with_options() {
    let texts = [
      "",
      ";",
      ";;",
      "a;b",
      ";a;",
      " a ; b ;; ",
      "é;😀;\u{A0};",
      "aaaaa",
      "x\r\ny\r\n",
    ];
    let delims = [";", "aa", "\r\n", "😀", ";;"];
    for text in texts {
      for d in delims {
        for (t, s, l) in [
          (false, false, None),
          (true, false, None),
          (false, true, None),
          (true, true, Some(2)),
          (false, false, Some(1)),
          (false, false, Some(0)),
        ] {
          let want = reference(text, d, t, s, l);
          for size in [2, 3, 16, 1 << 20] {
            let opts = SplitOptions {
              skip_empty: s,
              trim: t,
              limit: l,
              chunk_size: size,
            };
            assert_eq!(run_bytes(text, d, &opts), want, "{text:?} / {d:?} {opts:?}");
            assert_eq!(
              run_utf16(text, d, &opts),
              want,
              "utf16 {text:?} / {d:?} {opts:?}"
            );
          }
        }
      }
    }
  }

  #[test]
  fn random_texts_with_boundaries_everywhere() {
    let mut rng = Rng(42);
    let alphabet = ["a", ";", "\n", "é", "😀", " "];
    for _ in 0..200 {
      let text: String = (0..rng.below(300))
        .map(|_| alphabet[rng.below(6)])
        .collect();
      let d = ["\n", ";;", "a;", "😀"][rng.below(4)];
      let limit = if rng.below(3) == 0 {
        Some(rng.below(5))
      } else {
        None
      };
      let opts = SplitOptions {
        skip_empty: rng.below(2) == 0,
        trim: rng.below(2) == 0,
        limit,
        chunk_size: 2 + rng.below(40),
      };
      let want = reference(&text, d, opts.trim, opts.skip_empty, opts.limit);
      assert_eq!(run_bytes(&text, d, &opts), want);
      assert_eq!(run_utf16(&text, d, &opts), want);
    }
  }

  #[test]
  fn multi_megabyte_input_with_default_chunks() {
    let line = "2026-11-28T06:00:00Z INFO request served in 12ms path=/a/b/c\n";
    let text = line.repeat(3 * (1 << 20) / line.len());
    let opts = SplitOptions::default();
    assert_eq!(
      run_bytes(&text, "\n", &opts),
      reference(&text, "\n", false, false, None)
    );
  }
}
