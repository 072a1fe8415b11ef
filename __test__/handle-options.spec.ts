import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import test from 'ava'

import { Pool, ping, spawn } from '../index.js'

// Issue 15 items 2 and 10: `timeout: 0`, and spawn's compiled-kernel fast path.

const busy = (n: number) => {
  let c = 0
  for (let i = 0; i < n; i++) c += i % 7
  return c
}

test('timeout: 0 means no timeout (as Memo\'s ttl: 0), not "time out at once"', async (t) => {
  t.is(await ping(5, { timeout: 0 }), 5)
  // Long enough that an immediate deadline would always win the race.
  const n = 3e7
  const h = spawn(busy, [n], { timeout: 0 })
  t.is(await h, busy(n))
  t.is(h.status, 'done')
  const pool = new Pool({ threads: 1 })
  t.is(await ping(6, { timeout: 0, pool }), 6)
  await pool.close()
  // Negative and non-number timeouts are still refused.
  await t.throwsAsync(ping(1, { timeout: -1 }), { code: 'ERR_OUT_OF_RANGE' })
  await t.throwsAsync(ping(1, { timeout: '0' as unknown as number }), { code: 'ERR_INVALID_ARG_TYPE' })
})

// Every case through the hot path (a function with 0-4 plain number
// arguments and no params) and through the source path (`params: {}`
// forces it), against V8 running the same function.
const cases: Array<[(...a: number[]) => number, number[]]> = [
  [() => 42, []],
  [(x: number) => x * 2 + 1, [20.5]],
  [(x: number) => x * 2 + 1, [-0]],
  [(a: number, b: number) => a % b, [-7, 3]],
  [(a: number, b: number, c: number) => Math.hypot(a, b, c), [3, 4, 12]],
  [(a: number, b: number, c: number, d: number) => (a | b) ^ (c << d), [2 ** 31 + 5, 3, 7, 30]],
  [(a: number, b: number, c: number, d: number, e: number) => a + b + c + d + e, [1, 2, 3, 4, 5]], // 5 args: source path
  [(a: number) => a, [NaN]],
]

test('spawn gives V8\'s results on its hot path and its source path alike', async (t) => {
  for (const [fn, args] of cases) {
    const want = fn(...args)
    for (let round = 0; round < 3; round++) {
      // round 0 compiles, later rounds reuse the function's handle
      t.true(Object.is(await spawn(fn, args), want), `${fn} ${args} round ${round}`)
    }
    t.true(Object.is(await spawn(fn, args, { params: {} }), want), `${fn} ${args} (source path)`)
  }
})

test('one function spawned with different argument counts gets a kernel per count', async (t) => {
  const f = (a: number, b: number) => (Number.isNaN(b) ? -1 : a - b)
  // Whatever a kernel makes of a missing argument, both paths agree.
  const one = await spawn(f as (a: number) => number, [5], { params: {} }).catch((e: { code?: string }) => e.code)
  t.is(await spawn(f, [5, 2]), 3)
  t.deepEqual(await spawn(f as (a: number) => number, [5]).catch((e: { code?: string }) => e.code), one)
  t.is(await spawn(f, [9, 2]), 7)
})

test('hot-path spawn rejects as the source path does', async (t) => {
  const captured = 3
  const closure = (x: number) => x + captured
  const viaSource = await t.throwsAsync(spawn(closure, [1], { params: {} }))
  // engine 'native': under 'auto' a non-kernel goes to the workers.
  const viaHandle = await t.throwsAsync(spawn(closure, [1], { engine: 'native' }))
  t.is(viaHandle?.constructor, viaSource?.constructor)
  t.is((viaHandle as { code?: string }).code, (viaSource as { code?: string }).code)
  t.is(viaHandle?.message, viaSource?.message)
  // Booleans and bad args take the source path, with its coded errors.
  t.is(await spawn((b: number) => b + 1, [true as unknown as number]), 2)
  await t.throwsAsync(spawn((x: number) => x, ['1' as unknown as number], { engine: 'native' }), { code: 'ERR_INVALID_ARG_TYPE', message: /args\[0\]/ })
  // Cancelling and timeouts work on the hot path.
  const h = spawn(busy, [1e12])
  t.true(h.cancel('stop'))
  await t.throwsAsync(h, { name: 'AbortError' })
  await t.throwsAsync(spawn(busy, [1e12], { timeout: 20 }), { code: 'ERR_TASK_TIMEOUT' })
})

test('a spawned function\'s compiled-kernel handle is released when the function is collected', (t) => {
  const fixture = fileURLToPath(new URL('./fixtures/spawn-kernel-release.cjs', import.meta.url))
  const start = Date.now()
  const r = spawnSync(process.execPath, ['--expose-gc', fixture], { encoding: 'utf8', timeout: 60_000 })
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  t.true(Date.now() - start < 50_000)
  const { first, handle } = JSON.parse(r.stdout) as { first: number; handle: number }
  // 1000 functions were spawned: without release the next handle would be first + 1000.
  t.true(handle < first + 200, `next handle ${handle}, first ${first}`)
})
