//! Bit-exact JavaScript `Math.*` for compiled kernels (napi-free).
//!
//! V8 (Node 20/22) computes the transcendental `Math` functions with its own
//! fdlibm port (`src/base/ieee754.cc`); glibc and the `libm` crate differ in
//! the last bit on a few percent of inputs. This crate gives every `Math.*`
//! function (and the JS operators `%`, `**`, ToInt32/ToUint32) as an
//! `extern "C"` function that a JIT can call, with JS semantics:
//!
//! * Transcendentals resolve once (a [`OnceLock`]) to the V8 function
//!   exported by the running `node` binary (`dlsym(RTLD_DEFAULT,
//!   "_ZN2v84base7ieee7543sinEd")` …) when the crate is loaded into Node,
//!   and otherwise to [`port`], a statement-by-statement Rust port of V8's
//!   `ieee754.cc` that reproduces Node 20's results bit for bit.
//! * `pow` / `**`: what the running V8 computes, picked once from its
//!   version ([`v8version`]): fdlibm's pow (Node's exported `ieee754::pow`,
//!   or the port) for V8 11-12 (Node 20/22); V8's std pow (`y == 2` is
//!   `x * x`, `y == 0.5` is `sqrt`, else the host `pow`) for V8 13-14
//!   (Node 24/26); the port outside Node. A V8 not in
//!   [`v8version::KNOWN`] gets the best guess and [`pow_selection`] says it
//!   is unknown. The JS special cases are applied on top in every case; see
//!   [`set_pow_impl`].
//! * The rest (`round`, `sign`, `max`, `min`, `hypot`, `clz32`, `imul`,
//!   `fround`, `sqrt`, `abs`, `floor`, `ceil`, `trunc`) follow the exact
//!   rules of the spec / V8 builtins.
//!
//! Every exported function is total: it never panics, never unwinds and is
//! safe to call from any thread (the only state is the resolution
//! `OnceLock`, an atomic for the pow choice and a thread-local RNG).
//!
//! For a JIT: [`lookup`]`("sin")` gives a [`MathFn`] whose `ptr` is the
//! resolved function itself (no extra indirection for the transcendental
//! unary functions). Never constant-fold a transcendental at build time: the
//! result depends on the Node version that runs the code.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod js;
pub mod port;
mod resolve;
pub mod v8version;

pub use resolve::{
  PowImpl, PowSelection, Source, exactness, node_symbol_name, pow_impl, pow_selection, set_pow_impl,
};
pub use v8version::V8Version;

use std::sync::OnceLock;

/// Signature of a unary math function pointer: `extern "C" fn(f64) -> f64`.
pub type UnaryFn = extern "C" fn(f64) -> f64;
/// Signature of a binary math function pointer: `extern "C" fn(f64, f64) -> f64`.
pub type BinaryFn = extern "C" fn(f64, f64) -> f64;
/// Signature of a nullary function (`Math.random`): `extern "C" fn() -> f64`.
pub type NullaryFn = extern "C" fn() -> f64;
/// Signature of [`js_hypot`]: `unsafe extern "C" fn(*const f64, usize) -> f64`.
pub type SliceFn = unsafe extern "C" fn(*const f64, usize) -> f64;

// ---------------------------------------------------------------------------
// Constants (the exact doubles V8 uses; they equal Rust's std consts).

/// `Math.E` = 2.718281828459045.
pub const E: f64 = std::f64::consts::E;
/// `Math.LN10` = 2.302585092994046.
pub const LN10: f64 = std::f64::consts::LN_10;
/// `Math.LN2` = 0.6931471805599453.
pub const LN2: f64 = std::f64::consts::LN_2;
/// `Math.LOG10E` = 0.4342944819032518.
pub const LOG10E: f64 = std::f64::consts::LOG10_E;
/// `Math.LOG2E` = 1.4426950408889634.
pub const LOG2E: f64 = std::f64::consts::LOG2_E;
/// `Math.PI` = 3.141592653589793.
pub const PI: f64 = std::f64::consts::PI;
/// `Math.SQRT1_2` = 0.7071067811865476.
pub const SQRT1_2: f64 = std::f64::consts::FRAC_1_SQRT_2;
/// `Math.SQRT2` = 1.4142135623730951.
pub const SQRT2: f64 = std::f64::consts::SQRT_2;

