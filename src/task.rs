//! Tasks: the per-environment registry of pending Promises, submission onto a
//! pool, cancellation, deadlines, and settling completions from the bridge.
//!
//! Every async export calls [`spawn`]. It creates a raw Promise, registers its
//! `napi_deferred` under the task id in this environment's registry, and
//! queues the job on a pool. The job runs under `catch_unwind`; its result
//! travels back through the environment's [`Bridge`], and one wake-up settles
//! every finished task ([`settle_completions`]). Status is an atomic shared by
//! the registry, the job and the deadline timer; whichever moves it to a final
//! state first decides how the Promise settles, so each settles exactly once.

use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering::*};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use napi::bindgen_prelude::{ClassInstance, FromNapiValue, JsValue, ToNapiValue, Unknown};
use napi::{Env, ValueType, sys};
use tokio::task::AbortHandle;

use crate::bridge::{self, Bridge, Completion, ToJs};
use crate::error::NpError;
use crate::pool::core::{Outcome, PoolCore, default_pool, panic_message};

/// The Promise an async export returns (typed per export with `ts_return_type`).
pub type TaskPromise<'env> = Unknown<'env>;

/// Status codes, as `taskStatus` reports them.
pub mod status {
  /// Waiting in the pool's queue.
  pub const QUEUED: u8 = 0;
  /// Running on a pool thread.
  pub const RUNNING: u8 = 1;
  /// Finished with a value.
  pub const DONE: u8 = 2;
  /// Finished with an error or a panic.
  pub const FAILED: u8 = 3;
  /// Cancelled, aborted or timed out.
  pub const CANCELLED: u8 = 4;
  /// Not pending in this environment (settled, or never existed).
  pub const UNKNOWN: u8 = 255;
}

/// State shared by a task's registry entry, its job and its deadline.
struct TaskShared {
  status: AtomicU8,
  cancel: AtomicBool,
  timer: OnceLock<AbortHandle>,
  /// `None` for the default pool, which lives for the whole process: an
  /// `Arc` clone per task would be a contended atomic on the hot path.
  pool: Option<Arc<PoolCore>>,
}

impl TaskShared {
  /// Moves a queued or running task to `to`. True if this call did it.
  fn finish_early(&self, to: u8) -> bool {
    let mut current = self.status.load(Acquire);
    while current == status::QUEUED || current == status::RUNNING {
      match self
        .status
        .compare_exchange_weak(current, to, AcqRel, Acquire)
      {
        Ok(_) => return true,
        Err(actual) => current = actual,
      }
    }
    false
  }

  fn pool(&self) -> &PoolCore {
    match &self.pool {
      Some(pool) => pool,
      // The default pool existed when the task was spawned and is never dropped.
      None => default_pool().expect("the default pool exists once a task ran on it"),
    }
  }

  fn stop_timer(&self) {
    if let Some(timer) = self.timer.get() {
      timer.abort();
    }
  }
}

/// What a job sees while it runs on a pool thread.
pub struct TaskCtx<'a> {
  shared: &'a TaskShared,
}

impl TaskCtx<'_> {
  /// True once the task was cancelled, aborted or timed out. Long jobs check
  /// this between chunks and return early (any value: it is discarded).
  pub fn is_cancelled(&self) -> bool {
    self.shared.cancel.load(Relaxed)
  }

  /// The cancel flag itself, for napi-free cores that poll it.
  pub fn cancel_flag(&self) -> &AtomicBool {
    &self.shared.cancel
  }
}

struct Pending {
  deferred: sys::napi_deferred,
  /// `None` for internal promises such as `Pool.close()`.
  shared: Option<Arc<TaskShared>>,
}

/// One environment's registry. Only ever touched on that environment's JS thread.
pub struct EnvState {
  env_id: u32,
  bridge: &'static Bridge,
  pending: HashMap<u64, Pending, BuildHasherDefault<IdHasher>>,
  keeping_alive: bool,
  next_internal_id: u64,
  /// Statuses of the last failed or cancelled tasks, by `id % RECENT`. A
  /// settled task not found here (nor pending) was done, so `status` is
  /// exact without a JS callback per task unless more than `RECENT` tasks
  /// failed since.
  recent: Box<[(u64, u8)]>,
}

const RECENT: usize = 16_384;

