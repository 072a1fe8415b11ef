//! The chunked parallel runner behind `parallelMap`, and the single call
//! behind `spawn`.
//!
//! The output is split into chunks that rayon's work stealing hands to
//! whichever thread of the current pool is free. Each chunk first checks the
//! cancel flag (and whether another chunk failed); kernels with loops also
//! check it at every loop back-edge.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::codegen::{ArrayRef, Kernel};
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

/// The `params` a run hands every chunk: numbers and array views.
#[derive(Clone, Copy)]
struct Params<'a> {
  consts: &'a [f64],
  arrays: &'a [ArrayRef<'a>],
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
/// `cancel` is set. The output is allocated fallibly; [`run_map_into`]
/// writes into the caller's memory instead.
pub fn run_map(
  kernel: &Kernel,
  inputs: &[&[f64]],
  consts: &[f64],
  output: OutputType,
  chunk_size: Option<usize>,
  cancel: &AtomicBool,
) -> Result<Output, KernelError> {
  run_map_with(kernel, inputs, consts, &[], output, chunk_size, cancel)
}

/// [`run_map`] for a kernel that reads `params` arrays: `arrays` holds one
/// view per slot, of the kinds in [`Kernel::arrays`]; every chunk reads
/// them (they must stay valid, and unmoved, until this returns).
pub fn run_map_with(
  kernel: &Kernel,
  inputs: &[&[f64]],
  consts: &[f64],
  arrays: &[ArrayRef<'_>],
  output: OutputType,
  chunk_size: Option<usize>,
  cancel: &AtomicBool,
) -> Result<Output, KernelError> {
  let n = check_inputs(kernel, inputs, consts)?;
  let mut out = match output {
    OutputType::Float64 => Output::Float64(try_filled(n)?),
    OutputType::Float32 => Output::Float32(try_filled(n)?),
    OutputType::Int32 => Output::Int32(try_filled(n)?),
    OutputType::Uint32 => Output::Uint32(try_filled(n)?),
    OutputType::Uint8 => Output::Uint8(try_filled(n)?),
  };
  run_map_into(
    kernel,
    inputs,
    consts,
    arrays,
    out.as_out_slice(),
    chunk_size,
    cancel,
  )?;
  Ok(out)
}

/// Memory a map writes its results into: one output element per input index.
#[derive(Debug)]
pub enum OutSlice<'a> {
  /// Float64Array memory.
  Float64(&'a mut [f64]),
  /// Float32Array memory (`Math.fround`).
  Float32(&'a mut [f32]),
  /// Int32Array memory (ToInt32).
  Int32(&'a mut [i32]),
  /// Uint32Array memory (ToUint32).
  Uint32(&'a mut [u32]),
  /// Uint8Array memory (ToUint8: modulo 256).
  Uint8(&'a mut [u8]),
}

impl OutSlice<'_> {
  /// Number of elements.
  pub fn len(&self) -> usize {
    match self {
      OutSlice::Float64(v) => v.len(),
      OutSlice::Float32(v) => v.len(),
      OutSlice::Int32(v) => v.len(),
      OutSlice::Uint32(v) => v.len(),
      OutSlice::Uint8(v) => v.len(),
    }
  }

  /// True if empty.
  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }

  /// Its element type.
  pub fn output_type(&self) -> OutputType {
    match self {
      OutSlice::Float64(_) => OutputType::Float64,
      OutSlice::Float32(_) => OutputType::Float32,
      OutSlice::Int32(_) => OutputType::Int32,
      OutSlice::Uint32(_) => OutputType::Uint32,
      OutSlice::Uint8(_) => OutputType::Uint8,
    }
  }
}

impl Output {
  /// The whole array as an [`OutSlice`].
  pub fn as_out_slice(&mut self) -> OutSlice<'_> {
    match self {
      Output::Float64(v) => OutSlice::Float64(v),
      Output::Float32(v) => OutSlice::Float32(v),
      Output::Int32(v) => OutSlice::Int32(v),
      Output::Uint32(v) => OutSlice::Uint32(v),
      Output::Uint8(v) => OutSlice::Uint8(v),
    }
  }
}

/// [`run_map`] into `out`, which must have one element per input index
/// (else `KernelError::Internal`). Nothing is allocated for a Float64 output;
/// other types convert through a per-thread scratch chunk. Each element of
/// `out` is written once, by one thread; after an error or a cancel some
/// chunks are written and others keep their old contents.
pub fn run_map_into(
  kernel: &Kernel,
  inputs: &[&[f64]],
  consts: &[f64],
  arrays: &[ArrayRef<'_>],
  out: OutSlice<'_>,
  chunk_size: Option<usize>,
  cancel: &AtomicBool,
) -> Result<(), KernelError> {
  run_map_into_counted(
    kernel, inputs, consts, arrays, out, chunk_size, cancel, None,
  )
}

/// [`run_map_into`] that adds each finished chunk's element count to
/// `progress` (one relaxed `fetch_add` per chunk), for `onProgress`.
#[allow(clippy::too_many_arguments)]
pub fn run_map_into_counted(
  kernel: &Kernel,
  inputs: &[&[f64]],
  consts: &[f64],
  arrays: &[ArrayRef<'_>],
  out: OutSlice<'_>,
  chunk_size: Option<usize>,
  cancel: &AtomicBool,
  progress: Option<&AtomicU64>,
) -> Result<(), KernelError> {
  let n = check_inputs(kernel, inputs, consts)?;
  if out.len() != n {
    return Err(KernelError::Internal(
      "the output length differs from the inputs'".into(),
    ));
  }
  let chunk = chunk_size
    .unwrap_or_else(|| default_chunk_size(n, kernel.has_loops))
    .max(1);
  crate::codegen::check_arrays(&kernel.arrays, arrays)?;
  let p = Params { consts, arrays };
  match out {
    OutSlice::Float64(out) => fill_f64(kernel, inputs, p, out, chunk, cancel, progress),
    OutSlice::Float32(out) => fill_converted(kernel, inputs, p, out, chunk, cancel, progress),
    OutSlice::Int32(out) => fill_converted(kernel, inputs, p, out, chunk, cancel, progress),
    OutSlice::Uint32(out) => fill_converted(kernel, inputs, p, out, chunk, cancel, progress),
    OutSlice::Uint8(out) => fill_converted(kernel, inputs, p, out, chunk, cancel, progress),
  }
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
  p: Params<'_>,
  out: &mut [f64],
  chunk: usize,
  cancel: &AtomicBool,
  progress: Option<&AtomicU64>,
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
        .run_chunk_with(inputs, p.consts, p.arrays, ci * chunk, part, cancel)
        .map_err(|e| {
          stop.store(true, Ordering::Relaxed);
          first_error(&failed, e)
        })?;
      if let Some(done) = progress {
        done.fetch_add(part.len() as u64, Ordering::Relaxed);
      }
      Ok(())
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
  p: Params<'_>,
  out: &mut [T],
  chunk: usize,
  cancel: &AtomicBool,
  progress: Option<&AtomicU64>,
) -> Result<(), KernelError> {
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
        .run_chunk_with(inputs, p.consts, p.arrays, ci * chunk, scratch, cancel)
        .map_err(|e| {
          stop.store(true, Ordering::Relaxed);
          first_error(&failed, e)
        })?;
      for (o, x) in part.iter_mut().zip(scratch.iter()) {
        *o = T::from_f64(*x);
      }
      if let Some(done) = progress {
        done.fetch_add(part.len() as u64, Ordering::Relaxed);
      }
      Ok(())
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

/// [`call`] for a kernel that reads `params` arrays (one view per slot).
pub fn call_with(
  kernel: &Kernel,
  args: &[f64],
  consts: &[f64],
  arrays: &[ArrayRef<'_>],
  cancel: &AtomicBool,
) -> Result<f64, KernelError> {
  kernel.call_with(args, consts, arrays, cancel)
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

/// [`call_value`] for a kernel that reads `params` arrays (one view per slot).
pub fn call_value_with(
  kernel: &Kernel,
  args: &[f64],
  consts: &[f64],
  arrays: &[ArrayRef<'_>],
  cancel: &AtomicBool,
) -> Result<crate::ir::JsValue, KernelError> {
  kernel.call_value_with(args, consts, arrays, cancel)
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::cache::compile;

  fn kernel() -> Kernel {
    compile(
      "(x, i) => x * 2.5 + 1 - i",
      &[],
      crate::Mode::Map { n_inputs: 1 },
    )
    .unwrap()
  }

  #[test]
  fn run_map_into_writes_every_type_in_place_and_matches_run_map() {
    let k = kernel();
    let cancel = AtomicBool::new(false);
    let xs: Vec<f64> = (0..10_001).map(|i| i as f64 * 0.37 - 2000.0).collect();
    for t in [
      OutputType::Float64,
      OutputType::Float32,
      OutputType::Int32,
      OutputType::Uint32,
      OutputType::Uint8,
    ] {
      let want = run_map(&k, &[&xs], &[], t, Some(7), &cancel).unwrap();
      let mut got = match t {
        OutputType::Float64 => Output::Float64(vec![9.0; xs.len()]),
        OutputType::Float32 => Output::Float32(vec![9.0; xs.len()]),
        OutputType::Int32 => Output::Int32(vec![9; xs.len()]),
        OutputType::Uint32 => Output::Uint32(vec![9; xs.len()]),
        OutputType::Uint8 => Output::Uint8(vec![9; xs.len()]),
      };
      assert_eq!(got.as_out_slice().output_type(), t);
      run_map_into(
        &k,
        &[&xs],
        &[],
        &[],
        got.as_out_slice(),
        Some(1000),
        &cancel,
      )
      .unwrap();
      assert_eq!(got, want, "{t:?}");
    }
  }

  #[test]
  fn run_map_into_refuses_a_wrong_length_and_writes_nothing() {
    let k = kernel();
    let cancel = AtomicBool::new(false);
    let xs = [1.0, 2.0, 3.0];
    let mut out = [7.0; 2];
    let err = run_map_into(
      &k,
      &[&xs],
      &[],
      &[],
      OutSlice::Float64(&mut out),
      None,
      &cancel,
    );
    assert!(matches!(err, Err(KernelError::Internal(_))));
    assert_eq!(out, [7.0; 2]);
  }

  #[test]
  fn run_map_into_stops_when_cancelled() {
    let k = kernel();
    let cancel = AtomicBool::new(true);
    let xs = vec![1.0; 5000];
    let mut out = vec![0.0; 5000];
    let err = run_map_into(
      &k,
      &[&xs],
      &[],
      &[],
      OutSlice::Float64(&mut out),
      Some(100),
      &cancel,
    );
    assert_eq!(err, Err(KernelError::Cancelled));
    assert!(out.iter().all(|x| *x == 0.0));
  }
}

#[cfg(test)]
mod array_tests {
  use super::*;
  use crate::cache::compile_with;
  use crate::codegen::{ElemKind, Mode, ParamKind};
  use crate::testing::assert_same;

  /// Every chunk reads the params arrays (a stencil across chunk
  /// boundaries), into every output type; a call reads them too; the
  /// wrong arrays are an error before any chunk runs.
  #[test]
  fn chunks_and_calls_read_params_arrays() {
    let no = AtomicBool::new(false);
    let xs: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.7).sin()).collect();
    let k = compile_with(
      "(x, i) => (xs[i - 1] + x + xs[i + 1]) / 3 * w",
      &["xs".into(), "w".into()],
      &[ParamKind::Array(ElemKind::Float64), ParamKind::Number],
      Mode::Map { n_inputs: 1 },
    )
    .unwrap();
    let want: Vec<f64> = (0..xs.len())
      .map(|i| {
        let at = |j: isize| {
          xs.get(j as usize)
            .copied()
            .filter(|_| j >= 0)
            .unwrap_or(f64::NAN)
        };
        (at(i as isize - 1) + xs[i] + at(i as isize + 1)) / 3.0 * 2.0
      })
      .collect();
    let views = [ArrayRef::new(xs.as_slice())];
    for chunk in [Some(1), Some(7), None] {
      let out = run_map_with(
        &k,
        &[&xs],
        &[f64::NAN, 2.0],
        &views,
        OutputType::Float64,
        chunk,
        &no,
      )
      .unwrap();
      let Output::Float64(out) = out else {
        panic!("float64")
      };
      assert_same("stencil", &out, &want);
    }
    let Output::Int32(out) = run_map_with(
      &k,
      &[&xs],
      &[f64::NAN, 2.0],
      &views,
      OutputType::Int32,
      Some(5),
      &no,
    )
    .unwrap() else {
      panic!("int32")
    };
    let ints: Vec<i32> = want.iter().map(|v| to_int32(*v)).collect();
    assert_eq!(out, ints);
    assert!(matches!(
      run_map_with(
        &k,
        &[&xs],
        &[f64::NAN, 2.0],
        &[],
        OutputType::Float64,
        None,
        &no
      ),
      Err(KernelError::Internal(_))
    ));
    let c = compile_with(
      "(j) => t[j] + t.length",
      &["t".into()],
      &[ParamKind::Array(ElemKind::Uint16)],
      Mode::Call { n_args: 1 },
    )
    .unwrap();
    let t = [7u16, 9];
    assert_eq!(
      call_with(&c, &[1.0], &[f64::NAN], &[ArrayRef::new(&t)], &no),
      Ok(11.0)
    );
  }
}
