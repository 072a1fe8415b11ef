// The worker engine's native API (engineCreate/Register/Submit/Take/Begin/
// Finish/Abandon/Stats/Close), driven directly from JS with a hand-made
// worker (fixtures/engine-worker.cjs): no lib/engine code involved.
// oxlint-disable no-await-in-loop -- polling a condition one loop turn at a time, never sleeping
import { once } from 'node:events'
import { serialize } from 'node:v8'
import { Worker } from 'node:worker_threads'

import test from 'ava'

import * as native from '../binding.js'
import { TaskHandle, runTask, settled } from '../lib/task.js'
import { runWorkerTask, setEngineHooks } from '../lib/task.js'

type Item = { op: string; value: number }
type Opts = { timeout?: number; signal?: AbortSignal } | undefined

const WORKER = new URL('./fixtures/engine-worker.cjs', import.meta.url)

// Every engine's stop, so that a failed test does not leave blocked workers behind.
const engines: (() => Promise<void>)[] = []
test.afterEach.always(async () => {
  await Promise.all(engines.splice(0).map((stop) => stop()))
})

/** Registers `n` worker tasks of one part each: their handles, slots and ids (as engineSubmit takes them). */
function register(n: number, opts: Opts = undefined) {
  const slots: number[] = []
  const ids: number[] = []
  const handles = Array.from({ length: n }, () =>
    runWorkerTask(opts, (task) => {
      const slot = native.engineRegister(task, 1)
      slots.push(slot)
      ids.push(typeof task === 'number' ? task : task.id)
      return slot
    }),
  )
  return { handles, slots, ids }
}

/** An engine with `n` hand-made workers (started on demand). */
function makeEngine(n: number, maxQueue = 0) {
  const all = engines
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
    const { handles, slots, ids } = register(items.length, opts)
    try {
      native.engineSubmit(
        id,
        serialize(items),
        Uint32Array.from(slots),
        Float64Array.from(ids),
        new Uint32Array(items.length).fill(1),
        target,
      )
    } catch (err) {
      // Refused: the handles are registered, so reject them (as lib/engine does).
      for (const h of handles) h.cancel(err)
      throw err
    }
    wake()
    return handles
  }
  const stop = async () => {
    await Promise.all(workers.filter(Boolean).map((w) => w.terminate()))
    native.engineClose(id)
  }
  all.push(stop)
  return { id, cb, gates: new Int32Array(gate), workers, start, submit, stop, wake }
}

