//! The napi-free pool: a rayon thread pool fed through one lock-free queue.
//!
//! Submissions go onto a crossbeam `SegQueue`. At most `threads` *drainer*
//! jobs run on the rayon pool at once, each popping and running queued jobs
//! until the queue is empty. A burst of 100k submissions therefore costs a
//! handful of rayon spawns (and thread wake-ups), not 100k of them, while
//! rayon's work stealing still serves any parallel iterator a job runs.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*, fence};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use crossbeam::queue::SegQueue;
use crossbeam::utils::CachePadded;

use crate::config::{PoolConfig, validate_config};
use crate::error::PoolError;
use crate::histogram::Histogram;
use crate::job::Job;
use crate::unwind::{catch_panic, halt_unwinding};

/// Whether the job a drainer runs on this thread has counted itself as
/// finished ([`PoolCore::record_outcome`]).
mod job_state {
  /// Not inside a drained job (the JS thread, the timer thread).
  pub const OUTSIDE: u8 = 0;
  /// Inside a job that has not reported its outcome yet.
  pub const UNCOUNTED: u8 = 1;
  /// Inside a job that reported its outcome and counted itself.
  pub const COUNTED: u8 = 2;
}

thread_local! {
  static JOB_STATE: std::cell::Cell<u8> = const { std::cell::Cell::new(job_state::OUTSIDE) };
}

/// How long an idle drainer spins for new work before it parks.
const LINGER: Duration = Duration::from_micros(50);

/// One submission in this many records its wait time.
const WAIT_SAMPLE: u64 = 8;

/// How a finished job ended, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
  /// Completed normally.
  Completed,
  /// Returned an error or panicked.
  Failed,
  /// Cancelled or timed out.
  Cancelled,
}

/// One worker's counters. Each worker writes only its own (cache-padded)
/// slot, so the hot path never bounces a cache line between threads;
/// `stats()` sums the slots.
#[derive(Default)]
struct WorkerMetrics {
  started: AtomicU64,
  finished: AtomicU64,
  completed: AtomicU64,
  failed: AtomicU64,
  cancelled: AtomicU64,
  busy_ns: AtomicU64,
  run_time: Histogram,
  wait_time: Histogram,
}

/// Per-worker metrics plus the submission counter (written by JS threads).
struct Metrics {
  submitted: CachePadded<AtomicU64>,
  /// Outcomes recorded off the pool (cancel, timeout).
  outside: CachePadded<WorkerMetrics>,
  workers: Box<[CachePadded<WorkerMetrics>]>,
}

impl Metrics {
  fn new(threads: usize) -> Self {
    Self {
      submitted: CachePadded::new(AtomicU64::new(0)),
      outside: CachePadded::default(),
      workers: (0..threads).map(|_| CachePadded::default()).collect(),
    }
  }

  /// The calling worker's slot (or the shared one off the pool).
  fn mine(&self) -> &WorkerMetrics {
    rayon::current_thread_index()
      .and_then(|i| self.workers.get(i))
      .map_or(&self.outside, |w| w)
  }

  fn all(&self) -> impl Iterator<Item = &WorkerMetrics> {
    self
      .workers
      .iter()
      .map(|w| &**w)
      .chain(std::iter::once(&*self.outside))
  }

  fn sum(&self, f: impl Fn(&WorkerMetrics) -> &AtomicU64) -> u64 {
    self.all().map(|w| f(w).load(Relaxed)).sum()
  }

  fn queued(&self) -> u64 {
    self
      .submitted
      .load(Relaxed)
      .saturating_sub(self.sum(|w| &w.started))
  }

  fn merged(&self, pick: impl Fn(&WorkerMetrics) -> &Histogram) -> Histogram {
    let out = Histogram::default();
    for w in self.all() {
      out.merge(pick(w));
    }
    out
  }
}

/// A point-in-time copy of a pool's metrics. Times are milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsSnapshot {
  pub threads: usize,
  pub queued: usize,
  pub running: usize,
  pub completed: u64,
  pub failed: u64,
  pub cancelled: u64,
  /// Busy time over `threads × uptime`, 0..=1.
  pub utilization: f64,
  pub run_p50_ms: f64,
  pub run_p99_ms: f64,
  pub run_mean_ms: f64,
  pub wait_p50_ms: f64,
  pub wait_p99_ms: f64,
  pub wait_mean_ms: f64,
}

