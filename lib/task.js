'use strict'
// The thin JS side of tasks: TaskHandle (thenable + id/status/cancel),
// AbortSignal wiring and option checks. Deadlines, cancellation flags and
// settling live in Rust (src/task.rs); this file only adapts them to JS idiom.

const native = require('../binding.js')

const STATUS = ['queued', 'running', 'done', 'failed', 'cancelled']
const UNKNOWN = 255

/** The error a cancelled or aborted task rejects with. */
class AbortError extends Error {
  constructor(reason, message = 'The task has been aborted') {
    super(message, reason === undefined ? undefined : { cause: reason })
    this.name = 'AbortError'
    this.code = 'ABORT_ERR'
  }
}

const ID_BASE = native.envId() * 2 ** 32
let counter = 0

function nextId() {
  counter += 1
  return ID_BASE + counter
}

function invalidType(name, expected, value) {
  const err = new TypeError(`The "${name}" argument must be ${expected}. Received ${describe(value)}`)
  err.code = 'ERR_INVALID_ARG_TYPE'
  return err
}

function outOfRange(name, requirement, value) {
  const err = new RangeError(`The value of "${name}" is out of range. It ${requirement}. Received ${describe(value)}`)
  err.code = 'ERR_OUT_OF_RANGE'
  return err
}

function describe(value) {
  if (value === null) return 'null'
  if (typeof value === 'function') return `function ${value.name || '<anonymous>'}`
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`
  if (typeof value === 'string') return `type string ('${value.length > 25 ? value.slice(0, 25) + '...' : value}')`
  return `type ${typeof value} (${String(value)})`
}

const kId = Symbol('napi-parallel.id')
const kStatus = Symbol('napi-parallel.status')

/**
 * A running task. A TaskHandle *is* the task's native Promise (so `await`,
 * `Promise.all` and `.then` take V8's fast paths and allocate nothing extra),
 * with `id`, `status` and `cancel()` added by this prototype. Its
 * `constructor` stays `Promise`, so derived promises are plain Promises.
 * @template T
 */
class TaskHandle extends Promise {
  constructor() {
    throw new TypeError('TaskHandle is not constructible: async functions return one')
  }

  /** Unique per process. */
  get id() {
    return this[kId]
  }

  /** 'queued' | 'running' | 'done' | 'failed' | 'cancelled' */
  get status() {
    const known = this[kStatus]
    if (known !== undefined) return known
    const code = native.taskStatus(this[kId])
    // UNKNOWN: settled and not remembered as failed or cancelled, so done.
    return code === UNKNOWN ? 'done' : STATUS[code]
  }

  /**
   * Cancels the task. Returns true if it will not complete normally: its
   * Promise then rejects with an AbortError whose `cause` is `reason`.
   */
  cancel(reason) {
    if (this[kStatus] !== undefined) return false
    if (native.cancelTask(this[kId], new AbortError(reason))) {
      this[kStatus] = 'cancelled'
      return true
    }
    return false
  }

  get [Symbol.toStringTag]() {
    return 'TaskHandle'
  }
}
Object.defineProperty(TaskHandle.prototype, 'constructor', { value: Promise, writable: true, configurable: true })

/** Turns a native Promise into a TaskHandle in place. */
function asHandle(promise, id, status) {
  Object.setPrototypeOf(promise, TaskHandle.prototype)
  promise[kId] = id
  if (status !== undefined) promise[kStatus] = status
  return promise
}

function failedHandle(error, status = 'failed') {
  const promise = Promise.reject(error)
  promise.catch(() => {}) // the caller gets the rejection through the handle
  return asHandle(promise, nextId(), status)
}

/**
 * Validates TaskOptions, calls `start(task, arg)` (which must return the
 * native Promise of an `*Async` export) and wraps it in a TaskHandle. Async
 * functions never throw: bad arguments reject the handle. `arg` lets a hot
 * caller pass a module-level `start` instead of allocating a closure per call.
 */
function runTask(opts, start, arg) {
  let signal
  let task
  const id = nextId()
  if (opts !== undefined && opts !== null) {
    if (typeof opts !== 'object') return failedHandle(invalidType('options', 'of type object', opts))
    const { timeout, pool } = opts
    signal = opts.signal
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      return failedHandle(invalidType('options.signal', 'an instance of AbortSignal', signal))
    }
    if (timeout !== undefined) {
      if (typeof timeout !== 'number') return failedHandle(invalidType('options.timeout', 'of type number', timeout))
      if (!(timeout >= 0) || timeout > 2 ** 31 - 1) {
        return failedHandle(outOfRange('options.timeout', 'must be >= 0 and <= 2147483647', timeout))
      }
    }
    if (pool !== undefined && pool !== null && !(pool instanceof native.Pool)) {
      return failedHandle(invalidType('options.pool', 'an instance of Pool', pool))
    }
    if (signal?.aborted) return failedHandle(new AbortError(signal.reason), 'cancelled')
    task = timeout === undefined && (pool === undefined || pool === null) ? id : { id, timeout, pool }
  } else {
    task = id
  }
  let promise
  try {
    promise = start(task, arg)
  } catch (err) {
    return failedHandle(err)
  }
  const handle = asHandle(promise, id)
  if (signal) {
    const onAbort = () => handle.cancel(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    const cleanup = () => signal.removeEventListener('abort', onAbort)
    promise.then(cleanup, cleanup)
  }
  return handle
}

/** Runs a trivial task through the pool and back; measures per-task overhead. */
function ping(value = 0, opts) {
  return runTask(opts, startPing, value)
}

function startPing(task, value) {
  return native.pingAsync(task, value)
}

const Pool = native.Pool
if (Symbol.asyncDispose && !Pool.prototype[Symbol.asyncDispose]) {
  Object.defineProperty(Pool.prototype, Symbol.asyncDispose, {
    value: function asyncDispose() {
      return this.close()
    },
    configurable: true,
    writable: true,
  })
}

module.exports = {
  AbortError,
  TaskHandle,
  runTask,
  ping,
  Pool,
  configure: native.configure,
  poolStats: native.poolStats,
  invalidType,
  failedHandle,
  outOfRange,
}
