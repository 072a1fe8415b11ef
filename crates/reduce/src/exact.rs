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
/// Elements per block of the extraction fast path (at most 2^11).
pub const BLOCK: usize = 2048;
/// Extraction levels before the rest of a block is added element by element.
const LEVELS: usize = 3;
/// 2^-40: from one extraction level's σ to the next.
const TWO_POW_MINUS_40: f64 = 1.0 / (1u64 << 40) as f64;
/// The smallest σ used (well inside the normal range).
const MIN_SIGMA: f64 = 1e-290;

/// One extraction level over `src` (see [`ExactSum::add_block`]): writes
/// each `lo` to `dst`; returns the exact sum of the `hi`s and whether any
/// `lo` is non-zero.
#[inline(always)]
fn extract(src: &[f64], dst: &mut [f64], sigma: f64) -> (f64, bool) {
  #[cfg(target_arch = "x86_64")]
  {
    if avx::available() {
      // SAFETY: the CPU has AVX (checked at run time).
      return unsafe { avx::extract(src, dst, sigma) };
    }
    simd::extract(src, dst, sigma)
  }
  #[cfg(not(target_arch = "x86_64"))]
  {
    scalar::extract(src, dst, sigma)
  }
}

/// The largest `|x|` of `xs` (0 for none), and whether any is NaN or infinite.
#[inline(always)]
fn max_abs(xs: &[f64]) -> (f64, bool) {
  #[cfg(target_arch = "x86_64")]
  {
    if avx::available() {
      // SAFETY: the CPU has AVX (checked at run time).
      return unsafe { avx::max_abs(xs) };
    }
    simd::max_abs(xs)
  }
  #[cfg(not(target_arch = "x86_64"))]
  {
    scalar::max_abs(xs)
  }
}

/// Portable versions of the fast path's two loops (and the tails of the
/// SSE2 ones).
mod scalar {
  /// See [`super::extract`]; `lanes`/`nonzero` are added to.
  pub(super) fn extract_into(
    src: &[f64],
    dst: &mut [f64],
    sigma: f64,
    sum: &mut f64,
    nonzero: &mut bool,
  ) {
    for (s, d) in src.iter().zip(dst.iter_mut()) {
      let hi = (sigma + s) - sigma;
      let lo = s - hi;
      *d = lo;
      *sum += hi;
      *nonzero |= lo != 0.0;
    }
  }

  #[allow(dead_code)]
  pub(super) fn extract(src: &[f64], dst: &mut [f64], sigma: f64) -> (f64, bool) {
    let (mut sum, mut nonzero) = (0.0, false);
    extract_into(src, dst, sigma, &mut sum, &mut nonzero);
    (sum, nonzero)
  }

  pub(super) fn max_abs_into(xs: &[f64], m: &mut f64, bad: &mut bool) {
    for &x in xs {
      let ax = x.abs();
      *m = if ax > *m { ax } else { *m };
      *bad |= !ax.is_finite();
    }
  }

  #[allow(dead_code)]
  pub(super) fn max_abs(xs: &[f64]) -> (f64, bool) {
    let (mut m, mut bad) = (0.0, false);
    max_abs_into(xs, &mut m, &mut bad);
    (m, bad)
  }
}

/// SSE2 (every x86_64 CPU has it) versions of the fast path's loops: two
/// doubles per instruction, four independent accumulators.
#[cfg(target_arch = "x86_64")]
mod simd {
  use std::arch::x86_64::*;

  pub(super) fn extract(src: &[f64], dst: &mut [f64], sigma: f64) -> (f64, bool) {
    let n = src.len().min(dst.len());
    let whole = n / 8 * 8;
    // SAFETY: SSE2 is part of x86_64; every load and store is within
    // `..whole` of both slices (unaligned forms).
    let (mut sum, mut nonzero) = unsafe {
      let sig = _mm_set1_pd(sigma);
      let zero = _mm_setzero_pd();
      let mut acc = [zero; 4];
      let mut nz = zero;
      let (sp, dp) = (src.as_ptr(), dst.as_mut_ptr());
      let mut i = 0;
      while i < whole {
        for (k, a) in acc.iter_mut().enumerate() {
          let x = _mm_loadu_pd(sp.add(i + 2 * k));
          let hi = _mm_sub_pd(_mm_add_pd(sig, x), sig);
          let lo = _mm_sub_pd(x, hi);
          _mm_storeu_pd(dp.add(i + 2 * k), lo);
          *a = _mm_add_pd(*a, hi);
          nz = _mm_or_pd(nz, _mm_cmpneq_pd(lo, zero));
        }
        i += 8;
      }
      // Every partial sum of `hi`s is exact: any order gives the same.
      let v = _mm_add_pd(_mm_add_pd(acc[0], acc[1]), _mm_add_pd(acc[2], acc[3]));
      let hi = _mm_unpackhi_pd(v, v);
      (_mm_cvtsd_f64(_mm_add_sd(v, hi)), _mm_movemask_pd(nz) != 0)
    };
    super::scalar::extract_into(
      &src[whole..n],
      &mut dst[whole..n],
      sigma,
      &mut sum,
      &mut nonzero,
    );
    (sum, nonzero)
  }

