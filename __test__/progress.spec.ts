// onProgress(done, total): a native parallelMap reports finished chunks while
// it runs, a final (total, total) on success, nothing after a cancel or a
// failure; bad option types are coded TypeErrors; a throwing callback never
// breaks the task. taskProgress is the native counter the timer reads.
import { createRequire } from 'node:module'

import test from 'ava'

import { parallelMap, ping, spawn, split } from '../index.js'

const require = createRequire(import.meta.url)
const binding = require('../binding.js') as { taskProgress: (slot: unknown, id: unknown) => number }

// About 300 sqrt per element: milliseconds per 64k-element chunk.
const heavy = (x: number) => {
  let s = 0
  for (let k = 0; k < 300; k++) s += Math.sqrt(x + k)
  return s
}

// A lighter one for the runs that must finish.
const medium = (x: number) => {
  let s = 0
  for (let k = 0; k < 20; k++) s += Math.sqrt(x + k)
  return s
}

/** Whether `out` is `xs.map(medium)`, element for element (Object.is; ava's deepEqual is slow on millions). */
function isReference(out: Float64Array, xs: Float64Array): boolean {
  if (out.length !== xs.length) return false
  for (let i = 0; i < xs.length; i++) if (!Object.is(out[i], medium(xs[i]))) return false
  return true
}

test.serial('a long native map reports increasing done values ending at total', async (t) => {
  const n = 2_000_000
  const chunk = 1 << 16
  const xs = new Float64Array(n).map((_, i) => i % 1000)
  const calls: [number, number][] = []
  const out = await parallelMap(xs, medium, { chunkSize: chunk, onProgress: (done, total) => calls.push([done, total]) })
  t.true(isReference(out, xs))
  t.true(calls.length >= 1)
  t.deepEqual(calls[calls.length - 1], [n, n])
  for (let i = 0; i < calls.length; i++) {
    const [done, total] = calls[i]
    t.is(total, n)
    t.true(done > 0 && done <= n)
    // Whole chunks, one of which may be the short last one.
    t.true(done % chunk === 0 || done % chunk === n % chunk, `${done}`)
    if (i > 0) t.true(done > calls[i - 1][0], `not increasing: ${JSON.stringify(calls)}`)
  }
})

test.serial('progress arrives while the task runs, and stops after cancel', async (t) => {
  // Far too long to finish: it is cancelled from its first progress report,
  // so that report necessarily came while the task was running.
  const n = 20_000_000
  const xs = new Float64Array(n)
  const calls: number[] = []
  let cancelled = false
  const h = parallelMap(xs, heavy, {
    chunkSize: 1 << 14,
    onProgress: (done, total) => {
      calls.push(done)
      t.is(total, n)
      if (!cancelled) {
        cancelled = true
        t.true(h.cancel('enough'))
      }
    },
  })
  const err = await t.throwsAsync(h, { name: 'AbortError' })
  t.is(err?.cause, 'enough')
  t.is(h.status, 'cancelled')
  t.is(calls.length, 1)
  t.true(calls[0] > 0 && calls[0] < n)
  // Several timer periods later: no further call (the timer stopped with the cancel).
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.is(calls.length, 1)
})

test.serial('no final call after a failure (timeout)', async (t) => {
  const calls: number[] = []
  const xs = new Float64Array(20_000_000)
  const h = parallelMap(xs, heavy, { chunkSize: 1 << 14, timeout: 120, onProgress: (done) => calls.push(done) })
  await t.throwsAsync(h, { code: 'ERR_TASK_TIMEOUT' })
  const seen = calls.length
  for (const done of calls) t.true(done < xs.length)
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.is(calls.length, seen)
})

test('tasks without a known total count as one item', async (t) => {
  const pinged: [number, number][] = []
  t.is(await ping(7, { onProgress: (d, n) => pinged.push([d, n]) }), 7)
  t.deepEqual(pinged, [[1, 1]])
  const spawned: [number, number][] = []
  t.is(await spawn((a: number, b: number) => a * b, [6, 7], { onProgress: (d, n) => spawned.push([d, n]) }), 42)
  t.deepEqual(spawned, [[1, 1]])
  // A small split settles without a native task (settled at once), a big one natively: one final call each.
  for (const text of ['a,b', 'a,b'.repeat(100_000)]) {
    const calls: [number, number][] = []
    t.deepEqual(await split(text, ',', { onProgress: (d, n) => calls.push([d, n]) }), text.split(','))
    t.deepEqual(calls, [[1, 1]])
  }
})

test('onProgress must be a function', async (t) => {
  for (const bad of [1, 'x', {}, null, true]) {
    const e = await t.throwsAsync(parallelMap(new Float64Array(4), (x: number) => x, { onProgress: bad as never }), {
      instanceOf: TypeError,
      code: 'ERR_INVALID_ARG_TYPE',
    })
    t.regex(e?.message ?? '', /options\.onProgress/)
    await t.throwsAsync(ping(0, { onProgress: bad as never }), { code: 'ERR_INVALID_ARG_TYPE' })
  }
})

test.serial('a throwing onProgress does not break the task: it is detached and reported as a warning', async (t) => {
  const warnings: (Error & { code?: string })[] = []
  const onWarning = (w: Error) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    let calls = 0
    const xs = new Float64Array(2_000_000).map((_, i) => i % 7)
    const out = await parallelMap(xs, medium, {
      chunkSize: 1 << 16,
      onProgress: () => {
        calls++
        throw new Error('progress bar broke')
      },
    })
    t.true(isReference(out, xs))
    t.is(calls, 1)
    // emitWarning delivers on the next tick.
    await new Promise((resolve) => setImmediate(resolve))
    const mine = warnings.filter((w) => w.code === 'NAPI_PARALLEL_ON_PROGRESS_THREW')
    t.is(mine.length, 1)
    t.regex(mine[0].message, /progress bar broke/)
  } finally {
    process.off('warning', onWarning)
  }
})

test('taskProgress: coded TypeError for non-numbers, -1 for no such pending task', (t) => {
  t.throws(() => binding.taskProgress('0', 1), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => binding.taskProgress(0, undefined), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.is(binding.taskProgress(0, 2 ** 52), -1)
  t.is(binding.taskProgress(-1, 0.5), -1)
  t.is(binding.taskProgress(123456, 1), -1)
})
