//! Fallible allocation for buffers whose size comes from the input.
//!
//! A failed `Vec` allocation aborts the process, so every buffer sized by
//! what JS passed in is reserved with `try_reserve_exact` first. A failure
//! becomes a `RangeError` with code `ERR_OUT_OF_MEMORY` that names the size
//! and what the memory was for.

use crate::error::NpError;

/// The `RangeError` for a failed allocation of `bytes` bytes for `what`
/// ([`NpError::out_of_memory`]).
pub fn out_of_memory(what: &str, bytes: usize) -> NpError {
  NpError::out_of_memory(what, bytes)
}

/// An empty vector with room for `n` items, or the `RangeError` naming the size.
pub fn try_vec<T>(n: usize, what: &str) -> Result<Vec<T>, NpError> {
  let mut v = Vec::new();
  try_room(&mut v, n, what)?;
  Ok(v)
}

/// Makes room for `extra` more items in `v`, or the `RangeError` naming the size.
pub fn try_room<T>(v: &mut Vec<T>, extra: usize, what: &str) -> Result<(), NpError> {
  v.try_reserve_exact(extra)
    .map_err(|_| out_of_memory(what, extra.saturating_mul(std::mem::size_of::<T>())))
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::error::codes;

  #[test]
  fn an_impossible_size_is_a_coded_range_error() {
    let e = try_vec::<u64>(usize::MAX / 4, "the test").unwrap_err();
    assert_eq!(e.code, codes::OUT_OF_MEMORY);
    assert!(e.message.contains("the test"), "{}", e.message);
    assert!(try_vec::<u8>(16, "x").unwrap().capacity() >= 16);
  }
}
