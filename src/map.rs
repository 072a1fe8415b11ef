//! `parallelMapAsync` / `parallelMapSync` / `spawnAsync`: the binding of
//! `napi-parallel-kernel`. JS functions arrive as source text
//! (`fn.toString()`, done in `lib/map.js`); they are compiled (cached) on the
//! JS thread, so an unsupported kernel throws at once.
//!
//! Inputs and outputs are `crate::map_io`'s: a sync call reads every
//! `Float64Array` input in place and writes into `options.out` or a fresh
//! V8 ArrayBuffer; an async call reads a `SharedArrayBuffer`-backed
//! `Float64Array` in place, copies any other input on the JS thread (so the
//! caller may mutate, transfer or detach it at once), and writes into an
//! ArrayBuffer allocated at the call (unseen by JS until it settles), a
//! shared `out` in place, or a plain `out` at settle.
//!
//! Every buffer sized by the input is allocated fallibly: a failure is a
//! `RangeError` with code `ERR_OUT_OF_MEMORY` naming the size. Results are
//! V8-owned typed arrays, never external buffers: Node runs an external
//! buffer's finalizer only from `setImmediate`, so a loop of sync calls that
//! never yields would keep every result's native memory alive.

use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};

use napi::bindgen_prelude::{JsValue, ToNapiValue, Unknown};
use napi::{Env, Result, ValueType, sys};
use napi_derive::napi;
use napi_parallel_kernel::{Kernel, Mode, OutputType, compile_cached, compile_cached_with};

use crate::alloc::try_vec;
use crate::args::{Options, ReadOptions, type_of};
use crate::error::{NpError, codes};
use crate::map_io::{self, AsyncDest, Columns, OutArray, SyncDest};
use crate::params::{HeldParams, Hold, Params, read_params};
use crate::task::{self, TaskArg, TaskSlot};

/// Most input arrays a map kernel may zip (as many as a call's arguments).
const MAX_INPUTS: f64 = napi_parallel_kernel::lower::MAX_CALL_ARGS as f64;

/// A string argument, or `ERR_INVALID_ARG_TYPE` naming it.
pub fn string_arg(env: &Env, value: Unknown, name: &str) -> std::result::Result<String, NpError> {
  let raw = env.raw();
  if type_of(raw, value.raw()) != ValueType::String {
    return Err(NpError::invalid_arg_type(name, "of type string"));
  }
  let mut len = 0usize;
  // SAFETY: live env; checked to be a string (all unsafe blocks below).
  unsafe { sys::napi_get_value_string_utf8(raw, value.raw(), ptr::null_mut(), 0, &mut len) };
  let mut buf = try_vec::<u8>(len + 1, &format!("the \"{name}\" argument"))?;
  buf.resize(len + 1, 0);
  unsafe {
    sys::napi_get_value_string_utf8(raw, value.raw(), buf.as_mut_ptr().cast(), len + 1, &mut len)
  };
  buf.truncate(len);
  String::from_utf8(buf).map_err(|_| NpError::invalid_arg_value(name, "is not valid UTF-16"))
}

/// The elements of an array argument, each read by `item(value, "name[i]")`.
fn array_arg<T>(
  env: &Env,
  value: Unknown,
  name: &str,
  expected: &str,
  mut item: impl FnMut(sys::napi_value, &str) -> std::result::Result<T, NpError>,
) -> std::result::Result<Vec<T>, NpError> {
  let raw = env.raw();
  let mut is_array = false;
  // SAFETY: live env and value (all unsafe blocks below).
  unsafe { sys::napi_is_array(raw, value.raw(), &mut is_array) };
  if !is_array {
    return Err(NpError::invalid_arg_type(name, expected));
  }
  let mut n = 0u32;
  unsafe { sys::napi_get_array_length(raw, value.raw(), &mut n) };
  let mut out = try_vec(n as usize, &format!("the \"{name}\" argument"))?;
  for i in 0..n {
    let mut v = ptr::null_mut();
    if unsafe { sys::napi_get_element(raw, value.raw(), i, &mut v) } != sys::Status::napi_ok {
      return Err(NpError::invalid_arg_value(
        &format!("{name}[{i}]"),
        "could not be read",
      ));
    }
    out.push(item(v, &format!("{name}[{i}]"))?);
  }
  Ok(out)
}

