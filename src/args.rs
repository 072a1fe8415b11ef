//! Argument and option parsing that yields Node-style errors.
//!
//! napi-rs's own conversions fail with generic messages; bindings that want
//! `ERR_INVALID_ARG_TYPE` naming the option use these helpers instead.

use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, JsValue, Unknown};
use napi::{Env, ValueType, sys};

use crate::error::NpError;

/// An optional options object (`undefined` and `null` mean "no options").
pub struct Options {
  env: sys::napi_env,
  object: Option<sys::napi_value>,
  name: &'static str,
}

/// The JS type of `value` (`typeof`, with `null` apart; `env` and `value`
/// live on the calling JS thread): the one reader the
/// bindings share.
pub(crate) fn type_of(env: sys::napi_env, value: sys::napi_value) -> ValueType {
  let mut t = 0;
  // SAFETY: live env and value on the JS thread.
  unsafe { sys::napi_typeof(env, value, &mut t) };
  ValueType::from(t)
}

impl Options {
  /// Wraps argument `name`; anything but an object, `undefined` or `null` is a TypeError.
  pub fn new(env: &Env, value: Option<Unknown<'_>>, name: &'static str) -> Result<Self, NpError> {
    let object = match value {
      None => None,
      Some(v) => match type_of(env.raw(), v.raw()) {
        ValueType::Undefined | ValueType::Null => None,
        ValueType::Object => Some(v.raw()),
        _ => return Err(NpError::invalid_arg_type(name, "of type object")),
      },
    };
    Ok(Self {
      env: env.raw(),
      object,
      name,
    })
  }

  /// The raw value of `key`, or `None` when absent or `undefined`.
  pub fn raw(&self, key: &str) -> Result<Option<sys::napi_value>, NpError> {
    let Some(object) = self.object else {
      return Ok(None);
    };
    let mut value = ptr::null_mut();
    let key_c = std::ffi::CString::new(key)
      .map_err(|_| NpError::invalid_arg_value(key, "is not a valid key"))?;
    // SAFETY: live env, object and key.
    let status =
      unsafe { sys::napi_get_named_property(self.env, object, key_c.as_ptr(), &mut value) };
    if status != sys::Status::napi_ok {
      return Err(NpError::invalid_arg_value(
        &self.path(key),
        "could not be read",
      ));
    }
    Ok(match type_of(self.env, value) {
      ValueType::Undefined => None,
      _ => Some(value),
    })
  }

  /// The env the options are read on (for custom field readers).
  pub fn env(&self) -> sys::napi_env {
    self.env
  }

  fn path(&self, key: &str) -> String {
    format!("{}.{key}", self.name)
  }

  fn typed<T: FromNapiValue>(
    &self,
    key: &str,
    want: ValueType,
    expected: &str,
  ) -> Result<Option<T>, NpError> {
    let Some(value) = self.raw(key)? else {
      return Ok(None);
    };
    if type_of(self.env, value) != want {
      return Err(NpError::invalid_arg_type(&self.path(key), expected));
    }
    // SAFETY: the type was just checked.
    unsafe { T::from_napi_value(self.env, value) }
      .map(Some)
      .map_err(NpError::from)
  }

  /// A number option.
  pub fn number(&self, key: &str) -> Result<Option<f64>, NpError> {
    self.typed(key, ValueType::Number, "of type number")
  }

  /// A string option.
  pub fn string(&self, key: &str) -> Result<Option<String>, NpError> {
    self.typed(key, ValueType::String, "of type string")
  }

  /// A boolean option.
  pub fn boolean(&self, key: &str) -> Result<Option<bool>, NpError> {
    self.typed(key, ValueType::Boolean, "of type boolean")
  }

  /// An integer option within `lo..=hi`.
  pub fn integer(&self, key: &str, lo: f64, hi: f64) -> Result<Option<f64>, NpError> {
    self
      .number(key)?
      .map(|v| integer_in(&self.path(key), v, lo, hi))
      .transpose()
  }
}

/// An options struct read field by field through [`Options`], so that every
/// bad field is a Node-style error naming `options.<field>` (napi's own
/// `FromNapiValue` messages are not). Implemented by [`read_options!`].
pub trait ReadOptions: Sized {
  /// `(Rust field, JS key)` of every field, in reading order.
  const FIELDS: &'static [(&'static str, &'static str)];

