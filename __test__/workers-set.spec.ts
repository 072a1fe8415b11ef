// The WorkerSet (lib/engine/workers.js) against the native engine, with a
// minimal protocol-speaking worker (fixtures/workers-entry.cjs) in place of
// lib/engine/worker.js: lazy start, bells, kill requests after the grace,
// replacement after a death, the crash-loop rule, idle exit, close.
import v8 from 'node:v8'
import { fileURLToPath } from 'node:url'

import test from 'ava'

import * as binding from '../binding.js'
import { WorkerSet } from '../lib/engine/workers.js'
import { runTask } from '../lib/task.js'

const native = binding as unknown as {
  engineRegister(task: unknown, parts: number): number
  engineSubmit(engine: number, payload: Uint8Array, slots: Uint32Array, ids: Float64Array, sizes: Uint32Array, target: number): void
}
const workerFile = fileURLToPath(new URL('./fixtures/workers-entry.cjs', import.meta.url))

type Op = { value?: unknown; exit?: number; spin?: boolean; throws?: string }

/** Submits `ops` as one batch (one task each) and wakes the set; returns the handles. */
function submit(set: WorkerSet, ops: Op[], opts?: Record<string, unknown>) {
  const slots: number[] = []
  const ids: number[] = []
  const handles = ops.map((op) =>
    runTask(opts as never, (task) => {
      const id = typeof task === 'number' ? task : (task as { id: number }).id
      ;(op as Op & { id: number }).id = id
      slots.push(native.engineRegister(task, 1))
      ids.push(id)
      return slots[slots.length - 1]
    }),
  )
  native.engineSubmit(set.engine, v8.serialize(ops), Uint32Array.from(slots), Float64Array.from(ids), new Uint32Array(ops.length).fill(1), -1)
  set.wake()
  return handles
}

