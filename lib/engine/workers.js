'use strict'
// The WorkerSet: the worker_threads of one engine (issue 17, lifecycle).
// It starts them lazily, rings their bells, terminates one that keeps running
// a cancelled task, replaces the dead (telling the native queue, which fails
// the dead worker's running tasks and re-queues the rest), backs off when
// workers keep dying, and closes. It never runs tasks itself: lib/engine/worker.js
// (the worker entry) takes them from the native queue.
//
// The control block (one SharedArrayBuffer per engine, an Int32Array with 4
// slots per worker w at 4*w): [BELL, STATE, TASK_LO, TASK_HI].
// - BELL: the main side sets 1 and notifies to wake the worker; the worker
//   resets it to 0 before taking.
// - STATE: 0 idle (parked or about to park), 1 busy or spinning (also while
//   starting), 2 exiting (idle timeout: a quiet exit), 3 its setup module
//   threw (it exits with that error), 4 ending itself: an async task it runs
//   was cancelled or timed out and did not settle within cancelGrace (its id
//   is in TASK_LO/HI).
// - TASK_LO/HI: the id of the task the worker runs now (low 32 bits, high
//   bits), 0 when none; the worker writes it at begin. A kill request
//   terminates the worker only if it still runs that task after the grace.
// After the last worker's slots, one engine-wide group: [SPINNER, 0, 0, 0].
// - SPINNER: 1 + the index of the one worker allowed to spin on an empty
//   queue (0: none). Only one spins at a time, so that spinning workers
//   never outnumber the cores the main thread needs (2 here).
//
// Deaths and the crash loop. A worker that exits (process.exit in a
// function, an uncaught error in a timer, out of memory under
// resourceLimits, a setup module that throws, a terminate after a cancel)
// is reported to the native queue with engineAbandon(engine, w, reason):
// the tasks it was running reject with ERR_WORKER_EXITED and `reason`, the
// entries it had not begun go back to the queue. It is replaced at once if
// work is queued. Deaths in a row with no task completed anywhere in the
// engine since the dead worker started (a kill we asked for and a quiet
// idle exit do not count) delay the replacement: 0, 10, 20, 40 ms ...
// doubling to 5 s. At the 5th such death (and each one after it), every task
// still queued rejects with ERR_WORKER_EXITED and a message that starts
// "Crash loop:" and quotes the last death's reason; tasks submitted later
// start a new worker once the backoff allows. One completed task resets it.
//
// A setup module that throws is not a crash loop: the worker is not
// replaced, and once no worker of the set is alive every task queued, and
// every task submitted later, rejects at once with ERR_WORKER_SETUP_FAILED
// (its `cause` is the setup's error). The set stays failed: close it.

const path = require('node:path')
const { Worker, MessageChannel, receiveMessageOnPort } = require('node:worker_threads')
const { availableParallelism } = require('node:os')

/**
 * The native engine API this file calls (binding.d.ts has the exact typings
 * once the engine is built; this cast keeps the file independent of them).
 * @typedef {{
 *   engineCreate(workers: number, maxQueue: number): number,
 *   engineClose(engine: number): void,
 *   engineTake(engine: number, worker: number): null | [number, Uint8Array, number],
 *   engineBegin(token: number, index: number): boolean,
 *   engineFinish(token: number, payload: Uint8Array, outcomes: Uint8Array, start: number): void,
 *   engineAbandon(engine: number, worker: number, reason: string): void,
 *   engineBacklog(engine: number, worker: number): number,
 *   engineStats(engine: number): NativeEngineStats,
 * }} EngineNative
 * @typedef {{ workers: number, queued: number, busy: number, completed: number, failed: number,
 *   cancelled: number, runP50: number, runP99: number, waitP50: number, waitP99: number,
 *   perWorker: { completed: number, busyMs: number, utilization: number }[] }} NativeEngineStats
 */
const native = /** @type {EngineNative} */ (/** @type {unknown} */ (require('../load.js').binding))
const codec = require('./codec.js')
const { codeError } = require('../errors.js')

