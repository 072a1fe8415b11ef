//! Expressions: literals, operators, identifiers and assignments, with the
//! nesting bound and the `undefined` / strict-equality rules.

use oxc_ast::ast::*;
use oxc_span::{GetSpan, Span};

use super::types::{BOOL, NUM, Ty};
use super::{Binding, Lowerer, MAX_DEPTH, Result};
use crate::ir::{BinOp, Expr, LocalId, LogicOp, UnOp};

/// A short name for an expression kind outside the subset.
pub(super) fn expression_kind(e: &Expression<'_>) -> &'static str {
  match e {
    Expression::NullLiteral(_) => "`null`",
    Expression::BigIntLiteral(_) => "BigInt literals",
    Expression::RegExpLiteral(_) => "regular expressions",
    Expression::StringLiteral(_) | Expression::TemplateLiteral(_) => "strings",
    Expression::Super(_) => "`super`",
    Expression::ArrayExpression(_) => "arrays",
    Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_) => {
      "function expressions (closures)"
    }
    Expression::AwaitExpression(_) => "`await` (async functions)",
    Expression::ChainExpression(_) => "optional chaining",
    Expression::ClassExpression(_) => "classes",
    Expression::ImportExpression(_) => "`import()`",
    Expression::NewExpression(_) => "`new`",
    Expression::ObjectExpression(_) => "objects",
    Expression::TaggedTemplateExpression(_) => "tagged templates",
    Expression::ThisExpression(_) => "`this`",
    Expression::YieldExpression(_) => "`yield` (generators)",
    Expression::PrivateInExpression(_) => "private fields",
    Expression::ImportMeta(_) => "`import.meta`",
    Expression::NewTarget(_) => "`new.target`",
    Expression::JSXElement(_) | Expression::JSXFragment(_) => "JSX",
    Expression::ComputedMemberExpression(_) => "indexing (`a[i]`)",
    Expression::PrivateFieldExpression(_) => "private fields",
    _ => "this expression",
  }
}

/// What to do instead of an expression outside the subset, where there is
/// a usual way out.
fn expression_fix(e: &Expression<'_>) -> Option<&'static str> {
  match e {
    Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_) => {
      Some("declare a nested `function name(…) {…}` inside the kernel instead")
    }
    Expression::ComputedMemberExpression(_)
    | Expression::ArrayExpression(_)
    | Expression::ObjectExpression(_) => Some(
      "a kernel receives one number per input array and element; map over the array itself (`parallelMap(xs, (x, i) => …)`) and pass other numbers through `params`",
    ),
    _ => None,
  }
}

/// The message for expression `e` outside the subset: `clause` says what
/// cannot be done with `e`'s kind (e.g. "… cannot be used in a kernel"),
/// followed by the fix if there is a usual one.
pub(super) fn unsupported_expression(
  e: &Expression<'_>,
  clause: impl FnOnce(&str) -> String,
) -> String {
  let mut e = e;
  while let Expression::ParenthesizedExpression(p) = e {
    e = &p.expression;
  }
  let what = clause(expression_kind(e));
  match expression_fix(e) {
    Some(fix) => format!("{what}; {fix}"),
    None => what,
  }
}

