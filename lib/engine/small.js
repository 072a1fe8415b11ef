'use strict'
// The short wire format of the worker engine: a batch whose every entry is
// a KIND_CALL with primitive arguments (and primitive context values), and
// results that are all primitives, skip v8.Serializer (about 10 µs a stream
// here, most of a one-task round trip) for a few typed writes into a reused
// buffer. Anything else returns null and goes through codec.js. The values
// read back are exactly what structured clone gives: -0, NaN, every string
// (lone surrogates included: two-byte strings travel as UTF-16 code units),
// bigints of any size, undefined, null, booleans.
//
// Layout: TAG (a v8 stream starts with 0xFF instead), then one value: a
// type byte and its payload (little-endian): undefined, null, false, true,
// int32 (4 bytes), float64 (8), latin1 string (u32 length, bytes), two-byte
// string (u32 length, 2 bytes each), bigint (sign in the type; u32 length,
// latin1 hex digits), array (u32 length, elements). Arrays are only ever
// this package's own (the batch and its flat list, a context, the results
// list): a user's array or object is not primitive, so it takes codec.js.

const { KIND_CALL } = require('./entries.js')

/** The first byte of a short stream. */
const TAG = 0x53

const T_UNDEFINED = 0
const T_NULL = 1
const T_FALSE = 2
const T_TRUE = 3
const T_INT = 4
const T_DOUBLE = 5
const T_LATIN1 = 6
const T_TWO_BYTE = 7
const T_BIGINT = 8
const T_NEG_BIGINT = 9
const T_ARRAY = 10

/** A stream longer than this goes through codec.js (v8.Serializer copies long strings faster). */
const MAX_BYTES = 1 << 20
/** Strings up to this length are written and read by a JS loop, longer ones by Buffer's native latin1/ucs2 methods. */
const SHORT_STRING = 32
const NOT_LATIN1 = /[^\0-\xff]/

let buf = Buffer.allocUnsafeSlow(4096)
let view = new DataView(buf.buffer, buf.byteOffset, buf.length)
let pos = 0

/**
 * Makes room for `n` more bytes. False: the stream would exceed MAX_BYTES.
 * @param {number} n
 */
function room(n) {
  const end = pos + n
  if (end <= buf.length) return true
  if (end > MAX_BYTES) return false
  let size = buf.length * 2
  while (size < end) size *= 2
  const next = Buffer.allocUnsafeSlow(Math.min(size, MAX_BYTES))
  buf.copy(next, 0, 0, pos)
  buf = next
  view = new DataView(buf.buffer, buf.byteOffset, buf.length)
  return true
}

/**
 * Whether `v` is a value the short format carries.
 * @param {unknown} v
 */
function isPrimitive(v) {
  const t = typeof v
  return t === 'number' || t === 'string' || t === 'boolean' || t === 'undefined' || t === 'bigint' || v === null
}

/**
 * Writes one primitive (see isPrimitive). False: it does not fit.
 * @param {unknown} v
 */
function writePrimitive(v) {
  if (!room(9)) return false
  switch (typeof v) {
    case 'number':
      if ((v | 0) === v && !Object.is(v, -0)) {
        buf[pos] = T_INT
        view.setInt32(pos + 1, v, true)
        pos += 5
      } else {
        buf[pos] = T_DOUBLE
        view.setFloat64(pos + 1, v, true)
        pos += 9
      }
      return true
    case 'string':
      return writeString(v)
    case 'boolean':
      buf[pos++] = v ? T_TRUE : T_FALSE
      return true
    case 'undefined':
      buf[pos++] = T_UNDEFINED
      return true
    case 'bigint': {
      const negative = v < 0n
      const digits = (negative ? -v : v).toString(16)
      if (!room(5 + digits.length)) return false
      buf[pos] = negative ? T_NEG_BIGINT : T_BIGINT
      view.setUint32(pos + 1, digits.length, true)
      pos += 5
      pos += buf.write(digits, pos, 'latin1')
      return true
    }
    default:
      if (v === null) {
        buf[pos++] = T_NULL
        return true
      }
      return false
  }
}

/** @param {string} s */
function writeString(s) {
  const n = s.length
  if (n <= SHORT_STRING) {
    let wide = false
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) > 0xff) {
        wide = true
        break
      }
    }
    if (!room(5 + (wide ? 2 * n : n))) return false
    buf[pos] = wide ? T_TWO_BYTE : T_LATIN1
    view.setUint32(pos + 1, n, true)
    pos += 5
    if (wide) {
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i)
        buf[pos++] = c & 0xff
        buf[pos++] = c >>> 8
      }
    } else {
      for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i)
    }
    return true
  }
  const wide = NOT_LATIN1.test(s)
  if (!room(5 + (wide ? 2 * n : n))) return false
  buf[pos] = wide ? T_TWO_BYTE : T_LATIN1
  view.setUint32(pos + 1, n, true)
  pos += 5
  pos += buf.write(s, pos, wide ? 'utf16le' : 'latin1')
  return true
}

/**
 * Writes an array header of `n` elements.
 * @param {number} n
 */
function writeArray(n) {
  if (!room(5)) return false
  buf[pos] = T_ARRAY
  view.setUint32(pos + 1, n, true)
  pos += 5
  return true
}

/**
 * The stream written so far: a view over the reused buffer, valid until the
 * next encode (the native side copies it at once).
 */
function finish() {
  return buf.subarray(0, pos)
}

