'use strict'
// The entry of an engine worker (a worker_thread). Loop: take a batch from
// the native queue (never blocking in native code), begin each task, run it,
// and report results every ~1 ms and at the end of each batch. When the
// queue is empty it may spin (spin.js decides how long), then parks in JS (Atomics.wait, or
// Atomics.waitAsync while async tasks are in flight), where terminate() and
// process exit can still wake it. Control block per worker w at 4*w:
// [BELL, STATE, TASK_LO, TASK_HI] (see workers.js).

const { workerData, receiveMessageOnPort } = require('node:worker_threads')
const { pathToFileURL } = require('node:url')
/**
 * The native engine calls a worker makes (binding.d.ts has the exact typings once built).
 * @typedef {{
 *   engineTake(engine: number, worker: number, spinning?: boolean): null | [number, Uint8Array | string, number, number],
 *   engineRelease(payload: Uint8Array | string): void,
 *   engineBegin(token: number, index: number): boolean,
 *   engineFinish(token: number, payload: Uint8Array, outcomes: Uint8Array, start: number, release?: ArrayBuffer): void,
 * }} WorkerNative
 */
const native = /** @type {WorkerNative} */ (/** @type {unknown} */ (require('../load.js').binding))
const codec = require('./codec.js')
const small = require('./small.js')
const { SpinPolicy } = require('./spin.js')
const { functionOf } = require('./compile.js')
const { KIND_CALL, KIND_MAP, KIND_ERROR, KIND_EACH } = require('./entries.js')
const { current } = require('./current.js')

const { engine, index, control, setup, port } = workerData
const limit = Math.max(1, Number(workerData.concurrentTasksPerWorker) || 1)
/** Idle this long (ms), the worker exits quietly (STATE = EXITING, exit code 0). */
const idleTimeout = typeof workerData.idleTimeout === 'number' ? workerData.idleTimeout : Infinity
const cb = new Int32Array(control)
const BELL = 4 * index
const STATE = BELL + 1
/** The engine-wide SPINNER slot, after every worker's (lib/engine/workers.js). */
const SPINNER = cb.length - 4
const TASK_LO = BELL + 2
const TASK_HI = BELL + 3
const IDLE = 0
const BUSY = 1
const EXITING = 2
const SETUP_FAILED = 3
const ENDED = 4
/** A cancelled async task still pending this long (ms) ends the worker. */
const cancelGrace = typeof workerData.cancelGrace === 'number' ? workerData.cancelGrace : 100

const spin = new SpinPolicy() // how long to spin on an empty queue before parking
const FLUSH_MS = 1 // report results at least this often
const SLICE_MS = 10 // let the event loop run at least this often while busy
const PARK_MS = 50 // a sync park wakes this often to let timers run

const OK = 0
const ERR = 1
const SKIP = 2

/**
 * The batch being run.
 * @typedef {{ token: number, count: number, table: import('./compile.js').FnRef[], flat: unknown[], next: number, pos: number, lent: Set<unknown[]> | null }} Batch
 */
/** @type {Batch | null} */
let batch = null
let inFlight = 0 // async tasks running
let parkedAsync = false
let pumpScheduled = false
let lastFlush = performance.now()
/** Whether this worker holds the SPINNER slot, claimed when it reported a batch's end (see pump). */
let claimed = false
let idleSince = 0 // when the worker last parked with nothing to do (0: not idle)
let woke = false // a rung bell ended the last park: the next take measures the wake-up

/**
 * The AbortControllers of running tasks whose function asked for its
 * signal (`taskSignal()`, lib/engine/current.js), by task id. The main thread posts `{ cancel: id }` on the port when
 * such a task is cancelled or times out (and rings the bell).
 * @type {Map<number, AbortController>}
 */
const controllers = new Map()
/** Out-of-band batch data read from the port while looking for cancels. @type {import('./codec.js').OutOfBand[]} */
const stashed = []
/** The ids of the async tasks in flight. @type {Set<number>} */
const asyncIds = new Set()

/**
 * Handles one port message: a cancel, or a batch's out-of-band data (returned).
 * @param {any} message
 */
function onPortMessage(message) {
  if (message !== null && typeof message === 'object' && typeof message.cancel === 'number') {
    const id = message.cancel
    const c = controllers.get(id)
    if (c !== undefined) c.abort(new DOMException('The task was cancelled', 'AbortError'))
    if (asyncIds.has(id)) endUnlessSettled(id)
    return undefined
  }
  return /** @type {import('./codec.js').OutOfBand} */ (message)
}

