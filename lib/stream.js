'use strict'
// mapStream(): a stream of work. Each item of an async (or sync) iterable
// runs as its own task (a kernel or built-in op natively, any other
// function on the worker engine), at most `concurrency` at a time; the
// source is pulled only when a slot is free and the consumer asked for
// more, so a slow consumer bounds memory. Results come in order by
// default. On an error the stream ends (the consumer's loop throws it) and
// the items in flight are cancelled; ending early (break, destroy) cancels
// them too and returns the source.
//
// With `chunkSize`, consecutive items bound for the workers travel as one
// task (a KIND_EACH entry, lib/engine/entries.js): one message per chunk
// instead of per item. `concurrency` still counts items (pulled and not yet
// yielded); a chunk is sent when it is full, when the source took a whole
// event-loop turn to give the next item, when the source ends, or when
// nothing else is in flight. 'auto' sizes chunks from the workers' measured
// time per item (CHUNK_TARGET_MS of work per chunk).

const { availableParallelism } = require('node:os')
const { invalidType, outOfRange, codeError } = require('./errors.js')
const map = require('./map.js')
const workers = require('./engine/index.js')
const { Moved } = require('./engine/codec.js')

// Untyped views of map.js's entry points (a kernel, an op's source or a
// worker function all go through them; the engine option picks).
/** @type {(fn: unknown, args: unknown[], opts?: unknown) => Task} */
const spawn = /** @type {any} */ (map.spawn)
/** @type {(input: unknown, fn: unknown, opts?: unknown) => Task} */
const parallelMap = /** @type {any} */ (map.parallelMap)
/** @type {(fn: unknown, args: unknown, opts: unknown) => boolean} */
const spawnsOnWorkers = /** @type {any} */ (map).spawnsOnWorkers
/** @type {(items: unknown[], fn: unknown, opts?: unknown) => Task} */
const eachOnWorker = /** @type {any} */ (workers).eachOnWorker

const OPS = new Set([
  'abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cbrt', 'ceil', 'clz32', 'cos', 'cosh', 'exp', 'expm1',
  'floor', 'fround', 'log', 'log10', 'log1p', 'log2', 'round', 'sign', 'sin', 'sinh', 'sqrt', 'tan', 'tanh', 'trunc',
])

/** The largest chunk 'auto' makes (and the chunk size its default concurrency is made for). */
const AUTO_MAX = 256
/** 'auto' aims at this much work (ms, measured on the worker) per chunk. */
const CHUNK_TARGET_MS = 2
/** Chunks in flight before 'auto' knows the time per item. */
const UNMEASURED = 2
/** The largest chunkSize a caller may ask for. */
const CHUNK_MAX = 65536

/** @typedef {PromiseLike<unknown> & { cancel?: (reason?: unknown) => boolean }} Task */

/**
 * How the items run.
 * @typedef {{
 *   one: (item: unknown) => Task,
 *   chunks: ((item: unknown) => boolean) | undefined,
 *   chunk: (items: unknown[]) => Task,
 * }} Runner
 */

/**
 * Maps `fn` over the items of `source` in parallel; an async iterable of the results.
 * @param {unknown} source an async or sync iterable (a Readable, splitStream, lines, an array)
 * @param {unknown} fn a function or a built-in op name
 * @param {{ concurrency?: unknown, ordered?: unknown, chunkSize?: unknown } & Record<string, unknown>} [options]
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
  const { concurrency: given, ordered = true, chunkSize = 1, ...taskOptions } = options ?? {}
  if (chunkSize !== 'auto') {
    if (typeof chunkSize !== 'number') throw invalidType('options.chunkSize', "of type number or 'auto'", chunkSize)
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > CHUNK_MAX) {
      throw outOfRange('options.chunkSize', `must be 'auto' or an integer >= 1 and <= ${CHUNK_MAX}`, chunkSize)
    }
  }
  const cores = availableParallelism()
  const chunkMax = chunkSize === 'auto' ? AUTO_MAX : chunkSize
  const concurrency = given ?? (chunkMax === 1 ? cores * 2 : Math.min(65536, cores * 4 * chunkMax))
  if (typeof concurrency !== 'number') throw invalidType('options.concurrency', 'of type number', concurrency)
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 65536) {
    throw outOfRange('options.concurrency', 'must be an integer >= 1 and <= 65536', concurrency)
  }
  if (typeof ordered !== 'boolean') throw invalidType('options.ordered', 'of type boolean', ordered)
  // At least two chunks per core fit in `concurrency` items.
  const cap = Math.min(chunkMax, Math.max(1, Math.floor(concurrency / (2 * cores))))
  const sizer = chunkSize === 'auto' ? autoSizer(cap) : fixedSizer(cap)
  return results(s, itemRunner(fn, taskOptions, cap > 1), concurrency, ordered, sizer)
}

/**
 * How many items the next chunk takes, and what each finished chunk tells.
 * `known` is false until a first chunk reported (meanwhile few chunks are sent: a first
 * guess too big for heavy items would load one worker with most of the work).
 * @typedef {{ size(): number, measured(items: number, ms: number): void, known: boolean }} Sizer
 */

