'use strict'
// Memo: a handle on a process-wide native cache (crates/memo via
// src/memo.rs). Primitives (string, number, boolean, null, undefined) go to
// the native side as they are; everything else through the codec
// (./codec.js), decoded on a hit from the thread's scratch block (native
// memory, never freed) that the native `get` fills, so a hit allocates
// nothing natively. Primitive hits without TTL are then served by the near
// cache (./near.js).
//
// Re-entrancy: a get during a decode reads a private copy, so a re-entrant
// set/get/delete/clear on any Memo behaves like the same calls one after
// another.

const { NativeMemo } = require('../load.js').binding
const { codeError } = require('../errors.js')
const { encode, encoded, decode, isDecoding } = require('./codec.js')
const { NearCache } = require('./near.js')
const { cacheOptions, ttlOf } = require('./options.js')
const { WIRE } = require('./wire.js')

/** @typedef {import('../memo.js').MemoKey} MemoKey */
/** @typedef {InstanceType<typeof NativeMemo>} NativeHandle */

const SCRATCH_FLAG = WIRE.SCRATCH_FLAG
const SCRATCH_DATA = WIRE.SCRATCH_DATA
const FLAG_DIRECT = WIRE.FLAG_DIRECT
const FLAG_SCRATCH = WIRE.FLAG_SCRATCH

const CACHE_KEYS = ['maxEntries', 'maxBytes', 'ttl', 'name']
const SHARED_KEYS = ['maxEntries', 'maxBytes', 'ttl']

/**
 * Whether the binding stores `v` itself (no codec).
 * @param {unknown} v
 */
function isPrimitive(v) {
  const t = typeof v
  return t === 'string' || t === 'number' || t === 'boolean' || v === null || v === undefined
}

/** Passes a shared cache's native handle from `Memo.shared` to the constructor. */
const FROM_SHARED = Object.freeze({})
/** @type {NativeHandle | null} */
let sharedNative = null

/**
 * A cache shared by every thread of the process (`Memo.shared(name)`) or
 * private to its creator (`new Memo()`); the storage is native, so a value
 * is stored once however many worker_threads read it.
 *
 * Its native handle, scratch and near cache are private fields: nothing a
 * caller can reach is memory that native code writes.
 */
class Memo {
  /** @type {NativeHandle} */
  #n
  /** @type {Buffer} the thread's `get` scratch (native memory) */
  #s
  /** @typedef {ReturnType<NativeHandle['fast']>} Fast */
  /** @type {Fast['get']} */
  #get
  /** @type {Fast['has']} */
  #has
  /** @type {Fast['delete']} */
  #delete
  /** @type {Fast['set']} */
  #set
  /** @type {Fast['setEncoded']} */
  #setEncoded
  /** @type {Fast['getCopy']} */
  #getCopyNative
  /** @type {NearCache} */
  #near

  /** @param {unknown} [opts] MemoOptions, or the module's FROM_SHARED token */
  constructor(opts) {
    let native
    if (opts === FROM_SHARED && sharedNative !== null) {
      native = sharedNative
      sharedNative = null
    } else {
      native = new NativeMemo(cacheOptions(opts, CACHE_KEYS))
    }
    this.#n = native
    // Plain napi functions bound to this cache and to a native scratch block: no class unwrap per call.
    const f = native.fast()
    this.#s = Buffer.from(f.scratch)
    this.#get = f.get
    this.#has = f.has
    this.#delete = f.delete
    this.#set = f.set
    this.#setEncoded = f.setEncoded
    this.#getCopyNative = f.getCopy
    this.#near = new NearCache(f.generations, this.#s, f.nearHits)
  }

  /**
   * The process-wide cache `name` (created with `opts` on first use).
   * @param {string} name
   * @param {unknown} [opts]
   */
  static shared(name, opts) {
    sharedNative = NativeMemo.shared(name, cacheOptions(opts, SHARED_KEYS))
    try {
      return new Memo(FROM_SHARED)
    } finally {
      sharedNative = null
    }
  }

  /** Forgets the shared cache `name`; handles already obtained keep working. */
  /** @param {unknown} name */
  static dropShared(name) {
    if (typeof name !== 'string') throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "name" argument must be of type string.')
    return NativeMemo.dropShared(name)
  }

