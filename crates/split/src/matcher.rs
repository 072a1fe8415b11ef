//! Finding the next match: memchr for one byte, memmem for one delimiter,
//! aho-corasick (leftmost-first) for several.
//!
//! Leftmost-first means: the match that starts earliest; among delimiters
//! matching at that position, the first in the given order. That is what a
//! JS regex alternation of the escaped delimiters does, so
//! `split(s, [';;', ';'])` equals `s.split(/;;|;/)`.

use aho_corasick::{AhoCorasick, Input, MatchKind};
use memchr::memmem;

use crate::haystack::Unit;

/// A match, in byte offsets of the haystack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
  /// First byte of the match.
  pub start: usize,
  /// One past its last byte.
  pub end: usize,
  /// Index of the delimiter that matched, in the order given.
  pub pattern: u32,
}

/// Why a set of delimiters was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
  /// No delimiter at all.
  NoPatterns,
  /// Delimiter `index` is empty (an empty delimiter matches everywhere).
  Empty(usize),
  /// A UTF-16 delimiter with an odd number of bytes.
  OddLength(usize),
  /// aho-corasick could not build its automaton.
  Build(String),
}

impl std::fmt::Display for PatternError {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    match self {
      PatternError::NoPatterns => write!(f, "at least one delimiter is required"),
      PatternError::Empty(i) => write!(f, "delimiter {i} is empty"),
      PatternError::OddLength(i) => write!(f, "UTF-16 delimiter {i} has an odd byte length"),
      PatternError::Build(e) => write!(f, "could not build the matcher: {e}"),
    }
  }
}

impl std::error::Error for PatternError {}

enum Kind {
  /// One byte (byte haystack).
  Byte(u8),
  /// One UTF-16 code unit: search byte `key` of it with memchr, check the other.
  Unit16 { bytes: [u8; 2], key: usize },
  /// One delimiter of any length.
  One(Box<memmem::Finder<'static>>),
  /// Several delimiters, leftmost-first.
  Many(AhoCorasick),
}

/// A compiled set of delimiters for one kind of haystack.
pub struct Matcher {
  kind: Kind,
  unit: Unit,
  max_len: usize,
}

impl Matcher {
  /// Compiles `patterns` (bytes as searched: UTF-8 or raw bytes for
  /// [`Unit::Byte`], native-endian UTF-16 for [`Unit::Utf16`]).
  pub fn new<P: AsRef<[u8]>>(patterns: &[P], unit: Unit) -> Result<Self, PatternError> {
    if patterns.is_empty() {
      return Err(PatternError::NoPatterns);
    }
    for (i, p) in patterns.iter().enumerate() {
      let p = p.as_ref();
      if p.is_empty() {
        return Err(PatternError::Empty(i));
      }
      if p.len() % unit.width() != 0 {
        return Err(PatternError::OddLength(i));
      }
    }
    let max_len = patterns.iter().map(|p| p.as_ref().len()).max().unwrap_or(1);
    let kind = if patterns.len() == 1 {
      let p = patterns[0].as_ref();
      match (unit, p.len()) {
        (Unit::Byte, 1) => Kind::Byte(p[0]),
        (Unit::Utf16, 2) if p[0] != 0 || p[1] != 0 => Kind::Unit16 {
          bytes: [p[0], p[1]],
          key: if p[0] != 0 { 0 } else { 1 },
        },
        _ => Kind::One(Box::new(memmem::Finder::new(p).into_owned())),
      }
    } else {
      let ac = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .build(patterns)
        .map_err(|e| PatternError::Build(e.to_string()))?;
      Kind::Many(ac)
    };
    Ok(Self {
      kind,
      unit,
      max_len,
    })
  }

  /// Length in bytes of the longest delimiter.
  pub fn max_len(&self) -> usize {
    self.max_len
  }

  /// The unit this matcher was built for.
  pub fn unit(&self) -> Unit {
    self.unit
  }

  /// True if the matcher is one byte searched with memchr (one one-byte
  /// delimiter over bytes): a scan that reads each byte once, at about the
  /// speed of a read-only pass over memory.
  pub fn is_one_byte(&self) -> bool {
    matches!(self.kind, Kind::Byte(_))
  }

  /// True if matches can never overlap (one single-unit delimiter), so no
  /// merge fix-up is needed.
  pub fn single_unit(&self) -> bool {
    self.max_len == self.unit.width()
  }

  /// Calls `f` for each match starting in `hay[start..end)`, scanning from
  /// `start` as a sequential scan would and looking at most up to `window_end`
  /// (which must leave room for the longest delimiter past `end`).
  pub fn for_each(
    &self,
    hay: &[u8],
    start: usize,
    end: usize,
    window_end: usize,
    mut f: impl FnMut(Match),
  ) {
    if let Kind::Byte(b) = self.kind {
      for i in memchr::memchr_iter(b, &hay[start..end]) {
        f(Match {
          start: start + i,
          end: start + i + 1,
          pattern: 0,
        });
      }
      return;
    }
    let mut pos = start;
    while let Some(m) = self.find_at(hay, pos, window_end) {
      if m.start >= end {
        break;
      }
      f(m);
      pos = m.end;
    }
  }

