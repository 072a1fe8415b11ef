//! Atomic counters behind `stats()`.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

/// Counters shared by a cache and every entry it holds (entries give their
/// bytes back when dropped, so `bytes` is exact whatever removed them).
#[derive(Debug, Default)]
pub struct Counters {
  /// Reads that found a live entry.
  pub hits: AtomicU64,
  /// Reads that found nothing (or an expired entry).
  pub misses: AtomicU64,
  /// Entries removed (or refused) to stay within the bounds.
  pub evictions: AtomicU64,
  /// Entries removed because their TTL passed.
  pub expirations: AtomicU64,
  /// Encoded bytes (key + value) of every live entry.
  pub bytes: AtomicI64,
}

/// A snapshot of a cache's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
  /// Reads that found a live entry.
  pub hits: u64,
  /// Reads that found nothing.
  pub misses: u64,
  /// Entries evicted to stay within the bounds.
  pub evictions: u64,
  /// Entries removed because their TTL passed.
  pub expirations: u64,
  /// Entries held now.
  pub size: u64,
  /// Encoded bytes (key + value) held now.
  pub bytes: u64,
}

impl Counters {
  /// Reads the counters; `size` comes from the map.
  pub fn snapshot(&self, size: u64) -> Stats {
    Stats {
      hits: self.hits.load(Relaxed),
      misses: self.misses.load(Relaxed),
      evictions: self.evictions.load(Relaxed),
      expirations: self.expirations.load(Relaxed),
      size,
      bytes: self.bytes.load(Relaxed).max(0) as u64,
    }
  }
}
