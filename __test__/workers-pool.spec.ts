// Pool's worker options (validated in JS), its lazily created worker engine,
// close(), and the workers' stats in pool.stats() / poolStats() (issue 17 item 5).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import test from 'ava'

import { Pool, configure, poolStats, spawn } from '../index.js'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const W = { engine: 'worker' } as const
// Atomics.waitAsync (ES2024; the tests' lib is ES2022).
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync
type WaitAsync = (a: Int32Array, i: number, v: number, t?: number) => { async: boolean; value: any }
const run = spawn as unknown as (fn: (...args: any[]) => unknown, args?: unknown[], opts?: Record<string, unknown>) => Promise<any>
const NewPool = Pool as unknown as new (opts?: Record<string, unknown>) => InstanceType<typeof Pool> & {
  stats(): ReturnType<InstanceType<typeof Pool>['stats']> & { workers: WorkerStats }
}
type WorkerStats = {
  workers: number
  live: number
  busy: number
  queued: number
  completed: number
  failed: number
  cancelled: number
  restarts: number
  runTime: { p50: number; p99: number }
  waitTime: { p50: number; p99: number }
  perWorker: { completed: number; busyMs: number; utilization: number }[]
}

const bad: [Record<string, unknown>, 'TypeError' | 'RangeError', string, RegExp][] = [
  [{ workers: '2' }, 'TypeError', 'ERR_INVALID_ARG_TYPE', /"options\.workers"/],
  [{ workers: 0 }, 'RangeError', 'ERR_OUT_OF_RANGE', /"options\.workers"/],
  [{ workers: 1.5 }, 'RangeError', 'ERR_OUT_OF_RANGE', /"options\.workers"/],
  [{ workers: 1025 }, 'RangeError', 'ERR_OUT_OF_RANGE', /"options\.workers"/],
  [{ idleTimeout: -1 }, 'RangeError', 'ERR_OUT_OF_RANGE', /"options\.idleTimeout"/],
  [{ idleTimeout: 'x' }, 'TypeError', 'ERR_INVALID_ARG_TYPE', /"options\.idleTimeout"/],
  [{ cancelGrace: NaN }, 'RangeError', 'ERR_OUT_OF_RANGE', /"options\.cancelGrace"/],
  [{ concurrentTasksPerWorker: 0 }, 'RangeError', 'ERR_OUT_OF_RANGE', /"options\.concurrentTasksPerWorker"/],
  [{ concurrentTasksPerWorker: true }, 'TypeError', 'ERR_INVALID_ARG_TYPE', /"options\.concurrentTasksPerWorker"/],
  [{ resourceLimits: 5 }, 'TypeError', 'ERR_INVALID_ARG_TYPE', /"options\.resourceLimits"/],
  [{ resourceLimits: { maxOldGenerationSizeMb: 0 } }, 'RangeError', 'ERR_OUT_OF_RANGE', /"options\.resourceLimits\.maxOldGenerationSizeMb"/],
  [{ resourceLimits: { stackSizeMb: '4' } }, 'TypeError', 'ERR_INVALID_ARG_TYPE', /"options\.resourceLimits\.stackSizeMb"/],
  [{ resourceLimits: { maxOld: 64 } }, 'TypeError', 'ERR_INVALID_ARG_VALUE', /unknown key 'maxOld'/],
  [{ setup: 42 }, 'TypeError', 'ERR_INVALID_ARG_TYPE', /"options\.setup"/],
  [{ setup: './no-such-setup-module.cjs' }, 'TypeError', 'ERR_INVALID_ARG_VALUE', /"options\.setup".*no-such-setup-module/],
  // The native constructor's own checks still come first.
  [{ threads: 0, workers: 2 }, 'RangeError', 'ERR_OUT_OF_RANGE', /"options\.threads"/],
]
for (const [opts, kind, code, message] of bad) {
  test(`new Pool(${JSON.stringify(opts)}) throws ${kind} ${code}`, (t) => {
    const err = t.throws(() => new NewPool(opts)) as Error & { code?: string }
    t.is(err.constructor.name, kind)
    t.is(err.code, code)
    t.regex(err.message, message)
  })
}

test('Pool without new still throws ERR_CONSTRUCT_CALL_REQUIRED; instances are Pools', (t) => {
  const err = t.throws(() => (Pool as unknown as () => void)()) as Error & { code?: string }
  t.is(err.code, 'ERR_CONSTRUCT_CALL_REQUIRED')
  const pool = new NewPool({ workers: 2, threads: 1, idleTimeout: Infinity, cancelGrace: 0 })
  t.true(pool instanceof Pool)
  return pool.close()
})

