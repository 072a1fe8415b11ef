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

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};

/// Slots in the generation table (a power of two).
pub const SLOTS: usize = 1024;

/// Generation per key slot.
pub struct Generations {
  slots: Box<[AtomicU32]>,
}

impl Default for Generations {
  fn default() -> Self {
    Self {
      slots: (0..SLOTS).map(|_| AtomicU32::new(0)).collect(),
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

  /// The table's memory, for an external `ArrayBuffer` of `SLOTS * 4` bytes.
  pub fn as_ptr(&self) -> *const AtomicU32 {
    self.slots.as_ptr()
  }
}

/// A hit counter owned by one near cache: an `f64` its JS thread increments
/// with plain stores (it is the only writer), read here for `stats()`.
#[derive(Clone, Copy)]
pub struct ExternalCounter(*const AtomicU64);

// SAFETY: the pointee is registered only while it is alive (see
// `ExternalCounters::add`), and is read with atomic loads.
unsafe impl Send for ExternalCounter {}

impl ExternalCounter {
  /// # Safety
  /// `ptr` is 8-byte aligned and stays valid until it is removed from every
  /// [`ExternalCounters`] it was added to.
  pub unsafe fn new(ptr: *const u8) -> Self {
    Self(ptr.cast())
  }

  fn read(&self) -> u64 {
    // SAFETY: valid while registered (see `new`). The writer stores whole
    // aligned f64s, so a load never sees a torn value on supported targets.
    let bits = unsafe { (*self.0).load(Relaxed) };
    f64::from_bits(bits) as u64
  }
}

/// The near-hit counters of every near cache of one cache.
#[derive(Default)]
pub struct ExternalCounters {
  counters: Mutex<Vec<ExternalCounter>>,
  /// Counts of near caches that went away.
  retired: AtomicU64,
}

impl ExternalCounters {
  /// Registers a counter.
  pub fn add(&self, counter: ExternalCounter) {
    self.lock().push(counter);
  }

  /// Unregisters a counter and keeps its count.
  pub fn remove(&self, counter: ExternalCounter) {
    let mut all = self.lock();
    if let Some(i) = all.iter().position(|c| c.0 == counter.0) {
      self.retired.fetch_add(all[i].read(), Relaxed);
      all.swap_remove(i);
    }
  }

  /// The sum of every counter, live and retired.
  pub fn total(&self) -> u64 {
    let live: u64 = self.lock().iter().map(ExternalCounter::read).sum();
    live + self.retired.load(Relaxed)
  }

  fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ExternalCounter>> {
    self.counters.lock().unwrap_or_else(|e| e.into_inner())
  }
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
    let a = Box::new(AtomicU64::new(3f64.to_bits()));
    let b = Box::new(AtomicU64::new(4f64.to_bits()));
    let counters = ExternalCounters::default();
    // SAFETY: the boxes outlive their registration.
    let (ca, cb) = unsafe {
      (
        ExternalCounter::new((&*a as *const AtomicU64).cast()),
        ExternalCounter::new((&*b as *const AtomicU64).cast()),
      )
    };
    counters.add(ca);
    counters.add(cb);
    assert_eq!(counters.total(), 7);
    counters.remove(ca);
    a.store(100f64.to_bits(), Relaxed);
    assert_eq!(counters.total(), 7);
  }
}
