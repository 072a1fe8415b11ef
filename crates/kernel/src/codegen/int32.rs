//! ECMAScript ToInt32 / ToUint32 between f64 and i32, remembering which
//! f64 values already hold an int32 so that chains of bitwise operators do
//! not convert twice.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{BlockArg, InstBuilder, Value, types};

use super::Gen;
use crate::mathlib;

impl Gen<'_, '_> {
  /// ECMAScript ToInt32. Fast path: the saturating conversion to i64
  /// (`cvttsd2si` and its one check; NaN gives 0) is exact truncation for
  /// |x| < 2^63, and its low 32 bits are the result. Only a saturated
  /// result (|x| >= 2^63, or Infinity) takes the out-of-line slow path:
  /// `r = x - trunc(x / 2^32) * 2^32` is exact for every finite x and NaN
  /// otherwise, and the conversion of r then truncates (NaN → 0).
  pub(super) fn emit_to_int32(&mut self, x: Value) -> Value {
    if let Some(i) = self.known_i32.get(&x) {
      return *i;
    }
    if let Some(c) = self.const_f64.get(&x) {
      let c = mathlib::to_int32(*c);
      return self.b.ins().iconst(types::I32, c as i64);
    }
    let wide = self.b.ins().fcvt_to_sint_sat(types::I64, x);
    // Saturated: i64::MIN or i64::MAX, both i64::MAX after `w ^ (w >> 63)`.
    let sign = self.b.ins().sshr_imm_u(wide, 63);
    let folded = self.b.ins().bxor(wide, sign);
    let saturated = self.b.ins().icmp_imm_s(IntCC::Equal, folded, i64::MAX);
    let slow = self.b.create_block();
    let done = self.b.create_block();
    self.b.append_block_param(done, types::I64);
    self
      .b
      .ins()
      .brif(saturated, slow, &[], done, &[BlockArg::Value(wide)]);
    self.b.set_cold_block(slow);
    self.b.switch_to_block(slow);
    let inv = self.b.ins().f64const(1.0 / 4_294_967_296.0);
    let two32 = self.b.ins().f64const(4_294_967_296.0);
    let q = self.b.ins().fmul(x, inv);
    let q = self.b.ins().trunc(q);
    let m = self.b.ins().fmul(q, two32);
    let r = self.b.ins().fsub(x, m);
    let exact = self.b.ins().fcvt_to_sint_sat(types::I64, r);
    self.b.ins().jump(done, &[BlockArg::Value(exact)]);
    self.b.switch_to_block(done);
    let w = self.b.block_params(done)[0];
    self.b.ins().ireduce(types::I32, w)
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

#[cfg(test)]
mod tests {
  use crate::testing::{assert_same, call, map};

  /// `x | 0` and `x >>> 0`, with the values V8 gives.
  #[test]
  fn to_int32_and_to_uint32_wrap_modulo_2_32() {
    let xs = [
      1.9,
      -1.9,
      2147483648.0,
      4294967296.0,
      4294967297.0,
      -2147483649.0,
      1e20,
      -1e20,
      9007199254740994.0,
      1.5e10,
      f64::NAN,
      f64::INFINITY,
      -0.0,
    ];
    let int32 = [
      1.0,
      -1.0,
      -2147483648.0,
      0.0,
      1.0,
      2147483647.0,
      1661992960.0,
      -1661992960.0,
      2.0,
      2115098112.0,
      0.0,
      0.0,
      0.0,
    ];
    let uint32 = [
      1.0,
      4294967295.0,
      2147483648.0,
      0.0,
      1.0,
      2147483647.0,
      1661992960.0,
      2632974336.0,
      2.0,
      2115098112.0,
      0.0,
      0.0,
      0.0,
    ];
    assert_same("x => x | 0", &map("x => x | 0", &xs), &int32);
    assert_same("x => x >>> 0", &map("x => x >>> 0", &xs), &uint32);
    // Constants fold through the same rules.
    assert_eq!(call("x => 4294967297 | 0", &[0.0]), 1.0);
    assert_eq!(call("x => -1 >>> 0", &[0.0]), 4294967295.0);
  }

  #[test]
  fn bitwise_chains_stay_exact() {
    assert_eq!(call("x => ~x", &[5.0]), -6.0);
    assert_eq!(call("x => x << 31", &[1.0]), -2147483648.0);
    assert_eq!(call("x => x << 32", &[1.0]), 1.0);
    assert_eq!(call("x => x >> 1", &[-8.0]), -4.0);
    assert_eq!(call("x => x >>> 28", &[-8.0]), 15.0);
    assert_eq!(
      call("x => ((x ^ 0xff) & 0xf0) | 3", &[0x1234 as f64]),
      0xc3 as f64
    );
    assert_eq!(call("x => (x >>> 0) | 0", &[-1.0]), -1.0);
  }
}
