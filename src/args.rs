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

/// The bytes of a Uint8Array (Buffer) value, or `None` for anything else.
///
/// # Safety
/// `env` and `v` are live; the slice must not outlive the current call.
pub unsafe fn u8_view<'a>(env: sys::napi_env, v: sys::napi_value) -> Option<&'a [u8]> {
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
