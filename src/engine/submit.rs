//! The submitting environment's side of an engine: create, close, register
//! tasks, submit batches, read the figures.

use std::ffi::c_void;
use std::sync::Arc;
use std::sync::atomic::Ordering::*;

use napi::Env;
use napi::bindgen_prelude::{Float64ArraySlice, Uint8ArraySlice, Uint32ArraySlice, Unknown};
use napi::sys;
use napi_parallel_pool::Outcome;
use napi_parallel_workq::{Batch, Entry, SubmitError, TaskEnd};

use super::entry::EngineTask;
use super::table::{self, Engine};
use super::{engine_arg, int_arg};
use crate::bridge::{Bridge, Completion};
use crate::error::{NpError, codes};
use crate::task::{self, TaskArg, TaskShared, status};

fn record_outcome(engine: u32, outcome: Outcome) {
  if let Some(e) = table::get(engine) {
    let end = match outcome {
      Outcome::Completed => TaskEnd::Completed,
      Outcome::Failed => TaskEnd::Failed,
      Outcome::Cancelled => TaskEnd::Cancelled,
    };
    e.queue.record_end(end, None, None);
  }
}

/// Rejects the task of `entry` with `error` (if it is still queued or
/// running) through its environment's bridge, and releases the entry.
pub(super) fn fail_task(engine: &Engine, entry: &EngineTask, error: impl FnOnce() -> NpError) {
  if let Some(shared) = entry.shared() {
    fail_shared(engine, shared, entry, error);
  }
  entry.release();
}

fn fail_shared(
  engine: &Engine,
  shared: &TaskShared,
  entry: &EngineTask,
  error: impl FnOnce() -> NpError,
) {
  if shared.finish_early_from(status::FAILED).is_some() {
    shared.stop_timer();
    engine.queue.record_end(TaskEnd::Failed, None, None);
    entry.bridge.push(Completion {
      slot: entry.slot,
      id: entry.id,
      outcome: Err(error()),
    });
  }
}

pub(super) fn closed_error() -> NpError {
  NpError::error(codes::POOL_CLOSED, "The worker engine was closed")
}

/// Closes `engine`: queued batches' tasks reject with ERR_POOL_CLOSED,
/// except those of `silent` (a bridge being torn down: dropped).
fn close_engine(engine: &Engine, silent: Option<&'static Bridge>) {
  engine.functions.clear();
  for batch in engine.queue.close() {
    for (i, entry) in batch.entries.iter().enumerate() {
      if batch.mark_reported(i).is_none() {
        continue;
      }
      let task = &entry.task;
      if silent.is_some_and(|b| std::ptr::eq(b, task.bridge)) {
        task.release();
      } else {
        fail_task(engine, task, closed_error);
      }
    }
  }
}

struct Owner {
  engine: u32,
  bridge: &'static Bridge,
}

unsafe extern "C" fn on_owner_cleanup(arg: *mut c_void) {
  let _ = std::panic::catch_unwind(|| {
    // SAFETY: the `Box<Owner>` leaked in `engine_create`, freed here or in `engine_close`.
    let owner = unsafe { Box::from_raw(arg.cast::<Owner>()) };
    if let Some(engine) = table::get(owner.engine)
      && engine.hooked.swap(false, AcqRel)
    {
      close_engine(engine, Some(owner.bridge));
    }
  });
}

/// Internal (lib/engine): creates a worker engine of `workers` worker slots
/// whose queue holds at most `maxQueue` tasks (0: unbounded), owned by this
/// environment (closed when it is torn down). Returns its id, valid in
/// every environment of the process.
#[napi_derive::napi(catch_unwind)]
pub fn engine_create(
  env: &Env,
  #[napi(ts_arg_type = "number")] workers: Unknown,
  #[napi(ts_arg_type = "number")] max_queue: Unknown,
) -> napi::Result<u32> {
  let workers = int_arg(env, &workers, "workers", 1.0, table::MAX_WORKERS as f64)? as usize;
  let max_queue = int_arg(env, &max_queue, "maxQueue", 0.0, u32::MAX as f64)? as usize;
  let bridge = task::env_bridge(env)?;
  let _ = crate::task::state::ENGINE_OUTCOME.set(record_outcome);
  let engine = table::create(workers, max_queue, env.raw() as usize).ok_or_else(|| {
    NpError::error(codes::INTERNAL, "too many worker engines in this process").throw(env)
  })?;
  let owner = Box::into_raw(Box::new(Owner {
    engine: engine.id,
    bridge,
  }));
  // SAFETY: live env on its JS thread; `owner` is freed by the hook or on close.
  let status =
    unsafe { sys::napi_add_env_cleanup_hook(env.raw(), Some(on_owner_cleanup), owner.cast()) };
  if status != sys::Status::napi_ok {
    // SAFETY: not registered: ours again.
    drop(unsafe { Box::from_raw(owner) });
    engine.hooked.store(false, Release);
  } else {
    engine.hook_arg.store(owner as usize, Release);
  }
  Ok(engine.id)
}

