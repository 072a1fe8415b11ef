//! The pool's JS surface: `configure`, `poolStats` and the `Pool` class,
//! plus the environment probe of blocking calls. The pool itself lives in
//! the napi-free `napi-parallel-pool` crate.

use std::ptr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use napi::bindgen_prelude::{ClassInstance, FromNapiValue};
use napi::{Env, Result, sys};
use napi_derive::napi;

use napi_parallel_pool::config::validate_config;
use napi_parallel_pool::{PoolConfig, PoolCore, StatsSnapshot, configure_default, default_pool};

use crate::args::integer_in;
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

/// [`run_blocking_env_scoped`] on `pool`, or on the default pool when it is
/// `None`: for an async call that scans its caller's Buffer in place before
/// it returns, on the pool its task options name.
pub fn run_blocking_env_scoped_on<'a, R, F>(
  env: &Env,
  pool: Option<&Arc<PoolCore>>,
  f: F,
) -> std::result::Result<R, NpError>
where
  R: Send + 'static,
  F: FnOnce(&AtomicBool) -> std::result::Result<R, NpError> + Send + 'a,
{
  let raw = env.raw();
  match pool {
    Some(pool) => pool.run_blocking_scoped(f, || env_can_run_js(raw)),
    None => default_pool()?.run_blocking_scoped(f, || env_can_run_js(raw)),
  }
}

/// Configures the default pool: `{ threads, stackSize, threadName, maxQueue }`.
/// Must run before the default pool is first used; afterwards it throws
/// `ERR_POOL_ALREADY_STARTED`. `NAPI_PARALLEL_THREADS` sets the default thread count.
#[napi(catch_unwind)]
pub fn configure(env: &Env, options: PoolOptions) -> Result<()> {
  PoolConfig::try_from(options)
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
// The one source of the options' typings and of their reading
// (`read_options!`, which also gives it a Node-style `FromNapiValue`); the
// ranges are checked converting to the pool's config (`PoolConfig::try_from`).
#[napi(object, object_from_js = false, object_to_js = false)]
#[derive(Default)]
pub struct PoolOptions {
  /// Worker threads: an integer from 1 to 1024.
  ///
  /// @default the number of CPUs, or `NAPI_PARALLEL_THREADS`
  pub threads: Option<f64>,
  /// Stack size of each worker thread in bytes: an integer from 65536 to 1073741824.
  ///
  /// @default rayon's (2 MiB)
  pub stack_size: Option<f64>,
  /// Prefix of the worker threads' names (no null bytes).
  ///
  /// @default "napi-parallel"
  pub thread_name: Option<String>,
  /// Most tasks waiting in the queue; more fail with `ERR_QUEUE_FULL`.
  ///
  /// @default unbounded
  pub max_queue: Option<f64>,
}

crate::read_options!(PoolOptions {
  threads: "threads" => number(),
  stack_size: "stackSize" => number(),
  thread_name: "threadName" => string(),
  max_queue: "maxQueue" => number(),
});

impl TryFrom<PoolOptions> for PoolConfig {
  type Error = NpError;

  /// Range-checks the options (RangeErrors naming `options.<field>`) and
  /// validates the result as the pool would.
  fn try_from(o: PoolOptions) -> std::result::Result<Self, NpError> {
    let integer = |name: &str, v: Option<f64>, lo: f64, hi: f64| {
      v.map(|v| integer_in(name, v, lo, hi).map(|v| v as usize))
        .transpose()
    };
    let config = PoolConfig {
      threads: integer("options.threads", o.threads, 1.0, 1024.0)?,
      stack_size: integer("options.stackSize", o.stack_size, 65_536.0, 1_073_741_824.0)?,
      thread_name: o.thread_name,
      max_queue: integer("options.maxQueue", o.max_queue, 1.0, 9.0e15)?,
    };
    validate_config(&config)?;
    Ok(config)
  }
}

/// The pool a JS `Pool` instance wraps, or `None` for anything else: how
/// task arguments read their `pool` field ([`crate::task::PoolOf`]).
///
/// # Safety
/// `env` and `value` are live, on the JS thread.
pub unsafe fn pool_of(env: sys::napi_env, value: sys::napi_value) -> Option<Arc<PoolCore>> {
  // SAFETY: `ClassInstance` checks that the object wraps a `Pool`. (Not
  // `from_napi_ref`: it needs napi-rs's borrow scope, which raw callbacks
  // such as `pingAsync` do not open.)
  unsafe { ClassInstance::<Pool>::from_napi_value(env, value) }
    .ok()
    .map(|instance| instance.core().clone())
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
  #[napi(constructor, catch_unwind)]
  pub fn new(env: &Env, options: Option<PoolOptions>) -> Result<Self> {
    let config = PoolConfig::try_from(options.unwrap_or_default()).map_err(|e| e.throw(env))?;
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
  use napi_parallel_pool::{ConfigProblem, PoolConfig, PoolError};

  use super::PoolOptions;
  use crate::error::{ErrorKind, NpError, codes};

  fn config(o: PoolOptions) -> Result<PoolConfig, (ErrorKind, String, String)> {
    PoolConfig::try_from(o).map_err(|e| (e.kind, e.code.into_owned(), e.message))
  }

  /// Options become the pool's config unchanged; absent ones stay unset.
  #[test]
  fn pool_options_convert_to_the_config() {
    let c = config(PoolOptions {
      threads: Some(3.0),
      stack_size: Some(65_536.0),
      thread_name: Some("mine".into()),
      max_queue: Some(9.0e15),
    })
    .unwrap();
    assert_eq!(
      (
        c.threads,
        c.stack_size,
        c.thread_name.as_deref(),
        c.max_queue
      ),
      (
        Some(3),
        Some(65_536),
        Some("mine"),
        Some(9_000_000_000_000_000)
      )
    );
    let c = config(PoolOptions::default()).unwrap();
    assert_eq!(
      (c.threads, c.stack_size, c.thread_name, c.max_queue),
      (None, None, None, None)
    );
  }

  /// Each out-of-range option is a RangeError naming it, with the message
  /// the hand-written reader gave; a thread name with a NUL is refused.
  #[test]
  fn pool_options_are_range_checked_by_name() {
    let range = |name: &str, rule: &str, got: &str| {
      Err((
        ErrorKind::Range,
        codes::OUT_OF_RANGE.to_string(),
        format!(
          "The value of \"options.{name}\" is out of range. It must be an integer {rule}. Received {got}."
        ),
      ))
    };
    let threads = |v| PoolOptions {
      threads: Some(v),
      ..Default::default()
    };
    assert_eq!(
      config(threads(0.0)),
      range("threads", ">= 1 and <= 1024", "0")
    );
    assert_eq!(
      config(threads(1.5)),
      range("threads", ">= 1 and <= 1024", "1.5")
    );
    assert_eq!(
      config(threads(f64::NAN)),
      range("threads", ">= 1 and <= 1024", "NaN")
    );
    assert_eq!(
      config(PoolOptions {
        stack_size: Some(100.0),
        ..Default::default()
      }),
      range("stackSize", ">= 65536 and <= 1073741824", "100")
    );
    assert_eq!(
      config(PoolOptions {
        max_queue: Some(0.0),
        ..Default::default()
      }),
      range("maxQueue", ">= 1 and <= 9000000000000000", "0")
    );
    assert_eq!(
      config(PoolOptions {
        thread_name: Some("a\0b".into()),
        ..Default::default()
      }),
      Err((
        ErrorKind::Type,
        codes::INVALID_ARG_VALUE.to_string(),
        "The \"options.threadName\" argument must not contain null bytes.".to_string()
      ))
    );
  }

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
