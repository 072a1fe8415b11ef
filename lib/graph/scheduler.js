'use strict'
// The JS readiness scheduler of graph runs that need the JS thread between
// nodes (worker functions, non-numeric values, Promise inputs): a node
// starts as soon as its inputs are done, the ready node with the longest
// critical path first (priorities from the native plan). A failed node
// fails its dependents (ERR_DEPENDENCY_FAILED, cause: the original error)
// while independent branches go on. Every node runs as its own task; this
// file only orders them.

const { codeError } = require('../errors.js')

/**
 * @typedef {object} RunPlan
 * @property {string[]} names
 * @property {number[][]} deps
 * @property {number[][]} dependents
 * @property {ArrayLike<number>} priority
 */

/** A binary max-heap of node indices by priority (ties: the lower index). */
class ReadyHeap {
  /** @param {ArrayLike<number>} priority */
  constructor(priority) {
    this.priority = priority
    /** @type {number[]} */
    this.items = []
  }

  /** @param {number} a @param {number} b */
  before(a, b) {
    const pa = this.priority[a]
    const pb = this.priority[b]
    return pa > pb || (pa === pb && a < b)
  }

  /** @param {number} v */
  push(v) {
    const items = this.items
    let k = items.push(v) - 1
    while (k > 0) {
      const up = (k - 1) >> 1
      if (!this.before(items[k], items[up])) break
      ;[items[k], items[up]] = [items[up], items[k]]
      k = up
    }
  }

  /** @returns {number | undefined} */
  pop() {
    const items = this.items
    if (items.length === 0) return undefined
    const top = items[0]
    const last = /** @type {number} */ (items.pop())
    if (items.length > 0) {
      items[0] = last
      let k = 0
      for (;;) {
        const l = 2 * k + 1
        const r = l + 1
        let best = k
        if (l < items.length && this.before(items[l], items[best])) best = l
        if (r < items.length && this.before(items[r], items[best])) best = r
        if (best === k) break
        ;[items[k], items[best]] = [items[best], items[k]]
        k = best
      }
    }
    return top
  }
}

/** Outcomes of a node in a JS-driven run. */
const PENDING = 0
const OK = 1
const FAILED = 2

class Runner {
  /**
   * @param {RunPlan} plan
   * @param {Uint8Array} active 1: run this node; else its value in `values` stands
   * @param {unknown[]} values every node's value (inputs filled in; written as nodes finish)
   * @param {(node: number, args: unknown[]) => PromiseLike<unknown>} startNode
   * @param {(runner: Runner) => void} done called once when every active node ended (not after `stop`)
   */
  constructor(plan, active, values, startNode, done) {
    this.plan = plan
    this.active = active
    this.values = values
    this.startNode = startNode
    this.done = done
    /** @type {Uint8Array} */
    this.outcome = new Uint8Array(plan.names.length)
    /** @type {Map<number, unknown>} node → its error (its own, or ERR_DEPENDENCY_FAILED) */
    this.errors = new Map()
    /** @type {Map<number, number>} failed node → the node whose error failed it */
    this.roots = new Map()
    /** @type {Set<PromiseLike<unknown> & { cancel?: (reason?: unknown) => boolean }>} */
    this.inflight = new Set()
    /** @type {number[]} nodes run, in start order */
    this.started = []
    this.waiting = new Uint32Array(plan.names.length)
    this.heap = new ReadyHeap(plan.priority)
    this.remaining = 0
    this.stopped = false
    this.pumping = false
    /** @type {(() => boolean) | undefined} polled as nodes end: true once the run's handle ended */
    this.ended = undefined
  }

  start() {
    const { deps } = this.plan
    const active = this.active
    for (let v = 0; v < active.length; v++) {
      if (!active[v]) continue
      this.remaining++
      let count = 0
      const ds = deps[v]
      for (let k = 0; k < ds.length; k++) if (active[ds[k]] && ds.indexOf(ds[k]) === k) count++
      this.waiting[v] = count
      if (count === 0) this.heap.push(v)
    }
    if (this.remaining === 0) this.done(this)
    else this.pump()
  }

  pump() {
    // Not re-entrant: a node failed in the loop below releases its dependents into the heap this loop drains.
    if (this.pumping) return
    this.pumping = true
    try {
      this.drain()
    } finally {
      this.pumping = false
    }
  }

  drain() {
    for (let v = this.heap.pop(); v !== undefined && !this.stopped; v = this.heap.pop()) {
      const failedInput = this.plan.deps[v].find((d) => this.outcome[d] === FAILED)
      if (failedInput !== undefined) {
        const root = this.roots.get(failedInput) ?? failedInput
        this.fail(v, dependencyFailed(this.plan.names[v], this.plan.names[root], this.errors.get(root)), root)
        continue
      }
      this.launch(v)
    }
  }

  /** @param {number} v */
  launch(v) {
    const args = this.plan.deps[v].map((d) => this.values[d])
    this.started.push(v)
    /** @type {PromiseLike<unknown> & { cancel?: (reason?: unknown) => boolean }} */
    let task
    try {
      task = this.startNode(v, args)
    } catch (err) {
      this.fail(v, err, v)
      return
    }
    this.inflight.add(task)
    task.then(
      (value) => {
        this.inflight.delete(task)
        if (this.stopped) return
        this.values[v] = value
        this.outcome[v] = OK
        this.finished(v)
      },
      (err) => {
        this.inflight.delete(task)
        if (this.stopped) return
        this.fail(v, err, v)
      },
    )
  }

  /**
   * @param {number} v
   * @param {unknown} err
   * @param {number} root the node whose own error this is
   */
  fail(v, err, root) {
    this.outcome[v] = FAILED
    this.errors.set(v, err)
    if (root !== v) this.roots.set(v, root)
    this.finished(v)
  }

  /** @param {number} v */
  finished(v) {
    if (this.ended?.()) {
      this.stop()
      return
    }
    this.remaining--
    for (const w of this.plan.dependents[v]) {
      if (this.active[w] && --this.waiting[w] === 0) this.heap.push(w)
    }
    if (this.remaining === 0) {
      this.stopped = true
      this.done(this)
    } else {
      this.pump()
    }
  }

  /**
   * Stops the run: no node starts any more and the nodes in flight are cancelled.
   * @param {unknown} [reason]
   */
  stop(reason) {
    if (this.stopped) return
    this.stopped = true
    for (const task of this.inflight) task.cancel?.(reason)
    this.inflight.clear()
  }
}

/**
 * What a node whose input failed rejects with.
 * @param {string} node
 * @param {string} root the node that failed first
 * @param {unknown} cause its error
 */
function dependencyFailed(node, root, cause) {
  return codeError(Error, 'ERR_DEPENDENCY_FAILED', `Node '${node}' did not run: its dependency '${root}' failed.`, {
    cause,
    node,
    dependency: root,
  })
}

module.exports = { Runner, ReadyHeap, dependencyFailed, PENDING, OK, FAILED }