/**
 * @param {number} size
 * @returns {Sizer}
 */
function fixedSizer(size) {
  return { size: () => size, measured() {}, known: true }
}

/**
 * Chunks of about CHUNK_TARGET_MS of work: 1, 2, 4 ... items until a first
 * chunk reports its time (at most UNMEASURED chunks are in flight until
 * then), then the target over the mean time per item (a moving average),
 * at most `cap`.
 * @param {number} cap
 * @returns {Sizer}
 */
function autoSizer(cap) {
  let next = 1
  let perItem = -1
  return {
    known: false,
    size() {
      if (perItem >= 0) return next
      const n = next
      next = Math.min(cap, next * 2)
      return n
    },
    measured(items, ms) {
      if (items <= 0 || !(ms >= 0)) return
      const each = ms / items
      perItem = perItem < 0 ? each : perItem * 0.7 + each * 0.3
      this.known = true
      next = Math.max(1, Math.min(cap, Math.round(CHUNK_TARGET_MS / Math.max(perItem, 1e-6))))
    },
  }
}

/**
 * How items run: an op on a number natively, an op on an array with
 * parallelMap; a function through `spawn`, whose `engine: 'auto'` runs a
 * kernel on a number natively and anything else on the worker engine (its
 * kernel verdict is cached per function). With chunks, the items a worker
 * would run one by one go in chunks instead (not a `move()` marker or a bare
 * SharedArrayBuffer: those only travel as a task's own argument).
 * @param {Function | string} fn
 * @param {Record<string, unknown>} opts
 * @param {boolean} chunked
 * @returns {Runner}
 */
function itemRunner(fn, opts, chunked) {
  if (typeof fn === 'string') {
    const source = `(x) => Math.${fn}(x)`
    return {
      one: (item) => (isNumeric(item) ? spawn(source, [Number(item)], opts) : parallelMap(item, fn, opts)),
      chunks: undefined,
      chunk: noChunks,
    }
  }
  const engine = opts.engine
  // A worker item for sure: not a number (spawn's 'auto' runs kernels on numbers only), engine not 'native'.
  const surely = engine === undefined || engine === 'auto' || engine === 'worker'
  return {
    one: (item) => spawn(fn, [item], opts),
    chunks: chunked
      ? (item) => {
          const t = typeof item
          if (t === 'string') return surely || spawnsOnWorkers(fn, [item], opts)
          if (t === 'object' && item !== null && (item instanceof Moved || item instanceof SharedArrayBuffer)) return false
          if (surely && (engine === 'worker' || (t !== 'number' && t !== 'boolean'))) return true
          return spawnsOnWorkers(fn, [item], opts)
        }
      : undefined,
    chunk: (items) => eachOnWorker(items, fn, opts),
  }
}

/** @returns {never} */
function noChunks() {
  throw codeError(Error, 'ERR_NAPI_PARALLEL_INTERNAL', 'mapStream: no chunks for a built-in op')
}

/** @param {unknown} v */
function isNumeric(v) {
  return typeof v === 'number' || typeof v === 'boolean'
}

/**
 * One task in flight: one item, or a chunk of `count` items.
 * @typedef {{ task: Task | undefined, ok: boolean, value: unknown, settled: boolean, count: number, chunk: boolean }} Entry
 */

/**
 * @param {any} source
 * @param {Runner} run
 * @param {number} concurrency items pulled and not yet yielded, at most
 * @param {boolean} ordered
 * @param {Sizer} sizer
 */
