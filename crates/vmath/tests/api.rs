//! API, resolution and JS-rule tests. Expected values were printed by
//! Node 20.20.2.

// Literal values are what Node prints; keep them verbatim.
#![allow(clippy::approx_constant)]

use napi_parallel_vmath as vm;
use vm::{Abi, PowImpl, Source};

#[macro_use]
mod common;

#[test]
fn dlsym_path_is_skipped_cleanly_without_node() {
  // No node process here: no V8 symbol resolves, everything is the port.
  assert_eq!(vm::node_symbol_name("sin", 1), "_ZN2v84base7ieee7543sinEd");
  assert_eq!(
    vm::node_symbol_name("log1p", 1),
    "_ZN2v84base7ieee7545log1pEd"
  );
  assert_eq!(vm::node_symbol_name("pow", 2), "_ZN2v84base7ieee7543powEdd");
  let report = vm::exactness();
  assert_eq!(report.len(), 21);
  for (name, src) in report {
    assert_eq!(
      *src,
      Source::Port,
      "{name} should use the port outside node"
    );
  }
  assert_eq!(vm::pow_impl(), PowImpl::Port);
  for f in vm::all() {
    assert_ne!(f.source, Source::NodeSymbol, "{}", f.name);
  }
  // The resolved functions still work.
  assert_bits!(vm::js_sin(24.0), -0.9055783620066238);
}

#[test]
fn table_covers_every_math_function() {
  let names = "abs acos acosh asin asinh atan atan2 atanh cbrt ceil clz32 cos cosh exp expm1 floor \
               fround hypot imul log log10 log1p log2 max min pow random round sign sin sinh sqrt \
               tan tanh trunc";
  let names: Vec<&str> = names.split_whitespace().collect();
  assert_eq!(vm::all().len(), names.len());
  for n in &names {
    let f = vm::lookup(n).unwrap_or_else(|| panic!("missing {n}"));
    assert_eq!(f.name, *n);
    assert!(!f.ptr.is_null());
    match f.abi {
      Abi::Nullary | Abi::Slice => assert_eq!(f.arity, 0),
      Abi::Unary => assert_eq!(f.arity, 1),
      Abi::Binary => assert_eq!(f.arity, 2),
    }
  }
  assert!(vm::lookup("nope").is_none());
  assert!(vm::lookup("E").is_none());
  assert!(vm::lookup("max").unwrap().variadic);
  assert_eq!(vm::lookup("hypot").unwrap().abi, Abi::Slice);
  assert_eq!(vm::lookup("random").unwrap().abi, Abi::Nullary);
  assert_eq!(vm::lookup("atan2").unwrap().abi, Abi::Binary);

  // Call through the table pointers as a JIT would.
  let sin = vm::lookup("sin").unwrap();
  // SAFETY: Abi::Unary entries are `extern "C" fn(f64) -> f64`.
  let sin: vm::UnaryFn = unsafe { std::mem::transmute(sin.ptr) };
  assert_bits!(sin(24.0), -0.9055783620066238);
  let pow = vm::lookup("pow").unwrap();
  // SAFETY: Abi::Binary entries are `extern "C" fn(f64, f64) -> f64`.
  let pow: vm::BinaryFn = unsafe { std::mem::transmute(pow.ptr) };
  assert_bits!(pow(2.0, 1.5), 2.82842712474619);
  let hyp = vm::lookup("hypot").unwrap();
  // SAFETY: Abi::Slice entries are `unsafe extern "C" fn(*const f64, usize) -> f64`.
  let hyp: vm::SliceFn = unsafe { std::mem::transmute(hyp.ptr) };
  let args = [1.0, 2.0, 3.0];
  // SAFETY: `args` holds 3 initialized f64s.
  assert_bits!(unsafe { hyp(args.as_ptr(), 3) }, 3.741657386773941);
  let rnd = vm::lookup("random").unwrap();
  // SAFETY: Abi::Nullary entries are `extern "C" fn() -> f64`.
  let rnd: vm::NullaryFn = unsafe { std::mem::transmute(rnd.ptr) };
  let r = rnd();
  assert!((0.0..1.0).contains(&r));
}

