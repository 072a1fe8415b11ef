//! Errors (the subset, line:column), recursion overflow, cancellation,
//! output conversions and call mode.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use napi_parallel_kernel::cache::compile;
use napi_parallel_kernel::{KernelError, Mode, Output, OutputType, call, run_map};

fn unsupported(src: &str) -> (String, u32, u32) {
  match compile(src, &["k".to_string()], Mode::Map { n_inputs: 1 }) {
    Err(KernelError::Unsupported {
      message,
      line,
      column,
    }) => (message, line, column),
    Err(other) => panic!("{src}: expected unsupported, got {other}"),
    Ok(_) => panic!("{src}: expected unsupported, it compiled"),
  }
}

#[test]
fn unsupported_constructs_name_the_construct_and_position() {
  let cases: &[(&str, &str, u32, u32)] = &[
    (
      "x => x * scale",
      "`scale` is not defined inside the kernel",
      1,
      10,
    ),
    (
      "(x) => {\n  return x + offset\n}",
      "params: { offset",
      2,
      14,
    ),
    ("function (x) { return this.y }", "`this`", 1, 23),
    ("x => 'a' + x", "strings", 1, 6),
    ("x => ({ a: x }).a", "objects", 1, 7),
    ("x => [x][0]", "indexing", 1, 6),
    (
      "function (x) { return arguments.length }",
      "`arguments`",
      1,
      23,
    ),
    ("async x => x", "async", 1, 1),
    ("x => foo(x)", "call to `foo`", 1, 6),
    ("x => console.log(x)", "console", 1, 6),
    ("x => { const f = y => y; return f(x) }", "closures", 1, 18),
    (
      "x => { let s = 0; for (const v of [1]) s += v; return s }",
      "for…of",
      1,
      19,
    ),
    (
      "x => { switch (x) { case 1: return 2 } return 0 }",
      "`switch`",
      1,
      8,
    ),
    (
      "x => { try { return x } catch (e) { return 0 } }",
      "`try`",
      1,
      8,
    ),
    ("x => typeof x", "`typeof`", 1, 6),
    ("x => Math.foo(x)", "`Math.foo`", 1, 11),
    (
      "x => { const c = 1; c = 2; return c }",
      "constant variable `c`",
      1,
      21,
    ),
    (
      "x => { k = 2; return x }",
      "`k` is a `params` constant",
      1,
      8,
    ),
    (
      "x => { let a = 1; function g() { a = 2 } g(); return a }",
      "`a` is a variable of an enclosing function: a nested function cannot assign it",
      1,
      34,
    ),
    ("function* (x) { yield x }", "generator", 1, 1),
    ("x => 10n", "BigInt", 1, 6),
    ("x => new Float64Array(x)", "`new`", 1, 6),
    ("function (x) { [native code] }", "cannot parse", 1, 24),
  ];
  for (src, needle, line, column) in cases {
    let (message, l, c) = unsupported(src);
    assert!(
      message.contains(needle),
      "{src}: message {message:?} lacks {needle:?}"
    );
    assert_eq!((l, c), (*line, *column), "{src}: {message}");
    assert!(message.contains(&format!("{line}:{column}")), "{message}");
  }
}

#[test]
fn params_are_read_as_constants() {
  let k = compile(
    "x => x * k + m",
    &["k".into(), "m".into()],
    Mode::Map { n_inputs: 1 },
  )
  .unwrap();
  let cancel = AtomicBool::new(false);
  let out = run_map(
    &k,
    &[&[1.0, 2.0]],
    &[10.0, 0.5],
    OutputType::Float64,
    None,
    &cancel,
  )
  .unwrap();
  assert_eq!(out, Output::Float64(vec![10.5, 20.5]));
}

