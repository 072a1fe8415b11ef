//! Integer code for int32-valued expressions and int32 locals (the
//! analysis is [`crate::opt::int32`]): an int32 local lives in an `i32`
//! variable, bitwise operators, `Math.imul`/`clz32`, guarded counters and
//! comparisons between int-valued operands are `i32` instructions, and a
//! double is made only where one is needed (`fcvt_from_sint`, or unsigned
//! after `>>>`). ToInt32 of `+ - *` over int-valued operands is wrapping
//! 32-bit arithmetic where the double result would be exact.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{BlockArg, InstBuilder, Value, types};

use super::Gen;
use crate::error::KernelError;
use crate::ir::{BinOp, Expr, Func, Intrinsic, LocalId, LogicOp, Stmt, TargetId, UnOp};
use crate::mathlib::to_int32;
use crate::opt::int32::{IntKind, assigns, exact_bound, kind, literal_kind};

impl Gen<'_, '_> {
  /// True if `l` is an int32 local of the function being generated.
  pub(super) fn is_int_local(&self, l: LocalId) -> bool {
    self.ints.get(l as usize).copied().unwrap_or(false)
  }

  /// The map entry's index parameter `local` with value `i` (an `i64`
  /// below 2^53): as a double (one signed conversion, exact), and
  /// remembered for ToInt32 if the kernel never assigns it.
  pub(super) fn index_param(&mut self, f: &Func, local: LocalId, i: Value) -> Value {
    if !assigns(f, local) {
      self.index = Some((local, i));
    }
    self.b.ins().fcvt_from_sint(types::F64, i)
  }

  /// `i % d` and `Math.floor(i / d)` on the map index `i` (an integer,
  /// `0 <= i < 2^53`) by an integer constant `d`, in integer arithmetic:
  /// the remainder is exact either way, and with `1 <= d <= 2^31` and an
  /// index below 2^52 (a TypedArray is far shorter) `i / d` never rounds
  /// up to the next integer, so its floor is the integer quotient.
  fn index_arith(&mut self, e: &Expr) -> Option<Value> {
    let (index, i) = self.index?;
    let divisor = |x: &Expr, op: BinOp, max: f64| match x {
      Expr::Bin(o, l, r) if *o == op && matches!(**l, Expr::Local(x) if x == index) => match **r {
        Expr::Num(d) if d.fract() == 0.0 && (1.0..=max).contains(&d.abs()) => Some(d.abs() as i64),
        _ => None,
      },
      _ => None,
    };
    let r = if let Some(d) = divisor(e, BinOp::Rem, 9_007_199_254_740_991.0) {
      if d & (d - 1) == 0 {
        self.b.ins().band_imm_s(i, d - 1)
      } else {
        let d = self.b.ins().iconst(types::I64, d);
        self.b.ins().urem(i, d)
      }
    } else if let Expr::Math(Intrinsic::Floor, args) = e
      && let [q] = args.as_slice()
      && let Some(d) = divisor(q, BinOp::Div, 2_147_483_648.0)
      && !matches!(q, Expr::Bin(_, _, r) if matches!(**r, Expr::Num(v) if v < 0.0))
    {
      if d & (d - 1) == 0 {
        self.b.ins().ushr_imm_u(i, d.trailing_zeros() as i64)
      } else {
        let d = self.b.ins().iconst(types::I64, d);
        self.b.ins().udiv(i, d)
      }
    } else {
      return None;
    };
    Some(self.b.ins().fcvt_from_sint(types::F64, r))
  }

  /// The kind of `e` in the function being generated.
  pub(super) fn int_kind(&self, e: &Expr) -> Option<IntKind> {
    kind(e, &self.ints)
  }

  /// The hook at the top of `expr`: an int-valued expression other than a
  /// literal is computed in 32 bits and converted once.
  pub(super) fn int_hook(&mut self, e: &Expr) -> Result<Option<Value>, KernelError> {
    if matches!(e, Expr::Num(_)) {
      return Ok(None);
    }
    if let Some(v) = self.index_arith(e) {
      return Ok(Some(v));
    }
    Ok(match self.int_kind(e) {
      Some(IntKind::I32) => {
        let i = self.int_expr(e)?;
        Some(self.int32_to_num(i))
      }
      Some(IntKind::U32) => {
        let i = self.int_expr(e)?;
        Some(self.uint32_to_num(i))
      }
      None => None,
    })
  }

