//! The splitter's binding: `splitSync`/`splitAsync`, `countLinesSync`/
//! `countLinesAsync`, `findAllSync`/`findAllAsync`. Parses arguments, calls
//! the napi-free core (`napi-parallel-split`) and converts its results.
//!
//! Input: a JS string is read as UTF-16 code units (matched unit by unit,
//! exactly like `String.prototype.split`; offsets are UTF-16 indices); a
//! `Uint8Array`/`Buffer` is matched byte by byte (offsets are byte offsets).
//! The sync exports read a Buffer in place (the JS thread is blocked while
//! the pool works); the async ones copy it, so the caller may reuse it at once.
//! Output shaping (`'strings'`, `'buffers'`) is done by `lib/split.js`.

use std::borrow::Cow;
use std::ptr;
use std::sync::atomic::AtomicBool;

use napi::bindgen_prelude::{JsValue, ToNapiValue, Unknown};
use napi::{Env, Result, ValueType, sys};
use napi_derive::napi;
use napi_parallel_split as core;

use crate::alloc::try_vec;
use crate::args::{Options, type_of};
use crate::error::{DelimiterError, NpError};
use crate::task::{self, TaskArg, TaskSlot};
use crate::typed::copy_to_js_or_throw as copy_to_js;

/// The searched text, owned (async) or borrowed for the duration of a sync call.
enum Input<'a> {
  Utf16(Vec<u16>),
  Bytes(Cow<'a, [u8]>),
}

impl Input<'_> {
  fn haystack(&self) -> core::Haystack<'_> {
    match self {
      Input::Utf16(units) => core::Haystack::utf16(units),
      Input::Bytes(bytes) => core::Haystack::bytes(bytes),
    }
  }

  fn unit(&self) -> core::Unit {
    match self {
      Input::Utf16(_) => core::Unit::Utf16,
      Input::Bytes(_) => core::Unit::Byte,
    }
  }
}

fn read_utf16(
  env: sys::napi_env,
  value: sys::napi_value,
  name: &str,
) -> std::result::Result<Vec<u16>, NpError> {
  let mut len = 0usize;
  // SAFETY: live env; `value` is a string (checked by the callers). With a
  // null buffer napi reports the length; then it fills `len + 1` units.
  unsafe {
    sys::napi_get_value_string_utf16(env, value, ptr::null_mut(), 0, &mut len);
    let mut units: Vec<u16> = try_vec(
      len.saturating_add(1),
      &format!("a copy of the \"{name}\" argument"),
    )?;
    let mut written = 0usize;
    sys::napi_get_value_string_utf16(env, value, units.as_mut_ptr(), len + 1, &mut written);
    units.set_len(written.min(len));
    Ok(units)
  }
}

fn copy_bytes(bytes: &[u8], name: &str) -> std::result::Result<Vec<u8>, NpError> {
  let mut v = try_vec(bytes.len(), &format!("a copy of the \"{name}\" argument"))?;
  v.extend_from_slice(bytes);
  Ok(v)
}

fn read_input<'a>(
  env: &Env,
  value: &Unknown<'_>,
  copy: bool,
) -> std::result::Result<Input<'a>, NpError> {
  let (raw_env, raw) = (env.raw(), value.raw());
  match type_of(raw_env, raw) {
    ValueType::String => Ok(Input::Utf16(read_utf16(raw_env, raw, "input")?)),
    // SAFETY: a sync caller uses the borrow within its call; an async one copies.
    // SAFETY: live env and value.
    ValueType::Object if unsafe { crate::args::is_detached_view(raw_env, raw) } => {
      Err(crate::args::detached("input"))
    }
    ValueType::Object => match unsafe { crate::args::u8_view(raw_env, raw) } {
      Some(bytes) if copy => Ok(Input::Bytes(Cow::Owned(copy_bytes(bytes, "input")?))),
      Some(bytes) => Ok(Input::Bytes(Cow::Borrowed(bytes))),
      None => Err(not_input()),
    },
    _ => Err(not_input()),
  }
}

fn not_input() -> NpError {
  NpError::invalid_arg_type(
    "input",
    "of type string or an instance of Buffer or Uint8Array",
  )
}

