//! Asks Linux to back big, fresh buffers with transparent huge pages.
//!
//! A buffer fresh from the OS costs one page fault per 4 KiB page on first
//! touch; on this kind of VM that made the first write of a 32 MB result
//! cost 60–90 ms, more than the kernel itself. Where transparent huge pages
//! are enabled in `madvise` mode (`/sys/kernel/mm/transparent_hugepage/enabled`),
//! `madvise(MADV_HUGEPAGE)` on the buffer's 2 MiB-aligned interior lets each
//! fault map 2 MiB instead. It is only a hint: contents are unchanged (fresh
//! memory stays zero), it fails harmlessly elsewhere, and it is not called
//! on other systems.

/// Buffers smaller than this are left alone (a few faults cost less than the call).
pub const MIN_BYTES: usize = 4 << 20;

/// Hints that `ptr..ptr + bytes` (memory this process owns, not yet touched
/// or touched only partly) should use huge pages.
pub fn advise(ptr: *mut u8, bytes: usize) {
  if bytes < MIN_BYTES || ptr.is_null() {
    return;
  }
  #[cfg(target_os = "linux")]
  {
    const HUGE: usize = 2 << 20;
    const MADV_HUGEPAGE: std::ffi::c_int = 14;
    unsafe extern "C" {
      fn madvise(
        addr: *mut std::ffi::c_void,
        len: usize,
        advice: std::ffi::c_int,
      ) -> std::ffi::c_int;
    }
    let start = (ptr as usize).next_multiple_of(HUGE);
    let end = (ptr as usize + bytes) / HUGE * HUGE;
    if end > start {
      // SAFETY: the range lies inside memory the caller owns; MADV_HUGEPAGE
      // changes no contents and no mapping the caller relies on. A failure
      // (THP disabled, an old kernel) only leaves the hint unapplied.
      unsafe { madvise(start as *mut std::ffi::c_void, end - start, MADV_HUGEPAGE) };
    }
  }
}