  /// `local = e` for an int32 local (`e` is int32 valued).
  pub(super) fn set_int_local(&mut self, l: LocalId, e: &Expr) -> Result<Value, KernelError> {
    let i = self.int_expr(e)?;
    self.b.def_var(self.vars[l as usize], i);
    Ok(i)
  }

  /// The 32 bits of an int-valued expression (`int_kind(e)` is `Some`).
  pub(super) fn int_expr(&mut self, e: &Expr) -> Result<Value, KernelError> {
    Ok(match e {
      Expr::Num(v) => self.iconst32(to_int32(*v)),
      Expr::Local(l) if self.is_int_local(*l) => self.b.use_var(self.vars[*l as usize]),
      Expr::Unary(UnOp::BitNot, x) => {
        let x = self.as_int32(x)?;
        self.b.ins().bnot(x)
      }
      Expr::Bin(op, l, r) => {
        let x = self.as_int32(l)?;
        let y = self.as_int32(r)?;
        self.bin32(*op, x, y)?
      }
      Expr::Math(f @ (Intrinsic::Imul | Intrinsic::Clz32), args) => {
        let arity = if *f == Intrinsic::Imul { 2 } else { 1 };
        let mut ops = Vec::with_capacity(arity);
        for (k, a) in args.iter().enumerate() {
          if k < arity {
            ops.push(self.as_int32(a)?);
          } else {
            self.expr(a)?;
          }
        }
        while ops.len() < arity {
          ops.push(self.b.ins().iconst(types::I32, 0));
        }
        if *f == Intrinsic::Imul {
          self.b.ins().imul(ops[0], ops[1])
        } else {
          self.b.ins().clz(ops[0])
        }
      }
      Expr::Assign(l, v) if self.is_int_local(*l) => self.set_int_local(*l, v)?,
      Expr::Update {
        local,
        delta,
        prefix,
      } if self.is_int_local(*local) => {
        // A guarded counter: the analysis proved the step stays in range.
        let var = self.vars[*local as usize];
        let old = self.b.use_var(var);
        let new = self.b.ins().iadd_imm_s(old, *delta as i64);
        self.b.def_var(var, new);
        if *prefix { new } else { old }
      }
      Expr::Seq(items) if !items.is_empty() => {
        let (last, rest) = items.split_last().expect("not empty");
        for x in rest {
          self.expr(x)?;
        }
        self.int_expr(last)?
      }
      Expr::Cond(t, a, b) => {
        let then_b = self.b.create_block();
        let else_b = self.b.create_block();
        let merge = self.b.create_block();
        self.b.append_block_param(merge, types::I32);
        self.branch(t, then_b, else_b)?;
        self.b.switch_to_block(then_b);
        let x = self.int_expr(a)?;
        self.b.ins().jump(merge, &[BlockArg::Value(x)]);
        self.b.switch_to_block(else_b);
        let y = self.int_expr(b)?;
        self.b.ins().jump(merge, &[BlockArg::Value(y)]);
        self.b.switch_to_block(merge);
        self.b.block_params(merge)[0]
      }
      Expr::Logic(op, l, r) => {
        // An integer is truthy when it is not 0 (never NaN, never -0).
        let a = self.int_expr(l)?;
        if *op == LogicOp::Coalesce {
          // An integer is never `undefined`: `a ?? r` is `a`, `r` unevaluated.
          return Ok(a);
        }
        let rhs = self.b.create_block();
        let merge = self.b.create_block();
        self.b.append_block_param(merge, types::I32);
        match op {
          LogicOp::And => self.b.ins().brif(a, rhs, &[], merge, &[BlockArg::Value(a)]),
          LogicOp::Or | LogicOp::Coalesce => {
            self.b.ins().brif(a, merge, &[BlockArg::Value(a)], rhs, &[])
          }
        };
        self.b.switch_to_block(rhs);
        let v = self.int_expr(r)?;
        self.b.ins().jump(merge, &[BlockArg::Value(v)]);
        self.b.switch_to_block(merge);
        self.b.block_params(merge)[0]
      }
      other => {
        return Err(KernelError::Internal(format!(
          "not int32 valued: {other:?}"
        )));
      }
    })
  }

