'use strict'
// The Memo value codec: every value that is not a top-level primitive is
// encoded here into one compact byte string and decoded from the bytes
// native `get` leaves in the scratch block (or a Buffer of them). The tags
// are the Rust-defined wire format (./wire.js); the top-level primitive
// ones are also built and read by the binding (crates/memo/src/format.rs).
//
// Strings are kept as their exact UTF-16 code units (lone surrogates
// included): latin1 bytes when every unit is below 256, else UTF-16LE.
//
// Re-entrancy: getters, Proxy traps and toJSON-free user code can run while a
// value is encoded (and prototype setters while one is decoded). A nested
// encode gets a writer of its own and a nested decode restores the outer
// reader after, so re-entrant calls behave like the same calls one after
// another.

const { codeError, kindOf, messageOf } = require('../errors.js')
const { WIRE } = require('./wire.js')

/**
 * A Buffer with Node's internal string methods (on every Buffer, untyped in @types/node):
 * they skip the encoding dispatch of `write`/`toString`.
 * @typedef {Buffer & {
 *   ucs2Write(s: string, at: number): number,
 *   latin1Write(s: string, at: number): number,
 *   ucs2Slice(start?: number, end?: number): string,
 *   latin1Slice(start?: number, end?: number): string,
 * }} RawBuffer
 */

// Tags, from the wire format.
const T_UNDEFINED = WIRE.TAG_UNDEFINED
const T_NULL = WIRE.TAG_NULL
const T_FALSE = WIRE.TAG_FALSE
const T_TRUE = WIRE.TAG_TRUE
const T_F64 = WIRE.TAG_F64
const T_INT = WIRE.TAG_INT
const T_STR = WIRE.TAG_STR
const T_BIGINT = WIRE.TAG_BIGINT
const T_ARRAY = WIRE.TAG_ARRAY
const T_OBJECT = WIRE.TAG_OBJECT
const T_BUFFER = WIRE.TAG_BUFFER
const T_TYPED = WIRE.TAG_TYPED
const T_DATE = WIRE.TAG_DATE
const T_ARRAYBUFFER = WIRE.TAG_ARRAYBUFFER

/** The typed array kinds: a kind on the wire is an index into this list (JS-only, append new kinds at the end). */
const TYPED = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
]
const TYPED_KIND = new Map(TYPED.map((C, i) => [C.prototype, i]))

/** Containers nested deeper than this are refused (the encoder recurses). */
const MAX_DEPTH = 1000

// Intrinsics, taken once: a value's own `buffer`/`getTime`/... properties
// must neither lie to the encoder nor run user code.
/** `call(fn, self)` is `fn.call(self)`, with no `call` property of `fn` looked up. */
const call = /** @type {<R>(fn: (this: unknown) => R, self: unknown) => R} */ (Function.prototype.call.bind(Function.prototype.call))
const TA_PROTO = Object.getPrototypeOf(Uint8Array.prototype)
const taBuffer = /** @type {(this: unknown) => ArrayBuffer} */ (getter(TA_PROTO, 'buffer'))
const taByteOffset = /** @type {(this: unknown) => number} */ (getter(TA_PROTO, 'byteOffset'))
const taByteLength = /** @type {(this: unknown) => number} */ (getter(TA_PROTO, 'byteLength'))
const abByteLength = /** @type {(this: unknown) => number} */ (getter(ArrayBuffer.prototype, 'byteLength'))
const dateGetTime = Date.prototype.getTime
const isArray = Array.isArray
const getPrototypeOf = Object.getPrototypeOf
const objectKeys = Object.keys
const defineProperty = Object.defineProperty

/**
 * The accessor `name` of `proto`, an intrinsic that exists in every Node.
 * @param {object} proto
 * @param {string} name
 * @returns {Function}
 */
function getter(proto, name) {
  const get = Object.getOwnPropertyDescriptor(proto, name)?.get
  if (get === undefined) throw new Error(`napi-parallel: the intrinsic getter ${name} is missing`)
  return get
}

// ---- errors ---------------------------------------------------------------

