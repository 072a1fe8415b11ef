//! The engine worker's side: take a batch, begin each entry, report
//! results; and, on the submitting side, abandon what a dead worker held.
//! None of these calls blocks: a worker waits in JS (`Atomics.wait`), where
//! `worker.terminate()` and process exit can still stop it.

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::Ordering::*;

use napi::bindgen_prelude::{Uint8ArraySlice, Unknown};
use napi::{Env, sys};
use napi_parallel_workq::TaskEnd;

use super::submit::{closed_error, fail_task};
use super::table::{self, HeldBatch};
use super::{engine_arg, int_arg};
use crate::bridge::{Message, WorkerPart, WorkerResult};
use crate::error::{NpError, codes};
use crate::task::batch::kind;
use crate::task::status;

/// Orders the messages of `engine_finish` calls from different workers (see there).
static FINISH_ORDER: std::sync::Mutex<()> = std::sync::Mutex::new(());

unsafe extern "C" fn drop_batch(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
  // SAFETY: the `Box<HeldBatch>` leaked in `engine_take`; called once.
  drop(unsafe { Box::from_raw(hint.cast::<HeldBatch>()) });
}

/// Payloads up to this size are copied: an external Buffer costs a
/// finalizer and a weak reference (about 3 µs here, most of a one-task take).
pub(super) const COPY_MAX: usize = 4096;

/// The first byte of a short-format payload (lib/engine/small.js TAG).
const SHORT_TAG: u8 = 0x53;

/// A short-format payload up to COPY_MAX as a latin1 string (one byte per
/// char, so the bytes are exact): a string is much cheaper to make than a
/// Buffer (whose ArrayBuffer and prototype dominate a one-task take).
unsafe fn payload_value(env: sys::napi_env, batch: &HeldBatch) -> sys::napi_value {
  let payload = &batch.payload;
  if payload.len() <= COPY_MAX && payload.first() == Some(&SHORT_TAG) {
    let mut out = ptr::null_mut();
    // SAFETY: live env; latin1 takes any bytes.
    let status = unsafe {
      sys::napi_create_string_latin1(
        env,
        payload.as_ptr().cast(),
        payload.len() as isize,
        &mut out,
      )
    };
    if status == sys::Status::napi_ok {
      return out;
    }
  }
  // SAFETY: caller contract.
  unsafe { payload_buffer(env, batch) }
}

/// A Buffer over the batch's payload, without a copy where the runtime
/// allows external buffers (it keeps the batch alive), else (and for small
/// payloads) a copy.
unsafe fn payload_buffer(env: sys::napi_env, batch: &HeldBatch) -> sys::napi_value {
  let mut out = ptr::null_mut();
  let len = batch.payload.len();
  if len > COPY_MAX {
    let data = batch.payload.as_ptr().cast_mut();
    let hint = Box::into_raw(Box::new(batch.clone()));
    // SAFETY: live env; the payload lives as long as the batch the hint holds.
    let status = unsafe {
      sys::napi_create_external_buffer(
        env,
        len,
        data.cast(),
        Some(drop_batch),
        hint.cast(),
        &mut out,
      )
    };
    if status == sys::Status::napi_ok {
      return out;
    }
    // SAFETY: not handed to JS: ours again.
    drop(unsafe { Box::from_raw(hint) });
  }
  let mut copy = ptr::null_mut();
  // SAFETY: live env; copies `len` bytes.
  unsafe {
    sys::napi_create_buffer_copy(env, len, batch.payload.as_ptr().cast(), &mut copy, &mut out)
  };
  out
}

