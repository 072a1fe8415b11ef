//! Every way the pool can fail, as one enum.
//!
//! The binding crate converts a [`PoolError`] into its JS error once
//! (`From<PoolError> for NpError`, which picks the Node-style `code`); the
//! [`Display`](fmt::Display) text is the message JS sees for the variants
//! that are plain `Error`s.

use std::fmt;

/// Why a pool operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolError {
  /// The pool was closed (`ERR_POOL_CLOSED`).
  Closed,
  /// The queue holds `max` jobs already (`ERR_QUEUE_FULL`).
  QueueFull {
    /// The pool's `maxQueue`.
    max: usize,
  },
  /// `configure()` after the default pool started (`ERR_POOL_ALREADY_STARTED`).
  AlreadyStarted,
  /// A config value is unacceptable (`option` names it as JS spells it).
  InvalidConfig {
    /// The option or variable, e.g. `options.threadName`.
    option: &'static str,
    /// What is wrong with it.
    problem: ConfigProblem,
  },
  /// The threads could not be started (the OS's reason).
  Start(String),
  /// The deadline timer thread could not be started (the reason).
  Timer(String),
  /// A job panicked (the panic's message).
  Panic(String),
  /// A blocking call gave up: its environment is shutting down.
  EnvTerminated,
}

/// What is wrong with a config value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigProblem {
  /// A name holds a NUL byte (not a valid OS thread name).
  NulByte,
  /// `NAPI_PARALLEL_THREADS` is not an integer from 1 to 1024 (its text).
  ThreadCount {
    /// The value as set.
    received: String,
  },
}

impl fmt::Display for ConfigProblem {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      Self::NulByte => f.write_str("must not contain null bytes"),
      Self::ThreadCount { received } => {
        write!(
          f,
          "must be an integer from 1 to 1024. Received '{received}'"
        )
      }
    }
  }
}

impl fmt::Display for PoolError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      Self::Closed => f.write_str("The pool is closed."),
      Self::QueueFull { max } => write!(f, "The pool's queue is full (maxQueue = {max})."),
      Self::AlreadyStarted => {
        f.write_str("configure() must be called before the default pool is first used.")
      }
      Self::InvalidConfig { option, problem } => write!(f, "{option} {problem}"),
      Self::Start(reason) => write!(f, "Could not start the thread pool: {reason}"),
      Self::Timer(reason) => write!(f, "napi-parallel: {reason}"),
      Self::Panic(message) => write!(f, "A napi-parallel job panicked: {message}"),
      Self::EnvTerminated => {
        f.write_str("The call was cancelled: its environment is shutting down.")
      }
    }
  }
}

impl std::error::Error for PoolError {}
