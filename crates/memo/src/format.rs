//! The byte formats of keys and values, shared with `lib/memo.js`.
//!
//! **Keys** are a kind tag then the payload, so `1` and `'1'` differ:
//! [`KEY_STR`] + UTF-8 (lone surrogates as WTF-8), [`KEY_NUM`] + f64 LE (`-0` folded to `0`, one NaN),
//! [`KEY_BIGINT`] + sign byte + u64 LE words, [`KEY_BYTES`] + bytes.
//!
//! **Values** start with a tag. The binding builds and reads the primitive
//! ones itself ([`Prim`]); everything else ([`TAG_ARRAY`], [`TAG_OBJECT`],
//! Buffers, typed arrays, bigints, dates) is written and read by the JS
//! codec in `lib/memo.js` and is opaque here.

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
/// Value tag: a string. Top level: the rest is UTF-8; nested: varint length first.
pub const TAG_STR: u8 = 6;
/// Value tag (top level only): a string whose UTF-8 is all ASCII, so the
/// binding can build it as a one-byte (latin1) string, V8's cheapest kind.
pub const TAG_ASCII: u8 = 14;
/// Value tag: an array (JS codec).
pub const TAG_ARRAY: u8 = 8;
/// Value tag: a plain object (JS codec).
pub const TAG_OBJECT: u8 = 9;

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
  /// A string (UTF-8, validated on write).
  Str(&'a str),
  /// A string that is all ASCII.
  Ascii(&'a str),
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
    Prim::Str(s) | Prim::Ascii(s) => {
      let mut v = Vec::with_capacity(1 + s.len());
      v.push(if s.is_ascii() { TAG_ASCII } else { TAG_STR });
      v.extend_from_slice(s.as_bytes());
      v
    }
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
    Some(&TAG_ASCII) if bytes[1..].is_ascii() => {
      // SAFETY: ASCII is valid UTF-8 (checked just above).
      Prim::Ascii(unsafe { std::str::from_utf8_unchecked(&bytes[1..]) })
    }
    Some(&TAG_STR) => match std::str::from_utf8(&bytes[1..]) {
      Ok(s) => Prim::Str(s),
      Err(_) => Prim::Complex(bytes),
    },
    _ => Prim::Complex(bytes),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn key(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut v = Vec::new();
    f(&mut v);
    v
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
      Prim::Str("héllo"),
      Prim::Ascii(""),
    ] {
      assert_eq!(decode_prim(&encode_prim(&p)), p);
    }
    assert_eq!(
      decode_prim(&encode_prim(&Prim::Str("abc"))),
      Prim::Ascii("abc")
    );
    assert_eq!(encode_prim(&Prim::Str("abc"))[0], TAG_ASCII);
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
}
