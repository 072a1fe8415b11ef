//! The queue of one engine: a shared FIFO that every worker takes from, a
//! private FIFO per worker (batches whose transfers went by that worker's
//! port), the batches each worker holds, a bound and a close.
//!
//! Locks are per queue and per worker and are taken once per batch (a batch
//! is up to a few hundred tasks); a worker polling an empty engine reads
//! only atomics.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::batch::{Batch, NO_WORKER};
use crate::stats::{Counters, EngineStats, TaskEnd, WorkerStats, ms};

/// Why a batch was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SubmitError {
  /// The queue would hold more than `max_queue` entries.
  Full { max_queue: usize },
  /// The engine was closed.
  Closed,
  /// `target` is not a worker index.
  BadTarget { workers: usize },
}

struct Held<T> {
  batches: Vec<Arc<Batch<T>>>,
  busy_since: Option<Instant>,
  busy_ns: u64,
}

/// What a worker that died still had: held batches (some entries may have
/// begun) and batches still in its private queue (none began).
pub struct Abandoned<T> {
  /// Batches it had taken.
  pub held: Vec<Arc<Batch<T>>>,
  /// Batches submitted to its private queue that it never took.
  pub private: Vec<Arc<Batch<T>>>,
}

type Fifo<T> = Mutex<VecDeque<Arc<Batch<T>>>>;

fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
  m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One engine's queues. `T` is the binding's per-entry task reference.
pub struct WorkQueue<T> {
  max_queue: usize,
  shared: Fifo<T>,
  shared_len: AtomicUsize,
  private: Box<[Fifo<T>]>,
  private_len: Box<[AtomicUsize]>,
  held: Box<[Mutex<Held<T>>]>,
  /// Entries in queued batches.
  queued: AtomicUsize,
  closed: AtomicBool,
  created: Instant,
  counters: Counters,
}

impl<T> WorkQueue<T> {
  /// A queue for `workers` worker slots; `max_queue` entries at most (0: unbounded).
  pub fn new(workers: usize, max_queue: usize) -> Self {
    Self {
      max_queue,
      shared: Mutex::new(VecDeque::new()),
      shared_len: AtomicUsize::new(0),
      private: (0..workers).map(|_| Mutex::new(VecDeque::new())).collect(),
      private_len: (0..workers).map(|_| AtomicUsize::new(0)).collect(),
      held: (0..workers)
        .map(|_| {
          Mutex::new(Held {
            batches: Vec::new(),
            busy_since: None,
            busy_ns: 0,
          })
        })
        .collect(),
      queued: AtomicUsize::new(0),
      closed: AtomicBool::new(false),
      created: Instant::now(),
      counters: Counters::new(workers),
    }
  }

  /// Worker slots.
  pub fn workers(&self) -> usize {
    self.held.len()
  }

  /// Whether [`close`](Self::close) was called.
  pub fn is_closed(&self) -> bool {
    self.closed.load(Acquire)
  }

  /// Entries queued, not yet taken.
  pub fn queued(&self) -> usize {
    self.queued.load(Acquire)
  }

  /// The batches `worker` has to get through: those waiting in its private
  /// queue and those it holds (0 for an index that is not a worker). A
  /// batch that must go to one worker goes to the one with the least.
  pub fn backlog(&self, worker: u32) -> usize {
    let w = worker as usize;
    if w >= self.workers() {
      return 0;
    }
    self.private_len[w].load(Acquire) + lock(&self.held[w]).batches.len()
  }

  /// Queues `batch` (on its target's private queue, else the shared one).
  pub fn submit(&self, batch: Batch<T>) -> Result<Arc<Batch<T>>, SubmitError> {
    if self.is_closed() {
      return Err(SubmitError::Closed);
    }
    if let Some(t) = batch.target
      && t as usize >= self.workers()
    {
      return Err(SubmitError::BadTarget {
        workers: self.workers(),
      });
    }
    let n = batch.unreported();
    let before = self.queued.fetch_add(n, AcqRel);
    if self.max_queue > 0 && before + n > self.max_queue {
      self.queued.fetch_sub(n, AcqRel);
      return Err(SubmitError::Full {
        max_queue: self.max_queue,
      });
    }
    let batch = Arc::new(batch);
    match batch.target {
      Some(t) => {
        let mut q = lock(&self.private[t as usize]);
        q.push_back(batch.clone());
        self.private_len[t as usize].fetch_add(1, Release);
      }
      None => {
        let mut q = lock(&self.shared);
        q.push_back(batch.clone());
        self.shared_len.fetch_add(1, Release);
      }
    }
    // Closed meanwhile: `close` may have drained before the push; undo.
    if self.is_closed() && self.remove_queued(&batch) {
      return Err(SubmitError::Closed);
    }
    Ok(batch)
  }

