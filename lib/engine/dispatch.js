'use strict'
// Main side of the worker engine: tasks registered during one turn of JS are
// queued here and flushed once, in a microtask: grouped into batches of
// clamp(ceil(n / (workers * 16)), 1, 256) entries and at most 2048 items, each batch serialized ONCE
// and handed to the native queue (engineSubmit); each of the first batches
// rings one more idle worker as it goes in, then the rest of the bells
// are rung (none for a single batch while a worker spins: it takes it). A
// batch with SharedArrayBuffers or transfers goes to one worker's private
// queue, its buffers on that worker's port.
//
// Functions travel once per engine: the first flush that uses one defines
// it in the engine's native function table (engineDefine), and batches name
// it by id; workers fetch and compile it once (compile.js). Only when the
// table is full does a batch carry the source (the whole FnEntry) inline.
// All-primitive batches take the short format (small.js), others codec.js.
// The queue's arrays are double-buffered and reused, so a one-task flush
// allocates nothing but its payload view.

const native = require('../load.js').binding
const codec = require('./codec.js')
const small = require('./small.js')
const { overrideOf } = require('./spin.js')
const { KIND_ERROR } = require('./entries.js')

/**
 * The native engine API called here (binding.d.ts has the exact typings).
 * @typedef {{ engineSubmit(engine: number, payload: Uint8Array, slots: Uint32Array, ids: Float64Array, sizes: Uint32Array, target: number, release?: ArrayBuffer): void,
 *   engineDefine(engine: number, id: number, spec: string): boolean, engineQueued(engine: number): number, pendingTaskCount(): number,
 *   settleQueued(yieldCpu?: boolean): boolean }} SubmitNative
 */
const engineNative = /** @type {SubmitNative} */ (/** @type {unknown} */ (native))

/**
 * What dispatch needs of a WorkerSet (lib/engine/workers.js).
 * @typedef {{ engine: number, size: number, closed: boolean, control: Int32Array, wake(count?: number): void, pick(): number,
 *   ring(w: number): void, port(w: number): import('node:worker_threads').MessagePort }} Set
 */

/** How many fn ids a dispatcher remembers as defined (or refused) in its engine's table. */
const MAX_KNOWN = 8192
/** After a lone task goes to a spinning worker, the event loop polls (never sleeps) this long (ms) while tasks are pending (NP_POLL_MS, parsed as NP_SPIN_MS: ms >= 0, 0 off). */
const POLL_MS = overrideOf(process.env.NP_POLL_MS) ?? 0.2
/** Before that, the flush itself waits this long (ms) for the lone task's result, polling settleQueued (NP_CATCH_MS, 0 off). */
const CATCH_MS = overrideOf(process.env.NP_CATCH_MS) ?? 0.05
/** After a wait that missed, the next 2^misses - 1 lone tasks skip it; misses count up to this. */
const CATCH_MAX_MISSES = 6

/**
 * The entries of one flush, in flat form (see entries.js).
 */
class Queue {
  constructor() {
    /** @type {number[]} */
    this.slots = []
    /** @type {number[]} */
    this.ids = []
    /** @type {number[]} */
    this.sizes = []
    /** Offset of each entry in `flat`. @type {number[]} */
    this.offs = []
    /** @type {unknown[]} */
    this.flat = []
    /** The functions of this flush (an id, or the entry when its source travels inline), and their index by fn id. @type {import('./compile.js').FnRef[]} */
    this.table = []
    /** @type {Map<number, number>} */
    this.tableIndex = new Map()
    /** Transfers by entry index. @type {Map<number, ArrayBuffer[]> | undefined} */
    this.transfers = undefined
  }

  /** Empties it for reuse. */
  clear() {
    this.slots.length = 0
    this.ids.length = 0
    this.sizes.length = 0
    this.offs.length = 0
    this.flat.length = 0
    this.table.length = 0
    if (this.tableIndex.size > 0) this.tableIndex.clear()
    this.transfers = undefined
  }
}

