//! The byte formats of keys and values and the `get` scratch layout: the
//! one definition of the Memo wire format. The binding hands [`WIRE`] to
//! the JS codec (`lib/memo/codec.js` reads it once at load, through the
//! `memoWireFormat` export), so the two sides cannot drift apart.
//!
//! **Keys** are a kind tag then the payload, so `1` and `'1'` differ:
//! [`KEY_STR`] + UTF-8 (lone surrogates as WTF-8), [`KEY_NUM`] + f64 LE (`-0` folded to `0`, one NaN),
//! [`KEY_BIGINT`] + sign byte + u64 LE words, [`KEY_BYTES`] + bytes.
//!
//! **Values** start with a tag. The binding builds and reads the primitive
//! ones itself ([`Prim`]); everything else ([`TAG_ARRAY`], [`TAG_OBJECT`],
//! Buffers, typed arrays, bigints, dates) is written and read by the JS
//! codec in `lib/memo/codec.js` and is opaque here; its tags live here all
//! the same, so that no two kinds share one.
//!
//! **Scratch** (the thread's `get` block, see [`crate::jsmem`]): byte
//! [`SCRATCH_FLAG`] says where a `get` result is ([`FLAG_DIRECT`],
//! [`FLAG_SCRATCH`], [`FLAG_BUFFER`]); byte [`SCRATCH_NEAR_OK`] is 1 when
//! the hit may be kept in the JS near cache, with the key's generation slot
//! (u16 LE) at [`SCRATCH_NEAR_SLOT`] and that slot's generation before the
//! lookup (u32 LE) at [`SCRATCH_NEAR_GEN`]; an encoded value starts at
//! [`SCRATCH_DATA`].

/// Key tag: a string.
pub const KEY_STR: u8 = b's';
/// Key tag: a number.
pub const KEY_NUM: u8 = b'n';
/// Key tag: a bigint.
pub const KEY_BIGINT: u8 = b'b';
/// Key tag: a Buffer / Uint8Array.
pub const KEY_BYTES: u8 = b'u';

/// Value tag: `undefined`.
pub const TAG_UNDEFINED: u8 = 0;
/// Value tag: `null`.
pub const TAG_NULL: u8 = 1;
/// Value tag: `false`.
pub const TAG_FALSE: u8 = 2;
/// Value tag: `true`.
pub const TAG_TRUE: u8 = 3;
/// Value tag: a number, f64 LE (bits kept: `-0`, NaN).
pub const TAG_F64: u8 = 4;
/// Value tag (nested only): a small integer, zigzag varint.
pub const TAG_INT: u8 = 5;
/// Value tag (nested only, JS codec): a string, varint `units * 2 + wide`
/// then the units: one byte each (latin1) or, when `wide`, UTF-16LE.
pub const TAG_STR: u8 = 6;
/// Value tag (top level only): a string whose UTF-16 code units are all
/// below 256, one byte each (latin1), so the binding builds it as a
/// one-byte string, V8's cheapest kind.
pub const TAG_LATIN1: u8 = 14;
/// Value tag (top level only): any other string, as its raw UTF-16LE code
/// units (lone surrogates kept: every JS string round-trips exactly).
pub const TAG_UTF16: u8 = 15;
/// Value tag: an array (JS codec).
pub const TAG_ARRAY: u8 = 8;
/// Value tag: a plain object (JS codec): varint key count, then each key
/// as a [`TAG_STR`] payload followed by its value.
pub const TAG_OBJECT: u8 = 9;
/// Value tag (JS codec): a bigint: a sign byte (1 negative), then its
/// magnitude in hex as a [`TAG_STR`] payload.
pub const TAG_BIGINT: u8 = 7;
/// Value tag (JS codec): a Buffer: varint length, then the bytes.
pub const TAG_BUFFER: u8 = 10;
/// Value tag (JS codec): a typed array: its kind (an index into the codec's
/// list of typed array constructors), varint byte length, then the bytes.
pub const TAG_TYPED: u8 = 11;
/// Value tag (JS codec): a Date: its time value, f64 LE.
pub const TAG_DATE: u8 = 12;
/// Value tag (JS codec): an ArrayBuffer: varint length, then the bytes.
pub const TAG_ARRAYBUFFER: u8 = 13;