  fn remove_queued(&self, batch: &Arc<Batch<T>>) -> bool {
    let (q, len) = match batch.target {
      Some(t) => (&self.private[t as usize], &self.private_len[t as usize]),
      None => (&self.shared, &self.shared_len),
    };
    let mut q = lock(q);
    if let Some(pos) = q.iter().position(|b| Arc::ptr_eq(b, batch)) {
      q.remove(pos);
      len.fetch_sub(1, Release);
      self.queued.fetch_sub(batch.unreported(), AcqRel);
      true
    } else {
      false
    }
  }

  /// The next batch for `worker`: its private queue first, then the shared
  /// one. Never blocks on an empty queue. The batch is then held by `worker`.
  pub fn take(&self, worker: u32) -> Option<Arc<Batch<T>>> {
    let w = worker as usize;
    if w >= self.workers() || self.is_closed() {
      return None;
    }
    let batch = self
      .pop(&self.private[w], &self.private_len[w])
      .or_else(|| self.pop(&self.shared, &self.shared_len))?;
    self.queued.fetch_sub(batch.unreported(), AcqRel);
    let mut held = lock(&self.held[w]);
    batch.held_by.store(worker, Release);
    if held.batches.is_empty() {
      held.busy_since = Some(Instant::now());
    }
    held.batches.push(batch.clone());
    Some(batch)
  }

  fn pop(&self, q: &Fifo<T>, len: &AtomicUsize) -> Option<Arc<Batch<T>>> {
    if len.load(Acquire) == 0 {
      return None;
    }
    let mut q = lock(q);
    let b = q.pop_front()?;
    len.fetch_sub(1, Release);
    Some(b)
  }

  /// The held batch named `token`, if a worker holds it.
  pub fn find_held(&self, token: u64) -> Option<Arc<Batch<T>>> {
    self
      .held
      .iter()
      .find_map(|h| lock(h).batches.iter().find(|b| b.token == token).cloned())
  }

  /// The batch named `token` that `worker` holds.
  pub fn held_batch(&self, worker: u32, token: u64) -> Option<Arc<Batch<T>>> {
    let held = lock(self.held.get(worker as usize)?);
    held
      .batches
      .iter()
      .rev()
      .find(|b| b.token == token)
      .cloned()
  }

  /// Retires `batch` if every entry was reported: its worker no longer
  /// holds it. True if this call retired it.
  pub fn retire_if_done(&self, batch: &Arc<Batch<T>>) -> bool {
    if batch.unreported() != 0 {
      return false;
    }
    let w = batch.held_by();
    if w == NO_WORKER || w as usize >= self.workers() {
      return false;
    }
    let mut held = lock(&self.held[w as usize]);
    let Some(pos) = held.batches.iter().position(|b| Arc::ptr_eq(b, batch)) else {
      return false;
    };
    held.batches.swap_remove(pos);
    batch.held_by.store(NO_WORKER, Release);
    if held.batches.is_empty()
      && let Some(since) = held.busy_since.take()
    {
      held.busy_ns += since.elapsed().as_nanos() as u64;
    }
    true
  }

  /// Everything `worker` had (it died): its held batches and private queue.
  /// The caller settles what began and puts the rest back ([`requeue_front`](Self::requeue_front)).
  pub fn abandon(&self, worker: u32) -> Abandoned<T> {
    let w = worker as usize;
    if w >= self.workers() {
      return Abandoned {
        held: Vec::new(),
        private: Vec::new(),
      };
    }
    let held = {
      let mut held = lock(&self.held[w]);
      if let Some(since) = held.busy_since.take() {
        held.busy_ns += since.elapsed().as_nanos() as u64;
      }
      std::mem::take(&mut held.batches)
    };
    for b in &held {
      b.held_by.store(NO_WORKER, Release);
    }
    let private: Vec<_> = {
      let mut q = lock(&self.private[w]);
      self.private_len[w].store(0, Release);
      q.drain(..).collect()
    };
    for b in &private {
      self.queued.fetch_sub(b.unreported(), AcqRel);
    }
    Abandoned { held, private }
  }

  /// Puts a batch with unreported entries back at the front of the shared
  /// queue (nothing is lost). `Err` gives it back if the engine is closed.
  pub fn requeue_front(&self, batch: Arc<Batch<T>>) -> Result<(), Arc<Batch<T>>> {
    if self.is_closed() {
      return Err(batch);
    }
    self.queued.fetch_add(batch.unreported(), AcqRel);
    lock(&self.shared).push_front(batch);
    self.shared_len.fetch_add(1, Release);
    Ok(())
  }

