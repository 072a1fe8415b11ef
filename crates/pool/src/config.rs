//! How a pool is built, and the checks on it.

use crate::error::{ConfigProblem, PoolError};

/// How a pool is built.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolConfig {
  /// Worker threads; `None` is the number of CPUs (or `NAPI_PARALLEL_THREADS`).
  pub threads: Option<usize>,
  /// Stack size of each worker, in bytes.
  pub stack_size: Option<usize>,
  /// Prefix of the worker threads' names.
  pub thread_name: Option<String>,
  /// Most jobs waiting in the queue; further submissions fail with [`PoolError::QueueFull`].
  pub max_queue: Option<usize>,
}

/// The variable that sets the default thread count.
pub const THREADS_VAR: &str = "NAPI_PARALLEL_THREADS";

/// Threads for a pool: `config.threads`, else `NAPI_PARALLEL_THREADS`, else CPUs.
pub fn resolve_threads(config: &PoolConfig) -> Result<usize, PoolError> {
  let env = std::env::var(THREADS_VAR).ok();
  threads_from(config, env.as_deref())
}

/// [`resolve_threads`] with the variable's value passed in (`None`: unset),
/// so that tests need not mutate the process environment.
fn threads_from(config: &PoolConfig, env: Option<&str>) -> Result<usize, PoolError> {
  if let Some(n) = config.threads {
    return Ok(n);
  }
  if let Some(v) = env {
    return match v.trim().parse::<usize>() {
      Ok(n) if (1..=1024).contains(&n) => Ok(n),
      _ => Err(PoolError::InvalidConfig {
        option: THREADS_VAR,
        problem: ConfigProblem::ThreadCount {
          received: v.to_string(),
        },
      }),
    };
  }
  Ok(std::thread::available_parallelism().map_or(2, |n| n.get()))
}

/// Checks what `resolve_threads` does not: a thread name must be a valid
/// OS thread name (no NUL byte; std panics on one when spawning). Returns
/// the thread count.
pub fn validate_config(config: &PoolConfig) -> Result<usize, PoolError> {
  if let Some(name) = &config.thread_name
    && name.contains('\0')
  {
    return Err(PoolError::InvalidConfig {
      option: "options.threadName",
      problem: ConfigProblem::NulByte,
    });
  }
  resolve_threads(config)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn a_nul_in_the_thread_name_is_refused() {
    let cfg = PoolConfig {
      threads: Some(1),
      thread_name: Some("a\0b".into()),
      ..Default::default()
    };
    assert_eq!(
      validate_config(&cfg).unwrap_err(),
      PoolError::InvalidConfig {
        option: "options.threadName",
        problem: ConfigProblem::NulByte
      }
    );
  }

  #[test]
  fn env_var_is_validated() {
    let unset = PoolConfig::default();
    assert_eq!(threads_from(&unset, Some("3")).unwrap(), 3);
    assert_eq!(threads_from(&unset, Some(" 1024 ")).unwrap(), 1024);
    for bad in ["0", "1025", "-1", "two", "", "1.5"] {
      let e = threads_from(&unset, Some(bad)).unwrap_err();
      assert_eq!(
        e,
        PoolError::InvalidConfig {
          option: THREADS_VAR,
          problem: ConfigProblem::ThreadCount {
            received: bad.to_string()
          }
        },
        "{bad:?}"
      );
      let text = e.to_string();
      assert!(text.contains("NAPI_PARALLEL_THREADS"), "{text}");
      assert!(text.contains(&format!("Received '{bad}'")), "{text}");
    }
    // An explicit `threads` wins over the variable, even a bad one.
    let three = PoolConfig {
      threads: Some(3),
      ..Default::default()
    };
    assert_eq!(threads_from(&three, Some("two")).unwrap(), 3);
    // Unset: the number of CPUs.
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    assert_eq!(threads_from(&unset, None).unwrap(), cpus);
  }
}
