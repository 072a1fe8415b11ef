//! The globals a kernel may read: `Math.*` and `Number.*` constants, the
//! intrinsic behind each supported function, and the intrinsics' result types.

use super::types::{BOOL, NUM, Ty};
use crate::ir::Intrinsic;

/// Math constants.
pub(super) fn math_constant(name: &str) -> Option<f64> {
  use std::f64::consts::*;
  Some(match name {
    "E" => E,
    "LN10" => LN_10,
    "LN2" => LN_2,
    "LOG10E" => LOG10_E,
    "LOG2E" => LOG2_E,
    "PI" => PI,
    "SQRT1_2" => FRAC_1_SQRT_2,
    "SQRT2" => SQRT_2,
    _ => return None,
  })
}

pub(super) fn number_constant(name: &str) -> Option<f64> {
  Some(match name {
    "EPSILON" => f64::EPSILON,
    "MAX_SAFE_INTEGER" => 9007199254740991.0,
    "MIN_SAFE_INTEGER" => -9007199254740991.0,
    "MAX_VALUE" => f64::MAX,
    "MIN_VALUE" => 5e-324,
    "POSITIVE_INFINITY" => f64::INFINITY,
    "NEGATIVE_INFINITY" => f64::NEG_INFINITY,
    "NaN" => f64::NAN,
    _ => return None,
  })
}

/// `Math.<name>` functions: the intrinsic and its result type.
pub fn math_function(name: &str) -> Option<Intrinsic> {
  use Intrinsic::*;
  Some(match name {
    "abs" => Abs,
    "sqrt" => Sqrt,
    "floor" => Floor,
    "ceil" => Ceil,
    "trunc" => Trunc,
    "fround" => Fround,
    "sign" => Sign,
    "round" => Round,
    "max" => Max,
    "min" => Min,
    "imul" => Imul,
    "clz32" => Clz32,
    "sin" | "cos" | "tan" | "asin" | "acos" | "atan" | "sinh" | "cosh" | "tanh" | "asinh"
    | "acosh" | "atanh" | "exp" | "expm1" | "log" | "log1p" | "log2" | "log10" | "cbrt"
    | "atan2" | "pow" | "hypot" | "random" => Extern(crate::mathlib::canonical(name)?),
    _ => return None,
  })
}

pub(super) fn number_function(name: &str) -> Option<Intrinsic> {
  Some(match name {
    "isNaN" => Intrinsic::IsNaN,
    "isFinite" => Intrinsic::IsFinite,
    "isInteger" => Intrinsic::IsInteger,
    "isSafeInteger" => Intrinsic::IsSafeInteger,
    _ => return None,
  })
}

pub(super) fn intrinsic_ty(i: Intrinsic) -> Ty {
  match i {
    Intrinsic::IsNaN | Intrinsic::IsFinite | Intrinsic::IsInteger | Intrinsic::IsSafeInteger => {
      BOOL
    }
    _ => NUM,
  }
}
