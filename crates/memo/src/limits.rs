//! Bounds and options: validation and the weight model that lets one
//! weighted cache honour `maxEntries` and `maxBytes` at once.

use std::fmt;

/// Entries held when neither `maxEntries` nor `maxBytes` is given.
pub const DEFAULT_MAX_ENTRIES: u64 = 100_000;
/// The largest accepted `maxEntries`.
pub const MAX_ENTRIES_LIMIT: u64 = 1 << 32;
/// The largest accepted `maxBytes` (2^53, the largest exact JS integer).
pub const MAX_BYTES_LIMIT: u64 = 1 << 53;

/// A bad option: which one, and what it must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
  /// The option's name as JS spells it (`maxEntries`, `ttl`, …).
  pub option: &'static str,
  /// What it must be, e.g. `must be an integer >= 1`.
  pub requirement: String,
}

impl fmt::Display for ConfigError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(
      f,
      "The value of \"{}\" is out of range. It {}.",
      self.option, self.requirement
    )
  }
}

impl std::error::Error for ConfigError {}

/// Validated bounds of one cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
  /// At most this many entries (`None`: unbounded by count).
  pub max_entries: Option<u64>,
  /// At most this many encoded bytes, key + value (`None`: unbounded by size).
  pub max_bytes: Option<u64>,
  /// Default TTL in ms for entries set without one (`None`: never expire).
  pub ttl_ms: Option<u64>,
}

impl Default for Limits {
  fn default() -> Self {
    Self {
      max_entries: Some(DEFAULT_MAX_ENTRIES),
      max_bytes: None,
      ttl_ms: None,
    }
  }
}

fn integer(option: &'static str, v: f64, max: u64) -> Result<u64, ConfigError> {
  if v.is_finite() && v.fract() == 0.0 && v >= 1.0 && v <= max as f64 {
    Ok(v as u64)
  } else {
    Err(ConfigError {
      option,
      requirement: format!("must be an integer >= 1 and <= {max}. Received {v}"),
    })
  }
}

/// Validates a TTL in ms: `0` and `Infinity` mean "never expires"; negative
/// or NaN is an error; fractions round up.
pub fn ttl(option: &'static str, v: f64) -> Result<Option<u64>, ConfigError> {
  if v.is_nan() || v < 0.0 {
    return Err(ConfigError {
      option,
      requirement: format!("must be >= 0 (0 or Infinity: no expiry). Received {v}"),
    });
  }
  if v == 0.0 || v.is_infinite() || v >= 9.0e15 {
    Ok(None)
  } else {
    Ok(Some(v.ceil() as u64))
  }
}

impl Limits {
  /// Validates options as JS passed them (numbers are f64). With neither
  /// bound, the cache holds [`DEFAULT_MAX_ENTRIES`] entries.
  pub fn new(
    max_entries: Option<f64>,
    max_bytes: Option<f64>,
    ttl_ms: Option<f64>,
  ) -> Result<Self, ConfigError> {
    let max_entries = max_entries
      .map(|v| integer("maxEntries", v, MAX_ENTRIES_LIMIT))
      .transpose()?;
    let max_bytes = max_bytes
      .map(|v| integer("maxBytes", v, MAX_BYTES_LIMIT))
      .transpose()?;
    let ttl_ms = match ttl_ms {
      Some(v) => ttl("ttl", v)?,
      None => None,
    };
    let max_entries = if max_entries.is_none() && max_bytes.is_none() {
      Some(DEFAULT_MAX_ENTRIES)
    } else {
      max_entries
    };
    Ok(Self {
      max_entries,
      max_bytes,
      ttl_ms,
    })
  }

  /// The weight model for these limits.
  pub fn weights(&self) -> WeightModel {
    match (self.max_entries, self.max_bytes) {
      (Some(e), None) => WeightModel {
        per_entry: 1,
        per_byte: 0,
        divisor: 1,
        capacity: e,
      },
      (None, Some(b)) => WeightModel {
        per_entry: 0,
        per_byte: 1,
        divisor: 1,
        capacity: b,
      },
      (Some(e), Some(b)) => {
        // weight = max(bytes * E, B), capacity = B * E: a full cache then has
        // count * B <= B * E and sum(bytes) * E <= B * E, so both bounds hold.
        // Scaled down (rounding weights up, capacity down) to fit u64.
        let raw = b as u128 * e as u128;
        let divisor = raw.div_ceil(1u128 << 60).max(1);
        WeightModel {
          per_entry: b as u128,
          per_byte: e as u128,
          divisor,
          capacity: (raw / divisor) as u64,
        }
      }
      (None, None) => unreachable!("Limits::new always sets a bound"),
    }
  }

