// The worker engine's lifecycle (issue 17 items 4-5-6): cancel and timeout of
// queued and running tasks, replaced workers, crash loops, resource limits,
// idle exit, environments. Scenarios that kill a worker or the process run in
// a child process (fixtures/workers-life.cjs).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

import test from 'ava'

import { Memo, Pool, spawn } from '../index.js'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const indexPath = fileURLToPath(new URL('../index.js', import.meta.url))

type Outcome = { value?: unknown; name?: string; code?: string; message?: string }

/** Runs a scenario of fixtures/workers-life.cjs; returns its JSON line, status and elapsed time. */
function scenario(name: string, timeout = 120_000) {
  const t0 = Date.now()
  const r = spawnSync(process.execPath, [fixture('workers-life.cjs'), name], { encoding: 'utf8', timeout })
  const elapsed = Date.now() - t0
  const last = r.stdout.trim().split('\n').pop() ?? ''
  let json: Record<string, unknown> | undefined
  try {
    json = JSON.parse(last)
  } catch {
    json = undefined
  }
  return { r, json, elapsed }
}

/** Resolves once flag[i] != 0. */
async function flagged(flag: Int32Array, i = 0) {
  const r = waitAsync(flag, i, 0, 30_000)
  const v = r.async ? await r.value : r.value
  if (v === 'timed-out') throw new Error(`flag ${i} never set`)
}

const W = { engine: 'worker' } as const
// Atomics.waitAsync (ES2024; the tests' lib is ES2022).
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync
type WaitAsync = (a: Int32Array, i: number, v: number, t?: number) => { async: boolean; value: any }
// The engine options are H-core's typings; the tests pass them as plain objects.
const run = spawn as unknown as (fn: (...args: any[]) => unknown, args?: unknown[], opts?: Record<string, unknown>) => Promise<any> & {
  cancel(reason?: unknown): boolean
  status: string
}

test('process.exit in a function rejects that task with ERR_WORKER_EXITED; the others complete; the worker is replaced', (t) => {
  const { r, json } = scenario('exit')
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  const { results, after, restarts } = json as { results: Outcome[]; after: Outcome; restarts: number }
  t.is(results.length, 21)
  const exited = results[10]
  t.is(exited.code, 'ERR_WORKER_EXITED')
  t.regex(exited.message!, /code 3/)
  const expected = [...Array.from({ length: 10 }, (_, i) => i * 2), ...Array.from({ length: 10 }, (_, i) => (i + 10) * 2)]
  t.deepEqual(
    results.filter((_, i) => i !== 10).map((o) => o.value),
    expected,
  )
  t.deepEqual(after, { value: 42 })
  t.is(restarts, 1)
})

test('an uncaught error in a timer inside the worker rejects its task with the error named; the next task runs', (t) => {
  const { r, json } = scenario('timer')
  t.is(r.status, 0, r.stderr)
  const { result, after } = json as { result: Outcome; after: Outcome }
  t.is(result.code, 'ERR_WORKER_EXITED')
  t.regex(result.message!, /TypeError: boom in a timer/)
  t.deepEqual(after, { value: 2 })
})

test('a crash loop (every task calls process.exit) ends in bounded time with every task rejected', (t) => {
  const { r, json, elapsed } = scenario('crashloop')
  t.is(r.status, 0, r.stderr)
  const { count, codes, crashLoop } = json as { count: number; codes: string[]; crashLoop: number }
  t.is(count, 40)
  t.deepEqual(codes, ['ERR_WORKER_EXITED'])
  // Without the crash-loop rule, 40 deaths at backoff doubling to 5 s would take minutes.
  t.true(crashLoop > 0, JSON.stringify(json))
  t.true(elapsed < 90_000, `took ${elapsed} ms`)
})