/// Internal (lib/engine): closes the engine. Its queued tasks reject with
/// ERR_POOL_CLOSED; batches workers hold still report. Idempotent.
#[napi_derive::napi(catch_unwind)]
pub fn engine_close(
  env: &Env,
  #[napi(ts_arg_type = "number")] engine: Unknown,
) -> napi::Result<()> {
  let engine = engine_arg(env, &engine)?;
  if engine.owner == env.raw() as usize && engine.hooked.swap(false, AcqRel) {
    let arg = engine.hook_arg.swap(0, AcqRel);
    if arg != 0 {
      // SAFETY: registered in `engine_create` on this env with this argument.
      unsafe {
        sys::napi_remove_env_cleanup_hook(env.raw(), Some(on_owner_cleanup), arg as *mut c_void);
        drop(Box::from_raw(arg as *mut Owner));
      }
    }
  }
  close_engine(engine, None);
  Ok(())
}

/// Internal (lib/engine): registers a task that an engine worker will run,
/// exactly as native tasks are (status `queued`, timeout, cancel, keep-alive)
/// but queues nothing; `parts` entries of it must report ok before it is
/// done. Returns its slot.
#[napi_derive::napi(catch_unwind)]
pub fn engine_register(
  env: &Env,
  task: TaskArg,
  #[napi(ts_arg_type = "number")] parts: Unknown,
) -> napi::Result<u32> {
  let parts = int_arg(env, &parts, "parts", 1.0, u32::MAX as f64)? as u32;
  task::register_engine_task(env, &task, parts)
}

/// Internal (lib/engine): queues a batch of `slots.length` entries; entry
/// `i` is a part of `sizes[i]` items of the task (`slots[i]`, `ids[i]`).
/// `payload` (copied) is what workers read; `target` is -1 for the shared
/// queue, else the worker whose private queue gets it. `release`: the
/// payload's own ArrayBuffer (a `v8.Serializer`'s), detached once copied,
/// so that its bytes are freed now, not at a collection (see
/// `release.rs`). Throws
/// ERR_QUEUE_FULL when the queue would hold more than `maxQueue` tasks, and
/// ERR_POOL_CLOSED after `engineClose`. Tasks no longer pending stay in the
/// batch, already final (workers skip them).
// The JS-facing signature: each argument is one the dispatcher has at hand.
#[allow(clippy::too_many_arguments)]
#[napi_derive::napi(catch_unwind)]
pub fn engine_submit(
  env: &Env,
  #[napi(ts_arg_type = "number")] engine: Unknown,
  payload: Uint8ArraySlice,
  slots: Uint32ArraySlice,
  ids: Float64ArraySlice,
  sizes: Uint32ArraySlice,
  #[napi(ts_arg_type = "number")] target: Unknown,
  #[napi(ts_arg_type = "ArrayBuffer")] release: Option<Unknown>,
) -> napi::Result<()> {
  let engine = engine_arg(env, &engine)?;
  let target = int_arg(
    env,
    &target,
    "target",
    -1.0,
    engine.queue.workers() as f64 - 1.0,
  )?;
  let n = slots.len();
  if ids.len() != n || sizes.len() != n {
    return Err(
      NpError::invalid_arg_value("ids", "and sizes must have as many elements as slots").throw(env),
    );
  }
  if engine.queue.is_closed() {
    return Err(closed_error().throw(env));
  }
  let bridge = task::env_bridge(env)?;
  let mut entries = Vec::new();
  entries
    .try_reserve_exact(n)
    .map_err(|_| NpError::out_of_memory("the batch", n * 64).throw(env))?;
  for i in 0..n {
    let (slot, id) = (slots[i], ids[i]);
    let id = if id.fract() == 0.0 && (1.0..9.0e15).contains(&id) {
      id as u64
    } else {
      0
    };
    let shared: Option<Arc<TaskShared>> = if id == 0 {
      None
    } else {
      task::pending_shared(env, slot, id)?
    };
    if let Some(s) = &shared {
      s.engine.store(engine.id, Release);
    }
    entries.push(Entry::new(
      EngineTask::new(slot, id, bridge, shared),
      sizes[i],
    ));
  }
  let mut bytes = Vec::new();
  bytes
    .try_reserve_exact(payload.len())
    .map_err(|_| NpError::out_of_memory("the batch payload", payload.len()).throw(env))?;
  bytes.extend_from_slice(&payload);
  if let Some(buffer) = &release {
    super::release::detach(env, buffer);
  }
  let target = (target >= 0.0).then_some(target as u32);
  let batch = Batch::new(table::token(engine.id), bytes, entries, target);
  engine.queue.submit(batch).map(|_| ()).map_err(|e| {
    match e {
      SubmitError::Full { max_queue } => NpError::error(
        codes::QUEUE_FULL,
        format!("The worker engine's queue is full (maxQueue: {max_queue})"),
      ),
      SubmitError::Closed => closed_error(),
      SubmitError::BadTarget { workers } => NpError::out_of_range(
        "target",
        &format!("must be -1 or a worker index < {workers}"),
      ),
    }
    .throw(env)
  })
}