async function until(what: string, cond: () => boolean, maxMs = 15_000) {
  const deadline = Date.now() + maxMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

test('workers start on the first wake(), run batches, and park; stats count them', async (t) => {
  const set = WorkerSet.create({ workers: 2, workerFile })
  t.is(set.live, 0)
  const hs = submit(set, Array.from({ length: 50 }, (_, i) => ({ value: { i } })))
  t.is(set.live, 2)
  t.deepEqual(await Promise.all(hs), Array.from({ length: 50 }, (_, i) => ({ i })))
  // Parked workers are woken by the bell.
  await until('both parked', () => set.control[1] === 0 && set.control[5] === 0)
  t.deepEqual(await Promise.all(submit(set, [{ value: 'again' }])), ['again'])
  const s = set.stats()
  t.like(s, { workers: 2, live: 2, completed: 51, restarts: 0, queued: 0 })
  await set.close()
  t.is(set.live, 0)
})

test('an error outcome rejects with the revived error', async (t) => {
  const set = WorkerSet.create({ workers: 1, workerFile })
  const [h] = submit(set, [{ throws: 'bad op' }])
  await t.throwsAsync(h, { message: 'bad op' })
  await set.close()
})

test('a worker that exits fails its running task with ERR_WORKER_EXITED; the batch rest is re-queued and runs on its replacement', async (t) => {
  const set = WorkerSet.create({ workers: 1, workerFile })
  const hs = submit(set, [{ value: 1 }, { exit: 7 }, { value: 3 }, { value: 4 }])
  const results = await Promise.allSettled(hs)
  t.deepEqual(results[0], { status: 'fulfilled', value: 1 })
  const err = (results[1] as PromiseRejectedResult).reason
  t.is(err.code, 'ERR_WORKER_EXITED')
  t.regex(err.message, /exited with code 7/)
  t.deepEqual(results.slice(2), [
    { status: 'fulfilled', value: 3 },
    { status: 'fulfilled', value: 4 },
  ])
  t.is(set.stats().restarts, 1)
  await set.close()
})

test('a cancelled running task: the worker is terminated after the grace and replaced', async (t) => {
  const set = WorkerSet.create({ workers: 1, workerFile, cancelGrace: 20 })
  const [h, next] = submit(set, [{ spin: true }, { value: 'next' }])
  await until('running', () => h.status === 'running')
  t.true(h.cancel())
  await t.throwsAsync(h, { name: 'AbortError' })
  t.is(await next, 'next')
  t.is(set.stats().restarts, 1)
  await set.close()
})

test('a timed-out running task: likewise', async (t) => {
  const set = WorkerSet.create({ workers: 1, workerFile, cancelGrace: 0 })
  const [h] = submit(set, [{ spin: true }], { timeout: 100 })
  await t.throwsAsync(h, { code: 'ERR_TASK_TIMEOUT' } as never)
  t.deepEqual(await Promise.all(submit(set, [{ value: 5 }])), [5])
  await set.close()
})

test('a crash loop rejects the queued tasks with ERR_WORKER_EXITED naming it, in bounded time, and backs off', async (t) => {
  const set = WorkerSet.create({ workers: 1, workerFile })
  const t0 = Date.now()
  // One task per batch: each death fails only the running one.
  const hs = Array.from({ length: 30 }, () => submit(set, [{ exit: 1 }])[0])
  const results = await Promise.allSettled(hs)
  const elapsed = Date.now() - t0
  const reasons = results.map((r) => (r as PromiseRejectedResult).reason)
  t.true(reasons.every((e) => e?.code === 'ERR_WORKER_EXITED'))
  const loop = reasons.filter((e) => /Crash loop: 5 workers exited in a row/.test(e.message))
  // 5 deaths fail 5 tasks one by one, then the rest fail at once.
  t.is(loop.length, 30 - 5, reasons.map((e) => e.message).join('\n'))
  t.regex(loop[0].message, /Last: worker 0 exited with code 1/)
  t.is(set.stats().restarts, 5)
  // Without the rule, 30 deaths backing off up to 5 s each would take ~110 s;
  // the bound is loose because worker start-up is slow on a loaded machine.
  t.true(elapsed < 60_000, `took ${elapsed} ms`)
  // Backing off now: the next worker starts no sooner than the backoff (40 ms for death 5).
  const s0 = Date.now()
  t.deepEqual(await Promise.all(submit(set, [{ value: 'healthy' }])), ['healthy'])
  t.true(Date.now() - s0 >= 35, `${Date.now() - s0} ms`)
  await set.close()
})

test('idleTimeout: the idle worker exits quietly, is not counted as a restart, and restarts on work', async (t) => {
  const set = WorkerSet.create({ workers: 1, workerFile, idleTimeout: 20 })
  t.deepEqual(await Promise.all(submit(set, [{ value: 1 }])), [1])
  await until('idle exit', () => set.live === 0)
  t.deepEqual(await Promise.all(submit(set, [{ value: 2 }])), [2])
  t.is(set.stats().restarts, 0)
  await set.close()
})

test('close() rejects queued tasks with ERR_POOL_CLOSED and running ones with ERR_WORKER_EXITED', async (t) => {
  const set = WorkerSet.create({ workers: 1, workerFile })
  const [spin] = submit(set, [{ spin: true }])
  await until('running', () => spin.status === 'running')
  const [queued] = submit(set, [{ value: 1 }])
  await set.close()
  await t.throwsAsync(spin, { code: 'ERR_WORKER_EXITED', message: /closed/ } as never)
  await t.throwsAsync(queued, { code: 'ERR_POOL_CLOSED' } as never)
  t.is(set.live, 0)
  t.true(set.closed)
})

test('pick() prefers an idle worker and port(w) is its MessagePort', async (t) => {
  const set = WorkerSet.create({ workers: 2, workerFile })
  const w = set.pick()
  t.true(w === 0 || w === 1)
  t.is(set.live, 2)
  t.is(typeof set.port(w).postMessage, 'function')
  const [spin] = submit(set, [{ spin: true }])
  await until('running', () => spin.status === 'running')
  await until('other parked', () => set.control[1] === 0 || set.control[5] === 0)
  const idle = set.control[1] === 0 ? 0 : 1
  t.is(set.pick(), idle)
  await set.close()
  await t.throwsAsync(spin)
})

test('pick() spreads consecutive port-bound batches over the idle workers', async (t) => {
  const set = WorkerSet.create({ workers: 3, workerFile })
  set.wake()
  await until('all parked', () => set.control[1] === 0 && set.control[5] === 0 && set.control[9] === 0)
  const picks = [set.pick(), set.pick(), set.pick()]
  t.deepEqual([...picks].sort(), [0, 1, 2])
  await set.close()
})
