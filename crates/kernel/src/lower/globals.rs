//! The globals a kernel may read: `Math.*` and `Number.*` constants, the
//! intrinsic behind each supported function.

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

/// `Math.<name>` functions: the intrinsic behind each.
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

#[cfg(test)]
mod tests {
  use super::*;

  /// The values JS gives for the constants, as V8 prints them (hence the
  /// literals, not `std::f64::consts`).
  #[test]
  #[allow(clippy::approx_constant)]
  fn constants_are_the_js_values() {
    assert_eq!(math_constant("PI"), Some(3.141592653589793));
    assert_eq!(math_constant("E"), Some(2.718281828459045));
    assert_eq!(math_constant("LN10"), Some(2.302585092994046));
    assert_eq!(math_constant("SQRT1_2"), Some(0.7071067811865476));
    assert_eq!(math_constant("LOG2E"), Some(1.4426950408889634));
    assert_eq!(math_constant("TAU"), None);
    assert_eq!(number_constant("EPSILON"), Some(2.220446049250313e-16));
    assert_eq!(
      number_constant("MAX_SAFE_INTEGER"),
      Some(9007199254740991.0)
    );
    assert_eq!(number_constant("MIN_VALUE"), Some(5e-324));
    assert_eq!(number_constant("MAX_VALUE"), Some(1.7976931348623157e308));
    assert!(number_constant("NaN").is_some_and(f64::is_nan));
    assert_eq!(number_constant("PI"), None);
  }

  #[test]
  fn functions_map_to_intrinsics_with_their_types() {
    assert_eq!(math_function("abs"), Some(Intrinsic::Abs));
    assert_eq!(math_function("sin"), Some(Intrinsic::Extern("sin")));
    assert_eq!(math_function("hypot"), Some(Intrinsic::Extern("hypot")));
    assert_eq!(math_function("atan2"), Some(Intrinsic::Extern("atan2")));
    assert_eq!(math_function("isNaN"), None);
    assert_eq!(math_function("toString"), None);
    assert_eq!(
      number_function("isSafeInteger"),
      Some(Intrinsic::IsSafeInteger)
    );
    assert_eq!(number_function("parseFloat"), None);
  }
}
