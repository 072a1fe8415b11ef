'use strict'
// The spin policy of an engine worker: how long to poll an empty queue
// before parking (Atomics.wait). Spinning only pays where waking a parked
// thread is slow: the worker measures that on its own wake-ups (a rung
// bell, then the batch's `waited` time from engineTake: submit to take) and
// spins only while the median of the last few is over WAKE_US. Before any
// measurement it spins (a VM like this one takes tens of µs to wake a
// thread). A spin that finds nothing shortens the next one (halved, down to
// 1/16), one that finds a batch restores the full window, so a worker fed
// sporadically does not burn its core. `NP_SPIN_MS` (a number of ms, 0: never
// spin) overrides the policy. Only one worker of an engine spins at a time
// (the SPINNER slot, lib/engine/worker.js), so spinners never take the cores
// the main thread needs.

/**
 * Spin only when waking a parked thread takes longer than this (µs): about
 * what a whole round trip costs when a worker spins and the main thread
 * catches the result (~5 µs here). A park costs more than its wake-up: the
 * submitting thread pays a futex call for the bell and then usually sleeps
 * until the result's wake-up too. With a threshold of 20, a host whose
 * wake-ups measure 10-12 µs (seen on this kind of VM) stopped spinning, and
 * a task at a time took 27 µs instead of 5.
 */
const WAKE_US = 5
/** The full spin window (ms). */
const SPIN_MS = 1
/** Wake-ups remembered. */
const SAMPLES = 8
/** The window never shrinks below SPIN_MS / 2^MAX_SHRINK. */
const MAX_SHRINK = 4

/**
 * The NP_SPIN_MS override: a number of ms >= 0, or undefined (the adaptive policy).
 * @param {string | undefined} raw
 */
function overrideOf(raw) {
  if (raw === undefined || raw.trim() === '') return undefined
  const ms = Number(raw)
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined
}

class SpinPolicy {
  /** @param {string | undefined} [env] NP_SPIN_MS */
  constructor(env = process.env.NP_SPIN_MS) {
    this.override = overrideOf(env)
    /** The last wake-ups (µs), a ring. @type {number[]} */
    this.wakes = []
    this.next = 0
    /** Spins in a row that found nothing. */
    this.fruitless = 0
  }

  /**
   * A wake-up from a park took `us` µs (from the batch's submit to its take).
   * @param {number} us
   */
  observeWake(us) {
    if (!(us >= 0) || !Number.isFinite(us)) return
    if (this.wakes.length < SAMPLES) this.wakes.push(us)
    else this.wakes[this.next] = us
    this.next = (this.next + 1) % SAMPLES
  }

  /** The median measured wake-up (µs), or -1 before any. */
  wakeUs() {
    const n = this.wakes.length
    if (n === 0) return -1
    const sorted = this.wakes.slice()
    sorted.sort((a, b) => a - b)
    return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
  }

  /** Whether parking costs enough to spin instead. */
  worthSpinning() {
    const w = this.wakeUs()
    return w < 0 || w > WAKE_US
  }

  /** How long (ms) to spin on an empty queue now (0: park at once). */
  window() {
    if (this.override !== undefined) return this.override
    if (!this.worthSpinning()) return 0
    return SPIN_MS / 2 ** Math.min(this.fruitless, MAX_SHRINK)
  }

  /**
   * The spin that just ended found a batch (or not).
   * @param {boolean} found
   */
  spun(found) {
    this.fruitless = found ? 0 : this.fruitless + 1
  }
}

module.exports = { SpinPolicy, WAKE_US, SPIN_MS, overrideOf }
