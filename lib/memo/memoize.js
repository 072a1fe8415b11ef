'use strict'
// memoize(): caches a function's results in a Memo, keyed by its arguments
// (encoded canonically by the codec) or by a key resolver.

const { codeError, inspected, messageOf } = require('../errors.js')
const { encode, encoded, viewBytes } = require('./codec.js')
/** @typedef {import('./codec.js').RawBuffer} RawBuffer */
const { Memo } = require('./memo.js')
const { option, optionsObject, ttlOf } = require('./options.js')

const KEY_PREFIX = '\u0000memoize\u0000'

/** @typedef {import('../memo.js').MemoKey} MemoKey */

/**
 * The default key: every argument, encoded canonically (object keys sorted).
 * @param {unknown[]} args
 */
function argsKey(args) {
  const n = encode(args, true, 'arguments')
  return KEY_PREFIX + encoded().latin1Slice(0, n)
}

/**
 * The in-flight Map's key for a Memo key (a Buffer compares by bytes, as in the Memo).
 * @param {unknown} k
 */
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
        return 'u' + /** @type {RawBuffer} */ (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).latin1Slice()
      }
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The key resolver must return a string, number, bigint or Buffer.')
  }
}

/** A class constructor is a function that cannot be called: refuse it when memoize() is called, not on the first call. */
/**
 * @param {Function} fn
 * @param {string} what
 */
function refuseClass(fn, what) {
  if (/^class\b/.test(Function.prototype.toString.call(fn))) {
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', `${what} must be a function that can be called without \`new\`. Received a class constructor.`)
  }
}

/** What `options.onUnstorable` may be. @type {Set<unknown>} */
const ON_UNSTORABLE = new Set(['warn', 'throw', 'ignore'])

/** The warning's code (process.emitWarning), once per memoized function. */
const WARNING_CODE = 'NAPI_PARALLEL_MEMOIZE_UNSTORABLE'

/**
 * `options.onUnstorable`, checked: 'warn' (the default), 'throw' or 'ignore'.
 * @param {unknown} value
 * @returns {'warn' | 'throw' | 'ignore'}
 */
function onUnstorableOf(value) {
  if (value === undefined) return 'warn'
  if (ON_UNSTORABLE.has(value)) return /** @type {'warn' | 'throw' | 'ignore'} */ (value)
  throw codeError(
    TypeError,
    'ERR_INVALID_ARG_VALUE',
    `The "options.onUnstorable" property must be 'warn', 'throw' or 'ignore'. Received ${inspected(value)}`,
  )
}

/**
 * The message for a result of `label` that `memo.set` refused with `cause`.
 * @param {string} label
 * @param {unknown} cause
 */
function unstorableMessage(label, cause) {
  return `memoize: ${label} returned a result that cannot be cached, so it runs again on every call with the same arguments. ${messageOf(cause)}`
}

/**
 * Caches `fn`'s results in a Memo. Concurrent calls of an async `fn` with the
 * same key share one in-flight Promise; a rejection (or throw) is not cached.
 * A result the Memo cannot store is returned, not cached; by
 * `options.onUnstorable` the first one emits a warning (`'warn'`, the
 * default), each one throws (`'throw'`), or nothing is said (`'ignore'`).
 * A hit is a copy, decoded from the Memo.
 * @param {(...args: any[]) => unknown} fn
 * @param {unknown} [opts] MemoizeOptions
 */
