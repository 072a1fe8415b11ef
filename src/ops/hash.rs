//! `hashAsync` / `hashSync`: the binding of the napi-free `napi-parallel-hash`
//! crate, reached from
//! `parallelMap(items, 'xxh3' | 'sha256' | 'crc32')`.
//!
//! Inputs are copied fallibly (a failure is a `RangeError`
//! `ERR_OUT_OF_MEMORY` naming the size) and results are V8-owned typed
//! arrays and Buffers (no external buffers, whose finalizers Node defers to
//! `setImmediate`), as in [`crate::map`].

use std::ptr;

use napi::bindgen_prelude::{JsValue, ToNapiValue, Unknown};
use napi::{Env, Result, ValueType, sys};
use napi_derive::napi;

use crate::alloc::out_of_memory;
use crate::error::NpError;
use crate::map::string_arg;
use crate::task::{self, TaskArg, TaskSlot};
use crate::typed::copy_to_js;
use napi_parallel_hash::{Algorithm, AllocError, Digests, Items, hash_all};

/// The digests as JS values; the Rust buffers are freed here.
///
/// # Safety
/// `env` is the live env of the calling JS thread.
unsafe fn digests_to_js(
  env: sys::napi_env,
  value: Digests,
) -> std::result::Result<sys::napi_value, NpError> {
  // SAFETY: caller contract (every unsafe call below).
  unsafe {
    match &value {
      Digests::Xxh3(v) => copy_to_js(env, v),
      Digests::Crc32(v) => copy_to_js(env, v),
      Digests::Sha256(v) => {
        let failed = || out_of_memory("the result", v.len().saturating_mul(32));
        let mut array = ptr::null_mut();
        if sys::napi_create_array_with_length(env, v.len(), &mut array) != sys::Status::napi_ok {
          return Err(failed());
        }
        for (i, d) in v.iter().enumerate() {
          let (mut buf, mut data) = (ptr::null_mut(), ptr::null_mut());
          if sys::napi_create_buffer_copy(env, 32, d.as_ptr().cast(), &mut data, &mut buf)
            != sys::Status::napi_ok
            || sys::napi_set_element(env, array, i as u32, buf) != sys::Status::napi_ok
          {
            return Err(failed());
          }
        }
        Ok(array)
      }
    }
  }
}

/// An async task's digests, converted when the task settles.
pub struct JsDigests(Digests);

impl ToNapiValue for JsDigests {
  unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> Result<sys::napi_value> {
    // SAFETY: forwarded on the JS thread with its env.
    unsafe { digests_to_js(env, value.0).map_err(|e| e.throw_raw(env)) }
  }
}

fn alloc_error(e: AllocError) -> NpError {
  out_of_memory("a copy of the input items", e.bytes)
}

pub fn parse_algorithm(name: &str) -> std::result::Result<Algorithm, NpError> {
  Algorithm::from_name(name).ok_or_else(|| {
    NpError::invalid_arg_value(
      "fn",
      &format!(
        "must be 'xxh3', 'sha256' or 'crc32' for string and Buffer items. Received '{name}'"
      ),
    )
  })
}

