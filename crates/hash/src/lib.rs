//! napi-free core of napi-parallel: hashing many byte strings in parallel: xxh3 (64-bit),
//! SHA-256 and CRC-32, using the well-kept `xxhash-rust`, `sha2` and
//! `crc32fast` crates.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// A supported hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
  /// XXH3, 64-bit, seed 0.
  Xxh3,
  /// SHA-256.
  Sha256,
  /// CRC-32 (IEEE, as zlib).
  Crc32,
}

impl Algorithm {
  /// Parses `'xxh3' | 'sha256' | 'crc32'`.
  pub fn from_name(name: &str) -> Option<Self> {
    match name {
      "xxh3" => Some(Self::Xxh3),
      "sha256" => Some(Self::Sha256),
      "crc32" => Some(Self::Crc32),
      _ => None,
    }
  }
}

/// Many byte strings stored back to back: one allocation, not one per item.
#[derive(Debug, Default, Clone)]
pub struct Items {
  bytes: Vec<u8>,
  ends: Vec<usize>,
}

/// An allocation sized by the input failed; `bytes` is the size asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocError {
  /// Bytes the failed allocation asked for.
  pub bytes: usize,
}

fn reserve<T>(v: &mut Vec<T>, more: usize) -> Result<(), AllocError> {
  v.try_reserve(more).map_err(|_| AllocError {
    bytes: v.len().saturating_add(more).saturating_mul(size_of::<T>()),
  })
}

impl Items {
  /// Empty, with room for `n` items of `bytes` bytes in all.
  pub fn with_capacity(n: usize, bytes: usize) -> Result<Self, AllocError> {
    let mut items = Self::default();
    reserve(&mut items.bytes, bytes)?;
    reserve(&mut items.ends, n)?;
    Ok(items)
  }

  /// Appends one item.
  pub fn push(&mut self, item: &[u8]) -> Result<(), AllocError> {
    reserve(&mut self.bytes, item.len())?;
    reserve(&mut self.ends, 1)?;
    self.bytes.extend_from_slice(item);
    self.ends.push(self.bytes.len());
    Ok(())
  }

  /// Number of items.
  pub fn len(&self) -> usize {
    self.ends.len()
  }

  /// True when there are no items.
  pub fn is_empty(&self) -> bool {
    self.ends.is_empty()
  }

  /// Item `i`.
  pub fn get(&self, i: usize) -> &[u8] {
    let start = if i == 0 { 0 } else { self.ends[i - 1] };
    &self.bytes[start..self.ends[i]]
  }
}

/// One digest per item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Digests {
  /// 64-bit hashes.
  Xxh3(Vec<u64>),
  /// 32-byte digests.
  Sha256(Vec<[u8; 32]>),
  /// 32-bit checksums.
  Crc32(Vec<u32>),
}

/// Items per parallel work unit: small items are hashed in batches.
const MIN_ITEMS_PER_JOB: usize = 64;

/// Why hashing stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashError {
  /// The cancel flag was set.
  Cancelled,
  /// The output could not be allocated.
  OutOfMemory(AllocError),
}

fn map_items<T: Send + Default + Clone>(
  items: &Items,
  cancel: &AtomicBool,
  f: impl Fn(&[u8]) -> T + Sync + Send,
) -> Result<Vec<T>, HashError> {
  let mut out: Vec<T> = Vec::new();
  reserve(&mut out, items.len()).map_err(HashError::OutOfMemory)?;
  out.resize(items.len(), T::default());
  out
    .par_iter_mut()
    .enumerate()
    .with_min_len(MIN_ITEMS_PER_JOB)
    .for_each(|(i, o)| *o = f(items.get(i)));
  if cancel.load(Relaxed) {
    return Err(HashError::Cancelled);
  }
  Ok(out)
}

/// Hashes every item on the current rayon pool.
pub fn hash_all(
  items: &Items,
  algorithm: Algorithm,
  cancel: &AtomicBool,
) -> Result<Digests, HashError> {
  Ok(match algorithm {
    Algorithm::Xxh3 => Digests::Xxh3(map_items(items, cancel, xxhash_rust::xxh3::xxh3_64)?),
    Algorithm::Crc32 => Digests::Crc32(map_items(items, cancel, crc32fast::hash)?),
    Algorithm::Sha256 => Digests::Sha256(map_items(items, cancel, |b| Sha256::digest(b).into())?),
  })
}

#[cfg(test)]
mod tests {
  use super::*;

  fn items(list: &[&[u8]]) -> Items {
    let mut it = Items::default();
    for i in list {
      it.push(i).unwrap();
    }
    it
  }

  #[test]
  fn known_vectors() {
    let no = AtomicBool::new(false);
    let it = items(&[b"", b"123456789", b"abc"]);
    assert_eq!(
      hash_all(&it, Algorithm::Crc32, &no),
      Ok(Digests::Crc32(vec![0, 0xCBF4_3926, 0x3524_41C2]))
    );
    let Ok(Digests::Xxh3(x)) = hash_all(&it, Algorithm::Xxh3, &no) else {
      panic!()
    };
    assert_eq!(x[0], 0x2D06_8005_38D3_94C2);
    let Ok(Digests::Sha256(s)) = hash_all(&it, Algorithm::Sha256, &no) else {
      panic!()
    };
    assert_eq!(s[2][..4], [0xba, 0x78, 0x16, 0xbf]);
  }

  #[test]
  fn cancelled_returns_none() {
    let yes = AtomicBool::new(true);
    assert_eq!(
      hash_all(&items(&[b"x"]), Algorithm::Crc32, &yes),
      Err(HashError::Cancelled)
    );
  }

  #[test]
  fn items_round_trip() {
    let it = items(&[b"a", b"", b"bcd"]);
    assert_eq!(it.len(), 3);
    assert_eq!(it.get(0), b"a");
    assert_eq!(it.get(1), b"");
    assert_eq!(it.get(2), b"bcd");
  }

  #[test]
  fn impossible_sizes_are_errors() {
    assert!(Items::with_capacity(usize::MAX / 2, 0).is_err());
    assert!(Items::with_capacity(0, usize::MAX / 2).is_err());
  }
}
