//! Errors of the kernel compiler and runner (napi-free; the binding maps them
//! to JS errors).

use std::fmt;

/// What went wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum KernelError {
  /// The function is outside the numeric subset. `line`/`column` are 1-based
  /// positions within the function source.
  Unsupported {
    /// The message, naming the construct.
    message: String,
    /// 1-based line within the function source.
    line: u32,
    /// 1-based column (in UTF-16 code units, like a JS editor) within that line.
    column: u32,
  },
  /// Recursion went deeper than the thread's stack allows.
  StackOverflow,
  /// The cancel flag was set while the kernel ran.
  Cancelled,
  /// A buffer sized by the input could not be allocated.
  OutOfMemory {
    /// The size of the allocation that failed, in bytes.
    bytes: usize,
  },
  /// The code generator failed (a bug: report it).
  Internal(String),
}

impl KernelError {
  /// An `Unsupported` error at byte `offset` of `source`.
  pub fn unsupported(source: &str, offset: u32, message: impl Into<String>) -> Self {
    let (line, column) = line_column(source, offset as usize);
    let message = message.into();
    KernelError::Unsupported {
      message: format!("{message} (at {line}:{column})"),
      line,
      column,
    }
  }
}

/// 1-based line and column of byte `offset` in `source`; the column counts
/// UTF-16 code units, as JS strings do.
pub fn line_column(source: &str, offset: usize) -> (u32, u32) {
  let offset = offset.min(source.len());
  let before = source.get(..offset).unwrap_or(source);
  let line = before.matches('\n').count() as u32 + 1;
  let line_start = before.rfind('\n').map_or(0, |p| p + 1);
  let column = before[line_start..].encode_utf16().count() as u32 + 1;
  (line, column)
}

impl fmt::Display for KernelError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      KernelError::Unsupported { message, .. } => write!(f, "unsupported kernel: {message}"),
      KernelError::StackOverflow => write!(f, "Maximum call stack size exceeded in kernel"),
      KernelError::Cancelled => write!(f, "kernel cancelled"),
      KernelError::OutOfMemory { bytes } => write!(f, "cannot allocate {bytes} bytes"),
      KernelError::Internal(m) => write!(f, "kernel compiler internal error: {m}"),
    }
  }
}

impl std::error::Error for KernelError {}

/// A vector of `n` default values, or [`KernelError::OutOfMemory`] when the
/// allocation fails (never an abort).
pub fn try_filled<T: Clone + Default>(n: usize) -> Result<Vec<T>, KernelError> {
  let bytes = n.saturating_mul(std::mem::size_of::<T>());
  let mut v = Vec::new();
  v.try_reserve_exact(n)
    .map_err(|_| KernelError::OutOfMemory { bytes })?;
  v.resize(n, T::default());
  Ok(v)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn positions_are_one_based() {
    let src = "x => {\n  let y = 1\n  return z\n}";
    assert_eq!(line_column(src, 0), (1, 1));
    let z = src.find('z').unwrap();
    assert_eq!(line_column(src, z), (3, 10));
    assert_eq!(line_column("é + q", 4), (1, 4));
  }
}
