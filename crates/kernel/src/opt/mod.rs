//! Analyses over the IR that let code generation pick cheaper code without
//! changing any result. Each is a pure function of a [`crate::ir::Func`].
//!
//! - [`int32`]: which expressions are int32 (or uint32) valued, which locals
//!   provably hold an int32 at every read, and which expressions can be
//!   converted by ToInt32 with wrapping 32-bit arithmetic.

pub mod int32;
