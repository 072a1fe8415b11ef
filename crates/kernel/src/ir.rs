//! The kernel IR: a small structured tree that [`crate::lower`] builds from
//! the oxc AST and [`crate::codegen`] lowers to Cranelift.
//!
//! Values are numbers, booleans and `undefined`. Every value has an `f64`
//! payload equal to `ToNumber(value)` (a boolean is 0/1, `undefined` is
//! NaN), so arithmetic, `< <= > >=`, truthiness and ToInt32 read the payload
//! alone. Each local and function result has a static type ([`Ty`], a set of
//! kinds) inferred to a fixed point (`lower::infer`); only values whose type
//! has several kinds carry a run-time tag (their kind bit), which `===`,
//! `==`, `??`, `Number.is*` and the kernel's result read.

/// Index of a local variable (parameters first) within one [`Func`].
pub type LocalId = u32;
/// Index of a function within a [`Program`]; 0 is the kernel itself.
pub type FuncId = u32;
/// Identifies a loop or labeled block that `break`/`continue` target.
pub type TargetId = u32;

/// Static type of a value: a set of the kinds it may have at run time
/// ([`NUM`], [`BOOL`], [`UNDEF`] bits). The empty set is a value never
/// produced (a function that never returns); code generation treats it as
/// [`NUM`].
pub type Ty = u8;
/// The value may be a number.
pub const NUM: Ty = 1;
/// The value may be a boolean.
pub const BOOL: Ty = 2;
/// The value may be `undefined`.
pub const UNDEF: Ty = 4;

/// True if `t` has more than one kind: such values carry a run-time tag.
pub fn is_mixed(t: Ty) -> bool {
  t.count_ones() > 1
}

/// A kernel's result as a JS value (call mode).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JsValue {
  /// A number.
  Number(f64),
  /// A boolean.
  Boolean(bool),
  /// `undefined`.
  Undefined,
}

impl JsValue {
  /// The value from its payload (ToNumber of it) and its kind bit.
  pub fn from_parts(payload: f64, kind: u32) -> Self {
    match kind as Ty {
      BOOL => JsValue::Boolean(payload != 0.0),
      UNDEF => JsValue::Undefined,
      _ => JsValue::Number(payload),
    }
  }

  /// Its kind bit ([`NUM`], [`BOOL`] or [`UNDEF`]).
  pub fn kind(self) -> Ty {
    match self {
      JsValue::Number(_) => NUM,
      JsValue::Boolean(_) => BOOL,
      JsValue::Undefined => UNDEF,
    }
  }

  /// ToNumber: what a Float64Array element would hold.
  pub fn to_number(self) -> f64 {
    match self {
      JsValue::Number(x) => x,
      JsValue::Boolean(b) => b as u8 as f64,
      JsValue::Undefined => f64::NAN,
    }
  }
}

/// A compiled kernel before code generation.
#[derive(Debug, Clone)]
pub struct Program {
  /// `funcs[0]` is the kernel; the rest are nested function declarations.
  pub funcs: Vec<Func>,
  /// Number of `params` constants the program reads (by index).
  pub n_consts: usize,
  /// Whether any function contains a loop (cancellation points exist).
  pub has_loops: bool,
  /// The element kinds of the `params` arrays the program reads, by slot
  /// ([`Expr::Index`] / [`Expr::Length`]).
  pub arrays: Vec<crate::codegen::ElemKind>,
}

/// One function.
#[derive(Debug, Clone)]
pub struct Func {
  /// Name for diagnostics (`<kernel>` for an anonymous kernel).
  pub name: String,
  /// Number of declared parameters (locals `0..n_params`).
  pub n_params: u32,
  /// Total number of locals, parameters included.
  pub n_locals: u32,
  /// The body.
  pub body: Vec<Stmt>,
  /// True if some call targets this function (it needs a callable body).
  pub called: bool,
  /// Locals that receive the enclosing functions' variables this function
  /// reads (directly or through its callees), in the order callers pass
  /// them: after the declared parameters.
  pub captures: Vec<LocalId>,
  /// Static type of each local (filled by type inference).
  pub local_tys: Vec<Ty>,
  /// Static type of the result (filled by type inference).
  pub ret_ty: Ty,
}

