// The worker engine's transport: structured-clone semantics (checked
// against structuredClone), SharedArrayBuffer views shared (zero-copy),
// `transfer` and `move()` handing buffers over, both ways.

import test from 'ava'

import { Pool, move, parallel, parallelMap, spawn } from '../index.js'

const onWorker = { engine: 'worker' } as const

/** What goes to a worker and back through the identity function. */
function roundTrip<T>(value: T): Promise<T> {
  return spawn((v: T) => v, [value], onWorker) as unknown as Promise<T>
}

/**
 * Waits (without blocking the event loop) until task `a` signals on
 * `gate[1]` that it runs, cancels it, checks it rejects with an AbortError,
 * then lets it go on (`gate[0]`): it finishes after its handle settled.
 */
async function cancelWhileRunning(t: import('ava').ExecutionContext, a: { cancel(): boolean } & PromiseLike<unknown>, gate: Int32Array) {
  while (Atomics.load(gate, 1) === 0) await (Atomics as any).waitAsync(gate, 1, 0).value
  t.true(a.cancel())
  await t.throwsAsync(Promise.resolve(a), { name: 'AbortError' })
  Atomics.store(gate, 0, 1)
  Atomics.notify(gate, 0)
}

test('arguments and results have structured-clone semantics', async (t) => {
  const shared = new ArrayBuffer(8)
  const cyclic: Record<string, unknown> = { name: 'loop' }
  cyclic.self = cyclic
  const values: unknown[] = [
    undefined,
    null,
    -0,
    NaN,
    2n ** 70n,
    'ünïcode ✓',
    [1, , 3],
    { nested: { deep: [new Date(0), /re+/gi] } },
    new Map<unknown, unknown>([
      [1, 'a'],
      ['k', { v: new Set([1, 2]) }],
    ]),
    new Uint16Array([1, 2, 65535]),
    new Float64Array(new ArrayBuffer(32), 8, 2),
    Buffer.from('bytes'),
    new DataView(new ArrayBuffer(4), 1, 2),
    [new Uint8Array(shared), new Uint32Array(shared, 4, 1)],
    new Error('an error value', { cause: 'why' }),
    new TypeError('typed'),
    new Number(3),
    new String('boxed'),
    cyclic,
    { __proto__: { inherited: 1 }, own: 2 },
  ]
  for (const value of values) {
    const got = await roundTrip(value)
    t.deepEqual(got, structuredClone(value))
  }
  const [a, b] = (await roundTrip([new Uint8Array(shared), new Uint32Array(shared, 4, 1)])) as [Uint8Array, Uint32Array]
  t.is(a.buffer, b.buffer, 'two views of one buffer still share it')
  t.is(a.buffer.byteLength, 8)
  const got = (await roundTrip(cyclic)) as typeof cyclic
  t.is(got.self, got, 'cycles are kept')
  const buf = (await roundTrip(Buffer.from('hi'))) as Uint8Array
  t.is(Object.getPrototypeOf(buf), Uint8Array.prototype, 'a Buffer comes back as a Uint8Array, as with postMessage')
})

test('a function or symbol argument is a DataCloneError, as structuredClone throws', async (t) => {
  for (const v of [() => 1, Symbol('x'), { f() {} }]) {
    let expected: unknown
    try {
      structuredClone(v)
    } catch (e) {
      expected = e
    }
    const err = (await roundTrip(v).catch((e: unknown) => e)) as Error
    t.is(err.name, (expected as Error).name)
    t.is(Object.getPrototypeOf(err), Object.getPrototypeOf(expected))
  }
})