#[test]
fn output_types_convert_like_typed_arrays() {
  let k = compile("x => x", &[], Mode::Map { n_inputs: 1 }).unwrap();
  let xs = [
    1.5,
    -1.5,
    2f64.powi(32) + 5.0,
    -1.0,
    300.0,
    f64::NAN,
    f64::INFINITY,
    1e20,
    0.1,
  ];
  let cancel = AtomicBool::new(false);
  let run = |t| run_map(&k, &[&xs], &[], t, Some(2), &cancel).unwrap();
  assert_eq!(
    run(OutputType::Int32),
    Output::Int32(vec![1, -1, 5, -1, 300, 0, 0, 1661992960, 0])
  );
  assert_eq!(
    run(OutputType::Uint32),
    Output::Uint32(vec![1, 4294967295, 5, 4294967295, 300, 0, 0, 1661992960, 0])
  );
  assert_eq!(
    run(OutputType::Uint8),
    Output::Uint8(vec![1, 255, 5, 255, 44, 0, 0, 0, 0])
  );
  match run(OutputType::Float32) {
    Output::Float32(v) => {
      assert_eq!(v[0], 1.5);
      assert!(v[5].is_nan());
      assert_eq!(v[8], 0.1f64 as f32);
    }
    other => panic!("{other:?}"),
  }
}

#[test]
fn unbounded_recursion_is_an_error_not_a_crash() {
  let k = compile(
    "x => { function r(n) { return r(n + 1) + 1 } return r(x) }",
    &[],
    Mode::Map { n_inputs: 1 },
  )
  .unwrap();
  let cancel = AtomicBool::new(false);
  let err = run_map(
    &k,
    &[&[1.0, 2.0, 3.0]],
    &[],
    OutputType::Float64,
    None,
    &cancel,
  )
  .unwrap_err();
  assert_eq!(err, KernelError::StackOverflow);
  // Also in call mode, from a thread with a small stack.
  let k = Arc::new(
    compile(
      "function rec(n) { return n <= 0 ? 0 : 1 + rec(n - 1) }",
      &[],
      Mode::call(1),
    )
    .unwrap(),
  );
  let k2 = k.clone();
  let t = std::thread::Builder::new()
    .stack_size(512 * 1024)
    .spawn(move || {
      let cancel = AtomicBool::new(false);
      (
        call(&k2, &[1000.0], &[], &cancel),
        call(&k2, &[1e9], &[], &cancel),
      )
    })
    .unwrap();
  let (small, huge) = t.join().unwrap();
  assert_eq!(small, Ok(1000.0));
  assert_eq!(huge, Err(KernelError::StackOverflow));
}

#[test]
fn a_long_loop_stops_when_cancelled() {
  let k = Arc::new(
    compile(
      "function (n) { let s = 0; for (let i = 0; i < n; i++) { s += Math.sqrt(i) } return s }",
      &[],
      Mode::call(1),
    )
    .unwrap(),
  );
  let cancel = Arc::new(AtomicBool::new(false));
  let (k2, c2) = (k.clone(), cancel.clone());
  let start = Instant::now();
  let t = std::thread::spawn(move || call(&k2, &[1e15], &[], &c2));
  std::thread::sleep(Duration::from_millis(50));
  cancel.store(true, Ordering::Relaxed);
  assert_eq!(t.join().unwrap(), Err(KernelError::Cancelled));
  assert!(start.elapsed() < Duration::from_secs(5));
  // A short call still works.
  let c = AtomicBool::new(false);
  assert_eq!(
    call(&k, &[4.0], &[], &c),
    Ok(0.0 + 1.0 + 2f64.sqrt() + 3f64.sqrt())
  );
}

#[test]
fn a_cancelled_map_stops_between_chunks() {
  let k = compile("x => Math.sin(x)", &[], Mode::Map { n_inputs: 1 }).unwrap();
  let xs = vec![1.0; 100_000];
  let cancel = AtomicBool::new(true);
  assert_eq!(
    run_map(&k, &[&xs], &[], OutputType::Float64, Some(1000), &cancel),
    Err(KernelError::Cancelled)
  );
}

#[test]
fn call_mode_pads_missing_arguments_with_undefined() {
  let k = compile(
    "(a, b) => b === undefined ? a * 2 : a + b",
    &[],
    Mode::call(1),
  )
  .unwrap();
  let c = AtomicBool::new(false);
  assert_eq!(call(&k, &[21.0], &[], &c), Ok(42.0));
  // JS: Number.isNaN(undefined) is false (not a number), so a + b is NaN.
  let k = compile(
    "(a, b) => Number.isNaN(b) ? a * 2 : a + b",
    &[],
    Mode::call(1),
  )
  .unwrap();
  assert!(call(&k, &[21.0], &[], &c).unwrap().is_nan());
  let k = compile("(a, b) => a + b", &[], Mode::call(3)).unwrap();
  assert_eq!(call(&k, &[1.0, 2.0, 3.0], &[], &c), Ok(3.0));
}

