//! The software stack limit for recursive kernels: the lowest address the
//! generated code lets the stack pointer reach on this thread.

use std::cell::Cell;

/// Room left below the limit for the math routines the kernel calls (the
/// host's frames are above the kernel's), and the guard page.
const MARGIN: usize = 128 * 1024;
/// Budget when the thread's stack bounds are unknown.
const FALLBACK_BUDGET: usize = 256 * 1024;

thread_local! {
  static LIMIT: Cell<usize> = const { Cell::new(0) };
}

/// The limit for the calling thread (computed once per thread).
pub fn limit() -> usize {
  LIMIT.with(|l| {
    let v = l.get();
    if v != 0 {
      return v;
    }
    let v = compute();
    l.set(v);
    v
  })
}

/// An address in the caller's frame: the stack pointer, give or take a few bytes.
#[inline(never)]
pub fn approx_sp() -> usize {
  let marker = 0u8;
  std::hint::black_box(&marker) as *const u8 as usize
}

#[cfg(target_os = "linux")]
fn compute() -> usize {
  let sp = approx_sp();
  // SAFETY: pthread_getattr_np fills `attr` for the calling thread; it is
  // destroyed after use. glibc reports the main thread's stack from rlimit.
  unsafe {
    let mut attr: libc::pthread_attr_t = std::mem::zeroed();
    if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) == 0 {
      let mut addr: *mut libc::c_void = std::ptr::null_mut();
      let mut size: libc::size_t = 0;
      let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
      libc::pthread_attr_destroy(&mut attr);
      let low = addr as usize;
      if ok && low != 0 && sp > low && sp - low < size.saturating_add(1) {
        // Small stacks (a pool's `stackSize: 65536`) keep a quarter of
        // themselves as the margin; the generated code checks every frame
        // against the limit before it is allocated (see `codegen`).
        let limit = low + MARGIN.min(size / 4);
        return if limit < sp { limit } else { sp };
      }
    }
  }
  sp.saturating_sub(FALLBACK_BUDGET)
}

#[cfg(not(target_os = "linux"))]
fn compute() -> usize {
  approx_sp().saturating_sub(FALLBACK_BUDGET)
}

#[cfg(test)]
mod tests {
  #[test]
  fn limit_is_below_the_stack_pointer() {
    let sp = super::approx_sp();
    let l = super::limit();
    assert!(l < sp && l > 0);
    let t = std::thread::Builder::new()
      .stack_size(1 << 20)
      .spawn(|| (super::approx_sp(), super::limit()))
      .unwrap();
    let (sp, l) = t.join().unwrap();
    assert!(l < sp && sp - l < (1 << 20));
  }
}
