//! The contract between the host and the generated code: how a kernel is
//! entered ([`Mode`]), the context it receives ([`Ctx`], with the field
//! offsets the generated code uses) and the [`status`] it returns.

use crate::ir::{BOOL, NUM, Ty, UNDEF};

/// How the kernel is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
  /// `parallelMap`: params are `(x0, …, x{n_inputs-1}, i)`.
  Map {
    /// Number of input arrays.
    n_inputs: usize,
  },
  /// `spawn`: one call with `n_args` arguments, each a number, a boolean
  /// or `undefined` as `kinds` says (an f64 payload each: a boolean is 0/1,
  /// `undefined` is NaN).
  Call {
    /// Number of arguments passed.
    n_args: usize,
    /// Each argument's kind.
    kinds: ArgKinds,
  },
  /// `parallelReduce` with a custom reducer: params are `(acc, x, i)` over
  /// one input array. The entry (`fn(ctx, start, end)`) folds elements
  /// `start..end` left to right from the accumulator in `ctx.result` and
  /// leaves the result there.
  Reduce,
}

impl Mode {
  /// Call mode with `n_args` numeric arguments.
  pub const fn call(n_args: usize) -> Self {
    Mode::Call {
      n_args,
      kinds: ArgKinds::NUMBERS,
    }
  }
}

/// The kinds of a call's arguments, part of the compile key (a kernel called
/// with `true` is compiled apart from one called with `1`). Bit `k` of
/// `bools` / `undefs` is argument `k`'s kind; the arguments past
/// [`ArgKinds::MAX_TAGGED`] are numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ArgKinds {
  bools: u64,
  undefs: u64,
}

impl ArgKinds {
  /// Every argument a number.
  pub const NUMBERS: Self = Self {
    bools: 0,
    undefs: 0,
  };
  /// How many leading arguments may be booleans or `undefined`.
  pub const MAX_TAGGED: usize = 64;

  /// The kinds of `kinds` ([`NUM`], [`BOOL`] or [`UNDEF`] each); `None` when
  /// an argument past [`ArgKinds::MAX_TAGGED`] is not a number (or a kind is
  /// not one of the three).
  pub fn from_kinds(kinds: &[Ty]) -> Option<Self> {
    let mut out = Self::NUMBERS;
    for (k, &t) in kinds.iter().enumerate() {
      match t {
        NUM => {}
        BOOL if k < Self::MAX_TAGGED => out.bools |= 1 << k,
        UNDEF if k < Self::MAX_TAGGED => out.undefs |= 1 << k,
        _ => return None,
      }
    }
    Some(out)
  }

  /// Argument `k`'s kind.
  pub fn kind(self, k: usize) -> Ty {
    if k >= Self::MAX_TAGGED {
      NUM
    } else if self.bools >> k & 1 == 1 {
      BOOL
    } else if self.undefs >> k & 1 == 1 {
      UNDEF
    } else {
      NUM
    }
  }
}

/// Status codes the generated code returns.
pub mod status {
  /// Finished.
  pub const OK: u32 = 0;
  /// Recursion hit the stack limit.
  pub const STACK_OVERFLOW: u32 = 1;
  /// The cancel flag was seen at a loop back-edge.
  pub const CANCELLED: u32 = 2;
}

/// The context every generated function receives (`repr(C)`; offsets are
/// used by the generated code).
#[repr(C)]
pub struct Ctx {
  /// 0: the cancel flag (an `AtomicBool`, read as an atomic u8).
  pub cancel: *const u8,
  /// 8: lowest stack address recursion may reach.
  pub stack_limit: usize,
  /// 16: the `params` constants.
  pub consts: *const f64,
  /// 24: map mode: the input arrays; call mode: the arguments.
  pub inputs: *const *const f64,
  /// 32: map mode: the output for elements `start..end` (index `i - start`).
  pub out: *mut f64,
  /// 40: status written by the generated code.
  pub status: u32,
  /// 44: call mode: the result's kind ([`crate::ir::NUM`], `BOOL` or `UNDEF`).
  pub result_kind: u32,
  /// 48: call mode: the result.
  pub result: f64,
  /// 56: call mode: the arguments.
  pub args: *const f64,
  /// 64: the `params` arrays, by slot (see [`super::array`]).
  pub arrays: *const super::array::ArrayRef<'static>,
}

pub(super) const OFF_CANCEL: i32 = 0;
pub(super) const OFF_STACK_LIMIT: i32 = 8;
pub(super) const OFF_CONSTS: i32 = 16;
pub(super) const OFF_INPUTS: i32 = 24;
pub(super) const OFF_OUT: i32 = 32;
pub(super) const OFF_STATUS: i32 = 40;
pub(super) const OFF_RESULT_KIND: i32 = 44;
pub(super) const OFF_RESULT: i32 = 48;
pub(super) const OFF_ARGS: i32 = 56;
pub(super) const OFF_ARRAYS: i32 = 64;

pub(super) type MapEntry = unsafe extern "C" fn(*mut Ctx, usize, usize) -> u32;
pub(super) type CallEntry = unsafe extern "C" fn(*mut Ctx) -> u32;

#[cfg(test)]
mod tests {
  use std::mem::{offset_of, size_of};

  use super::*;

  /// The generated code reads `Ctx` through these offsets.
  #[test]
  fn offsets_match_the_struct_layout() {
    assert_eq!(offset_of!(Ctx, cancel), OFF_CANCEL as usize);
    assert_eq!(offset_of!(Ctx, stack_limit), OFF_STACK_LIMIT as usize);
    assert_eq!(offset_of!(Ctx, consts), OFF_CONSTS as usize);
    assert_eq!(offset_of!(Ctx, inputs), OFF_INPUTS as usize);
    assert_eq!(offset_of!(Ctx, out), OFF_OUT as usize);
    assert_eq!(offset_of!(Ctx, status), OFF_STATUS as usize);
    assert_eq!(offset_of!(Ctx, result_kind), OFF_RESULT_KIND as usize);
    assert_eq!(offset_of!(Ctx, result), OFF_RESULT as usize);
    assert_eq!(offset_of!(Ctx, args), OFF_ARGS as usize);
    assert_eq!(offset_of!(Ctx, arrays), OFF_ARRAYS as usize);
    assert_eq!(size_of::<Ctx>(), 72);
  }

  #[test]
  fn arg_kinds_round_trip_and_bound_the_tagged_arguments() {
    let k = ArgKinds::from_kinds(&[NUM, BOOL, UNDEF, NUM]).unwrap();
    assert_eq!(
      (0..5).map(|i| k.kind(i)).collect::<Vec<_>>(),
      [NUM, BOOL, UNDEF, NUM, NUM]
    );
    assert_ne!(k, ArgKinds::NUMBERS);
    assert_eq!(ArgKinds::from_kinds(&[NUM; 100]), Some(ArgKinds::NUMBERS));
    let mut late = vec![NUM; 65];
    late[63] = BOOL;
    assert_eq!(ArgKinds::from_kinds(&late).map(|k| k.kind(63)), Some(BOOL));
    late[64] = BOOL;
    assert_eq!(ArgKinds::from_kinds(&late), None);
    assert_eq!(ArgKinds::from_kinds(&[BOOL | NUM]), None);
  }
}
