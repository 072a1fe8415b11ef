//! Functions: the kernel root (an arrow function or a function expression),
//! each nested function's parameters and body, and its return type.

use std::collections::HashMap;

use oxc_ast::ast::*;
use oxc_span::GetSpan;

use super::{Binding, FnState, Lowerer, Result};
use crate::error::KernelError;
use crate::ir::{self, FuncId, Stmt};

impl Lowerer<'_> {
  pub(super) fn lower_root(&mut self, root: &Expression<'_>) -> Result<ir::Program> {
    let mut e = root;
    while let Expression::ParenthesizedExpression(p) = e {
      e = &p.expression;
    }
    self.funcs.push(None);
    match e {
      Expression::ArrowFunctionExpression(a) => {
        if a.r#async {
          return self.fail(a.span, "async functions are not supported in a kernel");
        }
        match &a.body {
          ArrowFunctionBody::FunctionBody(b) => {
            self.lower_function(0, "<kernel>".into(), None, &a.params, &b.statements, None)?;
          }
          other => {
            let e = other
              .as_expression()
              .expect("an arrow body is a block or an expression");
            self.lower_function(0, "<kernel>".into(), None, &a.params, &[], Some(e))?;
          }
        }
      }
      Expression::FunctionExpression(f) => {
        self.check_function_flags(f)?;
        let name = f.id.as_ref().map(|id| id.name.to_string());
        let Some(body) = &f.body else {
          return self.fail(f.span, "a function without a body");
        };
        let label = name.clone().unwrap_or_else(|| "<kernel>".into());
        self.lower_function(0, label, name, &f.params, &body.statements, None)?;
      }
      other => {
        return self.fail(
          other.span(),
          "a kernel must be an arrow function or a function expression",
        );
      }
    }
    let funcs = std::mem::take(&mut self.funcs)
      .into_iter()
      .map(|f| f.ok_or_else(|| KernelError::Internal("function left unlowered".into())))
      .collect::<Result<Vec<_>>>()?;
    Ok(ir::Program {
      funcs,
      n_consts: self.consts.len(),
      has_loops: self.has_loops,
      arrays: super::array::array_kinds(self.param_kinds),
    })
  }

  pub(super) fn check_function_flags(&self, f: &Function<'_>) -> Result<()> {
    if f.r#async {
      return self.fail(f.span, "async functions are not supported in a kernel");
    }
    if f.generator {
      return self.fail(f.span, "generator functions are not supported in a kernel");
    }
    Ok(())
  }

  /// Lowers one function into `self.funcs[id]`. `self_name` is bound inside
  /// it (a named function expression); `expr_body` is an arrow's expression.
  pub(super) fn lower_function(
    &mut self,
    id: FuncId,
    name: String,
    self_name: Option<String>,
    params: &FormalParameters<'_>,
    statements: &[Statement<'_>],
    expr_body: Option<&Expression<'_>>,
  ) -> Result<()> {
    let mut scope = HashMap::new();
    if let Some(n) = self_name {
      scope.insert(n, Binding::Func(id));
    }
    self.fstack.push(FnState {
      id,
      scopes: vec![scope, HashMap::new()],
      n_locals: 0,
      targets: Vec::new(),
      captured: HashMap::new(),
    });
    if let Some(rest) = &params.rest {
      return self.fail(rest.span, "rest parameters are not supported in a kernel");
    }
    if id == 0 {
      self.check_arity(params)?;
    }
    for p in &params.items {
      if p.initializer.is_some() {
        return self.fail(
          p.span,
          "default parameter values are not supported in a kernel",
        );
      }
      let BindingPattern::BindingIdentifier(b) = &p.pattern else {
        return self.fail(
          p.span,
          "destructuring parameters are not supported in a kernel",
        );
      };
      self.new_local(b.name.as_str(), false, p.span)?;
    }
    let n_params = params.items.len() as u32;
    let body = match expr_body {
      Some(e) => vec![Stmt::Return(Some(self.expr(e)?))],
      None => {
        self.hoist_vars(statements)?;
        self.block_body(statements)?
      }
    };
    let st = self.fstack.pop().expect("pushed above");
    let called = self.funcs[id as usize].as_ref().is_some_and(|f| f.called);
    self.funcs[id as usize] = Some(ir::Func {
      name,
      n_params,
      n_locals: st.n_locals,
      body,
      called,
      captures: Vec::new(),
      local_tys: Vec::new(),
      ret_ty: 0,
    });
    if self.reads.len() <= id as usize {
      self.reads.resize(id as usize + 1, Vec::new());
      self.starts.resize(id as usize + 1, 0);
    }
    self.starts[id as usize] = params.span.start;
    let mut reads: Vec<_> = st.captured.into_iter().collect();
    reads.sort_unstable();
    self.reads[id as usize] = reads;
    Ok(())
  }
}

