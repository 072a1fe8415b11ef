//! Parses a kernel's source (`fn.toString()`) with oxc and hands the
//! function expression to [`crate::lower`].

use oxc_allocator::Allocator;
use oxc_parser::Parser;
use oxc_span::SourceType;

use crate::codegen::{ArgKinds, Mode, ParamKind};
use crate::error::KernelError;
use crate::ir::Program;

const METHOD_PREFIX: &str = "function ";

/// Parses `source` (an arrow function, a function expression or a method
/// `name(…) {…}`, as `Function.prototype.toString` gives them), checks it
/// against the subset and lowers it. `consts` are the `params` names. The
/// kernel may declare any number of parameters (see [`parse_kernel_for`]).
pub fn parse_kernel(source: &str, consts: &[String]) -> Result<Program, KernelError> {
  parse_kernel_with(source, consts, &[], None, None)
}

/// [`parse_kernel`] for a kernel entered in `mode`: in map mode, with
/// `n_inputs` input arrays, the kernel receives `(x0, …, i)`, so a
/// parameter past the index (always `undefined`) is an error naming it.
pub fn parse_kernel_for(
  source: &str,
  consts: &[String],
  mode: Mode,
) -> Result<Program, KernelError> {
  parse_kernel_params(source, consts, &[], mode)
}

/// [`parse_kernel_for`] with each param's kind (`kinds[k]` for `consts[k]`;
/// empty: all numbers): an array param is read as `name[j]` / `name.length`.
pub fn parse_kernel_params(
  source: &str,
  consts: &[String],
  kinds: &[ParamKind],
  mode: Mode,
) -> Result<Program, KernelError> {
  let (max_params, supplied) = match mode {
    Mode::Map { n_inputs } => (Some(n_inputs.saturating_add(1)), None),
    // `spawn(fn, args)` is a call: missing arguments are `undefined`, as in JS.
    Mode::Call { n_args, kinds } => (None, Some((n_args, kinds))),
    // `(acc, x, i)`: a parameter past them is `undefined`, as in a JS call.
    Mode::Reduce => (None, Some((3, ArgKinds::NUMBERS))),
  };
  parse_kernel_with(source, consts, kinds, max_params, supplied)
}

fn parse_kernel_with(
  source: &str,
  consts: &[String],
  kinds: &[ParamKind],
  max_params: Option<usize>,
  supplied: Option<(usize, ArgKinds)>,
) -> Result<Program, KernelError> {
  if source.trim().is_empty() {
    return Err(KernelError::unsupported(source, 0, "empty kernel source"));
  }
  // oxc's parser recurses on nesting and cannot be stopped: bound it first.
  crate::nesting::prescan(source)?;
  let allocator = Allocator::default();
  match Parser::new(&allocator, source, SourceType::cjs()).parse_expression() {
    Ok(expr) => crate::lower::lower_kernel_with(source, &expr, consts, kinds, max_params, supplied),
    Err(diagnostics) => {
      // A method (`m(x) { … }` from an object or class) reads as a function
      // expression once prefixed with `function `.
      if is_method(source) {
        let prefixed = format!("{METHOD_PREFIX}{source}");
        let allocator = Allocator::default();
        if let Ok(expr) = Parser::new(&allocator, &prefixed, SourceType::cjs()).parse_expression() {
          return crate::lower::lower_kernel_with(
            &prefixed, &expr, consts, kinds, max_params, supplied,
          )
          .map_err(|e| unprefix(e, source));
        }
      }
      let first = diagnostics.first();
      let offset = first
        .and_then(|d| d.labels.first())
        .map_or(0, |l| l.offset());
      let what = first.map_or_else(|| "syntax error".to_string(), |d| d.message.to_string());
      Err(KernelError::unsupported(
        source,
        offset,
        format!(
          "cannot parse the kernel: {what} (a kernel must be an arrow function, a function expression or a method; bound and native functions have no source)"
        ),
      ))
    }
  }
}

fn is_method(source: &str) -> bool {
  let s = source.trim_start();
  let name_len = s
    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
    .unwrap_or(s.len());
  name_len > 0
    && !matches!(
      &s[..name_len],
      "function" | "async" | "get" | "set" | "static"
    )
    && s[name_len..].trim_start().starts_with('(')
}

/// Maps an error position in the prefixed source back to the original.
fn unprefix(e: KernelError, source: &str) -> KernelError {
  match e {
    KernelError::Unsupported {
      message,
      line,
      column,
    } => {
      let column = if line == 1 {
        column.saturating_sub(METHOD_PREFIX.len() as u32).max(1)
      } else {
        column
      };
      let message = message.replace(
        &format!(
          "(at {line}:{})",
          if line == 1 {
            column + METHOD_PREFIX.len() as u32
          } else {
            column
          }
        ),
        &format!("(at {line}:{column})"),
      );
      let _ = source;
      KernelError::Unsupported {
        message,
        line,
        column,
      }
    }
    other => other,
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn methods_parse_and_positions_map_back() {
    assert!(parse_kernel("m(x) { return x * 2 }", &[]).is_ok());
    match parse_kernel("m(x) { return x * q }", &[]) {
      Err(KernelError::Unsupported {
        line,
        column,
        message,
      }) => {
        assert_eq!((line, column), (1, 19));
        assert!(message.contains("(at 1:19)"), "{message}");
      }
      other => panic!("{other:?}"),
    }
    assert!(matches!(
      parse_kernel("function () { [native code] }", &[]),
      Err(KernelError::Unsupported { .. })
    ));
  }
}
