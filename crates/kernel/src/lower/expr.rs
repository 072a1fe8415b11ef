//! Expressions: literals, operators, identifiers (captured ones included)
//! and assignments, with the nesting bound; `null` as an operand of an
//! equality.

use oxc_ast::ast::*;
use oxc_span::GetSpan;

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

/// `e` without parentheses.
fn bare<'a, 'b>(e: &'a Expression<'b>) -> &'a Expression<'b> {
  let mut e = e;
  while let Expression::ParenthesizedExpression(p) = e {
    e = &p.expression;
  }
  e
}

impl Lowerer<'_> {
  /// Lowers an expression, bounding the nesting depth: lowering and code
  /// generation recurse, and they run on the JS thread.
  pub(super) fn expr(&mut self, e: &Expression<'_>) -> Result<Expr> {
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

  pub(super) fn expr_inner(&mut self, e: &Expression<'_>) -> Result<Expr> {
    Ok(match e {
      Expression::NumericLiteral(n) => Expr::Num(n.value),
      Expression::BooleanLiteral(b) => Expr::Bool(b.value),
      Expression::ParenthesizedExpression(p) => self.expr(&p.expression)?,
      Expression::Identifier(id) => self.identifier(id)?,
      Expression::UnaryExpression(u) => {
        let x = self.expr(&u.argument)?;
        let op = match u.operator {
          UnaryOperator::UnaryNegation => UnOp::Neg,
          UnaryOperator::UnaryPlus => UnOp::Plus,
          UnaryOperator::LogicalNot => UnOp::Not,
          UnaryOperator::BitwiseNot => UnOp::BitNot,
          // `void x` evaluates x and is `undefined`.
          UnaryOperator::Void => return Ok(Expr::Seq(vec![x, Expr::Undef])),
          UnaryOperator::Typeof => {
            return self.fail(u.span, "`typeof` is not supported in a kernel");
          }
          UnaryOperator::Delete => {
            return self.fail(u.span, "`delete` is not supported in a kernel");
          }
        };
        Expr::Unary(op, Box::new(x))
      }
      Expression::BinaryExpression(b) => {
        if b.operator.is_equality()
          && let Some(x) = self.null_equality(b)?
        {
          return Ok(x);
        }
        let l = self.expr(&b.left)?;
        let r = self.expr(&b.right)?;
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
          BinaryOperator::StrictEquality => BinOp::StrictEq,
          BinaryOperator::StrictInequality => BinOp::StrictNe,
          BinaryOperator::In => return self.fail(b.span, "`in` is not supported in a kernel"),
          BinaryOperator::Instanceof => {
            return self.fail(b.span, "`instanceof` is not supported in a kernel");
          }
        };
        Expr::Bin(op, Box::new(l), Box::new(r))
      }
      Expression::LogicalExpression(l) => {
        let a = self.expr(&l.left)?;
        let b = self.expr(&l.right)?;
        let op = match l.operator {
          LogicalOperator::And => LogicOp::And,
          LogicalOperator::Or => LogicOp::Or,
          LogicalOperator::Coalesce => LogicOp::Coalesce,
        };
        Expr::Logic(op, Box::new(a), Box::new(b))
      }
      Expression::ConditionalExpression(c) => {
        let t = self.expr(&c.test)?;
        let a = self.expr(&c.consequent)?;
        let b = self.expr(&c.alternate)?;
        Expr::Cond(Box::new(t), Box::new(a), Box::new(b))
      }
      Expression::SequenceExpression(s) => {
        // istanbul's `(cov_…().s[n]++, value)`: the counters before the
        // value are dropped (see `coverage`).
        let last = s.expressions.len().saturating_sub(1);
        let mut items = Vec::with_capacity(s.expressions.len());
        for (k, x) in s.expressions.iter().enumerate() {
          if k < last && self.is_coverage_counter(x) {
            continue;
          }
          items.push(self.expr(x)?);
        }
        match <[Expr; 1]>::try_from(items) {
          Ok([only]) => only,
          Err(items) => Expr::Seq(items),
        }
      }
      Expression::AssignmentExpression(a) => self.assignment(a)?,
      Expression::UpdateExpression(u) => {
        self.array_write(u.span, u.argument.as_member_expression())?;
        let SimpleAssignmentTarget::AssignmentTargetIdentifier(id) = &u.argument else {
          return self.fail(u.span, "only variables can be incremented in a kernel");
        };
        let local = self.assignable(id)?;
        let delta = if u.operator == UpdateOperator::Increment {
          1.0
        } else {
          -1.0
        };
        Expr::Update {
          local,
          delta,
          prefix: u.prefix,
        }
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

  /// `x == null`, `x === null` & co.: nothing in the subset is `null`, and
  /// `null == undefined`; so `==` with `null` is `== undefined` and `===`
  /// with `null` is false (the other operand still evaluated). None when
  /// neither operand is `null`.
  fn null_equality(&mut self, b: &BinaryExpression<'_>) -> Result<Option<Expr>> {
    let is_null = |e: &Expression<'_>| matches!(bare(e), Expression::NullLiteral(_));
    let (ln, rn) = (is_null(&b.left), is_null(&b.right));
    if !ln && !rn {
      return Ok(None);
    }
    let negate = matches!(
      b.operator,
      BinaryOperator::Inequality | BinaryOperator::StrictInequality
    );
    let strict = matches!(
      b.operator,
      BinaryOperator::StrictEquality | BinaryOperator::StrictInequality
    );
    if ln && rn {
      return Ok(Some(Expr::Bool(!negate)));
    }
    let other = self.expr(if ln { &b.right } else { &b.left })?;
    Ok(Some(if strict {
      Expr::Seq(vec![other, Expr::Bool(negate)])
    } else {
      let op = if negate { BinOp::Ne } else { BinOp::Eq };
      Expr::Bin(op, Box::new(other), Box::new(Expr::Undef))
    }))
  }

  pub(super) fn identifier(&mut self, id: &IdentifierReference<'_>) -> Result<Expr> {
    let name = id.name.as_str();
    match self.lookup(name) {
      Some((Binding::Local { id: local, .. }, 0)) => return Ok(Expr::Local(local)),
      Some((Binding::Local { id: local, .. }, depth)) => {
        // A variable of an enclosing function: a hidden argument.
        return Ok(Expr::Local(self.capture(depth, local, id.span)?));
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
      return Ok(Expr::Const(i as u32));
    }
    match name {
      "undefined" => Ok(Expr::Undef),
      "NaN" => Ok(Expr::Num(f64::NAN)),
      "Infinity" => Ok(Expr::Num(f64::INFINITY)),
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

  pub(super) fn assignment(&mut self, a: &AssignmentExpression<'_>) -> Result<Expr> {
    self.array_write(a.span, a.left.as_member_expression())?;
    let AssignmentTarget::AssignmentTargetIdentifier(id) = &a.left else {
      return self.fail(
        a.span,
        "only variables can be assigned in a kernel (no destructuring, objects or arrays)",
      );
    };
    let local = self.assignable(id)?;
    let r = self.expr(&a.right)?;
    let bin = |op: BinOp, r: Expr| Expr::Bin(op, Box::new(Expr::Local(local)), Box::new(r));
    let value = match a.operator {
      AssignmentOperator::Assign => r,
      AssignmentOperator::Addition => bin(BinOp::Add, r),
      AssignmentOperator::Subtraction => bin(BinOp::Sub, r),
      AssignmentOperator::Multiplication => bin(BinOp::Mul, r),
      AssignmentOperator::Division => bin(BinOp::Div, r),
      AssignmentOperator::Remainder => bin(BinOp::Rem, r),
      AssignmentOperator::Exponential => bin(BinOp::Pow, r),
      AssignmentOperator::ShiftLeft => bin(BinOp::Shl, r),
      AssignmentOperator::ShiftRight => bin(BinOp::Sar, r),
      AssignmentOperator::ShiftRightZeroFill => bin(BinOp::Shr, r),
      AssignmentOperator::BitwiseOR => bin(BinOp::BitOr, r),
      AssignmentOperator::BitwiseXOR => bin(BinOp::BitXor, r),
      AssignmentOperator::BitwiseAnd => bin(BinOp::BitAnd, r),
      AssignmentOperator::LogicalAnd
      | AssignmentOperator::LogicalOr
      | AssignmentOperator::LogicalNullish => {
        // `x op= e` is `x op (x = e)`: assigns only when `op` takes the right side.
        let op = match a.operator {
          AssignmentOperator::LogicalAnd => LogicOp::And,
          AssignmentOperator::LogicalOr => LogicOp::Or,
          _ => LogicOp::Coalesce,
        };
        return Ok(Expr::Logic(
          op,
          Box::new(Expr::Local(local)),
          Box::new(Expr::Assign(local, Box::new(r))),
        ));
      }
    };
    Ok(Expr::Assign(local, Box::new(value)))
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
      ("x => typeof x", "`typeof`"),
      ("x => 'a'", "strings cannot be used"),
      ("x => [x]", "arrays cannot be used"),
      (
        "x => { const c = 1; c = 2; return c }",
        "assignment to constant variable `c`",
      ),
      (
        "x => { let a = 1; function f() { a = 2 } f(); return a }",
        "a nested function cannot assign it",
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
