//! istanbul's coverage counters, recognised so that an instrumented kernel
//! compiles as if it were not instrumented.
//!
//! istanbul (`istanbul-lib-instrument`, used by `nyc`, `jest --coverage` and
//! `babel-plugin-istanbul`) rewrites every function of a file: it declares a
//! function `cov_<hash>()` at the top of the file (it returns the file's
//! coverage record) and inserts, inside each function, counters of exactly
//! three shapes:
//!
//! - `cov_<hash>().f[<n>]++` (function entered) and `cov_<hash>().s[<n>]++`
//!   (statement reached), as expression statements, or as the leading items
//!   of a comma expression: `let y = (cov_<hash>().s[3]++, x * 3)`;
//! - `cov_<hash>().b[<n>][<m>]++` (branch taken), as statements inside the
//!   arms of `if`, or leading a comma expression in each operand of `?:`,
//!   `&&`, `||` and `??`: `x ? (cov_<hash>().b[1][0]++, a) : (…, b)`.
//!
//! A counter is recognised only in exactly that shape: a postfix `++` on
//! `.s[<integer>]`, `.f[<integer>]` or `.b[<integer>][<integer>]` of a call,
//! without arguments, to an identifier `cov_` followed by ASCII letters and
//! digits that the kernel does not itself declare (nor take as a `params`
//! name). The lowering drops such a counter where it stands as a statement
//! or as a non-final item of a comma expression, the only places istanbul
//! puts them, and nowhere else: any other increment of a member, or a counter
//! used for its value, is still rejected.
//!
//! c8 and `NODE_V8_COVERAGE` do not rewrite source (V8 counts natively), so
//! they need nothing here.

use oxc_ast::ast::*;

use super::Lowerer;

/// The counter families istanbul emits: `.s[n]`, `.f[n]` (one index) and
/// `.b[n][m]` (two).
const ONE_INDEX: [&str; 2] = ["s", "f"];
const TWO_INDEX: &str = "b";

