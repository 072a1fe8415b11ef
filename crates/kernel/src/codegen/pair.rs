//! Two elements at once for a kernel built around one loop (Mandelbrot's
//! escape count): the loop's iterations are a chain of dependent floating
//! point operations, so one element keeps the core waiting on latency while
//! its other pipes idle. The map entry runs elements `i` and `i + 1`
//! together: each has its own copy of the locals (a lane); one fused loop
//! runs an iteration of each lane that is still looping (`if (a1) { if
//! (test) body else a1 = false }`, the same for lane 2) until both have left,
//! so the out-of-order core overlaps the two chains. Each lane executes
//! exactly the operations of its own element, in the same order, so every
//! result is the same double; an odd last element takes the one-element code.
//!
//! A kernel qualifies ([`pair_shape`]) when its body is straight-line code
//! (assignments, expressions, `if`s of them), one `while`/`for` loop with a
//! straight-line body (no `break`, `continue` or `return` inside), more
//! straight-line code and a final `return value`; and the loop is not one
//! that is unrolled anyway.

use cranelift_codegen::ir::{InstBuilder, Value, types};
use cranelift_frontend::Variable;

use super::Gen;
use crate::error::KernelError;
use crate::ir::{Expr, Func, Stmt, TargetId};

/// Most IR statements a paired kernel may have (its code is emitted twice).
const MAX_PAIRED_STMTS: usize = 64;

/// The parts of a kernel that qualifies.
pub(super) struct PairShape<'f> {
  pre: &'f [Stmt],
  id: TargetId,
  test: &'f Expr,
  body: &'f [Stmt],
  update: Option<&'f Expr>,
  post: &'f [Stmt],
  result: &'f Expr,
}

/// Statements without jumps, loops or returns; counts them into `n`.
fn straight(list: &[Stmt], n: &mut usize) -> bool {
  list.iter().all(|s| {
    *n += 1;
    match s {
      Stmt::Expr(_) | Stmt::Set(..) => true,
      Stmt::If(_, a, b) => straight(a, n) && straight(b, n),
      _ => false,
    }
  })
}

/// The shape of `f` if it qualifies (see the module docs).
pub(super) fn pair_shape(f: &Func) -> Option<PairShape<'_>> {
  let (last, rest) = f.body.split_last()?;
  let Stmt::Return(Some(result)) = last else {
    return None;
  };
  let at = rest.iter().position(|s| matches!(s, Stmt::Loop { .. }))?;
  let (pre, tail) = rest.split_at(at);
  let (
    Stmt::Loop {
      id,
      test: Some(test),
      test_first: true,
      body,
      update,
    },
    post,
  ) = (&tail[0], &tail[1..])
  else {
    return None;
  };
  let mut n = 0;
  let ok = straight(pre, &mut n) && straight(body, &mut n) && straight(post, &mut n);
  (ok && n <= MAX_PAIRED_STMTS).then_some(PairShape {
    pre,
    id: *id,
    test,
    body,
    update: update.as_ref(),
    post,
    result,
  })
}

/// One lane's copy of the per-element state of the generator.
pub(super) struct Lane {
  vars: Vec<Variable>,
  tags: Vec<Option<Variable>>,
  index: Option<(u32, Value)>,
}

