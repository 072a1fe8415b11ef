//! Support for per-thread near caches (`lib/memo.js`): a table of slot
//! generations that every mutation bumps, and the hit counters the near
//! caches keep in their own memory.
//!
//! A JS thread may keep a primitive value it read from the shared cache and
//! serve later reads of that key without a native call, as long as the
//! generation of the key's slot is the one it read *before* it looked the
//! key up. Every write, delete, eviction, expiry or clear bumps the slot of
//! each key it touched *after* the map changed, so a reader either saw the
//! change or sees a different generation. The table is 1,024 `u32`s that
//! JS reads through an external `ArrayBuffer`.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use std::sync::{Arc, Mutex};

use crate::jsmem::{Lease, Pool};

/// Slots in the generation table (a power of two).
pub const SLOTS: usize = 1024;

/// Generation per key slot. The table is JS-visible memory ([`crate::jsmem`]):
/// recycled, never freed, and generations only grow (a recycled table keeps
/// its counts), so a stale view can never see an old generation come back.
pub struct Generations {
  slots: Lease<[AtomicU32; SLOTS]>,
}

static TABLES: Pool<[AtomicU32; SLOTS]> = Pool::new();

impl Default for Generations {
  fn default() -> Self {
    Self {
      slots: TABLES.take(|| Box::new(std::array::from_fn(|_| AtomicU32::new(0)))),
    }
  }
}

impl Generations {
  /// The slot of `key`: an FxHash-style mix of its bytes, then a finalizer.
  #[inline]
  pub fn slot(key: &[u8]) -> usize {
    let mut h: u64 = key.len() as u64;
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
      let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
      h = (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    for &b in chunks.remainder() {
      h = (h.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    // murmur3's finalizer: the multiply-xor rounds above only carry entropy upwards.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h as usize & (SLOTS - 1)
  }

  /// The current generation of `slot` (read it before looking the key up).
  #[inline]
  pub fn get(&self, slot: usize) -> u32 {
    self.slots[slot].load(Acquire)
  }

  /// Marks `key` changed. Call after the map changed.
  #[inline]
  pub fn bump(&self, key: &[u8]) {
    self.slots[Self::slot(key)].fetch_add(1, Release);
  }

  /// Marks every key changed.
  pub fn bump_all(&self) {
    for s in self.slots.iter() {
      s.fetch_add(1, Release);
    }
  }

  /// The table's memory, for an external `ArrayBuffer` of `SLOTS * 4`
  /// bytes: valid for the life of the process.
  pub fn as_ptr(&self) -> *const AtomicU32 {
    self.slots.block().as_ptr()
  }
}

/// One near cache's hit counter (an `f64`'s bits), in JS-visible memory
/// ([`crate::jsmem`]): valid for the life of the process.
pub type Counter = Lease<AtomicU64>;

static COUNTERS: Pool<AtomicU64> = Pool::new();

/// The hit counters of near caches: one `f64` per JS handle, in native
/// memory that the handle's JS thread increments with plain stores through a
/// `Float64Array` (it is the only writer), and that `stats()` reads here.
#[derive(Default)]
pub struct ExternalCounters {
  counters: Mutex<Vec<Arc<Counter>>>,
  /// Counts of near caches that went away.
  retired: AtomicU64,
}

impl ExternalCounters {
  /// A new counter at 0, registered.
  pub fn new_counter(&self) -> Arc<Counter> {
    let counter = Arc::new(COUNTERS.take(|| Box::new(AtomicU64::new(0))));
    counter.store(0f64.to_bits(), Relaxed);
    self.lock().push(counter.clone());
    counter
  }

  /// Unregisters a counter whose writer is gone, keeping its count.
  pub fn retire(&self, counter: &Arc<Counter>) {
    let mut all = self.lock();
    if let Some(i) = all.iter().position(|c| Arc::ptr_eq(c, counter)) {
      self.retired.fetch_add(read(counter), Relaxed);
      all.swap_remove(i);
    }
  }

  /// The sum of every counter, live and retired.
  pub fn total(&self) -> u64 {
    let live: u64 = self.lock().iter().map(|c| read(c)).sum();
    live + self.retired.load(Relaxed)
  }

  fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Counter>>> {
    self.counters.lock().unwrap_or_else(|e| e.into_inner())
  }
}

/// A counter's value. Its writer stores whole aligned f64s, so a load never
/// sees a torn value.
fn read(counter: &AtomicU64) -> u64 {
  f64::from_bits(counter.load(Relaxed)) as u64
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn slots_spread_and_bumps_are_per_slot() {
    let g = Generations::default();
    let mut seen = std::collections::HashSet::new();
    for i in 0..10_000 {
      seen.insert(Generations::slot(format!("user:{i}").as_bytes()));
    }
    assert!(seen.len() > SLOTS * 9 / 10, "{} slots used", seen.len());
    let a = Generations::slot(b"sa");
    let before = g.get(a);
    g.bump(b"sa");
    assert_eq!(g.get(a), before + 1);
    g.bump_all();
    assert_eq!(g.get(a), before + 2);
  }

  #[test]
  fn external_counters_sum_live_and_retired() {
    let counters = ExternalCounters::default();
    let a = counters.new_counter();
    let b = counters.new_counter();
    a.store(3f64.to_bits(), Relaxed);
    b.store(4f64.to_bits(), Relaxed);
    assert_eq!(counters.total(), 7);
    counters.retire(&a);
    a.store(100f64.to_bits(), Relaxed);
    assert_eq!(counters.total(), 7);
    counters.retire(&a); // twice is harmless
    assert_eq!(counters.total(), 7);
  }
}
