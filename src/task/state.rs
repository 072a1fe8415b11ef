//! A task's state shared across threads: its status (an atomic that the
//! registry, the job and the deadline timer race to move to a final value,
//! so each task settles exactly once), its cancel flag and its timer.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering::*};
use std::sync::{Arc, OnceLock};

use napi_parallel_pool::deadline::AbortHandle;
use napi_parallel_pool::{Outcome, PoolCore, default_pool};

/// Status codes, as `taskStatus` reports them.
pub mod status {
  /// Waiting in the pool's queue.
  pub const QUEUED: u8 = 0;
  /// Running on a pool thread.
  pub const RUNNING: u8 = 1;
  /// Finished with a value.
  pub const DONE: u8 = 2;
  /// Finished with an error or a panic.
  pub const FAILED: u8 = 3;
  /// Cancelled, aborted or timed out.
  pub const CANCELLED: u8 = 4;
  /// Not pending in this environment (settled, or never existed).
  pub const UNKNOWN: u8 = 255;
}

/// State shared by a task's registry entry, its job and its deadline.
pub(super) struct TaskShared {
  pub(super) status: AtomicU8,
  pub(super) cancel: AtomicBool,
  pub(super) timer: OnceLock<AbortHandle>,
  /// `None` for the default pool, which lives for the whole process: an
  /// `Arc` clone per task would be a contended atomic on the hot path.
  pub(super) pool: Option<Arc<PoolCore>>,
  /// Items done so far, as the job reports them (`taskProgress`, `onProgress`).
  pub(super) progress: AtomicU64,
}

impl TaskShared {
  /// A queued task's state, on `pool` (`None`: the default pool).
  pub(super) fn new(pool: Option<Arc<PoolCore>>) -> Self {
    Self {
      status: AtomicU8::new(status::QUEUED),
      cancel: AtomicBool::new(false),
      timer: OnceLock::new(),
      pool,
      progress: AtomicU64::new(0),
    }
  }

  /// Moves a queued or running task to `to`. True if this call did it.
  pub(super) fn finish_early(&self, to: u8) -> bool {
    let mut current = self.status.load(Acquire);
    while current == status::QUEUED || current == status::RUNNING {
      match self
        .status
        .compare_exchange_weak(current, to, AcqRel, Acquire)
      {
        Ok(_) => return true,
        Err(actual) => current = actual,
      }
    }
    false
  }

  /// Counts how the task ended on its pool.
  pub(super) fn record(&self, outcome: Outcome) {
    match &self.pool {
      Some(pool) => pool.record_outcome(outcome),
      // The default pool existed when the task was spawned and is never dropped.
      None => {
        if let Ok(pool) = default_pool() {
          pool.record_outcome(outcome);
        }
      }
    }
  }

  /// Cancels a queued or running task (its job stops at its next check).
  /// True if this call did it.
  pub(super) fn cancel(&self) -> bool {
    if !self.finish_early(status::CANCELLED) {
      return false;
    }
    self.cancel.store(true, Relaxed);
    self.stop_timer();
    self.record(Outcome::Cancelled);
    true
  }

  /// Disarms the task's deadline, if it has one.
  pub(super) fn stop_timer(&self) {
    if let Some(timer) = self.timer.get() {
      timer.abort();
    }
  }
}

/// What a job sees while it runs on a pool thread.
pub struct TaskCtx<'a> {
  pub(super) shared: &'a TaskShared,
}

impl TaskCtx<'_> {
  /// True once the task was cancelled, aborted or timed out. Long jobs check
  /// this between chunks and return early (any value: it is discarded).
  pub fn is_cancelled(&self) -> bool {
    self.shared.cancel.load(Relaxed)
  }

  /// The cancel flag itself, for napi-free cores that poll it.
  pub fn cancel_flag(&self) -> &AtomicBool {
    &self.shared.cancel
  }

  /// Adds `n` finished items to the task's progress (read by `taskProgress`).
  pub fn add_progress(&self, n: u64) {
    self.shared.progress.fetch_add(n, Relaxed);
  }

  /// The progress counter itself, for napi-free cores that add to it per chunk.
  pub fn progress_counter(&self) -> &AtomicU64 {
    &self.shared.progress
  }
}
