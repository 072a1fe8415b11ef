//! `parallelMapAsync` / `parallelMapSync` / `spawnAsync`: the binding of
//! `napi-parallel-kernel`. JS functions arrive as source text
//! (`fn.toString()`, done in `lib/map.js`); they are compiled (cached) on the
//! JS thread, so an unsupported kernel throws at once. Inputs are copied into
//! owned `Vec<f64>`s on the JS thread, so the caller may mutate, transfer or
//! detach its buffers while the task runs.

use std::ptr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use napi::bindgen_prelude::{
  Float32Array, Float64Array, Int32Array, JsValue, ToNapiValue, Uint8Array, Uint32Array, Unknown,
};
use napi::{Env, Result, ValueType, sys};
use napi_derive::napi;
use napi_parallel_kernel::{Kernel, KernelError, Mode, Output, OutputType, compile_cached};

use crate::args::Options;
use crate::error::NpError;
use crate::task::{self, TaskArg, TaskSlot};

/// The `code` of a kernel outside the numeric subset.
pub const UNSUPPORTED_KERNEL: &str = "ERR_UNSUPPORTED_KERNEL";

/// The one place kernel errors become JS errors.
fn kernel_error(e: KernelError) -> NpError {
  match e {
    KernelError::Unsupported {
      message,
      line,
      column,
    } => NpError::type_error(UNSUPPORTED_KERNEL, format!("Unsupported kernel: {message}"))
      .with_field("line", line as f64)
      .with_field("column", column as f64),
    KernelError::StackOverflow => NpError::range_error(
      "ERR_KERNEL_STACK_OVERFLOW",
      "Maximum call stack size exceeded in kernel",
    ),
    KernelError::Cancelled => NpError::abort(),
    KernelError::Internal(m) => {
      NpError::error("ERR_KERNEL_INTERNAL", format!("Kernel compiler error: {m}"))
    }
  }
}

/// The output array, converted to a typed array on the JS thread (no copy).
pub struct MapOutput(Output);

impl ToNapiValue for MapOutput {
  unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> Result<sys::napi_value> {
    // SAFETY: called on the JS thread with its env.
    unsafe {
      match value.0 {
        Output::Float64(v) => Float64Array::to_napi_value(env, Float64Array::new(v)),
        Output::Float32(v) => Float32Array::to_napi_value(env, Float32Array::new(v)),
        Output::Int32(v) => Int32Array::to_napi_value(env, Int32Array::new(v)),
        Output::Uint32(v) => Uint32Array::to_napi_value(env, Uint32Array::new(v)),
        Output::Uint8(v) => Uint8Array::to_napi_value(env, Uint8Array::new(v)),
      }
    }
  }
}

fn type_of(env: sys::napi_env, value: sys::napi_value) -> ValueType {
  let mut t = 0;
  // SAFETY: live env and value on the JS thread.
  unsafe { sys::napi_typeof(env, value, &mut t) };
  ValueType::from(t)
}

/// Copies one typed array (any numeric kind) into f64s.
fn copy_column(
  env: sys::napi_env,
  value: sys::napi_value,
  name: &str,
) -> std::result::Result<Vec<f64>, NpError> {
  let bad = || NpError::invalid_arg_type(name, "a TypedArray, a number[] or an array of them");
  let mut is_typed = false;
  // SAFETY: live env and value (all unsafe blocks below).
  unsafe { sys::napi_is_typedarray(env, value, &mut is_typed) };
  if !is_typed {
    return Err(bad());
  }
  let (mut kind, mut len, mut data, mut ab, mut offset) =
    (0, 0usize, ptr::null_mut(), ptr::null_mut(), 0usize);
  let status = unsafe {
    sys::napi_get_typedarray_info(
      env,
      value,
      &mut kind,
      &mut len,
      &mut data,
      &mut ab,
      &mut offset,
    )
  };
  if status != sys::Status::napi_ok {
    return Err(bad());
  }
  if len == 0 || data.is_null() {
    return Ok(Vec::new());
  }
  macro_rules! conv {
    ($t:ty) => {{
      // SAFETY: napi reported `len` elements of this type at `data`
      // (aligned: typed array offsets are multiples of the element size).
      let s = unsafe { std::slice::from_raw_parts(data as *const $t, len) };
      s.iter().map(|x| *x as f64).collect()
    }};
  }
  use sys::TypedarrayType as T;
  Ok(match kind {
    T::float64_array => {
      // SAFETY: as above.
      unsafe { std::slice::from_raw_parts(data as *const f64, len) }.to_vec()
    }
    T::float32_array => conv!(f32),
    T::int32_array => conv!(i32),
    T::uint32_array => conv!(u32),
    T::int16_array => conv!(i16),
    T::uint16_array => conv!(u16),
    T::int8_array => conv!(i8),
    T::uint8_array | T::uint8_clamped_array => conv!(u8),
    _ => {
      return Err(NpError::invalid_arg_type(
        name,
        "a numeric TypedArray (not BigInt64Array/BigUint64Array)",
      ));
    }
  })
}

