//! Typed arrays that V8 owns, for results.
//!
//! napi-rs turns a `Vec` into a typed array over an *external* ArrayBuffer
//! (`napi_create_external_arraybuffer`). Node implements that as an external
//! Buffer whose finalizer, which frees the `Vec`, runs from `SetImmediate`:
//! not before the event loop turns. A sync export called in a loop that
//! never yields therefore keeps every result (and ~0.5 KB of bookkeeping per
//! call) alive until the loop ends. Copying the data into an ArrayBuffer
//! that V8 allocates costs one `memcpy` and leaves nothing for a finalizer:
//! the result is freed by the next GC once unreachable.

use std::mem::size_of;
use std::ptr;

use napi::sys;

use crate::alloc::try_vec;
use crate::error::{NpError, codes};

/// Element types with a typed-array kind.
pub trait Element: Copy {
  /// The kind of typed array that holds it.
  const KIND: sys::napi_typedarray_type;
}

impl Element for u8 {
  const KIND: sys::napi_typedarray_type = sys::TypedarrayType::uint8_array;
}
impl Element for i32 {
  const KIND: sys::napi_typedarray_type = sys::TypedarrayType::int32_array;
}
impl Element for u32 {
  const KIND: sys::napi_typedarray_type = sys::TypedarrayType::uint32_array;
}
impl Element for u64 {
  const KIND: sys::napi_typedarray_type = sys::TypedarrayType::biguint64_array;
}
impl Element for f32 {
  const KIND: sys::napi_typedarray_type = sys::TypedarrayType::float32_array;
}
impl Element for f64 {
  const KIND: sys::napi_typedarray_type = sys::TypedarrayType::float64_array;
}

/// A new typed array of `T` holding a copy of `data`, over an ArrayBuffer
/// that V8 allocates. Fails with `RangeError` `ERR_OUT_OF_MEMORY` naming
/// the size when the memory cannot be had.
///
/// # Safety
/// `env` is the live env of the calling JS thread.
pub unsafe fn copy_to_js<T: Element>(
  env: sys::napi_env,
  data: &[T],
) -> Result<sys::napi_value, NpError> {
  let bytes = std::mem::size_of_val(data);
  // V8 ends the process when it cannot allocate an ArrayBuffer's memory;
  // make sure the allocator can serve the size first.
  drop(try_vec::<u8>(bytes, "the result")?);
  let failed = |what: &str| {
    NpError::range_error(
      codes::OUT_OF_MEMORY,
      format!("Cannot create the result {what} ({bytes} bytes)"),
    )
  };
  let (mut buffer, mut dest, mut out) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
  // SAFETY: caller contract; `dest` has room for `bytes` bytes once created.
  unsafe {
    if sys::napi_create_arraybuffer(env, bytes, &mut dest, &mut buffer) != sys::Status::napi_ok {
      clear_exception(env);
      return Err(failed("buffer"));
    }
    if bytes > 0 {
      ptr::copy_nonoverlapping(data.as_ptr().cast::<u8>(), dest.cast::<u8>(), bytes);
    }
    let len = bytes / size_of::<T>().max(1);
    if sys::napi_create_typedarray(env, T::KIND, len, buffer, 0, &mut out) != sys::Status::napi_ok {
      clear_exception(env);
      return Err(failed("array"));
    }
  }
  Ok(out)
}

/// [`copy_to_js`] for a `ToNapiValue` impl: the error is thrown, and napi-rs
/// is told an exception is pending.
///
/// # Safety
/// `env` is the live env of the calling JS thread.
pub unsafe fn copy_to_js_or_throw<T: Element>(
  env: sys::napi_env,
  data: &[T],
) -> napi::Result<sys::napi_value> {
  // SAFETY: caller contract.
  unsafe { copy_to_js(env, data).map_err(|e| e.throw_raw(env)) }
}

/// Drops an exception a failed napi call left pending (we throw our own).
///
/// # Safety
/// `env` is the live env of the calling JS thread.
pub unsafe fn clear_exception(env: sys::napi_env) {
  let mut e = ptr::null_mut();
  // SAFETY: caller contract.
  unsafe { sys::napi_get_and_clear_last_exception(env, &mut e) };
}
