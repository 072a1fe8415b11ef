// The worker engine's API: spawn / parallel / parallelMap of any JS
// function, engine choice (auto/native/worker, h.engine), errors thrown in
// the function, async functions, cancel of queued tasks, 100k tasks.

import test from 'ava'

import { AbortError, TaskHandle, parallel, parallelMap, spawn, taskSignal } from '../index.js'

const onWorker = { engine: 'worker' } as const

test('spawn runs a non-kernel function on a worker', async (t) => {
  const h = spawn((s: string, n: number) => s.repeat(n).toUpperCase(), ['ab', 3])
  t.true(h instanceof TaskHandle)
  t.is(h.engine, 'worker')
  t.is(await h, 'ABABAB')
  t.is(h.status, 'done')
})

test('spawn of a kernel with numbers stays native; engine: worker forces workers', async (t) => {
  const kernel = (a: number, b: number) => a * b + 1
  const native = spawn(kernel, [6, 7])
  t.is(native.engine, 'native')
  t.is(await native, 43)
  const worker = spawn(kernel, [6, 7], onWorker)
  t.is(worker.engine, 'worker')
  t.is(await worker, 43)
})

test("engine: 'native' insists on the JIT and fails with the kernel error", async (t) => {
  const err = await t.throwsAsync(spawn((x: number) => x.toFixed(1), [1], { engine: 'native' } as any))
  t.is((err as any).code, 'ERR_UNSUPPORTED_KERNEL')
  const err2 = await t.throwsAsync(parallelMap(new Float64Array(4), (x: number) => String(x) as any, { engine: 'native' } as any))
  t.is((err2 as any).code, 'ERR_UNSUPPORTED_KERNEL')
})

test('a bad engine option rejects with ERR_INVALID_ARG_VALUE', async (t) => {
  const err = await t.throwsAsync(spawn(() => 1, [], { engine: 'gpu' } as any))
  t.is((err as any).code, 'ERR_INVALID_ARG_VALUE')
  t.true(err instanceof TypeError)
  t.regex(err!.message, /options\.engine/)
  t.throws(() => parallel(() => 1, { engine: 1 } as any), { code: 'ERR_INVALID_ARG_VALUE' })
})

test('parallelMap over objects returns what .map returns, in order', async (t) => {
  const items = Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `n${i}`, tags: [i % 3, i % 5] }))
  const fn = (r: { id: number; name: string; tags: number[] }, i: number) => ({ key: `${r.name}:${i}`, sum: r.tags[0] + r.tags[1] + r.id })
  const h = parallelMap(items, fn)
  t.is(h.engine, 'worker')
  t.deepEqual(await h, items.map(fn))
})

test('parallelMap sends chunks: chunkSize sets the part size, the result is still in order', async (t) => {
  const items = Array.from({ length: 1001 }, (_, i) => `s${i}`)
  for (const chunkSize of [1, 7, 1000, 5000]) {
    t.deepEqual(await parallelMap(items, (s: string, i: number) => s + '/' + i, { chunkSize }), items.map((s, i) => s + '/' + i))
  }
  t.deepEqual(await parallelMap([], (x: unknown) => x, onWorker), [])
})

test('parallelMap of a kernel over numbers stays native; strings go to workers', async (t) => {
  const h = parallelMap(new Float64Array([1, 2, 3]), (x: number) => x * 2)
  t.is(h.engine, 'native')
  t.deepEqual(Array.from(await h), [2, 4, 6])
  const s = parallelMap(['a', 'bb'], (x: string) => x.length)
  t.is(s.engine, 'worker')
  t.deepEqual(await s, [1, 2])
  // A non-kernel over numbers: workers, an array of whatever it returns.
  t.deepEqual(await parallelMap([1.5, 2.25], (x: number) => x.toFixed(1)), ['1.5', '2.3'])
})

test('parallel(fn) returns a function whose calls return TaskHandles', async (t) => {
  const greet = parallel((name: string, punct: string) => `hello ${name}${punct}`)
  const hs = ['a', 'b', 'c'].map((n) => greet(n, '!'))
  for (const h of hs) {
    t.true(h instanceof TaskHandle)
    t.is(h.engine, 'worker')
  }
  t.deepEqual(await Promise.all(hs), ['hello a!', 'hello b!', 'hello c!'])
  // A kernel under auto: numeric calls run natively, others on workers.
  const add = parallel((a: number, b: number) => a + b)
  const n = add(1, 2)
  t.is(n.engine, 'native')
  t.is(await n, 3)
  const w = (add as any)('x', 'y')
  t.is(w.engine, 'worker')
  t.is(await w, 'xy')
})

test('errors thrown in the function reject with the same name, message, code and stack', async (t) => {
  const err = await t.throwsAsync(
    spawn(() => {
      const e = new RangeError('too far') as RangeError & { code: string; detail: unknown }
      e.code = 'ERR_TOO_FAR'
      e.detail = { n: 1 }
      throw e
    }, []),
  )
  t.true(err instanceof RangeError)
  t.is(err!.message, 'too far')
  t.is((err as any).code, 'ERR_TOO_FAR')
  t.deepEqual((err as any).detail, { n: 1 })
  t.regex(err!.stack!, /RangeError: too far/)

  const custom = await t.throwsAsync(
    spawn(() => {
      class ParseError extends Error {
        constructor(m: string) {
          super(m)
          this.name = 'ParseError'
        }
      }
      throw new ParseError('bad token')
    }, []),
  )
  t.true(custom instanceof Error)
  t.is(custom!.name, 'ParseError')
  t.is(custom!.message, 'bad token')

  const withCause = await t.throwsAsync(spawn(() => {
    throw new Error('outer', { cause: new TypeError('inner') })
  }, []))
  t.true((withCause as any).cause instanceof TypeError)
  t.is((withCause as any).cause.message, 'inner')

  // A thrown non-Error value rejects with (a clone of) that value.
  const thrown = await spawn(() => {
    throw { reason: 'plain', n: 2 }
  }, []).catch((e: unknown) => e)
  t.deepEqual(thrown, { reason: 'plain', n: 2 })
  t.is(await spawn(() => Promise.reject('str'), []).catch((e: unknown) => e), 'str')
})

