// The worker engine's native API (engineCreate/Register/Submit/Take/Begin/
// Finish/Abandon/Stats/Close), driven directly from JS with a hand-made
// worker (fixtures/engine-worker.cjs): no lib/engine code involved.
import { serialize } from 'node:v8'
import { Worker } from 'node:worker_threads'

import test from 'ava'

import * as native from '../binding.js'
import { TaskHandle, runTask, settled } from '../lib/task.js'
import { runWorkerTask } from '../lib/task.js'

type Item = { op: string; value: number }
type Opts = { timeout?: number; signal?: AbortSignal } | undefined

const WORKER = new URL('./fixtures/engine-worker.cjs', import.meta.url)

/** An engine with `n` hand-made workers (started on demand). */
function makeEngine(n: number, maxQueue = 0) {
  const id = native.engineCreate(n, maxQueue)
  const control = new SharedArrayBuffer(16 * n)
  const gate = new SharedArrayBuffer(4 * 64)
  const cb = new Int32Array(control)
  const workers: Worker[] = []
  const start = (index: number) => {
    const w = new Worker(WORKER, { workerData: { engine: id, index, control, gate }, execArgv: [] })
    workers[index] = w
    return w
  }
  const wake = () => {
    for (let w = 0; w < n; w++) {
      Atomics.store(cb, 4 * w, 1)
      Atomics.notify(cb, 4 * w)
    }
  }
  /** Registers one task per item and submits them as one batch. */
  const submit = (items: Item[], opts: Opts = undefined, target = -1) => {
    const slots: number[] = []
    const ids: number[] = []
    const handles = items.map(() =>
      runWorkerTask(opts, (task) => {
        const slot = native.engineRegister(task, 1)
        slots.push(slot)
        ids.push(typeof task === 'number' ? task : task.id)
        return slot
      }),
    )
    native.engineSubmit(
      id,
      serialize(items),
      Uint32Array.from(slots),
      Float64Array.from(ids),
      new Uint32Array(items.length).fill(1),
      target,
    )
    wake()
    return handles
  }
  const stop = async () => {
    await Promise.all(workers.filter(Boolean).map((w) => w.terminate()))
    native.engineClose(id)
  }
  return { id, cb, gates: new Int32Array(gate), workers, start, submit, stop, wake }
}

test('register → submit → a worker takes, begins, finishes → the handles settle', async (t) => {
  const e = makeEngine(2)
  e.start(0)
  e.start(1)
  const items = Array.from({ length: 300 }, (_, i) => ({ op: 'double', value: i }))
  const handles = e.submit(items)
  t.true(handles[0] instanceof TaskHandle)
  t.is(handles[0].engine, 'worker')
  t.is(runTask(undefined, () => settled(1)).engine, 'native')
  t.deepEqual(await Promise.all(handles), items.map((x) => x.value * 2))
  t.is(handles[5].status, 'done')
  const s = native.engineStats(e.id)
  t.is(s.completed, 300)
  t.is(s.queued, 0)
  t.is(s.workers, 2)
  t.is(s.perWorker.length, 2)
  t.is(s.perWorker[0].completed + s.perWorker[1].completed, 300)
  await e.stop()
})

test('an error on the worker rejects that task only', async (t) => {
  const e = makeEngine(1)
  e.start(0)
  const [a, b, c] = e.submit([
    { op: 'double', value: 1 },
    { op: 'throw', value: 7 },
    { op: 'double', value: 3 },
  ])
  t.is(await a, 2)
  const err = await t.throwsAsync(b)
  t.is(err?.message, 'bad 7')
  t.is((err as Error & { code?: string }).code, 'ERR_TEST')
  t.is(b.status, 'failed')
  t.is(await c, 6)
  t.is(native.engineStats(e.id).failed, 1)
  await e.stop()
})
