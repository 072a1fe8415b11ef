//! Static types on the IR: a fixed point over the whole program.
//!
//! Each local's type is the join of every value assigned to it, plus
//! `undefined` where it may be read before any assignment (a definite
//! assignment walk: `var` hoisting, a `let x;` in one branch). A statement
//! that sets a local to `undefined` (`let x;`, `x = undefined;`) does not
//! add `undefined` itself: it makes the local unassigned again, so only a
//! read that may see it does. `let b; if (c) b = 1; else b = 2; return b`
//! stays a number (no tag). A parameter's
//! type joins the arguments of every call site (a missing one is
//! `undefined`, already padded by `captures`), and the kernel's own
//! parameters are numbers (or `undefined` past the supplied arguments). A
//! function's result joins its `return`s, plus `undefined` when control can
//! fall off its end. Types only grow and the lattice is finite (three kinds
//! per local and per function), so the iteration terminates; there is no
//! pass limit.

use std::collections::HashMap;

use crate::codegen::ArgKinds;
use crate::ir::{Expr, FuncId, LocalId, NUM, Program, Stmt, TargetId, Ty, UNDEF};

/// Fills `local_tys` and `ret_ty` of every function of `p`. `supplied`:
/// how many arguments the kernel receives and their kinds (None: all of its
/// parameters, numbers).
pub fn infer(p: &mut Program, supplied: Option<(usize, ArgKinds)>) {
  for f in &mut p.funcs {
    f.local_tys = vec![0; f.n_locals as usize];
    f.ret_ty = 0;
  }
  if let Some(root) = p.funcs.first_mut() {
    for k in 0..root.n_params as usize {
      root.local_tys[k] = match supplied {
        None => NUM,
        Some((n, kinds)) if k < n => kinds.kind(k),
        Some(_) => UNDEF,
      };
    }
  }
  loop {
    let mut changed = false;
    for fi in 0..p.funcs.len() {
      let (adds, ret) = {
        let mut w = Walker {
          p,
          fi,
          adds: Vec::new(),
          ret: 0,
          breaks: HashMap::new(),
          continues: HashMap::new(),
        };
        let f = &p.funcs[fi];
        let mut st = Some(vec![false; f.n_locals as usize]);
        if let Some(s) = &mut st {
          s[..f.n_params as usize].fill(true);
          for &c in &f.captures {
            s[c as usize] = true;
          }
        }
        w.stmts(&f.body, &mut st);
        if st.is_some() {
          w.ret |= UNDEF;
        }
        (w.adds, w.ret)
      };
      for (g, l, t) in adds {
        if let Some(slot) = p.funcs[g as usize].local_tys.get_mut(l as usize)
          && *slot | t != *slot
        {
          *slot |= t;
          changed = true;
        }
      }
      let f = &mut p.funcs[fi];
      if f.ret_ty | ret != f.ret_ty {
        f.ret_ty |= ret;
        changed = true;
      }
    }
    if !changed {
      break;
    }
  }
}

/// Marks unassigned every local that `list` sets to `undefined`, at any depth.
fn kill_undefined_sets(list: &[Stmt], s: &mut [bool]) {
  for st in list {
    match st {
      Stmt::Set(l, Expr::Undef) => s[*l as usize] = false,
      Stmt::If(_, a, b) => {
        kill_undefined_sets(a, s);
        kill_undefined_sets(b, s);
      }
      Stmt::Loop { body, .. } | Stmt::Block(_, body) => kill_undefined_sets(body, s),
      _ => {}
    }
  }
}

/// A loop test that is always truthy (`true`, a non-zero number literal).
fn always_true(t: &Expr) -> bool {
  match t {
    Expr::Bool(b) => *b,
    Expr::Num(x) => *x != 0.0 && !x.is_nan(),
    _ => false,
  }
}

/// Definitely assigned locals at a point; None where control cannot reach.
type State = Option<Vec<bool>>;

/// The meet of two states (assigned on both paths).
fn meet(a: State, b: State) -> State {
  match (a, b) {
    (None, x) | (x, None) => x,
    (Some(mut a), Some(b)) => {
      for (x, y) in a.iter_mut().zip(b) {
        *x &= y;
      }
      Some(a)
    }
  }
}