  /**
   * The value for `key`, or undefined.
   * @param {MemoKey} key
   * @returns {unknown}
   */
  get(key) {
    const near = this.#near.hit(key)
    if (near !== undefined) return near.value
    // User code running inside a decode (a prototype setter) must not
    // overwrite the scratch being decoded: read a private copy instead.
    if (isDecoding()) return this.#getCopy(key)
    const v = this.#get(key)
    const s = this.#s
    const flag = s[SCRATCH_FLAG]
    if (flag === FLAG_DIRECT) {
      if (this.#near.offered()) this.#near.keep(key, v)
      return v
    }
    s[SCRATCH_FLAG] = FLAG_DIRECT
    return flag === FLAG_SCRATCH ? decode(s, SCRATCH_DATA) : decode(/** @type {Buffer} */ (v), 0)
  }

  /** `get` without the scratch: complex values come back as Buffers of their encoding. */
  /** @param {MemoKey} key */
  #getCopy(key) {
    const v = this.#getCopyNative(key)
    return typeof v === 'object' && v !== null ? decode(/** @type {Buffer} */ (v), 0) : v
  }

  /**
   * Stores `value` under `key` (`opts.ttl` in ms overrides the cache's ttl).
   * @param {MemoKey} key
   * @param {unknown} value
   * @param {unknown} [opts]
   */
  set(key, value, opts) {
    this.#near.delete(key)
    const ttl = opts === undefined ? undefined : ttlOf(opts)
    if (isPrimitive(value)) {
      this.#set(key, /** @type {string | number | boolean | null | undefined} */ (value), ttl)
    } else {
      const n = encode(value, false, 'value')
      this.#setEncoded(key, encoded(), n, ttl)
    }
    // A getter inside `value` may have read `key` back meanwhile.
    this.#near.delete(key)
    return this
  }

  /**
   * Values for `keys` (undefined for misses). A loop over the native `get`:
   * measured faster in Node 20 than one native call per batch, whose
   * `napi_get_element`/`napi_set_element` cost more than a call each.
   * @param {MemoKey[]} keys
   */
  getMany(keys) {
    if (!Array.isArray(keys)) throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "keys" argument must be an Array.')
    const n = keys.length
    const r = new Array(n)
    for (let i = 0; i < n; i++) r[i] = this.get(keys[i])
    return r
  }

  /**
   * Stores every `[key, value]` of `entries`.
   * @param {Iterable<[MemoKey, unknown]>} entries
   * @param {unknown} [opts]
   */
  setMany(entries, opts) {
    // A typed array is iterable but holds numbers, never pairs (and a detached one throws V8's codeless TypeError).
    if (entries === null || typeof entries !== 'object' || ArrayBuffer.isView(entries) || typeof entries[Symbol.iterator] !== 'function') {
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "entries" argument must be an iterable of [key, value] pairs.')
    }
    // The iterator is read once: a getter that changes its answer after the
    // check above must not reach V8's codeless "is not iterable" TypeError.
    const iterator = /** @type {{ [Symbol.iterator]: unknown }} */ (/** @type {unknown} */ (entries))[Symbol.iterator]
    const it = typeof iterator === 'function' ? iterator.call(entries) : undefined
    if (it === null || typeof it !== 'object' || typeof it.next !== 'function') {
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "entries" argument must be an iterable of [key, value] pairs.')
    }
    for (;;) {
      const step = it.next()
      if (step === null || typeof step !== 'object') {
        throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "entries" argument must be an iterable of [key, value] pairs.')
      }
      if (step.done) break
      const e = step.value
      if (e === null || typeof e !== 'object') {
        throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Each entry of "entries" must be a [key, value] pair.')
      }
      this.set(e[0], e[1], opts)
    }
    return this
  }

  /**
   * Whether `key` has a live entry.
   * @param {MemoKey} key
   */
  has(key) {
    return this.#has(key)
  }

  /**
   * Removes `key`; true if it was there.
   * @param {MemoKey} key
   */
  delete(key) {
    this.#near.delete(key)
    return this.#delete(key)
  }

  /** Removes every entry. */
  clear() {
    this.#near.clear()
    this.#n.clear()
  }

  /** Entries held now. */
  get size() {
    return this.#n.size
  }

  /** The name given in the options or to `Memo.shared`, or null. */
  get name() {
    return this.#n.name ?? null
  }

  /** `{ hits, misses, evictions, size, bytes }`. */
  stats() {
    return this.#n.stats()
  }
}

module.exports = { Memo }
