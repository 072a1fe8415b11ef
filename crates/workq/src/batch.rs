//! One batch: a payload serialized once on the submitting thread, and the
//! entries (tasks or task parts) it carries.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::*};
use std::time::Instant;

/// `begun_by` of an entry that no worker began.
pub const NO_WORKER: u32 = u32::MAX;

/// One entry of a batch: the binding's task reference and its bookkeeping.
pub struct Entry<T> {
  /// The binding's task reference.
  pub task: T,
  /// Items in this entry (added to the task's progress when it reports ok).
  pub size: u32,
  begun_by: AtomicU32,
  /// When it began, in ns since the batch was submitted (0: not begun).
  begun_at: AtomicU64,
  reported: AtomicBool,
}

impl<T> Entry<T> {
  /// A fresh entry of `size` items.
  pub fn new(task: T, size: u32) -> Self {
    Self {
      task,
      size,
      begun_by: AtomicU32::new(NO_WORKER),
      begun_at: AtomicU64::new(0),
      reported: AtomicBool::new(false),
    }
  }

  /// The worker that began it, or [`NO_WORKER`].
  pub fn begun_by(&self) -> u32 {
    self.begun_by.load(Acquire)
  }

  /// Whether its outcome was reported (or it was settled otherwise).
  pub fn is_reported(&self) -> bool {
    self.reported.load(Acquire)
  }
}

/// A batch of entries and its payload, shared by the queue, the worker
/// holding it and the binding.
pub struct Batch<T> {
  /// Process-unique, never 0; what a worker names the batch by.
  pub token: u64,
  /// The serialized batch, read by the worker in place.
  pub payload: Vec<u8>,
  /// The entries, in payload order.
  pub entries: Box<[Entry<T>]>,
  /// The worker whose private queue it was submitted to (its transfers went
  /// by that worker's port), or `None` for the shared queue.
  pub target: Option<u32>,
  pub(crate) submitted: Instant,
  /// Entries not reported yet.
  unreported: AtomicUsize,
  /// The worker holding it, or [`NO_WORKER`] while queued.
  pub(crate) held_by: AtomicU32,
}

impl<T> Batch<T> {
  /// A batch of `entries` over `payload`; `token` must be unique and non-zero.
  pub fn new(token: u64, payload: Vec<u8>, entries: Vec<Entry<T>>, target: Option<u32>) -> Self {
    let n = entries.len();
    Self {
      token,
      payload,
      entries: entries.into_boxed_slice(),
      target,
      submitted: Instant::now(),
      unreported: AtomicUsize::new(n),
      held_by: AtomicU32::new(NO_WORKER),
    }
  }

  /// Number of entries.
  pub fn len(&self) -> usize {
    self.entries.len()
  }

  /// True when it has no entries.
  pub fn is_empty(&self) -> bool {
    self.entries.is_empty()
  }

  /// Entries not reported yet.
  pub fn unreported(&self) -> usize {
    self.unreported.load(Acquire)
  }

  /// Nanoseconds since it was submitted.
  pub fn age_ns(&self) -> u64 {
    self.submitted.elapsed().as_nanos() as u64
  }

  /// The worker holding it, or [`NO_WORKER`] while queued.
  pub fn held_by(&self) -> u32 {
    self.held_by.load(Acquire)
  }

  /// Records that `worker` begins entry `index`; returns its wait in ns.
  /// `None` if the index is out of range or the entry was reported.
  pub fn mark_begun(&self, index: usize, worker: u32) -> Option<u64> {
    let entry = self.entries.get(index)?;
    if entry.is_reported() {
      return None;
    }
    let ns = (self.submitted.elapsed().as_nanos() as u64).max(1);
    entry.begun_by.store(worker, Release);
    entry.begun_at.store(ns, Release);
    Some(ns)
  }

  /// Marks entry `index` reported. Returns `Some(run ns)` (0 when it never
  /// began) if this call did it, `None` if it was already reported.
  pub fn mark_reported(&self, index: usize) -> Option<u64> {
    let entry = self.entries.get(index)?;
    if entry.reported.swap(true, AcqRel) {
      return None;
    }
    self.unreported.fetch_sub(1, AcqRel);
    let began = entry.begun_at.load(Acquire);
    Some(if began == 0 {
      0
    } else {
      (self.submitted.elapsed().as_nanos() as u64).saturating_sub(began)
    })
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn entries_report_once() {
    let b = Batch::new(
      1,
      vec![1, 2],
      vec![Entry::new('a', 1), Entry::new('b', 3)],
      None,
    );
    assert_eq!(b.unreported(), 2);
    assert!(b.mark_begun(0, 4).is_some());
    assert_eq!(b.entries[0].begun_by(), 4);
    assert_eq!(b.entries[1].begun_by(), NO_WORKER);
    assert!(b.mark_reported(0).is_some());
    assert!(b.mark_reported(0).is_none(), "once");
    assert!(
      b.mark_begun(0, 4).is_none(),
      "reported entries do not begin"
    );
    assert!(b.mark_begun(9, 0).is_none(), "out of range");
    assert!(b.mark_reported(9).is_none());
    assert_eq!(b.unreported(), 1);
    assert_eq!(b.mark_reported(1), Some(0), "never begun: no run time");
    assert_eq!(b.unreported(), 0);
  }
}
