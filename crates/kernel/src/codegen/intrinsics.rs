//! `Math.*` and `Number.is*`: inlined with the JS rules where exact
//! (`round`, `sign`, `max`/`min`, `fround`, `imul`, `clz32`, `is*`), else a
//! call to a vmath routine imported once per module.

use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{
  AbiParam, FuncRef, InstBuilder, StackSlotData, StackSlotKind, Value, types,
};
use cranelift_module::{Linkage, Module};

use super::{Gen, internal};
use crate::error::KernelError;
use crate::ir::{Expr, Intrinsic};
use crate::mathlib;

impl Gen<'_, '_> {
  pub(super) fn math_ref(&mut self, name: &'static str) -> Result<FuncRef, KernelError> {
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

  pub(super) fn call_math(
    &mut self,
    name: &'static str,
    args: &[Value],
  ) -> Result<Value, KernelError> {
    let r = self.math_ref(name)?;
    let inst = self.b.ins().call(r, args);
    Ok(self.b.inst_results(inst)[0])
  }

  pub(super) fn bool_intrinsic(&mut self, f: Intrinsic, x: Value) -> Value {
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

  pub(super) fn intrinsic(&mut self, f: Intrinsic, args: &[Expr]) -> Result<Value, KernelError> {
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

pub(super) fn bool_intrinsic(f: Intrinsic) -> bool {
  matches!(
    f,
    Intrinsic::IsNaN | Intrinsic::IsFinite | Intrinsic::IsInteger | Intrinsic::IsSafeInteger
  )
}

#[cfg(test)]
mod tests {
  use crate::testing::{assert_same, call, map};

  fn one(src: &str, xs: &[f64], js: &[f64]) {
    assert_same(src, &map(src, xs), js);
  }

  /// The inlined intrinsics, against the values V8 gives.
  #[test]
  fn inline_intrinsics_follow_js() {
    let nan = f64::NAN;
    one(
      "x => Math.round(x)",
      &[-0.5, 2.5, -2.5, 0.49999999999999994, -0.0, nan, 1.5],
      &[-0.0, 3.0, -2.0, 0.0, -0.0, nan, 2.0],
    );
    one(
      "x => Math.sign(x)",
      &[-0.0, 0.0, -3.0, 7.0, nan],
      &[-0.0, 0.0, -1.0, 1.0, nan],
    );
    one(
      "x => Math.fround(x)",
      &[5.5, 5.05, 1e40],
      &[5.5, 5.050000190734863, f64::INFINITY],
    );
    one("x => Math.trunc(x)", &[-1.5, 1.5, -0.2], &[-1.0, 1.0, -0.0]);
    one(
      "x => Math.floor(x) + Math.ceil(x)",
      &[-1.5, 1.5],
      &[-3.0, 3.0],
    );
    one("x => Math.abs(x)", &[-0.0, -2.0], &[0.0, 2.0]);
    one("x => Math.sqrt(x)", &[-1.0, 4.0], &[nan, 2.0]);
    one("x => Math.clz32(x)", &[1.0, 0.0, -1.0], &[31.0, 32.0, 0.0]);
    one("x => Math.imul(x, 5)", &[4294967295.0, 3.0], &[-5.0, 15.0]);
    one("x => Math.imul(x, 2)", &[2147483648.0], &[0.0]);
    assert_eq!(call("x => Math.max()", &[0.0]), f64::NEG_INFINITY);
    assert_eq!(call("x => Math.min()", &[0.0]), f64::INFINITY);
    assert_same(
      "max(-0, 0)",
      &[call("x => Math.max(-0, x)", &[0.0])],
      &[0.0],
    );
    assert_same(
      "min(0, -0)",
      &[call("x => Math.min(0, x)", &[-0.0])],
      &[-0.0],
    );
    assert!(call("x => Math.max(1, x)", &[nan]).is_nan());
  }

  #[test]
  fn number_predicates_follow_js() {
    let xs = [
      9007199254740992.0,
      9007199254740991.0,
      5.0,
      5.5,
      f64::INFINITY,
      f64::NAN,
      -0.0,
    ];
    one(
      "x => Number.isSafeInteger(x)",
      &xs,
      &[0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0],
    );
    one(
      "x => Number.isInteger(x)",
      &xs,
      &[1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0],
    );
    one(
      "x => Number.isFinite(x)",
      &xs,
      &[1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0],
    );
    one(
      "x => Number.isNaN(x)",
      &xs,
      &[0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
    );
    // As a condition the predicate is a branch, not a 0/1.
    one(
      "x => Number.isNaN(x) ? 10 : 20",
      &[f64::NAN, 1.0],
      &[10.0, 20.0],
    );
  }

  #[test]
  fn vmath_calls_get_their_arguments() {
    assert_eq!(call("x => Math.hypot()", &[0.0]), 0.0);
    assert_eq!(call("x => Math.hypot(x, 4)", &[3.0]), 5.0);
    assert_eq!(call("x => Math.pow(x, 10)", &[2.0]), 1024.0);
    assert_eq!(call("x => Math.atan2(x, 1)", &[0.0]), 0.0);
    assert!(call("x => Math.atan2(x)", &[0.0]).is_nan());
    assert_eq!(call("x => Math.exp(x)", &[0.0]), 1.0);
    let r = call("x => Math.random()", &[0.0]);
    assert!((0.0..1.0).contains(&r), "{r}");
  }
}
