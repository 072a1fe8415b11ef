//! napi-free core of napi-parallel: memo.
