//! Held tasks: registered as [`super::spawn`] registers a job's task (a
//! slot, a status, a deadline, cancellation, the keep-alive ref) but with no
//! job. JS drives the work (a `graph()` run over several node tasks) and
//! completes the task with [`release`]; until then `taskStatus`,
//! `cancelTask`, an abort signal and the `timeout` work as for any task.

use std::sync::atomic::Ordering::*;

use napi::Env;

use super::env::env_state;
use super::state::{NATIVE, status};
use super::{TaskArg, TaskSlot};
use crate::bridge::{Completion, ToJs};

/// Registers `task` as running, with no job; returns its slot. The
/// registration (entry, deadline timer, keep-alive) is [`super::register`]'s.
pub fn hold(env: &Env, task: TaskArg) -> napi::Result<TaskSlot> {
  let (slot, shared, _) = super::register(env, &task, NATIVE, 1)?;
  shared.status.store(status::RUNNING, Release);
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