  /// ToInt32 of `e`: its bits if int valued, wrapping arithmetic if exact
  /// ([`exact_bound`]), else the double converted.
  pub(super) fn as_int32(&mut self, e: &Expr) -> Result<Value, KernelError> {
    if let (Expr::Local(l), Some((index, i))) = (e, self.index)
      && *l == index
    {
      return Ok(self.b.ins().ireduce(types::I32, i));
    }
    if self.int_kind(e).is_some() {
      return self.int_expr(e);
    }
    if exact_bound(e, &self.ints).is_some() {
      return self.exact_i32(e);
    }
    let v = self.expr(e)?;
    Ok(self.emit_to_int32(v))
  }

  /// An `i32` constant, remembered for folding.
  pub(super) fn iconst32(&mut self, v: i32) -> Value {
    let c = self.b.ins().iconst(types::I32, v as i64);
    self.const_i32.insert(c, v);
    c
  }

  /// A 32-bit operation (wrapping; shift counts masked `& 31`, as JS and
  /// Cranelift do), folded when both operands are constants.
  fn bin32(&mut self, op: BinOp, x: Value, y: Value) -> Result<Value, KernelError> {
    if let (Some(a), Some(b)) = (self.const_i32.get(&x), self.const_i32.get(&y)) {
      let (a, b) = (*a, *b);
      let s = (b as u32) & 31;
      let v = match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::BitAnd => a & b,
        BinOp::BitOr => a | b,
        BinOp::BitXor => a ^ b,
        BinOp::Shl => a.wrapping_shl(s),
        BinOp::Sar => a >> s,
        BinOp::Shr => ((a as u32) >> s) as i32,
        _ => return Err(KernelError::Internal(format!("{op:?} is not int32"))),
      };
      return Ok(self.iconst32(v));
    }
    Ok(match op {
      BinOp::Add => self.b.ins().iadd(x, y),
      BinOp::Sub => self.b.ins().isub(x, y),
      BinOp::Mul => self.b.ins().imul(x, y),
      BinOp::BitAnd => self.b.ins().band(x, y),
      BinOp::BitOr => self.b.ins().bor(x, y),
      BinOp::BitXor => self.b.ins().bxor(x, y),
      BinOp::Shl => self.b.ins().ishl(x, y),
      BinOp::Sar => self.b.ins().sshr(x, y),
      BinOp::Shr => self.b.ins().ushr(x, y),
      _ => return Err(KernelError::Internal(format!("{op:?} is not int32"))),
    })
  }

  /// Whether loop `id` is unrolled: an exact counted loop (see
  /// [`crate::opt::int32::Counted`]) of at most 16 iterations and at most
  /// 256 body nodes in all.
  pub(super) fn unrolls(&self, id: TargetId) -> bool {
    self.short_loops.iter().any(|c| {
      c.id == id
        && c.exact
        && c.trips <= 16.0
        && c.trips * c.body_size as f64 <= 256.0
        && self.is_int_local(c.counter)
    })
  }

  /// An unrolled loop: each iteration's body with the counter a constant
  /// (`continue` goes to that iteration's end, `break` to the exit), the
  /// update after each; the test, a literal bound on the counter, is true
  /// for exactly these iterations and has no effects.
  pub(super) fn unrolled(
    &mut self,
    id: TargetId,
    body: &[Stmt],
    update: Option<&Expr>,
  ) -> Result<(), KernelError> {
    let c = *self
      .short_loops
      .iter()
      .find(|c| c.id == id)
      .ok_or_else(|| KernelError::Internal("unrolled loop without a plan".into()))?;
    let exit = self.b.create_block();
    let var = self.vars[c.counter as usize];
    for j in 0..c.trips as i64 {
      let next = self.b.create_block();
      self.targets.insert(id, (exit, Some(next)));
      let k = self.iconst32((c.start as i64 + j * c.step as i64) as i32);
      self.b.def_var(var, k);
      self.stmts(body)?;
      if !self.terminated {
        self.b.ins().jump(next, &[]);
      }
      self.continue_in(next);
      if let Some(u) = update {
        self.expr(u)?;
      }
    }
    self.b.ins().jump(exit, &[]);
    self.continue_in(exit);
    Ok(())
  }

  /// ToInt32 of an expression [`exact_bound`] accepts.
  fn exact_i32(&mut self, e: &Expr) -> Result<Value, KernelError> {
    if self.int_kind(e).is_some() {
      return self.int_expr(e);
    }
    Ok(match e {
      Expr::Num(v) => self.iconst32(to_int32(*v)),
      Expr::Unary(UnOp::Neg, x) => {
        let x = self.exact_i32(x)?;
        self.b.ins().ineg(x)
      }
      Expr::Bin(op, l, r) => {
        let x = self.exact_i32(l)?;
        let y = self.exact_i32(r)?;
        self.bin32(*op, x, y)?
      }
      other => return Err(KernelError::Internal(format!("not exact: {other:?}"))),
    })
  }

  /// JS truthiness of an int-valued expression (not a literal): `!= 0`.
  pub(super) fn int_truthy(&mut self, e: &Expr) -> Result<Option<Value>, KernelError> {
    if matches!(e, Expr::Num(_)) || self.int_kind(e).is_none() {
      return Ok(None);
    }
    let v = self.int_expr(e)?;
    Ok(Some(self.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0)))
  }

  /// A comparison between int-valued operands (a literal on one side at
  /// most) as an integer compare; `None` if it is not one.
  pub(super) fn int_compare(&mut self, e: &Expr) -> Result<Option<Value>, KernelError> {
    let Expr::Bin(op, l, r) = e else {
      return Ok(None);
    };
    if !op.is_comparison() || (matches!(**l, Expr::Num(_)) && matches!(**r, Expr::Num(_))) {
      return Ok(None);
    }
    let side = |x: &Expr| match x {
      Expr::Num(v) => literal_kind(*v),
      _ => self.int_kind(x),
    };
    let (Some(kl), Some(kr)) = (side(l), side(r)) else {
      return Ok(None);
    };
    let signed = [
      IntCC::Equal,
      IntCC::NotEqual,
      IntCC::SignedLessThan,
      IntCC::SignedLessThanOrEqual,
      IntCC::SignedGreaterThan,
      IntCC::SignedGreaterThanOrEqual,
    ];
    let unsigned = [
      IntCC::Equal,
      IntCC::NotEqual,
      IntCC::UnsignedLessThan,
      IntCC::UnsignedLessThanOrEqual,
      IntCC::UnsignedGreaterThan,
      IntCC::UnsignedGreaterThanOrEqual,
    ];
    // Between two numbers `===` is `==` (both are IEEE equality).
    let at = match op {
      BinOp::Eq | BinOp::StrictEq => 0,
      BinOp::Ne | BinOp::StrictNe => 1,
      BinOp::Lt => 2,
      BinOp::Le => 3,
      BinOp::Gt => 4,
      BinOp::Ge => 5,
      _ => return Ok(None),
    };
    let a = self.int_expr(l)?;
    let b = self.int_expr(r)?;
    Ok(Some(if kl == kr {
      let cc = if kl == IntKind::I32 {
        signed[at]
      } else {
        unsigned[at]
      };
      self.b.ins().icmp(cc, a, b)
    } else {
      // One signed, one unsigned: compare as i64.
      let widen = |g: &mut Self, v: Value, k: IntKind| {
        if k == IntKind::I32 {
          g.b.ins().sextend(types::I64, v)
        } else {
          g.b.ins().uextend(types::I64, v)
        }
      };
      let a = widen(self, a, kl);
      let b = widen(self, b, kr);
      self.b.ins().icmp(signed[at], a, b)
    }))
  }
}

