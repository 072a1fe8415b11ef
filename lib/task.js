'use strict'
// The thin JS side of tasks: TaskHandle (thenable + id/status/cancel),
// AbortSignal wiring and option checks. Deadlines, cancellation flags and
// settling live in Rust (src/task.rs); this file only adapts them to JS idiom.

const native = require('../binding.js')

const STATUS = ['queued', 'running', 'done', 'failed', 'cancelled']

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

// Every TaskHandle is built with this executor, which hands the Promise's
// resolving functions to the constructor through two module variables: no
// closure per task.
let capturedResolve
let capturedReject
function capture(resolve, reject) {
  capturedResolve = resolve
  capturedReject = reject
}

function noop() {}

// Set in TaskHandle's static block: they touch its private fields.
let attach
let fulfil
let rejectWith

/**
 * A running task: a Promise (so `await`, `.then` and `Promise.all` work as
 * on any Promise) with `id`, `status` and `cancel()`. This module creates it
 * and settles it: the native side only reports, in batches, which slot
 * finished with what (`settleBatch`). Its `constructor` is `Promise`, so
 * promises derived from it (`then`, `catch`, `finally`) are plain Promises.
 * @template T
 */
class TaskHandle extends Promise {
  #id
  #slot = -1
  #status
  #resolve
  #reject
  #finish

  constructor(executor, id) {
    if (executor !== capture) throw new TypeError('TaskHandle is not constructible: async functions return one')
    super(capture)
    this.#id = id
    this.#resolve = capturedResolve
    this.#reject = capturedReject
  }

  /** Unique per process. */
  get id() {
    return this.#id
  }

  /** 'queued' | 'running' | 'done' | 'failed' | 'cancelled' */
  get status() {
    if (this.#status !== undefined) return this.#status
    // Pending: the native registry has the live state.
    return STATUS[native.taskStatus(this.#slot, this.#id)] ?? 'done'
  }

  /**
   * Cancels the task. Returns true if it will not complete normally: its
   * Promise then rejects with an AbortError whose `cause` is `reason`.
   */
  cancel(reason) {
    if (this.#status !== undefined || this.#slot < 0) return false
    if (!native.cancelTask(this.#slot, this.#id)) return false
    handles[this.#slot] = undefined
    rejectWith(this, new AbortError(reason), 'cancelled')
    return true
  }

  get [Symbol.toStringTag]() {
    return 'TaskHandle'
  }

  static {
    attach = (handle, slot, finish) => {
      handle.#slot = slot
      handle.#finish = finish
      handles[slot] = handle
    }
    fulfil = (handle, value) => {
      const finish = handle.#finish
      if (finish !== undefined) {
        try {
          value = finish(value)
        } catch (err) {
          rejectWith(handle, err, 'failed')
          return
        }
      }
      const resolve = handle.#resolve
      handle.#status = 'done'
      handle.#resolve = handle.#reject = handle.#finish = undefined
      resolve(value)
    }
    rejectWith = (handle, error, status) => {
      const reject = handle.#reject
      handle.#status = status
      handle.#resolve = handle.#reject = handle.#finish = undefined
      reject(error)
    }
  }
}
Object.defineProperty(TaskHandle.prototype, 'constructor', { value: Promise, writable: true, configurable: true })

// Pending handles by native slot, and what the native side fills before each
// settleBatch(count) call: entry i settles the handle in slots[i].
const handles = []
const KIND_NUMBER = 0 // fulfil with nums[i]
const KIND_VALUE = 1 // fulfil with values[i]
const KIND_FAILED = 2 // reject with values[i]; KIND_CANCELLED (3) likewise
const [slots, kinds, nums, values] = native.attachSettler(settleBatch)

function settleBatch(count) {
  for (let i = 0; i < count; i++) {
    const slot = slots[i]
    const handle = handles[slot]
    if (handle === undefined) continue
    handles[slot] = undefined
    const kind = kinds[i]
    if (kind === KIND_NUMBER) {
      fulfil(handle, nums[i])
    } else {
      const value = values[i]
      values[i] = undefined
      if (kind === KIND_VALUE) fulfil(handle, value)
      else rejectWith(handle, value, kind === KIND_FAILED ? 'failed' : 'cancelled')
    }
  }
}

function failedHandle(error, status = 'failed') {
  const handle = new TaskHandle(capture, nextId())
  rejectWith(handle, error, status)
  handle.catch(noop) // the caller gets the rejection through the handle
  return handle
}

/** What `start` returns when the task needs no native call, or a last step in JS. */
class Started {
  constructor(slot, finish, value) {
    this.slot = slot
    this.finish = finish
    this.value = value
  }
}

/** For `start`: the task is already done, with `value`. */
function settled(value) {
  return new Started(-1, undefined, value)
}

/** For `start`: the task in `slot` resolves to `finish(its value)`, run on the JS thread. */
function finishing(slot, finish) {
  return new Started(slot, finish, undefined)
}

/**
 * Validates TaskOptions, creates the TaskHandle and calls `start(task, arg)`,
 * which must return the slot that a native `*Async` export returned (or
 * `settled(value)`, or `finishing(slot, finish)`). Async functions never
 * throw: bad arguments reject the handle. `arg` lets a hot caller pass a
 * module-level `start` instead of allocating a closure per call.
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
  const handle = new TaskHandle(capture, id)
  let started
  try {
    started = start(task, arg)
  } catch (err) {
    rejectWith(handle, err, 'failed')
    handle.catch(noop) // as failedHandle
    return handle
  }
  if (typeof started === 'number') {
    attach(handle, started, undefined)
  } else if (started instanceof Started && started.slot < 0) {
    fulfil(handle, started.value)
    return handle
  } else if (started instanceof Started) {
    attach(handle, started.slot, started.finish)
  } else {
    throw new TypeError('runTask: start must return a task slot, settled(value) or finishing(slot, finish)')
  }
  if (signal) {
    const onAbort = () => handle.cancel(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    const cleanup = () => signal.removeEventListener('abort', onAbort)
    handle.then(cleanup, cleanup)
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
  settled,
  finishing,
  ping,
  Pool,
  configure: native.configure,
  poolStats: native.poolStats,
  invalidType,
  failedHandle,
  outOfRange,
}
