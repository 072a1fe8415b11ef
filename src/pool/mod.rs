//! The pool's JS surface: `configure`, `poolStats` and the `Pool` class,
//! plus the environment probe of blocking calls. The pool itself lives in
//! the napi-free `napi-parallel-pool` crate.

use std::ptr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use napi::bindgen_prelude::Unknown;
use napi::{Env, Result, sys};
use napi_derive::napi;

use napi_parallel_pool::config::validate_config;
use napi_parallel_pool::{PoolConfig, PoolCore, StatsSnapshot, configure_default, default_pool};

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

unsafe extern "C" fn probe_callback(
  _env: sys::napi_env,
  _info: sys::napi_callback_info,
) -> sys::napi_value {
  ptr::null_mut()
}

/// Whether `env` can still run JS: calls a trivial native function through
/// `napi_call_function`, which fails once Node has started tearing the
/// environment down (`worker.terminate()`, `process.exit()`: Node clears
/// `can_call_into_js` and terminates execution). JS thread only.
fn env_can_run_js(env: sys::napi_env) -> bool {
  let mut scope = ptr::null_mut();
  // SAFETY: `env` is the live env of the calling JS thread; the handles
  // created live in a scope of their own, closed below.
  unsafe {
    if sys::napi_open_handle_scope(env, &mut scope) != sys::Status::napi_ok {
      return false;
    }
    let (mut function, mut global, mut result) =
      (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
    let ok = sys::napi_create_function(
      env,
      c"probe".as_ptr(),
      5,
      Some(probe_callback),
      ptr::null_mut(),
      &mut function,
    ) == sys::Status::napi_ok
      && sys::napi_get_global(env, &mut global) == sys::Status::napi_ok
      && sys::napi_call_function(env, global, function, 0, ptr::null(), &mut result)
        == sys::Status::napi_ok;
    sys::napi_close_handle_scope(env, scope);
    ok
  }
}

/// Runs `f` on the default pool and blocks this JS thread until it returns,
/// but gives up (setting `f`'s cancel flag) once the environment is being
/// torn down, so `worker.terminate()` and `process.exit()` never hang on a
/// sync call. `f` owns its data: it may still be stopping when this returns.
/// Every `*Sync` export should block through this (or the scoped variant).
pub fn run_blocking_env<R, F>(env: &Env, f: F) -> std::result::Result<R, NpError>
where
  R: Send + 'static,
  F: FnOnce(&AtomicBool) -> std::result::Result<R, NpError> + Send + 'static,
{
  let raw = env.raw();
  default_pool()?.run_blocking_watched(f, || env_can_run_js(raw))
}

/// [`run_blocking_env`] for a job that borrows the caller's data (a Buffer
/// read in place): after cancelling it waits until the job has ended, so
/// the job must poll its flag between bounded chunks of work.
pub fn run_blocking_env_scoped<'a, R, F>(env: &Env, f: F) -> std::result::Result<R, NpError>
where
  R: Send + 'static,
  F: FnOnce(&AtomicBool) -> std::result::Result<R, NpError> + Send + 'a,
{
  let raw = env.raw();
  default_pool()?.run_blocking_scoped(f, || env_can_run_js(raw))
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
  .and_then(|config| Ok(validate_config(&config).map(|_| config)?))
}

/// Configures the default pool: `{ threads, stackSize, threadName, maxQueue }`.
/// Must run before the default pool is first used; afterwards it throws
/// `ERR_POOL_ALREADY_STARTED`. `NAPI_PARALLEL_THREADS` sets the default thread count.
#[napi(catch_unwind, ts_args_type = "options: PoolOptions")]
pub fn configure(env: &Env, options: Unknown) -> Result<()> {
  parse_config(env, Some(options))
    .and_then(|config| Ok(configure_default(config)?))
    .map_err(|e| e.throw(env))
}

/// Counters of the default pool (it is started if it was not yet).
#[napi(catch_unwind)]
pub fn pool_stats(env: &Env) -> Result<PoolStats> {
  default_pool()
    .map(|p| p.stats().into())
    .map_err(|e| NpError::from(e).throw(env))
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
  #[napi(constructor, catch_unwind, ts_args_type = "options?: PoolOptions")]
  pub fn new(env: &Env, options: Option<Unknown>) -> Result<Self> {
    let config = parse_config(env, options).map_err(|e| e.throw(env))?;
    let core = PoolCore::new(&config).map_err(|e| NpError::from(e).throw(env))?;
    Ok(Self { core })
  }

  /// Number of worker threads.
  #[napi(getter, catch_unwind)]
  pub fn threads(&self) -> u32 {
    self.core.threads() as u32
  }

  /// Whether `close()` has been called.
  #[napi(getter, catch_unwind)]
  pub fn closed(&self) -> bool {
    self.core.is_closed()
  }

  /// This pool's counters.
  #[napi(catch_unwind)]
  pub fn stats(&self) -> PoolStats {
    self.core.stats().into()
  }

  /// Refuses new tasks, lets queued and running tasks finish, then stops and
  /// joins the threads. Resolves when every thread has exited.
  #[napi(catch_unwind, ts_return_type = "Promise<void>")]
  pub fn close<'env>(&self, env: &'env Env) -> Result<TaskPromise<'env>> {
    let (promise, settler) = task::settle_later(env)?;
    let core = self.core.clone();
    let settler = Arc::new(std::sync::Mutex::new(Some(settler)));
    let on_thread = settler.clone();
    let started = std::thread::Builder::new()
      .name("napi-parallel-close".into())
      .spawn(move || {
        core.close_and_join();
        let settler = on_thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(settler) = settler {
          settler.settle(Ok(()));
        }
      });
    if let Err(e) = started {
      // The Promise is registered (it keeps the process alive): reject it
      // rather than leave it pending forever.
      let settler = settler.lock().unwrap_or_else(|e| e.into_inner()).take();
      if let Some(settler) = settler {
        settler.settle::<()>(Err(NpError::error(
          crate::error::codes::POOL,
          format!("Could not start the close thread: {e}"),
        )));
      }
    }
    Ok(promise)
  }
}