/// Task ids are sequential and complete roughly in order. The hash keeps the
/// id's low bits (hashbrown picks the bucket from them), so neighbouring ids
/// share cache lines, and takes its top 7 bits (hashbrown's tag) from a
/// multiplicative mix so that probing still filters well. A fully mixed hash
/// made settling 100k tasks one cache miss each (measured with perf).
#[derive(Default)]
struct IdHasher(u64);

const TAG_BITS: u64 = 0x7F << 57;

impl Hasher for IdHasher {
  fn finish(&self) -> u64 {
    self.0
  }
  fn write(&mut self, bytes: &[u8]) {
    for b in bytes {
      self.0 = (self.0 << 8 | *b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
  }
  fn write_u64(&mut self, id: u64) {
    self.0 = (id & !TAG_BITS) | (id.wrapping_mul(0x9E37_79B9_7F4A_7C15) & TAG_BITS);
  }
}

static NEXT_ENV_ID: AtomicU32 = AtomicU32::new(1);

/// Creates this environment's bridge and registry. Called once per environment at module load.
pub fn init_env(env: &Env) -> napi::Result<()> {
  let bridge = bridge::install(env.raw(), settle_completions)?;
  let env_id = NEXT_ENV_ID.fetch_add(1, Relaxed);
  let state = EnvState {
    env_id,
    bridge,
    pending: HashMap::default(),
    keeping_alive: false,
    next_internal_id: INTERNAL_IDS | (env_id as u64) << 32,
    recent: vec![(0, 0); RECENT].into_boxed_slice(),
  };
  env.set_instance_data(state, (), |_| {})
}

/// Ids of internal Promises (`settle_later`): above every task id, and
/// unique per environment (bridges are recycled across environments).
const INTERNAL_IDS: u64 = 1 << 63;

thread_local! {
  /// The last environment looked up on this thread, and its state: every
  /// async call needs it, and `napi_get_instance_data` is a measurable part
  /// of a trivial task. An environment's JS thread never changes.
  static CURRENT_ENV: Cell<(sys::napi_env, *mut EnvState)> =
    const { Cell::new((ptr::null_mut(), ptr::null_mut())) };
}

fn env_state(env: sys::napi_env) -> napi::Result<&'static mut EnvState> {
  let (cached_env, cached_state) = CURRENT_ENV.get();
  if cached_env == env && !cached_state.is_null() {
    // SAFETY: the state lives as long as its environment, which is live
    // (we are on its JS thread); only this thread touches it.
    return Ok(unsafe { &mut *cached_state });
  }
  // SAFETY: called on the JS thread of a live env.
  let state = Env::from_raw(env)
    .get_instance_data::<EnvState>()?
    .ok_or_else(|| napi::Error::from_reason("napi-parallel: environment not initialised"))?;
  CURRENT_ENV.set((env, state as *mut EnvState));
  Ok(state)
}

impl EnvState {
  fn insert(&mut self, env: sys::napi_env, id: u64, pending: Pending) {
    self.pending.insert(id, pending);
    if !self.keeping_alive {
      self.bridge.set_ref(env, true);
      self.keeping_alive = true;
    }
  }

  /// Remembers a failed or cancelled task; a settled task not found here was done.
  fn remember_unsuccessful(&mut self, id: u64, final_status: u8) {
    self.recent[(id % RECENT as u64) as usize] = (id, final_status);
  }

  fn recent_status(&self, id: u64) -> Option<u8> {
    let (seen, status) = self.recent[(id % RECENT as u64) as usize];
    (seen == id).then_some(status)
  }

