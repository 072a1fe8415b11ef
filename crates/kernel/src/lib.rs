//! napi-free core of napi-parallel: kernel.
