//! Bindings: declaring locals (bounded by [`super::MAX_LOCALS`]), recording
//! their types and the function's return type, and resolving names.

use oxc_span::Span;

use super::{Binding, Lowerer, MAX_LOCALS, Result};
use crate::ir::LocalId;

impl Lowerer<'_> {
  pub(super) fn new_local(&mut self, name: &str, constant: bool, span: Span) -> Result<LocalId> {
    let id = self.fresh_local(span)?;
    self
      .cur()
      .scopes
      .last_mut()
      .expect("a scope")
      .insert(name.to_string(), Binding::Local { id, constant });
    Ok(id)
  }

  /// A local with no name (a captured variable's copy).
  pub(super) fn fresh_local(&mut self, span: Span) -> Result<LocalId> {
    if self
      .fstack
      .last()
      .is_some_and(|st| st.n_locals as usize >= MAX_LOCALS)
    {
      return self.fail(
        span,
        format!("more than {MAX_LOCALS} variables and parameters in one kernel function"),
      );
    }
    let st = self.cur();
    let id = st.n_locals;
    st.n_locals += 1;
    Ok(id)
  }

  /// The local of the current function that holds variable `local` of the
  /// function `depth` levels out (read-only: it is passed at each call).
  pub(super) fn capture(&mut self, depth: usize, local: LocalId, span: Span) -> Result<LocalId> {
    let owner = self.fstack[self.fstack.len() - 1 - depth].id;
    if let Some(id) = self.cur().captured.get(&(owner, local)) {
      return Ok(*id);
    }
    let id = self.fresh_local(span)?;
    self.cur().captured.insert((owner, local), id);
    Ok(id)
  }

  /// Resolves a name to a binding: `Ok(Some((binding, in_current_function)))`.
  pub(super) fn lookup(&self, name: &str) -> Option<(Binding, usize)> {
    for (depth, f) in self.fstack.iter().rev().enumerate() {
      for scope in f.scopes.iter().rev() {
        if let Some(b) = scope.get(name) {
          return Some((*b, depth));
        }
      }
    }
    None
  }

  pub(super) fn is_global(&self, name: &str) -> bool {
    self.lookup(name).is_none() && !self.consts.iter().any(|c| c == name)
  }
}

#[cfg(test)]
mod tests {
  use crate::testing::{call, rejection};

  #[test]
  fn names_resolve_like_js_scopes() {
    assert_eq!(
      call("x => { let y = 1; { let y = 2 } return y }", &[0.0]),
      1.0
    );
    assert_eq!(call("x => { { var y = 2 } return y }", &[0.0]), 2.0);
    assert_eq!(call("x => { var y = 5; var y; return y }", &[0.0]), 5.0);
    assert!(call("x => { let y; return y }", &[0.0]).is_nan());
    assert_eq!(
      call(
        "x => { let x2 = x; { let x = 4; x2 += x } return x2 }",
        &[1.0]
      ),
      5.0
    );
  }

  #[test]
  fn locals_are_bounded() {
    let params: Vec<String> = (0..=super::MAX_LOCALS).map(|k| format!("a{k}")).collect();
    let m = rejection(&format!("({}) => 0", params.join(", ")));
    assert!(m.contains("more than 4096 variables"), "{m}");
    let params: Vec<String> = (0..super::MAX_LOCALS).map(|k| format!("a{k}")).collect();
    assert_eq!(call(&format!("({}) => 7", params.join(", ")), &[0.0]), 7.0);
  }
}
