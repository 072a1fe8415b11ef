//! Calls and member access: nested functions, `Math.*` / `Number.*`
//! intrinsics, global `isNaN` / `isFinite`, and `Math` / `Number` constants.

use oxc_ast::ast::*;
use oxc_span::GetSpan;

use super::expr::unsupported_expression;
use super::globals::{math_constant, math_function, number_constant, number_function};
use super::{Binding, Lowerer, MAX_CALL_ARGS, Result};
use crate::ir::{self, Expr, FuncId, Intrinsic, UnOp};

impl Lowerer<'_> {
  pub(super) fn args(&mut self, c: &CallExpression<'_>) -> Result<Vec<Expr>> {
    if c.arguments.len() > MAX_CALL_ARGS {
      return self.fail(
        c.span,
        format!("a call with more than {MAX_CALL_ARGS} arguments in a kernel"),
      );
    }
    let mut out = Vec::with_capacity(c.arguments.len());
    for a in &c.arguments {
      match a {
        Argument::SpreadElement(s) => {
          return self.fail(s.span, "spread arguments are not supported in a kernel");
        }
        other => {
          let e = other
            .as_expression()
            .expect("an argument is a spread or an expression");
          out.push(self.expr(e)?);
        }
      }
    }
    Ok(out)
  }

  pub(super) fn call(&mut self, c: &CallExpression<'_>) -> Result<Expr> {
    if c.optional {
      return self.fail(c.span, "optional calls are not supported in a kernel");
    }
    match &c.callee {
      Expression::Identifier(id) => {
        let name = id.name.as_str();
        match self.lookup(name) {
          Some((Binding::Func(fid), _)) => {
            let args = self.args(c)?;
            if let Some(Some(f)) = self.funcs.get_mut(fid as usize) {
              f.called = true;
            }
            self.mark_called(fid);
            return Ok(Expr::Call(fid, args));
          }
          Some(_) => return self.fail(id.span, format!("`{name}` is a variable, not a function")),
          None => {}
        }
        if self.consts.iter().all(|k| k != name) && (name == "isNaN" || name == "isFinite") {
          // The globals convert their argument (`undefined` if none) to a number.
          let mut args = self.args(c)?;
          if args.is_empty() {
            args.push(Expr::Undef);
          }
          let args = args
            .into_iter()
            .map(|a| Expr::Unary(UnOp::Plus, Box::new(a)))
            .collect();
          let f = if name == "isNaN" {
            Intrinsic::IsNaN
          } else {
            Intrinsic::IsFinite
          };
          return Ok(Expr::Math(f, args));
        }
        self.fail(
          id.span,
          format!(
            "call to `{name}`, which is not defined inside the kernel: a kernel can only call `Math.*`, `Number.is*` and functions declared inside it"
          ),
        )
      }
      Expression::StaticMemberExpression(m) => {
        let prop = m.property.name.as_str();
        let object = match &m.object {
          Expression::Identifier(o) if self.is_global(o.name.as_str()) => o.name.as_str(),
          _ => {
            return self.fail(
              m.span,
              "method calls are not supported in a kernel (only `Math.*` and `Number.*`)",
            );
          }
        };
        let f = match object {
          "Math" => math_function(prop),
          "Number" => number_function(prop),
          _ => {
            return self.fail(
              m.span,
              format!(
                "call to `{object}.{prop}`: a kernel cannot use `{object}` from outside it; only `Math.*` and `Number.is*` are available"
              ),
            );
          }
        };
        let Some(f) = f else {
          return self.fail(
            m.property.span,
            format!("`{object}.{prop}` is not a supported function in a kernel"),
          );
        };
        // `Number.isFinite(true)` & co. are false (not a number): code
        // generation reads the argument's type or tag.
        Ok(Expr::Math(f, self.args(c)?))
      }
      other => self.fail(
        other.span(),
        unsupported_expression(other, |what| format!("{what} cannot be called in a kernel")),
      ),
    }
  }

  pub(super) fn mark_called(&mut self, fid: FuncId) {
    // Functions being lowered are recorded when they finish; remember the call here.
    if let Some(slot) = self.funcs.get_mut(fid as usize)
      && slot.is_none()
    {
      *slot = Some(ir::Func {
        name: String::new(),
        n_params: 0,
        n_locals: 0,
        body: Vec::new(),
        called: true,
        captures: Vec::new(),
        local_tys: Vec::new(),
        ret_ty: 0,
      });
    }
  }

  pub(super) fn member(&mut self, m: &StaticMemberExpression<'_>) -> Result<Expr> {
    if let Some(r) = self.array_member(m) {
      return r;
    }
    let prop = m.property.name.as_str();
    if let Expression::Identifier(o) = &m.object
      && self.is_global(o.name.as_str())
    {
      let value = match o.name.as_str() {
        "Math" => math_constant(prop),
        "Number" => number_constant(prop),
        _ => None,
      };
      if let Some(v) = value {
        return Ok(Expr::Num(v));
      }
      if o.name.as_str() == "Math" || o.name.as_str() == "Number" {
        return self.fail(
          m.property.span,
          format!("`{}.{prop}` is not supported in a kernel", o.name.as_str()),
        );
      }
    }
    // `k.x` with k from outside, `this.x`, `'s'.length`: the object's own error is the useful one.
    self.expr(&m.object)?;
    self.fail(
      m.span,
      format!(
        "property access `.{prop}` cannot be used in a kernel, which works on numbers only; pass the number itself, as an input array or through `params`"
      ),
    )
  }
}

