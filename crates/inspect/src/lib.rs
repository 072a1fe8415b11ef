//! napi-free core of napi-parallel's function inspection: what a JS
//! function's source (`Function.prototype.toString()`) is, which parameter
//! names it declares, which variables it reads that it does not declare
//! itself (so that shipping it as source to another isolate would fail),
//! where its dynamic `import(` calls are, and whether it uses `this`.
//!
//! Parsing and scope analysis are oxc's (`oxc_parser` + `oxc_semantic`, the
//! versions the kernel compiler already uses). Positions are as V8 reports
//! them: 1-based lines and 1-based columns in UTF-16 code units.
//!
//! Bounded: sources over [`MAX_SOURCE`] bytes are refused, and oxc's
//! recursive parser and walkers run on a stack sized for the worst nesting
//! the source could hold (see [`stack`]), so no input overflows a stack.

mod analyse;
pub mod position;
pub mod shape;
pub mod stack;

use std::fmt;
use std::sync::{Arc, OnceLock};

use oxc_allocator::Allocator;
use oxc_ast::ast::{
  BindingPattern, ClassElement, Expression, FormalParameters, Function, MethodDefinitionKind,
  ObjectPropertyKind, PropertyKind, Statement,
};
use oxc_ast_visit::Visit;
use oxc_parser::Parser;
use oxc_semantic::SemanticBuilder;
use oxc_span::SourceType;

pub use shape::Kind;

use position::{Positions, utf16_offset};
use shape::Wrap;

/// Largest source accepted, in UTF-8 bytes (1 MiB).
pub const MAX_SOURCE: usize = 1 << 20;

/// A reference the function makes to a variable none of its scopes declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeRef {
  /// The variable's name.
  pub name: String,
  /// 1-based line of its first reference.
  pub line: u32,
  /// 1-based column (UTF-16 units) of its first reference.
  pub column: u32,
}

/// What [`inspect`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
  /// The function's shape.
  pub kind: Kind,
  /// `async` function, arrow or method.
  pub is_async: bool,
  /// Generator function or method.
  pub generator: bool,
  /// Top-level parameters in order: `x`, `x = 1` and `...x` give `Some("x")`;
  /// a destructuring pattern (`{a, b}`, `[x]`, also with a default) gives
  /// `None`. A class gives its constructor's parameters.
  pub params: Vec<Option<String>>,
  /// Unresolved references in source order, one per name (its first
  /// reference). Globals are included (the caller filters them); the
  /// `arguments` of a non-arrow function and the names the function
  /// declares (its own name included) are not.
  pub free: Vec<FreeRef>,
  /// UTF-16 offset of the `import` keyword of each dynamic `import(…)`.
  pub imports: Vec<u32>,
  /// `this` is used where it means the function's receiver (for an arrow:
  /// the enclosing `this`), not inside a nested function or class member.
  pub uses_this: bool,
}

impl Inspection {
  fn opaque(kind: Kind) -> Self {
    Self {
      kind,
      is_async: false,
      generator: false,
      params: Vec::new(),
      free: Vec::new(),
      imports: Vec::new(),
      uses_this: false,
    }
  }
}

/// Why a source could not be inspected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InspectError {
  /// Not a parsable function source; `line`/`column` as V8 reports them.
  Syntax {
    /// What is wrong.
    message: String,
    /// 1-based line.
    line: u32,
    /// 1-based column (UTF-16 units).
    column: u32,
  },
  /// The source is longer than [`MAX_SOURCE`] bytes.
  TooLarge {
    /// Its length in bytes.
    len: usize,
  },
  /// The source could nest deeper than the largest stack the analysis may use.
  TooDeep,
  /// The helper thread for a deeply nested source could not start.
  Thread(String),
}

impl fmt::Display for InspectError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      InspectError::Syntax {
        message,
        line,
        column,
      } => write!(f, "Invalid function source: {message} (at {line}:{column})"),
      InspectError::TooLarge { len } => write!(
        f,
        "The function source is {len} bytes long; at most {MAX_SOURCE} bytes are inspected"
      ),
      InspectError::TooDeep => write!(f, "The function source is too deeply nested to inspect"),
      InspectError::Thread(e) => write!(f, "Cannot start the inspection thread: {e}"),
    }
  }
}