/**
 * A cancelled async task: if it has not settled after cancelGrace, the
 * worker ends itself (STATE = ENDED, its id in TASK_LO/HI), as the main side
 * terminates one whose sync task keeps running.
 * @param {number} id
 */
function endUnlessSettled(id) {
  const timer = setTimeout(() => {
    if (!asyncIds.has(id)) return
    setRunning(id)
    Atomics.store(cb, STATE, ENDED)
    process.exit(1)
  }, cancelGrace)
  timer.unref()
}

/** Reads pending cancels (keeping batch data for its batch). */
function pollPort() {
  for (;;) {
    const msg = receiveMessageOnPort(port)
    if (msg === undefined) return
    const oob = onPortMessage(msg.message)
    if (oob !== undefined) stashed.push(oob)
  }
}

/**
 * A signal for task `id` (aborted when the main thread cancels it).
 * @param {number} id
 */
function signalFor(id) {
  const known = controllers.get(id)
  if (known !== undefined) return known.signal
  const c = new AbortController()
  controllers.set(id, c)
  return c.signal
}
current.signalOf = signalFor

/**
 * What a thrown value travels as (`codec.encodeError`), or, when reading it
 * throws (a revoked Proxy, a throwing `name` getter or `toString`), a
 * DataCloneError saying so: the task rejects instead of the worker dying
 * of an uncaught TypeError.
 * @param {unknown} err
 */
function thrown(err) {
  try {
    return codec.encodeError(err)
  } catch (inner) {
    let why = 'an exception'
    try {
      why = String(/** @type {{ message?: unknown }} */ (inner)?.message)
    } catch {
      // keep the generic reason
    }
    return codec.encodeError(codec.dataCloneError(`The value the function threw could not be sent back: reading it threw (${why}).`))
  }
}

/**
 * Results not yet reported, per batch token: entry indices, outcomes, values.
 * @type {Map<number, { ks: number[], outs: number[], vals: unknown[] }>}
 */
const pending = new Map()
let pendingCount = 0

/**
 * @param {number} token
 * @param {number} k
 * @param {number} outcome
 * @param {unknown} value
 */
function record(token, k, outcome, value) {
  let p = pending.get(token)
  if (p === undefined) {
    p = { ks: [], outs: [], vals: [] }
    pending.set(token, p)
  }
  p.ks.push(k)
  p.outs.push(outcome)
  p.vals.push(value)
  pendingCount++
}

/**
 * Top-level `move()` markers of a result (and of each chunk's values):
 * unwraps them, returns their buffers. Bare SharedArrayBuffers are wrapped
 * for codec.js unless `byPort` (a post shares them itself).
 * @param {unknown[]} vals
 * @param {boolean} [byPort]
 */
function resultTransfers(vals, byPort = false) {
  return movedIn(vals, undefined, true, !byPort)
}

/** Results with at least this many values (counting the items of arrays) travel by port: see `codec.encodeByPort`. */
const BULKY_VALUES = 256

/**
 * Whether a run of results is big enough to travel by port: its values, an
 * array counting as its items, and a parallelMap part (`[start, items]`) or
 * a mapStream chunk (`[values, ...]`) as the items of its inner array.
 * @param {unknown[]} vals
 */
function bulky(vals) {
  let n = 0
  for (let i = 0; i < vals.length && n < BULKY_VALUES; i++) {
    const v = vals[i]
    if (!Array.isArray(v)) n++
    else n += v.length + (Array.isArray(v[0]) ? v[0].length : 0) + (Array.isArray(v[1]) ? v[1].length : 0)
  }
  return n >= BULKY_VALUES
}

/**
 * Reports one contiguous run of results.
 * @param {number} token
 * @param {number} start
 * @param {number[]} outs
 * @param {unknown[]} vals
 */
