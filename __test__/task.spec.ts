import { setImmediate as tick } from 'node:timers/promises'

import test from 'ava'

import * as native from '../binding.js'
import { AbortError, Pool, TaskHandle, ping } from '../index.js'
import { runTask } from '../lib/task.js'
import { waitForStatus } from './helpers.ts'

test('a task resolves to its value and reports done', async (t) => {
  const h = ping(42)
  t.true(h instanceof TaskHandle)
  t.true(Number.isSafeInteger(h.id))
  t.true(['queued', 'running', 'done'].includes(h.status))
  t.is(await h, 42)
  t.is(h.status, 'done')
})

test('ids are unique', (t) => {
  const ids = new Set(Array.from({ length: 1000 }, () => ping(1).id))
  t.is(ids.size, 1000)
})

test('then/catch/finally behave like a Promise', async (t) => {
  t.is(await ping(1).then((v) => v + 1), 2)
  let ran = false
  t.is(await ping(3).finally(() => (ran = true)), 3)
  t.true(ran)
  const err = await ping(0, { timeout: -1 }).catch((e: Error) => e)
  t.true(err instanceof RangeError)
})

test('status goes queued/running -> done, without awaiting too', async (t) => {
  const h = ping(7, undefined)
  const seen = h.status
  t.true(seen === 'queued' || seen === 'running' || seen === 'done')
  // Never awaited: the native side remembers (polled, without a fixed sleep).
  await waitForStatus(h, 'done')
  t.is(h.status, 'done')
})

test('a panic in a job becomes a rejection, and the pool keeps working', async (t) => {
  const h = runTask(undefined, (task) => native.internal.pingTestAsync(task, 1, true))
  const err = await t.throwsAsync(h)
  t.is((err as NodeJS.ErrnoException).code, 'ERR_NAPI_PARALLEL_PANIC')
  t.regex(err!.message, /asked to panic/)
  t.is(h.status, 'failed')
  t.is(await ping(5), 5)
})

function spinning(ms: number, opts?: object): TaskHandle<number> {
  return runTask(opts, (task) => native.internal.pingTestAsync(task, 9, false, ms))
}

test('cancel while running rejects with AbortError carrying the reason, and stops the job', async (t) => {
  // One thread and a minute-long spin: the pool is idle again only if the
  // job saw the cancellation.
  const pool = new Pool({ threads: 1 })
  const h = spinning(60_000, { pool })
  // The started signal: the pool thread sets the task's status to running
  // (an atomic compare-exchange) before it calls the job.
  await waitForStatus(h, 'running')
  t.is(pool.stats().running, 1)
  const reason = new Error('stop')
  t.true(h.cancel(reason))
  const err = await t.throwsAsync(h)
  t.true(err instanceof AbortError)
  t.is(err!.name, 'AbortError')
  t.is((err as Error & { cause: unknown }).cause, reason)
  t.is(h.status, 'cancelled')
  t.false(h.cancel(), 'a second cancel is a no-op')
  const deadline = Date.now() + 20_000
  while (pool.stats().running > 0) {
    if (Date.now() > deadline) throw new Error('the cancelled job is still running')
    await tick()
  }
  t.like(pool.stats(), { completed: 0, failed: 0, cancelled: 1 })
  t.is(await runTask({ pool }, (task) => native.pingAsync(task, 3)), 3, 'the thread is free again')
  await pool.close()
})

test('cancel before start: the job never runs', async (t) => {
  const pool = new Pool({ threads: 1 })
  const blocker = spinning(300, { pool })
  const queued = spinning(10_000, { pool })
  t.is(queued.status, 'queued')
  t.true(queued.cancel())
  await t.throwsAsync(queued, { name: 'AbortError' })
  t.is(await blocker, 9)
  await pool.close()
  t.is(pool.stats().completed, 1, 'only the blocker ran to completion')
  t.is(pool.stats().cancelled, 1)
})

test('cancel after completion returns false', async (t) => {
  const h = ping(1)
  await h
  t.false(h.cancel())
  t.is(h.status, 'done')
})

test('AbortSignal aborts a running task', async (t) => {
  const ac = new AbortController()
  const h = spinning(10_000, { signal: ac.signal })
  await waitForStatus(h, 'running')
  ac.abort('because')
  const err = await t.throwsAsync(h, { name: 'AbortError' })
  t.is((err as Error & { cause: unknown }).cause, 'because')
  t.is(h.status, 'cancelled')
})

test('an already-aborted signal rejects without running', async (t) => {
  const pool = new Pool({ threads: 1 })
  const h = ping(1, { signal: AbortSignal.abort('early'), pool })
  const err = await t.throwsAsync(h, { name: 'AbortError' })
  t.is((err as Error & { cause: unknown }).cause, 'early')
  t.is(h.status, 'cancelled')
  await pool.close()
  t.is(pool.stats().completed + pool.stats().failed, 0)
})

