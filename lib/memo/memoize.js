'use strict'
// memoize(): caches a function's results in a Memo, keyed by its arguments
// (encoded canonically by the codec) or by a key resolver.

const { codeError } = require('../errors.js')
const { encode, encoded, viewBytes } = require('./codec.js')
const { Memo } = require('./memo.js')
const { option, optionsObject, ttlOf } = require('./options.js')

const KEY_PREFIX = '\u0000memoize\u0000'

/** The default key: every argument, encoded canonically (object keys sorted). */
function argsKey(args) {
  const n = encode(args, true, 'arguments')
  return KEY_PREFIX + encoded().latin1Slice(0, n)
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
      if (k instanceof Uint8Array) {
        let bytes
        try {
          bytes = viewBytes(k)
        } catch {
          throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', 'The key resolver returned a Buffer that cannot be read (detached).')
        }
        return 'u' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).latin1Slice()
      }
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The key resolver must return a string, number, bigint or Buffer.')
  }
}

/** A class constructor is a function that cannot be called: refuse it when memoize() is called, not on the first call. */
function refuseClass(fn, what) {
  if (/^class\b/.test(Function.prototype.toString.call(fn))) {
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', `${what} must be a function that can be called without \`new\`. Received a class constructor.`)
  }
}

/**
 * Caches `fn`'s results in a Memo. Concurrent calls of an async `fn` with the
 * same key share one in-flight Promise; a rejection (or throw) is not cached,
 * nor is a result the Memo cannot store.
 */
function memoize(fn, opts) {
  if (typeof fn !== 'function') throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "fn" argument must be of type function.')
  refuseClass(fn, 'The "fn" argument')
  const given = optionsObject(opts, 'options')
  const memo = (given ? option(opts, 'memo', 'options') : undefined) ?? new Memo()
  if (!(memo instanceof Memo)) throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.memo" property must be a Memo.')
  const keyFn = given ? option(opts, 'key', 'options') : undefined
  if (keyFn !== undefined && typeof keyFn !== 'function') {
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.key" property must be of type function.')
  }
  if (keyFn !== undefined) refuseClass(keyFn, 'The "options.key" property')
  const ttl = given ? option(opts, 'ttl', 'options') : undefined
  const setOpts = ttl === undefined ? undefined : { ttl }
  ttlOf(setOpts)
  // A bad ttl value (negative, NaN) is a RangeError now, not a silently uncached result later.
  if (setOpts !== undefined && !(ttl >= 0)) {
    throw codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "options.ttl" is out of range. It must be >= 0 (0 or Infinity: no expiry). Received ${ttl}`)
  }
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

module.exports = { memoize }