/// Statements.
#[derive(Debug, Clone)]
pub enum Stmt {
  /// Evaluate for side effects.
  Expr(Expr),
  /// `local = value` (declarations and assignment statements).
  Set(LocalId, Expr),
  /// `if (test) then else otherwise`.
  If(Expr, Vec<Stmt>, Vec<Stmt>),
  /// Any loop. `for (;test;update) body` has `test_first`; `do body while (test)` does not.
  Loop {
    /// Target id of this loop for `break`/`continue`.
    id: TargetId,
    /// The condition (absent: `for (;;)`).
    test: Option<Expr>,
    /// True for `for`/`while`, false for `do … while`.
    test_first: bool,
    /// The body.
    body: Vec<Stmt>,
    /// The `for` update expression.
    update: Option<Expr>,
  },
  /// A labeled non-loop statement that `break label` can leave.
  Block(TargetId, Vec<Stmt>),
  /// `break` to a loop or labeled block.
  Break(TargetId),
  /// `continue` a loop.
  Continue(TargetId),
  /// `return value` (`None`: undefined).
  Return(Option<Expr>),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
  /// `-x`
  Neg,
  /// `!x` (a boolean)
  Not,
  /// `~x`
  BitNot,
  /// `+x`: ToNumber (the payload, typed as a number).
  Plus,
}

/// Binary operators (all take and give numbers; comparisons give booleans).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
  Add,
  Sub,
  Mul,
  Div,
  Rem,
  Pow,
  BitAnd,
  BitOr,
  BitXor,
  Shl,
  Sar,
  Shr,
  /// `==` (loose; exact on number | boolean | undefined).
  Eq,
  /// `!=`
  Ne,
  /// `===`
  StrictEq,
  /// `!==`
  StrictNe,
  Lt,
  Le,
  Gt,
  Ge,
}

impl BinOp {
  /// True for the comparison operators.
  pub fn is_comparison(self) -> bool {
    matches!(
      self,
      BinOp::Eq
        | BinOp::Ne
        | BinOp::StrictEq
        | BinOp::StrictNe
        | BinOp::Lt
        | BinOp::Le
        | BinOp::Gt
        | BinOp::Ge
    )
  }
}

/// `&&` and `||` (which return one of their operands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicOp {
  And,
  Or,
  /// `??`: the right operand when the left is `undefined` (nothing else in
  /// the subset is nullish).
  Coalesce,
}

/// Functions of `Math` and `Number` (and the globals `isNaN`/`isFinite`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intrinsic {
  /// Inline: `Math.abs`.
  Abs,
  /// Inline: `Math.sqrt`.
  Sqrt,
  /// Inline: `Math.floor`.
  Floor,
  /// Inline: `Math.ceil`.
  Ceil,
  /// Inline: `Math.trunc`.
  Trunc,
  /// Inline: `Math.fround`.
  Fround,
  /// Inline: `Math.sign`.
  Sign,
  /// Inline: `Math.round` (half toward +∞).
  Round,
  /// Inline: `Math.max` (any arity).
  Max,
  /// Inline: `Math.min` (any arity).
  Min,
  /// Inline: `Math.imul`.
  Imul,
  /// Inline: `Math.clz32`.
  Clz32,
  /// Inline: `Number.isNaN`, global `isNaN` on numbers.
  IsNaN,
  /// Inline: `Number.isFinite`, global `isFinite` on numbers.
  IsFinite,
  /// Inline: `Number.isInteger`.
  IsInteger,
  /// Inline: `Number.isSafeInteger`.
  IsSafeInteger,
  /// A call to a native math routine (`sin`, `pow`, `hypot`, …) by symbol name.
  Extern(&'static str),
}