/// Scratch byte: where the result of a `get` is (a `FLAG_*`).
pub const SCRATCH_FLAG: usize = 0;
/// Scratch byte: 1 when the hit may be kept in the JS near cache.
pub const SCRATCH_NEAR_OK: usize = 1;
/// Scratch offset of the near-cache offer's generation slot (u16 LE).
pub const SCRATCH_NEAR_SLOT: usize = 2;
/// Scratch offset of that slot's generation before the lookup (u32 LE).
pub const SCRATCH_NEAR_GEN: usize = 4;
/// Scratch offset where an encoded value starts.
pub const SCRATCH_DATA: usize = 8;
/// Scratch flag: the `get` result is the value itself (a primitive or a miss).
pub const FLAG_DIRECT: u8 = 0;
/// Scratch flag: the encoded value is in the scratch at [`SCRATCH_DATA`],
/// the result is its length.
pub const FLAG_SCRATCH: u8 = 1;
/// Scratch flag: the encoded value did not fit; the result is a new Buffer
/// holding it.
pub const FLAG_BUFFER: u8 = 2;

// The JS side reads the generation as an aligned u32, and the scratch holds
// more than its header: checked when the crate builds.
const _: () = {
  assert!(SCRATCH_NEAR_GEN.is_multiple_of(4));
  assert!(SCRATCH_DATA < crate::jsmem::SCRATCH_BYTES);
};

/// The wire format as `(name, value)` pairs: every value tag and the
/// scratch layout. The binding's `memoWireFormat()` returns it as an object
/// and the JS codec takes its constants from there, never from literals.
pub const WIRE: &[(&str, u32)] = &[
  ("TAG_UNDEFINED", TAG_UNDEFINED as u32),
  ("TAG_NULL", TAG_NULL as u32),
  ("TAG_FALSE", TAG_FALSE as u32),
  ("TAG_TRUE", TAG_TRUE as u32),
  ("TAG_F64", TAG_F64 as u32),
  ("TAG_INT", TAG_INT as u32),
  ("TAG_STR", TAG_STR as u32),
  ("TAG_BIGINT", TAG_BIGINT as u32),
  ("TAG_ARRAY", TAG_ARRAY as u32),
  ("TAG_OBJECT", TAG_OBJECT as u32),
  ("TAG_BUFFER", TAG_BUFFER as u32),
  ("TAG_TYPED", TAG_TYPED as u32),
  ("TAG_DATE", TAG_DATE as u32),
  ("TAG_ARRAYBUFFER", TAG_ARRAYBUFFER as u32),
  ("TAG_LATIN1", TAG_LATIN1 as u32),
  ("TAG_UTF16", TAG_UTF16 as u32),
  ("SCRATCH_FLAG", SCRATCH_FLAG as u32),
  ("SCRATCH_NEAR_OK", SCRATCH_NEAR_OK as u32),
  ("SCRATCH_NEAR_SLOT", SCRATCH_NEAR_SLOT as u32),
  ("SCRATCH_NEAR_GEN", SCRATCH_NEAR_GEN as u32),
  ("SCRATCH_DATA", SCRATCH_DATA as u32),
  ("FLAG_DIRECT", FLAG_DIRECT as u32),
  ("FLAG_SCRATCH", FLAG_SCRATCH as u32),
  ("FLAG_BUFFER", FLAG_BUFFER as u32),
  ("SCRATCH_BYTES", crate::jsmem::SCRATCH_BYTES as u32),
];

/// Appends the key bytes of a string.
pub fn str_key(s: &str, out: &mut Vec<u8>) {
  out.push(KEY_STR);
  out.extend_from_slice(s.as_bytes());
}

/// Appends UTF-16 `units` as UTF-8, with lone surrogates encoded as WTF-8
/// (three bytes each, like any BMP code point), so that the result equals
/// [`str_key`]'s bytes for every valid string and distinct strings never
/// collide.
pub fn push_wtf8(units: &[u16], out: &mut Vec<u8>) {
  let ascii = units.iter().position(|&u| u >= 0x80).unwrap_or(units.len());
  out.reserve(units.len());
  out.extend(units[..ascii].iter().map(|&u| u as u8));
  let mut buf = [0u8; 4];
  for unit in char::decode_utf16(units[ascii..].iter().copied()) {
    match unit {
      Ok(c) => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
      Err(lone) => {
        let u = lone.unpaired_surrogate();
        out.extend_from_slice(&[
          0xE0 | (u >> 12) as u8,
          0x80 | ((u >> 6) & 0x3F) as u8,
          0x80 | (u & 0x3F) as u8,
        ]);
      }
    }
  }
}

