//! A parallel copy: what an async scan of a plain Buffer pays instead of a
//! serial `memcpy` on the JS thread (the chunks are copied, page faults
//! included, by every pool thread at once).

use rayon::prelude::*;

/// Appends `src` to `dst` on the current rayon pool, `chunk` bytes per task.
///
/// # Panics
/// If `dst` has less than `src.len()` bytes of spare capacity (the caller
/// reserves it fallibly first).
pub fn extend_parallel(dst: &mut Vec<u8>, src: &[u8], chunk: usize) {
  let spare = &mut dst.spare_capacity_mut()[..src.len()];
  spare
    .par_chunks_mut(chunk.max(1))
    .zip(src.par_chunks(chunk.max(1)))
    .for_each(|(to, from)| {
      // SAFETY: `to` and `from` have the same length (same chunking of equal
      // lengths) and do not overlap (`dst` is a distinct, uniquely borrowed Vec).
      unsafe {
        std::ptr::copy_nonoverlapping(from.as_ptr(), to.as_mut_ptr().cast::<u8>(), from.len())
      }
    });
  let len = dst.len() + src.len();
  // SAFETY: the first `len` bytes are initialised: the old ones and the copy above.
  unsafe { dst.set_len(len) }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn copies_every_byte_after_the_existing_ones() {
    let src: Vec<u8> = (0..100_003u32).map(|i| (i * 7) as u8).collect();
    for chunk in [1, 16, 4096, 1 << 20] {
      let mut dst = vec![9u8, 8];
      dst.reserve_exact(src.len());
      extend_parallel(&mut dst, &src, chunk);
      assert_eq!(&dst[..2], &[9, 8]);
      assert_eq!(&dst[2..], &src[..]);
    }
    let mut empty = Vec::new();
    extend_parallel(&mut empty, &[], 16);
    assert!(empty.is_empty());
  }

  #[test]
  #[should_panic]
  fn refuses_to_write_past_the_capacity() {
    let mut dst = Vec::with_capacity(3);
    extend_parallel(&mut dst, &[0u8; 64], 16);
  }
}
