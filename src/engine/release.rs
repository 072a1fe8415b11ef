//! Letting go of serialized buffers as soon as their bytes are copied or
//! decoded, instead of at the next garbage collection.
//!
//! Every buffer a `v8.Serializer` releases, and every external Buffer
//! `engineTake` hands a worker, counts as external memory of its isolate
//! until a collection frees it, and V8 starts a full (major) collection
//! whenever that grows by 64 MB. The worker engine's buffers are garbage
//! the moment they are copied (a submit) or decoded (a take), but on a
//! thread that allocates little on the JS heap, young collections are rare
//! and the bytes pile up: 32 submits of 1.25 MB each per run (chunks of
//! 6250 log lines) set off a major collection of the submitting isolate
//! every other run, 100-150 ms of CPU on V8's helper threads, which the
//! workers needed (the run took 1.5x as long). Detaching the ArrayBuffer
//! frees the bytes and their count at once.

use std::ptr;

use napi::Env;
use napi::bindgen_prelude::{JsValue, Unknown};
use napi::sys;

use super::work::COPY_MAX;

/// Detaches `buffer` if it is an ArrayBuffer; anything else (undefined, a
/// detached buffer, one V8 will not detach) is left alone.
pub(crate) fn detach(env: &Env, buffer: &Unknown<'_>) {
  let raw = env.raw();
  let value = buffer.raw();
  let mut is_buffer = false;
  // SAFETY: live env, a value of the current call.
  unsafe { sys::napi_is_arraybuffer(raw, value, &mut is_buffer) };
  if is_buffer {
    // SAFETY: as above; a failure (not detachable) leaves it as it was.
    unsafe { sys::napi_detach_arraybuffer(raw, value) };
  }
}

/// Internal (lib/engine/worker.js): the worker has decoded `payload`, a
/// Buffer `engineTake` returned; nothing reads its bytes again (arrays,
/// strings and typed arrays were copied out of it), so its ArrayBuffer is
/// detached and the batch's bytes are let go now (see the module docs). A
/// short-format string, a small copied Buffer (`COPY_MAX` bytes or fewer),
/// or a view into a bigger ArrayBuffer is left alone.
#[napi_derive::napi(catch_unwind, ts_args_type = "payload: Uint8Array | string")]
pub fn engine_release(env: &Env, payload: Unknown) {
  let raw = env.raw();
  // SAFETY: live env, a value of this call.
  let Some(info) = (unsafe { crate::shared::typed_info(raw, payload.raw()) }) else {
    return;
  };
  if info.len <= COPY_MAX || info.buffer.is_null() {
    return;
  }
  let (mut base, mut whole) = (ptr::null_mut(), 0usize);
  // SAFETY: live env; `info.buffer` is the typed array's ArrayBuffer.
  let status = unsafe { sys::napi_get_arraybuffer_info(raw, info.buffer, &mut base, &mut whole) };
  // Only a view that is all of its buffer (a Buffer's length is its byte length).
  if status != sys::Status::napi_ok || base.cast::<u8>() != info.data || whole != info.len {
    return;
  }
  // SAFETY: as above; a failure (not detachable) leaves it as it was.
  unsafe { sys::napi_detach_arraybuffer(raw, info.buffer) };
}
