//! Tasks: the per-environment registry of pending Promises, submission onto a
//! pool, cancellation, deadlines, and settling completions from the bridge.
//!
//! Every async export calls [`spawn`]. It registers the task in this
//! environment's registry (a slab: [`Registry`]) and queues the job on a
//! pool, and returns the task's slot. `lib/task.js` has already created the
//! task's Promise (a TaskHandle) and keeps it at the same slot of a JS array.
//! The job runs under `catch_unwind`; its result travels back through the
//! environment's [`Bridge`], and one wake-up settles every finished task
//! ([`settle_completions`]), handing them to JS in batches ([`crate::settle`]).
//! Status is an atomic shared by the registry, the job and the deadline
//! timer; whichever moves it to a final state first decides how the Promise
//! settles, so each settles exactly once.

use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering::*};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use napi::bindgen_prelude::{ClassInstance, FromNapiValue, ToNapiValue, Unknown};
use napi::{Env, ValueType, sys};
use napi_parallel_pool::deadline::{self, AbortHandle};
use napi_parallel_pool::unwind::{catch_panic, halt_unwinding};
use napi_parallel_pool::{Job, Outcome, PoolCore, Registry, default_pool};

use crate::args::type_of;
use crate::bridge::{self, Bridge, Completion, ToJs};
use crate::error::{NpError, codes};
use crate::settle::{Batch, JsSettler};

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

  /// Counts how the task ended on its pool.
  fn record(&self, outcome: Outcome) {
    match &self.pool {
      Some(pool) => pool.record_outcome(outcome),
      // The default pool existed when the task was spawned and is never dropped.
      None => {
        if let Ok(pool) = default_pool() {
          pool.record_outcome(outcome);
        }
      }
    }
  }

  /// Cancels a queued or running task (its job stops at its next check).
  /// True if this call did it.
  fn cancel(&self) -> bool {
    if !self.finish_early(status::CANCELLED) {
      return false;
    }
    self.cancel.store(true, Relaxed);
    self.stop_timer();
    self.record(Outcome::Cancelled);
    true
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

/// A pending task's native side. Its Promise lives in JS (`lib/task.js`),
/// at the same slot, except for internal Promises such as `Pool.close()`,
/// which native code creates and settles through a `napi_deferred`.
struct Pending {
  /// `None` for internal Promises.
  shared: Option<Arc<TaskShared>>,
  /// Null except for internal Promises.
  deferred: sys::napi_deferred,
}

/// One environment's registry. Only ever touched on that environment's JS thread.
pub struct EnvState {
  bridge: &'static Bridge,
  pending: Registry<Pending>,
  keeping_alive: bool,
  next_internal_id: u64,
  /// Attached by `lib/task.js` at load; tasks cannot start before.
  settler: Option<JsSettler>,
  /// Task states no other thread holds any more, for reuse: an allocation
  /// on the JS thread and a free on a pool thread per task were measurable.
  spare: Vec<Arc<TaskShared>>,
}

/// At most this many spare task states are kept per environment.
const SPARE_MAX: usize = 4096;

static NEXT_ENV_ID: AtomicU32 = AtomicU32::new(1);

/// Creates this environment's bridge and registry. Called once per environment at module load.
pub fn init_env(env: &Env) -> napi::Result<()> {
  let bridge = bridge::install(env.raw(), settle_completions)?;
  let env_id = NEXT_ENV_ID.fetch_add(1, Relaxed);
  let state = EnvState {
    bridge,
    pending: Registry::default(),
    keeping_alive: false,
    next_internal_id: INTERNAL_IDS | (env_id as u64) << 32,
    settler: None,
    spare: Vec::new(),
  };
  env.set_instance_data(state, (), |_| {})?;
  let state = env
    .get_instance_data::<EnvState>()?
    .ok_or_else(|| napi::Error::from_reason("napi-parallel: environment not initialised"))?;
  let state: *mut EnvState = state;
  // Registered after the bridge's hook and Node's own (which frees the
  // instance data), so it runs before both: hooks run in reverse order.
  // SAFETY: live env at module init; the state lives until Node's hook.
  let status =
    unsafe { sys::napi_add_env_cleanup_hook(env.raw(), Some(cancel_env_tasks), state.cast()) };
  if status == sys::Status::napi_ok {
    Ok(())
  } else {
    Err(napi::Error::from_status(napi::Status::from(status)))
  }
}

/// The environment's cleanup hook (worker terminated, or the process
/// exiting): cancels every task it still owns, so that their jobs stop at
/// their next check (kernel loop back-edges, chunk boundaries) and free the
/// pool's threads for other environments. Their late completions reach a
/// recycled bridge and are dropped (see `bridge.rs`).
unsafe extern "C" fn cancel_env_tasks(arg: *mut std::ffi::c_void) {
  let _ = halt_unwinding(|| {
    // SAFETY: `arg` is this environment's state, alive until Node's own
    // cleanup hook, which runs after this one; on the env's JS thread.
    let state = unsafe { &mut *arg.cast::<EnvState>() };
    for pending in state.pending.values() {
      if let Some(shared) = &pending.shared {
        shared.cancel();
      }
    }
    state.settler = None;
    // Forget the cached lookup: another environment may reuse the address.
    if CURRENT_ENV.get().1 == arg.cast::<EnvState>() {
      CURRENT_ENV.set((ptr::null_mut(), ptr::null_mut()));
    }
  });
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

/// Whether this environment has a JS settler attached.
pub(crate) fn has_settler(env: &Env) -> bool {
  env_state(env.raw()).is_ok_and(|s| s.settler.is_some())
}

/// Installs this environment's JS settler (see [`crate::settle`]). Only
/// once per environment (`lib/task.js` does it at load): a second settler
/// would strand the tasks pending in the first one's JS handle table, so a
/// second call fails with `ERR_NAPI_PARALLEL_INTERNAL`.
pub(crate) fn set_settler(env: &Env, settler: JsSettler) -> Result<(), NpError> {
  let state = env_state(env.raw()).map_err(NpError::from)?;
  if state.settler.is_some() {
    return Err(NpError::error(
      codes::INTERNAL,
      "napi-parallel: a task settler is already attached in this environment",
    ));
  }
  state.settler = Some(settler);
  Ok(())
}

impl EnvState {
  fn insert(&mut self, env: sys::napi_env, id: u64, pending: Pending) -> u32 {
    let slot = self.pending.insert(id, pending);
    if !self.keeping_alive {
      self.bridge.set_ref(env, true);
      self.keeping_alive = true;
    }
    slot
  }

  /// A fresh task state, reusing a spare one when there is one.
  fn new_shared(&mut self, pool: Option<Arc<PoolCore>>) -> Arc<TaskShared> {
    let fresh = |pool| TaskShared {
      status: AtomicU8::new(status::QUEUED),
      cancel: AtomicBool::new(false),
      timer: OnceLock::new(),
      pool,
    };
    // Spares are unique when kept, and no other thread can clone them.
    if let Some(mut shared) = self.spare.pop()
      && let Some(state) = Arc::get_mut(&mut shared)
    {
      *state = fresh(pool);
      return shared;
    }
    Arc::new(fresh(pool))
  }

  /// Keeps a finished task's state for reuse if no other thread holds it.
  fn recycle(&mut self, mut shared: Arc<TaskShared>) {
    if self.spare.len() < SPARE_MAX && Arc::get_mut(&mut shared).is_some() {
      self.spare.push(shared);
    }
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

/// Why a task argument was refused.
pub enum TaskArgError {
  /// A JS exception is already pending (a getter of the argument threw).
  Pending,
  /// A coded TypeError or RangeError to throw.
  Invalid(NpError),
}

impl From<NpError> for TaskArgError {
  fn from(e: NpError) -> Self {
    Self::Invalid(e)
  }
}

fn get_property(
  env: sys::napi_env,
  object: sys::napi_value,
  key: &std::ffi::CStr,
) -> Result<sys::napi_value, TaskArgError> {
  let mut value = ptr::null_mut();
  // SAFETY: live env and object on the JS thread.
  let status = unsafe { sys::napi_get_named_property(env, object, key.as_ptr(), &mut value) };
  if status == sys::Status::napi_ok {
    Ok(value)
  } else if is_exception_pending(env) {
    Err(TaskArgError::Pending)
  } else {
    Err(NpError::invalid_arg_value("task", "could not be read").into())
  }
}

fn is_exception_pending(env: sys::napi_env) -> bool {
  let mut pending = false;
  // SAFETY: live env.
  unsafe { sys::napi_is_exception_pending(env, &mut pending) };
  pending
}

fn number(env: sys::napi_env, value: sys::napi_value) -> f64 {
  let mut n = f64::NAN;
  // SAFETY: live env; `value` is a number (checked by the callers).
  unsafe { sys::napi_get_value_double(env, value, &mut n) };
  n
}

/// Longest task timeout, in ms (as `setTimeout`'s, and what `lib/task.js` accepts).
pub const MAX_TIMEOUT_MS: f64 = 2_147_483_647.0;

/// A task id: an integer in `1..9e15`.
fn task_id(env: sys::napi_env, value: sys::napi_value, name: &str) -> Result<u64, TaskArgError> {
  if type_of(env, value) != ValueType::Number {
    return Err(
      NpError::invalid_arg_type(
        name,
        "of type number (use the exported functions, not binding.js)",
      )
      .into(),
    );
  }
  let v = number(env, value);
  if v.fract() == 0.0 && (1.0..9.0e15).contains(&v) {
    Ok(v as u64)
  } else {
    Err(
      NpError::out_of_range(
        name,
        &format!("must be an integer >= 1 and < 9e15. Received {v:?}"),
      )
      .into(),
    )
  }
}

/// A timeout in ms: a number in `0..=MAX_TIMEOUT_MS`.
pub fn timeout_ms(v: f64, name: &str) -> Result<f64, NpError> {
  if (0.0..=MAX_TIMEOUT_MS).contains(&v) {
    Ok(v)
  } else {
    Err(NpError::out_of_range(
      name,
      &format!("must be >= 0 and <= 2147483647. Received {v:?}"),
    ))
  }
}

impl TaskArg {
  /// Reads a task argument: a task id, or `{ id, timeout?, pool? }`.
  /// Bad values are coded TypeErrors/RangeErrors naming `task.…`.
  ///
  /// # Safety
  /// `env` and `value` are live, on the JS thread.
  pub unsafe fn parse(env: sys::napi_env, value: sys::napi_value) -> Result<Self, TaskArgError> {
    match type_of(env, value) {
      ValueType::Number => Ok(Self {
        id: task_id(env, value, "task")?,
        timeout_ms: None,
        pool: None,
      }),
      ValueType::Object => {
        let id = task_id(env, get_property(env, value, c"id")?, "task.id")?;
        let timeout = get_property(env, value, c"timeout")?;
        let timeout_ms = match type_of(env, timeout) {
          ValueType::Undefined => None,
          ValueType::Number => Some(timeout_ms(number(env, timeout), "task.timeout")?),
          _ => return Err(NpError::invalid_arg_type("task.timeout", "of type number").into()),
        };
        let pool = get_property(env, value, c"pool")?;
        let pool = match type_of(env, pool) {
          ValueType::Undefined | ValueType::Null => None,
          // SAFETY: `ClassInstance` checks that the object wraps a `Pool`. (Not
          // `from_napi_ref`: it needs napi-rs's borrow scope, which raw
          // callbacks such as `pingAsync` do not open.)
          _ => match unsafe { ClassInstance::<crate::pool::Pool>::from_napi_value(env, pool) } {
            Ok(instance) => Some(instance.core().clone()),
            Err(_) => {
              if is_exception_pending(env) {
                return Err(TaskArgError::Pending);
              }
              return Err(NpError::invalid_arg_type("task.pool", "an instance of Pool").into());
            }
          },
        };
        Ok(Self {
          id,
          timeout_ms,
          pool,
        })
      }
      _ => Err(
        NpError::invalid_arg_type(
          "task",
          "a task id or { id, timeout, pool } (use the exported functions, not binding.js)",
        )
        .into(),
      ),
    }
  }
}

impl FromNapiValue for TaskArg {
  unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
    // SAFETY: caller contract.
    match unsafe { Self::parse(env, value) } {
      Ok(task) => Ok(task),
      Err(TaskArgError::Pending) => Err(napi::Error::from_status(napi::Status::PendingException)),
      Err(TaskArgError::Invalid(e)) => Err(e.throw(&Env::from_raw(env))),
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

/// Runs `job` on the task's pool. Returns the task's slot, where
/// `lib/task.js` keeps its TaskHandle until [`settle_completions`] settles it.
///
/// Submission failures (`ERR_QUEUE_FULL`, `ERR_POOL_CLOSED`) throw, and
/// `lib/task.js` turns them into a rejected handle. A job's `Err` rejects the
/// handle with that error; a panic rejects it with `ERR_NAPI_PARALLEL_PANIC`.
pub fn spawn<T, F>(env: &Env, task: TaskArg, job: F) -> napi::Result<TaskSlot>
where
  T: ToNapiValue + Send + 'static,
  F: FnOnce(&TaskCtx) -> Result<T, NpError> + Send + 'static,
{
  let raw_env = env.raw();
  let state = env_state(raw_env)?;
  if state.settler.is_none() {
    return Err(
      NpError::error(
        codes::INTERNAL,
        "napi-parallel: load the package (index.js), not binding.js alone: no task settler is attached",
      )
      .throw(env),
    );
  }
  let pool: &Arc<PoolCore> = match &task.pool {
    Some(pool) => pool,
    None => default_pool().map_err(|e| NpError::from(e).throw(env))?,
  };
  // Checked before anything is registered: a failure here leaves nothing pending.
  let deadline = match task.timeout_ms {
    None => None,
    Some(ms) => Some((
      ms,
      timeout_ms(ms, "task.timeout")
        .and_then(|ms| {
          Duration::try_from_secs_f64(ms / 1000.0)
            .map_err(|_| NpError::out_of_range("task.timeout", "must be a finite number of ms"))
        })
        .map_err(|e| e.throw(env))?,
    )),
  };
  let shared = state.new_shared(task.pool.clone());
  let id = task.id;
  let slot = state.insert(
    raw_env,
    id,
    Pending {
      shared: Some(shared.clone()),
      deferred: ptr::null_mut(),
    },
  );
  let bridge = state.bridge;
  // The timer is armed before the job is queued, so a job that finishes at
  // once always finds it to disarm (else it would linger until it fires).
  if let Some((ms, after)) = deadline {
    let timer_shared = shared.clone();
    let timer = deadline::schedule(after, move || {
      if timer_shared.finish_early(status::CANCELLED) {
        timer_shared.cancel.store(true, Relaxed);
        timer_shared.record(Outcome::Cancelled);
        bridge.push(Completion {
          slot,
          id,
          outcome: Err(NpError::timeout(ms)),
        });
      }
    });
    match timer {
      Ok(timer) => {
        let _ = shared.timer.set(timer);
      }
      Err(e) => {
        state.pending.take(slot, id);
        state.release_if_idle(raw_env);
        return Err(NpError::from(e).throw(env));
      }
    }
  }
  let job_shared = shared.clone();
  if let Err(e) = pool.submit(Job::new(move || {
    run_job(slot, id, &job_shared, bridge, job)
  })) {
    shared.stop_timer();
    state.pending.take(slot, id);
    state.release_if_idle(raw_env);
    return Err(NpError::from(e).throw(env));
  }
  Ok(slot)
}

/// What an async export returns: the task's slot (see [`spawn`]).
pub type TaskSlot = u32;

fn run_job<T, F>(slot: u32, id: u64, shared: &TaskShared, bridge: &Bridge, job: F)
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
  let (final_status, outcome): (u8, Result<ToJs, NpError>) = match catch_panic(|| job(&ctx)) {
    Ok(Ok(value)) => (status::DONE, Ok(ToJs::new(value))),
    Ok(Err(e)) => (status::FAILED, Err(e)),
    Err(panicked) => (status::FAILED, Err(panicked.into())),
  };
  if shared
    .status
    .compare_exchange(status::RUNNING, final_status, AcqRel, Acquire)
    .is_ok()
  {
    shared.stop_timer();
    shared.record(if final_status == status::DONE {
      Outcome::Completed
    } else {
      Outcome::Failed
    });
    bridge.push(Completion { slot, id, outcome });
  }
}

/// Settles every queued completion of this environment. Runs on its JS thread.
///
/// Task Promises settle in JS, in batches ([`crate::settle::Batch`]);
/// internal Promises settle here through their `napi_deferred`.
///
/// # Safety
/// `env` must be the live env whose bridge this is.
unsafe fn settle_completions(env: sys::napi_env, bridge: &Bridge) {
  let Ok(state) = env_state(env) else { return };
  let Some(settler) = state.settler else {
    // No task can have started; settle internal Promises only.
    bridge.take_all(|completion| unsafe { settle_internal(env, completion) });
    return;
  };
  let mut batch = Batch::new(env, settler);
  bridge.take_all(|completion| {
    // Looked up afresh: a flush runs JS, which may call back into this module.
    let Ok(state) = env_state(env) else { return };
    let Some(pending) = state.pending.take(completion.slot, completion.id) else {
      return; // cancelled, or a stale completion
    };
    match pending.shared {
      Some(shared) => {
        let cancelled = shared.status.load(Acquire) == status::CANCELLED;
        batch.push(completion.slot, completion.outcome, cancelled);
        // Looked up again: `push` may have run JS.
        if let Ok(state) = env_state(env) {
          state.recycle(shared);
        }
      }
      None => {
        batch.ensure_scope();
        // SAFETY: live env on its JS thread, inside the batch's scope; the
        // deferred left the registry above, so it is settled once.
        unsafe { settle_deferred(env, pending.deferred, completion.outcome) };
      }
    }
  });
  batch.flush();
  if let Ok(state) = env_state(env) {
    state.release_if_idle(env);
  }
}

/// Settles an internal Promise when no JS settler is attached.
unsafe fn settle_internal(env: sys::napi_env, completion: Completion) {
  let Ok(state) = env_state(env) else { return };
  let Some(pending) = state.pending.take(completion.slot, completion.id) else {
    return;
  };
  // SAFETY: live env on its JS thread; balanced scope; settled once.
  unsafe {
    let mut scope = ptr::null_mut();
    sys::napi_open_handle_scope(env, &mut scope);
    settle_deferred(env, pending.deferred, completion.outcome);
    sys::napi_close_handle_scope(env, scope);
  }
  state.release_if_idle(env);
}

/// Resolves or rejects an internal Promise.
///
/// # Safety
/// Live env on its JS thread, inside a handle scope; `deferred` unsettled.
unsafe fn settle_deferred(
  env: sys::napi_env,
  deferred: sys::napi_deferred,
  outcome: Result<ToJs, NpError>,
) {
  // SAFETY: caller contract.
  unsafe {
    match outcome.map(|value| value.into_js(env)) {
      Ok(Ok(value)) => {
        sys::napi_resolve_deferred(env, deferred, value);
      }
      Ok(Err(e)) => {
        let mut exception = ptr::null_mut();
        sys::napi_get_and_clear_last_exception(env, &mut exception);
        if crate::settle::is_error_value(env, exception) {
          sys::napi_reject_deferred(env, deferred, exception);
        } else {
          let error = NpError::error(
            codes::CONVERT,
            format!("Could not convert the result: {}", e.reason),
          );
          reject_with(env, deferred, &error);
        }
      }
      Err(error) => reject_with(env, deferred, &error),
    }
  }
}

/// An internal Promise settled from another thread (e.g. `Pool.close()`).
pub struct Settler {
  slot: u32,
  id: u64,
  bridge: &'static Bridge,
}

impl Settler {
  /// Settles the Promise. Callable from any thread.
  pub fn settle<T: ToNapiValue + Send + 'static>(self, result: Result<T, NpError>) {
    let outcome = result.map(ToJs::new);
    self.bridge.push(Completion {
      slot: self.slot,
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
  let slot = state.insert(
    env.raw(),
    id,
    Pending {
      shared: None,
      deferred,
    },
  );
  // SAFETY: `promise` was just created in this env.
  let promise = unsafe { Unknown::from_raw_unchecked(env.raw(), promise) };
  Ok((
    promise,
    Settler {
      slot,
      id,
      bridge: state.bridge,
    },
  ))
}

/// `(slot, id)` of `taskStatus`/`cancelTask`: numbers (else a coded
/// TypeError); values no task can have become `None`.
fn slot_and_id(
  env: &Env,
  slot: &Unknown<'_>,
  id: &Unknown<'_>,
) -> Result<Option<(u32, u64)>, NpError> {
  let slot = crate::args::number_arg(env, slot, "slot")?;
  let id = crate::args::number_arg(env, id, "id")?;
  let valid = |v: f64, max: f64| v.fract() == 0.0 && (0.0..=max).contains(&v);
  Ok((valid(slot, u32::MAX as f64) && valid(id, 9.0e15)).then_some((slot as u32, id as u64)))
}

/// The status code of the task `id` in `slot` while it is pending (see
/// `lib/task.js`), else 255: settled tasks keep their status in JS.
#[napi_derive::napi(catch_unwind, ts_args_type = "slot: number, id: number")]
pub fn task_status(env: &Env, slot: Unknown, id: Unknown) -> napi::Result<u32> {
  let Some((slot, id)) = slot_and_id(env, &slot, &id).map_err(|e| e.throw(env))? else {
    return Ok(status::UNKNOWN as u32);
  };
  let state = env_state(env.raw())?;
  Ok(
    match state.pending.get(slot, id).and_then(|p| p.shared.as_ref()) {
      Some(shared) => shared.status.load(Acquire) as u32,
      None => status::UNKNOWN as u32,
    },
  )
}

/// Cancels the pending task `id` in `slot`: sets its cancel flag, frees its
/// slot and returns true (the caller then rejects its handle); false if it
/// already finished.
#[napi_derive::napi(catch_unwind, ts_args_type = "slot: number, id: number")]
pub fn cancel_task(env: &Env, slot: Unknown, id: Unknown) -> napi::Result<bool> {
  let Some((slot, id)) = slot_and_id(env, &slot, &id).map_err(|e| e.throw(env))? else {
    return Ok(false);
  };
  let raw_env = env.raw();
  let state = env_state(raw_env)?;
  let Some(shared) = state.pending.get(slot, id).and_then(|p| p.shared.clone()) else {
    return Ok(false);
  };
  if !shared.cancel() {
    return Ok(false);
  }
  state.pending.take(slot, id);
  state.release_if_idle(raw_env);
  Ok(true)
}

/// Number of tasks pending in this environment (diagnostics and tests).
#[napi_derive::napi(catch_unwind)]
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

/// The next task id not yet handed out in this process.
static NEXT_TASK_ID: AtomicU64 = AtomicU64::new(1);

/// Reserves `count` consecutive task ids, unique in the process (every
/// environment shares the counter), and returns the first. `lib/task.js`
/// takes them in blocks, so ids stay small integers.
#[napi_derive::napi(catch_unwind)]
pub fn reserve_task_ids(count: u32) -> f64 {
  NEXT_TASK_ID.fetch_add(count as u64, Relaxed) as f64
}
