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

/**
 * A running task: awaitable like a Promise, with an id, a status and cancel().
 * @template T
 */
class TaskHandle {
  #id
  #promise
  #status = null

  constructor(id, promise, status = null) {
    this.#id = id
    this.#promise = promise
    this.#status = status
  }

  #settled(err) {
    this.#status ??= err === undefined ? 'done' : err?.name === 'AbortError' || err?.code === 'ERR_TASK_TIMEOUT' ? 'cancelled' : 'failed'
  }

  /** Unique per process. */
  get id() {
    return this.#id
  }

  /** 'queued' | 'running' | 'done' | 'failed' | 'cancelled' */
  get status() {
    if (this.#status !== null) return this.#status
    const code = native.taskStatus(this.#id)
    // UNKNOWN: settled long ago and never awaited; it did settle.
    return code === UNKNOWN ? 'done' : STATUS[code]
  }

  /**
   * Cancels the task. Returns true if it will not complete normally: its
   * Promise then rejects with an AbortError whose `cause` is `reason`.
   */
  cancel(reason) {
    if (this.#status !== null) return false
    if (native.cancelTask(this.#id, new AbortError(reason))) {
      this.#status = 'cancelled'
      return true
    }
    return false
  }

  // Status is recorded when the handle is awaited (no extra Promise per task);
  // for a handle nobody awaits, the native side remembers it.
  then(onFulfilled, onRejected) {
    return this.#promise.then(
      (value) => {
        this.#status ??= 'done'
        return typeof onFulfilled === 'function' ? onFulfilled(value) : value
      },
      (err) => {
        this.#settled(err)
        if (typeof onRejected === 'function') return onRejected(err)
        throw err
      },
    )
  }

  catch(onRejected) {
    return this.then(undefined, onRejected)
  }

  finally(onFinally) {
    return this.then(
      (value) => Promise.resolve(typeof onFinally === 'function' ? onFinally() : undefined).then(() => value),
      (err) => Promise.resolve(typeof onFinally === 'function' ? onFinally() : undefined).then(() => {
        throw err
      }),
    )
  }

  get [Symbol.toStringTag]() {
    return 'TaskHandle'
  }
}

function failedHandle(error, status = 'failed') {
  const promise = Promise.reject(error)
  return new TaskHandle(nextId(), promise, status)
}

/**
 * Validates TaskOptions, calls `start(task)` (which must return the native
 * Promise of an `*Async` export) and wraps it in a TaskHandle. Async
 * functions never throw: bad arguments reject the handle.
 */
function runTask(opts, start) {
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
    promise = start(task)
  } catch (err) {
    return failedHandle(err)
  }
  const handle = new TaskHandle(id, promise)
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
  return runTask(opts, (task) => native.pingAsync(task, value))
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