  /// Reads every field, in [`Self::FIELDS`] order.
  fn read(options: &Options) -> Result<Self, NpError>;

  /// Reads argument `name` (`undefined`/`null`: every field absent); anything
  /// but an object is a TypeError naming `name`.
  fn from_arg(env: &Env, value: Option<Unknown<'_>>, name: &'static str) -> Result<Self, NpError> {
    Self::read(&Options::new(env, value, name)?)
  }
}

/// Implements [`ReadOptions`] for an options struct: each field (all
/// `Option`s) is read from its JS key with the named [`Options`] reader.
///
/// The struct itself is written out as a `#[napi(object, object_to_js =
/// false, object_from_js = false)]` struct, so that its doc comments and
/// `@default` tags reach binding.d.ts (napi-derive mangles doc comments that
/// pass through `macro_rules!`). The reader builds the struct with a struct
/// literal, so a field left out here, or read with a reader of the wrong
/// type, does not compile; the test `option_keys_are_the_camel_case_names`
/// checks that each key is the name napi gives the field in binding.d.ts.
///
/// ```ignore
/// read_options!(ChunkOptions {
///   chunk_size: "chunkSize" => integer(16.0, 9.0e15),
/// });
/// ```
///
/// Conversion into a core config (defaults, domain checks) is a `TryFrom`
/// next to the binding that uses it.
#[macro_export]
macro_rules! read_options {
  ($name:ident { $( $field:ident : $key:literal => $reader:ident ( $($arg:expr),* $(,)? ) ),* $(,)? }) => {
    impl $crate::args::ReadOptions for $name {
      const FIELDS: &'static [(&'static str, &'static str)] = &[$( (stringify!($field), $key) ),*];

      fn read(
        options: &$crate::args::Options,
      ) -> ::std::result::Result<Self, $crate::error::NpError> {
        Ok(Self {
          $( $field: options.$reader($key $(, $arg)*)?, )*
        })
      }
    }

    /// Reads the options as the `options` argument, with Node-style errors
    /// (napi-rs's derived conversion has none), so the struct can be a typed
    /// `#[napi]` parameter.
    impl ::napi::bindgen_prelude::FromNapiValue for $name {
      unsafe fn from_napi_value(
        env: ::napi::sys::napi_env,
        value: ::napi::sys::napi_value,
      ) -> ::napi::Result<Self> {
        let env = ::napi::Env::from_raw(env);
        // SAFETY: caller contract (a live value of this env, on its thread).
        let value = unsafe { ::napi::bindgen_prelude::Unknown::from_raw_unchecked(env.raw(), value) };
        <Self as $crate::args::ReadOptions>::from_arg(&env, Some(value), "options").map_err(|e| e.throw(&env))
      }
    }
  };
}

/// A number argument, or a `TypeError` `ERR_INVALID_ARG_TYPE` naming `name`.
pub fn number_arg(env: &Env, value: &Unknown<'_>, name: &str) -> Result<f64, NpError> {
  if type_of(env.raw(), value.raw()) != ValueType::Number {
    return Err(NpError::invalid_arg_type(name, "of type number"));
  }
  let mut n = f64::NAN;
  // SAFETY: live env; the value is a number (checked above).
  unsafe { sys::napi_get_value_double(env.raw(), value.raw(), &mut n) };
  Ok(n)
}

/// `v` if it is an integer within `lo..=hi`, else a RangeError naming `name`.
pub fn integer_in(name: &str, v: f64, lo: f64, hi: f64) -> Result<f64, NpError> {
  if v.fract() == 0.0 && v >= lo && v <= hi {
    Ok(v)
  } else {
    Err(NpError::out_of_range(
      name,
      &format!("must be an integer >= {lo} and <= {hi}. Received {v}"),
    ))
  }
}

/// What napi says of a TypedArray value: its kind, length, data (already
/// offset) and ArrayBuffer; `None` for anything that is not a TypedArray.
struct TypedArrayInfo {
  kind: sys::napi_typedarray_type,
  len: usize,
  data: *mut std::ffi::c_void,
  buffer: sys::napi_value,
}

