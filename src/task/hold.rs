//! Held tasks: registered as [`super::spawn`] registers a job's task (a
//! slot, a status, a deadline, cancellation, the keep-alive ref) but with no
//! job. JS drives the work (a `graph()` run over several node tasks) and
//! completes the task with [`release`]; until then `taskStatus`,
//! `cancelTask`, an abort signal and the `timeout` work as for any task.

use std::ptr;
use std::sync::atomic::Ordering::*;
use std::time::Duration;

use napi::Env;
use napi_parallel_pool::{Outcome, deadline};

use super::env::{Pending, env_state};
use super::state::status;
use super::{TaskArg, TaskSlot, timeout_ms};
use crate::bridge::{Completion, ToJs};
use crate::error::{NpError, codes};

/// Registers `task` as running, with no job; returns its slot.
pub fn hold(env: &Env, task: TaskArg) -> napi::Result<TaskSlot> {
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
  let deadline = match task.timeout {
    None | Some(0.0) => None,
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
  shared.status.store(status::RUNNING, Release);
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
  if let Some((ms, after)) = deadline {
    let timer_shared = shared.clone();
    let timer = deadline::schedule(after, move || {
      if timer_shared.finish_early_from(status::CANCELLED).is_some() {
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
  Ok(slot)
}

/// Completes the held task `id` in `slot` with `undefined` (its TaskHandle's
/// finisher gives the real value). False if it is no longer running
/// (cancelled, timed out, released, or not a task of this environment).
pub fn release(env: &Env, slot: u32, id: u64) -> napi::Result<bool> {
  let state = env_state(env.raw())?;
  let Some(shared) = state.pending.get(slot, id).and_then(|p| p.shared.clone()) else {
    return Ok(false);
  };
  if shared
    .status
    .compare_exchange(status::RUNNING, status::DONE, AcqRel, Acquire)
    .is_err()
  {
    return Ok(false);
  }
  shared.stop_timer();
  state.bridge.push(Completion {
    slot,
    id,
    outcome: Ok(ToJs::new(())),
  });
  Ok(true)
}