/// One delimiter, encoded for the haystack's unit.
fn read_pattern(
  env: sys::napi_env,
  value: sys::napi_value,
  unit: core::Unit,
  name: &str,
) -> std::result::Result<Vec<u8>, NpError> {
  let bad = || {
    NpError::invalid_arg_type(
      name,
      "of type string or an instance of Buffer or Uint8Array",
    )
  };
  match type_of(env, value) {
    ValueType::String => {
      let units = read_utf16(env, value, name)?;
      match unit {
        core::Unit::Utf16 => Ok(core::haystack::utf16_pattern(&units)),
        core::Unit::Byte => String::from_utf16(&units)
          .map(String::into_bytes)
          .map_err(|_| {
            NpError::invalid_arg_value(
              name,
              "contains a lone surrogate, which has no UTF-8 form to search a Buffer for",
            )
          }),
      }
    }
    // SAFETY: live env and value.
    ValueType::Object if unsafe { crate::args::is_detached_view(env, value) } => {
      Err(crate::args::detached(name))
    }
    // SAFETY: copied at once.
    ValueType::Object => match unsafe { crate::args::u8_view(env, value) } {
      Some(bytes) => Ok(match unit {
        core::Unit::Byte => copy_bytes(bytes, name)?,
        core::Unit::Utf16 => core::haystack::utf16_pattern(
          &String::from_utf8_lossy(bytes)
            .encode_utf16()
            .collect::<Vec<_>>(),
        ),
      }),
      None => Err(bad()),
    },
    _ => Err(bad()),
  }
}

/// A delimiter, or an array of them.
fn read_patterns(
  env: &Env,
  value: &Unknown<'_>,
  unit: core::Unit,
  name: &str,
) -> std::result::Result<Vec<Vec<u8>>, NpError> {
  let (raw_env, raw) = (env.raw(), value.raw());
  let mut is_array = false;
  // SAFETY: live env and value (and below).
  unsafe { sys::napi_is_array(raw_env, raw, &mut is_array) };
  if !is_array {
    return Ok(vec![read_pattern(raw_env, raw, unit, name)?]);
  }
  let mut len = 0u32;
  unsafe { sys::napi_get_array_length(raw_env, raw, &mut len) };
  // Not sized by `len` alone: a sparse array can claim 2^32 - 1 elements.
  let mut out = Vec::with_capacity((len as usize).min(1024));
  for i in 0..len {
    let mut item = ptr::null_mut();
    unsafe { sys::napi_get_element(raw_env, raw, i, &mut item) };
    out.push(read_pattern(raw_env, item, unit, &format!("{name}[{i}]"))?);
  }
  Ok(out)
}

fn compile(
  patterns: &[Vec<u8>],
  unit: core::Unit,
  name: &str,
) -> std::result::Result<core::Matcher, NpError> {
  core::Matcher::new(patterns, unit).map_err(|error| {
    NpError::from(DelimiterError {
      name,
      count: patterns.len(),
      error,
    })
  })
}

fn chunk_size(o: &Options) -> std::result::Result<usize, NpError> {
  Ok(
    o.integer("chunkSize", core::MIN_CHUNK_SIZE as f64, 9.0e15)?
      .map_or(core::DEFAULT_CHUNK_SIZE, |v| v as usize),
  )
}

fn parse_split_options(
  env: &Env,
  options: Option<Unknown<'_>>,
) -> std::result::Result<core::SplitOptions, NpError> {
  let o = Options::new(env, options, "options")?;
  Ok(core::SplitOptions {
    skip_empty: o.boolean("skipEmpty")?.unwrap_or(false),
    trim: o.boolean("trim")?.unwrap_or(false),
    limit: o
      .integer("limit", 0.0, u32::MAX as f64)?
      .map(|v| v as usize),
    chunk_size: chunk_size(&o)?,
  })
}

/// `[start, end, …]` pairs: a `Uint32Array` when every offset fits, else a `Float64Array`.
pub enum Offsets {
  /// Offsets below 2^32.
  U32(Vec<u32>),
  /// Larger inputs.
  F64(Vec<f64>),
}

impl ToNapiValue for Offsets {
  unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> Result<sys::napi_value> {
    // SAFETY: on the JS thread with its env. Copied into V8-owned memory:
    // see `crate::typed` (an external buffer lives until the loop turns).
    unsafe {
      match value {
        Offsets::U32(v) => copy_to_js(env, &v),
        Offsets::F64(v) => copy_to_js(env, &v),
      }
    }
  }
}

/// `{ offsets, patterns }` of `findAll`.
pub struct Found {
  offsets: Vec<f64>,
  patterns: Vec<u32>,
}

