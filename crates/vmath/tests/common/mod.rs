//! Helpers shared by the vmath test binaries (`#[macro_use] mod common;`).

/// Bit-for-bit equality, every NaN equal to every NaN.
pub fn bits_eq(a: f64, b: f64) -> bool {
  a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Asserts `$got` is bit-identical to `$want` (NaNs equal), naming the expression.
macro_rules! assert_bits {
  ($got:expr, $want:expr) => {{
    let (g, w): (f64, f64) = ($got, $want);
    assert!(
      crate::common::bits_eq(g, w),
      "{} = {g:?}, want {w:?}",
      stringify!($got)
    );
  }};
}
