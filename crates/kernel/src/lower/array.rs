//! `params` arrays: `a[j]`, `a.length`, and the errors for every other use
//! (arrays are read-only in a kernel and are not values).
//!
//! An array param is named like a numeric one, but its [`ParamKind`] is
//! `Array(kind)`; it gets a *slot* (its position among the array params),
//! which is what [`Expr::Index`] / [`Expr::Length`] name. A local of the
//! same name shadows it, as in JS.
//!
//! The static type of `a[j]` is number | `undefined` (`Program::expr_ty`);
//! codegen (`codegen/array`) reads the element or gives `undefined` for an
//! index that is not an integral number in range (a boolean index, which JS
//! looks up as the property "true"/"false", included).

use oxc_ast::ast::*;
use oxc_span::Span;

use super::{Lowerer, Result};
use crate::codegen::{ElemKind, ParamKind};
use crate::ir::Expr;

/// The element kinds of the array params among `kinds`, by slot.
pub(super) fn array_kinds(kinds: &[ParamKind]) -> Vec<ElemKind> {
  kinds
    .iter()
    .filter_map(|k| match k {
      ParamKind::Array(e) => Some(*e),
      ParamKind::Number => None,
    })
    .collect()
}

impl Lowerer<'_> {
  /// The slot of `name` when it is an array param not shadowed by a local.
  pub(super) fn array_slot(&self, name: &str) -> Option<u32> {
    if self.lookup(name).is_some() {
      return None;
    }
    let at = self.consts.iter().position(|c| c == name)?;
    match self.param_kinds.get(at)? {
      ParamKind::Array(_) => Some(
        self.param_kinds[..at]
          .iter()
          .filter(|k| matches!(k, ParamKind::Array(_)))
          .count() as u32,
      ),
      ParamKind::Number => None,
    }
  }

  /// The slot of `e` when it is (a parenthesized) identifier naming an array param.
  fn array_object(&self, e: &Expression<'_>) -> Option<(u32, String)> {
    let mut e = e;
    while let Expression::ParenthesizedExpression(p) = e {
      e = &p.expression;
    }
    match e {
      Expression::Identifier(id) => self
        .array_slot(id.name.as_str())
        .map(|s| (s, id.name.to_string())),
      _ => None,
    }
  }

  /// Whether `m` indexes an array param (`a[j]`, not `a?.[j]`); any other
  /// indexing is outside the subset.
  pub(super) fn is_array_index(&self, m: &ComputedMemberExpression<'_>) -> bool {
    !m.optional && self.array_object(&m.object).is_some()
  }

  /// `a[j]` on an array param (see [`Self::is_array_index`]).
  pub(super) fn computed_member(&mut self, m: &ComputedMemberExpression<'_>) -> Result<Expr> {
    let Some((slot, _)) = self.array_object(&m.object) else {
      return self.fail(m.span, "indexing is not supported here");
    };
    let index = self.expr(&m.expression)?;
    Ok(Expr::Index(slot, Box::new(index)))
  }

  /// `a.length` of an array param (`Some`), an error for any other property
  /// of one, or `None` when `m`'s object is not an array param.
  pub(super) fn array_member(&mut self, m: &StaticMemberExpression<'_>) -> Option<Result<Expr>> {
    let (slot, name) = self.array_object(&m.object)?;
    let prop = m.property.name.as_str();
    Some(if prop == "length" {
      Ok(Expr::Length(slot))
    } else {
      self.fail(
        m.property.span,
        format!(
          "`{name}.{prop}` is not supported in a kernel: a `params` array is read only by index (`{name}[j]`) and `{name}.length`"
        ),
      )
    })
  }

  /// An array param used as a value (`lut + 1`, `f(lut)`): an error.
  pub(super) fn array_as_value(&self, id: &IdentifierReference<'_>) -> Result<()> {
    let name = id.name.as_str();
    if self.array_slot(name).is_some() {
      return self.fail(
        id.span,
        format!(
          "the `params` array `{name}` cannot be used as a value in a kernel: read its elements (`{name}[j]`) or `{name}.length`"
        ),
      );
    }
    Ok(())
  }

  /// A write through a member of an array param (`a[j] = …`, `a[j]++`,
  /// `a.length = …`): an error, since arrays are read-only in a kernel.
  pub(super) fn array_write(
    &self,
    span: Span,
    target: Option<&MemberExpression<'_>>,
  ) -> Result<()> {
    if let Some(m) = target
      && let Some((_, name)) = self.array_object(m.object())
    {
      return self.fail(
        span,
        format!("`params` arrays are read-only in a kernel: cannot write to `{name}`"),
      );
    }
    Ok(())
  }
}