test('a setup module that throws rejects the tasks with ERR_WORKER_SETUP_FAILED, naming its error, in bounded time', (t) => {
  const { r, json, elapsed } = scenario('setupThrows')
  t.is(r.status, 0, r.stderr)
  t.deepEqual(json && { codes: json.codes, named: json.named, restarts: json.restarts }, { codes: ['ERR_WORKER_SETUP_FAILED'], named: true, restarts: 0 })
  t.true(elapsed < 30_000, `took ${elapsed} ms`)
})

test('running out of memory under resourceLimits rejects the task; the next task runs', (t) => {
  const { r, json } = scenario('oom')
  t.is(r.status, 0, r.stderr)
  const { result, after } = json as { result: Outcome; after: Outcome }
  t.is(result.code, 'ERR_WORKER_EXITED')
  t.regex(result.message!, /out of memory/)
  t.deepEqual(after, { value: 15 })
})

test('process.exit() while workers run endless loops exits promptly', (t) => {
  const { r, json, elapsed } = scenario('exitRunning')
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  t.like(json, { running: 2 })
  t.true(elapsed < 20_000, `took ${elapsed} ms`)
})

test('terminating a worker_thread whose engine workers run endless loops is prompt', (t) => {
  const { r, json, elapsed } = scenario('terminateRunning')
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  t.like(json, { code: 1 })
  t.true((json!.terminateMs as number) < 10_000, JSON.stringify(json))
  t.true(elapsed < 30_000, `took ${elapsed} ms`)
})

test('an idle process exits at once after its worker tasks', (t) => {
  const { r, json, elapsed } = scenario('idle')
  t.is(r.status, 0, r.stderr)
  t.like(json, { v: 2 })
  t.true(elapsed < 5_000, `took ${elapsed} ms`)
})

test('a pending worker task keeps the process alive until it resolves', (t) => {
  const { r, json } = scenario('pending')
  t.is(r.status, 0, r.stderr)
  t.like(json, { v: 7 })
  t.true((json!.elapsed as number) >= 290)
})

test('a cancelled queued task never runs (a SAB flag proves it) and rejects with AbortError', async (t) => {
  const pool = new Pool({ workers: 1, threads: 1 })
  const flag = new Int32Array(new SharedArrayBuffer(12))
  const blocker = run(
    (sab: SharedArrayBuffer) => {
      const f = new Int32Array(sab)
      Atomics.store(f, 0, 1)
      Atomics.notify(f, 0)
      Atomics.wait(f, 1, 0, 30_000)
      return 'released'
    },
    [flag.buffer],
    { ...W, pool },
  )
  const victim = run(
    (sab: SharedArrayBuffer) => {
      Atomics.store(new Int32Array(sab), 2, 1)
      return 'ran'
    },
    [flag.buffer],
    { ...W, pool },
  )
  await flagged(flag, 0)
  t.is(victim.status, 'queued')
  t.true(victim.cancel('no'))
  Atomics.store(flag, 1, 1)
  Atomics.notify(flag, 1)
  t.is(await blocker, 'released')
  await t.throwsAsync(victim, { name: 'AbortError' })
  // The same worker runs the next task: had the victim run, flag[2] would be 1.
  t.is(await run((sab: SharedArrayBuffer) => Atomics.load(new Int32Array(sab), 2), [flag.buffer], { ...W, pool }), 0)
  t.is(Atomics.load(flag, 2), 0)
  t.is(pool.stats().workers.restarts, 0)
  await pool.close()
})

for (const how of ['cancel', 'timeout'] as const) {
  test(`${how} of a running sync while(true) rejects; its worker is terminated and replaced; the next task works`, async (t) => {
    const pool = new Pool({ workers: 1, threads: 1, cancelGrace: 50 })
    // A started worker, so that the timeout does not expire during its start-up.
    t.is(await run((x: number) => x, [1], { ...W, pool }), 1)
    const flag = new Int32Array(new SharedArrayBuffer(4))
    const h = run(
      (sab: SharedArrayBuffer) => {
        const f = new Int32Array(sab)
        Atomics.store(f, 0, 1)
        Atomics.notify(f, 0)
        for (;;);
      },
      [flag.buffer],
      how === 'timeout' ? { ...W, pool, timeout: 1000 } : { ...W, pool },
    )
    await flagged(flag)
    t.is(h.status, 'running')
    if (how === 'cancel') {
      t.true(h.cancel())
      await t.throwsAsync(h, { name: 'AbortError' })
    } else {
      await t.throwsAsync(h, { code: 'ERR_TASK_TIMEOUT' } as never)
    }
    t.is(await run((x: number) => x * 7, [6], { ...W, pool }), 42)
    t.is(pool.stats().workers.restarts, 1)
    await pool.close()
  })
}

