//! Statements: blocks, `if`, loops (with a cancellation point at every
//! back-edge), labeled `break`/`continue` and `return`.

use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, types};

use super::abi::{OFF_STATUS, status};
use super::{Gen, Ret, TRUSTED};
use crate::error::KernelError;
use crate::ir::Stmt;

impl Gen<'_, '_> {
  pub(super) fn stmts(&mut self, list: &[Stmt]) -> Result<(), KernelError> {
    for s in list {
      if self.terminated {
        break;
      }
      self.stmt(s)?;
    }
    Ok(())
  }

  /// Starts a fresh block for code that follows a terminator.
  pub(super) fn continue_in(&mut self, block: Block) {
    self.b.switch_to_block(block);
    self.terminated = false;
  }

  pub(super) fn stmt(&mut self, s: &Stmt) -> Result<(), KernelError> {
    match s {
      Stmt::Expr(e) => {
        self.expr(e)?;
      }
      Stmt::Set(local, e) if self.is_int_local(*local) => {
        self.set_int_local(*local, e)?;
      }
      Stmt::Set(local, e) => {
        self.store_local(*local, e)?;
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
        id, body, update, ..
      } if self.unrolls(*id) => self.unrolled(*id, body, update.as_ref())?,
      Stmt::Loop {
        id,
        test,
        test_first,
        body,
        update,
      } => {
        // Rotated: the test is emitted before the loop (for/while) and
        // again at the latch, so an iteration takes one branch back.
        let body_b = self.b.create_block();
        let latch = self.b.create_block();
        let exit = self.b.create_block();
        self.targets.insert(*id, (exit, Some(latch)));
        match test {
          Some(t) if *test_first => self.branch(t, body_b, exit)?,
          _ => {
            self.b.ins().jump(body_b, &[]);
          }
        }
        self.continue_in(body_b);
        self.stmts(body)?;
        if !self.terminated {
          self.b.ins().jump(latch, &[]);
        }
        // latch: cancellation point, update, test (do-while)
        self.continue_in(latch);
        if !self.short_loops.iter().any(|c| c.id == *id) {
          self.cancel_check();
        }
        if let Some(u) = update {
          self.expr(u)?;
        }
        match test {
          Some(t) => self.branch(t, body_b, exit)?,
          None => {
            self.b.ins().jump(body_b, &[]);
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
        let mut vals = Vec::with_capacity(2);
        match value {
          Some(e) if self.ret_tagged => {
            let (v, t) = self.tv(e)?;
            vals.push(v);
            vals.push(self.tag_value(t));
          }
          Some(e) => vals.push(self.expr(e)?),
          None => vals = self.undefined_result(),
        }
        match self.ret {
          Ret::Return => {
            self.b.ins().return_(&vals);
          }
          Ret::Jump(block) => {
            let args: Vec<BlockArg> = vals.into_iter().map(BlockArg::Value).collect();
            self.b.ins().jump(block, &args);
          }
        }
        self.terminated = true;
      }
    }
    Ok(())
  }

  /// At a loop back-edge: if the cancel flag is set, store CANCELLED and leave.
  pub(super) fn cancel_check(&mut self) {
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
}

#[cfg(test)]
mod tests {
  use std::sync::atomic::AtomicBool;

  use crate::cache::compile;
  use crate::codegen::Mode;
  use crate::error::KernelError;
  use crate::testing::call;

  #[test]
  fn control_flow_runs_as_in_js() {
    let s = "x => { let r = 0; for (let i = 0; i < 10; i++) { if (i === 3) continue; if (i === 7) break; r += i } return r }";
    assert_eq!(call(s, &[0.0]), 18.0);
    let s = "x => { let n = 0; do { n++; if (n === 2) continue } while (n < 5); return n }";
    assert_eq!(call(s, &[0.0]), 5.0);
    let s = "x => { if (x > 0) { return 1 } else { return 2 } }";
    assert_eq!(call(s, &[1.0]), 1.0);
    assert_eq!(call(s, &[-1.0]), 2.0);
    let s = "x => { let r = 0; for (;;) { r++; if (r > 4) break } return r }";
    assert_eq!(call(s, &[0.0]), 5.0);
  }

  /// Every back-edge is a cancellation point.
  #[test]
  fn a_set_flag_stops_an_endless_loop() {
    let k = compile("x => { while (true) { x++ } }", &[], Mode::call(1)).unwrap();
    let cancelled = AtomicBool::new(true);
    assert_eq!(k.call(&[0.0], &[], &cancelled), Err(KernelError::Cancelled));
  }
}
