'use strict'
// Pool's worker options and the worker engines' stats (issue 17, item 5).
// The native Pool class validates its own options (threads, stackSize,
// threadName, maxQueue); the worker options are checked here, in JS, and a
// Pool's worker engine (a WorkerSet) is created on its first worker task.

const { WorkerSet, defaultWorkers } = require('./workers.js')
const task = require('../task.js')
const { codeError, invalidType, outOfRange, invalidValue } = require('../errors.js')

const native = require('../load.js').binding

/**
 * The worker options of a Pool, as validated.
 * @typedef {import('./workers.js').WorkerSetOptions} WorkerSetOptions
 */

/** Worker options by Pool instance. */
/** @type {WeakMap<object, WorkerSetOptions>} */
const optionsOf = new WeakMap()
/** Each Pool's WorkerSet, once it has one. */
/** @type {WeakMap<object, WorkerSet>} */
const setOf = new WeakMap()

const LIMIT_KEYS = /** @type {const} */ (['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'])
const MAX_MS = 2 ** 31 - 1

/**
 * An integer option in [lo, hi], or undefined.
 * @param {string} name
 * @param {unknown} v
 * @param {number} lo
 * @param {number} hi
 */
function integerOption(name, v, lo, hi) {
  if (v === undefined) return undefined
  if (typeof v !== 'number') throw invalidType(name, 'of type number', v)
  if (!Number.isInteger(v) || v < lo || v > hi) throw outOfRange(name, `must be an integer >= ${lo} and <= ${hi}`, v)
  return v
}

/**
 * A duration in ms: an integer from 0 to 2^31-1, or Infinity.
 * @param {string} name
 * @param {unknown} v
 */
function msOption(name, v) {
  if (v === undefined || v === Infinity) return v
  return integerOption(name, v, 0, MAX_MS)
}

/**
 * `options.resourceLimits`: an object with positive numbers for Node's keys.
 * @param {unknown} v
 */
function limitsOption(v) {
  if (v === undefined) return undefined
  if (typeof v !== 'object' || v === null) throw invalidType('options.resourceLimits', 'of type object', v)
  /** @type {Record<string, number>} */
  const out = {}
  const given = /** @type {Record<string, unknown>} */ (v)
  for (const key of Object.keys(given)) {
    if (!LIMIT_KEYS.includes(/** @type {any} */ (key))) {
      throw invalidValue('options.resourceLimits', `has an unknown key '${key}' (known: ${LIMIT_KEYS.join(', ')})`, v)
    }
  }
  for (const key of LIMIT_KEYS) {
    const n = given[key]
    if (n === undefined) continue
    const name = `options.resourceLimits.${key}`
    if (typeof n !== 'number') throw invalidType(name, 'of type number', n)
    if (!(n > 0) || !Number.isFinite(n)) throw outOfRange(name, 'must be a finite number > 0', n)
    out[key] = n
  }
  return out
}

/**
 * `options.setup`: a module path (relative to the current directory), a
 * package name, or a file URL; resolved now to an absolute path.
 * @param {unknown} v
 */
function setupOption(v) {
  if (v === undefined) return undefined
  let spec = v
  if (v instanceof URL) spec = v.href
  if (typeof spec !== 'string') throw invalidType('options.setup', 'of type string or an instance of URL', v)
  try {
    if (spec.startsWith('file:')) return require('node:url').fileURLToPath(spec)
    return require.resolve(spec, { paths: [process.cwd()] })
  } catch {
    throw invalidValue('options.setup', 'must name a module that exists (a path resolves from the current directory)', v)
  }
}

/**
 * Reads and checks the worker options of `new Pool(options)` (the native
 * constructor checks the rest). Throws TypeError/RangeError with codes.
 * @param {unknown} options
 * @returns {WorkerSetOptions}
 */
function workerOptions(options) {
  if (options === undefined || options === null || typeof options !== 'object') return {}
  const o = /** @type {Record<string, unknown>} */ (options)
  /** @type {WorkerSetOptions} */
  const out = {}
  const workers = integerOption('options.workers', o.workers, 1, 1024)
  if (workers !== undefined) out.workers = workers
  const limits = limitsOption(o.resourceLimits)
  if (limits !== undefined) out.resourceLimits = limits
  const setup = setupOption(o.setup)
  if (setup !== undefined) out.setup = setup
  const idle = msOption('options.idleTimeout', o.idleTimeout)
  if (idle !== undefined) out.idleTimeout = idle
  const concurrent = integerOption('options.concurrentTasksPerWorker', o.concurrentTasksPerWorker, 1, 1024)
  if (concurrent !== undefined) out.concurrentTasksPerWorker = concurrent
  const grace = msOption('options.cancelGrace', o.cancelGrace)
  if (grace !== undefined) out.cancelGrace = grace
  // Checked by the native constructor (an integer >= 1); the engine bounds its queue alike.
  const maxQueue = o.maxQueue
  if (typeof maxQueue === 'number') out.maxQueue = maxQueue
  return out
}