/** Control-block slots of worker w, at `4 * w + slot`. */
const BELL = 0
const STATE = 1
const TASK_LO = 2
const TASK_HI = 3
const SLOTS = 4
/** STATE values. */
const IDLE = 0
const BUSY = 1
const EXITING = 2
const SETUP_FAILED = 3
const ENDED = 4

/** Deaths in a row without a completed task before the queued tasks are rejected (crash loop). */
const CRASH_LIMIT = 5
/** Backoff before replacing a worker after the n-th death in a row: 0, then 10 ms doubling to 5 s. */
const BACKOFF_FIRST_MS = 10
const BACKOFF_MAX_MS = 5000
/** Default grace between a kill request and the terminate. */
const DEFAULT_GRACE_MS = 100
/**
 * The `resourceLimits` of engine workers when none are given: V8's young
 * generation pinned at 48 MB (3 semi-spaces of 16 MB, Node 20's default).
 * Node >= 22 grows the semi-space with the heap, and a worker that runs a
 * million small tasks then kept ~150 MB more RSS per million tasks (Node 24).
 */
const DEFAULT_LIMITS = Object.freeze({ maxYoungGenerationSizeMb: 48 })

const WORKER_FILE = path.join(__dirname, 'worker.js')

/**
 * What a WorkerSet is built with (validated by lib/engine/pool.js for a Pool).
 * `workerFile` (internal, for tests) replaces lib/engine/worker.js.
 * @typedef {{
 *   workers?: number,
 *   maxQueue?: number,
 *   resourceLimits?: import('node:worker_threads').ResourceLimits,
 *   setup?: string,
 *   idleTimeout?: number,
 *   concurrentTasksPerWorker?: number,
 *   cancelGrace?: number,
 *   workerFile?: string,
 * }} WorkerSetOptions
 */

/**
 * One worker slot.
 * @typedef {{
 *   worker: Worker | undefined,
 *   port: import('node:worker_threads').MessagePort | undefined,
 *   backoff: ReturnType<typeof setTimeout> | undefined,
 *   notBefore: number,
 *   kill: string | undefined,
 *   error: unknown,
 *   completedAtStart: number,
 *   picked: number,
 *   exited: Promise<void> | undefined,
 *   inbox: unknown[],
 * }} Slot
 */

/** WorkerSets by engine id, for the kill requests that settle delivers. */
/** @type {Map<number, WorkerSet>} */
const sets = new Map()

/** The default engine of this environment, made on first use. */
/** @type {WorkerSet | undefined} */
let defaultSet
/** The options `configure()` gave this environment's default engine. */
/** @type {WorkerSetOptions} */
let defaultOptions = {}
/** Whether this environment's default engine was made (configure() is refused after). */
let defaultStarted = false

/** The number of workers when none is asked for: the available cores (at least 1). */
function defaultWorkers() {
  return Math.max(1, availableParallelism())
}

class WorkerSet {
  /** @type {number} */
  #engine
  /** @type {Int32Array} */
  #cb
  /** @type {Slot[]} */
  #slots
  /** @type {WorkerSetOptions} */
  #opts
  #started = false
  #closed = false
  /** Deaths in a row without any completed task (engine-wide). */
  #deaths = 0
  /** Workers that died and were replaced, in all. */
  #restarts = 0
  /** Counts pick() calls, to find the least recently picked worker. */
  #picks = 0
  /** @type {Promise<void> | undefined} */
  #closing
  /** The ERR_WORKER_SETUP_FAILED error once a worker's setup module threw. @type {Error | undefined} */
  #setupError