  /// The leftmost-first match lying entirely in `hay[pos..end]` and starting
  /// on a unit boundary, if any.
  pub fn find_at(&self, hay: &[u8], mut pos: usize, end: usize) -> Option<Match> {
    let width = self.unit.width();
    while pos < end {
      let m = self.find_raw(hay, pos, end)?;
      if m.start.is_multiple_of(width) {
        return Some(m);
      }
      // Not on a code-unit boundary: a false hit straddling two units.
      pos = m.start + 1;
    }
    None
  }

  fn find_raw(&self, hay: &[u8], pos: usize, end: usize) -> Option<Match> {
    match &self.kind {
      Kind::Byte(b) => memchr::memchr(*b, &hay[pos..end]).map(|i| Match {
        start: pos + i,
        end: pos + i + 1,
        pattern: 0,
      }),
      Kind::Unit16 { bytes, key } => {
        let mut from = pos + key;
        while from < end {
          let i = from + memchr::memchr(bytes[*key], &hay[from..end])?;
          let start = i - key;
          if start.is_multiple_of(2)
            && start >= pos
            && start + 2 <= end
            && hay[start..start + 2] == bytes[..]
          {
            return Some(Match {
              start,
              end: start + 2,
              pattern: 0,
            });
          }
          from = i + 1;
        }
        None
      }
      Kind::One(finder) => finder.find(&hay[pos..end]).map(|i| Match {
        start: pos + i,
        end: pos + i + finder.needle().len(),
        pattern: 0,
      }),
      Kind::Many(ac) => ac.find(Input::new(hay).span(pos..end)).map(|m| Match {
        start: m.start(),
        end: m.end(),
        pattern: m.pattern().as_u32(),
      }),
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::haystack::utf16_pattern;

  fn all(m: &Matcher, hay: &[u8]) -> Vec<(usize, u32)> {
    let mut out = vec![];
    let mut pos = 0;
    while let Some(x) = m.find_at(hay, pos, hay.len()) {
      out.push((x.start, x.pattern));
      pos = x.end;
    }
    out
  }

  #[test]
  fn rejects_bad_pattern_sets() {
    let none: [&[u8]; 0] = [];
    assert_eq!(
      Matcher::new(&none, Unit::Byte).err(),
      Some(PatternError::NoPatterns)
    );
    assert_eq!(
      Matcher::new(&[&b"a"[..], b""], Unit::Byte).err(),
      Some(PatternError::Empty(1))
    );
    assert_eq!(
      Matcher::new(&[&b"abc"[..]], Unit::Utf16).err(),
      Some(PatternError::OddLength(0))
    );
  }

  #[test]
  fn only_one_byte_over_bytes_is_one_byte() {
    let one_byte = |ps: &[&str], unit| Matcher::new(ps, unit).unwrap().is_one_byte();
    assert!(one_byte(&["\n"], Unit::Byte));
    assert!(!one_byte(&[",", "\n"], Unit::Byte)); // several one-byte patterns: aho-corasick
    assert!(!one_byte(&["ab"], Unit::Byte));
    assert!(!one_byte(&["\n\0"], Unit::Utf16));
  }

  #[test]
  fn leftmost_first_prefers_earlier_pattern() {
    let m = Matcher::new(&[";;", ";"], Unit::Byte).unwrap();
    assert_eq!(all(&m, b"a;;;b"), vec![(1, 0), (3, 1)]);
    let m = Matcher::new(&[";", ";;"], Unit::Byte).unwrap();
    assert_eq!(all(&m, b"a;;;b"), vec![(1, 0), (2, 0), (3, 0)]);
  }

  #[test]
  fn non_overlapping_memmem() {
    let m = Matcher::new(&["aa"], Unit::Byte).unwrap();
    assert_eq!(all(&m, b"aaaaa"), vec![(0, 0), (2, 0)]);
  }

  #[test]
  fn utf16_skips_misaligned_hits() {
    // U+0A00 U+0041: bytes (LE) 00 0A 41 00; '\n' = 0A 00 must not match at byte 1.
    let units = [0x0A00u16, 0x0041, 0x000A];
    let hay: Vec<u8> = units.iter().flat_map(|u| u.to_ne_bytes()).collect();
    for pats in [
      vec![utf16_pattern(&[0x0A])],
      vec![utf16_pattern(&[0x0A]), utf16_pattern(&[0x7A, 0x7A])],
    ] {
      let m = Matcher::new(&pats, Unit::Utf16).unwrap();
      assert_eq!(all(&m, &hay), vec![(4, 0)]);
    }
    // A two-unit delimiter via memmem.
    let m = Matcher::new(&[utf16_pattern(&[0x0D, 0x0A])], Unit::Utf16).unwrap();
    let units: Vec<u16> = "a\r\nb\r\n".encode_utf16().collect();
    let hay: Vec<u8> = units.iter().flat_map(|u| u.to_ne_bytes()).collect();
    assert_eq!(all(&m, &hay), vec![(2, 0), (8, 0)]);
  }

  #[test]
  fn lone_surrogate_delimiter_matches_half_a_pair() {
    let units: Vec<u16> = "x😀y".encode_utf16().collect();
    let hay: Vec<u8> = units.iter().flat_map(|u| u.to_ne_bytes()).collect();
    let m = Matcher::new(&[utf16_pattern(&[units[2]])], Unit::Utf16).unwrap();
    assert_eq!(all(&m, &hay), vec![(4, 0)]);
  }
}
