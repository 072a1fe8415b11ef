//! [`Scratch`]: native buffers for the copies a task needs only while it
//! runs (an async map's copy of a plain input, or its results for a plain
//! `out`), recycled between calls.
//!
//! Why: memory fresh from the OS costs a page fault per 4 KiB page on first
//! touch, which on this kind of VM made a fresh 32 MB buffer cost ~100 ms
//! where rewriting a warm one costs ~10 ms. A dropped buffer is kept for the
//! next call (at most [`MAX_KEPT`] buffers and [`MAX_KEPT_BYTES`] in all;
//! a bigger one is freed), so a loop of same-sized calls touches warm memory.
//! A new buffer is allocated fallibly and zeroed by the allocator (fresh OS
//! pages are zero already, so nothing is touched on the JS thread).

use std::sync::Mutex;

use crate::error::NpError;

/// Most buffers kept for reuse.
pub const MAX_KEPT: usize = 4;
/// Most bytes kept for reuse, all buffers together.
pub const MAX_KEPT_BYTES: usize = 128 << 20;

static KEPT: Mutex<Vec<Vec<f64>>> = Mutex::new(Vec::new());

fn kept() -> std::sync::MutexGuard<'static, Vec<Vec<f64>>> {
  // The list is consistent after any panic (each update is one push or remove).
  KEPT.lock().unwrap_or_else(|e| e.into_inner())
}

/// An 8-byte-aligned, initialised native buffer of `len` doubles (or the
/// same bytes viewed as narrower elements), returned for reuse on drop.
pub struct Scratch {
  buf: Vec<f64>,
  len: usize,
}

impl Scratch {
  /// A buffer of at least `len` doubles: a kept one (its old contents
  /// remain; callers overwrite them) or a new zeroed one. `ERR_OUT_OF_MEMORY`
  /// naming `what` and the size when it cannot be had.
  pub fn new(len: usize, what: &str) -> Result<Scratch, NpError> {
    if len == 0 {
      return Ok(Scratch {
        buf: Vec::new(),
        len,
      });
    }
    {
      let mut kept = kept();
      let best = kept
        .iter()
        .enumerate()
        .filter(|(_, b)| b.len() >= len)
        .min_by_key(|(_, b)| b.len())
        .map(|(i, _)| i);
      if let Some(i) = best {
        let buf = kept.swap_remove(i);
        return Ok(Scratch { buf, len });
      }
    }
    let bytes = len.saturating_mul(8);
    let layout =
      std::alloc::Layout::array::<f64>(len).map_err(|_| NpError::out_of_memory(what, bytes))?;
    // SAFETY: the layout has a non-zero size (len > 0).
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<f64>();
    if ptr.is_null() {
      return Err(NpError::out_of_memory(what, bytes));
    }
    crate::hugepages::advise(ptr.cast(), bytes);
    // SAFETY: `ptr` was allocated by the global allocator with the layout of
    // `len` doubles, all zero (a valid f64), so it is a Vec of len == capacity.
    let buf = unsafe { Vec::from_raw_parts(ptr, len, len) };
    Ok(Scratch { buf, len })
  }

  /// Its doubles.
  pub fn as_slice(&self) -> &[f64] {
    &self.buf[..self.len]
  }

  /// Its doubles, to write.
  pub fn as_mut_slice(&mut self) -> &mut [f64] {
    &mut self.buf[..self.len]
  }

  /// Its first byte (8-byte aligned; dangling when empty).
  pub fn as_mut_ptr(&mut self) -> *mut u8 {
    self.buf.as_mut_ptr().cast()
  }

  /// Its first byte, to read.
  pub fn as_ptr(&self) -> *const u8 {
    self.buf.as_ptr().cast()
  }
}

impl Drop for Scratch {
  fn drop(&mut self) {
    let buf = std::mem::take(&mut self.buf);
    if buf.is_empty() {
      return;
    }
    let mut kept = kept();
    let total: usize = kept.iter().map(|b| b.len() * 8).sum();
    if buf.len() * 8 > MAX_KEPT_BYTES {
      return;
    }
    // Make room by dropping the smallest kept buffers first (a big one is
    // the costlier to fault in again).
    let mut total = total;
    while !kept.is_empty() && (kept.len() >= MAX_KEPT || total + buf.len() * 8 > MAX_KEPT_BYTES) {
      let (i, _) = kept
        .iter()
        .enumerate()
        .min_by_key(|(_, b)| b.len())
        .expect("non-empty");
      total -= kept[i].len() * 8;
      drop(kept.swap_remove(i));
    }
    kept.push(buf);
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn reuses_a_dropped_buffer_and_bounds_what_it_keeps() {
    let mut a = Scratch::new(1000, "a").unwrap();
    assert!(a.as_slice().iter().all(|x| *x == 0.0) || a.as_slice().len() == 1000);
    a.as_mut_slice()[0] = 5.0;
    let ptr = a.as_ptr();
    drop(a);
    let b = Scratch::new(900, "b").unwrap();
    assert_eq!(b.as_slice().len(), 900);
    // Other tests may share the list; when this one got its own back, it kept its data.
    if b.as_ptr() == ptr {
      assert_eq!(b.as_slice()[0], 5.0);
    }
    drop(b);
    for _ in 0..10 {
      drop(Scratch::new(1 << 16, "c").unwrap());
    }
    let kept = kept();
    assert!(kept.len() <= MAX_KEPT);
    assert!(kept.iter().map(|b| b.len() * 8).sum::<usize>() <= MAX_KEPT_BYTES);
  }

  #[test]
  fn empty_and_too_big_buffers() {
    let e = Scratch::new(0, "e").unwrap();
    assert!(e.as_slice().is_empty());
    let err = Scratch::new(usize::MAX / 4, "huge").err().unwrap();
    assert_eq!(err.code, "ERR_OUT_OF_MEMORY");
  }
}
