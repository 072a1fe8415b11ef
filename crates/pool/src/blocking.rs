//! Blocking calls that the caller's environment can interrupt.
//!
//! A `*Sync` export blocks its JS thread until a pool job returns. Parked in
//! an untimed wait, that thread cannot be terminated (`worker.terminate()`,
//! and so `process.exit()`, which joins every worker, would hang). Here the
//! caller waits in slices of [`POLL`] and, between slices, asks `alive()`
//! whether its environment can still run JS; once it cannot, the job's
//! cancel flag is set and the call returns an error. napi-free: the probe
//! is the caller's (the binding crate's `pool::run_blocking_env`).
//!
//! A job returns the caller's error type `E`; the pool's own failures
//! (closed, panicked, terminated) reach it through `From<PoolError>`.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::core::PoolCore;
use crate::error::PoolError;
use crate::unwind::catch_panic;

/// How long a blocked caller waits before it checks its environment again.
pub const POLL: Duration = Duration::from_millis(5);

/// After cancelling, how long a caller waits for a job that owns its data
/// to notice, before it returns anyway (the job then ends on its own).
pub const GRACE: Duration = Duration::from_millis(250);

/// A cancellable job: it polls the flag between chunks or loop iterations.
type BoxedJob<'a, R, E> = Box<dyn FnOnce(&AtomicBool) -> Result<R, E> + Send + 'a>;

/// What the caller and the pool thread share.
struct Call<R, E> {
  cancel: AtomicBool,
  result: Mutex<Option<Result<R, E>>>,
  done: Condvar,
}

impl<R, E> Call<R, E> {
  fn lock(&self) -> MutexGuard<'_, Option<Result<R, E>>> {
    self.result.lock().unwrap_or_else(|e| e.into_inner())
  }

  fn finish(&self, result: Result<R, E>) {
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
struct Running<R, E: From<PoolError>> {
  call: Arc<Call<R, E>>,
  job: Option<BoxedJob<'static, R, E>>,
}

impl<R, E: From<PoolError>> Running<R, E> {
  fn run(mut self) {
    if let Some(job) = self.job.take() {
      let call = &self.call;
      // The job is consumed (and its captures dropped) inside the call.
      let result = catch_panic(move || job(&call.cancel)).unwrap_or_else(|e| Err(e.into()));
      self.call.finish(result);
    }
  }
}

impl<R, E: From<PoolError>> Drop for Running<R, E> {
  fn drop(&mut self) {
    if let Some(job) = self.job.take() {
      drop(job);
      self.call.finish(Err(PoolError::Closed.into()));
    }
  }
}

impl PoolCore {
  /// Runs `f` on this pool and blocks until it returns, calling `alive()`
  /// every [`POLL`] while it runs. When `alive()` says no, sets the job's
  /// cancel flag, waits at most [`GRACE`] for it, and returns
  /// [`PoolError::EnvTerminated`]; `f` owns its data, so it may outlive the call.
  pub fn run_blocking_watched<R, E, F>(&self, f: F, alive: impl FnMut() -> bool) -> Result<R, E>
  where
    R: Send + 'static,
    E: From<PoolError> + Send + 'static,
    F: FnOnce(&AtomicBool) -> Result<R, E> + Send + 'static,
  {
    self.watched(Box::new(f), alive, Some(GRACE))
  }

  /// [`run_blocking_watched`](Self::run_blocking_watched) for a job that
  /// borrows the caller's data: after cancelling, it waits until the job has
  /// ended, however long that takes, so the borrow never outlives the call.
  /// Use it only for jobs that poll the flag often (between bounded chunks).
  pub fn run_blocking_scoped<'a, R, E, F>(&self, f: F, alive: impl FnMut() -> bool) -> Result<R, E>
  where
    R: Send + 'static,
    E: From<PoolError> + Send + 'static,
    F: FnOnce(&AtomicBool) -> Result<R, E> + Send + 'a,
  {
    let job: BoxedJob<'a, R, E> = Box::new(f);
    // SAFETY: only the lifetime changes. `watched` with no grace returns
    // only once the job has run to its end or been dropped unrun (see
    // `Running`), so nothing it borrows is used after this call returns.
    let job: BoxedJob<'static, R, E> = unsafe { std::mem::transmute(job) };
    self.watched(job, alive, None)
  }

  fn watched<R: Send + 'static, E: From<PoolError> + Send + 'static>(
    &self,
    job: BoxedJob<'static, R, E>,
    mut alive: impl FnMut() -> bool,
    grace: Option<Duration>,
  ) -> Result<R, E> {
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
          return Err(PoolError::Closed.into());
        }
      }
    }
    let mut cancelled_at: Option<Instant> = None;
    let mut slot = call.lock();
    loop {
      if let Some(result) = slot.take() {
        return if cancelled_at.is_some() {
          Err(PoolError::EnvTerminated.into())
        } else {
          result
        };
      }
      if let (Some(at), Some(grace)) = (cancelled_at, grace)
        && at.elapsed() >= grace
      {
        return Err(PoolError::EnvTerminated.into());
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
  use crate::config::PoolConfig;
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
    assert_eq!(
      p.run_blocking_watched(|_| Ok::<_, PoolError>(42), || true)
        .unwrap(),
      42
    );
    let err = p
      .run_blocking_watched::<(), PoolError, _>(|_| panic!("boom"), || true)
      .unwrap_err();
    assert_eq!(err, PoolError::Panic("boom".into()));
  }

  #[test]
  fn a_dead_environment_cancels_an_endless_job() {
    let p = pool();
    let probes = Arc::new(AtomicUsize::new(0));
    let seen = probes.clone();
    let start = Instant::now();
    // The job never ends unless cancelled; the probe says "dead" on its 3rd call.
    let err = p
      .run_blocking_watched::<(), PoolError, _>(
        |cancel| {
          while !cancel.load(Relaxed) {
            std::hint::spin_loop();
          }
          Ok(())
        },
        move || seen.fetch_add(1, SeqCst) < 2,
      )
      .unwrap_err();
    assert_eq!(err, PoolError::EnvTerminated);
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
      .run_blocking_watched::<(), PoolError, _>(
        move |_| {
          while !r.load(SeqCst) {
            std::thread::yield_now();
          }
          Ok(())
        },
        || false,
      )
      .unwrap_err();
    assert_eq!(err, PoolError::EnvTerminated);
    assert!(start.elapsed() >= GRACE);
    release.store(true, SeqCst);
  }

  #[test]
  fn a_scoped_job_is_waited_for_after_cancel() {
    let p = pool();
    let data = vec![1u64; 1000];
    let finished = AtomicBool::new(false);
    let err = p
      .run_blocking_scoped::<(), PoolError, _>(
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
    assert_eq!(err, PoolError::EnvTerminated);
    assert!(
      finished.load(SeqCst),
      "returned before the borrowing job ended"
    );
  }

  #[test]
  fn a_closed_pool_refuses() {
    let p = pool();
    p.close_and_join();
    let err = p
      .run_blocking_watched(|_| Ok::<_, PoolError>(1), || true)
      .unwrap_err();
    assert_eq!(err, PoolError::Closed);
  }
}
