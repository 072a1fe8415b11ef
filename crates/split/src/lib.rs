//! napi-free core of napi-parallel: split.
