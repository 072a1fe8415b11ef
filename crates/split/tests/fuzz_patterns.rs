//! Seeded random haystacks and delimiter sets through the public API
//! (`Matcher`, `find_all`, `split_offsets`, `count_lines`), bytes and UTF-16,
//! with tiny chunks so matches straddle chunk boundaries. Each result must
//! equal a brute-force sequential reference (leftmost-first, patterns in the
//! order given, like a regex alternation), and nothing may panic.

use std::sync::atomic::AtomicBool;

use napi_parallel_split::haystack::utf16_pattern;
use napi_parallel_split::trim::is_js_space;
use napi_parallel_split::{
  Haystack, Matcher, PatternError, SplitOptions, Unit, count_lines, find_all, split_offsets,
};

/// splitmix64: a seeded generator without a dependency.
struct Rng(u64);

impl Rng {
  fn next(&mut self) -> u64 {
    self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = self.0;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
  }
  fn below(&mut self, n: usize) -> usize {
    (self.next() % n as u64) as usize
  }
  fn pick<T: Copy>(&mut self, items: &[T]) -> T {
    items[self.below(items.len())]
  }
}

const BYTES: &[u8] = b"ab,\n\r \t";
const BYTES_WILD: &[u8] = b"ab,\n\r \t\x00\xff";
const UNITS: &[u16] = &[
  0x61, 0x62, 0x2c, 0x0a, 0x0d, 0x20, 0xd800, 0xdc00, 0x00a0, 0xfeff,
];

/// The reference: matches in units, scanning unit by unit.
fn reference<T: PartialEq>(hay: &[T], pats: &[Vec<T>]) -> Vec<(usize, u32)> {
  let mut out = vec![];
  let mut pos = 0;
  while pos < hay.len() {
    let hit = pats
      .iter()
      .enumerate()
      .find(|(_, p)| hay.len() - pos >= p.len() && hay[pos..pos + p.len()] == p[..]);
    match hit {
      Some((i, p)) => {
        out.push((pos, i as u32));
        pos += p.len();
      }
      None => pos += 1,
    }
  }
  out
}

/// `String.prototype.split`-like pieces with trim / skipEmpty / limit.
fn reference_pieces(
  len: usize,
  matches: &[(usize, u32)],
  lens: &[usize],
  is_space: impl Fn(usize) -> bool,
  opts: &SplitOptions,
) -> Vec<usize> {
  let mut out = vec![];
  let mut start = 0;
  let mut bounds = vec![];
  for &(s, p) in matches {
    bounds.push((start, s));
    start = s + lens[p as usize];
  }
  bounds.push((start, len));
  for (mut s, mut e) in bounds {
    if opts.trim {
      while s < e && is_space(s) {
        s += 1;
      }
      while e > s && is_space(e - 1) {
        e -= 1;
      }
    }
    if opts.skip_empty && s == e {
      continue;
    }
    if opts.limit.is_some_and(|l| out.len() / 2 >= l) {
      break;
    }
    out.push(s);
    out.push(e);
  }
  out
}

fn random_opts(rng: &mut Rng, allow_trim: bool) -> SplitOptions {
  SplitOptions {
    skip_empty: rng.below(2) == 0,
    trim: allow_trim && rng.below(2) == 0,
    limit: if rng.below(3) == 0 {
      Some(rng.below(6))
    } else {
      None
    },
    chunk_size: rng.pick(&[16, 17, 24, 64, 1 << 20]),
  }
}

