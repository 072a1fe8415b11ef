//! The pool's JS surface: `configure`, `poolStats` and the `Pool` class.
//! The pool itself lives in [`core`], free of napi.

pub mod core;
pub use self::core::run_blocking;
mod histogram;
mod job;

use std::sync::Arc;

use napi::bindgen_prelude::Unknown;
use napi::{Env, Result};
use napi_derive::napi;

use self::core::{PoolConfig, PoolCore, StatsSnapshot};
use crate::args::Options;
use crate::error::NpError;
use crate::task::{self, TaskPromise};

/// Percentiles of a duration, in milliseconds.
#[napi(object)]
pub struct TimeStats {
  /// Median.
  pub p50: f64,
  /// 99th percentile.
  pub p99: f64,
  /// Mean.
  pub mean: f64,
}

/// A snapshot of a pool's counters.
#[napi(object)]
pub struct PoolStats {
  /// Worker threads.
  pub threads: u32,
  /// Tasks waiting for a thread.
  pub queued: u32,
  /// Tasks running now.
  pub running: u32,
  /// Tasks that finished with a value.
  pub completed: f64,
  /// Tasks that finished with an error or a panic.
  pub failed: f64,
  /// Tasks cancelled, aborted or timed out.
  pub cancelled: f64,
  /// Busy time over `threads × uptime`, from 0 to 1.
  pub utilization: f64,
  /// Mean run time in ms.
  pub avg_run_ms: f64,
  /// Run time per task (ms), from a log-linear histogram (±6%).
  pub run_time: TimeStats,
  /// Time from submission to start (ms).
  pub wait_time: TimeStats,
}

impl From<StatsSnapshot> for PoolStats {
  fn from(s: StatsSnapshot) -> Self {
    Self {
      threads: s.threads as u32,
      queued: s.queued as u32,
      running: s.running as u32,
      completed: s.completed as f64,
      failed: s.failed as f64,
      cancelled: s.cancelled as f64,
      utilization: s.utilization,
      avg_run_ms: s.run_mean_ms,
      run_time: TimeStats {
        p50: s.run_p50_ms,
        p99: s.run_p99_ms,
        mean: s.run_mean_ms,
      },
      wait_time: TimeStats {
        p50: s.wait_p50_ms,
        p99: s.wait_p99_ms,
        mean: s.wait_mean_ms,
      },
    }
  }
}

/// Reads `{ threads, stackSize, threadName, maxQueue }` with Node-style errors.
fn parse_config(
  env: &Env,
  options: Option<Unknown<'_>>,
) -> std::result::Result<PoolConfig, NpError> {
  let o = Options::new(env, options, "options")?;
  Ok(PoolConfig {
    threads: o.integer("threads", 1.0, 1024.0)?.map(|v| v as usize),
    stack_size: o
      .integer("stackSize", 65_536.0, 1_073_741_824.0)?
      .map(|v| v as usize),
    thread_name: o.string("threadName")?,
    max_queue: o.integer("maxQueue", 1.0, 9.0e15)?.map(|v| v as usize),
  })
}

/// Configures the default pool: `{ threads, stackSize, threadName, maxQueue }`.
/// Must run before the default pool is first used; afterwards it throws
/// `ERR_POOL_ALREADY_STARTED`. `NAPI_PARALLEL_THREADS` sets the default thread count.
#[napi(ts_args_type = "options: PoolOptions")]
pub fn configure(env: &Env, options: Unknown) -> Result<()> {
  parse_config(env, Some(options))
    .and_then(self::core::configure_default)
    .map_err(|e| e.throw(env))
}

/// Counters of the default pool (it is started if it was not yet).
#[napi]
pub fn pool_stats(env: &Env) -> Result<PoolStats> {
  self::core::default_pool()
    .map(|p| p.stats().into())
    .map_err(|e| e.throw(env))
}

/// Options of a pool.
#[napi(object)]
pub struct PoolOptions {
  /// Worker threads. @default the number of CPUs, or `NAPI_PARALLEL_THREADS`
  pub threads: Option<u32>,
  /// Stack size of each worker thread in bytes. @default rayon's (2 MiB)
  pub stack_size: Option<u32>,
  /// Prefix of the worker threads' names. @default "napi-parallel"
  pub thread_name: Option<String>,
  /// Most tasks waiting in the queue; more fail with `ERR_QUEUE_FULL`. @default unbounded
  pub max_queue: Option<f64>,
}

/// An isolated thread pool. Pass it as `{ pool }` to any async function.
/// `close()` finishes queued work, then stops and joins the threads.
#[napi]
pub struct Pool {
  core: Arc<PoolCore>,
}

impl Pool {
  /// The napi-free pool.
  pub fn core(&self) -> &Arc<PoolCore> {
    &self.core
  }
}

#[napi]
impl Pool {
  /// Starts a pool with its own threads.
  #[napi(constructor, ts_args_type = "options?: PoolOptions")]
  pub fn new(env: &Env, options: Option<Unknown>) -> Result<Self> {
    let config = parse_config(env, options).map_err(|e| e.throw(env))?;
    let core = PoolCore::new(&config).map_err(|e| e.throw(env))?;
    Ok(Self { core })
  }

  /// Number of worker threads.
  #[napi(getter)]
  pub fn threads(&self) -> u32 {
    self.core.threads() as u32
  }

  /// Whether `close()` has been called.
  #[napi(getter)]
  pub fn closed(&self) -> bool {
    self.core.is_closed()
  }

  /// This pool's counters.
  #[napi]
  pub fn stats(&self) -> PoolStats {
    self.core.stats().into()
  }

  /// Refuses new tasks, lets queued and running tasks finish, then stops and
  /// joins the threads. Resolves when every thread has exited.
  #[napi(ts_return_type = "Promise<void>")]
  pub fn close<'env>(&self, env: &'env Env) -> Result<TaskPromise<'env>> {
    let (promise, settler) = task::settle_later(env)?;
    let core = self.core.clone();
    std::thread::Builder::new()
      .name("napi-parallel-close".into())
      .spawn(move || {
        core.close_and_join();
        settler.settle(Ok(()));
      })
      .map_err(|e| napi::Error::from_reason(format!("cannot start the close thread: {e}")))?;
    Ok(promise)
  }
}
