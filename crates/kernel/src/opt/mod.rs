//! Analyses over the IR that let code generation pick cheaper code without
//! changing any result. Each is a pure function of a [`crate::ir::Func`].
//!
//! - [`int32`]: which expressions are int32 (or uint32) valued, which locals
//!   provably hold an int32 at every read, and which expressions can be
//!   converted by ToInt32 with wrapping 32-bit arithmetic.
//! - [`carry`] (a rewrite, run after inference): products of locals that a
//!   loop's test computes, kept in a local the loop body reads.

pub mod carry;
pub mod int32;
