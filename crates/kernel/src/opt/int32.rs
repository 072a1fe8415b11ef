//! Int32 inference: which expressions are int32 (or uint32) valued, which
//! locals hold an int32 at every read, and which expressions ToInt32 can
//! compute with wrapping 32-bit arithmetic.
//!
//! Code generation keeps an int32 local in an `i32` register and converts
//! to a double only where a double is needed; it never changes a result:
//! - An expression is int32 valued if it is a bitwise operator (`~ & | ^ <<
//!   >>`, `>>>` by a constant count that is not a multiple of 32),
//!   `Math.imul`, `Math.clz32`, an integer literal in range (not `-0`), a
//!   read of an int32 local, or an assignment, `?:`, `&&`/`||` or `,` whose
//!   result is one. `x >>> n` in general is uint32 valued.
//! - A local is int32 if every definition assigns an int32 value, it is
//!   never read before a definite assignment (locals start `undefined`),
//!   and every `++`/`--` of it is a **guarded counter**: the only
//!   definition of it inside its innermost enclosing `for`/`while` loop,
//!   outside that loop's test, with the test a conjunction containing
//!   `x < B` (for `++`; `x > B` for `--`) where B is int32 valued or a
//!   literal at most 2^31-1. The test held in the same iteration, so the
//!   step cannot leave the int32 range (`(2**31-1) + 1` stays a double
//!   because such a counter is not int32). This is a greatest fixed point:
//!   all locals start as candidates and lose the property until none does.
//! - ToInt32 of `+ - *` and unary `-` over int32/uint32 values and integer
//!   literals is the same wrapped 32-bit operation when every intermediate
//!   value is an integer of magnitude at most 2^53 (exact as a double):
//!   ToInt32 is a ring homomorphism modulo 2^32 ([`exact_bound`]).

use crate::ir::{BinOp, Expr, Func, Intrinsic, LocalId, LogicOp, NUM, Stmt, TargetId, UnOp};
use crate::mathlib::to_int32;

/// How the 32 bits of an int-valued expression read as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntKind {
  /// Signed: an int32.
  I32,
  /// Unsigned: a uint32 (`x >>> n`).
  U32,
}

const TWO31: f64 = 2_147_483_648.0;
const TWO32: f64 = 4_294_967_296.0;
const TWO53: f64 = 9_007_199_254_740_992.0;

/// The kind of a number literal: an integer (not `-0`) in int32 or else
/// uint32 range.
pub fn literal_kind(v: f64) -> Option<IntKind> {
  if !v.is_finite() || v.fract() != 0.0 || (v == 0.0 && v.is_sign_negative()) {
    None
  } else if (-TWO31..TWO31).contains(&v) {
    Some(IntKind::I32)
  } else if (0.0..TWO32).contains(&v) {
    Some(IntKind::U32)
  } else {
    None
  }
}

fn is_int(ints: &[bool], l: LocalId) -> bool {
  ints.get(l as usize).copied().unwrap_or(false)
}

fn same(a: Option<IntKind>, b: Option<IntKind>) -> Option<IntKind> {
  if a == b { a } else { None }
}

/// The kind of `e`'s value when the locals marked in `ints` hold int32s
/// (`None`: not known to be an integer in 32 bits).
pub fn kind(e: &Expr, ints: &[bool]) -> Option<IntKind> {
  use IntKind::*;
  match e {
    Expr::Num(v) => literal_kind(*v),
    Expr::Local(l) => is_int(ints, *l).then_some(I32),
    Expr::Const(_) | Expr::Call(..) => None,
    // Not numbers (a boolean, `undefined`), or possibly `undefined` (an
    // array read), or up to 2^53 (a length).
    Expr::Bool(_) | Expr::Undef | Expr::Index(..) | Expr::Length(_) => None,
    Expr::Unary(op, _) => (*op == UnOp::BitNot).then_some(I32),
    Expr::Bin(op, _, r) => match op {
      BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::Shl | BinOp::Sar => Some(I32),
      BinOp::Shr => match **r {
        // `x >>> n` with n & 31 != 0 is below 2^31.
        Expr::Num(c) if to_int32(c) & 31 != 0 => Some(I32),
        _ => Some(U32),
      },
      _ => None,
    },
    Expr::Logic(_, a, b) | Expr::Cond(_, a, b) => same(kind(a, ints), kind(b, ints)),
    Expr::Assign(l, _) | Expr::Update { local: l, .. } => is_int(ints, *l).then_some(I32),
    Expr::Seq(xs) => xs.last().and_then(|x| kind(x, ints)),
    Expr::Math(f, _) => matches!(f, Intrinsic::Imul | Intrinsic::Clz32).then_some(I32),
  }
}