  pub(super) fn max_abs(xs: &[f64]) -> (f64, bool) {
    let whole = xs.len() / 8 * 8;
    // SAFETY: SSE2 is part of x86_64; loads stay within `..whole`.
    let (mut m, mut bad) = unsafe {
      let mask = _mm_castsi128_pd(_mm_set1_epi64x(i64::MAX));
      let big = _mm_set1_pd(f64::MAX);
      let mut mx = [_mm_setzero_pd(); 4];
      let mut nonfinite = _mm_setzero_pd();
      let p = xs.as_ptr();
      let mut i = 0;
      while i < whole {
        for (k, m) in mx.iter_mut().enumerate() {
          let ax = _mm_and_pd(_mm_loadu_pd(p.add(i + 2 * k)), mask);
          *m = _mm_max_pd(ax, *m);
          // NaN compares unordered: "not <=" is true for it and for ±Infinity.
          nonfinite = _mm_or_pd(nonfinite, _mm_cmpnle_pd(ax, big));
        }
        i += 8;
      }
      let v = _mm_max_pd(_mm_max_pd(mx[0], mx[1]), _mm_max_pd(mx[2], mx[3]));
      let hi = _mm_unpackhi_pd(v, v);
      (
        _mm_cvtsd_f64(_mm_max_sd(v, hi)),
        _mm_movemask_pd(nonfinite) != 0,
      )
    };
    super::scalar::max_abs_into(&xs[whole..], &mut m, &mut bad);
    (m, bad)
  }
}

/// AVX versions of the SSE2 loops (four doubles per instruction), used
/// when the CPU has AVX (checked once). The operations are the same IEEE
/// additions, so the results are identical.
#[cfg(target_arch = "x86_64")]
mod avx {
  use std::arch::x86_64::*;
  use std::sync::atomic::{AtomicU8, Ordering};

  /// Whether the CPU has AVX (cached: 0 unknown, 1 no, 2 yes).
  pub(super) fn available() -> bool {
    static HAS: AtomicU8 = AtomicU8::new(0);
    match HAS.load(Ordering::Relaxed) {
      0 => {
        let yes = std::arch::is_x86_feature_detected!("avx");
        HAS.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
        yes
      }
      v => v == 2,
    }
  }

  /// # Safety
  /// The CPU has AVX.
  #[target_feature(enable = "avx")]
  pub(super) unsafe fn extract(src: &[f64], dst: &mut [f64], sigma: f64) -> (f64, bool) {
    let n = src.len().min(dst.len());
    let whole = n / 16 * 16;
    let sig = _mm256_set1_pd(sigma);
    let zero = _mm256_setzero_pd();
    let mut acc = [zero; 4];
    let mut nz = zero;
    let (sp, dp) = (src.as_ptr(), dst.as_mut_ptr());
    let mut i = 0;
    while i < whole {
      for (k, a) in acc.iter_mut().enumerate() {
        // SAFETY: within `..whole` of both slices (unaligned forms).
        let x = unsafe { _mm256_loadu_pd(sp.add(i + 4 * k)) };
        let hi = _mm256_sub_pd(_mm256_add_pd(sig, x), sig);
        let lo = _mm256_sub_pd(x, hi);
        // SAFETY: as above.
        unsafe { _mm256_storeu_pd(dp.add(i + 4 * k), lo) };
        *a = _mm256_add_pd(*a, hi);
        nz = _mm256_or_pd(nz, _mm256_cmp_pd::<_CMP_NEQ_UQ>(lo, zero));
      }
      i += 16;
    }
    // Every partial sum of `hi`s is exact: any order gives the same.
    let v = _mm256_add_pd(_mm256_add_pd(acc[0], acc[1]), _mm256_add_pd(acc[2], acc[3]));
    let v = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
    let hi = _mm_unpackhi_pd(v, v);
    let mut sum = _mm_cvtsd_f64(_mm_add_sd(v, hi));
    let mut nonzero = _mm256_movemask_pd(nz) != 0;
    super::scalar::extract_into(
      &src[whole..n],
      &mut dst[whole..n],
      sigma,
      &mut sum,
      &mut nonzero,
    );
    (sum, nonzero)
  }

