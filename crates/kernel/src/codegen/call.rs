//! A call to a nested function: the callee's whole frame must fit above
//! the stack limit before the call, and an error status it stores is
//! propagated at once.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, Value, types};
use cranelift_module::Module;

use super::abi::{OFF_STACK_LIMIT, OFF_STATUS, status};
use super::value::{Tag, norm, tagged_local};
use super::{Gen, TRUSTED, readonly};
use crate::error::KernelError;
use crate::ir::Expr;

impl Gen<'_, '_> {
  /// A call yielding its result's payload.
  pub(super) fn call(&mut self, fid: u32, args: &[Expr]) -> Result<Value, KernelError> {
    Ok(self.call_tv(fid, args)?.0)
  }

  /// A call yielding its result with its kind. Arguments are evaluated in
  /// order; each parameter and capture is passed as an f64, plus its tag
  /// if the callee's local has one (see `value::abi_locals`).
  pub(super) fn call_tv(&mut self, fid: u32, args: &[Expr]) -> Result<(Value, Tag), KernelError> {
    let program = self.program;
    let callee = &program.funcs[fid as usize];
    let n = callee.n_params as usize;
    let first_cap = args.len().saturating_sub(callee.captures.len());
    let mut call_args = Vec::with_capacity(args.len() + 1);
    call_args.push(self.ctx);
    for (k, a) in args.iter().enumerate() {
      let slot = if k < n {
        Some(k as u32)
      } else if k >= first_cap {
        Some(callee.captures[k - first_cap])
      } else {
        None
      };
      match slot {
        Some(l) if tagged_local(callee, l) => {
          let (v, t) = self.tv(a)?;
          call_args.push(v);
          call_args.push(self.tag_value(t));
        }
        Some(_) => call_args.push(self.expr(a)?),
        None => {
          self.expr(a)?; // an extra argument: side effects only
        }
      }
    }
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
    let inst = self.b.ins().call(r, &call_args);
    let results = self.b.inst_results(inst);
    let result = (
      results[0],
      match results.get(1) {
        Some(t) => Tag::Dyn(*t),
        None => Tag::Kind(norm(callee.ret_ty)),
      },
    );
    // Propagate an error status (stack overflow, cancellation) at once.
    let st = self.b.ins().load(types::I32, TRUSTED, self.ctx, OFF_STATUS);
    let exit = self.exit_block();
    let go_on = self.b.create_block();
    self.b.ins().brif(st, exit, &[], go_on, &[]);
    self.b.switch_to_block(go_on);
    Ok(result)
  }
}

#[cfg(test)]
mod tests {
  use std::sync::atomic::AtomicBool;

  use crate::cache::compile;
  use crate::codegen::Mode;
  use crate::error::KernelError;
  use crate::testing::call;

  #[test]
  fn nested_calls_pass_arguments_and_results() {
    let fib = "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }";
    assert_eq!(call(fib, &[20.0]), 6765.0);
    let s = "x => { function f(a, b, c) { return a * 100 + b * 10 + c } return f(x, 2) }";
    assert!(call(s, &[1.0]).is_nan());
    let s = "x => { function f(a, b) { return a * 10 + b } return f(x, 2, 3) }";
    assert_eq!(call(s, &[1.0]), 12.0);
    let s = "x => { function g(a) { return a + 1 } function f(a) { return g(a) * 2 } return f(x) }";
    assert_eq!(call(s, &[1.0]), 4.0);
  }

  /// A status stored deep in the recursion reaches the host at once.
  #[test]
  fn an_error_status_propagates_through_callers() {
    let k = compile("function f(n) { return f(n + 1) + 1 }", &[], Mode::call(1)).unwrap();
    let no = AtomicBool::new(false);
    let r = std::thread::Builder::new()
      .stack_size(1 << 20)
      .spawn(move || k.call(&[0.0], &[], &no))
      .unwrap()
      .join()
      .unwrap();
    assert_eq!(r, Err(KernelError::StackOverflow));
  }
}
