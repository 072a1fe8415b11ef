'use strict'
// parallelReduce / parallelReduceSync: built-in reductions (exact sum, min,
// max, …) and custom reducers compiled to native code, over a fixed chunk
// tree (see crates/reduce and crates/kernel/src/reduce.rs), so the result is
// the same for every thread count.

const native = require('./load.js').binding
const { codeError, invalidType, received } = require('./errors.js')
const { option, refuseTaskOptions } = require('./options.js')
const { runTask } = require('./task.js')
const { toColumn } = require('./map.js')

/** The built-in ops, in documentation order. */
const OPS = /** @type {const} */ (['sum', 'min', 'max', 'count', 'mean', 'minIndex', 'maxIndex'])
const OP_SET = new Set(/** @type {readonly string[]} */ (OPS))

/**
 * The native `fn` argument: a built-in op's name, or the reducer's source.
 * An unknown name is a TypeError ERR_INVALID_ARG_VALUE listing the ops.
 * @param {unknown} fn
 */
function reducerOf(fn) {
  if (typeof fn === 'function') return Function.prototype.toString.call(fn)
  if (typeof fn === 'string') {
    if (OP_SET.has(fn)) return fn
    throw codeError(
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      `The "fn" argument must be a reducer function (acc, x, i) => … or one of the ops ${OPS.map((o) => `'${o}'`).join(', ')}. Received '${fn}'`,
    )
  }
  throw invalidType('fn', `a reducer function or one of the ops ${OPS.map((o) => `'${o}'`).join(', ')}`, fn)
}

/**
 * The options the native side reads: `init`, `combine` (as source text),
 * `chunkSize`, `params`; each read once. A reducer function needs `init`
 * (a number) and `combine` (a function); a built-in op takes neither.
 * @param {unknown} fn
 * @param {unknown} opts
 */
function nativeOptions(fn, opts) {
  if (opts === undefined || opts === null) {
    if (typeof fn === 'function') throw missing('init', 'of type number (a custom reducer needs its initial accumulator)', undefined)
    return undefined
  }
  if (typeof opts !== 'object') throw invalidType('options', 'of type object', opts)
  const init = option(opts, 'init', 'options')
  const combine = option(opts, 'combine', 'options')
  const out = { init, combine: /** @type {unknown} */ (undefined), chunkSize: option(opts, 'chunkSize', 'options'), params: option(opts, 'params', 'options') }
  if (typeof fn === 'function') {
    if (typeof init !== 'number') throw missing('init', 'of type number (a custom reducer needs its initial accumulator)', init)
    if (typeof combine !== 'function') throw missing('combine', 'a function (a, b) => … (a custom reducer needs it to combine chunk results)', combine)
    out.combine = Function.prototype.toString.call(combine)
  } else if (combine !== undefined) {
    // The native side refuses it with the op's name in the message.
    out.combine = typeof combine === 'function' ? Function.prototype.toString.call(combine) : combine
  }
  return out
}

/**
 * @param {string} key
 * @param {string} expected
 * @param {unknown} value
 */
function missing(key, expected, value) {
  return codeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "options.${key}" property must be ${expected}. Received ${received(value)}`)
}

/**
 * The input as one numeric column (a TypedArray as is, a number[] as a Float64Array).
 * @param {unknown} input
 */
function columnOf(input) {
  if (Array.isArray(input) && input.length > 0 && (Array.isArray(input[0]) || ArrayBuffer.isView(input[0]))) {
    throw invalidType('input', 'one TypedArray or number[] (parallelReduce takes a single input)', input)
  }
  return toColumn(input, 'input')
}

/**
 * Reduces `input` on every core; returns a TaskHandle of the number.
 * @param {unknown} input
 * @param {unknown} fn
 * @param {unknown} [opts]
 */
function parallelReduce(input, fn, opts) {
  return runTask(/** @type {any} */ (opts), (task) => {
    const source = reducerOf(fn)
    const options = nativeOptions(fn, opts)
    return native.parallelReduceAsync(task, columnOf(input), source, /** @type {any} */ (options))
  })
}

/**
 * The blocking twin of parallelReduce (still uses every core). `signal`,
 * `timeout` and `pool` are refused (see refuseTaskOptions).
 * @param {unknown} input
 * @param {unknown} fn
 * @param {unknown} [opts]
 * @returns {number}
 */
function parallelReduceSync(input, fn, opts) {
  refuseTaskOptions(opts, 'parallelReduceSync', 'the async parallelReduce(input, fn, …)')
  const source = reducerOf(fn)
  const options = nativeOptions(fn, opts)
  return native.parallelReduceSync(columnOf(input), source, /** @type {any} */ (options))
}

module.exports = { parallelReduce, parallelReduceSync, OPS }
