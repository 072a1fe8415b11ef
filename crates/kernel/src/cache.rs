//! A bounded cache of compiled kernels, keyed by source text, `params`
//! names and entry mode.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use crate::codegen::{self, Kernel, Mode};
use crate::error::KernelError;

type Key = (String, Vec<String>, Mode);
type Entries = (HashMap<Key, Arc<Kernel>>, VecDeque<Key>);

/// A bounded FIFO-evicting cache of compiled kernels.
pub struct KernelCache {
  capacity: usize,
  inner: Mutex<Entries>,
}

impl KernelCache {
  /// A cache holding at most `capacity` kernels.
  pub fn new(capacity: usize) -> Self {
    Self {
      capacity: capacity.max(1),
      inner: Mutex::new((HashMap::new(), VecDeque::new())),
    }
  }

  /// Returns the cached kernel or compiles it. Compilation runs outside the
  /// lock; two threads racing on the same key may both compile (one wins).
  pub fn get_or_compile(
    &self,
    source: &str,
    consts: &[String],
    mode: Mode,
  ) -> Result<Arc<Kernel>, KernelError> {
    let key: Key = (source.to_string(), consts.to_vec(), mode);
    if let Some(k) = self.lock().0.get(&key) {
      return Ok(k.clone());
    }
    let kernel = Arc::new(compile(source, consts, mode)?);
    let mut guard = self.lock();
    let (map, order) = &mut *guard;
    if let Some(existing) = map.get(&key) {
      return Ok(existing.clone());
    }
    while map.len() >= self.capacity {
      match order.pop_front() {
        Some(old) => {
          map.remove(&old);
        }
        None => break,
      }
    }
    order.push_back(key.clone());
    map.insert(key, kernel.clone());
    Ok(kernel)
  }

  /// Number of cached kernels.
  pub fn len(&self) -> usize {
    self.lock().0.len()
  }

  /// True if empty.
  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }

  /// Drops every cached kernel (running tasks keep theirs alive).
  pub fn clear(&self) {
    let mut g = self.lock();
    g.0.clear();
    g.1.clear();
  }

  fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
    self.inner.lock().unwrap_or_else(|p| p.into_inner())
  }
}

/// Stack for the compiler thread: parsing, lowering and code generation
/// recurse on the kernel's nesting (bounded by the checker).
const COMPILER_STACK: usize = 64 << 20;

/// Parses, checks and compiles without caching. Runs on a helper thread with
/// a large stack, so a deeply nested kernel is an error rather than a stack
/// overflow of the caller (the JS thread).
pub fn compile(source: &str, consts: &[String], mode: Mode) -> Result<Kernel, KernelError> {
  std::thread::scope(|scope| {
    std::thread::Builder::new()
      .name("napi-parallel-compile".into())
      .stack_size(COMPILER_STACK)
      .spawn_scoped(scope, || compile_here(source, consts, mode))
      .map_err(|e| KernelError::Internal(format!("cannot start the compiler thread: {e}")))?
      .join()
      .unwrap_or_else(|_| Err(KernelError::Internal("the kernel compiler panicked".into())))
  })
}

/// Parses, checks and compiles on the calling thread.
pub fn compile_here(source: &str, consts: &[String], mode: Mode) -> Result<Kernel, KernelError> {
  let program = crate::parse::parse_kernel_for(source, consts, mode)?;
  codegen::compile(&program, mode)
}

/// The process-wide cache (256 kernels).
pub fn global() -> &'static KernelCache {
  static CACHE: OnceLock<KernelCache> = OnceLock::new();
  CACHE.get_or_init(|| KernelCache::new(256))
}

/// Compiles through the process-wide cache.
pub fn compile_cached(
  source: &str,
  consts: &[String],
  mode: Mode,
) -> Result<Arc<Kernel>, KernelError> {
  global().get_or_compile(source, consts, mode)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn caches_and_bounds() {
    let cache = KernelCache::new(2);
    let m = Mode::Map { n_inputs: 1 };
    let a = cache.get_or_compile("x => x + 1", &[], m).unwrap();
    let b = cache.get_or_compile("x => x + 1", &[], m).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    cache.get_or_compile("x => x + 2", &[], m).unwrap();
    cache.get_or_compile("x => x + 3", &[], m).unwrap();
    assert_eq!(cache.len(), 2);
    let c = cache.get_or_compile("x => x + 1", &[], m).unwrap();
    assert!(!Arc::ptr_eq(&a, &c));
    // Different params names → a different kernel.
    let d = cache
      .get_or_compile("x => x + 1", &["k".into()], m)
      .unwrap();
    assert!(!Arc::ptr_eq(&c, &d));
  }
}