/// Expressions.
#[derive(Debug, Clone)]
pub enum Expr {
  /// A number.
  Num(f64),
  /// A boolean (payload 0/1).
  Bool(bool),
  /// `undefined` (payload NaN).
  Undef,
  /// A local variable.
  Local(LocalId),
  /// A `params` constant, by index.
  Const(u32),
  /// A unary operator.
  Unary(UnOp, Box<Expr>),
  /// A binary operator.
  Bin(BinOp, Box<Expr>, Box<Expr>),
  /// `a && b`, `a || b`: yields an operand.
  Logic(LogicOp, Box<Expr>, Box<Expr>),
  /// `test ? a : b`.
  Cond(Box<Expr>, Box<Expr>, Box<Expr>),
  /// `local = value`, yielding value.
  Assign(LocalId, Box<Expr>),
  /// `++x`/`x++`/`--x`/`x--`: adds `delta`; yields the new value if `prefix`, else the old one (as a number).
  Update {
    /// The variable.
    local: LocalId,
    /// +1 or -1.
    delta: f64,
    /// Prefix form.
    prefix: bool,
  },
  /// Comma operator: evaluates all, yields the last.
  Seq(Vec<Expr>),
  /// A call to a function of the program. Arguments: the declared
  /// parameters (padded with [`Expr::Undef`]), then extra arguments
  /// (evaluated for their side effects only), then one read of a caller's
  /// local for each of the callee's [`Func::captures`] (last, so that they
  /// see the other arguments' assignments).
  Call(FuncId, Vec<Expr>),
  /// A `Math`/`Number` function (arguments padded with NaN to the arity it needs).
  Math(Intrinsic, Vec<Expr>),
  /// `a[index]` on the `params` array in slot `.0`: the element, or
  /// `undefined` for anything but an integral index in `0..length`.
  Index(u32, Box<Expr>),
  /// `a.length` of the `params` array in slot `.0`.
  Length(u32),
}

impl Expr {
  /// Calls `f` on each direct sub-expression, in evaluation order.
  pub fn for_each_child(&self, f: &mut dyn FnMut(&Expr)) {
    match self {
      Expr::Num(_)
      | Expr::Bool(_)
      | Expr::Undef
      | Expr::Local(_)
      | Expr::Const(_)
      | Expr::Update { .. }
      | Expr::Length(_) => {}
      Expr::Unary(_, x) | Expr::Assign(_, x) | Expr::Index(_, x) => f(x),
      Expr::Bin(_, a, b) | Expr::Logic(_, a, b) => {
        f(a);
        f(b);
      }
      Expr::Cond(t, a, b) => {
        f(t);
        f(a);
        f(b);
      }
      Expr::Seq(items) | Expr::Call(_, items) | Expr::Math(_, items) => items.iter().for_each(f),
    }
  }

  /// [`Expr::for_each_child`] with mutable access.
  pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
    match self {
      Expr::Num(_)
      | Expr::Bool(_)
      | Expr::Undef
      | Expr::Local(_)
      | Expr::Const(_)
      | Expr::Update { .. }
      | Expr::Length(_) => {}
      Expr::Unary(_, x) | Expr::Assign(_, x) | Expr::Index(_, x) => f(x),
      Expr::Bin(_, a, b) | Expr::Logic(_, a, b) => {
        f(a);
        f(b);
      }
      Expr::Cond(t, a, b) => {
        f(t);
        f(a);
        f(b);
      }
      Expr::Seq(items) | Expr::Call(_, items) | Expr::Math(_, items) => {
        items.iter_mut().for_each(f)
      }
    }
  }

  /// The local this expression assigns itself (`x = …`, `x++`), if any.
  pub fn assigned_local(&self) -> Option<LocalId> {
    match self {
      Expr::Assign(l, _) | Expr::Update { local: l, .. } => Some(*l),
      _ => None,
    }
  }
}

impl Stmt {
  /// Calls `f` on each expression directly in this statement (an `if`'s
  /// test; a loop's test, then its update), in order.
  pub fn for_each_expr(&self, f: &mut dyn FnMut(&Expr)) {
    match self {
      Stmt::Expr(e) | Stmt::Set(_, e) | Stmt::Return(Some(e)) | Stmt::If(e, ..) => f(e),
      Stmt::Loop { test, update, .. } => test.iter().chain(update.iter()).for_each(f),
      Stmt::Block(..) | Stmt::Break(_) | Stmt::Continue(_) | Stmt::Return(None) => {}
    }
  }