test("a Pool's engine starts on its first worker task; stats count its workers' tasks", async (t) => {
  const pool = new NewPool({ workers: 2, threads: 1 })
  const before = pool.stats().workers
  t.like(before, { workers: 2, live: 0, busy: 0, queued: 0, completed: 0, failed: 0, restarts: 0 })
  const n = 200
  const values = await Promise.all(Array.from({ length: n }, (_, i) => run((x: number) => x * x, [i], { ...W, pool })))
  t.deepEqual(values, Array.from({ length: n }, (_, i) => i * i))
  await t.throwsAsync(run(() => { throw new RangeError('nope') }, [], { ...W, pool }), { name: 'RangeError', message: 'nope' })
  const s = pool.stats().workers
  t.like(s, { workers: 2, live: 2, busy: 0, queued: 0, completed: n, failed: 1, restarts: 0 })
  t.is(s.perWorker.length, 2)
  t.is(
    s.perWorker.reduce((a, p) => a + p.completed, 0),
    n,
  )
  for (const p of s.perWorker) t.true(p.utilization >= 0 && p.utilization <= 1, String(p.utilization))
  t.true(s.runTime.p99 >= s.runTime.p50 && s.runTime.p50 >= 0)
  t.true(s.waitTime.p99 >= s.waitTime.p50 && s.waitTime.p50 >= 0)
  // The native counters are still there.
  t.is(typeof pool.stats().threads, 'number')
  await pool.close()
})

test('poolStats() has the default engine\'s workers', async (t) => {
  t.is(await run((s: string) => s.toUpperCase(), ['abc'], W), 'ABC')
  const s = (poolStats() as unknown as { workers: WorkerStats; threads: number }).workers
  t.true(s.workers >= 1)
  t.true(s.completed >= 1)
  t.true(s.live >= 1)
})

test('pool.close() rejects queued worker tasks with ERR_POOL_CLOSED, terminates the workers, refuses new tasks', async (t) => {
  const pool = new NewPool({ workers: 1, threads: 1 })
  const flag = new Int32Array(new SharedArrayBuffer(4))
  const blocker = run(
    (sab: SharedArrayBuffer) => {
      const f = new Int32Array(sab)
      Atomics.store(f, 0, 1)
      Atomics.notify(f, 0)
      for (;;);
    },
    [flag.buffer],
    { ...W, pool },
  )
  blocker.catch(() => {})
  const r = waitAsync(flag, 0, 0, 30_000)
  if (r.async) await r.value
  const queued = Array.from({ length: 5 }, (_, i) => run((x: number) => x, [i], { ...W, pool }))
  // Let the dispatcher flush them into the queue.
  await new Promise((resolve) => setImmediate(resolve))
  await pool.close()
  t.is(pool.stats().workers.live, 0)
  for (const h of queued) {
    const err = (await t.throwsAsync(h)) as Error & { code?: string }
    t.true(err.code === 'ERR_POOL_CLOSED' || err.code === 'ERR_WORKER_EXITED', String(err.code))
  }
  const err = (await t.throwsAsync(blocker)) as Error & { code?: string }
  t.is(err.code, 'ERR_WORKER_EXITED')
  await t.throwsAsync(run((x: number) => x, [1], { ...W, pool }), { code: 'ERR_POOL_CLOSED' } as never)
})

test('setup: each worker loads the module before taking tasks', async (t) => {
  const pool = new NewPool({ workers: 2, threads: 1, setup: fixture('workers-setup.cjs') })
  const seen = await Promise.all(
    Array.from({ length: 20 }, () => run(() => (globalThis as { fromSetup?: string }).fromSetup, [], { ...W, pool })),
  )
  for (const s of seen) t.regex(String(s), /^setup ran in worker \d+$/)
  await pool.close()
})

test('concurrentTasksPerWorker: one worker runs that many async tasks at once', async (t) => {
  const k = 4
  const pool = new NewPool({ workers: 1, threads: 1, concurrentTasksPerWorker: k })
  const count = new Int32Array(new SharedArrayBuffer(4))
  // A barrier: each task resolves only once all k have started, which needs
  // k tasks in flight on the single worker.
  const hs = Array.from({ length: k }, () =>
    run(
      async (sab: SharedArrayBuffer, n: number) => {
        const c = new Int32Array(sab)
        Atomics.add(c, 0, 1)
        Atomics.notify(c, 0)
        for (;;) {
          const seen = Atomics.load(c, 0)
          if (seen >= n) return seen
          const w = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(c, 0, seen, 10_000)
          if (w.async && (await w.value) === 'timed-out') throw new Error('not concurrent')
        }
      },
      [count.buffer, k],
      { ...W, pool },
    ),
  )
  t.deepEqual(await Promise.all(hs), [k, k, k, k])
  await pool.close()
})

