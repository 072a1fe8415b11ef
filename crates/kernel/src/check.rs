//! Checks a parsed kernel against the numeric subset and lowers it to the IR.
//!
//! Anything outside the subset is an [`KernelError::Unsupported`] naming the
//! construct and its `line:column` within the function source. Static types
//! (number / boolean) are inferred by iterating the lowering to a fixpoint;
//! they only decide `===` between a boolean and a number (always false in JS,
//! while both are held as f64 here).

use std::collections::HashMap;

use oxc_ast::ast::*;
use oxc_span::{GetSpan, Span};

use crate::error::KernelError;
use crate::ir::{self, BinOp, Expr, FuncId, Intrinsic, LocalId, LogicOp, Stmt, TargetId, UnOp};

/// Static type as a set: `NUM | BOOL`; empty while unknown.
type Ty = u8;
const NUM: Ty = 1;
const BOOL: Ty = 2;

type Result<T> = std::result::Result<T, KernelError>;

/// Deepest expression/statement nesting accepted (the shared budget).
const MAX_DEPTH: u32 = crate::nesting::MAX_NESTING;

/// Most variables (parameters included) one function may declare: each is a
/// live f64 in the native frame, so this bounds frames and compile time.
/// Frames that still do not fit a thread's stack are caught at run time.
pub const MAX_LOCALS: usize = 4096;

/// Most arguments one call may pass (`Math.hypot(…)`, `Math.max(…)`, a
/// nested function): they are native stack arguments or a stack array.
pub const MAX_CALL_ARGS: usize = 4096;

/// Lowers the kernel function `root` (an arrow function or a function
/// expression) of `source`. `consts` are the `params` names.
pub fn lower_kernel(source: &str, root: &Expression<'_>, consts: &[String]) -> Result<ir::Program> {
  let mut assumed = Types::default();
  for _ in 0..6 {
    let mut l = Lowerer::new(source, consts, &assumed);
    let program = l.lower_root(root)?;
    if l.observed == assumed {
      return Ok(program);
    }
    assumed = l.observed;
  }
  // Types still moving after several passes: the last lowering is sound
  // because every unresolved type counts as a number.
  let mut l = Lowerer::new(source, consts, &assumed);
  l.final_pass = true;
  l.lower_root(root)
}

#[derive(Default, Clone, PartialEq, Debug)]
struct Types {
  locals: HashMap<(FuncId, LocalId), Ty>,
  returns: HashMap<FuncId, Ty>,
}

#[derive(Clone, Copy)]
enum Binding {
  Local { id: LocalId, constant: bool },
  Func(FuncId),
}

struct Target {
  labels: Vec<String>,
  id: TargetId,
  is_loop: bool,
}

struct FnState {
  id: FuncId,
  name: String,
  scopes: Vec<HashMap<String, Binding>>,
  local_ty: Vec<Ty>,
  targets: Vec<Target>,
  ret_ty: Ty,
}

struct Lowerer<'s> {
  src: &'s str,
  consts: &'s [String],
  assumed: &'s Types,
  observed: Types,
  funcs: Vec<Option<ir::Func>>,
  fstack: Vec<FnState>,
  next_target: TargetId,
  has_loops: bool,
  final_pass: bool,
  depth: u32,
}

fn err<T>(src: &str, span: Span, message: impl Into<String>) -> Result<T> {
  Err(KernelError::unsupported(src, span.start, message))
}

/// Math constants.
fn math_constant(name: &str) -> Option<f64> {
  use std::f64::consts::*;
  Some(match name {
    "E" => E,
    "LN10" => LN_10,
    "LN2" => LN_2,
    "LOG10E" => LOG10_E,
    "LOG2E" => LOG2_E,
    "PI" => PI,
    "SQRT1_2" => FRAC_1_SQRT_2,
    "SQRT2" => SQRT_2,
    _ => return None,
  })
}

