//! TTL reclamation without a timer per entry: each cache sweeps itself
//! (one `retain` pass) at most once per interval when touched, and one
//! process-wide reaper thread sweeps the caches nobody touches.

use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use crate::cache::MemoCore;
use crate::clock::now_ms;

/// Shortest and longest gap between two sweeps of one cache, in ms.
pub const MIN_INTERVAL_MS: u64 = 10;
/// See [`MIN_INTERVAL_MS`].
pub const MAX_INTERVAL_MS: u64 = 1000;
/// How often the reaper thread looks at the caches.
pub const REAPER_TICK_MS: u64 = 100;

/// A cache's sweep schedule.
#[derive(Debug)]
pub struct Sweeper {
  active: AtomicBool,
  interval: AtomicU64,
  next: AtomicU64,
}

impl Default for Sweeper {
  fn default() -> Self {
    Self {
      active: AtomicBool::new(false),
      interval: AtomicU64::new(MAX_INTERVAL_MS),
      next: AtomicU64::new(0),
    }
  }
}

impl Sweeper {
  /// Records that an entry with `ttl` ms exists: sweeps get at least that
  /// frequent (within the bounds), and the reaper learns about the cache.
  pub(crate) fn note_ttl(&self, core: &Weak<MemoCore>, ttl: u64) {
    self.shorten(ttl);
    if !self.active.load(Relaxed) && !self.active.swap(true, AcqRel) {
      reaper_register(core.clone());
    }
  }

  fn shorten(&self, ttl: u64) {
    let want = ttl.clamp(MIN_INTERVAL_MS, MAX_INTERVAL_MS);
    self.interval.fetch_min(want, Relaxed);
  }

  /// Sweeps `core` if it holds TTL entries and its interval has passed.
  pub(crate) fn sweep_if_due(&self, core: &MemoCore) {
    if !self.active.load(Relaxed) {
      return;
    }
    let now = now_ms();
    let next = self.next.load(Acquire);
    if now < next {
      return;
    }
    let after = now + self.interval.load(Relaxed);
    if self
      .next
      .compare_exchange(next, after, AcqRel, Relaxed)
      .is_ok()
    {
      core.sweep(now);
    }
  }
}

static REAPER: OnceLock<Mutex<Vec<Weak<MemoCore>>>> = OnceLock::new();

fn reaper_register(core: Weak<MemoCore>) {
  let mut started = false;
  let list = REAPER.get_or_init(|| {
    started = true;
    Mutex::new(Vec::new())
  });
  {
    let mut l = list.lock().unwrap_or_else(|p| p.into_inner());
    if !l.iter().any(|w| w.ptr_eq(&core)) {
      l.push(core);
    }
  }
  if started {
    let _ = std::thread::Builder::new()
      .name("np-memo-reaper".into())
      .spawn(reaper_loop);
  }
}

fn reaper_loop() {
  loop {
    std::thread::sleep(Duration::from_millis(REAPER_TICK_MS));
    let Some(list) = REAPER.get() else { continue };
    let live: Vec<Arc<MemoCore>> = {
      let mut l = list.lock().unwrap_or_else(|p| p.into_inner());
      l.retain(|w| w.strong_count() > 0);
      l.iter().filter_map(Weak::upgrade).collect()
    };
    for core in live {
      core.sweeper.sweep_if_due(&core);
    }
  }
}
