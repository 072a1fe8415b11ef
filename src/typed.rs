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

use napi::{Status, sys};

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
impl Element for f32 {
  const KIND: sys::napi_typedarray_type = sys::TypedarrayType::float32_array;
}
impl Element for f64 {
  const KIND: sys::napi_typedarray_type = sys::TypedarrayType::float64_array;
}

/// A new typed array of `T` holding a copy of `data`, over an ArrayBuffer
/// that V8 allocates (an allocation failure is V8's RangeError, pending).
///
/// # Safety
/// `env` is the live env of the calling JS thread.
pub unsafe fn copy_to_js<T: Element>(
  env: sys::napi_env,
  data: &[T],
) -> napi::Result<sys::napi_value> {
  let bytes = std::mem::size_of_val(data);
  let mut buffer = ptr::null_mut();
  let mut out = ptr::null_mut();
  let mut dest = ptr::null_mut();
  // SAFETY: caller contract; `dest` has room for `bytes` bytes once created.
  unsafe {
    check(sys::napi_create_arraybuffer(
      env,
      bytes,
      &mut dest,
      &mut buffer,
    ))?;
    if bytes > 0 {
      ptr::copy_nonoverlapping(data.as_ptr().cast::<u8>(), dest.cast::<u8>(), bytes);
    }
    check(sys::napi_create_typedarray(
      env,
      T::KIND,
      bytes / size_of::<T>().max(1),
      buffer,
      0,
      &mut out,
    ))?;
  }
  Ok(out)
}

fn check(status: sys::napi_status) -> napi::Result<()> {
  if status == sys::Status::napi_ok {
    Ok(())
  } else {
    Err(napi::Error::from_status(Status::from(status)))
  }
}