  /// Closes the queue: no more submits or takes. Returns every queued
  /// batch, for the caller to settle. Held batches stay with their workers.
  pub fn close(&self) -> Vec<Arc<Batch<T>>> {
    self.closed.store(true, Release);
    let mut out: Vec<_> = lock(&self.shared).drain(..).collect();
    self.shared_len.store(0, Release);
    for (q, len) in self.private.iter().zip(self.private_len.iter()) {
      out.extend(lock(q).drain(..));
      len.store(0, Release);
    }
    for b in &out {
      self.queued.fetch_sub(b.unreported(), AcqRel);
    }
    out
  }

  /// Records a wait time (ns) when an entry begins.
  pub fn record_wait(&self, ns: u64) {
    self.counters.wait.record(ns);
  }

  /// Records how a task ended; `run_ns` is the run time of its last entry,
  /// `worker` the worker that reported it, if one did.
  pub fn record_end(&self, end: TaskEnd, run_ns: Option<u64>, worker: Option<u32>) {
    self.counters.record(end);
    if let Some(ns) = run_ns {
      self.counters.run.record(ns);
    }
    if end == TaskEnd::Completed
      && let Some(w) = worker
      && let Some(c) = self.counters.per_worker_completed.get(w as usize)
    {
      c.fetch_add(1, Relaxed);
    }
  }

  /// Records the run time of an entry that was not a task's last.
  pub fn record_run(&self, ns: u64) {
    self.counters.run.record(ns);
  }

