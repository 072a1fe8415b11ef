import test from 'ava'

import * as native from '../binding.js'
import { Pool, configure, ping, poolStats } from '../index.js'
import { runTask } from '../lib/task.js'

test('poolStats reports threads, counters and percentiles', async (t) => {
  await Promise.all(Array.from({ length: 100 }, (_, i) => ping(i)))
  const s = poolStats()
  t.true(s.threads >= 1)
  t.true(s.completed >= 100)
  t.is(typeof s.utilization, 'number')
  t.true(s.utilization >= 0 && s.utilization <= 1)
  for (const k of ['p50', 'p99', 'mean'] as const) {
    t.true(s.runTime[k] >= 0)
    t.true(s.waitTime[k] >= 0)
  }
  t.true(s.runTime.p99 >= s.runTime.p50)
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
