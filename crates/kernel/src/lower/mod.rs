//! Checks a parsed kernel against the numeric subset and lowers it to the IR.
//!
//! Anything outside the subset is an [`KernelError::Unsupported`] naming the
//! construct and its `line:column` within the function source. Lowering is
//! one pass; static types (sets of number / boolean / undefined) are then
//! inferred on the IR to a fixed point ([`infer`]), and nested functions get
//! the enclosing variables they read as hidden arguments (`captures`).
//!
//! This module holds the driver ([`lower_kernel`]) and the `Lowerer`'s
//! state; each construct is lowered in its own file:
//! - `infer`: static types, a fixed point over the IR with definite assignment;
//! - `captures`: enclosing variables read by nested functions, passed as arguments;
//! - `hoist`: `var` declarations bound at the top of their function;
//! - `globals`: `Math.*`, `Number.*` and their intrinsics;
//! - `func`: the kernel and nested functions, their parameters and returns;
//! - `scope`: bindings, locals and name lookup;
//! - `stmt`: statements, loops and `break`/`continue` targets;
//! - `expr`: expressions, identifiers and assignments;
//! - `call`: calls and member access;
//! - `coverage`: istanbul's coverage counters, dropped.

use std::collections::HashMap;

use oxc_ast::ast::Expression;
use oxc_span::Span;

use crate::codegen::{ArgKinds, ParamKind};
use crate::error::KernelError;
use crate::ir::{self, FuncId, LocalId, TargetId};

mod array;
mod call;
mod captures;
mod coverage;
mod expr;
mod func;
mod globals;
mod hoist;
mod infer;
mod scope;
mod stmt;

pub use globals::math_function;
pub use infer::infer;

type Result<T> = std::result::Result<T, KernelError>;

/// Deepest expression/statement nesting accepted (the shared budget).
const MAX_DEPTH: u32 = crate::nesting::MAX_NESTING;

/// Most variables (parameters included) one function may declare: each is a
/// live f64 in the native frame, so this bounds frames and compile time.
/// Frames that still do not fit a thread's stack are caught at run time.
pub const MAX_LOCALS: usize = 4096;

/// Most arguments one call may pass (`Math.hypot(…)`, `Math.max(…)`, a
/// nested function): they are native stack arguments or a stack array.
pub const MAX_CALL_ARGS: usize = 4096;

/// Lowers the kernel function `root` (an arrow function or a function
/// expression) of `source`. `consts` are the `params` names; `max_params`,
/// if given, is how many parameters the kernel is called with (a parameter
/// past it would always be `undefined`, and is an error). `supplied`, if
/// given, is how many arguments the kernel receives (numbers); the
/// parameters past it are `undefined` (None: every parameter is a number).
pub fn lower_kernel(
  source: &str,
  root: &Expression<'_>,
  consts: &[String],
  max_params: Option<usize>,
  supplied: Option<usize>,
) -> Result<ir::Program> {
  let supplied = supplied.map(|n| (n, ArgKinds::NUMBERS));
  lower_kernel_with(source, root, consts, &[], max_params, supplied)
}

/// [`lower_kernel`] with each param's kind (`kinds[k]` for `consts[k]`;
/// empty: all numbers). An array param is read as `name[j]` / `name.length`.
/// `supplied` also gives the kind of each supplied argument.
pub fn lower_kernel_with(
  source: &str,
  root: &Expression<'_>,
  consts: &[String],
  kinds: &[ParamKind],
  max_params: Option<usize>,
  supplied: Option<(usize, ArgKinds)>,
) -> Result<ir::Program> {
  if !kinds.is_empty() && kinds.len() != consts.len() {
    return Err(KernelError::Internal(
      "params kinds do not match their names".into(),
    ));
  }
  let mut l = Lowerer::new(source, consts);
  l.max_params = max_params;
  l.param_kinds = kinds;
  let mut program = l.lower_root(root)?;
  if let Err(f) = captures::resolve(&mut program, &l.reads, MAX_LOCALS) {
    let at = l.starts.get(f as usize).copied().unwrap_or(0);
    return Err(KernelError::unsupported(
      source,
      at,
      format!(
        "more than {MAX_LOCALS} variables and parameters in one kernel function (counting the enclosing variables it needs for the functions it calls)"
      ),
    ));
  }
  infer(&mut program, supplied);
  crate::opt::carry::run(&mut program.funcs, MAX_LOCALS);
  Ok(program)
}

#[derive(Clone, Copy)]
enum Binding {
  Local { id: LocalId, constant: bool },
  Func(FuncId),
}

struct Target {
  labels: Vec<String>,
  id: TargetId,
  is_loop: bool,
}

struct FnState {
  id: FuncId,
  scopes: Vec<HashMap<String, Binding>>,
  n_locals: u32,
  targets: Vec<Target>,
  /// Enclosing variables read here: (owner function, its local) → the local
  /// of this function that receives it.
  captured: HashMap<(FuncId, LocalId), LocalId>,
}

struct Lowerer<'s> {
  src: &'s str,
  consts: &'s [String],
  funcs: Vec<Option<ir::Func>>,
  /// Per function: the enclosing variables it reads directly
  /// ((owner, owner's local) → its own local).
  reads: Vec<Vec<((FuncId, LocalId), LocalId)>>,
  /// Per function: the source offset of its parameters (for errors).
  starts: Vec<u32>,
  fstack: Vec<FnState>,
  next_target: TargetId,
  has_loops: bool,
  depth: u32,
  /// How many parameters the kernel root is called with, if bounded.
  max_params: Option<usize>,
  /// Each param's kind, by position in `consts` (empty: all numbers).
  param_kinds: &'s [ParamKind],
}

fn err<T>(src: &str, span: Span, message: impl Into<String>) -> Result<T> {
  Err(KernelError::unsupported(src, span.start, message))
}

impl<'s> Lowerer<'s> {
  fn new(src: &'s str, consts: &'s [String]) -> Self {
    Self {
      src,
      consts,
      funcs: Vec::new(),
      reads: Vec::new(),
      starts: Vec::new(),
      fstack: Vec::new(),
      next_target: 0,
      has_loops: false,
      depth: 0,
      max_params: None,
      param_kinds: &[],
    }
  }

  fn fail<T>(&self, span: Span, message: impl Into<String>) -> Result<T> {
    err(self.src, span, message)
  }

  fn cur(&mut self) -> &mut FnState {
    self.fstack.last_mut().expect("inside a function")
  }
}

#[cfg(test)]
mod tests {
  use crate::testing::call;

  /// `===` is exact between booleans and numbers, statically or by tag.
  #[test]
  fn strict_equality_follows_the_inferred_types() {
    // JS: (5 > 0) === 1 is false, (5 > 0) === true is true.
    assert_eq!(call("x => (x > 0) === 1", &[5.0]), 0.0);
    assert_eq!(call("x => (x > 0) === true", &[5.0]), 1.0);
    assert_eq!(call("x => (x > 0) !== 1", &[5.0]), 1.0);
    let nested = "x => { function f(a) { return a > 0 } return f(x) === true }";
    assert_eq!(call(nested, &[1.0]), 1.0);
    assert_eq!(call(nested, &[-1.0]), 0.0);
    let mixed = "x => { let y = x > 0 ? true : 1; return y === 1 }";
    assert_eq!(call(mixed, &[1.0]), 0.0);
    assert_eq!(call(mixed, &[-1.0]), 1.0);
  }
}
