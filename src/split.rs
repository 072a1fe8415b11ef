//! The splitter's binding: `splitSync`/`splitAsync`, `countLinesSync`/
//! `countLinesAsync`, `findAllSync`/`findAllAsync`. Parses arguments, calls
//! the napi-free core (`napi-parallel-split`) and converts its results.
//!
//! Input: a JS string is read as UTF-16 code units (matched unit by unit,
//! exactly like `String.prototype.split`; offsets are UTF-16 indices); a
//! `Uint8Array`/`Buffer` is matched byte by byte (offsets are byte offsets).
//! The sync exports read a Buffer in place (the JS thread is blocked while
//! the pool works). The async ones read a `SharedArrayBuffer`-backed view in
//! place ([`shared::SharedInput`]: such memory cannot be detached) and copy
//! any other Buffer, on every pool thread at once, so the caller may reuse or
//! transfer it at once. Output shaping (`'strings'`, `'buffers'`) is done by
//! `lib/split.js`.

use std::ptr;
use std::sync::atomic::AtomicBool;

use napi::bindgen_prelude::{JsValue, ToNapiValue, Unknown};
use napi::{Env, Result, ValueType, sys};
use napi_derive::napi;
use napi_parallel_split as core;

use crate::alloc::try_vec;
use crate::args::{JsBytes, ReadOptions, type_of, u8_view};
use crate::error::{DelimiterError, NpError};
use crate::shared;
use crate::task::{self, TaskArg, TaskSlot};
use crate::typed::copy_to_js_or_throw as copy_to_js;

/// The searched text: UTF-16 units (always copied: napi has no in-place
/// view of a string) or the bytes of a Buffer, of type `B`.
enum Text<B> {
  Utf16(Vec<u16>),
  Bytes(B),
}

/// The input of a sync call: a Buffer is read in place, for as long as the
/// borrow of the argument (the JS thread is blocked while the pool works).
/// Its lifetime keeps it out of any `'static` job.
type InPlaceInput<'v> = Text<JsBytes<'v>>;

/// The input of an async call: owned, so the caller may reuse its Buffer at
/// once, or shared memory kept alive by a reference. The only input type the
/// `task::spawn` jobs below can hold.
type OwnedInput = Text<AsyncBytes>;

/// The bytes an async job reads.
enum AsyncBytes {
  /// A copy of a plain Buffer (which JS could detach under the job).
  Copied(Vec<u8>),
  /// A `SharedArrayBuffer`-backed view, read in place (see [`shared`]).
  Shared(shared::SharedInput),
}

impl std::ops::Deref for AsyncBytes {
  type Target = [u8];
  fn deref(&self) -> &[u8] {
    match self {
      AsyncBytes::Copied(v) => v,
      AsyncBytes::Shared(s) => s,
    }
  }
}

impl OwnedInput {
  /// The reference to give back on the JS thread, if the bytes are shared.
  fn into_shared(self) -> Option<shared::SharedInput> {
    match self {
      Text::Bytes(AsyncBytes::Shared(s)) => Some(s),
      _ => None,
    }
  }
}

/// An async job's result with its input's reference, which the conversion
/// (on the JS thread, after the job has ended) deletes at once; a result
/// that is never converted (timed out, cancelled) queues it instead.
struct WithInput<T> {
  value: T,
  shared: Option<shared::SharedInput>,
}

impl<T> WithInput<T> {
  fn new(value: T, input: OwnedInput) -> Self {
    WithInput {
      value,
      shared: input.into_shared(),
    }
  }
}

impl<T: ToNapiValue> ToNapiValue for WithInput<T> {
  unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
    // SAFETY: conversions run on the JS thread of the env the input was read in,
    // after the job has returned.
    unsafe {
      if let Some(s) = val.shared {
        s.release_now(env);
      }
      shared::drain(env);
      T::to_napi_value(env, val.value)
    }
  }
}

/// Plain Buffers at least this long are copied by every pool thread at once.
const PARALLEL_COPY_MIN: usize = 4 << 20;
/// Bytes per task of that copy.
const COPY_CHUNK: usize = 1 << 20;

