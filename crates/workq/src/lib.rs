//! napi-free core of the worker engine: batches of tasks queued for a set
//! of JS worker threads.
//!
//! - [`batch`]: [`Batch`], one serialized payload and its entries, with the
//!   per-entry bookkeeping (begun by which worker, reported once).
//! - [`queue`]: [`WorkQueue`], the shared queue plus one private queue per
//!   worker, the batches each worker holds, the queue bound, close, and
//!   abandon (a worker that died hands its batches back).
//! - [`stats`]: counters, wait/run histograms and per-worker busy time.
//! - [`fntable`]: [`FnTable`], the engine's functions by id (defined once,
//!   fetched by each worker once), bounded.
//!
//! The per-task state (status, Promise slot) is the binding's: entries carry
//! an opaque `T`, and the binding decides what a begin/finish/abandon means
//! for each task. Everything here is `Send + Sync`: workers in other JS
//! environments (other isolates, other threads) take and report batches.

pub mod batch;
pub mod fntable;
pub mod queue;
pub mod stats;

pub use batch::{Batch, Entry, NO_WORKER};
pub use fntable::FnTable;
pub use queue::{Abandoned, SubmitError, WorkQueue};
pub use stats::{EngineStats, TaskEnd, WorkerStats};