/// Internal (lib/engine/worker.js): the next batch for worker `worker` of
/// `engine` (its private queue first, then the shared one), as `[token,
/// payload, count, waited]` (`payload`: a Buffer, or for a short-format
/// batch up to 4 KiB a latin1 string of its bytes; `waited`: µs since it was submitted, which
/// the spin policy reads after a wake-up), or null when there is none.
/// Never waits. With `spinning` (the worker polls an empty queue), a take
/// that finds nothing gives up the CPU for a moment (`sched_yield`): the
/// kernel often wakes a worker on the CPU of the thread that rang its bell,
/// and a spinner that never yields keeps that thread (the one about to
/// submit the next task) off the CPU until its time slice ends.
#[napi_derive::napi(
  catch_unwind,
  ts_return_type = "null | [number, Buffer, number, number]"
)]
pub fn engine_take<'env>(
  env: &'env Env,
  #[napi(ts_arg_type = "number")] engine: Unknown,
  #[napi(ts_arg_type = "number")] worker: Unknown,
  spinning: Option<bool>,
) -> napi::Result<Unknown<'env>> {
  let engine = engine_arg(env, &engine)?;
  let worker = int_arg(
    env,
    &worker,
    "worker",
    0.0,
    engine.queue.workers() as f64 - 1.0,
  )? as u32;
  let raw = env.raw();
  let mut out = ptr::null_mut();
  match engine.queue.take(worker) {
    None => {
      if spinning == Some(true) {
        std::thread::yield_now();
      }
      // SAFETY: live env.
      unsafe { sys::napi_get_null(raw, &mut out) };
    }
    Some(batch) => {
      // SAFETY: live env on its JS thread.
      unsafe {
        sys::napi_create_array_with_length(raw, 4, &mut out);
        let mut v = ptr::null_mut();
        sys::napi_create_double(raw, table::worker_token(&batch, worker) as f64, &mut v);
        sys::napi_set_element(raw, out, 0, v);
        sys::napi_set_element(raw, out, 1, payload_value(raw, &batch));
        sys::napi_create_uint32(raw, batch.len() as u32, &mut v);
        sys::napi_set_element(raw, out, 2, v);
        sys::napi_create_double(raw, batch.age_ns() as f64 / 1000.0, &mut v);
        sys::napi_set_element(raw, out, 3, v);
      }
    }
  }
  // SAFETY: created above in this env.
  Ok(unsafe { Unknown::from_raw_unchecked(raw, out) })
}

/// Internal (lib/engine/worker.js): entry `index` of the batch `token`
/// begins (its task turns `running`). False: skip it (cancelled, timed
/// out, failed, or not pending).
#[napi_derive::napi(catch_unwind)]
pub fn engine_begin(token: f64, index: u32) -> bool {
  let index = index as usize;
  let Some(ok) = table::with_held(token as u64, |engine, batch| {
    let Some(entry) = batch.entries.get(index) else {
      return false;
    };
    if entry.is_reported() {
      return false;
    }
    let task = &entry.task;
    let worker = batch.held_by();
    let running = task.shared().is_some_and(|shared| {
      let mut current = shared.status.load(Acquire);
      loop {
        match current {
          status::QUEUED => {
            match shared
              .status
              .compare_exchange(status::QUEUED, status::RUNNING, AcqRel, Acquire)
            {
              Ok(_) => break true,
              Err(now) => current = now,
            }
          }
          status::RUNNING => break true,
          _ => break false,
        }
      }
    });
    if !running {
      if batch.mark_reported(index).is_some() {
        task.release();
      }
      engine.queue.retire_if_done(batch);
      return false;
    }
    if let Some(shared) = task.shared() {
      shared.worker.store(worker, Release);
    }
    if let Some(wait) = batch.mark_begun(index, worker) {
      engine.queue.record_wait(wait);
    }
    true
  }) else {
    return false;
  };
  ok
}

/// Internal (lib/engine/worker.js): results of entries `start ..
/// start + outcomes.length` of the batch `token`. `outcomes[k]`: 0 ok
/// (element k of the array `payload` encodes is the value), 1 error (element
/// k is an encoded error), 2 skipped. The tasks that settle or advance are
/// reported to their environment as one message carrying `payload`. A
/// batch whose every entry reported is retired. A no-op for a batch no
/// worker holds (its engine was closed by its environment's teardown).
/// `release`: the payload's own ArrayBuffer (a `v8.Serializer`'s), detached
/// once its bytes are copied (see `release.rs`).
#[napi_derive::napi(catch_unwind)]
pub fn engine_finish(
  env: &Env,
  token: f64,
  payload: Uint8ArraySlice,
  outcomes: Uint8ArraySlice,
  start: u32,
  #[napi(ts_arg_type = "ArrayBuffer")] release: Option<Unknown>,
) {
  let token = token as u64;
  finish(token, &payload, &outcomes, start);
  if let Some(buffer) = release {
    super::release::detach(env, &buffer);
  }
}