impl std::error::Error for InspectError {}

/// Inspects `source`, a function's `toString()`. Runs on the calling thread
/// when its stack has room for the worst nesting `source` could hold, else
/// on a helper thread with a stack that large (see [`stack::run_bounded`]).
pub fn inspect(source: &str) -> Result<Inspection, InspectError> {
  if source.len() > MAX_SOURCE {
    return Err(InspectError::TooLarge { len: source.len() });
  }
  if let Some(kind) = shape::native_kind(source) {
    return Ok(Inspection::opaque(kind));
  }
  stack::run_bounded(source, inspect_here)
}

/// Sources up to this many bytes are cached by [`inspect_cached`].
pub const MAX_CACHED_SOURCE: usize = 16 << 10;
/// Entries [`inspect_cached`] keeps (at most `MAX_CACHED_SOURCE` bytes of source each).
pub const CACHE_ENTRIES: usize = 512;

/// [`inspect`] behind a process-wide bounded cache keyed by the source text
/// (sources up to [`MAX_CACHED_SOURCE`] bytes; errors are not cached).
pub fn inspect_cached(source: &str) -> Result<Arc<Inspection>, InspectError> {
  type Cache = quick_cache::sync::Cache<Box<str>, Arc<Inspection>>;
  static CACHE: OnceLock<Cache> = OnceLock::new();
  if source.len() > MAX_CACHED_SOURCE {
    return inspect(source).map(Arc::new);
  }
  let cache = CACHE.get_or_init(|| Cache::new(CACHE_ENTRIES));
  if let Some(hit) = cache.get(source) {
    return Ok(hit);
  }
  let result = Arc::new(inspect(source)?);
  cache.insert(source.into(), result.clone());
  Ok(result)
}

/// One parse attempt's failure: the message and where (byte offset in `source`).
struct Failure {
  message: String,
  offset: usize,
}

/// Parses and analyses on this thread (the caller guarantees the stack).
pub(crate) fn inspect_here(source: &str) -> Result<Inspection, InspectError> {
  let mut best: Option<Failure> = None;
  for &wrap in shape::wraps(source) {
    match attempt(source, wrap) {
      Ok(found) => return Ok(found),
      // The attempt that got furthest is the most likely reading.
      Err(f) => {
        if best.as_ref().is_none_or(|b| f.offset > b.offset) {
          best = Some(f)
        }
      }
    }
  }
  let f = best.unwrap_or(Failure {
    message: "not a function".into(),
    offset: 0,
  });
  let (line, column) = Positions::new(source).line_column(f.offset);
  Err(InspectError::Syntax {
    message: f.message,
    line,
    column,
  })
}

/// What the wrapped program holds, if it is one function of a known shape.
struct Found<'p, 'a> {
  kind: Kind,
  is_async: bool,
  generator: bool,
  /// The function whose `this`/`arguments` are the inspected ones.
  root: Option<&'p Function<'a>>,
  params: Option<&'p FormalParameters<'a>>,
}