/** The options of the worker engine, as opposed to the native pool's (threads, stackSize, threadName, maxQueue). */
const WORKER_KEYS = /** @type {const} */ (['workers', 'resourceLimits', 'setup', 'idleTimeout', 'concurrentTasksPerWorker', 'cancelGrace'])
const NATIVE_KEYS = /** @type {const} */ (['threads', 'stackSize', 'threadName', 'maxQueue'])

/**
 * `configure(options)`: the default pool's options (the native ones: threads,
 * stackSize, threadName, maxQueue) and its worker engine's (workers,
 * resourceLimits, setup, idleTimeout, concurrentTasksPerWorker, cancelGrace,
 * with Pool's names and rules), before their first use; afterwards it throws
 * ERR_POOL_ALREADY_STARTED and changes nothing. The worker options are
 * checked first, then the native call checks and applies the rest; the
 * worker options apply only if it succeeded. Per environment: the worker
 * engine is this environment's (the native pool is process-wide).
 * @param {unknown} options
 */
function configure(options) {
  const worker = workerOptions(options)
  delete worker.maxQueue // the native pool's (the default engine's queue is unbounded)
  const o = /** @type {Record<string, unknown>} */ (typeof options === 'object' && options !== null ? options : {})
  const forWorkers = WORKER_KEYS.some((k) => o[k] !== undefined)
  if (forWorkers && WorkerSet.defaultStarted) {
    throw codeError(Error, 'ERR_POOL_ALREADY_STARTED', 'configure() must be called before the default worker engine is first used.')
  }
  if (!forWorkers || NATIVE_KEYS.some((k) => o[k] !== undefined)) native.configure(/** @type {any} */ (options))
  if (forWorkers) WorkerSet.configureDefault(worker)
}

/**
 * The native Pool class (through lib/task.js's Proxy), whose constructor
 * also checks and keeps the worker options.
 */
const Pool = new Proxy(task.Pool, {
  construct(target, args, newTarget) {
    const pool = Reflect.construct(target, args, newTarget)
    let opts
    try {
      opts = workerOptions(args[0])
    } catch (err) {
      // The native pool started its threads: stop them.
      pool.close().catch(noop)
      throw err
    }
    optionsOf.set(pool, opts)
    return pool
  },
})

/**
 * The WorkerSet that runs worker tasks for `pool` (the environment's
 * default engine when `pool` is undefined or null), created on first use.
 * Throws ERR_POOL_CLOSED for a closed pool.
 * @param {unknown} [pool]
 * @returns {WorkerSet}
 */
function engineOf(pool) {
  if (pool === undefined || pool === null) return WorkerSet.default()
  const p = /** @type {InstanceType<typeof native.Pool>} */ (pool)
  let set = setOf.get(p)
  if (set !== undefined && !set.closed) return set
  if (p.closed || set !== undefined) throw codeError(Error, 'ERR_POOL_CLOSED', 'The pool is closed')
  set = WorkerSet.create(optionsOf.get(p) ?? {})
  setOf.set(p, set)
  return set
}

/**
 * Stats of a set, or the zeros of an engine not created yet.
 * @param {WorkerSet | undefined} set
 * @param {number} workers
 */
function statsOf(set, workers) {
  if (set !== undefined && !set.closed) return set.stats()
  const zero = { p50: 0, p99: 0 }
  return {
    workers,
    live: 0,
    busy: 0,
    queued: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    restarts: 0,
    runTime: zero,
    waitTime: { ...zero },
    perWorker: [],
  }
}

/** The default pool's counters, and its worker engine's as `workers`. */
function poolStats() {
  const counters = native.poolStats()
  const set = WorkerSet.peekDefault()
  return { ...counters, workers: statsOf(set, set?.size ?? defaultWorkers()) }
}

const proto = native.Pool.prototype
const nativeStats = proto.stats
const nativeClose = proto.close

/**
 * This pool's counters, and its worker engine's as `workers`.
 * @this {InstanceType<typeof native.Pool>}
 */
function stats() {
  const s = nativeStats.call(this)
  const set = setOf.get(this)
  return { ...s, workers: statsOf(set, set?.size ?? optionsOf.get(this)?.workers ?? defaultWorkers()) }
}

/**
 * Closes the pool: its threads finish their queued work; its worker engine
 * is closed (queued worker tasks reject with ERR_POOL_CLOSED) and its
 * workers are terminated. Resolves when all have stopped.
 * @this {InstanceType<typeof native.Pool>}
 */
function close() {
  const closing = nativeClose.call(this)
  const set = setOf.get(this)
  if (set === undefined) return closing
  return Promise.all([closing, set.close()]).then(noop)
}

Object.defineProperty(proto, 'stats', { value: stats, writable: true, configurable: true, enumerable: true })
Object.defineProperty(proto, 'close', { value: close, writable: true, configurable: true, enumerable: true })

function noop() {}

module.exports = { Pool, configure, engineOf, poolStats, workerOptions }
