//! What JS asks of pending tasks: their status, cancellation, how many are
//! pending, and process-unique task ids.

use std::sync::atomic::{AtomicU64, Ordering::*};

use napi::Env;
use napi::bindgen_prelude::Unknown;

use super::env::env_state;
use super::state::{NATIVE, TaskShared, UNSUBMITTED, status};
use crate::bridge::{Bridge, Message};
use crate::error::NpError;

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
#[napi_derive::napi(catch_unwind)]
pub fn task_status(
  env: &Env,
  #[napi(ts_arg_type = "number")] slot: Unknown,
  #[napi(ts_arg_type = "number")] id: Unknown,
) -> napi::Result<u32> {
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

/// Items the pending task `id` in `slot` has finished so far (as its job
/// reports them: a native map counts elements per finished chunk), or -1
/// when it is not pending in this environment.
#[napi_derive::napi(catch_unwind)]
pub fn task_progress(
  env: &Env,
  #[napi(ts_arg_type = "number")] slot: Unknown,
  #[napi(ts_arg_type = "number")] id: Unknown,
) -> napi::Result<f64> {
  let Some((slot, id)) = slot_and_id(env, &slot, &id).map_err(|e| e.throw(env))? else {
    return Ok(-1.0);
  };
  let state = env_state(env.raw())?;
  Ok(
    match state.pending.get(slot, id).and_then(|p| p.shared.as_ref()) {
      Some(shared) => shared.progress.load(Relaxed) as f64,
      None => -1.0,
    },
  )
}

/// Cancels the pending task `id` in `slot`: sets its cancel flag, frees its
/// slot and returns true (the caller then rejects its handle); false if it
/// already finished.
#[napi_derive::napi(catch_unwind)]
pub fn cancel_task(
  env: &Env,
  #[napi(ts_arg_type = "number")] slot: Unknown,
  #[napi(ts_arg_type = "number")] id: Unknown,
) -> napi::Result<bool> {
  let Some((slot, id)) = slot_and_id(env, &slot, &id).map_err(|e| e.throw(env))? else {
    return Ok(false);
  };
  let raw_env = env.raw();
  let state = env_state(raw_env)?;
  let Some(shared) = state.pending.get(slot, id).and_then(|p| p.shared.clone()) else {
    return Ok(false);
  };
  let Some(prior) = shared.cancel_from() else {
    return Ok(false);
  };
  if prior == status::RUNNING {
    request_kill(&shared, state.bridge, id);
  }
  state.pending.take(slot, id);
  state.release_if_idle(raw_env);
  Ok(true)
}

/// Asks the task's environment to stop the engine worker running it (a
/// cancelled or timed-out engine task that was running). Pool tasks stop
/// at their own next check instead: nothing to do for them.
pub(super) fn request_kill(shared: &TaskShared, bridge: &Bridge, id: u64) {
  let engine = shared.engine.load(Acquire);
  if engine == NATIVE || engine == UNSUBMITTED {
    return;
  }
  bridge.send(Message::Control {
    engine,
    worker: shared.worker.load(Acquire),
    task: id,
  });
}

/// Number of tasks pending in this environment (diagnostics and tests).
#[napi_derive::napi(catch_unwind)]
pub fn pending_task_count(env: &Env) -> napi::Result<u32> {
  Ok(env_state(env.raw())?.pending.len() as u32)
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