#[cfg(test)]
mod tests {
  use std::sync::atomic::AtomicBool;

  use crate::KernelError;
  use crate::cache::compile_with;
  use crate::codegen::{ArrayRef, ElemKind, Mode, ParamKind};
  use crate::testing::assert_same;

  fn rejection(src: &str) -> String {
    match compile_with(
      src,
      &["k".into(), "a".into()],
      &[ParamKind::Number, ParamKind::Array(ElemKind::Float64)],
      Mode::Map { n_inputs: 1 },
    ) {
      Err(KernelError::Unsupported { message, .. }) => message,
      other => panic!("{src}: {other:?}"),
    }
  }

  /// Index reads follow JS (ToPropertyKey: -0 is "0"; anything but an
  /// integral index in range is `undefined`, NaN today).
  #[test]
  fn index_reads_follow_js() {
    let no = AtomicBool::new(false);
    let data = [10.0, 20.0, -0.0, f64::NAN];
    let k = compile_with(
      "(x) => a[x]",
      &["a".into()],
      &[ParamKind::Array(ElemKind::Float64)],
      Mode::Map { n_inputs: 1 },
    )
    .unwrap();
    let xs = [
      0.0,
      -0.0,
      1.0,
      2.0,
      3.0,
      4.0,
      -1.0,
      0.5,
      f64::NAN,
      f64::INFINITY,
      f64::NEG_INFINITY,
      1e300,
      18446744073709551616.0,
      -1e-300,
    ];
    let mut out = vec![0.0; xs.len()];
    k.run_chunk_with(&[&xs], &[0.0], &[ArrayRef::new(&data)], 0, &mut out, &no)
      .unwrap();
    let nan = f64::NAN;
    let expected = [
      10.0, 10.0, 20.0, -0.0, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan,
    ];
    assert_same("a[x]", &out, &expected);
    // The wrong kind or number of arrays is an error before any code runs.
    let f32s = [1.0f32];
    assert!(matches!(
      k.run_chunk_with(&[&xs], &[0.0], &[ArrayRef::new(&f32s)], 0, &mut out, &no),
      Err(KernelError::Internal(_))
    ));
    assert!(matches!(
      k.run_chunk_with(&[&xs], &[0.0], &[], 0, &mut out, &no),
      Err(KernelError::Internal(_))
    ));
  }

