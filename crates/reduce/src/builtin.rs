//! The built-in reductions, each defined by a plain JS reference (the
//! tests compare against exactly these):
//!
//! | op | JS reference | empty |
//! | --- | --- | --- |
//! | `sum` | the exact sum, rounded once ([`ExactSum`]) | `0` |
//! | `mean` | the exact sum divided by `n`, correctly rounded (one rounding); finite where the sum overflows; NaN/±Infinity/-0 as `sum / n` | `NaN` |
//! | `min` | `Math.min(...xs)`: NaN if any NaN, `-0 < +0` | `Infinity` |
//! | `max` | `Math.max(...xs)`: NaN if any NaN, `+0 > -0` | `-Infinity` |
//! | `minIndex` | `xs.findIndex(x => Object.is(x, Math.min(...xs)))`: the first NaN if any, else the first index of the minimum (`-0` before `+0`) | `-1` |
//! | `maxIndex` | `xs.findIndex(x => Object.is(x, Math.max(...xs)))` | `-1` |
//! | `count` | `xs.length` | `0` |
//!
//! Each runs over the fixed chunk tree ([`crate::tree`]) with leaves of
//! [`BUILTIN_LEAF`] elements; every op is exact or associative, so the
//! result does not depend on the leaf size either.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::ReduceError;
use crate::exact::ExactSum;
use crate::tree::leaf_results;

/// Elements per leaf for the built-ins.
pub const BUILTIN_LEAF: usize = 1 << 16;

/// A built-in reduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
  /// Correctly rounded sum.
  Sum,
  /// Minimum (`Math.min`).
  Min,
  /// Maximum (`Math.max`).
  Max,
  /// Number of elements.
  Count,
  /// Exact sum / n.
  Mean,
  /// First index of the minimum (or of the first NaN).
  MinIndex,
  /// First index of the maximum (or of the first NaN).
  MaxIndex,
}

impl Op {
  /// Every op's JS name, in documentation order.
  pub const NAMES: &'static [&'static str] =
    &["sum", "min", "max", "count", "mean", "minIndex", "maxIndex"];

  /// Parses a JS op name.
  pub fn parse(name: &str) -> Option<Op> {
    Some(match name {
      "sum" => Op::Sum,
      "min" => Op::Min,
      "max" => Op::Max,
      "count" => Op::Count,
      "mean" => Op::Mean,
      "minIndex" => Op::MinIndex,
      "maxIndex" => Op::MaxIndex,
      _ => return None,
    })
  }
}

/// Runs `op` over `xs` on the current rayon pool. Stops with
/// [`ReduceError::Cancelled`] once `cancel` is set (checked per leaf).
pub fn reduce_builtin(op: Op, xs: &[f64], cancel: &AtomicBool) -> Result<f64, ReduceError> {
  match op {
    Op::Count => Ok(xs.len() as f64),
    Op::Sum => Ok(exact_sum(xs, cancel)?.round()),
    Op::Mean => {
      if xs.is_empty() {
        return Ok(f64::NAN);
      }
      let acc = exact_sum(xs, cancel)?;
      Ok(acc.mean(xs.len() as u64))
    }
    Op::Min | Op::Max => {
      let is_min = op == Op::Min;
      let parts = leaves_of(xs, cancel, |part| extreme(&xs[part], is_min))?;
      Ok(parts.into_iter().fold(
        if is_min {
          f64::INFINITY
        } else {
          f64::NEG_INFINITY
        },
        |a, b| pick(a, b, is_min),
      ))
    }
    Op::MinIndex | Op::MaxIndex => {
      let is_min = op == Op::MinIndex;
      let parts = leaves_of(xs, cancel, |part| {
        (part.start, arg_extreme(&xs[part], is_min))
      })?;
      let mut best: Option<(f64, usize)> = None;
      for (start, local) in parts {
        let Some((v, k)) = local else { continue };
        let cand = (v, start + k);
        best = Some(match best {
          None => cand,
          Some(b) if b.0.is_nan() => b,
          Some(b) if cand.0.is_nan() || beats(cand.0, b.0, is_min) => cand,
          Some(b) => b,
        });
      }
      Ok(best.map_or(-1.0, |(_, i)| i as f64))
    }
  }
}

/// The exact sum of `xs`, one accumulator per leaf, merged in leaf order.
fn exact_sum(xs: &[f64], cancel: &AtomicBool) -> Result<ExactSum, ReduceError> {
  let parts = leaves_of(xs, cancel, |part| ExactSum::accumulate(&xs[part]))?;
  let mut acc = ExactSum::new();
  for p in &parts {
    acc.merge(p);
  }
  Ok(acc)
}

