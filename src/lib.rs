//! napi-parallel: real multi-core compute for Node.js.
//!
//! Module wiring only. The foundation: [`pool`] (the JS surface of the
//! napi-free `napi-parallel-pool` crate), [`bridge`]
//! (batched completions), [`task`] (pending Promises, cancel, deadlines),
//! [`error`] (JS errors with codes). Capabilities: [`ops`] (built-in ops),
//! [`map`] (`parallelMap`, `spawn`), [`split`] (the string splitter),
//! [`memo`] (the process-wide cache). Each binding module is thin; the
//! engines live in napi-free crates under `crates/`.
#![deny(clippy::all)]

pub mod alloc;
pub mod args;
mod bridge;
pub mod engine;
pub mod error;
pub mod exactness;
pub mod hugepages;
pub mod inspect;
pub mod map;
pub mod map_io;
pub mod memo;
pub mod ops;
pub mod params;
pub mod pool;
pub mod reduce;
pub mod scratch;
pub mod shared;
pub mod split;
pub mod task;
pub mod typed;

use napi::bindgen_prelude::Object;

/// mimalloc for the addon's own allocations: tasks allocate on the JS thread
/// and free on pool threads (and back), which glibc's malloc handles poorly
/// (measured: ~12% of per-task time in malloc/free and consolidation).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use napi::{Env, Result};

/// Runs once per environment (the main thread and each worker_thread):
/// creates that environment's completion bridge and task registry.
#[napi_derive::napi(module_exports)]
pub fn init(exports: Object, env: Env) -> Result<()> {
  // Warm the kernel compiler in the background (first compile: ms → µs).
  napi_parallel_kernel::cache::prewarm();
  task::init_env(&env, pool::pool_of)?;
  ops::ping::install_raw_exports(&env, &exports)
}

/// Tests that span several capabilities live here, at the root, so that no
/// module depends on its siblings, not even in its tests.
#[cfg(test)]
mod tests {
  use crate::args::ReadOptions;
  use crate::{map, memo, pool, reduce, split};

  /// napi names a field in binding.d.ts by camel-casing it; the reader must
  /// read that key.
  #[test]
  fn option_keys_are_the_camel_case_names() {
    fn camel(snake: &str) -> String {
      let mut out = String::new();
      let mut up = false;
      for c in snake.chars() {
        if c == '_' {
          up = true;
        } else if up {
          out.extend(c.to_uppercase());
          up = false;
        } else {
          out.push(c);
        }
      }
      out
    }
    let all: &[&[(&str, &str)]] = &[
      split::NativeSplitOptions::FIELDS,
      split::ChunkOptions::FIELDS,
      map::MapOptions::FIELDS,
      map::SpawnOptions::FIELDS,
      reduce::ReduceOptions::FIELDS,
      memo::MemoOptions::FIELDS,
      pool::PoolOptions::FIELDS,
    ];
    for fields in all {
      assert!(!fields.is_empty());
      for (field, key) in *fields {
        assert_eq!(camel(field), *key);
      }
    }
  }
}
