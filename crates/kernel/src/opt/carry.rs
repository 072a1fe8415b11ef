//! Products that a loop's test computes, reused by the loop's body.
//!
//! `while (n < 200 && zr * zr + zi * zi <= 4) { const t = zr * zr - zi * zi + cr; … }`
//! computes `zr * zr` and `zi * zi` in the test and again at the top of the
//! body, with the same operands: the body is entered only when the test was
//! true, and a true `&&` chain evaluated every conjunct. This pass gives each
//! such product a fresh number local `s`, assigns it where the test computes
//! the product (`(s = zr * zr) + …`) and reads `s` in the body until either
//! operand is assigned. The value is the same double (the same operation on
//! the same operands), so results are bit-identical; the loop does two
//! multiplications fewer per iteration. Code generation emits the rotated
//! test twice (before the loop and at the latch), and both assign `s`.
//!
//! A product qualifies when both operands are number-typed locals that are
//! not int32 locals, the test assigns neither, it is evaluated on every path
//! on which the test is true (not under `||`, `??`, `?:` or the right of a
//! nested `&&` inside another operator), and the body reads it at least once
//! before an assignment to an operand. The body is scanned in evaluation
//! order through straight-line statements and `if`s; it stops at a nested
//! loop, a labeled block or a jump.

use crate::ir::{BinOp, Expr, Func, LocalId, NUM, Stmt};

/// A product of two locals (in the order written).
type Pair = (LocalId, LocalId);

/// Rewrites every loop of every function of `funcs`; at most `max_locals`
/// locals per function (no new local past it).
/// `NAPI_PARALLEL_KERNEL_CARRY=0` turns the pass off (a diagnostic, to time
/// code with and without it).
pub fn run(funcs: &mut [Func], max_locals: usize) {
  static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
  if *OFF.get_or_init(|| std::env::var("NAPI_PARALLEL_KERNEL_CARRY").as_deref() == Ok("0")) {
    return;
  }
  for f in funcs {
    let ints = super::int32::int_locals(f);
    let mut body = std::mem::take(&mut f.body);
    stmts(f, &ints, &mut body, max_locals);
    f.body = body;
  }
}

fn stmts(f: &mut Func, ints: &[bool], list: &mut [Stmt], max_locals: usize) {
  for s in list {
    match s {
      Stmt::If(_, a, b) => {
        stmts(f, ints, a, max_locals);
        stmts(f, ints, b, max_locals);
      }
      Stmt::Block(_, body) => stmts(f, ints, body, max_locals),
      Stmt::Loop {
        test,
        test_first,
        body,
        ..
      } => {
        // Inner loops first: their own tests and bodies.
        stmts(f, ints, body, max_locals);
        if let (Some(t), true) = (test.as_mut(), *test_first) {
          carry(f, ints, t, body, max_locals);
        }
      }
      _ => {}
    }
  }
}

/// The pairs of `test` that qualify (see the module docs).
fn candidates(f: &Func, ints: &[bool], test: &Expr) -> Vec<Pair> {
  let mut found = Vec::new();
  definite(test, &mut found);
  let mut assigned = Vec::new();
  assigned_in(test, &mut assigned);
  let ok = |l: LocalId| {
    f.local_tys.get(l as usize) == Some(&NUM)
      && !ints.get(l as usize).copied().unwrap_or(true)
      && !assigned.contains(&l)
  };
  found.retain(|&(a, b)| ok(a) && ok(b));
  found.dedup();
  found
}

/// Pushes the products of locals that evaluating `e` always computes, when
/// `e` is true: an `&&` chain evaluates every conjunct.
fn definite(e: &Expr, out: &mut Vec<Pair>) {
  match e {
    Expr::Logic(crate::ir::LogicOp::And, a, b) => {
      definite(a, out);
      definite(b, out);
    }
    _ => always(e, out),
  }
}

/// Pushes the products of locals that every evaluation of `e` computes.
fn always(e: &Expr, out: &mut Vec<Pair>) {
  match e {
    Expr::Bin(BinOp::Mul, a, b) => {
      if let (Expr::Local(x), Expr::Local(y)) = (&**a, &**b)
        && !out.contains(&(*x, *y))
      {
        out.push((*x, *y));
      }
      always(a, out);
      always(b, out);
    }
    // Only the first operand (the test) is always evaluated.
    Expr::Logic(_, a, _) | Expr::Cond(a, _, _) => always(a, out),
    _ => e.for_each_child(&mut |c| always(c, out)),
  }
}

fn assigned_in(e: &Expr, out: &mut Vec<LocalId>) {
  crate::ir::walk_expr(e, &mut |x| out.extend(x.assigned_local()));
}

fn is_pair(e: &Expr, (a, b): Pair) -> bool {
  matches!(e, Expr::Bin(BinOp::Mul, x, y)
    if matches!(**x, Expr::Local(l) if l == a) && matches!(**y, Expr::Local(l) if l == b))
}

