//! napi-free core of napi-parallel: memo, a concurrent byte cache shared by
//! every thread of the process.
//!
//! Keys and values are opaque byte strings (the binding encodes JS values, see
//! [`format`]). Storage is a sharded [`quick_cache`] (CLOCK-PRO-style
//! hot/cold/ghost admission: frequency-aware and scan-resistant), bounded by
//! entries and/or bytes ([`limits`]). TTL is enforced on read and reclaimed by
//! an amortised sweep plus one process-wide reaper thread ([`ttl`]). Named
//! caches live in a process-wide [`registry`].
#![deny(clippy::all)]
#![deny(missing_docs)]

pub mod cache;
pub mod clock;
pub mod format;
pub mod jsmem;
pub mod limits;
pub mod near;
pub mod registry;
pub mod stats;
pub mod ttl;

pub use cache::{Entry, MemoCore};
pub use limits::{ConfigError, Limits};
pub use stats::Stats;