test('idleTimeout: an idle worker exits quietly and a new one starts when work arrives', async (t) => {
  const pool = new Pool({ workers: 1, threads: 1, idleTimeout: 30 })
  t.is(await run((x: number) => x + 1, [1], { ...W, pool }), 2)
  const deadline = Date.now() + 10_000
  while (pool.stats().workers.live !== 0) {
    if (Date.now() > deadline) t.fail('the idle worker never exited')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  t.is(await run((x: number) => x + 2, [1], { ...W, pool }), 3)
  const w = pool.stats().workers
  t.is(w.restarts, 0) // a quiet exit is not a death
  t.is(w.completed, 2)
  await pool.close()
})

test('a worker_thread env gets the results of its own worker tasks, then exits by itself', async (t) => {
  const result = await new Promise((resolve, reject) => {
    const w = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads')
      const np = require(workerData.index)
      Promise.all([1, 2, 3].map((i) => np.spawn((x) => x * 10, [i], { engine: 'worker' })))
        .then((v) => parentPort.postMessage(v), (e) => parentPort.postMessage(String(e)))
      `,
      { eval: true, workerData: { index: indexPath } },
    )
    let message: unknown
    w.once('message', (m) => (message = m))
    w.once('error', reject)
    // Its idle engine workers (unref'd) do not keep it alive: it exits by itself.
    w.once('exit', (code) => (code === 0 ? resolve(message) : reject(new Error(`exit code ${code}`))))
  })
  t.deepEqual(result, [10, 20, 30])
})

test('Memo.shared is visible in engine workers, both ways', async (t) => {
  const name = `life-${process.pid}`
  const memo = Memo.shared(name)
  memo.set('from-main', { n: 1, s: 'main' })
  const seen = await run(
    (index: string, memoName: string) => {
      const m = require(index).Memo.shared(memoName)
      m.set('from-worker', [2, 'worker'])
      return m.get('from-main')
    },
    [indexPath, name],
    W,
  )
  t.deepEqual(seen, { n: 1, s: 'main' })
  t.deepEqual(memo.get('from-worker'), [2, 'worker'])
  Memo.dropShared(name)
})

// A worker that exits right after reporting must not lose the buffers its
// moved results sent by port: the results' bridge message may be handled
// after the 'exit', so the port is drained before it is closed.
test('moved result buffers arrive when the worker exits right after finishing (process.exit)', (t) => {
  const { r, json } = scenario('movedExit')
  t.is(r.status, 0, r.stderr)
  const { got, restarts } = json as { got: unknown[]; restarts: number }
  t.deepEqual(got, Array.from({ length: 8 }, (_, i) => new Array(16).fill(i)))
  t.true(restarts >= 7, String(restarts))
})

test('moved result buffers arrive when each task ends in an idle exit (idleTimeout: 0)', async (t) => {
  const pool = new Pool({ workers: 1, threads: 1, idleTimeout: 0 } as never)
  const n = 20
  const got: unknown[] = []
  for (let i = 0; i < n; i++) {
    const h = run((index: string, k: number) => require(index).move(new Uint8Array(16).fill(k)), [indexPath, i], { ...W, pool })
    got.push(await h.then((v: Uint8Array) => Array.from(v), (e: Error) => e.message))
  }
  t.deepEqual(got, Array.from({ length: n }, (_, i) => new Array(16).fill(i)))
  t.is((pool.stats() as unknown as { workers: { restarts: number } }).workers.restarts, 0)
  await pool.close()
})
