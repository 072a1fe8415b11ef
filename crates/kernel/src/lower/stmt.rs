//! Statements: blocks (with hoisted function declarations), declarations,
//! `if`, loops, labels and their `break`/`continue` targets, `return`.

use std::collections::HashMap;

use oxc_ast::ast::*;
use oxc_span::{GetSpan, Span};

use super::{Binding, Lowerer, MAX_DEPTH, Result, Target};
use crate::ir::{Expr, FuncId, Stmt, TargetId};

fn statement_kind(s: &Statement<'_>) -> &'static str {
  match s {
    Statement::DebuggerStatement(_) => "`debugger`",
    Statement::ForInStatement(_) => "`for…in`",
    Statement::ForOfStatement(_) => "`for…of`",
    Statement::SwitchStatement(_) => "`switch`",
    Statement::ThrowStatement(_) => "`throw`",
    Statement::TryStatement(_) => "`try`",
    Statement::WithStatement(_) => "`with`",
    Statement::ClassDeclaration(_) => "classes",
    _ => "this statement",
  }
}

impl Lowerer<'_> {
  /// A function body or block: hoists function declarations, then lowers statements.
  pub(super) fn block_body(&mut self, statements: &[Statement<'_>]) -> Result<Vec<Stmt>> {
    // Hoist: bind every function declared in this block first.
    let mut declared = Vec::new();
    for s in statements {
      if let Statement::FunctionDeclaration(f) = s {
        self.check_function_flags(f)?;
        let Some(id) = &f.id else {
          return self.fail(f.span, "a function declaration without a name");
        };
        let fid = self.funcs.len() as FuncId;
        self.funcs.push(None);
        self
          .cur()
          .scopes
          .last_mut()
          .expect("a scope")
          .insert(id.name.to_string(), Binding::Func(fid));
        declared.push((fid, f));
      }
    }
    let mut out = Vec::new();
    for s in statements {
      self.stmt(s, &mut out)?;
    }
    // Lower the nested functions last, so that a reference to any variable of
    // this block is reported as a capture (not as an unknown name).
    for (fid, f) in declared {
      let Some(body) = &f.body else {
        return self.fail(f.span, "a function without a body");
      };
      let name = f
        .id
        .as_ref()
        .map(|i| i.name.to_string())
        .unwrap_or_default();
      self.lower_function(fid, name, None, &f.params, &body.statements, None)?;
    }
    Ok(out)
  }

  pub(super) fn scoped_block(&mut self, statements: &[Statement<'_>]) -> Result<Vec<Stmt>> {
    self.cur().scopes.push(HashMap::new());
    let r = self.block_body(statements);
    self.cur().scopes.pop();
    r
  }

  /// A statement in its own scope (the body of `if`/loops).
  pub(super) fn sub_statement(&mut self, s: &Statement<'_>) -> Result<Vec<Stmt>> {
    match s {
      Statement::BlockStatement(b) => self.scoped_block(&b.body),
      Statement::VariableDeclaration(d) => self.fail(
        d.span,
        "a declaration cannot be the body of `if` or a loop; wrap it in braces",
      ),
      other => self.scoped_block(std::slice::from_ref(other)),
    }
  }

  pub(super) fn stmt(&mut self, s: &Statement<'_>, out: &mut Vec<Stmt>) -> Result<()> {
    self.depth += 1;
    let r = if self.depth > MAX_DEPTH {
      Err(crate::nesting::too_deep(
        self.src,
        s.span().start,
        MAX_DEPTH,
      ))
    } else {
      self.stmt_inner(s, out)
    };
    self.depth -= 1;
    r
  }

  pub(super) fn stmt_inner(&mut self, s: &Statement<'_>, out: &mut Vec<Stmt>) -> Result<()> {
    match s {
      Statement::EmptyStatement(_) | Statement::FunctionDeclaration(_) => {}
      Statement::BlockStatement(b) => {
        let body = self.scoped_block(&b.body)?;
        out.extend(body);
      }
      // istanbul's `cov_…().s[n]++;` (see `coverage`).
      Statement::ExpressionStatement(e) if self.is_coverage_counter(&e.expression) => {}
      Statement::ExpressionStatement(e) => {
        let x = self.expr(&e.expression)?;
        out.push(match x {
          Expr::Assign(id, v) => Stmt::Set(id, *v),
          x => Stmt::Expr(x),
        });
      }
      Statement::VariableDeclaration(d) => self.var_decl(d, out)?,
      Statement::ReturnStatement(r) => {
        let value = match &r.argument {
          Some(a) => Some(self.expr(a)?),
          None => None,
        };
        out.push(Stmt::Return(value));
      }
      Statement::IfStatement(i) => {
        let test = self.expr(&i.test)?;
        let then = self.sub_statement(&i.consequent)?;
        let otherwise = match &i.alternate {
          Some(a) => self.sub_statement(a)?,
          None => Vec::new(),
        };
        out.push(Stmt::If(test, then, otherwise));
      }
      Statement::WhileStatement(w) => {
        let id = self.push_target(Vec::new(), true);
        let test = self.expr(&w.test)?;
        let body = self.sub_statement(&w.body)?;
        self.pop_target();
        out.push(Stmt::Loop {
          id,
          test: Some(test),
          test_first: true,
          body,
          update: None,
        });
      }
      Statement::DoWhileStatement(w) => {
        let id = self.push_target(Vec::new(), true);
        let body = self.sub_statement(&w.body)?;
        let test = self.expr(&w.test)?;
        self.pop_target();
        out.push(Stmt::Loop {
          id,
          test: Some(test),
          test_first: false,
          body,
          update: None,
        });
      }
      Statement::ForStatement(f) => self.for_stmt(f, Vec::new(), out)?,
      Statement::LabeledStatement(l) => {
        let mut labels = vec![l.label.name.to_string()];
        let mut body = &l.body;
        while let Statement::LabeledStatement(inner) = body {
          labels.push(inner.label.name.to_string());
          body = &inner.body;
        }
        match body {
          Statement::ForStatement(f) => self.for_stmt(f, labels, out)?,
          Statement::WhileStatement(_) | Statement::DoWhileStatement(_) => {
            // Give the labels to the loop by lowering it with them pushed.
            self.labeled_loop(body, labels, out)?;
          }
          other => {
            let id = self.push_target(labels, false);
            let inner = self.sub_statement(other)?;
            self.pop_target();
            out.push(Stmt::Block(id, inner));
          }
        }
      }
      Statement::BreakStatement(b) => {
        let label = b.label.as_ref().map(|l| l.name.as_str());
        let id = self.find_target(label, false, b.span)?;
        out.push(Stmt::Break(id));
      }
      Statement::ContinueStatement(c) => {
        let label = c.label.as_ref().map(|l| l.name.as_str());
        let id = self.find_target(label, true, c.span)?;
        out.push(Stmt::Continue(id));
      }
      other => {
        return self.fail(
          other.span(),
          format!("{} is not supported in a kernel", statement_kind(other)),
        );
      }
    }
    Ok(())
  }

  pub(super) fn labeled_loop(
    &mut self,
    body: &Statement<'_>,
    labels: Vec<String>,
    out: &mut Vec<Stmt>,
  ) -> Result<()> {
    let id = self.push_target(labels, true);
    let lowered = match body {
      Statement::WhileStatement(w) => {
        let test = self.expr(&w.test)?;
        let b = self.sub_statement(&w.body)?;
        Stmt::Loop {
          id,
          test: Some(test),
          test_first: true,
          body: b,
          update: None,
        }
      }
      Statement::DoWhileStatement(w) => {
        let b = self.sub_statement(&w.body)?;
        let test = self.expr(&w.test)?;
        Stmt::Loop {
          id,
          test: Some(test),
          test_first: false,
          body: b,
          update: None,
        }
      }
      _ => unreachable!("only called for while/do-while"),
    };
    self.pop_target();
    out.push(lowered);
    Ok(())
  }

  pub(super) fn for_stmt(
    &mut self,
    f: &ForStatement<'_>,
    labels: Vec<String>,
    out: &mut Vec<Stmt>,
  ) -> Result<()> {
    self.cur().scopes.push(HashMap::new());
    let mut init = Vec::new();
    match &f.init {
      None => {}
      Some(ForStatementInit::VariableDeclaration(d)) => self.var_decl(d, &mut init)?,
      Some(other) => {
        let e = other
          .as_expression()
          .expect("ForStatementInit is a declaration or an expression");
        let x = self.expr(e)?;
        init.push(Stmt::Expr(x));
      }
    }
    let id = self.push_target(labels, true);
    let test = f.test.as_ref().map(|t| self.expr(t)).transpose()?;
    let update = f.update.as_ref().map(|u| self.expr(u)).transpose()?;
    let body = self.sub_statement(&f.body)?;
    self.pop_target();
    self.cur().scopes.pop();
    out.extend(init);
    out.push(Stmt::Loop {
      id,
      test,
      test_first: true,
      body,
      update,
    });
    Ok(())
  }

  pub(super) fn push_target(&mut self, labels: Vec<String>, is_loop: bool) -> TargetId {
    let id = self.next_target;
    self.next_target += 1;
    if is_loop {
      self.has_loops = true;
    }
    self.cur().targets.push(Target {
      labels,
      id,
      is_loop,
    });
    id
  }

  pub(super) fn pop_target(&mut self) {
    self.cur().targets.pop();
  }

  pub(super) fn find_target(
    &self,
    label: Option<&str>,
    is_continue: bool,
    span: Span,
  ) -> Result<TargetId> {
    let targets = &self.fstack.last().expect("inside a function").targets;
    let found = targets.iter().rev().find(|t| match label {
      Some(l) => t.labels.iter().any(|x| x == l),
      None => t.is_loop,
    });
    match found {
      Some(t) if is_continue && !t.is_loop => self.fail(span, "`continue` must target a loop"),
      Some(t) => Ok(t.id),
      None => self.fail(span, "`break`/`continue` outside a loop"),
    }
  }

  pub(super) fn var_decl(
    &mut self,
    d: &VariableDeclaration<'_>,
    out: &mut Vec<Stmt>,
  ) -> Result<()> {
    let (constant, function_scoped) = match d.kind {
      VariableDeclarationKind::Let => (false, false),
      VariableDeclarationKind::Const => (true, false),
      VariableDeclarationKind::Var => (false, true),
      _ => return self.fail(d.span, "`using` declarations are not supported in a kernel"),
    };
    for decl in &d.declarations {
      let BindingPattern::BindingIdentifier(b) = &decl.id else {
        return self.fail(decl.span, "destructuring is not supported in a kernel");
      };
      let name = b.name.as_str();
      let value = match &decl.init {
        Some(e) => self.expr(e)?,
        // `var x;` keeps the value (hoisted: `undefined` until assigned).
        None if function_scoped => continue,
        None => Expr::Undef,
      };
      let id = if function_scoped {
        match self.cur().scopes[1].get(name) {
          Some(Binding::Local { id, .. }) => *id,
          _ => {
            return Err(crate::error::KernelError::Internal(format!(
              "`var {name}` was not hoisted"
            )));
          }
        }
      } else {
        self.new_local(name, constant, decl.span)?
      };
      out.push(Stmt::Set(id, value));
    }
    Ok(())
  }
}

#[cfg(test)]
mod tests {
  use crate::testing::{call, rejection};

  #[test]
  fn loops_and_labels_run_as_in_js() {
    let nested = "x => { let s = 0; outer: for (let i = 0; i < 5; i++) { for (let j = 0; j < 5; j++) { if (j > i) continue outer; if (i === 4) break outer; s += 1 } } return s }";
    assert_eq!(call(nested, &[0.0]), 10.0);
    assert_eq!(
      call(
        "x => { let n = 0; do { n++ } while (false); return n }",
        &[0.0]
      ),
      1.0
    );
    let odd =
      "x => { let i = 0, s = 0; while (i < 10) { i++; if (i % 2) continue; s += i } return s }";
    assert_eq!(call(odd, &[0.0]), 30.0);
    let block = "x => { let r = 1; b: { r = 2; if (x > 0) break b; r = 3 } return r }";
    assert_eq!(call(block, &[1.0]), 2.0);
    assert_eq!(call(block, &[-1.0]), 3.0);
    let two =
      "x => { let s = 0; a: b: while (true) { s++; if (s > 3) break a; continue b } return s }";
    assert_eq!(call(two, &[0.0]), 4.0);
  }

  #[test]
  fn unsupported_statements_are_named() {
    for (src, needle) in [
      (
        "x => { switch (x) { } return 0 }",
        "`switch` is not supported",
      ),
      (
        "x => { try { } finally { } return 0 }",
        "`try` is not supported",
      ),
      (
        "x => { for (const k of x) { } return 0 }",
        "`for…of` is not supported",
      ),
      (
        "x => { if (x) var y = 1; return 0 }",
        "a declaration cannot be the body",
      ),
      (
        "x => { a: { continue a } return 0 }",
        "`continue` must target a loop",
      ),
      (
        "x => { let { a } = x; return a }",
        "destructuring is not supported",
      ),
    ] {
      let m = rejection(src);
      assert!(m.contains(needle), "{src}: {m}");
    }
  }
}