/// An array of numbers (booleans count as 0/1, as kernels see them).
fn numbers_arg(env: &Env, value: Unknown, name: &str) -> std::result::Result<Vec<f64>, NpError> {
  let raw = env.raw();
  array_arg(env, value, name, "an array of numbers", |v, item| {
    let mut x = 0.0;
    match type_of(raw, v) {
      // SAFETY: live env; the type was checked.
      ValueType::Number => unsafe { sys::napi_get_value_double(raw, v, &mut x) },
      ValueType::Boolean => {
        let mut b = false;
        // SAFETY: as above.
        unsafe { sys::napi_get_value_bool(raw, v, &mut b) };
        x = if b { 1.0 } else { 0.0 };
        sys::Status::napi_ok
      }
      _ => return Err(NpError::invalid_arg_type(item, "of type number")),
    };
    Ok(x)
  })
}

/// An optional array of strings (`undefined`/`null`: none).
fn strings_arg(
  env: &Env,
  value: Option<Unknown>,
  name: &str,
) -> std::result::Result<Vec<String>, NpError> {
  let Some(value) = value.filter(|v| {
    !matches!(
      type_of(env.raw(), v.raw()),
      ValueType::Undefined | ValueType::Null
    )
  }) else {
    return Ok(Vec::new());
  };
  array_arg(env, value, name, "an array of strings", |v, item| {
    // SAFETY: `v` is a live value of this env.
    string_arg(
      env,
      unsafe { Unknown::from_raw_unchecked(env.raw(), v) },
      item,
    )
  })
}

/// The kernel-specific field readers of [`MapOptions`] and [`SpawnOptions`]
/// (and `ReduceOptions`).
pub(crate) trait KernelFields {
  /// `params`: an object of named numbers and arrays (see [`crate::params`]).
  fn params(&self, key: &str) -> std::result::Result<Option<Params>, NpError>;
  /// `output`: one of the output kinds' names.
  fn output_type(&self, key: &str) -> std::result::Result<Option<OutputType>, NpError>;
  /// `out`: any value, checked against the input by `map_io::read_out`.
  fn out_value(&self, key: &str) -> std::result::Result<Option<OutValue>, NpError>;
}

/// The raw `options.out` value (checked once the input length is known).
#[derive(Debug, Clone, Copy)]
pub struct OutValue(pub sys::napi_value);

impl KernelFields for Options {
  fn out_value(&self, key: &str) -> std::result::Result<Option<OutValue>, NpError> {
    Ok(self.raw(key)?.map(OutValue))
  }

  fn params(&self, key: &str) -> std::result::Result<Option<Params>, NpError> {
    read_params(self, key).map(Some)
  }

  fn output_type(&self, key: &str) -> std::result::Result<Option<OutputType>, NpError> {
    self
      .string(key)?
      .map(|name| {
        OutputType::parse(&name).ok_or_else(|| {
          NpError::invalid_arg_value(
            &format!("options.{key}"),
            &format!(
              "must be 'float64', 'float32', 'int32', 'uint32' or 'uint8'. Received '{name}'"
            ),
          )
        })
      })
      .transpose()
  }
}