#[test]
fn constants_are_v8_values() {
  let want: [f64; 8] = [
    2.718281828459045,
    2.302585092994046,
    0.6931471805599453,
    0.4342944819032518,
    1.4426950408889634,
    3.141592653589793,
    0.7071067811865476,
    1.4142135623730951,
  ];
  for ((name, v), w) in vm::CONSTANTS.iter().zip(want) {
    assert_eq!(v.to_bits(), w.to_bits(), "{name}");
  }
}

#[test]
fn known_v8_results_differ_from_host_libm() {
  assert_bits!(vm::js_sin(24.0), -0.9055783620066238);
  assert_bits!(vm::js_pow(2.0, 1.5), 2.82842712474619);
  assert_bits!(vm::js_pow(10.0, -5.0), 0.000009999999999999999);
  assert_bits!(vm::js_pow(0.1, 2.0), 0.010000000000000002);
  // glibc's pow is correctly rounded here and so differs from V8's.
  assert_ne!(2f64.powf(1.5).to_bits(), vm::js_pow(2.0, 1.5).to_bits());
}

#[test]
fn pow_js_special_cases() {
  assert_bits!(vm::js_pow(1.0, f64::NAN), f64::NAN);
  assert_bits!(vm::js_pow(1.0, f64::INFINITY), f64::NAN);
  assert_bits!(vm::js_pow(1.0, f64::NEG_INFINITY), f64::NAN);
  assert_bits!(vm::js_pow(-1.0, f64::INFINITY), f64::NAN);
  assert_bits!(vm::js_pow(f64::NAN, 0.0), 1.0);
  assert_bits!(vm::js_pow(f64::NAN, -0.0), 1.0);
  assert_bits!(vm::js_pow(-0.0, 0.5), 0.0);
  assert_bits!(vm::js_pow(f64::NEG_INFINITY, 0.5), f64::INFINITY);
  assert_bits!(vm::js_pow(-8.0, 1.0 / 3.0), f64::NAN);
  assert_bits!(vm::js_pow(-2.0, 3.0), -8.0);
  assert_bits!(vm::js_pow(-0.0, -3.0), f64::NEG_INFINITY);
  assert_bits!(vm::js_pow(-0.0, 3.0), -0.0);
  // The same cases hold for the port alone and for the host mode.
  assert_bits!(vm::port::pow(1.0, f64::INFINITY), f64::NAN);
  assert_bits!(vm::port::pow(f64::NAN, 0.0), 1.0);
  assert_bits!(vm::port::pow(-0.0, 0.5), 0.0);
  assert_bits!(vm::port::pow(f64::NEG_INFINITY, 0.5), f64::INFINITY);
}

#[test]
fn round_rem_sign_fround() {
  assert_bits!(vm::js_round(-0.5), -0.0);
  assert_bits!(vm::js_round(-2.5), -2.0);
  assert_bits!(vm::js_round(0.49999999999999994), 0.0);
  assert_bits!(vm::js_round(2.5), 3.0);
  assert_bits!(vm::js_round(-0.3), -0.0);
  assert_bits!(vm::js_round(-0.0), -0.0);
  assert_bits!(vm::js_round(4503599627370497.0), 4503599627370497.0);
  assert_bits!(vm::js_round(f64::NAN), f64::NAN);
  assert_bits!(vm::js_round(f64::NEG_INFINITY), f64::NEG_INFINITY);

  assert_bits!(vm::js_rem(-4.0, 2.0), -0.0);
  assert_bits!(vm::js_rem(5.5, -2.0), 1.5);
  assert_bits!(vm::js_rem(-5.5, 2.0), -1.5);
  assert_bits!(vm::js_rem(1e308, 3.0), 2.0);
  assert_bits!(vm::js_rem(5.0, f64::INFINITY), 5.0);
  assert_bits!(vm::js_rem(5.0, 0.0), f64::NAN);

  assert_bits!(vm::js_sign(-0.0), -0.0);
  assert_bits!(vm::js_sign(0.0), 0.0);
  assert_bits!(vm::js_sign(f64::NAN), f64::NAN);
  assert_bits!(vm::js_sign(-3.0), -1.0);
  assert_bits!(vm::js_sign(5e-324), 1.0);

  assert_bits!(vm::js_fround(1.1), 1.100000023841858);
  assert_bits!(vm::js_fround(1e40), f64::INFINITY);
  assert_bits!(vm::js_fround(5e-324), 0.0);
  assert_bits!(vm::js_sqrt(-0.0), -0.0);
  assert_bits!(vm::js_abs(-0.0), 0.0);
  assert_bits!(vm::js_trunc(-0.5), -0.0);
  assert_bits!(vm::js_ceil(-0.5), -0.0);
  assert_bits!(vm::js_floor(-0.0), -0.0);
}

