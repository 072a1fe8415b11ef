//! Blocking calls that the caller's environment can interrupt.
//!
//! A `*Sync` export blocks its JS thread until a pool job returns. Parked in
//! an untimed wait, that thread cannot be terminated (`worker.terminate()`,
//! and so `process.exit()`, which joins every worker, would hang). Here the
//! caller waits in slices of [`POLL`] and, between slices, asks `alive()`
//! whether its environment can still run JS; once it cannot, the job's
//! cancel flag is set and the call returns an error. napi-free: the probe
//! is the caller's (see `pool::run_blocking_env`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::core::{PoolCore, panic_message};
use crate::error::{NpError, codes};

/// How long a blocked caller waits before it checks its environment again.
pub const POLL: Duration = Duration::from_millis(5);

/// After cancelling, how long a caller waits for a job that owns its data
/// to notice, before it returns anyway (the job then ends on its own).
pub const GRACE: Duration = Duration::from_millis(250);

/// A cancellable job: it polls the flag between chunks or loop iterations.
type BoxedJob<'a, R> = Box<dyn FnOnce(&AtomicBool) -> Result<R, NpError> + Send + 'a>;

/// What the caller and the pool thread share.
struct Call<R> {
  cancel: AtomicBool,
  result: Mutex<Option<Result<R, NpError>>>,
  done: Condvar,
}

impl<R> Call<R> {
  fn lock(&self) -> MutexGuard<'_, Option<Result<R, NpError>>> {
    self.result.lock().unwrap_or_else(|e| e.into_inner())
  }

  fn finish(&self, result: Result<R, NpError>) {
    let mut slot = self.lock();
    if slot.is_none() {
      *slot = Some(result);
    }
    self.done.notify_all();
  }
}

/// The job as it travels to the pool. If the pool drops it unrun, `Drop`
/// still reports (after dropping the job), so the caller never waits forever
/// and never returns while the job could still touch borrowed data.
struct Running<R> {
  call: Arc<Call<R>>,
  job: Option<BoxedJob<'static, R>>,
}

impl<R> Running<R> {
  fn run(mut self) {
    if let Some(job) = self.job.take() {
      let call = &self.call;
      // The job is consumed (and its captures dropped) inside the call.
      let result = catch_unwind(AssertUnwindSafe(move || job(&call.cancel)))
        .unwrap_or_else(|p| Err(NpError::panic(&panic_message(&*p))));
      self.call.finish(result);
    }
  }
}

impl<R> Drop for Running<R> {
  fn drop(&mut self) {
    if let Some(job) = self.job.take() {
      drop(job);
      self.call.finish(Err(NpError::error(
        codes::POOL_CLOSED,
        "The pool is closed.",
      )));
    }
  }
}

/// The error a blocking call returns once its environment is going away.
pub fn terminated() -> NpError {
  NpError::error(
    codes::ENV_TERMINATED,
    "The call was cancelled: its environment is shutting down.",
  )
}

impl PoolCore {
  /// Runs `f` on this pool and blocks until it returns, calling `alive()`
  /// every [`POLL`] while it runs. When `alive()` says no, sets the job's
  /// cancel flag, waits at most [`GRACE`] for it, and returns
  /// [`terminated`]; `f` owns its data, so it may outlive the call.
  pub fn run_blocking_watched<R, F>(&self, f: F, alive: impl FnMut() -> bool) -> Result<R, NpError>
  where
    R: Send + 'static,
    F: FnOnce(&AtomicBool) -> Result<R, NpError> + Send + 'static,
  {
    self.watched(Box::new(f), alive, Some(GRACE))
  }