#[test]
fn large_inputs_run_on_every_thread() {
  let k = compile("(x, i) => x + i", &[], Mode::Map { n_inputs: 1 }).unwrap();
  let xs = vec![0.5; 1_000_003];
  let c = AtomicBool::new(false);
  let Output::Float64(out) = run_map(&k, &[&xs], &[], OutputType::Float64, None, &c).unwrap()
  else {
    panic!()
  };
  assert!(out.iter().enumerate().all(|(i, v)| *v == i as f64 + 0.5));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
  let deep = format!("x => {}x{}", "(".repeat(900), ")".repeat(900));
  let deeper = format!("x => {}x{}", "(".repeat(5000), ")".repeat(5000));
  let long = format!("x => {}", vec!["x"; 3000].join(" + "));
  let t = std::thread::Builder::new()
    .stack_size(256 << 10)
    .spawn(move || {
      // The compiler runs on its own big-stack thread: a small caller stack is fine.
      let m = Mode::Map { n_inputs: 1 };
      (
        compile(&deep, &[], m).err(),
        compile(&long, &[], m).err(),
        compile(&deeper, &[], m).err(),
      )
    })
    .unwrap();
  let (a, b, c) = t.join().unwrap();
  for e in [a, b, c] {
    match e {
      Some(KernelError::Unsupported { message, .. }) => {
        assert!(message.contains("nested"), "{message}")
      }
      other => panic!("{other:?}"),
    }
  }
  // Moderately long chains still compile.
  let ok = format!("x => {}", vec!["x"; 300].join(" + "));
  assert!(compile(&ok, &[], Mode::Map { n_inputs: 1 }).is_ok());
}

fn rss_kib() -> usize {
  let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
  statm
    .split_whitespace()
    .nth(1)
    .and_then(|p| p.parse::<usize>().ok())
    .unwrap_or(0)
    * 4
}

#[test]
fn dropped_kernels_free_their_code() {
  let cache = napi_parallel_kernel::KernelCache::new(8);
  let m = Mode::Map { n_inputs: 1 };
  for k in 0..100 {
    cache
      .get_or_compile(&format!("x => Math.sin(x) * {k} + x % {}", k + 3), &[], m)
      .unwrap();
  }
  let before = rss_kib();
  for k in 100..600 {
    cache
      .get_or_compile(&format!("x => Math.sin(x) * {k} + x % {}", k + 3), &[], m)
      .unwrap();
  }
  let grown = rss_kib().saturating_sub(before);
  assert_eq!(cache.len(), 8);
  // Without free_memory each module leaks several KiB (≈ 4 MiB here).
  assert!(grown < 2048, "RSS grew by {grown} KiB over 500 compiles");
}

#[test]
fn math_random_is_in_range() {
  let k = compile("x => Math.random()", &[], Mode::Map { n_inputs: 1 }).unwrap();
  let c = AtomicBool::new(false);
  let Output::Float64(v) =
    run_map(&k, &[&[0.0; 1000]], &[], OutputType::Float64, None, &c).unwrap()
  else {
    panic!()
  };
  assert!(v.iter().all(|r| (0.0..1.0).contains(r)));
  assert!(v.iter().any(|r| *r != v[0]));
}

