//! The kernel IR: a small structured tree that [`crate::lower`] builds from
//! the oxc AST and [`crate::codegen`] lowers to Cranelift.
//!
//! Every value is an `f64`. Booleans are `0.0`/`1.0` (so `true + 1 === 2`
//! holds, as in JS); a condition is tested with JS truthiness (`x !== 0 &&
//! !isNaN(x)`). `undefined` (a missing argument, `let x;`, a function that
//! falls off its end) is `NaN`, which is what `ToNumber(undefined)` gives.
//! The checker keeps static types ([`Ty`]) only to give `===` its JS meaning
//! between booleans and numbers.

/// Index of a local variable (parameters first) within one [`Func`].
pub type LocalId = u32;
/// Index of a function within a [`Program`]; 0 is the kernel itself.
pub type FuncId = u32;
/// Identifies a loop or labeled block that `break`/`continue` target.
pub type TargetId = u32;

/// Static type of an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
  /// A number.
  Num,
  /// A boolean (held as 0/1).
  Bool,
  /// Either, depending on the path taken.
  Mixed,
}

impl Ty {
  /// The least type covering both.
  pub fn join(self, other: Ty) -> Ty {
    if self == other { self } else { Ty::Mixed }
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
  Eq,
  Ne,
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
      BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
    )
  }
}

/// `&&` and `||` (which return one of their operands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicOp {
  And,
  Or,
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
  /// A number (or a boolean literal as 0/1).
  Num(f64),
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
  /// A call to a function of the program (arguments already padded/trimmed to its arity, extras kept for side effects).
  Call(FuncId, Vec<Expr>),
  /// A `Math`/`Number` function (arguments padded with NaN to the arity it needs).
  Math(Intrinsic, Vec<Expr>),
  /// `a[index]` on the `params` array in slot `.0`: the element, or
  /// `undefined` for anything but an integral index in `0..length`.
  Index(u32, Box<Expr>),
  /// `a.length` of the `params` array in slot `.0`.
  Length(u32),
}