/// The options `parallelMapSync`/`parallelMapAsync` read.
#[napi(object, object_to_js = false, object_from_js = false)]
#[derive(Debug, Default, Clone)]
pub struct MapOptions {
  /// The result's typed-array kind. @default 'float64'
  #[napi(ts_type = "'float64' | 'float32' | 'int32' | 'uint32' | 'uint8'")]
  pub output: Option<OutputType>,
  /// Elements per parallel chunk, an integer in 1..=2^32. @default chosen by input size
  pub chunk_size: Option<f64>,
  /// Named constants the kernel reads as free variables: numbers, and
  /// read-only arrays it indexes (`lut[j]`, `lut.length`; copied for an async
  /// call unless over a SharedArrayBuffer). @default {}
  #[napi(
    ts_type = "Record<string, number | number[] | Float64Array | Float32Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array>"
  )]
  pub params: Option<Params>,
  /// A typed array of the input's length to write the results into (its
  /// kind is the output type); the call returns it. @default a new array
  #[napi(ts_type = "Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array")]
  pub out: Option<OutValue>,
}

crate::read_options!(MapOptions {
  output: "output" => output_type(),
  chunk_size: "chunkSize" => integer(1.0, 2f64.powi(32)),
  params: "params" => params(),
  out: "out" => out_value(),
});

/// The options `spawnAsync` reads.
#[napi(object, object_to_js = false, object_from_js = false)]
#[derive(Debug, Default, Clone)]
pub struct SpawnOptions {
  /// Named constants the kernel reads as free variables: numbers, and
  /// read-only arrays (copied unless over a SharedArrayBuffer). @default {}
  #[napi(
    ts_type = "Record<string, number | number[] | Float64Array | Float32Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array>"
  )]
  pub params: Option<Params>,
}

crate::read_options!(SpawnOptions {
  params: "params" => params(),
});

/// A map call's configuration, as `napi-parallel-kernel` takes it.
struct MapConfig {
  /// `options.output` as given (`out`'s kind decides when it is absent).
  output: Option<OutputType>,
  chunk_size: Option<usize>,
  params: Params,
  out: Option<OutValue>,
}

/// Applies the defaults; the readers have checked every field.
impl TryFrom<MapOptions> for MapConfig {
  type Error = NpError;

  fn try_from(o: MapOptions) -> std::result::Result<Self, NpError> {
    Ok(MapConfig {
      output: o.output,
      chunk_size: o.chunk_size.map(|v| v as usize),
      params: o.params.unwrap_or_default(),
      out: o.out,
    })
  }
}

/// Built-in unary op names (`'sqrt'`, `'sin'`, …) become `x => Math.<op>(x)`.
fn kernel_source(source: &str) -> std::result::Result<String, NpError> {
  const UNARY: &[&str] = &[
    "abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "cbrt", "ceil", "clz32", "cos",
    "cosh", "exp", "expm1", "floor", "fround", "log", "log10", "log1p", "log2", "round", "sign",
    "sin", "sinh", "sqrt", "tan", "tanh", "trunc",
  ];
  let s = source.trim();
  if s.chars().all(|c| c.is_ascii_alphanumeric()) {
    return if UNARY.contains(&s) {
      Ok(format!("x => Math.{s}(x)"))
    } else {
      Err(NpError::invalid_arg_value(
        "fn",
        &format!(
          "must be a function, the name of a unary Math op ({}) or, for an array of strings or Buffers, the name of a hash op ('xxh3', 'sha256', 'crc32'). Received '{s}'",
          UNARY.join(", ")
        ),
      ))
    };
  }
  Ok(source.to_string())
}

/// Everything a map call needs, parsed on the JS thread, before its inputs
/// and output are chosen (which differs for sync and async calls).
struct MapCall {
  kernel: Arc<Kernel>,
  params: HeldParams,
  output: Option<OutputType>,
  chunk_size: Option<usize>,
}

impl MapCall {
  /// The checked `options.out` for `n` elements, if given.
  fn out(
    &self,
    env: &Env,
    out: Option<OutValue>,
    n: usize,
  ) -> std::result::Result<Option<OutArray>, NpError> {
    out
      // SAFETY: a value of this call, on the JS thread.
      .map(|v| unsafe { map_io::read_out(env.raw(), v.0, n, self.output) })
      .transpose()
  }