/// All `Math` constants as `(JS name, value)`.
pub const CONSTANTS: [(&str, f64); 8] = [
  ("E", E),
  ("LN10", LN10),
  ("LN2", LN2),
  ("LOG10E", LOG10E),
  ("LOG2E", LOG2E),
  ("PI", PI),
  ("SQRT1_2", SQRT1_2),
  ("SQRT2", SQRT2),
];

// ---------------------------------------------------------------------------
// Transcendental extern "C" entry points (dispatch through the resolution).

macro_rules! unary_transcendental {
  ($($(#[$doc:meta])* $name:ident => $idx:ident;)*) => {
    $(
      $(#[$doc])*
      pub extern "C" fn $name(x: f64) -> f64 {
        (resolve::resolved().unary[resolve::Unary::$idx as usize])(x)
      }
    )*
  };
}

unary_transcendental! {
  /// `Math.sin(x)`.
  js_sin => Sin;
  /// `Math.cos(x)`.
  js_cos => Cos;
  /// `Math.tan(x)`.
  js_tan => Tan;
  /// `Math.asin(x)`.
  js_asin => Asin;
  /// `Math.acos(x)`.
  js_acos => Acos;
  /// `Math.atan(x)`.
  js_atan => Atan;
  /// `Math.sinh(x)`.
  js_sinh => Sinh;
  /// `Math.cosh(x)`.
  js_cosh => Cosh;
  /// `Math.tanh(x)`.
  js_tanh => Tanh;
  /// `Math.asinh(x)`.
  js_asinh => Asinh;
  /// `Math.acosh(x)`.
  js_acosh => Acosh;
  /// `Math.atanh(x)`.
  js_atanh => Atanh;
  /// `Math.exp(x)`.
  js_exp => Exp;
  /// `Math.expm1(x)`.
  js_expm1 => Expm1;
  /// `Math.log(x)`.
  js_log => Log;
  /// `Math.log1p(x)`.
  js_log1p => Log1p;
  /// `Math.log2(x)`.
  js_log2 => Log2;
  /// `Math.log10(x)`.
  js_log10 => Log10;
  /// `Math.cbrt(x)`.
  js_cbrt => Cbrt;
}

/// `Math.atan2(y, x)` (note the argument order: y first, as in JS).
pub extern "C" fn js_atan2(y: f64, x: f64) -> f64 {
  (resolve::resolved().atan2)(y, x)
}

/// `x ** y` and `Math.pow(x, y)`: the JS special cases (`x ** ±0` is 1 even
/// for NaN, `y` NaN gives NaN, `(±1) ** ±Infinity` is NaN), then the pow
/// selected by [`pow_impl`] (V8's own when loaded into Node).
pub extern "C" fn js_pow(x: f64, y: f64) -> f64 {
  if let Some(r) = js::pow_special(x, y) {
    return r;
  }
  resolve::pow_dispatch(x, y)
}

/// `x ** y` as implementation `p` computes it (the JS special cases, then
/// `p`), whatever [`pow_impl`] is set to: for checking one V8 version's
/// vectors without touching the process-wide setting.
pub fn js_pow_with(p: PowImpl, x: f64, y: f64) -> f64 {
  if let Some(r) = js::pow_special(x, y) {
    return r;
  }
  resolve::pow_with(p, x, y)
}

// ---------------------------------------------------------------------------
// Exact functions and operators.

/// `Math.sqrt(x)` (IEEE square root; `sqrt(-0)` is -0).
pub extern "C" fn js_sqrt(x: f64) -> f64 {
  x.sqrt()
}
/// `Math.abs(x)`.
pub extern "C" fn js_abs(x: f64) -> f64 {
  x.abs()
}
/// `Math.floor(x)`.
pub extern "C" fn js_floor(x: f64) -> f64 {
  x.floor()
}
/// `Math.ceil(x)`.
pub extern "C" fn js_ceil(x: f64) -> f64 {
  x.ceil()
}
/// `Math.trunc(x)`.
pub extern "C" fn js_trunc(x: f64) -> f64 {
  x.trunc()
}
/// `Math.fround(x)`: nearest f32, widened back.
pub extern "C" fn js_fround(x: f64) -> f64 {
  js::fround(x)
}
/// `Math.sign(x)`: ±0 and NaN unchanged.
pub extern "C" fn js_sign(x: f64) -> f64 {
  js::sign(x)
}
/// `Math.round(x)`: `c = ceil(x); c - 0.5 <= x ? c : c - 1`.
pub extern "C" fn js_round(x: f64) -> f64 {
  js::round(x)
}
/// JS `x % y` on numbers: the C `fmod` remainder (sign of the dividend,
/// `-4 % 2` is -0, `x % 0` and `Infinity % y` are NaN).
pub extern "C" fn js_rem(x: f64, y: f64) -> f64 {
  x % y
}
/// Binary `Math.max(a, b)`: NaN wins, +0 > -0. Fold left for more
/// arguments starting from `-Infinity` (the value of `Math.max()`).
pub extern "C" fn js_max2(a: f64, b: f64) -> f64 {
  js::max2(a, b)
}
/// Binary `Math.min(a, b)`: NaN wins, -0 < +0. Fold left for more
/// arguments starting from `+Infinity` (the value of `Math.min()`).
pub extern "C" fn js_min2(a: f64, b: f64) -> f64 {
  js::min2(a, b)
}
/// `Math.imul(a, b)` on numbers: ToInt32 both, wrapping 32-bit product,
/// returned as f64.
pub extern "C" fn js_imul(a: f64, b: f64) -> f64 {
  js::imul(a, b)
}
/// `Math.clz32(x)`: ToUint32, then count leading zero bits (0..=32), as f64.
pub extern "C" fn js_clz32(x: f64) -> f64 {
  js::clz32(x)
}
/// ECMAScript ToInt32 (`x | 0`): NaN/±Infinity → 0, truncate, wrap mod 2^32.
pub extern "C" fn js_to_int32(x: f64) -> i32 {
  js::to_int32(x)
}
/// ECMAScript ToUint32 (`x >>> 0`): NaN/±Infinity → 0, truncate, wrap mod 2^32.
pub extern "C" fn js_to_uint32(x: f64) -> u32 {
  js::to_uint32(x)
}
/// ToInt32 returned as f64 (the value of `x | 0`).
pub extern "C" fn js_to_int32_f64(x: f64) -> f64 {
  js::to_int32(x) as f64
}
/// ToUint32 returned as f64 (the value of `x >>> 0`).
pub extern "C" fn js_to_uint32_f64(x: f64) -> f64 {
  js::to_uint32(x) as f64
}
/// `Math.random()`: uniform in [0, 1) from a per-thread xoshiro256+
/// generator seeded randomly per thread. NOT V8's sequence (V8's state is
/// per isolate and unobservable here); statistically equivalent only.
pub extern "C" fn js_random() -> f64 {
  js::random()
}

/// `Math.hypot(...args)` over `n` doubles at `args`, V8's algorithm:
/// no arguments → 0; any ±Infinity → +Infinity (beats NaN); any NaN → NaN;
/// otherwise divide by the max magnitude, Kahan-sum the squares and return
/// `sqrt(sum) * max`.
///
/// # Safety
/// When `n > 0`, `args` must point to `n` readable, initialized `f64`s.
/// A null `args` with `n > 0` returns NaN instead of reading.
pub unsafe extern "C" fn js_hypot(args: *const f64, n: usize) -> f64 {
  if n == 0 {
    return 0.0;
  }
  if args.is_null() {
    return f64::NAN;
  }
  // SAFETY: the caller guarantees `args` points to `n` initialized f64s,
  // and we checked it is non-null.
  let values = unsafe { std::slice::from_raw_parts(args, n) };
  js::hypot(values)
}

// ---------------------------------------------------------------------------
// Safe Rust conveniences for the variadic functions.

/// `Math.max(...values)` (`-Infinity` for an empty slice).
pub fn max(values: &[f64]) -> f64 {
  values
    .iter()
    .fold(f64::NEG_INFINITY, |a, &b| js::max2(a, b))
}

/// `Math.min(...values)` (`+Infinity` for an empty slice).
pub fn min(values: &[f64]) -> f64 {
  values.iter().fold(f64::INFINITY, |a, &b| js::min2(a, b))
}

/// `Math.hypot(...values)`.
pub fn hypot(values: &[f64]) -> f64 {
  js::hypot(values)
}

// ---------------------------------------------------------------------------
// Lookup table for the JIT.

/// How a [`MathFn::ptr`] must be called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
  /// `extern "C" fn() -> f64` ([`NullaryFn`]): `random`.
  Nullary,
  /// `extern "C" fn(f64) -> f64` ([`UnaryFn`]).
  Unary,
  /// `extern "C" fn(f64, f64) -> f64` ([`BinaryFn`]). For `max` / `min`
  /// (JS-variadic) this is the binary `js_max2` / `js_min2`: fold the
  /// arguments left starting from `-Infinity` / `+Infinity`, i.e.
  /// `max(a, b, c) = max2(max2(max2(-Inf, a), b), c)`; with one or more
  /// arguments the identity step can be skipped (`max2(a, b)` then `c`).
  Binary,
  /// `unsafe extern "C" fn(*const f64, usize) -> f64` ([`SliceFn`]): `hypot`;
  /// store the arguments in a stack array and pass its address and length.
  Slice,
}

/// One `Math.*` function for a JIT: its JS name, arity and entry point.
#[derive(Debug)]
pub struct MathFn {
  /// The JS name, e.g. `"sin"` for `Math.sin`.
  pub name: &'static str,
  /// Number of f64 arguments of `ptr` (0 for `random`, 1 for unary, 2 for
  /// binary incl. the `max`/`min` folds; 0 for `hypot`, see [`Abi::Slice`]).
  pub arity: u8,
  /// Calling convention of `ptr`.
  pub abi: Abi,
  /// True for `max`, `min`, `hypot`, which take any number of JS arguments.
  pub variadic: bool,
  /// The function's address, callable with the C ABI described by `abi`.
  /// Never null; for transcendentals it is the resolved implementation
  /// (Node's own V8 function or the port).
  pub ptr: *const u8,
  /// Where the implementation comes from (bit-exactness status).
  pub source: Source,
}

// SAFETY: `ptr` is the address of a function with static lifetime; the
// functions are thread-safe (pure, or thread-local/atomic state only).
unsafe impl Send for MathFn {}
// SAFETY: as above; `MathFn` is immutable after construction.
unsafe impl Sync for MathFn {}

static TABLE: OnceLock<Box<[MathFn]>> = OnceLock::new();

fn build_table() -> Box<[MathFn]> {
  let r = resolve::resolved();
  let mut v: Vec<MathFn> = Vec::with_capacity(36);
  let unary = |name: &'static str, f: UnaryFn, source: Source| MathFn {
    name,
    arity: 1,
    abi: Abi::Unary,
    variadic: false,
    ptr: f as *const u8,
    source,
  };
  let binary = |name: &'static str, f: BinaryFn, variadic: bool, source: Source| MathFn {
    name,
    arity: 2,
    abi: Abi::Binary,
    variadic,
    ptr: f as *const u8,
    source,
  };
  for (i, u) in resolve::UNARY.iter().enumerate() {
    v.push(unary(u.js_name, r.unary[i], r.unary_source[i]));
  }
  v.push(binary("atan2", r.atan2, false, r.atan2_source));
  v.push(binary("pow", js_pow, false, resolve::pow_source()));
  v.push(unary("sqrt", js_sqrt, Source::Exact));
  v.push(unary("abs", js_abs, Source::Exact));
  v.push(unary("floor", js_floor, Source::Exact));
  v.push(unary("ceil", js_ceil, Source::Exact));
  v.push(unary("trunc", js_trunc, Source::Exact));
  v.push(unary("fround", js_fround, Source::Exact));
  v.push(unary("sign", js_sign, Source::Exact));
  v.push(unary("round", js_round, Source::Exact));
  v.push(unary("clz32", js_clz32, Source::Exact));
  v.push(binary("imul", js_imul, false, Source::Exact));
  v.push(binary("max", js_max2, true, Source::Exact));
  v.push(binary("min", js_min2, true, Source::Exact));
  v.push(MathFn {
    name: "hypot",
    arity: 0,
    abi: Abi::Slice,
    variadic: true,
    ptr: js_hypot as SliceFn as *const u8,
    source: Source::Exact,
  });
  v.push(MathFn {
    name: "random",
    arity: 0,
    abi: Abi::Nullary,
    variadic: false,
    ptr: js_random as NullaryFn as *const u8,
    source: Source::NotV8Sequence,
  });
  v.sort_by(|a, b| a.name.cmp(b.name));
  v.into_boxed_slice()
}

/// Every `Math.*` function, sorted by JS name (35 entries: abs acos acosh
/// asin asinh atan atan2 atanh cbrt ceil clz32 cos cosh exp expm1 floor
/// fround hypot imul log log10 log1p log2 max min pow random round sign sin
/// sinh sqrt tan tanh trunc). Resolves the transcendentals on first call.
pub fn all() -> &'static [MathFn] {
  TABLE.get_or_init(build_table)
}

/// The entry for `Math.<name>` (e.g. `lookup("sin")`), or `None`.
pub fn lookup(name: &str) -> Option<&'static MathFn> {
  let t = all();
  t.binary_search_by(|f| f.name.cmp(name)).ok().map(|i| &t[i])
}
