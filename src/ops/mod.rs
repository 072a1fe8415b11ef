//! Built-in native operations.

pub mod hash;
mod hash_binding;
mod ping;