  /// The output type: `out`'s, else `options.output`, else float64.
  fn kind(&self, out: Option<&OutArray>) -> OutputType {
    out
      .map(|o| o.kind)
      .or(self.output)
      .unwrap_or(OutputType::Float64)
  }

  /// Runs the kernel over `columns` into `out`.
  fn run(
    &self,
    columns: &Columns<'_>,
    out: napi_parallel_kernel::OutSlice<'_>,
    cancel: &AtomicBool,
    progress: Option<&AtomicU64>,
  ) -> std::result::Result<(), NpError> {
    napi_parallel_kernel::run_map_into_counted(
      &self.kernel,
      &columns.slices(),
      &self.params.consts,
      &self.params.views(),
      out,
      self.chunk_size,
      cancel,
      progress,
    )
    .map_err(NpError::from)
  }
}

/// Parses the source and options and compiles the kernel for `n_inputs` columns.
fn parse_map(
  env: &Env,
  source: Unknown,
  options: Option<Unknown>,
  n_inputs: usize,
  hold: Hold,
) -> std::result::Result<(MapCall, Option<OutValue>), NpError> {
  let source = string_arg(env, source, "fn")?;
  let MapConfig {
    output,
    chunk_size,
    params,
    out,
  } = MapOptions::from_arg(env, options, "options")?.try_into()?;
  let source = kernel_source(&source)?;
  let kernel = compile_cached_with(
    &source,
    &params.names,
    &params.kinds,
    Mode::Map { n_inputs },
  )
  .map_err(NpError::from)?;
  // SAFETY: the params were read in this call, on this JS thread.
  let params = unsafe { params.hold(env.raw(), hold) }?;
  Ok((
    MapCall {
      kernel,
      params,
      output,
      chunk_size,
    },
    out,
  ))
}

/// Number of input columns (`lib/map.js` passes an array of typed arrays;
/// anything else is refused by `map_io::read_columns` with a coded error).
fn column_count(env: &Env, columns: &Unknown) -> usize {
  let mut n = 0u32;
  // SAFETY: live env and value; a non-array leaves `n` at 0.
  unsafe { sys::napi_get_array_length(env.raw(), columns.raw(), &mut n) };
  (n as usize).max(1)
}

/// An async map job: the call, its inputs (owned or shared) and where it writes.
struct MapJob {
  call: MapCall,
  columns: Columns<'static>,
  dest: AsyncDest,
}

/// A finished async job, converted on the JS thread by its `ToNapiValue`.
pub struct MapOutput(MapJob);

impl ToNapiValue for MapOutput {
  unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> Result<sys::napi_value> {
    let MapJob {
      call,
      columns,
      dest,
    } = value.0;
    // Dropped first, so that `drain` below deletes the references that kept
    // SharedArrayBuffer params alive.
    drop(call);
    // SAFETY: called on the JS thread of the env the job was made in, after
    // the job has returned.
    unsafe {
      columns.release_now(env);
      crate::shared::drain(env);
      dest.finish(env).map_err(|e| e.throw_raw(env))
    }
  }
}

