//! napi-free core of napi-parallel's reductions (`parallelReduce`).
//!
//! - [`exact`]: [`ExactSum`], a superaccumulator (Radford Neal's "small"
//!   accumulator): the exact sum of any number of doubles, correctly rounded
//!   once at the end, so it is independent of order and partial sums of
//!   chunks combine exactly.
//! - [`tree`]: the fixed chunk tree: leaves of a fixed number of elements
//!   (never derived from the thread count), folded in parallel, their
//!   results handed back in index order for a left-to-right combine. That is
//!   what makes every reduction deterministic for any pool and schedule.
//! - [`builtin`]: the built-in ops (`sum`, `min`, `max`, `count`, `mean`,
//!   `minIndex`, `maxIndex`) over that tree, each with its exact JS reference.
#![deny(clippy::all)]

pub mod builtin;
pub mod exact;
pub mod tree;

pub use builtin::{Op, reduce_builtin};
pub use exact::ExactSum;
pub use tree::{OutOfMemory, leaf_results, leaves};

/// Why a reduction stopped without a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReduceError {
  /// The cancel flag was set.
  Cancelled,
  /// A buffer sized by the input could not be allocated.
  OutOfMemory(OutOfMemory),
}

impl From<OutOfMemory> for ReduceError {
  fn from(e: OutOfMemory) -> Self {
    ReduceError::OutOfMemory(e)
  }
}