impl<B: std::ops::Deref<Target = [u8]>> Text<B> {
  fn haystack(&self) -> core::Haystack<'_> {
    match self {
      Text::Utf16(units) => core::Haystack::utf16(units),
      Text::Bytes(bytes) => core::Haystack::bytes(bytes),
    }
  }

  fn unit(&self) -> core::Unit {
    match self {
      Text::Utf16(_) => core::Unit::Utf16,
      Text::Bytes(_) => core::Unit::Byte,
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

/// Reads `input` in place (sync calls).
fn read_input_in_place<'v>(
  env: &Env,
  value: &'v Unknown<'_>,
) -> std::result::Result<InPlaceInput<'v>, NpError> {
  let (raw_env, raw) = (env.raw(), value.raw());
  match type_of(raw_env, raw) {
    ValueType::String => Ok(Text::Utf16(read_utf16(raw_env, raw, "input")?)),
    // SAFETY: live env and value.
    ValueType::Object if unsafe { crate::args::is_detached_view(raw_env, raw) } => {
      Err(crate::args::detached("input"))
    }
    ValueType::Object => u8_view(value).map(Text::Bytes).ok_or_else(not_input),
    _ => Err(not_input()),
  }
}

/// Reads `input` for an async call: a `SharedArrayBuffer`-backed view in
/// place, any other Buffer as a copy (in parallel when it is big).
fn read_input_owned(env: &Env, value: &Unknown<'_>) -> std::result::Result<OwnedInput, NpError> {
  let input = read_input_in_place(env, value)?;
  own_input(env, value, input)
}

/// Makes an async call's input owned: a `SharedArrayBuffer`-backed view is
/// referenced in place, any other Buffer copied (in parallel when it is big).
fn own_input(
  env: &Env,
  value: &Unknown<'_>,
  input: InPlaceInput<'_>,
) -> std::result::Result<OwnedInput, NpError> {
  // SAFETY: live env on its JS thread (a napi callback).
  unsafe { shared::drain(env.raw()) };
  Ok(match input {
    Text::Utf16(units) => Text::Utf16(units),
    Text::Bytes(bytes) => {
      // SAFETY: live env and value, on the JS thread.
      if let Some(s) = unsafe { shared::SharedInput::from_view(env.raw(), value.raw()) } {
        Text::Bytes(AsyncBytes::Shared(s))
      } else if bytes.len() >= PARALLEL_COPY_MIN && pool_is_idle(None) {
        let mut copy: Vec<u8> = try_vec(bytes.len(), "a copy of the \"input\" argument")?;
        let src = bytes.as_slice();
        // The JS thread waits for the copy (the Buffer may change once it returns).
        let copy = crate::pool::run_blocking_env_scoped(env, move |_| {
          core::copy::extend_parallel(&mut copy, src, COPY_CHUNK);
          Ok(copy)
        })?;
        Text::Bytes(AsyncBytes::Copied(copy))
      } else {
        Text::Bytes(AsyncBytes::Copied(bytes.to_owned_bytes("input")?))
      }
    }
  })
}

/// Plain Buffers at least this long are scanned in place by an async call
/// whose scan is one memchr-speed pass (see [`scan_in_place`]).
const IN_PLACE_SCAN_MIN: usize = 1 << 20;

/// Whether an async call scans `input` in place while the JS thread waits
/// (on the task's pool, and only while that pool is idle), instead of
/// copying it: a plain (not shared) Buffer of at least
/// [`IN_PLACE_SCAN_MIN`] bytes, when the scan (`cheap_scan`) is one pass
/// that reads each byte once, like `countLines` or a one-byte delimiter.
///
/// The JS thread waits for the copy anyway (the Buffer may change or be
/// detached once the call returns), and such a scan costs less than that
/// copy: on 199 MB a warm parallel copy takes 23 ms and the count 16 ms
/// (`cargo run --release -p napi-parallel-split --example copy_floor`), so
/// copy + scan is at least 2.4x the sync call and the in-place scan ~1x,
/// while the event loop waits no longer than for the copy. Scans much
/// dearer than a copy (several patterns) still copy, so the event loop gets
/// back after the copy.
fn scan_in_place<B: std::ops::Deref<Target = [u8]>>(
  env: &Env,
  value: &Unknown<'_>,
  input: &Text<B>,
  cheap_scan: bool,
  pool: Option<&std::sync::Arc<napi_parallel_pool::PoolCore>>,
) -> bool {
  let Text::Bytes(bytes) = input else {
    return false;
  };
  // SAFETY: live env and value, on the JS thread.
  cheap_scan
    && bytes.len() >= IN_PLACE_SCAN_MIN
    && !unsafe { shared::is_shared_view(env.raw(), value.raw()) }
    && pool_is_idle(pool)
}