/**
 * The short stream of a batch `[table, flat[from..to)]` (see entries.js),
 * or null when some entry is not a KIND_CALL, some fn is not a bare id (its
 * source travels inline), or some value is not primitive.
 * @param {unknown[]} table
 * @param {unknown[]} flat
 * @param {number} from
 * @param {number} to
 * @returns {Buffer | null}
 */
function encodeBatch(table, flat, from, to) {
  pos = 0
  buf[pos++] = TAG
  if (!writeArray(2) || !writeArray(table.length)) return null
  for (let i = 0; i < table.length; i++) {
    const id = table[i]
    if (typeof id !== 'number' || !writePrimitive(id)) return null
  }
  if (!writeArray(to - from)) return null
  let at = from
  while (at < to) {
    const kind = flat[at]
    if (kind !== KIND_CALL) return null
    const ctx = flat[at + 3]
    const n = /** @type {number} */ (flat[at + 4])
    if (!writePrimitive(kind) || !writePrimitive(flat[at + 1]) || !writePrimitive(flat[at + 2])) return null
    if (ctx === null) {
      if (!writePrimitive(null)) return null
    } else {
      if (!Array.isArray(ctx) || !writeArray(ctx.length)) return null
      for (let i = 0; i < ctx.length; i++) {
        const v = ctx[i]
        if (!isPrimitive(v) || !writePrimitive(v)) return null
      }
    }
    if (!writePrimitive(n)) return null
    for (let i = at + 5; i < at + 5 + n; i++) {
      const v = flat[i]
      if (!isPrimitive(v) || !writePrimitive(v)) return null
    }
    at += 5 + n
  }
  return finish()
}

/**
 * The short stream of a list of values, or null when one is not primitive.
 * @param {unknown[]} values
 * @returns {Buffer | null}
 */
function encodeValues(values) {
  pos = 0
  buf[pos++] = TAG
  if (!writeArray(values.length)) return null
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (!isPrimitive(v) || !writePrimitive(v)) return null
  }
  return finish()
}

/**
 * Whether `bytes` is a short stream (as bytes, or as the latin1 string of
 * its bytes that engineTake hands a worker for a small batch).
 * @param {Uint8Array | string} bytes
 */
function isShort(bytes) {
  if (typeof bytes === 'string') return bytes.charCodeAt(0) === TAG
  return bytes.length > 0 && bytes[0] === TAG
}

/** @type {Buffer} */
let rbuf = buf
/** @type {DataView} */
let rview = view
let rpos = 0
let rend = 0
/** Where a stream given as a string is decoded from (reused). */
let sbuf = Buffer.allocUnsafeSlow(4096)

function corrupt() {
  return new DOMException('Unable to deserialize cloned data.', 'DataCloneError')
}

/** @param {number} n */
function need(n) {
  if (rpos + n > rend) throw corrupt()
}

/** @returns {unknown} */
function readValue() {
  need(1)
  const t = rbuf[rpos++]
  switch (t) {
    case T_UNDEFINED:
      return undefined
    case T_NULL:
      return null
    case T_FALSE:
      return false
    case T_TRUE:
      return true
    case T_INT: {
      need(4)
      const v = rview.getInt32(rpos, true)
      rpos += 4
      return v
    }
    case T_DOUBLE: {
      need(8)
      const v = rview.getFloat64(rpos, true)
      rpos += 8
      return v
    }
    case T_LATIN1:
    case T_TWO_BYTE: {
      need(4)
      const n = rview.getUint32(rpos, true)
      rpos += 4
      const bytes = t === T_LATIN1 ? n : 2 * n
      need(bytes)
      const start = rpos
      rpos += bytes
      if (n <= SHORT_STRING) {
        let s = ''
        if (t === T_LATIN1) for (let i = start; i < rpos; i++) s += String.fromCharCode(rbuf[i])
        else for (let i = start; i < rpos; i += 2) s += String.fromCharCode(rbuf[i] | (rbuf[i + 1] << 8))
        return s
      }
      return rbuf.toString(t === T_LATIN1 ? 'latin1' : 'utf16le', start, rpos)
    }
    case T_BIGINT:
    case T_NEG_BIGINT: {
      need(4)
      const n = rview.getUint32(rpos, true)
      rpos += 4
      need(n)
      const digits = rbuf.toString('latin1', rpos, rpos + n)
      rpos += n
      const v = BigInt(`0x${digits}`)
      return t === T_NEG_BIGINT ? -v : v
    }
    case T_ARRAY: {
      need(4)
      const n = rview.getUint32(rpos, true)
      rpos += 4
      // Every element takes at least one byte: a corrupt length fails here, not in `new Array`.
      need(n)
      const out = new Array(n)
      for (let i = 0; i < n; i++) out[i] = readValue()
      return out
    }
    default:
      throw corrupt()
  }
}

/**
 * The value of a short stream (see isShort). Throws a DataCloneError when
 * it is corrupt.
 * @param {Uint8Array | string} bytes
 * @returns {unknown}
 */
function decode(bytes) {
  if (typeof bytes === 'string') {
    if (sbuf.length < bytes.length) sbuf = Buffer.allocUnsafeSlow(bytes.length * 2)
    rbuf = sbuf
    rend = sbuf.write(bytes, 0, 'latin1')
  } else {
    rbuf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    rend = rbuf.length
  }
  rview = new DataView(rbuf.buffer, rbuf.byteOffset, rbuf.length)
  rpos = 1
  try {
    const value = readValue()
    if (rpos !== rend) throw corrupt()
    return value
  } finally {
    rbuf = buf
    rview = view
  }
}

module.exports = { TAG, MAX_BYTES, encodeBatch, encodeValues, isShort, decode, isPrimitive }
