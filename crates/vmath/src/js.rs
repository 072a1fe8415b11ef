//! JS operators and the `Math.*` functions whose result is fixed by the
//! ECMAScript spec (exact in IEEE arithmetic), written as plain Rust.

/// ECMAScript ToInt32: NaN and ±Infinity give 0; otherwise truncate toward
/// zero and wrap modulo 2^32 into the signed range.
#[inline]
pub fn to_int32(x: f64) -> i32 {
  to_uint32(x) as i32
}

/// ECMAScript ToUint32: NaN and ±Infinity give 0; otherwise truncate toward
/// zero and wrap modulo 2^32.
#[inline]
pub fn to_uint32(x: f64) -> u32 {
  if x.abs() < 9.0e18 {
    // Exact: |x| < 2^63, so the truncation fits an i64.
    (x as i64) as u32
  } else if x.is_finite() {
    // |x| >= 2^63: x is an integer multiple of 2^11; take it modulo 2^32
    // exactly (f64 `%` is exact).
    let m = x.trunc() % 4_294_967_296.0;
    let m = if m < 0.0 { m + 4_294_967_296.0 } else { m };
    m as u32
  } else {
    0
  }
}

/// `Math.round(x)`: `c = ceil(x); c - 0.5 <= x ? c : c - 1`, which keeps
/// -0 for -0.5 <= x <= -0 and rounds halves toward +Infinity.
#[inline]
pub fn round(x: f64) -> f64 {
  let c = x.ceil();
  if c - 0.5 <= x { c } else { c - 1.0 }
}

/// `Math.sign(x)`: ±0 and NaN are returned unchanged.
#[inline]
pub fn sign(x: f64) -> f64 {
  if x > 0.0 {
    1.0
  } else if x < 0.0 {
    -1.0
  } else {
    x
  }
}

/// Binary `Math.max`: NaN wins, +0 > -0.
#[inline]
pub fn max2(a: f64, b: f64) -> f64 {
  if a.is_nan() || b.is_nan() {
    f64::NAN
  } else if a == b {
    // Equal values: only ±0 can differ; prefer +0.
    if a.is_sign_negative() { b } else { a }
  } else if a > b {
    a
  } else {
    b
  }
}

/// Binary `Math.min`: NaN wins, -0 < +0.
#[inline]
pub fn min2(a: f64, b: f64) -> f64 {
  if a.is_nan() || b.is_nan() {
    f64::NAN
  } else if a == b {
    if a.is_sign_negative() { a } else { b }
  } else if a < b {
    a
  } else {
    b
  }
}

/// `Math.hypot` over a slice, V8's algorithm (builtins `MathHypot`):
/// Infinity beats NaN, then NaN, then 0 when the max is 0; otherwise scale
/// by the max, Kahan-sum the squares and return `sqrt(sum) * max`.
pub fn hypot(values: &[f64]) -> f64 {
  if values.is_empty() {
    return 0.0;
  }
  let mut one_is_nan = false;
  let mut max = 0.0f64;
  for &v in values {
    if v.is_nan() {
      one_is_nan = true;
    } else {
      let a = v.abs();
      if a > max {
        max = a;
      }
    }
  }
  if max == f64::INFINITY {
    return f64::INFINITY;
  }
  if one_is_nan {
    return f64::NAN;
  }
  if max == 0.0 {
    return 0.0;
  }
  let mut sum = 0.0f64;
  let mut compensation = 0.0f64;
  for &v in values {
    let n = v.abs() / max;
    let summand = n * n - compensation;
    let preliminary = sum + summand;
    compensation = (preliminary - sum) - summand;
    sum = preliminary;
  }
  sum.sqrt() * max
}

/// `Math.clz32(x)`: leading zero bits of ToUint32(x).
#[inline]
pub fn clz32(x: f64) -> f64 {
  to_uint32(x).leading_zeros() as f64
}

/// `Math.imul(a, b)`: 32-bit wrapping product of ToInt32(a), ToInt32(b).
#[inline]
pub fn imul(a: f64, b: f64) -> f64 {
  to_int32(a).wrapping_mul(to_int32(b)) as f64
}

/// `Math.fround(x)`: round to the nearest f32.
#[inline]
pub fn fround(x: f64) -> f64 {
  x as f32 as f64
}

/// JS `**` special cases on top of a C-style pow: returns `Some(result)`
/// when the ECMAScript rules fix the answer regardless of the pow used.
#[inline]
pub fn pow_special(x: f64, y: f64) -> Option<f64> {
  if y == 0.0 {
    return Some(1.0); // x ** ±0 is 1, even for NaN
  }
  if y.is_nan() {
    return Some(f64::NAN); // incl. 1 ** NaN
  }
  if y.is_infinite() && x.abs() == 1.0 {
    return Some(f64::NAN); // (±1) ** ±Infinity
  }
  if x.is_nan() {
    return Some(f64::NAN);
  }
  None
}

// ---------------------------------------------------------------------------
// Math.random: a per-thread xoshiro256+ generator (not V8's sequence).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

thread_local! {
  static RNG: Cell<[u64; 4]> = const { Cell::new([0; 4]) };
}

static SEED_COUNTER: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);

fn splitmix(state: &mut u64) -> u64 {
  *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
  let mut z = *state;
  z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
  z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
  z ^ (z >> 31)
}

fn fresh_seed() -> [u64; 4] {
  use std::collections::hash_map::RandomState;
  use std::hash::{BuildHasher, Hasher};
  let mut h = RandomState::new().build_hasher();
  h.write_u64(SEED_COUNTER.fetch_add(0x6A09_E667_F3BC_C909, Ordering::Relaxed));
  let nanos = std::time::SystemTime::now()
    .duration_since(std::time::UNIX_EPOCH)
    .map(|d| d.as_nanos() as u64)
    .unwrap_or(0);
  h.write_u64(nanos);
  let mut sm = h.finish();
  let s = [
    splitmix(&mut sm),
    splitmix(&mut sm),
    splitmix(&mut sm),
    splitmix(&mut sm),
  ];
  if s == [0; 4] { [1, 2, 3, 4] } else { s }
}

fn xoshiro_next(s: &mut [u64; 4]) -> u64 {
  let result = s[0].wrapping_add(s[3]);
  let t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = s[3].rotate_left(45);
  result
}

/// A uniformly distributed double in [0, 1) with 53 random bits, from a
/// per-thread generator seeded from OS-randomized hashing state.
pub fn random() -> f64 {
  let bits = RNG
    .try_with(|cell| {
      let mut s = cell.get();
      if s == [0; 4] {
        s = fresh_seed();
      }
      let r = xoshiro_next(&mut s);
      cell.set(s);
      r
    })
    .unwrap_or_else(|_| {
      // Thread-local storage is being torn down: fall back to a global
      // counter mixed through splitmix (still never panics).
      let mut st = SEED_COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
      splitmix(&mut st)
    });
  (bits >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}
