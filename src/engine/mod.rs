//! The worker engine's native side: a queue of serialized task batches that
//! JS worker threads (other environments, other isolates) take from, and
//! whose results come back through the submitting environment's bridge.
//!
//! - [`table`]: engines by id (process-wide, lock-free to read), batch tokens.
//! - [`entry`]: a batch entry's hold on its task.
//! - [`submit`]: the submitter's side: `engineCreate`, `engineClose`,
//!   `engineRegister`, `engineSubmit`, `engineQueued`, `engineBacklog`, `engineStats`.
//! - [`work`]: the worker's side: `engineTake`, `engineBegin`,
//!   `engineFinish`, and `engineAbandon` (a worker exited).
//! - [`release`]: detaching serialized buffers once copied or decoded
//!   (`engineRelease`), so they do not pile up as external memory.
//! - [`functions`]: the engine's function table: `engineDefine` (the
//!   submitter, once per function), `engineFunction` (a worker, once per id).
//!
//! The queue itself is the napi-free `napi-parallel-workq` crate. Task
//! registration, status, deadlines and settling are `crate::task`'s: an
//! engine task is registered exactly like a pool task but no job is queued.
//! Workers never park in native code: `engineTake` returns at once, and JS
//! waits with `Atomics.wait`, which `worker.terminate()` interrupts.

pub mod entry;
pub mod functions;
pub mod release;
pub mod submit;
pub mod table;
pub mod work;

use napi::Env;
use napi::bindgen_prelude::Unknown;

use crate::error::NpError;

/// An integer argument within `lo..=hi` (coded TypeError/RangeError naming it).
pub(crate) fn int_arg(
  env: &Env,
  value: &Unknown<'_>,
  name: &str,
  lo: f64,
  hi: f64,
) -> napi::Result<f64> {
  crate::args::number_arg(env, value, name)
    .and_then(|v| crate::args::integer_in(name, v, lo, hi))
    .map_err(|e: NpError| e.throw(env))
}

/// The engine `id`, or a RangeError naming `engine`.
pub(crate) fn engine_arg(env: &Env, value: &Unknown<'_>) -> napi::Result<&'static table::Engine> {
  let id = int_arg(env, value, "engine", 1.0, table::MAX_ENGINES as f64)?;
  table::get(id as u32).map(|e| &**e).ok_or_else(|| {
    NpError::out_of_range(
      "engine",
      &format!("must be an engine id from engineCreate. Received {id}"),
    )
    .throw(env)
  })
}
