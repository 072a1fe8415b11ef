//! Exact summation of doubles: Radford Neal's "small superaccumulator"
//! (R. M. Neal, *Fast exact summation using small and large
//! superaccumulators*, 2015), adapted from the MIT-licensed `xsum` crate's
//! port of his C code. That crate is not used directly: it cannot merge two
//! accumulators (needed to combine the chunks of a parallel sum), keeps its
//! chunks in a `Vec`, and gives -0 and NaN results that are not JS's.
//!
//! The accumulator holds the sum as 67 signed 64-bit chunks, each standing
//! for 32 bits of the 2098-bit fixed-point range of doubles, with room for
//! 2047 additions between carry propagations. Adding a double touches two
//! chunks; nothing is rounded until [`ExactSum::round`].
//!
//! # Semantics (JS)
//! - The result is the exact sum of the finite elements rounded once to the
//!   nearest double (ties to even), as Python's `math.fsum`. Intermediate
//!   overflow cannot happen: `[1e308, 1e308, -1e308]` sums to `1e308`.
//! - A sum whose exact value is beyond the double range rounds to ±Infinity
//!   (where `math.fsum` raises `OverflowError`).
//! - Any NaN gives NaN; +Infinity and -Infinity together give NaN; otherwise
//!   an infinity wins (IEEE: `Infinity + x` is `Infinity`).
//! - An exact zero is -0 only when every element is -0 (IEEE: `-0 + -0` is
//!   -0, `-0 + 0` and `x + -x` are +0); the empty sum is +0.

const MANTISSA_BITS: i64 = 52;
const EXP_BITS: i64 = 11;
const MANTISSA_MASK: i64 = (1 << MANTISSA_BITS) - 1;
const EXP_MASK: i64 = (1 << EXP_BITS) - 1;
const EXP_BIAS: i64 = (1 << (EXP_BITS - 1)) - 1;
const SIGN_MASK: i64 = i64::MIN;
const LOW_EXP_BITS: i64 = 5;
const LOW_EXP_MASK: i64 = (1 << LOW_EXP_BITS) - 1;
const HIGH_EXP_BITS: i64 = EXP_BITS - LOW_EXP_BITS;
/// Number of chunks.
pub const CHUNKS: usize = (1 << HIGH_EXP_BITS) + 3;
const LOW_MANTISSA_BITS: i64 = 1 << LOW_EXP_BITS;
const LOW_MANTISSA_MASK: i64 = (1 << LOW_MANTISSA_BITS) - 1;
const CARRY_BITS: i64 = 63 - MANTISSA_BITS;
/// Additions allowed between carry propagations.
const CARRY_TERMS: i64 = (1 << CARRY_BITS) - 1;

/// An exact running sum of doubles (see the module docs for the semantics).
#[derive(Clone, Debug)]
pub struct ExactSum {
  chunk: [i64; CHUNKS],
  adds_until_propagate: i64,
  nan: bool,
  pos_inf: bool,
  neg_inf: bool,
  /// Elements added (all kinds).
  count: u64,
  /// Elements added that were -0.
  neg_zeros: u64,
}

impl Default for ExactSum {
  fn default() -> Self {
    Self::new()
  }
}

impl ExactSum {
  /// The empty sum.
  pub fn new() -> Self {
    Self {
      chunk: [0; CHUNKS],
      adds_until_propagate: CARRY_TERMS,
      nan: false,
      pos_inf: false,
      neg_inf: false,
      count: 0,
      neg_zeros: 0,
    }
  }

  /// Number of elements added.
  pub fn count(&self) -> u64 {
    self.count
  }

  /// Adds one element.
  pub fn add(&mut self, x: f64) {
    if self.adds_until_propagate == 0 {
      self.carry_propagate();
    }
    self.add_no_carry(x);
    self.adds_until_propagate -= 1;
    self.count += 1;
  }

  /// Adds every element of `xs`.
  pub fn add_slice(&mut self, xs: &[f64]) {
    let mut rest = xs;
    while !rest.is_empty() {
      if self.adds_until_propagate == 0 {
        self.carry_propagate();
      }
      let m = rest.len().min(self.adds_until_propagate as usize);
      let (now, later) = rest.split_at(m);
      for &x in now {
        self.add_no_carry(x);
      }
      self.adds_until_propagate -= m as i64;
      self.count += m as u64;
      rest = later;
    }
  }

