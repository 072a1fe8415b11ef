//! ECMAScript ToInt32 / ToUint32 between f64 and i32, remembering which
//! f64 values already hold an int32 so that chains of bitwise operators do
//! not convert twice.

use cranelift_codegen::ir::{InstBuilder, Value, types};

use super::Gen;
use crate::mathlib;

impl Gen<'_, '_> {
  /// ECMAScript ToInt32, branch-free: `r = x - trunc(x / 2^32) * 2^32` is
  /// exact for every finite x and NaN otherwise; the saturating i64
  /// conversion then truncates (NaN → 0) and the low 32 bits are the result.
  pub(super) fn emit_to_int32(&mut self, x: Value) -> Value {
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

  pub(super) fn int32_to_num(&mut self, v: Value) -> Value {
    let f = self.b.ins().fcvt_from_sint(types::F64, v);
    self.known_i32.insert(f, v);
    f
  }

  /// A u32 as a double: zero-extended, it is a non-negative i64, so the
  /// one-instruction signed conversion is exact.
  pub(super) fn uint32_to_num(&mut self, v: Value) -> Value {
    let wide = self.b.ins().uextend(types::I64, v);
    let f = self.b.ins().fcvt_from_sint(types::F64, wide);
    // ToInt32 of a ToUint32 result is the same 32 bits.
    self.known_i32.insert(f, v);
    f
  }
}
