//! The chunked parallel runner behind `parallelMap`, and the single call
//! behind `spawn`.
//!
//! The output is split into chunks that rayon's work stealing hands to
//! whichever thread of the current pool is free. Each chunk first checks the
//! cancel flag (and whether another chunk failed); kernels with loops also
//! check it at every loop back-edge.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::codegen::Kernel;
use crate::error::{KernelError, try_filled};
use crate::mathlib::to_int32;

/// The element type of the output array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputType {
  /// `Float64Array` (the default).
  Float64,
  /// `Float32Array` (`Math.fround`).
  Float32,
  /// `Int32Array` (ToInt32).
  Int32,
  /// `Uint32Array` (ToUint32).
  Uint32,
  /// `Uint8Array` (ToUint8: modulo 256).
  Uint8,
}

impl OutputType {
  /// Parses `'float64' | 'float32' | 'int32' | 'uint32' | 'uint8'`.
  pub fn parse(name: &str) -> Option<Self> {
    Some(match name {
      "float64" => Self::Float64,
      "float32" => Self::Float32,
      "int32" => Self::Int32,
      "uint32" => Self::Uint32,
      "uint8" => Self::Uint8,
      _ => return None,
    })
  }
}

/// A finished output array.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
  /// Float64Array contents.
  Float64(Vec<f64>),
  /// Float32Array contents.
  Float32(Vec<f32>),
  /// Int32Array contents.
  Int32(Vec<i32>),
  /// Uint32Array contents.
  Uint32(Vec<u32>),
  /// Uint8Array contents.
  Uint8(Vec<u8>),
}

impl Output {
  /// Number of elements.
  pub fn len(&self) -> usize {
    match self {
      Output::Float64(v) => v.len(),
      Output::Float32(v) => v.len(),
      Output::Int32(v) => v.len(),
      Output::Uint32(v) => v.len(),
      Output::Uint8(v) => v.len(),
    }
  }

  /// True if empty.
  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }
}

/// An output element type with its JS conversion from a double.
trait Elem: Copy + Send + Sync + Default {
  fn from_f64(x: f64) -> Self;
}

impl Elem for f32 {
  fn from_f64(x: f64) -> Self {
    x as f32
  }
}
impl Elem for i32 {
  fn from_f64(x: f64) -> Self {
    to_int32(x)
  }
}
impl Elem for u32 {
  fn from_f64(x: f64) -> Self {
    to_int32(x) as u32
  }
}
impl Elem for u8 {
  fn from_f64(x: f64) -> Self {
    to_int32(x) as u8
  }
}

/// The default chunk size for `n` elements on the current pool. Kernels
/// with loops may cost very different amounts per element (Mandelbrot), so
/// they get smaller chunks for balance; loop-free kernels get large ones.
pub fn default_chunk_size(n: usize, has_loops: bool) -> usize {
  let threads = rayon::current_num_threads().max(1);
  if has_loops {
    (n / (threads * 64)).clamp(256, 16_384)
  } else {
    (n / (threads * 8)).clamp(1024, 65_536)
  }
}

fn check_inputs(kernel: &Kernel, inputs: &[&[f64]], consts: &[f64]) -> Result<usize, KernelError> {
  let n = inputs.first().map_or(0, |x| x.len());
  if inputs.iter().any(|x| x.len() != n) {
    return Err(KernelError::Internal("inputs differ in length".into()));
  }
  if consts.len() < kernel.n_consts {
    return Err(KernelError::Internal("missing params values".into()));
  }
  Ok(n)
}

/// Runs `kernel` (compiled for `Mode::Map { n_inputs: inputs.len() }`) over
/// every index of `inputs` on the current rayon pool and returns the output
/// converted to `output`. Stops early with [`KernelError::Cancelled`] once
/// `cancel` is set.
pub fn run_map(
  kernel: &Kernel,
  inputs: &[&[f64]],
  consts: &[f64],
  output: OutputType,
  chunk_size: Option<usize>,
  cancel: &AtomicBool,
) -> Result<Output, KernelError> {
  let n = check_inputs(kernel, inputs, consts)?;
  let chunk = chunk_size
    .unwrap_or_else(|| default_chunk_size(n, kernel.has_loops))
    .max(1);
  Ok(match output {
    OutputType::Float64 => {
      let mut out = try_filled::<f64>(n)?;
      fill_f64(kernel, inputs, consts, &mut out, chunk, cancel)?;
      Output::Float64(out)
    }
    OutputType::Float32 => {
      Output::Float32(fill_converted(kernel, inputs, consts, n, chunk, cancel)?)
    }
    OutputType::Int32 => Output::Int32(fill_converted(kernel, inputs, consts, n, chunk, cancel)?),
    OutputType::Uint32 => Output::Uint32(fill_converted(kernel, inputs, consts, n, chunk, cancel)?),
    OutputType::Uint8 => Output::Uint8(fill_converted(kernel, inputs, consts, n, chunk, cancel)?),
  })
}

