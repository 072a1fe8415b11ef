use std::collections::{BTreeMap, HashMap};
use std::thread;
use std::time::Duration;

use super::*;

fn limits(e: Option<f64>, b: Option<f64>, ttl: Option<f64>) -> Limits {
  Limits::new(e, b, ttl).unwrap()
}

fn k(i: u64) -> Vec<u8> {
  let mut v = Vec::new();
  crate::format::num_key(i as f64, &mut v);
  v
}

fn val(n: usize, fill: u8) -> Box<[u8]> {
  vec![fill; n].into()
}

/// The reference: sum of key + value bytes over every key still readable.
fn live_bytes(c: &MemoCore, keys: impl Iterator<Item = u64>) -> u64 {
  keys
    .filter_map(|i| c.map.peek(&k(i)[..]).map(|e| e.bytes() as u64))
    .sum()
}

#[test]
fn bounds_hold_under_tenfold_overfill() {
  for cap in [10u64, 1000, 50_000] {
    let c = MemoCore::new(limits(Some(cap as f64), None, None));
    for i in 0..cap * 10 {
      c.set(&k(i), val(8, 1), Ttl::Default);
      assert!(
        c.map.len() as u64 <= cap,
        "cap {cap}: {} entries",
        c.map.len()
      );
    }
    let s = c.stats();
    assert!(
      s.size <= cap && s.size >= cap / 2,
      "cap {cap}: size {}",
      s.size
    );
    assert_eq!(s.evictions + s.size, cap * 10);
  }
}

#[test]
fn max_bytes_counts_key_and_value() {
  let c = MemoCore::new(limits(None, Some(10_000.0), None));
  for i in 0..2_000 {
    c.set(&k(i), val(50 + (i as usize % 100), 7), Ttl::Default);
    assert!(c.stats().bytes <= 10_000);
  }
  let s = c.stats();
  assert_eq!(s.bytes, live_bytes(&c, 0..2_000));
  assert!(s.bytes > 5_000, "bytes {}", s.bytes);
}

#[test]
fn both_bounds_hold() {
  let c = MemoCore::new(limits(Some(100.0), Some(3_000.0), None));
  for i in 0..1_000 {
    c.set(
      &k(i),
      val(if i % 2 == 0 { 1 } else { 200 }, 0),
      Ttl::Default,
    );
    let s = c.stats();
    assert!(s.size <= 100 && s.bytes <= 3_000, "{s:?}");
  }
}

#[test]
fn bytes_follow_replace_delete_and_clear() {
  let c = MemoCore::new(Limits::default());
  c.set(b"sa", val(10, 1), Ttl::Default);
  assert_eq!(c.stats().bytes, 12);
  c.set(b"sa", val(100, 2), Ttl::Default);
  assert_eq!(c.stats().bytes, 102);
  assert_eq!(c.get(b"sa").unwrap().value(), &[2u8; 100][..]);
  c.set(b"sb", val(1, 1), Ttl::Default);
  assert!(c.delete(b"sa"));
  assert!(!c.delete(b"sa"));
  assert_eq!(c.stats().bytes, 3);
  c.clear();
  let s = c.stats();
  assert_eq!((s.bytes, s.size), (0, 0));
}

#[test]
fn oversized_entry_is_refused_and_counted() {
  let c = MemoCore::new(limits(None, Some(100.0), None));
  c.set(b"sbig", val(500, 1), Ttl::Default);
  let s = c.stats();
  assert_eq!((s.size, s.bytes, s.evictions), (0, 0, 1));
  assert!(c.get(b"sbig").is_none());
}

#[test]
fn hits_and_misses_are_counted() {
  let c = MemoCore::new(Limits::default());
  c.set(b"sx", val(1, 1), Ttl::Default);
  assert!(c.get(b"sx").is_some());
  assert!(c.get(b"sy").is_none());
  assert!(c.has(b"sx"));
  let s = c.stats();
  assert_eq!((s.hits, s.misses), (1, 1));
}

#[test]
fn scan_does_not_flush_the_hot_set() {
  let c = MemoCore::new(limits(Some(1_000.0), None, None));
  // A hot set of 500 keys, read many times.
  for _ in 0..20 {
    for i in 0..500 {
      if c.get(&k(i)).is_none() {
        c.set(&k(i), val(8, 1), Ttl::Default);
      }
    }
  }
  // A one-off scan of 20x the capacity.
  for i in 10_000..30_000 {
    if c.get(&k(i)).is_none() {
      c.set(&k(i), val(8, 1), Ttl::Default);
    }
  }
  let kept = (0..500).filter(|&i| c.has(&k(i))).count();
  assert!(kept >= 450, "only {kept} of 500 hot keys survived the scan");
}

/// A plain LRU of the same capacity, as the reference to beat.
struct Lru {
  cap: usize,
  tick: u64,
  at: HashMap<u64, u64>,
  order: BTreeMap<u64, u64>,
}

impl Lru {
  fn access(&mut self, key: u64) -> bool {
    self.tick += 1;
    let hit = if let Some(t) = self.at.insert(key, self.tick) {
      self.order.remove(&t);
      true
    } else {
      false
    };
    self.order.insert(self.tick, key);
    if self.at.len() > self.cap {
      let (&t, &old) = self.order.iter().next().unwrap();
      self.order.remove(&t);
      self.at.remove(&old);
    }
    hit
  }
}

