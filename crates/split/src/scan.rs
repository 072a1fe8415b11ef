//! Parallel scanning with a sequential merge.
//!
//! Each chunk reports, independently and in parallel, the non-overlapping
//! leftmost-first matches that start inside it, as if a scan began at the
//! chunk's first byte. Its window extends `max_len - 1` bytes past its end, so
//! a delimiter straddling the boundary is found by exactly one chunk: the one
//! where it starts.
//!
//! A chunk's scan may still disagree with the true sequential scan: the last
//! match kept in the previous chunk can end *inside* this chunk (`'aa'` in
//! `'aaaaa'` cut after the first byte: the true matches start at 0 and 2, the
//! second chunk alone finds 1 and 3). The merge walks the chunks in order;
//! when the previous kept match ends past a chunk's start, it re-scans from
//! that end until its match coincides with one the chunk found (from then
//! on both scans are the same deterministic process, so the rest is kept),
//! or the chunk ends. Usually that is a single `find`; in the worst case
//! (matches that never resynchronise) the merge degrades to one sequential
//! scan, never to a wrong answer.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::chunk;
use crate::haystack::Haystack;
use crate::matcher::{Match, Matcher};
use crate::pieces::Offset;

/// The matches of each chunk, after the merge: concatenated in chunk order
/// they are exactly the sequential non-overlapping leftmost-first matches.
pub struct ChunkMatches {
  /// The chunks' byte ranges.
  pub chunks: Vec<Range<usize>>,
  /// The matches starting in each chunk.
  pub matches: Vec<Vec<Match>>,
}

impl ChunkMatches {
  /// Total number of matches.
  pub fn count(&self) -> usize {
    self.matches.iter().map(Vec::len).sum()
  }
}

/// Scans `hay` for `matcher` on the current rayon pool. Returns `None` if
/// `cancel` was set (checked before each chunk).
pub fn find_matches(
  hay: &Haystack<'_>,
  matcher: &Matcher,
  chunk_size: usize,
  cancel: &AtomicBool,
) -> Option<ChunkMatches> {
  let bytes = hay.as_bytes();
  let chunks = chunk::plan(hay, chunk_size);
  let tail = matcher.max_len() - 1;
  let window_end = |c: &Range<usize>| (c.end + tail).min(bytes.len());
  let scan_chunk = |c: &Range<usize>| -> Option<Vec<Match>> {
    if cancel.load(Ordering::Relaxed) {
      return None;
    }
    let mut out = Vec::new();
    matcher.for_each(bytes, c.start, c.end, window_end(c), |m| out.push(m));
    Some(out)
  };
  let mut matches: Vec<Vec<Match>> = if chunks.len() == 1 {
    vec![scan_chunk(&chunks[0])?]
  } else {
    chunks
      .par_iter()
      .with_max_len(1)
      .map(scan_chunk)
      .collect::<Option<Vec<_>>>()?
  };
  if !matcher.single_unit() {
    merge(bytes, matcher, &chunks, &mut matches, window_end);
  }
  Some(ChunkMatches { chunks, matches })
}

/// The matches of each chunk as `[start, end, …]` unit offsets, in chunk
/// order (with the merge applied). One single-unit delimiter never needs the
/// merge, so its chunks write their pairs directly.
pub fn match_pairs<O: Offset>(
  hay: &Haystack<'_>,
  matcher: &Matcher,
  chunk_size: usize,
  cancel: &AtomicBool,
) -> Option<Vec<Vec<O>>> {
  let width = hay.unit().width();
  if !matcher.single_unit() {
    let found = find_matches(hay, matcher, chunk_size, cancel)?;
    let pairs = |ms: &Vec<Match>| {
      ms.iter()
        .flat_map(|m| [O::from_usize(m.start / width), O::from_usize(m.end / width)])
        .collect()
    };
    return Some(if found.matches.len() == 1 {
      vec![pairs(&found.matches[0])]
    } else {
      found.matches.par_iter().map(pairs).collect()
    });
  }
  let bytes = hay.as_bytes();
  let chunks = chunk::plan(hay, chunk_size);
  let scan_chunk = |c: &Range<usize>| -> Option<Vec<O>> {
    if cancel.load(Ordering::Relaxed) {
      return None;
    }
    let mut out = Vec::new();
    matcher.for_each(bytes, c.start, c.end, c.end, |m| {
      out.push(O::from_usize(m.start / width));
      out.push(O::from_usize(m.end / width));
    });
    Some(out)
  };
  if chunks.len() == 1 {
    Some(vec![scan_chunk(&chunks[0])?])
  } else {
    chunks.par_iter().with_max_len(1).map(scan_chunk).collect()
  }
}

