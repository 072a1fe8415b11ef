//! A task's state shared across threads: its status (an atomic that the
//! registry, the job and the deadline timer race to move to a final value,
//! so each task settles exactly once), its cancel flag and its timer.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering::*};
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
pub(crate) struct TaskShared {
  pub(crate) status: AtomicU8,
  pub(super) cancel: AtomicBool,
  pub(super) timer: OnceLock<AbortHandle>,
  /// `None` for the default pool, which lives for the whole process: an
  /// `Arc` clone per task would be a contended atomic on the hot path.
  pub(super) pool: Option<Arc<PoolCore>>,
  /// Items done so far (engine parts add their size as they report ok).
  pub(crate) progress: AtomicU64,
  /// Engine tasks: parts not yet reported ok (the task is done at 0).
  pub(crate) parts_left: AtomicU32,
  /// [`NATIVE`] for pool tasks, [`UNSUBMITTED`] for an engine task not yet
  /// in a batch, else the engine id.
  pub(crate) engine: AtomicU32,
  /// The engine worker that last began a part of it ([`NO_WORKER`]: none).
  pub(crate) worker: AtomicU32,
}

/// `TaskShared::engine` of a task on a native pool.
pub(crate) const NATIVE: u32 = 0;
/// `TaskShared::engine` of an engine task not yet submitted.
pub(crate) const UNSUBMITTED: u32 = u32::MAX;
/// `TaskShared::worker` when no worker began it.
pub(crate) const NO_WORKER: u32 = u32::MAX;

/// Where engine tasks count their outcomes (set by `crate::engine`: tasks
/// do not depend on it).
pub(crate) static ENGINE_OUTCOME: OnceLock<fn(u32, Outcome)> = OnceLock::new();

impl TaskShared {
  /// A queued task's state, on `pool` (`None`: the default pool).
  pub(super) fn new(pool: Option<Arc<PoolCore>>) -> Self {
    Self {
      status: AtomicU8::new(status::QUEUED),
      cancel: AtomicBool::new(false),
      timer: OnceLock::new(),
      pool,
      progress: AtomicU64::new(0),
      parts_left: AtomicU32::new(1),
      engine: AtomicU32::new(NATIVE),
      worker: AtomicU32::new(NO_WORKER),
    }
  }

  /// Moves a queued or running task to `to`; returns the status it had if
  /// this call did it.
  pub(crate) fn finish_early_from(&self, to: u8) -> Option<u8> {
    let mut current = self.status.load(Acquire);
    while current == status::QUEUED || current == status::RUNNING {
      match self
        .status
        .compare_exchange_weak(current, to, AcqRel, Acquire)
      {
        Ok(prior) => return Some(prior),
        Err(actual) => current = actual,
      }
    }
    None
  }

  /// Counts how the task ended on its pool.
  pub(crate) fn record(&self, outcome: Outcome) {
    match self.engine.load(Acquire) {
      NATIVE => {}
      UNSUBMITTED => return,
      engine => {
        if let Some(record) = ENGINE_OUTCOME.get() {
          record(engine, outcome);
        }
        return;
      }
    }
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
    self.cancel_from().is_some()
  }

  /// As [`cancel`](Self::cancel); returns the status it had if this call did it.
  pub(super) fn cancel_from(&self) -> Option<u8> {
    let prior = self.finish_early_from(status::CANCELLED)?;
    self.cancel.store(true, Relaxed);
    self.stop_timer();
    self.record(Outcome::Cancelled);
    Some(prior)
  }

  /// Disarms the task's deadline, if it has one.
  pub(crate) fn stop_timer(&self) {
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