/// Prefers a real error over the `Cancelled` that other chunks report after it.
fn first_error(failed: &std::sync::Mutex<Option<KernelError>>, e: KernelError) -> KernelError {
  let mut slot = failed.lock().unwrap_or_else(|p| p.into_inner());
  match (&*slot, &e) {
    (None, _) => {
      *slot = Some(e.clone());
      e
    }
    (Some(KernelError::Cancelled), err) if *err != KernelError::Cancelled => {
      *slot = Some(e.clone());
      e
    }
    (Some(prev), _) => prev.clone(),
  }
}

fn fill_f64(
  kernel: &Kernel,
  inputs: &[&[f64]],
  consts: &[f64],
  out: &mut [f64],
  chunk: usize,
  cancel: &AtomicBool,
) -> Result<(), KernelError> {
  let stop = AtomicBool::new(false);
  let failed = std::sync::Mutex::new(None);
  let result = out
    .par_chunks_mut(chunk)
    .enumerate()
    .with_max_len(1)
    .try_for_each(|(ci, part)| {
      if cancel.load(Ordering::Relaxed) {
        return Err(KernelError::Cancelled);
      }
      if stop.load(Ordering::Relaxed) {
        return Err(KernelError::Cancelled);
      }
      kernel
        .run_chunk(inputs, consts, ci * chunk, part, cancel)
        .map_err(|e| {
          stop.store(true, Ordering::Relaxed);
          first_error(&failed, e)
        })
    });
  match result {
    Ok(()) => Ok(()),
    Err(e) => Err(
      failed
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .unwrap_or(e),
    ),
  }
}

fn fill_converted<T: Elem>(
  kernel: &Kernel,
  inputs: &[&[f64]],
  consts: &[f64],
  n: usize,
  chunk: usize,
  cancel: &AtomicBool,
) -> Result<Vec<T>, KernelError> {
  let mut out = try_filled::<T>(n)?;
  let stop = AtomicBool::new(false);
  let failed = std::sync::Mutex::new(None);
  let result = out
    .par_chunks_mut(chunk)
    .enumerate()
    .with_max_len(1)
    .try_for_each_init(Vec::<f64>::new, |scratch, (ci, part)| {
      if cancel.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed) {
        return Err(KernelError::Cancelled);
      }
      if scratch.len() < part.len() {
        scratch
          .try_reserve_exact(part.len() - scratch.len())
          .map_err(|_| {
            stop.store(true, Ordering::Relaxed);
            first_error(
              &failed,
              KernelError::OutOfMemory {
                bytes: part.len() * 8,
              },
            )
          })?;
      }
      scratch.resize(part.len(), 0.0);
      kernel
        .run_chunk(inputs, consts, ci * chunk, scratch, cancel)
        .map_err(|e| {
          stop.store(true, Ordering::Relaxed);
          first_error(&failed, e)
        })?;
      for (o, x) in part.iter_mut().zip(scratch.iter()) {
        *o = T::from_f64(*x);
      }
      Ok(())
    });
  match result {
    Ok(()) => Ok(out),
    Err(e) => Err(
      failed
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .unwrap_or(e),
    ),
  }
}

/// Calls a kernel compiled for `Mode::Call { n_args: args.len() }` once;
/// its result as a number (ToNumber). See [`call_value`].
pub fn call(
  kernel: &Kernel,
  args: &[f64],
  consts: &[f64],
  cancel: &AtomicBool,
) -> Result<f64, KernelError> {
  kernel.call(args, consts, cancel)
}

/// [`call`], with the result as the JS value it is (number, boolean or
/// `undefined`).
pub fn call_value(
  kernel: &Kernel,
  args: &[f64],
  consts: &[f64],
  cancel: &AtomicBool,
) -> Result<crate::ir::JsValue, KernelError> {
  kernel.call_value(args, consts, cancel)
}