impl ToNapiValue for Found {
  unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> Result<sys::napi_value> {
    let mut obj = ptr::null_mut();
    // SAFETY: on the JS thread with its env; each value is created just before it is set.
    unsafe {
      sys::napi_create_object(env, &mut obj);
      let offsets = copy_to_js(env, &value.offsets)?;
      sys::napi_set_named_property(env, obj, c"offsets".as_ptr(), offsets);
      let patterns = copy_to_js(env, &value.patterns)?;
      sys::napi_set_named_property(env, obj, c"patterns".as_ptr(), patterns);
    }
    Ok(obj)
  }
}

fn cancelled() -> NpError {
  NpError::abort()
}

fn split_impl(
  input: &Input<'_>,
  matcher: &core::Matcher,
  opts: &core::SplitOptions,
  cancel: &AtomicBool,
) -> std::result::Result<Offsets, NpError> {
  let hay = input.haystack();
  if hay.len() <= u32::MAX as usize {
    core::split_offsets::<u32>(&hay, matcher, opts, cancel).map(Offsets::U32)
  } else {
    core::split_offsets::<f64>(&hay, matcher, opts, cancel).map(Offsets::F64)
  }
  .ok_or_else(cancelled)
}

struct SplitArgs<'a> {
  input: Input<'a>,
  matcher: core::Matcher,
  opts: core::SplitOptions,
}

fn parse_split<'a>(
  env: &Env,
  input: &Unknown<'_>,
  delimiter: &Unknown<'_>,
  options: Option<Unknown<'_>>,
  copy: bool,
) -> std::result::Result<SplitArgs<'a>, NpError> {
  let input = read_input(env, input, copy)?;
  let patterns = read_patterns(env, delimiter, input.unit(), "delimiter")?;
  let matcher = compile(&patterns, input.unit(), "delimiter")?;
  let opts = parse_split_options(env, options)?;
  Ok(SplitArgs {
    input,
    matcher,
    opts,
  })
}

/// Splits `input` on the pool and resolves to the pieces' `[start, end, …]`
/// offsets (UTF-16 indices for a string, byte offsets for a Buffer). Use
/// `split(input, delimiter, { output: 'offsets' })`.
#[napi(
  catch_unwind,
  ts_args_type = "task: TaskArg, input: string | Uint8Array, delimiter: string | Uint8Array | Array<string | Uint8Array>, options?: NativeSplitOptions",
  ts_return_type = "number"
)]
pub fn split_async(
  env: &Env,
  task: TaskArg,
  input: Unknown,
  delimiter: Unknown,
  options: Option<Unknown>,
) -> Result<TaskSlot> {
  let args: SplitArgs<'static> =
    parse_split(env, &input, &delimiter, options, true).map_err(|e| e.throw(env))?;
  task::spawn(env, task, move |ctx| {
    split_impl(&args.input, &args.matcher, &args.opts, ctx.cancel_flag())
  })
}

/// The synchronous twin of `splitAsync`: blocks the caller, still uses every core.
#[napi(
  catch_unwind,
  ts_args_type = "input: string | Uint8Array, delimiter: string | Uint8Array | Array<string | Uint8Array>, options?: NativeSplitOptions",
  ts_return_type = "Uint32Array | Float64Array"
)]
pub fn split_sync(
  env: &Env,
  input: Unknown,
  delimiter: Unknown,
  options: Option<Unknown>,
) -> Result<Offsets> {
  let args = parse_split(env, &input, &delimiter, options, false).map_err(|e| e.throw(env))?;
  crate::pool::run_blocking_env_scoped(env, |cancel| {
    split_impl(&args.input, &args.matcher, &args.opts, cancel)
  })
  .map_err(|e| e.throw(env))
}

/// The options `splitSync`/`splitAsync` read (output shaping is done in JS).
#[napi(object)]
pub struct NativeSplitOptions {
  /// Drop empty pieces (after `trim`). @default false
  pub skip_empty: Option<bool>,
  /// Trim JS whitespace (as `String.prototype.trim`) from each piece. @default false
  pub trim: Option<bool>,
  /// Keep at most this many pieces (after `skipEmpty`), an integer in 0..=2^32-1. @default unlimited
  pub limit: Option<f64>,
  /// Bytes per parallel chunk, for tests and tuning (>= 16). @default 1048576
  pub chunk_size: Option<f64>,
}

fn parse_chunked<'a>(
  env: &Env,
  input: &Unknown<'_>,
  options: Option<Unknown<'_>>,
  copy: bool,
) -> std::result::Result<(Input<'a>, usize), NpError> {
  let input = read_input(env, input, copy)?;
  let o = Options::new(env, options, "options")?;
  Ok((input, chunk_size(&o)?))
}

