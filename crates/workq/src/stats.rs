//! What an engine counts: outcomes, wait and run times, per-worker work.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use napi_parallel_pool::histogram::Histogram;

/// Counters and histograms of one engine, updated from any thread.
pub struct Counters {
  pub(crate) completed: AtomicU64,
  pub(crate) failed: AtomicU64,
  pub(crate) cancelled: AtomicU64,
  /// Submit to begin, per entry.
  pub(crate) wait: Histogram,
  /// Begin to report, per entry.
  pub(crate) run: Histogram,
  pub(crate) per_worker_completed: Box<[AtomicU64]>,
}

impl Counters {
  pub(crate) fn new(workers: usize) -> Self {
    Self {
      completed: AtomicU64::new(0),
      failed: AtomicU64::new(0),
      cancelled: AtomicU64::new(0),
      wait: Histogram::default(),
      run: Histogram::default(),
      per_worker_completed: (0..workers).map(|_| AtomicU64::new(0)).collect(),
    }
  }
}

/// How a task ended, for the counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskEnd {
  /// Finished with a value.
  Completed,
  /// Finished with an error (its own, or its worker died).
  Failed,
  /// Cancelled, aborted or timed out.
  Cancelled,
}

/// One worker's figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkerStats {
  /// Tasks it completed.
  pub completed: u64,
  /// Time it held at least one batch, in ms.
  pub busy_ms: f64,
  /// `busy_ms` over the engine's age, 0..=1.
  pub utilization: f64,
}

/// A snapshot of an engine (times in ms).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EngineStats {
  /// Worker slots.
  pub workers: u32,
  /// Tasks (entries) queued, not yet taken by a worker.
  pub queued: u64,
  /// Workers holding a batch now.
  pub busy: u32,
  /// Tasks finished with a value.
  pub completed: u64,
  /// Tasks finished with an error.
  pub failed: u64,
  /// Tasks cancelled, aborted or timed out.
  pub cancelled: u64,
  /// Run time (begin to report) per entry.
  pub run_p50: f64,
  /// Run time p99.
  pub run_p99: f64,
  /// Wait time (submit to begin) per entry.
  pub wait_p50: f64,
  /// Wait time p99.
  pub wait_p99: f64,
  /// Per worker slot.
  pub per_worker: Vec<WorkerStats>,
}

pub(crate) fn ms(ns: f64) -> f64 {
  ns / 1e6
}

impl Counters {
  pub(crate) fn record(&self, end: TaskEnd) {
    match end {
      TaskEnd::Completed => &self.completed,
      TaskEnd::Failed => &self.failed,
      TaskEnd::Cancelled => &self.cancelled,
    }
    .fetch_add(1, Relaxed);
  }
}
