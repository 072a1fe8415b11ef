//! IR → native code with Cranelift.
//!
//! Each kernel becomes one `JITModule` holding:
//! - an **entry** that owns the element loop (map mode: `fn(ctx, start, end)
//!   -> status`, the kernel body inlined into the loop) or a single call
//!   (call mode: `fn(ctx) -> status`);
//! - one function per nested function declaration that is called
//!   (`fn(ctx, f64…) -> f64`), and the kernel itself when it calls itself.
//!
//! Errors travel through `ctx.status`: a function that overflows the
//! software stack limit or sees the cancel flag (at a loop back-edge or on
//! entry to a nested function) stores a status and returns; every caller
//! checks the status after each call. Before each call the caller checks
//! that the callee's whole frame ([`frame_bound`]) fits above the limit,
//! and the host does the same for the entry: a frame is allocated and
//! probed before any check inside it could run.
//! No Cranelift `stack_limit` (it traps with SIGILL) and no FMA contraction.
//!
//! This module holds the driver ([`compile`]) and the per-function
//! generator's state (`Gen`); each concern has its own file:
//! - `abi`: [`Mode`], [`status`] and [`Ctx`], the contract with the host;
//! - `kernel`: [`Kernel`], the compiled module and its two entry calls;
//! - `frame`: [`frame_bound`], the frame size checked before each call;
//! - `function`: a nested function's body, prologue and constant hoisting;
//! - `entry`: the entry, with the element loop (map) or one call (call);
//! - `stmt`: statements, loops and cancellation points;
//! - `expr`: expressions, operators and conditions;
//! - `int32`: ToInt32 / ToUint32;
//! - `intrinsics`: `Math.*` / `Number.is*`, inline or through vmath;
//! - `call`: calls to nested functions (frame check, status propagation);
//! - `value`: payloads and tags (number | boolean | undefined), `===`/`==`,
//!   `??`, `Number.is*`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use cranelift_codegen::ir::{
  AbiParam, Block, FuncRef, Function, InstBuilder, MemFlagsData, Signature, Type, UserFuncName,
  Value, types,
};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId as ClifId, Linkage, Module, default_libcall_names};

use crate::error::KernelError;
use crate::ir::{Program, TargetId};
use crate::mathlib;

mod abi;
mod array;
mod call;
mod entry;
mod expr;
mod frame;
mod function;
mod int;
mod int32;
mod intrinsics;
mod kernel;
mod pair;
mod stmt;
mod value;

pub use abi::{ArgKinds, Ctx, Mode, status};
pub(crate) use array::check_arrays;
pub use array::{ARRAY_REF_SIZE, ArrayRef, ElemKind, Element, ParamKind};
use frame::CallSite;
pub use frame::frame_bound;
pub use kernel::Kernel;

