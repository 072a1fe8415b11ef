import test from 'ava'

import * as native from '../binding.js'
import { Pool, configure, ping, poolStats } from '../index.js'
import { runTask } from '../lib/task.js'

test('poolStats counts the default pool\'s tasks', async (t) => {
  const before = poolStats()
  await Promise.all(Array.from({ length: 100 }, (_, i) => ping(i)))
  const s = poolStats()
  t.true(s.threads >= 1)
  // Other tests of this file share the default pool: at least ours.
  t.true(s.completed - before.completed >= 100, `${before.completed} -> ${s.completed}`)
  t.true(s.utilization > 0 && s.utilization <= 1, String(s.utilization))
})

test('pool.stats() reports exact counters and the run and wait times of known jobs', async (t) => {
  // 2 threads, 12 jobs that each spin 20 ms (a spin never ends early): every
  // run time is >= 20 ms, and every job after the first two waits for one.
  const pool = new Pool({ threads: 2 })
  const spinMs = 20
  const jobs = Array.from({ length: 12 }, (_, i) => runTask({ pool }, (task) => native.internal.pingTestAsync(task, i, false, spinMs)))
  const failing = runTask({ pool }, (task) => native.internal.pingTestAsync(task, 0, true))
  await t.throwsAsync(failing, { code: 'ERR_NAPI_PARALLEL_PANIC' } as never)
  t.deepEqual(await Promise.all(jobs), Array.from({ length: 12 }, (_, i) => i))
  const s = pool.stats()
  t.like(s, { threads: 2, queued: 0, running: 0, completed: 12, failed: 1, cancelled: 0 })
  const slack = 0.94 // the histograms are log-linear, within ±6%
  t.true(s.runTime.p50 >= spinMs * slack, `runTime.p50 ${s.runTime.p50}`)
  t.true(s.runTime.p99 >= s.runTime.p50, `runTime.p99 ${s.runTime.p99}`)
  // 12 of 13 runs spin 20 ms; the panicking one takes ~0.
  t.true(s.runTime.mean >= ((spinMs * 12) / 13) * slack, `runTime.mean ${s.runTime.mean}`)
  t.true(s.waitTime.p99 >= spinMs * slack, `waitTime.p99 ${s.waitTime.p99}`)
  t.true(s.waitTime.p99 >= s.waitTime.p50)
  t.true(s.utilization > 0 && s.utilization <= 1, String(s.utilization))
  await pool.close()
})

test('configure after first use throws ERR_POOL_ALREADY_STARTED', async (t) => {
  await ping(1)
  const err = t.throws(() => configure({ threads: 2 }))
  t.is((err as NodeJS.ErrnoException).code, 'ERR_POOL_ALREADY_STARTED')
})

test('configure validates before anything else', (t) => {
  const err = t.throws(() => configure({ threads: 0 }))
  t.true(err instanceof RangeError)
  t.is((err as NodeJS.ErrnoException).code, 'ERR_OUT_OF_RANGE')
  t.regex(err!.message, /options\.threads/)
  const e2 = t.throws(() => configure({ threadName: 5 } as never))
  t.true(e2 instanceof TypeError)
  t.is((e2 as NodeJS.ErrnoException).code, 'ERR_INVALID_ARG_TYPE')
})

test('a Pool is isolated, has its own stats, and closes', async (t) => {
  const pool = new Pool({ threads: 3, threadName: 'mine' })
  t.is(pool.threads, 3)
  const values = await Promise.all(Array.from({ length: 500 }, (_, i) => ping(i, { pool })))
  t.is(values[499], 499)
  t.is(pool.stats().completed, 500)
  t.false(pool.closed)
  await pool.close()
  t.true(pool.closed)
  const err = await t.throwsAsync(ping(1, { pool }))
  t.is((err as NodeJS.ErrnoException).code, 'ERR_POOL_CLOSED')
})

test('close() waits for running work', async (t) => {
  const pool = new Pool({ threads: 1 })
  const h = runTask({ pool }, (task) => native.internal.pingTestAsync(task, 4, false, 100))
  await pool.close()
  t.is(h.status, 'done')
  t.is(await h, 4)
})