function finishRun(token, start, outs, vals) {
  /** @type {{ bytes: Uint8Array, oob: codec.OutOfBand | undefined }} */
  let enc
  let shortFormat = false
  try {
    const byPort = bulky(vals)
    const transfers = resultTransfers(vals, byPort)
    const short = transfers === undefined ? small.encodeValues(vals) : null
    shortFormat = short !== null
    if (short !== null) enc = { bytes: short, oob: undefined }
    else if (byPort) {
      // Cloned by the post itself: a value that cannot be cloned throws here.
      const posted = codec.encodeByPort(vals, transfers, engine)
      port.postMessage(posted.oob, posted.oob.transfers)
      enc = { bytes: posted.bytes, oob: undefined }
    } else enc = codec.encode(vals, transfers, engine)
  } catch {
    // Some result cannot be cloned: find which, report those as errors
    // (bare SharedArrayBuffers left for a post are wrapped for codec.js now).
    movedIn(vals, undefined, true, true)
    for (let i = 0; i < vals.length; i++) {
      if (outs[i] === SKIP) continue
      try {
        codec.encode(vals[i], undefined, engine)
      } catch (err) {
        const v = vals[i]
        if (eachResults.has(/** @type {object} */ (v))) {
          fixEach(/** @type {EachResult} */ (v))
          continue
        }
        outs[i] = ERR
        vals[i] = thrown(err)
      }
    }
    try {
      enc = codec.encode(vals, undefined, engine)
    } catch (err) {
      // Each clones alone but not together (a getter that changes its mind): all fail.
      const e = thrown(err)
      for (let i = 0; i < vals.length; i++) {
        if (outs[i] === SKIP) continue
        outs[i] = ERR
        vals[i] = e
      }
      enc = codec.encode(vals, undefined, engine)
    }
  }
  if (enc.oob !== undefined) port.postMessage(enc.oob, enc.oob.transfers)
  // A serializer's buffer is let go once copied (see codec.ownBuffer); the short format's is reused.
  native.engineFinish(token, enc.bytes, Uint8Array.from(outs), start, shortFormat ? undefined : codec.ownBuffer(enc.bytes))
}

/**
 * The positions of `ks` in ascending order of their values (insertion sort:
 * out-of-order results are few, from async tasks).
 * @param {number[]} ks
 */
function orderOf(ks) {
  /** @type {number[]} */
  const order = []
  for (let i = 0; i < ks.length; i++) {
    let j = order.length
    while (j > 0 && ks[order[j - 1]] > ks[i]) j--
    order.splice(j, 0, i)
  }
  return order
}

/** Reports every pending result. */
function flush() {
  lastFlush = performance.now()
  if (pendingCount === 0) return
  for (const [token, p] of pending) {
    const { ks, outs, vals } = p
    let sorted = true
    for (let i = 1; i < ks.length; i++) {
      if (ks[i] !== ks[i - 1] + 1) {
        sorted = false
        break
      }
    }
    if (sorted) {
      finishRun(token, ks[0], outs, vals)
      continue
    }
    const order = orderOf(ks)
    let i = 0
    while (i < order.length) {
      let j = i + 1
      while (j < order.length && ks[order[j]] === ks[order[j - 1]] + 1) j++
      const run = order.slice(i, j)
      finishRun(
        token,
        ks[order[i]],
        run.map((/** @type {number} */ r) => outs[r]),
        run.map((/** @type {number} */ r) => vals[r]),
      )
      i = j
    }
  }
  // Emptied, not just dropped: Map#clear leaves the old table's entries in
  // place (for live iterators) until the table itself is collected, and
  // until then they keep every result of this flush alive through
  // young-generation collections (measured over 400k records: each result
  // promoted to the old generation, 80 MB against 5, and 2x the scavenge time).
  for (const p of pending.values()) {
    p.ks.length = 0
    p.outs.length = 0
    p.vals.length = 0
  }
  pending.clear()
  pendingCount = 0
}

/**
 * @param {number} id
 */
function setRunning(id) {
  const lo = id % 4294967296
  Atomics.store(cb, TASK_LO, lo | 0)
  Atomics.store(cb, TASK_HI, (id - lo) / 4294967296)
}

/** @param {unknown} v */
function isThenable(v) {
  return typeof v === 'object' && v !== null ? typeof (/** @type {any} */ (v).then) === 'function' : typeof v === 'function' && typeof (/** @type {any} */ (v).then) === 'function'
}

/**
 * Settles an async task's result later.
 * @param {number} token
 * @param {number} k
 * @param {PromiseLike<unknown>} promise
 * @param {number} id the task's id (its controller, if any, is dropped then)
 */
