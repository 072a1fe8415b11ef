//! `inspectFunction(source)`: the binding of `napi-parallel-inspect`, which
//! the worker engine uses to check, at the call, that a function shipped as
//! source reads no captured variable (see `lib/engine/`).
//!
//! Results are cached natively by source text (`inspect_cached`: bounded,
//! sources up to 16 KiB); the JS side may add a per-function `WeakMap`.

use std::ptr;

use napi::bindgen_prelude::{JsValue, Unknown};
use napi::{Env, ValueType, sys};
use napi_derive::napi;
use napi_parallel_inspect::{InspectError, Inspection, MAX_SOURCE, inspect_cached};

use crate::alloc::try_vec;
use crate::args::type_of;
use crate::error::{NpError, check, codes};

/// A variable the function reads but does not declare.
#[napi(object, object_from_js = false)]
pub struct FreeVariable {
  /// The variable's name.
  pub name: String,
  /// 1-based line of its first reference (as in V8 stack traces).
  pub line: u32,
  /// 1-based column of its first reference, in UTF-16 units.
  pub column: u32,
}

/// What `inspectFunction` found in a function's source.
#[napi(object, object_from_js = false)]
pub struct FunctionInfo {
  /// The function's shape; `native`/`bound` sources are not analysed (the
  /// other fields are empty). Node 20 prints bound functions as plain native
  /// sources, so `bound` only comes from a `function bound f() { [native code] }` text.
  #[napi(ts_type = "'arrow' | 'function' | 'method' | 'class' | 'native' | 'bound'")]
  pub kind: String,
  /// An async function, arrow or method.
  #[napi(js_name = "async")]
  pub is_async: bool,
  /// A generator function or method.
  pub generator: bool,
  /// Top-level parameter names in order: `x`, `x = 1` and `...x` give
  /// `'x'`; a destructuring pattern (`{a}`, `[b]`, with or without a
  /// default) gives `null`. A class gives its constructor's parameters.
  #[napi(ts_type = "Array<string | null>")]
  pub params: Vec<Option<String>>,
  /// References no scope of the function resolves, in source order, one per
  /// name (its first reference). Globals are NOT filtered out; the
  /// `arguments` of a non-arrow function and the names the function
  /// declares (its own name included) are never listed.
  pub free: Vec<FreeVariable>,
  /// UTF-16 offset of the `import` keyword of each dynamic `import(…)`:
  /// `source.slice(off, off + 6) === 'import'`.
  pub imports: Vec<u32>,
  /// `this` is used as the function's receiver (for an arrow: the enclosing
  /// `this`), outside nested functions and class members.
  pub uses_this: bool,
}

impl From<&Inspection> for FunctionInfo {
  fn from(i: &Inspection) -> Self {
    Self {
      kind: i.kind.as_str().to_string(),
      is_async: i.is_async,
      generator: i.generator,
      params: i.params.clone(),
      free: i
        .free
        .iter()
        .map(|f| FreeVariable {
          name: f.name.clone(),
          line: f.line,
          column: f.column,
        })
        .collect(),
      imports: i.imports.clone(),
      uses_this: i.uses_this,
    }
  }
}

/// Inspects a function's source text (`fn.toString()`): its kind, its
/// parameter names, the variables it reads without declaring them (with
/// line and column), its dynamic `import(` offsets and whether it uses
/// `this`. Accepts arrows, `function`s (async, generators), method
/// shorthand (`m(x) {}`, `get x() {}`, `#p() {}`), classes and native
/// sources. Throws a `TypeError` `ERR_INVALID_ARG_TYPE` for a non-string, a
/// `SyntaxError` `ERR_INVALID_FUNCTION_SOURCE` (with `line` and `column`) for
/// a source that is not one parsable function, and a `RangeError`
/// `ERR_OUT_OF_RANGE` for a source over 1 MiB (UTF-8) or nested too deeply.
#[napi(catch_unwind)]
pub fn inspect_function(
  env: &Env,
  #[napi(ts_arg_type = "string")] source: Unknown,
) -> napi::Result<FunctionInfo> {
  let source = source_arg(env, &source).map_err(|e| e.throw(env))?;
  match inspect_cached(&source) {
    Ok(found) => Ok(FunctionInfo::from(&*found)),
    Err(InspectError::Syntax {
      message,
      line,
      column,
    }) => {
      // SAFETY: `env` is the live env of this call.
      unsafe { throw_syntax_error(env.raw(), &message, line, column) }
    }
    Err(e @ (InspectError::TooLarge { .. } | InspectError::TooDeep)) => {
      Err(NpError::range_error(codes::OUT_OF_RANGE, e.to_string()).throw(env))
    }
    Err(e @ InspectError::Thread(_)) => {
      Err(NpError::error(codes::INTERNAL, e.to_string()).throw(env))
    }
  }
}