fn attempt(source: &str, wrap: Wrap) -> Result<Inspection, Failure> {
  let prefix = wrap.prefix();
  let mut text = String::with_capacity(prefix.len() + source.len() + wrap.suffix().len());
  text.push_str(prefix);
  text.push_str(source);
  text.push_str(wrap.suffix());
  let unwrap = |offset: usize| offset.saturating_sub(prefix.len()).min(source.len());

  let allocator = Allocator::default();
  let parsed = Parser::new(&allocator, &text, SourceType::script()).parse();
  if let Some(d) = parsed.diagnostics.first() {
    return Err(Failure {
      message: d.message.to_string(),
      offset: unwrap(d.labels.first().map_or(0, |l| l.offset() as usize)),
    });
  }
  let not_function = || Failure {
    message: "not a function, method or class source".into(),
    offset: 0,
  };
  let program = &parsed.program;
  let [Statement::ExpressionStatement(stmt)] = program.body.as_slice() else {
    return Err(not_function());
  };
  if !program.directives.is_empty() || program.hashbang.is_some() {
    return Err(not_function());
  }
  let Expression::ParenthesizedExpression(paren) = &stmt.expression else {
    return Err(not_function());
  };
  if paren.span.start != 0 || paren.span.end as usize != text.len() {
    return Err(not_function());
  }
  let found = match (wrap, &paren.expression) {
    (Wrap::Paren, Expression::ArrowFunctionExpression(a)) => Found {
      kind: Kind::Arrow,
      is_async: a.r#async,
      generator: false,
      root: None,
      params: Some(&a.params),
    },
    (Wrap::Paren, Expression::FunctionExpression(f)) => Found {
      kind: Kind::Function,
      is_async: f.r#async,
      generator: f.generator,
      root: Some(f),
      params: Some(&f.params),
    },
    (Wrap::Paren, Expression::ClassExpression(c)) => Found {
      kind: Kind::Class,
      is_async: false,
      generator: false,
      root: None,
      params: c.body.body.iter().find_map(|e| match e {
        ClassElement::MethodDefinition(m) if m.kind == MethodDefinitionKind::Constructor => {
          Some(&*m.value.params)
        }
        _ => None,
      }),
    },
    (Wrap::Object, Expression::ObjectExpression(o)) => match o.properties.as_slice() {
      [ObjectPropertyKind::ObjectProperty(p)]
        if p.method || matches!(p.kind, PropertyKind::Get | PropertyKind::Set) =>
      {
        let Expression::FunctionExpression(f) = &p.value else {
          return Err(not_function());
        };
        method(f)
      }
      _ => return Err(not_function()),
    },
    (Wrap::Class, Expression::ClassExpression(c)) => match c.body.body.as_slice() {
      [ClassElement::MethodDefinition(m)] if m.kind != MethodDefinitionKind::Constructor => {
        method(&m.value)
      }
      _ => return Err(not_function()),
    },
    _ => return Err(not_function()),
  };

  let semantic = SemanticBuilder::new().build(program).semantic;
  let mut walker = analyse::Walker::new(semantic.scoping(), found.root);
  walker.visit_program(program);

  // Source order, first reference of each name.
  let mut refs = walker.refs;
  refs.sort_by_key(|&(offset, _)| offset);
  let mut seen = std::collections::HashSet::new();
  let mut positions = Positions::new(source);
  let free = refs
    .into_iter()
    .filter(|(_, name)| seen.insert(*name))
    .map(|(offset, name)| {
      let (line, column) = positions.line_column(unwrap(offset as usize));
      FreeRef {
        name: name.to_string(),
        line,
        column,
      }
    })
    .collect();
  let mut imports = walker.imports;
  imports.sort_unstable();
  let imports = imports
    .into_iter()
    .map(|o| utf16_offset(source, unwrap(o as usize)))
    .collect();
  Ok(Inspection {
    kind: found.kind,
    is_async: found.is_async,
    generator: found.generator,
    params: found.params.map(param_names).unwrap_or_default(),
    free,
    imports,
    uses_this: walker.uses_this,
  })
}

fn method<'p, 'a>(f: &'p Function<'a>) -> Found<'p, 'a> {
  Found {
    kind: Kind::Method,
    is_async: f.r#async,
    generator: f.generator,
    root: Some(f),
    params: Some(&f.params),
  }
}

fn param_names(params: &FormalParameters<'_>) -> Vec<Option<String>> {
  let name = |p: &BindingPattern<'_>| match p {
    BindingPattern::BindingIdentifier(id) => Some(id.name.to_string()),
    _ => None,
  };
  let mut out: Vec<Option<String>> = params.items.iter().map(|p| name(&p.pattern)).collect();
  if let Some(rest) = &params.rest {
    out.push(name(&rest.rest.argument));
  }
  out
}