test('typed arrays over a SharedArrayBuffer are shared, not copied', async (t) => {
  const sab = new SharedArrayBuffer(16)
  const view = new Int32Array(sab)
  view[0] = 5
  const seen = await spawn(
    (v: Int32Array) => {
      const before = v[0]
      Atomics.store(v, 1, 42)
      return [before, v.buffer instanceof SharedArrayBuffer]
    },
    [view],
    onWorker,
  )
  t.deepEqual(seen, [5, true])
  t.is(Atomics.load(view, 1), 42, 'the worker wrote into the caller’s memory')
  // A bare SharedArrayBuffer argument arrives as the buffer itself.
  const bare = await spawn(
    (b: SharedArrayBuffer) => {
      new Int32Array(b)[2] = 7
      return b instanceof SharedArrayBuffer
    },
    [sab],
    onWorker,
  )
  t.true(bare)
  t.is(view[2], 7)
})

test('a SharedArrayBuffer view returned by a worker is shared with it', async (t) => {
  const got = (await spawn(
    () => {
      const v = new Int32Array(new SharedArrayBuffer(8))
      v[0] = 9
      return v
    },
    [],
    onWorker,
  )) as Int32Array
  t.true(got.buffer instanceof SharedArrayBuffer)
  t.is(got[0], 9)
})

test('transfer hands an ArrayBuffer over: the caller’s is detached, the worker gets the bytes', async (t) => {
  const bytes = new Uint8Array([1, 2, 3, 4])
  const h = spawn((b: Uint8Array) => b.reduce((s, x) => s + x, 0), [bytes], { transfer: [bytes.buffer] })
  // Detached when the call's batch is sent: at the end of this turn, before the caller's next await resumes.
  await null
  t.is(bytes.byteLength, 0, 'detached once sent')
  t.is(await h, 10)
  const ab = new Uint8Array([5, 6]).buffer
  const h2 = spawn((x: ArrayBuffer) => new Uint8Array(x)[1], [move(ab)])
  await null
  t.is(ab.byteLength, 0)
  t.is(await h2, 6)
})

test('a worker function can move() its result back', async (t) => {
  const got = (await spawn(
    () => {
      const { move: mv } = require('../index.js')
      const out = new Float64Array([1.5, 2.5])
      return mv(out)
    },
    [],
    onWorker,
  )) as unknown as Float64Array
  t.deepEqual(Array.from(got), [1.5, 2.5])
})