  /// A snapshot of the figures.
  pub fn stats(&self) -> EngineStats {
    let age = self.created.elapsed().as_nanos() as f64;
    let mut busy = 0;
    let per_worker = self
      .held
      .iter()
      .zip(self.counters.per_worker_completed.iter())
      .map(|(h, completed)| {
        let h = lock(h);
        let mut ns = h.busy_ns as f64;
        if let Some(since) = h.busy_since {
          ns += since.elapsed().as_nanos() as f64;
        }
        if !h.batches.is_empty() {
          busy += 1;
        }
        WorkerStats {
          completed: completed.load(Relaxed),
          busy_ms: ms(ns),
          utilization: if age > 0.0 { (ns / age).min(1.0) } else { 0.0 },
        }
      })
      .collect();
    let c = &self.counters;
    EngineStats {
      workers: self.workers() as u32,
      queued: self.queued() as u64,
      busy,
      completed: c.completed.load(Relaxed),
      failed: c.failed.load(Relaxed),
      cancelled: c.cancelled.load(Relaxed),
      run_p50: ms(c.run.quantile_ns(0.5)),
      run_p99: ms(c.run.quantile_ns(0.99)),
      wait_p50: ms(c.wait.quantile_ns(0.5)),
      wait_p99: ms(c.wait.quantile_ns(0.99)),
      per_worker,
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::batch::Entry;

  fn batch(token: u64, n: usize, target: Option<u32>) -> Batch<usize> {
    Batch::new(
      token,
      vec![0; 4],
      (0..n).map(|i| Entry::new(i, 1)).collect(),
      target,
    )
  }

  #[test]
  fn private_first_then_shared_fifo() {
    let q = WorkQueue::new(2, 0);
    q.submit(batch(1, 2, None)).unwrap();
    q.submit(batch(2, 1, None)).unwrap();
    q.submit(batch(3, 1, Some(1))).unwrap();
    assert_eq!(q.queued(), 4);
    assert_eq!(q.take(1).unwrap().token, 3, "private first");
    assert_eq!(q.take(1).unwrap().token, 1);
    assert_eq!(q.take(0).unwrap().token, 2);
    assert!(q.take(0).is_none());
    assert!(q.take(7).is_none(), "no such worker");
    assert_eq!(q.queued(), 0);
    assert_eq!(q.stats().busy, 2);
    assert_eq!(q.find_held(1).unwrap().held_by(), 1);
  }

  #[test]
  fn backlog_counts_private_and_held_batches() {
    let q = WorkQueue::new(2, 0);
    q.submit(batch(1, 1, Some(0))).unwrap();
    q.submit(batch(2, 1, Some(0))).unwrap();
    q.submit(batch(3, 2, None)).unwrap();
    assert_eq!((q.backlog(0), q.backlog(1)), (2, 0));
    let b = q.take(0).unwrap();
    assert_eq!(q.backlog(0), 2, "a taken batch is still held");
    let shared = q.take(1).unwrap();
    assert_eq!(q.backlog(1), 1);
    b.mark_reported(0);
    assert!(q.retire_if_done(&b));
    assert_eq!(q.backlog(0), 1, "retired");
    shared.mark_reported(0);
    shared.mark_reported(1);
    q.retire_if_done(&shared);
    assert_eq!(q.backlog(1), 0);
    assert_eq!(q.backlog(9), 0, "no such worker");
  }

  #[test]
  fn bound_and_bad_target() {
    let q = WorkQueue::new(1, 3);
    q.submit(batch(1, 2, None)).unwrap();
    assert_eq!(
      q.submit(batch(2, 2, None)).err(),
      Some(SubmitError::Full { max_queue: 3 })
    );
    assert_eq!(q.queued(), 2, "a refused batch is not counted");
    q.submit(batch(3, 1, None)).unwrap();
    assert_eq!(
      q.submit(batch(4, 1, Some(1))).err(),
      Some(SubmitError::BadTarget { workers: 1 })
    );
    q.take(0).unwrap();
    q.submit(batch(5, 2, None)).unwrap();
  }

  #[test]
  fn retire_after_every_entry_reported() {
    let q = WorkQueue::new(1, 0);
    q.submit(batch(1, 2, None)).unwrap();
    let b = q.take(0).unwrap();
    assert!(b.mark_begun(0, 0).is_some());
    b.mark_reported(0);
    assert!(!q.retire_if_done(&b));
    b.mark_reported(1);
    assert!(q.retire_if_done(&b));
    assert!(!q.retire_if_done(&b), "once");
    assert!(q.find_held(1).is_none());
    let s = q.stats();
    assert_eq!(s.busy, 0);
    assert!(s.per_worker[0].busy_ms >= 0.0 && s.per_worker[0].utilization <= 1.0);
  }

  #[test]
  fn abandon_hands_back_held_and_private_and_requeues_at_front() {
    let q = WorkQueue::new(2, 0);
    q.submit(batch(1, 2, None)).unwrap();
    q.submit(batch(2, 1, None)).unwrap();
    q.submit(batch(3, 1, Some(0))).unwrap();
    let held = q.take(0).unwrap(); // 3 (private)
    assert_eq!(held.token, 3);
    q.submit(batch(4, 1, Some(0))).unwrap();
    let a = q.abandon(0);
    assert_eq!(a.held.len(), 1);
    assert_eq!(a.private.len(), 1);
    assert_eq!(a.private[0].token, 4);
    assert_eq!(q.queued(), 3, "private batch no longer queued");
    let first = q.take(1).unwrap();
    assert_eq!(first.token, 1);
    q.requeue_front(first).unwrap_or_else(|_| panic!("open"));
    assert_eq!(q.take(1).unwrap().token, 1, "back at the front");
  }

  #[test]
  fn close_drains_and_refuses() {
    let q = WorkQueue::new(1, 0);
    q.submit(batch(1, 2, None)).unwrap();
    q.submit(batch(2, 1, Some(0))).unwrap();
    let drained = q.close();
    assert_eq!(drained.len(), 2);
    assert_eq!(q.queued(), 0);
    assert_eq!(q.submit(batch(3, 1, None)).err(), Some(SubmitError::Closed));
    assert!(q.take(0).is_none());
    assert!(q.requeue_front(Arc::new(batch(4, 1, None))).is_err());
  }

  #[test]
  fn counters_and_histograms() {
    let q: WorkQueue<usize> = WorkQueue::new(2, 0);
    q.record_wait(1_000_000);
    q.record_end(TaskEnd::Completed, Some(2_000_000), Some(1));
    q.record_end(TaskEnd::Failed, None, Some(0));
    q.record_end(TaskEnd::Cancelled, None, None);
    let s = q.stats();
    assert_eq!((s.completed, s.failed, s.cancelled), (1, 1, 1));
    assert_eq!(s.per_worker[1].completed, 1);
    assert_eq!(s.per_worker[0].completed, 0);
    assert!((s.wait_p50 - 1.0).abs() < 0.07, "{}", s.wait_p50);
    assert!((s.run_p99 - 2.0).abs() < 0.14, "{}", s.run_p99);
  }

  #[test]
  fn concurrent_takers_see_each_batch_once() {
    let q = Arc::new(WorkQueue::new(4, 0));
    for t in 1..=1000 {
      q.submit(batch(t, 1, None)).unwrap();
    }
    let seen: Vec<u64> = std::thread::scope(|s| {
      let hs: Vec<_> = (0..4)
        .map(|w| {
          let q = q.clone();
          s.spawn(move || {
            let mut got = Vec::new();
            while let Some(b) = q.take(w) {
              got.push(b.token);
            }
            got
          })
        })
        .collect();
      hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let mut seen = seen;
    seen.sort();
    assert_eq!(seen, (1..=1000).collect::<Vec<_>>());
  }
}
