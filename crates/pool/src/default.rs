//! The process-wide default pool, created on first use.

use std::sync::{Arc, Mutex, OnceLock};

use crate::config::{PoolConfig, validate_config};
use crate::core::PoolCore;
use crate::error::PoolError;

static DEFAULT_CONFIG: Mutex<Option<PoolConfig>> = Mutex::new(None);
static DEFAULT_POOL: OnceLock<Arc<PoolCore>> = OnceLock::new();

/// Sets the default pool's config. Fails with [`PoolError::AlreadyStarted`]
/// once the default pool has started.
pub fn configure_default(config: PoolConfig) -> Result<(), PoolError> {
  let mut slot = DEFAULT_CONFIG.lock().unwrap_or_else(|e| e.into_inner());
  if DEFAULT_POOL.get().is_some() {
    return Err(PoolError::AlreadyStarted);
  }
  validate_config(&config)?;
  *slot = Some(config);
  Ok(())
}

/// The process-wide default pool, created on first use.
pub fn default_pool() -> Result<&'static Arc<PoolCore>, PoolError> {
  if let Some(pool) = DEFAULT_POOL.get() {
    return Ok(pool);
  }
  let slot = DEFAULT_CONFIG.lock().unwrap_or_else(|e| e.into_inner());
  if let Some(pool) = DEFAULT_POOL.get() {
    return Ok(pool);
  }
  let pool = PoolCore::new(slot.as_ref().unwrap_or(&PoolConfig::default()))?;
  Ok(DEFAULT_POOL.get_or_init(|| pool))
}

/// Runs `f` on the default pool, blocking the caller.
pub fn run_blocking<R: Send, E: From<PoolError> + Send>(
  f: impl FnOnce() -> Result<R, E> + Send,
) -> Result<R, E> {
  default_pool()?.run_blocking(f)
}

#[cfg(test)]
mod tests {
  use super::*;

  /// The only test that touches the process-wide pool (tests share it).
  #[test]
  fn configure_then_start_then_refuse() {
    let cfg = PoolConfig {
      threads: Some(2),
      ..Default::default()
    };
    configure_default(cfg.clone()).unwrap();
    assert_eq!(default_pool().unwrap().threads(), 2);
    assert!(Arc::ptr_eq(
      default_pool().unwrap(),
      default_pool().unwrap()
    ));
    assert_eq!(configure_default(cfg), Err(PoolError::AlreadyStarted));
    assert_eq!(run_blocking(|| Ok::<_, PoolError>(7)).unwrap(), 7);
  }
}