function memoize(fn, opts) {
  if (typeof fn !== 'function') throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "fn" argument must be of type function.')
  refuseClass(fn, 'The "fn" argument')
  const given = optionsObject(opts, 'options')
  const memoOpt = (given ? option(opts, 'memo', 'options') : undefined) ?? new Memo()
  if (!(memoOpt instanceof Memo)) throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.memo" property must be a Memo.')
  const memo = memoOpt
  const keyOpt = given ? option(opts, 'key', 'options') : undefined
  if (keyOpt !== undefined && typeof keyOpt !== 'function') {
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.key" property must be of type function.')
  }
  const keyFn = /** @type {((...args: unknown[]) => MemoKey) | undefined} */ (keyOpt)
  if (keyFn !== undefined) refuseClass(keyFn, 'The "options.key" property')
  const ttl = given ? option(opts, 'ttl', 'options') : undefined
  const setOpts = ttl === undefined ? undefined : { ttl }
  ttlOf(setOpts)
  // A bad ttl value (negative, NaN) is a RangeError now, not a silently uncached result later.
  if (setOpts !== undefined && !(/** @type {number} */ (ttl) >= 0)) {
    throw codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "options.ttl" is out of range. It must be >= 0 (0 or Infinity: no expiry). Received ${ttl}`)
  }
  const onUnstorable = onUnstorableOf(given ? option(opts, 'onUnstorable', 'options') : undefined)
  const label = fn.name ? `"${fn.name}"` : 'an anonymous function'
  /** @type {Map<string, Promise<unknown>>} */
  const inflight = new Map()
  let async = Object.prototype.toString.call(fn) === '[object AsyncFunction]'
  let warned = false

  /**
   * Caches `v`; a value the Memo refuses is reported as `onUnstorable` says.
   * @param {MemoKey} k
   * @param {unknown} v
   */
  const store = (k, v) => {
    try {
      memo.set(k, v, setOpts)
    } catch (cause) {
      if (onUnstorable === 'ignore') return
      const message = unstorableMessage(label, cause)
      if (onUnstorable === 'throw') {
        const err = codeError(TypeError, 'ERR_MEMOIZE_UNSTORABLE', message)
        err.cause = cause
        throw err
      }
      if (!warned) {
        warned = true
        process.emitWarning(message, {
          code: WARNING_CODE,
          detail: "Return a value the Memo can store (see Memo), or pass { onUnstorable: 'ignore' } to memoize.",
        })
      }
    }
  }

  /**
   * The cache key of a call with `args` (and receiver `self`).
   * @param {unknown} self
   * @param {unknown[]} args
   * @returns {MemoKey}
   */
  const keyOf = (self, args) => (keyFn === undefined ? argsKey(args) : keyFn.apply(self, args))

  /**
   * @this {unknown}
   * @param {unknown[]} args
   */
  function memoized(...args) {
    const k = keyOf(this, args)
    const hit = memo.get(k)
    if (hit !== undefined || memo.has(k)) return async ? Promise.resolve(hit) : hit
    if (async) {
      const ik = inflightKey(k)
      const pending = inflight.get(ik)
      if (pending !== undefined) return pending
    }
    const out = fn.apply(this, args)
    if (out === null || typeof out !== 'object' || typeof (/** @type {{ then?: unknown }} */ (out).then) !== 'function') {
      store(k, out)
      return out
    }
    async = true
    const ik = inflightKey(k)
    // A call forgotten by delete() or clear() while in flight settles its
    // own callers, but neither caches its result nor evicts a newer call.
    const p = Promise.resolve(out).then(
      (v) => {
        if (inflight.get(ik) !== p) return v
        inflight.delete(ik)
        store(k, v)
        return v
      },
      (e) => {
        if (inflight.get(ik) === p) inflight.delete(ik)
        throw e
      },
    )
    inflight.set(ik, p)
    return p
  }
  Object.defineProperty(memoized, 'name', { value: fn.name ? `memoized ${fn.name}` : 'memoized' })
  memoized.memo = memo
  /**
   * Forgets the result cached for these arguments (the key a call with them
   * would use), and an async call with them still in flight: the next call
   * runs `fn` again. True if a cached result or an in-flight call was forgotten.
   * @this {unknown}
   * @param {unknown[]} args
   */
  memoized.delete = function (...args) {
    const k = keyOf(this, args)
    const wasInflight = inflight.delete(inflightKey(k))
    return memo.delete(k) || wasInflight
  }
  /** Empties `memoized.memo` (every entry in it) and forgets every call in flight. */
  memoized.clear = () => {
    inflight.clear()
    memo.clear()
  }
  return memoized
}

module.exports = { memoize }