impl Lowerer<'_> {
  /// In map mode the kernel is called with `(x0, …, x{n-1}, i)`: a parameter
  /// past the index would always be `undefined` (NaN), so it is an error.
  fn check_arity(&self, params: &FormalParameters<'_>) -> Result<()> {
    let Some(max) = self.max_params else {
      return Ok(());
    };
    let Some(extra) = params.items.get(max) else {
      return Ok(());
    };
    let n_inputs = max.saturating_sub(1);
    let name = match &extra.pattern {
      BindingPattern::BindingIdentifier(b) => format!("`{}`", b.name),
      _ => format!("number {}", max + 1),
    };
    let (arrays, elements) = if n_inputs == 1 {
      (
        "1 input array".to_string(),
        "its element and index, `(x, i)`",
      )
    } else {
      (
        format!("{n_inputs} input arrays"),
        "one element of each and the index, `(x0, …, i)`",
      )
    };
    self.fail(
      extra.span,
      format!(
        "parameter {name} would always be undefined (NaN): a kernel over {arrays} is called with {elements}, so it takes at most {max} parameters; give {name} its own input array (`parallelMap([xs, ys], (x, y, i) => …)`) or remove it and pass the value through `params`"
      ),
    )
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::testing::{call, lower, rejection};

  /// In map mode a parameter past the index would always be `undefined`:
  /// an error naming it, at compile time; call mode is a JS call.
  #[test]
  fn parameters_past_the_inputs_are_errors_in_map_mode() {
    use crate::codegen::Mode;
    use crate::parse::parse_kernel_for;
    let message =
      |src: &str, n_inputs: usize| match parse_kernel_for(src, &[], Mode::Map { n_inputs }) {
        Err(KernelError::Unsupported { message, .. }) => message,
        other => panic!("{src}: expected Unsupported, got {other:?}"),
      };
    assert_eq!(
      message("(x, i, scale) => x * scale", 1),
      "parameter `scale` would always be undefined (NaN): a kernel over 1 input array is called with its element and index, `(x, i)`, so it takes at most 2 parameters; give `scale` its own input array (`parallelMap([xs, ys], (x, y, i) => …)`) or remove it and pass the value through `params` (at 1:8)"
    );
    let two = message("function (a, b, i, k, l) { return a }", 2);
    assert!(
      two.contains("parameter `k`")
        && two.contains("2 input arrays")
        && two.contains("at most 3 parameters"),
      "{two}"
    );
    assert!(message("(x, i, [z]) => x", 1).contains("parameter number 3"));
    // A method's position maps back past the `function ` prefix.
    assert!(message("m(x, i, z) { return x }", 1).ends_with("(at 1:9)"));
    for (src, n) in [
      ("(x, i) => x", 1),
      ("x => x", 1),
      ("() => 1", 1),
      ("(x, y, i) => x + y", 2),
    ] {
      assert!(
        parse_kernel_for(src, &[], Mode::Map { n_inputs: n }).is_ok(),
        "{src}"
      );
    }
    // `spawn(fn, args)`: missing arguments are `undefined`, as in any JS call.
    assert!(parse_kernel_for("(a, b, c) => a", &[], Mode::call(1)).is_ok());
  }

  #[test]
  fn kernel_forms_and_their_rejections() {
    assert_eq!(call("x => x + 1", &[1.0]), 2.0);
    assert_eq!(call("(x) => { return x * 2 }", &[3.0]), 6.0);
    assert_eq!(call("function (x) { return x - 1 }", &[3.0]), 2.0);
    assert_eq!(
      call("function f(x) { return x <= 1 ? 1 : x * f(x - 1) }", &[5.0]),
      120.0
    );
    // Falling off the end is `undefined` (NaN as a number).
    assert!(call("x => { if (x > 0) return 1 }", &[-1.0]).is_nan());
    let program =
      lower("x => { function g(a) { return a } function h(a) { return a } return g(x) }").unwrap();
    assert_eq!(program.funcs.len(), 3);
    assert!(program.funcs[1].called && !program.funcs[2].called);
    for (src, needle) in [
      ("async x => x", "async functions"),
      ("function* g(x) { }", "generator functions"),
      ("(x = 1) => x", "default parameter values"),
      ("(...x) => 1", "rest parameters"),
      ("({ a }) => a", "destructuring parameters"),
      ("5", "a kernel must be an arrow function"),
    ] {
      let m = rejection(src);
      assert!(m.contains(needle), "{src}: {m}");
    }
  }
}