fn number_constant(name: &str) -> Option<f64> {
  Some(match name {
    "EPSILON" => f64::EPSILON,
    "MAX_SAFE_INTEGER" => 9007199254740991.0,
    "MIN_SAFE_INTEGER" => -9007199254740991.0,
    "MAX_VALUE" => f64::MAX,
    "MIN_VALUE" => 5e-324,
    "POSITIVE_INFINITY" => f64::INFINITY,
    "NEGATIVE_INFINITY" => f64::NEG_INFINITY,
    "NaN" => f64::NAN,
    _ => return None,
  })
}

/// `Math.<name>` functions: the intrinsic and its result type.
pub fn math_function(name: &str) -> Option<Intrinsic> {
  use Intrinsic::*;
  Some(match name {
    "abs" => Abs,
    "sqrt" => Sqrt,
    "floor" => Floor,
    "ceil" => Ceil,
    "trunc" => Trunc,
    "fround" => Fround,
    "sign" => Sign,
    "round" => Round,
    "max" => Max,
    "min" => Min,
    "imul" => Imul,
    "clz32" => Clz32,
    "sin" | "cos" | "tan" | "asin" | "acos" | "atan" | "sinh" | "cosh" | "tanh" | "asinh"
    | "acosh" | "atanh" | "exp" | "expm1" | "log" | "log1p" | "log2" | "log10" | "cbrt"
    | "atan2" | "pow" | "hypot" | "random" => Extern(crate::mathlib::canonical(name)?),
    _ => return None,
  })
}

fn number_function(name: &str) -> Option<Intrinsic> {
  Some(match name {
    "isNaN" => Intrinsic::IsNaN,
    "isFinite" => Intrinsic::IsFinite,
    "isInteger" => Intrinsic::IsInteger,
    "isSafeInteger" => Intrinsic::IsSafeInteger,
    _ => return None,
  })
}

fn intrinsic_ty(i: Intrinsic) -> Ty {
  match i {
    Intrinsic::IsNaN | Intrinsic::IsFinite | Intrinsic::IsInteger | Intrinsic::IsSafeInteger => {
      BOOL
    }
    _ => NUM,
  }
}

