'use strict'
// Main side of the worker engine: tasks registered during one turn of JS are
// queued here and flushed once, in a microtask: grouped into batches of
// clamp(ceil(n / (workers * 16)), 1, 256) entries and at most 2048 items, each batch serialized ONCE
// (codec.js) and handed to the native queue (engineSubmit), then idle
// workers' bells are rung. A batch with SharedArrayBuffers or transfers goes
// to one worker's private queue, its buffers on that worker's port.

const native = require('../load.js').binding
const codec = require('./codec.js')
const { KIND_ERROR } = require('./entries.js')

/**
 * The native engine API called here (binding.d.ts has the exact typings).
 * @typedef {{ engineSubmit(engine: number, payload: Uint8Array, slots: Uint32Array, ids: Float64Array, sizes: Uint32Array, target: number): void }} SubmitNative
 */
const engineNative = /** @type {SubmitNative} */ (/** @type {unknown} */ (native))

/**
 * What dispatch needs of a WorkerSet (lib/engine/workers.js).
 * @typedef {{ engine: number, size: number, closed: boolean, wake(count?: number): void, pick(): number,
 *   ring(w: number): void, port(w: number): import('node:worker_threads').MessagePort }} Set
 */

const MAX_BATCH = 256
/** A batch carries at most this many items (entries' sizes), unless one entry alone is bigger. */
const MAX_BATCH_ITEMS = 2048

class Dispatcher {
  /** @param {Set} set */
  constructor(set) {
    this.set = set
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
    /** The functions of this flush, and their index by fn id. @type {import('./compile.js').FnEntry[]} */
    this.table = []
    /** @type {Map<number, number>} */
    this.tableIndex = new Map()
    /** Transfers by entry index. @type {Map<number, ArrayBuffer[]> | undefined} */
    this.transfers = undefined
    this.scheduled = false
    this.flushNow = () => this.flush()
  }

  /**
   * The index of `entry` in this flush's table.
   * @param {import('./compile.js').FnEntry} entry
   */
  fnIndex(entry) {
    const id = entry[0]
    let i = this.tableIndex.get(id)
    if (i === undefined) {
      i = this.table.push(entry) - 1
      this.tableIndex.set(id, i)
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
    const e = this.slots.length
    this.slots.push(slot)
    this.ids.push(id)
    this.sizes.push(size)
    const flat = this.flat
    this.offs.push(flat.length)
    const n = values.length
    flat.push(kind, id, this.fnIndex(entry), ctx, n)
    for (let i = 0; i < n; i++) flat.push(values[i])
    if (transfers !== undefined && transfers.length > 0) (this.transfers ??= new Map()).set(e, transfers)
    if (!this.scheduled) {
      this.scheduled = true
      queueMicrotask(this.flushNow)
    }
  }

  /** Sends everything queued. */
  flush() {
    this.scheduled = false
    const n = this.slots.length
    if (n === 0) return
    const { slots, ids, sizes, offs, flat, table } = this
    const transfers = this.transfers
    this.slots = []
    this.ids = []
    this.sizes = []
    this.offs = []
    this.flat = []
    this.table = []
    this.tableIndex = new Map()
    this.transfers = undefined
    const set = this.set
    const per = Math.min(MAX_BATCH, Math.max(1, Math.ceil(n / (set.size * 16))))
    let batches = 0
    for (let b = 0, end = 0; b < n; b = end) {
      // Up to `per` entries and MAX_BATCH_ITEMS items (parallelMap parts count their items).
      end = b + 1
      let items = sizes[b]
      while (end < n && end - b < per && items + sizes[end] <= MAX_BATCH_ITEMS) items += sizes[end++]
      this.submit(set, table, slots, ids, sizes, offs, flat, transfers, b, end)
      batches++
      // Workers start on the first batch while the rest is serialized.
      if (batches === 1 && end < n) set.wake(1)
    }
    set.wake(batches)
  }

  /**
   * Serializes entries [b, end) and submits them as one batch.
   * @param {Set} set
   * @param {import('./compile.js').FnEntry[]} table
   * @param {number[]} slots
   * @param {number[]} ids
   * @param {number[]} sizes
   * @param {number[]} offs
   * @param {unknown[]} flat
   * @param {Map<number, ArrayBuffer[]> | undefined} transfers
   * @param {number} b
   * @param {number} end
   */
  submit(set, table, slots, ids, sizes, offs, flat, transfers, b, end) {
    const count = end - b
    const s = new Uint32Array(count)
    const d = new Float64Array(count)
    const z = new Uint32Array(count)
    for (let i = 0; i < count; i++) {
      s[i] = slots[b + i]
      d[i] = ids[b + i]
      z[i] = sizes[b + i]
    }
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
    const part = flat.slice(offs[b], end < offs.length ? offs[end] : flat.length)
    /** @type {ReturnType<typeof codec.encode>} */
    let enc
    try {
      enc = codec.encode([table, part], moved, set.engine)
    } catch {
      const fixed = rebuild(table, part, offs, b, end, transfers, set.engine)
      enc = codec.encode([table, fixed.part], fixed.moved, set.engine)
    }
    let target = -1
    try {
      if (enc.oob !== undefined) {
        target = set.pick()
        set.port(target).postMessage(enc.oob, enc.oob.transfers)
      }
      engineNative.engineSubmit(set.engine, enc.bytes, s, d, z, target)
    } catch (err) {
      failTasks(s, d, err)
      return
    }
    if (target >= 0) set.ring(target)
  }
}

/**
 * Entries [b, end) again, each one that cannot be cloned replaced by an
 * error entry (its task fails with the DataCloneError); the transfers of the rest.
 * @param {import('./compile.js').FnEntry[]} table
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
