//! The engine's function table, JS side: the submitting environment defines
//! each function once (`engineDefine`), batches name it by fn id, and each
//! worker fetches a function it has not compiled yet (`engineFunction`).
//! The table itself is `napi_parallel_workq::FnTable` (bounded; cleared when
//! the engine closes).

use napi::JsValue;
use napi::bindgen_prelude::{FromNapiValue, Unknown};
use napi::{Env, ValueType};

use super::{engine_arg, int_arg};
use crate::args::type_of;
use crate::error::NpError;

/// Internal (lib/engine/dispatch.js): defines fn `id` of `engine` as `spec`
/// (lib/engine/compile.js FnEntry as JSON) so that batches carry the id, not
/// the source. Returns false when the table is full (the caller then sends
/// the source inline) or the engine is closed. Redefining an id replaces it.
/// The spec is kept as UTF-8: a lone surrogate reads back as U+FFFD (JSON
/// from `JSON.stringify` escapes them, so a FnEntry's source is exact).
#[napi_derive::napi(catch_unwind)]
pub fn engine_define(
  env: &Env,
  #[napi(ts_arg_type = "number")] engine: Unknown,
  #[napi(ts_arg_type = "number")] id: Unknown,
  #[napi(ts_arg_type = "string")] spec: Unknown,
) -> napi::Result<bool> {
  let engine = engine_arg(env, &engine)?;
  let id = int_arg(env, &id, "id", 1.0, u32::MAX as f64)? as u32;
  if type_of(env.raw(), spec.raw()) != ValueType::String {
    return Err(NpError::invalid_arg_type("spec", "of type string").throw(env));
  }
  // SAFETY: live env; the value is a string (checked above).
  let spec = unsafe { String::from_napi_value(env.raw(), spec.raw()) }?;
  if engine.queue.is_closed() {
    return Ok(false);
  }
  Ok(engine.functions.define(id, &spec))
}

/// Internal (lib/engine/compile.js, in a worker): the spec `engineDefine`
/// gave fn `id` of `engine`, or null when it has none (never defined, or the
/// engine closed).
#[napi_derive::napi(catch_unwind)]
pub fn engine_function(
  env: &Env,
  #[napi(ts_arg_type = "number")] engine: Unknown,
  #[napi(ts_arg_type = "number")] id: Unknown,
) -> napi::Result<Option<String>> {
  let engine = engine_arg(env, &engine)?;
  let id = int_arg(env, &id, "id", 1.0, u32::MAX as f64)? as u32;
  Ok(engine.functions.get(id).map(|s| s.to_string()))
}
