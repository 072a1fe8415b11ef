//! A kernel's `params`: named numbers (read as constants) and read-only
//! arrays (read as `name[j]` and `name.length`), and how the arrays reach
//! the kernel safely.
//!
//! # What an array param may be
//! Every numeric TypedArray (`Float64Array`, `Float32Array`, `Int8Array`,
//! `Uint8Array`/`Buffer`, `Uint8ClampedArray`, `Int16Array`, `Uint16Array`,
//! `Int32Array`, `Uint32Array`), each read with its own element type, and a
//! plain array of numbers, copied to doubles at the call (a hole or
//! `undefined` element reads as `undefined`, as in JS). A BigInt64Array /
//! BigUint64Array, a DataView, any other object, or an array holding
//! something other than numbers is a `TypeError` (`ERR_INVALID_ARG_TYPE`); a
//! view of a detached ArrayBuffer is a `TypeError` (`ERR_INVALID_ARG_VALUE`).
//!
//! # Who may change an array while a kernel reads it
//! - **Async calls** (`parallelMap`, `spawn`): an array over a plain
//!   `ArrayBuffer` is **copied at the call** (O(n), a `memcpy`), as inputs
//!   are: JS may mutate, transfer or detach it at once and the task reads
//!   the values it had at the call. An array over a `SharedArrayBuffer` is
//!   **read in place**: such memory can be neither detached nor shrunk, and
//!   a strong reference keeps it alive until the task has ended (see
//!   [`crate::shared`]; the reference is deleted on the JS thread
//!   when a map result is converted, or by the next map, spawn or split
//!   call). Writes to it by other threads meanwhile are
//!   racy as with any reader of shared memory: a kernel may see old or new
//!   elements, never memory outside the array.
//! - **Sync calls** (`parallelMapSync`): every array is read in place; the
//!   JS thread is blocked until the last chunk has ended (the job is run
//!   with `run_blocking_env_scoped`), so nothing on it can touch the array.

use std::ptr;

use napi::{ValueType, sys};
use napi_parallel_kernel::{ArrayRef, ElemKind, ParamKind};

use crate::alloc::try_vec;
use crate::args::{Options, type_of};
use crate::error::NpError;
use crate::shared::{RefGuard, is_shared_array_buffer};

/// Longest `params` name accepted (bytes of UTF-8).
const MAX_NAME_BYTES: usize = 1024;

/// An array param as read on the JS thread (not yet held for a job).
#[derive(Debug, Clone)]
pub enum ParamArray {
  /// A TypedArray: its value, data, length and kind.
  Typed {
    /// The view (for a reference, when shared).
    value: sys::napi_value,
    /// Its first element.
    data: *const u8,
    /// Its length in elements.
    len: usize,
    /// Its element kind.
    kind: ElemKind,
    /// True when it views a `SharedArrayBuffer`.
    shared: bool,
  },
  /// A plain array of numbers, already copied to doubles.
  Plain(Vec<f64>),
}

/// A kernel's named constants and arrays (`options.params`), in the
/// object's key order.
#[derive(Debug, Default, Clone)]
pub struct Params {
  /// The names, each a JS identifier.
  pub names: Vec<String>,
  /// Their number values, in the same order (NaN for an array).
  pub values: Vec<f64>,
  /// Each name's kind (what the kernel is compiled for).
  pub kinds: Vec<ParamKind>,
  /// The arrays, in the order of the names that are arrays.
  pub arrays: Vec<ParamArray>,
}

/// How a job holds its arrays (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
  /// An async job: plain-ArrayBuffer arrays are copied, shared ones referenced.
  Async,
  /// A sync job, which ends before the call returns: read in place.
  Sync,
}

/// One array as a job holds it.
enum Held {
  /// A copy, in 8-byte words (aligned for every kind).
  Copied {
    words: Vec<u64>,
    len: usize,
    kind: ElemKind,
  },
  /// A plain array's doubles.
  Plain(Vec<f64>),
  /// Memory the job reads in place: a sync call's array, or shared memory
  /// kept alive by `guard`.
  InPlace {
    data: *const u8,
    len: usize,
    kind: ElemKind,
    _guard: Option<RefGuard>,
  },
}

/// The params a job owns: the numbers and the arrays, held as [`Hold`] says.
pub struct HeldParams {
  /// The number values, by name position.
  pub consts: Vec<f64>,
  arrays: Vec<Held>,
}

// SAFETY: copies are owned; in-place memory is either a sync call's (the JS
// thread waits for the job to end) or a SharedArrayBuffer's, kept alive by
// a reference that is only ever deleted on its JS thread (RefGuard).
unsafe impl Send for HeldParams {}
// SAFETY: as above; jobs only read.
unsafe impl Sync for HeldParams {}

