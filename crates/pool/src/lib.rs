//! napi-free core of napi-parallel: the thread pool and what runs on it.
//!
//! - [`core`]: [`PoolCore`], a rayon pool fed through one lock-free queue,
//!   with metrics, a queue bound and a draining close.
//! - [`config`]: [`PoolConfig`] and its validation.
//! - [`default`]: the process-wide default pool.
//! - [`job`]: [`Job`], a closure stored inline when it is small.
//! - [`histogram`]: the lock-free duration histogram behind the metrics.
//! - [`blocking`]: blocking calls that the caller's environment can interrupt.
//! - [`registry`]: the slab of pending tasks, keyed by `(slot, id)`.
//! - [`deadline`]: task deadlines on one background timer thread.
//! - [`unwind`]: panics caught as values, and their messages.
//! - [`error`]: [`PoolError`], every way the above can fail.
//!
//! Nothing here names napi: the binding crate turns [`PoolError`] into its
//! JS error once (`From<PoolError> for NpError`).

pub mod blocking;
pub mod config;
pub mod core;
pub mod deadline;
pub mod default;
pub mod error;
pub mod histogram;
pub mod job;
pub mod registry;
pub mod unwind;

pub use crate::config::PoolConfig;
pub use crate::core::{Outcome, PoolCore, StatsSnapshot};
pub use crate::default::{configure_default, default_pool, run_blocking};
pub use crate::error::{ConfigProblem, PoolError};
pub use crate::job::Job;
pub use crate::registry::Registry;