struct Walker<'a> {
  p: &'a Program,
  fi: usize,
  /// Type growth found: (function, local, kinds).
  adds: Vec<(FuncId, LocalId, Ty)>,
  ret: Ty,
  breaks: HashMap<TargetId, State>,
  continues: HashMap<TargetId, State>,
}

impl Walker<'_> {
  fn ty(&self, e: &Expr) -> Ty {
    self.p.expr_ty(&self.p.funcs[self.fi], e)
  }

  fn add(&mut self, l: LocalId, t: Ty) {
    self.adds.push((self.fi as FuncId, l, t));
  }

  fn assign(&mut self, l: LocalId, t: Ty, st: &mut State) {
    self.add(l, t);
    if let Some(s) = st {
      s[l as usize] = true;
    }
  }

  fn read(&mut self, l: LocalId, st: &State) {
    if let Some(s) = st
      && !s[l as usize]
    {
      self.add(l, UNDEF);
    }
  }

  fn stmts(&mut self, list: &[Stmt], st: &mut State) {
    for s in list {
      self.stmt(s, st);
    }
  }

  fn stmt(&mut self, s: &Stmt, st: &mut State) {
    match s {
      Stmt::Expr(e) => self.expr(e, st),
      Stmt::Set(l, Expr::Undef) => {
        if let Some(s) = st {
          s[*l as usize] = false;
        }
      }
      Stmt::Set(l, e) => {
        self.expr(e, st);
        let t = self.ty(e);
        self.assign(*l, t, st);
      }
      Stmt::If(c, a, b) => {
        self.expr(c, st);
        let mut sa = st.clone();
        self.stmts(a, &mut sa);
        let mut sb = st.clone();
        self.stmts(b, &mut sb);
        *st = meet(sa, sb);
      }
      Stmt::Loop {
        id,
        test,
        test_first,
        body,
        update,
      } => {
        self.breaks.insert(*id, None);
        self.continues.insert(*id, None);
        // Later iterations start where the previous one ended: a local the
        // loop sets to `undefined` is unassigned at its head.
        if let Some(s) = st {
          kill_undefined_sets(body, s);
        }
        let mut exit = None;
        // `while (true)` leaves only by `break` (or `return`).
        if *test_first && let Some(t) = test {
          self.expr(t, st);
          exit = if always_true(t) { None } else { st.clone() };
        }
        let mut sb = st.clone();
        self.stmts(body, &mut sb);
        let mut latch = meet(sb, self.continues.remove(id).flatten());
        if let Some(u) = update {
          self.expr(u, &mut latch);
        }
        if !*test_first && let Some(t) = test {
          self.expr(t, &mut latch);
          exit = if always_true(t) { None } else { latch };
        }
        *st = meet(exit, self.breaks.remove(id).flatten());
      }
      Stmt::Block(id, body) => {
        self.breaks.insert(*id, None);
        self.stmts(body, st);
        let b = self.breaks.remove(id).flatten();
        *st = meet(st.take(), b);
      }
      Stmt::Break(id) | Stmt::Continue(id) => {
        let map = if matches!(s, Stmt::Break(_)) {
          &mut self.breaks
        } else {
          &mut self.continues
        };
        let prev = map.remove(id).flatten();
        map.insert(*id, meet(prev, st.take()));
      }
      Stmt::Return(value) => {
        match value {
          Some(e) => {
            self.expr(e, st);
            self.ret |= self.ty(e);
          }
          None => self.ret |= UNDEF,
        }
        *st = None;
      }
    }
  }

  fn expr(&mut self, e: &Expr, st: &mut State) {
    match e {
      Expr::Num(_) | Expr::Bool(_) | Expr::Undef | Expr::Const(_) | Expr::Length(_) => {}
      Expr::Local(l) => self.read(*l, st),
      Expr::Unary(_, x) | Expr::Index(_, x) => self.expr(x, st),
      Expr::Bin(_, a, b) => {
        self.expr(a, st);
        self.expr(b, st);
      }
      Expr::Logic(_, a, b) => {
        self.expr(a, st);
        let mut sb = st.clone();
        self.expr(b, &mut sb);
      }
      Expr::Cond(t, a, b) => {
        self.expr(t, st);
        let mut sa = st.clone();
        self.expr(a, &mut sa);
        let mut sb = st.clone();
        self.expr(b, &mut sb);
        *st = meet(sa, sb);
      }
      Expr::Assign(l, v) => {
        self.expr(v, st);
        let t = self.ty(v);
        self.assign(*l, t, st);
      }
      Expr::Update { local, .. } => {
        self.read(*local, st);
        self.assign(*local, NUM, st);
      }
      Expr::Seq(xs) | Expr::Math(_, xs) => xs.iter().for_each(|x| self.expr(x, st)),
      Expr::Call(g, args) => {
        args.iter().for_each(|x| self.expr(x, st));
        let callee = &self.p.funcs[*g as usize];
        let n = callee.n_params as usize;
        let caps = &callee.captures;
        let first_cap = args.len().saturating_sub(caps.len());
        for (k, a) in args.iter().enumerate() {
          let target = if k < n {
            Some(k as LocalId)
          } else if k >= first_cap {
            Some(caps[k - first_cap])
          } else {
            None
          };
          if let Some(l) = target {
            let t = self.ty(a);
            self.adds.push((*g, l, t));
          }
        }
      }
    }
  }
}