  /// [`run_blocking_watched`](Self::run_blocking_watched) for a job that
  /// borrows the caller's data: after cancelling, it waits until the job has
  /// ended, however long that takes, so the borrow never outlives the call.
  /// Use it only for jobs that poll the flag often (between bounded chunks).
  pub fn run_blocking_scoped<'a, R, F>(
    &self,
    f: F,
    alive: impl FnMut() -> bool,
  ) -> Result<R, NpError>
  where
    R: Send + 'static,
    F: FnOnce(&AtomicBool) -> Result<R, NpError> + Send + 'a,
  {
    let job: BoxedJob<'a, R> = Box::new(f);
    // SAFETY: only the lifetime changes. `watched` with no grace returns
    // only once the job has run to its end or been dropped unrun (see
    // `Running`), so nothing it borrows is used after this call returns.
    let job: BoxedJob<'static, R> = unsafe { std::mem::transmute(job) };
    self.watched(job, alive, None)
  }

  fn watched<R: Send + 'static>(
    &self,
    job: BoxedJob<'static, R>,
    mut alive: impl FnMut() -> bool,
    grace: Option<Duration>,
  ) -> Result<R, NpError> {
    let call = Arc::new(Call {
      cancel: AtomicBool::new(false),
      result: Mutex::new(None),
      done: Condvar::new(),
    });
    let running = Running {
      call: call.clone(),
      job: Some(job),
    };
    {
      let guard = self.rayon.read().unwrap_or_else(|e| e.into_inner());
      match guard.as_ref() {
        Some(pool) => pool.spawn(move || running.run()),
        None => {
          drop(running);
          return Err(NpError::error(codes::POOL_CLOSED, "The pool is closed."));
        }
      }
    }
    let mut cancelled_at: Option<Instant> = None;
    let mut slot = call.lock();
    loop {
      if let Some(result) = slot.take() {
        return if cancelled_at.is_some() {
          Err(terminated())
        } else {
          result
        };
      }
      if let (Some(at), Some(grace)) = (cancelled_at, grace)
        && at.elapsed() >= grace
      {
        return Err(terminated());
      }
      let (next, wait) = call
        .done
        .wait_timeout(slot, POLL)
        .unwrap_or_else(|e| e.into_inner());
      slot = next;
      if slot.is_none() && wait.timed_out() && cancelled_at.is_none() {
        drop(slot);
        let still_alive = alive();
        slot = call.lock();
        if !still_alive {
          call.cancel.store(true, Relaxed);
          cancelled_at = Some(Instant::now());
        }
      }
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::pool::core::PoolConfig;
  use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

  fn pool() -> Arc<PoolCore> {
    PoolCore::new(&PoolConfig {
      threads: Some(2),
      ..Default::default()
    })
    .unwrap()
  }

  #[test]
  fn returns_the_value_and_turns_panics_into_errors() {
    let p = pool();
    assert_eq!(p.run_blocking_watched(|_| Ok(42), || true).unwrap(), 42);
    let err = p
      .run_blocking_watched::<(), _>(|_| panic!("boom"), || true)
      .unwrap_err();
    assert_eq!(err.code, codes::PANIC);
  }

  #[test]
  fn a_dead_environment_cancels_an_endless_job() {
    let p = pool();
    let probes = Arc::new(AtomicUsize::new(0));
    let seen = probes.clone();
    let start = Instant::now();
    // The job never ends unless cancelled; the probe says "dead" on its 3rd call.
    let err = p
      .run_blocking_watched::<(), _>(
        |cancel| {
          while !cancel.load(Relaxed) {
            std::hint::spin_loop();
          }
          Ok(())
        },
        move || seen.fetch_add(1, SeqCst) < 2,
      )
      .unwrap_err();
    assert_eq!(err.code, codes::ENV_TERMINATED);
    assert_eq!(probes.load(SeqCst), 3);
    assert!(start.elapsed() < Duration::from_secs(5));
  }

  #[test]
  fn an_owned_job_that_ignores_cancel_is_left_after_the_grace() {
    let p = pool();
    let release = Arc::new(AtomicBool::new(false));
    let r = release.clone();
    let start = Instant::now();
    let err = p
      .run_blocking_watched::<(), _>(
        move |_| {
          while !r.load(SeqCst) {
            std::thread::yield_now();
          }
          Ok(())
        },
        || false,
      )
      .unwrap_err();
    assert_eq!(err.code, codes::ENV_TERMINATED);
    assert!(start.elapsed() >= GRACE);
    release.store(true, SeqCst);
  }

  #[test]
  fn a_scoped_job_is_waited_for_after_cancel() {
    let p = pool();
    let data = vec![1u64; 1000];
    let finished = AtomicBool::new(false);
    let err = p
      .run_blocking_scoped::<(), _>(
        |cancel| {
          while !cancel.load(Relaxed) {
            std::hint::spin_loop();
          }
          // Still borrowing after the cancel: the caller must wait for this.
          std::thread::sleep(Duration::from_millis(GRACE.as_millis() as u64 + 50));
          assert_eq!(data.iter().sum::<u64>(), 1000);
          finished.store(true, SeqCst);
          Ok(())
        },
        || false,
      )
      .unwrap_err();
    assert_eq!(err.code, codes::ENV_TERMINATED);
    assert!(
      finished.load(SeqCst),
      "returned before the borrowing job ended"
    );
  }

  #[test]
  fn a_closed_pool_refuses() {
    let p = pool();
    p.close_and_join();
    let err = p.run_blocking_watched(|_| Ok(1), || true).unwrap_err();
    assert_eq!(err.code, codes::POOL_CLOSED);
  }
}