/// Appends the key bytes of a number: `0` and `-0` are one key (like `Map`), all NaNs are one key.
pub fn num_key(n: f64, out: &mut Vec<u8>) {
  let n = if n == 0.0 {
    0.0
  } else if n.is_nan() {
    f64::NAN
  } else {
    n
  };
  out.push(KEY_NUM);
  out.extend_from_slice(&n.to_le_bytes());
}

/// Appends the key bytes of a bigint given as sign and little-endian words
/// (trailing zero words dropped so that equal values give equal keys).
pub fn bigint_key(negative: bool, words: &[u64], out: &mut Vec<u8>) {
  let mut len = words.len();
  while len > 0 && words[len - 1] == 0 {
    len -= 1;
  }
  out.push(KEY_BIGINT);
  out.push((negative && len > 0) as u8);
  for w in &words[..len] {
    out.extend_from_slice(&w.to_le_bytes());
  }
}

/// Appends the key bytes of a Buffer.
pub fn bytes_key(b: &[u8], out: &mut Vec<u8>) {
  out.push(KEY_BYTES);
  out.extend_from_slice(b);
}

/// A decoded top-level value the binding converts itself.
#[derive(Debug, PartialEq)]
pub enum Prim<'a> {
  /// `undefined`.
  Undefined,
  /// `null`.
  Null,
  /// A boolean.
  Bool(bool),
  /// A number.
  Num(f64),
  /// A string of code units below 256, one byte each.
  Latin1(&'a [u8]),
  /// A string as UTF-16LE code units (an even number of bytes).
  Utf16(&'a [u8]),
  /// Anything else: the whole encoded value, for the JS codec.
  Complex(&'a [u8]),
}

/// Encodes a primitive as a top-level value.
pub fn encode_prim(p: &Prim<'_>) -> Vec<u8> {
  match p {
    Prim::Undefined => vec![TAG_UNDEFINED],
    Prim::Null => vec![TAG_NULL],
    Prim::Bool(false) => vec![TAG_FALSE],
    Prim::Bool(true) => vec![TAG_TRUE],
    Prim::Num(n) => {
      let mut v = Vec::with_capacity(9);
      v.push(TAG_F64);
      v.extend_from_slice(&n.to_le_bytes());
      v
    }
    Prim::Latin1(b) => [&[TAG_LATIN1], *b].concat(),
    Prim::Utf16(b) => [&[TAG_UTF16], *b].concat(),
    Prim::Complex(b) => b.to_vec(),
  }
}

/// Decodes a top-level value: primitives directly, the rest as [`Prim::Complex`].
pub fn decode_prim(bytes: &[u8]) -> Prim<'_> {
  match bytes.first() {
    Some(&TAG_UNDEFINED) => Prim::Undefined,
    Some(&TAG_NULL) => Prim::Null,
    Some(&TAG_FALSE) => Prim::Bool(false),
    Some(&TAG_TRUE) => Prim::Bool(true),
    Some(&TAG_F64) if bytes.len() == 9 => {
      let mut b = [0u8; 8];
      b.copy_from_slice(&bytes[1..9]);
      Prim::Num(f64::from_le_bytes(b))
    }
    Some(&TAG_LATIN1) => Prim::Latin1(&bytes[1..]),
    Some(&TAG_UTF16) if bytes.len() % 2 == 1 => Prim::Utf16(&bytes[1..]),
    _ => Prim::Complex(bytes),
  }
}

/// Appends the top-level value encoding of the string with UTF-16 code
/// units `units`: [`TAG_LATIN1`] when every unit is below 256, else
/// [`TAG_UTF16`]. The caller reserves `1 + 2 * units.len()` bytes first if
/// it wants the allocation to be fallible.
pub fn push_str_value(units: &[u16], out: &mut Vec<u8>) {
  if units.iter().all(|&u| u < 256) {
    out.push(TAG_LATIN1);
    out.extend(units.iter().map(|&u| u as u8));
  } else {
    out.push(TAG_UTF16);
    for &u in units {
      out.extend_from_slice(&u.to_le_bytes());
    }
  }
}

/// The UTF-16 code units of a [`Prim::Latin1`] or [`Prim::Utf16`] payload,
/// appended to `out` (cleared first); `None` for other values.
pub fn str_units(p: &Prim<'_>, out: &mut Vec<u16>) -> Option<()> {
  out.clear();
  match p {
    Prim::Latin1(b) => out.extend(b.iter().map(|&b| b as u16)),
    Prim::Utf16(b) => out.extend(b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]))),
    _ => return None,
  }
  Some(())
}

