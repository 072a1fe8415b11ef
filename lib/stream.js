'use strict'
// mapStream(): a stream of work. Each item of an async (or sync) iterable
// runs as its own task (a kernel or built-in op natively, any other
// function on the worker engine), at most `concurrency` at a time; the
// source is pulled only when a slot is free and the consumer asked for
// more, so a slow consumer bounds memory. Results come in order by
// default. On an error the stream ends (the consumer's loop throws it) and
// the items in flight are cancelled; ending early (break, destroy) cancels
// them too and returns the source.

const { availableParallelism } = require('node:os')
const { invalidType, outOfRange } = require('./errors.js')
const map = require('./map.js')

// Untyped views of map.js's entry points (a kernel, an op's source or a
// worker function all go through them; the engine option picks).
/** @type {(fn: unknown, args: unknown[], opts?: unknown) => Task} */
const spawn = /** @type {any} */ (map.spawn)
/** @type {(input: unknown, fn: unknown, opts?: unknown) => Task} */
const parallelMap = /** @type {any} */ (map.parallelMap)

const OPS = new Set([
  'abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cbrt', 'ceil', 'clz32', 'cos', 'cosh', 'exp', 'expm1',
  'floor', 'fround', 'log', 'log10', 'log1p', 'log2', 'round', 'sign', 'sin', 'sinh', 'sqrt', 'tan', 'tanh', 'trunc',
])

/** @typedef {PromiseLike<unknown> & { cancel?: (reason?: unknown) => boolean }} Task */

/**
 * Maps `fn` over the items of `source` in parallel; an async iterable of the results.
 * @param {unknown} source an async or sync iterable (a Readable, splitStream, lines, an array)
 * @param {unknown} fn a function or a built-in op name
 * @param {{ concurrency?: unknown, ordered?: unknown } & Record<string, unknown>} [options]
 * @returns {AsyncGenerator<unknown, void, undefined>}
 */
function mapStream(source, fn, options) {
  if (source === null || (typeof source !== 'object' && typeof source !== 'function')) {
    throw invalidType('source', 'an async iterable or an iterable', source)
  }
  const s = /** @type {any} */ (source)
  if (typeof s[Symbol.asyncIterator] !== 'function' && typeof s[Symbol.iterator] !== 'function') {
    throw invalidType('source', 'an async iterable or an iterable', source)
  }
  if (typeof fn !== 'function' && !(typeof fn === 'string' && OPS.has(fn))) {
    throw invalidType('fn', 'a function or the name of a built-in op', fn)
  }
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw invalidType('options', 'of type object', options)
  }
  const { concurrency = availableParallelism() * 2, ordered = true, ...taskOptions } = options ?? {}
  if (typeof concurrency !== 'number') throw invalidType('options.concurrency', 'of type number', concurrency)
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 65536) {
    throw outOfRange('options.concurrency', 'must be an integer >= 1 and <= 65536', concurrency)
  }
  if (typeof ordered !== 'boolean') throw invalidType('options.ordered', 'of type boolean', ordered)
  return results(s, itemRunner(fn, taskOptions), concurrency, ordered)
}

/**
 * How one item runs: an op on a number natively, an op on an array with
 * parallelMap; a function through `spawn`, whose `engine: 'auto'` runs a
 * kernel on a number natively and anything else on the worker engine (its
 * kernel verdict is cached per function).
 * @param {Function | string} fn
 * @param {Record<string, unknown>} opts
 * @returns {(item: unknown) => Task}
 */
function itemRunner(fn, opts) {
  if (typeof fn === 'string') {
    const source = `(x) => Math.${fn}(x)`
    return (item) => (isNumeric(item) ? spawn(source, [Number(item)], opts) : parallelMap(item, fn, opts))
  }
  return (item) => spawn(fn, [item], opts)
}

/** @param {unknown} v */
function isNumeric(v) {
  return typeof v === 'number' || typeof v === 'boolean'
}

/**
 * @param {any} source
 * @param {(item: unknown) => Task} run
 * @param {number} concurrency
 * @param {boolean} ordered
 */
// The loops await on purpose: one source item, then one result, at a time.
/* oxlint-disable eslint/no-await-in-loop */
async function* results(source, run, concurrency, ordered) {
  /** @type {AsyncIterator<unknown> | Iterator<unknown>} */
  const it = typeof source[Symbol.asyncIterator] === 'function' ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()
  /** @typedef {{ task: Task | undefined, ok: boolean, value: unknown, settled: boolean }} Entry */
  /** @type {Entry[]} in source order */
  const inflight = []
  /** @type {Entry[]} settled, in settle order (unordered mode) */
  const ready = []
  /** @type {(() => void) | undefined} */
  let wake
  let exhausted = false
  /** @param {Entry} entry */
  const settle = (entry) => {
    entry.settled = true
    if (!ordered) ready.push(entry)
    const w = wake
    wake = undefined
    w?.()
  }
  try {
    for (;;) {
      while (!exhausted && inflight.length < concurrency) {
        const next = await it.next()
        if (next.done) {
          exhausted = true
          break
        }
        /** @type {Entry} */
        const entry = { task: undefined, ok: false, value: undefined, settled: false }
        try {
          entry.task = run(next.value)
        } catch (err) {
          entry.value = err
          settle(entry)
          inflight.push(entry)
          continue
        }
        entry.task.then(
          (value) => {
            entry.ok = true
            entry.value = value
            settle(entry)
          },
          (err) => {
            entry.value = err
            settle(entry)
          },
        )
        inflight.push(entry)
      }
      if (inflight.length === 0) return
      /** @type {Entry} */
      let entry
      if (ordered) {
        entry = inflight[0]
        while (!entry.settled) await new Promise((resolve) => (wake = /** @type {() => void} */ (resolve)))
        inflight.shift()
      } else {
        while (ready.length === 0) await new Promise((resolve) => (wake = /** @type {() => void} */ (resolve)))
        entry = /** @type {Entry} */ (ready.shift())
        inflight.splice(inflight.indexOf(entry), 1)
      }
      if (!entry.ok) throw entry.value
      yield entry.value
    }
  } finally {
    for (const entry of inflight) if (!entry.settled) entry.task?.cancel?.()
    if (!exhausted) await it.return?.()
  }
}

/* oxlint-enable eslint/no-await-in-loop */

module.exports = { mapStream }