/// The sequential fix-up described in the module docs.
fn merge(
  bytes: &[u8],
  matcher: &Matcher,
  chunks: &[Range<usize>],
  matches: &mut [Vec<Match>],
  window_end: impl Fn(&Range<usize>) -> usize,
) {
  let mut last_end = 0;
  for (c, found) in chunks.iter().zip(matches.iter_mut()) {
    if last_end > c.start {
      *found = rescan(bytes, matcher, c, window_end(c), last_end, found);
    }
    if let Some(m) = found.last() {
      last_end = m.end;
    }
  }
}

/// The true matches of chunk `c` when the scan resumes at `from` (inside or past it).
fn rescan(
  bytes: &[u8],
  matcher: &Matcher,
  c: &Range<usize>,
  end: usize,
  from: usize,
  found: &[Match],
) -> Vec<Match> {
  let mut fixed = Vec::new();
  let mut pos = from;
  let mut idx = 0;
  while let Some(m) = matcher.find_at(bytes, pos, end) {
    if m.start >= c.end {
      break;
    }
    while idx < found.len() && found[idx].start < m.start {
      idx += 1;
    }
    if idx < found.len() && found[idx] == m {
      fixed.extend_from_slice(&found[idx..]);
      return fixed;
    }
    fixed.push(m);
    pos = m.end;
  }
  fixed
}

/// Every non-overlapping leftmost-first match, in order: start offsets in
/// units (bytes, or UTF-16 code units) and the index of the delimiter.
pub fn find_all(
  hay: &Haystack<'_>,
  matcher: &Matcher,
  chunk_size: usize,
  cancel: &AtomicBool,
) -> Option<(Vec<f64>, Vec<u32>)> {
  let found = find_matches(hay, matcher, chunk_size, cancel)?;
  let width = hay.unit().width();
  let n = found.count();
  let mut offsets = Vec::with_capacity(n);
  let mut patterns = Vec::with_capacity(n);
  for m in found.matches.iter().flatten() {
    offsets.push((m.start / width) as f64);
    patterns.push(m.pattern);
  }
  Some((offsets, patterns))
}

#[cfg(test)]
pub(crate) mod tests {
  use super::*;
  use crate::haystack::{Unit, utf16_pattern};