function later(token, k, promise, id) {
  // Atomics.waitAsync keeps no event loop alive: without a ref'd handle the
  // worker would exit (or sleep through a cancel) while only promises are
  // pending. The port is ref'd while async tasks are in flight.
  if (inFlight++ === 0) port.ref()
  asyncIds.add(id)
  Promise.resolve(promise).then(
    (value) => {
      controllers.delete(id)
      asyncIds.delete(id)
      asyncDone(token, k, OK, value)
    },
    (err) => {
      controllers.delete(id)
      asyncIds.delete(id)
      asyncDone(token, k, ERR, thrown(err))
    },
  )
}

/**
 * @param {number} token
 * @param {number} k
 * @param {number} outcome
 * @param {unknown} value
 */
function asyncDone(token, k, outcome, value) {
  if (--inFlight === 0) port.unref()
  record(token, k, outcome, value)
  schedulePump()
}

function schedulePump() {
  if (pumpScheduled) return
  pumpScheduled = true
  setImmediate(pump)
}

/** Array arguments shorter than this are passed as decoded (see `lendable`). */
const LEND_MIN = 64

/**
 * Whether `v` is an array of primitives only, with no holes and no other own properties.
 * @param {unknown} v
 * @returns {v is unknown[]}
 */
function plainArray(v) {
  if (!Array.isArray(v)) return false
  for (let i = 0; i < v.length; i++) {
    const x = v[i]
    if ((typeof x === 'object' && x !== null) || typeof x === 'function') return false
  }
  return Object.keys(v).length === v.length
}

/**
 * The array arguments of a batch that a call may get as a copy of its own
 * (the decoded array is then emptied), or null for none. Whatever decoded a
 * batch (a v8.Deserializer) keeps every array it read reachable until a full
 * collection, so a big array argument (a chunk of lines) and its items
 * would outlive young-generation collections and all be promoted, although
 * the call is long done: measured on 2000-line chunks, parallel(fn)(chunk)
 * was 15% slower than parallelMap over the same chunks, whose parts were
 * already emptied. Only where that cannot be observed: every value of the
 * batch (arguments and context values, of every entry) is a primitive or an
 * array of primitives without holes or other properties, so nothing else
 * refers to these arrays; and each appears once (the same array twice in a
 * batch is one object after the trip, and stays as decoded).
 * @param {unknown[]} flat
 * @param {number} count
 * @returns {Set<unknown[]> | null}
 */
function lendable(flat, count) {
  /** @type {Set<unknown[]> | null} */
  let lent = null
  /** @type {Set<unknown[]> | null} */
  let twice = null
  let at = 0
  for (let k = 0; k < count && at < flat.length; k++) {
    if (flat[at] !== KIND_CALL) return null
    const ctx = flat[at + 3]
    if (ctx !== null && !plainArray(ctx)) return null
    const n = /** @type {number} */ (flat[at + 4])
    for (let i = at + 5; i < at + 5 + n; i++) {
      const v = flat[i]
      if ((typeof v !== 'object' || v === null) && typeof v !== 'function') continue
      if (!plainArray(v)) return null
      if (v.length < LEND_MIN) continue
      if (lent?.has(v)) (twice ??= new Set()).add(v)
      else (lent ??= new Set()).add(v)
    }
    at += 5 + n
  }
  if (lent !== null && twice !== null) for (const v of twice) lent.delete(v)
  return lent !== null && lent.size > 0 ? lent : null
}

/**
 * Argument `i` of the flat batch as the call gets it: a lendable array (see
 * `lendable`) as a copy, the decoded one emptied; anything else as it is.
 * @param {Batch} b
 * @param {number} i
 */
function argument(b, i) {
  const v = b.flat[i]
  if (b.lent === null || !b.lent.has(/** @type {unknown[]} */ (v))) return v
  const decoded = /** @type {unknown[]} */ (v)
  const own = new Array(decoded.length)
  for (let j = 0; j < decoded.length; j++) own[j] = decoded[j]
  decoded.length = 0
  b.flat[i] = undefined
  return own
}

/**
 * Runs entry `k` of the current batch (its flat record at `b.pos`).
 * @param {Batch} b
 */