/// If `e` is an integer of magnitude at most the bound returned, computed
/// by `+ - *`, unary `-`, literals and int-valued operands with every
/// intermediate value exact as a double (at most 2^53), then ToInt32(e) is
/// the same operations in wrapping 32-bit arithmetic.
pub fn exact_bound(e: &Expr, ints: &[bool]) -> Option<f64> {
  if let Expr::Num(v) = e {
    return (v.is_finite() && v.fract() == 0.0 && v.abs() <= TWO53).then_some(v.abs());
  }
  if let Some(k) = kind(e, ints) {
    return Some(if k == IntKind::I32 { TWO31 } else { TWO32 });
  }
  let within = |b: f64| (b <= TWO53).then_some(b);
  match e {
    Expr::Bin(BinOp::Add | BinOp::Sub, a, b) => {
      within(exact_bound(a, ints)? + exact_bound(b, ints)?)
    }
    Expr::Bin(BinOp::Mul, a, b) => within(exact_bound(a, ints)? * exact_bound(b, ints)?),
    Expr::Unary(UnOp::Neg, a) => exact_bound(a, ints),
    _ => None,
  }
}

/// Which locals of `f` are int32 at every read (parameters never are).
pub fn int_locals(f: &Func) -> Vec<bool> {
  let n = f.n_locals as usize;
  let params = (f.n_params as usize).min(n);
  let mut ints = vec![true; n];
  ints[..params].fill(false);
  // Only a local whose static type is number alone (no tag: never a
  // boolean, never `undefined` when read; see `lower/infer`).
  for (l, i) in ints.iter_mut().enumerate() {
    *i &= f.local_tys.get(l).is_none_or(|t| *t == NUM);
  }
  // Read before a definite assignment: the read would see `undefined`.
  let mut assigned: Vec<bool> = ints.iter().map(|c| !c).collect();
  let mut unassigned_read = vec![false; n];
  definite_stmts(&f.body, &mut assigned, &mut unassigned_read);
  for (i, bad) in ints.iter_mut().zip(&unassigned_read) {
    *i &= !bad;
  }
  loop {
    let mut v = Defs {
      ints: &ints,
      bad: vec![false; n],
      loops: Vec::new(),
    };
    v.stmts(&f.body);
    let bad = v.bad;
    let mut changed = false;
    for (i, bad) in ints.iter_mut().zip(&bad) {
      if *i && *bad {
        *i = false;
        changed = true;
      }
    }
    if !changed {
      return ints;
    }
  }
}

/// A loop enclosing the definition being checked.
struct LoopCtx<'a> {
  stmt: &'a Stmt,
  /// True while walking the loop's own test.
  in_test: bool,
}

/// One pass over the definitions: marks each local that has a definition
/// that is not int32 under the current assumption.
struct Defs<'a, 'b> {
  ints: &'b [bool],
  bad: Vec<bool>,
  loops: Vec<LoopCtx<'a>>,
}