fn finish(token: u64, payload: &[u8], outcomes: &[u8], start: u32) {
  // Decrementing `parts_left` and sending the message happen under one lock:
  // else two workers reporting parts of one task could send the last part
  // (WORKER_DONE) before an earlier one (WORKER_PART), which JS then drops.
  let _order = FINISH_ORDER.lock().unwrap_or_else(|e| e.into_inner());
  table::with_held(token, |engine, batch| {
    let worker = batch.held_by();
    let mut parts = Vec::new();
    let mut bridge = None;
    for (k, &outcome) in outcomes.iter().enumerate() {
      let index = start as usize + k;
      let Some(entry) = batch.entries.get(index) else {
        break;
      };
      let Some(run_ns) = batch.mark_reported(index) else {
        continue;
      };
      let task = &entry.task;
      if let Some(shared) = task.shared() {
        let settle = |to: u8| {
          shared
            .status
            .compare_exchange(status::RUNNING, to, AcqRel, Acquire)
            .is_ok()
        };
        let kind = match outcome {
          0 => {
            shared.progress.fetch_add(entry.size as u64, AcqRel);
            if shared.parts_left.fetch_sub(1, AcqRel) == 1 {
              settle(status::DONE).then(|| {
                engine
                  .queue
                  .record_end(TaskEnd::Completed, Some(run_ns), Some(worker));
                kind::WORKER_DONE
              })
            } else if shared.status.load(Acquire) == status::RUNNING {
              engine.queue.record_run(run_ns);
              Some(kind::WORKER_PART)
            } else {
              None
            }
          }
          1 => settle(status::FAILED).then(|| {
            engine
              .queue
              .record_end(TaskEnd::Failed, Some(run_ns), Some(worker));
            kind::WORKER_ERR
          }),
          _ => None,
        };
        if let Some(kind) = kind {
          if kind != kind::WORKER_PART {
            shared.stop_timer();
          }
          parts.push(WorkerPart {
            slot: task.slot,
            id: task.id,
            element: k as u32,
            kind,
          });
          bridge = Some(task.bridge);
        }
      }
      task.release();
    }
    // Retired before the results travel: whoever sees them (the submitting
    // thread may settle them at once, `settleQueued`) must not find the
    // batch still held, its worker still counted busy.
    engine.queue.retire_if_done(batch);
    if let Some(bridge) = bridge {
      bridge.send(Message::Worker(Box::new(WorkerResult {
        payload: payload.to_vec(),
        worker,
        parts,
      })));
    }
  });
}

/// Internal (lib/engine/workers.js, after a worker's 'exit'): everything
/// worker `worker` of `engine` held. Its running tasks reject with
/// ERR_WORKER_EXITED and `reason`; its batches' entries that had not begun
/// go back to the front of the shared queue, except batches sent to its
/// private queue (their transfers went by its port, now gone), whose tasks
/// reject too. The worker index is free for a replacement.
#[napi_derive::napi(catch_unwind)]
pub fn engine_abandon(
  env: &Env,
  #[napi(ts_arg_type = "number")] engine: Unknown,
  #[napi(ts_arg_type = "number")] worker: Unknown,
  reason: String,
) -> napi::Result<()> {
  let engine = engine_arg(env, &engine)?;
  let worker = int_arg(
    env,
    &worker,
    "worker",
    0.0,
    engine.queue.workers() as f64 - 1.0,
  )? as u32;
  let exited = || NpError::error(codes::WORKER_EXITED, reason.clone());
  let abandoned = engine.queue.abandon(worker);
  for batch in abandoned.held {
    for (i, entry) in batch.entries.iter().enumerate() {
      if entry.is_reported() || (entry.begun_by() != worker && batch.target.is_none()) {
        continue;
      }
      if batch.mark_reported(i).is_some() {
        fail_task(engine, &entry.task, exited);
      }
    }
    if batch.unreported() > 0
      && let Err(batch) = engine.queue.requeue_front(batch)
    {
      for (i, entry) in batch.entries.iter().enumerate() {
        if batch.mark_reported(i).is_some() {
          fail_task(engine, &entry.task, closed_error);
        }
      }
    }
  }
  for batch in abandoned.private {
    for (i, entry) in batch.entries.iter().enumerate() {
      if batch.mark_reported(i).is_some() {
        fail_task(engine, &entry.task, exited);
      }
    }
  }
  Ok(())
}