/** Thrown inside the encoder; each container level prepends its key. */
// oxlint-disable-next-line typescript/no-extraneous-class -- thrown and caught by instanceof, so user errors stay apart
class EncodeFailure {
  /**
   * @param {'type' | 'cyclic' | 'detached' | 'deep' | 'unreadable'} kind
   * @param {string} what the value refused, for the message
   * @param {unknown} [cause] what user code threw ('unreadable')
   */
  constructor(kind, what, cause) {
    this.kind = kind
    this.what = what
    this.cause = cause
    /** @type {(string | number)[]} keys from the root down to the failing value */
    this.path = []
  }
}

/**
 * The coded JS error for an encode failure under `root` (the argument's name).
 * @param {EncodeFailure} f
 * @param {string} root
 */
function toJsError(f, root) {
  let where = root
  for (const p of f.path) where += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`
  if (f.kind === 'cyclic') {
    return codeError(TypeError, 'ERR_MEMO_CYCLIC', `Memo cannot store a cyclic value: ${where} refers back to one of its ancestors.`)
  }
  if (f.kind === 'detached') {
    return codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `Memo cannot store ${f.what} (at ${where}): its ArrayBuffer is detached.`)
  }
  if (f.kind === 'deep') {
    return codeError(RangeError, 'ERR_OUT_OF_RANGE', `Memo cannot store ${root}: it is nested more than ${MAX_DEPTH} levels deep.`)
  }
  if (f.kind === 'unreadable') {
    const e = codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `Memo could not read ${where}: ${messageOf(f.cause)}`)
    e.cause = f.cause
    return e
  }
  return codeError(
    TypeError,
    'ERR_INVALID_ARG_TYPE',
    `Memo cannot store ${f.what} (at ${where}). Supported: string, number, boolean, null, undefined, bigint, Buffer, TypedArray, ArrayBuffer, Date, plain objects and arrays.`,
  )
}

// ---- writer ---------------------------------------------------------------

const WRITER_BYTES = 16 * 1024
let wb = /** @type {RawBuffer} */ (Buffer.allocUnsafeSlow(WRITER_BYTES))
let wdv = new DataView(wb.buffer, wb.byteOffset, wb.byteLength)
let wp = 0
let canonical = false
/** @type {object[]} the containers being encoded, root first (cycle and depth checks) */
let ancestors = []
/** Whether an encode is running (a nested one gets its own writer). */
let encoding = false
/** The buffer the last `encode` wrote (its first `n` bytes). */
let out = wb

/**
 * Makes room for `n` more bytes in the writer.
 * @param {number} n
 */
function ensure(n) {
  if (wp + n <= wb.length) return
  let size = wb.length * 2
  while (size < wp + n) size *= 2
  const nb = /** @type {RawBuffer} */ (Buffer.allocUnsafeSlow(size))
  wb.copy(nb, 0, 0, wp)
  wb = nb
  wdv = new DataView(wb.buffer, wb.byteOffset, wb.byteLength)
}

/** @param {number} n an unsigned integer below 2 ** 32 */
function varint(n) {
  ensure(5)
  while (n >= 0x80) {
    wb[wp++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  wb[wp++] = n
}

/** True when some code unit of `s` is 256 or more. */
// oxlint-disable-next-line no-control-regex -- the range is every latin1 code unit, U+0000 included
const WIDE = /[^\u0000-\u00ff]/

/**
 * A string: varint `units * 2 + wide`, then latin1 bytes or UTF-16LE units.
 * @param {string} s
 */
function writeStr(s) {
  const len = s.length
  if (len < 64) {
    // A one-byte header; latin1 unless a unit is >= 256.
    ensure(1 + len * 2)
    const at = wp
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x100) {
        wb[at] = len * 2 + 1
        wp = at + 1
        wp += wb.ucs2Write(s, wp)
        return
      }
      wb[at + 1 + i] = c
    }
    wb[at] = len * 2
    wp = at + 1 + len
    return
  }
  if (WIDE.test(s)) {
    varint(len * 2 + 1)
    ensure(len * 2)
    wp += wb.ucs2Write(s, wp)
  } else {
    varint(len * 2)
    ensure(len)
    wp += wb.latin1Write(s, wp)
  }
}

/** @param {Uint8Array} u8 */
function writeBytes(u8) {
  varint(u8.byteLength)
  ensure(u8.byteLength)
  wb.set(u8, wp)
  wp += u8.byteLength
}

/** @param {unknown} v */
function enc(v) {
  switch (typeof v) {
    case 'string':
      ensure(1)
      wb[wp++] = T_STR
      writeStr(v)
      return
    case 'number':
      if (Number.isInteger(v) && v <= 0x3fffffff && v >= -0x40000000 && !Object.is(v, -0)) {
        ensure(1)
        wb[wp++] = T_INT
        varint(((v << 1) ^ (v >> 31)) >>> 0)
      } else {
        ensure(9)
        wb[wp++] = T_F64
        wdv.setFloat64(wp, v, true)
        wp += 8
      }
      return
    case 'boolean':
      ensure(1)
      wb[wp++] = v ? T_TRUE : T_FALSE
      return
    case 'undefined':
      ensure(1)
      wb[wp++] = T_UNDEFINED
      return
    case 'bigint': {
      ensure(2)
      wb[wp++] = T_BIGINT
      wb[wp++] = v < 0n ? 1 : 0
      writeStr((v < 0n ? -v : v).toString(16))
      return
    }
    case 'object':
      if (v === null) {
        ensure(1)
        wb[wp++] = T_NULL
        return
      }
      return encObject(v)
    default:
      throw new EncodeFailure('type', kindOf(v))
  }
}

/**
 * `e` as an EncodeFailure at container key `k`: a throwing getter or Proxy trap becomes an 'unreadable' one.
 * @param {unknown} e
 * @param {string | number} k
 */
function failureAt(e, k) {
  const f = e instanceof EncodeFailure ? e : new EncodeFailure('unreadable', '', e)
  f.path.unshift(k)
  return f
}

/**
 * The bytes under a typed array (intrinsic getters: no user code runs).
 * @param {ArrayBufferView} v
 */
function viewBytes(v) {
  let ab, off, len
  try {
    ab = call(taBuffer, v)
    off = call(taByteOffset, v)
    len = call(taByteLength, v)
  } catch {
    throw new EncodeFailure('type', kindOf(v))
  }
  try {
    return new Uint8Array(ab, off, len)
  } catch {
    throw new EncodeFailure('detached', kindOf(v))
  }
}

/** @param {ArrayBuffer} v */
function arrayBufferBytes(v) {
  let len
  try {
    len = call(abByteLength, v)
  } catch {
    throw new EncodeFailure('type', kindOf(v))
  }
  try {
    return new Uint8Array(v, 0, len)
  } catch {
    throw new EncodeFailure('detached', 'an ArrayBuffer')
  }
}

// User code (getters, Proxy traps) that throws inside `encObject` is caught
// by the enclosing container (`failureAt`) or by `encode`, and reported as
// an 'unreadable' failure at its path.
/** @param {object} v */
function encObject(v) {
  const array = isArray(v)
  const proto = array ? null : getPrototypeOf(v)
  if (array) {
    enter(v)
    ensure(1)
    wb[wp++] = T_ARRAY
    const n = v.length
    if (typeof n !== 'number' || !(n >= 0 && n <= 0xffffffff)) throw new EncodeFailure('type', 'an array with a bad length')
    varint(n)
    for (let i = 0; i < n; i++) {
      try {
        enc(v[i])
      } catch (e) {
        throw failureAt(e, i)
      }
    }
    ancestors.pop()
    return
  }
  if (proto === Object.prototype || proto === null) {
    enter(v)
    ensure(1)
    wb[wp++] = T_OBJECT
    const o = /** @type {Record<string, unknown>} */ (v)
    const keys = objectKeys(o)
    if (canonical) keys.sort()
    varint(keys.length)
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]
      writeStr(k)
      try {
        enc(o[k])
      } catch (e) {
        throw failureAt(e, k)
      }
    }
    ancestors.pop()
    return
  }
  if (ArrayBuffer.isView(v)) {
    if (Buffer.isBuffer(v)) {
      const bytes = viewBytes(v)
      ensure(1)
      wb[wp++] = T_BUFFER
      writeBytes(bytes)
      return
    }
    const kind = TYPED_KIND.get(proto)
    if (kind === undefined) throw new EncodeFailure('type', kindOf(v))
    const bytes = viewBytes(v)
    ensure(2)
    wb[wp++] = T_TYPED
    wb[wp++] = kind
    writeBytes(bytes)
    return
  }
  if (proto === Date.prototype) {
    let time
    try {
      time = call(dateGetTime, v)
    } catch {
      throw new EncodeFailure('type', kindOf(v))
    }
    ensure(9)
    wb[wp++] = T_DATE
    wdv.setFloat64(wp, time, true)
    wp += 8
    return
  }
  if (proto === ArrayBuffer.prototype) {
    const bytes = arrayBufferBytes(/** @type {ArrayBuffer} */ (v))
    ensure(1)
    wb[wp++] = T_ARRAYBUFFER
    writeBytes(bytes)
    return
  }
  throw new EncodeFailure('type', kindOf(v))
}

/** @param {object} v a container about to be encoded */
function enter(v) {
  if (ancestors.length >= MAX_DEPTH) throw new EncodeFailure('deep', '')
  for (let i = 0; i < ancestors.length; i++) {
    if (ancestors[i] === v) throw new EncodeFailure('cyclic', 'a cyclic value')
  }
  ancestors.push(v)
}

/**
 * Encodes `v`; returns its length, the bytes being the start of `out`. An
 * encode started while another runs (a getter inside the value calling
 * `set` or a memoized function) writes into a writer of its own, and the
 * outer one resumes untouched.
 * @param {unknown} v
 * @param {boolean} canon sort object keys (memoize's argument keys)
 * @param {string} root the argument's name, for errors
 * @returns {number}
 */
function encode(v, canon, root) {
  if (encoding) return encodeNested(v, canon, root)
  encoding = true
  wp = 0
  canonical = canon
  ancestors.length = 0
  try {
    enc(v)
  } catch (e) {
    ancestors.length = 0
    encoding = false
    throw toJsError(e instanceof EncodeFailure ? e : new EncodeFailure('unreadable', '', e), root)
  }
  encoding = false
  out = wb
  return wp
}

/**
 * @param {unknown} v
 * @param {boolean} canon
 * @param {string} root
 * @returns {number}
 */
function encodeNested(v, canon, root) {
  /** @type {[RawBuffer, DataView, number, boolean, object[]]} */
  const saved = [wb, wdv, wp, canonical, ancestors]
  wb = /** @type {RawBuffer} */ (Buffer.allocUnsafe(256))
  wdv = new DataView(wb.buffer, wb.byteOffset, wb.byteLength)
  wp = 0
  canonical = canon
  ancestors = []
  try {
    enc(v)
    out = wb
    return wp
  } catch (e) {
    throw toJsError(e instanceof EncodeFailure ? e : new EncodeFailure('unreadable', '', e), root)
  } finally {
    ;[wb, wdv, wp, canonical, ancestors] = saved
  }
}

// ---- reader ---------------------------------------------------------------

let rb = wb
let rdv = wdv
let rp = 0

function readVarint() {
  const b0 = rb[rp++]
  return b0 < 0x80 ? b0 : readVarintSlow(b0)
}

/** @param {number} b0 the first byte, with its continuation bit set */
function readVarintSlow(b0) {
  let n = b0 & 0x7f
  let shift = 7
  let b
  do {
    b = rb[rp++]
    n += (b & 0x7f) * 2 ** shift
    shift += 7
  } while (b & 0x80)
  return n
}

function readStr() {
  const h = readVarint()
  const n = Math.floor(h / 2)
  const start = rp
  room(h & 1 ? n * 2 : n)
  if (h & 1) {
    rp += n * 2
    return rb.ucs2Slice(start, rp)
  }
  rp += n
  if (n <= 8) {
    const b = rb
    const f = String.fromCharCode
    const a = start
    switch (n) {
      case 0: return ''
      case 1: return f(b[a])
      case 2: return f(b[a], b[a + 1])
      case 3: return f(b[a], b[a + 1], b[a + 2])
      case 4: return f(b[a], b[a + 1], b[a + 2], b[a + 3])
      case 5: return f(b[a], b[a + 1], b[a + 2], b[a + 3], b[a + 4])
      case 6: return f(b[a], b[a + 1], b[a + 2], b[a + 3], b[a + 4], b[a + 5])
      case 7: return f(b[a], b[a + 1], b[a + 2], b[a + 3], b[a + 4], b[a + 5], b[a + 6])
      case 8: return f(b[a], b[a + 1], b[a + 2], b[a + 3], b[a + 4], b[a + 5], b[a + 6], b[a + 7])
    }
  }
  return rb.latin1Slice(start, rp)
}

// Property names repeat: decode each short one once and reuse the string, so
// V8 sees the same (internalized) key and keeps its fast object shapes.
const KEY_CACHE_SIZE = 4096
/** @type {(Uint8Array | null)[]} */
const keyCacheBytes = new Array(KEY_CACHE_SIZE).fill(null)
const keyCacheStr = new Array(KEY_CACHE_SIZE).fill('')

function readKey() {
  // The cache is keyed by the header byte and the bytes after it.
  const head = rb[rp]
  if (head >= 0x80) return readStr()
  const n = (head >> 1) << (head & 1) // bytes: units, or 2 per unit when wide
  if (n > 32) return readStr()
  const start = rp
  const end = start + 1 + n
  let h = n
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + rb[i]) | 0
  h &= KEY_CACHE_SIZE - 1
  const cached = keyCacheBytes[h]
  if (cached !== null && cached.length === n + 1) {
    let same = true
    for (let i = 0; i <= n; i++) {
      if (cached[i] !== rb[start + i]) {
        same = false
        break
      }
    }
    if (same) {
      rp = end
      return keyCacheStr[h]
    }
  }
  const s = readStr()
  // A copy: Buffer#slice is a view, and the scratch under it is rewritten by
  // the next get (the cache then "matched" whatever bytes lay there later).
  keyCacheBytes[h] = Uint8Array.prototype.slice.call(rb, start, end)
  keyCacheStr[h] = s
  return s
}

/**
 * Checks that `n` more bytes exist: a length read from corrupt bytes (from
 * the raw binding's `setEncoded`) never sizes an allocation beyond them.
 * @param {number} n
 */
function room(n) {
  if (n > rb.length - rp) throw codeError(Error, 'ERR_MEMO_CORRUPT', 'Memo: a stored value is truncated')
}

function readCopy() {
  const n = readVarint()
  room(n)
  const ab = new ArrayBuffer(n)
  new Uint8Array(ab).set(rb.subarray(rp, rp + n))
  rp += n
  return ab
}

function dec() {
  const t = rb[rp++]
  switch (t) {
    case T_UNDEFINED:
      return undefined
    case T_NULL:
      return null
    case T_FALSE:
      return false
    case T_TRUE:
      return true
    case T_F64: {
      const v = rdv.getFloat64(rp, true)
      rp += 8
      return v
    }
    case T_INT: {
      const z = readVarint()
      return (z >>> 1) ^ -(z & 1)
    }
    case T_STR:
      return readStr()
    case T_BIGINT: {
      const neg = rb[rp++] === 1
      const v = BigInt('0x' + readStr())
      return neg ? -v : v
    }
    case T_ARRAY: {
      const n = readVarint()
      room(n) // at least one byte per element
      const a = new Array(n)
      for (let i = 0; i < n; i++) a[i] = dec()
      return a
    }
    case T_OBJECT: {
      const n = readVarint()
      room(n)
      if (n > 0 && n <= 32) return decShaped(n)
      /** @type {Record<string, unknown>} */
      const o = {}
      for (let i = 0; i < n; i++) {
        const k = readKey()
        const v = dec()
        // Define, never assign, over an inherited name: no prototype setter runs.
        if (k in o) defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true })
        else o[k] = v
      }
      return o
    }
    case T_BUFFER: {
      const n = readVarint()
      room(n)
      const b = Buffer.allocUnsafe(n)
      b.set(rb.subarray(rp, rp + n))
      rp += n
      return b
    }
    case T_TYPED: {
      const C = TYPED[rb[rp++]]
      return new C(readCopy())
    }
    case T_DATE: {
      const v = rdv.getFloat64(rp, true)
      rp += 8
      return new Date(v)
    }
    case T_ARRAYBUFFER:
      return readCopy()
    default:
      throw codeError(Error, 'ERR_MEMO_CORRUPT', `Memo: unknown value tag ${t}`)
  }
}

// Objects of a repeated shape (same keys, same order) are built by a
// generated object literal, so V8 gives them their final hidden class at once
// instead of one keyed store per property. Shapes form a trie over the
// (cached) key strings, capped in size.
const MAX_SHAPES = 4096
let shapeCount = 0
/**
 * A trie node: the shape of the keys read so far.
 * @typedef {object} Shape
 * @property {Map<string, Shape | null>} next null: no node (the trie is full, or `__proto__`)
 * @property {((v: unknown[]) => Record<string, unknown>) | null} ctor the generated builder, once the shape repeats
 * @property {number} hits objects of this shape built so far
 */
/** @type {Shape} */
const shapeRoot = { next: new Map(), ctor: null, hits: 0 }

/** @param {number} n the object's key count (1-32) */
function decShaped(n) {
  /** @type {string[]} */
  const keys = new Array(n)
  /** @type {unknown[]} */
  const vals = new Array(n)
  /** @type {Shape | null | undefined} */
  let node = shapeRoot
  for (let i = 0; i < n; i++) {
    const k = readKey()
    keys[i] = k
    vals[i] = dec()
    if (node !== null) {
      let next = node.next.get(k)
      if (next === undefined) {
        if (shapeCount >= MAX_SHAPES || k === '__proto__') {
          next = null
        } else {
          shapeCount++
          next = { next: new Map(), ctor: null, hits: 0 }
          node.next.set(k, next)
        }
      }
      node = next
    }
  }
  if (node !== null) {
    if (node.ctor !== null) return node.ctor(vals)
    if (++node.hits >= 2) {
      node.ctor = /** @type {(v: unknown[]) => Record<string, unknown>} */ (new Function('v', `return {${keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ')}}`))
      return node.ctor(vals)
    }
  }
  /** @type {Record<string, unknown>} */
  const o = {}
  for (let i = 0; i < n; i++) {
    const k = keys[i]
    if (k in o) defineProperty(o, k, { value: vals[i], writable: true, enumerable: true, configurable: true })
    else o[k] = vals[i]
  }
  return o
}

