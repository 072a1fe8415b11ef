'use strict'
// The near cache: primitive values without TTL that this thread read, served
// without a native call while their key's slot generation (shared by every
// thread, native memory) is unchanged. See crates/memo/src/near.rs.

const { WIRE } = require('./wire.js')

const NEAR_OK = WIRE.SCRATCH_NEAR_OK
const NEAR_SLOT = WIRE.SCRATCH_NEAR_SLOT
/** The generation's index in the scratch seen as u32s (the offset is 4-aligned, crates/memo tests it). */
const NEAR_GEN = WIRE.SCRATCH_NEAR_GEN >> 2

/** Entries a Memo keeps in its thread's near cache (cleared when full). */
const NEAR_CAPACITY = 4096
/** Near hits of one entry before a native read refreshes it (and tells the eviction policy it is hot). */
const NEAR_REFRESH = 32

/**
 * @typedef {object} NearEntry
 * @property {unknown} value the primitive value
 * @property {number} slot the key's generation slot
 * @property {number} gen that slot's generation when the value was read
 * @property {number} left hits left before a native read refreshes it
 */

/** One Memo handle's near cache (kept in a private field of its Memo). */
class NearCache {
  /** @type {Map<unknown, NearEntry>} */
  #map = new Map()
  /** @type {Uint32Array} */
  #gens
  /** @type {Uint8Array} */
  #scratch
  /** @type {Uint32Array} */
  #offer
  /** @type {Float64Array} */
  #hits

  /**
   * @param {ArrayBuffer} generations the cache's slot generation table (native)
   * @param {Uint8Array} scratch the thread's `get` scratch (native)
   * @param {ArrayBuffer} nearHits this handle's near-hit counter, one f64 (native)
   */
  constructor(generations, scratch, nearHits) {
    this.#gens = new Uint32Array(generations)
    this.#scratch = scratch
    this.#offer = new Uint32Array(scratch.buffer, scratch.byteOffset, NEAR_GEN + 1)
    this.#hits = new Float64Array(nearHits)
  }

  /**
   * The live entry for `key` (its `value` is the hit), or undefined; a stale
   * or worn-out entry is dropped.
   * @param {unknown} key
   * @returns {NearEntry | undefined}
   */
  hit(key) {
    const near = this.#map.get(key)
    if (near !== undefined) {
      if (this.#gens[near.slot] === near.gen && --near.left !== 0) {
        this.#hits[0]++
        return near
      }
      this.#map.delete(key)
    }
    return undefined
  }

  /** Whether the native `get` just offered its hit to the near cache. */
  offered() {
    return this.#scratch[NEAR_OK] !== 0
  }

  /**
   * Keeps a hit the native side offered (scratch byte `SCRATCH_NEAR_OK`).
   * @param {unknown} key
   * @param {unknown} value
   */
  keep(key, value) {
    const s = this.#scratch
    s[NEAR_OK] = 0
    const near = this.#map
    if (near.size >= NEAR_CAPACITY) near.clear()
    near.set(key, { value, slot: s[NEAR_SLOT] | (s[NEAR_SLOT + 1] << 8), gen: this.#offer[NEAR_GEN], left: NEAR_REFRESH })
  }

  /** @param {unknown} key */
  delete(key) {
    this.#map.delete(key)
  }

  clear() {
    this.#map.clear()
  }
}

module.exports = { NearCache }