/// Copies the input columns (`lib/map.js` always passes an array of typed arrays).
fn copy_columns(env: &Env, columns: Unknown) -> std::result::Result<Vec<Vec<f64>>, NpError> {
  let raw = env.raw();
  let mut is_array = false;
  // SAFETY: live env and value on the JS thread.
  unsafe { sys::napi_is_array(raw, columns.raw(), &mut is_array) };
  if !is_array {
    return Err(NpError::invalid_arg_type(
      "input",
      "a TypedArray, a number[] or an array of them",
    ));
  }
  let mut n = 0u32;
  // SAFETY: as above.
  unsafe { sys::napi_get_array_length(raw, columns.raw(), &mut n) };
  if n == 0 {
    return Err(NpError::invalid_arg_value(
      "input",
      "must contain at least one array",
    ));
  }
  let mut out = Vec::with_capacity(n as usize);
  for i in 0..n {
    let mut item = ptr::null_mut();
    // SAFETY: as above.
    unsafe { sys::napi_get_element(raw, columns.raw(), i, &mut item) };
    let name = if n == 1 {
      "input".to_string()
    } else {
      format!("input[{i}]")
    };
    out.push(copy_column(raw, item, &name)?);
  }
  let len = out[0].len();
  if let Some((i, c)) = out.iter().enumerate().find(|(_, c)| c.len() != len) {
    return Err(NpError::range_error(
      "ERR_INVALID_ARG_VALUE",
      format!(
        "The input arrays must have equal lengths: input[0] has {len} elements, input[{i}] has {}",
        c.len()
      ),
    ));
  }
  Ok(out)
}

/// `params`: an object of named numbers → (names, values), in key order.
fn read_params(env: &Env, opts: &Options) -> std::result::Result<(Vec<String>, Vec<f64>), NpError> {
  let Some(obj) = opts.raw("params")? else {
    return Ok((Vec::new(), Vec::new()));
  };
  let raw = env.raw();
  if type_of(raw, obj) != ValueType::Object {
    return Err(NpError::invalid_arg_type(
      "options.params",
      "an object of numbers",
    ));
  }
  let mut keys = ptr::null_mut();
  // SAFETY: live env and object.
  unsafe { sys::napi_get_property_names(raw, obj, &mut keys) };
  let mut n = 0u32;
  // SAFETY: `keys` is an array.
  unsafe { sys::napi_get_array_length(raw, keys, &mut n) };
  let (mut names, mut values) = (Vec::new(), Vec::new());
  for i in 0..n {
    let mut key = ptr::null_mut();
    let mut value = ptr::null_mut();
    // SAFETY: live env; `keys` holds strings.
    let name = unsafe {
      sys::napi_get_element(raw, keys, i, &mut key);
      sys::napi_get_property(raw, obj, key, &mut value);
      let mut len = 0usize;
      sys::napi_get_value_string_utf8(raw, key, ptr::null_mut(), 0, &mut len);
      let mut buf = vec![0u8; len + 1];
      sys::napi_get_value_string_utf8(raw, key, buf.as_mut_ptr().cast(), len + 1, &mut len);
      buf.truncate(len);
      String::from_utf8(buf).unwrap_or_default()
    };
    if type_of(raw, value) != ValueType::Number {
      return Err(NpError::invalid_arg_type(
        &format!("options.params.{name}"),
        "of type number",
      ));
    }
    let mut v = 0.0;
    // SAFETY: checked to be a number.
    unsafe { sys::napi_get_value_double(raw, value, &mut v) };
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
    names.push(name);
    values.push(v);
  }
  Ok((names, values))
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
          "must be a function or a unary Math op name ({}). Received '{s}'",
          UNARY.join(", ")
        ),
      ))
    };
  }
  Ok(source.to_string())
}

/// Everything a map job needs, parsed on the JS thread.
struct MapJob {
  kernel: Arc<Kernel>,
  columns: Vec<Vec<f64>>,
  consts: Vec<f64>,
  output: OutputType,
  chunk_size: Option<usize>,
}

impl MapJob {
  fn run(&self, cancel: &AtomicBool) -> std::result::Result<MapOutput, NpError> {
    let cols: Vec<&[f64]> = self.columns.iter().map(|c| c.as_slice()).collect();
    napi_parallel_kernel::run_map(
      &self.kernel,
      &cols,
      &self.consts,
      self.output,
      self.chunk_size,
      cancel,
    )
    .map(MapOutput)
    .map_err(kernel_error)
  }
}

