//! The process-wide registry of named caches behind `Memo.shared(name)`:
//! a Rust static, so every worker_thread (each its own JS environment, one
//! process) gets the same native cache for the same name.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::cache::MemoCore;
use crate::limits::Limits;

static SHARED: OnceLock<Mutex<HashMap<String, Arc<MemoCore>>>> = OnceLock::new();

fn map() -> std::sync::MutexGuard<'static, HashMap<String, Arc<MemoCore>>> {
  SHARED
    .get_or_init(Default::default)
    .lock()
    .unwrap_or_else(|p| p.into_inner())
}

/// The cache named `name`, created with `limits` by the first caller; later
/// callers get that same cache (their limits are ignored). It lives until
/// [`remove`] or the end of the process.
pub fn shared(name: &str, limits: Limits) -> Arc<MemoCore> {
  let mut m = map();
  if let Some(c) = m.get(name) {
    return c.clone();
  }
  let c = MemoCore::new(limits);
  m.insert(name.to_owned(), c.clone());
  c
}

/// Forgets the cache named `name` (holders keep their handle); true if it existed.
pub fn remove(name: &str) -> bool {
  map().remove(name).is_some()
}

/// The names registered now, sorted.
pub fn names() -> Vec<String> {
  let mut v: Vec<String> = map().keys().cloned().collect();
  v.sort();
  v
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::cache::Ttl;

  #[test]
  fn same_name_same_cache_across_threads() {
    let a = shared("reg-test-a", Limits::default());
    a.set(b"sk", vec![1, 2, 3].into(), Ttl::Default);
    let seen: Vec<Vec<u8>> = (0..4)
      .map(|_| {
        std::thread::spawn(|| {
          shared("reg-test-a", Limits::default())
            .get(b"sk")
            .unwrap()
            .value()
            .to_vec()
        })
      })
      .map(|h| h.join().unwrap())
      .collect();
    assert!(seen.iter().all(|v| v == &[1, 2, 3]));
    let b = shared("reg-test-b", Limits::default());
    assert!(!Arc::ptr_eq(&a, &b));
    assert!(names().contains(&"reg-test-a".to_string()));
    assert!(remove("reg-test-b"));
    assert!(!remove("reg-test-b"));
  }
}