/// A rayon pool with a submission queue, metrics, a queue bound and a close.
pub struct PoolCore {
  pub(crate) rayon: RwLock<Option<rayon::ThreadPool>>,
  threads: usize,
  max_queue: usize,
  queue: SegQueue<(Option<Instant>, Job)>,
  drainers: AtomicUsize,
  closed: AtomicBool,
  /// Submissions between their `closed` check and their push (plus starting
  /// a drainer). `close_and_join` waits for it to reach zero after setting
  /// `closed`, so a submission either sees `closed` or is drained.
  submitting: CachePadded<AtomicUsize>,
  exited: Arc<(Mutex<usize>, Condvar)>,
  idle: (Mutex<()>, Condvar),
  metrics: Metrics,
  started: Instant,
}

impl PoolCore {
  /// Builds a pool and its threads.
  pub fn new(config: &PoolConfig) -> Result<Arc<Self>, PoolError> {
    let threads = validate_config(config)?;
    let exited = Arc::new((Mutex::new(0usize), Condvar::new()));
    let exit_signal = exited.clone();
    let name = config
      .thread_name
      .clone()
      .unwrap_or_else(|| "napi-parallel".to_string());
    let mut builder = rayon::ThreadPoolBuilder::new()
      .num_threads(threads)
      .thread_name(move |i| format!("{name}-{i}"))
      .exit_handler(move |_| {
        let (count, cv) = &*exit_signal;
        *count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        cv.notify_all();
      });
    if let Some(size) = config.stack_size {
      builder = builder.stack_size(size);
    }
    let rayon = builder
      .build()
      .map_err(|e| PoolError::Start(e.to_string()))?;
    Ok(Arc::new(Self {
      rayon: RwLock::new(Some(rayon)),
      threads,
      max_queue: config.max_queue.unwrap_or(usize::MAX),
      queue: SegQueue::new(),
      drainers: AtomicUsize::new(0),
      closed: AtomicBool::new(false),
      submitting: CachePadded::new(AtomicUsize::new(0)),
      exited,
      idle: (Mutex::new(()), Condvar::new()),
      metrics: Metrics::new(threads),
      started: Instant::now(),
    }))
  }

  /// Number of worker threads.
  pub fn threads(&self) -> usize {
    self.threads
  }

  /// Whether `close()` was called.
  pub fn is_closed(&self) -> bool {
    self.closed.load(Acquire)
  }

  /// Queues `job`. Fails with [`PoolError::Closed`] or [`PoolError::QueueFull`].
  ///
  /// Atomic with respect to [`close_and_join`](Self::close_and_join): a job
  /// either is refused with [`PoolError::Closed`] or runs before the threads stop.
  pub fn submit(self: &Arc<Self>, job: Job) -> Result<(), PoolError> {
    // Dekker-style handshake with `close_and_join` (all SeqCst): either this
    // load sees `closed`, or the closer sees `submitting > 0` and waits.
    self.submitting.fetch_add(1, SeqCst);
    let result = self.submit_open(job);
    self.submitting.fetch_sub(1, SeqCst);
    result
  }

  fn submit_open(self: &Arc<Self>, job: Job) -> Result<(), PoolError> {
    if self.closed.load(SeqCst) {
      return Err(PoolError::Closed);
    }
    if self.max_queue != usize::MAX && self.metrics.queued() >= self.max_queue as u64 {
      return Err(PoolError::QueueFull {
        max: self.max_queue,
      });
    }
    // Wait time is sampled (1 job in WAIT_SAMPLE): a clock read per
    // submission is measurable on the JS thread's hot path. The counter is
    // cache-padded: sharing a line with pool-thread state cost ~30 ns a task.
    let n = self.metrics.submitted.fetch_add(1, Relaxed);
    let stamp = n.is_multiple_of(WAIT_SAMPLE).then(Instant::now);
    self.queue.push((stamp, job));
    fence(SeqCst);
    self.start_drainer_if_needed();
    Ok(())
  }

  fn start_drainer_if_needed(self: &Arc<Self>) {
    let mut n = self.drainers.load(SeqCst);
    while n < self.threads {
      match self
        .drainers
        .compare_exchange_weak(n, n + 1, SeqCst, SeqCst)
      {
        Ok(_) => {
          let me = self.clone();
          let guard = self.rayon.read().unwrap_or_else(|e| e.into_inner());
          match guard.as_ref() {
            Some(pool) => pool.spawn(move || me.drain()),
            None => {
              self.drainers.fetch_sub(1, SeqCst);
            }
          }
          return;
        }
        Err(actual) => n = actual,
      }
    }
  }