  /// The plain sequential reference: brute force, leftmost-first, no chunks.
  pub(crate) fn reference(hay: &[u8], pats: &[&[u8]], width: usize) -> Vec<Match> {
    let mut out = vec![];
    let mut pos = 0;
    'outer: while pos < hay.len() {
      for (i, p) in pats.iter().enumerate() {
        if hay[pos..].starts_with(p) {
          out.push(Match {
            start: pos,
            end: pos + p.len(),
            pattern: i as u32,
          });
          pos += p.len();
          continue 'outer;
        }
      }
      pos += width;
    }
    out
  }

  fn flat(hay: &Haystack<'_>, m: &Matcher, size: usize) -> Vec<Match> {
    let never = AtomicBool::new(false);
    find_matches(hay, m, size, &never)
      .unwrap()
      .matches
      .into_iter()
      .flatten()
      .collect()
  }

  /// A tiny deterministic PRNG (xorshift), so the tests need no crate.
  pub(crate) struct Rng(pub u64);
  impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
      self.0 ^= self.0 << 13;
      self.0 ^= self.0 >> 7;
      self.0 ^= self.0 << 17;
      self.0
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
      (self.next() % n as u64) as usize
    }
  }

  #[test]
  fn aa_in_aaaaa_at_every_chunk_size() {
    let m = Matcher::new(&["aa"], Unit::Byte).unwrap();
    for text in ["aaaaa", "aaaaaa", "baaaaab", &"a".repeat(101)] {
      let want = reference(text.as_bytes(), &[b"aa"], 1);
      for size in 1..12 {
        assert_eq!(
          flat(&Haystack::bytes(text.as_bytes()), &m, size),
          want,
          "{text} size {size}"
        );
      }
    }
  }

  #[test]
  fn shared_prefixes_across_boundaries() {
    let pats: [&[u8]; 2] = [b";;", b";"];
    let m = Matcher::new(&pats, Unit::Byte).unwrap();
    let text = "a;;;b;;c;;;;;d;".repeat(7);
    let want = reference(text.as_bytes(), &pats, 1);
    for size in 1..20 {
      assert_eq!(
        flat(&Haystack::bytes(text.as_bytes()), &m, size),
        want,
        "size {size}"
      );
    }
  }

  #[test]
  fn long_delimiter_longer_than_a_chunk() {
    let pats: [&[u8]; 2] = [b"abcabcabcabc", b"ca"];
    let m = Matcher::new(&pats, Unit::Byte).unwrap();
    let text = "xabcabcabcabcabcabcaby".repeat(9);
    let want = reference(text.as_bytes(), &pats, 1);
    for size in 1..30 {
      assert_eq!(
        flat(&Haystack::bytes(text.as_bytes()), &m, size),
        want,
        "size {size}"
      );
    }
  }

  #[test]
  fn random_small_alphabet_bytes() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let alphabet = b"ab;\n";
    for _ in 0..300 {
      let len = rng.below(200);
      let text: Vec<u8> = (0..len).map(|_| alphabet[rng.below(4)]).collect();
      let npat = 1 + rng.below(3);
      let pats: Vec<Vec<u8>> = (0..npat)
        .map(|_| {
          (0..1 + rng.below(3))
            .map(|_| alphabet[rng.below(4)])
            .collect()
        })
        .collect();
      let refs: Vec<&[u8]> = pats.iter().map(|p| p.as_slice()).collect();
      let want = reference(&text, &refs, 1);
      let m = Matcher::new(&pats, Unit::Byte).unwrap();
      for size in [1, 2, 3, 5, 8, 16, 1 << 20] {
        assert_eq!(
          flat(&Haystack::bytes(&text), &m, size),
          want,
          "{:?} {:?} size {size}",
          String::from_utf8_lossy(&text),
          refs
        );
      }
    }
  }

  #[test]
  fn random_small_alphabet_utf16() {
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let alphabet: [u16; 5] = [0x61, 0x0A, 0x0A00, 0xD83D, 0xDE00];
    for _ in 0..300 {
      let len = rng.below(120);
      let units: Vec<u16> = (0..len).map(|_| alphabet[rng.below(5)]).collect();
      let hay = Haystack::utf16(&units);
      let npat = 1 + rng.below(3);
      let pats: Vec<Vec<u8>> = (0..npat)
        .map(|_| {
          utf16_pattern(
            &(0..1 + rng.below(2))
              .map(|_| alphabet[rng.below(5)])
              .collect::<Vec<_>>(),
          )
        })
        .collect();
      let refs: Vec<&[u8]> = pats.iter().map(|p| p.as_slice()).collect();
      let want = reference(hay.as_bytes(), &refs, 2);
      let m = Matcher::new(&pats, Unit::Utf16).unwrap();
      for size in [2, 4, 6, 10, 16, 1 << 20] {
        assert_eq!(flat(&hay, &m, size), want, "size {size}");
      }
    }
  }

  #[test]
  fn find_all_reports_units_and_patterns() {
    let units: Vec<u16> = "😀;;x;".encode_utf16().collect();
    let pats = [utf16_pattern(&[0x3B, 0x3B]), utf16_pattern(&[0x3B])];
    let m = Matcher::new(&pats, Unit::Utf16).unwrap();
    let never = AtomicBool::new(false);
    let (offsets, patterns) = find_all(&Haystack::utf16(&units), &m, 4, &never).unwrap();
    assert_eq!(offsets, vec![2.0, 5.0]);
    assert_eq!(patterns, vec![0, 1]);
  }

  #[test]
  fn cancel_stops_the_scan() {
    let text = vec![b'a'; 4096];
    let m = Matcher::new(&["a"], Unit::Byte).unwrap();
    let cancelled = AtomicBool::new(true);
    assert!(find_matches(&Haystack::bytes(&text), &m, 16, &cancelled).is_none());
  }
}
