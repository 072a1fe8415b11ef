//! Native math routines the generated code calls, by symbol name.
//!
//! Every routine is `extern "C"`, total and panic-free (JIT frames have no
//! unwind info). The bit-exact implementations come from
//! `napi-parallel-vmath` (V8's fdlibm port); names it does not provide fall
//! back to the local definitions below.

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

extern "C" fn js_rem(a: f64, b: f64) -> f64 {
  a % b
}

extern "C" fn to_int32_slow(x: f64) -> f64 {
  to_int32(x) as f64
}

/// ECMAScript ToInt32.
pub fn to_int32(x: f64) -> i32 {
  if !x.is_finite() {
    return 0;
  }
  let t = x.trunc();
  if t.abs() < 9.223_372_036_854_775e18 {
    return t as i64 as i32;
  }
  // |t| >= 2^63: reduce modulo 2^32 exactly.
  let m = t.rem_euclid(4_294_967_296.0);
  m as u64 as u32 as i32
}

extern "C" fn js_random() -> f64 {
  use std::cell::Cell;
  thread_local! {
    static STATE: Cell<u64> = Cell::new({
      let addr = &0u8 as *const u8 as u64;
      let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
      (t ^ addr.rotate_left(32)) | 1
    });
  }
  STATE.with(|s| {
    // xorshift64*
    let mut x = s.get();
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s.set(x);
    let bits = x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
    bits as f64 / (1u64 << 53) as f64
  })
}

macro_rules! unary_shims {
  ($($name:ident),*) => {
    mod shims {
      $(pub extern "C" fn $name(x: f64) -> f64 { x.$name() })*
    }
  };
}
unary_shims!(
  sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, asinh, acosh, atanh, exp, log2, log10, cbrt
);

mod shims2 {
  pub extern "C" fn expm1(x: f64) -> f64 {
    x.exp_m1()
  }
  pub extern "C" fn log(x: f64) -> f64 {
    x.ln()
  }
  pub extern "C" fn log1p(x: f64) -> f64 {
    x.ln_1p()
  }
  pub extern "C" fn atan2(y: f64, x: f64) -> f64 {
    y.atan2(x)
  }
  /// `**` with the JS special cases.
  pub extern "C" fn pow(x: f64, y: f64) -> f64 {
    if y.is_nan() {
      return f64::NAN;
    }
    if y == 0.0 {
      return 1.0;
    }
    if (x == 1.0 || x == -1.0) && y.is_infinite() {
      return f64::NAN;
    }
    x.powf(y)
  }
  /// V8's `Math.hypot`: scale by the max, Kahan-sum the squares.
  pub extern "C" fn hypot(args: *const f64, n: usize) -> f64 {
    // SAFETY: the generated code passes a stack array of `n` doubles.
    let xs = unsafe { std::slice::from_raw_parts(args, n) };
    let mut max = 0.0f64;
    let mut one_nan = false;
    for &x in xs {
      let a = x.abs();
      if a.is_nan() {
        one_nan = true;
      } else if a > max {
        max = a;
      }
    }
    if max == f64::INFINITY {
      return f64::INFINITY;
    }
    if one_nan {
      return f64::NAN;
    }
    if max == 0.0 {
      return 0.0;
    }
    let mut sum = 0.0f64;
    let mut compensation = 0.0f64;
    for &x in xs {
      let n = x.abs() / max;
      let summand = n * n - compensation;
      let preliminary = sum + summand;
      compensation = (preliminary - sum) - summand;
      sum = preliminary;
    }
    sum.sqrt() * max
  }
}

/// Looks up the routine for `name` (a [`canonical`] name, or one of the
/// helpers `js_rem`, `pow`, `to_int32`).
pub fn routine(name: &str) -> Option<MathRoutine> {
  if let Some(r) = vmath_routine(name) {
    return Some(r);
  }
  local_routine(name)
}

/// The bit-exact routine from `napi-parallel-vmath`, if it has one.
fn vmath_routine(name: &str) -> Option<MathRoutine> {
  use napi_parallel_vmath as vm;
  if name == "js_rem" {
    return Some(MathRoutine {
      name: "js_rem",
      arity: Some(2),
      ptr: vm::js_rem as extern "C" fn(f64, f64) -> f64 as *const u8,
    });
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

/// Local fallbacks (not bit-exact for transcendentals; kept for the
/// helpers vmath does not provide and as a reference in tests).
fn local_routine(name: &str) -> Option<MathRoutine> {
  let local = |name: &'static str, arity: Option<usize>, ptr: *const u8| {
    Some(MathRoutine { name, arity, ptr })
  };
  match name {
    "js_rem" => local("js_rem", Some(2), js_rem as *const u8),
    "to_int32" => local("to_int32", Some(1), to_int32_slow as *const u8),
    "random" => local("random", Some(0), js_random as *const u8),
    "pow" => local("pow", Some(2), shims2::pow as *const u8),
    "atan2" => local("atan2", Some(2), shims2::atan2 as *const u8),
    "hypot" => local("hypot", None, shims2::hypot as *const u8),
    "expm1" => local("expm1", Some(1), shims2::expm1 as *const u8),
    "log" => local("log", Some(1), shims2::log as *const u8),
    "log1p" => local("log1p", Some(1), shims2::log1p as *const u8),
    _ => {
      let n = UNARY.iter().find(|n| **n == name)?;
      let ptr = match *n {
        "sin" => shims::sin as *const u8,
        "cos" => shims::cos as *const u8,
        "tan" => shims::tan as *const u8,
        "asin" => shims::asin as *const u8,
        "acos" => shims::acos as *const u8,
        "atan" => shims::atan as *const u8,
        "sinh" => shims::sinh as *const u8,
        "cosh" => shims::cosh as *const u8,
        "tanh" => shims::tanh as *const u8,
        "asinh" => shims::asinh as *const u8,
        "acosh" => shims::acosh as *const u8,
        "atanh" => shims::atanh as *const u8,
        "exp" => shims::exp as *const u8,
        "log2" => shims::log2 as *const u8,
        "log10" => shims::log10 as *const u8,
        "cbrt" => shims::cbrt as *const u8,
        _ => return None,
      };
      local(n, Some(1), ptr)
    }
  }
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

  #[test]
  fn every_symbol_resolves() {
    assert_eq!(all_symbols().len(), UNARY.len() + 6);
  }
}
