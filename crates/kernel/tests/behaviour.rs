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
    ("x => x === undefined", "comparing with `undefined`", 1, 12),
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
      "x => { let a = 1; function g() { return a } return g() }",
      "nested function `g` cannot capture it",
      1,
      41,
    ),
    ("function* (x) { yield x }", "generator", 1, 1),
    ("x => 10n", "BigInt", 1, 6),
    ("x => new Float64Array(x)", "`new`", 1, 6),
    ("x => ((x > 0) ? true : 1) === 1", "strict equality", 1, 6),
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
      Mode::Call { n_args: 1 },
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
      Mode::Call { n_args: 1 },
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
    "(a, b) => Number.isNaN(b) ? a * 2 : a + b",
    &[],
    Mode::Call { n_args: 1 },
  )
  .unwrap();
  let c = AtomicBool::new(false);
  assert_eq!(call(&k, &[21.0], &[], &c), Ok(42.0));
  let k = compile("(a, b) => a + b", &[], Mode::Call { n_args: 3 }).unwrap();
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
