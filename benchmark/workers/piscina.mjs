// piscina's worker file for benchmark/workers.ts: one named export per job
// (`piscina.run(task, { name })`), each calling the shared code in jobs.cjs.
import jobs from './jobs.cjs'

export const trivial = jobs.trivial
/** A chunk of JSON lines → the transformed records. */
export const records = (lines) => lines.map(jobs.transformRecord)
export const log = jobs.analyzeLog
/** A chunk of small objects → the cheap function of each. */
export const cheap = (items) => items.map(jobs.cheap)