  /// # Safety
  /// The CPU has AVX.
  #[target_feature(enable = "avx")]
  pub(super) unsafe fn max_abs(xs: &[f64]) -> (f64, bool) {
    let whole = xs.len() / 16 * 16;
    let mask = _mm256_castsi256_pd(_mm256_set1_epi64x(i64::MAX));
    let big = _mm256_set1_pd(f64::MAX);
    let mut mx = [_mm256_setzero_pd(); 4];
    let mut nonfinite = _mm256_setzero_pd();
    let p = xs.as_ptr();
    let mut i = 0;
    while i < whole {
      for (k, m) in mx.iter_mut().enumerate() {
        // SAFETY: within `..whole`.
        let ax = _mm256_and_pd(unsafe { _mm256_loadu_pd(p.add(i + 4 * k)) }, mask);
        *m = _mm256_max_pd(ax, *m);
        nonfinite = _mm256_or_pd(nonfinite, _mm256_cmp_pd::<_CMP_NLE_UQ>(ax, big));
      }
      i += 16;
    }
    let v = _mm256_max_pd(_mm256_max_pd(mx[0], mx[1]), _mm256_max_pd(mx[2], mx[3]));
    let v = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
    let hi = _mm_unpackhi_pd(v, v);
    let mut m = _mm_cvtsd_f64(_mm_max_sd(v, hi));
    let mut bad = _mm256_movemask_pd(nonfinite) != 0;
    super::scalar::max_abs_into(&xs[whole..], &mut m, &mut bad);
    (m, bad)
  }
}

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

  /// The accumulator of `xs`: blocks of [`BLOCK`] elements go through the
  /// vectorizable fast path ([`ExactSum::add_block`]); the rest (blocks
  /// with NaN, infinities, huge values, or bits too far below their
  /// largest element) through the chunk updates.
  pub fn accumulate(xs: &[f64]) -> Self {
    let mut acc = Self::new();
    let mut a = [0.0f64; BLOCK];
    let mut b = [0.0f64; BLOCK];
    for block in xs.chunks(BLOCK) {
      acc.add_block(block, &mut a, &mut b);
    }
    acc
  }

  /// Adds one block (at most [`BLOCK`] elements) exactly, by error-free
  /// extraction (Rump, Ogita and Oishi's `ExtractVector`): with `σ` a power
  /// of two above `2·n·max|x|`, `hi = (σ + x) - σ` and `lo = x - hi` are
  /// exact, every `hi` is a multiple of `2^-53·σ`, and the sum of the `hi`s
  /// stays below `σ`, so adding them in floating point (in any order, in 8
  /// lanes) is exact. That sum joins the accumulator; the `lo`s, 40 bits
  /// further down, are extracted the same way, until none is left (two
  /// levels for most data) or after [`LEVELS`], when the rest is added
  /// element by element.
  fn add_block(&mut self, xs: &[f64], a: &mut [f64; BLOCK], b: &mut [f64; BLOCK]) {
    let n = xs.len();
    debug_assert!(n <= BLOCK);
    // The largest magnitude, and whether any element is NaN or infinite.
    let (m, bad) = max_abs(xs);
    let biased = (m.to_bits() >> MANTISSA_BITS) as i64;
    // σ = 2^(e + 13) with max|x| < 2^(e + 1) and n <= 2^11: n·max|x| < σ/2.
    let e = (biased - EXP_BIAS).max(1 - EXP_BIAS);
    if bad || e + 13 > EXP_BIAS {
      self.add_slice(xs);
      return;
    }
    self.count += n as u64;
    if m == 0.0 {
      self.neg_zeros += xs.iter().filter(|x| x.is_sign_negative()).count() as u64;
      return;
    }
    let mut sigma = f64::from_bits(((e + 13 + EXP_BIAS) as u64) << MANTISSA_BITS);
    let (sum, mut left) = extract(xs, &mut a[..n], sigma);
    self.add_exact(sum);
    let mut level = 1;
    let (mut src, mut dst) = (a, b);
    while left && level < LEVELS {
      // The `lo`s are at most 2^-53·σ: the next σ is 2^13 above that.
      sigma *= TWO_POW_MINUS_40;
      if sigma < MIN_SIGMA {
        break;
      }
      let (sum, more) = extract(&src[..n], &mut dst[..n], sigma);
      self.add_exact(sum);
      left = more;
      level += 1;
      std::mem::swap(&mut src, &mut dst);
    }
    if left {
      for &lo in &src[..n] {
        if lo != 0.0 {
          self.add_exact(lo);
        }
      }
    }
  }

  /// Adds one double without counting it as an element.
  fn add_exact(&mut self, x: f64) {
    if self.adds_until_propagate == 0 {
      self.carry_propagate();
    }
    self.add_no_carry(x);
    self.adds_until_propagate -= 1;
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

  /// The exact sum divided by `n` (at least 1), correctly rounded (ties to
  /// even): the candidate `round(S) / n` is within one ulp of the quotient,
  /// so its neighbours are settled by the exact sign of `2S - n·(a + b)` at
  /// each midpoint (`n·c` is exact as `p + e`, `e = fma(c, n, -p)`). NaN,
  /// infinities and a zero sum give `round(S) / n`. Where `S` itself
  /// overflows, the same runs on `S·2^-64` (exact up to a sticky bit far
  /// below the rounding position) and the quotient is scaled back. Exact
  /// except where the mean is within ~2^-960 of zero (an `fma` error term
  /// there may be subnormal).
  pub fn mean(&self, n: u64) -> f64 {
    let nf = n as f64;
    let sum = self.round();
    if !sum.is_finite() && !self.nan && !self.pos_inf && !self.neg_inf {
      let mut scaled = self.clone();
      scaled.carry_propagate();
      let sticky = (scaled.chunk[0] | scaled.chunk[1]) != 0;
      scaled.chunk.copy_within(2.., 0);
      scaled.chunk[CHUNKS - 2] = 0;
      scaled.chunk[CHUNKS - 1] = 0;
      if sticky && scaled.chunk[0] >= 0 {
        scaled.chunk[0] |= 1;
      }
      return scaled.quotient(nf) * 2f64.powi(64);
    }
    if !sum.is_finite() || sum == 0.0 {
      return sum / nf;
    }
    self.quotient(nf)
  }

  /// `S / n` correctly rounded, for a finite, non-overflowing, non-zero `S`.
  fn quotient(&self, n: f64) -> f64 {
    let q = self.round() / n;
    let mut twice = self.clone();
    twice.merge(self);
    // The sign of 2S - n·a - n·b, exactly.
    let side = |a: f64, b: f64| {
      let mut t = twice.clone();
      for c in [a, b] {
        let p = c * n;
        let e = c.mul_add(n, -p);
        t.add_exact(-p);
        t.add_exact(-e);
      }
      t.count = 1;
      t.neg_zeros = 0;
      t.round()
    };
    let even = |a: f64, b: f64| if a.to_bits() & 1 == 0 { a } else { b };
    let up = q.next_up();
    let above = side(q, up);
    if above > 0.0 {
      return up;
    }
    if above == 0.0 {
      return even(q, up);
    }
    let down = q.next_down();
    let below = side(down, q);
    if below < 0.0 {
      return down;
    }
    if below == 0.0 {
      return even(down, q);
    }
    q
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
    let mut e = (intv >> MANTISSA_BITS) & EXP_MASK;
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
mod speed {
  use super::*;

  /// In-cache speed of one thread: `cargo test --release -p
  /// napi-parallel-reduce exact_in_cache -- --ignored --nocapture`.
  #[test]
  #[ignore]
  fn exact_in_cache() {
    let xs: Vec<f64> = (0..16384)
      .map(|i| ((i * 7919) % 1000) as f64 * 0.37 - 100.0)
      .collect();
    let reps = 500;
    for _ in 0..3 {
      let t = std::time::Instant::now();
      for _ in 0..reps {
        std::hint::black_box(ExactSum::of(std::hint::black_box(&xs)));
      }
      let exact = t.elapsed().as_secs_f64() * 1e9 / (reps * xs.len()) as f64;
      let t = std::time::Instant::now();
      for _ in 0..reps {
        std::hint::black_box(std::hint::black_box(&xs).iter().fold(0.0, |a, b| a + b));
      }
      let naive = t.elapsed().as_secs_f64() * 1e9 / (reps * xs.len()) as f64;
      let t = std::time::Instant::now();
      for _ in 0..reps {
        let mut s = ExactSum::new();
        s.add_slice(std::hint::black_box(&xs));
        std::hint::black_box(s.round());
      }
      let chunks = t.elapsed().as_secs_f64() * 1e9 / (reps * xs.len()) as f64;
      println!("exact {exact:.3} ns/elt, chunk updates only {chunks:.3}, naive loop {naive:.3}");
    }
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

  /// `mean` is the quotient rounded once: for integer inputs (an exact i128
  /// sum S), the result `c = m·2^e` satisfies `2·|S - c·n| <= n·2^e` (ties
  /// to an even m). The inputs are large enough that `round(S) / n` (two
  /// roundings) is wrong in some cases, which the test counts.
  #[test]
  fn mean_is_correctly_rounded() {
    let mut seed = 0xdead_beef_cafe_f00du64;
    let mut next = || {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      seed
    };
    let mut double_rounding_wrong = 0;
    for case in 0..3000 {
      let n = 1 + (next() % 50) as usize;
      let shift = (case % 12) as u32;
      let xs: Vec<f64> = (0..n)
        .map(|_| {
          let r = next();
          let v = ((r >> 11) as i64) << shift;
          (if r & 1 == 0 { v } else { -v }) as f64
        })
        .collect();
      let s: i128 = xs.iter().map(|&x| x as i128).sum();
      let c = ExactSum::accumulate(&xs).mean(n as u64);
      let ok = |c: f64| {
        if c == 0.0 {
          return s == 0 || 2 * s.abs() < n as i128;
        }
        let bits = c.to_bits();
        let e = ((bits >> 52) & 0x7ff) as i32 - 1075;
        let m = ((bits & ((1 << 52) - 1)) | (1 << 52)) as i128 * if c < 0.0 { -1 } else { 1 };
        let (d, h) = if e >= 0 {
          (s - m * n as i128 * (1i128 << e), n as i128 * (1i128 << e))
        } else {
          (s * (1i128 << -e) - m * n as i128, n as i128)
        };
        2 * d.abs() < h || (2 * d.abs() == h && m % 2 == 0)
      };
      assert!(ok(c), "case {case}: mean {c} of {xs:?}");
      if !ok(ExactSum::of(&xs) / n as f64) {
        double_rounding_wrong += 1;
      }
    }
    assert!(
      double_rounding_wrong > 0,
      "no case where two roundings differ"
    );
  }

  /// The SSE2, AVX and portable loops agree exactly (only one of them runs
  /// on a given CPU, so each is checked here against the portable one).
  #[test]
  fn every_vector_path_matches_the_portable_one() {
    let mut seed = 0x1234_5678_9abc_def1u64;
    let mut next = || {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      seed
    };
    for case in 0..200 {
      let n = (next() % 2100) as usize;
      let xs: Vec<f64> = (0..n)
        .map(|_| {
          let r = next();
          match r % 50 {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => -0.0,
            _ => {
              (r >> 11) as f64
                * 2f64.powi((r % 40) as i32 - 20)
                * if r & 1 == 0 { 1.0 } else { -1.0 }
            }
          }
        })
        .collect();
      let sigma = 2f64.powi(case % 60);
      // Within the fast path's bound: n·max|x| < σ/2.
      let finite: Vec<f64> = xs
        .iter()
        .map(|x| {
          if x.is_finite() {
            x % (sigma / 8192.0)
          } else {
            0.0
          }
        })
        .collect();
      let mut want = vec![0.0; n];
      let want_r = scalar::extract(&finite, &mut want, sigma);
      let want_m = scalar::max_abs(&xs);
      #[cfg(target_arch = "x86_64")]
      {
        let mut got = vec![0.0; n];
        let r = simd::extract(&finite, &mut got, sigma);
        assert!(
          same(r.0, want_r.0) && r.1 == want_r.1 && got == want,
          "sse2 {case}"
        );
        let m = simd::max_abs(&xs);
        assert!(same(m.0, want_m.0) && m.1 == want_m.1, "sse2 max {case}");
        if avx::available() {
          let mut got = vec![0.0; n];
          // SAFETY: checked just above.
          let r = unsafe { avx::extract(&finite, &mut got, sigma) };
          assert!(
            same(r.0, want_r.0) && r.1 == want_r.1 && got == want,
            "avx {case}"
          );
          // SAFETY: as above.
          let m = unsafe { avx::max_abs(&xs) };
          assert!(same(m.0, want_m.0) && m.1 == want_m.1, "avx max {case}");
        }
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
