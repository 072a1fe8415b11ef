//! Task deadlines, kept in Rust: one tokio timer per timed task on a single
//! background thread, never one JS timer per task.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::runtime::{Builder, Handle};
use tokio::task::AbortHandle;

fn timer_runtime() -> &'static Handle {
  static HANDLE: OnceLock<Handle> = OnceLock::new();
  HANDLE.get_or_init(|| {
    let runtime = Builder::new_current_thread()
      .enable_time()
      .build()
      .expect("napi-parallel: cannot build the timer runtime");
    let handle = runtime.handle().clone();
    std::thread::Builder::new()
      .name("napi-parallel-timer".into())
      .spawn(move || runtime.block_on(std::future::pending::<()>()))
      .expect("napi-parallel: cannot start the timer thread");
    handle
  })
}

/// Runs `fire` once `after` has passed, unless the returned handle is aborted first.
pub fn schedule(after: Duration, fire: impl FnOnce() + Send + 'static) -> AbortHandle {
  timer_runtime()
    .spawn(async move {
      tokio::time::sleep(after).await;
      fire();
    })
    .abort_handle()
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
    let _h = schedule(Duration::from_millis(30), move || tx.send(()).unwrap());
    rx.recv_timeout(Duration::from_secs(2)).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(30));
  }

  #[test]
  fn aborted_timers_do_not_fire() {
    let (tx, rx) = mpsc::channel::<()>();
    let h = schedule(Duration::from_millis(20), move || tx.send(()).unwrap());
    h.abort();
    assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
  }
}
