import { setTimeout as sleep } from 'node:timers/promises'

import test from 'ava'

import { Memo, memoize } from '../index.js'

test('sync: caches by all arguments, canonically', (t) => {
  const calls: unknown[][] = []
  const f = memoize((a: unknown, b?: unknown) => {
    calls.push([a, b])
    return { sum: JSON.stringify([a, b]) }
  })
  const r1 = f(1, { x: 1, y: 2 })
  const r2 = f(1, { y: 2, x: 1 })
  t.deepEqual(r1, r2)
  t.is(calls.length, 1)
  f('1', { x: 1, y: 2 })
  t.is(calls.length, 2, "1 and '1' are different arguments")
  f(1)
  f(1, undefined)
  t.is(calls.length, 4, 'f(1) and f(1, undefined) differ (arguments.length differs)')
  f(1, [1, 2])
  f(1, [2, 1])
  f(1, [1, 2])
  t.is(calls.length, 6)
  t.deepEqual(f.memo.stats().size, 6)
})

test('sync: a throw is not cached, and the result equals the plain call', (t) => {
  let n = 0
  const plain = (x: number) => {
    n++
    if (n === 1) throw new Error('first fails')
    return [x, x * 2]
  }
  const f = memoize(plain)
  t.throws(() => f(2), { message: 'first fails' })
  t.deepEqual(f(2), [2, 4])
  t.deepEqual(f(2), [2, 4])
  t.is(n, 2)
})

test('results the Memo cannot store are returned, not cached', (t) => {
  let n = 0
  const f = memoize(
    () => {
      n++
      return () => n
    },
    { onUnstorable: 'ignore' }, // the warning itself: memoize-unstorable.spec.ts
  )
  t.is(typeof f(), 'function')
  f()
  t.is(n, 2)
})

test('async: concurrent callers share one in-flight Promise', async (t) => {
  let calls = 0
  const f = memoize(async (x: number) => {
    calls++
    await sleep(20)
    return { x }
  })
  const [a, b, c] = [f(1), f(1), f(2)]
  t.is(a, b)
  t.deepEqual(await Promise.all([a, b, c]), [{ x: 1 }, { x: 1 }, { x: 2 }])
  t.is(calls, 2)
  const again = f(1)
  t.true(again instanceof Promise)
  t.deepEqual(await again, { x: 1 })
  t.is(calls, 2)
})

test('async: a rejection is not cached', async (t) => {
  let calls = 0
  const f = memoize(async (x: number) => {
    calls++
    await sleep(5)
    if (calls === 1) throw new Error('boom')
    return x * 10
  })
  const [a, b] = [f(3), f(3)]
  await t.throwsAsync(a, { message: 'boom' })
  await t.throwsAsync(b, { message: 'boom' })
  t.is(calls, 1, 'concurrent callers shared the failing call')
  t.is(await f(3), 30)
  t.is(calls, 2)
  t.is(await f(3), 30)
  t.is(calls, 2)
})

test('custom key resolver and a given memo', async (t) => {
  const memo = new Memo({ maxEntries: 100 })
  let calls = 0
  const f = memoize(
    (user: { id: number; name: string }) => {
      calls++
      return user.name.toUpperCase()
    },
    { memo, key: (u) => u.id },
  )
  t.is(f({ id: 1, name: 'ann' }), 'ANN')
  t.is(f({ id: 1, name: 'other' }), 'ANN')
  t.is(calls, 1)
  t.is(memo.get(1), 'ANN')
  t.is(f.memo, memo)
  t.throws(() => memoize(f, { key: 5 as never }), { code: 'ERR_INVALID_ARG_TYPE' } as never)
  t.throws(() => memoize(5 as never), { code: 'ERR_INVALID_ARG_TYPE' } as never)
  t.throws(() => memoize(f, { memo: {} as never }), { code: 'ERR_INVALID_ARG_TYPE' } as never)
})

test('ttl applies to memoized results', async (t) => {
  let calls = 0
  const f = memoize((x: number) => ++calls + x, { ttl: 200 })
  t.is(f(0), 1)
  t.is(f(0), 1)
  await sleep(300)
  t.is(f(0), 2)
})

test('undefined results are cached too', (t) => {
  let calls = 0
  const f = memoize(() => {
    calls++
    return undefined
  })
  f()
  f()
  t.is(calls, 1)
})

test('unsupported arguments with the default key throw TypeError', (t) => {
  const f = memoize((g: () => number) => g())
  t.throws(() => f(() => 1), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /arguments\[0\]/ } as never)
})

test('memoize refuses a class constructor up front with a coded TypeError', (t) => {
  class K {}
  const err = t.throws(() => memoize(K as never))
  t.true(err instanceof TypeError)
  t.is((err as NodeJS.ErrnoException).code, 'ERR_INVALID_ARG_TYPE')
  t.regex(err!.message, /"fn"/)
  const keyErr = t.throws(() => memoize((x: number) => x, { key: K as never }))
  t.is((keyErr as NodeJS.ErrnoException).code, 'ERR_INVALID_ARG_TYPE')
  t.regex(keyErr!.message, /"options.key"/)
})