  /**
   * Builds the set for an engine (no worker starts before the first wake()).
   * @param {number} engine id from `engineCreate`
   * @param {WorkerSetOptions} [opts]
   */
  constructor(engine, opts = {}) {
    this.#engine = engine
    this.#opts = opts
    const n = opts.workers ?? defaultWorkers()
    this.#cb = new Int32Array(new SharedArrayBuffer((n + 1) * SLOTS * 4))
    this.#slots = []
    for (let w = 0; w < n; w++) {
      this.#slots.push({
        worker: undefined,
        port: undefined,
        backoff: undefined,
        notBefore: 0,
        kill: undefined,
        error: undefined,
        completedAtStart: 0,
        picked: 0,
        exited: undefined,
        inbox: [],
      })
    }
    sets.set(engine, this)
  }

  /**
   * Creates an engine (`engineCreate`) and its WorkerSet.
   * @param {WorkerSetOptions} [opts]
   */
  static create(opts = {}) {
    const workers = opts.workers ?? defaultWorkers()
    const engine = native.engineCreate(workers, opts.maxQueue ?? 0)
    return new WorkerSet(engine, { ...opts, workers })
  }

  /** The default engine's set of this environment (created on first call, with the options `configure()` gave). */
  static default() {
    if (defaultSet === undefined || defaultSet.closed) {
      defaultStarted = true
      defaultSet = WorkerSet.create(defaultOptions)
    }
    return defaultSet
  }

  /**
   * Sets options of this environment's default engine (the keys given
   * replace earlier ones). False, changing nothing, once the engine was made.
   * @param {WorkerSetOptions} opts validated (lib/engine/pool.js)
   */
  static configureDefault(opts) {
    if (defaultStarted) return false
    defaultOptions = { ...defaultOptions, ...opts }
    return true
  }

  /** Whether this environment's default engine was made (its first worker task). */
  static get defaultStarted() {
    return defaultStarted
  }

  /** The default engine's set if it was created, else undefined. */
  static peekDefault() {
    return defaultSet
  }

  /**
   * The set of an engine id, if this environment owns it.
   * @param {number} engine
   */
  static of(engine) {
    return sets.get(engine)
  }

  /** The native engine id. */
  get engine() {
    return this.#engine
  }

  /** Number of worker slots. */
  get size() {
    return this.#slots.length
  }

  /** The control block (shared with every worker of the set). */
  get control() {
    return this.#cb
  }

  /** Whether close() was called. */
  get closed() {
    return this.#closed
  }

  /** Workers alive now. */
  get live() {
    let n = 0
    for (const s of this.#slots) if (s.worker !== undefined) n++
    return n
  }

  /**
   * Work was queued: starts the workers that are not running (all of them on
   * the first call; none that is backing off after a death), then rings the
   * bells of up to `count` idle workers. Cheap when every worker is busy: one
   * Atomics.load per worker.
   * @param {number} [count] how many idle workers to wake (default: all)
   */
  wake(count = Infinity) {
    if (this.#closed) return
    const cb = this.#cb
    const slots = this.#slots
    if (this.#setupError !== undefined && this.live === 0) {
      this.#failSetup()
      return
    }
    if (!this.#started) {
      this.#started = true
      for (let w = 0; w < slots.length; w++) this.#spawn(w)
      return // new workers take before they park
    }
    for (let w = 0; w < slots.length && count > 0; w++) {
      const s = slots[w]
      if (s.worker === undefined) {
        if (s.backoff === undefined && this.#setupError === undefined) {
          this.#respawn(w)
          count--
        }
        continue
      }
      const at = w * SLOTS
      // A bell already rung (the worker has not woken yet) is skipped: the
      // next idle worker is rung instead.
      if (Atomics.load(cb, at + STATE) === IDLE && Atomics.load(cb, at + BELL) === 0) {
        Atomics.store(cb, at + BELL, 1)
        Atomics.notify(cb, at + BELL)
        count--
      }
    }
  }

  /**
   * A worker for a batch that must go to one worker (its SharedArrayBuffers
   * or transfers travel on that worker's port): the live one with the
   * fewest batches to get through (`engineBacklog`: queued for it, or held),
   * idle (or spinning: it is BUSY then) before busy among equals, then the
   * least recently picked (a worker rung in this flush may not have woken
   * yet); else one started now. Ring its bell with `ring(w)` after
   * engineSubmit.
   * @returns {number} the worker index
   */
  pick() {
    const cb = this.#cb
    const slots = this.#slots
    if (!this.#started) this.wake()
    let best = -1
    let bestLoad = Infinity
    let bestPicked = Infinity
    const spinner = Atomics.load(cb, slots.length * SLOTS) - 1
    for (let w = 0; w < slots.length; w++) {
      const s = slots[w]
      if (s.worker === undefined) continue
      // Equal backlogs: an idle (or spinning) worker first.
      const free = w === spinner || Atomics.load(cb, w * SLOTS + STATE) === IDLE
      const load = 2 * this.#backlog(w) + (free ? 0 : 1)
      if (load < bestLoad || (load === bestLoad && s.picked < bestPicked)) {
        best = w
        bestLoad = load
        bestPicked = s.picked
      }
    }
    if (best < 0 && this.#setupError !== undefined) {
      // None alive and none will start: ring() fails the batch.
      best = 0
    } else if (best < 0) {
      // None alive (all backing off or idle-exited): start one now.
      best = 0
      for (let w = 0; w < slots.length; w++) {
        if (slots[w].backoff === undefined) {
          best = w
          break
        }
      }
      this.#spawn(best)
    }
    slots[best].picked = ++this.#picks
    return best
  }

  /**
   * The batches worker `w` has to get through (0 once the engine is closed).
   * @param {number} w
   */
  #backlog(w) {
    try {
      return native.engineBacklog(this.#engine, w)
    } catch {
      return 0
    }
  }

  /**
   * Wakes worker `w` if it is idle (after a batch for its private queue).
   * @param {number} w
   */
  ring(w) {
    const at = w * SLOTS
    if (this.#setupError !== undefined && this.live === 0) {
      this.#failSetup()
      return
    }
    if (this.#slots[w]?.worker !== undefined && Atomics.load(this.#cb, at + STATE) === IDLE) {
      Atomics.store(this.#cb, at + BELL, 1)
      Atomics.notify(this.#cb, at + BELL)
    }
  }

  /**
   * The main side's end of worker `w`'s MessagePort (starts the worker if
   * it is not running). A replaced worker gets a new port.
   * @param {number} w
   */
  port(w) {
    const s = this.#slots[w]
    if (s === undefined) throw new RangeError(`port: no worker ${w}`)
    if (s.port === undefined) this.#spawn(w)
    if (s.port === undefined) {
      // No worker will start (setup failed, or closed): a closed port drops what is posted.
      const { port1, port2 } = new MessageChannel()
      port2.close()
      port1.close()
      return port1
    }
    return s.port
  }

  /**
   * The out-of-band data `seq` that worker `w` posted for a result payload,
   * or undefined: read first from what a dead worker had posted before it
   * exited (drained from its port at the exit), then from its replacement's
   * port; older messages (of payloads never decoded: all their tasks were
   * settled already) are dropped on the way. Never starts a worker.
   * @param {number} w
   * @param {number} seq
   * @returns {import('./codec.js').OutOfBand | undefined}
   */
  receive(w, seq) {
    const s = this.#slots[w]
    if (s === undefined) return undefined
    return codec.takeOutOfBand(() => {
      if (s.inbox.length > 0) return s.inbox.shift()
      if (s.port === undefined) return undefined
      return receiveMessageOnPort(s.port)?.message
    }, seq)
  }

  /**
   * The id of the task worker `w` runs now (0: none).
   * @param {number} w
   */
  taskOf(w) {
    const at = w * SLOTS
    return (this.#cb[at + TASK_LO] >>> 0) + this.#cb[at + TASK_HI] * 2 ** 32
  }

  /**
   * A kill request: task `taskId`, running on worker `w`, was cancelled or
   * timed out. After the grace, if `w` still runs it, the worker is
   * terminated (and replaced). The function may stop on its signal before.
   * @param {number} w
   * @param {number} taskId
   */
  kill(w, taskId) {
    const s = this.#slots[w]
    if (s === undefined || s.worker === undefined || this.#closed) return
    const worker = s.worker
    const grace = this.#opts.cancelGrace ?? DEFAULT_GRACE_MS
    const timer = setTimeout(() => {
      if (s.worker !== worker || this.taskOf(w) !== taskId) return
      s.kill = `worker ${w} was terminated: task ${taskId} it was running was cancelled or timed out`
      worker.terminate().catch(noop)
    }, grace)
    timer.unref()
  }

  /**
   * Counters of the engine: queue, busy workers, completions, run and wait
   * times (ms), per-worker utilization, live workers and restarts.
   */
  stats() {
    const s = native.engineStats(this.#engine)
    return {
      workers: this.#slots.length,
      live: this.live,
      busy: s.busy,
      queued: s.queued,
      completed: s.completed,
      failed: s.failed,
      cancelled: s.cancelled,
      restarts: this.#restarts,
      runTime: { p50: s.runP50, p99: s.runP99 },
      waitTime: { p50: s.waitP50, p99: s.waitP99 },
      perWorker: s.perWorker.map((p) => ({ completed: p.completed, busyMs: p.busyMs, utilization: p.utilization })),
    }
  }

  /**
   * Terminates the workers (tasks they run reject with ERR_WORKER_EXITED,
   * "the pool was closed"), then closes the engine (its queued tasks reject
   * with ERR_POOL_CLOSED). Resolves once every worker has exited and the
   * engine is closed. Idempotent.
   */
  close() {
    if (this.#closing !== undefined) return this.#closing
    this.#closed = true
    if (defaultSet === this) defaultSet = undefined
    /** @type {Promise<void>[]} */
    const exits = []
    for (const s of this.#slots) {
      if (s.backoff !== undefined) clearTimeout(s.backoff)
      s.backoff = undefined
      if (s.worker !== undefined) {
        s.kill = 'the pool was closed'
        s.worker.terminate().catch(noop)
        if (s.exited !== undefined) exits.push(s.exited)
      }
    }
    this.#closing = Promise.all(exits).then(() => {
      try {
        native.engineClose(this.#engine)
      } catch {
        // Closed already (its environment's teardown).
      }
      sets.delete(this.#engine)
    })
    return this.#closing
  }

  /**
   * Starts worker `w` (no-op if it runs).
   * @param {number} w
   */
  #spawn(w) {
    const s = this.#slots[w]
    if (s.worker !== undefined || this.#closed || this.#setupError !== undefined) return
    if (s.backoff !== undefined) {
      clearTimeout(s.backoff)
      s.backoff = undefined
    }
    const cb = this.#cb
    const at = w * SLOTS
    Atomics.store(cb, at + BELL, 0)
    Atomics.store(cb, at + STATE, BUSY) // it takes before it first parks
    Atomics.store(cb, at + TASK_LO, 0)
    Atomics.store(cb, at + TASK_HI, 0)
    const { port1, port2 } = new MessageChannel()
    const opts = this.#opts
    /** @type {import('node:worker_threads').WorkerOptions} */
    const options = {
      workerData: {
        engine: this.#engine,
        index: w,
        control: cb.buffer,
        setup: opts.setup,
        port: port2,
        concurrentTasksPerWorker: opts.concurrentTasksPerWorker ?? 1,
        idleTimeout: opts.idleTimeout ?? Infinity,
        cancelGrace: opts.cancelGrace ?? DEFAULT_GRACE_MS,
      },
      transferList: [port2],
    }
    options.resourceLimits = { ...(opts.resourceLimits ?? DEFAULT_LIMITS) }
    const worker = new Worker(opts.workerFile ?? WORKER_FILE, options)
    worker.unref()
    port1.unref()
    s.worker = worker
    s.port = port1
    s.kill = undefined
    s.error = undefined
    s.completedAtStart = this.#completed()
    s.exited = new Promise((resolve) => {
      worker.on('error', (err) => {
        s.error = err
      })
      worker.on('exit', (code) => {
        this.#onExit(w, worker, code)
        resolve()
      })
    })
  }

  /** Tasks the engine completed so far (0 once it is gone). */
  #completed() {
    try {
      return native.engineStats(this.#engine).completed
    } catch {
      return 0
    }
  }

  /**
   * Worker `w` exited: its batches go back to the native queue (its running
   * tasks fail with ERR_WORKER_EXITED and the reason), and it is replaced if
   * work remains, after a backoff when workers keep dying.
   * @param {number} w
   * @param {Worker} worker
   * @param {number} code
   */
  #onExit(w, worker, code) {
    const s = this.#slots[w]
    if (s.worker !== worker) return
    const cb = this.#cb
    const at = w * SLOTS
    const state = Atomics.load(cb, at + STATE)
    const quiet = s.kill === undefined && s.error === undefined && code === 0 && state === EXITING
    const ended = s.kill === undefined && state === ENDED
    const setupFailed = s.kill === undefined && state === SETUP_FAILED
    const grace = this.#opts.cancelGrace ?? DEFAULT_GRACE_MS
    const reason =
      s.kill ??
      (ended
        ? `worker ${w} was ended: async task ${this.taskOf(w)} it was running was cancelled or timed out and did not settle within cancelGrace (${grace} ms)`
        : describeExit(w, code, s.error, quiet))
    const killed = s.kill !== undefined || ended
    s.worker = undefined
    // Results it reported just before exiting may still be on their way (the
    // native bridge message comes after 'exit'): keep what it posted for them.
    if (s.port !== undefined) {
      for (let m = receiveMessageOnPort(s.port); m !== undefined; m = receiveMessageOnPort(s.port)) s.inbox.push(m.message)
      s.port.close()
    }
    s.port = undefined
    Atomics.store(cb, at + STATE, IDLE)
    Atomics.store(cb, at + TASK_LO, 0)
    Atomics.store(cb, at + TASK_HI, 0)
    try {
      native.engineAbandon(this.#engine, w, reason)
    } catch {
      return // the engine is closed
    }
    if (this.#closed) return
    if (setupFailed) {
      // Not replaced: the next worker's setup would throw too.
      this.#setupError ??= setupFailure(this.#opts.setup, s.error)
      if (this.live === 0) this.#failSetup()
      return
    }
    if (!quiet) {
      this.#restarts++
      // A death after a completed task (anywhere in the engine), or a kill we
      // asked for, does not count toward the crash loop.
      if (killed || this.#completed() > s.completedAtStart) this.#deaths = 0
      else this.#deaths++
    }
    if (this.#deaths >= CRASH_LIMIT) {
      this.#failQueued(
        w,
        `Crash loop: ${this.#deaths} workers exited in a row without completing a task; the queued tasks are rejected. ` +
          `Last: ${reason}`,
      )
    }
    const delay = this.#deaths <= 1 ? 0 : Math.min(BACKOFF_FIRST_MS * 2 ** (this.#deaths - 2), BACKOFF_MAX_MS)
    s.notBefore = Date.now() + delay
    if (this.#workRemains()) this.#respawn(w)
  }

  /**
   * Starts worker `w` now, or once its backoff is over (then only if work
   * remains).
   * @param {number} w
   */
  #respawn(w) {
    const s = this.#slots[w]
    const wait = s.notBefore - Date.now()
    if (wait <= 0) {
      this.#spawn(w)
      return
    }
    if (s.backoff !== undefined) return
    s.backoff = setTimeout(() => {
      s.backoff = undefined
      if (this.#workRemains()) this.#spawn(w)
    }, wait)
    s.backoff.unref()
  }

  /** Whether tasks wait in the engine's queues. */
  #workRemains() {
    try {
      return native.engineStats(this.#engine).queued > 0
    } catch {
      return false
    }
  }

  /**
   * Rejects every task still queued with the ERR_WORKER_SETUP_FAILED error
   * (no worker is alive): takes the batches as each (dead) worker, begins
   * each task and reports it failed with that error.
   */
  #failSetup() {
    const err = /** @type {Error} */ (this.#setupError)
    const encoded = codec.encodeError(err)
    for (let w = 0; w < this.#slots.length; w++) {
      for (let guard = 0; guard < 1e6; guard++) {
        const taken = native.engineTake(this.#engine, w)
        if (taken === null) break
        const [token, , count] = taken
        const outs = new Uint8Array(count)
        for (let i = 0; i < count; i++) outs[i] = native.engineBegin(token, i) ? 1 : 2 // error, skipped
        native.engineFinish(token, codec.encode(new Array(count).fill(encoded), undefined, this.#engine).bytes, outs, 0)
      }
    }
  }

  /**
   * Rejects every task still queued (shared queue and worker `w`'s private
   * one) with ERR_WORKER_EXITED and `reason`: takes the batches as worker
   * `w` (which is dead), begins each task, and abandons them.
   * @param {number} w
   * @param {string} reason
   */
  #failQueued(w, reason) {
    for (let guard = 0; guard < 1e6; guard++) {
      const taken = native.engineTake(this.#engine, w)
      if (taken === null) break
      const [token, , count] = taken
      for (let i = 0; i < count; i++) native.engineBegin(token, i)
    }
    native.engineAbandon(this.#engine, w, reason)
  }
}

/**
 * The error tasks reject with once a setup module threw.
 * @param {string | undefined} setup the module's path
 * @param {unknown} error what it threw (from the worker's 'error' event)
 * @returns {Error}
 */
function setupFailure(setup, error) {
  const e = /** @type {{ name?: unknown, message?: unknown }} */ (error ?? {})
  const what = typeof error === 'object' && error !== null ? `${String(e.name ?? 'Error')}: ${String(e.message)}` : String(error)
  const err = codeError(Error, 'ERR_WORKER_SETUP_FAILED', `The worker engine's setup module ${String(setup)} threw: ${what}`)
  if (error !== undefined) err.cause = error
  return err
}

/**
 * The reason a worker's tasks reject with.
 * @param {number} w
 * @param {number} code
 * @param {unknown} error
 * @param {boolean} quiet
 */
function describeExit(w, code, error, quiet) {
  if (quiet) return `worker ${w} exited after its idle timeout`
  if (error !== undefined) {
    const e = /** @type {{ name?: unknown, message?: unknown, code?: unknown }} */ (error ?? {})
    if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return `worker ${w} ran out of memory (resourceLimits): ${String(e.message)}`
    }
    const what = typeof error === 'object' && error !== null ? `${String(e.name ?? 'Error')}: ${String(e.message)}` : String(error)
    return `worker ${w} exited with an uncaught exception: ${what}`
  }
  return `worker ${w} exited with code ${code} (process.exit() in the function?)`
}

function noop() {}

/**
 * The settle hook for kill requests (`setEngineHooks({ control })`): routes
 * to the WorkerSet of `engine`.
 * @param {number} engine
 * @param {number} worker
 * @param {number} taskId
 */
function control(engine, worker, taskId) {
  sets.get(engine)?.kill(worker, taskId)
}

// Kill requests reach the WorkerSets through the settle hooks (lib/task.js
// merges hooks: the codec's decode/revive/done are installed elsewhere).
const task = /** @type {{ setEngineHooks?: (hooks: { control: typeof control }) => void }} */ (require('../task.js'))
if (typeof task.setEngineHooks === 'function') task.setEngineHooks({ control })

module.exports = {
  WorkerSet,
  control,
  defaultWorkers,
  BELL,
  STATE,
  TASK_LO,
  TASK_HI,
  SLOTS,
  IDLE,
  BUSY,
  EXITING,
  SETUP_FAILED,
  ENDED,
  CRASH_LIMIT,
  DEFAULT_LIMITS,
}
