//! The entry function: in map mode it owns the element loop (the kernel body
//! inlined, `fn(ctx, start, end) -> status`); in call mode it runs the body
//! once (`fn(ctx) -> status`).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, Value, types};
use cranelift_module::Module;

use super::abi::{Mode, OFF_ARGS, OFF_INPUTS, OFF_OUT, OFF_RESULT, OFF_RESULT_KIND};
use super::frame::CallSite;
use super::value::{Tag, norm};
use super::{Gen, Ret, TRUSTED, readonly};
use crate::error::KernelError;
use crate::ir::{Func, NUM, UNDEF, is_mixed};

impl Gen<'_, '_> {
  pub(super) fn entry(mut self, f: &Func, mode: Mode) -> Result<Vec<CallSite>, KernelError> {
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
    // Call mode returns a JS value: the result's kind travels with it when
    // the kernel's result type has several kinds.
    let ret_ty = norm(f.ret_ty);
    self.ret_tagged = matches!(mode, Mode::Call { .. }) && is_mixed(ret_ty);
    if self.ret_tagged {
      self.b.append_block_param(store, types::I8);
    }
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
        // Pairs of elements first where the kernel qualifies (see `pair`);
        // an odd last element takes the one-element loop below.
        let first = match self.pairs(f) {
          Some(shape) => {
            let pair_check = self.b.create_block();
            self.b.append_block_param(pair_check, ptr);
            self
              .b
              .ins()
              .brif(any, pair_check, &[BlockArg::Value(start)], done, &[]);
            self.b.switch_to_block(pair_check);
            let i = self.b.block_params(pair_check)[0];
            let i1 = self.b.ins().iadd_imm_u(i, 1);
            let two = self.b.ins().icmp(IntCC::UnsignedLessThan, i1, end);
            let pair_head = self.b.create_block();
            self
              .b
              .ins()
              .brif(two, pair_head, &[], head, &[BlockArg::Value(i)]);
            self.b.switch_to_block(pair_head);
            let offset = self.b.ins().imul_imm_u(i, 8);
            let mut bind = |g: &mut Self, lane: usize| {
              let at = if lane == 0 { i } else { i1 };
              for k in 0..f.n_params as usize {
                let v = if let Some(base) = bases.get(k) {
                  let addr = g.b.ins().iadd(*base, offset);
                  g.b
                    .ins()
                    .load(types::F64, readonly(), addr, (lane * 8) as i32)
                } else if k == n_inputs {
                  g.index_param(f, k as u32, at)
                } else {
                  g.b.ins().f64const(f64::NAN)
                };
                g.set_local(k as u32, v, Tag::Kind(NUM));
              }
            };
            let (r0, r1) = self.paired_body(f, &shape, &mut bind)?;
            let rel = self.b.ins().isub(i, start);
            let rel = self.b.ins().imul_imm_u(rel, 8);
            let addr = self.b.ins().iadd(out, rel);
            self.b.ins().store(TRUSTED, r0, addr, 0);
            self.b.ins().store(TRUSTED, r1, addr, 8);
            let next = self.b.ins().iadd_imm_u(i, 2);
            let more = self.b.ins().icmp(IntCC::UnsignedLessThan, next, end);
            self
              .b
              .ins()
              .brif(more, pair_check, &[BlockArg::Value(next)], done, &[]);
            None
          }
          None => Some(any),
        };
        if let Some(any) = first {
          self
            .b
            .ins()
            .brif(any, head, &[BlockArg::Value(start)], done, &[]);
        }
        // Loop head: bind the parameters, run the body inline.
        self.b.switch_to_block(head);
        let i = self.b.block_params(head)[0];
        let offset = self.b.ins().imul_imm_u(i, 8);
        for k in 0..f.n_params as usize {
          let v = if let Some(base) = bases.get(k) {
            let addr = self.b.ins().iadd(*base, offset);
            self.b.ins().load(types::F64, readonly(), addr, 0)
          } else if k == n_inputs {
            self.index_param(f, k as u32, i)
          } else {
            self.b.ins().f64const(f64::NAN)
          };
          self.set_local(k as u32, v, Tag::Kind(NUM));
        }
        let v = self.inline_body(f, store)?;
        // Store and advance (a Float64Array holds ToNumber of the result).
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
      Mode::Call { n_args, kinds } => {
        let args = self.b.ins().load(ptr, readonly(), self.ctx, OFF_ARGS);
        for k in 0..f.n_params as usize {
          let (v, kind) = if k < n_args {
            let v = self
              .b
              .ins()
              .load(types::F64, readonly(), args, (k * 8) as i32);
            (v, kinds.kind(k))
          } else {
            (self.b.ins().f64const(f64::NAN), UNDEF)
          };
          self.set_local(k as u32, v, Tag::Kind(kind));
        }
        let v = self.inline_body(f, store)?;
        self.b.ins().store(TRUSTED, v, self.ctx, OFF_RESULT);
        let kind = match self.b.block_params(store).get(1) {
          Some(k) => {
            let k = *k;
            self.b.ins().uextend(types::I32, k)
          }
          None => self.b.ins().iconst(types::I32, ret_ty as i64),
        };
        self.b.ins().store(TRUSTED, kind, self.ctx, OFF_RESULT_KIND);
        self.b.ins().jump(done, &[]);
      }
      Mode::Reduce => self.reduce_loop(f, (params[1], params[2]), store, done)?,
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

  /// Reduce mode's loop: `acc` starts as `ctx.result`; each element `i` of
  /// `start..end` binds `(acc, x, i)` (x = input 0 at `i`; further
  /// parameters are `undefined`), runs the body inline, and its value is the
  /// next `acc`; the last is stored back into `ctx.result`.
  fn reduce_loop(
    &mut self,
    f: &Func,
    (start, end): (Value, Value),
    store: Block,
    done: Block,
  ) -> Result<(), KernelError> {
    let ptr = self.ptr;
    let inputs = self.b.ins().load(ptr, readonly(), self.ctx, OFF_INPUTS);
    let base = self.b.ins().load(ptr, readonly(), inputs, 0);
    let acc0 = self.b.ins().load(types::F64, TRUSTED, self.ctx, OFF_RESULT);
    let head = self.b.create_block();
    self.b.append_block_param(head, ptr);
    self.b.append_block_param(head, types::F64);
    let exit = self.b.create_block();
    self.b.append_block_param(exit, types::F64);
    let any = self.b.ins().icmp(IntCC::UnsignedLessThan, start, end);
    self.b.ins().brif(
      any,
      head,
      &[BlockArg::Value(start), BlockArg::Value(acc0)],
      exit,
      &[BlockArg::Value(acc0)],
    );
    self.b.switch_to_block(head);
    let (i, acc) = (self.b.block_params(head)[0], self.b.block_params(head)[1]);
    for k in 0..f.n_params as usize {
      let v = match k {
        0 => acc,
        1 => {
          let offset = self.b.ins().imul_imm_u(i, 8);
          let addr = self.b.ins().iadd(base, offset);
          self.b.ins().load(types::F64, readonly(), addr, 0)
        }
        2 => self.b.ins().fcvt_from_uint(types::F64, i),
        _ => self.b.ins().f64const(f64::NAN),
      };
      self.b.def_var(self.vars[k], v);
    }
    let v = self.inline_body(f, store)?;
    let next = self.b.ins().iadd_imm_u(i, 1);
    let more = self.b.ins().icmp(IntCC::UnsignedLessThan, next, end);
    self.b.ins().brif(
      more,
      head,
      &[BlockArg::Value(next), BlockArg::Value(v)],
      exit,
      &[BlockArg::Value(v)],
    );
    self.b.switch_to_block(exit);
    let last = self.b.block_params(exit)[0];
    self.b.ins().store(TRUSTED, last, self.ctx, OFF_RESULT);
    self.b.ins().jump(done, &[]);
    Ok(())
  }

  /// Runs the kernel body inline once its parameters are bound: a `return`
  /// jumps to `store` with its value, falling off the end gives NaN (JS's
  /// `undefined` as a number). Leaves the builder in `store`; returns its value.
  fn inline_body(&mut self, f: &Func, store: Block) -> Result<Value, KernelError> {
    self.init_locals(f.n_params as usize);
    self.terminated = false;
    self.stmts(&f.body)?;
    if !self.terminated {
      let vals: Vec<BlockArg> = self
        .undefined_result()
        .into_iter()
        .map(BlockArg::Value)
        .collect();
      self.b.ins().jump(store, &vals);
    }
    self.b.switch_to_block(store);
    Ok(self.b.block_params(store)[0])
  }
}

#[cfg(test)]
mod tests {
  use std::sync::atomic::AtomicBool;

