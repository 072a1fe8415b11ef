'use strict'
// The thin JS side of tasks: TaskHandle (thenable + id/status/cancel),
// AbortSignal wiring and option checks. Deadlines, cancellation flags and
// settling live in Rust (src/task/); this file only adapts them to JS idiom.

const native = require('./load.js').binding
const { AbortError, codeError, invalidType, outOfRange } = require('./errors.js')
const progress = require('./progress.js')

/**
 * What a native `*Async` export takes: the task id, or `{ id, timeout, pool }`
 * (binding.d.ts spells only the object form; `runTask` casts the bare id once).
 * @typedef {import('../binding.js').TaskArg} TaskArg
 */

const STATUS = ['queued', 'running', 'done', 'failed', 'cancelled']

// Task ids come from a process-wide counter, in blocks, so that they stay
// small integers (a Smi to V8: no heap number per task) and are unique
// across worker threads.
const ID_BLOCK = 65536
let nextFree = 0
let blockEnd = 0

function nextId() {
  if (nextFree === blockEnd) {
    nextFree = native.reserveTaskIds(ID_BLOCK)
    blockEnd = nextFree + ID_BLOCK
  }
  return nextFree++
}

// Every TaskHandle is built with this executor, which hands the Promise's
// resolve function to the constructor through a module variable: no closure
// per task. The reject function is not kept: a handle rejects by resolving
// to a rejected Promise, and a rejection is rare, while keeping a function
// alive costs every pending task ~60 bytes that each scavenge must copy.
/** @type {((value: any) => void) | undefined} */
let capturedResolve
/** @param {(value: any) => void} resolve */
function capture(resolve) {
  capturedResolve = resolve
}

function noop() {}

// A handle's #state: its slot while pending (>= 0), else one of these.
const UNSTARTED = -1
const DONE = -2
const FAILED = -3
const CANCELLED = -4
/** @type {Record<number, string>} */
const FINAL_STATUS = { [UNSTARTED]: 'queued', [DONE]: 'done', [FAILED]: 'failed', [CANCELLED]: 'cancelled' }

// Set in TaskHandle's static block: they touch its private fields.
/** @type {(handle: TaskHandle<unknown>, slot: number) => void} */
let attach
/** @type {(handle: TaskHandle<unknown>, value: unknown) => void} */
let fulfil
/** @type {(handle: TaskHandle<unknown>, error: unknown, state: number) => void} */
let rejectWith
/** @type {(handle: TaskHandle<unknown>, error: unknown) => void} */
let abandon
/** @type {(handle: TaskHandle<unknown>, reason: unknown, handled: boolean) => boolean} */
let cancelWith

/**
 * A running task: a Promise (so `await`, `.then` and `Promise.all` work as
 * on any Promise) with `id`, `status` and `cancel()`. This module creates it
 * and settles it: the native side only reports, in batches, which slot
 * finished with what (`settleBatch`). Its `constructor` is `Promise`, so
 * promises derived from it (`then`, `catch`, `finally`) are plain Promises.
 * It holds three fields: every byte of a pending task is copied by each
 * young-generation GC while 100k tasks are in flight.
 * @template T
 * @extends {Promise<T>}
 */
class TaskHandle extends Promise {
  /** @type {number} */
  #id
  /** @type {number} */
  #state
  /** @type {((value: unknown) => void) | undefined} */
  #resolve

  /**
   * @param {(resolve: (value: unknown) => void) => void} executor must be the module's `capture`
   * @param {number} id
   */
  constructor(executor, id) {
    if (executor !== capture) throw new TypeError('TaskHandle is not constructible: async functions return one')
    super(capture)
    this.#id = id
    this.#state = UNSTARTED
    this.#resolve = capturedResolve
  }

  /** Unique per process. */
  get id() {
    return this.#id
  }

  /** Which engine runs the task: 'native' (the pool) or 'worker' (JS worker threads). */
  get engine() {
    return 'native'
  }