fn count_impl(
  input: &Input<'_>,
  chunk: usize,
  cancel: &AtomicBool,
) -> std::result::Result<f64, NpError> {
  core::count_lines(&input.haystack(), chunk, cancel)
    .map(|n| n as f64)
    .ok_or_else(cancelled)
}

/// Counts lines on the pool: the number of `\n`, plus one if the input is
/// not empty and does not end with `\n` (`\r\n` ends one line; a lone `\r`
/// ends none). Use `countLines(input)`.
#[napi(
  catch_unwind,
  ts_args_type = "task: TaskArg, input: string | Uint8Array, options?: { chunkSize?: number }",
  ts_return_type = "number"
)]
pub fn count_lines_async(
  env: &Env,
  task: TaskArg,
  input: Unknown,
  options: Option<Unknown>,
) -> Result<TaskSlot> {
  let (input, chunk): (Input<'static>, usize) =
    parse_chunked(env, &input, options, true).map_err(|e| e.throw(env))?;
  task::spawn(env, task, move |ctx| {
    count_impl(&input, chunk, ctx.cancel_flag())
  })
}

/// The synchronous twin of `countLinesAsync`.
#[napi(
  catch_unwind,
  ts_args_type = "input: string | Uint8Array, options?: { chunkSize?: number }"
)]
pub fn count_lines_sync(env: &Env, input: Unknown, options: Option<Unknown>) -> Result<f64> {
  let (input, chunk) = parse_chunked(env, &input, options, false).map_err(|e| e.throw(env))?;
  crate::pool::run_blocking_env_scoped(env, |cancel| count_impl(&input, chunk, cancel))
    .map_err(|e| e.throw(env))
}

fn find_impl(
  input: &Input<'_>,
  matcher: &core::Matcher,
  chunk: usize,
  cancel: &AtomicBool,
) -> std::result::Result<Found, NpError> {
  core::find_all(&input.haystack(), matcher, chunk, cancel)
    .map(|(offsets, patterns)| Found { offsets, patterns })
    .ok_or_else(cancelled)
}

fn parse_find<'a>(
  env: &Env,
  input: &Unknown<'_>,
  patterns: &Unknown<'_>,
  options: Option<Unknown<'_>>,
  copy: bool,
) -> std::result::Result<(Input<'a>, core::Matcher, usize), NpError> {
  let (input, chunk) = parse_chunked(env, input, options, copy)?;
  let pats = read_patterns(env, patterns, input.unit(), "patterns")?;
  let matcher = compile(&pats, input.unit(), "patterns")?;
  Ok((input, matcher, chunk))
}

/// Every non-overlapping leftmost-first match of `patterns`, in input order:
/// start offsets (UTF-16 indices for a string, bytes for a Buffer) and the
/// index of the pattern that matched. Use `findAll(input, patterns)`.
#[napi(
  catch_unwind,
  ts_args_type = "task: TaskArg, input: string | Uint8Array, patterns: Array<string | Uint8Array>, options?: { chunkSize?: number }",
  ts_return_type = "number"
)]
pub fn find_all_async(
  env: &Env,
  task: TaskArg,
  input: Unknown,
  patterns: Unknown,
  options: Option<Unknown>,
) -> Result<TaskSlot> {
  let (input, matcher, chunk): (Input<'static>, _, _) =
    parse_find(env, &input, &patterns, options, true).map_err(|e| e.throw(env))?;
  task::spawn(env, task, move |ctx| {
    find_impl(&input, &matcher, chunk, ctx.cancel_flag())
  })
}

/// The synchronous twin of `findAllAsync`.
#[napi(
  catch_unwind,
  ts_args_type = "input: string | Uint8Array, patterns: Array<string | Uint8Array>, options?: { chunkSize?: number }",
  ts_return_type = "{ offsets: Float64Array; patterns: Uint32Array }"
)]
pub fn find_all_sync(
  env: &Env,
  input: Unknown,
  patterns: Unknown,
  options: Option<Unknown>,
) -> Result<Found> {
  let (input, matcher, chunk) =
    parse_find(env, &input, &patterns, options, false).map_err(|e| e.throw(env))?;
  crate::pool::run_blocking_env_scoped(env, |cancel| find_impl(&input, &matcher, chunk, cancel))
    .map_err(|e| e.throw(env))
}
