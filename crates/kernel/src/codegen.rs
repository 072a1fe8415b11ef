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

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, OnceLock};

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
  AbiParam, Block, BlockArg, FuncRef, Function, Inst, InstBuilder, MemFlagsData, Signature,
  StackSlotData, StackSlotKind, Type, UserFuncName, Value, types,
};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId as ClifId, Linkage, Module, default_libcall_names};

use crate::error::KernelError;
use crate::ir::{BinOp, Expr, Func, Intrinsic, LogicOp, Program, Stmt, TargetId, UnOp};
use crate::mathlib;

/// How the kernel is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
  /// `parallelMap`: params are `(x0, …, x{n_inputs-1}, i)`.
  Map {
    /// Number of input arrays.
    n_inputs: usize,
  },
  /// `spawn`: one call with `n_args` numeric arguments.
  Call {
    /// Number of arguments passed.
    n_args: usize,
  },
}

/// Status codes the generated code returns.
pub mod status {
  /// Finished.
  pub const OK: u32 = 0;
  /// Recursion hit the stack limit.
  pub const STACK_OVERFLOW: u32 = 1;
  /// The cancel flag was seen at a loop back-edge.
  pub const CANCELLED: u32 = 2;
}

/// The context every generated function receives (`repr(C)`; offsets are
/// used by the generated code).
#[repr(C)]
pub struct Ctx {
  /// 0: the cancel flag (an `AtomicBool`, read as an atomic u8).
  pub cancel: *const u8,
  /// 8: lowest stack address recursion may reach.
  pub stack_limit: usize,
  /// 16: the `params` constants.
  pub consts: *const f64,
  /// 24: map mode: the input arrays; call mode: the arguments.
  pub inputs: *const *const f64,
  /// 32: map mode: the output for elements `start..end` (index `i - start`).
  pub out: *mut f64,
  /// 40: status written by the generated code.
  pub status: u32,
  /// 44: padding.
  pub pad: u32,
  /// 48: call mode: the result.
  pub result: f64,
  /// 56: call mode: the arguments.
  pub args: *const f64,
}

const OFF_CANCEL: i32 = 0;
const OFF_STACK_LIMIT: i32 = 8;
const OFF_CONSTS: i32 = 16;
const OFF_INPUTS: i32 = 24;
const OFF_OUT: i32 = 32;
const OFF_STATUS: i32 = 40;
const OFF_RESULT: i32 = 48;
const OFF_ARGS: i32 = 56;

type MapEntry = unsafe extern "C" fn(*mut Ctx, usize, usize) -> u32;
type CallEntry = unsafe extern "C" fn(*mut Ctx) -> u32;

/// A compiled kernel. Cheap to share (`Arc<Kernel>`); the machine code is
/// freed when the last owner drops it.
pub struct Kernel {
  module: Mutex<Option<JITModule>>,
  entry: *const u8,
  /// How it is entered.
  pub mode: Mode,
  /// Number of `params` constants it reads.
  pub n_consts: usize,
  /// Whether it contains loops (so cancellation can stop it mid-call).
  pub has_loops: bool,
  /// Upper bound of the entry's stack frame in bytes (see [`frame_bound`]).
  pub frame: usize,
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
      pad: 0,
      result: 0.0,
      args: std::ptr::null(),
    };
    // SAFETY: the entry was compiled for map mode with this Ctx layout; every
    // pointer is valid for the index range checked above.
    let code = unsafe {
      let f: MapEntry = std::mem::transmute(self.entry);
      f(&mut ctx, start, end)
    };
    status_error(code)
  }

  /// Calls a call-mode kernel once.
  pub fn call(
    &self,
    args: &[f64],
    consts: &[f64],
    cancel: &AtomicBool,
  ) -> Result<f64, KernelError> {
    let Mode::Call { n_args } = self.mode else {
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
      pad: 0,
      result: f64::NAN,
      args: args.as_ptr(),
    };
    // SAFETY: compiled for call mode with this Ctx layout; `args` has n_args values.
    let code = unsafe {
      let f: CallEntry = std::mem::transmute(self.entry);
      f(&mut ctx)
    };
    status_error(code)?;
    Ok(ctx.result)
  }
}

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

fn internal<E: std::fmt::Display>(e: E) -> KernelError {
  KernelError::Internal(e.to_string())
}

/// Compiles `program` for `mode`.
pub fn compile(program: &Program, mode: Mode) -> Result<Kernel, KernelError> {
  let mut jb = JITBuilder::with_isa(isa()?, default_libcall_names());
  for r in mathlib::all_symbols() {
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
        has_loops: program.has_loops,
        frame,
      })
    }
    Err(e) => {
      // SAFETY: nothing was finalized or handed out.
      unsafe { module.free_memory() };
      Err(e)
    }
  }
}

/// A call site's frame check: the `iconst` to patch with the callee's frame
/// bound once every function is built, and the callee.
type CallSite = (Inst, u32);

/// Bytes of stack every frame may use beyond what [`frame_bound`] counts:
/// return address, saved registers, alignment, the call's own bookkeeping.
const FRAME_FIXED: usize = 4096;