impl<'a> Defs<'a, '_> {
  fn mark(&mut self, l: LocalId) {
    if let Some(b) = self.bad.get_mut(l as usize) {
      *b = true;
    }
  }

  fn def(&mut self, l: LocalId, value: &Expr) {
    if kind(value, self.ints) != Some(IntKind::I32) {
      self.mark(l);
    }
  }

  fn stmts(&mut self, list: &'a [Stmt]) {
    for s in list {
      self.stmt(s);
    }
  }

  fn stmt(&mut self, s: &'a Stmt) {
    match s {
      Stmt::Expr(e) | Stmt::Return(Some(e)) => self.expr(e),
      Stmt::Set(l, e) => {
        self.def(*l, e);
        self.expr(e);
      }
      Stmt::If(c, a, b) => {
        self.expr(c);
        self.stmts(a);
        self.stmts(b);
      }
      Stmt::Loop {
        test, body, update, ..
      } => {
        if let Some(t) = test {
          self.loops.push(LoopCtx {
            stmt: s,
            in_test: true,
          });
          self.expr(t);
          self.loops.pop();
        }
        self.loops.push(LoopCtx {
          stmt: s,
          in_test: false,
        });
        self.stmts(body);
        if let Some(u) = update {
          self.expr(u);
        }
        self.loops.pop();
      }
      Stmt::Block(_, body) => self.stmts(body),
      Stmt::Break(_) | Stmt::Continue(_) | Stmt::Return(None) => {}
    }
  }

  fn expr(&mut self, e: &'a Expr) {
    match e {
      Expr::Num(_)
      | Expr::Bool(_)
      | Expr::Undef
      | Expr::Local(_)
      | Expr::Const(_)
      | Expr::Length(_) => {}
      Expr::Update { local, delta, .. } => {
        if !self.guarded(*local, *delta) {
          self.mark(*local);
        }
      }
      Expr::Assign(l, v) => {
        self.def(*l, v);
        self.expr(v);
      }
      Expr::Unary(_, x) | Expr::Index(_, x) => self.expr(x),
      Expr::Bin(_, a, b) | Expr::Logic(_, a, b) => {
        self.expr(a);
        self.expr(b);
      }
      Expr::Cond(a, b, c) => {
        self.expr(a);
        self.expr(b);
        self.expr(c);
      }
      Expr::Seq(xs) | Expr::Call(_, xs) | Expr::Math(_, xs) => xs.iter().for_each(|x| self.expr(x)),
    }
  }

  /// `local += delta` at this point is a guarded counter step (see the module doc).
  fn guarded(&self, local: LocalId, delta: f64) -> bool {
    let Some(ctx) = self.loops.last() else {
      return false;
    };
    let Stmt::Loop {
      test: Some(test),
      test_first: true,
      ..
    } = ctx.stmt
    else {
      return false;
    };
    !ctx.in_test && guards(test, local, delta, self.ints) && count_defs_stmt(ctx.stmt, local) == 1
  }
}

/// `test` (a conjunction) contains a comparison that keeps `local + delta` an int32.
fn guards(test: &Expr, local: LocalId, delta: f64, ints: &[bool]) -> bool {
  match test {
    Expr::Logic(LogicOp::And, a, b) => {
      guards(a, local, delta, ints) || guards(b, local, delta, ints)
    }
    Expr::Bin(op, a, b) => {
      let (op, bound) = match (&**a, &**b) {
        (Expr::Local(x), bound) if *x == local => (*op, bound),
        (bound, Expr::Local(x)) if *x == local => match op {
          BinOp::Lt => (BinOp::Gt, bound),
          BinOp::Gt => (BinOp::Lt, bound),
          BinOp::Le => (BinOp::Ge, bound),
          BinOp::Ge => (BinOp::Le, bound),
          _ => return false,
        },
        _ => return false,
      };
      let int_bound = kind(bound, ints) == Some(IntKind::I32);
      let lit = match bound {
        Expr::Num(v) => Some(*v),
        _ => None,
      };
      const MAX: f64 = 2_147_483_647.0;
      const MIN: f64 = -2_147_483_648.0;
      match (op, delta > 0.0) {
        (BinOp::Lt, true) => int_bound || lit.is_some_and(|v| v <= MAX),
        (BinOp::Le, true) => lit.is_some_and(|v| v < MAX),
        (BinOp::Gt, false) => int_bound || lit.is_some_and(|v| v >= MIN),
        (BinOp::Ge, false) => lit.is_some_and(|v| v > MIN),
        _ => false,
      }
    }
    _ => false,
  }
}

/// True if `f`'s body assigns `local` anywhere.
pub fn assigns(f: &Func, local: LocalId) -> bool {
  f.body.iter().any(|s| count_defs_stmt(s, local) > 0)
}

/// Loops of at most this many iterations need no cancellation point.
pub const SHORT_TRIPS: f64 = 1024.0;