/// True if `name` is what istanbul names its coverage function: `cov_`
/// followed by one or more ASCII letters or digits (a base-36 hash).
fn is_counter_function_name(name: &str) -> bool {
  name
    .strip_prefix("cov_")
    .is_some_and(|hash| !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// An integer index literal (`[3]`).
fn is_index(e: &Expression<'_>) -> bool {
  matches!(e, Expression::NumericLiteral(n) if n.value >= 0.0 && n.value.fract() == 0.0)
}

/// `cov_<hash>()` with no arguments; returns the callee's name.
fn counter_call<'a>(e: &'a Expression<'_>) -> Option<&'a str> {
  let Expression::CallExpression(c) = e else {
    return None;
  };
  if c.optional || !c.arguments.is_empty() || c.type_arguments.is_some() {
    return None;
  }
  let Expression::Identifier(id) = &c.callee else {
    return None;
  };
  is_counter_function_name(id.name.as_str()).then_some(id.name.as_str())
}

/// `cov_<hash>().<family>` for one of `families`; returns the function name.
fn counter_record<'a>(e: &'a Expression<'_>, families: &[&str]) -> Option<&'a str> {
  let Expression::StaticMemberExpression(m) = e else {
    return None;
  };
  if m.optional || !families.contains(&m.property.name.as_str()) {
    return None;
  }
  counter_call(&m.object)
}

/// The counter slot `cov_<hash>().s[n]`, `.f[n]` or `.b[n][m]` (the target of
/// the `++`); returns the function name.
fn counter_slot<'a>(m: &'a ComputedMemberExpression<'_>) -> Option<&'a str> {
  if m.optional || !is_index(&m.expression) {
    return None;
  }
  if let Some(name) = counter_record(&m.object, &ONE_INDEX) {
    return Some(name);
  }
  let Expression::ComputedMemberExpression(inner) = &m.object else {
    return None;
  };
  if inner.optional || !is_index(&inner.expression) {
    return None;
  }
  counter_record(&inner.object, &[TWO_INDEX])
}

/// If `e` is an istanbul counter (`cov_<hash>().s[n]++` and the like),
/// the name of its coverage function.
fn counter_name<'a>(e: &'a Expression<'_>) -> Option<&'a str> {
  let Expression::UpdateExpression(u) = e else {
    return None;
  };
  if u.prefix || u.operator != UpdateOperator::Increment {
    return None;
  }
  let SimpleAssignmentTarget::ComputedMemberExpression(m) = &u.argument else {
    return None;
  };
  counter_slot(m)
}

impl Lowerer<'_> {
  /// True if `e` is an istanbul coverage counter whose function the kernel
  /// does not declare itself: the lowering drops it.
  pub(super) fn is_coverage_counter(&self, e: &Expression<'_>) -> bool {
    counter_name(e).is_some_and(|name| self.is_global(name))
  }
}

#[cfg(test)]
mod tests {
  use crate::testing::{call, rejection};

  #[test]
  fn counter_names_are_istanbuls() {
    use super::is_counter_function_name as ok;
    assert!(ok("cov_vhqu53l88"));
    assert!(ok("cov_2mofekog2n"));
    assert!(!ok("cov_"));
    assert!(!ok("cov"));
    assert!(!ok("cov_a$b"));
    assert!(!ok("cov_a_b"));
    assert!(!ok("xcov_1"));
  }

  /// The three counter families, as statements and as comma-expression
  /// prefixes, compile to the uninstrumented function.
  #[test]
  fn counters_are_dropped_where_istanbul_puts_them() {
    let plain = "(x, i) => { let s = 0; for (let k = 0; k < 3; k++) { if (x > k) s += k; else s -= 1 } return s > 0 ? s : -s }";
    let instrumented = "(x, i) => {
      cov_vhqu53l88().f[1]++;
      let s = (cov_vhqu53l88().s[3]++, 0);
      cov_vhqu53l88().s[4]++;
      for (let k = (cov_vhqu53l88().s[5]++, 0); k < 3; k++) {
        cov_vhqu53l88().s[6]++;
        if (x > k) {
          cov_vhqu53l88().b[0][0]++;
          cov_vhqu53l88().s[7]++;
          s += k;
        } else {
          cov_vhqu53l88().b[0][1]++;
          cov_vhqu53l88().s[8]++;
          s -= 1;
        }
      }
      cov_vhqu53l88().s[9]++;
      return s > 0 ? (cov_vhqu53l88().b[1][0]++, s) : (cov_vhqu53l88().b[1][1]++, -s);
    }";
    for x in [-2.0, 0.0, 1.5, 2.0, 7.0] {
      assert_eq!(
        call(instrumented, &[x, 0.0]),
        call(plain, &[x, 0.0]),
        "x = {x}"
      );
    }
    let logic = "x => { cov_a1().f[4]++; cov_a1().s[14]++; return x > 1 ? (cov_a1().b[3][0]++, Math.sqrt(x)) : (cov_a1().b[3][1]++, (cov_a1().b[4][0]++, x) && (cov_a1().b[4][1]++, 3)) }";
    assert_eq!(call(logic, &[4.0]), 2.0);
    assert_eq!(call(logic, &[0.5]), 3.0);
    assert_eq!(call(logic, &[0.0]), 0.0);
    let arrow = "v => (cov_z9().s[1]++, v * 2)";
    assert_eq!(call(arrow, &[21.0]), 42.0);
    let nested = "function (x) { cov_q().f[2]++; function sq(a) { cov_q().f[3]++; cov_q().s[11]++; return a * a } cov_q().s[12]++; return sq(x) }";
    assert_eq!(call(nested, &[3.0]), 9.0);
  }

  /// Only that exact shape is dropped: near misses are still rejected.
  #[test]
  fn near_misses_are_still_rejected() {
    for src in [
      // Used for its value (last item of the comma expression, or an operand).
      "x => (x, cov_a().s[0]++)",
      "x => x + cov_a().s[0]++",
      // Prefix, decrement, other families, arguments, other names, non-integer index.
      "x => { ++cov_a().s[0]; return x }",
      "x => { cov_a().s[0]--; return x }",
      "x => { cov_a().t[0]++; return x }",
      "x => { cov_a().s[0][1]++; return x }",
      "x => { cov_a().b[0]++; return x }",
      "x => { cov_a(1).s[0]++; return x }",
      "x => { cover().s[0]++; return x }",
      "x => { cov_a().s[x]++; return x }",
      "x => { cov_a().s[0.5]++; return x }",
      // A `cov_…` the kernel declares itself is not istanbul's.
      "x => { function cov_a() { return 1 } cov_a().s[0]++; return x }",
    ] {
      // `rejection` panics unless the source is rejected as unsupported.
      let m = rejection(src);
      assert!(m.contains("(at 1:"), "{src}: {m}");
    }
  }
}
