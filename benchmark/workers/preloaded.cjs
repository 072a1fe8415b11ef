'use strict'
// The ceiling row of benchmark/workers.ts: a plain worker_thread that is
// given its share of the input once, before the timed rounds, and on each
// 'run' computes over it in place and answers with a count only. No input
// or result crosses a thread while timed, so N of these running at once
// time the machine's own limit for the job (N cores sharing caches and
// memory), which no pool can beat; how close a pool comes is what its
// transport (structured clone both ways) and scheduling cost.
const { parentPort } = require('node:worker_threads')
const jobs = require('./jobs.cjs')

/** @type {{ job: 'records' | 'log', input: string[] | string[][] } | null} */
let share = null
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort)
port.on('message', (m) => {
  if (m.share) {
    share = m.share
    port.postMessage(0)
    return
  }
  if (share === null) throw new Error('preloaded.cjs: run before share')
  // The same work as the other contenders, over the same items.
  const input = share.input
  const out = share.job === 'records' ? /** @type {string[]} */ (input).map(jobs.transformRecord) : /** @type {string[][]} */ (input).map(jobs.analyzeLog)
  port.postMessage(out.length)
})
