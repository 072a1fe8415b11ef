//! The pending tasks of one environment, in a slab indexed by slot.
//!
//! A task's slot is what an async export returns to `lib/task.js`, which
//! keeps the task's TaskHandle at the same index of a JS array, so a
//! completion finds both its native entry and its Promise by index, without
//! hashing. Freed slots are reused last-in first-out, which keeps the live
//! part of both arrays small and warm in cache.
//!
//! Each entry also records the task id it holds. A completion carries the id
//! with the slot, so a late completion for a slot that was freed and reused
//! (or one from a dead environment whose bridge was recycled) is recognised
//! and dropped rather than settling the wrong task.

/// A slab of `T` keyed by `(slot, id)`. Ids must be non-zero.
pub struct Registry<T> {
  entries: Vec<(u64, Option<T>)>,
  free: Vec<u32>,
  live: usize,
}

impl<T> Default for Registry<T> {
  fn default() -> Self {
    Self {
      entries: Vec::new(),
      free: Vec::new(),
      live: 0,
    }
  }
}

impl<T> Registry<T> {
  /// Stores `value` under `id` and returns its slot.
  pub fn insert(&mut self, id: u64, value: T) -> u32 {
    debug_assert_ne!(id, 0);
    self.live += 1;
    match self.free.pop() {
      Some(slot) => {
        self.entries[slot as usize] = (id, Some(value));
        slot
      }
      None => {
        self.entries.push((id, Some(value)));
        (self.entries.len() - 1) as u32
      }
    }
  }

  /// The entry at `slot` if it still holds task `id`.
  pub fn get(&self, slot: u32, id: u64) -> Option<&T> {
    match self.entries.get(slot as usize) {
      Some((held, Some(value))) if *held == id => Some(value),
      _ => None,
    }
  }

  /// Removes and returns the entry at `slot` if it still holds task `id`.
  pub fn take(&mut self, slot: u32, id: u64) -> Option<T> {
    let entry = self.entries.get_mut(slot as usize)?;
    if entry.0 != id || entry.1.is_none() {
      return None;
    }
    entry.0 = 0;
    let value = entry.1.take();
    self.free.push(slot);
    self.live -= 1;
    value
  }

  /// Every live entry, in slot order.
  pub fn values(&self) -> impl Iterator<Item = &T> {
    self.entries.iter().filter_map(|(_, v)| v.as_ref())
  }

  /// Number of live entries.
  pub fn len(&self) -> usize {
    self.live
  }

  /// True when no entry is live.
  pub fn is_empty(&self) -> bool {
    self.live == 0
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn slots_are_reused_and_ids_guard_them() {
    let mut r = Registry::default();
    let a = r.insert(10, "a");
    let b = r.insert(11, "b");
    assert_ne!(a, b);
    assert_eq!(r.len(), 2);
    assert_eq!(r.get(a, 10), Some(&"a"));
    assert_eq!(r.get(a, 11), None, "wrong id");
    assert_eq!(r.take(a, 10), Some("a"));
    assert_eq!(r.take(a, 10), None, "taken once");
    let c = r.insert(12, "c");
    assert_eq!(c, a, "a freed slot is reused");
    assert_eq!(r.take(c, 10), None, "a stale id does not take the new task");
    assert_eq!(r.get(c, 12), Some(&"c"));
    assert_eq!(r.take(99, 1), None, "out of range");
    assert_eq!(r.take(b, 11), Some("b"));
    assert_eq!(r.take(c, 12), Some("c"));
    assert!(r.is_empty());
    assert_eq!(r.values().count(), 0);
  }

  #[test]
  fn values_lists_live_entries_only() {
    let mut r = Registry::default();
    let a = r.insert(1, 'a');
    r.insert(2, 'b');
    r.take(a, 1);
    r.insert(3, 'c');
    let mut got: Vec<char> = r.values().copied().collect();
    got.sort();
    assert_eq!(got, vec!['b', 'c']);
  }

  #[test]
  fn a_burst_grows_then_reuses_without_growing() {
    let mut r = Registry::default();
    let slots: Vec<u32> = (1..=1000).map(|id| r.insert(id, id)).collect();
    for (i, s) in slots.iter().enumerate() {
      assert_eq!(r.take(*s, i as u64 + 1), Some(i as u64 + 1));
    }
    let again: Vec<u32> = (1001..=2000).map(|id| r.insert(id, id)).collect();
    assert!(again.iter().all(|s| *s < 1000));
    assert_eq!(r.len(), 1000);
  }
}
