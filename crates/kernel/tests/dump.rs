//! Diagnostics, run by hand:
//! `NAPI_PARALLEL_KERNEL_DUMP=1 cargo test -p napi-parallel-kernel --test dump -- --ignored --nocapture --test-threads 1`
//! prints the Cranelift IR and machine code of each kernel compiled here
//! (`dump_corpus`: every kernel of the differential corpus, so two builds'
//! code generation can be diffed), and single-thread timings. Each timed
//! kernel's output is checked (against a Rust reference, or element by
//! element against the same kernel entered through call mode), so a timing
//! is never of a kernel that computes the wrong thing.
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use napi_parallel_kernel::Mode;
use napi_parallel_kernel::cache::compile;

const MANDELBROT: &str = "(x, i) => { const cr = -2 + ((i % 2048) / 2048) * 2.5; const ci = -1.25 + (Math.floor(i / 2048) / 2048) * 2.5 + x * 0; let zr = 0; let zi = 0; let n = 0; while (n < 200 && zr * zr + zi * zi <= 4) { const t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; n++ } return n }";

/// MANDELBROT in Rust, with the same operations in the same order (so the
/// same doubles; `x * 0` is 0 for the finite inputs used here).
fn mandelbrot(i: usize) -> f64 {
  let i = i as f64;
  let cr = -2.0 + ((i % 2048.0) / 2048.0) * 2.5;
  let ci = -1.25 + ((i / 2048.0).floor() / 2048.0) * 2.5 + 0.0;
  let (mut zr, mut zi, mut n) = (0.0f64, 0.0f64, 0.0f64);
  while n < 200.0 && zr * zr + zi * zi <= 4.0 {
    let t = zr * zr - zi * zi + cr;
    zi = 2.0 * zr * zi + ci;
    zr = t;
    n += 1.0;
  }
  n
}

#[test]
#[ignore]
fn dump_mandelbrot() {
  let k = compile(MANDELBROT, &[], Mode::Map { n_inputs: 1 }).unwrap();
  let xs = vec![0.0; 1 << 20];
  let mut out = vec![0.0; 1 << 20];
  let cancel = AtomicBool::new(false);
  for _ in 0..3 {
    let t = Instant::now();
    k.run_chunk(&[&xs], &[], 0, &mut out, &cancel).unwrap();
    eprintln!("mandelbrot 1M on one thread: {:?}", t.elapsed());
  }
  for (i, got) in out.iter().enumerate() {
    assert_eq!(got.to_bits(), mandelbrot(i).to_bits(), "element {i}");
  }
  // Not a constant: both ends of the iteration count occur.
  assert!(out.contains(&200.0) && out.contains(&1.0));
}

#[test]
#[ignore]
fn time_kernels() {
  let cases = [
    (
      "heavy",
      "x => Math.sin(Math.sqrt(x) * 2 + 1) * Math.exp(-x * 1e-6) + Math.log1p(x)",
    ),
    ("cheap", "x => x * 2.5 + 1"),
    ("mandelbrot", MANDELBROT),
    (
      "int ops",
      "(x, i) => { let h = i | 0; for (let k = 0; k < 8; k++) { h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d); h ^= h << 7 } return (h >>> 0) % 1000 + x }",
    ),
    (
      "fnv",
      "(x, i) => { let h = 0x811c9dc5 | 0; for (let k = 0; k < 8; k++) { h ^= (i >>> (k * 4)) & 0xff; h = Math.imul(h, 16777619) } return (h >>> 0) / 4294967296 + x }",
    ),
    (
      "calls",
      "(x, i) => { function f(a) { return a * 0.5 + 1 } let s = 0; for (let k = 0; k < 8; k++) s += f(k + x); return s }",
    ),
  ];
  let n = 1 << 20;
  let xs: Vec<f64> = (0..n).map(|i| (i % 100_000) as f64 * 0.37 + 1.0).collect();
  let mut out = vec![0.0; n];
  let cancel = AtomicBool::new(false);
  for (name, src) in cases {
    let k = compile(src, &[], Mode::Map { n_inputs: 1 }).unwrap();
    let mut best = f64::MAX;
    for _ in 0..5 {
      let t = Instant::now();
      k.run_chunk(&[&xs], &[], 0, &mut out, &cancel).unwrap();
      best = best.min(t.elapsed().as_secs_f64());
    }
    eprintln!("{name}: {:.2} ns/elem", best * 1e9 / n as f64);
    // The map loop agrees with single calls of the same source on a sample.
    let single = compile(src, &[], Mode::call(2)).unwrap();
    for i in (0..n).step_by(997) {
      let want = single.call(&[xs[i], i as f64], &[], &cancel).unwrap();
      assert_eq!(out[i].to_bits(), want.to_bits(), "{name}: element {i}");
    }
  }
}