const MAX_BATCH = 256
/** A batch carries at most this many items (entries' sizes), unless one entry alone is bigger. */
const MAX_BATCH_ITEMS = 2048

class Dispatcher {
  /** @param {Set} set */
  constructor(set) {
    this.set = set
    /** The entries being queued. */
    this.q = new Queue()
    /** The other queue, empty: swapped in while one is flushed (a getter run by the serializer may queue more). */
    this.spare = new Queue()
    /** Whether each fn id is defined in the engine's table (false: refused, the table is full). @type {Map<number, boolean>} */
    this.known = new Map()
    this.scheduled = false
    this.flushNow = () => this.flush()
    /** The control block's engine-wide SPINNER slot (see workers.js). */
    this.spinner = -1
    // One-entry batches reuse these (engineSubmit copies them).
    this.s1 = new Uint32Array(1)
    this.d1 = new Float64Array(1)
    this.z1 = new Uint32Array(1)
    /** Until when (performance.now()) the event loop polls for a result. */
    this.pollUntil = 0
    this.polling = false
    this.pollNow = () => this.poll()
    /** Lone-task waits that missed in a row, and lone tasks left to skip the wait. */
    this.misses = 0
    this.skips = 0
  }

  /**
   * A lone task went to a worker (a spinning one, or one its bell woke): a
   * trivial function's result is back 5-20 µs after the submit, sooner than
   * one turn of the event loop and its wake-up (settling through the bridge costs the thread a turn,
   * and a futex wake when it slept). So the flush polls for it here, up to
   * CATCH_MS, and settles it in this microtask checkpoint: the caller's
   * `await` resumes without leaving it. A wait that misses (a slower
   * function) makes the next 1, 3, 7 ... 63 lone tasks skip it, so a slow
   * function costs the thread CATCH_MS on one call in 64 at most.
   * @returns {boolean} whether a result was settled
   */
  catchLone() {
    if (!(CATCH_MS > 0)) return false
    if (this.skips > 0) {
      this.skips--
      return false
    }
    const until = performance.now() + CATCH_MS
    do {
      // Each empty poll yields the CPU: a worker the kernel woke on this
      // thread's CPU (it does, for a bell) runs then, instead of waiting out
      // this thread's time slice.
      if (engineNative.settleQueued(true)) {
        this.misses = 0
        return true
      }
    } while (performance.now() < until)
    this.misses = Math.min(this.misses + 1, CATCH_MAX_MISSES)
    this.skips = 2 ** this.misses - 1
    return false
  }

  /**
   * A lone task went to a spinning worker: its result comes back in a few µs,
   * sooner than this thread would take to wake from the event loop's sleep
   * (tens of µs on a VM). Keep the loop turning with zero-timeout polls
   * (setImmediate) for POLL_MS while tasks are pending: timers and I/O run
   * as usual, the thread just does not sleep.
   */
  expect() {
    if (!(POLL_MS > 0)) return
    this.pollUntil = performance.now() + POLL_MS
    if (this.polling) return
    this.polling = true
    setImmediate(this.pollNow)
  }

  poll() {
    if (performance.now() < this.pollUntil && engineNative.pendingTaskCount() > 0) setImmediate(this.pollNow)
    else this.polling = false
  }

  /**
   * How a batch names `entry`: its id once it is in the engine's function
   * table (defined here the first time), else the entry itself.
   * @param {import('./compile.js').FnEntry} entry
   * @returns {import('./compile.js').FnRef}
   */
  refOf(entry) {
    const id = entry[0]
    let ok = this.known.get(id)
    if (ok === undefined) {
      ok = false
      try {
        ok = engineNative.engineDefine(this.set.engine, id, JSON.stringify(entry))
      } catch {
        // a closed engine: the submit fails the tasks
      }
      if (this.known.size >= MAX_KNOWN) this.known.delete(/** @type {number} */ (this.known.keys().next().value))
      this.known.set(id, ok)
    }
    return ok ? id : entry
  }

