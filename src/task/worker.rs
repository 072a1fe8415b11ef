//! Settling what engine workers report (see `crate::engine`): a worker's
//! result payload travels to JS as one Buffer (no copy; a small
//! short-format one as a latin1 string), followed by one
//! entry per task it settles or advances; kill requests travel as control
//! entries. `lib/task.js` decodes the payload lazily, once.

use std::ffi::c_void;
use std::ptr;

use napi::sys;

use super::batch::{Batch, kind};
use super::env::env_state;
use crate::bridge::WorkerResult;

unsafe extern "C" fn drop_vec(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
  // SAFETY: `hint` is the `Box<Vec<u8>>` leaked in `buffer_of`; called once.
  drop(unsafe { Box::from_raw(hint.cast::<Vec<u8>>()) });
}

/// A Buffer over `bytes` without a copy where the runtime allows external
/// buffers, else a copy.
///
/// # Safety
/// Live env on its JS thread, inside a handle scope.
pub(crate) unsafe fn buffer_of(env: sys::napi_env, bytes: Vec<u8>) -> sys::napi_value {
  let mut out = ptr::null_mut();
  if !bytes.is_empty() {
    let len = bytes.len();
    let mut boxed = Box::new(bytes);
    let data = boxed.as_mut_ptr();
    let hint = Box::into_raw(boxed);
    // SAFETY: caller contract; the Vec lives until the finalizer drops it.
    let status = unsafe {
      sys::napi_create_external_buffer(env, len, data.cast(), Some(drop_vec), hint.cast(), &mut out)
    };
    if status == sys::Status::napi_ok {
      return out;
    }
    // SAFETY: not handed to JS: take it back.
    let bytes = unsafe { Box::from_raw(hint) };
    let mut copy = ptr::null_mut();
    // SAFETY: caller contract.
    unsafe {
      sys::napi_create_buffer_copy(env, bytes.len(), bytes.as_ptr().cast(), &mut copy, &mut out)
    };
    return out;
  }
  let mut data = ptr::null_mut();
  // SAFETY: caller contract.
  unsafe { sys::napi_create_buffer(env, 0, &mut data, &mut out) };
  out
}

/// Short-format payloads (lib/engine/small.js: first byte 0x53) up to
/// this size reach JS as a latin1 string of their bytes: much cheaper to
/// make than a Buffer, and `codec.decode` reads either.
const SHORT_STRING_MAX: usize = 4096;

/// The JS value of a result payload: a latin1 string for a small short-format one, else a Buffer.
///
/// # Safety
/// Live env on its JS thread, inside a handle scope.
unsafe fn payload_of(env: sys::napi_env, bytes: Vec<u8>) -> sys::napi_value {
  if bytes.len() <= SHORT_STRING_MAX && bytes.first() == Some(&0x53) {
    let mut out = ptr::null_mut();
    // SAFETY: caller contract; latin1 takes any bytes.
    let status = unsafe {
      sys::napi_create_string_latin1(env, bytes.as_ptr().cast(), bytes.len() as isize, &mut out)
    };
    if status == sys::Status::napi_ok {
      return out;
    }
  }
  // SAFETY: caller contract.
  unsafe { buffer_of(env, bytes) }
}

/// Adds a worker's results to `batch`: its payload (only if some task of it
/// is still pending here), then an entry per live task. Final parts free
/// the task's registry entry, as a completion does.
pub(super) fn settle_worker(env: sys::napi_env, batch: &mut Batch, result: WorkerResult) {
  let WorkerResult {
    payload,
    worker,
    parts,
  } = result;
  let mut payload = Some(payload);
  for part in parts {
    // Looked up afresh: a flush runs JS, which may call back into this module.
    let Ok(state) = env_state(env) else { return };
    if part.kind == kind::WORKER_PART {
      if state.pending.get(part.slot, part.id).is_none() {
        continue;
      }
    } else {
      let Some(pending) = state.pending.take(part.slot, part.id) else {
        continue; // cancelled, or a stale report
      };
      if let Some(shared) = pending.shared {
        state.recycle(shared);
      }
    }
    if let Some(bytes) = payload.take() {
      batch.ensure_scope();
      // SAFETY: live env on its JS thread, inside the batch's scope.
      let buffer = unsafe { payload_of(env, bytes) };
      batch.push_entry(0, kind::PAYLOAD, worker as f64, buffer);
    }
    batch.push_entry(part.slot, part.kind, part.element as f64, ptr::null_mut());
  }
}

/// Adds a kill request for `task` on `worker` of `engine`.
pub(super) fn push_control(batch: &mut Batch, engine: u32, worker: u32, task: u64) {
  batch.ensure_scope();
  let env = batch.env();
  let mut list = ptr::null_mut();
  // SAFETY: live env on its JS thread, inside the batch's scope.
  unsafe {
    sys::napi_create_array_with_length(env, 3, &mut list);
    for (i, n) in [engine as f64, worker as f64, task as f64]
      .into_iter()
      .enumerate()
    {
      let mut v = ptr::null_mut();
      sys::napi_create_double(env, n, &mut v);
      sys::napi_set_element(env, list, i as u32, v);
    }
  }
  batch.push_entry(0, kind::CONTROL, 0.0, list);
}
