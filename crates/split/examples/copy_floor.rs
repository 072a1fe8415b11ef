//! Where an async scan's copy of a plain Buffer goes: page faults of a fresh
//! allocation against the memcpy itself, serial and parallel, next to the
//! in-place `count_lines` it precedes.
//!
//!   cargo run --release -p napi-parallel-split --example copy_floor [MB]

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use napi_parallel_split::{Haystack, copy::extend_parallel, count_lines};

fn median(mut v: Vec<f64>) -> f64 {
  v.sort_by(f64::total_cmp);
  v[v.len() / 2]
}

fn time(name: &str, rounds: usize, mut f: impl FnMut()) -> f64 {
  f();
  let ms = median(
    (0..rounds)
      .map(|_| {
        let t = Instant::now();
        f();
        t.elapsed().as_secs_f64() * 1e3
      })
      .collect(),
  );
  println!("{name:<44} {ms:8.1} ms");
  ms
}

fn main() {
  let mb: usize = std::env::args()
    .nth(1)
    .and_then(|a| a.parse().ok())
    .unwrap_or(199);
  let n = mb * 1_000_000;
  let src: Vec<u8> = (0..n)
    .map(|i| if i % 87 == 86 { b'\n' } else { b'a' })
    .collect();
  let never = AtomicBool::new(false);
  let rounds = 9;
  let scan = time("count_lines in place (the sync scan)", rounds, || {
    std::hint::black_box(count_lines(&Haystack::bytes(&src), 1 << 20, &never));
  });
  let fresh_touch = time("fresh Vec, first write of every page only", rounds, || {
    let mut v: Vec<u8> = Vec::with_capacity(n);
    let spare = v.spare_capacity_mut();
    for i in (0..n).step_by(4096) {
      spare[i].write(1);
    }
    std::hint::black_box(&v);
  });
  time("fresh Vec + serial memcpy", rounds, || {
    let mut v: Vec<u8> = Vec::with_capacity(n);
    v.extend_from_slice(&src);
    std::hint::black_box(&v);
  });
  let fresh_par = time("fresh Vec + parallel copy", rounds, || {
    let mut v: Vec<u8> = Vec::with_capacity(n);
    extend_parallel(&mut v, &src, 1 << 20);
    std::hint::black_box(&v);
  });
  let mut warm: Vec<u8> = Vec::with_capacity(n);
  let warm_serial = time("warm (reused) Vec + serial memcpy", rounds, || {
    warm.clear();
    warm.extend_from_slice(&src);
    std::hint::black_box(&warm);
  });
  let warm_par = time("warm (reused) Vec + parallel copy", rounds, || {
    warm.clear();
    extend_parallel(&mut warm, &src, 1 << 20);
    std::hint::black_box(&warm);
  });
  println!(
    "threads {}; page faults of a fresh Vec ~{fresh_touch:.1} ms; copy+scan / scan: fresh parallel {:.2}, warm serial {:.2}, warm parallel {:.2}",
    rayon::current_num_threads(),
    (fresh_par + scan) / scan,
    (warm_serial + scan) / scan,
    (warm_par + scan) / scan
  );
}
