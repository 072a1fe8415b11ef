'use strict'
// workerpool's worker file for benchmark/workers.ts: the methods registered with
// `workerpool.worker` (`pool.exec(name, [arg])`), each calling jobs.cjs.
const workerpool = require('workerpool')
const jobs = require('./jobs.cjs')

workerpool.worker({
  trivial: jobs.trivial,
  /** A chunk of JSON lines → the transformed records. */
  records: (lines) => lines.map(jobs.transformRecord),
  log: jobs.analyzeLog,
})