  fn release_if_idle(&mut self, env: sys::napi_env) {
    if self.pending.is_empty() && self.keeping_alive {
      self.bridge.set_ref(env, false);
      self.keeping_alive = false;
    }
  }
}

/// The first argument of every async export, built by `lib/task.js`: a task
/// id (a number), or `{ id, timeout?, pool? }`.
pub struct TaskArg {
  id: u64,
  timeout_ms: Option<f64>,
  pool: Option<Arc<PoolCore>>,
}

fn get_property(
  env: sys::napi_env,
  object: sys::napi_value,
  key: &std::ffi::CStr,
) -> napi::Result<sys::napi_value> {
  let mut value = ptr::null_mut();
  // SAFETY: live env and object on the JS thread.
  let status = unsafe { sys::napi_get_named_property(env, object, key.as_ptr(), &mut value) };
  if status == sys::Status::napi_ok {
    Ok(value)
  } else {
    Err(napi::Error::from_reason("cannot read task property"))
  }
}

fn type_of(env: sys::napi_env, value: sys::napi_value) -> ValueType {
  let mut t = 0;
  // SAFETY: live env and value.
  unsafe { sys::napi_typeof(env, value, &mut t) };
  ValueType::from(t)
}

impl FromNapiValue for TaskArg {
  unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
    let bad = || {
      napi::Error::from_reason(
        "napi-parallel: invalid task argument (use the exported functions, not binding.js)",
      )
    };
    let to_id = |v: f64| {
      if v.fract() == 0.0 && (0.0..9.0e15).contains(&v) {
        Ok(v as u64)
      } else {
        Err(bad())
      }
    };
    match type_of(env, value) {
      // SAFETY: type checked.
      ValueType::Number => Ok(Self {
        id: to_id(unsafe { f64::from_napi_value(env, value)? })?,
        timeout_ms: None,
        pool: None,
      }),
      ValueType::Object => {
        let id = get_property(env, value, c"id")?;
        if type_of(env, id) != ValueType::Number {
          return Err(bad());
        }
        // SAFETY: type checked.
        let id = to_id(unsafe { f64::from_napi_value(env, id)? })?;
        let timeout = get_property(env, value, c"timeout")?;
        let timeout_ms = match type_of(env, timeout) {
          ValueType::Undefined => None,
          // SAFETY: type checked.
          ValueType::Number => Some(unsafe { f64::from_napi_value(env, timeout)? })
            .filter(|t| t.is_finite() && *t >= 0.0),
          _ => return Err(bad()),
        };
        let pool = get_property(env, value, c"pool")?;
        let pool = match type_of(env, pool) {
          ValueType::Undefined | ValueType::Null => None,
          // SAFETY: `ClassInstance` checks that the object wraps a `Pool`. (Not
          // `from_napi_ref`: it needs napi-rs's borrow scope, which raw
          // callbacks such as `pingAsync` do not open.)
          _ => Some(
            unsafe { ClassInstance::<crate::pool::Pool>::from_napi_value(env, pool)? }
              .core()
              .clone(),
          ),
        };
        Ok(Self {
          id,
          timeout_ms,
          pool,
        })
      }
      _ => Err(bad()),
    }
  }
}

fn create_promise(env: sys::napi_env) -> napi::Result<(sys::napi_deferred, sys::napi_value)> {
  let mut deferred = ptr::null_mut();
  let mut promise = ptr::null_mut();
  // SAFETY: live env on the JS thread.
  let status = unsafe { sys::napi_create_promise(env, &mut deferred, &mut promise) };
  if status == sys::Status::napi_ok {
    Ok((deferred, promise))
  } else {
    Err(napi::Error::from_reason("napi_create_promise failed"))
  }
}

/// Rejects `deferred` with `error`. JS thread only.
fn reject_with(env: sys::napi_env, deferred: sys::napi_deferred, error: &NpError) {
  // SAFETY: live env; each deferred is settled exactly once by its owner.
  unsafe {
    let value = error.to_js(env).unwrap_or_else(|_| {
      let mut undefined = ptr::null_mut();
      sys::napi_get_undefined(env, &mut undefined);
      undefined
    });
    sys::napi_reject_deferred(env, deferred, value);
  }
}

