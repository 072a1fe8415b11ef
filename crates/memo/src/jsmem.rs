//! Native memory that JS reads and writes through external `ArrayBuffer`s
//! (the near caches' generation tables and hit counters, the `get` scratch).
//!
//! Such memory is **never freed**, only recycled. JS can detach an external
//! `ArrayBuffer` (`ArrayBuffer.prototype.transfer`) and so move its memory to
//! a new `ArrayBuffer`, while Node runs the external buffer's finalizer when
//! the *original* object is collected: memory freed there could still be in
//! JS's hands. A [`Lease`] hands out a leaked block and puts it back on its
//! [`Pool`]'s free list when dropped, so every pointer native code or JS holds
//! stays valid for the life of the process, and the memory held is bounded
//! by the most blocks ever leased at once. (A stale JS view of a recycled
//! block can only disturb the counters or near cache it now belongs to, never
//! other memory.)

use std::cell::UnsafeCell;
use std::ops::Deref;
use std::sync::Mutex;

/// A free list of leaked blocks of one kind.
pub struct Pool<T: 'static> {
  free: Mutex<Vec<&'static T>>,
}

impl<T: Sync + 'static> Pool<T> {
  /// An empty pool (for a `static`).
  pub const fn new() -> Self {
    Self {
      free: Mutex::new(Vec::new()),
    }
  }

  /// A recycled block (as it was left), or a new one built by `make` and
  /// leaked.
  pub fn take(&'static self, make: impl FnOnce() -> Box<T>) -> Lease<T> {
    let recycled = self.lock().pop();
    Lease {
      block: recycled.unwrap_or_else(|| Box::leak(make())),
      pool: self,
    }
  }

  /// Blocks waiting for reuse.
  pub fn idle(&self) -> usize {
    self.lock().len()
  }

  fn lock(&self) -> std::sync::MutexGuard<'_, Vec<&'static T>> {
    self.free.lock().unwrap_or_else(|e| e.into_inner())
  }
}

impl<T: Sync + 'static> Default for Pool<T> {
  fn default() -> Self {
    Self::new()
  }
}

/// One block of a [`Pool`], returned to it on drop.
pub struct Lease<T: Sync + 'static> {
  block: &'static T,
  pool: &'static Pool<T>,
}

impl<T: Sync + 'static> Lease<T> {
  /// The block; the reference (and any pointer derived from it) stays
  /// valid for the life of the process.
  pub fn block(&self) -> &'static T {
    self.block
  }
}

impl<T: Sync + 'static> Deref for Lease<T> {
  type Target = T;
  fn deref(&self) -> &T {
    self.block
  }
}

impl<T: Sync + 'static> Drop for Lease<T> {
  fn drop(&mut self) {
    self.pool.lock().push(self.block);
  }
}

/// Bytes of one `get` scratch block.
pub const SCRATCH_BYTES: usize = 16 * 1024;

/// A `get` scratch block: written by native `get` and read by the JS codec,
/// both on the one JS thread that leases it.
pub struct ScratchBlock(UnsafeCell<[u8; SCRATCH_BYTES]>);

// SAFETY: a block is only touched through raw pointers by the JS thread that
// holds its lease (one at a time); the pool only moves the reference.
unsafe impl Sync for ScratchBlock {}

impl ScratchBlock {
  /// The block's first byte.
  pub fn as_ptr(&self) -> *mut u8 {
    self.0.get().cast()
  }
}

static SCRATCH: Pool<ScratchBlock> = Pool::new();

/// Leases a scratch block (contents unspecified).
pub fn scratch() -> Lease<ScratchBlock> {
  SCRATCH.take(|| {
    // SAFETY: all-zero bytes are a valid `UnsafeCell<[u8; N]>`.
    unsafe { Box::<ScratchBlock>::new_zeroed().assume_init() }
  })
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

  #[test]
  fn blocks_are_recycled_not_freed() {
    static P: Pool<AtomicU64> = Pool::new();
    let a = P.take(|| Box::new(AtomicU64::new(7)));
    let addr = a.block() as *const AtomicU64;
    a.store(9, Relaxed);
    drop(a);
    assert_eq!(P.idle(), 1);
    let b = P.take(|| Box::new(AtomicU64::new(0)));
    assert_eq!(b.block() as *const AtomicU64, addr);
    assert_eq!(b.load(Relaxed), 9, "kept as it was left");
    let c = P.take(|| Box::new(AtomicU64::new(1)));
    assert_ne!(c.block() as *const AtomicU64, addr);
    let s = scratch();
    // SAFETY: in bounds of the leased block.
    unsafe { *s.as_ptr().add(SCRATCH_BYTES - 1) = 1 };
  }
}
