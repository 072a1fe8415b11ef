//! Built-in native operations.

pub mod hash;
pub mod hash_binding;
pub mod ping;
