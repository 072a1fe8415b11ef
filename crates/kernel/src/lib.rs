//! napi-free core of napi-parallel: JS numeric kernels compiled to native
//! code with Cranelift, and the chunked parallel runner behind
//! `parallelMap` and `spawn`.
//!
//! Pipeline: [`parse`] (oxc) → [`lower`] (the subset, line:column errors,
//! type inference, lowering) → [`ir`] → [`codegen`] (Cranelift JIT) →
//! [`map`] (chunks on the rayon pool). [`cache`] keeps compiled kernels by
//! source text, `params` names and entry mode.
//!
//! # Layout
//! Both compiler passes are split by construct, one file per job:
//! - `lower/`: `mod` (the driver and the lowerer's state), `infer` (static
//!   types to a fixed point on the IR), `captures` (enclosing variables as
//!   hidden arguments), `hoist` (`var`), `globals` (`Math.*` / `Number.*`),
//!   `func` (the kernel and nested functions), `scope` (bindings and
//!   locals), `stmt`, `expr`, `call` (calls and member access).
//! - `codegen/`: `mod` (the driver and the generator's state), `abi` (entry
//!   modes, `Ctx`, statuses), `kernel` (the compiled [`Kernel`] and its
//!   entry calls), `frame` (frame bounds), `function` (a nested function,
//!   prologue, constant hoisting), `entry` (the element loop / one call),
//!   `stmt`, `expr`, `int32` (ToInt32 / ToUint32), `intrinsics` (`Math.*`,
//!   inline or vmath), `call` (calls to nested functions), `value`
//!   (payloads and tags).
//!
//! [`check`] is the former name of [`lower`], kept as an alias.
//!
//! # The subset
//! Numbers, booleans and `undefined`; `+ - * / % **`, unary `- + ! ~ void`,
//! comparisons, `== != === !==` (also with `undefined` and `null`),
//! `&& || ??` (yielding an operand), `?:`, `,`, bitwise operators with
//! ToInt32/ToUint32, assignments (`=`, compound, `&&= ||= ??=`, `++`/`--`);
//! `let`/`const`/`var` (hoisted), `if`, `for`, `while`, `do`, labeled
//! `break`/`continue`, `return`; every `Math.*` function and constant,
//! `Number.isNaN/isFinite/isInteger/isSafeInteger`, the `Number` constants,
//! global `isNaN`/`isFinite`, `Infinity`, `NaN`; nested function
//! declarations (hoisted, recursion included) that may read (not assign)
//! the variables of enclosing functions; `params` names read as constants,
//! and `params` arrays read-only by index (`a[j]`, `a.length`; `lower/array`,
//! `codegen/array`). Arrow functions, function expressions and methods are
//! accepted. Anything else is [`KernelError::Unsupported`] with the construct
//! and its line:column.
//!
//! # Values
//! Exact for number | boolean | `undefined` (see [`ir`]): each value has an
//! f64 payload, `ToNumber` of it, and static types inferred to a fixed point
//! decide `===`, `==`, `??` and `Number.is*` at compile time; a value whose
//! type mixes kinds carries a one-byte tag. A kernel over numbers only has
//! no tags. Call mode returns the JS value ([`Kernel::call_value`]); a
//! map-mode output element holds `ToNumber` of the result.
//!
//! # Exactness
//! Doubles throughout (NaN, -0), no FMA contraction or reassociation.
//! `Math.*` transcendentals, `**`/`pow`, `%` (general divisor), `hypot`
//! call `napi-parallel-vmath` (V8's fdlibm, bit-exact). ToInt32, `round`,
//! `sign`, `max`/`min`, `fround`, `imul`, `clz32`, `%` by a constant power
//! of two are inlined with the exact JS rules.
//!
//! # Safety nets
//! Recursion is bounded by a software stack check (an error, never a
//! crash); cancellation is an atomic load at loop back-edges (the host also
//! checks between chunks); compilation runs on a big-stack helper thread and
//! every recursive pass shares one nesting budget ([`nesting`]). Each compiled module is freed when its last
//! `Arc<Kernel>` is dropped.
#![deny(clippy::all)]

pub mod cache;
pub mod codegen;
pub mod error;
pub mod ir;
pub mod lower;
pub mod map;
pub mod mathlib;
pub mod nesting;
pub mod opt;
pub mod parse;
pub mod reduce;
mod stack;
#[cfg(test)]
mod testing;

pub use cache::{KernelCache, compile_cached, compile_cached_with};
pub use codegen::{ArrayRef, ElemKind, Kernel, Mode, ParamKind};
pub use error::KernelError;
pub use ir::JsValue as KernelValue;
pub use map::{
  OutSlice, Output, OutputType, call, call_value, call_value_with, call_with, run_map,
  run_map_into, run_map_into_counted, run_map_with,
};
pub use reduce::{DEFAULT_LEAF, run_reduce};