fn isa() -> Result<OwnedTargetIsa, KernelError> {
  static ISA: OnceLock<Result<OwnedTargetIsa, String>> = OnceLock::new();
  ISA
    .get_or_init(|| {
      let mut flags = settings::builder();
      let set = |f: &mut settings::Builder, k: &str, v: &str| {
        f.set(k, v).map_err(|e| format!("{k}={v}: {e}"))
      };
      // `speed` runs the e-graph pass, which re-materialises loop-invariant
      // values inside inner loops here (Mandelbrot ran 2× slower than with
      // `none`); the IR we emit is already simple, so `none` is faster.
      let opt = std::env::var("NAPI_PARALLEL_KERNEL_OPT").unwrap_or_else(|_| "none".into());
      set(&mut flags, "opt_level", &opt)?;
      set(&mut flags, "is_pic", "false")?;
      set(&mut flags, "use_colocated_libcalls", "false")?;
      set(&mut flags, "enable_probestack", "true")?;
      set(&mut flags, "probestack_strategy", "inline")?;
      set(
        &mut flags,
        "enable_verifier",
        if cfg!(debug_assertions) {
          "true"
        } else {
          "false"
        },
      )?;
      let builder = cranelift_native::builder().map_err(|e| e.to_string())?;
      builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(KernelError::Internal)
}

pub(super) fn internal<E: std::fmt::Display>(e: E) -> KernelError {
  KernelError::Internal(e.to_string())
}

/// Compiles `program` for `mode`.
pub fn compile(program: &Program, mode: Mode) -> Result<Kernel, KernelError> {
  static SYMBOLS: OnceLock<Vec<mathlib::MathRoutine>> = OnceLock::new();
  let mut jb = JITBuilder::with_isa(isa()?, default_libcall_names());
  for r in SYMBOLS.get_or_init(mathlib::all_symbols) {
    jb.symbol(r.name, r.ptr);
  }
  let mut module = JITModule::new(jb);
  let result = build(&mut module, program, mode);
  match result {
    Ok((entry_id, frame)) => {
      module.finalize_definitions().map_err(internal)?;
      let entry = module.get_finalized_function(entry_id);
      Ok(Kernel {
        module: Mutex::new(Some(module)),
        entry,
        mode,
        n_consts: program.n_consts,
        arrays: program.arrays.clone(),
        has_loops: program.has_loops,
        frame,
        result: value::norm(program.funcs.first().map_or(crate::ir::NUM, |f| f.ret_ty)),
      })
    }
    Err(e) => {
      // SAFETY: nothing was finalized or handed out.
      unsafe { module.free_memory() };
      Err(e)
    }
  }
}

/// Builds every function, patches each call site's frame check with its
/// callee's [`frame_bound`], then defines them. Returns the entry and its bound.
fn build(
  module: &mut JITModule,
  program: &Program,
  mode: Mode,
) -> Result<(ClifId, usize), KernelError> {
  let ptr = module.target_config().pointer_type();
  let call_conv = module.target_config().default_call_conv;
  // Declare the program's functions that are called.
  let mut ids: Vec<Option<ClifId>> = Vec::with_capacity(program.funcs.len());
  for (i, f) in program.funcs.iter().enumerate() {
    if f.called {
      let mut sig = Signature::new(call_conv);
      sig.params.push(AbiParam::new(ptr));
      for l in value::abi_locals(f) {
        sig.params.push(AbiParam::new(types::F64));
        if value::tagged_local(f, l) {
          sig.params.push(AbiParam::new(types::I8));
        }
      }
      sig.returns.push(AbiParam::new(types::F64));
      if crate::ir::is_mixed(value::norm(f.ret_ty)) {
        sig.returns.push(AbiParam::new(types::I8));
      }
      ids.push(Some(
        module
          .declare_function(&format!("f{i}"), Linkage::Local, &sig)
          .map_err(internal)?,
      ));
    } else {
      ids.push(None);
    }
  }
  let mut entry_sig = Signature::new(call_conv);
  entry_sig.params.push(AbiParam::new(ptr));
  if matches!(mode, Mode::Map { .. } | Mode::Reduce) {
    entry_sig.params.push(AbiParam::new(ptr));
    entry_sig.params.push(AbiParam::new(ptr));
  }
  entry_sig.returns.push(AbiParam::new(types::I32));
  let entry_id = module
    .declare_function("entry", Linkage::Local, &entry_sig)
    .map_err(internal)?;

  let mut fctx = FunctionBuilderContext::new();
  let mut imports: HashMap<&'static str, ClifId> = HashMap::new();
  // (program function index or None for the entry, id, function, call sites)
  let mut built: Vec<(Option<usize>, ClifId, Function, Vec<CallSite>)> = Vec::new();
  for (i, f) in program.funcs.iter().enumerate() {
    let Some(id) = ids[i] else { continue };
    let sig = module
      .declarations()
      .get_function_decl(id)
      .signature
      .clone();
    let mut func = Function::with_name_signature(UserFuncName::user(0, id.as_u32()), sig);
    let sites = {
      let b = FunctionBuilder::new(&mut func, &mut fctx);
      let g = Gen::new(b, module, program, &ids, &mut imports, ptr);
      g.function(f)?
    };
    built.push((Some(i), id, func, sites));
  }
  let mut func = Function::with_name_signature(UserFuncName::user(0, entry_id.as_u32()), entry_sig);
  let sites = {
    let b = FunctionBuilder::new(&mut func, &mut fctx);
    let g = Gen::new(b, module, program, &ids, &mut imports, ptr);
    g.entry(&program.funcs[0], mode)?
  };
  built.push((None, entry_id, func, sites));

  let mut bounds = vec![0usize; program.funcs.len()];
  for (i, _, func, _) in &built {
    if let Some(i) = i {
      bounds[*i] = frame_bound(func);
    }
  }
  let entry_frame = frame_bound(&built.last().expect("the entry was pushed").2);
  let dump = std::env::var_os("NAPI_PARALLEL_KERNEL_DUMP").is_some();
  let mut ctx = module.make_context();
  for (i, id, mut func, sites) in built {
    for (inst, callee) in sites {
      let bound = bounds[callee as usize];
      func.replace(inst).iconst(ptr, bound as i64);
    }
    ctx.func = func;
    if dump && i.is_none() {
      ctx.set_disasm(true);
      eprintln!("{}", ctx.func.display());
    }
    module.define_function(id, &mut ctx).map_err(internal)?;
    if dump
      && i.is_none()
      && let Some(code) = ctx.compiled_code().and_then(|c| c.vcode.as_ref())
    {
      eprintln!("{code}");
    }
    module.clear_context(&mut ctx);
  }
  Ok((entry_id, entry_frame))
}

/// Where `return` goes.
#[derive(Clone, Copy)]
pub(super) enum Ret {
  /// A real `return` of an f64 (and its tag, see `Gen::ret_tagged`).
  Return,
  /// A jump to a block taking the f64 (and its tag): the inlined kernel body.
  Jump(Block),
}

pub(super) struct Gen<'a, 'b> {
  b: FunctionBuilder<'b>,
  module: &'a mut JITModule,
  program: &'a Program,
  ids: &'a [Option<ClifId>],
  imports: &'a mut HashMap<&'static str, ClifId>,
  ptr: Type,
  refs: HashMap<u32, FuncRef>,
  math_refs: HashMap<&'static str, FuncRef>,
  vars: Vec<Variable>,
  /// The tag variable of each local whose type has several kinds.
  tags: Vec<Option<Variable>>,
  /// Index of the function being generated (0: the kernel / the entry).
  fid: usize,
  /// True when results carry a tag (a nested function with a mixed result
  /// type, the call-mode entry).
  ret_tagged: bool,
  consts: Vec<Value>,
  /// Each `params` array's (base, length), loaded in the entry block.
  arrays: Vec<(Value, Value)>,
  ctx: Value,
  cancel: Value,
  ret: Ret,
  /// Block that leaves the function after an error status was stored.
  exit: Option<Block>,
  /// True when `exit` must return an i32 status (the entry) rather than an f64.
  exit_returns_status: bool,
  targets: HashMap<TargetId, (Block, Option<Block>)>,
  terminated: bool,
  /// Constants materialised in the entry block, by bit pattern.
  hoisted: HashMap<u64, Value>,
  /// f64 values known to hold an int32 (results of bitwise ops): their i32.
  known_i32: HashMap<Value, Value>,
  /// f64 constants by value, to fold ToInt32 of a literal.
  const_f64: HashMap<Value, f64>,
  /// Frame checks before calls, patched once every callee is built.
  call_sites: Vec<CallSite>,
  /// Which locals of the current function are int32 (`i32` variables).
  ints: Vec<bool>,
  /// The map entry's index parameter when the kernel never assigns it:
  /// its local and its `i64` value (ToInt32 of it is a truncation).
  index: Option<(u32, Value)>,
  /// Loops of the current function that need no cancellation point.
  short_loops: Vec<crate::opt::int32::Counted>,
  /// `i32` constants by value, to fold integer operations.
  const_i32: HashMap<Value, i32>,
}

pub(super) const TRUSTED: MemFlagsData = MemFlagsData::trusted();

pub(super) fn readonly() -> MemFlagsData {
  MemFlagsData::trusted().with_readonly()
}

impl<'a, 'b> Gen<'a, 'b> {
  fn new(
    b: FunctionBuilder<'b>,
    module: &'a mut JITModule,
    program: &'a Program,
    ids: &'a [Option<ClifId>],
    imports: &'a mut HashMap<&'static str, ClifId>,
    ptr: Type,
  ) -> Self {
    Self {
      b,
      module,
      program,
      ids,
      imports,
      ptr,
      refs: HashMap::new(),
      math_refs: HashMap::new(),
      vars: Vec::new(),
      tags: Vec::new(),
      fid: 0,
      ret_tagged: false,
      consts: Vec::new(),
      arrays: Vec::new(),
      ctx: Value::from_u32(0),
      cancel: Value::from_u32(0),
      ret: Ret::Return,
      exit: None,
      exit_returns_status: false,
      targets: HashMap::new(),
      terminated: false,
      hoisted: HashMap::new(),
      known_i32: HashMap::new(),
      const_f64: HashMap::new(),
      call_sites: Vec::new(),
      ints: Vec::new(),
      index: None,
      short_loops: Vec::new(),
      const_i32: HashMap::new(),
    }
  }
}
