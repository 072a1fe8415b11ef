//! napi-free core of napi-parallel's string splitter.
//!
//! The input is a [`Haystack`]: raw bytes (a Buffer) or UTF-16 code units
//! (a JS string, matched unit by unit exactly like `String.prototype.split`).
//! Work is split into chunks ([`chunk`]) that rayon threads claim one at a
//! time. Each chunk reports the matches that *start* inside it, scanning up
//! to `maxDelimiterLen - 1` bytes past its end; a sequential merge
//! ([`scan`]) then restores the non-overlapping leftmost-first order across
//! chunk boundaries. [`pieces`] turns matches into `[start, end]` pairs
//! (with `trim`, `skipEmpty` and `limit`), [`lines`] counts lines, and
//! [`copy`] copies an async scan's input on every thread.
#![deny(clippy::all)]
#![deny(missing_docs)]

pub mod chunk;
pub mod copy;
pub mod haystack;
pub mod lines;
pub mod matcher;
pub mod pieces;
pub mod scan;
pub mod trim;

pub use haystack::{Haystack, Unit};
pub use lines::count_lines;
pub use matcher::{Match, Matcher, PatternError};
pub use pieces::{Offset, SplitOptions, split_offsets};
pub use scan::{find_all, find_matches};

/// Chunks smaller than this are not split further (one thread scans them).
pub const DEFAULT_CHUNK_SIZE: usize = 1 << 20;

/// The smallest chunk size accepted (tests use it to hit boundaries often).
pub const MIN_CHUNK_SIZE: usize = 16;
