// parallelMap / parallelMapSync / spawn: inputs, options, outputs, cancellation.
// References are plain JS loops.
import test from 'ava'

import { AbortError, parallelMap, parallelMapSync, poolStats, spawn } from '../index.js'

const jsMap = (xs: ArrayLike<number>, f: (x: number, i: number) => number) => Float64Array.from(xs, (x, i) => f(x, i))

test('maps a Float64Array and a number[]', async (t) => {
  const xs = Float64Array.from({ length: 10_000 }, (_, i) => i * 0.5 - 100)
  const f = (x: number, i: number) => x * 2.5 + i
  t.deepEqual(await parallelMap(xs, f), jsMap(xs, f))
  t.deepEqual(await parallelMap([...xs], f), jsMap(xs, f))
  t.deepEqual(parallelMapSync(xs, f), jsMap(xs, f))
})

test('accepts every numeric typed array as input', async (t) => {
  const src = [-3, -1, 0, 1, 2, 200, 70000, 3e9]
  const f = (x: number) => x + 0.5
  for (const Ctor of [Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray]) {
    const xs = Ctor.from(src)
    t.deepEqual(await parallelMap(xs, f), jsMap(xs, f), Ctor.name)
  }
  await t.throwsAsync(parallelMap(new BigInt64Array(2) as unknown as Float64Array, f), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('zips several equal-length inputs as (x, y, …, i)', async (t) => {
  const xs = Float64Array.from({ length: 5000 }, (_, i) => i)
  const ys = Int32Array.from({ length: 5000 }, (_, i) => -i * 3)
  const zs = [...xs].map((x) => x / 7)
  const out = await parallelMap([xs, ys, zs], (x, y, z, i) => x * y + z - i)
  t.deepEqual(out, Float64Array.from(xs, (x, i) => x * ys[i] + zs[i] - i))
  await t.throwsAsync(parallelMap([xs, new Float64Array(3)], (x, y) => x + y), { code: 'ERR_INVALID_ARG_VALUE' })
})

test('params are named constants', async (t) => {
  const out = await parallelMap([1, 2, 3], (x) => x * scale + shift, { params: { scale: 10, shift: -1 } })
  t.deepEqual([...out], [9, 19, 29])
  await t.throwsAsync(parallelMap([1], (x) => x, { params: { scale: 'big' as unknown as number } }), { code: 'ERR_INVALID_ARG_TYPE' })
})
declare const scale: number
declare const shift: number

test('output types', async (t) => {
  const xs = [1.7, -1.7, 2 ** 32 + 5, 300, NaN]
  t.deepEqual(await parallelMap(xs, (x) => x, { output: 'int32' }), Int32Array.from(xs))
  t.deepEqual(await parallelMap(xs, (x) => x, { output: 'uint32' }), Uint32Array.from(xs))
  t.deepEqual(await parallelMap(xs, (x) => x, { output: 'uint8' }), Uint8Array.from(xs))
  t.deepEqual(await parallelMap(xs, (x) => x, { output: 'float32' }), Float32Array.from(xs))
  await t.throwsAsync(parallelMap(xs, (x) => x, { output: 'int64' as 'int32' }), { code: 'ERR_INVALID_ARG_VALUE' })
})

test('built-in ops by name', async (t) => {
  const xs = Float64Array.from({ length: 1000 }, (_, i) => i * 0.37 - 50)
  for (const op of ['sqrt', 'abs', 'exp', 'log', 'sin', 'cos', 'tanh', 'round', 'cbrt'] as const) {
    const f = (Math as unknown as Record<string, (x: number) => number>)[op]
    t.deepEqual(await parallelMap(xs, op), jsMap(xs, (x) => f(x)), op)
  }
  await t.throwsAsync(parallelMap(xs, 'nope' as 'sqrt'), { code: 'ERR_INVALID_ARG_VALUE' })
})

test('booleans returned by a kernel are 1 and 0', async (t) => {
  t.deepEqual([...(await parallelMap([-1, 0, 2, NaN], (x) => x > 0))], [0, 0, 1, 0])
})

test('empty input gives an empty output', async (t) => {
  t.is((await parallelMap(new Float64Array(0), (x) => x)).length, 0)
  t.is(parallelMapSync([], (x) => x).length, 0)
})

test('the input is copied: mutating or transferring it during the task is safe', async (t) => {
  const xs = Float64Array.from({ length: 200_000 }, (_, i) => i)
  const task = parallelMap(xs, (x) => x * 2)
  xs.fill(-1)
  structuredClone(xs.buffer, { transfer: [xs.buffer] }) // detaches it
  t.is(xs.length, 0)
  const out = await task
  t.is(out[199_999], 399_998)
})

test('sync and async agree', async (t) => {
  const xs = Float64Array.from({ length: 50_000 }, (_, i) => Math.sin(i) * 1e3)
  const f = (x: number, i: number) => (x % 7) + Math.hypot(x, i) - (x | 0)
  t.deepEqual(parallelMapSync(xs, f), await parallelMap(xs, f))
})

test('a running map can be cancelled and rejects with an AbortError', async (t) => {
  const xs = new Float64Array(2_000_000).fill(30)
  const slow = (x: number) => {
    let s = 0
    for (let k = 0; k < x * 100; k++) s += Math.sqrt(k)
    return s
  }
  const ac = new AbortController()
  const task = parallelMap(xs, slow, { signal: ac.signal, chunkSize: 4096 })
  // Abort while it really runs (the pool may be busy with other test files).
  for (let k = 0; k < 1000 && task.status === 'queued'; k++) await new Promise((r) => setTimeout(r, 5))
  t.is(task.status, 'running')
  ac.abort('enough')
  const err = await t.throwsAsync(task)
  t.true(err instanceof AbortError)
  t.is(err?.cause, 'enough')
  t.is(task.status, 'cancelled')
})

test('spawn runs one kernel call', async (t) => {
  t.is(await spawn((a, b) => a * b + 1, [6, 7]), 43)
  t.is(await spawn(function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2) }, [20]), 6765)
  // A missing argument is `undefined` (not a number: Number.isNaN is false), as in JS.
  t.is(await spawn((a, b) => (b === undefined ? -a : a + b), [5]), -5)
  t.is(await spawn((a, b) => (Number.isNaN(b) ? -a : a + b), [5]), NaN)
  t.is(await spawn((x) => x * k, [2], { params: { k: 21 } }), 42)
  // The result is the JS value itself.
  t.is(await spawn<boolean>(() => Math.PI > 3), true)
  t.is(await spawn<undefined>((a) => { if (a > 0) return 1 }, [-1]), undefined)
})
declare const k: number

test('spawn with a long loop is cancelled at a loop back-edge', async (t) => {
  const forever = (n: number) => {
    let s = 0
    for (let i = 0; i < n; i++) s += Math.sqrt(i) % 3
    return s
  }
  const before = poolStats().cancelled
  const task = spawn(forever, [1e18])
  // Wait for the pool to start it (other tests' tasks may be ahead of it).
  while (task.status === 'queued') await new Promise((r) => setImmediate(r))
  t.is(task.status, 'running')
  t.true(task.cancel('stop'))
  await t.throwsAsync(task, { instanceOf: AbortError })
  // The pool thread is free again: a new task completes.
  t.is(await spawn((x) => x + 1, [1]), 2)
  t.true(poolStats().cancelled > before)
})

test('spawn with a timeout stops an endless loop', async (t) => {
  const endless = () => {
    let i = 0
    while (true) i++
  }
  await t.throwsAsync(spawn(endless, [], { timeout: 50 }), { code: 'ERR_TASK_TIMEOUT' })
})

test('bad arguments reject the handle', async (t) => {
  await t.throwsAsync(parallelMap('abc' as unknown as number[], (x) => x), { code: 'ERR_INVALID_ARG_TYPE' })
  await t.throwsAsync(parallelMap([1], 42 as unknown as 'sqrt'), { code: 'ERR_INVALID_ARG_TYPE' })
  await t.throwsAsync(parallelMap([1], (x) => x, { chunkSize: 0 }), { code: 'ERR_OUT_OF_RANGE' })
  // Under engine 'auto' a string argument sends a function to the workers; the JIT refuses it.
  await t.throwsAsync(spawn((x) => x, ['a' as unknown as number], { engine: 'native' }), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('the hash ops still route through parallelMap', async (t) => {
  const out = await parallelMap(['a', 'b'], 'crc32')
  t.true(out instanceof Uint32Array)
  t.is(out.length, 2)
})

test('kernels run from worker_threads too (the compiled-kernel cache is process-wide)', async (t) => {
  const { Worker } = await import('node:worker_threads')
  const { fileURLToPath } = await import('node:url')
  const index = fileURLToPath(new URL('../index.js', import.meta.url))
  const code = `
    const { parentPort } = require('node:worker_threads')
    const { parallelMap } = require(${JSON.stringify(index)})
    parallelMap(Float64Array.from([1, 2, 3]), (x, i) => x * 10 + i).then((out) => parentPort.postMessage([...out]))
  `
  const results = await Promise.all(
    [0, 1, 2].map(
      () =>
        new Promise<number[]>((resolve, reject) => {
          const w = new Worker(code, { eval: true })
          w.once('message', (m) => {
            resolve(m)
            void w.terminate()
          })
          w.once('error', reject)
        }),
    ),
  )
  for (const r of results) t.deepEqual(r, [10, 21, 32])
  t.deepEqual([...(await parallelMap([1, 2, 3], (x, i) => x * 10 + i))], [10, 21, 32])
})

test('a number[] input with an element that cannot become a number is a coded TypeError', async (t) => {
  for (const bad of [[1, Symbol('s')], [1, 2n], [Object.create(null)]]) {
    const err = t.throws(() => parallelMapSync(bad as never, (x: number) => x))
    t.is((err as NodeJS.ErrnoException).code, 'ERR_INVALID_ARG_TYPE')
    const rejected = await t.throwsAsync(parallelMap(bad as never, (x: number) => x, { engine: 'native' }))
    t.is((rejected as NodeJS.ErrnoException).code, 'ERR_INVALID_ARG_TYPE')
  }
})
