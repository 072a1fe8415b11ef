//! The runner behind `parallelReduce` with a custom reducer: the fixed
//! chunk tree of `napi-parallel-reduce` with compiled kernels.
//!
//! # Association order (documented, thread-independent)
//! The input's `n` elements are split into leaves of `leaf` elements
//! (`[0, leaf)`, `[leaf, 2·leaf)`, …; the last may be shorter; the default
//! is [`DEFAULT_LEAF`], never derived from the thread count). Each leaf is
//! folded from `init`, left to right: `acc = reducer(acc, xs[i], i)`. The
//! leaf results `r0, r1, …` are then combined left to right:
//! `combine(…combine(combine(r0, r1), r2)…, rk)`. An empty input gives
//! `init`; one leaf gives `r0` (combine is not called). In JS:
//!
//! ```js
//! let out
//! for (let s = 0; s < xs.length; s += leaf) {
//!   let acc = init
//!   for (let i = s; i < Math.min(s + leaf, xs.length); i++) acc = reducer(acc, xs[i], i)
//!   out = s === 0 ? acc : combine(out, acc)
//! }
//! return xs.length === 0 ? init : out
//! ```

use std::sync::atomic::{AtomicBool, Ordering};

use napi_parallel_reduce::{OutOfMemory, leaf_results};

use crate::codegen::{Kernel, Mode};
use crate::error::KernelError;
use crate::ir::NUM;

/// Elements per leaf when the caller gives no `chunkSize`.
pub const DEFAULT_LEAF: usize = 16_384;

impl From<OutOfMemory> for KernelError {
  fn from(e: OutOfMemory) -> Self {
    KernelError::OutOfMemory { bytes: e.bytes }
  }
}