/// Whether `pool` (the default pool for `None`) has no queued or running
/// task. The JS thread blocks on the pool only then (for an in-place scan or
/// a parallel copy): behind a long kernel it would wait for that kernel.
fn pool_is_idle(pool: Option<&std::sync::Arc<napi_parallel_pool::PoolCore>>) -> bool {
  match pool {
    Some(p) => p.is_idle(),
    None => napi_parallel_pool::default_pool().is_ok_and(|p| p.is_idle()),
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
    // SAFETY: live env and value; the bytes are copied within the closure.
    ValueType::Object => match unsafe {
      crate::args::with_u8_view(env, value, |bytes| match unit {
        core::Unit::Byte => crate::args::copy_arg(bytes, name),
        core::Unit::Utf16 => Ok(core::haystack::utf16_pattern(
          &String::from_utf8_lossy(bytes)
            .encode_utf16()
            .collect::<Vec<_>>(),
        )),
      })
    } {
      Some(pattern) => pattern,
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

/// The options `splitSync`/`splitAsync` read (output shaping is done in JS).
#[napi(object, object_to_js = false, object_from_js = false)]
#[derive(Debug, Default, Clone)]
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

crate::read_options!(NativeSplitOptions {
  skip_empty: "skipEmpty" => boolean(),
  trim: "trim" => boolean(),
  limit: "limit" => integer(0.0, u32::MAX as f64),
  chunk_size: "chunkSize" => integer(core::MIN_CHUNK_SIZE as f64, MAX_CHUNK_SIZE),
});

/// The options `countLines*` and `findAll*` read.
#[napi(object, object_to_js = false, object_from_js = false)]
#[derive(Debug, Default, Clone)]
pub struct ChunkOptions {
  /// Bytes per parallel chunk, for tests and tuning (>= 16). @default 1048576
  pub chunk_size: Option<f64>,
}

crate::read_options!(ChunkOptions {
  chunk_size: "chunkSize" => integer(core::MIN_CHUNK_SIZE as f64, MAX_CHUNK_SIZE),
});

/// Largest `chunkSize` accepted (below 2^53, so it is an exact integer).
const MAX_CHUNK_SIZE: f64 = 9.0e15;

/// `chunkSize` (already range-checked by its reader), or the default.
fn chunk_or_default(chunk_size: Option<f64>) -> usize {
  chunk_size.map_or(core::DEFAULT_CHUNK_SIZE, |v| v as usize)
}

/// The core's options; the reader has checked every field's type and range.
impl TryFrom<NativeSplitOptions> for core::SplitOptions {
  type Error = NpError;

  fn try_from(o: NativeSplitOptions) -> std::result::Result<Self, NpError> {
    Ok(core::SplitOptions {
      skip_empty: o.skip_empty.unwrap_or(false),
      trim: o.trim.unwrap_or(false),
      limit: o.limit.map(|v| v as usize),
      chunk_size: chunk_or_default(o.chunk_size),
    })
  }
}

/// The core's chunk size in bytes.
pub struct ChunkSize(pub usize);

impl TryFrom<ChunkOptions> for ChunkSize {
  type Error = NpError;

  fn try_from(o: ChunkOptions) -> std::result::Result<Self, NpError> {
    Ok(ChunkSize(chunk_or_default(o.chunk_size)))
  }
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

fn split_impl<B: std::ops::Deref<Target = [u8]>>(
  input: &Text<B>,
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

/// A split's parsed arguments over input `I`.
struct SplitArgs<I> {
  input: I,
  matcher: core::Matcher,
  opts: core::SplitOptions,
}

/// Reads the delimiter and options for `input` (already read).
fn parse_split<B: std::ops::Deref<Target = [u8]>>(
  env: &Env,
  input: Text<B>,
  delimiter: &Unknown<'_>,
  options: Option<Unknown<'_>>,
) -> std::result::Result<SplitArgs<Text<B>>, NpError> {
  let patterns = read_patterns(env, delimiter, input.unit(), "delimiter")?;
  let matcher = compile(&patterns, input.unit(), "delimiter")?;
  let opts = NativeSplitOptions::from_arg(env, options, "options")?.try_into()?;
  Ok(SplitArgs {
    input,
    matcher,
    opts,
  })
}

/// Splits `input` on the pool and resolves to the pieces' `[start, end, …]`
/// offsets (UTF-16 indices for a string, byte offsets for a Buffer). Use
/// `split(input, delimiter, { output: 'offsets' })`.
#[napi(catch_unwind, ts_return_type = "number")]
pub fn split_async(
  env: &Env,
  task: TaskArg,
  #[napi(ts_arg_type = "string | Uint8Array")] input: Unknown,
  #[napi(ts_arg_type = "string | Uint8Array | Array<string | Uint8Array>")] delimiter: Unknown,
  #[napi(ts_arg_type = "NativeSplitOptions")] options: Option<Unknown>,
) -> Result<TaskSlot> {
  let SplitArgs {
    input: text,
    matcher,
    opts,
  } = read_input_in_place(env, &input)
    .and_then(|text| parse_split(env, text, &delimiter, options))
    .map_err(|e| e.throw(env))?;
  if scan_in_place(
    env,
    &input,
    &text,
    matcher.is_one_byte(),
    task.pool.as_ref(),
  ) {
    let offsets = crate::pool::run_blocking_env_scoped_on(env, task.pool.as_ref(), |cancel| {
      split_impl(&text, &matcher, &opts, cancel)
    })
    .map_err(|e| e.throw(env))?;
    return task::spawn(env, task, move |_| Ok(offsets));
  }
  let text = own_input(env, &input, text).map_err(|e| e.throw(env))?;
  task::spawn(env, task, move |ctx| {
    split_impl(&text, &matcher, &opts, ctx.cancel_flag()).map(|v| WithInput::new(v, text))
  })
}

/// The synchronous twin of `splitAsync`: blocks the caller, still uses every core.
#[napi(catch_unwind, ts_return_type = "Uint32Array | Float64Array")]
pub fn split_sync(
  env: &Env,
  #[napi(ts_arg_type = "string | Uint8Array")] input: Unknown,
  #[napi(ts_arg_type = "string | Uint8Array | Array<string | Uint8Array>")] delimiter: Unknown,
  #[napi(ts_arg_type = "NativeSplitOptions")] options: Option<Unknown>,
) -> Result<Offsets> {
  let args = read_input_in_place(env, &input)
    .and_then(|input| parse_split(env, input, &delimiter, options))
    .map_err(|e| e.throw(env))?;
  crate::pool::run_blocking_env_scoped(env, |cancel| {
    split_impl(&args.input, &args.matcher, &args.opts, cancel)
  })
  .map_err(|e| e.throw(env))
}

/// `options.chunkSize`, or the default.
fn chunk_arg(env: &Env, options: Option<Unknown<'_>>) -> std::result::Result<usize, NpError> {
  let ChunkSize(chunk) = ChunkOptions::from_arg(env, options, "options")?.try_into()?;
  Ok(chunk)
}

fn count_impl<B: std::ops::Deref<Target = [u8]>>(
  input: &Text<B>,
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
#[napi(catch_unwind, ts_return_type = "number")]
pub fn count_lines_async(
  env: &Env,
  task: TaskArg,
  #[napi(ts_arg_type = "string | Uint8Array")] input: Unknown,
  #[napi(ts_arg_type = "ChunkOptions")] options: Option<Unknown>,
) -> Result<TaskSlot> {
  let (text, chunk) = read_input_in_place(env, &input)
    .and_then(|text| Ok((text, chunk_arg(env, options)?)))
    .map_err(|e| e.throw(env))?;
  if scan_in_place(env, &input, &text, true, task.pool.as_ref()) {
    let n = crate::pool::run_blocking_env_scoped_on(env, task.pool.as_ref(), |cancel| {
      count_impl(&text, chunk, cancel)
    })
    .map_err(|e| e.throw(env))?;
    return task::spawn(env, task, move |_| Ok(n));
  }
  let input = own_input(env, &input, text).map_err(|e| e.throw(env))?;
  if matches!(input, Text::Bytes(AsyncBytes::Shared(_))) {
    return task::spawn(env, task, move |ctx| {
      count_impl(&input, chunk, ctx.cancel_flag()).map(|v| WithInput::new(v, input))
    });
  }
  // A bare f64 settles through the bridge's number fast path (no boxed conversion).
  task::spawn(env, task, move |ctx| {
    count_impl(&input, chunk, ctx.cancel_flag())
  })
}

/// The synchronous twin of `countLinesAsync`.
#[napi(catch_unwind)]
pub fn count_lines_sync(
  env: &Env,
  #[napi(ts_arg_type = "string | Uint8Array")] input: Unknown,
  #[napi(ts_arg_type = "ChunkOptions")] options: Option<Unknown>,
) -> Result<f64> {
  let (input, chunk) = read_input_in_place(env, &input)
    .and_then(|input| Ok((input, chunk_arg(env, options)?)))
    .map_err(|e| e.throw(env))?;
  crate::pool::run_blocking_env_scoped(env, |cancel| count_impl(&input, chunk, cancel))
    .map_err(|e| e.throw(env))
}

fn find_impl<B: std::ops::Deref<Target = [u8]>>(
  input: &Text<B>,
  matcher: &core::Matcher,
  chunk: usize,
  cancel: &AtomicBool,
) -> std::result::Result<Found, NpError> {
  core::find_all(&input.haystack(), matcher, chunk, cancel)
    .map(|(offsets, patterns)| Found { offsets, patterns })
    .ok_or_else(cancelled)
}

/// Reads the options and patterns for `input` (already read).
fn parse_find<B: std::ops::Deref<Target = [u8]>>(
  env: &Env,
  input: Text<B>,
  patterns: &Unknown<'_>,
  options: Option<Unknown<'_>>,
) -> std::result::Result<(Text<B>, core::Matcher, usize), NpError> {
  let chunk = chunk_arg(env, options)?;
  let pats = read_patterns(env, patterns, input.unit(), "patterns")?;
  let matcher = compile(&pats, input.unit(), "patterns")?;
  Ok((input, matcher, chunk))
}

/// Every non-overlapping leftmost-first match of `patterns`, in input order:
/// start offsets (UTF-16 indices for a string, bytes for a Buffer) and the
/// index of the pattern that matched. Use `findAll(input, patterns)`.
#[napi(catch_unwind, ts_return_type = "number")]
pub fn find_all_async(
  env: &Env,
  task: TaskArg,
  #[napi(ts_arg_type = "string | Uint8Array")] input: Unknown,
  #[napi(ts_arg_type = "Array<string | Uint8Array>")] patterns: Unknown,
  #[napi(ts_arg_type = "ChunkOptions")] options: Option<Unknown>,
) -> Result<TaskSlot> {
  let (input, matcher, chunk) = read_input_owned(env, &input)
    .and_then(|input| parse_find(env, input, &patterns, options))
    .map_err(|e| e.throw(env))?;
  task::spawn(env, task, move |ctx| {
    find_impl(&input, &matcher, chunk, ctx.cancel_flag()).map(|v| WithInput::new(v, input))
  })
}

/// The synchronous twin of `findAllAsync`.
#[napi(
  catch_unwind,
  ts_return_type = "{ offsets: Float64Array; patterns: Uint32Array }"
)]
pub fn find_all_sync(
  env: &Env,
  #[napi(ts_arg_type = "string | Uint8Array")] input: Unknown,
  #[napi(ts_arg_type = "Array<string | Uint8Array>")] patterns: Unknown,
  #[napi(ts_arg_type = "ChunkOptions")] options: Option<Unknown>,
) -> Result<Found> {
  let (input, matcher, chunk) = read_input_in_place(env, &input)
    .and_then(|input| parse_find(env, input, &patterns, options))
    .map_err(|e| e.throw(env))?;
  crate::pool::run_blocking_env_scoped(env, |cancel| find_impl(&input, &matcher, chunk, cancel))
    .map_err(|e| e.throw(env))
}