/// Runs `job` on the task's pool and returns a Promise of its result.
///
/// Submission failures (`ERR_QUEUE_FULL`, `ERR_POOL_CLOSED`) reject the
/// Promise rather than throw. A job's `Err` rejects it with that error; a
/// panic rejects it with `ERR_NAPI_PARALLEL_PANIC`.
pub fn spawn<'env, T, F>(env: &'env Env, task: TaskArg, job: F) -> napi::Result<TaskPromise<'env>>
where
  T: ToNapiValue + Send + 'static,
  F: FnOnce(&TaskCtx) -> Result<T, NpError> + Send + 'static,
{
  let raw_env = env.raw();
  let state = env_state(raw_env)?;
  let (deferred, promise) = create_promise(raw_env)?;
  // SAFETY: `promise` was just created in this env.
  let promise = unsafe { Unknown::from_raw_unchecked(raw_env, promise) };
  let pool: &Arc<PoolCore> = match &task.pool {
    Some(pool) => pool,
    None => match default_pool() {
      Ok(pool) => pool,
      Err(e) => {
        reject_with(raw_env, deferred, &e);
        state.remember_unsuccessful(task.id, status::FAILED);
        return Ok(promise);
      }
    },
  };
  let shared = Arc::new(TaskShared {
    status: AtomicU8::new(status::QUEUED),
    cancel: AtomicBool::new(false),
    timer: OnceLock::new(),
    pool: task.pool.clone(),
  });
  let id = task.id;
  // The timer is armed before the job is queued, so a job that finishes at
  // once always finds it to disarm (else it would linger until it fires).
  if let Some(ms) = task.timeout_ms {
    let timer_shared = shared.clone();
    let bridge = state.bridge;
    let timer = crate::deadline::schedule(Duration::from_secs_f64(ms / 1000.0), move || {
      if timer_shared.finish_early(status::CANCELLED) {
        timer_shared.cancel.store(true, Relaxed);
        timer_shared.pool().record_outcome(Outcome::Cancelled);
        bridge.push(Completion {
          id,
          outcome: Err(NpError::timeout(ms)),
        });
      }
    });
    let _ = shared.timer.set(timer);
  }
  let job_shared = shared.clone();
  let bridge = state.bridge;
  if let Err(e) = pool.submit(Box::new(move || run_job(id, &job_shared, bridge, job))) {
    shared.stop_timer();
    reject_with(raw_env, deferred, &e);
    state.remember_unsuccessful(id, status::FAILED);
    return Ok(promise);
  }
  state.insert(
    raw_env,
    id,
    Pending {
      deferred,
      shared: Some(shared),
    },
  );
  Ok(promise)
}

fn run_job<T, F>(id: u64, shared: &TaskShared, bridge: &Bridge, job: F)
where
  T: ToNapiValue + Send + 'static,
  F: FnOnce(&TaskCtx) -> Result<T, NpError>,
{
  if shared
    .status
    .compare_exchange(status::QUEUED, status::RUNNING, AcqRel, Acquire)
    .is_err()
  {
    return; // cancelled or timed out while queued
  }
  let ctx = TaskCtx { shared };
  let (final_status, outcome): (u8, Result<ToJs, NpError>) =
    match catch_unwind(AssertUnwindSafe(|| job(&ctx))) {
      Ok(Ok(value)) => (status::DONE, Ok(ToJs::new(value))),
      Ok(Err(e)) => (status::FAILED, Err(e)),
      Err(payload) => (
        status::FAILED,
        Err(NpError::panic(&panic_message(&*payload))),
      ),
    };
  if shared
    .status
    .compare_exchange(status::RUNNING, final_status, AcqRel, Acquire)
    .is_ok()
  {
    shared.stop_timer();
    shared
      .pool()
      .record_outcome(if final_status == status::DONE {
        Outcome::Completed
      } else {
        Outcome::Failed
      });
    bridge.push(Completion { id, outcome });
  }
}

/// Settles every queued completion of this environment. Runs on its JS thread.
///
/// # Safety
/// `env` must be the live env whose bridge this is.
unsafe fn settle_completions(env: sys::napi_env, bridge: &Bridge) {
  let Ok(state) = env_state(env) else { return };
  // One handle scope per batch of settlements rather than per task: each
  // open/close pair is two napi calls on the hot path.
  const PER_SCOPE: u32 = 256;
  let mut scope = ptr::null_mut();
  let mut in_scope = 0u32;
  bridge.take_all(|completion| {
    let Some(pending) = state.pending.remove(&completion.id) else {
      return; // already cancelled or timed out
    };
    if completion.outcome.is_err() {
      let final_status = pending
        .shared
        .as_ref()
        .map_or(status::FAILED, |s| s.status.load(Acquire));
      state.remember_unsuccessful(completion.id, final_status);
    }
    // SAFETY: live env on its JS thread; every scope opened here is closed
    // here, and each deferred is settled once (it left the registry above).
    unsafe {
      if in_scope == 0 {
        sys::napi_open_handle_scope(env, &mut scope);
      }
      match completion.outcome {
        Ok(to_js) => match to_js.into_js(env) {
          Ok(value) => {
            sys::napi_resolve_deferred(env, pending.deferred, value);
          }
          Err(e) => {
            let mut exception = ptr::null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut exception);
            let error = NpError::error(
              "ERR_NAPI_PARALLEL_CONVERT",
              format!("Could not convert the result: {}", e.reason),
            );
            reject_with(env, pending.deferred, &error);
          }
        },
        Err(error) => reject_with(env, pending.deferred, &error),
      }
      in_scope += 1;
      if in_scope == PER_SCOPE {
        sys::napi_close_handle_scope(env, scope);
        in_scope = 0;
      }
    }
  });
  if in_scope > 0 {
    // SAFETY: closes the scope opened above.
    unsafe { sys::napi_close_handle_scope(env, scope) };
  }
  state.release_if_idle(env);
}