impl HeldParams {
  /// The views the kernel reads, one per array slot.
  pub fn views(&self) -> Vec<ArrayRef<'_>> {
    self
      .arrays
      .iter()
      .map(|a| match a {
        Held::Copied { words, len, kind } => {
          // SAFETY: `words` holds `len` elements of `kind`, 8-byte aligned.
          unsafe { ArrayRef::from_raw(words.as_ptr().cast(), *len, *kind) }
        }
        Held::Plain(v) => ArrayRef::new(v.as_slice()),
        Held::InPlace {
          data, len, kind, ..
        } => {
          // SAFETY: see the `Send` impl: the memory outlives the job.
          unsafe { ArrayRef::from_raw(*data, *len, *kind) }
        }
      })
      .collect()
  }
}

impl Params {
  /// Holds the arrays for a job (see [`Hold`]); numbers are copied as they are.
  ///
  /// # Safety
  /// `env` is the live env these params were read in, on its JS thread, in
  /// the same napi call (the views are still live handles).
  pub unsafe fn hold(self, env: sys::napi_env, how: Hold) -> Result<HeldParams, NpError> {
    let mut arrays = try_vec(self.arrays.len(), "the params arrays")?;
    let array_names = self
      .names
      .iter()
      .zip(&self.kinds)
      .filter(|(_, k)| matches!(k, ParamKind::Array(_)))
      .map(|(n, _)| n);
    for (a, name) in self.arrays.into_iter().zip(array_names) {
      arrays.push(match a {
        ParamArray::Plain(v) => Held::Plain(v),
        ParamArray::Typed {
          data, len, kind, ..
        } if how == Hold::Sync => Held::InPlace {
          data,
          len,
          kind,
          _guard: None,
        },
        ParamArray::Typed {
          value,
          data,
          len,
          kind,
          shared: true,
        } => {
          // SAFETY: caller contract.
          let guard = unsafe { RefGuard::new(env, value) }.ok_or_else(|| {
            NpError::invalid_arg_value(&format!("options.params.{name}"), "could not be referenced")
          })?;
          Held::InPlace {
            data,
            len,
            kind,
            _guard: Some(guard),
          }
        }
        ParamArray::Typed {
          data, len, kind, ..
        } => {
          let bytes = len * kind.size();
          let mut words = try_vec::<u64>(
            bytes.div_ceil(8),
            &format!("a copy of \"options.params.{name}\""),
          )?;
          words.resize(bytes.div_ceil(8), 0);
          if bytes > 0 {
            // SAFETY: napi reported `len` elements of `kind` at `data`; the
            // destination has room for `bytes`.
            unsafe { ptr::copy_nonoverlapping(data, words.as_mut_ptr().cast::<u8>(), bytes) };
          }
          Held::Copied { words, len, kind }
        }
      });
    }
    Ok(HeldParams {
      consts: self.values,
      arrays,
    })
  }
}

/// The element kind of a numeric TypedArray kind; `None` for BigInt ones.
fn elem_kind(kind: sys::napi_typedarray_type) -> Option<ElemKind> {
  use sys::TypedarrayType as T;
  Some(match kind {
    T::float64_array => ElemKind::Float64,
    T::float32_array => ElemKind::Float32,
    T::int8_array => ElemKind::Int8,
    T::uint8_array => ElemKind::Uint8,
    T::uint8_clamped_array => ElemKind::Uint8Clamped,
    T::int16_array => ElemKind::Int16,
    T::uint16_array => ElemKind::Uint16,
    T::int32_array => ElemKind::Int32,
    T::uint32_array => ElemKind::Uint32,
    _ => return None,
  })
}

/// What a param value may be, for messages.
const EXPECTED: &str = "of type number, a numeric TypedArray or an array of numbers";

/// A TypedArray param (`Ok(None)`: `value` is not a TypedArray).
///
/// # Safety
/// Live env and value, on the JS thread.
unsafe fn typed_param(
  env: sys::napi_env,
  value: sys::napi_value,
  path: &str,
) -> Result<Option<ParamArray>, NpError> {
  let mut is_typed = false;
  // SAFETY: caller contract (all unsafe blocks below).
  unsafe { sys::napi_is_typedarray(env, value, &mut is_typed) };
  if !is_typed {
    return Ok(None);
  }
  let (mut kind, mut len, mut data, mut buffer, mut offset) =
    (0, 0usize, ptr::null_mut(), ptr::null_mut(), 0usize);
  let status = unsafe {
    sys::napi_get_typedarray_info(
      env,
      value,
      &mut kind,
      &mut len,
      &mut data,
      &mut buffer,
      &mut offset,
    )
  };
  if status != sys::Status::napi_ok {
    return Err(NpError::invalid_arg_type(path, EXPECTED));
  }
  let Some(kind) = elem_kind(kind) else {
    return Err(NpError::invalid_arg_type(
      path,
      "a numeric TypedArray (BigInt64Array and BigUint64Array cannot be read by a kernel)",
    ));
  };
  if unsafe { crate::args::is_detached_view(env, value) } {
    return Err(crate::args::detached(path));
  }
  let shared = !buffer.is_null() && unsafe { is_shared_array_buffer(env, buffer) };
  Ok(Some(ParamArray::Typed {
    value,
    data: if len == 0 {
      ptr::null()
    } else {
      data.cast_const().cast()
    },
    len,
    kind,
    shared,
  }))
}