/// A loop with a literal trip bound (see [`short_loops`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counted {
  /// The loop.
  pub id: TargetId,
  /// Its counter (an int32 local).
  pub counter: LocalId,
  /// The counter's value on entry.
  pub start: f64,
  /// +1 or -1.
  pub step: f64,
  /// At most this many iterations (exactly this many if `exact`).
  pub trips: f64,
  /// The test is the bound alone and the step is the loop's update: the
  /// loop runs exactly `trips` iterations unless it leaves early, with
  /// the counter at `start + j * step` in iteration `j`.
  pub exact: bool,
  /// Expression and statement nodes in the loop body.
  pub body_size: usize,
}

/// The loops of `f` that provably run at most [`SHORT_TRIPS`] iterations
/// and contain no loop and no call: a counter that is an int32 local
/// (`ints`), set to a literal before the loop (nothing in between assigns
/// it), stepped by ±1 on every iteration (the loop's update, or a
/// top-level statement of a body without `continue`) and bounded by a
/// literal in the loop's test. Such a loop is as bounded as straight-line
/// code, so it needs no cancellation point (the host checks between chunks).
pub fn short_loops(f: &Func, ints: &[bool]) -> Vec<Counted> {
  let mut out = Vec::new();
  short_in(&f.body, ints, &mut out);
  out
}

fn short_in(list: &[Stmt], ints: &[bool], out: &mut Vec<Counted>) {
  for (j, s) in list.iter().enumerate() {
    match s {
      Stmt::If(_, a, b) => {
        short_in(a, ints, out);
        short_in(b, ints, out);
      }
      Stmt::Block(_, body) => short_in(body, ints, out),
      Stmt::Loop {
        id,
        test: Some(test),
        test_first: true,
        body,
        update,
      } => {
        short_in(body, ints, out);
        let simple = !has_loop_or_call(body)
          && !expr_has_call(test)
          && update.as_ref().is_none_or(|u| !expr_has_call(u));
        if simple && let Some(c) = counted(&list[..j], s, *id, test, body, update.as_ref(), ints) {
          out.push(c);
        }
      }
      Stmt::Loop { body, .. } => short_in(body, ints, out),
      _ => {}
    }
  }
}

fn counted(
  before: &[Stmt],
  lp: &Stmt,
  id: TargetId,
  test: &Expr,
  body: &[Stmt],
  update: Option<&Expr>,
  ints: &[bool],
) -> Option<Counted> {
  let mut bounds = Vec::new();
  literal_bounds(test, &mut bounds);
  let single = matches!(test, Expr::Bin(..));
  bounds.into_iter().find_map(|(k, step, limit)| {
    if !is_int(ints, k) || count_defs_stmt(lp, k) != 1 {
      return None;
    }
    let is_step =
      |e: &Expr| matches!(e, Expr::Update { local, delta, .. } if *local == k && *delta == step);
    let in_update = update.is_some_and(is_step);
    let every_iteration = in_update
      || (body
        .iter()
        .any(|s| matches!(s, Stmt::Expr(e) if is_step(e)))
        && !continues(body, id));
    // The counter's value on entry: the last definition before the loop.
    let start = before.iter().rev().find_map(|s| match s {
      Stmt::Set(x, Expr::Num(v)) if *x == k => Some(Some(*v)),
      s if count_defs_stmt(s, k) > 0 => Some(None),
      _ => None,
    })??;
    let trips = (if step > 0.0 {
      limit - start
    } else {
      start - limit
    })
    .max(0.0);
    (every_iteration && trips <= SHORT_TRIPS).then(|| Counted {
      id,
      counter: k,
      start,
      step,
      trips,
      exact: single && in_update,
      body_size: body.iter().map(stmt_size).sum(),
    })
  })
}

fn stmt_size(s: &Stmt) -> usize {
  let mut n = 1;
  s.for_each_expr(&mut |e| n += expr_size(e));
  for list in s.child_lists() {
    n += list.iter().map(stmt_size).sum::<usize>();
  }
  n
}

fn expr_size(e: &Expr) -> usize {
  let mut n = 0;
  crate::ir::walk_expr(e, &mut |_| n += 1);
  n
}