#[cfg(test)]
mod tests {
  use crate::testing::{assert_same, call, map};

  const MAX: f64 = 2147483647.0;
  const MIN: f64 = -2147483648.0;

  /// The FNV-style kernel of the benchmark, in Rust.
  fn fnv(x: f64, i: f64) -> f64 {
    let mut h = 0x811c9dc5u32 as i32;
    let iv = i as i64 as u32;
    for k in 0..8 {
      h ^= ((iv >> (k * 4)) & 0xff) as i32;
      h = h.wrapping_mul(16777619);
    }
    (h as u32 as f64) / 4294967296.0 + x
  }

  #[test]
  fn the_fnv_kernel_matches() {
    let src = "(x, i) => { let h = 0x811c9dc5 | 0; for (let k = 0; k < 8; k++) { h ^= (i >>> (k * 4)) & 0xff; h = Math.imul(h, 16777619) } return (h >>> 0) / 4294967296 + x }";
    let xs: Vec<f64> = (0..1000).map(|k| k as f64 * 0.25 - 7.0).collect();
    let expected: Vec<f64> = xs
      .iter()
      .enumerate()
      .map(|(i, x)| fnv(*x, i as f64))
      .collect();
    assert_same(src, &map(src, &xs), &expected);
  }

  /// Int32 locals at the edges of the range: every result is what V8 gives.
  #[test]
  fn int32_locals_keep_js_semantics_at_the_edges() {
    // x | 0 of 2^31 - 1, -2^31, 2^32, -0, NaN, Infinity, 2^31.
    let xs = [
      MAX,
      MIN,
      4294967296.0,
      -0.0,
      f64::NAN,
      f64::INFINITY,
      2147483648.0,
    ];
    let src = "x => { let a = x | 0; let b = a; b = b ^ 0; return b }";
    assert_same(src, &map(src, &xs), &[MAX, MIN, 0.0, 0.0, 0.0, 0.0, MIN]);
    // Arithmetic on an int32 local is a double: no wrapping.
    let src = "x => { let a = x | 0; return a + 1 }";
    assert_same(src, &map(src, &[MAX, MIN]), &[2147483648.0, MIN + 1.0]);
    let src = "x => { let a = x | 0; return a * a }";
    assert_same(src, &map(src, &[MAX, MIN]), &[MAX * MAX, MIN * MIN]);
    let src = "x => { let a = x | 0; return -a }";
    assert_same(src, &map(src, &[0.0, MIN]), &[-0.0, 2147483648.0]);
    // ... and ToInt32 of it wraps, exactly.
    let src = "x => { let a = x | 0; return (a + 1) | 0 }";
    assert_same(src, &map(src, &[MAX, -1.0]), &[MIN, 0.0]);
    let src = "x => { let a = x | 0; return (a * 3 - 7) | 0 }";
    let want = |a: i32| (a as i64 * 3 - 7) as i32 as f64;
    assert_same(
      src,
      &map(src, &[MAX, MIN, 5.0]),
      &[want(i32::MAX), want(i32::MIN), 8.0],
    );
    // a * a past 2^53 rounds as a double before ToInt32.
    let src = "x => { let a = x | 0; return (a * a) | 0 }";
    let r = ((MAX * MAX) as i128 % (1i128 << 32)) as u32 as i32 as f64;
    assert_same(src, &map(src, &[MAX]), &[r]);
    // `>>>` is unsigned, also in comparisons.
    let src = "x => { let a = x | 0; return (a >>> 0) > a ? 1 : 0 }";
    assert_same(src, &map(src, &[-1.0, 5.0]), &[1.0, 0.0]);
    let src = "x => (x >>> 0) < 4294967295";
    assert_same(src, &map(src, &[-1.0, 3.0]), &[0.0, 1.0]);
    // Logical and conditional operators over int32 values.
    let src =
      "x => { let a = x | 0; let b = (a && 7) | (a || 8); let c = a > 2 ? a : 2; return b + c }";
    assert_same(
      src,
      &map(src, &[0.0, 5.0]),
      &[8.0 + 2.0, (7 | 5) as f64 + 5.0],
    );
  }