/// Maps a compiled kernel over `columns` (an array of typed arrays, zipped
/// as `(x, y, …, i)`) on the pool. Use `parallelMap(input, fn, opts)`.
#[napi(catch_unwind, ts_return_type = "number")]
pub fn parallel_map_async(
  env: &Env,
  task: TaskArg,
  #[napi(ts_arg_type = "Array<ArrayLike<number>>")] columns: Unknown,
  #[napi(ts_arg_type = "string")] source: Unknown,
  #[napi(ts_arg_type = "MapOptions")] options: Option<Unknown>,
) -> Result<TaskSlot> {
  let job = (|| {
    // SAFETY: a napi callback's env, on its JS thread.
    unsafe { crate::shared::drain(env.raw()) };
    let (call, out) = parse_map(
      env,
      source,
      options,
      column_count(env, &columns),
      Hold::Async,
    )?;
    let mut columns = map_io::read_columns_async(env, columns)?;
    let out = call.out(env, out, columns.len())?;
    if let Some(out) = &out {
      columns.unalias(out.bytes())?;
    }
    let kind = call.kind(out.as_ref());
    // SAFETY: as above.
    let dest = unsafe { AsyncDest::new(env.raw(), out.as_ref(), columns.len(), kind) }?;
    Ok::<_, NpError>(MapJob {
      call,
      columns,
      dest,
    })
  })()
  .map_err(|e| e.throw(env))?;
  task::spawn(env, task, move |ctx| {
    let mut job = job;
    let out = job.dest.slice();
    job.call.run(
      &job.columns,
      out,
      ctx.cancel_flag(),
      Some(ctx.progress_counter()),
    )?;
    Ok(MapOutput(job))
  })
}

/// The synchronous twin of `parallelMapAsync`: blocks the caller, still uses every core.
#[napi(
  catch_unwind,
  ts_return_type = "Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array"
)]
pub fn parallel_map_sync(
  env: &Env,
  #[napi(ts_arg_type = "Array<ArrayLike<number>>")] columns: Unknown,
  #[napi(ts_arg_type = "string")] source: Unknown,
  #[napi(ts_arg_type = "MapOptions")] options: Option<Unknown>,
) -> Result<SyncOutput> {
  let result = (|| {
    let (call, out) = parse_map(
      env,
      source,
      options,
      column_count(env, &columns),
      Hold::Sync,
    )?;
    let mut columns = map_io::read_columns(env, &columns, map_io::Access::Sync)?;
    let out = call.out(env, out, columns.len())?;
    if let Some(out) = &out {
      columns.unalias(out.bytes())?;
    }
    let kind = call.kind(out.as_ref());
    // SAFETY: a napi callback's env, on its JS thread.
    let dest = unsafe { SyncDest::new(env.raw(), out.as_ref(), columns.len(), kind) }?;
    // SAFETY: the JS thread is blocked until the scoped job has ended
    // (`run_blocking_env_scoped` waits for it even when it gives up).
    let slice = unsafe { dest.slice() };
    let (call, columns) = (&call, &columns);
    crate::pool::run_blocking_env_scoped(env, move |cancel| {
      call.run(columns, slice, cancel, None)
    })?;
    // SAFETY: as above.
    unsafe { dest.finish(env.raw()) }
  })();
  result.map(SyncOutput).map_err(|e| e.throw(env))
}

/// A sync call's result, already a JS value.
pub struct SyncOutput(pub sys::napi_value);

impl ToNapiValue for SyncOutput {
  unsafe fn to_napi_value(_env: sys::napi_env, value: Self) -> Result<sys::napi_value> {
    Ok(value.0)
  }
}

/// A spawn kernel's result as the JS value it is: a number, a boolean or
/// `undefined`.
pub struct SpawnResult(pub napi_parallel_kernel::KernelValue);

impl ToNapiValue for SpawnResult {
  unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> Result<sys::napi_value> {
    use napi_parallel_kernel::KernelValue as V;
    // SAFETY: forwarded from the caller's contract (a live env).
    unsafe {
      match value.0 {
        V::Number(x) => f64::to_napi_value(env, x),
        V::Boolean(b) => bool::to_napi_value(env, b),
        V::Undefined => <()>::to_napi_value(env, ()),
      }
    }
  }
}