#[test]
fn random_byte_inputs_match_the_reference() {
  let cancel = AtomicBool::new(false);
  for seed in 0..1500u64 {
    let mut rng = Rng(seed);
    let wild = rng.below(2) == 0;
    let alphabet = if wild { BYTES_WILD } else { BYTES };
    let hay: Vec<u8> = (0..rng.below(300)).map(|_| rng.pick(alphabet)).collect();
    let pats: Vec<Vec<u8>> = (0..1 + rng.below(4))
      .map(|_| (0..1 + rng.below(4)).map(|_| rng.pick(alphabet)).collect())
      .collect();
    let matcher = Matcher::new(&pats, Unit::Byte).expect("non-empty patterns");
    let h = Haystack::bytes(&hay);
    let want = reference(&hay, &pats);
    let chunk = rng.pick(&[16, 17, 31, 1 << 20]);
    let (offsets, ids) = find_all(&h, &matcher, chunk, &cancel).expect("not cancelled");
    let got: Vec<(usize, u32)> = offsets.iter().map(|&o| o as usize).zip(ids).collect();
    assert_eq!(got, want, "seed {seed}: find_all of {pats:?} in {hay:?}");

    let opts = random_opts(&mut rng, !wild);
    let lens: Vec<usize> = pats.iter().map(Vec::len).collect();
    let pieces = split_offsets::<u32>(&h, &matcher, &opts, &cancel).expect("not cancelled");
    let got: Vec<usize> = pieces.iter().map(|&o| o as usize).collect();
    let want = reference_pieces(
      hay.len(),
      &want,
      &lens,
      |i| hay[i].is_ascii_whitespace(),
      &opts,
    );
    assert_eq!(got, want, "seed {seed}: split {pats:?} {opts:?} of {hay:?}");

    let lines = count_lines(&h, chunk, &cancel).expect("not cancelled");
    let nl = hay.iter().filter(|&&b| b == b'\n').count() as u64;
    let want = nl + u64::from(!hay.is_empty() && hay.last() != Some(&b'\n'));
    assert_eq!(lines, want, "seed {seed}: count_lines of {hay:?}");
  }
}

#[test]
fn random_utf16_inputs_match_the_reference() {
  let cancel = AtomicBool::new(false);
  for seed in 0..1500u64 {
    let mut rng = Rng(seed ^ 0xdead_beef);
    let hay: Vec<u16> = (0..rng.below(300)).map(|_| rng.pick(UNITS)).collect();
    let pats: Vec<Vec<u16>> = (0..1 + rng.below(4))
      .map(|_| (0..1 + rng.below(3)).map(|_| rng.pick(UNITS)).collect())
      .collect();
    let encoded: Vec<Vec<u8>> = pats.iter().map(|p| utf16_pattern(p)).collect();
    let matcher = Matcher::new(&encoded, Unit::Utf16).expect("non-empty patterns");
    let h = Haystack::utf16(&hay);
    let want = reference(&hay, &pats);
    let chunk = rng.pick(&[16, 18, 33, 1 << 20]);
    let (offsets, ids) = find_all(&h, &matcher, chunk, &cancel).expect("not cancelled");
    let got: Vec<(usize, u32)> = offsets.iter().map(|&o| o as usize).zip(ids).collect();
    assert_eq!(got, want, "seed {seed}: find_all of {pats:x?} in {hay:x?}");

    let opts = random_opts(&mut rng, true);
    let lens: Vec<usize> = pats.iter().map(Vec::len).collect();
    let pieces = split_offsets::<f64>(&h, &matcher, &opts, &cancel).expect("not cancelled");
    let got: Vec<usize> = pieces.iter().map(|&o| o as usize).collect();
    let want = reference_pieces(
      hay.len(),
      &want,
      &lens,
      |i| is_js_space(u32::from(hay[i])),
      &opts,
    );
    assert_eq!(
      got, want,
      "seed {seed}: split {pats:x?} {opts:?} of {hay:x?}"
    );
  }
}

#[test]
fn bad_pattern_sets_are_errors_not_panics() {
  let none: [&[u8]; 0] = [];
  assert_eq!(
    Matcher::new(&none, Unit::Byte).err(),
    Some(PatternError::NoPatterns)
  );
  let mut rng = Rng(7);
  for _ in 0..500 {
    let mut pats: Vec<Vec<u8>> = (0..1 + rng.below(5))
      .map(|_| (0..rng.below(5)).map(|_| rng.pick(BYTES_WILD)).collect())
      .collect();
    if rng.below(4) == 0 {
      pats.push(vec![]);
    }
    let unit = if rng.below(2) == 0 {
      Unit::Byte
    } else {
      Unit::Utf16
    };
    match Matcher::new(&pats, unit) {
      Ok(_) => {
        assert!(pats.iter().all(|p| !p.is_empty()));
        assert!(unit == Unit::Byte || pats.iter().all(|p| p.len() % 2 == 0));
      }
      Err(PatternError::Empty(i)) => assert!(pats[i].is_empty()),
      Err(PatternError::OddLength(i)) => assert!(unit == Unit::Utf16 && pats[i].len() % 2 == 1),
      Err(e) => panic!("unexpected {e:?} for {pats:?}"),
    }
  }
}