fn carry(f: &mut Func, ints: &[bool], test: &mut Expr, body: &mut [Stmt], max_locals: usize) {
  for pair in candidates(f, ints, test) {
    if (f.n_locals as usize) >= max_locals {
      return;
    }
    let s = f.n_locals;
    // Count first: a product the body never reuses keeps its plain form.
    if scan(body, pair, s, false) == 0 {
      continue;
    }
    f.n_locals += 1;
    f.local_tys.push(NUM);
    scan(body, pair, s, true);
    wrap(test, pair, s);
  }
}

/// Every occurrence of `pair` in `e` becomes `(s = pair)`.
fn wrap(e: &mut Expr, pair: Pair, s: LocalId) {
  if is_pair(e, pair) {
    let product = std::mem::replace(e, Expr::Undef);
    *e = Expr::Assign(s, Box::new(product));
    return;
  }
  e.for_each_child_mut(&mut |c| wrap(c, pair, s));
}

/// Walks the straight-line prefix of `body` in evaluation order while
/// `pair` is valid; counts (and, if `apply`, replaces by `Local(s)`) the
/// reads of it. Returns the count.
fn scan(body: &mut [Stmt], pair: Pair, s: LocalId, apply: bool) -> usize {
  let mut n = 0;
  let mut live = true;
  scan_stmts(body, pair, s, apply, &mut live, &mut n);
  n
}

/// `live` becomes false at an assignment to an operand (or where the scan
/// stops); returns false when the scan must stop.
fn scan_stmts(
  list: &mut [Stmt],
  pair: Pair,
  s: LocalId,
  apply: bool,
  live: &mut bool,
  n: &mut usize,
) -> bool {
  for st in list {
    if !*live {
      return false;
    }
    match st {
      Stmt::Expr(e) | Stmt::Return(Some(e)) => scan_expr(e, pair, s, apply, live, n),
      Stmt::Set(l, e) => {
        scan_expr(e, pair, s, apply, live, n);
        if *l == pair.0 || *l == pair.1 {
          *live = false;
        }
      }
      Stmt::If(test, a, b) => {
        scan_expr(test, pair, s, apply, live, n);
        if !*live {
          return false;
        }
        // Each branch starts valid; after the `if` the pair is valid only
        // if neither branch assigned an operand (or stopped early).
        let (mut la, mut lb) = (true, true);
        let ca = scan_stmts(a, pair, s, apply, &mut la, n);
        let cb = scan_stmts(b, pair, s, apply, &mut lb, n);
        if !(ca && cb && la && lb) {
          *live = false;
          return false;
        }
      }
      // A nested loop or labeled block (its own control flow), a jump, a
      // return: stop.
      _ => {
        *live = false;
        return false;
      }
    }
  }
  true
}

fn scan_expr(e: &mut Expr, pair: Pair, s: LocalId, apply: bool, live: &mut bool, n: &mut usize) {
  if !*live {
    return;
  }
  if is_pair(e, pair) {
    *n += 1;
    if apply {
      *e = Expr::Local(s);
    }
    return;
  }
  e.for_each_child_mut(&mut |c| scan_expr(c, pair, s, apply, live, n));
  if let Some(l) = e.assigned_local()
    && (l == pair.0 || l == pair.1)
  {
    *live = false;
  }
}

#[cfg(test)]
mod tests {
  use crate::ir::{Expr, Stmt};
  use crate::testing::{assert_same, lower, map};

  const MANDELBROT: &str = "(x, i) => { const cr = -2 + ((i % 64) / 64) * 2.5; const ci = -1.25 + (Math.floor(i / 64) / 64) * 2.5 + x * 0; let zr = 0; let zi = 0; let n = 0; while (n < 200 && zr * zr + zi * zi <= 4) { const t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; n++ } return n }";

  fn count_products(list: &[Stmt]) -> usize {
    fn e(x: &Expr) -> usize {
      let own = matches!(x, Expr::Bin(crate::ir::BinOp::Mul, a, b)
        if matches!(**a, Expr::Local(_)) && matches!(**b, Expr::Local(_)));
      let mut n = own as usize;
      x.for_each_child(&mut |c| n += e(c));
      n
    }
    list
      .iter()
      .map(|s| match s {
        Stmt::Expr(x) | Stmt::Set(_, x) | Stmt::Return(Some(x)) => e(x),
        Stmt::If(t, a, b) => e(t) + count_products(a) + count_products(b),
        Stmt::Loop {
          test, body, update, ..
        } => test.as_ref().map_or(0, e) + update.as_ref().map_or(0, e) + count_products(body),
        Stmt::Block(_, b) => count_products(b),
        _ => 0,
      })
      .sum()
  }