/// # Safety
/// `env` and `v` are live, on the JS thread.
unsafe fn typed_array_info(env: sys::napi_env, v: sys::napi_value) -> Option<TypedArrayInfo> {
  let mut is_ta = false;
  let (mut kind, mut len, mut data, mut buffer, mut off) = (
    0,
    0usize,
    ptr::null_mut::<std::ffi::c_void>(),
    ptr::null_mut(),
    0usize,
  );
  // SAFETY: caller contract; out-params valid.
  unsafe {
    if sys::napi_is_typedarray(env, v, &mut is_ta) != sys::Status::napi_ok
      || !is_ta
      || sys::napi_get_typedarray_info(
        env,
        v,
        &mut kind,
        &mut len,
        &mut data,
        &mut buffer,
        &mut off,
      ) != sys::Status::napi_ok
    {
      return None;
    }
  }
  Some(TypedArrayInfo {
    kind,
    len,
    data,
    buffer,
  })
}

/// The bytes of a JS `Uint8Array`/`Buffer`, borrowed in place.
///
/// The lifetime `'v` is that of the borrow of the [`Unknown`] the view was
/// read from, itself a value of the current napi call: a `JsBytes` cannot
/// outlive the call, so it cannot be moved into a `'static` job (every
/// async path, [`crate::task::spawn`], takes `Send + 'static`). Async paths
/// take an owned copy instead ([`JsBytes::to_owned_bytes`]).
///
/// ```compile_fail,E0597
/// use napi_parallel::args::JsBytes;
/// fn spawn_static(_job: impl FnOnce() + Send + 'static) {}
/// fn async_path(value: napi::bindgen_prelude::Unknown<'static>) {
///   let local = value;
///   let bytes: JsBytes<'_> = napi_parallel::args::u8_view(&local).unwrap();
///   spawn_static(move || drop(bytes)); // `local` does not live long enough
/// }
/// ```
///
/// The owned copy is what such a job takes:
///
/// ```
/// fn spawn_static(_job: impl FnOnce() + Send + 'static) {}
/// fn async_path(value: napi::bindgen_prelude::Unknown<'static>) {
///   let local = value;
///   let view = napi_parallel::args::u8_view(&local).unwrap();
///   let owned: Vec<u8> = view.to_owned_bytes("input").unwrap();
///   spawn_static(move || drop(owned));
/// }
/// ```
#[derive(Clone, Copy)]
pub struct JsBytes<'v> {
  bytes: &'v [u8],
}

impl<'v> JsBytes<'v> {
  /// The bytes, for as long as the view.
  pub fn as_slice(&self) -> &'v [u8] {
    self.bytes
  }

  /// An owned copy, allocated fallibly: `RangeError` `ERR_OUT_OF_MEMORY`
  /// naming "a copy of the `name` argument" when the memory cannot be had.
  pub fn to_owned_bytes(&self, name: &str) -> Result<Vec<u8>, NpError> {
    copy_arg(self.bytes, name)
  }
}

/// An owned copy of argument `name`'s bytes, allocated fallibly
/// (`RangeError` `ERR_OUT_OF_MEMORY` naming "a copy of the `name` argument").
pub fn copy_arg(bytes: &[u8], name: &str) -> Result<Vec<u8>, NpError> {
  let mut v = crate::alloc::try_vec(bytes.len(), &format!("a copy of the \"{name}\" argument"))?;
  v.extend_from_slice(bytes);
  Ok(v)
}

impl std::ops::Deref for JsBytes<'_> {
  type Target = [u8];
  fn deref(&self) -> &[u8] {
    self.bytes
  }
}

/// # Safety
/// `env` and `v` are live, on the JS thread; the slice must not outlive the
/// current call (the safe wrappers below tie it to a borrow).
unsafe fn u8_slice<'a>(env: sys::napi_env, v: sys::napi_value) -> Option<&'a [u8]> {
  // SAFETY: caller contract.
  let info = unsafe { typed_array_info(env, v) }?;
  if info.kind != sys::TypedarrayType::uint8_array {
    return None;
  }
  Some(if info.len == 0 || info.data.is_null() {
    &[]
  } else {
    // SAFETY: napi gives the view's data (already offset) and its length.
    unsafe { std::slice::from_raw_parts(info.data as *const u8, info.len) }
  })
}

