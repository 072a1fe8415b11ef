//! `hashAsync` / `hashSync`: the binding of [`super::hash`], reached from
//! `parallelMap(items, 'xxh3' | 'sha256' | 'crc32')`.

use std::ptr;

use napi::bindgen_prelude::{BigUint64Array, Buffer, JsValue, ToNapiValue, Uint32Array, Unknown};
use napi::{Env, Result, ValueType, sys};
use napi_derive::napi;

use super::hash::{Algorithm, Digests, Items, hash_all};
use crate::error::NpError;
use crate::task::{self, TaskArg, TaskSlot};

impl ToNapiValue for Digests {
  unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> Result<sys::napi_value> {
    // SAFETY: forwarded on the JS thread with its env.
    unsafe {
      match value {
        Digests::Xxh3(v) => BigUint64Array::to_napi_value(env, BigUint64Array::new(v)),
        Digests::Crc32(v) => Uint32Array::to_napi_value(env, Uint32Array::new(v)),
        Digests::Sha256(v) => {
          let buffers: Vec<Buffer> = v.into_iter().map(|d| Buffer::from(d.to_vec())).collect();
          Vec::<Buffer>::to_napi_value(env, buffers)
        }
      }
    }
  }
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
  let mut out = Items::with_capacity(len as usize, 0);
  let mut scratch = Vec::new();
  for i in 0..len {
    let mut item = ptr::null_mut();
    unsafe { sys::napi_get_element(raw, items.raw(), i, &mut item) };
    let mut t = 0;
    unsafe { sys::napi_typeof(raw, item, &mut t) };
    let bad =
      || NpError::invalid_arg_type(&format!("input[{i}]"), "a string, Buffer or Uint8Array");
    match ValueType::from(t) {
      ValueType::String => {
        let mut n = 0usize;
        unsafe { sys::napi_get_value_string_utf8(raw, item, ptr::null_mut(), 0, &mut n) };
        scratch.resize(n + 1, 0u8);
        unsafe {
          sys::napi_get_value_string_utf8(raw, item, scratch.as_mut_ptr().cast(), n + 1, &mut n)
        };
        out.push(&scratch[..n]);
      }
      ValueType::Object => {
        // SAFETY: live env and value; the bytes are copied before returning.
        let bytes = unsafe { crate::args::u8_view(raw, item) }.ok_or_else(bad)?;
        out.push(bytes);
      }
      _ => return Err(bad()),
    }
  }
  Ok(out)
}

pub fn cancelled() -> NpError {
  NpError::abort()
}

/// Hashes each item on the pool: `'xxh3'` gives a `BigUint64Array`,
/// `'crc32'` a `Uint32Array`, `'sha256'` an array of 32-byte Buffers.
/// Use `parallelMap(items, algorithm)`.
#[napi(
  ts_args_type = "task: TaskArg, items: Array<string | Uint8Array>, algorithm: 'xxh3' | 'sha256' | 'crc32'",
  ts_return_type = "number"
)]
pub fn hash_async(env: &Env, task: TaskArg, items: Unknown, algorithm: String) -> Result<TaskSlot> {
  let algorithm = parse_algorithm(&algorithm).map_err(|e| e.throw(env))?;
  let items = copy_items(env, items).map_err(|e| e.throw(env))?;
  task::spawn(env, task, move |ctx| {
    hash_all(&items, algorithm, ctx.cancel_flag()).ok_or_else(cancelled)
  })
}

/// The synchronous twin of `hashAsync`: blocks the caller, still uses every core.
#[napi(
  ts_args_type = "items: Array<string | Uint8Array>, algorithm: 'xxh3' | 'sha256' | 'crc32'",
  ts_return_type = "BigUint64Array | Uint32Array | Buffer[]"
)]
pub fn hash_sync(env: &Env, items: Unknown, algorithm: String) -> Result<Digests> {
  let algorithm = parse_algorithm(&algorithm).map_err(|e| e.throw(env))?;
  let items = copy_items(env, items).map_err(|e| e.throw(env))?;
  let never = std::sync::atomic::AtomicBool::new(false);
  crate::pool::core::run_blocking(move || hash_all(&items, algorithm, &never).ok_or_else(cancelled))
    .map_err(|e| e.throw(env))
}
