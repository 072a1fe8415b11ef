//! Panics as values, in one place (as rayon's `unwind` module).
//!
//! Every boundary where a panic must not escape (a pool job, a drainer, a
//! blocking call, a napi callback) goes through [`halt_unwinding`] or
//! [`catch_panic`]; [`panic_message`] is the one reader of a payload.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::PoolError;

/// Runs `f`, returning its panic payload instead of unwinding past the caller.
///
/// `f` is asserted unwind-safe: every caller discards or reports the state a
/// panicking job leaves behind, never reuses it.
#[inline]
pub fn halt_unwinding<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
  catch_unwind(AssertUnwindSafe(f))
}

/// Runs `f`; a panic becomes [`PoolError::Panic`] with its message.
#[inline]
pub fn catch_panic<R>(f: impl FnOnce() -> R) -> Result<R, PoolError> {
  halt_unwinding(f).map_err(|payload| PoolError::Panic(panic_message(&*payload)))
}

/// The text of a panic payload (`panic!("...")` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
  if let Some(s) = payload.downcast_ref::<&str>() {
    (*s).to_string()
  } else if let Some(s) = payload.downcast_ref::<String>() {
    s.clone()
  } else {
    "unknown panic payload".to_string()
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn messages_of_str_string_and_other_payloads() {
    let e = catch_panic(|| panic!("plain")).unwrap_err();
    assert_eq!(e, PoolError::Panic("plain".into()));
    let n = 7;
    let e = catch_panic(|| panic!("formatted {n}")).unwrap_err();
    assert_eq!(e, PoolError::Panic("formatted 7".into()));
    let payload = halt_unwinding(|| std::panic::panic_any(42u8)).unwrap_err();
    assert_eq!(panic_message(&*payload), "unknown panic payload");
    assert_eq!(catch_panic(|| 5).unwrap(), 5);
  }
}
