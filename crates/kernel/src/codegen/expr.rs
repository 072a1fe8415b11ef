//! Expressions: constants, locals, operators (`%` by a power of two inline),
//! `&&`/`||`/`?:` as control flow, and conditions as JS truthiness.

use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, InstructionData, Value, types};

use super::Gen;
use super::intrinsics::bool_intrinsic;
use super::value::Tag;
use crate::error::KernelError;
use crate::ir::{BinOp, Expr, LogicOp, NUM, UnOp};

/// `1 / d` when `d = ±2^k` and `1 / d` is a normal double (so exact).
fn pow2_reciprocal(d: f64) -> Option<f64> {
  let a = d.abs();
  let normal = (f64::MIN_POSITIVE..=f64::MAX).contains(&a);
  let inv = 1.0 / d;
  (normal && a.to_bits() & ((1u64 << 52) - 1) == 0 && inv.is_normal()).then_some(inv)
}

impl Gen<'_, '_> {
  pub(super) fn num(&mut self, v: f64) -> Value {
    if let Some(r) = self.hoisted.get(&v.to_bits()) {
      return *r;
    }
    let r = self.b.ins().f64const(v);
    self.const_f64.insert(r, v);
    r
  }

  pub(super) fn bool_to_num(&mut self, c: Value) -> Value {
    // A condition known when compiling (`true === 1`): the number itself.
    if let Some(inst) = self.b.func.dfg.value_def(c).inst()
      && let InstructionData::UnaryImm { imm, .. } = self.b.func.dfg.insts[inst]
    {
      return self.num(if imm.bits() != 0 { 1.0 } else { 0.0 });
    }
    let one = self.num(1.0);
    let zero = self.num(0.0);
    self.b.ins().select(c, one, zero)
  }

  pub(super) fn truthy(&mut self, v: Value) -> Value {
    let zero = self.num(0.0);
    self.b.ins().fcmp(FloatCC::OrderedNotEqual, v, zero)
  }