test.serial('register → submit → a worker takes, begins, finishes → the handles settle', async (t) => {
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

test.serial('a submit detaches the `release` buffer once its bytes are copied; the workers read the copy', async (t) => {
  const e = makeEngine(1)
  e.start(0)
  const items = Array.from({ length: 2000 }, (_, i) => ({ op: 'double', value: i }))
  const { handles, slots, ids } = register(items.length)
  const payload = serialize(items)
  const whole = payload.buffer
  t.true(whole.byteLength > 4096)
  native.engineSubmit(e.id, payload, Uint32Array.from(slots), Float64Array.from(ids), new Uint32Array(items.length).fill(1), -1, whole)
  // Detached at once: its bytes are freed now, not at a collection.
  t.is(whole.byteLength, 0)
  t.is(payload.length, 0)
  e.wake()
  t.deepEqual(await Promise.all(handles), items.map((x) => x.value * 2))
  // Without `release` the caller's buffer is left as it was.
  const again = serialize([{ op: 'double', value: 21 }])
  const [h] = e.submit([{ op: 'double', value: 21 }])
  native.engineSubmit(e.id, again, new Uint32Array(0), new Float64Array(0), new Uint32Array(0), -1)
  t.true(again.length > 0)
  t.is(await h, 42)
  await e.stop()
})

test('engineRelease detaches a whole Buffer of more than 4 KiB, nothing else', (t) => {
  const big = Buffer.from(serialize('x'.repeat(10_000)))
  const own = Buffer.allocUnsafeSlow(big.length)
  big.copy(own)
  native.engineRelease(own)
  t.is(own.buffer.byteLength, 0, 'a whole, big Buffer: detached')
  const small = Buffer.allocUnsafeSlow(4096)
  native.engineRelease(small)
  t.is(small.length, 4096, 'up to 4 KiB (engineTake copies those): kept')
  const parent = Buffer.allocUnsafeSlow(64 * 1024)
  const tail = parent.subarray(1024)
  native.engineRelease(tail)
  t.is(parent.buffer.byteLength, 64 * 1024, 'a view into a bigger buffer: kept')
  const head = parent.subarray(0, 32 * 1024)
  native.engineRelease(head)
  t.is(parent.buffer.byteLength, 64 * 1024, 'a view of part of a buffer: kept')
  t.notThrows(() => native.engineRelease('a short-format payload'))
  t.notThrows(() => native.engineRelease(own), 'already detached: a no-op')
})

test.serial('an error on the worker rejects that task only', async (t) => {
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

/** Polls (one event-loop turn at a time) until `cond()` holds; fails after `maxMs`. */
async function until(cond: () => boolean, maxMs = 10_000) {
  const end = Date.now() + maxMs
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((r) => setImmediate(r))
  }
}

/** Resolves once worker `w` began a task (the fixture sets TASK_LO on begin). */
function began(cb: Int32Array, w: number) {
  return until(() => Atomics.load(cb, 4 * w + 2) !== 0)
}

const code = (e: unknown) => (e as { code?: string }).code

test.serial('a cancelled queued task is dropped; the others run', async (t) => {
  const e = makeEngine(1)
  const hs = e.submit([1, 2, 3].map((value) => ({ op: 'double', value })))
  t.is(hs[1].status, 'queued')
  t.true(hs[1].cancel('stop'))
  t.is(hs[1].status, 'cancelled')
  e.start(0)
  t.is(await hs[0], 2)
  t.is(await hs[2], 6)
  const err = await t.throwsAsync(hs[1])
  t.is(err?.name, 'AbortError')
  const s = native.engineStats(e.id)
  t.is(s.completed, 2)
  t.is(s.cancelled, 1)
  await e.stop()
})

test.serial('a timeout while queued rejects ERR_TASK_TIMEOUT and the worker skips it', async (t) => {
  const e = makeEngine(1)
  const [late] = e.submit([{ op: 'double', value: 5 }], { timeout: 1 })
  const err = await t.throwsAsync(late)
  t.is(code(err), 'ERR_TASK_TIMEOUT')
  t.is(late.status, 'cancelled')
  e.start(0)
  const [next] = e.submit([{ op: 'double', value: 4 }])
  t.is(await next, 8)
  t.is(native.engineStats(e.id).completed, 1, 'the timed-out task never ran')
  await e.stop()
})

test.serial('cancelling or timing out a running task sends a kill request (CONTROL) to its env', async (t) => {
  const requests: number[][] = []
  setEngineHooks({ control: (engine, worker, taskId) => requests.push([engine, worker, taskId]) })
  const e = makeEngine(1)
  e.start(0)
  const [a] = e.submit([{ op: 'block', value: 0 }])
  await began(e.cb, 0)
  t.is(a.status, 'running')
  t.true(a.cancel())
  await t.throwsAsync(a, { name: 'AbortError' })
  await until(() => requests.length === 1)
  t.deepEqual(requests[0], [e.id, 0, a.id])
  Atomics.store(e.gates, 0, 1) // let the worker go on: its late result is dropped
  // An aborted signal, once the task runs.
  await until(() => Atomics.load(e.cb, 2) === 0)
  const ac = new AbortController()
  const [b] = e.submit([{ op: 'block', value: 1 }], { signal: ac.signal })
  await began(e.cb, 0)
  ac.abort()
  await t.throwsAsync(b, { name: 'AbortError' })
  await until(() => requests.length === 2)
  t.deepEqual(requests[1], [e.id, 0, b.id])
  Atomics.store(e.gates, 1, 1)
  // A timeout that fires while the task runs (on a loaded machine it may
  // fire before the worker begins it: then try a longer one).
  let timedOut = false
  for (let i = 2, ms = 50; i < 8 && !timedOut; i++, ms *= 3) {
    await until(() => Atomics.load(e.cb, 2) === 0)
    const before = requests.length
    const [c] = e.submit([{ op: 'block', value: i }], { timeout: ms })
    const err = await c.catch((x: unknown) => x)
    t.is(code(err), 'ERR_TASK_TIMEOUT')
    if (Atomics.load(e.cb, 2) !== 0) {
      await until(() => requests.length === before + 1)
      t.deepEqual(requests[before], [e.id, 0, c.id])
      timedOut = true
    }
    Atomics.store(e.gates, i, 1)
  }
  t.true(timedOut)
  const before = requests.length
  const [c] = e.submit([{ op: 'double', value: 21 }])
  t.is(await c, 42, 'the worker still serves after the dropped results')
  t.is(requests.length, before, 'no kill request for a task that was not running')
  await e.stop()
})

test.serial('abandon: running tasks fail with ERR_WORKER_EXITED, queued ones go back and run on the replacement', async (t) => {
  const e = makeEngine(1)
  const w = e.start(0)
  const hs = e.submit([
    { op: 'block', value: 0 },
    { op: 'double', value: 1 },
    { op: 'double', value: 2 },
  ])
  await began(e.cb, 0)
  const exited = new Promise((r) => w.once('exit', r))
  await w.terminate()
  await exited
  native.engineAbandon(e.id, 0, 'the worker exited (test)')
  const err = await t.throwsAsync(hs[0])
  t.is(code(err), 'ERR_WORKER_EXITED')
  t.is(err?.message, 'the worker exited (test)')
  t.is(hs[0].status, 'failed')
  t.is(hs[1].status, 'queued')
  t.is(native.engineStats(e.id).queued, 2)
  Atomics.store(e.cb, 2, 0)
  e.start(0)
  t.deepEqual(await Promise.all(hs.slice(1)), [2, 4])
  const s = native.engineStats(e.id)
  t.is(s.failed, 1)
  t.is(s.completed, 2)
  await e.stop()
})

test.serial('a worker that exits by itself (process.exit) is abandoned the same way', async (t) => {
  const e = makeEngine(1)
  const w = e.start(0)
  const exited = new Promise<number>((r) => w.once('exit', r))
  const hs = e.submit([
    { op: 'exit', value: 3 },
    { op: 'double', value: 5 },
  ])
  t.is(await exited, 3)
  native.engineAbandon(e.id, 0, 'exit code 3')
  t.is(code(await t.throwsAsync(hs[0])), 'ERR_WORKER_EXITED')
  e.start(0)
  t.is(await hs[1], 10)
  await e.stop()
})

test.serial('ERR_QUEUE_FULL when queued tasks would exceed maxQueue', async (t) => {
  const e = makeEngine(1, 2)
  const ok = e.submit([
    { op: 'double', value: 1 },
    { op: 'double', value: 2 },
  ])
  const err = t.throws(() => e.submit([{ op: 'double', value: 3 }]))
  t.is(code(err), 'ERR_QUEUE_FULL')
  t.is(native.engineStats(e.id).queued, 2)
  e.start(0)
  t.deepEqual(await Promise.all(ok), [2, 4])
  t.is(await e.submit([{ op: 'double', value: 3 }])[0], 6, 'room again once taken')
  await e.stop()
  t.is(native.pendingTaskCount(), 0)
})

test.serial('engineClose rejects queued tasks with ERR_POOL_CLOSED; later submits throw it', async (t) => {
  const e = makeEngine(1)
  const hs = e.submit([
    { op: 'double', value: 1 },
    { op: 'double', value: 2 },
  ])
  native.engineClose(e.id)
  native.engineClose(e.id) // idempotent
  for (const h of hs) t.is(code(await t.throwsAsync(h)), 'ERR_POOL_CLOSED')
  t.is(hs[0].status, 'failed')
  t.is(code(t.throws(() => e.submit([{ op: 'double', value: 3 }]))), 'ERR_POOL_CLOSED')
  t.is(native.engineTake(e.id, 0), null)
  t.is(native.engineStats(e.id).queued, 0)
})

test.serial('a task in several parts resolves once every part reported, with the parts in order of arrival', async (t) => {
  const e = makeEngine(1)
  e.start(0)
  let slot = -1
  let id = 0
  const h = runWorkerTask(undefined, (task) => {
    slot = native.engineRegister(task, 3)
    id = typeof task === 'number' ? task : task.id
    return slot
  })
  const items = [10, 20, 30].map((value) => ({ op: 'double', value }))
  native.engineSubmit(e.id, serialize(items), Uint32Array.of(slot, slot), Float64Array.of(id, id), Uint32Array.of(4, 4), -1)
  e.wake()
  // Both parts reported once the batch is retired (nothing queued, no worker busy).
  await until(() => {
    const s = native.engineStats(e.id)
    return s.queued === 0 && s.busy === 0 && s.runP50 > 0
  })
  t.is(h.status, 'running', 'two of three parts reported')
  native.engineSubmit(e.id, serialize(items.slice(2)), Uint32Array.of(slot), Float64Array.of(id), Uint32Array.of(2), -1)
  e.wake()
  t.deepEqual(await h, [20, 40, 60])
  t.is(native.engineStats(e.id).completed, 1)
  await e.stop()
})

test.serial('a part that fails fails the whole task; its later parts are skipped', async (t) => {
  const e = makeEngine(1)
  e.start(0)
  let slot = -1
  let id = 0
  const h = runWorkerTask(undefined, (task) => {
    slot = native.engineRegister(task, 3)
    id = typeof task === 'number' ? task : task.id
    return slot
  })
  const items = [
    { op: 'double', value: 1 },
    { op: 'throw', value: 2 },
    { op: 'double', value: 3 },
  ]
  native.engineSubmit(e.id, serialize(items), Uint32Array.of(slot, slot, slot), Float64Array.of(id, id, id), Uint32Array.of(1, 1, 1), -1)
  e.wake()
  const err = await t.throwsAsync(h)
  t.is(err?.message, 'bad 2')
  t.is(h.status, 'failed')
  await e.stop()
})

test.serial('a worker_thread that submits gets its results in its own environment', async (t) => {
  const e = makeEngine(1)
  e.start(0)
  const items = [1, 2, 3].map((value) => ({ op: 'double', value }))
  const sub = new Worker(new URL('./fixtures/engine-submitter.cjs', import.meta.url), {
    workerData: { mode: 'submit', engine: e.id, control: e.cb.buffer, items },
    execArgv: [],
  })
  const [msg] = (await once(sub, 'message')) as [{ settled: unknown[]; pending: number }]
  t.deepEqual(msg.settled, [2, 4, 6])
  t.is(msg.pending, 0)
  t.is(native.pendingTaskCount(), 0, 'nothing registered in the main env')
  await sub.terminate()
  await e.stop()
})

test.serial('an engine whose owning env is torn down is closed: its queue dropped, a late engineFinish harmless', async (t) => {
  const control = new SharedArrayBuffer(16)
  const gate = new SharedArrayBuffer(16)
  const owner = new Worker(new URL('./fixtures/engine-submitter.cjs', import.meta.url), {
    workerData: { mode: 'own', control, items: [{ op: 'block', value: 0 }, { op: 'double', value: 1 }] },
    execArgv: [],
  })
  const [{ engine }] = (await once(owner, 'message')) as [{ engine: number }]
  // An engine worker of that engine takes the batch and blocks in its first task.
  const worker = new Worker(WORKER, { workerData: { engine, index: 0, control, gate }, execArgv: [] })
  const cb = new Int32Array(control)
  await began(cb, 0)
  await owner.terminate()
  t.is(code(t.throws(() => native.engineSubmit(engine, serialize([]), new Uint32Array(0), new Float64Array(0), new Uint32Array(0), -1))), 'ERR_POOL_CLOSED')
  t.is(native.engineTake(engine, 0), null)
  Atomics.store(new Int32Array(gate), 0, 1) // the worker finishes its batch: reported to a dead env
  await until(() => Atomics.load(cb, 2) === 0)
  native.engineFinish(123456789, serialize([1]), Uint8Array.of(0), 0) // no batch has that token
  t.is(native.engineStats(engine).queued, 0)
  await worker.terminate()
  // The main environment is unaffected.
  const e = makeEngine(1)
  e.start(0)
  t.is(await e.submit([{ op: 'double', value: 8 }])[0], 16)
  await e.stop()
})

test.serial('bad arguments are coded errors', (t) => {
  t.is(code(t.throws(() => native.engineCreate(0, 0))), 'ERR_OUT_OF_RANGE')
  t.is(code(t.throws(() => native.engineCreate('2' as unknown as number, 0))), 'ERR_INVALID_ARG_TYPE')
  t.is(code(t.throws(() => native.engineCreate(1, -1))), 'ERR_OUT_OF_RANGE')
  t.is(code(t.throws(() => native.engineTake(0, 0))), 'ERR_OUT_OF_RANGE')
  t.is(code(t.throws(() => native.engineStats(1e9))), 'ERR_OUT_OF_RANGE')
  const id = native.engineCreate(2, 0)
  t.is(code(t.throws(() => native.engineTake(id, 2))), 'ERR_OUT_OF_RANGE')
  const empty = serialize([])
  t.is(code(t.throws(() => native.engineSubmit(id, empty, new Uint32Array(1), new Float64Array(0), new Uint32Array(1), -1))), 'ERR_INVALID_ARG_VALUE')
  t.is(code(t.throws(() => native.engineSubmit(id, empty, new Uint32Array(0), new Float64Array(0), new Uint32Array(0), 2))), 'ERR_OUT_OF_RANGE')
  t.is(code(t.throws(() => native.engineAbandon(id, -1, 'x'))), 'ERR_OUT_OF_RANGE')
  t.false(native.engineBegin(987654321, 0), 'an unknown token begins nothing')
  native.engineClose(id)
})