  /// A counter that is not guarded stays a double past 2^31 - 1.
  #[test]
  fn counters_overflow_as_doubles() {
    let src = "x => { let k = 2147483647; k++; return k }";
    assert_eq!(call(src, &[0.0]), 2147483648.0);
    let src = "x => { let k = x | 0; while (x-- > 0) k++; return k }";
    assert_eq!(call(src, &[3.0 - 1.0]), 2.0 + 2.0);
    let src = "x => { let k = 2147483640; let n = 0; while (n < 20) { k++; n++ } return k }";
    assert_eq!(call(src, &[0.0]), 2147483660.0);
    let src = "x => { let k = -2147483640; for (let n = 0; n < 20; n++) k--; return k }";
    assert_eq!(call(src, &[0.0]), -2147483660.0);
    // A guarded counter reaches the bound exactly.
    let src = "x => { let k = 2147483640; for (; k < 2147483647; k++) {} return k }";
    assert_eq!(call(src, &[0.0]), MAX);
    let src = "x => { let k = -2147483640; for (; k > -2147483648; k--) {} return k }";
    assert_eq!(call(src, &[0.0]), MIN);
    let src = "x => { let s = 0; for (let k = 0; k < 10; k++) { if (k === 3) continue; if (k === 8) break; s = s + k } return s }";
    assert_eq!(call(src, &[0.0]), 25.0);
  }