#[test]
fn int32_conversions_imul_clz32() {
  assert_eq!(vm::js_to_int32(1e20), 1661992960);
  assert_eq!(vm::js_to_int32(4294967301.0), 5);
  assert_eq!(vm::js_to_uint32(-1.0), 4294967295);
  assert_eq!(vm::js_to_int32(2147483648.0), -2147483648);
  assert_eq!(vm::js_to_int32(-2147483649.0), 2147483647);
  assert_eq!(vm::js_to_int32(1e300), 0);
  assert_eq!(vm::js_to_int32(-1.9), -1);
  assert_eq!(vm::js_to_uint32(4294967295.9), 4294967295);
  assert_eq!(vm::js_to_int32(f64::NAN), 0);
  assert_eq!(vm::js_to_int32(f64::INFINITY), 0);
  assert_eq!(vm::js_to_uint32(f64::NEG_INFINITY), 0);
  assert_eq!(
    vm::js_to_int32(-9.3e18),
    vm::js_to_int32(-9.3e18 % 4294967296.0)
  );
  assert_bits!(vm::js_to_int32_f64(-0.0), 0.0);
  assert_bits!(vm::js_to_uint32_f64(-1.0), 4294967295.0);

  assert_bits!(vm::js_imul(4294967295.0, 5.0), -5.0);
  assert_bits!(vm::js_imul(3e9, 3e9), -494665728.0);
  assert_bits!(vm::js_clz32(0.0), 32.0);
  assert_bits!(vm::js_clz32(1.0), 31.0);
  assert_bits!(vm::js_clz32(-1.0), 0.0);
  assert_bits!(vm::js_clz32(0.5), 32.0);
  assert_bits!(vm::js_clz32(4294967296.0), 32.0);
  assert_bits!(vm::js_clz32(f64::NAN), 32.0);
}

#[test]
fn max_min_fold() {
  assert_bits!(vm::js_max2(0.0, -0.0), 0.0);
  assert_bits!(vm::js_max2(-0.0, 0.0), 0.0);
  assert_bits!(vm::js_min2(0.0, -0.0), -0.0);
  assert_bits!(vm::js_min2(-0.0, 0.0), -0.0);
  assert_bits!(vm::js_max2(f64::NAN, 1.0), f64::NAN);
  assert_bits!(vm::js_max2(1.0, f64::NAN), f64::NAN);
  assert_bits!(vm::js_min2(f64::INFINITY, f64::NAN), f64::NAN);
  assert_bits!(vm::js_max2(1.0, 2.0), 2.0);
  assert_bits!(vm::js_min2(1.0, 2.0), 1.0);
  assert_bits!(vm::max(&[]), f64::NEG_INFINITY);
  assert_bits!(vm::min(&[]), f64::INFINITY);
  assert_bits!(vm::max(&[1.0, f64::NAN, 3.0]), f64::NAN);
  assert_bits!(vm::max(&[-0.0]), -0.0);
  assert_bits!(vm::min(&[3.0, -1.0, 2.0]), -1.0);
}