/// A plain array of numbers, copied to doubles (holes and `undefined` read
/// as `undefined`: NaN).
///
/// # Safety
/// Live env and an array value, on the JS thread.
unsafe fn plain_param(
  env: sys::napi_env,
  value: sys::napi_value,
  path: &str,
) -> Result<Vec<f64>, NpError> {
  let mut n = 0u32;
  // SAFETY: caller contract (all unsafe blocks below).
  unsafe { sys::napi_get_array_length(env, value, &mut n) };
  let mut out = try_vec::<f64>(n as usize, &format!("a copy of \"{path}\""))?;
  for i in 0..n {
    let mut item = ptr::null_mut();
    if unsafe { sys::napi_get_element(env, value, i, &mut item) } != sys::Status::napi_ok {
      return Err(NpError::invalid_arg_value(
        &format!("{path}[{i}]"),
        "could not be read",
      ));
    }
    let x = match type_of(env, item) {
      ValueType::Number => {
        let mut x = 0.0;
        unsafe { sys::napi_get_value_double(env, item, &mut x) };
        x
      }
      ValueType::Undefined => f64::NAN,
      _ => {
        return Err(NpError::invalid_arg_type(
          &format!("{path}[{i}]"),
          "of type number",
        ));
      }
    };
    out.push(x);
  }
  Ok(out)
}

/// `params`: an object of named numbers and arrays → [`Params`], in key order.
pub fn read_params(opts: &Options, key: &str) -> Result<Params, NpError> {
  let Some(obj) = opts.raw(key)? else {
    return Ok(Params::default());
  };
  let raw = opts.env();
  if type_of(raw, obj) != ValueType::Object {
    return Err(NpError::invalid_arg_type(
      "options.params",
      "an object of numbers and arrays",
    ));
  }
  let mut keys = ptr::null_mut();
  // SAFETY: live env and object.
  unsafe { sys::napi_get_property_names(raw, obj, &mut keys) };
  let mut n = 0u32;
  // SAFETY: `keys` is an array.
  unsafe { sys::napi_get_array_length(raw, keys, &mut n) };
  let mut params = Params::default();
  for i in 0..n {
    let mut key = ptr::null_mut();
    let mut value = ptr::null_mut();
    // SAFETY: live env; `keys` holds strings.
    let name = unsafe {
      sys::napi_get_element(raw, keys, i, &mut key);
      sys::napi_get_property(raw, obj, key, &mut value);
      let mut len = 0usize;
      sys::napi_get_value_string_utf8(raw, key, ptr::null_mut(), 0, &mut len);
      if len > MAX_NAME_BYTES {
        return Err(NpError::invalid_arg_value(
          "options.params",
          "has a key too long for a JS identifier in a kernel",
        ));
      }
      let mut buf = vec![0u8; len + 1];
      sys::napi_get_value_string_utf8(raw, key, buf.as_mut_ptr().cast(), len + 1, &mut len);
      buf.truncate(len);
      String::from_utf8(buf).unwrap_or_default()
    };
    let valid = !name.is_empty()
      && name
        .chars()
        .enumerate()
        .all(|(k, c)| c == '_' || c == '$' || c.is_alphabetic() || (k > 0 && c.is_numeric()));
    if !valid {
      return Err(NpError::invalid_arg_value(
        &format!("options.params.{name}"),
        "must be named like a JS identifier",
      ));
    }
    let path = format!("options.params.{name}");
    match type_of(raw, value) {
      ValueType::Number => {
        let mut v = 0.0;
        // SAFETY: checked to be a number.
        unsafe { sys::napi_get_value_double(raw, value, &mut v) };
        params.values.push(v);
        params.kinds.push(ParamKind::Number);
      }
      ValueType::Object => {
        let mut is_array = false;
        // SAFETY: live env and value (all unsafe blocks in this arm).
        unsafe { sys::napi_is_array(raw, value, &mut is_array) };
        let array = if is_array {
          ParamArray::Plain(unsafe { plain_param(raw, value, &path) }?)
        } else {
          match unsafe { typed_param(raw, value, &path) }? {
            Some(a) => a,
            None => return Err(NpError::invalid_arg_type(&path, EXPECTED)),
          }
        };
        params.kinds.push(ParamKind::Array(match &array {
          ParamArray::Typed { kind, .. } => *kind,
          ParamArray::Plain(_) => ElemKind::Float64,
        }));
        params.values.push(f64::NAN);
        params.arrays.push(array);
      }
      _ => return Err(NpError::invalid_arg_type(&path, EXPECTED)),
    }
    params.names.push(name);
  }
  Ok(params)
}