  /// [`Stmt::for_each_expr`] with mutable access.
  pub fn for_each_expr_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
    match self {
      Stmt::Expr(e) | Stmt::Set(_, e) | Stmt::Return(Some(e)) | Stmt::If(e, ..) => f(e),
      Stmt::Loop { test, update, .. } => test.iter_mut().chain(update.iter_mut()).for_each(f),
      Stmt::Block(..) | Stmt::Break(_) | Stmt::Continue(_) | Stmt::Return(None) => {}
    }
  }

  /// The statement lists directly inside this one (an `if`'s branches, a
  /// loop's or block's body).
  pub fn child_lists(&self) -> [&[Stmt]; 2] {
    match self {
      Stmt::If(_, a, b) => [a, b],
      Stmt::Loop { body, .. } | Stmt::Block(_, body) => [body, &[]],
      _ => [&[], &[]],
    }
  }

  /// [`Stmt::child_lists`] with mutable access.
  pub fn child_lists_mut(&mut self) -> [&mut [Stmt]; 2] {
    match self {
      Stmt::If(_, a, b) => [a, b],
      Stmt::Loop { body, .. } | Stmt::Block(_, body) => [body, &mut []],
      _ => [&mut [], &mut []],
    }
  }
}

/// Calls `f` on every expression node of `e`, parents before children.
pub fn walk_expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
  f(e);
  e.for_each_child(&mut |c| walk_expr(c, f));
}

/// Calls `f` on every expression node of `e`, children before parents (so
/// that `f` sees an expression after its operands were rewritten).
pub fn walk_expr_mut(e: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
  e.for_each_child_mut(&mut |c| walk_expr_mut(c, f));
  f(e);
}

/// [`walk_expr`] over every expression of `list`, nested statements
/// included: each statement's own expressions, then the statements inside it.
pub fn walk(list: &[Stmt], f: &mut dyn FnMut(&Expr)) {
  for s in list {
    s.for_each_expr(&mut |e| walk_expr(e, f));
    for inner in s.child_lists() {
      walk(inner, f);
    }
  }
}

/// [`walk_expr_mut`] over every expression of `list`, in [`walk`]'s order.
pub fn walk_mut(list: &mut [Stmt], f: &mut dyn FnMut(&mut Expr)) {
  for s in list {
    s.for_each_expr_mut(&mut |e| walk_expr_mut(e, f));
    for inner in s.child_lists_mut() {
      walk_mut(inner, f);
    }
  }
}

impl Program {
  /// The static type of `e` inside `f`, from the types inference filled in
  /// (possibly empty while inference runs).
  pub fn expr_ty(&self, f: &Func, e: &Expr) -> Ty {
    match e {
      Expr::Num(_) | Expr::Const(_) | Expr::Update { .. } | Expr::Length(_) => NUM,
      // An element, or `undefined` for an index outside the array.
      Expr::Index(..) => NUM | UNDEF,
      Expr::Bool(_) => BOOL,
      Expr::Undef => UNDEF,
      Expr::Local(l) => f.local_tys.get(*l as usize).copied().unwrap_or(NUM),
      Expr::Unary(op, _) => {
        if *op == UnOp::Not {
          BOOL
        } else {
          NUM
        }
      }
      Expr::Bin(op, _, _) => {
        if op.is_comparison() {
          BOOL
        } else {
          NUM
        }
      }
      Expr::Logic(LogicOp::Coalesce, a, b) => {
        let ta = self.expr_ty(f, a);
        let tb = if ta & UNDEF != 0 {
          self.expr_ty(f, b)
        } else {
          0
        };
        (ta & !UNDEF) | tb
      }
      Expr::Logic(_, a, b) | Expr::Cond(_, a, b) => self.expr_ty(f, a) | self.expr_ty(f, b),
      Expr::Assign(_, v) => self.expr_ty(f, v),
      Expr::Seq(items) => items.last().map_or(UNDEF, |x| self.expr_ty(f, x)),
      Expr::Call(g, _) => self.funcs.get(*g as usize).map_or(NUM, |g| g.ret_ty),
      Expr::Math(i, _) => match i {
        Intrinsic::IsNaN
        | Intrinsic::IsFinite
        | Intrinsic::IsInteger
        | Intrinsic::IsSafeInteger => BOOL,
        _ => NUM,
      },
    }
  }
}
