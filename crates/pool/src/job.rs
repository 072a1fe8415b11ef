//! A unit of work for the pool, stored inline when it is small.
//!
//! A trivial task's closure holds a few words (its slot, id, shared state
//! and result). Boxing it costs an allocation on the JS thread and a free on
//! a pool thread, which mimalloc then has to hand back across threads: about
//! a tenth of a trivial task's native time (perf). A [`Job`] keeps closures of
//! up to [`INLINE_WORDS`] words in place, and boxes larger ones.

use std::mem::{ManuallyDrop, MaybeUninit, align_of, size_of};
use std::ptr;

/// Closures up to this many machine words are stored inline.
pub const INLINE_WORDS: usize = 6;

type Storage = [MaybeUninit<usize>; INLINE_WORDS];

/// A `FnOnce() + Send + 'static`, run at most once.
pub struct Job {
  storage: Storage,
  /// Moves the closure out of `storage` and calls it.
  call: unsafe fn(*mut Storage),
  /// Drops the closure in `storage` without calling it.
  discard: unsafe fn(*mut Storage),
}

// SAFETY: `Job::new` only accepts `Send` closures.
unsafe impl Send for Job {}

impl Job {
  /// Wraps `f`, inline if it fits, else boxed.
  pub fn new<F: FnOnce() + Send + 'static>(f: F) -> Self {
    if fits::<F>() {
      Self::inline(f)
    } else {
      Self::inline(Box::new(f) as Box<dyn FnOnce() + Send>)
    }
  }

  fn inline<F: FnOnce() + Send + 'static>(f: F) -> Self {
    assert!(fits::<F>());
    let mut storage: Storage = [MaybeUninit::uninit(); INLINE_WORDS];
    // SAFETY: `F` fits in `storage` in size and alignment (checked above).
    unsafe { ptr::write(storage.as_mut_ptr().cast::<F>(), f) };
    Self {
      storage,
      call: call::<F>,
      discard: discard::<F>,
    }
  }

  /// Runs the closure.
  pub fn run(self) {
    let mut me = ManuallyDrop::new(self);
    // SAFETY: the closure is in `storage` (written in `inline`) and is
    // moved out exactly once: `me` is never dropped.
    unsafe { (me.call)(&mut me.storage) };
  }
}

impl Drop for Job {
  fn drop(&mut self) {
    // SAFETY: a Job not run still owns its closure.
    unsafe { (self.discard)(&mut self.storage) };
  }
}

const fn fits<F>() -> bool {
  size_of::<F>() <= size_of::<Storage>() && align_of::<F>() <= align_of::<Storage>()
}

unsafe fn call<F: FnOnce()>(storage: *mut Storage) {
  // SAFETY: caller contract: `storage` holds an `F` that is read once.
  let f = unsafe { ptr::read(storage.cast::<F>()) };
  f();
}

unsafe fn discard<F>(storage: *mut Storage) {
  // SAFETY: caller contract: `storage` holds an `F` not yet moved out.
  unsafe { ptr::drop_in_place(storage.cast::<F>()) };
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::Arc;
  use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

  #[test]
  fn small_and_large_closures_run_once_and_drop_their_captures() {
    let runs = Arc::new(AtomicUsize::new(0));
    let small = {
      let runs = runs.clone();
      move || {
        runs.fetch_add(1, SeqCst);
      }
    };
    assert!(fits::<(usize, usize)>() && !fits::<[u64; 32]>());
    let big_payload = [7u64; 32];
    let large = {
      let runs = runs.clone();
      move || {
        runs.fetch_add(big_payload.iter().sum::<u64>() as usize, SeqCst);
      }
    };
    Job::new(small).run();
    Job::new(large).run();
    assert_eq!(runs.load(SeqCst), 1 + 7 * 32);
    assert_eq!(
      Arc::strong_count(&runs),
      1,
      "captures are dropped after a run"
    );
  }

  #[test]
  fn a_job_dropped_unrun_drops_its_captures() {
    let held = Arc::new(());
    let small = Job::new({
      let held = held.clone();
      move || drop(held)
    });
    let large = Job::new({
      let held = held.clone();
      let pad = [0u8; 100];
      move || drop((held, pad))
    });
    assert_eq!(Arc::strong_count(&held), 3);
    drop(small);
    drop(large);
    assert_eq!(Arc::strong_count(&held), 1);
  }

  #[test]
  fn a_panicking_job_drops_its_captures() {
    let held = Arc::new(());
    let job = Job::new({
      let held = held.clone();
      move || {
        let _keep = held;
        panic!("boom");
      }
    });
    assert!(crate::unwind::halt_unwinding(|| job.run()).is_err());
    assert_eq!(Arc::strong_count(&held), 1);
  }
}
