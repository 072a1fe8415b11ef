//! Seeded random kernels through the public API (`cache::compile`,
//! `run_map`): random numeric expressions must agree with a plain f64
//! evaluator written with JS's rules (`Object.is` per element); mutated
//! (garbage) sources and deeply nested ones must be an `Unsupported` error
//! or compile, never a panic, an `Internal` error or a crash.

use std::sync::atomic::AtomicBool;

use napi_parallel_kernel::cache::compile;
use napi_parallel_kernel::{KernelError, Mode, Output, OutputType, run_map};

/// splitmix64: a seeded generator without a dependency.
struct Rng(u64);

impl Rng {
  fn next(&mut self) -> u64 {
    self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = self.0;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
  }
  fn below(&mut self, n: usize) -> usize {
    (self.next() % n as u64) as usize
  }
  fn pick<T: Copy>(&mut self, items: &[T]) -> T {
    items[self.below(items.len())]
  }
}

/// A numeric expression over `x` and `i`.
enum Expr {
  Num(f64),
  X,
  I,
  Neg(Box<Expr>),
  Bin(&'static str, Box<Expr>, Box<Expr>),
  Cond(&'static str, Box<Expr>, Box<Expr>, Box<Expr>, Box<Expr>),
  Call(&'static str, Vec<Expr>),
}

fn generate(rng: &mut Rng, depth: usize) -> Expr {
  if depth == 0 || rng.below(4) == 0 {
    return match rng.below(4) {
      0 => Expr::X,
      1 => Expr::I,
      _ => Expr::Num(rng.pick(&[0.0, 1.0, 2.0, 3.0, 0.5, 7.25, 1e300, 4294967296.0])),
    };
  }
  fn sub(rng: &mut Rng, depth: usize) -> Box<Expr> {
    Box::new(generate(rng, depth - 1))
  }
  match rng.below(5) {
    0 => Expr::Neg(sub(rng, depth)),
    1 | 2 => {
      let op = rng.pick(&["+", "-", "*", "/", "%"]);
      Expr::Bin(op, sub(rng, depth), sub(rng, depth))
    }
    3 => {
      let cmp = rng.pick(&["<", "<=", ">", ">=", "===", "!=="]);
      let (a, b) = (sub(rng, depth), sub(rng, depth));
      Expr::Cond(cmp, a, b, sub(rng, depth), sub(rng, depth))
    }
    _ => {
      let f = rng.pick(&["abs", "floor", "ceil", "trunc", "max", "min", "sign"]);
      let n = if matches!(f, "max" | "min") {
        1 + rng.below(4)
      } else {
        1
      };
      Expr::Call(f, (0..n).map(|_| generate(rng, depth - 1)).collect())
    }
  }
}

fn source(e: &Expr, out: &mut String) {
  match e {
    Expr::Num(v) => out.push_str(&format!("{v:?}")),
    Expr::X => out.push('x'),
    Expr::I => out.push('i'),
    Expr::Neg(a) => {
      out.push_str("-(");
      source(a, out);
      out.push(')');
    }
    Expr::Bin(op, a, b) => {
      out.push('(');
      source(a, out);
      out.push_str(&format!(" {op} "));
      source(b, out);
      out.push(')');
    }
    Expr::Cond(cmp, a, b, c, d) => {
      out.push('(');
      source(a, out);
      out.push_str(&format!(" {cmp} "));
      source(b, out);
      out.push_str(" ? ");
      source(c, out);
      out.push_str(" : ");
      source(d, out);
      out.push(')');
    }
    Expr::Call(f, args) => {
      out.push_str(&format!("Math.{f}("));
      for (k, a) in args.iter().enumerate() {
        if k > 0 {
          out.push_str(", ");
        }
        source(a, out);
      }
      out.push(')');
    }
  }
}

/// JS's `Math.max`/`Math.min` (NaN wins, +0 > -0).
fn js_max(a: f64, b: f64, max: bool) -> f64 {
  if a.is_nan() || b.is_nan() {
    return f64::NAN;
  }
  if a == b && a == 0.0 {
    let neg = if max {
      a.is_sign_negative() && b.is_sign_negative()
    } else {
      a.is_sign_negative() || b.is_sign_negative()
    };
    return if neg { -0.0 } else { 0.0 };
  }
  if (a > b) == max { a } else { b }
}

fn eval(e: &Expr, x: f64, i: f64) -> f64 {
  match e {
    Expr::Num(v) => *v,
    Expr::X => x,
    Expr::I => i,
    Expr::Neg(a) => -eval(a, x, i),
    Expr::Bin(op, a, b) => {
      let (a, b) = (eval(a, x, i), eval(b, x, i));
      match *op {
        "+" => a + b,
        "-" => a - b,
        "*" => a * b,
        "/" => a / b,
        _ => a % b,
      }
    }
    Expr::Cond(cmp, a, b, c, d) => {
      let (a, b) = (eval(a, x, i), eval(b, x, i));
      let t = match *cmp {
        "<" => a < b,
        "<=" => a <= b,
        ">" => a > b,
        ">=" => a >= b,
        "===" => a == b,
        _ => a != b,
      };
      if t { eval(c, x, i) } else { eval(d, x, i) }
    }
    Expr::Call(f, args) => {
      let v: Vec<f64> = args.iter().map(|a| eval(a, x, i)).collect();
      match *f {
        "abs" => v[0].abs(),
        "floor" => v[0].floor(),
        "ceil" => v[0].ceil(),
        "trunc" => v[0].trunc(),
        "sign" => {
          if v[0].is_nan() || v[0] == 0.0 {
            v[0]
          } else {
            v[0].signum()
          }
        }
        "max" => v.iter().fold(f64::NEG_INFINITY, |m, &a| js_max(m, a, true)),
        _ => v.iter().fold(f64::INFINITY, |m, &a| js_max(m, a, false)),
      }
    }
  }
}

const XS: &[f64] = &[
  0.0,
  -0.0,
  1.0,
  -1.0,
  0.5,
  2.5,
  -7.0,
  1e308,
  -1e308,
  5e-324,
  f64::NAN,
  f64::INFINITY,
  f64::NEG_INFINITY,
  2147483648.0,
  9007199254740993.0,
];

fn same(a: f64, b: f64) -> bool {
  a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn map1(src: &str) -> Result<Vec<f64>, KernelError> {
  let k = compile(src, &[], Mode::Map { n_inputs: 1 })?;
  let cancel = AtomicBool::new(false);
  match run_map(&k, &[XS], &[], OutputType::Float64, Some(4), &cancel)? {
    Output::Float64(v) => Ok(v),
    _ => unreachable!("asked for float64"),
  }
}

#[test]
fn random_expressions_agree_with_a_js_rules_evaluator() {
  for seed in 0..400u64 {
    let mut rng = Rng(seed);
    let depth = 1 + rng.below(6);
    let e = generate(&mut rng, depth);
    let mut body = String::new();
    source(&e, &mut body);
    let src = format!("(x, i) => {body}");
    let got = map1(&src).unwrap_or_else(|err| panic!("seed {seed}: {src} failed: {err:?}"));
    for (i, (&x, &g)) in XS.iter().zip(&got).enumerate() {
      let want = eval(&e, x, i as f64);
      assert!(
        same(g, want),
        "seed {seed}: {src} at x={x:?} i={i}: got {g:?}, want {want:?}"
      );
    }
  }
}

/// Pieces a mutation inserts: tokens of the subset and of what it rejects.
const TOKENS: &[&str] = &[
  "(",
  ")",
  "{",
  "}",
  "[",
  "]",
  ",",
  ";",
  "?",
  ":",
  "=",
  "=>",
  "+",
  "-",
  "!",
  "~",
  "**",
  "x",
  "i",
  "1",
  "0.5",
  "let ",
  "const ",
  "return ",
  "if ",
  "else ",
  "for ",
  "while ",
  "function ",
  "Math.hypot",
  "Math.max",
  "Math.sin",
  "this",
  "arguments",
  "\"s\"",
  "`t`",
  "/re/",
  "\0",
  "\u{d7ff}",
  "😀",
  "\\u0041",
  "...",
  "?.",
  "??",
  "new ",
  "delete ",
  "typeof ",
  "class ",
  "async ",
  "yield ",
  "await ",
  "1e400",
  "0x",
  "0b2",
  "\n",
  "/*",
  "*/",
  "//",
];

#[test]
fn mutated_sources_are_errors_not_panics() {
  let seeds_src = [
    "(x, i) => x * 2 + i",
    "x => { let s = 0; for (let k = 0; k < 10; k++) { if (k % 2) continue; s += k } return s + x }",
    "function f(n) { return n < 2 ? n : f(n - 1) + f(n - 2) }",
    "x => { function sq(a) { return a * a } return Math.hypot(sq(x), 2, x) }",
    "(x) => x > 0 ? Math.max(x, 1, 2) : -x ** 2",
  ];
  for seed in 0..600u64 {
    let mut rng = Rng(seed ^ 0x5eed);
    let mut src: Vec<char> = rng.pick(&seeds_src).chars().collect();
    for _ in 0..1 + rng.below(4) {
      let at = rng.below(src.len() + 1);
      match rng.below(3) {
        0 if !src.is_empty() => {
          let end = (at + 1 + rng.below(4)).min(src.len());
          src.drain(at.min(src.len())..end.max(at.min(src.len())));
        }
        _ => {
          let tok = rng.pick(TOKENS);
          for (k, c) in tok.chars().enumerate() {
            src.insert(at + k, c);
          }
        }
      }
    }
    let text: String = src.into_iter().collect();
    match compile(&text, &[], Mode::Map { n_inputs: 1 }) {
      Ok(_) | Err(KernelError::Unsupported { .. }) => {}
      Err(e) => panic!("seed {seed}: {text:?} gave {e:?}"),
    }
  }
}

#[test]
fn deep_nesting_is_an_error_or_compiles_never_a_crash() {
  let mut rng = Rng(42);
  for &n in &[10usize, 300, 3_000, 30_000, 200_000] {
    let shapes = [
      format!("x => {}x", "- ".repeat(n)),
      format!("x => {}x", "!".repeat(n)),
      format!("x => {}x{}", "(".repeat(n), ")".repeat(n)),
      format!("x => {}0", "x > 1 ? 1 : ".repeat(n)),
      format!("x => {}2", "x ** ".repeat(n)),
      format!("x => {{ let a = 0; a = {}x; return a }}", "a = ".repeat(n)),
      format!("x => {{ {}return 1; return 0 }}", "if (x) ".repeat(n)),
      format!("x => {}x{}", "Math.abs(".repeat(n), ")".repeat(n)),
      format!("x => x{}", " + x".repeat(n)),
    ];
    for src in shapes {
      let shape: String = src.chars().take(24).collect();
      match compile(
        &src,
        &[],
        Mode::Map {
          n_inputs: rng.pick(&[1, 2]),
        },
      ) {
        Ok(_) | Err(KernelError::Unsupported { .. }) => {}
        Err(e) => panic!("depth {n}, {shape}…: {e:?}"),
      }
    }
  }
}