test('maxQueue bounds the worker queue: more tasks reject with ERR_QUEUE_FULL', async (t) => {
  const pool = new NewPool({ workers: 1, threads: 1, maxQueue: 4 })
  const hs = Array.from({ length: 50 }, (_, i) => run((x: number) => x, [i], { ...W, pool }))
  const settled = await Promise.allSettled(hs)
  const full = settled.filter((s) => s.status === 'rejected' && (s.reason as { code?: string }).code === 'ERR_QUEUE_FULL')
  t.true(full.length > 0)
  for (const s of settled) {
    if (s.status === 'rejected') t.is((s.reason as { code?: string }).code, 'ERR_QUEUE_FULL')
  }
  await pool.close()
})

/** Runs a scenario of fixtures/workers-configure.cjs (its own process: configure() is refused once the default engine started). */
function configured(name: string) {
  const r = spawnSync(process.execPath, [fixture('workers-configure.cjs'), name], { encoding: 'utf8', timeout: 120_000 })
  let json: Record<string, any> | undefined
  try {
    json = JSON.parse(r.stdout.trim().split('\n').pop() ?? '')
  } catch {
    json = undefined
  }
  return { r, json }
}

const started = 'Error ERR_POOL_ALREADY_STARTED configure() must be called before the default worker engine is first used.'

test('configure() sets the default engine\'s workers, concurrentTasksPerWorker, setup, resourceLimits; refused after its first use', (t) => {
  const { r, json } = configured('options')
  t.is(r.status, 0, r.stderr)
  t.is(json!.before, 2) // poolStats() shows the configured size before the engine starts
  t.is(json!.stats, 2)
  // 6 tasks at once (a barrier): 2 workers x 3 concurrent tasks; each saw the setup module's global and the limits
  // (the young generation is then V8's own: 48 MB under Node 20, 192 under Node 24)
  t.deepEqual(
    json!.results.map((r: { value: [boolean, { maxOldGenerationSizeMb: number }] }) => [r.value[0], r.value[1].maxOldGenerationSizeMb]),
    Array.from({ length: 6 }, () => [true, 256]),
  )
  t.is(json!.again, started)
  t.is(json!.againGrace, started)
})

test('engine workers get resourceLimits { maxYoungGenerationSizeMb: 48 } unless resourceLimits are given', (t) => {
  const { r, json } = configured('limits')
  t.is(r.status, 0, r.stderr)
  t.deepEqual(json, { byDefault: 48, own: 24 })
})

test('configure({ setup }) that throws: every task, queued or submitted later, rejects with ERR_WORKER_SETUP_FAILED; no worker is replaced', (t) => {
  const { r, json } = configured('setupThrows')
  t.is(r.status, 0, r.stderr)
  const failure = {
    name: 'Error',
    code: 'ERR_WORKER_SETUP_FAILED',
    message: `The worker engine's setup module ${fixture('workers-setup-throws.cjs')} threw: Error: setup exploded on purpose`,
    cause: 'setup exploded on purpose',
  }
  t.deepEqual(json!.first, Array.from({ length: 20 }, () => failure))
  t.deepEqual(json!.later, [failure, failure])
  t.like(json, { restarts: 0, live: 0, failed: 22 })
})

test('configure({ cancelGrace }): a cancelled async task that ignores its signal ends its worker after the grace; it is replaced', (t) => {
  const { r, json } = configured('cancelGrace')
  t.is(r.status, 0, r.stderr)
  t.like(json, { cancelled: true, result: { name: 'AbortError' }, restarts: 1, after: { value: 42 } })
})

test('configure() checks the worker options as new Pool() does, before anything else', (t) => {
  for (const [opts, kind, code, message] of bad) {
    if ('threads' in opts) continue
    const err = t.throws(() => configure(opts as never)) as Error & { code?: string }
    t.is(err.constructor.name, kind, JSON.stringify(opts))
    t.is(err.code, code)
    t.regex(err.message, message)
  }
})
