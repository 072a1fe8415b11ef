use std::sync::atomic::AtomicBool;

use napi_parallel_kernel::cache::compile;
use napi_parallel_kernel::{Mode, Output, OutputType, run_map};

fn map1(src: &str, xs: &[f64]) -> Vec<f64> {
  let k = compile(src, &[], Mode::Map { n_inputs: 1 }).unwrap();
  let cancel = AtomicBool::new(false);
  match run_map(&k, &[xs], &[], OutputType::Float64, Some(3), &cancel).unwrap() {
    Output::Float64(v) => v,
    _ => unreachable!(),
  }
}

#[test]
fn smoke() {
  assert_eq!(
    map1("x => x * 2.5 + 1", &[1.0, 2.0, 3.0, 4.0]),
    vec![3.5, 6.0, 8.5, 11.0]
  );
  assert_eq!(
    map1("(x, i) => i", &[0.0; 5]),
    vec![0.0, 1.0, 2.0, 3.0, 4.0]
  );
  assert_eq!(
    map1(
      "function (x) { let s = 0; for (let k = 0; k < x; k++) { if (k % 2) continue; s += k } return s }",
      &[10.0]
    ),
    vec![20.0]
  );
  assert_eq!(
    map1(
      "function f(n) { return n < 2 ? n : f(n - 1) + f(n - 2) }",
      &[10.0, 20.0]
    ),
    vec![55.0, 6765.0]
  );
  assert_eq!(
    map1(
      "x => { function sq(a) { return a * a } return sq(x) + sq(2) }",
      &[3.0]
    ),
    vec![13.0]
  );
}
