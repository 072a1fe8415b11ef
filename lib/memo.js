'use strict'
// Memo: a process-wide native cache (crates/memo via src/memo.rs) plus the
// value codec and memoize().
//
// Primitives (string, number, boolean, null, undefined) go to the native side
// as they are. Everything else is encoded here into one compact byte string
// (tags below; the top-level primitive tags are shared with
// crates/memo/src/format.rs) and decoded on a hit from a per-instance scratch
// Buffer that the native `get` fills, so a hit allocates nothing natively.

const { NativeMemo } = require('../binding.js')

// Tags. 0-6 are shared with the Rust core (format.rs).
const T_UNDEFINED = 0
const T_NULL = 1
const T_FALSE = 2
const T_TRUE = 3
const T_F64 = 4
const T_INT = 5
const T_STR = 6
const T_BIGINT = 7
const T_ARRAY = 8
const T_OBJECT = 9
const T_BUFFER = 10
const T_TYPED = 11
const T_DATE = 12
const T_ARRAYBUFFER = 13

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

const SCRATCH_BYTES = 16 * 1024
const SCRATCH_DATA = 8 // bytes 0-7: value flag and near-cache offer (src/memo.rs)

/** Entries a Memo keeps in its thread's near cache (cleared when full). */
const NEAR_CAPACITY = 4096
/** Near hits of one entry before a native read refreshes it (and tells the eviction policy it is hot). */
const NEAR_REFRESH = 32

// ---- errors ---------------------------------------------------------------

function codeError(Ctor, code, message) {
  const e = new Ctor(message)
  e.code = code
  return e
}

/** Thrown inside the encoder; each container level prepends its key. */
class EncodeFailure {
  constructor(kind, what) {
    this.kind = kind
    this.what = what
    this.path = []
  }
}

function describe(v) {
  if (typeof v === 'function') return 'a function'
  if (typeof v === 'symbol') return 'a symbol'
  const proto = Object.getPrototypeOf(v)
  const name = proto && proto.constructor && proto.constructor.name
  return name ? `an instance of ${name}` : 'an object with a custom prototype'
}