/// Folds each leaf of `xs` with `fold`, checking `cancel` first; results in leaf order.
fn leaves_of<P: Send>(
  xs: &[f64],
  cancel: &AtomicBool,
  fold: impl Fn(Range<usize>) -> P + Sync + Send,
) -> Result<Vec<P>, ReduceError> {
  let results = leaf_results(xs.len(), BUILTIN_LEAF, |part| {
    if cancel.load(Ordering::Relaxed) {
      return Err(ReduceError::Cancelled);
    }
    Ok(fold(part))
  })?;
  results.into_iter().collect()
}

/// `b` strictly beats `a` (neither NaN): smaller (larger), or the same zero
/// with the winning sign (`-0` for min, `+0` for max).
#[inline(always)]
fn beats(b: f64, a: f64, is_min: bool) -> bool {
  if is_min {
    b < a || (b == 0.0 && a == 0.0 && b.is_sign_negative() && a.is_sign_positive())
  } else {
    b > a || (b == 0.0 && a == 0.0 && b.is_sign_positive() && a.is_sign_negative())
  }
}

/// `Math.min(a, b)` / `Math.max(a, b)`.
fn pick(a: f64, b: f64, is_min: bool) -> f64 {
  if a.is_nan() || b.is_nan() {
    f64::NAN
  } else if beats(b, a, is_min) {
    b
  } else {
    a
  }
}

/// `Math.min(...xs)` / `Math.max(...xs)` of a leaf, on the xs of `part`.
fn extreme(xs: &[f64], is_min: bool) -> f64 {
  // A compare-and-select loop the compiler vectorizes; NaN and the sign of
  // a zero result are settled after it.
  let mut m = if is_min {
    f64::INFINITY
  } else {
    f64::NEG_INFINITY
  };
  let mut nan = false;
  let mut neg_zero = false;
  let mut pos_zero = false;
  if is_min {
    for &x in xs {
      m = if x < m { x } else { m };
      nan |= x.is_nan();
      neg_zero |= x.to_bits() == (-0.0f64).to_bits();
    }
  } else {
    for &x in xs {
      m = if x > m { x } else { m };
      nan |= x.is_nan();
      pos_zero |= x.to_bits() == 0;
    }
  }
  if nan {
    f64::NAN
  } else if m == 0.0 {
    match (is_min, neg_zero, pos_zero) {
      (true, true, _) => -0.0,
      (true, false, _) => 0.0,
      (false, _, true) => 0.0,
      (false, _, false) => -0.0,
    }
  } else {
    m
  }
}

/// The value and first index of the leaf's minimum (maximum), or of its
/// first NaN; `None` for an empty leaf.
fn arg_extreme(xs: &[f64], is_min: bool) -> Option<(f64, usize)> {
  let first = *xs.first()?;
  if first.is_nan() {
    return Some((first, 0));
  }
  let mut best = (first, 0);
  for (k, &x) in xs.iter().enumerate().skip(1) {
    if x.is_nan() {
      return Some((x, k));
    }
    if beats(x, best.0, is_min) {
      best = (x, k);
    }
  }
  Some(best)
}

#[cfg(test)]
mod tests {
  use super::*;

  fn run(op: Op, xs: &[f64]) -> f64 {
    reduce_builtin(op, xs, &AtomicBool::new(false)).unwrap()
  }

  fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
  }

  /// `Math.min(...xs)` as V8 computes it, one argument at a time.
  fn js_min(xs: &[f64]) -> f64 {
    xs.iter().fold(f64::INFINITY, |a, &b| pick(a, b, true))
  }

  fn js_max(xs: &[f64]) -> f64 {
    xs.iter().fold(f64::NEG_INFINITY, |a, &b| pick(a, b, false))
  }

  fn find_same(xs: &[f64], v: f64) -> f64 {
    xs.iter()
      .position(|&x| same(x, v))
      .map_or(-1.0, |i| i as f64)
  }

  #[test]
  fn empty_inputs() {
    assert!(same(run(Op::Sum, &[]), 0.0));
    assert!(run(Op::Mean, &[]).is_nan());
    assert_eq!(run(Op::Min, &[]), f64::INFINITY);
    assert_eq!(run(Op::Max, &[]), f64::NEG_INFINITY);
    assert_eq!(run(Op::MinIndex, &[]), -1.0);
    assert_eq!(run(Op::MaxIndex, &[]), -1.0);
    assert_eq!(run(Op::Count, &[]), 0.0);
  }

  #[test]
  fn names_round_trip() {
    for name in Op::NAMES {
      assert!(Op::parse(name).is_some(), "{name}");
    }
    assert_eq!(Op::parse("avg"), None);
  }

  /// Every op against its JS reference on special values, across leaf
  /// boundaries (inputs longer than a leaf).
  #[test]
  fn ops_match_their_js_references() {
    let specials = [
      0.0,
      -0.0,
      1.0,
      -1.0,
      f64::NAN,
      f64::INFINITY,
      f64::NEG_INFINITY,
      5e-324,
      -5e-324,
      f64::MAX,
      -f64::MAX,
      2.5,
    ];
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut next = || {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      seed
    };
    for case in 0..300 {
      let n = match case % 4 {
        0 => (next() % 5) as usize,
        1 => (next() % 40) as usize,
        _ => BUILTIN_LEAF + (next() % 2000) as usize,
      };
      let special_rate = next() % 4;
      let xs: Vec<f64> = (0..n)
        .map(|_| {
          let r = next();
          if special_rate > 0 && r % (1000 * special_rate) == 0 {
            specials[(r >> 20) as usize % specials.len()]
          } else if case % 3 == 0 {
            specials[(r >> 20) as usize % 4]
          } else {
            ((r >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 1e3
          }
        })
        .collect();
      let (mn, mx) = (js_min(&xs), js_max(&xs));
      assert!(same(run(Op::Min, &xs), mn), "min case {case}");
      assert!(same(run(Op::Max, &xs), mx), "max case {case}");
      assert_eq!(
        run(Op::MinIndex, &xs),
        find_same(&xs, mn),
        "minIndex {case}"
      );
      assert_eq!(
        run(Op::MaxIndex, &xs),
        find_same(&xs, mx),
        "maxIndex {case}"
      );
      assert_eq!(run(Op::Count, &xs), n as f64);
    }
  }

  #[test]
  fn signed_zeros_and_nan_positions() {
    assert!(same(run(Op::Min, &[0.0, -0.0, 0.0]), -0.0));
    assert!(same(run(Op::Max, &[-0.0, 0.0, -0.0]), 0.0));
    assert!(same(run(Op::Max, &[-0.0, -0.0]), -0.0));
    assert_eq!(run(Op::MinIndex, &[0.0, -0.0, -0.0]), 1.0);
    assert_eq!(run(Op::MaxIndex, &[-0.0, 0.0, 0.0]), 1.0);
    assert_eq!(run(Op::MinIndex, &[3.0, f64::NAN, 1.0, f64::NAN]), 1.0);
    assert_eq!(run(Op::MaxIndex, &[2.0, 2.0, 1.0]), 0.0);
  }

  #[test]
  fn mean_is_finite_where_the_sum_overflows() {
    assert_eq!(run(Op::Mean, &[f64::MAX, f64::MAX]), f64::MAX);
    assert_eq!(run(Op::Mean, &[1e308, 1e308, 1e308, -1e308]), 5e307);
    assert_eq!(run(Op::Mean, &[1.0, 2.0, 4.0]), 7.0 / 3.0);
    assert!(same(run(Op::Mean, &[-0.0, -0.0]), -0.0));
    assert_eq!(run(Op::Mean, &[f64::INFINITY, 1.0]), f64::INFINITY);
  }

  #[test]
  fn cancelled_before_any_leaf() {
    let xs = vec![1.0; 10];
    assert_eq!(
      reduce_builtin(Op::Sum, &xs, &AtomicBool::new(true)),
      Err(ReduceError::Cancelled)
    );
  }
}

#[cfg(test)]
mod speed {
  use super::*;

  /// `cargo test --release -p napi-parallel-reduce -- --ignored --nocapture`
  #[test]
  #[ignore]
  fn ns_per_element() {
    let n = 8 << 20;
    let xs: Vec<f64> = (0..n)
      .map(|i| ((i * 7919) % 1000) as f64 * 0.37 - 100.0)
      .collect();
    let no = AtomicBool::new(false);
    for op in [Op::Sum, Op::Min, Op::MinIndex, Op::Mean] {
      for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
          .num_threads(threads)
          .build()
          .unwrap();
        let mut best = f64::MAX;
        for _ in 0..5 {
          let t = std::time::Instant::now();
          std::hint::black_box(pool.install(|| reduce_builtin(op, &xs, &no).unwrap()));
          best = best.min(t.elapsed().as_secs_f64() * 1e9 / n as f64);
        }
        let mut plain = f64::MAX;
        for _ in 0..5 {
          let t = std::time::Instant::now();
          std::hint::black_box(xs.iter().fold(0.0, |a, b| a + b));
          plain = plain.min(t.elapsed().as_secs_f64() * 1e9 / n as f64);
        }
        println!("{op:?} threads {threads}: {best:.3} ns/elt (naive loop {plain:.3})");
      }
    }
  }
}