  /// Runs queued jobs until the queue is empty. Runs on a rayon thread.
  fn drain(self: Arc<Self>) {
    loop {
      let me = self.metrics.mine();
      // Busy time is counted per streak of jobs, and run time is sampled
      // (the first job of a streak, and those that carry a wait stamp), so
      // most trivial jobs cost no clock read.
      let streak = Instant::now();
      let mut first = true;
      while let Some((submitted, job)) = self.queue.pop() {
        me.started.fetch_add(1, Relaxed);
        let start = match submitted {
          Some(submitted) => {
            let now = Instant::now();
            me.wait_time.record(nanos(now - submitted));
            Some(now)
          }
          None => first.then_some(streak),
        };
        // Jobs catch their own panics (the binding's src/task/mod.rs); this is a last line of
        // defence so a drainer never dies with work left in the queue.
        // A job that reports its outcome (`record_outcome`) counts itself as
        // finished right then, before it publishes its result, so stats read
        // after a task settled never show it running; other jobs are counted
        // here. Saved and restored: a job's parallel iterator may run a
        // nested drain on this thread.
        let outer = JOB_STATE.replace(job_state::UNCOUNTED);
        let _ = halt_unwinding(|| job.run());
        if let Some(start) = start {
          me.run_time.record(nanos(start.elapsed()));
        }
        if JOB_STATE.replace(outer) != job_state::COUNTED {
          me.finished.fetch_add(1, Relaxed);
        }
        first = false;
      }
      if !first {
        me.busy_ns.fetch_add(nanos(streak.elapsed()), Relaxed);
      }
      // Linger briefly before giving the slot back: a caller awaiting tasks
      // one at a time submits the next within microseconds, and catching it
      // here saves a thread wake-up (tens of µs on a VM).
      if self.linger_for_work() {
        continue;
      }
      self.drainers.fetch_sub(1, SeqCst);
      fence(SeqCst);
      if self.queue.is_empty() {
        self.notify_if_idle();
        return;
      }
      // A job arrived after the last pop: take a drainer slot back, if free.
      let n = self.drainers.load(SeqCst);
      if n >= self.threads
        || self
          .drainers
          .compare_exchange(n, n + 1, SeqCst, SeqCst)
          .is_err()
      {
        return;
      }
    }
  }

  /// Spins up to [`LINGER`] waiting for a job; true if one arrived.
  fn linger_for_work(&self) -> bool {
    let until = Instant::now() + LINGER;
    loop {
      for _ in 0..64 {
        if !self.queue.is_empty() {
          return true;
        }
        std::hint::spin_loop();
      }
      if self.is_closed() || Instant::now() >= until {
        return false;
      }
    }
  }

  fn notify_if_idle(&self) {
    if self.is_closed() {
      let _lock = self.idle.0.lock().unwrap_or_else(|e| e.into_inner());
      self.idle.1.notify_all();
    }
  }

  /// Counts how a job ended. Called by the job itself on its pool thread,
  /// it also counts the job as finished (see `drain`), so a caller that saw
  /// the result published never reads it as running.
  pub fn record_outcome(&self, outcome: Outcome) {
    let me = self.metrics.mine();
    let counter = match outcome {
      Outcome::Completed => &me.completed,
      Outcome::Failed => &me.failed,
      Outcome::Cancelled => &me.cancelled,
    };
    counter.fetch_add(1, Relaxed);
    if JOB_STATE.get() == job_state::UNCOUNTED {
      me.finished.fetch_add(1, Relaxed);
      JOB_STATE.set(job_state::COUNTED);
    }
  }

  /// Runs `f` on this pool and blocks the caller until it returns. A panic
  /// becomes [`PoolError::Panic`] (converted into the caller's error type).
  pub fn run_blocking<R: Send, E: From<PoolError> + Send>(
    &self,
    f: impl FnOnce() -> Result<R, E> + Send,
  ) -> Result<R, E> {
    let guard = self.rayon.read().unwrap_or_else(|e| e.into_inner());
    let pool = guard.as_ref().ok_or(PoolError::Closed)?;
    pool.install(|| catch_panic(f).unwrap_or_else(|e| Err(e.into())))
  }