/// `(counter, step, limit)` for each conjunct `k < L`, `k <= L` (step +1)
/// or `k > L`, `k >= L` (step -1) with a literal L; `limit` is the last
/// value the counter can have plus one step.
fn literal_bounds(test: &Expr, out: &mut Vec<(LocalId, f64, f64)>) {
  match test {
    Expr::Logic(LogicOp::And, a, b) => {
      literal_bounds(a, out);
      literal_bounds(b, out);
    }
    Expr::Bin(op, a, b) => {
      let (op, k, v) = match (&**a, &**b) {
        (Expr::Local(k), Expr::Num(v)) => (*op, *k, *v),
        (Expr::Num(v), Expr::Local(k)) => match op {
          BinOp::Lt => (BinOp::Gt, *k, *v),
          BinOp::Gt => (BinOp::Lt, *k, *v),
          BinOp::Le => (BinOp::Ge, *k, *v),
          BinOp::Ge => (BinOp::Le, *k, *v),
          _ => return,
        },
        _ => return,
      };
      if !v.is_finite() {
        return;
      }
      match op {
        BinOp::Lt => out.push((k, 1.0, v.ceil())),
        BinOp::Le => out.push((k, 1.0, v.floor() + 1.0)),
        BinOp::Gt => out.push((k, -1.0, v.floor())),
        BinOp::Ge => out.push((k, -1.0, v.ceil() - 1.0)),
        _ => {}
      }
    }
    _ => {}
  }
}

fn continues(list: &[Stmt], id: TargetId) -> bool {
  list.iter().any(|s| match s {
    Stmt::Continue(t) => *t == id,
    Stmt::If(_, a, b) => continues(a, id) || continues(b, id),
    Stmt::Block(_, body) | Stmt::Loop { body, .. } => continues(body, id),
    _ => false,
  })
}

fn has_loop_or_call(list: &[Stmt]) -> bool {
  let mut found = list.iter().any(|s| matches!(s, Stmt::Loop { .. }))
    || list
      .iter()
      .any(|s| s.child_lists().iter().any(|l| has_loop_or_call(l)));
  if !found {
    for s in list {
      s.for_each_expr(&mut |e| found |= expr_has_call(e));
    }
  }
  found
}

fn expr_has_call(e: &Expr) -> bool {
  let mut found = false;
  crate::ir::walk_expr(e, &mut |x| found |= matches!(x, Expr::Call(..)));
  found
}

fn count_defs_stmt(s: &Stmt, l: LocalId) -> usize {
  let mut n = usize::from(matches!(s, Stmt::Set(x, _) if *x == l));
  s.for_each_expr(&mut |e| n += count_defs(e, l));
  for list in s.child_lists() {
    n += list.iter().map(|s| count_defs_stmt(s, l)).sum::<usize>();
  }
  n
}

fn count_defs(e: &Expr, l: LocalId) -> usize {
  let mut n = 0;
  crate::ir::walk_expr(e, &mut |x| n += usize::from(x.assigned_local() == Some(l)));
  n
}

/// Definite assignment, conservatively: `assigned` holds the locals
/// assigned on every path to this point; a read of any other is recorded
/// in `bad`. Assignments inside loops, labeled blocks and one arm of a
/// branch do not count after them (unless both arms assign).
fn definite_stmts(list: &[Stmt], assigned: &mut Vec<bool>, bad: &mut [bool]) {
  for s in list {
    match s {
      Stmt::Expr(e) | Stmt::Return(Some(e)) => definite(e, assigned, bad),
      Stmt::Set(l, e) => {
        definite(e, assigned, bad);
        set(assigned, *l);
      }
      Stmt::If(c, a, b) => {
        definite(c, assigned, bad);
        let mut then = assigned.clone();
        definite_stmts(a, &mut then, bad);
        let mut other = assigned.clone();
        definite_stmts(b, &mut other, bad);
        for (x, (t, o)) in assigned.iter_mut().zip(then.iter().zip(&other)) {
          *x = *t && *o;
        }
      }
      Stmt::Loop {
        test, body, update, ..
      } => {
        // The test and the update may run with only what held before the
        // loop (a `continue` skips the rest of the body).
        let before = assigned.clone();
        if let Some(t) = test {
          definite(t, &mut assigned.clone(), bad);
        }
        definite_stmts(body, &mut assigned.clone(), bad);
        if let Some(u) = update {
          definite(u, &mut assigned.clone(), bad);
        }
        *assigned = before;
      }
      Stmt::Block(_, body) => definite_stmts(body, &mut assigned.clone(), bad),
      Stmt::Break(_) | Stmt::Continue(_) | Stmt::Return(None) => {}
    }
  }
}