/** Decodes running (a get meanwhile reads a private copy, see Memo#get). */
let decoding = 0

/**
 * Decodes the value at `buf[start..]`; re-entrant.
 * @param {Buffer} buf
 * @param {number} start
 * @returns {unknown}
 */
function decode(buf, start) {
  if (decoding !== 0) return decodeNested(buf, start)
  if (buf !== rb) {
    rb = /** @type {RawBuffer} */ (buf)
    rdv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }
  rp = start
  decoding = 1
  let v
  try {
    v = dec()
  } catch (e) {
    decoding = 0
    throw corrupt(e)
  }
  decoding = 0
  return v
}

/**
 * A decode started inside another (user code ran meanwhile): restores the outer reader after.
 * @param {Buffer} buf
 * @param {number} start
 */
function decodeNested(buf, start) {
  const savedRb = rb
  const savedRdv = rdv
  const savedRp = rp
  rb = /** @type {RawBuffer} */ (buf)
  rdv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  rp = start
  decoding++
  try {
    return dec()
  } catch (e) {
    throw corrupt(e)
  } finally {
    decoding--
    rb = savedRb
    rdv = savedRdv
    rp = savedRp
  }
}

/**
 * `e` as an `ERR_MEMO_CORRUPT` error (kept if it is one).
 * @param {unknown} e
 */
function corrupt(e) {
  if (e && /** @type {{ code?: unknown }} */ (e).code === 'ERR_MEMO_CORRUPT') return e
  return codeError(Error, 'ERR_MEMO_CORRUPT', `Memo: a stored value could not be decoded (${messageOf(e)})`)
}

/** The buffer the last `encode` wrote (its first `n` bytes, `n` being what `encode` returned). */
function encoded() {
  return out
}

/** Whether a decode is running (a `get` meanwhile must read a private copy, see Memo#get). */
function isDecoding() {
  return decoding !== 0
}

module.exports = { TYPED, MAX_DEPTH, encode, encoded, decode, isDecoding, viewBytes }