  /// True when no task is queued or running (cheap: no histogram merge).
  /// A caller about to block on this pool uses it to avoid waiting behind
  /// other tasks.
  pub fn is_idle(&self) -> bool {
    let m = &self.metrics;
    m.queued() == 0 && m.sum(|w| &w.started) == m.sum(|w| &w.finished)
  }

  /// A copy of the metrics.
  pub fn stats(&self) -> StatsSnapshot {
    let m = &self.metrics;
    let ms = |ns: f64| ns / 1e6;
    let uptime = self.started.elapsed().as_nanos() as f64 * self.threads as f64;
    let started = m.sum(|w| &w.started);
    let finished = m.sum(|w| &w.finished);
    let run_time = m.merged(|w| &w.run_time);
    let wait_time = m.merged(|w| &w.wait_time);
    StatsSnapshot {
      threads: self.threads,
      queued: m.queued() as usize,
      running: started.saturating_sub(finished) as usize,
      completed: m.sum(|w| &w.completed),
      failed: m.sum(|w| &w.failed),
      cancelled: m.sum(|w| &w.cancelled),
      utilization: if uptime > 0.0 {
        (m.sum(|w| &w.busy_ns) as f64 / uptime).min(1.0)
      } else {
        0.0
      },
      run_p50_ms: ms(run_time.quantile_ns(0.5)),
      run_p99_ms: ms(run_time.quantile_ns(0.99)),
      run_mean_ms: ms(run_time.mean_ns()),
      wait_p50_ms: ms(wait_time.quantile_ns(0.5)),
      wait_p99_ms: ms(wait_time.quantile_ns(0.99)),
      wait_mean_ms: ms(wait_time.mean_ns()),
    }
  }

  /// Refuses new work, waits until queued and running jobs are done, then
  /// stops the threads and waits until every one has exited. Blocking: call
  /// it off the JS thread.
  pub fn close_and_join(&self) {
    self.closed.store(true, SeqCst);
    // Submissions that passed their `closed` check before the store finish
    // pushing (and start a drainer) before the wait for an empty queue.
    while self.submitting.load(SeqCst) > 0 {
      std::thread::yield_now();
    }
    {
      let mut lock = self.idle.0.lock().unwrap_or_else(|e| e.into_inner());
      while self.drainers.load(SeqCst) > 0 || !self.queue.is_empty() {
        lock = self
          .idle
          .1
          .wait_timeout(lock, Duration::from_millis(20))
          .unwrap_or_else(|e| e.into_inner())
          .0;
      }
    }
    let pool = self.rayon.write().unwrap_or_else(|e| e.into_inner()).take();
    if pool.is_none() {
      return; // already closed by an earlier call
    }
    drop(pool);
    // Nothing can be queued now; should a job be left anyway, run it here
    // rather than drop it (a dropped task would never settle).
    while let Some((_, job)) = self.queue.pop() {
      let _ = halt_unwinding(|| job.run());
    }
    let (count, cv) = &*self.exited;
    let mut exited = count.lock().unwrap_or_else(|e| e.into_inner());
    while *exited < self.threads {
      exited = cv.wait(exited).unwrap_or_else(|e| e.into_inner());
    }
  }
}