#[test]
fn hypot_v8_algorithm() {
  assert_bits!(vm::hypot(&[]), 0.0);
  // SAFETY: n == 0 never reads; a null pointer with n > 0 is rejected.
  assert_bits!(unsafe { vm::js_hypot(std::ptr::null(), 0) }, 0.0);
  // SAFETY: as above.
  assert_bits!(unsafe { vm::js_hypot(std::ptr::null(), 2) }, f64::NAN);
  assert_bits!(vm::hypot(&[1.0, 2.0, 3.0]), 3.741657386773941);
  assert_bits!(vm::hypot(&[3.0, 4.0, 5.0, 6.0, 7.0]), 11.61895003862225);
  assert_bits!(vm::hypot(&[1e300, 1e300, 1e-300]), 1.4142135623730952e300);
  assert_bits!(vm::hypot(&[0.1, 0.2, 0.3, 0.4]), 0.5477225575051662);
  assert_bits!(vm::hypot(&[-0.0]), 0.0);
  assert_bits!(vm::hypot(&[f64::NAN, f64::NEG_INFINITY]), f64::INFINITY);
  assert_bits!(vm::hypot(&[1.0, f64::NAN]), f64::NAN);
}

#[test]
fn random_is_uniform_ish_and_thread_safe() {
  let handles: Vec<_> = (0..4)
    .map(|_| {
      std::thread::spawn(|| {
        let mut sum = 0.0;
        for _ in 0..10_000 {
          let r = vm::js_random();
          assert!((0.0..1.0).contains(&r));
          sum += r;
        }
        sum / 10_000.0
      })
    })
    .collect();
  let means: Vec<f64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
  for m in &means {
    assert!((m - 0.5).abs() < 0.02, "mean {m}");
  }
  // Different threads get different streams.
  assert!(means.windows(2).all(|w| w[0] != w[1]));
}

#[test]
fn transcendental_special_values() {
  assert_bits!(vm::js_exp(1.0), std::f64::consts::E);
  assert_bits!(vm::js_log(0.0), f64::NEG_INFINITY);
  assert_bits!(vm::js_log(-1.0), f64::NAN);
  assert_bits!(vm::js_sin(-0.0), -0.0);
  assert_bits!(vm::js_atan2(0.0, -0.0), std::f64::consts::PI);
  assert_bits!(vm::js_atan2(-0.0, -0.0), -std::f64::consts::PI);
  assert_bits!(vm::js_cbrt(-27.0), -3.0);
  assert_bits!(vm::js_tanh(f64::NEG_INFINITY), -1.0);
  assert_bits!(vm::js_expm1(f64::NEG_INFINITY), -1.0);
  assert_bits!(vm::js_atanh(1.0), f64::INFINITY);
  assert_bits!(vm::js_acosh(0.5), f64::NAN);
  assert_bits!(vm::js_cos(f64::INFINITY), f64::NAN);
}

/// Random bit patterns through every table entry (debug build: integer
/// overflow would panic). Set `VMATH_FUZZ_LONG=1` for 1M inputs each.
#[test]
fn no_panic_on_any_bit_pattern() {
  let n: usize = if std::env::var("VMATH_FUZZ_LONG").is_ok() {
    1_000_000
  } else {
    20_000
  };
  let mut s: u64 = 0x1234_5678_9abc_def0;
  let mut next = || {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    f64::from_bits(s)
  };
  for f in vm::all() {
    for _ in 0..n {
      let (x, y) = (next(), next());
      match f.abi {
        Abi::Unary => {
          // SAFETY: Abi::Unary entries are `extern "C" fn(f64) -> f64`.
          let g: vm::UnaryFn = unsafe { std::mem::transmute(f.ptr) };
          std::hint::black_box(g(x));
        }
        Abi::Binary => {
          // SAFETY: Abi::Binary entries are `extern "C" fn(f64, f64) -> f64`.
          let g: vm::BinaryFn = unsafe { std::mem::transmute(f.ptr) };
          std::hint::black_box(g(x, y));
        }
        Abi::Slice => {
          std::hint::black_box(vm::hypot(&[x, y, x]));
        }
        Abi::Nullary => {}
      }
    }
  }
}