impl Gen<'_, '_> {
  /// Whether the map entry pairs elements for `f` (and the shape it has).
  /// `NAPI_PARALLEL_KERNEL_PAIR=0` turns pairing off (a diagnostic, to time
  /// code with and without it).
  pub(super) fn pairs<'f>(&self, f: &'f Func) -> Option<PairShape<'f>> {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *OFF.get_or_init(|| std::env::var("NAPI_PARALLEL_KERNEL_PAIR").as_deref() == Ok("0")) {
      return None;
    }
    pair_shape(f).filter(|s| !self.unrolls(s.id))
  }

  /// A second lane: fresh variables of the same types as the current ones.
  fn new_lane(&mut self) -> Lane {
    let vars = (0..self.vars.len() as u32)
      .map(|l| {
        let ty = if self.is_int_local(l) {
          types::I32
        } else {
          types::F64
        };
        self.b.declare_var(ty)
      })
      .collect();
    let tags = self
      .tags
      .clone()
      .iter()
      .map(|t| t.map(|_| self.b.declare_var(types::I8)))
      .collect();
    Lane {
      vars,
      tags,
      index: None,
    }
  }

  /// Makes `lane` the current one (and the current one `lane`).
  fn swap_lane(&mut self, lane: &mut Lane) {
    std::mem::swap(&mut self.vars, &mut lane.vars);
    std::mem::swap(&mut self.tags, &mut lane.tags);
    std::mem::swap(&mut self.index, &mut lane.index);
  }

  /// Runs `shape` for two elements: `bind(gen, lane)` binds lane 0's or 1's
  /// parameters. Leaves the builder after both results; returns them.
  pub(super) fn paired_body(
    &mut self,
    f: &Func,
    shape: &PairShape<'_>,
    bind: &mut dyn FnMut(&mut Self, usize),
  ) -> Result<(Value, Value), KernelError> {
    let mut other = self.new_lane();
    self.terminated = false;
    // Each lane: its parameters, its locals `undefined`, the code before the loop.
    for lane in 0..2 {
      if lane == 1 {
        self.swap_lane(&mut other);
      }
      bind(self, lane);
      self.init_locals(f.n_params as usize);
      self.stmts(shape.pre)?;
      if lane == 1 {
        self.swap_lane(&mut other);
      }
    }
    let active = [self.b.declare_var(types::I8), self.b.declare_var(types::I8)];
    let one = self.b.ins().iconst(types::I8, 1);
    for a in active {
      self.b.def_var(a, one);
    }
    let head = self.b.create_block();
    let latch = self.b.create_block();
    let post = self.b.create_block();
    self.b.ins().jump(head, &[]);
    self.b.switch_to_block(head);
    for (lane, a) in active.into_iter().enumerate() {
      let next = if lane == 0 {
        self.b.create_block()
      } else {
        latch
      };
      let test_b = self.b.create_block();
      let body_b = self.b.create_block();
      let off_b = self.b.create_block();
      // A lane that has left the loop skips it (out of the hot path too).
      let skip_b = self.b.create_block();
      let on = self.b.use_var(a);
      self.b.ins().brif(on, test_b, &[], skip_b, &[]);
      self.b.switch_to_block(skip_b);
      self.b.set_cold_block(skip_b);
      self.b.ins().jump(next, &[]);
      if lane == 1 {
        self.swap_lane(&mut other);
      }
      self.b.switch_to_block(test_b);
      self.branch(shape.test, body_b, off_b)?;
      // Leaving the loop happens once per element: out of the hot path, so
      // an iteration of both lanes runs through without a taken branch.
      self.b.set_cold_block(off_b);
      self.b.switch_to_block(off_b);
      let zero = self.b.ins().iconst(types::I8, 0);
      self.b.def_var(a, zero);
      self.b.ins().jump(next, &[]);
      self.continue_in(body_b);
      self.stmts(shape.body)?;
      if let Some(u) = shape.update {
        self.expr(u)?;
      }
      self.b.ins().jump(next, &[]);
      if lane == 1 {
        self.swap_lane(&mut other);
      }
      self.b.switch_to_block(next);
    }
    // The latch: a cancellation point (as the loop has), then go on while
    // either lane loops.
    if !self.short_loops.iter().any(|c| c.id == shape.id) {
      self.cancel_check();
    }
    let a0 = self.b.use_var(active[0]);
    let a1 = self.b.use_var(active[1]);
    let any = self.b.ins().bor(a0, a1);
    self.b.ins().brif(any, head, &[], post, &[]);
    self.b.switch_to_block(post);
    let mut results = [None, None];
    for (lane, r) in results.iter_mut().enumerate() {
      if lane == 1 {
        self.swap_lane(&mut other);
      }
      self.stmts(shape.post)?;
      *r = Some(self.expr(shape.result)?);
      if lane == 1 {
        self.swap_lane(&mut other);
      }
    }
    let [Some(r0), Some(r1)] = results else {
      return Err(KernelError::Internal(
        "paired kernel without results".into(),
      ));
    };
    Ok((r0, r1))
  }
}

