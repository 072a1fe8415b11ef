//! Differential test against V8: `tests/data/vectors.txt` holds each corpus
//! kernel (tests/corpus.js) evaluated by Node; the compiled kernel must give
//! the same double for every element (`Object.is`: NaN equals NaN, -0 is not 0).
//! `tests/data/coverage.txt` holds the same corpus as istanbul instruments it
//! (tests/gen_coverage.js): its `cov_…()` counters must compile away.
//! `tests/data/values.txt` holds each kernel's exact JS result when called as
//! `spawn` calls it (a number, a boolean or `undefined`).

use std::sync::atomic::AtomicBool;

use napi_parallel_kernel::cache::compile;
use napi_parallel_kernel::ir::JsValue;
use napi_parallel_kernel::{Mode, Output, OutputType, run_map};

struct Case {
  n_inputs: usize,
  source: String,
  names: Vec<String>,
  values: Vec<f64>,
  columns: Vec<Vec<f64>>,
  expected: Vec<f64>,
}

fn unhex(s: &str) -> Vec<u8> {
  (0..s.len())
    .step_by(2)
    .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
    .collect()
}

fn f(bits: &str) -> f64 {
  f64::from_bits(u64::from_str_radix(bits, 16).unwrap())
}

fn load(text: &str) -> Vec<Case> {
  let mut cases: Vec<Case> = Vec::new();
  for line in text.lines() {
    let parts: Vec<&str> = line.split(' ').collect();
    match parts[0] {
      "K" => {
        let n_inputs: usize = parts[1].parse().unwrap();
        let source = String::from_utf8(unhex(parts[2])).unwrap();
        let names = if parts[3] == "-" {
          Vec::new()
        } else {
          String::from_utf8(unhex(parts[3]))
            .unwrap()
            .split(',')
            .map(String::from)
            .collect()
        };
        let values = if parts[4] == "-" {
          Vec::new()
        } else {
          parts[4].split(',').map(f).collect()
        };
        cases.push(Case {
          n_inputs,
          source,
          names,
          values,
          columns: vec![Vec::new(); n_inputs],
          expected: Vec::new(),
        });
      }
      "V" => {
        let c = cases.last_mut().unwrap();
        for k in 0..c.n_inputs {
          c.columns[k].push(f(parts[1 + k]));
        }
        c.expected.push(f(parts[1 + c.n_inputs]));
      }
      _ => {}
    }
  }
  cases
}

fn same(a: f64, b: f64) -> bool {
  (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

#[test]
fn corpus_matches_v8() {
  let cases = load(include_str!("data/vectors.txt"));
  assert!(cases.len() >= 40, "corpus has {} kernels", cases.len());
  check(&cases);
}

/// The corpus instrumented by istanbul-lib-instrument (what `nyc` and
/// `jest --coverage` run) compiles and gives V8's results.
#[test]
fn instrumented_corpus_matches_v8() {
  let cases = load(include_str!("data/coverage.txt"));
  let plain = load(include_str!("data/vectors.txt"));
  assert_eq!(cases.len(), plain.len());
  for c in &cases {
    assert!(
      c.source.contains("().f[") && c.source.contains("().s["),
      "not instrumented: {}",
      c.source
    );
  }
  assert!(cases.iter().any(|c| c.source.contains("().b[")));
  check(&cases);
}

fn check(cases: &[Case]) {
  let cancel = AtomicBool::new(false);
  let mut failures = Vec::new();
  for c in cases {
    let kernel = match compile(
      &c.source,
      &c.names,
      Mode::Map {
        n_inputs: c.n_inputs,
      },
    ) {
      Ok(k) => k,
      Err(e) => {
        failures.push(format!("{}: does not compile: {e}", c.source));
        continue;
      }
    };
    let cols: Vec<&[f64]> = c.columns.iter().map(|v| v.as_slice()).collect();
    // A small chunk size exercises the chunking too.
    let out = match run_map(
      &kernel,
      &cols,
      &c.values,
      OutputType::Float64,
      Some(7),
      &cancel,
    ) {
      Ok(Output::Float64(v)) => v,
      other => {
        failures.push(format!("{}: run failed: {other:?}", c.source));
        continue;
      }
    };
    for (i, (got, want)) in out.iter().zip(&c.expected).enumerate() {
      if !same(*got, *want) {
        let ins: Vec<f64> = c.columns.iter().map(|col| col[i]).collect();
        failures.push(format!(
          "{}\n    inputs {ins:?} (i={i}): got {got:?}, V8 gives {want:?}",
          c.source
        ));
        break;
      }
    }
  }
  assert!(
    failures.is_empty(),
    "{} of {} kernels differ:\n  {}",
    failures.len(),
    cases.len(),
    failures.join("\n  ")
  );
}

/// One call of `tests/data/values.txt`: the arguments and V8's result.
struct ValueCase {
  source: String,
  names: Vec<String>,
  values: Vec<f64>,
  calls: Vec<(Vec<f64>, JsValue)>,
}

fn load_values(text: &str) -> Vec<ValueCase> {
  let mut out: Vec<ValueCase> = Vec::new();
  for line in text.lines() {
    let parts: Vec<&str> = line.split(' ').collect();
    match parts[0] {
      "K" => {
        let [k] = load(line).try_into().ok().unwrap();
        out.push(ValueCase {
          source: k.source,
          names: k.names,
          values: k.values,
          calls: Vec::new(),
        });
      }
      "C" => {
        let n = parts.len() - 3;
        let args = parts[1..1 + n].iter().map(|b| f(b)).collect();
        let bits = f(parts[n + 2]);
        let value = match parts[n + 1] {
          "b" => JsValue::Boolean(bits != 0.0),
          "u" => JsValue::Undefined,
          _ => JsValue::Number(bits),
        };
        out.last_mut().unwrap().calls.push((args, value));
      }
      _ => {}
    }
  }
  out
}

/// Every corpus kernel called as `spawn` calls it returns exactly V8's JS
/// value: the same kind (number, boolean, undefined) and, for a number, the
/// same double (`Object.is`).
#[test]
fn corpus_values_match_v8_in_call_mode() {
  let cases = load_values(include_str!("data/values.txt"));
  assert!(cases.len() >= 40);
  let kinds = |pred: fn(&JsValue) -> bool| {
    cases
      .iter()
      .flat_map(|c| &c.calls)
      .filter(|(_, v)| pred(v))
      .count()
  };
  assert!(kinds(|v| matches!(v, JsValue::Boolean(_))) > 20);
  assert!(kinds(|v| matches!(v, JsValue::Undefined)) > 5);
  let cancel = AtomicBool::new(false);
  let mut failures = Vec::new();
  for c in &cases {
    let n_args = c.calls[0].0.len();
    let kernel = match compile(&c.source, &c.names, Mode::call(n_args)) {
      Ok(k) => k,
      Err(e) => {
        failures.push(format!("{}: does not compile: {e}", c.source));
        continue;
      }
    };
    for (args, want) in &c.calls {
      let got = kernel.call_value(args, &c.values, &cancel);
      let ok = match (&got, want) {
        (Ok(JsValue::Number(a)), JsValue::Number(b)) => same(*a, *b),
        (Ok(a), b) => a == b,
        _ => false,
      };
      if !ok {
        failures.push(format!(
          "{} {args:?}: got {got:?}, V8 gives {want:?}",
          c.source
        ));
      }
    }
  }
  assert!(failures.is_empty(), "{}", failures.join("\n"));
}
