//! Trivial tasks that measure the cost of the task machinery itself.

use napi::{Env, Result};
use napi_derive::napi;

use crate::task::{self, TaskArg, TaskPromise};

/// Round-trips `value` through the pool and the completion bridge: the
/// smallest possible task, used to measure per-task overhead. `panic: true`
/// makes the job panic (to test that a panic becomes a rejection);
/// `spinMs` keeps it busy that long, checking for cancellation every 100 µs.
#[napi(
  ts_args_type = "task: TaskArg, value: number, panic?: boolean, spinMs?: number",
  ts_return_type = "Promise<number>"
)]
pub fn ping_async<'env>(
  env: &'env Env,
  task: TaskArg,
  value: f64,
  panic: Option<bool>,
  spin_ms: Option<f64>,
) -> Result<TaskPromise<'env>> {
  let panic = panic.unwrap_or(false);
  let spin = std::time::Duration::from_secs_f64(spin_ms.unwrap_or(0.0).max(0.0) / 1000.0);
  task::spawn(env, task, move |ctx| {
    if panic {
      panic!("ping was asked to panic");
    }
    let start = std::time::Instant::now();
    while start.elapsed() < spin && !ctx.is_cancelled() {
      std::thread::sleep(std::time::Duration::from_micros(100));
    }
    Ok(value)
  })
}

/// The same trivial task as a napi-rs `async fn` (tokio + a per-call
/// threadsafe function). A benchmark baseline only.
#[napi]
pub async fn ping_async_fn(value: f64) -> f64 {
  value
}