  #[test]
  fn imul_clz32_and_shifts() {
    let src = "x => { let a = x | 0; return Math.imul(a, 16777619) }";
    assert_same(
      src,
      &map(src, &[MAX, MIN, -1.0]),
      &[
        (i32::MAX.wrapping_mul(16777619)) as f64,
        (i32::MIN.wrapping_mul(16777619)) as f64,
        -16777619.0,
      ],
    );
    let src = "x => { let a = x | 0; return Math.clz32(a) + Math.clz32() }";
    assert_same(src, &map(src, &[0.0, -1.0, 1.0]), &[64.0, 32.0, 63.0]);
    let src = "x => { let a = x | 0; return (a << 33) + (a >> 32) + (a >>> 1) }";
    let want = |a: i32| ((a << 1) as f64) + (a as f64) + ((a as u32 >> 1) as f64);
    assert_same(
      src,
      &map(src, &[MIN, -1.0, 7.0]),
      &[want(i32::MIN), want(-1), want(7)],
    );
  }

  /// `i % d` and `Math.floor(i / d)` on the index, integer code, against
  /// the same doubles computed in Rust (JS's `%` is fmod).
  #[test]
  fn index_remainder_and_quotient_match_the_doubles() {
    let xs = vec![0.5; 5000];
    for d in [
      1.0,
      2.0,
      3.0,
      7.0,
      2048.0,
      4095.0,
      -8.0,
      -3.0,
      2147483648.0,
      0.5,
      0.0,
    ] {
      let src = format!("(x, i) => i % {d:?} + Math.floor(i / {d:?}) * 1e-3 + x");
      let want: Vec<f64> = (0..xs.len())
        .map(|i| (i as f64 % d) + (i as f64 / d).floor() * 1e-3 + 0.5)
        .collect();
      assert_same(&src, &map(&src, &xs), &want);
    }
    // An index the kernel assigns is an ordinary double.
    let src = "(x, i) => { i = i + 0.5; return i % 2 }";
    let want: Vec<f64> = (0..xs.len()).map(|i| (i as f64 + 0.5) % 2.0).collect();
    assert_same(src, &map(src, &xs), &want);
  }

  /// Division by a power of two is multiplication by its exact reciprocal.
  #[test]
  fn division_by_powers_of_two_is_exact() {
    let xs = [
      1.0,
      -3.0,
      5e-324,
      -5e-324,
      2.2250738585072014e-308,
      1.7976931348623157e308,
      0.1,
      -0.0,
      0.0,
      f64::INFINITY,
      f64::NAN,
      12345.678,
    ];
    for d in [
      "2048",
      "0.5",
      "-4",
      "8.98846567431158e307",
      "2.2250738585072014e-308",
      "3",
      "1e-310",
    ] {
      let dv: f64 = d.parse().unwrap();
      let src = format!("x => x / {d}");
      let want: Vec<f64> = xs.iter().map(|x| x / dv).collect();
      assert_same(&src, &map(&src, &xs), &want);
    }
  }

  /// Unrolled loops (literal bounds, at most 16 iterations) behave as loops:
  /// `continue`, `break`, `return`, the counter after the loop, no
  /// iteration when the bound is already passed, nesting.
  #[test]
  fn unrolled_loops_run_as_loops() {
    let s = "x => { let s = 0; let k = 0; for (k = 0; k < 6; k++) { if (k === 1) continue; if (k === 4) break; s = s * 10 + k } return s * 100 + k }";
    assert_eq!(call(s, &[0.0]), 2304.0);
    let s = "x => { for (let k = 0; k < 5; k++) { if (k * 2 > x) return k } return -1 }";
    assert_eq!(call(s, &[3.0]), 2.0);
    assert_eq!(call(s, &[30.0]), -1.0);
    let s = "x => { let s = 0; for (let k = 9; k < 3; k++) s++; return s }";
    assert_eq!(call(s, &[0.0]), 0.0);
    let s = "x => { let s = 0; for (let a = 0; a < 20; a++) { for (let b = 3; b > 0; b--) { s = (s * 31 + a * b) | 0 } } return s }";
    let mut want = 0i32;
    for a in 0..20 {
      for b in (1..=3).rev() {
        want = want.wrapping_mul(31).wrapping_add(a * b);
      }
    }
    assert_eq!(call(s, &[0.0]), want as f64);
    // Constant folding follows JS: shifts masked, products wrapped.
    let s = "x => { let h = 0; for (let k = 0; k < 4; k++) { h = h + ((0x7fffffff * (k + 1)) | 0) + (1 << (k * 12)) } return h }";
    let want: f64 = (0..4)
      .map(|k: i64| {
        ((0x7fff_ffffi64 * (k + 1)) as i32) as f64 + (1i64 << ((k * 12) & 31)) as i32 as f64
      })
      .sum();
    assert_eq!(call(s, &[0.0]), want);
  }
}