function runEntry(b) {
  const flat = b.flat
  const at = b.pos
  const kind = /** @type {number} */ (flat[at])
  const id = /** @type {number} */ (flat[at + 1])
  const fnIndex = /** @type {number} */ (flat[at + 2])
  const ctx = /** @type {unknown[] | null} */ (flat[at + 3])
  const n = /** @type {number} */ (flat[at + 4])
  const k = b.next
  b.next = k + 1
  b.pos = at + 5 + n
  if (!native.engineBegin(b.token, k)) {
    record(b.token, k, SKIP, undefined)
    return
  }
  if (kind === KIND_ERROR) {
    record(b.token, k, ERR, flat[at + 5])
    return
  }
  setRunning(id)
  let async = false
  try {
    const entry = b.table[fnIndex]
    const fn = functionOf(entry, ctx)
    let r
    current.running = id
    if (kind === KIND_CALL) {
      if (b.lent !== null) {
        const args = new Array(n)
        for (let i = 0; i < n; i++) args[i] = argument(b, at + 5 + i)
        r = fn(...args)
      } else if (n === 0) r = fn()
      else if (n === 1) r = fn(flat[at + 5])
      else if (n === 2) r = fn(flat[at + 5], flat[at + 6])
      else if (n === 3) r = fn(flat[at + 5], flat[at + 6], flat[at + 7])
      else r = fn(...flat.slice(at + 5, at + 5 + n))
    } else if (kind === KIND_EACH) {
      r = runEach(fn, /** @type {ArrayLike<unknown>} */ (flat[at + 5]))
    } else if (kind === KIND_MAP) {
      const items = /** @type {ArrayLike<unknown>} */ (flat[at + 5])
      const start = /** @type {number} */ (flat[at + 6])
      const len = items.length
      const out = new Array(len)
      let awaiting = false
      const own = Array.isArray(items)
      for (let j = 0; j < len; j++) {
        const v = fn(items[j], start + j)
        if (own) items[j] = undefined
        if (!awaiting && isThenable(v)) awaiting = true
        out[j] = v
      }
      if (awaiting) {
        async = true
        later(
          b.token,
          k,
          Promise.all(out).then((values) => [start, values]),
          id,
        )
        return
      }
      // The decoded part is this worker's own (the function sees its items,
      // not the array): each item is let go once it ran, and the array is
      // emptied. Something keeps a decoded batch reachable past
      // young-generation collections (the v8.Deserializer that made it is
      // only freed by a full one), so its items would all be promoted.
      if (own) items.length = 0
      r = [start, out]
    } else {
      throw new TypeError(`napi-parallel worker: unknown entry kind ${kind}`)
    }
    if (isThenable(r)) {
      async = true
      later(b.token, k, /** @type {PromiseLike<unknown>} */ (r), id)
    } else record(b.token, k, OK, r)
  } catch (err) {
    record(b.token, k, ERR, thrown(err))
  } finally {
    current.running = 0
    if (!async && controllers.size > 0) controllers.delete(id)
    Atomics.store(cb, TASK_LO, 0)
    Atomics.store(cb, TASK_HI, 0)
  }
}

/**
 * A KIND_EACH result (entries.js): `[values, errorAt, error, ms]`.
 * @typedef {[unknown[], number, unknown, number]} EachResult
 */
/** The KIND_EACH results not yet reported (their values may hold `move()` markers). @type {WeakSet<object>} */
const eachResults = new WeakSet()

/**
 * Runs a KIND_EACH entry: `fn(item)` for each item in order, up to the
 * first that throws; async results are awaited (all of them began), and
 * the lowest-index failure is the chunk's error.
 * @param {Function} fn
 * @param {ArrayLike<unknown>} items
 * @returns {EachResult | Promise<EachResult>}
 */
function runEach(fn, items) {
  const t0 = performance.now()
  const len = items.length
  const values = new Array(len)
  let errorAt = -1
  /** @type {unknown} */
  let error
  /** @type {number[] | undefined} */
  let awaiting
  for (let j = 0; j < len; j++) {
    try {
      const v = fn(items[j])
      if (isThenable(v)) (awaiting ??= []).push(j)
      values[j] = v
    } catch (err) {
      errorAt = j
      error = thrown(err)
      break
    }
  }
  /** @returns {EachResult} */
  const result = () => {
    if (errorAt >= 0) values.length = errorAt
    /** @type {EachResult} */
    const out = [values, errorAt, error, performance.now() - t0]
    eachResults.add(out)
    return out
  }
  if (awaiting === undefined) return result()
  return Promise.all(
    awaiting.map((j) =>
      Promise.resolve(values[j]).then(
        (v) => {
          values[j] = v
        },
        (err) => {
          if (errorAt < 0 || j < errorAt) {
            errorAt = j
            error = thrown(err)
          }
        },
      ),
    ),
  ).then(result)
}