#[cfg(test)]
mod tests {
  use super::*;

  fn key(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut v = Vec::new();
    f(&mut v);
    v
  }

  fn wire(name: &str) -> u32 {
    WIRE
      .iter()
      .find(|(n, _)| *n == name)
      .map(|&(_, v)| v)
      .unwrap_or_else(|| panic!("{name} missing"))
  }

  #[test]
  fn wire_table_is_complete_and_unambiguous() {
    let names: std::collections::HashSet<_> = WIRE.iter().map(|(n, _)| *n).collect();
    assert_eq!(names.len(), WIRE.len(), "a name is listed twice");
    // Every value tag is one byte and no two kinds share a tag.
    let tags: Vec<u32> = WIRE
      .iter()
      .filter(|(n, _)| n.starts_with("TAG_"))
      .map(|&(_, v)| v)
      .collect();
    assert_eq!(tags.len(), 16);
    let distinct: std::collections::HashSet<_> = tags.iter().collect();
    assert_eq!(
      distinct.len(),
      tags.len(),
      "two value kinds share a tag: {tags:?}"
    );
    assert!(tags.iter().all(|&t| t < 256));
    let flags = [
      wire("FLAG_DIRECT"),
      wire("FLAG_SCRATCH"),
      wire("FLAG_BUFFER"),
    ];
    assert_eq!(flags, [0, 1, 2]); // JS tests the flag against 0 first
  }

  #[test]
  fn scratch_fields_do_not_overlap() {
    let fields = [
      (SCRATCH_FLAG, 1),
      (SCRATCH_NEAR_OK, 1),
      (SCRATCH_NEAR_SLOT, 2),
      (SCRATCH_NEAR_GEN, 4),
    ];
    let mut end = 0;
    for (at, len) in fields {
      assert!(at >= end, "scratch field at {at} overlaps the one before");
      end = at + len;
    }
    assert!(end <= SCRATCH_DATA);
    assert_eq!(wire("SCRATCH_DATA") as usize, SCRATCH_DATA);
  }

  #[test]
  fn wtf8_matches_utf8_and_keeps_lone_surrogates_distinct() {
    for s in [
      "",
      "user:42",
      "héllo",
      "日本語",
      "emoji 😀 mixed",
      "\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}",
    ] {
      let units: Vec<u16> = s.encode_utf16().collect();
      let mut out = Vec::new();
      push_wtf8(&units, &mut out);
      assert_eq!(out, s.as_bytes(), "{s}");
    }
    let wtf8 = |units: &[u16]| {
      let mut out = Vec::new();
      push_wtf8(units, &mut out);
      out
    };
    assert_eq!(wtf8(&[0xD800]), [0xED, 0xA0, 0x80]);
    assert_eq!(wtf8(&[0xDC00]), [0xED, 0xB0, 0x80]);
    assert_ne!(wtf8(&[0xD800]), wtf8(&[0xFFFD]));
    assert_eq!(wtf8(&[0x61, 0xDBFF, 0x62]), [0x61, 0xED, 0xAF, 0xBF, 0x62]);
  }

  #[test]
  fn key_kinds_are_distinct() {
    let s = key(|o| str_key("1", o));
    let n = key(|o| num_key(1.0, o));
    let b = key(|o| bigint_key(false, &[1], o));
    let u = key(|o| bytes_key(b"1", o));
    let all = [&s, &n, &b, &u];
    for i in 0..4 {
      for j in 0..4 {
        assert_eq!(i == j, all[i] == all[j]);
      }
    }
  }

  #[test]
  fn number_keys_follow_same_value_zero() {
    assert_eq!(key(|o| num_key(0.0, o)), key(|o| num_key(-0.0, o)));
    assert_eq!(
      key(|o| num_key(f64::NAN, o)),
      key(|o| num_key(-f64::NAN, o))
    );
    assert_ne!(key(|o| num_key(1.0, o)), key(|o| num_key(2.0, o)));
    assert_eq!(
      key(|o| bigint_key(true, &[0, 0], o)),
      key(|o| bigint_key(false, &[], o))
    );
    assert_eq!(
      key(|o| bigint_key(false, &[5, 0], o)),
      key(|o| bigint_key(false, &[5], o))
    );
  }

