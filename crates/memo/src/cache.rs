//! The cache: a sharded, weighted, scan-resistant map from key bytes to
//! encoded values, with TTL and exact byte accounting.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Weak};

use quick_cache::sync::Cache;
use quick_cache::{DefaultHashBuilder, Lifecycle, OptionsBuilder, Weighter};

use crate::clock::{deadline, now_ms};
use crate::limits::{Limits, WeightModel};
use crate::near::{ExternalCounters, Generations};
use crate::stats::{Counters, Stats};
use crate::ttl::Sweeper;

/// One stored value. It gives its bytes back to the cache's counters when the
/// last reference drops (evicted, replaced, deleted, expired or cleared).
#[derive(Debug)]
pub struct Entry {
  value: Box<[u8]>,
  key_len: usize,
  expires: u64,
  counters: Arc<Counters>,
}

impl Entry {
  /// The encoded value.
  #[inline]
  pub fn value(&self) -> &[u8] {
    &self.value
  }

  /// Encoded key + value bytes, as `maxBytes` counts them.
  #[inline]
  pub fn bytes(&self) -> usize {
    self.key_len + self.value.len()
  }

  /// Whether the entry has no TTL.
  #[inline]
  pub fn never_expires(&self) -> bool {
    self.expires == 0
  }

  /// Whether the TTL passed at `now` (ms of [`now_ms`]).
  #[inline]
  pub fn expired_at(&self, now: u64) -> bool {
    self.expires != 0 && now >= self.expires
  }
}

impl Drop for Entry {
  fn drop(&mut self) {
    self.counters.bytes.fetch_sub(self.bytes() as i64, Relaxed);
  }
}

/// Which TTL a `set` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
  /// The cache's default `ttl` option.
  Default,
  /// Never expires.
  Never,
  /// Expires this many ms from now.
  Ms(u64),
}

#[derive(Clone)]
struct Weigh(WeightModel);

impl Weighter<Box<[u8]>, Arc<Entry>> for Weigh {
  #[inline]
  fn weight(&self, _key: &Box<[u8]>, val: &Arc<Entry>) -> u64 {
    self.0.weight(val.bytes())
  }
}

/// Collects what one insert pushed out of the map. quick_cache reports the
/// replaced value of an overwritten key through `on_evict` too, so
/// [`MemoCore::set`] sorts them afterwards (outside the shard lock, where
/// the entries are also dropped): only other keys, and a refused new entry,
/// are evictions.
#[derive(Clone)]
struct Life;

/// The entries one insert pushed out; the first is kept inline, since an
/// overwrite pushes out exactly one (no allocation per overwrite).
#[derive(Default)]
struct PushedOut {
  first: Option<(Box<[u8]>, Arc<Entry>)>,
  rest: Vec<(Box<[u8]>, Arc<Entry>)>,
}

impl PushedOut {
  fn iter(&self) -> impl Iterator<Item = &(Box<[u8]>, Arc<Entry>)> {
    self.first.iter().chain(self.rest.iter())
  }
}

impl Lifecycle<Box<[u8]>, Arc<Entry>> for Life {
  type RequestState = PushedOut;

  #[inline]
  fn begin_request(&self) -> Self::RequestState {
    PushedOut::default()
  }

  #[inline]
  fn on_evict(&self, state: &mut Self::RequestState, key: Box<[u8]>, val: Arc<Entry>) {
    if state.first.is_none() {
      state.first = Some((key, val));
    } else {
      state.rest.push((key, val));
    }
  }
}

type Map = Cache<Box<[u8]>, Arc<Entry>, Weigh, DefaultHashBuilder, Life>;

/// A concurrent cache. Share it as `Arc<MemoCore>`; every method takes `&self`.
pub struct MemoCore {
  map: Map,
  counters: Arc<Counters>,
  generations: Arc<Generations>,
  near_hits: ExternalCounters,
  limits: Limits,
  pub(crate) sweeper: Sweeper,
  me: Weak<MemoCore>,
}

impl MemoCore {
  /// Creates an empty cache with these bounds.
  pub fn new(limits: Limits) -> Arc<Self> {
    let counters = Arc::new(Counters::default());
    let generations = Arc::new(Generations::default());
    let model = limits.weights();
    let shards = limits.shards();
    // quick_cache rounds each shard's capacity up; a multiple of the shard
    // count keeps the sum of the shards within the bound.
    let capacity = (model.capacity / shards as u64).max(1) * shards as u64;
    let options = OptionsBuilder::new()
      .shards(shards)
      .estimated_items_capacity(limits.estimated_items().min(1 << 24) as usize)
      .weight_capacity(capacity)
      .build()
      .expect("all options are set");
    let map = Map::with_options(options, Weigh(model), DefaultHashBuilder::default(), Life);
    let core = Arc::new_cyclic(|me| Self {
      map,
      counters,
      generations,
      near_hits: ExternalCounters::default(),
      limits,
      sweeper: Sweeper::default(),
      me: me.clone(),
    });
    if let Some(ttl) = limits.ttl_ms {
      core.sweeper.note_ttl(&core.me, ttl);
    }
    core
  }

