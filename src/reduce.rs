//! `parallelReduceAsync` / `parallelReduceSync`: the binding of the
//! built-in reductions (`napi-parallel-reduce`) and of custom reducers
//! (`napi-parallel-kernel`'s reduce mode). `lib/reduce.js` passes the input
//! as one typed array, and either a built-in op's name or the reducer's
//! source text, with `combine` as source text in the options.
//!
//! Inputs are read as `parallelMap` reads them ([`crate::map_io`]): an async
//! call copies any numeric typed array into doubles on the JS thread (so the
//! caller may mutate or detach its buffer while the task runs), except a
//! `Float64Array` over a SharedArrayBuffer, read in place and kept alive by a
//! reference; the sync twin reads any `Float64Array` in place (the JS thread
//! is blocked until the job has ended: [`crate::pool::run_blocking_env_scoped`]).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use napi::bindgen_prelude::Unknown;
use napi::{Env, Result};
use napi_derive::napi;
use napi_parallel_kernel::{Kernel, Mode, ParamKind, compile_cached, run_reduce};
use napi_parallel_reduce::{Op, ReduceError, reduce_builtin};

use crate::args::ReadOptions;
use crate::error::NpError;
use crate::map::{KernelFields, string_arg};
use crate::map_io::{self, Access};
use crate::params::Params;
use crate::task::{self, TaskArg, TaskSlot};

/// The options `parallelReduceAsync` / `parallelReduceSync` read.
#[napi(object, object_to_js = false, object_from_js = false)]
#[derive(Debug, Default, Clone)]
pub struct ReduceOptions {
  /// A custom reducer's initial accumulator (required with a reducer; not
  /// allowed with a built-in op).
  pub init: Option<f64>,
  /// A custom reducer's `combine(a, b)` as kernel source text (required with
  /// a reducer; not allowed with a built-in op).
  pub combine: Option<String>,
  /// Elements per leaf of the fixed chunk tree of a custom reducer, an
  /// integer in 1..=2^32. @default 16384
  pub chunk_size: Option<f64>,
  /// Named numeric constants the reducer and combine read. @default {}
  #[napi(ts_type = "Record<string, number>")]
  pub params: Option<Params>,
}

crate::read_options!(ReduceOptions {
  init: "init" => number(),
  combine: "combine" => string(),
  chunk_size: "chunkSize" => integer(1.0, 2f64.powi(32)),
  params: "params" => params(),
});

/// What to run: a built-in op, or a custom reducer with its combine.
enum Reduction {
  Builtin(Op),
  Custom {
    reducer: Arc<Kernel>,
    combine: Arc<Kernel>,
    init: f64,
    leaf: Option<usize>,
    consts: Vec<f64>,
  },
}

impl Reduction {
  fn run(&self, input: &[f64], cancel: &AtomicBool) -> std::result::Result<f64, NpError> {
    match self {
      Reduction::Builtin(op) => reduce_builtin(*op, input, cancel).map_err(|e| match e {
        ReduceError::Cancelled => NpError::abort(),
        ReduceError::OutOfMemory(m) => NpError::out_of_memory("the partial results", m.bytes),
      }),
      Reduction::Custom {
        reducer,
        combine,
        init,
        leaf,
        consts,
      } => run_reduce(reducer, combine, input, consts, *init, *leaf, cancel).map_err(NpError::from),
    }
  }
}

/// The op list, as messages give it.
fn op_list() -> String {
  Op::NAMES
    .iter()
    .map(|n| format!("'{n}'"))
    .collect::<Vec<_>>()
    .join(", ")
}