  #[test]
  fn primitives_round_trip_bit_exact() {
    for p in [
      Prim::Undefined,
      Prim::Null,
      Prim::Bool(true),
      Prim::Bool(false),
      Prim::Latin1(b"h\xe9llo"),
      Prim::Latin1(b""),
      Prim::Utf16(&[0x00, 0xD8, 0x61, 0x00]),
    ] {
      assert_eq!(decode_prim(&encode_prim(&p)), p);
    }
    let mut v = Vec::new();
    push_str_value(&[0x61, 0xE9], &mut v);
    assert_eq!(v, [TAG_LATIN1, 0x61, 0xE9]);
    for n in [-0.0f64, 0.0, 1.5, f64::INFINITY, f64::MIN_POSITIVE] {
      let Prim::Num(back) = decode_prim(&encode_prim(&Prim::Num(n))) else {
        panic!()
      };
      assert_eq!(back.to_bits(), n.to_bits());
    }
    let Prim::Num(nan) = decode_prim(&encode_prim(&Prim::Num(f64::NAN))) else {
      panic!()
    };
    assert!(nan.is_nan());
    assert_eq!(decode_prim(&[TAG_ARRAY, 0]), Prim::Complex(&[TAG_ARRAY, 0]));
  }

  /// A small seeded generator (xorshift64*), so the fuzz loops below are
  /// reproducible without a dependency.
  struct Rng(u64);

  impl Rng {
    fn next(&mut self) -> u64 {
      self.0 ^= self.0 >> 12;
      self.0 ^= self.0 << 25;
      self.0 ^= self.0 >> 27;
      self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Code units biased towards the interesting ones: ASCII, latin1, lone
    /// and paired surrogates, the edges of the BMP.
    fn units(&mut self) -> Vec<u16> {
      let n = (self.next() % 24) as usize;
      (0..n)
        .map(|_| match self.next() % 6 {
          0 => (self.next() % 0x80) as u16,
          1 => (0x80 + self.next() % 0x80) as u16,
          2 => (0xD800 + self.next() % 0x800) as u16,
          3 => [0, 0xFF, 0x100, 0xFFFD, 0xFFFE, 0xFFFF][(self.next() % 6) as usize],
          _ => self.next() as u16,
        })
        .collect()
    }
  }

  #[test]
  fn decode_of_arbitrary_bytes_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut units = Vec::new();
    for _ in 0..200_000 {
      let n = (rng.next() % 20) as usize;
      let mut bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
      if let Some(b) = bytes.first_mut() {
        *b %= 18; // mostly known tags
      }
      let p = decode_prim(&bytes);
      if str_units(&p, &mut units).is_some() {
        // A string re-encodes to exactly its bytes' units.
        let mut again = Vec::new();
        push_str_value(&units, &mut again);
        let mut back = Vec::new();
        str_units(&decode_prim(&again), &mut back).unwrap();
        assert_eq!(back, units);
      }
      if let Prim::Complex(c) = p {
        assert_eq!(c, &bytes[..]);
      }
    }
  }

  #[test]
  fn every_string_round_trips_as_a_value_and_stays_distinct_as_a_key() {
    let mut rng = Rng(42);
    let mut seen = std::collections::HashMap::<Vec<u8>, Vec<u16>>::new();
    let mut back = Vec::new();
    for _ in 0..100_000 {
      let units = rng.units();
      let mut v = Vec::new();
      push_str_value(&units, &mut v);
      assert_eq!(
        v[0] == TAG_LATIN1,
        units.iter().all(|&u| u < 256),
        "{units:x?}"
      );
      str_units(&decode_prim(&v), &mut back).unwrap();
      assert_eq!(back, units);
      let mut k = Vec::new();
      push_wtf8(&units, &mut k);
      if let Some(other) = seen.insert(k, units.clone()) {
        assert_eq!(other, units, "two strings share a key");
      }
    }
    // The classic collisions of a UTF-8-with-replacement encoding.
    let key = |u: &[u16]| {
      let mut k = Vec::new();
      push_wtf8(u, &mut k);
      k
    };
    assert_ne!(key(&[0xD800]), key(&[0xDC00]));
    assert_ne!(key(&[0xD800, 0xDC00]), key(&[0xDC00, 0xD800]));
    assert_ne!(key(&[0xFFFD]), key(&[0xDFFF]));
  }
}