/// Reduces `input` with `reducer` (compiled for [`Mode::Reduce`]) and
/// `combine` (compiled for `Mode::call(2)`) over the fixed chunk
/// tree described in the module docs, leaves folded in parallel on the
/// current rayon pool. Stops with [`KernelError::Cancelled`] once `cancel`
/// is set (checked before each leaf and at the kernels' loop back-edges).
pub fn run_reduce(
  reducer: &Kernel,
  combine: &Kernel,
  input: &[f64],
  consts: &[f64],
  init: f64,
  leaf: Option<usize>,
  cancel: &AtomicBool,
) -> Result<f64, KernelError> {
  if reducer.mode != Mode::Reduce || combine.mode != (Mode::call(2)) {
    return Err(KernelError::Internal(
      "run_reduce: kernels compiled for the wrong modes".into(),
    ));
  }
  // The accumulator is a number: a reducer or combine that may return a
  // boolean or `undefined` would hand the next step another kind than JS.
  if reducer.result != NUM || combine.result != NUM {
    return Err(KernelError::Internal(
      "run_reduce: a reducer and its combine must return numbers".into(),
    ));
  }
  let leaf = leaf.unwrap_or(DEFAULT_LEAF).max(1);
  let results = leaf_results(input.len(), leaf, |range| {
    if cancel.load(Ordering::Relaxed) {
      return Err(KernelError::Cancelled);
    }
    reducer.fold_chunk(input, consts, range, init, cancel)
  })?;
  // A real error wins over the `Cancelled` that other leaves may report.
  if let Some(e) = results
    .iter()
    .filter_map(|r| r.as_ref().err())
    .find(|e| **e != KernelError::Cancelled)
  {
    return Err(e.clone());
  }
  let mut out: Option<f64> = None;
  for r in results {
    let r = r?;
    out = Some(match out {
      None => r,
      Some(acc) => {
        if cancel.load(Ordering::Relaxed) {
          return Err(KernelError::Cancelled);
        }
        combine.call(&[acc, r], consts, cancel)?
      }
    });
  }
  Ok(out.unwrap_or(init))
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::cache::compile;

  fn kernels(reducer: &str, combine: &str) -> (Kernel, Kernel) {
    (
      compile(reducer, &[], Mode::Reduce).unwrap(),
      compile(combine, &[], Mode::call(2)).unwrap(),
    )
  }

  /// The documented order, in Rust, with closures.
  fn reference(
    xs: &[f64],
    leaf: usize,
    init: f64,
    r: impl Fn(f64, f64, f64) -> f64,
    c: impl Fn(f64, f64) -> f64,
  ) -> f64 {
    let mut out: Option<f64> = None;
    for (k, part) in xs.chunks(leaf).enumerate() {
      let mut acc = init;
      for (j, &x) in part.iter().enumerate() {
        acc = r(acc, x, (k * leaf + j) as f64);
      }
      out = Some(out.map_or(acc, |o| c(o, acc)));
    }
    out.unwrap_or(init)
  }

  /// Pools of 1, 2 and 4 threads, kept for the whole test binary: a pool
  /// dropped here would leave its threads' 2 MiB stacks in glibc's stack
  /// cache, and `stack::tests` expects a new 1 MiB thread to get 1 MiB.
  fn pools() -> &'static [rayon::ThreadPool] {
    static POOLS: std::sync::OnceLock<Vec<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOLS.get_or_init(|| {
      [1, 2, 4]
        .iter()
        .map(|&n| {
          rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
        })
        .collect()
    })
  }

  /// A non-associative reducer (so any other order would show) gives the
  /// documented result bit for bit on pools of 1, 2 and 4 threads.
  #[test]
  fn follows_the_documented_order_on_any_pool() {
    let (r, c) = kernels(
      "(acc, x, i) => acc * 0.999 + x * (i % 7) - 1e-3",
      "(a, b) => a * 0.5 + b * 1.5",
    );
    let xs: Vec<f64> = (0..100_003)
      .map(|i| ((i * 37) % 101) as f64 / 7.0)
      .collect();
    let no = AtomicBool::new(false);
    for leaf in [1, 5, 1000, DEFAULT_LEAF, 1 << 20] {
      let want = reference(
        &xs,
        leaf,
        0.25,
        |a, x, i| a * 0.999 + x * (i % 7.0) - 1e-3,
        |a, b| a * 0.5 + b * 1.5,
      );
      for (pool, threads) in pools().iter().zip([1, 2, 4]) {
        let got = pool
          .install(|| run_reduce(&r, &c, &xs, &[], 0.25, Some(leaf), &no))
          .unwrap();
        assert_eq!(
          got.to_bits(),
          want.to_bits(),
          "leaf {leaf}, {threads} threads"
        );
      }
    }
  }

  #[test]
  fn empty_input_gives_init_and_one_leaf_skips_combine() {
    let (r, c) = kernels("(acc, x) => acc + x", "(a, b) => NaN");
    let no = AtomicBool::new(false);
    assert_eq!(run_reduce(&r, &c, &[], &[], 7.5, None, &no), Ok(7.5));
    assert_eq!(
      run_reduce(&r, &c, &[1.0, 2.0], &[], 0.5, None, &no),
      Ok(3.5)
    );
    assert!(
      run_reduce(&r, &c, &[1.0, 2.0], &[], 0.5, Some(1), &no)
        .unwrap()
        .is_nan()
    );
    // A fourth parameter is `undefined` (NaN), as in a JS call.
    let (r4, _) = kernels("(acc, x, i, z) => +z", "(a, b) => a");
    assert!(
      run_reduce(&r4, &c, &[1.0], &[], 0.0, None, &no)
        .unwrap()
        .is_nan()
    );
    // A step that may return `undefined` (or a boolean) would hand the next
    // step another kind than JS does: refused.
    let (r4, _) = kernels("(acc, x, i, z) => z", "(a, b) => a");
    assert!(matches!(
      run_reduce(&r4, &c, &[1.0], &[], 0.0, None, &no),
      Err(KernelError::Internal(_))
    ));
    let (_, cb) = kernels("(acc, x) => acc", "(a, b) => a > b");
    assert!(matches!(
      run_reduce(&r, &cb, &[1.0], &[], 0.0, None, &no),
      Err(KernelError::Internal(_))
    ));
  }

  #[test]
  fn cancellation_and_wrong_modes() {
    let (r, c) = kernels("(acc, x) => acc + x", "(a, b) => a + b");
    let yes = AtomicBool::new(true);
    assert_eq!(
      run_reduce(&r, &c, &[1.0; 100], &[], 0.0, Some(10), &yes),
      Err(KernelError::Cancelled)
    );
    let no = AtomicBool::new(false);
    assert!(matches!(
      run_reduce(&c, &r, &[1.0], &[], 0.0, None, &no),
      Err(KernelError::Internal(_))
    ));
  }
}