fn set(assigned: &mut [bool], l: LocalId) {
  if let Some(a) = assigned.get_mut(l as usize) {
    *a = true;
  }
}

fn read(assigned: &[bool], bad: &mut [bool], l: LocalId) {
  if !assigned.get(l as usize).copied().unwrap_or(true)
    && let Some(b) = bad.get_mut(l as usize)
  {
    *b = true;
  }
}

fn definite(e: &Expr, assigned: &mut Vec<bool>, bad: &mut [bool]) {
  match e {
    Expr::Num(_) | Expr::Bool(_) | Expr::Undef | Expr::Const(_) | Expr::Length(_) => {}
    Expr::Local(l) => read(assigned, bad, *l),
    Expr::Update { local, .. } => {
      read(assigned, bad, *local);
      set(assigned, *local);
    }
    Expr::Assign(l, v) => {
      definite(v, assigned, bad);
      set(assigned, *l);
    }
    Expr::Unary(_, x) | Expr::Index(_, x) => definite(x, assigned, bad),
    Expr::Bin(_, a, b) => {
      definite(a, assigned, bad);
      definite(b, assigned, bad);
    }
    Expr::Logic(_, a, b) => {
      definite(a, assigned, bad);
      definite(b, &mut assigned.clone(), bad);
    }
    Expr::Cond(t, a, b) => {
      definite(t, assigned, bad);
      let mut x = assigned.clone();
      definite(a, &mut x, bad);
      let mut y = assigned.clone();
      definite(b, &mut y, bad);
      for (s, (p, q)) in assigned.iter_mut().zip(x.iter().zip(&y)) {
        *s = *p && *q;
      }
    }
    Expr::Seq(xs) | Expr::Call(_, xs) | Expr::Math(_, xs) => {
      xs.iter().for_each(|x| definite(x, assigned, bad))
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::testing::lower;

  /// The int32 locals of the kernel `source`, by local index.
  fn ints(source: &str) -> Vec<bool> {
    int_locals(&lower(source).unwrap().funcs[0])
  }

  #[test]
  fn bitwise_results_and_guarded_counters_are_int32() {
    // locals: x, i, h, k
    let fnv = "(x, i) => { let h = 0x811c9dc5 | 0; for (let k = 0; k < 8; k++) { h ^= (i >>> (k * 4)) & 0xff; h = Math.imul(h, 16777619) } return (h >>> 0) / 4294967296 + x }";
    assert_eq!(ints(fnv), [false, false, true, true]);
    // Mandelbrot's counter: `n < 200 &&` guards `n++` in the body.
    let m =
      "(x) => { let n = 0; let z = 0; while (n < 200 && z <= 4) { z = z * z + x; n++ } return n }";
    assert_eq!(ints(m), [false, true, false]);
    // Counting down with `>`.
    assert_eq!(
      ints("(x) => { let s = 0; for (let k = 10; k > 0; k--) s ^= k; return s }"),
      [false, true, true]
    );
  }

  #[test]
  fn unguarded_or_non_integer_definitions_are_not() {
    // No bound: `k++` may pass 2^31 - 1.
    assert_eq!(
      ints("(x) => { let k = 0; while (x > 0) { k++; x-- } return k }"),
      [false, false]
    );
    // A bound a double (a parameter) or past the int32 range.
    assert_eq!(
      ints("(x) => { let k = 0; for (; k < x; k++) {} return k }"),
      [false, false]
    );
    assert_eq!(
      ints("(x) => { let k = 0; for (; k <= 2147483647; k++) {} return k }"),
      [false, false]
    );
    // Two steps per iteration, or a step in a nested loop.
    assert_eq!(
      ints("(x) => { let k = 0; for (; k < 8; k++) { k++ } return k }"),
      [false, false]
    );
    assert_eq!(
      ints("(x) => { let k = 0; while (k < 8) { for (let j = 0; j < 3; j++) k++ } return k }"),
      [false, false, true]
    );
    // do-while tests after the step.
    assert_eq!(
      ints("(x) => { let k = 0; do { k++ } while (k < 8); return k }"),
      [false, false]
    );
    // Non-int32 values: -0, 2^31, a division, `>>> 0`, undefined.
    assert_eq!(
      ints(
        "(x) => { let a = -0; let b = 2147483648; let c = 6 / 3; let d = x >>> 0; let e; return a + b + c + d + e }"
      ),
      [false, false, false, false, false, false]
    );
    // One non-int32 assignment taints the local, and what is assigned from it.
    assert_eq!(
      ints("(x) => { let a = 1; let b = 2; if (x) a = 0.5; b = a | 0; b = a; return b }"),
      [false, false, false]
    );
  }

  /// The loops that need no cancellation point, by target id.
  fn short(source: &str) -> usize {
    let p = lower(source).unwrap();
    let f = &p.funcs[0];
    short_loops(f, &int_locals(f)).len()
  }

  #[test]
  fn counted_loops_know_their_trips() {
    let p = lower("(x) => { let s = 0; for (let k = 3; k < 8.5; k++) s += k; let n = 10; while (n >= 2 && s > 0) { s--; n-- } return s }").unwrap();
    let f = &p.funcs[0];
    let c = short_loops(f, &int_locals(f));
    assert_eq!(c.len(), 2);
    assert_eq!(
      (c[0].start, c[0].step, c[0].trips, c[0].exact),
      (3.0, 1.0, 6.0, true)
    );
    assert_eq!(
      (c[1].start, c[1].step, c[1].trips, c[1].exact),
      (10.0, -1.0, 9.0, false)
    );
    let p = lower("(x) => { let s = 0; for (let k = 9; k < 8; k++) s += k; return s }").unwrap();
    let f = &p.funcs[0];
    assert_eq!(short_loops(f, &int_locals(f))[0].trips, 0.0);
  }

  #[test]
  fn short_loops_are_bounded_literally() {
    assert_eq!(
      short("(x) => { let s = 0; for (let k = 0; k < 8; k++) s += k; return s }"),
      1
    );
    assert_eq!(
      short(
        "(x) => { let n = 0; let z = 0; while (n < 200 && z <= 4) { z = z * z + x; n++ } return n }"
      ),
      1
    );
    assert_eq!(
      short("(x) => { let s = 0; for (let k = 1024; k > 0; k--) s += k; return s }"),
      1
    );
    // Too many iterations, an unknown start, a step that may be skipped.
    assert_eq!(
      short("(x) => { let s = 0; for (let k = 0; k < 1025; k++) s += k; return s }"),
      0
    );
    assert_eq!(
      short("(x) => { let k = x | 0; let s = 0; for (; k < 8; k++) s += k; return s }"),
      0
    );
    assert_eq!(
      short("(x) => { let k = 0; while (k < 8) { if (x > 0) k++ } return k }"),
      0
    );
    assert_eq!(
      short("(x) => { let k = 0; while (k < 8) { if (x > 0) continue; k++ } return k }"),
      0
    );
    // A nested loop or a call keeps the check.
    assert_eq!(
      short("(x) => { let s = 0; for (let k = 0; k < 8; k++) { while (s < x) s++ } return s }"),
      0
    );
    assert_eq!(
      short(
        "(x) => { function f(v) { return v } let s = 0; for (let k = 0; k < 8; k++) s += f(k); return s }"
      ),
      0
    );
  }

  #[test]
  fn exact_bounds() {
    let ints = [true, false];
    let k = || Box::new(Expr::Local(0));
    let x = || Box::new(Expr::Local(1));
    let n = |v: f64| Box::new(Expr::Num(v));
    assert_eq!(
      exact_bound(&Expr::Bin(BinOp::Mul, k(), n(4.0)), &ints),
      Some(TWO31 * 4.0)
    );
    assert_eq!(
      exact_bound(&Expr::Bin(BinOp::Add, k(), k()), &ints),
      Some(TWO32)
    );
    // A product past 2^53 rounds: not exact.
    assert_eq!(exact_bound(&Expr::Bin(BinOp::Mul, k(), k()), &ints), None);
    assert_eq!(exact_bound(&Expr::Bin(BinOp::Add, k(), x()), &ints), None);
    assert_eq!(
      exact_bound(&Expr::Bin(BinOp::Add, k(), n(0.5)), &ints),
      None
    );
  }
}