  pub(super) fn expr(&mut self, e: &Expr) -> Result<Value, KernelError> {
    if let Some(v) = self.int_hook(e)? {
      return Ok(v);
    }
    Ok(match e {
      Expr::Num(v) => self.num(*v),
      Expr::Bool(v) => self.num(if *v { 1.0 } else { 0.0 }),
      Expr::Undef => self.num(f64::NAN),
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
        // ToNumber is the payload.
        UnOp::Plus => self.expr(x)?,
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
      Expr::Logic(LogicOp::Coalesce, l, r) => self.logic_tv(LogicOp::Coalesce, l, r)?.0,
      Expr::Math(f, _) if bool_intrinsic(*f) => {
        let c = self.cond(e)?;
        self.bool_to_num(c)
      }
      Expr::Logic(op, l, r) => {
        let a = self.expr(l)?;
        let t = self.truthy(a);
        let rhs = self.b.create_block();
        let merge = self.b.create_block();
        self.b.append_block_param(merge, types::F64);
        match op {
          LogicOp::And => self.b.ins().brif(t, rhs, &[], merge, &[BlockArg::Value(a)]),
          _ => self.b.ins().brif(t, merge, &[BlockArg::Value(a)], rhs, &[]),
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
      Expr::Assign(l, v) => self.store_local(*l, v)?,
      Expr::Update {
        local,
        delta,
        prefix,
      } => {
        let var = self.vars[*local as usize];
        let old = self.b.use_var(var);
        let d = self.num(*delta);
        let new = self.b.ins().fadd(old, d);
        self.set_local(*local, new, Tag::Kind(NUM));
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
      Expr::Index(slot, index) => self.array_index(*slot, index)?,
      Expr::Length(slot) => self.array_length(*slot)?,
    })
  }

  /// `x % d` for a constant `d = ±2^k`, `k >= 0`: exact, sign of `x` kept.
  pub(super) fn rem_pow2(&mut self, x: Value, d: f64) -> Option<Value> {
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

  pub(super) fn binary(&mut self, op: BinOp, a: Value, b: Value) -> Result<Value, KernelError> {
    Ok(match op {
      BinOp::Add => self.b.ins().fadd(a, b),
      BinOp::Sub => self.b.ins().fsub(a, b),
      BinOp::Mul => self.b.ins().fmul(a, b),
      BinOp::Div => match self.const_f64.get(&b).copied().and_then(pow2_reciprocal) {
        // x / 2^k and x * 2^-k are the same correctly rounded product.
        Some(inv) => {
          let inv = self.num(inv);
          self.b.ins().fmul(a, inv)
        }
        None => self.b.ins().fdiv(a, b),
      },
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
      BinOp::Eq
      | BinOp::Ne
      | BinOp::StrictEq
      | BinOp::StrictNe
      | BinOp::Lt
      | BinOp::Le
      | BinOp::Gt
      | BinOp::Ge => {
        let c = self.compare(op, a, b);
        self.bool_to_num(c)
      }
    })
  }

  pub(super) fn compare(&mut self, op: BinOp, a: Value, b: Value) -> Value {
    // On two numbers (payloads); `equality` handles other kinds.
    let cc = match op {
      BinOp::Eq | BinOp::StrictEq => FloatCC::Equal,
      BinOp::Ne | BinOp::StrictNe => FloatCC::NotEqual,
      BinOp::Lt => FloatCC::LessThan,
      BinOp::Le => FloatCC::LessThanOrEqual,
      BinOp::Gt => FloatCC::GreaterThan,
      _ => FloatCC::GreaterThanOrEqual,
    };
    self.b.ins().fcmp(cc, a, b)
  }

  /// Branches on `e`'s truthiness, short-circuiting `&&`/`||` into control
  /// flow (no boolean is materialised).
  pub(super) fn branch(&mut self, e: &Expr, yes: Block, no: Block) -> Result<(), KernelError> {
    match e {
      Expr::Logic(op @ (LogicOp::And | LogicOp::Or), l, r) => {
        let mid = self.b.create_block();
        if *op == LogicOp::And {
          self.branch(l, mid, no)?
        } else {
          self.branch(l, yes, mid)?
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
  pub(super) fn cond(&mut self, e: &Expr) -> Result<Value, KernelError> {
    if let Some(c) = self.int_compare(e)? {
      return Ok(c);
    }
    Ok(match e {
      Expr::Num(v) => {
        let t = *v != 0.0 && !v.is_nan();
        self.b.ins().iconst(types::I8, t as i64)
      }
      Expr::Bool(v) => self.b.ins().iconst(types::I8, *v as i64),
      Expr::Undef => self.b.ins().iconst(types::I8, 0),
      Expr::Bin(op @ (BinOp::Eq | BinOp::Ne | BinOp::StrictEq | BinOp::StrictNe), l, r) => {
        self.equality(*op, l, r)?
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
      Expr::Logic(op @ (LogicOp::And | LogicOp::Or), l, r) => {
        let a = self.cond(l)?;
        let rhs = self.b.create_block();
        let merge = self.b.create_block();
        self.b.append_block_param(merge, types::I8);
        match op {
          LogicOp::And => self.b.ins().brif(a, rhs, &[], merge, &[BlockArg::Value(a)]),
          _ => self.b.ins().brif(a, merge, &[BlockArg::Value(a)], rhs, &[]),
        };
        self.b.switch_to_block(rhs);
        let c = self.cond(r)?;
        self.b.ins().jump(merge, &[BlockArg::Value(c)]);
        self.b.switch_to_block(merge);
        self.b.block_params(merge)[0]
      }
      Expr::Math(f, args) if bool_intrinsic(*f) => self.number_predicate(*f, args)?,
      other => {
        if let Some(c) = self.int_truthy(other)? {
          return Ok(c);
        }
        let v = self.expr(other)?;
        self.truthy(v)
      }
    })
  }

  pub(super) fn args(&mut self, args: &[Expr]) -> Result<Vec<Value>, KernelError> {
    args.iter().map(|a| self.expr(a)).collect()
  }
}

#[cfg(test)]
mod tests {
  use crate::testing::{assert_same, map};

  const EDGES: [f64; 16] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    7.5,
    -7.5,
    8.0,
    -9.0,
    1e300,
    -1e300,
    5e-324,
    2147483648.0,
    9007199254740993.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
  ];

  /// `%` by a constant power of two (inline) and by anything else (fmod)
  /// against Rust's `%`, which is C fmod, which is JS `%`.
  #[test]
  fn remainder_matches_fmod() {
    for d in [
      1.0,
      2.0,
      8.0,
      -8.0,
      0.5,
      3.0,
      1024.0,
      0.0,
      f64::INFINITY,
      -0.25,
    ] {
      let src = format!("x => x % {d:?}");
      let src = src.replace("inf", "Infinity");
      let expected: Vec<f64> = EDGES.iter().map(|x| x % d).collect();
      assert_same(&src, &map(&src, &EDGES), &expected);
    }
  }

  #[test]
  fn operators_follow_js() {
    let add: Vec<f64> = EDGES.iter().map(|x| x * 2.0 + 1.0).collect();
    assert_same("x => x * 2 + 1", &map("x => x * 2 + 1", &EDGES), &add);
    // Comparisons with NaN are false; `!` is JS truthiness (0, -0, NaN falsy).
    let lt: Vec<f64> = EDGES.iter().map(|x| (*x < 1.0) as u8 as f64).collect();
    assert_same("x => x < 1", &map("x => x < 1", &EDGES), &lt);
    let not: Vec<f64> = EDGES
      .iter()
      .map(|x| (*x == 0.0 || x.is_nan()) as u8 as f64)
      .collect();
    assert_same("x => !x", &map("x => !x", &EDGES), &not);
    let cond: Vec<f64> = EDGES
      .iter()
      .map(|x| if *x > 0.0 && *x < 10.0 { 1.0 } else { -1.0 })
      .collect();
    let src = "x => (x > 0 && x < 10) ? 1 : -1";
    assert_same(src, &map(src, &EDGES), &cond);
    let src = "x => (x || 3) + (x && 4)";
    let or_and: Vec<f64> = EDGES
      .iter()
      .map(|x| {
        let t = *x != 0.0 && !x.is_nan();
        (if t { *x } else { 3.0 }) + (if t { 4.0 } else { *x })
      })
      .collect();
    assert_same(src, &map(src, &EDGES), &or_and);
    let src = "x => x ** 2";
    let pow: Vec<f64> = EDGES.iter().map(|x| x * x).collect();
    assert_same(src, &map(src, &EDGES), &pow);
  }
}
