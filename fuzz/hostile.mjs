// Hostile values: wrong types, edge numbers, NUL bytes, lone surrogates,
// detached buffers, Proxies whose traps throw and objects with throwing or
// re-entrant getters. Every generator takes an Rng and returns a fresh value.

import { FuzzTrap } from './oracle.mjs'

/** Numbers at the edges: NaN, ±Infinity, ±0, 1e308, huge and fractional ints. */
export const EDGE_NUMBERS = [
  0, -0, 1, -1, 0.5, -0.5, 2, 3, 7, 16, 64, 1000, 65536, 1e6, NaN, Infinity, -Infinity, 1e308, -1e308, 5e-324,
  2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 64, 1e21,
  Number.MAX_VALUE, Number.MIN_VALUE, 4294967297, 1.5, 15.999,
]

/** Strings: empty, NUL bytes, lone surrogates, long, numeric-looking. */
export function hostileString(rng) {
  switch (rng.int(0, 9)) {
    case 0:
      return ''
    case 1:
      return 'a\0b'
    case 2:
      return '\0'
    case 3:
      return rng.pick(['\uD800', '\uDC00', 'x\uDBFF', '\uDFFFy', '\uD800\uD800', '\uDC00\uD800'])
    case 4:
      return 'é€😀'
    case 5:
      return rng.pick(['5', '-1', 'NaN', '1e308', 'Infinity', ' 3 '])
    case 6:
      return 'x'.repeat(rng.logInt(1, 100000))
    case 7:
      return rng.pick(['xxh3', 'sha256', 'crc32', 'sqrt', 'float64', 'uint8', 'int32', 'offsets', 'buffers', 'strings'])
    case 8:
      return rng.pick(['napi-parallel', 'worker', 'a'.repeat(200)])
    default:
      return String.fromCharCode(rng.int(0, 0xffff), rng.int(0, 0xffff))
  }
}

/** An ArrayBuffer that has been transferred away (byteLength 0, detached). */
export function detachedBuffer() {
  const ab = new ArrayBuffer(16)
  structuredClone(ab, { transfer: [ab] })
  return ab
}

/** A view whose buffer has been detached. */
export function detachedView(rng) {
  const ab = new ArrayBuffer(64)
  const Ctor = rng.pick([Uint8Array, Float64Array, Int32Array, Float32Array, Uint16Array])
  const view = rng.chance(0.5) ? Buffer.from(ab) : new Ctor(ab)
  structuredClone(ab, { transfer: [ab] })
  return view
}

/** A Proxy whose every trap throws (or, with `lie`, that reports odd property values). */
export function trapProxy(rng, target = {}) {
  const lie = rng.chance(0.3)
  const handler = {}
  for (const trap of ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'defineProperty', 'set', 'deleteProperty']) {
    handler[trap] = (...args) => {
      if (lie && trap === 'get') return hostileScalar(rng)
      throw new FuzzTrap(`Proxy ${trap}${typeof args[1] === 'string' ? ` ${args[1]}` : ''}`)
    }
  }
  return new Proxy(target, handler)
}

/** An object whose listed properties are getters that throw. */
export function throwingGetters(keys) {
  const o = {}
  for (const k of keys) {
    Object.defineProperty(o, k, {
      enumerable: true,
      get() {
        throw new FuzzTrap(`getter ${k}`)
      },
    })
  }
  return o
}

/** A plain scalar of any type (no objects). */
export function hostileScalar(rng) {
  switch (rng.int(0, 9)) {
    case 0:
    case 1:
    case 2:
      return rng.pick(EDGE_NUMBERS)
    case 3:
      return hostileString(rng)
    case 4:
      return rng.pick([true, false])
    case 5:
      return rng.pick([null, undefined])
    case 6:
      return rng.pick([0n, -1n, 2n ** 64n, 10n ** 400n])
    case 7:
      return Symbol('fuzz')
    case 8:
      return rng.pick([() => 1, function named() {}, class K {}])
    default:
      return rng.int(-5, 100)
  }
}

/** Any hostile value: scalars, objects, arrays, buffers, Proxies, getters. */
export function hostileValue(rng, depth = 0) {
  switch (rng.int(0, 12)) {
    case 0:
      return trapProxy(rng)
    case 1:
      return throwingGetters(['length', 'id', 'timeout', 'pool', 'params', 'output', 'chunkSize', 'threads'])
    case 2:
      return detachedView(rng)
    case 3:
      return detachedBuffer()
    case 4:
      return depth < 2 ? [hostileValue(rng, depth + 1), hostileValue(rng, depth + 1)] : []
    case 5:
      return rng.pick([new Float64Array([1, NaN, -0]), new Uint8Array(3), Buffer.from('a\0b'), new BigInt64Array(2), new DataView(new ArrayBuffer(8))])
    case 6:
      return new SharedArrayBuffer(8)
    case 7:
      return depth < 2 ? { length: rng.pick(EDGE_NUMBERS), 0: hostileValue(rng, depth + 1) } : {}
    case 8:
      return Object.create(null)
    default:
      return hostileScalar(rng)
  }
}

/**
 * A random options object over `keys`: each key absent, a good value from
 * `good[key]` (an array of candidates), or a hostile value; sometimes the
 * whole object is a Proxy, a throwing-getter object or a non-object.
 */
export function hostileOptions(rng, keys, good = {}) {
  const shape = rng.weighted([6, 1, 1, 1, 1])
  if (shape === 1) return trapProxy(rng)
  if (shape === 2) return throwingGetters(rng.chance(0.5) ? keys : [rng.pick(keys)])
  if (shape === 3) return hostileScalar(rng)
  const o = shape === 4 ? Object.create({ [rng.pick(keys)]: hostileScalar(rng) }) : {}
  for (const k of keys) {
    const r = rng.int(0, 9)
    if (r < 4) continue
    if (r < 7 && good[k]) o[k] = rng.pick(good[k])
    else if (r < 9) o[k] = hostileScalar(rng)
    else Object.defineProperty(o, k, { enumerable: true, get: () => { throw new FuzzTrap(`getter ${k}`) } })
  }
  return o
}