fn parse_map(
  env: &Env,
  columns: Unknown,
  source: String,
  options: Option<Unknown>,
) -> std::result::Result<MapJob, NpError> {
  let opts = Options::new(env, options, "options")?;
  let output = match opts.string("output")? {
    None => OutputType::Float64,
    Some(name) => OutputType::parse(&name).ok_or_else(|| {
      NpError::invalid_arg_value(
        "options.output",
        &format!("must be 'float64', 'float32', 'int32', 'uint32' or 'uint8'. Received '{name}'"),
      )
    })?,
  };
  let chunk_size = opts
    .integer("chunkSize", 1.0, 2f64.powi(32))?
    .map(|v| v as usize);
  let (names, consts) = read_params(env, &opts)?;
  let source = kernel_source(&source)?;
  let columns = copy_columns(env, columns)?;
  let kernel = compile_cached(
    &source,
    &names,
    Mode::Map {
      n_inputs: columns.len(),
    },
  )
  .map_err(kernel_error)?;
  Ok(MapJob {
    kernel,
    columns,
    consts,
    output,
    chunk_size,
  })
}

/// Maps a compiled kernel over `columns` (an array of typed arrays, zipped
/// as `(x, y, …, i)`) on the pool. Use `parallelMap(input, fn, opts)`.
#[napi(
  ts_args_type = "task: TaskArg, columns: Array<ArrayLike<number>>, source: string, options?: { params?: Record<string, number>; output?: 'float64' | 'float32' | 'int32' | 'uint32' | 'uint8'; chunkSize?: number }",
  ts_return_type = "number"
)]
pub fn parallel_map_async(
  env: &Env,
  task: TaskArg,
  columns: Unknown,
  source: String,
  options: Option<Unknown>,
) -> Result<TaskSlot> {
  let job = parse_map(env, columns, source, options).map_err(|e| e.throw(env))?;
  task::spawn(env, task, move |ctx| job.run(ctx.cancel_flag()))
}

/// The synchronous twin of `parallelMapAsync`: blocks the caller, still uses every core.
#[napi(
  ts_args_type = "columns: Array<ArrayLike<number>>, source: string, options?: { params?: Record<string, number>; output?: 'float64' | 'float32' | 'int32' | 'uint32' | 'uint8'; chunkSize?: number }",
  ts_return_type = "Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array"
)]
pub fn parallel_map_sync(
  env: &Env,
  columns: Unknown,
  source: String,
  options: Option<Unknown>,
) -> Result<MapOutput> {
  let job = parse_map(env, columns, source, options).map_err(|e| e.throw(env))?;
  crate::pool::run_blocking_env(env, move |cancel| job.run(cancel)).map_err(|e| e.throw(env))
}

/// Runs a compiled kernel once with numeric `args` on the pool; resolves to
/// its result (a boolean result is 1 or 0). Loops in the kernel stop at
/// their next iteration when the task is cancelled. Use `spawn(fn, args, opts)`.
#[napi(
  ts_args_type = "task: TaskArg, source: string, args: number[], options?: { params?: Record<string, number> }",
  ts_return_type = "number"
)]
pub fn spawn_async(
  env: &Env,
  task: TaskArg,
  source: String,
  args: Vec<f64>,
  options: Option<Unknown>,
) -> Result<TaskSlot> {
  let parsed = (|| {
    let opts = Options::new(env, options, "options")?;
    let (names, consts) = read_params(env, &opts)?;
    let kernel =
      compile_cached(&source, &names, Mode::Call { n_args: args.len() }).map_err(kernel_error)?;
    Ok::<_, NpError>((kernel, consts))
  })();
  let (kernel, consts) = parsed.map_err(|e| e.throw(env))?;
  task::spawn(env, task, move |ctx| {
    napi_parallel_kernel::call(&kernel, &args, &consts, ctx.cancel_flag()).map_err(kernel_error)
  })
}

/// Compiles a kernel (through the cache) without running it: throws the
/// `ERR_UNSUPPORTED_KERNEL` TypeError for a function outside the subset.
/// `inputs` is the number of input arrays (map mode) it will run with.
#[napi(ts_args_type = "source: string, params?: string[], inputs?: number")]
pub fn compile_kernel(
  env: &Env,
  source: String,
  params: Option<Vec<String>>,
  inputs: Option<u32>,
) -> Result<()> {
  let source = kernel_source(&source).map_err(|e| e.throw(env))?;
  let mode = Mode::Map {
    n_inputs: inputs.unwrap_or(1).max(1) as usize,
  };
  compile_cached(&source, &params.unwrap_or_default(), mode)
    .map(|_| ())
    .map_err(|e| kernel_error(e).throw(env))
}