/// Copies the items (strings as UTF-8, Buffers and Uint8Arrays byte for byte)
/// so the job owns them: the caller may mutate or detach its buffers meanwhile.
pub fn copy_items(env: &Env, items: Unknown) -> std::result::Result<Items, NpError> {
  let raw = env.raw();
  let not_array =
    || NpError::invalid_arg_type("input", "an array of strings, Buffers or Uint8Arrays");
  let mut is_array = false;
  // SAFETY: live env and value on the JS thread (for every unsafe block below).
  unsafe { sys::napi_is_array(raw, items.raw(), &mut is_array) };
  if !is_array {
    return Err(not_array());
  }
  let mut len = 0u32;
  unsafe { sys::napi_get_array_length(raw, items.raw(), &mut len) };
  let mut out = Items::with_capacity(len as usize, 0).map_err(alloc_error)?;
  let mut scratch = Vec::new();
  for i in 0..len {
    let mut item = ptr::null_mut();
    unsafe { sys::napi_get_element(raw, items.raw(), i, &mut item) };
    let mut t = 0;
    unsafe { sys::napi_typeof(raw, item, &mut t) };
    let bad = || {
      NpError::invalid_arg_type(
        &format!("input[{i}]"),
        "a string, Buffer or Uint8Array: a hash op takes an array of strings or Buffers (numbers go to a kernel or a Math op)",
      )
    };
    match ValueType::from(t) {
      ValueType::String => {
        let mut n = 0usize;
        unsafe { sys::napi_get_value_string_utf8(raw, item, ptr::null_mut(), 0, &mut n) };
        if scratch.len() < n + 1 {
          scratch
            .try_reserve(n + 1 - scratch.len())
            .map_err(|_| out_of_memory(&format!("a copy of \"input[{i}]\""), n + 1))?;
        }
        scratch.resize(n + 1, 0u8);
        unsafe {
          sys::napi_get_value_string_utf8(raw, item, scratch.as_mut_ptr().cast(), n + 1, &mut n)
        };
        out.push(&scratch[..n]).map_err(alloc_error)?;
      }
      ValueType::Object => {
        // SAFETY: live env and value; the bytes are copied within the closure.
        unsafe { crate::args::with_u8_view(raw, item, |bytes| out.push(bytes)) }
          .ok_or_else(bad)?
          .map_err(alloc_error)?;
      }
      _ => return Err(bad()),
    }
  }
  Ok(out)
}

/// Hashes each item on the pool: `'xxh3'` gives a `BigUint64Array`,
/// `'crc32'` a `Uint32Array`, `'sha256'` an array of 32-byte Buffers.
/// Use `parallelMap(items, algorithm)`.
#[napi(catch_unwind, ts_return_type = "number")]
pub fn hash_async(
  env: &Env,
  task: TaskArg,
  #[napi(ts_arg_type = "Array<string | Uint8Array>")] items: Unknown,
  #[napi(ts_arg_type = "'xxh3' | 'sha256' | 'crc32'")] algorithm: Unknown,
) -> Result<TaskSlot> {
  let algorithm = string_arg(env, algorithm, "fn")
    .and_then(|a| parse_algorithm(&a))
    .map_err(|e| e.throw(env))?;
  let items = copy_items(env, items).map_err(|e| e.throw(env))?;
  task::spawn(env, task, move |ctx| {
    hash_all(&items, algorithm, ctx.cancel_flag())
      .map(JsDigests)
      .map_err(NpError::from)
  })
}

/// The synchronous twin of `hashAsync`: blocks the caller, still uses every core.
#[napi(
  catch_unwind,
  ts_return_type = "BigUint64Array | Uint32Array | Buffer[]"
)]
pub fn hash_sync(
  env: &Env,
  #[napi(ts_arg_type = "Array<string | Uint8Array>")] items: Unknown,
  #[napi(ts_arg_type = "'xxh3' | 'sha256' | 'crc32'")] algorithm: Unknown,
) -> Result<crate::map::SyncOutput> {
  let algorithm = string_arg(env, algorithm, "fn")
    .and_then(|a| parse_algorithm(&a))
    .map_err(|e| e.throw(env))?;
  let items = copy_items(env, items).map_err(|e| e.throw(env))?;
  let digests = crate::pool::run_blocking_env(env, move |cancel| {
    hash_all(&items, algorithm, cancel).map_err(NpError::from)
  })
  .map_err(|e| e.throw(env))?;
  // SAFETY: on the JS thread of `env`.
  unsafe { digests_to_js(env.raw(), digests) }
    .map(crate::map::SyncOutput)
    .map_err(|e| e.throw(env))
}