test('async functions are awaited on the worker', async (t) => {
  const h = spawn(async (x: number) => {
    await new Promise((r) => setTimeout(r, 5))
    return x * 2
  }, [21])
  t.is(await h, 42)
  const all = await parallelMap([1, 2, 3, 4], async (x: number) => {
    await Promise.resolve()
    return x + 0.5
  })
  t.deepEqual(all, [1.5, 2.5, 3.5, 4.5])
  const err = await t.throwsAsync(spawn(async () => {
    await null
    throw new TypeError('async boom')
  }, []))
  t.true(err instanceof TypeError)
  t.is(err!.message, 'async boom')
})

test('a queued worker task can be cancelled before it runs', async (t) => {
  const h = spawn((x: string) => x + '!', ['q'])
  t.is(h.status, 'queued')
  t.true(h.cancel('no longer needed'))
  const err = await t.throwsAsync(h)
  t.true(err instanceof AbortError)
  t.is((err as any).cause, 'no longer needed')
  t.is(h.status, 'cancelled')
  // The engine keeps working.
  t.is(await spawn((x: string) => x + '?', ['q']), 'q?')
})

test('an aborted signal before the call rejects without running', async (t) => {
  const ac = new AbortController()
  ac.abort('early')
  const err = await t.throwsAsync(spawn(() => 1, [], { signal: ac.signal, engine: 'worker' }))
  t.is(err!.name, 'AbortError')
})

test('100k worker tasks all settle with their values', async (t) => {
  const f = parallel((i: number, s: string) => s + i)
  const n = 100_000
  const hs = new Array(n)
  for (let i = 0; i < n; i++) hs[i] = f(i, 'v')
  const out = await Promise.all(hs)
  t.is(out.length, n)
  let bad = 0
  for (let i = 0; i < n; i++) if (out[i] !== 'v' + i) bad++
  t.is(bad, 0)
})

test('arguments that cannot be cloned reject that task only, with a DataCloneError', async (t) => {
  const good = spawn((x: number) => x + 1, [1], onWorker)
  const bad = spawn((x: unknown) => x, [() => 1], onWorker)
  // A DOMException, as structuredClone throws (ava's throwsAsync wants a native Error).
  const err = (await bad.catch((e: unknown) => e)) as DOMException
  t.true(err instanceof DOMException)
  t.is(err.name, 'DataCloneError')
  t.is(await good, 2)
  // A result that cannot be cloned: likewise.
  const res = (await spawn(() => Symbol('s'), [], onWorker).catch((e: unknown) => e)) as DOMException
  t.is(res.name, 'DataCloneError')
})

// An async function parked on a promise only (its worker in Atomics.waitAsync,
// which keeps no event loop alive): the worker keeps its port ref'd while async
// tasks are in flight, so it neither exits nor sleeps through the cancel.
test('taskSignal() inside a worker function aborts on cancel', async (t) => {
  const state = new Int32Array(new SharedArrayBuffer(4))
  const fn = async (s: Int32Array) => {
    const signal = require('../index.js').taskSignal() as AbortSignal
    Atomics.store(s, 0, 1) // started
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
    Atomics.store(s, 0, signal.aborted ? 2 : 3)
    return 'stopped'
  }
  const h = spawn(fn as any, [state], onWorker)
  const until = async (v: number) => {
    const deadline = Date.now() + 20_000
    while (Atomics.load(state, 0) !== v && Date.now() < deadline) await new Promise((r) => setImmediate(r))
  }
  await until(1)
  t.is(Atomics.load(state, 0), 1)
  t.true(h.cancel('stop'))
  await t.throwsAsync(h, { instanceOf: AbortError })
  await until(2)
  t.is(Atomics.load(state, 0), 2, 'the function saw its signal abort')
})

test('a parameter past the arguments keeps its default (nothing extra is passed); taskSignal() is undefined off the workers', async (t) => {
  t.is(await spawn((a: number, b = 2) => a + b, [1], onWorker), 3)
  t.is(await spawn((...xs: unknown[]) => xs.length, [1, 2], onWorker), 2)
  t.deepEqual(await parallelMap([1, 2], (x: number, i: number, extra?: unknown) => [x, i, extra === undefined], onWorker), [
    [1, 0, true],
    [2, 1, true],
  ])
  t.true(await spawn(() => require('../index.js').taskSignal() instanceof AbortSignal, [], onWorker))
  t.is(taskSignal(), undefined)
})

test('onProgress counts the items of a worker parallelMap, ending at (total, total)', async (t) => {
  const seen: Array<[number, number]> = []
  const items = Array.from({ length: 2000 }, (_, i) => i)
  const out = await parallelMap(items, (x: number) => x.toString(16), {
    chunkSize: 100,
    onProgress: (done: number, total: number) => seen.push([done, total]),
  } as any)
  t.deepEqual(out, items.map((x) => x.toString(16)))
  t.true(seen.length >= 1)
  t.deepEqual(seen.at(-1), [2000, 2000])
  for (let i = 0; i < seen.length; i++) {
    t.is(seen[i][1], 2000)
    if (i > 0) t.true(seen[i][0] >= seen[i - 1][0], 'never goes back')
  }
})
