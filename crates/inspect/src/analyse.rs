//! One walk over the parsed function: unresolved references, `this`, and
//! dynamic `import(`.

use oxc_ast::ast::{
  AccessorProperty, Function, IdentifierReference, ImportExpression, PropertyDefinition,
  StaticBlock, ThisExpression,
};
use oxc_ast_visit::{Visit, walk};
use oxc_semantic::Scoping;
use oxc_syntax::scope::ScopeFlags;

/// What the walk collects (offsets are bytes of the wrapped source).
pub struct Walker<'s, 'a> {
  scoping: &'s Scoping,
  /// The inspected function itself (a `function` or a method's value), whose
  /// `this` is the call's receiver rather than a nested function's.
  root: Option<*const Function<'a>>,
  /// Nested scopes that bind their own `this` (functions other than the
  /// root, class field initializers, static blocks) around the current node.
  this_depth: u32,
  /// Non-arrow functions (the root included) around the current node: `arguments` is theirs.
  fn_depth: u32,
  /// `(offset, name)` of every reference no scope resolves, in walk order.
  pub refs: Vec<(u32, &'a str)>,
  /// Offset of every `import(` keyword.
  pub imports: Vec<u32>,
  /// `this` appears where it is the inspected function's (or, for an arrow, the outer) `this`.
  pub uses_this: bool,
}

impl<'s, 'a> Walker<'s, 'a> {
  /// A walker resolving against `scoping`; `root` is the inspected function
  /// when it is a `function` or a method.
  pub fn new(scoping: &'s Scoping, root: Option<&Function<'a>>) -> Self {
    Self {
      scoping,
      root: root.map(|f| f as *const _),
      this_depth: 0,
      fn_depth: 0,
      refs: Vec::new(),
      imports: Vec::new(),
      uses_this: false,
    }
  }

  fn in_this_scope(&mut self, f: impl FnOnce(&mut Self)) {
    self.this_depth += 1;
    f(self);
    self.this_depth -= 1;
  }
}

impl<'a> Visit<'a> for Walker<'_, 'a> {
  fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
    let Some(id) = it.reference_id.get() else {
      return;
    };
    if self.scoping.get_reference(id).symbol_id().is_some() {
      return;
    }
    let name = it.name.as_str();
    // Every non-arrow function has its own `arguments`.
    if name == "arguments" && self.fn_depth > 0 {
      return;
    }
    self.refs.push((it.span.start, name));
  }

  fn visit_this_expression(&mut self, _it: &ThisExpression) {
    if self.this_depth == 0 {
      self.uses_this = true;
    }
  }

  fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
    self.imports.push(it.span.start);
    walk::walk_import_expression(self, it);
  }

  fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
    let is_root = self.root == Some(it as *const _);
    self.fn_depth += 1;
    if is_root {
      walk::walk_function(self, it, flags);
    } else {
      self.in_this_scope(|w| walk::walk_function(w, it, flags));
    }
    self.fn_depth -= 1;
  }

  fn visit_property_definition(&mut self, it: &PropertyDefinition<'a>) {
    self.in_this_scope(|w| walk::walk_property_definition(w, it));
  }

  fn visit_accessor_property(&mut self, it: &AccessorProperty<'a>) {
    self.in_this_scope(|w| walk::walk_accessor_property(w, it));
  }

  fn visit_static_block(&mut self, it: &StaticBlock<'a>) {
    self.in_this_scope(|w| walk::walk_static_block(w, it));
  }
}
