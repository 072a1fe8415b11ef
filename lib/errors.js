'use strict'
// The JS side's errors: every error lib/ builds comes from here, with a
// Node-style `code`. The native side builds its own (src/error.rs), with the
// same message forms (less the `Received …` part). Only error paths run this code.

const { types } = require('node:util')

/** The error a cancelled or aborted task rejects with. */
class AbortError extends Error {
  /**
   * @param {unknown} [reason] becomes `cause`
   * @param {string} [message]
   */
  constructor(reason, message = 'The task has been aborted') {
    super(message, reason === undefined ? undefined : { cause: reason })
    this.name = 'AbortError'
    this.code = 'ABORT_ERR'
  }
}

/**
 * `new Ctor(message)` with `code` set, and `fields` (extra properties such
 * as `line`) copied onto it.
 * @template {ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor} C
 * @param {C} Ctor
 * @param {string} code
 * @param {string} message
 * @param {Record<string, unknown>} [fields]
 * @returns {InstanceType<C> & { code: string }}
 */
function codeError(Ctor, code, message, fields) {
  const e = /** @type {any} */ (new Ctor(message))
  e.code = code
  if (fields !== undefined) Object.assign(e, fields)
  return e
}

/**
 * `ERR_INVALID_ARG_TYPE`: `The "name" argument must be <expected>. Received <received(value)>`.
 * @param {string} name
 * @param {string} expected
 * @param {unknown} value
 */
function invalidType(name, expected, value) {
  return codeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" argument must be ${expected}. Received ${received(value)}`)
}

/**
 * `ERR_OUT_OF_RANGE`: `The value of "name" is out of range. It <requirement>. Received <received(value)>`.
 * @param {string} name
 * @param {string} requirement
 * @param {unknown} value
 */
function outOfRange(name, requirement, value) {
  return codeError(
    RangeError,
    'ERR_OUT_OF_RANGE',
    `The value of "${name}" is out of range. It ${requirement}. Received ${received(value)}`,
  )
}

/**
 * `ERR_INVALID_ARG_VALUE` (a TypeError, as Node's): `The "name" argument <problem>. Received <inspected(value)>`.
 * @param {string} name
 * @param {string} problem
 * @param {unknown} value
 */
function invalidValue(name, problem, value) {
  return codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The "${name}" argument ${problem}. Received ${inspected(value)}`)
}

/**
 * `value.constructor.name`, as Node's messages name an object, or 'Object'
 * when there is none. When reading it throws (a revoked Proxy throws on any
 * read, a getter may throw), 'Proxy' or 'Object': the error about the
 * argument must not itself fail with a codeless TypeError.
 * @param {object} value
 */
function constructorName(value) {
  try {
    const name = /** @type {{ constructor?: { name?: unknown } }} */ (value).constructor?.name
    return typeof name === 'string' && name !== '' ? name : 'Object'
  } catch {
    return types.isProxy(value) ? 'Proxy' : 'Object'
  }
}

/**
 * A value as Node's ERR_INVALID_ARG_TYPE names it: `null`, `function f`,
 * `an instance of Map`, `type string ('abc')`, `type number (1)`.
 * @param {unknown} value
 */
function received(value) {
  if (value === null) return 'null'
  if (typeof value === 'function') return `function ${value.name || '<anonymous>'}`
  if (typeof value === 'object') return `an instance of ${constructorName(value)}`
  if (typeof value === 'string') return `type string ('${value.length > 25 ? value.slice(0, 25) + '...' : value}')`
  return `type ${typeof value} (${String(value)})`
}

/**
 * A value as Node's ERR_INVALID_ARG_VALUE shows it (a short inspect):
 * `'abc'`, `null`, `undefined`, `an instance of Uint8Array`, `type number (1)`.
 * @param {unknown} value
 */
function inspected(value) {
  if (typeof value === 'string') return `'${value.length > 25 ? value.slice(0, 25) + '...' : value}'`
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'object') return `an instance of ${constructorName(value)}`
  // Not String(value): that runs the function's own toString (or a Proxy's traps).
  if (typeof value === 'function') return `type function (${Function.prototype.toString.call(value)})`
  return `type ${typeof value} (${String(value)})`
}

/**
 * What a value that is not a primitive is, for a message about it:
 * `a function`, `a symbol`, `an instance of Map`, `an object with a custom
 * prototype`. Reads only the prototype chain, never the value's own properties.
 * @param {unknown} value a function, a symbol or an object
 */
function kindOf(value) {
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'symbol') return 'a symbol'
  const proto = Object.getPrototypeOf(value)
  const name = proto && proto.constructor && proto.constructor.name
  return name ? `an instance of ${name}` : 'an object with a custom prototype'
}

/**
 * The message of a thrown value, for a message that quotes it: its
 * `message`, or the value itself when falsy (what `e && e.message` gives).
 * @param {unknown} e
 */
function messageOf(e) {
  return e ? /** @type {{ message?: unknown }} */ (e).message : e
}

module.exports = { AbortError, codeError, messageOf, invalidType, outOfRange, invalidValue, received, inspected, kindOf }
