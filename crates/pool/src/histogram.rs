//! A lock-free log-linear histogram of durations, for p50/p99 without a lock.
//!
//! Values are nanoseconds. Each power of two is split into 8 sub-buckets, so a
//! reported percentile is within about 6% of the true value, and recording is a
//! couple of integer ops plus one relaxed `fetch_add`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

const SUB_BITS: u32 = 3;
const SUB: usize = 1 << SUB_BITS;
const BUCKETS: usize = 64 * SUB;

/// Concurrent histogram of `u64` nanosecond samples.
pub struct Histogram {
  counts: Box<[AtomicU64]>,
  total: AtomicU64,
  sum_ns: AtomicU64,
}

impl Default for Histogram {
  fn default() -> Self {
    Self {
      counts: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
      total: AtomicU64::new(0),
      sum_ns: AtomicU64::new(0),
    }
  }
}

fn bucket_of(ns: u64) -> usize {
  if ns < SUB as u64 {
    return ns as usize;
  }
  let exp = 63 - ns.leading_zeros(); // >= SUB_BITS
  let sub = ((ns >> (exp - SUB_BITS)) as usize) & (SUB - 1);
  ((exp - SUB_BITS + 1) as usize) * SUB + sub
}

/// The midpoint of a bucket's range, in ns.
fn bucket_value(b: usize) -> f64 {
  if b < SUB {
    return b as f64;
  }
  let exp = (b / SUB) as u32 + SUB_BITS - 1;
  let sub = (b % SUB) as u64;
  let lo = (1u64 << exp) + (sub << (exp - SUB_BITS));
  let width = 1u64 << (exp - SUB_BITS);
  lo as f64 + width as f64 / 2.0
}

impl Histogram {
  /// Records one sample.
  pub fn record(&self, ns: u64) {
    self.counts[bucket_of(ns)].fetch_add(1, Relaxed);
    self.total.fetch_add(1, Relaxed);
    self.sum_ns.fetch_add(ns, Relaxed);
  }

  /// Adds every sample of `other` into `self`.
  pub fn merge(&self, other: &Histogram) {
    for (mine, theirs) in self.counts.iter().zip(other.counts.iter()) {
      let n = theirs.load(Relaxed);
      if n != 0 {
        mine.fetch_add(n, Relaxed);
      }
    }
    self.total.fetch_add(other.total.load(Relaxed), Relaxed);
    self.sum_ns.fetch_add(other.sum_ns.load(Relaxed), Relaxed);
  }

  /// Number of samples.
  pub fn count(&self) -> u64 {
    self.total.load(Relaxed)
  }

  /// Mean in nanoseconds (0 when empty).
  pub fn mean_ns(&self) -> f64 {
    let n = self.count();
    if n == 0 {
      0.0
    } else {
      self.sum_ns.load(Relaxed) as f64 / n as f64
    }
  }

  /// The `q`-quantile (0..=1) in nanoseconds, approximately (0 when empty).
  pub fn quantile_ns(&self, q: f64) -> f64 {
    let counts: Vec<u64> = self.counts.iter().map(|c| c.load(Relaxed)).collect();
    let n: u64 = counts.iter().sum();
    if n == 0 {
      return 0.0;
    }
    let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
    let mut seen = 0;
    for (b, c) in counts.iter().enumerate() {
      seen += c;
      if seen >= rank {
        return bucket_value(b);
      }
    }
    bucket_value(BUCKETS - 1)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn buckets_are_monotonic_and_cover_u64() {
    let mut last = 0;
    for ns in [0u64, 1, 7, 8, 9, 15, 16, 100, 1_000, 1 << 40, u64::MAX] {
      let b = bucket_of(ns);
      assert!(b >= last && b < BUCKETS, "{ns} -> {b}");
      last = b;
    }
  }

  #[test]
  fn quantiles_are_close() {
    let h = Histogram::default();
    for i in 1..=1000u64 {
      h.record(i * 1000);
    }
    let p50 = h.quantile_ns(0.5);
    let p99 = h.quantile_ns(0.99);
    assert!((p50 / 500_000.0 - 1.0).abs() < 0.07, "p50 {p50}");
    assert!((p99 / 990_000.0 - 1.0).abs() < 0.07, "p99 {p99}");
    assert!((h.mean_ns() - 500_500.0).abs() < 1.0);
  }

  #[test]
  fn empty_is_zero() {
    let h = Histogram::default();
    assert_eq!(h.quantile_ns(0.5), 0.0);
    assert_eq!(h.mean_ns(), 0.0);
  }
}
