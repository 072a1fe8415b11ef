//! Settling: the one place where task Promises and internal Promises
//! settle. A wake-up of the environment's bridge drains every queued
//! completion ([`settle_completions`]): task Promises settle in JS, in
//! batches ([`Batch`]); internal Promises ([`settle_later`], e.g.
//! `Pool.close()`) settle here through their `napi_deferred`.

use std::ptr;
use std::sync::atomic::Ordering::Acquire;

use napi::bindgen_prelude::{ToNapiValue, Unknown};
use napi::{Env, JsValue, sys};

use super::batch::{self, Batch};
use super::env::{self, Pending, env_state};
use super::state::status;
use super::worker;
use crate::bridge::{Bridge, Completion, Message, ToJs};
use crate::error::{NpError, codes};

/// The Promise an async export returns (typed per export with `ts_return_type`).
pub type TaskPromise<'env> = Unknown<'env>;

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

/// Settles every queued completion of this environment. Runs on its JS thread.
///
/// Task Promises settle in JS, in batches ([`Batch`]);
/// internal Promises settle here through their `napi_deferred`.
///
/// # Safety
/// `env` must be the live env whose bridge this is.
pub(super) unsafe fn settle_completions(env: sys::napi_env, bridge: &Bridge) {
  /// Restores the flag however the settle ends (a panic included).
  struct Restore(bool);
  impl Drop for Restore {
    fn drop(&mut self) {
      SETTLING.set(self.0);
    }
  }
  let _restore = Restore(SETTLING.replace(true));
  // SAFETY: caller contract.
  unsafe { settle_all(env, bridge) };
}

/// The body of [`settle_completions`].
unsafe fn settle_all(env: sys::napi_env, bridge: &Bridge) {
  let Ok(state) = env_state(env) else { return };
  let Some(settler) = state.settler else {
    // No task can have started; settle internal Promises only.
    bridge.take_all(|message| {
      if let Message::Task(completion) = message {
        unsafe { settle_internal(env, completion) }
      }
    });
    return;
  };
  let mut batch = Batch::new(env, settler);
  bridge.take_all(|message| {
    let completion = match message {
      Message::Task(completion) => completion,
      Message::Worker(result) => return worker::settle_worker(env, &mut batch, *result),
      Message::Control {
        engine,
        worker,
        task,
      } => return worker::push_control(&mut batch, engine, worker, task),
    };
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

/// Internal: settles now, on this thread, the completions already queued for
/// this environment, without waiting for the bridge's wake-up (which then
/// finds nothing). `lib/engine/dispatch.js` polls it for a few µs after a
/// lone task went to a spinning worker: the result is back sooner than the
/// event loop's next turn. Returns whether anything was queued. Does nothing
/// while a settle is already running on this thread (a settle runs JS).
/// With `yieldCpu`, a call that finds nothing gives up the CPU for a moment
/// (`sched_yield`): polled in a loop, it lets a worker that the kernel woke
/// on this thread's CPU run (and report the very result polled for),
/// instead of spinning against it until the time slice ends.
#[napi_derive::napi(catch_unwind)]
pub fn settle_queued(env: &Env, yield_cpu: Option<bool>) -> napi::Result<bool> {
  let raw = env.raw();
  let state = env_state(raw)?;
  if !state.bridge.has_queued() || SETTLING.get() {
    if yield_cpu == Some(true) {
      std::thread::yield_now();
    }
    return Ok(false);
  }
  let bridge = state.bridge;
  // SAFETY: live env on its own JS thread; `bridge` is this environment's.
  unsafe { settle_completions(raw, bridge) };
  Ok(true)
}

thread_local! {
  /// A settle runs on this thread now (its JS may call `settle_queued`).
  static SETTLING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
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
        if batch::is_error_value(env, exception) {
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

/// Internal: `lib/task.js` attaches its `settleBatch(count)` once per
/// environment and gets back `[slots: Uint32Array, kinds: Uint8Array, nums:
/// Float64Array, values: unknown[]]`, which each call fills with `count`
/// entries. Tasks cannot start before this.
#[napi_derive::napi(
  catch_unwind,
  ts_return_type = "[Uint32Array, Uint8Array, Float64Array, unknown[]]"
)]
pub fn attach_settler<'env>(
  env: &'env Env,
  #[napi(ts_arg_type = "(count: number) => void")] settle_batch: Unknown<'env>,
) -> napi::Result<Unknown<'env>> {
  let raw = env.raw();
  if env::has_settler(env) {
    return Err(
      NpError::error(
        codes::INTERNAL,
        "napi-parallel: a task settler is already attached in this environment",
      )
      .throw(env),
    );
  }
  // SAFETY: a generated napi callback: live env on its JS thread.
  let (settler, arrays) =
    unsafe { batch::create(raw, settle_batch.raw()) }.map_err(|e| e.throw(env))?;
  env::set_settler(env, settler).map_err(|e| e.throw(env))?;
  let mut list = ptr::null_mut();
  // SAFETY: live env; `arrays` are values of this call.
  unsafe {
    sys::napi_create_array_with_length(raw, arrays.len(), &mut list);
    for (i, value) in arrays.iter().enumerate() {
      sys::napi_set_element(raw, list, i as u32, *value);
    }
    Ok(Unknown::from_raw_unchecked(raw, list))
  }
}
