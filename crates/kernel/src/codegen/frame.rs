//! Stack frame bounds: the bytes a generated function's frame may take
//! ([`frame_bound`]), checked against the stack limit before each call.

use cranelift_codegen::ir::{Function, Inst};

/// A call site's frame check: the `iconst` to patch with the callee's frame
/// bound once every function is built, and the callee.
pub(super) type CallSite = (Inst, u32);

/// Bytes of stack every frame may use beyond what [`frame_bound`] counts:
/// return address, saved registers, alignment, the call's own bookkeeping.
const FRAME_FIXED: usize = 4096;

/// An upper bound of the stack frame Cranelift gives `func`: every value and
/// every instruction's temporaries may need a spill slot (16 bytes each is
/// generous for f64/i64/i8), outgoing stack arguments are values too, plus
/// the explicit stack slots (the `hypot` argument arrays).
pub fn frame_bound(func: &Function) -> usize {
  let slots: usize = func
    .sized_stack_slots
    .values()
    .map(|s| s.size as usize + 16)
    .sum();
  FRAME_FIXED + 16 * (func.dfg.num_values() + func.dfg.num_insts()) + slots
}

#[cfg(test)]
mod frame_tests {
  use std::sync::atomic::AtomicBool;

  use crate::cache::compile;
  use crate::codegen::Mode;
  use crate::error::KernelError;

  /// A function with `n` locals all live across a recursive call.
  fn many_locals(n: usize, recursive: bool) -> String {
    let decls: String = (0..n).map(|k| format!("let a{k} = n + {k}\n")).collect();
    let uses: String = (0..n).map(|k| format!("s += a{k}\n")).collect();
    let call = if recursive { "s += f(n + 1)\n" } else { "" };
    format!("function f(n) {{\n{decls}let s = 0\n{call}{uses}return s\n}}")
  }

  fn on_stack<T: Send + 'static>(size: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
      .stack_size(size)
      .spawn(f)
      .unwrap()
      .join()
      .unwrap()
  }

  #[test]
  fn oversized_frames_are_errors() {
    let no = AtomicBool::new(false);
    // Too many arguments or locals: rejected when compiling.
    let args = vec!["x"; 300_000].join(", ");
    let e = compile(
      &format!("x => Math.hypot({args})"),
      &[],
      Mode::Map { n_inputs: 1 },
    )
    .unwrap_err();
    assert!(e.to_string().contains("arguments"), "{e}");
    let e = compile(&many_locals(20_000, true), &[], Mode::call(1)).unwrap_err();
    assert!(e.to_string().contains("variables"), "{e}");
    // Big frames in a recursion: the check before each call sees the
    // callee's whole frame.
    let k = std::sync::Arc::new(compile(&many_locals(3000, true), &[], Mode::call(1)).unwrap());
    assert!(k.frame > 3000 * 8, "{}", k.frame);
    for size in [1 << 20, 8 << 20, 64 << 10] {
      let k = k.clone();
      let r = on_stack(size, move || {
        k.call(&[0.0], &[], &AtomicBool::new(false))
          .map_err(|e| e.to_string())
      });
      assert_eq!(r, Err(KernelError::StackOverflow.to_string()));
    }
    // The entry's own frame on a small stack: refused before it is entered…
    let k = std::sync::Arc::new(
      compile(&many_locals(3000, false), &[], Mode::Map { n_inputs: 1 }).unwrap(),
    );
    let small = k.clone();
    let r = on_stack(64 << 10, move || {
      let mut out = [0.0; 4];
      let input = [1.0; 4];
      small
        .run_chunk(&[&input], &[], 0, &mut out, &AtomicBool::new(false))
        .map_err(|e| e.to_string())
    });
    assert_eq!(r, Err(KernelError::StackOverflow.to_string()));
    // …while it runs where it fits, and small kernels run on small stacks.
    let mut out = [0.0; 2];
    k.run_chunk(&[&[1.0, 2.0]], &[], 0, &mut out, &no).unwrap();
    let expect = |n: f64| (0..3000).map(|k| n + k as f64).sum::<f64>();
    assert_eq!(out, [expect(1.0), expect(2.0)]);
    let k = compile("x => x * 2", &[], Mode::Map { n_inputs: 1 }).unwrap();
    let r = on_stack(64 << 10, move || {
      let mut out = [0.0; 2];
      k.run_chunk(&[&[1.0, 2.0]], &[], 0, &mut out, &AtomicBool::new(false))
        .map(|_| out)
        .map_err(|e| e.to_string())
    });
    assert_eq!(r, Ok([2.0, 4.0]));
  }
}

#[cfg(test)]
mod bound_tests {
  use super::*;

  #[test]
  fn an_empty_function_needs_the_fixed_part() {
    assert_eq!(frame_bound(&Function::new()), FRAME_FIXED);
  }
}
