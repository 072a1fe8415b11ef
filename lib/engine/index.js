'use strict'
// The worker engine's API, main side: spawn / parallelMap / parallel of any
// self-contained JS function on worker_threads fed from the native queue.
// Each task is registered natively (status, cancel, signal, timeout work as
// for native tasks), queued in the dispatcher (one serialization per batch),
// and settled through this environment's completion bridge; the settle hooks
// installed here decode the workers' result payloads.

const native = require('../load.js').binding
const task = require('../task.js')
const codec = require('./codec.js')
const { prepare } = require('./functions.js')
const { dispatcherOf } = require('./dispatch.js')
const { KIND_CALL, KIND_MAP, KIND_EACH } = require('./entries.js')
const { WorkerSet, control } = require('./workers.js')
const { engineOf } = require('./pool.js')
const { codeError, invalidType, outOfRange } = require('../errors.js')

/**
 * lib/progress.js (onProgress), when this build has it: a worker parallelMap
 * reports its item count as the total; the native counter counts the items
 * of each part reported done.
 * @type {{ reportTotal(n: number): void } | undefined}
 */
let progress
try {
  progress = require('../progress.js')
} catch {
  progress = undefined
}

/**
 * The native calls this file makes (binding.d.ts has the exact typings once built).
 * @typedef {{ engineRegister(task: import('../../binding.js').TaskArg, parts: number): number, engineRelease(payload: Uint8Array | string): void }} RegisterNative
 */
const engineNative = /** @type {RegisterNative} */ (/** @type {unknown} */ (native))

/**
 * The settle hook that decodes a worker's result payload (worker `w` of the
 * engine written in it, for the buffers that came by port). Throwing fails
 * the tasks it carries (lib/task.js).
 * @param {Uint8Array | string} buffer a Buffer, or a small short-format payload as a latin1 string
 * @param {number} w
 * @returns {unknown[]}
 */
function decode(buffer, w) {
  try {
    return /** @type {unknown[]} */ (
      codec.decode(buffer, (engine, seq) => {
        const set = WorkerSet.of(engine)
        return set === undefined ? undefined : set.receive(w, seq)
      })
    )
  } finally {
    // Decoded once (lib/task.js keeps the values): its bytes are let go now
    // instead of counting as external memory until a collection (see engineRelease).
    engineNative.engineRelease(buffer)
  }
}

/**
 * The settle hook for a task's last part: its value, from the element and
 * the earlier parts (in arrival order).
 * @param {unknown} element
 * @param {unknown[] | undefined} partials
 */
function done(element, partials) {
  if (partials === undefined) return element
  partials.push(element)
  return partials
}

/**
 * The settle hook for kill requests: tells the worker (a function that
 * takes a signal sees it abort), then the WorkerSet's kill (terminate
 * after the grace if it still runs the task).
 * @param {number} engine
 * @param {number} w
 * @param {number} taskId
 */
function onControl(engine, w, taskId) {
  const set = WorkerSet.of(engine)
  if (set !== undefined && !set.closed) {
    try {
      // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort, not a window
      set.port(w).postMessage({ cancel: taskId })
      set.ring(w)
    } catch {
      // the worker is gone: nothing to tell
    }
  }
  control(engine, w, taskId)
}

task.setEngineHooks({ decode, revive: codec.reviveError, done, control: onControl })

/** @type {Set<unknown>} */
const ENGINES = new Set(['auto', 'native', 'worker'])

/**
 * The `engine` option: 'auto' (default), 'native' or 'worker'.
 * @param {unknown} opts
 * @returns {'auto' | 'native' | 'worker'}
 */
function engineOption(opts) {
  if (opts === undefined || opts === null || typeof opts !== 'object') return 'auto'
  const engine = /** @type {{ engine?: unknown }} */ (opts).engine
  if (engine === undefined) return 'auto'
  if (!ENGINES.has(engine)) {
    throw codeError(
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      `The "options.engine" argument must be one of 'auto', 'native' or 'worker'. Received ${typeof engine === 'string' ? `'${engine}'` : String(engine)}`,
    )
  }
  return /** @type {'auto' | 'native' | 'worker'} */ (engine)
}

/**
 * The worker options of a call, read once: context (or params), transfer list, pool.
 * @param {unknown} opts
 */
