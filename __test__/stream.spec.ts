import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

import test from 'ava'

import { pendingTaskCount } from '../binding.js'
import { lines, mapStream, splitStream } from '../index.js'

type Err = Error & { code?: string }

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

async function collect<T>(it: AsyncIterable<T>) {
  const out: T[] = []
  for await (const v of it) out.push(v)
  return out
}

/** A source that counts how many items were pulled, and whether it was returned. */
function counted(n: number) {
  const state = { pulled: 0, returned: false }
  async function* gen() {
    try {
      for (let i = 0; i < n; i++) {
        state.pulled++
        yield i
      }
    } finally {
      state.returned = true
    }
  }
  return { state, source: gen() }
}

const poly = (x: number) => x * x - 3 * x + 1

test('yields fn of each item, in source order by default (kernel, op, array, Readable.from)', async (t) => {
  const items = range(500)
  t.deepEqual(await collect(mapStream(items, poly)), items.map(poly))
  t.deepEqual(await collect(mapStream(items, 'sqrt', { concurrency: 3 })), items.map(Math.sqrt))
  t.deepEqual(await collect(mapStream(Readable.from(items), poly, { concurrency: 7 })), items.map(poly))
  // An op on array items maps each array.
  const arrays = [new Float64Array([1, 4]), new Float64Array([9])]
  const out = (await collect(mapStream(arrays, 'sqrt'))) as Float64Array[]
  t.deepEqual(out.map((a) => [...a]), [[1, 2], [3]])
})

test('ordered: false yields every result once, as tasks finish', async (t) => {
  const items = range(300)
  const out = (await collect(mapStream(items, poly, { ordered: false, concurrency: 16 }))) as number[]
  t.deepEqual(
    out.sort((a, b) => a - b),
    items.map(poly).sort((a, b) => a - b),
  )
})

test('backpressure: with a slow consumer the source is pulled at most `concurrency` items ahead', async (t) => {
  for (const concurrency of [1, 4, 9]) {
    const { state, source } = counted(60)
    let consumed = 0
    let worst = 0
    for await (const v of mapStream(source, poly, { concurrency })) {
      t.is(v, poly(consumed))
      consumed++
      worst = Math.max(worst, state.pulled - consumed)
      // A slow consumer: several loop turns per item.
      for (let k = 0; k < 5; k++) await new Promise((r) => setImmediate(r))
      worst = Math.max(worst, state.pulled - consumed)
    }
    t.is(consumed, 60)
    t.true(worst <= concurrency, `pulled ${worst} ahead with concurrency ${concurrency}`)
    // It did run ahead: the items were in flight together.
    if (concurrency > 1) t.true(worst >= concurrency - 1)
  }
})

const failsAbove = function f(x: number): number {
  return x > 40 ? f(x + 1) : x
}

test.serial('an error ends the stream: earlier results come, the error is thrown, in-flight items are cancelled and the source returned', async (t) => {
  const before = pendingTaskCount()
  const { state, source } = counted(1000)
  const seen: number[] = []
  const err = (await t.throwsAsync(async () => {
    for await (const v of mapStream(source, failsAbove, { concurrency: 8 })) seen.push(v as number)
  })) as Err
  t.is(err.code, 'ERR_KERNEL_STACK_OVERFLOW')
  t.deepEqual(seen, range(41))
  t.true(state.returned)
  t.true(state.pulled <= 41 + 8)
  t.is(pendingTaskCount(), before)
})

const spin = (x: number) => {
  let s = x
  for (let i = 0; i < 1e15; i++) s = (s * 1.0000001) % 7
  return s
}

test.serial('breaking out early cancels the items in flight and returns the source', async (t) => {
  const before = pendingTaskCount()
  const { state, source } = counted(1000)
  // Item 0 is quick; the others spin until cancelled.
  const fn = (x: number) => {
    if (x === 0) return 0
    let s = x
    for (let i = 0; i < 1e15; i++) s = (s * 1.0000001) % 7
    return s
  }
  for await (const v of mapStream(source, fn, { concurrency: 4 })) {
    t.is(v, 0)
    t.true(pendingTaskCount() >= before + 3)
    break
  }
  t.true(state.returned)
  t.is(pendingTaskCount(), before)
})

test.serial('an error thrown by the source ends the stream and cancels the items in flight', async (t) => {
  const before = pendingTaskCount()
  async function* source() {
    yield 0
    yield 1
    throw new RangeError('source broke')
  }
  await t.throwsAsync(collect(mapStream(source(), spin, { concurrency: 4 })), { instanceOf: RangeError, message: 'source broke' })
  t.is(pendingTaskCount(), before)
})

test('works with stream.pipeline and Readable.from', async (t) => {
  const items = range(200)
  const got: number[] = []
  await pipeline(
    Readable.from(items),
    (src: AsyncIterable<number>) => mapStream(src, poly, { concurrency: 5 }),
    new Writable({
      objectMode: true,
      write(v: number, _enc, cb) {
        got.push(v)
        cb()
      },
    }),
  )
  t.deepEqual(got, items.map(poly))
  const again = await Readable.from(mapStream(items, poly)).toArray()
  t.deepEqual(again, items.map(poly))
})

test('bad arguments are coded errors at the call', (t) => {
  t.throws(() => mapStream(42 as never, poly), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"source"/ })
  t.throws(() => mapStream([], 7 as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"fn"/ })
  t.throws(() => mapStream([], poly, { concurrency: 0 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => mapStream([], poly, { concurrency: 1.5 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => mapStream([], poly, { concurrency: '2' as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => mapStream([], poly, { ordered: 1 as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => mapStream([], poly, 3 as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
})

test('a worker function over lines() and splitStream() of a Readable', async (t) => {
  const rows = range(300).map((i) => JSON.stringify({ i, name: `n${i}` }))
  const text = rows.join('\n') + '\n'
  const chunks = [text.slice(0, 777), text.slice(777, 5000), text.slice(5000)]
  const parse = (line: string) => (JSON.parse(line) as { name: string }).name
  t.deepEqual(await collect(mapStream(lines(Readable.from(chunks)), parse, { concurrency: 6 })), rows.map((r) => parse(r)))
  const sizes = (batch: string[]) => batch.filter((l) => l !== '').length
  const counts = (await collect(mapStream(splitStream(Readable.from(chunks), '\n', { batchLines: 64 }), sizes))) as number[]
  t.is(counts.reduce((a, b) => a + b, 0), 300)
})