/**
 * Unwraps the `move()` markers among `values` (their buffers are
 * transferred, as a task's returned `move(x)` is) and wraps bare
 * SharedArrayBuffers; with `chunks`, also among the values of a chunk's
 * result (a mapStream KIND_EACH entry).
 * @param {unknown[]} values
 * @param {ArrayBuffer[] | undefined} transfers
 * @param {boolean} chunks
 * @param {boolean} [wrapShared] false: leave bare SharedArrayBuffers as they are (for a post)
 * @returns {ArrayBuffer[] | undefined}
 */
function movedIn(values, transfers, chunks, wrapShared = true) {
  for (let j = 0; j < values.length; j++) {
    const v = values[j]
    if (v instanceof codec.Moved) {
      transfers ??= []
      const buffer = codec.transferable(v.value, 'the returned value')
      if (!transfers.includes(buffer)) transfers.push(buffer)
      values[j] = v.value
    } else if (v instanceof SharedArrayBuffer) {
      if (wrapShared) values[j] = codec.bareShared(v)
    } else if (chunks && eachResults.has(/** @type {object} */ (v))) {
      transfers = movedIn(/** @type {EachResult} */ (v)[0], transfers, false, wrapShared)
    }
  }
  return transfers
}

/**
 * A chunk with a value that cannot be cloned: it ends there, that item
 * failing with the DataCloneError (as its own task would).
 * @param {EachResult} out
 */
function fixEach(out) {
  const values = out[0]
  for (let j = 0; j < values.length; j++) {
    try {
      codec.encode(values[j], undefined, engine)
    } catch (err) {
      values.length = j
      out[1] = j
      out[2] = thrown(err)
      return
    }
  }
}

/**
 * The out-of-band data `seq` of a batch sent to this worker (by port): from
 * what was stashed while reading cancels, then the port (cancels met on the
 * way are handled; older batch data, of a batch never decoded, is dropped).
 * @param {number} _engine
 * @param {number} seq
 */
function receiveOutOfBand(_engine, seq) {
  return codec.takeOutOfBand(
    () => {
      if (stashed.length > 0) return stashed.shift()
      return receiveMessageOnPort(port)?.message
    },
    seq,
    onPortMessage,
  )
}

/**
 * Takes a batch, if one is queued.
 * @param {boolean} [spinning] polling an empty queue: a take that finds nothing yields the CPU (see engineTake)
 * @returns {Batch | null}
 */
function take(spinning = false) {
  const got = native.engineTake(engine, index, spinning)
  const rung = woke
  woke = false
  if (got === null || got === undefined) return null
  const [token, payload, count, waited] = got
  if (rung) spin.observeWake(waited)
  idleSince = 0
  /** @type {[import('./compile.js').FnRef[], unknown[]]} */
  let value
  try {
    value = /** @type {any} */ (codec.decode(payload, receiveOutOfBand))
  } catch (err) {
    // The batch cannot be read: every task in it fails with why.
    const enc = thrown(err)
    for (let k = 0; k < count; k++) {
      if (native.engineBegin(token, k)) record(token, k, ERR, enc)
      else record(token, k, SKIP, undefined)
    }
    flush()
    return null
  } finally {
    // Decoded (or unreadable): nothing reads the payload again (strings,
    // arrays and typed arrays are copies, not views of it), so its bytes
    // are let go now instead of at a collection of this isolate (see engineRelease).
    native.engineRelease(payload)
  }
  const flat = value[1]
  return { token, count, table: value[0], flat, next: 0, pos: 0, lent: lendable(flat, count) }
}