  /// The exact sum of `xs`, rounded once.
  pub fn of(xs: &[f64]) -> f64 {
    Self::accumulate(xs).round()
  }

  /// The accumulator of `xs`. Four accumulators take turns (element `k`
  /// goes to lane `k % 4`), so that consecutive elements of similar size,
  /// which update the same two chunks, do not wait on each other's
  /// read-modify-write; the lanes then merge exactly.
  pub fn accumulate(xs: &[f64]) -> Self {
    const LANES: usize = 4;
    let mut lanes: [ExactSum; LANES] = std::array::from_fn(|_| Self::new());
    // Each lane takes at most CARRY_TERMS additions per block.
    for block in xs.chunks(LANES * CARRY_TERMS as usize) {
      let [a, b, c, d] = &mut lanes;
      let mut quads = block.chunks_exact(LANES);
      for q in quads.by_ref() {
        a.add_no_carry(q[0]);
        b.add_no_carry(q[1]);
        c.add_no_carry(q[2]);
        d.add_no_carry(q[3]);
      }
      for (lane, &x) in lanes.iter_mut().zip(quads.remainder()) {
        lane.add_no_carry(x);
      }
      for lane in lanes.iter_mut() {
        lane.carry_propagate();
      }
    }
    let [mut a, b, c, d] = lanes;
    a.merge(&b);
    a.merge(&c);
    a.merge(&d);
    a.count = xs.len() as u64;
    a
  }

  /// Adds another accumulator exactly (`self` becomes the sum of both).
  pub fn merge(&mut self, other: &ExactSum) {
    let mut other = other.clone();
    other.carry_propagate();
    self.carry_propagate();
    for (a, b) in self.chunk.iter_mut().zip(other.chunk.iter()) {
      *a += *b;
    }
    self.nan |= other.nan;
    self.pos_inf |= other.pos_inf;
    self.neg_inf |= other.neg_inf;
    self.count += other.count;
    self.neg_zeros += other.neg_zeros;
    self.carry_propagate();
  }

  #[inline(always)]
  fn add_no_carry(&mut self, value: f64) {
    let ivalue = value.to_bits() as i64;
    let exp = (ivalue >> MANTISSA_BITS) & EXP_MASK;
    let mut mantissa = ivalue & MANTISSA_MASK;
    let high_exp = (exp >> LOW_EXP_BITS) as usize;
    let mut low_exp = exp & LOW_EXP_MASK;
    if exp == 0 {
      if mantissa == 0 {
        self.neg_zeros += (ivalue < 0) as u64;
        return;
      }
      // A subnormal: no implicit 1, exponent 1.
      low_exp = 1;
    } else if exp == EXP_MASK {
      self.add_inf_nan(value);
      return;
    } else {
      mantissa |= 1 << MANTISSA_BITS;
    }
    // Negate both parts for a negative value, without a branch.
    let sign = ivalue >> 63;
    let low = (((mantissa << low_exp) & LOW_MANTISSA_MASK) ^ sign) - sign;
    let high = ((mantissa >> (LOW_MANTISSA_BITS - low_exp)) ^ sign) - sign;
    // `high_exp` is at most 63 (the mask lets the compiler see it), so
    // `high_exp + 1` is in range.
    let high_exp = high_exp & 63;
    self.chunk[high_exp] += low;
    self.chunk[high_exp + 1] += high;
  }

  #[cold]
  fn add_inf_nan(&mut self, value: f64) {
    if value.is_nan() {
      self.nan = true;
    } else if value > 0.0 {
      self.pos_inf = true;
    } else {
      self.neg_inf = true;
    }
  }

