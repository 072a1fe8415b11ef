//! One environment's task state (the main thread and each worker_thread):
//! its registry of pending tasks (a slab: [`Registry`]), its completion
//! [`Bridge`], its JS settler, and the cleanup hook that cancels what it
//! still owns when it is torn down.

use std::cell::Cell;
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use napi::{Env, sys};
use napi_parallel_pool::unwind::halt_unwinding;
use napi_parallel_pool::{PoolCore, Registry};

use super::batch::JsSettler;
use super::state::TaskShared;
use crate::bridge::{self, Bridge, OnWake};
use crate::error::{NpError, codes};

/// A pending task's native side. Its Promise lives in JS (`lib/task.js`),
/// at the same slot, except for internal Promises such as `Pool.close()`,
/// which native code creates and settles through a `napi_deferred`.
pub(super) struct Pending {
  /// `None` for internal Promises.
  pub(super) shared: Option<Arc<TaskShared>>,
  /// Null except for internal Promises.
  pub(super) deferred: sys::napi_deferred,
}

/// One environment's registry. Only ever touched on that environment's JS thread.
pub struct EnvState {
  pub(super) bridge: &'static Bridge,
  pub(super) pending: Registry<Pending>,
  keeping_alive: bool,
  pub(super) next_internal_id: u64,
  /// Attached by `lib/task.js` at load; tasks cannot start before.
  pub(super) settler: Option<JsSettler>,
  /// Task states no other thread holds any more, for reuse: an allocation
  /// on the JS thread and a free on a pool thread per task were measurable.
  spare: Vec<Arc<TaskShared>>,
}

/// At most this many spare task states are kept per environment.
const SPARE_MAX: usize = 4096;

static NEXT_ENV_ID: AtomicU32 = AtomicU32::new(1);

/// Creates this environment's bridge (whose wake-ups call `on_wake`) and
/// registry. Called once per environment at module load.
pub(super) fn install(env: &Env, on_wake: OnWake) -> napi::Result<()> {
  let bridge = bridge::install(env.raw(), on_wake)?;
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

/// This environment's state. Call it afresh after anything that may have
/// run JS (which may call back into this module): never hold it across that.
pub(super) fn env_state(env: sys::napi_env) -> napi::Result<&'static mut EnvState> {
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
pub(super) fn has_settler(env: &Env) -> bool {
  env_state(env.raw()).is_ok_and(|s| s.settler.is_some())
}

/// Installs this environment's JS settler (see [`super::batch`]). Only
/// once per environment (`lib/task.js` does it at load): a second settler
/// would strand the tasks pending in the first one's JS handle table, so a
/// second call fails with `ERR_NAPI_PARALLEL_INTERNAL`.
pub(super) fn set_settler(env: &Env, settler: JsSettler) -> Result<(), NpError> {
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
  /// Registers a pending task under `id` and returns its slot; the first
  /// one keeps the event loop alive.
  pub(super) fn insert(&mut self, env: sys::napi_env, id: u64, pending: Pending) -> u32 {
    let slot = self.pending.insert(id, pending);
    if !self.keeping_alive {
      self.bridge.set_ref(env, true);
      self.keeping_alive = true;
    }
    slot
  }

  /// A fresh task state, reusing a spare one when there is one.
  pub(super) fn new_shared(&mut self, pool: Option<Arc<PoolCore>>) -> Arc<TaskShared> {
    // Spares are unique when kept, and no other thread can clone them.
    if let Some(mut shared) = self.spare.pop()
      && let Some(state) = Arc::get_mut(&mut shared)
    {
      *state = TaskShared::new(pool);
      return shared;
    }
    Arc::new(TaskShared::new(pool))
  }

  /// Keeps a finished task's state for reuse if no other thread holds it.
  pub(super) fn recycle(&mut self, mut shared: Arc<TaskShared>) {
    if self.spare.len() < SPARE_MAX && Arc::get_mut(&mut shared).is_some() {
      self.spare.push(shared);
    }
  }

  /// Lets the event loop exit once nothing is pending.
  pub(super) fn release_if_idle(&mut self, env: sys::napi_env) {
    if self.pending.is_empty() && self.keeping_alive {
      self.bridge.set_ref(env, false);
      self.keeping_alive = false;
    }
  }
}