/// Internal (lib/engine/dispatch.js): how many task entries of `engine`
/// are queued, not yet taken by a worker (after a lone batch: 0 means a
/// spinning worker took it already, so no bell needs to ring).
#[napi_derive::napi(catch_unwind)]
pub fn engine_queued(
  env: &Env,
  #[napi(ts_arg_type = "number")] engine: Unknown,
) -> napi::Result<f64> {
  Ok(engine_arg(env, &engine)?.queue.queued() as f64)
}

/// Internal (lib/engine/workers.js `pick`): the batches worker `worker` of
/// `engine` has to get through (queued for it alone, or held). A batch
/// whose buffers travel on one worker's port goes to the one with the least.
#[napi_derive::napi(catch_unwind)]
pub fn engine_backlog(
  env: &Env,
  #[napi(ts_arg_type = "number")] engine: Unknown,
  worker: u32,
) -> napi::Result<f64> {
  Ok(engine_arg(env, &engine)?.queue.backlog(worker) as f64)
}

/// One engine worker's figures.
#[napi_derive::napi(object)]
pub struct EngineWorkerStats {
  /// Tasks it completed.
  pub completed: f64,
  /// Time it held at least one batch, in ms.
  pub busy_ms: f64,
  /// `busyMs` over the engine's age, 0..1.
  pub utilization: f64,
}

/// A worker engine's figures (times in ms, from log-linear histograms, ±6%).
#[napi_derive::napi(object)]
pub struct EngineStats {
  /// Worker slots.
  pub workers: u32,
  /// Tasks queued, not yet taken by a worker.
  pub queued: f64,
  /// Workers running a batch now.
  pub busy: u32,
  /// Tasks finished with a value.
  pub completed: f64,
  /// Tasks finished with an error (their own, or their worker exited).
  pub failed: f64,
  /// Tasks cancelled, aborted or timed out.
  pub cancelled: f64,
  /// Run time per task part (begin to report), median.
  pub run_p50: f64,
  /// Run time p99.
  pub run_p99: f64,
  /// Wait time per task part (submit to begin), median.
  pub wait_p50: f64,
  /// Wait time p99.
  pub wait_p99: f64,
  /// Per worker slot.
  pub per_worker: Vec<EngineWorkerStats>,
}

/// Internal (lib/engine): the engine's figures.
#[napi_derive::napi(catch_unwind)]
pub fn engine_stats(
  env: &Env,
  #[napi(ts_arg_type = "number")] engine: Unknown,
) -> napi::Result<EngineStats> {
  let s = engine_arg(env, &engine)?.queue.stats();
  Ok(EngineStats {
    workers: s.workers,
    queued: s.queued as f64,
    busy: s.busy,
    completed: s.completed as f64,
    failed: s.failed as f64,
    cancelled: s.cancelled as f64,
    run_p50: s.run_p50,
    run_p99: s.run_p99,
    wait_p50: s.wait_p50,
    wait_p99: s.wait_p99,
    per_worker: s
      .per_worker
      .into_iter()
      .map(|w| EngineWorkerStats {
        completed: w.completed as f64,
        busy_ms: w.busy_ms,
        utilization: w.utilization,
      })
      .collect(),
  })
}