// The loops await on purpose: one source item, then one result, at a time.
/* oxlint-disable eslint/no-await-in-loop */
async function* results(source, run, concurrency, ordered, sizer) {
  const isAsync = typeof source[Symbol.asyncIterator] === 'function'
  /** @type {AsyncIterator<unknown> | Iterator<unknown>} */
  const it = isAsync ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()
  /** @type {Entry[]} in source order */
  const inflight = []
  /** @type {Entry[]} settled, in settle order (unordered mode) */
  const ready = []
  /** Items of the chunk being filled. @type {unknown[]} */
  let pending = []
  let target = 1
  /** Items pulled and not yet yielded. */
  let held = 0
  /** Chunks sent and not yet taken. */
  let chunksOut = 0
  /** @type {(() => void) | undefined} */
  let wake
  let exhausted = false
  /** Waiting on the source now. */
  let pulling = false
  /** A check-phase callback is scheduled (one per event-loop turn at most). */
  let watching = false
  /** @param {Entry} entry */
  const settle = (entry) => {
    entry.settled = true
    if (!ordered) ready.push(entry)
    const w = wake
    wake = undefined
    w?.()
  }
  /**
   * Starts a task and tracks it.
   * @param {() => Task} start
   * @param {number} count
   * @param {boolean} chunk
   */
  const launch = (start, count, chunk) => {
    /** @type {Entry} */
    const entry = { task: undefined, ok: false, value: undefined, settled: false, count, chunk }
    inflight.push(entry)
    try {
      entry.task = start()
    } catch (err) {
      entry.value = err
      settle(entry)
      return
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
  }
  const send = () => {
    if (pending.length === 0) return
    const items = pending
    pending = []
    chunksOut++
    launch(() => run.chunk(items), items.length, true)
  }
  // At the check phase, still waiting on the source: it took a whole
  // event-loop turn (I/O, a timer), so the partial chunk goes now.
  const onTurn = () => {
    watching = false
    if (pulling) send()
  }
  /** A settled chunk's values being yielded, and what ends it. */
  /** @type {unknown[]} */
  let drain = []
  let drained = 0
  let drainFails = false
  /** @type {unknown} */
  let drainError
  try {
    for (;;) {
      // Once a chunk failed, nothing more is pulled: the stream ends at its error.
      for (;;) {
        if (exhausted || drainFails || held >= concurrency) break
        if (!sizer.known && chunksOut >= UNMEASURED && pending.length === 0) break
        if (pending.length > 0 && isAsync && !watching) {
          watching = true
          setImmediate(onTurn)
        }
        /** @type {IteratorResult<unknown>} */
        let next
        if (isAsync) {
          pulling = true
          try {
            next = await it.next()
          } finally {
            pulling = false
          }
        } else next = /** @type {Iterator<unknown>} */ (it).next()
        if (next.done) {
          exhausted = true
          break
        }
        held++
        const item = next.value
        if (run.chunks !== undefined && run.chunks(item)) {
          if (pending.length === 0) target = sizer.size()
          pending.push(item)
          if (pending.length >= target) send()
        } else {
          send()
          launch(() => run.one(item), 1, false)
        }
      }
      if (exhausted || inflight.length === 0 || drainFails) send()
      if (drained < drain.length) {
        const v = drain[drained]
        drain[drained++] = undefined
        held--
        yield v
        continue
      }
      if (drainFails) throw drainError
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
      if (entry.chunk) chunksOut--
      if (!entry.ok) throw entry.value
      if (!entry.chunk) {
        held--
        yield entry.value
        continue
      }
      const [values, errorAt, error, ms] = /** @type {[unknown[], number, unknown, number]} */ (entry.value)
      sizer.measured(values.length + (errorAt >= 0 ? 1 : 0), ms)
      // The items after a failed one never ran: they are no longer held.
      held -= entry.count - values.length
      drain = values
      drained = 0
      drainFails = errorAt >= 0
      drainError = error
    }
  } finally {
    // A task that finished on its thread but whose result is not delivered
    // yet cannot be cancelled: wait for it, so that nothing of this stream
    // is pending once the consumer's loop has ended.
    /** @type {Task[]} */
    const finishing = []
    for (const entry of inflight) {
      if (entry.settled || entry.task === undefined || typeof entry.task.cancel !== 'function') continue
      if (!entry.task.cancel()) finishing.push(entry.task)
    }
    if (!exhausted) await it.return?.()
    if (finishing.length > 0) await Promise.allSettled(finishing)
  }
}

/* oxlint-enable eslint/no-await-in-loop */

module.exports = { mapStream }
