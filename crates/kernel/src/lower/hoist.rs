//! `var` hoisting: every `var` of a function is bound in its top scope
//! before the body is lowered, so that it can be read (as `undefined`) or
//! assigned before its declaration, as in JS.

use oxc_ast::ast::*;

use super::{Binding, Lowerer, Result};

impl Lowerer<'_> {
  /// Binds the `var`s declared anywhere in `statements` (not inside nested
  /// functions) in the current function's top scope. A name already bound
  /// there (a parameter, an earlier `var`) keeps its local.
  pub(super) fn hoist_vars(&mut self, statements: &[Statement<'_>]) -> Result<()> {
    let mut found = Vec::new();
    for s in statements {
      collect(s, &mut found, 0);
    }
    for (name, span) in found {
      let bound = matches!(self.cur().scopes[1].get(name), Some(Binding::Local { .. }));
      if !bound {
        self.new_local(name, false, span)?;
      }
    }
    Ok(())
  }
}

/// The `var` names of `s`, in source order. `depth` bounds the walk (the
/// statement nesting was bounded by the prescan; deeper ones are left to the
/// lowering, which reports them).
fn collect<'a>(s: &'a Statement<'_>, out: &mut Vec<(&'a str, oxc_span::Span)>, depth: u32) {
  if depth > crate::nesting::MAX_NESTING {
    return;
  }
  let d = depth + 1;
  match s {
    Statement::VariableDeclaration(v) => declaration(v, out),
    Statement::BlockStatement(b) => b.body.iter().for_each(|s| collect(s, out, d)),
    Statement::IfStatement(i) => {
      collect(&i.consequent, out, d);
      if let Some(a) = &i.alternate {
        collect(a, out, d);
      }
    }
    Statement::WhileStatement(w) => collect(&w.body, out, d),
    Statement::DoWhileStatement(w) => collect(&w.body, out, d),
    Statement::ForStatement(f) => {
      if let Some(ForStatementInit::VariableDeclaration(v)) = &f.init {
        declaration(v, out);
      }
      collect(&f.body, out, d);
    }
    Statement::LabeledStatement(l) => collect(&l.body, out, d),
    _ => {}
  }
}

fn declaration<'a>(v: &'a VariableDeclaration<'_>, out: &mut Vec<(&'a str, oxc_span::Span)>) {
  if v.kind != VariableDeclarationKind::Var {
    return;
  }
  for d in &v.declarations {
    if let BindingPattern::BindingIdentifier(b) = &d.id {
      out.push((b.name.as_str(), d.span));
    }
  }
}