/// An upper bound of the stack frame Cranelift gives `func`: every value and
/// every instruction's temporaries may need a spill slot (16 bytes each is
/// generous for f64/i64/i8), outgoing stack arguments are values too, plus
/// the explicit stack slots (the `hypot` argument arrays).
pub fn frame_bound(func: &Function) -> usize {
  let slots: usize = func
    .sized_stack_slots
    .values()
    .map(|s| s.size as usize + 16)
    .sum();
  FRAME_FIXED + 16 * (func.dfg.num_values() + func.dfg.num_insts()) + slots
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
      for _ in 0..f.n_params {
        sig.params.push(AbiParam::new(types::F64));
      }
      sig.returns.push(AbiParam::new(types::F64));
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
  if matches!(mode, Mode::Map { .. }) {
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
enum Ret {
  /// A real `return` of an f64.
  Return,
  /// A jump to a block taking the f64 (the inlined kernel body).
  Jump(Block),
}

struct Gen<'a, 'b> {
  b: FunctionBuilder<'b>,
  module: &'a mut JITModule,
  program: &'a Program,
  ids: &'a [Option<ClifId>],
  imports: &'a mut HashMap<&'static str, ClifId>,
  ptr: Type,
  refs: HashMap<u32, FuncRef>,
  math_refs: HashMap<&'static str, FuncRef>,
  vars: Vec<Variable>,
  consts: Vec<Value>,
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
}

const TRUSTED: MemFlagsData = MemFlagsData::trusted();

/// At most this many constants are kept in registers across a function.
const MAX_HOISTED: usize = 24;

fn readonly() -> MemFlagsData {
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
      consts: Vec::new(),
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
    }
  }

  /// Loads ctx-derived values every function needs and declares locals.
  fn prologue(&mut self, f: &Func, ctx: Value) {
    self.ctx = ctx;
    self.cancel = self.b.ins().load(self.ptr, readonly(), ctx, OFF_CANCEL);
    let consts_ptr = self.b.ins().load(self.ptr, readonly(), ctx, OFF_CONSTS);
    self.consts = (0..self.program.n_consts)
      .map(|i| {
        self
          .b
          .ins()
          .load(types::F64, readonly(), consts_ptr, (i * 8) as i32)
      })
      .collect();
    self.vars = (0..f.n_locals)
      .map(|_| self.b.declare_var(types::F64))
      .collect();
    self.hoist_constants(f);
  }

  /// Materialises the function's literal constants (and 0, 1) once, in the
  /// entry block: inside loops each use would otherwise rebuild the constant
  /// (two instructions per use per iteration).
  fn hoist_constants(&mut self, f: &Func) {
    let mut found = vec![0.0, 1.0];
    fn walk_expr(e: &Expr, out: &mut Vec<f64>) {
      match e {
        Expr::Num(v) => out.push(*v),
        Expr::Local(_) | Expr::Const(_) => {}
        Expr::Update { delta, .. } => out.push(*delta),
        Expr::Unary(_, x) => walk_expr(x, out),
        Expr::Bin(_, a, b) | Expr::Logic(_, a, b) => {
          walk_expr(a, out);
          walk_expr(b, out);
        }
        Expr::Cond(a, b, c) => {
          walk_expr(a, out);
          walk_expr(b, out);
          walk_expr(c, out);
        }
        Expr::Assign(_, x) => walk_expr(x, out),
        Expr::Seq(xs) | Expr::Call(_, xs) | Expr::Math(_, xs) => {
          xs.iter().for_each(|x| walk_expr(x, out))
        }
      }
    }
    fn walk(stmts: &[Stmt], out: &mut Vec<f64>) {
      for s in stmts {
        match s {
          Stmt::Expr(e) | Stmt::Set(_, e) | Stmt::Return(Some(e)) => walk_expr(e, out),
          Stmt::If(c, a, b) => {
            walk_expr(c, out);
            walk(a, out);
            walk(b, out);
          }
          Stmt::Loop {
            test, body, update, ..
          } => {
            test
              .iter()
              .chain(update.iter())
              .for_each(|e| walk_expr(e, out));
            walk(body, out);
          }
          Stmt::Block(_, body) => walk(body, out),
          Stmt::Break(_) | Stmt::Continue(_) | Stmt::Return(None) => {}
        }
      }
    }
    walk(&f.body, &mut found);
    self.hoisted.clear();
    for v in found {
      if self.hoisted.len() >= MAX_HOISTED {
        break;
      }
      if !self.hoisted.contains_key(&v.to_bits()) {
        let r = self.b.ins().f64const(v);
        self.const_f64.insert(r, v);
        self.hoisted.insert(v.to_bits(), r);
      }
    }
  }

  /// Sets every local to `undefined` (NaN); dead definitions are removed.
  fn init_locals(&mut self, from: usize) {
    let nan = self.b.ins().f64const(f64::NAN);
    for v in &self.vars[from..] {
      self.b.def_var(*v, nan);
    }
  }

  fn function(mut self, f: &Func) -> Result<Vec<CallSite>, KernelError> {
    let entry = self.b.create_block();
    self.b.append_block_params_for_function_params(entry);
    self.b.switch_to_block(entry);
    self.b.seal_block(entry);
    let params = self.b.block_params(entry).to_vec();
    self.prologue(f, params[0]);
    for (i, p) in params[1..].iter().enumerate() {
      self.b.def_var(self.vars[i], *p);
    }
    self.init_locals(params.len() - 1);
    // No stack check here: every caller checked, before the call, that
    // this whole frame fits above the limit (see `call`).
    let body = self.b.create_block();
    self.b.ins().jump(body, &[]);
    self.b.switch_to_block(body);
    self.b.seal_block(body);
    self.ret = Ret::Return;
    self.exit_returns_status = false;
    // A cancellation point per call, so that recursion without loops (an
    // exponential `f(n - 1) + f(n - 1)`) stops when the task is cancelled.
    self.cancel_check();
    self.stmts(&f.body)?;
    if !self.terminated {
      let nan = self.b.ins().f64const(f64::NAN);
      self.b.ins().return_(&[nan]);
    }
    self.finish_exit();
    self.b.seal_all_blocks();
    let cfg = self.module.target_config();
    self.b.finalize(cfg);
    Ok(self.call_sites)
  }

  fn finish_exit(&mut self) {
    if let Some(exit) = self.exit {
      self.b.switch_to_block(exit);
      if self.exit_returns_status {
        let s = self.b.ins().load(types::I32, TRUSTED, self.ctx, OFF_STATUS);
        self.b.ins().return_(&[s]);
      } else {
        let nan = self.b.ins().f64const(f64::NAN);
        self.b.ins().return_(&[nan]);
      }
    }
  }

  fn entry(mut self, f: &Func, mode: Mode) -> Result<Vec<CallSite>, KernelError> {
    let entry = self.b.create_block();
    self.b.append_block_params_for_function_params(entry);
    self.b.switch_to_block(entry);
    self.b.seal_block(entry);
    let params = self.b.block_params(entry).to_vec();
    self.prologue(f, params[0]);
    self.exit_returns_status = true;
    let ptr = self.ptr;
    let done = self.b.create_block();
    let store = self.b.create_block();
    self.b.append_block_param(store, types::F64);
    self.ret = Ret::Jump(store);
    match mode {
      Mode::Map { n_inputs } => {
        let (start, end) = (params[1], params[2]);
        let inputs = self.b.ins().load(ptr, readonly(), self.ctx, OFF_INPUTS);
        let n_used = (f.n_params as usize).min(n_inputs);
        let bases: Vec<Value> = (0..n_used)
          .map(|k| self.b.ins().load(ptr, readonly(), inputs, (k * 8) as i32))
          .collect();
        let out = self.b.ins().load(ptr, readonly(), self.ctx, OFF_OUT);
        let head = self.b.create_block();
        self.b.append_block_param(head, ptr);
        let any = self.b.ins().icmp(IntCC::UnsignedLessThan, start, end);
        self
          .b
          .ins()
          .brif(any, head, &[BlockArg::Value(start)], done, &[]);
        // Loop head: bind the parameters, run the body inline.
        self.b.switch_to_block(head);
        let i = self.b.block_params(head)[0];
        let offset = self.b.ins().imul_imm_u(i, 8);
        for k in 0..f.n_params as usize {
          let v = if let Some(base) = bases.get(k) {
            let addr = self.b.ins().iadd(*base, offset);
            self.b.ins().load(types::F64, readonly(), addr, 0)
          } else if k == n_inputs {
            self.b.ins().fcvt_from_uint(types::F64, i)
          } else {
            self.b.ins().f64const(f64::NAN)
          };
          self.b.def_var(self.vars[k], v);
        }
        self.init_locals(f.n_params as usize);
        self.terminated = false;
        self.stmts(&f.body)?;
        if !self.terminated {
          let nan = self.b.ins().f64const(f64::NAN);
          self.b.ins().jump(store, &[BlockArg::Value(nan)]);
        }
        // Store and advance.
        self.b.switch_to_block(store);
        let v = self.b.block_params(store)[0];
        let rel = self.b.ins().isub(i, start);
        let rel = self.b.ins().imul_imm_u(rel, 8);
        let addr = self.b.ins().iadd(out, rel);
        self.b.ins().store(TRUSTED, v, addr, 0);
        let next = self.b.ins().iadd_imm_u(i, 1);
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, next, end);
        self
          .b
          .ins()
          .brif(more, head, &[BlockArg::Value(next)], done, &[]);
      }
      Mode::Call { n_args } => {
        let args = self.b.ins().load(ptr, readonly(), self.ctx, OFF_ARGS);
        for k in 0..f.n_params as usize {
          let v = if k < n_args {
            self
              .b
              .ins()
              .load(types::F64, readonly(), args, (k * 8) as i32)
          } else {
            self.b.ins().f64const(f64::NAN)
          };
          self.b.def_var(self.vars[k], v);
        }
        self.init_locals(f.n_params as usize);
        self.terminated = false;
        self.stmts(&f.body)?;
        if !self.terminated {
          let nan = self.b.ins().f64const(f64::NAN);
          self.b.ins().jump(store, &[BlockArg::Value(nan)]);
        }
        self.b.switch_to_block(store);
        let v = self.b.block_params(store)[0];
        self.b.ins().store(TRUSTED, v, self.ctx, OFF_RESULT);
        self.b.ins().jump(done, &[]);
      }
    }
    self.b.switch_to_block(done);
    let zero = self.b.ins().iconst(types::I32, 0);
    self.b.ins().return_(&[zero]);
    self.finish_exit();
    self.b.seal_all_blocks();
    let cfg = self.module.target_config();
    self.b.finalize(cfg);
    Ok(self.call_sites)
  }

  fn exit_block(&mut self) -> Block {
    match self.exit {
      Some(b) => b,
      None => {
        let b = self.b.create_block();
        self.exit = Some(b);
        b
      }
    }
  }

  // ---------------------------------------------------------------- statements

  fn stmts(&mut self, list: &[Stmt]) -> Result<(), KernelError> {
    for s in list {
      if self.terminated {
        break;
      }
      self.stmt(s)?;
    }
    Ok(())
  }

  /// Starts a fresh block for code that follows a terminator.
  fn continue_in(&mut self, block: Block) {
    self.b.switch_to_block(block);
    self.terminated = false;
  }

  fn stmt(&mut self, s: &Stmt) -> Result<(), KernelError> {
    match s {
      Stmt::Expr(e) => {
        self.expr(e)?;
      }
      Stmt::Set(local, e) => {
        let v = self.expr(e)?;
        self.b.def_var(self.vars[*local as usize], v);
      }
      Stmt::If(test, then, otherwise) => {
        let then_b = self.b.create_block();
        let else_b = self.b.create_block();
        let merge = self.b.create_block();
        self.branch(test, then_b, else_b)?;
        self.continue_in(then_b);
        self.stmts(then)?;
        let then_done = self.terminated;
        if !then_done {
          self.b.ins().jump(merge, &[]);
        }
        self.continue_in(else_b);
        self.stmts(otherwise)?;
        let else_done = self.terminated;
        if !else_done {
          self.b.ins().jump(merge, &[]);
        }
        if then_done && else_done {
          self.terminated = true;
        } else {
          self.continue_in(merge);
        }
      }
      Stmt::Loop {
        id,
        test,
        test_first,
        body,
        update,
      } => {
        let head = self.b.create_block();
        let body_b = self.b.create_block();
        let latch = self.b.create_block();
        let exit = self.b.create_block();
        self.targets.insert(*id, (exit, Some(latch)));
        self
          .b
          .ins()
          .jump(if *test_first { head } else { body_b }, &[]);
        // head: test (for/while)
        self.continue_in(head);
        if *test_first {
          match test {
            Some(t) => {
              self.branch(t, body_b, exit)?;
            }
            None => {
              self.b.ins().jump(body_b, &[]);
            }
          }
        } else {
          self.b.ins().jump(body_b, &[]);
        }
        self.continue_in(body_b);
        self.stmts(body)?;
        if !self.terminated {
          self.b.ins().jump(latch, &[]);
        }
        // latch: cancellation point, update, test (do-while)
        self.continue_in(latch);
        self.cancel_check();
        if let Some(u) = update {
          self.expr(u)?;
        }
        if *test_first {
          self.b.ins().jump(head, &[]);
        } else {
          match test {
            Some(t) => {
              self.branch(t, head, exit)?;
            }
            None => {
              self.b.ins().jump(head, &[]);
            }
          }
        }
        self.continue_in(exit);
      }
      Stmt::Block(id, body) => {
        let after = self.b.create_block();
        self.targets.insert(*id, (after, None));
        self.stmts(body)?;
        if !self.terminated {
          self.b.ins().jump(after, &[]);
        }
        self.continue_in(after);
      }
      Stmt::Break(id) => {
        let (target, _) = self.targets[id];
        self.b.ins().jump(target, &[]);
        self.terminated = true;
      }
      Stmt::Continue(id) => {
        let (_, latch) = self.targets[id];
        let latch = latch.ok_or_else(|| KernelError::Internal("continue to a non-loop".into()))?;
        self.b.ins().jump(latch, &[]);
        self.terminated = true;
      }
      Stmt::Return(value) => {
        let v = match value {
          Some(e) => self.expr(e)?,
          None => self.b.ins().f64const(f64::NAN),
        };
        match self.ret {
          Ret::Return => {
            self.b.ins().return_(&[v]);
          }
          Ret::Jump(block) => {
            self.b.ins().jump(block, &[BlockArg::Value(v)]);
          }
        }
        self.terminated = true;
      }
    }
    Ok(())
  }

  /// At a loop back-edge: if the cancel flag is set, store CANCELLED and leave.
  fn cancel_check(&mut self) {
    let flag = self.b.ins().atomic_load(types::I8, TRUSTED, self.cancel);
    let cancelled = self.b.create_block();
    let go_on = self.b.create_block();
    self.b.ins().brif(flag, cancelled, &[], go_on, &[]);
    self.b.set_cold_block(cancelled);
    self.b.switch_to_block(cancelled);
    let code = self.b.ins().iconst(types::I32, status::CANCELLED as i64);
    self.b.ins().store(TRUSTED, code, self.ctx, OFF_STATUS);
    let exit = self.exit_block();
    self.b.ins().jump(exit, &[]);
    self.b.switch_to_block(go_on);
  }

  // --------------------------------------------------------------- expressions

  fn num(&mut self, v: f64) -> Value {
    if let Some(r) = self.hoisted.get(&v.to_bits()) {
      return *r;
    }
    let r = self.b.ins().f64const(v);
    self.const_f64.insert(r, v);
    r
  }

  fn bool_to_num(&mut self, c: Value) -> Value {
    let one = self.num(1.0);
    let zero = self.num(0.0);
    self.b.ins().select(c, one, zero)
  }

  fn truthy(&mut self, v: Value) -> Value {
    let zero = self.num(0.0);
    self.b.ins().fcmp(FloatCC::OrderedNotEqual, v, zero)
  }

  /// ECMAScript ToInt32, branch-free: `r = x - trunc(x / 2^32) * 2^32` is
  /// exact for every finite x and NaN otherwise; the saturating i64
  /// conversion then truncates (NaN → 0) and the low 32 bits are the result.
  fn emit_to_int32(&mut self, x: Value) -> Value {
    if let Some(i) = self.known_i32.get(&x) {
      return *i;
    }
    if let Some(c) = self.const_f64.get(&x) {
      let c = mathlib::to_int32(*c);
      return self.b.ins().iconst(types::I32, c as i64);
    }
    let inv = self.num(1.0 / 4_294_967_296.0);
    let two32 = self.num(4_294_967_296.0);
    let q = self.b.ins().fmul(x, inv);
    let q = self.b.ins().trunc(q);
    let m = self.b.ins().fmul(q, two32);
    let r = self.b.ins().fsub(x, m);
    let wide = self.b.ins().fcvt_to_sint_sat(types::I64, r);
    self.b.ins().ireduce(types::I32, wide)
  }

  fn int32_to_num(&mut self, v: Value) -> Value {
    let f = self.b.ins().fcvt_from_sint(types::F64, v);
    self.known_i32.insert(f, v);
    f
  }

  /// A u32 as a double: zero-extended, it is a non-negative i64, so the
  /// one-instruction signed conversion is exact.
  fn uint32_to_num(&mut self, v: Value) -> Value {
    let wide = self.b.ins().uextend(types::I64, v);
    let f = self.b.ins().fcvt_from_sint(types::F64, wide);
    // ToInt32 of a ToUint32 result is the same 32 bits.
    self.known_i32.insert(f, v);
    f
  }

  fn math_ref(&mut self, name: &'static str) -> Result<FuncRef, KernelError> {
    if let Some(r) = self.math_refs.get(name) {
      return Ok(*r);
    }
    let routine = mathlib::routine(name)
      .ok_or_else(|| KernelError::Internal(format!("no math routine `{name}`")))?;
    let id = match self.imports.get(name) {
      Some(id) => *id,
      None => {
        let mut sig = self.module.make_signature();
        match routine.arity {
          Some(n) => {
            for _ in 0..n {
              sig.params.push(AbiParam::new(types::F64));
            }
          }
          None => {
            sig.params.push(AbiParam::new(self.ptr));
            sig.params.push(AbiParam::new(self.ptr));
          }
        }
        sig.returns.push(AbiParam::new(types::F64));
        let id = self
          .module
          .declare_function(name, Linkage::Import, &sig)
          .map_err(internal)?;
        self.imports.insert(name, id);
        id
      }
    };
    let r = self.module.declare_func_in_func(id, self.b.func);
    self.math_refs.insert(name, r);
    Ok(r)
  }

  fn call_math(&mut self, name: &'static str, args: &[Value]) -> Result<Value, KernelError> {
    let r = self.math_ref(name)?;
    let inst = self.b.ins().call(r, args);
    Ok(self.b.inst_results(inst)[0])
  }

  fn expr(&mut self, e: &Expr) -> Result<Value, KernelError> {
    Ok(match e {
      Expr::Num(v) => self.num(*v),
      Expr::Local(l) => self.b.use_var(self.vars[*l as usize]),
      Expr::Const(i) => self.consts[*i as usize],
      Expr::Unary(op, x) => match op {
        UnOp::Neg => {
          let v = self.expr(x)?;
          self.b.ins().fneg(v)
        }
        UnOp::Not => {
          let c = self.cond(e)?;
          self.bool_to_num(c)
        }
        UnOp::BitNot => {
          let v = self.expr(x)?;
          let i = self.emit_to_int32(v);
          let n = self.b.ins().bnot(i);
          self.int32_to_num(n)
        }
      },
      Expr::Bin(op, l, r) if op.is_comparison() => {
        let _ = (l, r);
        let c = self.cond(e)?;
        self.bool_to_num(c)
      }
      Expr::Bin(op, l, r) => {
        let a = self.expr(l)?;
        if *op == BinOp::Rem
          && let Expr::Num(d) = **r
          && let Some(v) = self.rem_pow2(a, d)
        {
          return Ok(v);
        }
        let b = self.expr(r)?;
        self.binary(*op, a, b)?
      }
      Expr::Logic(op, l, r) => {
        let a = self.expr(l)?;
        let t = self.truthy(a);
        let rhs = self.b.create_block();
        let merge = self.b.create_block();
        self.b.append_block_param(merge, types::F64);
        match op {
          LogicOp::And => self.b.ins().brif(t, rhs, &[], merge, &[BlockArg::Value(a)]),
          LogicOp::Or => self.b.ins().brif(t, merge, &[BlockArg::Value(a)], rhs, &[]),
        };
        self.b.switch_to_block(rhs);
        let v = self.expr(r)?;
        self.b.ins().jump(merge, &[BlockArg::Value(v)]);
        self.b.switch_to_block(merge);
        self.b.block_params(merge)[0]
      }
      Expr::Cond(t, a, b) => {
        let then_b = self.b.create_block();
        let else_b = self.b.create_block();
        let merge = self.b.create_block();
        self.b.append_block_param(merge, types::F64);
        self.branch(t, then_b, else_b)?;
        self.b.switch_to_block(then_b);
        let x = self.expr(a)?;
        self.b.ins().jump(merge, &[BlockArg::Value(x)]);
        self.b.switch_to_block(else_b);
        let y = self.expr(b)?;
        self.b.ins().jump(merge, &[BlockArg::Value(y)]);
        self.b.switch_to_block(merge);
        self.b.block_params(merge)[0]
      }
      Expr::Assign(l, v) => {
        let v = self.expr(v)?;
        self.b.def_var(self.vars[*l as usize], v);
        v
      }
      Expr::Update {
        local,
        delta,
        prefix,
      } => {
        let var = self.vars[*local as usize];
        let old = self.b.use_var(var);
        let d = self.num(*delta);
        let new = self.b.ins().fadd(old, d);
        self.b.def_var(var, new);
        if *prefix { new } else { old }
      }
      Expr::Seq(items) => {
        let mut last = None;
        for x in items {
          last = Some(self.expr(x)?);
        }
        match last {
          Some(v) => v,
          None => self.num(f64::NAN),
        }
      }
      Expr::Call(fid, args) => self.call(*fid, args)?,
      Expr::Math(f, args) => self.intrinsic(*f, args)?,
    })
  }

  /// `x % d` for a constant `d = ±2^k`, `k >= 0`: exact, sign of `x` kept.
  fn rem_pow2(&mut self, x: Value, d: f64) -> Option<Value> {
    let a = d.abs();
    if !(1.0..=f64::MAX).contains(&a) || a.to_bits() & ((1u64 << 52) - 1) != 0 {
      return None;
    }
    let inv = self.num(1.0 / a);
    let da = self.num(a);
    let q = self.b.ins().fmul(x, inv);
    let q = self.b.ins().trunc(q);
    let m = self.b.ins().fmul(q, da);
    let r = self.b.ins().fsub(x, m);
    Some(self.b.ins().fcopysign(r, x))
  }

  fn binary(&mut self, op: BinOp, a: Value, b: Value) -> Result<Value, KernelError> {
    Ok(match op {
      BinOp::Add => self.b.ins().fadd(a, b),
      BinOp::Sub => self.b.ins().fsub(a, b),
      BinOp::Mul => self.b.ins().fmul(a, b),
      BinOp::Div => self.b.ins().fdiv(a, b),
      BinOp::Rem => self.call_math("js_rem", &[a, b])?,
      BinOp::Pow => self.call_math("pow", &[a, b])?,
      BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::Shl | BinOp::Sar | BinOp::Shr => {
        let x = self.emit_to_int32(a);
        let y = self.emit_to_int32(b);
        // Cranelift masks shift amounts to the type width (& 31), as JS does.
        let r = match op {
          BinOp::BitAnd => self.b.ins().band(x, y),
          BinOp::BitOr => self.b.ins().bor(x, y),
          BinOp::BitXor => self.b.ins().bxor(x, y),
          BinOp::Shl => self.b.ins().ishl(x, y),
          BinOp::Sar => self.b.ins().sshr(x, y),
          _ => {
            let r = self.b.ins().ushr(x, y);
            return Ok(self.uint32_to_num(r));
          }
        };
        self.int32_to_num(r)
      }
      BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
        let c = self.compare(op, a, b);
        self.bool_to_num(c)
      }
    })
  }

  fn compare(&mut self, op: BinOp, a: Value, b: Value) -> Value {
    let cc = match op {
      BinOp::Eq => FloatCC::Equal,
      BinOp::Ne => FloatCC::NotEqual,
      BinOp::Lt => FloatCC::LessThan,
      BinOp::Le => FloatCC::LessThanOrEqual,
      BinOp::Gt => FloatCC::GreaterThan,
      _ => FloatCC::GreaterThanOrEqual,
    };
    self.b.ins().fcmp(cc, a, b)
  }

  /// Branches on `e`'s truthiness, short-circuiting `&&`/`||` into control
  /// flow (no boolean is materialised).
  fn branch(&mut self, e: &Expr, yes: Block, no: Block) -> Result<(), KernelError> {
    match e {
      Expr::Logic(op, l, r) => {
        let mid = self.b.create_block();
        match op {
          LogicOp::And => self.branch(l, mid, no)?,
          LogicOp::Or => self.branch(l, yes, mid)?,
        }
        self.b.switch_to_block(mid);
        self.branch(r, yes, no)
      }
      Expr::Unary(UnOp::Not, x) => self.branch(x, no, yes),
      _ => {
        let c = self.cond(e)?;
        self.b.ins().brif(c, yes, &[], no, &[]);
        Ok(())
      }
    }
  }

  /// A condition as an i8 (JS truthiness), short-circuiting `&&`/`||`.
  fn cond(&mut self, e: &Expr) -> Result<Value, KernelError> {
    Ok(match e {
      Expr::Num(v) => {
        let t = *v != 0.0 && !v.is_nan();
        self.b.ins().iconst(types::I8, t as i64)
      }
      Expr::Bin(op, l, r) if op.is_comparison() => {
        let a = self.expr(l)?;
        let b = self.expr(r)?;
        self.compare(*op, a, b)
      }
      Expr::Unary(UnOp::Not, x) => {
        let c = self.cond(x)?;
        self.b.ins().bxor_imm_u(c, 1)
      }
      Expr::Logic(op, l, r) => {
        let a = self.cond(l)?;
        let rhs = self.b.create_block();
        let merge = self.b.create_block();
        self.b.append_block_param(merge, types::I8);
        match op {
          LogicOp::And => self.b.ins().brif(a, rhs, &[], merge, &[BlockArg::Value(a)]),
          LogicOp::Or => self.b.ins().brif(a, merge, &[BlockArg::Value(a)], rhs, &[]),
        };
        self.b.switch_to_block(rhs);
        let c = self.cond(r)?;
        self.b.ins().jump(merge, &[BlockArg::Value(c)]);
        self.b.switch_to_block(merge);
        self.b.block_params(merge)[0]
      }
      Expr::Math(f, args) if bool_intrinsic(*f) => {
        let vals = self.args(args)?;
        let x = vals.first().copied().unwrap_or_else(|| self.num(f64::NAN));
        self.bool_intrinsic(*f, x)
      }
      other => {
        let v = self.expr(other)?;
        self.truthy(v)
      }
    })
  }

  fn args(&mut self, args: &[Expr]) -> Result<Vec<Value>, KernelError> {
    args.iter().map(|a| self.expr(a)).collect()
  }

  fn call(&mut self, fid: u32, args: &[Expr]) -> Result<Value, KernelError> {
    let vals = self.args(args)?;
    let callee = &self.program.funcs[fid as usize];
    let id = self.ids[fid as usize]
      .ok_or_else(|| KernelError::Internal("call to an undeclared function".into()))?;
    let r = match self.refs.get(&fid) {
      Some(r) => *r,
      None => {
        let r = self.module.declare_func_in_func(id, self.b.func);
        self.refs.insert(fid, r);
        r
      }
    };
    // The callee's frame must fit above the limit *before* the call: its
    // prologue allocates (and probes) the whole frame first. The bound is
    // patched in once the callee is built.
    let need = self.b.ins().iconst(self.ptr, 0);
    let need_inst = self
      .b
      .func
      .dfg
      .value_def(need)
      .inst()
      .ok_or_else(|| KernelError::Internal("frame bound is not an instruction".into()))?;
    self.call_sites.push((need_inst, fid));
    let sp = self.b.ins().get_stack_pointer(self.ptr);
    let limit = self
      .b
      .ins()
      .load(self.ptr, readonly(), self.ctx, OFF_STACK_LIMIT);
    let floor = self.b.ins().iadd(limit, need);
    let low = self.b.ins().icmp(IntCC::UnsignedLessThan, sp, floor);
    let overflow = self.b.create_block();
    let fits = self.b.create_block();
    self.b.ins().brif(low, overflow, &[], fits, &[]);
    self.b.set_cold_block(overflow);
    self.b.switch_to_block(overflow);
    let code = self
      .b
      .ins()
      .iconst(types::I32, status::STACK_OVERFLOW as i64);
    self.b.ins().store(TRUSTED, code, self.ctx, OFF_STATUS);
    let exit = self.exit_block();
    self.b.ins().jump(exit, &[]);
    self.b.switch_to_block(fits);
    let mut call_args = Vec::with_capacity(callee.n_params as usize + 1);
    call_args.push(self.ctx);
    for k in 0..callee.n_params as usize {
      let v = match vals.get(k) {
        Some(v) => *v,
        None => self.num(f64::NAN),
      };
      call_args.push(v);
    }
    let inst = self.b.ins().call(r, &call_args);
    let result = self.b.inst_results(inst)[0];
    // Propagate an error status (stack overflow, cancellation) at once.
    let st = self.b.ins().load(types::I32, TRUSTED, self.ctx, OFF_STATUS);
    let exit = self.exit_block();
    let go_on = self.b.create_block();
    self.b.ins().brif(st, exit, &[], go_on, &[]);
    self.b.switch_to_block(go_on);
    Ok(result)
  }

  fn bool_intrinsic(&mut self, f: Intrinsic, x: Value) -> Value {
    let ax = self.b.ins().fabs(x);
    match f {
      Intrinsic::IsNaN => self.b.ins().fcmp(FloatCC::Unordered, x, x),
      Intrinsic::IsFinite => {
        let inf = self.num(f64::INFINITY);
        self.b.ins().fcmp(FloatCC::LessThan, ax, inf)
      }
      Intrinsic::IsInteger => {
        let inf = self.num(f64::INFINITY);
        let fin = self.b.ins().fcmp(FloatCC::LessThan, ax, inf);
        let t = self.b.ins().trunc(x);
        let int = self.b.ins().fcmp(FloatCC::Equal, t, x);
        self.b.ins().band(fin, int)
      }
      _ => {
        let max = self.num(9007199254740991.0);
        let small = self.b.ins().fcmp(FloatCC::LessThanOrEqual, ax, max);
        let t = self.b.ins().trunc(x);
        let int = self.b.ins().fcmp(FloatCC::Equal, t, x);
        self.b.ins().band(small, int)
      }
    }
  }

  fn intrinsic(&mut self, f: Intrinsic, args: &[Expr]) -> Result<Value, KernelError> {
    let vals = self.args(args)?;
    let nan = self.num(f64::NAN);
    let arg = |k: usize| vals.get(k).copied().unwrap_or(nan);
    let x = arg(0);
    Ok(match f {
      Intrinsic::Abs => self.b.ins().fabs(x),
      Intrinsic::Sqrt => self.b.ins().sqrt(x),
      Intrinsic::Floor => self.b.ins().floor(x),
      Intrinsic::Ceil => self.b.ins().ceil(x),
      Intrinsic::Trunc => self.b.ins().trunc(x),
      Intrinsic::Fround => {
        let s = self.b.ins().fdemote(types::F32, x);
        self.b.ins().fpromote(types::F64, s)
      }
      Intrinsic::Sign => {
        let zero = self.num(0.0);
        let one = self.num(1.0);
        let minus = self.num(-1.0);
        let pos = self.b.ins().fcmp(FloatCC::GreaterThan, x, zero);
        let neg = self.b.ins().fcmp(FloatCC::LessThan, x, zero);
        let r = self.b.ins().select(neg, minus, x);
        self.b.ins().select(pos, one, r)
      }
      Intrinsic::Round => {
        // c = ceil(x); c - 0.5 <= x ? c : c - 1   (half toward +∞, keeps -0)
        let c = self.b.ins().ceil(x);
        let half = self.num(0.5);
        let one = self.num(1.0);
        let t = self.b.ins().fsub(c, half);
        let ok = self.b.ins().fcmp(FloatCC::LessThanOrEqual, t, x);
        let lower = self.b.ins().fsub(c, one);
        self.b.ins().select(ok, c, lower)
      }
      Intrinsic::Max | Intrinsic::Min => {
        let mut acc = self.num(if f == Intrinsic::Max {
          f64::NEG_INFINITY
        } else {
          f64::INFINITY
        });
        for v in &vals {
          // Cranelift's fmax/fmin: NaN if either is NaN, and -0 < +0, as JS.
          acc = if f == Intrinsic::Max {
            self.b.ins().fmax(acc, *v)
          } else {
            self.b.ins().fmin(acc, *v)
          };
        }
        acc
      }
      Intrinsic::Imul => {
        let a = self.emit_to_int32(x);
        let y = arg(1);
        let b = self.emit_to_int32(y);
        let p = self.b.ins().imul(a, b);
        self.int32_to_num(p)
      }
      Intrinsic::Clz32 => {
        let a = self.emit_to_int32(x);
        let n = self.b.ins().clz(a);
        self.uint32_to_num(n)
      }
      Intrinsic::IsNaN | Intrinsic::IsFinite | Intrinsic::IsInteger | Intrinsic::IsSafeInteger => {
        let c = self.bool_intrinsic(f, x);
        self.bool_to_num(c)
      }
      Intrinsic::Extern("hypot") => {
        if vals.is_empty() {
          return Ok(self.num(0.0));
        }
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
          StackSlotKind::ExplicitSlot,
          (vals.len() * 8) as u32,
          3,
        ));
        for (k, v) in vals.iter().enumerate() {
          self.b.ins().stack_store(self.ptr, *v, slot, (k * 8) as i32);
        }
        let p = self.b.ins().stack_addr(self.ptr, slot, 0);
        let n = self.b.ins().iconst(self.ptr, vals.len() as i64);
        self.call_math("hypot", &[p, n])?
      }
      Intrinsic::Extern(name) => {
        let arity = mathlib::routine(name).and_then(|r| r.arity).unwrap_or(1);
        let call_args: Vec<Value> = (0..arity).map(arg).collect();
        self.call_math(name, &call_args)?
      }
    })
  }
}

