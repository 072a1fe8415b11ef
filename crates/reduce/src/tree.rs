//! The fixed chunk tree: a reduction over `n` elements splits them into
//! leaves `[0, leaf)`, `[leaf, 2·leaf)`, … (the last may be shorter). The
//! leaf size is chosen by the caller, never from the thread count, so the
//! association order is the same on every pool: each leaf is folded on its
//! own (in parallel, by rayon's work stealing), and the leaf results come
//! back in index order for the caller to combine left to right.

use std::ops::Range;

use rayon::prelude::*;

/// An allocation sized by the input failed (`bytes` requested).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfMemory {
  /// The size that could not be allocated.
  pub bytes: usize,
}

/// The leaves of `n` elements in index order (`leaf` is at least 1).
pub fn leaves(n: usize, leaf: usize) -> impl ExactSizeIterator<Item = Range<usize>> + Clone {
  let leaf = leaf.max(1);
  (0..n.div_ceil(leaf)).map(move |k| k * leaf..((k + 1) * leaf).min(n))
}

/// Folds every leaf of `n` elements with `fold` on the current rayon pool
/// and returns the results in leaf order (an empty input has no leaves).
/// The vector of results is allocated fallibly; `fold` should check the
/// cancel flag itself (each leaf is a separate call).
pub fn leaf_results<P, E>(
  n: usize,
  leaf: usize,
  fold: impl Fn(Range<usize>) -> Result<P, E> + Sync + Send,
) -> Result<Vec<Result<P, E>>, OutOfMemory>
where
  P: Send,
  E: Send,
{
  let leaf = leaf.max(1);
  let count = n.div_ceil(leaf);
  let mut out: Vec<Result<P, E>> = Vec::new();
  out.try_reserve_exact(count).map_err(|_| OutOfMemory {
    bytes: count.saturating_mul(std::mem::size_of::<Result<P, E>>()),
  })?;
  // `collect_into_vec` writes into the reserved capacity (no reallocation).
  (0..count)
    .into_par_iter()
    .with_max_len(1)
    .map(|k| fold(k * leaf..((k + 1) * leaf).min(n)))
    .collect_into_vec(&mut out);
  Ok(out)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn leaves_cover_the_input_in_order() {
    assert_eq!(leaves(0, 4).count(), 0);
    assert_eq!(leaves(10, 4).collect::<Vec<_>>(), vec![0..4, 4..8, 8..10]);
    assert_eq!(leaves(8, 4).collect::<Vec<_>>(), vec![0..4, 4..8]);
    assert_eq!(leaves(3, 0).collect::<Vec<_>>(), vec![0..1, 1..2, 2..3]);
  }

  /// Whatever the pool, results come back in leaf order.
  #[test]
  fn results_are_in_leaf_order_on_any_pool() {
    for threads in [1, 2, 4] {
      let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
      let got = pool.install(|| leaf_results(1000, 7, |r| Ok::<_, ()>(r.start)).unwrap());
      let want: Vec<Result<usize, ()>> = leaves(1000, 7).map(|r| Ok(r.start)).collect();
      assert_eq!(got, want);
    }
    assert!(
      leaf_results(0, 7, |r| Ok::<_, ()>(r.start))
        .unwrap()
        .is_empty()
    );
  }
}