function toJsError(f, root) {
  let where = root
  for (const p of f.path) where += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`
  if (f.kind === 'cyclic') {
    return codeError(TypeError, 'ERR_MEMO_CYCLIC', `Memo cannot store a cyclic value: ${where} refers back to one of its ancestors.`)
  }
  return codeError(
    TypeError,
    'ERR_INVALID_ARG_TYPE',
    `Memo cannot store ${f.what} (at ${where}). Supported: string, number, boolean, null, undefined, bigint, Buffer, TypedArray, ArrayBuffer, Date, plain objects and arrays.`,
  )
}

// ---- writer ---------------------------------------------------------------

let wb = Buffer.allocUnsafeSlow(SCRATCH_BYTES)
let wdv = new DataView(wb.buffer, wb.byteOffset, wb.byteLength)
let wp = 0
let canonical = false
const ancestors = []

function ensure(n) {
  if (wp + n <= wb.length) return
  let size = wb.length * 2
  while (size < wp + n) size *= 2
  const nb = Buffer.allocUnsafeSlow(size)
  wb.copy(nb, 0, 0, wp)
  wb = nb
  wdv = new DataView(wb.buffer, wb.byteOffset, wb.byteLength)
}

function varint(n) {
  ensure(5)
  while (n >= 0x80) {
    wb[wp++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  wb[wp++] = n
}

function writeStr(s) {
  const len = s.length
  if (len < 43) {
    // At most 126 UTF-8 bytes: a one-byte length, written after the bytes.
    ensure(1 + len * 3)
    const at = wp++
    let ascii = true
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x80) {
        ascii = false
        break
      }
      wb[wp + i] = c
    }
    if (ascii) {
      wp += len
      wb[at] = len
    } else {
      const n = wb.utf8Write(s, wp)
      wp += n
      wb[at] = n
    }
    return
  }
  const n = Buffer.byteLength(s)
  varint(n)
  ensure(n)
  wp += wb.utf8Write(s, wp)
}

function writeBytes(u8) {
  varint(u8.byteLength)
  ensure(u8.byteLength)
  wb.set(u8, wp)
  wp += u8.byteLength
}

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
      throw new EncodeFailure('type', describe(v))
  }
}

function encObject(v) {
  if (Array.isArray(v)) {
    enter(v)
    ensure(1)
    wb[wp++] = T_ARRAY
    const n = v.length
    varint(n)
    for (let i = 0; i < n; i++) {
      try {
        enc(v[i])
      } catch (e) {
        if (e instanceof EncodeFailure) e.path.unshift(i)
        throw e
      }
    }
    ancestors.pop()
    return
  }
  const proto = Object.getPrototypeOf(v)
  if (proto === Object.prototype || proto === null) {
    enter(v)
    ensure(1)
    wb[wp++] = T_OBJECT
    const keys = Object.keys(v)
    if (canonical) keys.sort()
    varint(keys.length)
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]
      writeStr(k)
      try {
        enc(v[k])
      } catch (e) {
        if (e instanceof EncodeFailure) e.path.unshift(k)
        throw e
      }
    }
    ancestors.pop()
    return
  }
  if (Buffer.isBuffer(v)) {
    ensure(1)
    wb[wp++] = T_BUFFER
    writeBytes(v)
    return
  }
  if (ArrayBuffer.isView(v)) {
    const kind = TYPED_KIND.get(proto)
    if (kind === undefined) throw new EncodeFailure('type', describe(v))
    ensure(2)
    wb[wp++] = T_TYPED
    wb[wp++] = kind
    writeBytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    return
  }
  if (proto === Date.prototype) {
    ensure(9)
    wb[wp++] = T_DATE
    wdv.setFloat64(wp, v.getTime(), true)
    wp += 8
    return
  }
  if (proto === ArrayBuffer.prototype) {
    ensure(1)
    wb[wp++] = T_ARRAYBUFFER
    writeBytes(new Uint8Array(v))
    return
  }
  throw new EncodeFailure('type', describe(v))
}

function enter(v) {
  for (let i = 0; i < ancestors.length; i++) {
    if (ancestors[i] === v) throw new EncodeFailure('cyclic', 'a cyclic value')
  }
  ancestors.push(v)
}

/** Encodes `v` into the module writer; returns its length. */
function encode(v, canon, root) {
  wp = 0
  canonical = canon
  ancestors.length = 0
  try {
    enc(v)
  } catch (e) {
    ancestors.length = 0
    throw e instanceof EncodeFailure ? toJsError(e, root) : e
  }
  return wp
}

// ---- reader ---------------------------------------------------------------

let rb = wb
let rdv = wdv
let rp = 0

function readVarint() {
  const b0 = rb[rp++]
  return b0 < 0x80 ? b0 : readVarintSlow(b0)
}

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
  const n = readVarint()
  const start = rp
  rp += n
  if (n <= 12) {
    const b = rb
    let or = 0
    for (let i = start; i < rp; i++) or |= b[i]
    if (or < 0x80) {
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
  }

  return rb.utf8Slice(start, rp)
}

// Property names repeat: decode each short one once and reuse the string, so
// V8 sees the same (internalized) key and keeps its fast object shapes.
const KEY_CACHE_SIZE = 4096
const keyCacheBytes = new Array(KEY_CACHE_SIZE).fill(null)
const keyCacheStr = new Array(KEY_CACHE_SIZE).fill('')

function readKey() {
  const n = rb[rp]
  if (n >= 0x80 || n > 32) return readStr()
  const start = rp + 1
  const end = start + n
  let h = n
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + rb[i]) | 0
  h &= KEY_CACHE_SIZE - 1
  const cached = keyCacheBytes[h]
  if (cached !== null && cached.length === n) {
    let same = true
    for (let i = 0; i < n; i++) {
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
  keyCacheBytes[h] = rb.slice(start, end)
  keyCacheStr[h] = s
  return s
}

function readCopy() {
  const n = readVarint()
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
      const a = new Array(n)
      for (let i = 0; i < n; i++) a[i] = dec()
      return a
    }
    case T_OBJECT: {
      const n = readVarint()
      if (n > 0 && n <= 32) return decShaped(n)
      const o = {}
      for (let i = 0; i < n; i++) {
        const k = readKey()
        const v = dec()
        if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true })
        else o[k] = v
      }
      return o
    }
    case T_BUFFER: {
      const n = readVarint()
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
const shapeRoot = { next: new Map(), ctor: null, hits: 0 }

function decShaped(n) {
  const keys = new Array(n)
  const vals = new Array(n)
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
      node.ctor = new Function('v', `return {${keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ')}}`)
      return node.ctor(vals)
    }
  }
  const o = {}
  for (let i = 0; i < n; i++) {
    const k = keys[i]
    if (k === '__proto__') Object.defineProperty(o, k, { value: vals[i], writable: true, enumerable: true, configurable: true })
    else o[k] = vals[i]
  }
  return o
}

