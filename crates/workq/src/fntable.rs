//! [`FnTable`]: the functions of one engine by fn id, defined once by the
//! submitting side so that batches carry the id instead of the source, and
//! fetched by each worker the first time it meets the id.
//!
//! Bounded: at most [`MAX_FUNCTIONS`] ids and [`MAX_BYTES`] of specs. A
//! definition that does not fit is refused (the submitter then sends that
//! function's source inline, as before), never evicting one that a queued
//! batch may still name.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Most functions one engine's table holds.
pub const MAX_FUNCTIONS: usize = 4096;
/// Most bytes of specs one engine's table holds.
pub const MAX_BYTES: usize = 64 << 20;

#[derive(Default)]
struct Inner {
  specs: HashMap<u32, Arc<str>>,
  bytes: usize,
}

/// Function specs by id (opaque strings to this crate).
#[derive(Default)]
pub struct FnTable {
  inner: RwLock<Inner>,
}

impl FnTable {
  /// An empty table.
  pub fn new() -> Self {
    Self::default()
  }

  /// Defines `id` as `spec` (replacing an earlier definition of `id`).
  /// False when the table is full; `id` keeps its earlier definition then.
  pub fn define(&self, id: u32, spec: &str) -> bool {
    let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
    let old = inner.specs.get(&id).map_or(0, |s| s.len());
    let count = inner.specs.len() + usize::from(!inner.specs.contains_key(&id));
    let bytes = inner.bytes - old + spec.len();
    if count > MAX_FUNCTIONS || bytes > MAX_BYTES {
      return false;
    }
    inner.specs.insert(id, Arc::from(spec));
    inner.bytes = bytes;
    true
  }

  /// The spec of `id`, if defined.
  pub fn get(&self, id: u32) -> Option<Arc<str>> {
    let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
    inner.specs.get(&id).cloned()
  }

  /// Forgets every function (the engine closed).
  pub fn clear(&self) {
    let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
    inner.specs = HashMap::new();
    inner.bytes = 0;
  }

  /// Functions defined.
  pub fn len(&self) -> usize {
    self
      .inner
      .read()
      .unwrap_or_else(|e| e.into_inner())
      .specs
      .len()
  }

  /// True when none is defined.
  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }

  /// Bytes of specs held.
  pub fn bytes(&self) -> usize {
    self.inner.read().unwrap_or_else(|e| e.into_inner()).bytes
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn define_get_replace_clear() {
    let t = FnTable::new();
    assert!(t.get(1).is_none());
    assert!(t.define(1, "a"));
    assert!(t.define(2, "bb"));
    assert_eq!(t.get(1).as_deref(), Some("a"));
    assert_eq!(t.bytes(), 3);
    assert!(t.define(1, "ccc"), "redefined in place");
    assert_eq!(t.get(1).as_deref(), Some("ccc"));
    assert_eq!((t.len(), t.bytes()), (2, 5));
    t.clear();
    assert!(t.is_empty() && t.get(2).is_none() && t.bytes() == 0);
  }

  #[test]
  fn bounded_by_count_and_bytes() {
    let t = FnTable::new();
    for id in 0..MAX_FUNCTIONS as u32 {
      assert!(t.define(id, "x"));
    }
    assert!(!t.define(MAX_FUNCTIONS as u32, "x"), "one too many");
    assert!(t.define(0, "y"), "redefining an id does not count twice");
    t.clear();
    let big = "z".repeat(MAX_BYTES / 2 + 1);
    assert!(t.define(1, &big));
    assert!(!t.define(2, &big), "over the byte bound");
    assert!(t.get(2).is_none());
    assert!(t.define(1, "small"), "replacing frees its bytes");
    assert!(t.define(2, &big));
  }
}