  /// Roughly how many entries fit (sizes the shards and the ghost list).
  pub fn estimated_items(&self) -> u64 {
    match (self.max_entries, self.max_bytes) {
      (Some(e), _) => e,
      (None, Some(b)) => (b / 128).max(16),
      (None, None) => DEFAULT_MAX_ENTRIES,
    }
  }

  /// Shards for the map: one for small caches (exact global bounds), up to 8
  /// for large ones (less lock contention between threads).
  pub fn shards(&self) -> usize {
    let est = self.estimated_items() / 2048;
    let mut s = 1usize;
    while (s as u64) < est && s < 8 {
      s *= 2;
    }
    s
  }
}

/// How an entry's weight is computed: `max(per_entry, bytes * per_byte) / divisor`,
/// rounded up, never 0 (a 0-weight entry would never be evicted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightModel {
  /// The weight floor of any entry.
  pub per_entry: u128,
  /// The weight of one byte.
  pub per_byte: u128,
  /// Scales both down to fit u64.
  pub divisor: u128,
  /// Total weight the cache holds.
  pub capacity: u64,
}

impl WeightModel {
  /// The weight of an entry of `bytes` encoded bytes.
  #[inline]
  pub fn weight(&self, bytes: usize) -> u64 {
    let raw = (bytes as u128 * self.per_byte).max(self.per_entry);
    (raw.div_ceil(self.divisor) as u64).max(1)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn validates_and_names_the_option() {
    assert_eq!(
      Limits::new(None, None, None).unwrap().max_entries,
      Some(DEFAULT_MAX_ENTRIES)
    );
    assert_eq!(
      Limits::new(Some(0.0), None, None).unwrap_err().option,
      "maxEntries"
    );
    assert_eq!(
      Limits::new(Some(1.5), None, None).unwrap_err().option,
      "maxEntries"
    );
    assert_eq!(
      Limits::new(None, Some(-1.0), None).unwrap_err().option,
      "maxBytes"
    );
    assert_eq!(
      Limits::new(None, Some(f64::NAN), None).unwrap_err().option,
      "maxBytes"
    );
    assert_eq!(
      Limits::new(None, None, Some(-5.0)).unwrap_err().option,
      "ttl"
    );
    assert!(
      Limits::new(None, None, Some(-5.0))
        .unwrap_err()
        .to_string()
        .contains("\"ttl\"")
    );
    assert_eq!(Limits::new(None, None, Some(0.0)).unwrap().ttl_ms, None);
    assert_eq!(
      Limits::new(None, None, Some(f64::INFINITY)).unwrap().ttl_ms,
      None
    );
    assert_eq!(Limits::new(None, None, Some(2.5)).unwrap().ttl_ms, Some(3));
    let l = Limits::new(None, Some(1000.0), None).unwrap();
    assert_eq!(l.max_entries, None);
  }

  #[test]
  fn combined_weights_bound_both() {
    let l = Limits::new(Some(10.0), Some(1000.0), None).unwrap();
    let w = l.weights();
    // 10 tiny entries fill it (count bound) …
    assert!(w.weight(1) * 10 <= w.capacity && w.weight(1) * 11 > w.capacity);
    // … and 1000 bytes worth of big entries fill it (bytes bound).
    assert!(w.weight(500) * 2 <= w.capacity && w.weight(501) * 2 > w.capacity);
    // Huge limits still fit u64 and stay conservative.
    let l = Limits::new(Some(4e9), Some(9e15), None).unwrap();
    let w = l.weights();
    assert!(w.weight(1) > 0 && w.capacity > 0);
  }

  #[test]
  fn shards_scale_with_size() {
    assert_eq!(Limits::new(Some(100.0), None, None).unwrap().shards(), 1);
    assert_eq!(Limits::new(Some(1e6), None, None).unwrap().shards(), 8);
  }
}