/** Decodes the value at `buf[start..]` (`buf` is a Buffer). */
function decode(buf, start) {
  if (buf !== rb) {
    rb = buf
    rdv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }
  rp = start
  return dec()
}

// ---- Memo -----------------------------------------------------------------

function ttlOf(opts) {
  if (opts === undefined || opts === null) return undefined
  if (typeof opts !== 'object') throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options" argument must be of type object.')
  const ttl = opts.ttl
  if (ttl !== undefined && typeof ttl !== 'number') {
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.ttl" property must be of type number.')
  }
  return ttl
}

function isPrimitive(v) {
  const t = typeof v
  return t === 'string' || t === 'number' || t === 'boolean' || v === null || v === undefined
}

/**
 * A cache shared by every thread of the process (`Memo.shared(name)`) or
 * private to its creator (`new Memo()`); the storage is native, so a value
 * is stored once however many worker_threads read it.
 */
class Memo {
  constructor(opts) {
    this._attach(new NativeMemo(opts))
  }

  _attach(native) {
    this._n = native
    this._s = Buffer.allocUnsafeSlow(SCRATCH_BYTES)
    this._s.fill(0, 0, SCRATCH_DATA)
    // Plain napi functions bound to this cache and scratch: no class unwrap per call.
    const f = native.fast(this._s)
    this._get = f.get
    this._has = f.has
    this._delete = f.delete
    this._set = f.set
    this._setEncoded = f.setEncoded
    this._getMany = f.getMany
    // The near cache: primitive values without TTL this thread read, served
    // without a native call while their key's slot generation (shared by
    // every thread) is unchanged. See crates/memo/src/near.rs.
    this._near = new Map()
    this._gens = new Uint32Array(f.generations)
    this._offer = new Uint32Array(this._s.buffer, this._s.byteOffset, 2)
    this._nearHits = new Float64Array(f.nearHits)
  }

  /** The process-wide cache `name` (created with `opts` on first use). */
  static shared(name, opts) {
    const m = Object.create(Memo.prototype)
    m._attach(NativeMemo.shared(name, opts))
    return m
  }

  /** Forgets the shared cache `name`; handles already obtained keep working. */
  static dropShared(name) {
    return NativeMemo.dropShared(name)
  }

  /** The value for `key`, or undefined. */
  get(key) {
    const near = this._near.get(key)
    if (near !== undefined) {
      if (this._gens[near.slot] === near.gen && --near.left !== 0) {
        this._nearHits[0]++
        return near.value
      }
      this._near.delete(key)
    }
    const v = this._get(key)
    const s = this._s
    const flag = s[0]
    if (flag === 0) {
      if (s[1] !== 0) this._keep(key, v)
      return v
    }
    s[0] = 0
    return flag === 1 ? decode(s, SCRATCH_DATA) : decode(v, 0)
  }

  /** Keeps a hit the native side offered (scratch byte 1) in the near cache. */
  _keep(key, value) {
    const s = this._s
    s[1] = 0
    const near = this._near
    if (near.size >= NEAR_CAPACITY) near.clear()
    near.set(key, { value, slot: s[2] | (s[3] << 8), gen: this._offer[1], left: NEAR_REFRESH })
  }

  /** Stores `value` under `key` (`opts.ttl` in ms overrides the cache's ttl). */
  set(key, value, opts) {
    this._near.delete(key)
    const ttl = opts === undefined ? undefined : ttlOf(opts)
    if (isPrimitive(value)) {
      this._set(key, value, ttl)
    } else {
      const n = encode(value, false, 'value')
      this._setEncoded(key, wb, n, ttl)
    }
    return this
  }

  /**
   * Values for `keys` (undefined for misses). A loop over the native `get`:
   * measured faster in Node 20 than one native call per batch, whose
   * `napi_get_element`/`napi_set_element` cost more than a call each
   * (`_getManyNative` keeps that variant for comparison).
   */
  getMany(keys) {
    if (!Array.isArray(keys)) throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "keys" argument must be an Array.')
    const n = keys.length
    const r = new Array(n)
    for (let i = 0; i < n; i++) r[i] = this.get(keys[i])
    return r
  }

