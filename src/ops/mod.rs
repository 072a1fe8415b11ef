//! Built-in native operations.

pub mod hash;
pub mod ping;