test('timeout rejects with ERR_TASK_TIMEOUT', async (t) => {
  const start = Date.now()
  const h = spinning(10_000, { timeout: 50 })
  const err = await t.throwsAsync(h)
  t.is((err as NodeJS.ErrnoException).code, 'ERR_TASK_TIMEOUT')
  t.true(Date.now() - start >= 45)
  // Well before the 10 s job would end on its own: the deadline stopped it
  // (not a timing bound: the machine may be loaded).
  t.true(Date.now() - start < 9000)
  t.is(h.status, 'cancelled')
})

test('a task that beats its timeout resolves', async (t) => {
  t.is(await ping(3, { timeout: 5000 }), 3)
})

test('bad options reject with Node-style errors', async (t) => {
  const bad: Array<[unknown, string, string]> = [
    ['nope', 'TypeError', 'ERR_INVALID_ARG_TYPE'],
    [{ signal: {} }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
    [{ timeout: '5' }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
    [{ timeout: -1 }, 'RangeError', 'ERR_OUT_OF_RANGE'],
    [{ timeout: NaN }, 'RangeError', 'ERR_OUT_OF_RANGE'],
    [{ pool: {} }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
  ]
  for (const [opts, name, code] of bad) {
    const h = ping(1, opts as never)
    const err = await t.throwsAsync(h)
    t.is(err!.name, name, JSON.stringify(opts))
    t.is((err as NodeJS.ErrnoException).code, code)
    t.is(h.status, 'failed')
  }
  // A value of the wrong type is named in the error, too.
  const h = ping('1' as never)
  const err = await t.throwsAsync(h, { instanceOf: TypeError })
  t.is((err as NodeJS.ErrnoException).code, 'ERR_INVALID_ARG_TYPE')
  t.regex(err!.message, /"value"/)
  t.is(h.status, 'failed')
})

test('10,000 concurrent tasks all settle with their own value', async (t) => {
  const n = 10_000
  const handles = Array.from({ length: n }, (_, i) => ping(i * 1.5))
  const values = await Promise.all(handles)
  t.deepEqual(values, Array.from({ length: n }, (_, i) => i * 1.5))
  t.true(handles.every((h) => h.status === 'done'))
})

test('concurrent tasks with a mix of cancels: nothing lost, nothing doubled', async (t) => {
  const handles = Array.from({ length: 2000 }, (_, i) => ping(i))
  const cancelled = new Set<number>()
  handles.forEach((h, i) => {
    if (i % 3 === 0 && h.cancel()) cancelled.add(i)
  })
  const results = await Promise.allSettled(handles)
  results.forEach((r, i) => {
    if (cancelled.has(i)) t.is(r.status, 'rejected')
    else t.deepEqual(r, { status: 'fulfilled', value: i })
  })
})

test('every status stays exact past 16,384 settled tasks, awaited or not', async (t) => {
  // A 1 µs timeout races the job (0 means no timeout): each task ends done
  // (its value) or cancelled (ERR_TASK_TIMEOUT), and its status must say
  // which, whether read before or after anyone awaited it.
  const handles = Array.from({ length: 20_000 }, (_, i) => ping(i, { timeout: 1e-3 }))
  while (native.pendingTaskCount() > 0) await tick()
  const before = handles.map((h) => h.status)
  const outcomes = await Promise.allSettled(handles)
  let done = 0
  outcomes.forEach((o, i) => {
    if (o.status === 'fulfilled') {
      done++
      t.is(o.value, i)
      t.is(before[i], 'done')
    } else {
      t.is((o.reason as { code?: string }).code, 'ERR_TASK_TIMEOUT')
      t.is(before[i], 'cancelled')
    }
    t.is(handles[i].status, before[i])
  })
  t.log(`${done} done, ${handles.length - done} timed out`)
})

test('TaskHandle cannot be constructed, and what it derives is a plain Promise', async (t) => {
  t.throws(() => new (TaskHandle as unknown as new (f: unknown) => unknown)(() => {}), { instanceOf: TypeError })
  t.throws(() => (TaskHandle as unknown as { resolve(v: number): unknown }).resolve(1), { instanceOf: TypeError })
  const h = ping(5)
  const derived = h.then((v) => v + 1)
  t.true(derived instanceof Promise)
  t.false(derived instanceof TaskHandle)
  t.is(await derived, 6)
  t.is(Object.prototype.toString.call(h), '[object TaskHandle]')
  t.deepEqual(await Promise.all([ping(1), ping(2), Promise.resolve(3)]), [1, 2, 3])
})

test('runTask takes the slot a native export returns, and refuses anything else', async (t) => {
  const h = runTask<number>(undefined, (task) => native.pingAsync(task, 1))
  t.true(h instanceof TaskHandle)
  t.is(await h, 1)
  // Refused without throwing (an async function never throws): the handle rejects.
  let bad: TaskHandle<unknown> | undefined
  t.notThrows(() => {
    bad = runTask(undefined, () => 'not a slot' as never)
  })
  await t.throwsAsync(Promise.resolve(bad!), { instanceOf: TypeError, message: /must return a task slot/ })
  t.is(bad!.status, 'failed')
})