fn bool_intrinsic(f: Intrinsic) -> bool {
  matches!(
    f,
    Intrinsic::IsNaN | Intrinsic::IsFinite | Intrinsic::IsInteger | Intrinsic::IsSafeInteger
  )
}

#[cfg(test)]
mod frame_tests {
  use std::sync::atomic::AtomicBool;

  use super::*;
  use crate::cache::compile;

  /// A function with `n` locals all live across a recursive call.
  fn many_locals(n: usize, recursive: bool) -> String {
    let decls: String = (0..n).map(|k| format!("let a{k} = n + {k}\n")).collect();
    let uses: String = (0..n).map(|k| format!("s += a{k}\n")).collect();
    let call = if recursive { "s += f(n + 1)\n" } else { "" };
    format!("function f(n) {{\n{decls}let s = 0\n{call}{uses}return s\n}}")
  }

  fn on_stack<T: Send + 'static>(size: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
      .stack_size(size)
      .spawn(f)
      .unwrap()
      .join()
      .unwrap()
  }

  #[test]
  fn oversized_frames_are_errors() {
    let no = AtomicBool::new(false);
    // Too many arguments or locals: rejected when compiling.
    let args = vec!["x"; 300_000].join(", ");
    let e = compile(
      &format!("x => Math.hypot({args})"),
      &[],
      Mode::Map { n_inputs: 1 },
    )
    .unwrap_err();
    assert!(e.to_string().contains("arguments"), "{e}");
    let e = compile(&many_locals(20_000, true), &[], Mode::Call { n_args: 1 }).unwrap_err();
    assert!(e.to_string().contains("variables"), "{e}");
    // Big frames in a recursion: the check before each call sees the
    // callee's whole frame.
    let k = std::sync::Arc::new(
      compile(&many_locals(3000, true), &[], Mode::Call { n_args: 1 }).unwrap(),
    );
    assert!(k.frame > 3000 * 8, "{}", k.frame);
    for size in [1 << 20, 8 << 20, 64 << 10] {
      let k = k.clone();
      let r = on_stack(size, move || {
        k.call(&[0.0], &[], &AtomicBool::new(false))
          .map_err(|e| e.to_string())
      });
      assert_eq!(r, Err(KernelError::StackOverflow.to_string()));
    }
    // The entry's own frame on a small stack: refused before it is entered…
    let k = std::sync::Arc::new(
      compile(&many_locals(3000, false), &[], Mode::Map { n_inputs: 1 }).unwrap(),
    );
    let small = k.clone();
    let r = on_stack(64 << 10, move || {
      let mut out = [0.0; 4];
      let input = [1.0; 4];
      small
        .run_chunk(&[&input], &[], 0, &mut out, &AtomicBool::new(false))
        .map_err(|e| e.to_string())
    });
    assert_eq!(r, Err(KernelError::StackOverflow.to_string()));
    // …while it runs where it fits, and small kernels run on small stacks.
    let mut out = [0.0; 2];
    k.run_chunk(&[&[1.0, 2.0]], &[], 0, &mut out, &no).unwrap();
    let expect = |n: f64| (0..3000).map(|k| n + k as f64).sum::<f64>();
    assert_eq!(out, [expect(1.0), expect(2.0)]);
    let k = compile("x => x * 2", &[], Mode::Map { n_inputs: 1 }).unwrap();
    let r = on_stack(64 << 10, move || {
      let mut out = [0.0; 2];
      k.run_chunk(&[&[1.0, 2.0]], &[], 0, &mut out, &AtomicBool::new(false))
        .map(|_| out)
        .map_err(|e| e.to_string())
    });
    assert_eq!(r, Ok([2.0, 4.0]));
  }
}

#[cfg(test)]
mod cancel_tests {
  use std::sync::Arc;
  use std::sync::atomic::{AtomicBool, Ordering};

  use super::*;
  use crate::cache::compile;

  /// Exponential recursion without a loop still stops when cancelled.
  #[test]
  fn recursion_without_loops_is_cancellable() {
    let k = compile(
      "function f(n) { return n <= 0 ? 0 : f(n - 1) + f(n - 1) + 1 }",
      &[],
      Mode::Call { n_args: 1 },
    )
    .unwrap();
    let flag = Arc::new(AtomicBool::new(false));
    let setter = {
      let flag = flag.clone();
      std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        flag.store(true, Ordering::Relaxed);
      })
    };
    let t = std::time::Instant::now();
    assert_eq!(k.call(&[80.0], &[], &flag), Err(KernelError::Cancelled));
    assert!(t.elapsed().as_secs() < 5);
    setter.join().unwrap();
    // Not cancelled: the right answer.
    let no = AtomicBool::new(false);
    assert_eq!(k.call(&[10.0], &[], &no), Ok(1023.0));
  }
}