#[cfg(test)]
mod tests {
  use crate::ir::{BOOL, NUM, UNDEF};
  use crate::testing::lower;

  fn ret(src: &str) -> u8 {
    lower(src).unwrap().funcs[0].ret_ty
  }

  #[test]
  fn types_reach_a_fixed_point() {
    assert_eq!(ret("x => x + 1"), NUM);
    assert_eq!(ret("x => x > 1"), BOOL);
    assert_eq!(ret("x => { if (x) return 1 }"), NUM | UNDEF);
    assert_eq!(ret("x => x > 0 ? true : undefined"), BOOL | UNDEF);
    // Twenty functions deep, declared in the order that needs the most rounds.
    let n = 20;
    let mut src = String::from("x => { ");
    for k in 0..n {
      src += &format!("function f{k}(v) {{ return f{}(v) }} ", k + 1);
    }
    src += &format!("function f{n}(v) {{ return v > 0 }} return f0(x) }}");
    assert_eq!(ret(&src), BOOL);
    // Recursion: the base case decides.
    assert_eq!(
      ret("function f(n) { return n <= 0 ? n === 0 : f(n - 1) }"),
      BOOL
    );
    assert_eq!(ret("function f(n) { return f(n + 1) }"), 0);
    // An endless loop never falls off the end; one with a `break` does.
    assert_eq!(ret("x => { while (true) x++ }"), 0);
    assert_eq!(ret("x => { do { x++ } while (1) }"), 0);
    assert_eq!(ret("x => { for (;;) x++ }"), 0);
    assert_eq!(
      ret("x => { while (true) { if (x > 3) break; x++ } }"),
      UNDEF
    );
    assert_eq!(ret("x => { while (x) x++ }"), UNDEF);
    assert_eq!(ret("x => { while (0) x++ }"), UNDEF);
  }

  /// `let b;` then an assignment on every path: a number, no tag.
  #[test]
  fn definite_assignment_keeps_locals_single_kind() {
    let p = lower("x => { let b; if (x > 0) { b = 1 } else { b = 2 } return b }").unwrap();
    assert_eq!(p.funcs[0].local_tys[1], NUM);
    let p = lower("x => { let b; if (x > 0) { b = 1 } return b }").unwrap();
    assert_eq!(p.funcs[0].local_tys[1], NUM | UNDEF);
    // Re-declared each iteration: undefined again at the read.
    let p = lower("x => { let s = 0; for (let k = 0; k < 3; k++) { let t; if (k === 0) t = 1; s += t } return s }").unwrap();
    assert_eq!(p.funcs[0].local_tys[3], NUM | UNDEF);
    // A hoisted var read before its declaration.
    let p = lower("x => { const y = v; var v = 1; return y }").unwrap();
    assert!(p.funcs[0].local_tys.contains(&(NUM | UNDEF)));
    // Break and continue paths count.
    let p = lower("x => { let b; a: { if (x > 0) break a; b = 1 } return b }").unwrap();
    assert_eq!(p.funcs[0].local_tys[1], NUM | UNDEF);
  }
}