/// The `source` argument as UTF-8: a string (else `ERR_INVALID_ARG_TYPE`) of
/// at most [`MAX_SOURCE`] bytes (else `ERR_OUT_OF_RANGE`, before copying it).
fn source_arg(env: &Env, value: &Unknown<'_>) -> Result<String, NpError> {
  let raw = env.raw();
  if type_of(raw, value.raw()) != ValueType::String {
    return Err(NpError::invalid_arg_type("source", "of type string"));
  }
  let mut len = 0usize;
  // SAFETY: live env; checked to be a string (both unsafe blocks).
  unsafe { sys::napi_get_value_string_utf8(raw, value.raw(), ptr::null_mut(), 0, &mut len) };
  if len > MAX_SOURCE {
    return Err(NpError::range_error(
      codes::OUT_OF_RANGE,
      InspectError::TooLarge { len }.to_string(),
    ));
  }
  let mut buf = try_vec::<u8>(len + 1, "the \"source\" argument")?;
  buf.resize(len + 1, 0);
  unsafe {
    sys::napi_get_value_string_utf8(raw, value.raw(), buf.as_mut_ptr().cast(), len + 1, &mut len)
  };
  buf.truncate(len);
  String::from_utf8(buf).map_err(|_| NpError::invalid_arg_value("source", "is not valid UTF-16"))
}

/// Throws `new SyntaxError(…)` with `code`, `line` and `column`, and returns
/// the pending-exception error.
///
/// # Safety
/// `env` is the live env of the calling JS thread.
unsafe fn throw_syntax_error<T>(
  env: sys::napi_env,
  message: &str,
  line: u32,
  column: u32,
) -> napi::Result<T> {
  let text = format!("Invalid function source: {message} (at {line}:{column})");
  // SAFETY: caller contract; every pointer is a valid out-param.
  let error = unsafe {
    let mut global = ptr::null_mut();
    check(sys::napi_get_global(env, &mut global))?;
    let mut ctor = ptr::null_mut();
    check(sys::napi_get_named_property(
      env,
      global,
      c"SyntaxError".as_ptr(),
      &mut ctor,
    ))?;
    let mut msg = ptr::null_mut();
    check(sys::napi_create_string_utf8(
      env,
      text.as_ptr().cast(),
      text.len() as isize,
      &mut msg,
    ))?;
    let mut error = ptr::null_mut();
    check(sys::napi_new_instance(env, ctor, 1, &msg, &mut error))?;
    let code = codes::INVALID_FUNCTION_SOURCE;
    let mut code_v = ptr::null_mut();
    check(sys::napi_create_string_utf8(
      env,
      code.as_ptr().cast(),
      code.len() as isize,
      &mut code_v,
    ))?;
    check(sys::napi_set_named_property(
      env,
      error,
      c"code".as_ptr(),
      code_v,
    ))?;
    for (key, value) in [(c"line", line), (c"column", column)] {
      let mut v = ptr::null_mut();
      check(sys::napi_create_uint32(env, value, &mut v))?;
      check(sys::napi_set_named_property(env, error, key.as_ptr(), v))?;
    }
    sys::napi_throw(env, error);
    error
  };
  let _ = error;
  Err(napi::Error::from_status(napi::Status::PendingException))
}