  /** 'queued' | 'running' | 'done' | 'failed' | 'cancelled' */
  get status() {
    const state = this.#state
    if (state < 0) return FINAL_STATUS[state]
    // Pending: the native registry has the live state.
    return STATUS[native.taskStatus(state, this.#id)] ?? 'done'
  }

  /**
   * Cancels the task. Returns true if it will not complete normally: its
   * Promise then rejects with an AbortError whose `cause` is `reason`. The
   * caller asked for that rejection, so it is never reported as unhandled
   * (an aborted `signal` or a timeout is, as any rejection nobody handles).
   * @param {unknown} [reason]
   */
  cancel(reason) {
    return cancelWith(this, reason, true)
  }

  get [Symbol.toStringTag]() {
    return 'TaskHandle'
  }

  static {
    attach = (handle, slot) => {
      handle.#state = slot
      handles[slot] = handle
    }
    fulfil = (handle, value) => {
      const resolve = /** @type {(value: unknown) => void} */ (handle.#resolve)
      handle.#state = DONE
      handle.#resolve = undefined
      resolve(value)
    }
    rejectWith = (handle, error, state) => {
      const resolve = /** @type {(value: unknown) => void} */ (handle.#resolve)
      handle.#state = state
      handle.#resolve = undefined
      const rejected = Promise.reject(error)
      resolve(rejected)
    }
    abandon = (handle, error) => {
      const slot = handle.#state
      if (slot < 0) return
      // Rejects even if the job already finished: its completion then finds
      // no handle in the slot (the native entry keeps the slot until then).
      native.cancelTask(slot, handle.#id)
      handles[slot] = undefined
      forgetExtras(slot)
      rejectWith(handle, error, FAILED)
    }
    cancelWith = (handle, reason, handled) => {
      const slot = handle.#state
      if (slot < 0 || !native.cancelTask(slot, handle.#id)) return false
      handles[slot] = undefined
      const site = forgetExtras(slot)
      rejectWith(handle, abortError(reason, site), CANCELLED)
      if (handled) handle.catch(noop)
      return true
    }
  }
}
Object.defineProperty(TaskHandle.prototype, 'constructor', { value: Promise, writable: true, configurable: true })

/**
 * A TaskHandle whose task runs on the worker engine (`engine === 'worker'`).
 * A subclass rather than a field: every byte of a pending handle counts.
 * @template T
 * @extends {TaskHandle<T>}
 */
class WorkerTaskHandle extends TaskHandle {
  /** Which engine runs the task: 'worker'. */
  get engine() {
    return 'worker'
  }
}
Object.defineProperty(WorkerTaskHandle.prototype, 'constructor', { value: Promise, writable: true, configurable: true })

// Pending handles by native slot, and what the native side fills before each
// settleBatch(count) call: entry i settles the handle in slots[i].
/** @type {(TaskHandle<unknown> | undefined)[]} */
const handles = []
// `finishing(slot, finish)`: the last step of a task, run on the JS thread.
/** @type {(((value: unknown) => unknown) | undefined)[]} */
const finishers = []
let finishersInUse = 0
// Tasks given a `signal` or a `timeout`: the call site (for a timeout's
// stack) and the abort listener to remove once the task settles. Kept by
// slot, not on the handle: a listener attached with `handle.then` would
// count as handling the rejection, and most tasks have neither option.
/** @typedef {{ site: { stack?: string }, signal: AbortSignal | undefined, onAbort: (() => void) | undefined }} Watch */
/** @type {(Watch | undefined)[]} */
const watches = []
let watchesInUse = 0
const KIND_NUMBER = 0 // fulfil with nums[i]
const KIND_VALUE = 1 // fulfil with values[i]
const KIND_FAILED = 2 // reject with values[i]; KIND_CANCELLED (3) likewise
// Worker engine kinds (src/task/batch.rs `kind`): a payload (values[i] = a
// Buffer, nums[i] = the worker index) precedes the entries that read its
// elements (nums[i] = element index); CONTROL is a kill request.
const KIND_PAYLOAD = 4
const KIND_WORKER_PART = 5
const KIND_WORKER_DONE = 6
const KIND_WORKER_ERR = 7
const KIND_CONTROL = 8
// Results of the parts of a multi-part engine task that reported before its last, by slot.
/** @type {(unknown[] | undefined)[]} */
const partials = []
let partialsInUse = 0
const [slots, kinds, nums, values] = native.attachSettler(settleBatch)

/** @param {number} count entries filled in `slots`, `kinds`, `nums`, `values` */
function settleBatch(count) {
  for (let i = 0; i < count; i++) {
    const kind = kinds[i]
    if (kind >= KIND_PAYLOAD) {
      settleEngineEntry(i, kind)
      continue
    }
    const slot = slots[i]
    const handle = handles[slot]
    if (handle === undefined) continue
    handles[slot] = undefined
    let value
    if (kind === KIND_NUMBER) {
      value = nums[i]
    } else {
      value = values[i]
      values[i] = undefined
      if (kind !== KIND_VALUE) {
        const site = forgetExtras(slot)
        if (site !== undefined && isTimeout(value)) pointAt(value, site)
        rejectWith(handle, value, kind === KIND_FAILED ? FAILED : CANCELLED)
        continue
      }
    }
    if (watchesInUse > 0) forgetWatch(slot)
    if (progress.state.inUse > 0) progress.end(slot, true)
    if (finishersInUse > 0) {
      try {
        value = runFinisher(slot, value)
      } catch (err) {
        rejectWith(handle, err, FAILED)
        continue
      }
    }
    fulfil(handle, value)
  }
}

/**
 * How the worker engine's results are read; lib/engine installs its own
 * with `setEngineHooks`. `decode(buffer, worker)` turns a worker's payload
 * into its array of elements (once per payload, lazily); `revive(element)`
 * an encoded error into the Error a task rejects with; `done(element,
 * partials)` a task's last element (and the elements of its earlier parts,
 * in arrival order, if any) into its value; `control(engine, worker,
 * taskId)` handles a kill request.
 * @typedef {{
 *   decode: (buffer: Buffer, worker: number) => unknown[],
 *   revive: (encoded: unknown) => unknown,
 *   done: (element: unknown, partials: unknown[] | undefined) => unknown,
 *   control: (engine: number, worker: number, taskId: number) => void,
 * }} EngineHooks
 */
/** @type {EngineHooks} */
const hooks = {
  decode: (buffer) => require('node:v8').deserialize(buffer),
  revive: reviveError,
  done: (element, parts) => (parts === undefined ? element : [...parts, element]),
  control: noop,
}

/**
 * An encoded error as an Error (the default `revive`): `{ name, message, code, stack }`.
 * @param {unknown} encoded
 */
function reviveError(encoded) {
  if (encoded instanceof Error || typeof encoded !== 'object' || encoded === null) return encoded
  const e = /** @type {{ name?: unknown, message?: unknown, stack?: unknown }} */ (encoded)
  const error = new Error(String(e.message ?? ''))
  Object.assign(error, encoded)
  return error
}

/**
 * Installs the worker engine's hooks (see EngineHooks); missing ones keep their default.
 * @param {Partial<EngineHooks>} next
 */
function setEngineHooks(next) {
  if (typeof next !== 'object' || next === null) throw invalidType('hooks', 'of type object', next)
  const target = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (hooks))
  for (const name of /** @type {(keyof EngineHooks)[]} */ (['decode', 'revive', 'done', 'control'])) {
    const hook = next[name]
    if (hook === undefined) continue
    if (typeof hook !== 'function') throw invalidType(`hooks.${name}`, 'of type function', hook)
    target[name] = hook
  }
}

// The payload that the engine entries being settled read (it persists
// across settleBatch calls: one worker report may span several).
/** @type {Buffer | undefined} */
let payload
let payloadWorker = -1
/** @type {unknown[] | undefined} */
let decoded
/** @type {{ error: unknown } | undefined} */
let decodeFailed

/** @param {number} index */
function elementAt(index) {
  if (decoded === undefined) {
    if (decodeFailed !== undefined) throw decodeFailed.error
    try {
      decoded = hooks.decode(/** @type {Buffer} */ (payload), payloadWorker)
    } catch (error) {
      decodeFailed = { error }
      throw error
    }
  }
  return decoded[index]
}

/**
 * Settles entry `i` of a worker engine kind.
 * @param {number} i
 * @param {number} kind
 */
function settleEngineEntry(i, kind) {
  if (kind === KIND_PAYLOAD) {
    payload = /** @type {Buffer} */ (values[i])
    values[i] = undefined
    payloadWorker = nums[i]
    decoded = undefined
    decodeFailed = undefined
    return
  }
  if (kind === KIND_CONTROL) {
    const request = /** @type {[number, number, number]} */ (values[i])
    values[i] = undefined
    try {
      hooks.control(request[0], request[1], request[2])
    } catch (err) {
      queueMicrotask(() => {
        throw err
      })
    }
    return
  }
  const slot = slots[i]
  const handle = handles[slot]
  if (handle === undefined) return
  let element
  try {
    element = elementAt(nums[i])
  } catch (err) {
    // Not decodable: the task fails (a part: it is still running natively).
    if (kind === KIND_WORKER_PART) abandon(handle, err)
    else {
      handles[slot] = undefined
      forgetExtras(slot)
      rejectWith(handle, err, FAILED)
    }
    return
  }
  if (kind === KIND_WORKER_PART) {
    const parts = partials[slot]
    if (parts === undefined) {
      partials[slot] = [element]
      partialsInUse++
    } else parts.push(element)
    return
  }
  handles[slot] = undefined
  if (kind === KIND_WORKER_ERR) {
    forgetExtras(slot)
    let error
    try {
      error = hooks.revive(element)
    } catch (err) {
      error = err
    }
    rejectWith(handle, error, FAILED)
    return
  }
  const parts = partialsInUse > 0 ? forgetPartials(slot) : undefined
  let value
  try {
    value = hooks.done(element, parts)
  } catch (err) {
    forgetExtras(slot)
    rejectWith(handle, err, FAILED)
    return
  }
  if (watchesInUse > 0) forgetWatch(slot)
  if (progress.state.inUse > 0) progress.end(slot, true)
  if (finishersInUse > 0) {
    try {
      value = runFinisher(slot, value)
    } catch (err) {
      rejectWith(handle, err, FAILED)
      return
    }
  }
  fulfil(handle, value)
}

/**
 * Forgets the partial results of `slot`; returns them.
 * @param {number} slot
 */
function forgetPartials(slot) {
  const parts = partials[slot]
  if (parts !== undefined) {
    partials[slot] = undefined
    partialsInUse--
  }
  return parts
}

/**
 * Applies and forgets the finisher of `slot`, if any.
 * @param {number} slot
 * @param {unknown} value
 */
function runFinisher(slot, value) {
  const finisher = finishers[slot]
  if (finisher === undefined) return value
  forgetFinisher(slot)
  return finisher(value)
}

/** @param {number} slot */
function forgetFinisher(slot) {
  if (finishers[slot] !== undefined) {
    finishers[slot] = undefined
    finishersInUse--
  }
}

/**
 * Removes the abort listener of `slot`, if any; returns its call site.
 * @param {number} slot
 */
function forgetWatch(slot) {
  const watch = watches[slot]
  if (watch === undefined) return undefined
  watches[slot] = undefined
  watchesInUse--
  if (watch.onAbort !== undefined) watch.signal?.removeEventListener('abort', watch.onAbort)
  return watch.site
}

/**
 * Forgets everything kept for the task in `slot` (it settles now); returns its call site, if kept.
 * @param {number} slot
 */
function forgetExtras(slot) {
  if (finishersInUse > 0) forgetFinisher(slot)
  if (partialsInUse > 0) forgetPartials(slot)
  if (progress.state.inUse > 0) progress.end(slot, false)
  return watchesInUse > 0 ? forgetWatch(slot) : undefined
}

/**
 * Whether `error` is a task timeout (ERR_TASK_TIMEOUT).
 * @param {unknown} error
 */
function isTimeout(error) {
  return typeof error === 'object' && error !== null && /** @type {{ code?: unknown }} */ (error).code === 'ERR_TASK_TIMEOUT'
}

/**
 * What a task aborted with `reason` rejects with. A reason that is a
 * TimeoutError (`AbortSignal.timeout()`'s) makes the same error as the
 * `timeout` option: code ERR_TASK_TIMEOUT, the reason as `cause`, the stack
 * of the call that started the task. Any other reason: an AbortError.
 * @param {unknown} reason
 * @param {{ stack?: string } | undefined} site
 */
function abortError(reason, site) {
  if (!(reason instanceof DOMException && reason.name === 'TimeoutError')) return new AbortError(reason)
  const error = codeError(Error, 'ERR_TASK_TIMEOUT', "The task timed out: its signal's timeout expired.", { cause: reason })
  if (site !== undefined) pointAt(error, site)
  return error
}

/**
 * Gives `error` the stack frames saved at the call that started the task.
 * @param {unknown} error
 * @param {{ stack?: string }} site
 */
function pointAt(error, site) {
  try {
    const e = /** @type {Error} */ (error)
    const frames = site.stack ?? ''
    const at = frames.indexOf('\n')
    e.stack = `${e.name}: ${e.message}${at < 0 ? '' : frames.slice(at)}`
  } catch {
    // A frozen error keeps its own stack.
  }
}

/**
 * Rejects a handle whose task never started; the caller gets the rejection through the handle.
 * @template T
 * @param {TaskHandle<T>} handle
 * @param {unknown} error
 * @param {number} state
 */
function failBeforeStart(handle, error, state) {
  rejectWith(handle, error, state)
  return handle
}

/** What `start` returns when the task needs no native call, or a last step in JS (recognized by `instanceof`). */
// oxlint-disable-next-line typescript/no-extraneous-class -- a record that `runTask` tells apart from a slot with instanceof
class Started {
  /**
   * @param {number} slot the task's slot, or -1 when already done
   * @param {((value: any) => unknown) | undefined} finish
   * @param {unknown} value the result when already done
   */
  constructor(slot, finish, value) {
    this.slot = slot
    this.finish = finish
    this.value = value
  }
}

/**
 * For `start`: the task is already done, with `value`.
 * @param {unknown} value
 */
function settled(value) {
  return new Started(-1, undefined, value)
}

/**
 * For `start`: the task in `slot` resolves to `finish(its value)`, run on the JS thread.
 * @param {number} slot
 * @param {(value: any) => unknown} finish
 */
function finishing(slot, finish) {
  return new Started(slot, finish, undefined)
}

/**
 * Validates TaskOptions, creates the TaskHandle and calls `start(task, arg)`,
 * which must return the slot that a native `*Async` export returned (or
 * `settled(value)`, or `finishing(slot, finish)`). Async functions never
 * throw: everything here, the option reads included (a throwing getter, a
 * Proxy, a revoked Proxy), runs under one guard, and whatever goes wrong
 * rejects the handle. `arg` lets a hot caller pass a module-level `start`
 * instead of allocating a closure per call.
 * @template A
 * @param {unknown} opts the caller's TaskOptions
 * @param {(task: TaskArg, arg: A) => unknown} start returns a slot or a `Started`
 * @param {A} arg
 * @returns {TaskHandle<any>}
 */
function runTask(opts, start, arg) {
  return runWith(TaskHandle, runTask, opts, start, arg)
}

/**
 * `runTask` for a task that the worker engine runs: its handle says
 * `engine === 'worker'`; `start` calls `engineRegister`.
 * @template A
 * @param {unknown} opts the caller's TaskOptions
 * @param {(task: TaskArg, arg: A) => unknown} start returns a slot or a `Started`
 * @param {A} arg
 * @returns {TaskHandle<any>}
 */
function runWorkerTask(opts, start, arg) {
  return runWith(WorkerTaskHandle, runWorkerTask, opts, start, arg)
}

/**
 * @template A
 * @param {typeof TaskHandle} Handle
 * @param {Function} caller the public entry point, for the call site's stack
 * @param {unknown} opts
 * @param {(task: TaskArg, arg: A) => unknown} start
 * @param {A} arg
 * @returns {TaskHandle<any>}
 */
function runWith(Handle, caller, opts, start, arg) {
  const id = nextId()
  const handle = new Handle(capture, id)
  /** @type {AbortSignal | undefined} */
  let signal
  /** @type {{ stack?: string } | undefined} */
  let site
  let started
  /** @type {((done: number, total: number) => void) | undefined} */
  let onProgress
  try {
    let task = /** @type {TaskArg} */ (/** @type {unknown} */ (id))
    if (opts !== undefined && opts !== null) {
      if (typeof opts !== 'object') return failBeforeStart(handle, invalidType('options', 'of type object', opts), FAILED)
      const o = /** @type {{ timeout?: unknown, pool?: unknown, signal?: unknown, onProgress?: unknown }} */ (opts)
      let timeout = o.timeout
      const pool = o.pool
      const sig = o.signal
      const onp = o.onProgress
      if (onp !== undefined && typeof onp !== 'function') {
        return failBeforeStart(handle, invalidType('options.onProgress', 'of type function', onp), FAILED)
      }
      if (onp !== undefined) {
        onProgress = /** @type {(done: number, total: number) => void} */ (onp)
        progress.resetTotal()
      }
      if (sig !== undefined && !(sig instanceof AbortSignal)) {
        return failBeforeStart(handle, invalidType('options.signal', 'an instance of AbortSignal', sig), FAILED)
      }
      signal = sig
      if (timeout !== undefined) {
        if (typeof timeout !== 'number') {
          return failBeforeStart(handle, invalidType('options.timeout', 'of type number', timeout), FAILED)
        }
        if (!(timeout >= 0) || timeout > 2 ** 31 - 1) {
          return failBeforeStart(handle, outOfRange('options.timeout', 'must be >= 0 and <= 2147483647', timeout), FAILED)
        }
      }
      if (pool !== undefined && pool !== null && !(pool instanceof native.Pool)) {
        return failBeforeStart(handle, invalidType('options.pool', 'an instance of Pool', pool), FAILED)
      }
      if (timeout === 0) timeout = undefined // 0: no timeout, as Memo's `ttl: 0`
      if (timeout !== undefined || signal !== undefined) {
        // The call site, for a timeout's stack: frames are captured now and
        // formatted only if the stack is read.
        site = {}
        Error.captureStackTrace(site, caller)
      }
      if (signal?.aborted) return failBeforeStart(handle, abortError(signal.reason, site), CANCELLED)
      if (timeout !== undefined || (pool !== undefined && pool !== null)) {
        task = { id, timeout: /** @type {number | undefined} */ (timeout), pool: /** @type {import("../binding.js").Pool | undefined} */ (pool) }
      }
    }
    started = start(task, arg)
  } catch (err) {
    return failBeforeStart(handle, err, FAILED)
  }
  /** @type {number} */
  let slot
  if (typeof started === 'number') {
    slot = started
    attach(handle, slot)
  } else if (started instanceof Started && started.slot < 0) {
    if (onProgress !== undefined) progress.settledAtOnce(onProgress)
    fulfil(handle, started.value)
    return handle
  } else if (started instanceof Started) {
    slot = started.slot
    attach(handle, slot)
    finishers[slot] = started.finish
    finishersInUse++
  } else {
    return failBeforeStart(
      handle,
      new TypeError('runTask: start must return a task slot, settled(value) or finishing(slot, finish)'),
      FAILED,
    )
  }
  if (onProgress !== undefined) progress.watch(slot, id, onProgress)
  if (site !== undefined) {
    /** @type {Watch} */
    const watch = { site, signal: undefined, onAbort: undefined }
    watches[slot] = watch
    watchesInUse++
    if (signal) {
      const sig = signal
      try {
        // Not `handle.cancel`: an aborted signal's rejection is reported
        // as unhandled when nobody handles it.
        const onAbort = () => {
          cancelWith(handle, sig.reason, false)
        }
        sig.addEventListener('abort', onAbort, { once: true })
        watch.signal = sig
        watch.onAbort = onAbort
      } catch (err) {
        // A signal that passed the checks yet cannot be listened to (a Proxy
        // of one): the task is running, so cancel it and reject with the error.
        abandon(handle, err)
      }
    }
  }
  return handle
}

/**
 * Rejects the pending task in `slot`, if it is task `id`, with `error` and
 * drops its native entry (the worker engine's dispatcher, for a batch it
 * could not submit: queue full, engine closed).
 * @param {number} slot
 * @param {number} id
 * @param {unknown} error
 */
function rejectSlot(slot, id, error) {
  const handle = handles[slot]
  if (handle === undefined || handle.id !== id) return
  abandon(handle, error)
}

/**
 * Runs a trivial task through the pool and back; measures per-task overhead.
 * @param {number} [value]
 * @param {unknown} [opts]
 */
function ping(value = 0, opts) {
  return runTask(opts, startPing, value)
}

/**
 * @param {TaskArg} task
 * @param {number} value
 */
function startPing(task, value) {
  return native.pingAsync(task, value)
}

/**
 * `await using pool = new Pool()`: closes the pool.
 * @this {InstanceType<typeof native.Pool>}
 */
function asyncDispose() {
  return this.close()
}

if (Symbol.asyncDispose && !native.Pool.prototype[Symbol.asyncDispose]) {
  Object.defineProperty(native.Pool.prototype, Symbol.asyncDispose, {
    value: asyncDispose,
    configurable: true,
    writable: true,
  })
}

/**
 * The native Pool class, made to throw a coded TypeError when called without
 * `new` (a napi-rs class called as a function returns `globalThis`). `new`,
 * `instanceof`, subclassing and the prototype are the native class's.
 */
const Pool = new Proxy(native.Pool, {
  apply() {
    throw codeError(TypeError, 'ERR_CONSTRUCT_CALL_REQUIRED', "Class constructor Pool cannot be invoked without 'new'")
  },
})

module.exports = {
  AbortError,
  TaskHandle,
  WorkerTaskHandle,
  runTask,
  runWorkerTask,
  setEngineHooks,
  settled,
  finishing,
  rejectSlot,
  ping,
  Pool,
  configure: native.configure,
  poolStats: native.poolStats,
}
