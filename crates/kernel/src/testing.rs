//! Helpers for the unit tests of the compiler's modules: lower a source,
//! get the message of a rejection, run a kernel once or over an array.

use std::sync::atomic::AtomicBool;

use crate::codegen::Mode;
use crate::error::KernelError;
use crate::ir::{JsValue, Program};

/// Parses and lowers `source` (no `params`).
pub fn lower(source: &str) -> Result<Program, KernelError> {
  crate::parse::parse_kernel(source, &[])
}

/// The message of the `Unsupported` error `source` must give.
pub fn rejection(source: &str) -> String {
  match lower(source) {
    Err(KernelError::Unsupported { message, .. }) => message,
    Err(other) => panic!("{source}: expected Unsupported, got {other:?}"),
    Ok(_) => panic!("{source}: expected Unsupported, it lowered"),
  }
}

/// Compiles `source` in call mode and calls it once with `args`.
pub fn call(source: &str, args: &[f64]) -> f64 {
  let k = crate::cache::compile(source, &[], Mode::call(args.len()))
    .unwrap_or_else(|e| panic!("{source}: {e}"));
  k.call(args, &[], &AtomicBool::new(false))
    .unwrap_or_else(|e| panic!("{source}: {e}"))
}

/// Compiles `source` in call mode for the kinds of `args` (numbers,
/// booleans, `undefined`) and calls it once; its result as the JS value.
pub fn call_js(source: &str, args: &[JsValue]) -> JsValue {
  let kinds: Vec<_> = args.iter().map(|a| a.kind()).collect();
  let kinds = crate::codegen::ArgKinds::from_kinds(&kinds).expect("argument kinds");
  let mode = Mode::Call {
    n_args: args.len(),
    kinds,
  };
  let k = crate::cache::compile(source, &[], mode).unwrap_or_else(|e| panic!("{source}: {e}"));
  let payloads: Vec<f64> = args.iter().map(|a| a.to_number()).collect();
  k.call_value(&payloads, &[], &AtomicBool::new(false))
    .unwrap_or_else(|e| panic!("{source}: {e}"))
}

/// Compiles `source` in map mode (one input) and maps it over `xs`.
pub fn map(source: &str, xs: &[f64]) -> Vec<f64> {
  let k = crate::cache::compile(source, &[], Mode::Map { n_inputs: 1 })
    .unwrap_or_else(|e| panic!("{source}: {e}"));
  let mut out = vec![0.0; xs.len()];
  k.run_chunk(&[xs], &[], 0, &mut out, &AtomicBool::new(false))
    .unwrap_or_else(|e| panic!("{source}: {e}"));
  out
}

/// Asserts `Object.is(actual, expected)` for each pair (NaN equals NaN, -0
/// is not 0), naming the source and the element.
pub fn assert_same(source: &str, actual: &[f64], expected: &[f64]) {
  assert_eq!(actual.len(), expected.len(), "{source}");
  for (k, (a, e)) in actual.iter().zip(expected).enumerate() {
    assert!(
      a.to_bits() == e.to_bits() || (a.is_nan() && e.is_nan()),
      "{source}: element {k}: got {a:?}, JS gives {e:?}"
    );
  }
}
