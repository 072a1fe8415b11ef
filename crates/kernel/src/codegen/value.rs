//! The value layer: a value is an f64 payload (`ToNumber` of it) plus, when
//! its static type has several kinds, a run-time tag (an i8 holding its
//! kind bit, [`NUM`] / [`BOOL`] / [`UNDEF`]). A value of one kind has no tag
//! at all, so a kernel typed all-number generates the code it always did.
//!
//! This file evaluates expressions with their tag ([`Gen::tv`]), stores
//! into locals, and generates what reads the tag: `===`, `!==`, `==`, `!=`,
//! `??` and `Number.is*`.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{BlockArg, InstBuilder, Value, types};

use super::Gen;
use super::intrinsics::bool_intrinsic;
use crate::error::KernelError;
use crate::ir::{BinOp, Expr, Func, Intrinsic, LocalId, LogicOp, NUM, Ty, UNDEF, is_mixed};

/// A value's kind: known statically, or a run-time i8 tag.
#[derive(Clone, Copy, Debug)]
pub(super) enum Tag {
  /// Always this kind (one bit).
  Kind(Ty),
  /// The i8 tag value.
  Dyn(Value),
}

/// A static type as code generation sees it: the empty set (a value never
/// produced) counts as a number.
pub(super) fn norm(t: Ty) -> Ty {
  if t == 0 { NUM } else { t }
}

/// True when local `l` of `f` carries a tag.
pub(super) fn tagged_local(f: &Func, l: LocalId) -> bool {
  is_mixed(norm(f.local_tys.get(l as usize).copied().unwrap_or(NUM)))
}

/// The locals of `f` that callers pass, in order: its declared parameters,
/// then its captures. Each is an f64, followed by an i8 tag if tagged.
pub(super) fn abi_locals(f: &Func) -> impl Iterator<Item = LocalId> + '_ {
  (0..f.n_params).chain(f.captures.iter().copied())
}

impl Gen<'_, '_> {
  /// The static type of `e` in the current function (never empty).
  pub(super) fn ty(&self, e: &Expr) -> Ty {
    norm(self.program.expr_ty(&self.program.funcs[self.fid], e))
  }

  /// The tag as an i8 value.
  pub(super) fn tag_value(&mut self, t: Tag) -> Value {
    match t {
      Tag::Kind(k) => self.b.ins().iconst(types::I8, k as i64),
      Tag::Dyn(v) => v,
    }
  }

  /// Evaluates `e` with its kind.
  pub(super) fn tv(&mut self, e: &Expr) -> Result<(Value, Tag), KernelError> {
    let t = self.ty(e);
    if !is_mixed(t) {
      return Ok((self.expr(e)?, Tag::Kind(t)));
    }
    Ok(match e {
      Expr::Local(l) => {
        let v = self.b.use_var(self.vars[*l as usize]);
        let tag = match self.tags[*l as usize] {
          Some(var) => Tag::Dyn(self.b.use_var(var)),
          None => Tag::Kind(NUM),
        };
        (v, tag)
      }
      Expr::Assign(l, x) => {
        let (v, tag) = self.tv(x)?;
        self.set_local(*l, v, tag);
        (v, tag)
      }
      Expr::Seq(items) => {
        let (last, rest) = items
          .split_last()
          .ok_or_else(|| KernelError::Internal("an empty sequence with two kinds".into()))?;
        for x in rest {
          self.expr(x)?;
        }
        self.tv(last)?
      }
      Expr::Cond(c, a, b) => {
        let then_b = self.b.create_block();
        let else_b = self.b.create_block();
        let merge = self.merge_block();
        self.branch(c, then_b, else_b)?;
        self.b.switch_to_block(then_b);
        let x = self.tv(a)?;
        self.jump_with(merge, x);
        self.b.switch_to_block(else_b);
        let y = self.tv(b)?;
        self.jump_with(merge, y);
        self.b.switch_to_block(merge);
        self.merged(merge)
      }
      Expr::Logic(op, a, b) => self.logic_tv(*op, a, b)?,
      Expr::Call(fid, args) => self.call_tv(*fid, args)?,
      Expr::Index(slot, index) => self.array_index_tv(*slot, index)?,
      // Every other expression has a single kind.
      other => (self.expr(other)?, Tag::Kind(NUM)),
    })
  }

  fn merge_block(&mut self) -> cranelift_codegen::ir::Block {
    let merge = self.b.create_block();
    self.b.append_block_param(merge, types::F64);
    self.b.append_block_param(merge, types::I8);
    merge
  }

  fn jump_with(&mut self, to: cranelift_codegen::ir::Block, (v, t): (Value, Tag)) {
    let t = self.tag_value(t);
    self
      .b
      .ins()
      .jump(to, &[BlockArg::Value(v), BlockArg::Value(t)]);
  }

  fn merged(&mut self, block: cranelift_codegen::ir::Block) -> (Value, Tag) {
    let p = self.b.block_params(block);
    (p[0], Tag::Dyn(p[1]))
  }

