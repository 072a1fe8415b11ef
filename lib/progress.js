'use strict'
// `onProgress(done, total)` for TaskHandles: while a task is pending, an
// unref'd 50 ms timer reads its native progress counter (`taskProgress`,
// bumped by the job: a native map adds each finished chunk's length) and
// calls the callback on the JS thread when `done` changed; at a successful
// settle one last call has `done === total`. Any settle stops the timer.
//
// `total` is what the task's `start` reported with `reportTotal(n)` during
// the `runTask` call (parallelMap: the input's length), else 1 (the task
// as one item).
//
// A throwing callback never affects the task: it is detached (no further
// calls for that task) and the error is reported with
// `process.emitWarning` (code NAPI_PARALLEL_ON_PROGRESS_THREW, the
// error's stack as `detail`).

const native = require('./load.js').binding

const INTERVAL_MS = 50

/**
 * @typedef {{ id: number, slot: number, total: number, last: number,
 *   onProgress: ((done: number, total: number) => void) | undefined,
 *   timer: ReturnType<typeof setInterval> }} Watch
 */

/** @type {(Watch | undefined)[]} by slot */
const watches = []
/** Watches alive; `lib/task.js` checks it before calling `end` (the common case: none). */
const state = { inUse: 0 }

/** @type {number | undefined} */
let reported

/** Called by a task's `start` inside `runTask`: the number of items the task will report. @param {number} n */
function reportTotal(n) {
  reported = n
}

/** Before `start`: forget a total reported for an earlier task. */
function resetTotal() {
  reported = undefined
}

/**
 * Starts watching the task `id` in `slot` (after `start` returned it).
 * @param {number} slot
 * @param {number} id
 * @param {(done: number, total: number) => void} onProgress
 */
function watch(slot, id, onProgress) {
  const total = reported === undefined || !(reported >= 0) ? 1 : reported
  reported = undefined
  /** @type {Watch} */
  const w = { id, slot, total, last: 0, onProgress, timer: /** @type {any} */ (undefined) }
  w.timer = setInterval(tick, INTERVAL_MS, w)
  w.timer.unref()
  const old = watches[slot]
  if (old !== undefined) stop(old)
  watches[slot] = w
  state.inUse++
}

/** @param {Watch} w */
function tick(w) {
  const done = native.taskProgress(w.slot, w.id)
  if (done < 0) return // settled: `end` stops the timer
  if (done !== w.last) {
    w.last = done
    call(w, Math.min(done, w.total))
  }
}

/**
 * @param {Watch} w
 * @param {number} done
 */
function call(w, done) {
  const fn = w.onProgress
  if (fn === undefined) return
  try {
    fn(done, w.total)
  } catch (err) {
    w.onProgress = undefined
    const e = /** @type {{ message?: unknown, stack?: unknown }} */ (err)
    let message
    let detail
    try {
      message = String(e?.message ?? err)
      detail = typeof e?.stack === 'string' ? e.stack : undefined
    } catch {
      message = 'an error'
    }
    process.emitWarning(`options.onProgress threw: ${message}`, {
      code: 'NAPI_PARALLEL_ON_PROGRESS_THREW',
      detail,
    })
  }
}

/** @param {Watch} w */
function stop(w) {
  clearInterval(w.timer)
  watches[w.slot] = undefined
  state.inUse--
}

/**
 * For a task that `start` settled at once (no slot): the one final call.
 * @param {(done: number, total: number) => void} onProgress
 */
function settledAtOnce(onProgress) {
  const total = reported === undefined || !(reported >= 0) ? 1 : reported
  reported = undefined
  call({ id: -1, slot: -1, total, last: 0, onProgress, timer: /** @type {any} */ (undefined) }, total)
}

/**
 * The task in `slot` settles now: stops its timer; after a success, calls
 * `onProgress(total, total)` unless a tick already did (a tick may read the
 * last chunk done before the task's completion is settled: CI saw
 * `[n, n]` reported twice).
 * @param {number} slot
 * @param {boolean} ok
 */
function end(slot, ok) {
  const w = watches[slot]
  if (w === undefined) return
  stop(w)
  if (ok && w.last < w.total) call(w, w.total)
}

module.exports = { state, reportTotal, resetTotal, watch, end, settledAtOnce }