test('maxQueue rejects further submissions with ERR_QUEUE_FULL', async (t) => {
  const pool = new Pool({ threads: 1, maxQueue: 2 })
  const spin = () => runTask({ pool }, (task) => native.internal.pingTestAsync(task, 1, false, 200))
  const running = spin()
  while (running.status !== 'running') await new Promise((r) => setImmediate(r))
  const q1 = spin()
  const q2 = spin()
  const full = spin()
  const err = await t.throwsAsync(full)
  t.is((err as NodeJS.ErrnoException).code, 'ERR_QUEUE_FULL')
  t.is(full.status, 'failed')
  t.deepEqual(await Promise.all([running, q1, q2]), [1, 1, 1])
  await pool.close()
})

test('Pool supports Symbol.asyncDispose', async (t) => {
  let pool: Pool
  {
    await using p = new Pool({ threads: 1 })
    pool = p
    t.is(await ping(2, { pool: p }), 2)
  }
  t.true(pool.closed)
})

test('Pool options are validated', (t) => {
  t.throws(() => new Pool({ threads: 1.5 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => new Pool({ maxQueue: 0 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => new Pool('x' as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
})

test('each bad Pool/configure option is a Node-style error naming it, with its exact message', (t) => {
  const range = (name: string, rule: string, got: string) =>
    `RangeError ERR_OUT_OF_RANGE The value of "options.${name}" is out of range. It must be an integer ${rule}. Received ${got}.`
  const type = (name: string, want: string) => `TypeError ERR_INVALID_ARG_TYPE The "${name}" argument must be ${want}.`
  const cases: Array<[unknown, string]> = [
    [5, type('options', 'of type object')],
    [{ threads: 0 }, range('threads', '>= 1 and <= 1024', '0')],
    [{ threads: 1025 }, range('threads', '>= 1 and <= 1024', '1025')],
    [{ threads: Number.NaN }, range('threads', '>= 1 and <= 1024', 'NaN')],
    [{ threads: '2' }, type('options.threads', 'of type number')],
    [{ stackSize: 100 }, range('stackSize', '>= 65536 and <= 1073741824', '100')],
    [{ stackSize: 'big' }, type('options.stackSize', 'of type number')],
    [{ threadName: 5 }, type('options.threadName', 'of type string')],
    [{ threadName: 'a\0b' }, 'TypeError ERR_INVALID_ARG_VALUE The "options.threadName" argument must not contain null bytes.'],
    [{ maxQueue: 0 }, range('maxQueue', '>= 1 and <= 9000000000000000', '0')],
    [{ maxQueue: {} }, type('options.maxQueue', 'of type number')],
  ]
  const describe = (f: () => unknown) => {
    try {
      f()
      return 'no error'
    } catch (e) {
      const err = e as NodeJS.ErrnoException
      return `${err.constructor.name} ${err.code} ${err.message}`
    }
  }
  for (const [options, expected] of cases) {
    t.is(describe(() => new Pool(options as never)), expected, `new Pool(${String(JSON.stringify(options))})`)
    t.is(describe(() => configure(options as never)), expected, `configure(${String(JSON.stringify(options))})`)
  }
})

test('Pool() without new is a TypeError with ERR_CONSTRUCT_CALL_REQUIRED, as Node\'s own classes', async (t) => {
  const callable = Pool as unknown as (opts?: unknown) => unknown
  const globalKeys = Object.keys(globalThis).length
  t.throws(() => callable({ threads: 1 }), {
    instanceOf: TypeError,
    code: 'ERR_CONSTRUCT_CALL_REQUIRED',
    message: "Class constructor Pool cannot be invoked without 'new'",
  })
  t.throws(() => Reflect.apply(callable, {}, []), { code: 'ERR_CONSTRUCT_CALL_REQUIRED' })
  t.is(Object.keys(globalThis).length, globalKeys) // nothing was written onto globalThis
  // `new`, instanceof, subclassing and the pool option work as before.
  class Named extends Pool {}
  const pools = [new Pool({ threads: 1 }), new Named({ threads: 1 })]
  for (const pool of pools) {
    t.true(pool instanceof Pool)
    t.true(pool instanceof native.Pool)
    t.is(await ping(9, { pool }), 9)
    t.is(pool.stats().completed, 1)
    await pool.close()
  }
  t.true(pools[1] instanceof Named)
})
