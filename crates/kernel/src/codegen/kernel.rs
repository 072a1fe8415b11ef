//! A compiled [`Kernel`]: it owns its `JITModule` (freed on drop) and runs
//! the entry in map mode ([`Kernel::run_chunk`]) or call mode
//! ([`Kernel::call`]) after checking that the entry's frame fits the stack.

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use cranelift_jit::JITModule;

use super::abi::{CallEntry, Ctx, MapEntry, Mode, status};
use super::array::{ArrayRef, ElemKind, check_arrays};
use crate::error::KernelError;
use crate::ir::JsValue;

/// A compiled kernel. Cheap to share (`Arc<Kernel>`); the machine code is
/// freed when the last owner drops it.
pub struct Kernel {
  pub(super) module: Mutex<Option<JITModule>>,
  pub(super) entry: *const u8,
  /// How it is entered.
  pub mode: Mode,
  /// Number of `params` constants it reads.
  pub n_consts: usize,
  /// The element kinds of the `params` arrays it reads, by slot: what
  /// [`Kernel::run_chunk_with`] / [`Kernel::call_with`] must be given.
  pub arrays: Vec<ElemKind>,
  /// Whether it contains loops (so cancellation can stop it mid-call).
  pub has_loops: bool,
  /// Upper bound of the entry's stack frame in bytes (see [`frame_bound`](super::frame_bound)).
  pub frame: usize,
  /// The kinds its result may have ([`crate::ir::NUM`] | `BOOL` | `UNDEF`;
  /// a reducer's or combine's must be exactly `NUM`).
  pub result: crate::ir::Ty,
}

// SAFETY: the entry pointer is immutable machine code, callable from any
// thread at once; the module is only touched (freed) under the mutex in Drop.
unsafe impl Send for Kernel {}
// SAFETY: see above.
unsafe impl Sync for Kernel {}

impl Drop for Kernel {
  fn drop(&mut self) {
    let module = self
      .module
      .get_mut()
      .map(Option::take)
      .unwrap_or_else(|p| p.into_inner().take());
    if let Some(module) = module {
      // SAFETY: the last owner is gone, so no thread runs this code any more.
      unsafe { module.free_memory() };
    }
  }
}

impl std::fmt::Debug for Kernel {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("Kernel")
      .field("mode", &self.mode)
      .field("n_consts", &self.n_consts)
      .finish()
  }
}

fn status_error(code: u32) -> Result<(), KernelError> {
  match code {
    status::OK => Ok(()),
    status::STACK_OVERFLOW => Err(KernelError::StackOverflow),
    status::CANCELLED => Err(KernelError::Cancelled),
    other => Err(KernelError::Internal(format!(
      "unknown kernel status {other}"
    ))),
  }
}

impl Kernel {
  /// The calling thread's stack limit, or `StackOverflow` when the entry's
  /// frame would not fit above it (the frame is allocated, and its pages
  /// probed, before any check inside the generated code could run).
  fn room_for_entry(&self) -> Result<usize, KernelError> {
    let limit = crate::stack::limit();
    let sp = crate::stack::approx_sp();
    if sp.saturating_sub(self.frame) < limit {
      return Err(KernelError::StackOverflow);
    }
    Ok(limit)
  }

  /// Runs a map-mode kernel over elements `start..start + out.len()`.
  /// `inputs` are whole arrays (each at least `start + out.len()` long).
  pub fn run_chunk(
    &self,
    inputs: &[&[f64]],
    consts: &[f64],
    start: usize,
    out: &mut [f64],
    cancel: &AtomicBool,
  ) -> Result<(), KernelError> {
    self.run_chunk_with(inputs, consts, &[], start, out, cancel)
  }