  use crate::cache::compile;
  use crate::codegen::Mode;
  use crate::testing::assert_same;

  /// The loop binds `(x0…, i)` per element, with `i` the global index, and
  /// writes element `i` to `out[i - start]`.
  #[test]
  fn the_element_loop_binds_inputs_and_the_index() {
    let no = AtomicBool::new(false);
    let k = compile(
      "(x, y, i) => x * 100 + y * 10 + i",
      &[],
      Mode::Map { n_inputs: 2 },
    )
    .unwrap();
    let (xs, ys) = ([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]);
    let mut out = [0.0; 2];
    k.run_chunk(&[&xs, &ys], &[], 2, &mut out, &no).unwrap();
    assert_eq!(out, [372.0, 483.0]);
    // An empty range runs nothing.
    k.run_chunk(&[&xs, &ys], &[], 4, &mut [], &no).unwrap();
    // A parameter past the index would always be `undefined`: an error
    // (see `lower::func`); a body that falls off the end is `undefined` (NaN).
    assert!(compile("(x, i, z) => z", &[], Mode::Map { n_inputs: 1 }).is_err());
    let k = compile(
      "x => { if (x > 2) return x }",
      &[],
      Mode::Map { n_inputs: 1 },
    )
    .unwrap();
    let mut out = [0.0; 4];
    k.run_chunk(&[&xs], &[], 0, &mut out, &no).unwrap();
    assert_same("fall off", &out, &[f64::NAN, f64::NAN, 3.0, 4.0]);
  }