#[cfg(test)]
mod tests {
  use std::sync::atomic::AtomicBool;

  use crate::cache::compile;
  use crate::codegen::Mode;
  use crate::testing::{assert_same, lower};

  /// Which kernels pair: one loop with straight code around it.
  #[test]
  fn kernels_of_one_loop_pair() {
    let pairs = |src: &str| super::pair_shape(&lower(src).unwrap().funcs[0]).is_some();
    assert!(pairs(
      "(x, i) => { let n = 0, z = x; while (n < 50 && z < 1e6) { z = z * z + 0.5; n++ } return n }"
    ));
    assert!(pairs(
      "(x) => { let s = 0; for (let k = 0; k < x; k++) { if (k % 2) s += k; else s -= 1 } return s }"
    ));
    // No loop, two loops, a break, a return inside: no.
    assert!(!pairs("x => x * 2"));
    assert!(!pairs(
      "x => { let s = 0; while (s < x) s++; while (s > 0) s -= 2; return s }"
    ));
    assert!(!pairs(
      "x => { let s = 0; while (s < x) { if (s > 5) break; s++ } return s }"
    ));
    assert!(!pairs(
      "x => { let s = 0; while (s < x) { if (s > 5) return 1; s++ } return s }"
    ));
    assert!(!pairs("x => { let s = 0; while (s < x) s++ }"));
  }

  /// Paired elements give the one-element results bit for bit: lanes that
  /// leave the loop at different iterations, odd lengths, chunks that start
  /// at an odd index, booleans and `undefined` in the lanes' locals.
  #[test]
  fn paired_elements_equal_single_calls() {
    let kernels = [
      "(x, i) => { const c = x * 0.37 - 1; let z = 0, n = 0; while (n < 60 && z * z <= 4) { z = z * z + c; n++ } return n + z * 1e-3 }",
      "(x, i) => { let s = 0; for (let k = 0; k < (i % 7); k++) { s += Math.sqrt(k + x) } return s }",
      "(x, i) => { let b = x > 0, u; let k = 0; while (k < 3) { u = b ? k : u; k++ } return u ?? -1 }",
      "(x, y, i) => { let n = 0; while (n < y && n < 40) { n += x > 0 ? 1 : 2 } return n * 10 + i }",
    ];
    let no = AtomicBool::new(false);
    let xs: Vec<f64> = (0..37).map(|k| (k as f64 * 0.61).sin() * 3.0).collect();
    let ys: Vec<f64> = (0..37).map(|k| (k % 9) as f64).collect();
    for src in kernels {
      let n_inputs = if src.starts_with("(x, y, i)") { 2 } else { 1 };
      let map = compile(src, &[], Mode::Map { n_inputs }).unwrap();
      let call = compile(src, &[], Mode::call(n_inputs + 1)).unwrap();
      let inputs: Vec<&[f64]> = if n_inputs == 2 {
        vec![&xs[..], &ys[..]]
      } else {
        vec![&xs[..]]
      };
      let want: Vec<f64> = (0..xs.len())
        .map(|i| {
          let mut args: Vec<f64> = inputs.iter().map(|c| c[i]).collect();
          args.push(i as f64);
          call.call(&args, &[], &no).unwrap()
        })
        .collect();
      for start in [0, 1, 2, 5] {
        for len in [0, 1, 2, 3, 10, 31] {
          let len = len.min(xs.len() - start);
          let mut out = vec![0.0; len];
          map.run_chunk(&inputs, &[], start, &mut out, &no).unwrap();
          assert_same(src, &out, &want[start..start + len]);
        }
      }
    }
  }

  /// The fused loop keeps the loop's cancellation point.
  #[test]
  fn a_paired_endless_loop_is_cancelled() {
    let k = compile(
      "(x, i) => { let n = 0; while (x >= 0) { n++ } return n }",
      &[],
      Mode::Map { n_inputs: 1 },
    )
    .unwrap();
    let cancel = AtomicBool::new(true);
    let mut out = [0.0; 4];
    assert_eq!(
      k.run_chunk(&[&[1.0, 2.0, -1.0, 3.0]], &[], 0, &mut out, &cancel),
      Err(crate::KernelError::Cancelled)
    );
  }
}