  /// [`Kernel::run_chunk`] for a kernel that reads `params` arrays: `arrays`
  /// holds one view per slot, of the kinds in [`Kernel::arrays`].
  pub fn run_chunk_with(
    &self,
    inputs: &[&[f64]],
    consts: &[f64],
    arrays: &[ArrayRef<'_>],
    start: usize,
    out: &mut [f64],
    cancel: &AtomicBool,
  ) -> Result<(), KernelError> {
    check_arrays(&self.arrays, arrays)?;
    let Mode::Map { n_inputs } = self.mode else {
      return Err(KernelError::Internal(
        "run_chunk on a call-mode kernel".into(),
      ));
    };
    let end = start + out.len();
    if inputs.len() != n_inputs
      || inputs.iter().any(|x| x.len() < end)
      || consts.len() < self.n_consts
    {
      return Err(KernelError::Internal(
        "run_chunk: inputs do not match the kernel".into(),
      ));
    }
    let stack_limit = self.room_for_entry()?;
    let ptrs: Vec<*const f64> = inputs.iter().map(|x| x.as_ptr()).collect();
    let mut ctx = Ctx {
      cancel: cancel.as_ptr() as *const u8,
      stack_limit,
      consts: consts.as_ptr(),
      inputs: ptrs.as_ptr(),
      out: out.as_mut_ptr(),
      status: 0,
      result_kind: 0,
      result: 0.0,
      args: std::ptr::null(),
      arrays: arrays.as_ptr().cast(),
    };
    // SAFETY: the entry was compiled for map mode with this Ctx layout; every
    // pointer is valid for the index range checked above, and each array
    // view is of the kind its slot was compiled for (it bounds-checks).
    let code = unsafe {
      let f: MapEntry = std::mem::transmute(self.entry);
      f(&mut ctx, start, end)
    };
    status_error(code)
  }

  /// Calls a call-mode kernel once; its result as a number (ToNumber: a
  /// boolean is 1 or 0, `undefined` is NaN). See [`Kernel::call_value`].
  pub fn call(
    &self,
    args: &[f64],
    consts: &[f64],
    cancel: &AtomicBool,
  ) -> Result<f64, KernelError> {
    self
      .call_value_with(args, consts, &[], cancel)
      .map(JsValue::to_number)
  }

  /// [`Kernel::call`] for a kernel that reads `params` arrays (one view per
  /// slot, of the kinds in [`Kernel::arrays`]).
  pub fn call_with(
    &self,
    args: &[f64],
    consts: &[f64],
    arrays: &[ArrayRef<'_>],
    cancel: &AtomicBool,
  ) -> Result<f64, KernelError> {
    self
      .call_value_with(args, consts, arrays, cancel)
      .map(JsValue::to_number)
  }

  /// Calls a call-mode kernel once; its result as the JS value it is.
  pub fn call_value(
    &self,
    args: &[f64],
    consts: &[f64],
    cancel: &AtomicBool,
  ) -> Result<JsValue, KernelError> {
    self.call_value_with(args, consts, &[], cancel)
  }

  /// [`Kernel::call_value`] for a kernel that reads `params` arrays.
  pub fn call_value_with(
    &self,
    args: &[f64],
    consts: &[f64],
    arrays: &[ArrayRef<'_>],
    cancel: &AtomicBool,
  ) -> Result<JsValue, KernelError> {
    check_arrays(&self.arrays, arrays)?;
    let Mode::Call { n_args, .. } = self.mode else {
      return Err(KernelError::Internal("call on a map-mode kernel".into()));
    };
    if args.len() != n_args || consts.len() < self.n_consts {
      return Err(KernelError::Internal(
        "call: arguments do not match the kernel".into(),
      ));
    }
    let stack_limit = self.room_for_entry()?;
    let mut ctx = Ctx {
      cancel: cancel.as_ptr() as *const u8,
      stack_limit,
      consts: consts.as_ptr(),
      inputs: std::ptr::null(),
      out: std::ptr::null_mut(),
      status: 0,
      result_kind: 0,
      result: f64::NAN,
      args: args.as_ptr(),
      arrays: arrays.as_ptr().cast(),
    };
    // SAFETY: compiled for call mode with this Ctx layout; `args` has n_args values.
    let code = unsafe {
      let f: CallEntry = std::mem::transmute(self.entry);
      f(&mut ctx)
    };
    status_error(code)?;
    Ok(JsValue::from_parts(ctx.result, ctx.result_kind))
  }

  /// Folds elements `range` of `input` left to right with a reduce-mode
  /// kernel, starting from `acc`; returns the last accumulator.
  pub fn fold_chunk(
    &self,
    input: &[f64],
    consts: &[f64],
    range: std::ops::Range<usize>,
    acc: f64,
    cancel: &AtomicBool,
  ) -> Result<f64, KernelError> {
    if self.mode != Mode::Reduce {
      return Err(KernelError::Internal(
        "fold_chunk on a kernel not compiled for reduce mode".into(),
      ));
    }
    if range.start > range.end
      || range.end > input.len()
      || consts.len() < self.n_consts
      || !self.arrays.is_empty()
    {
      return Err(KernelError::Internal(
        "fold_chunk: inputs do not match the kernel".into(),
      ));
    }
    let stack_limit = self.room_for_entry()?;
    let ptrs = [input.as_ptr()];
    let mut ctx = Ctx {
      cancel: cancel.as_ptr() as *const u8,
      stack_limit,
      consts: consts.as_ptr(),
      inputs: ptrs.as_ptr(),
      out: std::ptr::null_mut(),
      status: 0,
      result_kind: 0,
      result: acc,
      args: std::ptr::null(),
      arrays: std::ptr::null(),
    };
    // SAFETY: compiled for reduce mode with this Ctx layout (the entry takes
    // `(ctx, start, end)` as in map mode); `input` covers the range.
    let code = unsafe {
      let f: MapEntry = std::mem::transmute(self.entry);
      f(&mut ctx, range.start, range.end)
    };
    status_error(code)?;
    Ok(ctx.result)
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::cache::compile;

  #[test]
  fn statuses_become_errors() {
    assert_eq!(status_error(status::OK), Ok(()));
    assert_eq!(
      status_error(status::STACK_OVERFLOW),
      Err(KernelError::StackOverflow)
    );
    assert_eq!(status_error(status::CANCELLED), Err(KernelError::Cancelled));
    assert!(matches!(status_error(7), Err(KernelError::Internal(m)) if m.contains('7')));
  }

  /// A mode or shape mismatch is an error before any generated code runs.
  #[test]
  fn entries_check_their_arguments() {
    let no = AtomicBool::new(false);
    let map = compile("x => x * k", &["k".into()], Mode::Map { n_inputs: 1 }).unwrap();
    let call = compile("(a, b) => a + b", &[], Mode::call(2)).unwrap();
    let mut out = [0.0; 3];
    let internal = |r: Result<(), KernelError>| matches!(r, Err(KernelError::Internal(_)));
    assert!(internal(map.run_chunk(&[&[1.0; 3]], &[], 0, &mut out, &no)));
    assert!(internal(map.run_chunk(
      &[&[1.0; 2]],
      &[2.0],
      0,
      &mut out,
      &no
    )));
    assert!(internal(map.run_chunk(
      &[&[1.0; 3]],
      &[2.0],
      1,
      &mut out,
      &no
    )));
    assert!(internal(call.run_chunk(
      &[&[1.0; 3]],
      &[],
      0,
      &mut out,
      &no
    )));
    assert!(matches!(
      call.call(&[1.0], &[], &no),
      Err(KernelError::Internal(_))
    ));
    assert!(matches!(
      map.call(&[1.0], &[2.0], &no),
      Err(KernelError::Internal(_))
    ));
    map
      .run_chunk(&[&[1.0, 2.0, 3.0]], &[2.0], 0, &mut out, &no)
      .unwrap();
    assert_eq!(out, [2.0, 4.0, 6.0]);
    assert_eq!(call.call(&[1.0, 2.5], &[], &no), Ok(3.5));
    assert!(!map.has_loops && map.n_consts == 1 && map.frame > 0);
  }
}
