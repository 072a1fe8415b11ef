//! Bit-exactness against outputs recorded from each supported V8's own Math
//! (`tests/gen_vectors.mjs`, one file per V8 version: `data/v8-11.3.bin`
//! from Node 20, `v8-12.4` Node 22, `v8-13.6` Node 24, `v8-14.6` Node 26).
//! No node process exists under `cargo test`, so the dlsym path resolves
//! nothing and these tests exercise the Rust port (through the same
//! `extern "C"` entry points a JIT calls); `pow` is computed the way that
//! file's V8 computes it ([`vm::v8version::pow_impl_for`], the same table
//! the runtime picks from).
//!
//! Set `VMATH_EXTRA_VECTORS=/path/v8-13.6.bin` to also check a larger file
//! made with `node tests/gen_vectors.mjs 200000 /path/v8-13.6.bin` (the V8
//! version is read from the file name).

// Literal values are what Node prints; keep them verbatim.
#![allow(clippy::approx_constant)]

use napi_parallel_vmath as vm;
use std::collections::BTreeMap;

const SPECIALS: &[f64] = &[
  0.0,
  -0.0,
  f64::INFINITY,
  f64::NEG_INFINITY,
  f64::NAN,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  -2.2250738585072014e-308,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  1.0,
  -1.0,
  0.5,
  -0.5,
  2.0,
  -2.0,
  1e-300,
  -1e-300,
  1e300,
  std::f64::consts::PI / 4.0,
  std::f64::consts::PI / 2.0,
  std::f64::consts::PI,
  2.0 * std::f64::consts::PI,
  -std::f64::consts::PI,
  24.0,
  2.5,
  1e22,
  -1e22,
  1e-8,
  0.1,
  700.0,
  710.0,
  709.782712893384,
  -745.1332191019412,
  -745.2,
  3.7e-9,
  22.0,
  -22.0,
  0.34657359027997264,
  1.0397207708399179,
  0.975,
  1e-17,
  3.0,
  10.0,
  100.0,
  1e5,
  1e10,
  4503599627370496.0,
  9007199254740992.0,
  18446744073709551616.0,
  8.98846567431158e307,
  0.7071067811865476,
  1.4142135623730951,
  1.5,
  0.9999999999999999,
  1.0000000000000002,
  -0.9999999999999999,
  7.0 / 16.0,
  11.0 / 16.0,
  19.0 / 16.0,
  39.0 / 16.0,
];

const BIN_SPECIALS: &[f64] = &[
  0.0,
  -0.0,
  f64::INFINITY,
  f64::NEG_INFINITY,
  f64::NAN,
  5e-324,
  1.0,
  -1.0,
  0.5,
  -0.5,
  2.0,
  -2.0,
  3.0,
  -3.0,
  1.5,
  1e300,
  -1e300,
  1e-300,
  10.0,
  -5.0,
  1024.0,
  -1075.0,
  0.1,
  1.0 / 3.0,
];

/// (name, arity, [S, emin, emax]) — must match FUNCS in gen_vectors.mjs.
const FUNCS: &[(&str, usize, (f64, i64, i64))] = &[
  ("sin", 1, (1e3, -40, 1023)),
  ("cos", 1, (1e3, -40, 1023)),
  ("tan", 1, (1e3, -40, 1023)),
  ("asin", 1, (1.0, -40, 1)),
  ("acos", 1, (1.0, -40, 1)),
  ("atan", 1, (10.0, -40, 80)),
  ("sinh", 1, (30.0, -40, 10)),
  ("cosh", 1, (30.0, -40, 10)),
  ("tanh", 1, (25.0, -40, 6)),
  ("asinh", 1, (1e3, -40, 100)),
  ("acosh", 1, (1e3, 0, 100)),
  ("atanh", 1, (1.0, -40, 0)),
  ("exp", 1, (720.0, -40, 10)),
  ("expm1", 1, (60.0, -60, 10)),
  ("log", 1, (1e6, -1074, 1023)),
  ("log1p", 1, (4.0, -60, 1023)),
  ("log2", 1, (1e6, -1074, 1023)),
  ("log10", 1, (1e6, -1074, 1023)),
  ("cbrt", 1, (1e6, -1074, 1023)),
  ("atan2", 2, (100.0, -60, 60)),
  ("pow", 2, (10.0, -12, 12)),
  ("hypot2", 2, (1e3, -600, 600)),
  ("round", 1, (1e3, -60, 60)),
];

fn fnv1a(name: &str) -> u64 {
  let mut h: u64 = 0xcbf29ce484222325;
  for b in name.bytes() {
    h ^= b as u64;
    h = h.wrapping_mul(0x100000001b3);
  }
  h
}

struct Rng(u64);
impl Rng {
  fn next(&mut self) -> u64 {
    self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
    let mut z = self.0;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
  }
}

fn draw(r: &mut Rng, (s, emin, emax): (f64, i64, i64)) -> f64 {
  let sel = r.next() & 7;
  let v = r.next();
  let unit = (v >> 11) as f64 / 9007199254740992.0;
  match sel {
    0 | 1 => f64::from_bits(v),
    2..=4 => (unit * 2.0 - 1.0) * s,
    5 => (unit * 2.0 - 1.0) * 2.0,
    6 => {
      let span = (emax - emin + 1) as u64;
      let e = emin + ((v >> 52) % span) as i64;
      let sign = (v >> 63) << 63;
      let mant = v & 0xf_ffff_ffff_ffff;
      let be = 1023 + e;
      if be <= 0 {
        f64::from_bits(sign | ((mant | (1u64 << 52)) >> (1 - be)))
      } else {
        f64::from_bits(sign | ((be as u64) << 52) | mant)
      }
    }
    _ => {
      let k = ((v >> 8) % 257) as i64 - 128;
      let base = k as f64 * 0.5;
      let d = (v & 7) as i64 - 3;
      if base == 0.0 {
        f64::from_bits(d.unsigned_abs())
      } else {
        f64::from_bits((base.to_bits() as i64 + d) as u64)
      }
    }
  }
}