fn nanos(d: Duration) -> u64 {
  d.as_nanos().min(u64::MAX as u128) as u64
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::mpsc;

  type Result<T> = std::result::Result<T, PoolError>;

  fn pool(threads: usize) -> Arc<PoolCore> {
    PoolCore::new(&PoolConfig {
      threads: Some(threads),
      ..Default::default()
    })
    .unwrap()
  }

  #[test]
  fn runs_every_job() {
    let p = pool(2);
    let (tx, rx) = mpsc::channel();
    for i in 0..10_000 {
      let tx = tx.clone();
      p.submit(Job::new(move || tx.send(i).unwrap())).unwrap();
    }
    drop(tx);
    let mut got: Vec<i32> = rx.iter().collect();
    got.sort();
    assert_eq!(got, (0..10_000).collect::<Vec<_>>());
    let s = p.stats();
    assert_eq!(s.queued, 0);
    assert_eq!(s.threads, 2);
  }

  #[test]
  fn a_job_that_reported_its_outcome_is_not_running() {
    let p = pool(1);
    let (recorded_tx, recorded_rx) = mpsc::channel::<()>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let me = p.clone();
    p.submit(Job::new(move || {
      me.record_outcome(Outcome::Completed);
      recorded_tx.send(()).unwrap();
      go_rx.recv().unwrap(); // still inside the job
    }))
    .unwrap();
    recorded_rx.recv().unwrap();
    let s = p.stats();
    assert_eq!((s.running, s.completed), (0, 1));
    go_tx.send(()).unwrap();
    // A job that reports nothing is counted when it returns, once.
    let (done_tx, done_rx) = mpsc::channel::<()>();
    p.submit(Job::new(move || done_tx.send(()).unwrap()))
      .unwrap();
    done_rx.recv().unwrap();
    while p.stats().running != 0 {
      std::thread::yield_now();
    }
    let s = p.stats();
    assert_eq!((s.running, s.queued, s.completed), (0, 0, 1));
  }

  #[test]
  fn max_queue_rejects() {
    let p = PoolCore::new(&PoolConfig {
      threads: Some(1),
      max_queue: Some(2),
      ..Default::default()
    })
    .unwrap();
    let (block_tx, block_rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel::<()>();
    p.submit(Job::new(move || {
      started_tx.send(()).unwrap();
      block_rx.recv().unwrap();
    }))
    .unwrap();
    started_rx.recv().unwrap();
    p.submit(Job::new(|| {})).unwrap();
    p.submit(Job::new(|| {})).unwrap();
    let err = p.submit(Job::new(|| {})).unwrap_err();
    assert_eq!(err, PoolError::QueueFull { max: 2 });
    assert_eq!(err.to_string(), "The pool's queue is full (maxQueue = 2).");
    block_tx.send(()).unwrap();
  }

  #[test]
  fn run_blocking_turns_panics_into_errors() {
    let p = pool(1);
    let err = p
      .run_blocking::<(), PoolError>(|| panic!("boom"))
      .unwrap_err();
    assert_eq!(err, PoolError::Panic("boom".into()));
    assert_eq!(p.run_blocking(|| Result::Ok(41 + 1)).unwrap(), 42);
  }

  #[test]
  fn close_drains_then_joins() {
    let p = pool(2);
    let done = Arc::new(AtomicUsize::new(0));
    for _ in 0..100 {
      let done = done.clone();
      p.submit(Job::new(move || {
        std::thread::sleep(Duration::from_micros(100));
        done.fetch_add(1, SeqCst);
      }))
      .unwrap();
    }
    p.close_and_join();
    assert_eq!(done.load(SeqCst), 100);
    assert_eq!(p.submit(Job::new(|| {})).unwrap_err(), PoolError::Closed);
    p.close_and_join(); // idempotent
  }

  /// Submitters racing `close_and_join`: every accepted job has run by the
  /// time it returns (none is stranded in the queue), and every refusal is
  /// `ERR_POOL_CLOSED`.
  #[test]
  fn submit_racing_close_never_strands_a_job() {
    for round in 0..200 {
      let p = pool(1 + round % 3);
      let ran = Arc::new(AtomicUsize::new(0));
      let accepted = Arc::new(AtomicUsize::new(0));
      let go = Arc::new(std::sync::Barrier::new(4));
      let submitters: Vec<_> = (0..3)
        .map(|_| {
          let (p, ran, accepted, go) = (p.clone(), ran.clone(), accepted.clone(), go.clone());
          std::thread::spawn(move || {
            go.wait();
            loop {
              let ran = ran.clone();
              match p.submit(Job::new(move || {
                ran.fetch_add(1, SeqCst);
              })) {
                Ok(()) => accepted.fetch_add(1, SeqCst),
                Err(e) => {
                  assert_eq!(e, PoolError::Closed);
                  break;
                }
              };
            }
          })
        })
        .collect();
      go.wait();
      p.close_and_join();
      let ran_at_close = ran.load(SeqCst);
      for s in submitters {
        s.join().unwrap();
      }
      assert_eq!(ran_at_close, accepted.load(SeqCst), "round {round}");
    }
  }

  #[test]
  fn a_nul_in_the_thread_name_is_an_error_not_a_panic() {
    let cfg = PoolConfig {
      threads: Some(1),
      thread_name: Some("a\0b".into()),
      ..Default::default()
    };
    let err = PoolCore::new(&cfg).err().unwrap();
    assert!(matches!(
      err,
      PoolError::InvalidConfig {
        option: "options.threadName",
        ..
      }
    ));
  }
}