/// Compiles every kernel of the differential corpus (tests/data/vectors.txt);
/// with `NAPI_PARALLEL_KERNEL_DUMP=1` this prints their IR and machine code.
#[test]
#[ignore]
fn dump_corpus() {
  let unhex = |s: &str| -> String {
    let bytes = (0..s.len())
      .step_by(2)
      .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
      .collect();
    String::from_utf8(bytes).unwrap()
  };
  let mut compiled = 0;
  for line in include_str!("data/vectors.txt").lines() {
    let parts: Vec<&str> = line.split(' ').collect();
    if parts[0] != "K" {
      continue;
    }
    let n_inputs: usize = parts[1].parse().unwrap();
    let source = unhex(parts[2]);
    let names: Vec<String> = if parts[3] == "-" {
      Vec::new()
    } else {
      unhex(parts[3]).split(',').map(String::from).collect()
    };
    eprintln!("==== {source}");
    compile(&source, &names, Mode::Map { n_inputs }).unwrap_or_else(|e| panic!("{source}: {e}"));
    compiled += 1;
  }
  assert!(compiled >= 40, "{compiled} kernels");
}

/// The kernel cache: a cold compile (miss) and a hit, per kernel.
#[test]
#[ignore]
fn time_cache() {
  use napi_parallel_kernel::KernelCache;
  let cache = KernelCache::new(256);
  let m = Mode::Map { n_inputs: 1 };
  let names = ["scale".to_string(), "offset".to_string()];
  let sources: Vec<String> = (0..200)
    .map(|k| format!("(x, i) => {{ let s = x * scale + offset; for (let j = 0; j < {k}; j++) s += Math.sqrt(j + x); return s }}"))
    .collect();
  let t = Instant::now();
  for s in &sources {
    cache.get_or_compile(s, &names, m).unwrap();
  }
  let cold = t.elapsed().as_secs_f64() / sources.len() as f64;
  let hits = 200_000;
  let t = Instant::now();
  for k in 0..hits {
    let s = &sources[k % sources.len()];
    std::hint::black_box(cache.get_or_compile(s, &names, m).unwrap());
  }
  let hit = t.elapsed().as_secs_f64() / hits as f64;
  assert_eq!(cache.len(), sources.len());
  eprintln!(
    "cache: cold compile {:.1} µs/kernel, hit {:.0} ns",
    cold * 1e6,
    hit * 1e9
  );
}

/// Compile latency by phase (medians over 200 distinct kernels, after one
/// warm-up compile): parse + lower, code generation (Cranelift and the JIT
/// module), the whole compile on the calling thread, and through
/// `cache::compile` (which runs it on the compiler thread).
#[test]
#[ignore]
fn time_compile_phases() {
  use napi_parallel_kernel::cache::compile_here;
  use napi_parallel_kernel::codegen;
  use napi_parallel_kernel::parse::parse_kernel_for;
  let m = Mode::Map { n_inputs: 1 };
  let t = Instant::now();
  compile("x => x + 0.125", &[], m).unwrap();
  eprintln!(
    "first compile in the process: {:.0} µs",
    t.elapsed().as_secs_f64() * 1e6
  );
  let sources: Vec<String> = (0..200)
    .map(|k| {
      format!(
        "(x, i) => Math.sin(x * {k}.5) + (i % {}) * Math.sqrt(x)",
        k + 2
      )
    })
    .collect();
  let median = |mut v: Vec<f64>| {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2] * 1e6
  };
  let time = |f: &dyn Fn(&str)| {
    median(
      sources
        .iter()
        .map(|s| {
          let t = Instant::now();
          f(s);
          t.elapsed().as_secs_f64()
        })
        .collect(),
    )
  };
  let parse = time(&|s| {
    std::hint::black_box(parse_kernel_for(s, &[], m).unwrap());
  });
  let programs: Vec<_> = sources
    .iter()
    .map(|s| parse_kernel_for(s, &[], m).unwrap())
    .collect();
  let mut gen_times = Vec::new();
  for p in &programs {
    let t = Instant::now();
    std::hint::black_box(codegen::compile(p, m).unwrap());
    gen_times.push(t.elapsed().as_secs_f64());
  }
  let codegen_us = median(gen_times);
  let here = time(&|s| {
    std::hint::black_box(compile_here(s, &[], m).unwrap());
  });
  let threaded = time(&|s| {
    std::hint::black_box(compile(s, &[], m).unwrap());
  });
  eprintln!(
    "compile phases (median µs): parse+lower {parse:.0}, codegen {codegen_us:.0}, compile_here {here:.0}, compile (thread) {threaded:.0}"
  );
}