  /// `a && b`, `a || b`, `a ?? b` with the kind of the operand they yield.
  pub(super) fn logic_tv(
    &mut self,
    op: LogicOp,
    a: &Expr,
    b: &Expr,
  ) -> Result<(Value, Tag), KernelError> {
    let (va, ta) = self.tv(a)?;
    // `c`: for `&&`/`||`, true when the left operand is the result (falsy
    // for `&&`, truthy for `||`); for `??`, true when it is nullish.
    let c = match (op, ta) {
      (LogicOp::Coalesce, Tag::Kind(UNDEF)) => return self.tv(b),
      (LogicOp::Coalesce, Tag::Kind(_)) => return Ok((va, ta)),
      (LogicOp::Coalesce, Tag::Dyn(t)) => self.b.ins().icmp_imm_u(IntCC::Equal, t, UNDEF as i64),
      (LogicOp::And, _) => {
        let t = self.truthy(va);
        self.b.ins().bxor_imm_u(t, 1)
      }
      (LogicOp::Or, _) => self.truthy(va),
    };
    let rhs = self.b.create_block();
    let merge = self.merge_block();
    let tav = self.tag_value(ta);
    let keep = [BlockArg::Value(va), BlockArg::Value(tav)];
    if op == LogicOp::Coalesce {
      self.b.ins().brif(c, rhs, &[], merge, &keep);
    } else {
      self.b.ins().brif(c, merge, &keep, rhs, &[]);
    }
    self.b.switch_to_block(rhs);
    let y = self.tv(b)?;
    self.jump_with(merge, y);
    self.b.switch_to_block(merge);
    Ok(self.merged(merge))
  }

  /// Stores a value into local `l` (its tag too, if `l` is tagged).
  pub(super) fn set_local(&mut self, l: LocalId, v: Value, tag: Tag) {
    self.b.def_var(self.vars[l as usize], v);
    if let Some(var) = self.tags[l as usize] {
      let t = self.tag_value(tag);
      self.b.def_var(var, t);
    }
  }

  /// Evaluates `e` into local `l`; yields the payload.
  pub(super) fn store_local(&mut self, l: LocalId, e: &Expr) -> Result<Value, KernelError> {
    if self.tags[l as usize].is_some() {
      let (v, t) = self.tv(e)?;
      self.set_local(l, v, t);
      Ok(v)
    } else {
      let v = self.expr(e)?;
      self.b.def_var(self.vars[l as usize], v);
      Ok(v)
    }
  }

  /// `==`, `!=`, `===`, `!==` as an i8 condition. Between numbers (the
  /// static case of an all-number kernel) this is one `fcmp`, as before.
  pub(super) fn equality(&mut self, op: BinOp, a: &Expr, b: &Expr) -> Result<Value, KernelError> {
    let strict = matches!(op, BinOp::StrictEq | BinOp::StrictNe);
    let negate = matches!(op, BinOp::Ne | BinOp::StrictNe);
    let (ta, tb) = (self.ty(a), self.ty(b));
    if !is_mixed(ta) && !is_mixed(tb) {
      let known = if ta == UNDEF || tb == UNDEF {
        // `undefined` equals only `undefined` (`null` is folded earlier).
        Some(ta == tb)
      } else if strict && ta != tb {
        Some(false)
      } else {
        None
      };
      let va = self.expr(a)?;
      let vb = self.expr(b)?;
      return Ok(match known {
        Some(k) => self.b.ins().iconst(types::I8, (k != negate) as i64),
        None => {
          let cc = if negate {
            FloatCC::NotEqual
          } else {
            FloatCC::Equal
          };
          self.b.ins().fcmp(cc, va, vb)
        }
      });
    }
    let (va, ga) = self.tv(a)?;
    let (vb, gb) = self.tv(b)?;
    let ga = self.tag_value(ga);
    let gb = self.tag_value(gb);
    let same_payload = self.b.ins().fcmp(FloatCC::Equal, va, vb);
    let ua = self.b.ins().icmp_imm_u(IntCC::Equal, ga, UNDEF as i64);
    let r = if strict {
      // Same kind, and the same payload (undefined's NaN equals itself).
      let same_kind = self.b.ins().icmp(IntCC::Equal, ga, gb);
      let eq = self.b.ins().bor(same_payload, ua);
      self.b.ins().band(same_kind, eq)
    } else {
      // undefined == undefined only; otherwise ToNumber on both sides.
      let ub = self.b.ins().icmp_imm_u(IntCC::Equal, gb, UNDEF as i64);
      let either = self.b.ins().bor(ua, ub);
      let both = self.b.ins().band(ua, ub);
      self.b.ins().select(either, both, same_payload)
    };
    Ok(if negate {
      self.b.ins().bxor_imm_u(r, 1)
    } else {
      r
    })
  }

  /// `Number.isNaN/isFinite/isInteger/isSafeInteger` as an i8 condition:
  /// false for anything that is not a number (global `isNaN`/`isFinite`
  /// reach here with a number, their argument converted by the lowering).
  pub(super) fn number_predicate(
    &mut self,
    f: Intrinsic,
    args: &[Expr],
  ) -> Result<Value, KernelError> {
    debug_assert!(bool_intrinsic(f));
    let t = args.first().map_or(UNDEF, |a| self.ty(a));
    let Some((first, rest)) = args.split_first() else {
      return Ok(self.b.ins().iconst(types::I8, 0));
    };
    let (x, tag) = if t == NUM {
      (self.expr(first)?, Tag::Kind(NUM))
    } else {
      self.tv(first)?
    };
    for r in rest {
      self.expr(r)?;
    }
    Ok(match tag {
      Tag::Kind(NUM) => self.bool_intrinsic(f, x),
      Tag::Kind(_) => self.b.ins().iconst(types::I8, 0),
      Tag::Dyn(g) => {
        let c = self.bool_intrinsic(f, x);
        let is_num = self.b.ins().icmp_imm_u(IntCC::Equal, g, NUM as i64);
        self.b.ins().band(c, is_num)
      }
    })
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::ir::BOOL;

  #[test]
  fn kinds_are_single_bits() {
    assert_eq!(norm(0), NUM);
    assert!(!is_mixed(BOOL) && is_mixed(BOOL | UNDEF));
  }
}