/** Runs batches until the queue is empty, an async limit is reached, or the time slice ends. */
function pump() {
  pumpScheduled = false
  let sliceEnd = performance.now() + SLICE_MS
  for (;;) {
    if (controllers.size > 0) pollPort()
    if (batch === null) {
      Atomics.store(cb, STATE, BUSY)
      Atomics.store(cb, BELL, 0)
      batch = take()
      if (batch !== null && claimed) releaseSpinner()
      if (batch === null) {
        flush()
        // One worker of the engine spins at a time (see SPINNER).
        const window = inFlight === 0 ? spin.window() : 0
        if (window > 0 && (claimed || Atomics.compareExchange(cb, SPINNER, 0, index + 1) === 0)) {
          claimed = false
          const spinEnd = performance.now() + window
          while (batch === null && performance.now() < spinEnd) {
            if (Atomics.load(cb, BELL) !== 0) Atomics.store(cb, BELL, 0)
            // Each empty take yields the CPU (see engineTake): the kernel often
            // wakes a worker on the CPU of the thread that rang its bell, and
            // a spinner that never yields keeps that thread (about to catch
            // this result and submit the next task) off the CPU until its
            // time slice ends: 30-80 µs a task instead of ~10.
            batch = take(true)
          }
          Atomics.store(cb, SPINNER, 0)
          // A dispatcher that saw SPINNER set before this store rang no bell
          // for its lone batch: look once more, now that it would ring.
          if (batch === null) batch = take()
          spin.spun(batch !== null)
        } else if (claimed) releaseSpinner()
        if (batch === null) {
          if (!park()) return
          sliceEnd = performance.now() + SLICE_MS
          continue
        }
      }
    }
    const b = batch
    while (b.next < b.count) {
      if (inFlight >= limit) {
        // Resumed when an async task settles (asyncDone → pump).
        flush()
        if (park()) continue
        return
      }
      runEntry(b)
      if (controllers.size > 0) pollPort()
      const now = performance.now()
      if (now - lastFlush >= FLUSH_MS) flush()
      if (now >= sliceEnd) {
        flush()
        schedulePump()
        return
      }
    }
    batch = null
    // Claim the spinner slot before reporting: the main thread may submit
    // the next task as soon as it sees this result, and a dispatcher that
    // finds no spinner rings a bell (a futex wake: ~25 µs on this VM) for a
    // batch this worker is about to take anyway.
    if (!claimed && inFlight === 0 && spin.window() > 0) claimed = Atomics.compareExchange(cb, SPINNER, 0, index + 1) === 0
    flush()
  }
}

/** Gives up a spinner slot claimed before a report (a batch was there to take). */
function releaseSpinner() {
  claimed = false
  Atomics.store(cb, SPINNER, 0)
}

/**
 * Parks until the bell rings (or, with nothing in flight, up to PARK_MS).
 * Returns true when the caller should go on taking now (rung, or a batch
 * found), false when the pump was scheduled or will be resumed.
 */
function park() {
  Atomics.store(cb, STATE, IDLE)
  // Re-check after announcing idle: a batch submitted before the main
  // thread read STATE is seen here, one submitted after rings the bell.
  if (batch === null && inFlight < limit) {
    const again = take()
    if (again !== null) {
      batch = again
      Atomics.store(cb, STATE, BUSY)
      return true
    }
  }
  if (inFlight > 0 || batch !== null) {
    // A cancel posted before STATE was IDLE rang no bell: read it now.
    if (inFlight > 0 || controllers.size > 0) pollPort()
    if (parkedAsync) return false
    parkedAsync = true
    const w = /** @type {any} */ (Atomics).waitAsync(cb, BELL, 0)
    if (w.async) {
      w.value.then(() => {
        parkedAsync = false
        schedulePump()
      })
    } else {
      parkedAsync = false
      schedulePump()
    }
    return false
  }
  const now = performance.now()
  if (idleSince === 0) idleSince = now
  const left = idleTimeout - (now - idleSince)
  if (left <= 0) {
    exitQuietly()
    return false
  }
  // Rung: take at once. Timed out: let the event loop run (timers) first.
  const waited = Atomics.wait(cb, BELL, 0, Math.min(PARK_MS, left))
  woke = waited === 'ok'
  if (waited !== 'timed-out') return true
  schedulePump()
  return false
}

/** The idle timeout expired: announce EXITING, take a last look, exit with code 0. */
function exitQuietly() {
  Atomics.store(cb, STATE, EXITING)
  const again = take()
  if (again !== null) {
    Atomics.store(cb, STATE, BUSY)
    batch = again
    schedulePump()
    return
  }
  process.exit(0)
}

process.on('exit', () => {
  // process.exit() in a function, or the idle exit: report what is done.
  try {
    flush()
  } catch {
    // exiting: nothing more to do
  }
})

async function main() {
  if (typeof setup === 'string' && setup !== '') {
    await import(setup.startsWith('file:') ? setup : pathToFileURL(setup).href)
  }
  pump()
}

main().catch((err) => {
  // A setup module that throws: say so (the main side then fails the tasks
  // with ERR_WORKER_SETUP_FAILED, not replacing the worker) and rethrow from
  // a timer so that the worker dies with it.
  Atomics.store(cb, STATE, SETUP_FAILED)
  setTimeout(() => {
    throw err
  })
})