function workerOptions(opts) {
  if (opts === undefined || opts === null) return { context: undefined, transfer: undefined, pool: undefined }
  const o = /** @type {{ context?: unknown, params?: unknown, transfer?: unknown, pool?: unknown }} */ (opts)
  const context = o.context ?? o.params
  const list = o.transfer
  /** @type {ArrayBuffer[] | undefined} */
  let transfer
  if (list !== undefined && list !== null) {
    if (!Array.isArray(list)) throw invalidType('options.transfer', 'an array of ArrayBuffers', list)
    transfer = []
    for (let i = 0; i < list.length; i++) {
      const buffer = codec.transferable(list[i], `options.transfer[${i}]`)
      if (/** @type {{ detached?: boolean }} */ (buffer).detached) throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The "options.transfer[${i}]" argument is a detached ArrayBuffer.`)
      if (!transfer.includes(buffer)) transfer.push(buffer)
    }
  }
  return { context, transfer, pool: o.pool }
}

/** @param {import('../../binding.js').TaskArg} t */
function idOf(t) {
  return typeof t === 'number' ? t : t.id
}

/**
 * The arguments of a spawn.
 * @typedef {{ fn: unknown, args: unknown, opts: unknown }} Call
 */

/**
 * runTask's start for a worker call.
 * @param {import('../../binding.js').TaskArg} t
 * @param {Call} call
 */
function startCall(t, call) {
  /** @type {unknown[]} */
  let args
  const given = call.args
  if (given === undefined) args = []
  else if (Array.isArray(given)) args = given
  else throw invalidType('args', 'an array', given)
  const o = workerOptions(call.opts)
  const prepared = prepare(call.fn, o.context)
  return submitCall(t, dispatcherOf(engineOf(o.pool)), prepared.entry, prepared.ctx, args, o.transfer)
}

/**
 * Registers a one-part task and queues its entry.
 * @param {import('../../binding.js').TaskArg} t
 * @param {import('./dispatch.js').Dispatcher} d
 * @param {import('./compile.js').FnEntry} entry
 * @param {unknown[] | null} ctx
 * @param {unknown[]} args
 * @param {ArrayBuffer[] | undefined} transfer
 */
function submitCall(t, d, entry, ctx, args, transfer) {
  let values = args
  let moved = transfer
  if (moved !== undefined || needsPreparing(args)) {
    const p = prepareArgs(args, moved)
    values = p.args
    moved = p.transfer
  }
  const slot = engineNative.engineRegister(t, 1)
  d.add(slot, idOf(t), 1, KIND_CALL, entry, ctx, values, moved)
  return slot
}

/**
 * Whether `args` holds a top-level `move()` marker or a bare SharedArrayBuffer.
 * @param {unknown[]} args
 */
function needsPreparing(args) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (typeof a === 'object' && a !== null && (a instanceof codec.Moved || a instanceof SharedArrayBuffer)) return true
  }
  return false
}

/**
 * Arguments with top-level `move()` markers unwrapped and bare
 * SharedArrayBuffers wrapped (a copy of `args` only when it changes).
 * @param {unknown[]} args
 * @param {ArrayBuffer[] | undefined} transfer
 */
function prepareArgs(args, transfer) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a instanceof codec.Moved || a instanceof SharedArrayBuffer) {
      const copy = args.slice()
      return { args: copy, transfer: codec.prepareArgs(copy, transfer ? transfer.slice() : undefined) }
    }
  }
  return { args, transfer }
}

/**
 * Runs `fn(...args)` once on a worker.
 * @param {unknown} fn
 * @param {unknown} args
 * @param {unknown} opts
 */
function spawnOnWorker(fn, args, opts) {
  return task.runWorkerTask(/** @type {any} */ (opts), startCall, { fn, args, opts })
}

/**
 * runTask's start for a chunk of mapStream items (KIND_EACH): one task,
 * one entry; its value is `[values, errorAt, error, ms]` with the error revived.
 * @param {import('../../binding.js').TaskArg} t
 * @param {{ fn: unknown, items: unknown[], opts: unknown }} call
 */
function startEach(t, call) {
  const o = workerOptions(call.opts)
  const prepared = prepare(call.fn, o.context)
  const slot = engineNative.engineRegister(t, 1)
  dispatcherOf(engineOf(o.pool)).add(slot, idOf(t), call.items.length, KIND_EACH, prepared.entry, prepared.ctx, [call.items], o.transfer)
  return task.finishing(slot, reviveEach)
}

/**
 * A chunk's value with its error revived.
 * @param {[unknown[], number, unknown, number]} value
 */
function reviveEach(value) {
  if (value[1] >= 0) value[2] = codec.reviveError(value[2])
  return value
}

/**
 * Runs `fn(item)` for each of `items` in order on one worker, as one task
 * (mapStream's chunks): resolves to `[values, errorAt, error, ms]`, the
 * values up to the first item that failed (`errorAt`, -1 when none), that
 * item's error, and the milliseconds the chunk ran on the worker.
 * @param {unknown[]} items
 * @param {unknown} fn
 * @param {unknown} opts
 */
function eachOnWorker(items, fn, opts) {
  return task.runWorkerTask(/** @type {any} */ (opts), startEach, { fn, items, opts })
}

/** The most items a worker parallelMap part carries by default (finer load balancing on big inputs). */
const MAX_PART = 1024

/**
 * How many items each part of a worker parallelMap carries.
 * @param {number} length
 * @param {number} workers
 * @param {unknown} chunkSize the option
 */
function chunkOf(length, workers, chunkSize) {
  if (chunkSize !== undefined) {
    if (typeof chunkSize !== 'number') throw invalidType('options.chunkSize', 'of type number', chunkSize)
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 2 ** 32) {
      throw outOfRange('options.chunkSize', 'must be an integer >= 1 and <= 4294967296', chunkSize)
    }
    return chunkSize
  }
  return Math.min(MAX_PART, Math.max(1, Math.ceil(length / (workers * 32))))
}

/**
 * The result of a parallelMap of `parts` parts: the value `done` made.
 * @param {any} value
 * @param {number} parts
 */
function assemble(value, parts) {
  if (parts === 1) return value[1]
  const list = /** @type {[number, unknown[]][]} */ (value)
  list.sort((a, b) => a[0] - b[0])
  /** @type {unknown[]} */
  const out = []
  for (const [, results] of list) for (let i = 0; i < results.length; i++) out.push(results[i])
  return out
}

/**
 * @param {import('../../binding.js').TaskArg} t
 * @param {{ items: unknown, fn: unknown, opts: unknown }} call
 */
function startWorkerMap(t, call) {
  const items = call.items
  if (!Array.isArray(items) && !(ArrayBuffer.isView(items) && !(items instanceof DataView))) {
    throw invalidType('items', 'an array or a TypedArray', items)
  }
  const list = /** @type {ArrayLike<unknown> & { slice(a: number, b: number): ArrayLike<unknown> }} */ (items)
  const o = workerOptions(call.opts)
  const prepared = prepare(call.fn, o.context)
  const set = engineOf(o.pool)
  const length = list.length
  if (length === 0) return task.settled([])
  progress?.reportTotal(length)
  const chunk = chunkOf(length, set.size, /** @type {{ chunkSize?: unknown }} */ (call.opts ?? {}).chunkSize)
  const parts = Math.ceil(length / chunk)
  const slot = engineNative.engineRegister(t, parts)
  const id = idOf(t)
  const d = dispatcherOf(set)
  for (let p = 0; p < parts; p++) {
    const start = p * chunk
    const end = Math.min(length, start + chunk)
    d.add(slot, id, end - start, KIND_MAP, prepared.entry, prepared.ctx, [list.slice(start, end), start], p === 0 ? o.transfer : undefined)
  }
  return task.finishing(slot, (value) => assemble(value, parts))
}

/**
 * Maps `fn` over `items` on the workers, in chunks; resolves to the array of results.
 * @param {unknown} items
 * @param {unknown} fn
 * @param {unknown} opts
 */
function mapOnWorker(items, fn, opts) {
  return task.runWorkerTask(/** @type {any} */ (opts), startWorkerMap, { items, fn, opts })
}

/**
 * `parallel(fn, opts)`: checks `fn` once and returns a function whose calls
 * run `fn` on a worker and return TaskHandles.
 * @param {unknown} fn
 * @param {unknown} opts
 * @param {boolean} [byArray] return a function taking the arguments as one array instead
 */
function parallelOnWorker(fn, opts, byArray = false) {
  const o = workerOptions(opts)
  const { entry, ctx } = prepare(fn, o.context)
  const pool = o.pool
  const transfer = o.transfer
  let set = engineOf(pool) // a closed pool fails now
  let d = dispatcherOf(set)
  /**
   * The start of one call (made once: no object per call).
   * @param {import('../../binding.js').TaskArg} t
   * @param {unknown[]} args
   */
  const start = (t, args) => {
    if (set.closed) {
      set = engineOf(pool)
      d = dispatcherOf(set)
    }
    return submitCall(t, d, entry, ctx, args, transfer)
  }
  if (byArray) return (/** @type {unknown[]} */ args) => task.runWorkerTask(/** @type {any} */ (opts), start, args)
  const name = typeof fn === 'function' ? fn.name : ''
  const run = {
    /** @param {unknown[]} args */
    [name](...args) {
      return task.runWorkerTask(/** @type {any} */ (opts), start, args)
    },
  }[name]
  return run
}

module.exports = { spawnOnWorker, mapOnWorker, eachOnWorker, parallelOnWorker, engineOption, move: codec.move, decode, done }