  /** `getMany` in one native call (complex values come back encoded, then decoded here). */
  _getManyNative(keys) {
    const r = this._getMany(keys)
    for (let i = 0; i < r.length; i++) {
      const v = r[i]
      if (typeof v === 'object' && v !== null) r[i] = decode(v, 0)
    }
    return r
  }

  /** Stores every `[key, value]` of `entries`. */
  setMany(entries, opts) {
    if (entries === null || typeof entries !== 'object' || typeof entries[Symbol.iterator] !== 'function') {
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "entries" argument must be an iterable of [key, value] pairs.')
    }
    for (const e of entries) this.set(e[0], e[1], opts)
    return this
  }

  /** Whether `key` has a live entry. */
  has(key) {
    return this._has(key)
  }

  /** Removes `key`; true if it was there. */
  delete(key) {
    this._near.delete(key)
    return this._delete(key)
  }

  /** Removes every entry. */
  clear() {
    this._near.clear()
    this._n.clear()
  }

  /** Entries held now. */
  get size() {
    return this._n.size
  }

  /** The name given in the options or to `Memo.shared`, or null. */
  get name() {
    return this._n.name ?? null
  }

  /** `{ hits, misses, evictions, size, bytes }`. */
  stats() {
    return this._n.stats()
  }
}

// ---- memoize --------------------------------------------------------------

const KEY_PREFIX = '\u0000memoize\u0000'

/** The default key: every argument, encoded canonically (object keys sorted). */
function argsKey(args) {
  const n = encode(args, true, 'arguments')
  return KEY_PREFIX + wb.latin1Slice(0, n)
}

function inflightKey(k) {
  switch (typeof k) {
    case 'string':
      return 's' + k
    case 'number':
      return 'n' + (Number.isNaN(k) ? 'NaN' : String(k))
    case 'bigint':
      return 'b' + k
    default:
      if (k instanceof Uint8Array) return 'u' + Buffer.from(k.buffer, k.byteOffset, k.byteLength).latin1Slice()
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The key resolver must return a string, number, bigint or Buffer.')
  }
}

/**
 * Caches `fn`'s results in a Memo. Concurrent calls of an async `fn` with the
 * same key share one in-flight Promise; a rejection (or throw) is not cached,
 * nor is a result the Memo cannot store.
 */
function memoize(fn, opts) {
  if (typeof fn !== 'function') throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "fn" argument must be of type function.')
  opts = opts ?? {}
  const memo = opts.memo ?? new Memo()
  if (!(memo instanceof Memo)) throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.memo" property must be a Memo.')
  const keyFn = opts.key
  if (keyFn !== undefined && typeof keyFn !== 'function') {
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.key" property must be of type function.')
  }
  const setOpts = opts.ttl === undefined ? undefined : { ttl: opts.ttl }
  ttlOf(setOpts)
  const inflight = new Map()
  let async = Object.prototype.toString.call(fn) === '[object AsyncFunction]'

  const store = (k, v) => {
    try {
      memo.set(k, v, setOpts)
    } catch {
      // A result the Memo cannot store is returned, just not cached.
    }
  }

  function memoized(...args) {
    const k = keyFn === undefined ? argsKey(args) : keyFn.apply(this, args)
    const hit = memo.get(k)
    if (hit !== undefined || memo.has(k)) return async ? Promise.resolve(hit) : hit
    if (async) {
      const ik = inflightKey(k)
      const pending = inflight.get(ik)
      if (pending !== undefined) return pending
    }
    const out = fn.apply(this, args)
    if (out === null || typeof out !== 'object' || typeof out.then !== 'function') {
      store(k, out)
      return out
    }
    async = true
    const ik = inflightKey(k)
    const p = Promise.resolve(out).then(
      (v) => {
        inflight.delete(ik)
        store(k, v)
        return v
      },
      (e) => {
        inflight.delete(ik)
        throw e
      },
    )
    inflight.set(ik, p)
    return p
  }
  Object.defineProperty(memoized, 'name', { value: fn.name ? `memoized ${fn.name}` : 'memoized' })
  memoized.memo = memo
  return memoized
}

module.exports = { Memo, memoize }