  /// Propagates carries so that every chunk but the uppermost non-zero one
  /// lies in `0..2^32`; returns the index of that uppermost chunk (0 for a
  /// zero sum).
  fn carry_propagate(&mut self) -> usize {
    self.adds_until_propagate = CARRY_TERMS;
    let mut u = CHUNKS as isize - 1;
    while u >= 0 && self.chunk[u as usize] == 0 {
      u -= 1;
    }
    if u < 0 {
      return 0;
    }
    let mut i: isize = 0;
    let mut uix: isize = -1;
    loop {
      // The next non-zero chunk at or above `i`, if any up to `u`.
      let mut c = 0;
      while i <= u {
        c = self.chunk[i as usize];
        if c != 0 {
          break;
        }
        i += 1;
      }
      if i > u {
        break;
      }
      let chigh = c >> LOW_MANTISSA_BITS;
      if chigh == 0 {
        uix = i;
        i += 1;
        continue;
      }
      if u == i {
        if chigh == -1 {
          uix = i;
          break;
        }
        u = i + 1;
      }
      let clow = c & LOW_MANTISSA_MASK;
      if clow != 0 {
        uix = i;
      }
      self.chunk[i as usize] = clow;
      if i as usize + 1 >= CHUNKS {
        // Cannot happen for fewer than 2^63 / 2^53 additions of doubles.
        self.nan = true;
        u = i;
      } else {
        self.chunk[i as usize + 1] += chigh;
      }
      i += 1;
      if i > u {
        break;
      }
    }
    if uix < 0 {
      return 0;
    }
    while self.chunk[uix as usize] == -1 && uix > 0 {
      self.chunk[uix as usize - 1] -= 1 << LOW_MANTISSA_BITS;
      self.chunk[uix as usize] = 0;
      uix -= 1;
    }
    uix as usize
  }

  /// The sum rounded to the nearest double (ties to even), with the JS
  /// rules of the module docs for NaN, infinities and the sign of zero.
  pub fn round(&self) -> f64 {
    if self.nan || (self.pos_inf && self.neg_inf) {
      return f64::NAN;
    }
    if self.pos_inf {
      return f64::INFINITY;
    }
    if self.neg_inf {
      return f64::NEG_INFINITY;
    }
    let mut acc = self.clone();
    let r = acc.round_finite();
    if r == 0.0 {
      return if acc.count > 0 && acc.neg_zeros == acc.count {
        -0.0
      } else {
        0.0
      };
    }
    r
  }

  /// The sum divided by `2^64`, rounded (used where the sum itself
  /// overflows; exact up to a sticky bit far below the rounding position).
  pub fn round_scaled_down_64(&self) -> f64 {
    let mut acc = self.clone();
    acc.carry_propagate();
    let sticky = (acc.chunk[0] | acc.chunk[1]) != 0;
    acc.chunk.copy_within(2.., 0);
    acc.chunk[CHUNKS - 2] = 0;
    acc.chunk[CHUNKS - 1] = 0;
    // Below the uppermost chunk every chunk is non-negative: the dropped
    // part only adds, so a set low bit keeps rounding exact (it only tells
    // "something non-zero lies below"), unless the uppermost chunk was
    // dropped too (then the scaled sum is tiny anyway).
    if sticky && acc.chunk[0] >= 0 {
      acc.chunk[0] |= 1;
    }
    acc.round()
  }

