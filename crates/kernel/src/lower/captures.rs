//! Nested functions that read variables of enclosing functions: each such
//! variable becomes a hidden argument, passed at every call after the
//! declared ones. This is exact because calls are synchronous and a nested
//! function cannot assign a captured variable (that is an error): the value
//! cannot change while the callee runs.
//!
//! A function needs the variables it reads itself and those its callees
//! need, except its own (a fixed point over the call graph); a caller passes
//! its own local for a variable it owns, else its own copy.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Expr, FuncId, LocalId, Program};

/// Captured variable: (owner function, owner's local).
type Var = (FuncId, LocalId);

/// Fills each function's [`crate::ir::Func::captures`] and rewrites every
/// call to pass its declared arguments (padded with `undefined`), extras,
/// then the callee's captures. `reads[f]` are the variables `f` reads
/// directly, each with the local of `f` that holds it. Fails with the
/// function whose locals (captures included) would pass `max_locals`.
pub(super) fn resolve(
  p: &mut Program,
  reads: &[Vec<(Var, LocalId)>],
  max_locals: usize,
) -> Result<(), FuncId> {
  let n = p.funcs.len();
  let mut cap: Vec<BTreeMap<Var, LocalId>> = (0..n)
    .map(|f| {
      reads
        .get(f)
        .map(|r| r.iter().copied().collect())
        .unwrap_or_default()
    })
    .collect();
  let callees: Vec<BTreeSet<FuncId>> = p
    .funcs
    .iter()
    .map(|f| {
      let mut out = BTreeSet::new();
      crate::ir::walk(&f.body, &mut |e| {
        if let Expr::Call(g, _) = e {
          out.insert(*g);
        }
      });
      out
    })
    .collect();
  loop {
    let mut changed = false;
    for f in 0..n {
      for &g in &callees[f] {
        let need: Vec<Var> = cap[g as usize].keys().copied().collect();
        for v in need {
          if v.0 as usize != f && !cap[f].contains_key(&v) {
            if p.funcs[f].n_locals as usize >= max_locals {
              return Err(f as FuncId);
            }
            let local = p.funcs[f].n_locals;
            p.funcs[f].n_locals += 1;
            cap[f].insert(v, local);
            changed = true;
          }
        }
      }
    }
    if !changed {
      break;
    }
  }
  let shapes: Vec<(usize, Vec<Var>)> = (0..n)
    .map(|g| {
      (
        p.funcs[g].n_params as usize,
        cap[g].keys().copied().collect(),
      )
    })
    .collect();
  for (f, func) in p.funcs.iter_mut().enumerate() {
    func.captures = cap[f].values().copied().collect();
    let mine = &cap[f];
    let local_of = |v: &Var| -> LocalId { if v.0 as usize == f { v.1 } else { mine[v] } };
    // Children first, so that a call's own arguments are rewritten before it.
    crate::ir::walk_mut(&mut func.body, &mut |e| {
      if let Expr::Call(g, args) = e {
        let (n_params, needs) = &shapes[*g as usize];
        while args.len() < *n_params {
          args.push(Expr::Undef);
        }
        args.extend(needs.iter().map(|v| Expr::Local(local_of(v))));
      }
    });
  }
  Ok(())
}

#[cfg(test)]
mod tests {
  use crate::testing::{call, lower, rejection};

  #[test]
  fn captures_are_passed_through_every_caller() {
    let p = lower("x => { const k = 2; function g(v) { function h() { return v * k } return h() } return g(x) }").unwrap();
    // g passes k on to h, so g captures it too; h captures v and k.
    assert_eq!(p.funcs[1].captures.len(), 1);
    assert_eq!(p.funcs[2].captures.len(), 2);
    assert_eq!(
      call(
        "x => { const k = 2; function g(v) { function h() { return v * k } return h() } return g(x) }",
        &[3.0]
      ),
      6.0
    );
    // Recursion passes its own copy.
    assert_eq!(
      call(
        "x => { const d = 2; function f(n) { return n <= 0 ? 0 : d + f(n - 1) } return f(x) }",
        &[4.0]
      ),
      8.0
    );
  }

  #[test]
  fn captures_count_as_locals() {
    let consts: String = (0..4000).map(|k| format!("const c{k} = {k}; ")).collect();
    let own: String = (0..200).map(|k| format!("let o{k} = {k}; ")).collect();
    let reads: Vec<String> = (0..4000).map(|k| format!("c{k}")).collect();
    let reads = reads.join(", ");
    let src = format!(
      "x => {{ {consts} function f() {{ {own} function g() {{ return Math.max({reads}) }} return g() }} return f() }}"
    );
    let m = rejection(&src);
    assert!(
      m.contains("more than 4096 variables") && m.contains("enclosing variables"),
      "{m}"
    );
  }
}
