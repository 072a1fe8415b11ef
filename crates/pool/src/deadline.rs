//! Task deadlines, kept in Rust: one tokio timer per timed task on a single
//! background thread, never one JS timer per task.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::runtime::{Builder, Handle};
/// The handle that cancels a scheduled deadline.
pub use tokio::task::AbortHandle;

use crate::error::PoolError;

fn start_timer_thread() -> Result<Handle, String> {
  let runtime = Builder::new_current_thread()
    .enable_time()
    .build()
    .map_err(|e| format!("cannot build the timer runtime: {e}"))?;
  let handle = runtime.handle().clone();
  std::thread::Builder::new()
    .name("napi-parallel-timer".into())
    .spawn(move || runtime.block_on(std::future::pending::<()>()))
    .map_err(|e| format!("cannot start the timer thread: {e}"))?;
  Ok(handle)
}

fn timer_runtime() -> Result<&'static Handle, PoolError> {
  static HANDLE: OnceLock<Result<Handle, String>> = OnceLock::new();
  HANDLE
    .get_or_init(start_timer_thread)
    .as_ref()
    .map_err(|e| PoolError::Timer(e.clone()))
}

/// Runs `fire` once `after` has passed, unless the returned handle is
/// aborted first. Fails ([`PoolError::Timer`]) only if the timer thread
/// cannot be started. Any
/// `Duration` is accepted: tokio caps far deadlines (no overflow panic).
pub fn schedule(
  after: Duration,
  fire: impl FnOnce() + Send + 'static,
) -> Result<AbortHandle, PoolError> {
  Ok(
    timer_runtime()?
      .spawn(async move {
        tokio::time::sleep(after).await;
        fire();
      })
      .abort_handle(),
  )
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::mpsc;
  use std::time::Instant;

  #[test]
  fn fires_after_the_delay() {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    let _h = schedule(Duration::from_millis(30), move || tx.send(()).unwrap()).unwrap();
    rx.recv_timeout(Duration::from_secs(2)).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(30));
  }

  #[test]
  fn a_huge_delay_does_not_panic() {
    let h = schedule(Duration::MAX, || {}).unwrap();
    h.abort();
  }

  #[test]
  fn aborted_timers_do_not_fire() {
    let (tx, rx) = mpsc::channel::<()>();
    let h = schedule(Duration::from_millis(20), move || tx.send(()).unwrap()).unwrap();
    h.abort();
    assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
  }
}