  /// The pass runs in `lower` (after inference): Mandelbrot's body reads
  /// the test's two squares, and `2 * zr * zi` (not a product of two
  /// locals) stays.
  #[test]
  fn the_body_reuses_the_squares_of_the_test() {
    let p = lower(MANDELBROT).unwrap();
    // Test: 2 products (now inside assignments); body: none of the squares.
    assert_eq!(count_products(&p.funcs[0].body), 2);
    let xs: Vec<f64> = vec![0.0; 64 * 64];
    let got = map(MANDELBROT, &xs);
    let want: Vec<f64> = (0..xs.len())
      .map(|i| {
        let i = i as f64;
        let cr = -2.0 + ((i % 64.0) / 64.0) * 2.5;
        let ci = -1.25 + ((i / 64.0).floor() / 64.0) * 2.5 + 0.0;
        let (mut zr, mut zi, mut n) = (0.0f64, 0.0f64, 0.0);
        while n < 200.0 && zr * zr + zi * zi <= 4.0 {
          let t = zr * zr - zi * zi + cr;
          zi = 2.0 * zr * zi + ci;
          zr = t;
          n += 1.0;
        }
        n
      })
      .collect();
    assert_same(MANDELBROT, &got, &want);
  }

  /// Not reused: after an operand is assigned, under `||`, when the test
  /// assigns an operand, after a nested loop; and the results stay exact.
  #[test]
  fn only_valid_reads_are_replaced() {
    type Case = (&'static str, usize, fn(f64) -> f64);
    let cases: &[Case] = &[
      // Assigned before the read: both products stay.
      (
        "x => { let a = x, k = 0; while (a * a < 100) { a = a + 1; k += a * a } return k }",
        2,
        |mut a| {
          let mut k = 0.0;
          while a * a < 100.0 {
            a += 1.0;
            k += a * a;
          }
          k
        },
      ),
      // Under `||`: not always computed.
      (
        "x => { let a = x, k = 0; while (k < -1 || a * a < 100) { k += a * a; a++ } return k }",
        2,
        |mut a| {
          let mut k = 0.0;
          while k < -1.0 || a * a < 100.0 {
            k += a * a;
            a += 1.0;
          }
          k
        },
      ),
      // The test assigns an operand.
      (
        "x => { let a = x, k = 0; while (a * a < (a = a + 1) * 50) { k += a * a } return k }",
        2,
        |mut a| {
          let mut k = 0.0;
          loop {
            let sq = a * a;
            a += 1.0;
            let go_on = sq < a * 50.0;
            if !go_on {
              break;
            }
            k += a * a;
          }
          k
        },
      ),
      // A nested loop before the read.
      (
        "x => { let a = x, k = 0; while (a * a < 100) { for (let j = 0; j < 2; j++) k++; k += a * a; a++ } return k }",
        2,
        |mut a| {
          let mut k = 0.0;
          while a * a < 100.0 {
            k += 2.0;
            k += a * a;
            a += 1.0;
          }
          k
        },
      ),
      // Reused inside an if, and after it when neither branch assigns.
      (
        "x => { let a = x, k = 0; while (a * a < 100) { if (k > 3) { k += a * a } else { k -= 1 } k += a * a; a++ } return k }",
        1,
        |mut a| {
          let mut k = 0.0;
          while a * a < 100.0 {
            if k > 3.0 {
              k += a * a
            } else {
              k -= 1.0
            }
            k += a * a;
            a += 1.0;
          }
          k
        },
      ),
      // One branch assigns the operand: the read after the if stays.
      (
        "x => { let a = x, k = 0; while (a * a < 100) { if (k > 3) { a += 0.5 } k += a * a; a++ } return k }",
        2,
        |mut a| {
          let mut k = 0.0;
          while a * a < 100.0 {
            if k > 3.0 {
              a += 0.5
            }
            k += a * a;
            a += 1.0;
          }
          k
        },
      ),
      // An `&&` chain: each conjunct is computed when the test is true.
      (
        "x => { let a = x, b = 1, k = 0; while (b * b < 9 && a * a < 100) { k += a * a + b * b; a++; b += 0.25 } return k }",
        2,
        |mut a| {
          let (mut b, mut k) = (1.0f64, 0.0);
          while b * b < 9.0 && a * a < 100.0 {
            k += a * a + b * b;
            a += 1.0;
            b += 0.25;
          }
          k
        },
      ),
    ];
    let xs = [-3.5, 0.0, 1.0, 2.25, 7.0, -0.0, 9.5];
    for (src, products, reference) in cases {
      let p = lower(src).unwrap();
      assert_eq!(count_products(&p.funcs[0].body), *products, "{src}");
      let got = map(src, &xs);
      let want: Vec<f64> = xs.iter().map(|&x| reference(x)).collect();
      assert_same(src, &got, &want);
    }
  }
}