  /**
   * The index of `entry` in this flush's table.
   * @param {import('./compile.js').FnEntry} entry
   */
  fnIndex(entry) {
    const q = this.q
    const id = entry[0]
    let i = q.tableIndex.get(id)
    if (i === undefined) {
      i = q.table.push(this.refOf(entry)) - 1
      q.tableIndex.set(id, i)
    }
    return i
  }

  /**
   * Queues one entry of task (slot, id): `kind`, its function, context values and `values`.
   * @param {number} slot
   * @param {number} id
   * @param {number} size items it counts for progress
   * @param {number} kind see entries.js
   * @param {import('./compile.js').FnEntry} entry
   * @param {unknown[] | null} ctx
   * @param {ArrayLike<unknown>} values
   * @param {ArrayBuffer[] | undefined} transfers
   */
  add(slot, id, size, kind, entry, ctx, values, transfers) {
    const q = this.q
    const e = q.slots.length
    q.slots.push(slot)
    q.ids.push(id)
    q.sizes.push(size)
    const flat = q.flat
    q.offs.push(flat.length)
    const n = values.length
    flat.push(kind, id, this.fnIndex(entry), ctx, n)
    for (let i = 0; i < n; i++) flat.push(values[i])
    if (transfers !== undefined && transfers.length > 0) (q.transfers ??= new Map()).set(e, transfers)
    if (!this.scheduled) {
      this.scheduled = true
      queueMicrotask(this.flushNow)
    }
  }

  /** Whether a worker of the engine spins on the queue now (it takes a batch without a bell). */
  spinning() {
    const cb = this.set.control
    if (this.spinner < 0) this.spinner = cb.length - 4
    return Atomics.load(cb, this.spinner) !== 0
  }

  /**
   * After submitting a lone batch: whether a worker has it or will take it
   * without a bell (one spins now, or none is queued any more).
   * @param {Set} set
   */
  taken(set) {
    if (this.spinning()) return true
    try {
      return engineNative.engineQueued(set.engine) === 0
    } catch {
      return false
    }
  }

  /** Sends everything queued. */
  flush() {
    this.scheduled = false
    const q = this.q
    const n = q.slots.length
    if (n === 0) return
    this.q = this.spare
    const set = this.set
    const per = Math.min(MAX_BATCH, Math.max(1, Math.ceil(n / (set.size * 16))))
    let batches = 0
    try {
      const sizes = q.sizes
      for (let b = 0, end = 0; b < n; b = end) {
        // Up to `per` entries and MAX_BATCH_ITEMS items (parallelMap parts count their items).
        end = b + 1
        let items = sizes[b]
        while (end < n && end - b < per && items + sizes[end] <= MAX_BATCH_ITEMS) items += sizes[end++]
        this.submit(set, q, b, end)
        batches++
        // Workers start on the first batches while the rest is serialized
        // (one more worker per batch: serializing a big flush takes the JS
        // thread tens of ms, which the other workers would spend parked).
        if (batches <= set.size && end < n) set.wake(1)
      }
    } finally {
      q.clear()
      this.spare = q
    }
    // A spinning worker takes a lone batch itself (it may have already:
    // nothing queued): ringing another would only wake a thread to find the
    // queue empty, and cost this one a futex call.
    if (batches > 1 || !this.taken(set)) set.wake(batches)
    // A lone task's result is waited for whether a spinner took it or a bell
    // woke a worker (~10 µs here): sleeping instead costs this thread a
    // wake-up (30-70 µs on a VM) after which the worker has stopped spinning,
    // so the next task rings a bell too, and so on.
    if (n === 1 && engineNative.pendingTaskCount() <= 1 && !this.catchLone()) this.expect()
  }