#[cfg(test)]
mod tests {
  use crate::testing::{call, rejection};

  #[test]
  fn calls_and_members_lower_to_their_js_values() {
    assert_eq!(call("x => Math.PI", &[0.0]), std::f64::consts::PI);
    assert_eq!(
      call("x => Number.MAX_SAFE_INTEGER", &[0.0]),
      9007199254740991.0
    );
    // Number.isFinite(true) is false (not a number); global isNaN converts.
    assert_eq!(call("x => Number.isFinite(x > 0)", &[1.0]), 0.0);
    assert_eq!(call("x => isNaN(x)", &[f64::NAN]), 1.0);
    assert_eq!(call("x => isFinite(x)", &[f64::INFINITY]), 0.0);
    assert_eq!(
      call(
        "x => { function f(a, b) { return a * 10 + b } return f(x, 2) }",
        &[3.0]
      ),
      32.0
    );
    // Missing arguments are `undefined`; extra ones are evaluated and dropped.
    assert!(call("x => { function f(a, b) { return b } return f(x) }", &[3.0]).is_nan());
    assert_eq!(
      call(
        "x => { function f(a) { return a } return f(x, x++) + x }",
        &[3.0]
      ),
      7.0
    );
  }

  #[test]
  fn unsupported_calls_are_named() {
    let many = vec!["x"; super::MAX_CALL_ARGS + 1].join(", ");
    for (src, needle) in [
      (format!("x => Math.max({many})"), "more than 4096 arguments"),
      (
        "x => Math.foo(x)".into(),
        "`Math.foo` is not a supported function",
      ),
      ("x => Math.nope".into(), "`Math.nope` is not supported"),
      (
        "x => JSON.parse(x)".into(),
        "cannot use `JSON` from outside it",
      ),
      ("x => x.toFixed(2)".into(), "method calls are not supported"),
      ("x => x.y".into(), "property access `.y`"),
      ("x => g(x)".into(), "call to `g`, which is not defined"),
      ("x => Math.max(...x)".into(), "spread arguments"),
      ("x => Math?.max(x)".into(), "optional chaining"),
    ] {
      let m = rejection(&src);
      assert!(m.contains(needle), "{src}: {m}");
    }
    let ok = vec!["x"; super::MAX_CALL_ARGS].join(", ");
    assert_eq!(call(&format!("x => Math.max({ok})"), &[2.0]), 2.0);
  }
}