fn inputs(name: &str, arity: usize, params: (f64, i64, i64), n_random: usize) -> Vec<(f64, f64)> {
  let mut r = Rng(fnv1a(name));
  let mut list = Vec::new();
  if arity == 1 {
    list.extend(SPECIALS.iter().map(|&x| (x, 0.0)));
    for _ in 0..n_random {
      list.push((draw(&mut r, params), 0.0));
    }
  } else {
    for &x in BIN_SPECIALS {
      for &y in BIN_SPECIALS {
        list.push((x, y));
      }
    }
    for _ in 0..n_random {
      let x = draw(&mut r, params);
      let mut y = draw(&mut r, params);
      if name == "pow" {
        let m = r.next() & 3;
        if m == 0 {
          y = y.trunc();
        } else if m == 1 {
          y = vm::js_round(y * 2.0) / 2.0;
        }
      }
      list.push((x, y));
    }
  }
  list
}

fn call(name: &str, pow: vm::PowImpl, x: f64, y: f64) -> f64 {
  match name {
    "atan2" => vm::js_atan2(x, y),
    "pow" => vm::js_pow_with(pow, x, y),
    "hypot2" => vm::hypot(&[x, y]),
    "round" => vm::js_round(x),
    _ => {
      let f = vm::lookup(name).expect("unary entry");
      assert_eq!(f.arity, 1);
      // SAFETY: unary entries hold `extern "C" fn(f64) -> f64` pointers.
      let f: vm::UnaryFn = unsafe { std::mem::transmute(f.ptr) };
      f(x)
    }
  }
}

fn same(a: f64, b: f64) -> bool {
  a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Returns mismatch counts per function (and prints the first few).
fn check_file(bytes: &[u8], pow: vm::PowImpl) -> BTreeMap<String, (usize, usize)> {
  assert_eq!(&bytes[0..4], b"VMV1", "bad magic");
  let n_random = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
  let n_funcs = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
  let mut o = 12;
  let mut result = BTreeMap::new();
  for _ in 0..n_funcs {
    let len = bytes[o] as usize;
    o += 1;
    let name = std::str::from_utf8(&bytes[o..o + len]).unwrap().to_string();
    o += len;
    let count = u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap()) as usize;
    o += 4;
    let &(_, arity, params) = FUNCS.iter().find(|f| f.0 == name).expect("known function");
    let ins = inputs(&name, arity, params, n_random);
    assert_eq!(
      ins.len(),
      count,
      "{name}: input count differs from the generator"
    );
    let mut bad = 0;
    for (i, &(x, y)) in ins.iter().enumerate() {
      let want = f64::from_bits(u64::from_le_bytes(
        bytes[o + 8 * i..o + 8 * i + 8].try_into().unwrap(),
      ));
      let got = call(&name, pow, x, y);
      if !same(got, want) {
        if bad < 5 {
          eprintln!(
            "{name}({x:e}, {y:e}) [{:#x}, {:#x}]: got {got:e} want {want:e}",
            x.to_bits(),
            y.to_bits()
          );
        }
        bad += 1;
      }
    }
    o += 8 * count;
    result.insert(name, (bad, count));
  }
  assert_eq!(o, bytes.len(), "trailing bytes");
  result
}

fn report_and_assert(res: &BTreeMap<String, (usize, usize)>) {
  let mut total_bad = 0;
  for (name, (bad, n)) in res {
    eprintln!("{name:>7}: {bad} mismatches / {n}");
    total_bad += bad;
  }
  assert_eq!(total_bad, 0, "mismatches against V8 vectors");
}

/// The V8 version in a vector file's name: `.../v8-13.6.bin` → 13.6.
fn version_of(path: &std::path::Path) -> vm::V8Version {
  let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
  let v = stem.strip_prefix("v8-").unwrap_or(stem);
  vm::V8Version::parse(v)
    .unwrap_or_else(|| panic!("{}: name it v8-<major>.<minor>.bin", path.display()))
}

/// Checks one file against the pow its V8 computes; returns that V8.
fn check_path(path: &std::path::Path) -> vm::V8Version {
  let v = version_of(path);
  let (pow, known) = vm::v8version::pow_impl_for(v);
  let bytes = std::fs::read(path).expect("read vectors");
  eprintln!("== {} (V8 {v}, pow {pow:?}, known {known})", path.display());
  let res = check_file(&bytes, pow);
  assert_eq!(res.len(), FUNCS.len());
  report_and_assert(&res);
  v
}

#[test]
fn matches_every_supported_v8_bit_for_bit() {
  let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
  let mut seen: Vec<vm::V8Version> = std::fs::read_dir(&dir)
    .expect("tests/data")
    .map(|e| e.expect("dir entry").path())
    .filter(|p| p.extension().is_some_and(|e| e == "bin"))
    .map(|p| check_path(&p))
    .collect();
  seen.sort();
  // One file per V8 the runtime knows, and no file for a V8 it does not.
  let known: Vec<vm::V8Version> = vm::v8version::KNOWN.iter().map(|k| k.0).collect();
  assert_eq!(
    seen, known,
    "tests/data must hold one vector file per known V8"
  );
}

#[test]
fn extra_vectors_from_env() {
  let Ok(path) = std::env::var("VMATH_EXTRA_VECTORS") else {
    return;
  };
  check_path(std::path::Path::new(&path));
}
