//! A monotonic millisecond clock shared by every cache (TTL deadlines).

use std::sync::OnceLock;
use std::time::Instant;

static EPOCH: OnceLock<Instant> = OnceLock::new();

/// Milliseconds since the first call in this process (monotonic). Never 0
/// after the first millisecond; deadlines use 0 for "never expires".
pub fn now_ms() -> u64 {
  let epoch = *EPOCH.get_or_init(Instant::now);
  epoch.elapsed().as_millis() as u64
}

/// The deadline `ttl_ms` from now, or 0 (never) when `ttl_ms` is `None`.
pub fn deadline(ttl_ms: Option<u64>) -> u64 {
  match ttl_ms {
    None => 0,
    // +1 so that a deadline is never 0 (which means "never").
    Some(ms) => now_ms().saturating_add(ms).saturating_add(1),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn monotonic_and_deadlines() {
    let a = now_ms();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let b = now_ms();
    assert!(b >= a + 4);
    assert_eq!(deadline(None), 0);
    assert!(deadline(Some(0)) > now_ms().saturating_sub(1));
    assert!(deadline(Some(1000)) >= now_ms() + 1000);
  }
}