/// An internal Promise settled from another thread (e.g. `Pool.close()`).
pub struct Settler {
  id: u64,
  bridge: &'static Bridge,
}

impl Settler {
  /// Settles the Promise. Callable from any thread.
  pub fn settle<T: ToNapiValue + Send + 'static>(self, result: Result<T, NpError>) {
    let outcome = result.map(ToJs::new);
    self.bridge.push(Completion {
      id: self.id,
      outcome,
    });
  }
}

/// Creates a pending Promise (which keeps the process alive) and the [`Settler`] that settles it.
pub fn settle_later(env: &Env) -> napi::Result<(TaskPromise<'_>, Settler)> {
  let state = env_state(env.raw())?;
  let (deferred, promise) = create_promise(env.raw())?;
  let id = state.next_internal_id;
  state.next_internal_id += 1;
  state.insert(
    env.raw(),
    id,
    Pending {
      deferred,
      shared: None,
    },
  );
  // SAFETY: `promise` was just created in this env.
  let promise = unsafe { Unknown::from_raw_unchecked(env.raw(), promise) };
  Ok((
    promise,
    Settler {
      id,
      bridge: state.bridge,
    },
  ))
}

/// A number unique to this environment in the process; `lib/task.js` builds
/// process-unique task ids from it (`envId * 2 ** 32 + n`).
#[napi_derive::napi]
pub fn env_id(env: &Env) -> napi::Result<u32> {
  Ok(env_state(env.raw())?.env_id)
}

/// The status code of a task of this environment (see `lib/task.js`): live
/// while pending, remembered for the last 16,384 failed or cancelled tasks,
/// else 255 (settled and done).
#[napi_derive::napi]
pub fn task_status(env: &Env, id: f64) -> napi::Result<u32> {
  let state = env_state(env.raw())?;
  let id = id as u64;
  Ok(
    match state.pending.get(&id).and_then(|p| p.shared.as_ref()) {
      Some(shared) => shared.status.load(Acquire) as u32,
      None => state.recent_status(id).unwrap_or(status::UNKNOWN) as u32,
    },
  )
}

/// Cancels a pending task: sets its cancel flag, rejects its Promise with
/// `error` at once, and returns true; false if it already finished.
#[napi_derive::napi]
pub fn cancel_task(env: &Env, id: f64, error: Unknown) -> napi::Result<bool> {
  let raw_env = env.raw();
  let state = env_state(raw_env)?;
  let id = id as u64;
  let Some(shared) = state.pending.get(&id).and_then(|p| p.shared.clone()) else {
    return Ok(false);
  };
  if !shared.finish_early(status::CANCELLED) {
    return Ok(false);
  }
  shared.cancel.store(true, Relaxed);
  shared.stop_timer();
  shared.pool().record_outcome(Outcome::Cancelled);
  state.remember_unsuccessful(id, status::CANCELLED);
  if let Some(pending) = state.pending.remove(&id) {
    // SAFETY: live env; the deferred is removed from the registry, so it is settled once.
    unsafe { sys::napi_reject_deferred(raw_env, pending.deferred, error.raw()) };
  }
  state.release_if_idle(raw_env);
  Ok(true)
}

/// Number of tasks pending in this environment (diagnostics and tests).
#[napi_derive::napi]
pub fn pending_task_count(env: &Env) -> napi::Result<u32> {
  Ok(env_state(env.raw())?.pending.len() as u32)
}

/// The shape of the `task` argument of every `*Async` export, for the
/// typings only (see [`TaskArg`]). Build it with the exported functions,
/// never by hand: `id` must be unique per process.
#[napi_derive::napi(object, js_name = "TaskArg")]
pub struct TaskArgShape {
  /// Process-unique task id.
  pub id: f64,
  /// Milliseconds before the task times out.
  pub timeout: Option<f64>,
  /// The pool to run on (default: the default pool).
  #[napi(ts_type = "Pool")]
  pub pool: Option<f64>,
}