/// The bytes of a `Uint8Array` (`Buffer`) value in place, or `None` for
/// anything else; the view lives as long as the borrow of `value`.
pub fn u8_view<'v>(value: &'v Unknown<'_>) -> Option<JsBytes<'v>> {
  let v = value.value();
  // SAFETY: an `Unknown` is a live value of its env, read on its JS thread;
  // the slice is bounded by the borrow of `value`.
  unsafe { u8_slice(v.env, v.value) }.map(|bytes| JsBytes { bytes })
}

/// Runs `f` on the bytes of a `Uint8Array` (`Buffer`) value, or returns
/// `None` for anything else. For raw napi callbacks that hold no
/// [`Unknown`]: `f` is given the slice for any lifetime, so nothing it
/// returns can keep the borrow.
///
/// # Safety
/// `env` and `v` are live, on the JS thread; `f` runs no JS.
pub unsafe fn with_u8_view<R>(
  env: sys::napi_env,
  v: sys::napi_value,
  f: impl FnOnce(&[u8]) -> R,
) -> Option<R> {
  // SAFETY: caller contract; the slice does not outlive `f`.
  unsafe { u8_slice(env, v) }.map(f)
}

/// Whether `v` is a TypedArray whose ArrayBuffer was detached (transferred).
/// Only an empty view can be one; for those it asks V8 the way JS would
/// (`new Uint8Array(buffer)` throws on a detached buffer), since
/// `napi_is_detached_arraybuffer` needs the `napi7` feature.
///
/// # Safety
/// `env` and `v` are live, on the JS thread, with no exception pending.
pub unsafe fn is_detached_view(env: sys::napi_env, v: sys::napi_value) -> bool {
  // SAFETY: caller contract.
  let Some(info) = (unsafe { typed_array_info(env, v) }) else {
    return false;
  };
  if info.len != 0 || info.buffer.is_null() {
    return false;
  }
  // SAFETY: caller contract; out-params valid.
  unsafe {
    let (mut global, mut ctor, mut out) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
    if sys::napi_get_global(env, &mut global) != sys::Status::napi_ok
      || sys::napi_get_named_property(env, global, c"Uint8Array".as_ptr(), &mut ctor)
        != sys::Status::napi_ok
    {
      return false;
    }
    if sys::napi_new_instance(env, ctor, 1, &info.buffer, &mut out) == sys::Status::napi_ok {
      return false;
    }
    let mut exception = ptr::null_mut();
    sys::napi_get_and_clear_last_exception(env, &mut exception);
    true
  }
}

/// The `ERR_INVALID_ARG_VALUE` TypeError for a view of a detached ArrayBuffer.
pub fn detached(name: &str) -> NpError {
  NpError::invalid_arg_value(name, "must not be a view of a detached ArrayBuffer")
}

/// A raw napi callback's first `N` arguments (missing ones are `undefined`),
/// how many were passed, and the callback's data pointer.
///
/// # Safety
/// Called from a napi callback with its `env` and `info`.
pub unsafe fn callback_args<const N: usize>(
  env: sys::napi_env,
  info: sys::napi_callback_info,
) -> ([sys::napi_value; N], usize, *mut std::ffi::c_void) {
  let mut argv = [ptr::null_mut(); N];
  let mut argc = N;
  let mut data = ptr::null_mut();
  // SAFETY: caller contract; out-params are valid.
  unsafe {
    sys::napi_get_cb_info(
      env,
      info,
      &mut argc,
      argv.as_mut_ptr(),
      ptr::null_mut(),
      &mut data,
    );
    if argc < N {
      let mut undefined = ptr::null_mut();
      sys::napi_get_undefined(env, &mut undefined);
      for a in argv.iter_mut().skip(argc) {
        *a = undefined;
      }
    }
  }
  (argv, argc, data)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn integers_are_range_checked() {
    assert_eq!(integer_in("threads", 4.0, 1.0, 8.0).unwrap(), 4.0);
    for bad in [0.0, 9.0, 1.5, f64::NAN, f64::INFINITY] {
      let e = integer_in("threads", bad, 1.0, 8.0).unwrap_err();
      assert_eq!(e.code, crate::error::codes::OUT_OF_RANGE);
      assert!(e.message.contains("\"threads\""));
    }
  }
}