  #[test]
  fn call_mode_stores_the_result() {
    let no = AtomicBool::new(false);
    let k = compile("(a, b, c) => c", &[], Mode::call(2)).unwrap();
    assert!(k.call(&[1.0, 2.0], &[], &no).unwrap().is_nan());
    let k = compile(
      "(a, b) => { let s = 0; for (let k = a; k < b; k++) s += k; return s }",
      &[],
      Mode::call(2),
    )
    .unwrap();
    assert_eq!(k.call(&[1.0, 5.0], &[], &no), Ok(10.0));
  }

  /// Boolean and `undefined` arguments keep their kind: `a === true` sees a
  /// boolean, `a ?? 3` sees `undefined`, in the kernel and in the nested
  /// functions it passes them to, and each kind set compiles apart.
  #[test]
  fn call_mode_arguments_keep_their_kinds() {
    use crate::ir::JsValue::{Boolean as B, Number as N, Undefined as U};
    use crate::testing::call_js;
    let strict = "a => a === true";
    assert_eq!(call_js(strict, &[B(true)]), B(true));
    assert_eq!(call_js(strict, &[N(1.0)]), B(false));
    assert_eq!(call_js(strict, &[B(false)]), B(false));
    let nested = "(a, b) => { function f(v) { return v === 1 } return f(a) || b }";
    assert_eq!(call_js(nested, &[B(true), B(false)]), B(false));
    assert_eq!(call_js(nested, &[N(1.0), B(false)]), B(true));
    assert_eq!(call_js(nested, &[N(2.0), N(7.0)]), N(7.0));
    assert_eq!(call_js("(a, b) => a ?? b", &[U, N(3.0)]), N(3.0));
    assert_eq!(call_js("(a, b) => a ?? b", &[N(0.0), N(3.0)]), N(0.0));
    assert_eq!(call_js("a => a", &[U]), U);
    assert_eq!(call_js("a => a", &[B(false)]), B(false));
    assert_eq!(call_js("a => a + 1", &[B(true)]), N(2.0));
    assert_eq!(call_js("a => Number.isInteger(a)", &[B(true)]), B(false));
    assert_eq!(call_js("a => a == 1", &[B(true)]), B(true));
    assert_eq!(call_js("a => a == null", &[U]), B(true));
    // A boolean that a loop reassigns to a number: the local is tagged.
    let grow = "(a, n) => { for (let k = 0; k < n; k++) a = k; return a }";
    assert_eq!(call_js(grow, &[B(true), N(0.0)]), B(true));
    assert_eq!(call_js(grow, &[B(true), N(3.0)]), N(2.0));
  }
}