  /// Rounds a finite sum (Neal's `xsum_small_round`); zero comes back as +0.
  fn round_finite(&mut self) -> f64 {
    let i = self.carry_propagate();
    let mut ivalue = self.chunk[i];
    if i <= 1 {
      if ivalue == 0 {
        return 0.0;
      }
      if i == 0 {
        // Subnormal: the real exponent is 1, so shift right by 1.
        let mut intv = ivalue.abs() >> 1;
        if ivalue < 0 {
          intv |= SIGN_MASK;
        }
        return f64::from_bits(intv as u64);
      }
      let intv = ivalue * (1i64 << (LOW_MANTISSA_BITS - 1)) + (self.chunk[0] >> 1);
      if intv < 0 {
        if intv > -(1i64 << MANTISSA_BITS) {
          return f64::from_bits(((-intv) | SIGN_MASK) as u64);
        }
      } else if (intv as u64) < 1u64 << MANTISSA_BITS {
        return f64::from_bits(intv as u64);
      }
      // Not subnormal after all: fall through.
    }
    let fltv = ivalue as f64;
    let mut intv = fltv.to_bits() as i64;
    let mut e = ((intv >> MANTISSA_BITS) & EXP_MASK) as i64;
    let mut more = 2 + MANTISSA_BITS + EXP_BIAS - e;
    ivalue *= 1i64 << more;
    let mut j = i as isize - 1;
    let mut lower = self.chunk[j as usize];
    if more >= LOW_MANTISSA_BITS {
      more -= LOW_MANTISSA_BITS;
      ivalue += lower << more;
      j -= 1;
      lower = if j < 0 { 0 } else { self.chunk[j as usize] };
    }
    ivalue += lower >> (LOW_MANTISSA_BITS - more);
    lower &= (1i64 << (LOW_MANTISSA_BITS - more)) - 1;
    let mut away = false;
    if ivalue >= 0 {
      intv = 0;
      if (ivalue & 2) == 0 {
        away = false;
      } else if (ivalue & 1) != 0 || (ivalue & 4) != 0 {
        away = true;
      } else {
        if lower == 0 {
          while j > 0 {
            j -= 1;
            if self.chunk[j as usize] != 0 {
              lower = 1;
              break;
            }
          }
        }
        away = lower != 0;
      }
    } else {
      if ((-ivalue) & (1i64 << (MANTISSA_BITS + 2))) == 0 {
        let pos = 1i64 << (LOW_MANTISSA_BITS - 1 - more);
        ivalue *= 2;
        if lower & pos != 0 {
          ivalue += 1;
          lower &= !pos;
        }
        e -= 1;
      }
      intv = SIGN_MASK;
      ivalue = -ivalue;
      if (ivalue & 3) == 3 {
        away = true;
      }
      if (ivalue & 3) == 2 {
        if lower == 0 {
          while j > 0 {
            j -= 1;
            if self.chunk[j as usize] != 0 {
              lower = 1;
              break;
            }
          }
        }
        // Extra bits 10: a tie when nothing lies below; round to even.
        if lower == 0 && (ivalue & 4) != 0 {
          away = true;
        }
      }
    }
    if away {
      ivalue += 4;
      if ivalue & (1i64 << (MANTISSA_BITS + 3)) != 0 {
        ivalue >>= 1;
        e += 1;
      }
    }
    ivalue >>= 2;
    e += ((i as i64) << LOW_EXP_BITS) - EXP_BIAS - MANTISSA_BITS;
    if e >= EXP_MASK {
      intv |= EXP_MASK << MANTISSA_BITS;
      return f64::from_bits(intv as u64);
    }
    intv += e << MANTISSA_BITS;
    intv += ivalue & MANTISSA_MASK;
    f64::from_bits(intv as u64)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  /// CPython's `math.fsum` (Shewchuk's partials, then its correct final
  /// rounding): an independent exact reference for finite inputs whose
  /// partial sums stay finite.
  fn fsum(xs: &[f64]) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for &x0 in xs {
      let mut x = x0;
      let mut i = 0;
      for j in 0..partials.len() {
        let mut y = partials[j];
        if x.abs() < y.abs() {
          std::mem::swap(&mut x, &mut y);
        }
        let hi = x + y;
        let lo = y - (hi - x);
        if lo != 0.0 {
          partials[i] = lo;
          i += 1;
        }
        x = hi;
      }
      partials.truncate(i);
      partials.push(x);
    }
    let mut n = partials.len();
    let mut hi = 0.0;
    if n > 0 {
      n -= 1;
      hi = partials[n];
      let mut lo = 0.0;
      while n > 0 {
        let x = hi;
        n -= 1;
        let y = partials[n];
        hi = x + y;
        lo = y - (hi - x);
        if lo != 0.0 {
          break;
        }
      }
      if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
        let y = lo * 2.0;
        let x = hi + y;
        if y == x - hi {
          hi = x;
        }
      }
    }
    hi
  }

  fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
  }

  #[test]
  fn catastrophic_cancellation_is_exact() {
    let e = |xs: &[f64]| ExactSum::of(xs);
    assert_eq!(e(&[1e308, 1.0, -1e308]), 1.0);
    assert_eq!(e(&[1.0, 1e100, 1.0, -1e100]), 2.0);
    assert_eq!(e(&[1e308, 1e308, -1e308]), 1e308);
    assert_eq!(e(&[0.1; 10]), 1.0);
    assert_eq!(e(&[f64::MAX, f64::MAX]), f64::INFINITY);
    assert_eq!(e(&[-f64::MAX, -f64::MAX, 1.0]), f64::NEG_INFINITY);
    assert_eq!(e(&[5e-324, 5e-324]), 1e-323);
    assert!(same(e(&[5e-324, -5e-324]), 0.0));
  }

  #[test]
  fn ties_round_to_even_both_signs() {
    let h = 2f64.powi(-53);
    let tiny = 2f64.powi(-80);
    let up = 1.0 + 2f64.powi(-52);
    let e = |xs: &[f64]| ExactSum::of(xs);
    assert_eq!(e(&[1.0, h]), 1.0);
    assert_eq!(e(&[1.0, h, tiny]), up);
    assert_eq!(e(&[-1.0, -h]), -1.0);
    assert_eq!(e(&[-1.0, -h, -tiny]), -up);
    assert_eq!(e(&[-1.0, -h, tiny]), -1.0);
    assert_eq!(e(&[up, h]), 1.0 + 2f64.powi(-51));
    assert_eq!(e(&[-up, -h]), -(1.0 + 2f64.powi(-51)));
    assert_eq!(e(&[-up, -h, tiny]), -up);
  }

  #[test]
  fn specials_and_zero_signs() {
    let e = |xs: &[f64]| ExactSum::of(xs);
    assert!(same(e(&[]), 0.0));
    assert!(same(e(&[-0.0]), -0.0));
    assert!(same(e(&[-0.0, -0.0, -0.0]), -0.0));
    assert!(same(e(&[-0.0, 0.0]), 0.0));
    assert!(same(e(&[1.0, -1.0]), 0.0));
    assert!(same(e(&[-1.0, 1.0, -0.0]), 0.0));
    assert!(e(&[1.0, f64::NAN]).is_nan());
    assert!(e(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
    assert_eq!(e(&[f64::INFINITY, -f64::MAX, -f64::MAX]), f64::INFINITY);
    assert_eq!(e(&[f64::NEG_INFINITY, 1.0]), f64::NEG_INFINITY);
  }

  /// Random inputs over the whole exponent range (with cancellation) equal
  /// fsum, in any order and split anywhere.
  #[test]
  fn random_sums_equal_fsum_in_any_order() {
    let mut seed = 0x2545f4914f6cdd1du64;
    let mut next = || {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      seed
    };
    for case in 0..400 {
      let n = (next() % 3000) as usize;
      let spread = 1 + (case % 5) * 400;
      let mut xs: Vec<f64> = (0..n)
        .map(|_| {
          let r = next();
          let exp = (r % spread as u64) as i64 - (spread as i64 / 2);
          let m = 1.0 + (r >> 12) as f64 / (1u64 << 52) as f64;
          let x = m * 2f64.powi(exp.clamp(-1074, 1000) as i32);
          if r & 1 == 0 { x } else { -x }
        })
        .collect();
      if case % 2 == 0 {
        // Add exact negations of some elements: heavy cancellation.
        let k = xs.len() / 2;
        for i in 0..k {
          let v = -xs[i] * 0.5;
          xs.push(v);
          xs.push(v);
        }
      }
      let want = fsum(&xs);
      assert!(same(ExactSum::of(&xs), want), "case {case}");
      // Element by element, and merged at an arbitrary split, in reverse.
      let mut one = ExactSum::new();
      for &x in xs.iter().rev() {
        one.add(x);
      }
      let split = if xs.is_empty() {
        0
      } else {
        (next() as usize) % xs.len()
      };
      let mut a = ExactSum::new();
      a.add_slice(&xs[split..]);
      let b = ExactSum::accumulate(&xs[..split]);
      a.merge(&b);
      if want != 0.0 {
        assert!(same(one.round(), want), "case {case} one by one");
        assert!(same(a.round(), want), "case {case} merged");
      }
    }
  }

  /// Carry propagation over long runs of the same large value.
  #[test]
  fn long_runs_do_not_overflow_chunks() {
    let xs = vec![f64::MAX / 4.0; 100_000];
    let mut ys = xs.clone();
    ys.extend(xs.iter().map(|x| -x));
    ys.push(3.0);
    assert_eq!(ExactSum::of(&ys), 3.0);
    let small = vec![1.0; 1_000_003];
    assert_eq!(ExactSum::of(&small), 1_000_003.0);
  }
}