  /// Every element kind reads exactly its value, `length` included.
  #[test]
  fn every_kind_reads_its_elements() {
    let no = AtomicBool::new(false);
    let idx: Vec<f64> = (0..5).map(f64::from).collect();
    let mut out = vec![0.0; idx.len()];
    let check = |view: ArrayRef<'_>, expected: &[f64]| {
      let k = compile_with(
        "(j) => a[j] * 1 + a.length * 0",
        &["a".into()],
        &[ParamKind::Array(view.kind())],
        Mode::Map { n_inputs: 1 },
      )
      .unwrap();
      let mut out = vec![0.0; idx.len()];
      k.run_chunk_with(&[&idx], &[0.0], &[view], 0, &mut out, &no)
        .unwrap();
      let mut want = expected.to_vec();
      want.resize(idx.len(), f64::NAN);
      assert_same(view.kind().js_name(), &out, &want);
    };
    check(ArrayRef::new(&[1.5f64, -2.0]), &[1.5, -2.0]);
    check(ArrayRef::new(&[0.1f32, -3.0]), &[0.1f32 as f64, -3.0]);
    check(ArrayRef::new(&[-128i8, 127]), &[-128.0, 127.0]);
    check(ArrayRef::new(&[255u8, 0]), &[255.0, 0.0]);
    check(ArrayRef::clamped(&[255u8, 7]), &[255.0, 7.0]);
    check(ArrayRef::new(&[-32768i16, 32767]), &[-32768.0, 32767.0]);
    check(ArrayRef::new(&[65535u16, 1]), &[65535.0, 1.0]);
    check(
      ArrayRef::new(&[i32::MIN, i32::MAX]),
      &[i32::MIN as f64, i32::MAX as f64],
    );
    check(
      ArrayRef::new(&[u32::MAX, 0, 5]),
      &[u32::MAX as f64, 0.0, 5.0],
    );
    check(ArrayRef::new::<f64>(&[]), &[]);
    // `length` of an empty array and of a longer one.
    let k = compile_with(
      "(x) => a.length + x",
      &["a".into()],
      &[ParamKind::Array(ElemKind::Uint8)],
      Mode::Map { n_inputs: 1 },
    )
    .unwrap();
    for (data, len) in [(&[][..], 0.0), (&[1u8, 2, 3][..], 3.0)] {
      k.run_chunk_with(&[&idx], &[0.0], &[ArrayRef::new(data)], 0, &mut out, &no)
        .unwrap();
      assert_eq!(out[2], len + 2.0);
    }
  }

  /// The stencil of the issue, at the ends too (`undefined` → NaN).
  #[test]
  fn stencils_read_neighbours() {
    let no = AtomicBool::new(false);
    let xs = [1.0, 2.0, 4.0, 8.0];
    let k = compile_with(
      "(x, i) => (xs[i - 1] + x + xs[i + 1]) / 3",
      &["xs".into()],
      &[ParamKind::Array(ElemKind::Float64)],
      Mode::Map { n_inputs: 1 },
    )
    .unwrap();
    let mut out = vec![0.0; 4];
    k.run_chunk_with(&[&xs], &[0.0], &[ArrayRef::new(&xs)], 0, &mut out, &no)
      .unwrap();
    assert_same(
      "stencil",
      &out,
      &[f64::NAN, 7.0 / 3.0, 14.0 / 3.0, f64::NAN],
    );
  }

  /// Arrays are readable from nested functions and in call mode, next to
  /// numeric params, and a local shadows an array param.
  #[test]
  fn arrays_in_nested_functions_and_calls() {
    let no = AtomicBool::new(false);
    let lut = [3i32, 5, 7];
    let k = compile_with(
      "(j) => { function g(t) { return b[t] * k } let s = 0; for (let t = 0; t < b.length; t++) s += g(t); return s + j }",
      &["b".into(), "k".into()],
      &[ParamKind::Array(ElemKind::Int32), ParamKind::Number],
      Mode::call(1),
    )
    .unwrap();
    assert_eq!(
      k.call_with(&[1.0], &[0.0, 2.0], &[ArrayRef::new(&lut)], &no),
      Ok(31.0)
    );
    let k = compile_with(
      "(j) => { let a = j; return a * 2 }",
      &["a".into()],
      &[ParamKind::Array(ElemKind::Int32)],
      Mode::call(1),
    )
    .unwrap();
    assert_eq!(
      k.call_with(&[4.0], &[0.0], &[ArrayRef::new(&lut)], &no),
      Ok(8.0)
    );
    // Booleans index nothing (`a[true]` is the property "true").
    let k = compile_with(
      "(j) => a[j > 0]",
      &["a".into()],
      &[ParamKind::Array(ElemKind::Int32)],
      Mode::call(1),
    )
    .unwrap();
    assert!(
      k.call_with(&[1.0], &[0.0], &[ArrayRef::new(&lut)], &no)
        .unwrap()
        .is_nan()
    );
  }

  #[test]
  fn other_uses_are_errors_with_positions() {
    for (src, needle) in [
      (
        "x => { a[0] = x; return x }",
        "read-only in a kernel: cannot write to `a` (at 1:8)",
      ),
      ("x => { a[0] += x; return x }", "read-only"),
      (
        "x => { a[0]++; return x }",
        "read-only in a kernel: cannot write to `a` (at 1:8)",
      ),
      ("x => { a.length = 0; return x }", "read-only"),
      (
        "x => a.foo",
        "`a.foo` is not supported in a kernel: a `params` array is read only by index (`a[j]`) and `a.length` (at 1:8)",
      ),
      (
        "x => a + 1",
        "`a` cannot be used as a value in a kernel: read its elements (`a[j]`) or `a.length` (at 1:6)",
      ),
      ("x => Math.max(a)", "cannot be used as a value"),
      ("x => k[0]", "indexing (`a[i]`) cannot be used"),
      ("x => a?.[0]", "optional chaining"),
    ] {
      let m = rejection(src);
      assert!(m.contains(needle), "{src}: {m}");
    }
  }
}