#[test]
fn frequency_aware_beats_lru_on_skewed_trace_with_scan() {
  // A Zipf-like trace (x^3 skew over 10k keys) with a one-off scan in the middle.
  let mut seed = 42u64;
  let mut rnd = || {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    (seed >> 11) as f64 / (1u64 << 53) as f64
  };
  let mut trace: Vec<u64> = (0..60_000)
    .map(|_| (rnd().powi(3) * 10_000.0) as u64)
    .collect();
  trace.splice(30_000..30_000, 100_000..105_000);
  let c = MemoCore::new(limits(Some(500.0), None, None));
  let mut lru = Lru {
    cap: 500,
    tick: 0,
    at: HashMap::new(),
    order: BTreeMap::new(),
  };
  let (mut ours, mut theirs) = (0, 0);
  for &key in &trace {
    if c.get(&k(key)).is_some() {
      ours += 1;
    } else {
      c.set(&k(key), val(8, 1), Ttl::Default);
    }
    theirs += lru.access(key) as usize;
  }
  assert!(ours > theirs, "hits: ours {ours}, lru {theirs}");
}

#[test]
fn ttl_expires_on_read() {
  // Generous margins: the machine may be loaded.
  let c = MemoCore::new(limits(None, None, Some(400.0)));
  c.set(b"sdefault", val(4, 1), Ttl::Default);
  c.set(b"sshort", val(4, 1), Ttl::Ms(50));
  c.set(b"snever", val(4, 1), Ttl::Never);
  assert!(c.get(b"sshort").is_some());
  thread::sleep(Duration::from_millis(100));
  assert!(c.get(b"sshort").is_none());
  assert!(!c.has(b"sshort"));
  assert!(c.get(b"sdefault").is_some());
  thread::sleep(Duration::from_millis(350));
  assert!(c.get(b"sdefault").is_none());
  assert!(c.get(b"snever").is_some());
  assert!(!c.delete(b"sdefault"));
}

#[test]
fn ttl_memory_is_reclaimed_without_reads() {
  let c = MemoCore::new(Limits::default());
  for i in 0..1_000 {
    c.set(&k(i), val(100, 1), Ttl::Ms(300));
  }
  c.set(b"skeep", val(1, 1), Ttl::Never);
  // (A TTL long enough that a loaded machine does not expire them already.)
  assert!(c.stats().bytes > 100_000);
  // Nobody touches the cache: the reaper thread sweeps it.
  let start = std::time::Instant::now();
  while c.map.len() != 1 && start.elapsed() < Duration::from_secs(5) {
    thread::sleep(Duration::from_millis(50));
  }
  assert_eq!(c.map.len(), 1);
  let s = c.stats();
  assert_eq!((s.size, s.bytes), (1, 6));
  assert_eq!(s.expirations, 1_000);
}

#[test]
fn concurrent_writers_and_readers_see_whole_values() {
  let c = MemoCore::new(limits(Some(2_000.0), None, None));
  let threads: Vec<_> = (0..4u8)
    .map(|t| {
      let c = c.clone();
      thread::spawn(move || {
        let mut reads = 0u64;
        for round in 0..20_000u64 {
          let key = (round * 7 + t as u64) % 4_000;
          // Value: length and fill both derived from the writer, so a torn
          // or mixed value is detectable.
          let len = 16 + (key as usize % 64) + t as usize;
          if round % 3 == 0 {
            let mut v = vec![t; len];
            v[0] = len as u8;
            c.set(&k(key), v.into(), Ttl::Default);
          } else {
            reads += 1;
            if let Some(e) = c.get(&k(key)) {
              let v = e.value();
              assert_eq!(v[0] as usize, v.len());
              let w = v[1];
              assert!(w < 4 && v.len() == 16 + (key as usize % 64) + w as usize);
              assert!(v[1..].iter().all(|&b| b == w));
            }
          }
        }
        reads
      })
    })
    .collect();
  let reads: u64 = threads.into_iter().map(|h| h.join().unwrap()).sum();
  let s = c.stats();
  assert_eq!(s.hits + s.misses, reads);
  assert!(s.size <= 2_000);
  assert_eq!(s.bytes, live_bytes(&c, 0..4_000));
}

#[test]
fn evictions_count_only_entries_pushed_out_by_the_bounds() {
  // Overwrites and deletes are not evictions.
  let c = MemoCore::new(limits(Some(8.0), None, None));
  for round in 0..50u8 {
    c.set(b"sa", val(4, round), Ttl::Default);
  }
  assert!(c.delete(b"sa"));
  assert_eq!(c.stats().evictions, 0);
  // TTL expiry is an expiration, not an eviction.
  c.set(b"st", val(1, 1), Ttl::Ms(1));
  thread::sleep(Duration::from_millis(5));
  assert!(c.get(b"st").is_none());
  let s = c.stats();
  assert_eq!((s.evictions, s.expirations), (0, 1));
  // Past capacity, every new key pushes exactly one entry out; overwriting
  // a key that is still held pushes none.
  let cap = 8u64;
  for i in 0..cap * 4 {
    c.set(&k(i), val(2, 0), Ttl::Default);
  }
  let s = c.stats();
  assert_eq!(s.evictions + s.size, cap * 4, "{s:?}");
  let before = c.stats().evictions;
  let held: Vec<u64> = (0..cap * 4)
    .filter(|&i| c.map.peek(&k(i)[..]).is_some())
    .collect();
  for &i in &held {
    c.set(&k(i), val(2, 9), Ttl::Default);
  }
  assert_eq!(c.stats().evictions, before);
  // A value too heavy to admit is refused: one eviction, and the value it
  // replaced is gone (not counted twice).
  let b = MemoCore::new(limits(None, Some(100.0), None));
  b.set(b"sbig", val(10, 1), Ttl::Default);
  b.set(b"sbig", val(500, 1), Ttl::Default);
  let s = b.stats();
  assert_eq!((s.size, s.evictions), (0, 1));
}
