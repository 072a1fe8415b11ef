//! Diagnostics, run by hand: `NAPI_PARALLEL_KERNEL_DUMP=1 cargo test -p
//! napi-parallel-kernel --test dump -- --ignored --nocapture` prints the
//! Cranelift IR and machine code, and a single-thread timing.
use std::sync::atomic::AtomicBool;
use std::time::Instant;

const MANDELBROT: &str = "(x, i) => { const cr = -2 + ((i % 2048) / 2048) * 2.5; const ci = -1.25 + (Math.floor(i / 2048) / 2048) * 2.5 + x * 0; let zr = 0; let zi = 0; let n = 0; while (n < 200 && zr * zr + zi * zi <= 4) { const t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; n++ } return n }";

#[test]
#[ignore]
fn dump_mandelbrot() {
  let k = napi_parallel_kernel::cache::compile(
    MANDELBROT,
    &[],
    napi_parallel_kernel::Mode::Map { n_inputs: 1 },
  )
  .unwrap();
  let xs = vec![0.0; 1 << 20];
  let mut out = vec![0.0; 1 << 20];
  let cancel = AtomicBool::new(false);
  for _ in 0..3 {
    let t = Instant::now();
    k.run_chunk(&[&xs], &[], 0, &mut out, &cancel).unwrap();
    eprintln!("mandelbrot 1M on one thread: {:?}", t.elapsed());
  }
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
      "calls",
      "(x, i) => { function f(a) { return a * 0.5 + 1 } let s = 0; for (let k = 0; k < 8; k++) s += f(k + x); return s }",
    ),
  ];
  let n = 1 << 20;
  let xs: Vec<f64> = (0..n).map(|i| (i % 100_000) as f64 * 0.37 + 1.0).collect();
  let mut out = vec![0.0; n];
  let cancel = AtomicBool::new(false);
  for (name, src) in cases {
    let k = napi_parallel_kernel::cache::compile(
      src,
      &[],
      napi_parallel_kernel::Mode::Map { n_inputs: 1 },
    )
    .unwrap();
    let mut best = f64::MAX;
    for _ in 0..5 {
      let t = Instant::now();
      k.run_chunk(&[&xs], &[], 0, &mut out, &cancel).unwrap();
      best = best.min(t.elapsed().as_secs_f64());
    }
    eprintln!("{name}: {:.2} ns/elem", best * 1e9 / n as f64);
  }
}

#[test]
#[ignore]
fn time_input_copy() {
  let xs: Vec<f64> = (0..(4 << 20)).map(|i| i as f64).collect();
  for _ in 0..5 {
    let t = Instant::now();
    let copy = xs.to_vec();
    eprintln!("copy of 32 MB: {:?} ({})", t.elapsed(), copy[12345]);
  }
}