/// Runs `kernel` once on `args`; its result as a JS value.
fn run_spawn(
  kernel: &Kernel,
  args: &[f64],
  consts: &[f64],
  arrays: &[napi_parallel_kernel::ArrayRef<'_>],
  cancel: &AtomicBool,
) -> std::result::Result<SpawnResult, NpError> {
  napi_parallel_kernel::call_value_with(kernel, args, consts, arrays, cancel)
    .map(SpawnResult)
    .map_err(NpError::from)
}

/// Runs a compiled kernel once with numeric `args` on the pool; resolves to
/// its result, a number, a boolean or `undefined` as in JS. Loops in the
/// kernel stop at their next iteration when the task is cancelled. Use
/// `spawn(fn, args, opts)`.
#[napi(catch_unwind, ts_return_type = "number")]
pub fn spawn_async(
  env: &Env,
  task: TaskArg,
  #[napi(ts_arg_type = "string")] source: Unknown,
  #[napi(ts_arg_type = "number[]")] args: Unknown,
  #[napi(ts_arg_type = "SpawnOptions")] options: Option<Unknown>,
) -> Result<TaskSlot> {
  let parsed = (|| {
    // SAFETY: on the JS thread of `env`: shared params arrays of ended jobs.
    unsafe { crate::shared::drain(env.raw()) };
    let source = string_arg(env, source, "fn")?;
    let args = numbers_arg(env, args, "args")?;
    let params = SpawnOptions::from_arg(env, options, "options")?
      .params
      .unwrap_or_default();
    let kernel = compile_cached_with(
      &source,
      &params.names,
      &params.kinds,
      Mode::Call { n_args: args.len() },
    )
    .map_err(NpError::from)?;
    // SAFETY: the params were read in this call, on this JS thread.
    let params = unsafe { params.hold(env.raw(), Hold::Async) }?;
    Ok::<_, NpError>((kernel, params, args))
  })();
  let (kernel, params, args) = parsed.map_err(|e| e.throw(env))?;
  task::spawn(env, task, move |ctx| {
    run_spawn(
      &kernel,
      &args,
      &params.consts,
      &params.views(),
      ctx.cancel_flag(),
    )
  })
}

/// Spawn kernels compiled once and named by a small integer handle: the hot
/// `spawn(fn, args)` path (`lib/map.js` keeps a handle per JS function and
/// argument count in a WeakMap) passes the handle and the arguments as plain
/// numbers, so a call neither copies nor hashes the source text, nor reads an
/// array, nor allocates for the arguments. A free list reuses released handles.
struct SpawnKernels {
  kernels: Vec<Option<(Arc<Kernel>, usize)>>,
  free: Vec<u32>,
}

static SPAWN_KERNELS: std::sync::Mutex<SpawnKernels> = std::sync::Mutex::new(SpawnKernels {
  kernels: Vec::new(),
  free: Vec::new(),
});

/// The most arguments `spawnKernelAsync` passes (more take `spawnAsync`).
pub const MAX_FAST_SPAWN_ARGS: usize = 4;

fn spawn_kernels() -> std::sync::MutexGuard<'static, SpawnKernels> {
  // The table is consistent after any panic (each update is one push or store).
  SPAWN_KERNELS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Compiles `source` (through the cache) as a spawn kernel taking `nArgs`
/// (0 to 4) arguments and no params, and returns a handle for
/// `spawnKernelAsync`. Throws what `spawnAsync` would (ERR_UNSUPPORTED_KERNEL,
/// …). Release the handle with `releaseSpawnKernel` (lib/map.js does so when
/// the function is collected).
#[napi(catch_unwind)]
pub fn compile_spawn_kernel(
  env: &Env,
  #[napi(ts_arg_type = "string")] source: Unknown,
  n_args: u32,
) -> Result<u32> {
  let kernel = crate::args::integer_in("nArgs", n_args as f64, 0.0, MAX_FAST_SPAWN_ARGS as f64)
    .and_then(|_| string_arg(env, source, "fn"))
    .and_then(|source| {
      compile_cached(
        &source,
        &[],
        Mode::Call {
          n_args: n_args as usize,
        },
      )
      .map_err(NpError::from)
    })
    .map_err(|e| e.throw(env))?;
  let entry = Some((kernel, n_args as usize));
  let mut table = spawn_kernels();
  if let Some(handle) = table.free.pop() {
    table.kernels[handle as usize] = entry;
    return Ok(handle);
  }
  if table.kernels.try_reserve(1).is_err() || table.kernels.len() >= u32::MAX as usize {
    return Err(
      NpError::out_of_memory(
        "a spawn kernel handle",
        std::mem::size_of::<Option<(Arc<Kernel>, usize)>>(),
      )
      .throw(env),
    );
  }
  table.kernels.push(entry);
  Ok((table.kernels.len() - 1) as u32)
}

/// Releases a handle of `compileSpawnKernel` (running tasks keep their kernel).
/// Unknown or released handles are ignored.
#[napi(catch_unwind)]
pub fn release_spawn_kernel(handle: u32) {
  let mut table = spawn_kernels();
  if let Some(entry) = table.kernels.get_mut(handle as usize)
    && entry.take().is_some()
  {
    table.free.push(handle);
  }
}

/// Runs the spawn kernel `handle` (from `compileSpawnKernel`) once on the
/// pool, as `spawnAsync` does, with its arguments (as many as it was compiled
/// for) as numbers after the handle. Module init replaces this export with
/// [`spawn_kernel_async_raw`] (no napi-rs per-call wrapper, as `pingAsync`);
/// this declaration gives the typings.
#[napi(catch_unwind, ts_return_type = "number")]
pub fn spawn_kernel_async(
  env: &Env,
  task: TaskArg,
  handle: u32,
  a0: Option<f64>,
  a1: Option<f64>,
  a2: Option<f64>,
  a3: Option<f64>,
) -> Result<TaskSlot> {
  let given = [a0, a1, a2, a3];
  let mut args = [0.0; MAX_FAST_SPAWN_ARGS];
  for (i, a) in given.iter().enumerate() {
    args[i] = a.unwrap_or(f64::NAN);
  }
  spawn_kernel(
    env,
    task,
    handle,
    args,
    given.iter().filter(|a| a.is_some()).count(),
  )
}

/// Looks up `handle` and runs its kernel with the first `given` of `args`.
fn spawn_kernel(
  env: &Env,
  task: TaskArg,
  handle: u32,
  args: [f64; MAX_FAST_SPAWN_ARGS],
  given: usize,
) -> Result<TaskSlot> {
  let (kernel, n_args) = spawn_kernels()
    .kernels
    .get(handle as usize)
    .and_then(|k| k.clone())
    .ok_or_else(|| {
      NpError::invalid_arg_value("handle", "is not a live spawn kernel handle").throw(env)
    })?;
  if given < n_args {
    return Err(
      NpError::invalid_arg_value("args", &format!("must hold {n_args} numbers")).throw(env),
    );
  }
  task::spawn(env, task, move |ctx| {
    run_spawn(&kernel, &args[..n_args], &[], &[], ctx.cancel_flag())
  })
}

/// `spawnKernelAsync` as a raw napi callback (see `pingAsync`'s).
///
/// # Safety
/// A napi callback: called by Node with a live env and callback info.
pub unsafe extern "C" fn spawn_kernel_async_raw(
  env: sys::napi_env,
  info: sys::napi_callback_info,
) -> sys::napi_value {
  let call = || -> std::result::Result<sys::napi_value, NpError> {
    // SAFETY: napi callback contract.
    let (argv, argc, _) =
      unsafe { crate::args::callback_args::<{ 2 + MAX_FAST_SPAWN_ARGS }>(env, info) };
    let mut handle = f64::NAN;
    // SAFETY: live env; `handle` is a valid out-param (stays NaN unless a number).
    unsafe { sys::napi_get_value_double(env, argv[1], &mut handle) };
    let handle = crate::args::integer_in("handle", handle, 0.0, u32::MAX as f64)? as u32;
    let mut args = [f64::NAN; MAX_FAST_SPAWN_ARGS];
    let given = argc.saturating_sub(2).min(MAX_FAST_SPAWN_ARGS);
    for (i, arg) in args.iter_mut().enumerate().take(given) {
      // SAFETY: live env; a value of this callback.
      if unsafe { sys::napi_get_value_double(env, argv[2 + i], arg) } != sys::Status::napi_ok {
        return Err(NpError::invalid_arg_type(
          &format!("args[{i}]"),
          "of type number",
        ));
      }
    }
    // SAFETY: a value of this callback's env.
    let task = match unsafe { TaskArg::parse(env, argv[0]) } {
      Ok(task) => task,
      Err(crate::task::TaskArgError::Pending) => return Ok(ptr::null_mut()),
      Err(crate::task::TaskArgError::Invalid(e)) => return Err(e),
    };
    match spawn_kernel(&Env::from_raw(env), task, handle, args, given) {
      Ok(slot) => {
        let mut out = ptr::null_mut();
        // SAFETY: live env of this callback.
        unsafe { sys::napi_create_uint32(env, slot, &mut out) };
        Ok(out)
      }
      Err(e) if e.status == napi::Status::PendingException => Ok(ptr::null_mut()),
      Err(e) => Err(NpError::error(codes::INTERNAL, e.reason)),
    }
  };
  // SAFETY: napi callback contract.
  unsafe { crate::error::call_guarded(env, call) }
}

/// Compiles a kernel (through the cache) without running it: throws the
/// `ERR_UNSUPPORTED_KERNEL` TypeError for a function outside the subset.
/// `inputs` is the number of input arrays (map mode) it will run with.
/// `params` is the params names (all numbers), or `{ params }` with the
/// values themselves when some are arrays (their kinds are compiled for).
#[napi(catch_unwind)]
pub fn compile_kernel(
  env: &Env,
  #[napi(ts_arg_type = "string")] source: Unknown,
  #[napi(ts_arg_type = "string[] | { params: MapOptions['params'] }")] params: Option<Unknown>,
  #[napi(ts_arg_type = "number")] inputs: Option<Unknown>,
) -> Result<()> {
  let parsed = (|| {
    let source = kernel_source(&string_arg(env, source, "fn")?)?;
    let (params, kinds) = match params {
      Some(v) if type_of(env.raw(), v.raw()) == ValueType::Object && !is_array(env, v) => {
        let p = read_params(&Options::new(env, Some(v), "options")?, "params")?;
        (p.names, p.kinds)
      }
      other => (strings_arg(env, other, "params")?, Vec::new()),
    };
    let n_inputs = match inputs.filter(|v| type_of(env.raw(), v.raw()) != ValueType::Undefined) {
      None => 1,
      Some(v) => {
        if type_of(env.raw(), v.raw()) != ValueType::Number {
          return Err(NpError::invalid_arg_type(
            "options.inputs",
            "of type number",
          ));
        }
        let mut x = 0.0;
        // SAFETY: live env; checked to be a number.
        unsafe { sys::napi_get_value_double(env.raw(), v.raw(), &mut x) };
        crate::args::integer_in("options.inputs", x, 1.0, MAX_INPUTS)? as usize
      }
    };
    Ok::<_, NpError>((source, params, kinds, n_inputs))
  })();
  let (source, params, kinds, n_inputs) = parsed.map_err(|e| e.throw(env))?;
  compile_cached_with(&source, &params, &kinds, Mode::Map { n_inputs })
    .map(|_| ())
    .map_err(|e| NpError::from(e).throw(env))
}

/// `Array.isArray(value)`.
fn is_array(env: &Env, value: Unknown) -> bool {
  let mut yes = false;
  // SAFETY: live env and value on the JS thread.
  unsafe { sys::napi_is_array(env.raw(), value.raw(), &mut yes) };
  yes
}