/// A short name for an expression kind outside the subset.
fn expression_kind(e: &Expression<'_>) -> &'static str {
  match e {
    Expression::NullLiteral(_) => "`null`",
    Expression::BigIntLiteral(_) => "BigInt literals",
    Expression::RegExpLiteral(_) => "regular expressions",
    Expression::StringLiteral(_) | Expression::TemplateLiteral(_) => "strings",
    Expression::Super(_) => "`super`",
    Expression::ArrayExpression(_) => "arrays",
    Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_) => {
      "function expressions inside a kernel (closures); declare a nested `function name(…) {…}` instead"
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
    Expression::ComputedMemberExpression(_) => {
      "indexing (`a[i]`): kernels work on numbers, not arrays or objects"
    }
    Expression::PrivateFieldExpression(_) => "private fields",
    _ => "this expression",
  }
}

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

impl<'s> Lowerer<'s> {
  fn new(src: &'s str, consts: &'s [String], assumed: &'s Types) -> Self {
    Self {
      src,
      consts,
      assumed,
      observed: Types::default(),
      funcs: Vec::new(),
      fstack: Vec::new(),
      next_target: 0,
      has_loops: false,
      final_pass: false,
      depth: 0,
    }
  }

  fn fail<T>(&self, span: Span, message: impl Into<String>) -> Result<T> {
    err(self.src, span, message)
  }

  fn cur(&mut self) -> &mut FnState {
    self.fstack.last_mut().expect("inside a function")
  }

  fn lower_root(&mut self, root: &Expression<'_>) -> Result<ir::Program> {
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
    })
  }

  fn check_function_flags(&self, f: &Function<'_>) -> Result<()> {
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
  fn lower_function(
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
      name: name.clone(),
      scopes: vec![scope, HashMap::new()],
      local_ty: Vec::new(),
      targets: Vec::new(),
      ret_ty: 0,
    });
    if let Some(rest) = &params.rest {
      return self.fail(rest.span, "rest parameters are not supported in a kernel");
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
      self.new_local(b.name.as_str(), false, NUM, p.span)?;
    }
    let n_params = params.items.len() as u32;
    let body = match expr_body {
      Some(e) => {
        let (value, ty) = self.expr(e)?;
        self.note_return(ty);
        vec![Stmt::Return(Some(value))]
      }
      None => self.block_body(statements)?,
    };
    let st = self.fstack.pop().expect("pushed above");
    let fid = st.id;
    let ret = if body_always_returns(&body) {
      st.ret_ty
    } else {
      st.ret_ty | NUM
    };
    *self.observed.returns.entry(fid).or_insert(0) |= ret;
    let called = self.funcs[id as usize].as_ref().is_some_and(|f| f.called);
    self.funcs[id as usize] = Some(ir::Func {
      name,
      n_params,
      n_locals: st.local_ty.len() as u32,
      body,
      called,
    });
    Ok(())
  }

  fn note_return(&mut self, ty: Ty) {
    self.cur().ret_ty |= ty;
  }

  fn new_local(&mut self, name: &str, constant: bool, ty: Ty, span: Span) -> Result<LocalId> {
    if self
      .fstack
      .last()
      .is_some_and(|st| st.local_ty.len() >= MAX_LOCALS)
    {
      return self.fail(
        span,
        format!("more than {MAX_LOCALS} variables and parameters in one kernel function"),
      );
    }
    let st = self.fstack.last_mut().expect("inside a function");
    let id = st.local_ty.len() as LocalId;
    let assumed = self.assumed.locals.get(&(st.id, id)).copied().unwrap_or(0);
    st.local_ty.push(ty | assumed);
    *self.observed.locals.entry((st.id, id)).or_insert(0) |= ty;
    st.scopes
      .last_mut()
      .expect("a scope")
      .insert(name.to_string(), Binding::Local { id, constant });
    Ok(id)
  }

  fn assign_ty(&mut self, local: LocalId, ty: Ty) {
    let st = self.fstack.last_mut().expect("inside a function");
    *self.observed.locals.entry((st.id, local)).or_insert(0) |= ty;
    st.local_ty[local as usize] |= ty;
  }

  /// Resolves a name to a binding: `Ok(Some((binding, in_current_function)))`.
  fn lookup(&self, name: &str) -> Option<(Binding, usize)> {
    for (depth, f) in self.fstack.iter().rev().enumerate() {
      for scope in f.scopes.iter().rev() {
        if let Some(b) = scope.get(name) {
          return Some((*b, depth));
        }
      }
    }
    None
  }

  fn is_global(&self, name: &str) -> bool {
    self.lookup(name).is_none() && !self.consts.iter().any(|c| c == name)
  }

  // ---------------------------------------------------------------- statements

  /// A function body or block: hoists function declarations, then lowers statements.
  fn block_body(&mut self, statements: &[Statement<'_>]) -> Result<Vec<Stmt>> {
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

  fn scoped_block(&mut self, statements: &[Statement<'_>]) -> Result<Vec<Stmt>> {
    self.cur().scopes.push(HashMap::new());
    let r = self.block_body(statements);
    self.cur().scopes.pop();
    r
  }

  /// A statement in its own scope (the body of `if`/loops).
  fn sub_statement(&mut self, s: &Statement<'_>) -> Result<Vec<Stmt>> {
    match s {
      Statement::BlockStatement(b) => self.scoped_block(&b.body),
      Statement::VariableDeclaration(d) => self.fail(
        d.span,
        "a declaration cannot be the body of `if` or a loop; wrap it in braces",
      ),
      other => self.scoped_block(std::slice::from_ref(other)),
    }
  }

  fn stmt(&mut self, s: &Statement<'_>, out: &mut Vec<Stmt>) -> Result<()> {
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

  fn stmt_inner(&mut self, s: &Statement<'_>, out: &mut Vec<Stmt>) -> Result<()> {
    match s {
      Statement::EmptyStatement(_) | Statement::FunctionDeclaration(_) => {}
      Statement::BlockStatement(b) => {
        let body = self.scoped_block(&b.body)?;
        out.extend(body);
      }
      Statement::ExpressionStatement(e) => {
        let (x, _) = self.expr(&e.expression)?;
        out.push(match x {
          Expr::Assign(id, v) => Stmt::Set(id, *v),
          x => Stmt::Expr(x),
        });
      }
      Statement::VariableDeclaration(d) => self.var_decl(d, out)?,
      Statement::ReturnStatement(r) => {
        let value = match &r.argument {
          Some(a) => {
            let (x, ty) = self.expr(a)?;
            self.note_return(ty);
            Some(x)
          }
          None => {
            self.note_return(NUM);
            None
          }
        };
        out.push(Stmt::Return(value));
      }
      Statement::IfStatement(i) => {
        let (test, _) = self.expr(&i.test)?;
        let then = self.sub_statement(&i.consequent)?;
        let otherwise = match &i.alternate {
          Some(a) => self.sub_statement(a)?,
          None => Vec::new(),
        };
        out.push(Stmt::If(test, then, otherwise));
      }
      Statement::WhileStatement(w) => {
        let id = self.push_target(Vec::new(), true);
        let (test, _) = self.expr(&w.test)?;
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
        let (test, _) = self.expr(&w.test)?;
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

  fn labeled_loop(
    &mut self,
    body: &Statement<'_>,
    labels: Vec<String>,
    out: &mut Vec<Stmt>,
  ) -> Result<()> {
    let id = self.push_target(labels, true);
    let lowered = match body {
      Statement::WhileStatement(w) => {
        let (test, _) = self.expr(&w.test)?;
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
        let (test, _) = self.expr(&w.test)?;
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

  fn for_stmt(
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
        let (x, _) = self.expr(e)?;
        init.push(Stmt::Expr(x));
      }
    }
    let id = self.push_target(labels, true);
    let test = f
      .test
      .as_ref()
      .map(|t| self.expr(t))
      .transpose()?
      .map(|(x, _)| x);
    let update = f
      .update
      .as_ref()
      .map(|u| self.expr(u))
      .transpose()?
      .map(|(x, _)| x);
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

  fn push_target(&mut self, labels: Vec<String>, is_loop: bool) -> TargetId {
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

  fn pop_target(&mut self) {
    self.cur().targets.pop();
  }

  fn find_target(&self, label: Option<&str>, is_continue: bool, span: Span) -> Result<TargetId> {
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

  fn var_decl(&mut self, d: &VariableDeclaration<'_>, out: &mut Vec<Stmt>) -> Result<()> {
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
      let (value, ty) = match &decl.init {
        Some(e) => self.expr(e)?,
        None => (Expr::Num(f64::NAN), NUM),
      };
      let name = b.name.as_str();
      let existing_var = if function_scoped {
        match self.cur().scopes[1].get(name) {
          Some(Binding::Local { id, .. }) => Some(*id),
          _ => None,
        }
      } else {
        None
      };
      let id = match existing_var {
        Some(id) => {
          if decl.init.is_none() {
            continue; // `var x;` again keeps the value
          }
          self.assign_ty(id, ty);
          id
        }
        None if function_scoped => {
          // `var` is scoped to the function: bind it in the function's top scope.
          let st = self.cur();
          let saved = std::mem::take(&mut st.scopes);
          let mut scopes = saved;
          let rest = scopes.split_off(2);
          self.cur().scopes = scopes;
          let id = self.new_local(name, false, ty, decl.span);
          self.cur().scopes.extend(rest);
          id?
        }
        None => self.new_local(name, constant, ty, decl.span)?,
      };
      out.push(Stmt::Set(id, value));
    }
    Ok(())
  }

  // --------------------------------------------------------------- expressions

  /// Lowers an expression, bounding the nesting depth: lowering and code
  /// generation recurse, and they run on the JS thread.
  fn expr(&mut self, e: &Expression<'_>) -> Result<(Expr, Ty)> {
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

  fn expr_inner(&mut self, e: &Expression<'_>) -> Result<(Expr, Ty)> {
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
        let mut items = Vec::with_capacity(s.expressions.len());
        let mut ty = NUM;
        for x in &s.expressions {
          let (v, t) = self.expr(x)?;
          items.push(v);
          ty = t;
        }
        (Expr::Seq(items), ty)
      }
      Expression::AssignmentExpression(a) => self.assignment(a)?,
      Expression::UpdateExpression(u) => {
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
      other => {
        return self.fail(
          other.span(),
          format!("{} cannot be used in a kernel", expression_kind(other)),
        );
      }
    })
  }

  /// `undefined` is held as NaN, so identity tests on it would be wrong: reject them.
  fn check_not_undefined(&self, e: &Expression<'_>, what: &str) -> Result<()> {
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

  fn strict_equality(
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

  fn identifier(&mut self, id: &IdentifierReference<'_>) -> Result<(Expr, Ty)> {
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

  fn assignable(&self, id: &IdentifierReference<'_>) -> Result<LocalId> {
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

  fn assignment(&mut self, a: &AssignmentExpression<'_>) -> Result<(Expr, Ty)> {
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

  fn args(&mut self, c: &CallExpression<'_>) -> Result<Vec<Expr>> {
    Ok(self.typed_args(c)?.0)
  }

  fn typed_args(&mut self, c: &CallExpression<'_>) -> Result<(Vec<Expr>, Vec<Ty>)> {
    if c.arguments.len() > MAX_CALL_ARGS {
      return self.fail(
        c.span,
        format!("a call with more than {MAX_CALL_ARGS} arguments in a kernel"),
      );
    }
    let mut out = Vec::with_capacity(c.arguments.len());
    let mut tys = Vec::with_capacity(c.arguments.len());
    for a in &c.arguments {
      match a {
        Argument::SpreadElement(s) => {
          return self.fail(s.span, "spread arguments are not supported in a kernel");
        }
        other => {
          let e = other
            .as_expression()
            .expect("an argument is a spread or an expression");
          let (x, t) = self.expr(e)?;
          out.push(x);
          tys.push(t);
        }
      }
    }
    Ok((out, tys))
  }

  fn call(&mut self, c: &CallExpression<'_>) -> Result<(Expr, Ty)> {
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
            let ty = self.assumed.returns.get(&fid).copied().unwrap_or(0);
            return Ok((Expr::Call(fid, args), ty));
          }
          Some(_) => return self.fail(id.span, format!("`{name}` is a variable, not a function")),
          None => {}
        }
        if self.consts.iter().all(|k| k != name) && (name == "isNaN" || name == "isFinite") {
          let args = self.args(c)?;
          let f = if name == "isNaN" {
            Intrinsic::IsNaN
          } else {
            Intrinsic::IsFinite
          };
          return Ok((Expr::Math(f, args), BOOL));
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
        let (args, tys) = self.typed_args(c)?;
        // `Number.isFinite(true)` & co. are false: a boolean is not a number.
        if object == "Number" && tys.first() == Some(&BOOL) {
          let mut items = args;
          items.push(Expr::Num(0.0));
          return Ok((Expr::Seq(items), BOOL));
        }
        Ok((Expr::Math(f, args), intrinsic_ty(f)))
      }
      other => self.fail(
        other.span(),
        format!(
          "calling {} is not supported in a kernel",
          expression_kind(other)
        ),
      ),
    }
  }

  fn mark_called(&mut self, fid: FuncId) {
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
      });
    }
  }

  fn member(&mut self, m: &StaticMemberExpression<'_>) -> Result<(Expr, Ty)> {
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
        return Ok((Expr::Num(v), NUM));
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
        "property access `.{prop}` is not supported in a kernel: kernels work on numbers only"
      ),
    )
  }
}

/// True if control cannot fall off the end of `body`.
fn body_always_returns(body: &[Stmt]) -> bool {
  body.iter().any(|s| match s {
    Stmt::Return(_) => true,
    Stmt::If(_, a, b) => body_always_returns(a) && body_always_returns(b),
    _ => false,
  })
}