  /**
   * Serializes entries [b, end) of `q` and submits them as one batch.
   * @param {Set} set
   * @param {Queue} q
   * @param {number} b
   * @param {number} end
   */
  submit(set, q, b, end) {
    const { table, slots, ids, sizes, offs, flat, transfers } = q
    const count = end - b
    /** @type {ArrayBuffer[] | undefined} */
    let moved
    if (transfers !== undefined) {
      for (let i = b; i < end; i++) {
        const list = transfers.get(i)
        if (list === undefined) continue
        moved ??= []
        for (const buffer of list) if (!moved.includes(buffer)) moved.push(buffer)
      }
    }
    const from = offs[b]
    const to = end < offs.length ? offs[end] : flat.length
    /** @type {{ bytes: Uint8Array, oob: codec.OutOfBand | undefined }} */
    let enc
    const short = moved === undefined ? small.encodeBatch(table, flat, from, to) : null
    if (short !== null) {
      enc = { bytes: short, oob: undefined }
    } else {
      const part = flat.slice(from, to)
      try {
        enc = codec.encode([table, part], moved, set.engine)
      } catch {
        const fixed = rebuild(table, part, offs, b, end, transfers, set.engine)
        enc = codec.encode([table, fixed.part], fixed.moved, set.engine)
      }
    }
    // Filled after encoding: a getter the serializer runs may queue tasks (into the other queue).
    const s = count === 1 ? this.s1 : new Uint32Array(count)
    const d = count === 1 ? this.d1 : new Float64Array(count)
    const z = count === 1 ? this.z1 : new Uint32Array(count)
    for (let i = 0; i < count; i++) {
      s[i] = slots[b + i]
      d[i] = ids[b + i]
      z[i] = sizes[b + i]
    }
    let target = -1
    try {
      if (enc.oob !== undefined) {
        target = set.pick()
        set.port(target).postMessage(enc.oob, enc.oob.transfers)
      }
      // A serializer's buffer is let go once copied (see codec.ownBuffer); the short format's is reused.
      engineNative.engineSubmit(set.engine, enc.bytes, s, d, z, target, short === null ? codec.ownBuffer(enc.bytes) : undefined)
    } catch (err) {
      failTasks(Uint32Array.from(s), Float64Array.from(d), err)
      return
    }
    if (target >= 0) set.ring(target)
  }
}

/**
 * Entries [b, end) again, each one that cannot be cloned replaced by an
 * error entry (its task fails with the DataCloneError); the transfers of the rest.
 * @param {import('./compile.js').FnRef[]} table
 * @param {unknown[]} part
 * @param {number[]} offs
 * @param {number} b
 * @param {number} end
 * @param {Map<number, ArrayBuffer[]> | undefined} transfers
 * @param {number} engine
 */
function rebuild(table, part, offs, b, end, transfers, engine) {
  /** @type {unknown[]} */
  const out = []
  /** @type {ArrayBuffer[] | undefined} */
  let moved
  const base = offs[b]
  for (let i = b; i < end; i++) {
    const from = offs[i] - base
    const to = i + 1 < end ? offs[i + 1] - base : part.length
    const one = part.slice(from, to)
    const list = transfers?.get(i)
    try {
      codec.encode([table, one], list, engine)
      for (const x of one) out.push(x)
      if (list !== undefined) {
        moved ??= []
        for (const buffer of list) if (!moved.includes(buffer)) moved.push(buffer)
      }
    } catch (err) {
      out.push(KIND_ERROR, one[1], 0, null, 1, codec.encodeError(err))
    }
  }
  return { part: out, moved }
}

/**
 * Rejects tasks whose batch could not be submitted (queue full, engine closed).
 * @param {Uint32Array} slots
 * @param {Float64Array} ids
 * @param {unknown} err
 */
function failTasks(slots, ids, err) {
  const { rejectSlot } = require('../task.js')
  for (let i = 0; i < slots.length; i++) rejectSlot(slots[i], ids[i], err)
}

/** @type {WeakMap<object, Dispatcher>} */
const dispatchers = new WeakMap()

/**
 * The dispatcher of a WorkerSet.
 * @param {Set} set
 */
function dispatcherOf(set) {
  let d = dispatchers.get(set)
  if (d === undefined) {
    d = new Dispatcher(set)
    dispatchers.set(set, d)
  }
  return d
}

module.exports = { Dispatcher, dispatcherOf }
