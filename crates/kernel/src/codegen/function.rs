//! A nested function's body (`fn(ctx, f64…) -> f64`), and what every
//! generated function shares: the prologue, hoisted constants, locals set to
//! `undefined` and the exit block that leaves after an error status.

use cranelift_codegen::ir::{Block, InstBuilder, Value, types};
use cranelift_module::Module;

use super::abi::{OFF_CANCEL, OFF_CONSTS, OFF_STATUS};
use super::frame::CallSite;
use super::value::{abi_locals, norm, tagged_local};
use super::{Gen, Ret, TRUSTED, readonly};
use crate::error::KernelError;
use crate::ir::{Expr, Func, UNDEF, is_mixed};

/// At most this many constants are kept in registers across a function.
const MAX_HOISTED: usize = 24;

impl Gen<'_, '_> {
  /// Loads ctx-derived values every function needs and declares locals.
  pub(super) fn prologue(&mut self, f: &Func, ctx: Value) {
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
    self.load_arrays();
    self.fid = self
      .program
      .funcs
      .iter()
      .position(|g| std::ptr::eq(g, f))
      .unwrap_or(0);
    self.ints = crate::opt::int32::int_locals(f);
    self.short_loops = crate::opt::int32::short_loops(f, &self.ints);
    self.vars = (0..f.n_locals)
      .map(|l| {
        let ty = if self.is_int_local(l) {
          types::I32
        } else {
          types::F64
        };
        self.b.declare_var(ty)
      })
      .collect();
    self.tags = (0..f.n_locals)
      .map(|l| tagged_local(f, l).then(|| self.b.declare_var(types::I8)))
      .collect();
    self.hoist_constants(f);
  }

  /// Materialises the function's literal constants (and 0, 1) once, in the
  /// entry block: inside loops each use would otherwise rebuild the constant
  /// (two instructions per use per iteration).
  pub(super) fn hoist_constants(&mut self, f: &Func) {
    let mut found = vec![0.0, 1.0];
    crate::ir::walk(&f.body, &mut |e| match e {
      Expr::Num(v) => found.push(*v),
      Expr::Undef => found.push(f64::NAN),
      Expr::Update { delta, .. } => found.push(*delta),
      _ => {}
    });
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

  /// Sets every local from `from` on to `undefined` (payload NaN, and the
  /// tag where it has one); dead definitions are removed.
  pub(super) fn init_locals(&mut self, from: usize) {
    let nan = self.b.ins().f64const(f64::NAN);
    // An int32 local is never read before it is assigned (opt::int32).
    let zero = self.b.ins().iconst(types::I32, 0);
    let mut undef = None;
    for l in from..self.vars.len() {
      let init = if self.ints[l] { zero } else { nan };
      self.b.def_var(self.vars[l], init);
      if let Some(t) = self.tags[l] {
        let u = *undef.get_or_insert_with(|| self.b.ins().iconst(types::I8, UNDEF as i64));
        self.b.def_var(t, u);
      }
    }
  }

  /// The values of an `undefined` result: NaN, and its tag if results carry one.
  pub(super) fn undefined_result(&mut self) -> Vec<Value> {
    let mut vals = vec![self.b.ins().f64const(f64::NAN)];
    if self.ret_tagged {
      vals.push(self.b.ins().iconst(types::I8, UNDEF as i64));
    }
    vals
  }

  pub(super) fn function(mut self, f: &Func) -> Result<Vec<CallSite>, KernelError> {
    let entry = self.b.create_block();
    self.b.append_block_params_for_function_params(entry);
    self.b.switch_to_block(entry);
    self.b.seal_block(entry);
    let params = self.b.block_params(entry).to_vec();
    self.prologue(f, params[0]);
    self.ret_tagged = is_mixed(norm(f.ret_ty));
    // Parameters, then captures, each an f64 and its tag if it has one.
    self.init_locals(f.n_params as usize);
    let mut next = params[1..].iter();
    for l in abi_locals(f) {
      let v = *next
        .next()
        .ok_or_else(|| KernelError::Internal("too few parameters".into()))?;
      self.b.def_var(self.vars[l as usize], v);
      if let Some(t) = self.tags[l as usize] {
        let tag = *next
          .next()
          .ok_or_else(|| KernelError::Internal("too few parameters".into()))?;
        self.b.def_var(t, tag);
      }
    }
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
      let vals = self.undefined_result();
      self.b.ins().return_(&vals);
    }
    self.finish_exit();
    self.b.seal_all_blocks();
    let cfg = self.module.target_config();
    self.b.finalize(cfg);
    Ok(self.call_sites)
  }

  pub(super) fn finish_exit(&mut self) {
    if let Some(exit) = self.exit {
      self.b.switch_to_block(exit);
      if self.exit_returns_status {
        let s = self.b.ins().load(types::I32, TRUSTED, self.ctx, OFF_STATUS);
        self.b.ins().return_(&[s]);
      } else {
        let vals = self.undefined_result();
        self.b.ins().return_(&vals);
      }
    }
  }

  pub(super) fn exit_block(&mut self) -> Block {
    match self.exit {
      Some(b) => b,
      None => {
        let b = self.b.create_block();
        self.exit = Some(b);
        b
      }
    }
  }
}

#[cfg(test)]
mod cancel_tests {
  use std::sync::Arc;
  use std::sync::atomic::{AtomicBool, Ordering};

  use crate::cache::compile;
  use crate::codegen::Mode;
  use crate::error::KernelError;

  /// Exponential recursion without a loop still stops when cancelled.
  #[test]
  fn recursion_without_loops_is_cancellable() {
    let k = compile(
      "function f(n) { return n <= 0 ? 0 : f(n - 1) + f(n - 1) + 1 }",
      &[],
      Mode::call(1),
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

#[cfg(test)]
mod hoist_tests {
  use crate::testing::call;

  /// More distinct literals than are hoisted: the rest are built in place.
  #[test]
  fn many_constants_keep_their_values() {
    let literals: Vec<f64> = (0..40).map(|k| k as f64 * 1.25 + 0.5).collect();
    let src = format!(
      "x => {{ let s = x; for (let k = 0; k < 2; k++) {{ {} }} return s }}",
      literals
        .iter()
        .map(|v| format!("s = s * 0.5 + {v:?};"))
        .collect::<String>()
    );
    let mut s = 3.0f64;
    for _ in 0..2 {
      for v in &literals {
        s = s * 0.5 + v;
      }
    }
    assert_eq!(call(&src, &[3.0]), s);
  }

  #[test]
  fn locals_start_undefined() {
    assert!(call("x => { let y; return y + 1 }", &[0.0]).is_nan());
    assert!(
      call(
        "x => { function f(a) { let b; return b } return f(x) }",
        &[0.0]
      )
      .is_nan()
    );
  }
}