#[cfg(test)]
mod tests {
  use napi_parallel_pool::{ConfigProblem, PoolError};

  use crate::error::{ErrorKind, NpError, codes};

  fn js(e: PoolError) -> (ErrorKind, String, String) {
    let e = NpError::from(e);
    (e.kind, e.code.into_owned(), e.message)
  }

  /// Every pool error keeps the kind, code and message JS saw before the
  /// pool moved into its own crate.
  #[test]
  fn pool_errors_keep_their_js_codes_and_messages() {
    let error =
      |code: &str, message: &str| (ErrorKind::Error, code.to_string(), message.to_string());
    assert_eq!(
      js(PoolError::Closed),
      error(codes::POOL_CLOSED, "The pool is closed.")
    );
    assert_eq!(
      js(PoolError::QueueFull { max: 3 }),
      error(
        codes::QUEUE_FULL,
        "The pool's queue is full (maxQueue = 3)."
      )
    );
    assert_eq!(
      js(PoolError::AlreadyStarted),
      error(
        codes::POOL_STARTED,
        "configure() must be called before the default pool is first used."
      )
    );
    assert_eq!(
      js(PoolError::InvalidConfig {
        option: "options.threadName",
        problem: ConfigProblem::NulByte
      }),
      (
        ErrorKind::Type,
        codes::INVALID_ARG_VALUE.to_string(),
        "The \"options.threadName\" argument must not contain null bytes.".to_string()
      )
    );
    assert_eq!(
      js(PoolError::InvalidConfig {
        option: "NAPI_PARALLEL_THREADS",
        problem: ConfigProblem::ThreadCount {
          received: "two".into()
        }
      }),
      (
        ErrorKind::Range,
        codes::OUT_OF_RANGE.to_string(),
        "The value of \"NAPI_PARALLEL_THREADS\" is out of range. It must be an integer from 1 to 1024. Received 'two'.".to_string()
      )
    );
    assert_eq!(
      js(PoolError::Start("no threads".into())),
      error(
        "ERR_NAPI_PARALLEL_POOL",
        "Could not start the thread pool: no threads"
      )
    );
    assert_eq!(
      js(PoolError::Timer("cannot start the timer thread: x".into())),
      error(
        "ERR_NAPI_PARALLEL_TIMER",
        "napi-parallel: cannot start the timer thread: x"
      )
    );
    assert_eq!(
      js(PoolError::Panic("boom".into())),
      error(codes::PANIC, "A napi-parallel job panicked: boom")
    );
    assert_eq!(
      js(PoolError::EnvTerminated),
      error(
        codes::ENV_TERMINATED,
        "The call was cancelled: its environment is shutting down."
      )
    );
  }
}