impl Lowerer<'_> {
  /// Lowers an expression, bounding the nesting depth: lowering and code
  /// generation recurse, and they run on the JS thread.
  pub(super) fn expr(&mut self, e: &Expression<'_>) -> Result<(Expr, Ty)> {
    self.depth += 1;
    let r = if self.depth > MAX_DEPTH {
      Err(crate::nesting::too_deep(
        self.src,
        e.span().start,
        MAX_DEPTH,
      ))
    } else {
      self.expr_inner(e)
    };
    self.depth -= 1;
    r
  }

  pub(super) fn expr_inner(&mut self, e: &Expression<'_>) -> Result<(Expr, Ty)> {
    Ok(match e {
      Expression::NumericLiteral(n) => (Expr::Num(n.value), NUM),
      Expression::BooleanLiteral(b) => (Expr::Num(if b.value { 1.0 } else { 0.0 }), BOOL),
      Expression::ParenthesizedExpression(p) => self.expr(&p.expression)?,
      Expression::Identifier(id) => self.identifier(id)?,
      Expression::UnaryExpression(u) => {
        let (x, _) = self.expr(&u.argument)?;
        match u.operator {
          UnaryOperator::UnaryNegation => (Expr::Unary(UnOp::Neg, Box::new(x)), NUM),
          // `+x` is ToNumber: the identity on our values.
          UnaryOperator::UnaryPlus => (x, NUM),
          UnaryOperator::LogicalNot => (Expr::Unary(UnOp::Not, Box::new(x)), BOOL),
          UnaryOperator::BitwiseNot => (Expr::Unary(UnOp::BitNot, Box::new(x)), NUM),
          UnaryOperator::Typeof => {
            return self.fail(u.span, "`typeof` is not supported in a kernel");
          }
          UnaryOperator::Void => return self.fail(u.span, "`void` is not supported in a kernel"),
          UnaryOperator::Delete => {
            return self.fail(u.span, "`delete` is not supported in a kernel");
          }
        }
      }
      Expression::BinaryExpression(b) => {
        if b.operator.is_equality() {
          self.check_not_undefined(&b.left, "comparing with `undefined`")?;
          self.check_not_undefined(&b.right, "comparing with `undefined`")?;
        }
        let (l, lt) = self.expr(&b.left)?;
        let (r, rt) = self.expr(&b.right)?;
        let op = match b.operator {
          BinaryOperator::Addition => BinOp::Add,
          BinaryOperator::Subtraction => BinOp::Sub,
          BinaryOperator::Multiplication => BinOp::Mul,
          BinaryOperator::Division => BinOp::Div,
          BinaryOperator::Remainder => BinOp::Rem,
          BinaryOperator::Exponential => BinOp::Pow,
          BinaryOperator::ShiftLeft => BinOp::Shl,
          BinaryOperator::ShiftRight => BinOp::Sar,
          BinaryOperator::ShiftRightZeroFill => BinOp::Shr,
          BinaryOperator::BitwiseOR => BinOp::BitOr,
          BinaryOperator::BitwiseXOR => BinOp::BitXor,
          BinaryOperator::BitwiseAnd => BinOp::BitAnd,
          BinaryOperator::LessThan => BinOp::Lt,
          BinaryOperator::LessEqualThan => BinOp::Le,
          BinaryOperator::GreaterThan => BinOp::Gt,
          BinaryOperator::GreaterEqualThan => BinOp::Ge,
          BinaryOperator::Equality => BinOp::Eq,
          BinaryOperator::Inequality => BinOp::Ne,
          BinaryOperator::StrictEquality | BinaryOperator::StrictInequality => {
            let negate = b.operator == BinaryOperator::StrictInequality;
            return self.strict_equality(b.span, l, lt, r, rt, negate);
          }
          BinaryOperator::In => return self.fail(b.span, "`in` is not supported in a kernel"),
          BinaryOperator::Instanceof => {
            return self.fail(b.span, "`instanceof` is not supported in a kernel");
          }
        };
        let ty = if op.is_comparison() { BOOL } else { NUM };
        (Expr::Bin(op, Box::new(l), Box::new(r)), ty)
      }
      Expression::LogicalExpression(l) => {
        let (a, at) = self.expr(&l.left)?;
        match l.operator {
          // Numbers and booleans are never null or undefined… except
          // `undefined` itself, which we hold as NaN: reject it there.
          LogicalOperator::Coalesce => {
            self.check_not_undefined(&l.left, "`undefined ?? …`")?;
            let _ = self.expr(&l.right)?; // still checked against the subset
            (a, at)
          }
          op => {
            let (b, bt) = self.expr(&l.right)?;
            let op = if op == LogicalOperator::And {
              LogicOp::And
            } else {
              LogicOp::Or
            };
            (Expr::Logic(op, Box::new(a), Box::new(b)), at | bt)
          }
        }
      }
      Expression::ConditionalExpression(c) => {
        let (t, _) = self.expr(&c.test)?;
        let (a, at) = self.expr(&c.consequent)?;
        let (b, bt) = self.expr(&c.alternate)?;
        (Expr::Cond(Box::new(t), Box::new(a), Box::new(b)), at | bt)
      }
      Expression::SequenceExpression(s) => {
        // istanbul's `(cov_…().s[n]++, value)`: the counters before the
        // value are dropped (see `coverage`).
        let last = s.expressions.len().saturating_sub(1);
        let mut items = Vec::with_capacity(s.expressions.len());
        let mut ty = NUM;
        for (k, x) in s.expressions.iter().enumerate() {
          if k < last && self.is_coverage_counter(x) {
            continue;
          }
          let (v, t) = self.expr(x)?;
          items.push(v);
          ty = t;
        }
        match <[Expr; 1]>::try_from(items) {
          Ok([only]) => (only, ty),
          Err(items) => (Expr::Seq(items), ty),
        }
      }
      Expression::AssignmentExpression(a) => self.assignment(a)?,
      Expression::UpdateExpression(u) => {
        self.array_write(u.span, u.argument.as_member_expression())?;
        let SimpleAssignmentTarget::AssignmentTargetIdentifier(id) = &u.argument else {
          return self.fail(u.span, "only variables can be incremented in a kernel");
        };
        let local = self.assignable(id)?;
        self.assign_ty(local, NUM);
        let delta = if u.operator == UpdateOperator::Increment {
          1.0
        } else {
          -1.0
        };
        (
          Expr::Update {
            local,
            delta,
            prefix: u.prefix,
          },
          NUM,
        )
      }
      Expression::CallExpression(c) => self.call(c)?,
      Expression::StaticMemberExpression(m) => self.member(m)?,
      Expression::ComputedMemberExpression(m) if self.is_array_index(m) => {
        self.computed_member(m)?
      }
      other => {
        return self.fail(
          other.span(),
          unsupported_expression(other, |what| format!("{what} cannot be used in a kernel")),
        );
      }
    })
  }

  /// `undefined` is held as NaN, so identity tests on it would be wrong: reject them.
  pub(super) fn check_not_undefined(&self, e: &Expression<'_>, what: &str) -> Result<()> {
    let mut e = e;
    while let Expression::ParenthesizedExpression(p) = e {
      e = &p.expression;
    }
    if let Expression::Identifier(id) = e
      && id.name.as_str() == "undefined"
      && self.is_global("undefined")
    {
      return self.fail(
        id.span,
        format!("{what} is not supported in a kernel: a missing value is held as NaN there; test it with Number.isNaN"),
      );
    }
    Ok(())
  }

  pub(super) fn strict_equality(
    &mut self,
    span: Span,
    l: Expr,
    lt: Ty,
    r: Expr,
    rt: Ty,
    negate: bool,
  ) -> Result<(Expr, Ty)> {
    let op = if negate { BinOp::Ne } else { BinOp::Eq };
    let lt = if lt == 0 { NUM } else { lt };
    let rt = if rt == 0 { NUM } else { rt };
    if lt == rt && lt != (NUM | BOOL) {
      return Ok((Expr::Bin(op, Box::new(l), Box::new(r)), BOOL));
    }
    if lt | rt == NUM | BOOL && lt != rt && (lt != NUM | BOOL) && (rt != NUM | BOOL) {
      // A boolean is never strictly equal to a number; keep side effects.
      let constant = Expr::Num(if negate { 1.0 } else { 0.0 });
      return Ok((Expr::Seq(vec![l, r, constant]), BOOL));
    }
    if !self.final_pass && (lt == 0 || rt == 0) {
      return Ok((Expr::Bin(op, Box::new(l), Box::new(r)), BOOL));
    }
    self.fail(
      span,
      "strict equality on a value that may be either a boolean or a number is not supported in a kernel",
    )
  }

  pub(super) fn identifier(&mut self, id: &IdentifierReference<'_>) -> Result<(Expr, Ty)> {
    let name = id.name.as_str();
    match self.lookup(name) {
      Some((Binding::Local { id: local, .. }, 0)) => {
        let ty = self.fstack.last().expect("inside a function").local_ty[local as usize];
        return Ok((Expr::Local(local), ty));
      }
      Some((Binding::Local { .. }, depth)) => {
        let outer = &self.fstack[self.fstack.len() - 1 - depth].name;
        let inner = &self.fstack.last().expect("inside a function").name;
        return self.fail(
          id.span,
          format!(
            "`{name}` is a variable of the enclosing function `{outer}`: nested function `{inner}` cannot capture it; pass it as an argument"
          ),
        );
      }
      Some((Binding::Func(_), _)) => {
        return self.fail(
          id.span,
          format!("function `{name}` used as a value: kernels can only call functions"),
        );
      }
      None => {}
    }
    self.array_as_value(id)?;
    if let Some(i) = self.consts.iter().position(|c| c == name) {
      return Ok((Expr::Const(i as u32), NUM));
    }
    match name {
      "undefined" | "NaN" => Ok((Expr::Num(f64::NAN), NUM)),
      "Infinity" => Ok((Expr::Num(f64::INFINITY), NUM)),
      "arguments" => self.fail(id.span, "`arguments` is not supported in a kernel; name the parameters"),
      "Math" | "Number" => self.fail(id.span, format!("`{name}` can only be used as `{name}.<name>` in a kernel")),
      _ => self.fail(
        id.span,
        format!(
          "`{name}` is not defined inside the kernel: a kernel cannot capture variables from outside it; pass the value in `params: {{ {name}: … }}` and read it as `{name}`"
        ),
      ),
    }
  }

  pub(super) fn assignable(&self, id: &IdentifierReference<'_>) -> Result<LocalId> {
    let name = id.name.as_str();
    match self.lookup(name) {
      Some((Binding::Local { constant: true, .. }, 0)) => {
        self.fail(id.span, format!("assignment to constant variable `{name}`"))
      }
      Some((Binding::Local { id: local, .. }, 0)) => Ok(local),
      Some((Binding::Local { .. }, _)) => self.fail(
        id.span,
        format!("`{name}` is a variable of an enclosing function: a nested function cannot assign it"),
      ),
      Some((Binding::Func(_), _)) => self.fail(id.span, format!("cannot assign to function `{name}`")),
      None if self.consts.iter().any(|c| c == name) => {
        self.fail(id.span, format!("`{name}` is a `params` constant and cannot be assigned"))
      }
      None => self.fail(
        id.span,
        format!(
          "`{name}` is not defined inside the kernel: a kernel cannot assign variables outside it; declare it with `let`"
        ),
      ),
    }
  }

  pub(super) fn assignment(&mut self, a: &AssignmentExpression<'_>) -> Result<(Expr, Ty)> {
    self.array_write(a.span, a.left.as_member_expression())?;
    let AssignmentTarget::AssignmentTargetIdentifier(id) = &a.left else {
      return self.fail(
        a.span,
        "only variables can be assigned in a kernel (no destructuring, objects or arrays)",
      );
    };
    let local = self.assignable(id)?;
    let (r, rt) = self.expr(&a.right)?;
    let cur = Expr::Local(local);
    let bin = |op: BinOp, r: Expr| Expr::Bin(op, Box::new(Expr::Local(local)), Box::new(r));
    let (value, ty) = match a.operator {
      AssignmentOperator::Assign => (r, rt),
      AssignmentOperator::Addition => (bin(BinOp::Add, r), NUM),
      AssignmentOperator::Subtraction => (bin(BinOp::Sub, r), NUM),
      AssignmentOperator::Multiplication => (bin(BinOp::Mul, r), NUM),
      AssignmentOperator::Division => (bin(BinOp::Div, r), NUM),
      AssignmentOperator::Remainder => (bin(BinOp::Rem, r), NUM),
      AssignmentOperator::Exponential => (bin(BinOp::Pow, r), NUM),
      AssignmentOperator::ShiftLeft => (bin(BinOp::Shl, r), NUM),
      AssignmentOperator::ShiftRight => (bin(BinOp::Sar, r), NUM),
      AssignmentOperator::ShiftRightZeroFill => (bin(BinOp::Shr, r), NUM),
      AssignmentOperator::BitwiseOR => (bin(BinOp::BitOr, r), NUM),
      AssignmentOperator::BitwiseXOR => (bin(BinOp::BitXor, r), NUM),
      AssignmentOperator::BitwiseAnd => (bin(BinOp::BitAnd, r), NUM),
      AssignmentOperator::LogicalAnd | AssignmentOperator::LogicalOr => {
        let op = if a.operator == AssignmentOperator::LogicalAnd {
          LogicOp::And
        } else {
          LogicOp::Or
        };
        let lt = self.fstack.last().expect("inside a function").local_ty[local as usize];
        self.assign_ty(local, rt);
        return Ok((
          Expr::Logic(
            op,
            Box::new(cur),
            Box::new(Expr::Assign(local, Box::new(r))),
          ),
          lt | rt,
        ));
      }
      AssignmentOperator::LogicalNullish => {
        // A number or boolean is never nullish: `x ??= e` leaves x as it is.
        let lt = self.fstack.last().expect("inside a function").local_ty[local as usize];
        return Ok((cur, lt));
      }
    };
    self.assign_ty(local, ty);
    Ok((Expr::Assign(local, Box::new(value)), ty))
  }
}