/// Parses `fn` (an op name or a reducer's source) and the options.
fn parse_reduction(
  env: &Env,
  source: Unknown,
  options: Option<Unknown>,
) -> std::result::Result<Reduction, NpError> {
  let source = string_arg(env, source, "fn")?;
  let opts = ReduceOptions::from_arg(env, options, "options")?;
  let trimmed = source.trim();
  if trimmed.chars().all(|c| c.is_ascii_alphanumeric()) {
    let Some(op) = Op::parse(trimmed) else {
      return Err(NpError::invalid_arg_value(
        "fn",
        &format!(
          "must be a reducer function (acc, x, i) => … or one of the ops {}. Received '{trimmed}'",
          op_list()
        ),
      ));
    };
    for (given, key) in [
      (opts.init.is_some(), "init"),
      (opts.combine.is_some(), "combine"),
      (opts.chunk_size.is_some(), "chunkSize"),
      (
        opts.params.as_ref().is_some_and(|p| !p.names.is_empty()),
        "params",
      ),
    ] {
      if given {
        return Err(NpError::invalid_arg_value(
          &format!("options.{key}"),
          &format!("is only for a custom reducer function, not the built-in op '{trimmed}'"),
        ));
      }
    }
    return Ok(Reduction::Builtin(op));
  }
  let Some(init) = opts.init else {
    return Err(NpError::invalid_arg_type(
      "options.init",
      "of type number (a custom reducer needs its initial accumulator)",
    ));
  };
  let Some(combine) = opts.combine else {
    return Err(NpError::invalid_arg_type(
      "options.combine",
      "a function (a, b) => … (a custom reducer needs it to combine chunk results)",
    ));
  };
  let Params {
    names,
    values: consts,
    kinds,
    ..
  } = opts.params.unwrap_or_default();
  if let Some(i) = kinds.iter().position(|k| *k != ParamKind::Number) {
    return Err(NpError::invalid_arg_type(
      &format!("options.params.{}", names[i]),
      "of type number (custom reducers read numbers from params, not arrays)",
    ));
  }
  let reducer = compile_cached(&source, &names, Mode::Reduce).map_err(NpError::from)?;
  let combine = compile_cached(&combine, &names, Mode::call(2)).map_err(NpError::from)?;
  // The accumulator is a number (`init` is one): a step that may return a
  // boolean or `undefined` would hand the next step another kind than JS does.
  for (kernel, name, what) in [
    (&reducer, "fn", "reducer"),
    (&combine, "options.combine", "combine"),
  ] {
    if kernel.result != napi_parallel_kernel::ir::NUM {
      return Err(NpError::invalid_arg_value(
        name,
        &format!(
          "must return a number on every path (the {what}'s result is the next accumulator; it may return {}): convert it, e.g. `c ? 1 : 0` or `+(…)`",
          kinds_text(kernel.result)
        ),
      ));
    }
  }
  Ok(Reduction::Custom {
    reducer,
    combine,
    init,
    leaf: opts.chunk_size.map(|v| v as usize),
    consts,
  })
}

/// The kinds of a static type, in words (`"a number or a boolean"`).
fn kinds_text(t: napi_parallel_kernel::ir::Ty) -> String {
  use napi_parallel_kernel::ir::{BOOL, NUM, UNDEF};
  let words: Vec<&str> = [(NUM, "a number"), (BOOL, "a boolean"), (UNDEF, "undefined")]
    .into_iter()
    .filter(|(k, _)| t & k != 0)
    .map(|(_, w)| w)
    .collect();
  words.join(" or ")
}

/// Reduces `input` (one typed array) with a built-in op (`'sum'`, `'min'`,
/// `'max'`, `'count'`, `'mean'`, `'minIndex'`, `'maxIndex'`) or a custom
/// reducer's source text on the pool; resolves to the number. Use
/// `parallelReduce(input, op, opts)`.
#[napi(catch_unwind, ts_return_type = "number")]
pub fn parallel_reduce_async(
  env: &Env,
  task: TaskArg,
  #[napi(ts_arg_type = "ArrayLike<number>")] input: Unknown,
  #[napi(ts_arg_type = "string")] source: Unknown,
  #[napi(ts_arg_type = "ReduceOptions")] options: Option<Unknown>,
) -> Result<TaskSlot> {
  let parsed = (|| {
    let reduction = parse_reduction(env, source, options)?;
    // SAFETY: a napi callback's env, on its JS thread.
    unsafe { crate::shared::drain(env.raw()) };
    let column = map_io::read_single_async(env, input, "input")?;
    Ok::<_, NpError>((reduction, column))
  })();
  let (reduction, column) = parsed.map_err(|e| e.throw(env))?;
  task::spawn(env, task, move |ctx| {
    reduction.run(column.as_slice(), ctx.cancel_flag())
  })
}

/// The synchronous twin of `parallelReduceAsync`: blocks the caller, still
/// uses every core (a `Float64Array` is read in place).
#[napi(catch_unwind)]
pub fn parallel_reduce_sync(
  env: &Env,
  #[napi(ts_arg_type = "ArrayLike<number>")] input: Unknown,
  #[napi(ts_arg_type = "string")] source: Unknown,
  #[napi(ts_arg_type = "ReduceOptions")] options: Option<Unknown>,
) -> Result<f64> {
  let result = (|| {
    let reduction = parse_reduction(env, source, options)?;
    let column = map_io::read_single(env, &input, "input", Access::Sync)?;
    let (reduction, column) = (&reduction, &column);
    // Scoped: a Float64Array is read in place, so the call waits for the job
    // to end even when the environment stops.
    crate::pool::run_blocking_env_scoped(env, move |cancel| {
      reduction.run(column.as_slice(), cancel)
    })
  })();
  result.map_err(|e| e.throw(env))
}
