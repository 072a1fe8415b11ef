//! One batch entry's reference to its task: the slot and id in the
//! submitting environment, that environment's bridge, and the task's shared
//! state, held until the entry is reported. Releasing it then (on the
//! worker's thread, before the report travels) leaves the registry the only
//! holder, so the state is recycled when the task settles.

use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, Ordering::AcqRel};

use crate::bridge::Bridge;
use crate::task::TaskShared;

/// A batch entry's task.
pub struct EngineTask {
  /// Slot in the submitter's registry.
  pub slot: u32,
  /// Task id.
  pub id: u64,
  /// The submitter's bridge (results go there).
  pub bridge: &'static Bridge,
  /// From `Arc::into_raw`, or null: not pending at submit, or released.
  shared: AtomicPtr<TaskShared>,
}

impl EngineTask {
  /// An entry for `shared` (`None`: the task settled before the batch was submitted).
  pub(crate) fn new(
    slot: u32,
    id: u64,
    bridge: &'static Bridge,
    shared: Option<Arc<TaskShared>>,
  ) -> Self {
    Self {
      slot,
      id,
      bridge,
      shared: AtomicPtr::new(shared.map_or(ptr::null_mut(), |s| Arc::into_raw(s).cast_mut())),
    }
  }

  /// The task's state while the entry holds it.
  ///
  /// Only the thread that reports the entry releases it, after its last use
  /// (entries are begun, reported and released by one worker, or by the JS
  /// thread once that worker exited or before any worker took the batch).
  pub(crate) fn shared(&self) -> Option<&TaskShared> {
    let p = self.shared.load(std::sync::atomic::Ordering::Acquire);
    // SAFETY: non-null pointers come from `Arc::into_raw` and stay valid
    // until `release` (see above).
    unsafe { p.as_ref() }
  }

  /// Drops the entry's hold on the task state.
  pub fn release(&self) {
    let p = self.shared.swap(ptr::null_mut(), AcqRel);
    if !p.is_null() {
      // SAFETY: from `Arc::into_raw`, swapped out once.
      drop(unsafe { Arc::from_raw(p) });
    }
  }
}

impl Drop for EngineTask {
  fn drop(&mut self) {
    self.release();
  }
}