  /// The slot generations near caches validate against (see [`crate::near`]).
  pub fn generations(&self) -> &Arc<Generations> {
    &self.generations
  }

  /// The hit counters of near caches, added to `stats().hits`.
  pub fn near_hits(&self) -> &ExternalCounters {
    &self.near_hits
  }

  /// The bounds this cache was created with.
  pub fn limits(&self) -> Limits {
    self.limits
  }

  /// The live entry for `key`, counting a hit or a miss. An expired entry is
  /// removed and reads as a miss.
  #[inline]
  pub fn get(&self, key: &[u8]) -> Option<Arc<Entry>> {
    match self.map.get(key) {
      Some(e) if e.expires != 0 && e.expired_at(now_ms()) => {
        self.expire(key, &e);
        self.counters.misses.fetch_add(1, Relaxed);
        None
      }
      Some(e) => {
        self.counters.hits.fetch_add(1, Relaxed);
        Some(e)
      }
      None => {
        self.counters.misses.fetch_add(1, Relaxed);
        None
      }
    }
  }

  /// Whether a live entry exists, without counting or touching recency.
  pub fn has(&self, key: &[u8]) -> bool {
    match self.map.peek(key) {
      Some(e) if e.expired_at(now_ms()) => {
        self.expire(key, &e);
        false
      }
      Some(_) => true,
      None => false,
    }
  }

  fn expire(&self, key: &[u8], e: &Arc<Entry>) {
    if self.map.remove_if(key, |v| Arc::ptr_eq(v, e)).is_some() {
      self.counters.expirations.fetch_add(1, Relaxed);
      self.generations.bump(key);
    }
  }

  /// Stores `value` under `key`, evicting as needed. An entry heavier than a
  /// shard's capacity is refused (and counted as an eviction, while the value
  /// it would have replaced is removed). Overwriting a key is not an eviction.
  pub fn set(&self, key: &[u8], value: Box<[u8]>, ttl: Ttl) {
    let ttl_ms = match ttl {
      Ttl::Default => self.limits.ttl_ms,
      Ttl::Never => None,
      Ttl::Ms(ms) => Some(ms),
    };
    let entry = Entry {
      value,
      key_len: key.len(),
      expires: deadline(ttl_ms),
      counters: self.counters.clone(),
    };
    self.counters.bytes.fetch_add(entry.bytes() as i64, Relaxed);
    let entry = Arc::new(entry);
    let pushed_out = self.map.insert_with_lifecycle(key.into(), entry.clone());
    for (k, e) in pushed_out.iter() {
      // The old value of this key is an overwrite; the new entry itself
      // (too heavy to admit) and every other key are evictions.
      if *k.as_ref() != *key || Arc::ptr_eq(e, &entry) {
        self.counters.evictions.fetch_add(1, Relaxed);
        if *k.as_ref() != *key {
          self.generations.bump(k);
        }
      }
    }
    drop(pushed_out);
    self.generations.bump(key);
    if let Some(ms) = ttl_ms {
      self.sweeper.note_ttl(&self.me, ms);
    }
    self.sweeper.sweep_if_due(self);
  }

  /// Removes `key`; true if a live entry was removed.
  pub fn delete(&self, key: &[u8]) -> bool {
    match self.map.remove(key) {
      Some((_, e)) => {
        self.generations.bump(key);
        !e.expired_at(now_ms())
      }
      None => false,
    }
  }

  /// Removes every entry.
  pub fn clear(&self) {
    self.map.clear();
    self.generations.bump_all();
  }

  /// Entries held (expired ones are swept first when a sweep is due).
  pub fn len(&self) -> usize {
    self.sweeper.sweep_if_due(self);
    self.map.len()
  }

  /// Whether the cache holds nothing.
  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }

  /// A snapshot of the counters.
  pub fn stats(&self) -> Stats {
    let size = self.len() as u64;
    let mut stats = self.counters.snapshot(size);
    stats.hits += self.near_hits.total();
    stats
  }

  /// Removes every entry expired at `now`; returns how many.
  pub fn sweep(&self, now: u64) -> usize {
    let before = self.map.len();
    self.map.retain(|key, e| {
      let keep = !e.expired_at(now);
      if !keep {
        self.generations.bump(key);
      }
      keep
    });
    let removed = before.saturating_sub(self.map.len());
    self.counters.expirations.fetch_add(removed as u64, Relaxed);
    removed
  }
}

#[cfg(test)]
mod tests;