/// Runs `src` once in call mode with `args`; its result as a JS value.
fn value(src: &str, args: &[f64]) -> napi_parallel_kernel::ir::JsValue {
  let k = compile(src, &[], Mode::call(args.len())).unwrap_or_else(|e| panic!("{src}: {e}"));
  k.call_value(args, &[], &AtomicBool::new(false))
    .unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// The examples, and the value model's edges: what V8 returns
/// (each expected value is the one `node -p` prints for the same code).
#[test]
fn values_are_exact_for_booleans_and_undefined() {
  use napi_parallel_kernel::ir::JsValue::{Boolean as B, Number as N, Undefined as U};
  let cases: &[(&str, &[f64], napi_parallel_kernel::ir::JsValue)] = &[
    // A boolean passed into a nested function stays a boolean.
    (
      "x => { function f(a) { return a === 1 } return f(true) }",
      &[0.0],
      B(false),
    ),
    (
      "x => { function f(a) { return a === true } return f(x > 0) }",
      &[1.0],
      B(true),
    ),
    (
      "x => { function f(a) { return a === 1 } return f(x > 0) || f(x) }",
      &[1.0],
      B(true),
    ),
    // A maybe-boolean reaches Number.is* with its tag.
    ("x => Number.isInteger(x > 0 ? x > 5 : 3)", &[1.0], B(false)),
    ("x => Number.isInteger(x > 0 ? x > 5 : 3)", &[-1.0], B(true)),
    ("x => Number.isFinite(x > 0 ? true : x)", &[-2.0], B(true)),
    (
      "x => Number.isSafeInteger(x > 0 ? undefined : 7)",
      &[1.0],
      B(false),
    ),
    ("x => isNaN(x > 0 ? undefined : 7)", &[1.0], B(true)),
    ("x => isFinite(x > 0 ? true : 1 / 0)", &[1.0], B(true)),
    ("x => Number.isNaN(undefined)", &[0.0], B(false)),
    ("x => Number.isNaN()", &[0.0], B(false)),
    ("x => isNaN()", &[0.0], B(true)),
    // undefined is not NaN.
    ("x => { let a; return a ?? 3 }", &[0.0], N(3.0)),
    ("x => { let a = 0 / 0; return a ?? 3 }", &[0.0], N(f64::NAN)),
    ("x => { let a; a ??= x > 0; return a }", &[1.0], B(true)),
    ("x => { let a = x; a ??= 5; return a }", &[0.0], N(0.0)),
    ("x => { let a; return a }", &[0.0], U),
    ("x => { if (x > 0) return 1 }", &[-1.0], U),
    ("x => undefined === undefined", &[0.0], B(true)),
    ("x => undefined == null", &[0.0], B(true)),
    ("x => { let a; return a == null }", &[0.0], B(true)),
    ("x => x == null", &[0.0], B(false)),
    ("x => x === null", &[0.0], B(false)),
    ("x => x !== null", &[0.0], B(true)),
    ("x => null == null", &[0.0], B(true)),
    ("x => (x > 0 ? undefined : 0) == null", &[1.0], B(true)),
    ("x => (x > 0 ? undefined : 0) == null", &[-1.0], B(false)),
    ("x => (x > 0 ? undefined : false) == 0", &[-1.0], B(true)),
    ("x => (x > 0 ? undefined : false) === 0", &[-1.0], B(false)),
    (
      "x => (x > 0 ? undefined : false) === false",
      &[-1.0],
      B(true),
    ),
    (
      "x => (x > 0 ? undefined : NaN) === undefined",
      &[1.0],
      B(true),
    ),
    (
      "x => (x > 0 ? undefined : NaN) === undefined",
      &[-1.0],
      B(false),
    ),
    (
      "x => (x > 0 ? undefined : NaN) != undefined",
      &[-1.0],
      B(true),
    ),
    ("x => undefined == 0", &[0.0], B(false)),
    ("x => undefined == false", &[0.0], B(false)),
    ("x => true == 1", &[0.0], B(true)),
    ("x => true === 1", &[0.0], B(false)),
    ("x => (x > 0) == 1", &[1.0], B(true)),
    ("(a, b) => b === undefined", &[1.0], B(true)),
    ("(a, b) => b", &[1.0], U),
    ("x => undefined < 1", &[0.0], B(false)),
    ("x => undefined + 1", &[0.0], N(f64::NAN)),
    ("x => true + true", &[0.0], N(2.0)),
    ("x => +true === 1", &[0.0], B(true)),
    ("x => void x", &[0.0], U),
    ("x => x > 0 && x < 10", &[5.0], B(true)),
    ("x => x > 0 && x", &[-1.0], B(false)),
    ("x => x > 0 && x", &[3.0], N(3.0)),
    ("x => x || undefined", &[0.0], U),
    ("x => (x > 0 || undefined) ?? 9", &[-1.0], N(9.0)),
    // A seven-deep call chain returning a boolean types as a boolean.
    (
      "x => { function f1(v) { return f2(v) } function f2(v) { return f3(v) } function f3(v) { return f4(v) } function f4(v) { return f5(v) } function f5(v) { return f6(v) } function f6(v) { return f7(v) } function f7(v) { return v > 0 } return f1(x) === true }",
      &[1.0],
      B(true),
    ),
    (
      "x => { function f1(v) { return f2(v) } function f2(v) { return f3(v) } function f3(v) { return f4(v) } function f4(v) { return f5(v) } function f5(v) { return f6(v) } function f6(v) { return f7(v) } function f7(v) { return f8(v) } function f8(v) { return v > 0 } return f1(x) }",
      &[1.0],
      B(true),
    ),
    // Recursion that returns a boolean or a number.
    (
      "function f(n) { return n <= 0 ? n === 0 : f(n - 1) }",
      &[3.0],
      B(true),
    ),
    (
      "function f(n) { return n <= 0 ? n === 0 : n > 5 ? 7 : f(n - 1) }",
      &[9.0],
      N(7.0),
    ),
    // Missing arguments of nested functions are undefined.
    (
      "x => { function f(a, b) { return b } return f(x) }",
      &[1.0],
      U,
    ),
    (
      "x => { function f(a, b) { return b ?? a } return f(x) }",
      &[4.0],
      N(4.0),
    ),
    (
      "x => { function f(a) { if (a > 0) return a } return f(x) === undefined }",
      &[-1.0],
      B(true),
    ),
  ];
  for (src, args, expected) in cases {
    let got = value(src, args);
    let same = match (got, *expected) {
      (N(a), N(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
      (a, b) => a == b,
    };
    assert!(same, "{src} {args:?}: got {got:?}, JS gives {expected:?}");
  }
}

/// Natural code that used to be rejected: `var` hoisting, nested functions
/// reading enclosing variables, equality between maybe-boolean values.
#[test]
fn natural_code_is_accepted_with_js_semantics() {
  use napi_parallel_kernel::ir::JsValue::{Boolean as B, Number as N, Undefined as U};
  let cases: &[(&str, &[f64], napi_parallel_kernel::ir::JsValue)] = &[
    ("x => { const y = v; var v = 2; return y }", &[0.0], U),
    ("x => { v = 3; var v; return v }", &[0.0], N(3.0)),
    ("x => { if (x > 0) { var y = 2 } return y }", &[-1.0], U),
    ("x => { if (x > 0) { var y = 2 } return y }", &[1.0], N(2.0)),
    (
      "x => { for (var i = 0; i < 3; i++) {} return i }",
      &[0.0],
      N(3.0),
    ),
    (
      "x => { for (var k = 0; k < 3; k++) { var t; if (k === 0) t = 5 } return t }",
      &[0.0],
      N(5.0),
    ),
    (
      "x => { var s = 0; for (var i = 0; i < 4; i++) s += i; return s }",
      &[0.0],
      N(6.0),
    ),
    (
      "x => { const k2 = 2; function g(v) { return v * k2 } return g(x) }",
      &[4.0],
      N(8.0),
    ),
    (
      "(x, i) => { function g() { return x + i } return g() }",
      &[4.0, 3.0],
      N(7.0),
    ),
    (
      "x => { const a = 2; function g(v) { function h(w) { return w * a + v } return h(v) } return g(x) }",
      &[3.0],
      N(9.0),
    ),
    (
      "x => { let a = x; function g() { return a } const r1 = g(); a = 10; return r1 * 100 + g() }",
      &[3.0],
      N(310.0),
    ),
    (
      "x => { function g() { return v } var r = g(); var v = 1; return r }",
      &[0.0],
      U,
    ),
    (
      "x => { const flag = x > 0; function g() { return flag === true } return g() }",
      &[1.0],
      B(true),
    ),
    (
      "x => { const lim = 3; function f(n) { return n >= lim ? n : f(n + 1) } return f(x) }",
      &[0.0],
      N(3.0),
    ),
    (
      "x => { let k = 1; function g(a) { return k } return g(k = 5) }",
      &[0.0],
      N(5.0),
    ),
    (
      "x => { let k = 1; function g(a) { return k } { let k = 2; return g(0) } }",
      &[0.0],
      N(1.0),
    ),
    (
      "x => { let y = x > 0 ? true : 1; return y === 1 }",
      &[-1.0],
      B(true),
    ),
    (
      "x => { let y = x > 0 ? true : 1; return y == 1 }",
      &[1.0],
      B(true),
    ),
  ];
  for (src, args, expected) in cases {
    let got = value(src, args);
    let same = match (got, *expected) {
      (N(a), N(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
      (a, b) => a == b,
    };
    assert!(same, "{src} {args:?}: got {got:?}, JS gives {expected:?}");
  }
}