#[cfg(test)]
mod tests {
  use crate::testing::{call, rejection};

  #[test]
  fn logical_operators_yield_an_operand() {
    // JS: 0 ?? 5 is 0, 0 || 5 is 5, 0 && 5 is 0, 2 && 5 is 5.
    assert_eq!(call("x => x ?? 5", &[0.0]), 0.0);
    assert_eq!(call("x => x || 5", &[0.0]), 5.0);
    assert_eq!(call("x => x && 5", &[0.0]), 0.0);
    assert_eq!(call("x => x && 5", &[2.0]), 5.0);
    assert_eq!(call("x => { let y = x; y ||= 7; return y }", &[0.0]), 7.0);
    assert_eq!(call("x => { let y = x; y &&= 7; return y }", &[0.0]), 0.0);
    assert_eq!(call("x => { let y = x; y ??= 7; return y }", &[0.0]), 0.0);
    assert_eq!(
      call("x => { let y = x; y **= 2; y %= 5; return y }", &[3.0]),
      4.0
    );
    assert_eq!(call("x => (x++, x++, x)", &[1.0]), 3.0);
    assert_eq!(call("x => true + 1", &[0.0]), 2.0);
  }

  /// Each message is one statement of what is unsupported, then the fix
  /// (never a reason and a verb phrase run together).
  #[test]
  fn messages_name_the_construct_then_the_fix() {
    for (src, expected) in [
      (
        "(x, i) => x[i]",
        "indexing (`a[i]`) cannot be used in a kernel; a kernel receives one number per input array and element; map over the array itself (`parallelMap(xs, (x, i) => …)`) and pass other numbers through `params` (at 1:11)",
      ),
      (
        "x => { const f = y => y; return f(x) }",
        "function expressions (closures) cannot be used in a kernel; declare a nested `function name(…) {…}` inside the kernel instead (at 1:18)",
      ),
      (
        "x => (function (y) { return y })(x)",
        "function expressions (closures) cannot be called in a kernel; declare a nested `function name(…) {…}` inside the kernel instead (at 1:6)",
      ),
      (
        "x => [x]",
        "arrays cannot be used in a kernel; a kernel receives one number per input array and element; map over the array itself (`parallelMap(xs, (x, i) => …)`) and pass other numbers through `params` (at 1:6)",
      ),
      ("x => null", "`null` cannot be used in a kernel (at 1:6)"),
      (
        "x => { let y = x; return y.length }",
        "property access `.length` cannot be used in a kernel, which works on numbers only; pass the number itself, as an input array or through `params` (at 1:26)",
      ),
    ] {
      assert_eq!(rejection(src), expected, "{src}");
    }
  }

  #[test]
  fn unsupported_expressions_are_named() {
    for (src, needle) in [
      ("x => x === undefined", "comparing with `undefined`"),
      ("x => undefined ?? x", "`undefined ?? …`"),
      ("x => typeof x", "`typeof`"),
      ("x => 'a'", "strings cannot be used"),
      ("x => [x]", "arrays cannot be used"),
      (
        "x => { const c = 1; c = 2; return c }",
        "assignment to constant variable `c`",
      ),
      (
        "x => { let a = 1; function f() { return a } return f() }",
        "cannot capture it",
      ),
      (
        "x => { function f() { return 1 } return f }",
        "used as a value",
      ),
      ("x => y", "`y` is not defined inside the kernel"),
      (
        "x => { y = 1; return x }",
        "cannot assign variables outside it",
      ),
      ("x => x in x", "`in` is not supported"),
    ] {
      let m = rejection(src);
      assert!(m.contains(needle), "{src}: {m}");
    }
  }
}
