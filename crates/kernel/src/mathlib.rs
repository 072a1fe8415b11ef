//! Native math routines the generated code calls, by symbol name.
//!
//! Every routine is `extern "C"`, total and panic-free (JIT frames have no
//! unwind info). They all come from `napi-parallel-vmath`, the one source of
//! `Math` routines (V8's fdlibm port or Node's own functions, `%`, ToInt32,
//! `Math.random`); this module only maps the IR's names onto its table.

/// A routine: symbol name, arity (`None`: `(ptr, n)` variadic) and address.
#[derive(Debug, Clone, Copy)]
pub struct MathRoutine {
  /// Symbol name (as the IR names it).
  pub name: &'static str,
  /// Number of f64 arguments; `None` for `(args: *const f64, n: usize)`.
  pub arity: Option<usize>,
  /// Address of the `extern "C"` function.
  pub ptr: *const u8,
}

// SAFETY: the pointers are addresses of `extern "C"` functions, valid for the process.
unsafe impl Send for MathRoutine {}
// SAFETY: as above; they are never written.
unsafe impl Sync for MathRoutine {}

const UNARY: &[&str] = &[
  "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
  "exp", "expm1", "log", "log1p", "log2", "log10", "cbrt",
];

/// The static name used in the IR for a `Math` function that needs a native routine.
pub fn canonical(name: &str) -> Option<&'static str> {
  UNARY
    .iter()
    .chain(["atan2", "pow", "hypot", "random"].iter())
    .find(|n| **n == name)
    .copied()
}

/// ECMAScript ToInt32 (vmath's), for constant folding and the host.
pub use napi_parallel_vmath::js::to_int32;

/// Looks up the routine for `name`: a [`canonical`] name, or one of the
/// helpers `js_rem` (`%` by a general divisor) and `to_int32` (the slow
/// path of ToInt32). Every one comes from `napi-parallel-vmath`.
pub fn routine(name: &str) -> Option<MathRoutine> {
  use napi_parallel_vmath as vm;
  let helper = |name: &'static str, arity: usize, ptr: *const u8| {
    Some(MathRoutine {
      name,
      arity: Some(arity),
      ptr,
    })
  };
  match name {
    "js_rem" => {
      return helper(
        "js_rem",
        2,
        vm::js_rem as extern "C" fn(f64, f64) -> f64 as *const u8,
      );
    }
    "to_int32" => {
      return helper(
        "to_int32",
        1,
        vm::js_to_int32_f64 as extern "C" fn(f64) -> f64 as *const u8,
      );
    }
    _ => {}
  }
  let canonical = canonical(name)?;
  let f = vm::lookup(canonical)?;
  let arity = match f.abi {
    vm::Abi::Nullary => Some(0),
    vm::Abi::Unary => Some(1),
    vm::Abi::Binary => Some(2),
    vm::Abi::Slice => None,
  };
  Some(MathRoutine {
    name: canonical,
    arity,
    ptr: f.ptr,
  })
}

/// Every symbol the code generator may reference.
pub fn all_symbols() -> Vec<MathRoutine> {
  UNARY
    .iter()
    .chain(["atan2", "pow", "hypot", "random", "js_rem", "to_int32"].iter())
    .filter_map(|n| routine(n))
    .collect()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn to_int32_wraps() {
    assert_eq!(to_int32(4_294_967_301.0), 5);
    assert_eq!(to_int32(1e20), 1_661_992_960);
    assert_eq!(to_int32(-1.5), -1);
    assert_eq!(to_int32(f64::NAN), 0);
    assert_eq!(to_int32(f64::INFINITY), 0);
    assert_eq!(to_int32(2_147_483_648.0), -2_147_483_648);
    assert_eq!(to_int32(1.8446744073709552e19), 0);
    assert_eq!(to_int32(-9.3e18), to_int32(-9.3e18 % 4_294_967_296.0));
  }

  /// Every name the code generator may reference resolves, to vmath's
  /// function (so nothing needs a local fallback), with the arity the call
  /// sites assume.
  #[test]
  fn every_symbol_resolves_to_vmath() {
    use napi_parallel_vmath as vm;
    let all = all_symbols();
    assert_eq!(all.len(), UNARY.len() + 6);
    for r in &all {
      let expected = match r.name {
        "js_rem" => vm::js_rem as extern "C" fn(f64, f64) -> f64 as *const u8,
        "to_int32" => vm::js_to_int32_f64 as extern "C" fn(f64) -> f64 as *const u8,
        name => vm::lookup(name).expect(name).ptr,
      };
      assert_eq!(r.ptr, expected, "{}", r.name);
    }
    let arity = |n: &str| routine(n).unwrap().arity;
    assert_eq!(arity("sin"), Some(1));
    assert_eq!(arity("pow"), Some(2));
    assert_eq!(arity("atan2"), Some(2));
    assert_eq!(arity("random"), Some(0));
    assert_eq!(arity("hypot"), None);
    assert!(routine("sqrt").is_none() && routine("nope").is_none());
  }
}
