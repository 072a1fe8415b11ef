// parallelMap / parallelMapSync inputs and outputs: `out`, SharedArrayBuffer
// inputs read in place, aliasing, detaching. References are plain JS loops
// storing into a typed array of the same kind (Object.is, element by element).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import test from 'ava'

import { parallelMap, parallelMapSync } from '../index.js'

type Kernel = (x: number, i: number) => number
type OutCtor = Float64ArrayConstructor | Float32ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor
type OutArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array

const OUT_CTORS: OutCtor[] = [Float64Array, Float32Array, Int32Array, Uint32Array, Uint8Array]

/** A resizable ArrayBuffer (ES2024; the project's lib typings predate it). */
type Resizable = ArrayBuffer & { resize(byteLength: number): void }
const ResizableBuffer = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => Resizable

/** The JS loop: `f` over `xs`, stored into a new `Ctor` (the typed-array store conversion). */
function jsLoop(xs: ArrayLike<number>, f: Kernel, Ctor: OutCtor = Float64Array): OutArray {
  const out = new Ctor(xs.length)
  for (let i = 0; i < xs.length; i++) out[i] = f(xs[i], i)
  return out
}

/** Index of the first element that differs (Object.is), or -1; lengths must match. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i
  return -1
}

const values = (n: number) => Float64Array.from({ length: n }, (_, i) => (i % 7 === 3 ? -0 : (i - n / 2) * 0.731 + (i % 5) * 1e9))

function sharedF64(src: ArrayLike<number>): Float64Array {
  const v = new Float64Array(new SharedArrayBuffer(src.length * 8))
  v.set(src)
  return v
}

const f: Kernel = (x, i) => x * 2.5 + 1 - i

test('out of every output type: filled in place, returned as is, equal to the JS loop (sync and async)', async (t) => {
  const xs = values(50_000)
  for (const Ctor of OUT_CTORS) {
    const ref = jsLoop(xs, f, Ctor)
    const outSync = new Ctor(xs.length)
    t.is(parallelMapSync(xs, f, { out: outSync }), outSync, Ctor.name)
    t.is(firstDiff(outSync, ref), -1, `sync ${Ctor.name}`)
    const outAsync = new Ctor(xs.length).fill(7)
    t.is(await parallelMap(xs, f, { out: outAsync }), outAsync, Ctor.name)
    t.is(firstDiff(outAsync, ref), -1, `async ${Ctor.name}`)
    const sharedOut = new Ctor(new SharedArrayBuffer(xs.length * Ctor.BYTES_PER_ELEMENT) as unknown as ArrayBuffer)
    t.is(await parallelMap(xs, f, { out: sharedOut }), sharedOut, Ctor.name)
    t.is(firstDiff(sharedOut, ref), -1, `async shared ${Ctor.name}`)
    // A view at an offset into a bigger buffer: only its elements are written.
    const buf = new Ctor(xs.length + 8).fill(9)
    const view = buf.subarray(4, 4 + xs.length)
    t.is(parallelMapSync(xs, f, { out: view }), view)
    t.is(firstDiff(view, ref), -1, `offset view ${Ctor.name}`)
    t.deepEqual([...buf.subarray(0, 4), ...buf.subarray(4 + xs.length)], Array(8).fill(9))
    // `output` naming the same kind is accepted.
    const named = new Ctor(xs.length)
    const output = Ctor.name.replace('Array', '').toLowerCase() as 'float64'
    t.is<unknown, unknown>(await parallelMap(xs, f, { out: named as unknown as Float64Array, output }), named)
  }
})

test('results without out are unchanged: every output type, sync and async, equal to the JS loop', async (t) => {
  const xs = values(30_001)
  for (const Ctor of OUT_CTORS) {
    const output = Ctor.name.replace('Array', '').toLowerCase() as 'float64'
    const ref = jsLoop(xs, f, Ctor)
    const sync = parallelMapSync(xs, f, { output })
    t.is(sync.constructor, Ctor)
    t.is(firstDiff(sync, ref), -1, Ctor.name)
    const async = await parallelMap(xs, f, { output })
    t.is(async.constructor, Ctor)
    t.is(async.buffer.byteLength, xs.length * Ctor.BYTES_PER_ELEMENT)
    t.is(firstDiff(async, ref), -1, Ctor.name)
  }
})

test('a wrong out: coded errors naming options.out, nothing written', async (t) => {
  const xs = values(100)
  const kinds = 'a Float64Array, Float32Array, Int32Array, Uint32Array or Uint8Array'
  for (const bad of [new Int16Array(100), new Uint8ClampedArray(100), new BigInt64Array(100), new DataView(new ArrayBuffer(800)), Array(100).fill(0), 5, 'out', {}]) {
    const expected = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: `The "options.out" argument must be ${kinds}.` }
    t.throws(() => parallelMapSync(xs, f, { out: bad as Float64Array }), expected)
    await t.throwsAsync(parallelMap(xs, f, { out: bad as Float64Array }), expected)
  }
  for (const [out, name] of [[new Float64Array(99), 'a Float64Array'], [new Int32Array(101), 'an Int32Array'], [new Uint8Array(0), 'a Uint8Array']] as const) {
    const expected = {
      instanceOf: RangeError,
      code: 'ERR_INVALID_ARG_VALUE',
      message: `The "options.out" argument must have the input's length (100 elements). Received ${name} of length ${out.length}.`,
    }
    t.throws(() => parallelMapSync(xs, f, { out: out as Float64Array }), expected)
    await t.throwsAsync(parallelMap(xs, f, { out: out as Float64Array }), expected)
  }
  const mismatch = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: 'The "options.output" argument must match "options.out" (an Int32Array) or be left out.' }
  const int32 = new Int32Array(100)
  t.throws(() => parallelMapSync(xs, f, { out: int32 as unknown as Uint8Array, output: 'uint8' }), mismatch)
  await t.throwsAsync(parallelMap(xs, f, { out: int32 as unknown as Uint8Array, output: 'uint8' }), mismatch)
  t.true(int32.every((v) => v === 0))
  // Detached before the call.
  const detached = new Float64Array(100)
  structuredClone(detached.buffer, { transfer: [detached.buffer] })
  const gone = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: 'The "options.out" argument must not be a view of a detached ArrayBuffer.' }
  t.throws(() => parallelMapSync(xs, f, { out: detached }), gone)
  await t.throwsAsync(parallelMap(xs, f, { out: detached }), gone)
  // An empty input with an empty out is fine.
  const empty = new Float64Array(0)
  t.is(parallelMapSync(new Float64Array(0), f, { out: empty }), empty)
  t.is(await parallelMap(new Float64Array(0), f, { out: empty }), empty)
})

test('a plain out detached or shrunk while the async task runs: rejects, its results dropped', async (t) => {
  const xs = values(200_000)
  // A kernel with a loop, so the task is still running when JS detaches
  // `out` (JS detaches it before yielding: the task cannot have settled).
  const slow: Kernel = (x) => {
    let s = x
    for (let k = 0; k < 200; k++) s = s * 0.5 + 1
    return s
  }
  const changed = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: 'The "options.out" argument was detached or resized while the task ran; its results were dropped.' }
  const out = new Float64Array(xs.length)
  const handle = parallelMap(xs, slow, { out })
  const moved = structuredClone(out.buffer, { transfer: [out.buffer] })
  await t.throwsAsync(handle, changed)
  t.true(new Float64Array(moved).every((v) => v === 0), 'nothing was written into the moved memory')
  // A resizable buffer shrunk under a fixed-length view.
  const rab = new ResizableBuffer(xs.length * 8, { maxByteLength: xs.length * 8 })
  const view = new Float64Array(rab, 0, xs.length)
  const shrunk = parallelMap(xs, slow, { out: view })
  rab.resize(8)
  await t.throwsAsync(shrunk, changed)
  // Grown back before it settles: the view has its length again, so the results land.
  const rab2 = new ResizableBuffer(xs.length * 8, { maxByteLength: xs.length * 8 })
  const view2 = new Float64Array(rab2, 0, xs.length)
  const regrown = parallelMap(xs, slow, { out: view2 })
  rab2.resize(8)
  rab2.resize(xs.length * 8)
  t.is(await regrown, view2)
  t.is(firstDiff(view2, jsLoop(xs, slow)), -1)
})

test('a plain input is copied at an async call: mutating or detaching it meanwhile changes nothing', async (t) => {
  const xs = values(100_000)
  const ref = jsLoop(xs, f)
  const a = Float64Array.from(xs)
  const mutated = parallelMap(a, f)
  a.fill(123)
  t.is(firstDiff(await mutated, ref), -1)
  const b = Float64Array.from(xs)
  const detached = parallelMap(b, f)
  structuredClone(b.buffer, { transfer: [b.buffer] })
  t.is(firstDiff(await detached, ref), -1)
})

test('SharedArrayBuffer inputs and outputs, every combination, sync and async, equal the JS loop', async (t) => {
  const xs = values(123_457)
  const ref = jsLoop(xs, f)
  for (const input of [Float64Array.from(xs), sharedF64(xs), Float32Array.from(xs), (() => { const v = new Float32Array(new SharedArrayBuffer(xs.length * 4)); v.set(xs); return v })()]) {
    const r = input instanceof Float32Array ? jsLoop(input, f) : ref
    for (const out of [undefined, new Float64Array(xs.length), new Float64Array(new SharedArrayBuffer(xs.length * 8))]) {
      const got = await parallelMap(input, f, { out })
      if (out) t.is(got, out)
      t.is(firstDiff(got, r), -1, `async ${input.constructor.name} shared=${input.buffer instanceof SharedArrayBuffer} out=${out?.buffer.constructor.name}`)
      const copy = out ? new Float64Array(new (out.buffer.constructor as ArrayBufferConstructor)(xs.length * 8)) : undefined
      t.is(firstDiff(parallelMapSync(input, f, { out: copy }), r), -1, 'sync')
    }
  }
  // Several zipped columns, some shared and some not.
  const ys = Int32Array.from(xs, (x) => x | 0)
  const g = (x: number, y: number, i: number) => x - y * 0.5 + i
  const zipped = Float64Array.from(xs, (x, i) => g(x, ys[i], i))
  t.is(firstDiff(await parallelMap([sharedF64(xs), ys], g), zipped), -1)
  t.is(firstDiff(parallelMapSync([xs, sharedF64(ys)], g), zipped), -1)
})

test('out aliasing an input: results are as if the whole input were read first (in place, at an offset, zipped)', async (t) => {
  const n = 100_003
  const xs = values(n)
  const ref = jsLoop(xs, f)
  // Shifted reads: out is the input moved by one element, so a map in
  // index order that read its input in place would see its own results.
  const shiftRef = jsLoop(xs.subarray(1), f)
  const makers: Array<[string, (n: number) => Float64Array]> = [
    ['plain', (len) => new Float64Array(len)],
    ['shared', (len) => new Float64Array(new SharedArrayBuffer(len * 8))],
  ]
  for (const [kind, make] of makers) {
    for (const run of ['sync', 'async'] as const) {
      const map = (input: Float64Array | Float64Array[], k: Kernel | ((x: number, y: number, i: number) => number), out: Float64Array) =>
        run === 'sync' ? parallelMapSync(input, k as Kernel, { out }) : parallelMap(input, k as Kernel, { out })
      const same = make(n)
      same.set(xs)
      t.is(await map(same, f, same), same)
      t.is(firstDiff(same, ref), -1, `${kind} ${run} in place`)
      // out starts one element before the input in the same buffer.
      const buf = make(n + 1)
      buf.set(xs, 0)
      const input = buf.subarray(1, n)
      const out = buf.subarray(0, n - 1)
      await map(input, f, out)
      t.is(firstDiff(out, shiftRef), -1, `${kind} ${run} out before input`)
      // out starts one element after the input.
      const buf2 = make(n + 1)
      buf2.set(xs, 0)
      const input2 = buf2.subarray(0, n)
      const out2 = buf2.subarray(1, n + 1)
      await map(input2, f, out2)
      t.is(firstDiff(out2, ref), -1, `${kind} ${run} out after input`)
      // The second of two zipped columns is out.
      const a = make(n)
      a.set(xs)
      const b = make(n)
      b.set(xs)
      const g = (x: number, y: number, i: number) => x * 3 - y + i
      await map([a, b], g, b)
      t.is(firstDiff(b, Float64Array.from(xs, (x, i) => g(x, x, i))), -1, `${kind} ${run} zipped`)
    }
  }
  // An out of another kind over the input's memory.
  const shared = new SharedArrayBuffer(n * 8)
  const input = new Float64Array(shared)
  input.set(xs)
  const int32 = new Int32Array(shared, 0, n)
  await parallelMap(input, f, { out: int32 })
  t.is(firstDiff(int32, jsLoop(xs, f, Int32Array)), -1)
})

test('JS writing a shared input during an async task: each result is computed from the old or the new value', async (t) => {
  const n = 200_000
  const xs = sharedF64(values(n))
  const old = Float64Array.from(xs)
  const slow: Kernel = (x) => {
    let s = x
    for (let k = 0; k < 100; k++) s = s * 0.5 + 1
    return s
  }
  const handle = parallelMap(xs, slow)
  // The task reads the shared memory in place: these writes race with it.
  for (let i = 0; i < n; i++) xs[i] = -old[i]
  const got = await handle
  const before = jsLoop(old, slow)
  const after = jsLoop(xs, slow)
  let bad = -1
  for (let i = 0; i < n; i++) {
    if (!Object.is(got[i], before[i]) && !Object.is(got[i], after[i])) {
      bad = i
      break
    }
  }
  t.is(bad, -1)
  // Once it has settled, a new call sees the new values only.
  t.is(firstDiff(await parallelMap(xs, slow), after), -1)
})

test('concurrent calls, each with its own out (plain, shared, or none), all equal the JS loop', async (t) => {
  const n = 60_000
  const inputs = Array.from({ length: 12 }, (_, k) => (k % 2 ? sharedF64(values(n).map((x) => x + k)) : values(n).map((x) => x - k)))
  const outs = inputs.map((_, k) => (k % 3 === 0 ? undefined : k % 3 === 1 ? new Float64Array(n) : new Float64Array(new SharedArrayBuffer(n * 8))))
  const results = await Promise.all(inputs.map((xs, k) => parallelMap(xs, f, { out: outs[k], chunkSize: 1000 + k })))
  results.forEach((r, k) => {
    if (outs[k]) t.is(r, outs[k])
    t.is(firstDiff(r, jsLoop(inputs[k], f)), -1, `call ${k}`)
  })
  // Many calls writing disjoint parts of one shared out.
  const shared = new Float64Array(new SharedArrayBuffer(n * 8))
  const xs = values(n)
  const parts = 6
  await Promise.all(
    Array.from({ length: parts }, (_, p) => {
      const lo = (p * n) / parts
      const hi = ((p + 1) * n) / parts
      return parallelMap(xs.subarray(lo, hi), (x) => x * 2.5 + 1, { out: shared.subarray(lo, hi) })
    }),
  )
  t.is(firstDiff(shared, jsLoop(xs, (x) => x * 2.5 + 1)), -1)
})

test('a cancelled or timed-out task with a shared out: rejects, and later calls work', async (t) => {
  const n = 400_000
  const xs = sharedF64(values(n))
  const out = new Float64Array(new SharedArrayBuffer(n * 8))
  const forever: Kernel = (x) => {
    let s = x
    while (s === s) s = s + 1
    return s
  }
  const handle = parallelMap(xs, forever, { out })
  handle.cancel()
  await t.throwsAsync(handle, { name: 'AbortError' })
  await t.throwsAsync(parallelMap(xs, forever, { out, timeout: 50 }), { code: 'ERR_TASK_TIMEOUT' })
  t.is(await parallelMap(xs, f, { out }), out)
  t.is(firstDiff(out, jsLoop(xs, f)), -1)
})

test('a huge shared input mapped in place into itself (16M doubles, 128 MB)', async (t) => {
  const n = 16 * 1024 * 1024
  const xs = new Float64Array(new SharedArrayBuffer(n * 8))
  for (let i = 0; i < n; i++) xs[i] = i
  t.is(await parallelMap(xs, (x, i) => x * 2.5 + 1 - i, { out: xs }), xs)
  let bad = -1
  for (let i = 0; i < n; i++) {
    if (xs[i] !== i * 1.5 + 1) {
      bad = i
      break
    }
  }
  t.is(bad, -1)
  t.is(parallelMapSync(xs, (x) => (x - 1) / 1.5, { out: xs }), xs)
  t.is(xs[n - 1], n - 1)
})

test('the typings: out decides the result type; a hash op refuses out', async (t) => {
  const xs = values(10)
  // Compile-time checks (tsc --noEmit): the result is typed as `out`'s kind.
  const i32: Int32Array = parallelMapSync(xs, f, { out: new Int32Array(10) })
  const u8: Uint8Array = await parallelMap(xs, f, { out: new Uint8Array(10), timeout: 10_000 })
  t.is(firstDiff(i32, jsLoop(xs, f, Int32Array)), -1)
  t.is(firstDiff(u8, jsLoop(xs, f, Uint8Array)), -1)
  const refused = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: "The \"options.out\" argument is not supported by the hash op 'crc32' (it returns a new array)." }
  // The hash overloads take no options: call through an untyped view.
  const untyped = <F>(fn: F) => fn as unknown as (...args: unknown[]) => F extends (...a: never[]) => infer R ? R : never
  t.throws(() => untyped(parallelMapSync)(['a'], 'crc32', { out: new Uint32Array(1) }), refused)
  await t.throwsAsync(() => untyped(parallelMap)(['a'], 'crc32', { out: new Uint32Array(1) }) as Promise<unknown>, refused)
})

test('memory only a running job holds survives GC, and is released once it settles (child process, --expose-gc)', (t) => {
  const started = Date.now()
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(new URL('./fixtures/map-shared-gc.cjs', import.meta.url))], { encoding: 'utf8', timeout: 120_000 })
  const elapsed = Date.now() - started
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr + r.stdout)
  t.true(elapsed < 120_000, `took ${elapsed} ms`)
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}')
  t.deepEqual(out, { fresh: true, sharedOut: true, plainOut: true, releasedAfterSettle: true, releasedAfterCancel: true })
})

test('an async call with a big plain input returns while long kernels hold every pool thread (child process)', (t) => {
  const started = Date.now()
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('./fixtures/map-busy-pool.cjs', import.meta.url))], { encoding: 'utf8', timeout: 60_000 })
  const elapsed = Date.now() - started
  t.is(r.signal, null, `killed after ${elapsed} ms: the call waited for the pool`)
  t.is(r.status, 0, r.stderr)
  t.true(elapsed < 60_000, `took ${elapsed} ms`)
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}')
  t.is(out.aborted, true)
  t.is(out.ok, true)
  t.not(out.status, 'done')
})
