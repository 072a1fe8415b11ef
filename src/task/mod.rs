//! Tasks: the per-environment registry of pending Promises, submission onto a
//! pool, cancellation, deadlines, and settling completions from the bridge.
//!
//! Every async export calls [`spawn`]. It registers the task in this
//! environment's registry ([`env`]) and queues the job on a pool, and
//! returns the task's slot. `lib/task.js` has already created the task's
//! Promise (a TaskHandle) and keeps it at the same slot of a JS array. The
//! job runs under `catch_unwind`; its result travels back through the
//! environment's [`Bridge`], and one wake-up settles every finished task
//! ([`settle`]), handing them to JS in batches ([`batch`]). Status is an
//! atomic shared by the registry, the job and the deadline timer
//! ([`state`]); whichever moves it to a final state first decides how the
//! Promise settles, so each settles exactly once.
//!
//! Modules, each depending only on those before it: [`state`] (a task's
//! shared state), [`batch`] (the JS side of settling), [`env`] (one
//! environment's registry), [`arg`] (the task argument), [`settle`] (the
//! drain and internal Promises), [`control`] (status, cancel, ids), then
//! this file (submission). Nothing here depends on `crate::pool`: the `Pool`
//! class is read through the function passed to [`init_env`].

pub mod arg;
pub mod batch;
pub mod control;
pub mod env;
pub mod hold;
pub mod settle;
pub mod state;
pub mod worker;

use std::ptr;
use std::sync::Arc;
use std::sync::atomic::Ordering::*;
use std::time::Duration;

use napi::Env;
use napi::bindgen_prelude::ToNapiValue;
use napi_parallel_pool::deadline;
use napi_parallel_pool::unwind::catch_panic;
use napi_parallel_pool::{Job, Outcome, PoolCore, default_pool};

pub use arg::{MAX_TIMEOUT_MS, PoolOf, TaskArg, TaskArgError, timeout_ms};
pub use control::{cancel_task, pending_task_count, reserve_task_ids, task_status};
pub use env::EnvState;
pub use settle::{Settler, TaskPromise, attach_settler, settle_later, settle_queued};
pub(crate) use state::TaskShared;
pub use state::{TaskCtx, status};

use crate::bridge::{Bridge, Completion, ToJs};
use crate::error::{NpError, codes};
use env::{Pending, env_state};

/// Sets up tasks in this environment: its bridge (whose wake-ups settle
/// completions) and registry; `pool_of` reads the `pool` field of task
/// arguments. Called once per environment at module load.
pub fn init_env(env: &Env, pool_of: PoolOf) -> napi::Result<()> {
  arg::set_pool_of(pool_of);
  env::install(env, settle::settle_completions)
}

/// Runs `job` on the task's pool. Returns the task's slot, where
/// `lib/task.js` keeps its TaskHandle until [`settle::settle_completions`] settles it.
///
/// Submission failures (`ERR_QUEUE_FULL`, `ERR_POOL_CLOSED`) throw, and
/// `lib/task.js` turns them into a rejected handle. A job's `Err` rejects the
/// handle with that error; a panic rejects it with `ERR_NAPI_PARALLEL_PANIC`.
pub fn spawn<T, F>(env: &Env, task: TaskArg, job: F) -> napi::Result<TaskSlot>
where
  T: ToNapiValue + Send + 'static,
  F: FnOnce(&TaskCtx) -> Result<T, NpError> + Send + 'static,
{
  let pool: &Arc<PoolCore> = match &task.pool {
    Some(pool) => pool,
    None => {
      check_settler(env)?;
      default_pool().map_err(|e| NpError::from(e).throw(env))?
    }
  };
  let (slot, shared, bridge) = register(env, &task, state::NATIVE, 1)?;
  let raw_env = env.raw();
  let id = task.id;
  let job_shared = shared.clone();
  if let Err(e) = pool.submit(Job::new(move || {
    run_job(slot, id, &job_shared, bridge, job)
  })) {
    shared.stop_timer();
    let state = env_state(raw_env)?;
    state.pending.take(slot, id);
    state.release_if_idle(raw_env);
    return Err(NpError::from(e).throw(env));
  }
  Ok(slot)
}

fn check_settler(env: &Env) -> napi::Result<()> {
  if env_state(env.raw())?.settler.is_none() {
    return Err(
      NpError::error(
        codes::INTERNAL,
        "napi-parallel: load the package (index.js), not binding.js alone: no task settler is attached",
      )
      .throw(env),
    );
  }
  Ok(())
}

/// Registers a task as [`spawn`] does (registry entry, status QUEUED,
/// deadline timer, keep-alive) without queuing anything. `engine` is
/// [`state::NATIVE`] or [`state::UNSUBMITTED`]; `parts` how many parts must
/// report ok before an engine task is done.
pub(super) fn register(
  env: &Env,
  task: &TaskArg,
  engine: u32,
  parts: u32,
) -> napi::Result<(u32, Arc<TaskShared>, &'static Bridge)> {
  check_settler(env)?;
  let raw_env = env.raw();
  // Checked before anything is registered: a failure here leaves nothing pending.
  // 0 means no timeout, as Memo's `ttl: 0` and Node's own `timeout` options.
  let deadline = match task.timeout {
    None => None,
    Some(0.0) => None, // -0.0 too: float patterns compare with ==
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
  let state = env_state(raw_env)?;
  let shared = state.new_shared(task.pool.clone());
  if engine != state::NATIVE || parts != 1 {
    // A fresh or recycled state: no other thread holds it yet.
    shared.engine.store(engine, Relaxed);
    shared.parts_left.store(parts, Relaxed);
  }
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
      if let Some(prior) = timer_shared.finish_early_from(status::CANCELLED) {
        timer_shared.cancel.store(true, Relaxed);
        timer_shared.record(Outcome::Cancelled);
        bridge.push(Completion {
          slot,
          id,
          outcome: Err(NpError::timeout(ms)),
        });
        if prior == status::RUNNING {
          control::request_kill(&timer_shared, bridge, id);
        }
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
  Ok((slot, shared, bridge))
}

/// Registers a task that an engine worker will run (`engineRegister`): as
/// [`spawn`], but nothing is queued; `parts` entries must report ok.
pub fn register_engine_task(env: &Env, task: &TaskArg, parts: u32) -> napi::Result<TaskSlot> {
  register(env, task, state::UNSUBMITTED, parts).map(|(slot, _, _)| slot)
}

/// The shared state of the task `id` pending in `slot` of this environment
/// (for `engineSubmit`), or `None` if it already settled.
pub(crate) fn pending_shared(
  env: &Env,
  slot: u32,
  id: u64,
) -> napi::Result<Option<Arc<TaskShared>>> {
  let state = env_state(env.raw())?;
  Ok(state.pending.get(slot, id).and_then(|p| p.shared.clone()))
}

/// This environment's bridge.
pub(crate) fn env_bridge(env: &Env) -> napi::Result<&'static Bridge> {
  Ok(env_state(env.raw())?.bridge)
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