test('transfer of something that is not an ArrayBuffer is a TypeError', async (t) => {
  const err = await t.throwsAsync(spawn((x: unknown) => x, [1], { engine: 'worker', transfer: ['no'] as any }))
  t.is((err as any).code, 'ERR_INVALID_ARG_TYPE')
  t.throws(() => move(new SharedArrayBuffer(1) as any), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('parallelMap items and results are structured clones', async (t) => {
  const items = [new Map([[1, 2]]), new Set(['a']), new Date(5), { big: 1n }]
  t.deepEqual(await parallelMap(items, (x: unknown) => x), structuredClone(items))
})

test('a moved result of a task cancelled while it ran does not reach a later task (its buffers are skipped)', async (t) => {
  // One worker, a long cancel grace: task A blocks until released, is
  // cancelled while running, then returns a moved buffer nobody will read.
  // Task B's moved buffer must be B's own.
  const pool = new Pool({ workers: 1, cancelGrace: 60_000 })
  const opts = { engine: 'worker', pool } as const
  const gate = new Int32Array(new SharedArrayBuffer(8))
  const a = spawn(
    (g: Int32Array) => {
      const { move: mv } = require('../index.js')
      Atomics.store(g, 1, 1)
      Atomics.notify(g, 1)
      Atomics.wait(g, 0, 0)
      return mv(new Uint8Array([1, 1, 1]))
    },
    [gate],
    opts,
  )
  await cancelWhileRunning(t, a, gate)
  const b = (await spawn(
    () => {
      const { move: mv } = require('../index.js')
      return mv(new Uint8Array([2, 2]))
    },
    [],
    opts,
  )) as unknown as Uint8Array
  t.deepEqual(Array.from(b), [2, 2])
  // And a SharedArrayBuffer result after it still arrives intact.
  const c = (await spawn((g: Int32Array) => g, [gate], opts)) as unknown as Int32Array
  c[1] = 42
  t.is(Atomics.load(gate, 1), 42)
  pool.close()
})

test('batches that must go to one worker (transfers, shared memory) go to the one with the least to do', async (t) => {
  // Worker A runs a task that blocks; then four tasks with shared memory
  // are submitted in one turn. B (idle or spinning) gets the first; once B
  // has two to get through, A (one) gets the next: B two or three, A one or
  // two (which, depends on whether B took its first before the next pick).
  // Picking the idle worker every time would queue all four behind B.
  const pool = new Pool({ workers: 2, cancelGrace: 60_000 })
  const opts = { engine: 'worker', pool } as const
  const gate = new Int32Array(new SharedArrayBuffer(8))
  const blocker = (g: Int32Array) => {
    Atomics.add(g, 1, 1)
    Atomics.notify(g, 1)
    Atomics.wait(g, 0, 0)
    return require('node:worker_threads').threadId as number
  }
  const first = spawn(blocker, [gate], opts)
  while (Atomics.load(gate, 1) === 0) await (Atomics as any).waitAsync(gate, 1, 0).value
  const burst = [1, 2, 3, 4].map(() => spawn(blocker, [gate], opts))
  // Release every task once B has begun one of the burst (so that all were placed).
  while (Atomics.load(gate, 1) < 2) await (Atomics as any).waitAsync(gate, 1, 1).value
  Atomics.store(gate, 0, 1)
  Atomics.notify(gate, 0)
  const a = await first
  const ids = await Promise.all(burst)
  const where = ids.map((id) => (id === a ? 'A' : 'B'))
  t.is(where[0], 'B', where.join())
  const onA = where.filter((w) => w === 'A').length
  t.true(onA >= 1 && onA <= 2, where.join())
  await pool.close()
})

// Runs of results with 256 values or more (parallelMap parts, big arrays,
// mapStream chunks) travel by the worker's port as a postMessage, not
// through the v8.Serializer stream (lib/engine/codec.js encodeByPort): the
// same structured-clone semantics, checked here on that path.

/** A value of every kind structured clone keeps, for item `i` (self-contained: it runs on workers). */
function richValue(i: number): unknown {
  const cyclic: Record<string, unknown> = { i }
  cyclic.self = cyclic
  const kinds = [
    -0,
    NaN,
    2n ** 65n + BigInt(i),
    `ünïcode ${i} \ud800`,
    [i, , i + 1],
    new Date(i),
    /re+/gi,
    new Map<unknown, unknown>([[i, { s: new Set([i]) }]]),
    new Float64Array([i, i / 3]),
    new Uint8Array(new ArrayBuffer(8), 2, 3),
    new Error(`e${i}`, { cause: i }),
    cyclic,
    undefined,
    null,
    true,
  ]
  return kinds[i % kinds.length]
}

test('bulky results (parallelMap parts of 256+ items) have structured-clone semantics too', async (t) => {
  const items = Array.from({ length: 1200 }, (_, i) => i)
  // richValue is self-contained: it runs on the workers as it is.
  const got = (await parallelMap(items, richValue, { engine: 'worker', chunkSize: 400 })) as unknown[]
  const expected = structuredClone(items.map(richValue))
  t.is(got.length, expected.length)
  for (let i = 0; i < got.length; i++) t.deepEqual(got[i], expected[i], `item ${i}`)
  const c = got[11] as Record<string, unknown>
  t.is(c.self, c, 'a cycle is kept')
  // One task returning a big array of objects.
  const big = (await spawn((n: number) => Array.from({ length: n }, (_, i) => ({ i, s: `s${i}`, d: new Date(i) })), [1000], onWorker)) as unknown[]
  t.deepEqual(big, structuredClone(Array.from({ length: 1000 }, (_, i) => ({ i, s: `s${i}`, d: new Date(i) }))))
})

test('bulky results keep SharedArrayBuffers shared and move() buffers across', async (t) => {
  const sab = new SharedArrayBuffer(16)
  const got = (await spawn(
    (s: SharedArrayBuffer) => {
      const out: unknown[] = Array.from({ length: 300 }, (_, i) => i)
      out.push(new Int32Array(s), new Uint8Array([7, 8, 9]))
      return out
    },
    [sab],
    onWorker,
  )) as unknown[]
  t.is(got.length, 302)
  const shared = got[300] as Int32Array
  t.true(shared.buffer instanceof SharedArrayBuffer)
  shared[0] = 99
  t.is(new Int32Array(sab)[0], 99, 'the view is over the caller’s memory')
  t.deepEqual(Array.from(got[301] as Uint8Array), [7, 8, 9])
  // A mapStream chunk of bare SharedArrayBuffers: each arrives as the buffer itself.
  const { mapStream } = await import('../index.js')
  const buffers: unknown[] = []
  async function* source() {
    for (let i = 0; i < 600; i++) yield i
  }
  for await (const b of mapStream(source(), (i: number) => new SharedArrayBuffer(4 + (i % 4)), { engine: 'worker', chunkSize: 300 })) buffers.push(b)
  t.is(buffers.length, 600)
  t.true(buffers.every((b, i) => b instanceof SharedArrayBuffer && b.byteLength === 4 + (i % 4)))
  // A chunk of moved buffers: the post transfers them.
  const bytes: Uint8Array[] = []
  for await (const b of mapStream(
    source(),
    (i: number) => {
      const { move: mv } = require('../index.js')
      return mv(new Uint8Array([i & 255, i >> 8]))
    },
    { engine: 'worker', chunkSize: 300 },
  ))
    bytes.push(b as Uint8Array)
  t.is(bytes.length, 600)
  t.true(bytes.every((b, i) => b[0] === (i & 255) && b[1] === i >> 8 && b.byteLength === 2))
})

test('a bulky result that cannot be cloned fails its task with the DataCloneError, as a small one does', async (t) => {
  const bad = (i: number) => (i === 350 ? () => i : i)
  const small = (await parallelMap([349, 350, 351], bad, { engine: 'worker' }).then(
    () => t.fail('resolved'),
    (e: unknown) => e,
  )) as Error
  const bulky = (await parallelMap(
    Array.from({ length: 600 }, (_, i) => i),
    bad,
    { engine: 'worker', chunkSize: 600 },
  ).then(
    () => t.fail('resolved'),
    (e: unknown) => e,
  )) as Error
  t.is(bulky.name, 'DataCloneError')
  t.is(bulky.name, small.name)
  t.is(Object.getPrototypeOf(bulky), Object.getPrototypeOf(small))
  // The worker goes on: the next bulky result arrives whole.
  const next = await parallelMap(
    Array.from({ length: 600 }, (_, i) => i),
    (i: number) => ({ i }),
    { engine: 'worker', chunkSize: 600 },
  )
  t.deepEqual(next, Array.from({ length: 600 }, (_, i) => ({ i })))
})

test('a bulky result of a task cancelled while it ran is skipped: a later task gets its own', async (t) => {
  const pool = new Pool({ workers: 1, cancelGrace: 60_000 })
  const opts = { engine: 'worker', pool } as const
  const gate = new Int32Array(new SharedArrayBuffer(8))
  const a = spawn(
    (g: Int32Array) => {
      Atomics.store(g, 1, 1)
      Atomics.notify(g, 1)
      Atomics.wait(g, 0, 0)
      return Array.from({ length: 500 }, () => ({ from: 'a' }))
    },
    [gate],
    opts,
  )
  await cancelWhileRunning(t, a, gate)
  const b = (await spawn(() => Array.from({ length: 500 }, (_, i) => ({ from: 'b', i })), [], opts)) as { from: string; i: number }[]
  t.is(b.length, 500)
  t.true(b.every((x, i) => x.from === 'b' && x.i === i))
  pool.close()
})

// Big array arguments of a batch whose values are all primitives or arrays
// of primitives reach the call as a copy, the decoded array emptied (so that
// a full collection is not needed to free them: lib/engine/worker.js
// `lendable`). None of that may be observable.

test('big array arguments: identity, holes, extra properties and context are kept as structured clone keeps them', async (t) => {
  const big = Array.from({ length: 500 }, (_, i) => `line ${i}`)
  // The same array twice in one call is one object after the trip.
  t.deepEqual(await spawn((a: string[], b: string[]) => [a === b, a.length, b.length], [big, big], onWorker), [true, 500, 500])
  // The same array in several calls of one batch (64 calls in one turn go
  // in batches of 2 or more): each sees all of it.
  const count = parallel((a: string[]) => a.length + a[a.length - 1].length, onWorker)
  t.deepEqual(await Promise.all(Array.from({ length: 64 }, () => count(big))), Array.from({ length: 64 }, () => 508))
  // Holes and extra properties travel.
  const holey = big.slice()
  delete holey[7]
  const extra = Object.assign(big.slice(), { note: 'kept' })
  t.deepEqual(await spawn((h: string[], e: string[] & { note: string }) => [7 in h, 8 in h, h.length, e.note, e.length], [holey, extra], onWorker), [false, true, 500, 'kept', 500])
  // A context value that is the argument too stays the same object.
  const lines = big
  const shared = await spawn((a: string[]) => a === lines && a.length, [big], { engine: 'worker', context: { lines } })
  t.is(shared, 500)
  // An array arg holding an object is passed as decoded: nested identity kept.
  const inner = { v: 1 }
  const withObject = [...big, inner]
  t.deepEqual(await spawn((a: unknown[], o: object) => [a[500] === o, a.length], [withObject, inner], onWorker), [true, 501])
  // An async function keeps its whole argument across awaits.
  const later = await spawn(
    async (a: string[]) => {
      await new Promise((r) => setTimeout(r, 5))
      return a.join('').length
    },
    [big],
    onWorker,
  )
  t.is(later, big.join('').length)
})

// A batch's serialized bytes count as external memory of their isolate
// until a collection frees them, and V8 starts a major collection at every
// 64 MB of it: on a thread that allocates little on the JS heap, big submits
// set one off every other run (100-150 ms on V8's helper threads). The
// submitting side's copy is detached at once instead (engineSubmit's
// `release`), so nothing is left behind by the flush.
test.serial('big batches leave no serialized bytes behind on the submitting thread', async (t) => {
  const pool = new Pool({ workers: 2 })
  const count = parallel((lines: string[]) => lines.length, { pool, engine: 'worker' })
  const chunks = Array.from({ length: 40 }, (_, k) => Array.from({ length: 5000 }, (_, i) => `line ${k}:${i} `.padEnd(200, '.')))
  t.deepEqual(await Promise.all(chunks.slice(0, 2).map((c) => count(c))), [5000, 5000])
  const before = process.memoryUsage().external
  const handles = chunks.map((c) => count(c))
  await Promise.resolve() // the flush: 40 calls, 40 MB serialized
  const grew = process.memoryUsage().external - before
  t.true(grew < 2 * 2 ** 20, `external memory grew ${(grew / 2 ** 20).toFixed(1)} MB over the flush`)
  t.deepEqual(await Promise.all(handles), chunks.map((c) => c.length))
  await pool.close()
})

test.serial('big results leave no serialized bytes behind on the thread they settle on', async (t) => {
  const pool = new Pool({ workers: 2 })
  const make = parallel((k: number) => `result ${k} `.padEnd(1 << 20, '.'), { pool, engine: 'worker' })
  await Promise.all([0, 1].map((k) => make(k)))
  const before = process.memoryUsage().external
  const results = await Promise.all(Array.from({ length: 40 }, (_, k) => make(k)))
  const grew = process.memoryUsage().external - before
  t.true(grew < 2 * 2 ** 20, `external memory grew ${(grew / 2 ** 20).toFixed(1)} MB over 40 MB of results`)
  results.forEach((r, k) => t.is(r, `result ${k} `.padEnd(1 << 20, '.')))
  await pool.close()
})
