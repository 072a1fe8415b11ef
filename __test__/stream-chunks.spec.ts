// mapStream's chunks (`chunkSize`): consecutive worker items travel as one
// task (KIND_EACH). Chunked == unchunked == a serial JS loop over many
// source sizes and chunk sizes; an error inside a chunk keeps its position;
// the memory bound with a slow consumer; pipeline / Readable.from; cancel of
// the chunks in flight. And a value thrown by a worker function that cannot
// be read (a revoked Proxy) rejects its task instead of killing the worker.

import { createRequire } from 'node:module'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

import test from 'ava'

import { pendingTaskCount } from '../binding.js'
import { Pool, lines, mapStream, move, spawn } from '../index.js'

type Err = Error & { code?: string }

/** The value a promise rejects with (a DOMException is no Error for ava's throwsAsync). */
async function rejection(p: PromiseLike<unknown> | (() => PromiseLike<unknown>)) {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (err) {
    return err as Err
  }
  throw new Error('it did not reject')
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

async function collect<T>(it: AsyncIterable<T>) {
  const out: T[] = []
  for await (const v of it) out.push(v)
  return out
}

/** A worker function (strings are not kernel input): a small parse. */
const parse = (s: string) => {
  const o = JSON.parse(s) as { i: number; tag: string }
  return `${o.tag}:${o.i * 3}`
}
const rows = (n: number) => range(n).map((i) => JSON.stringify({ i, tag: `t${i % 7}` }))

/** A source that counts how many items were pulled, and whether it was returned. */
function counted<T>(items: T[]) {
  const state = { pulled: 0, returned: false }
  async function* gen() {
    try {
      for (const x of items) {
        state.pulled++
        yield x
      }
    } finally {
      state.returned = true
    }
  }
  return { state, source: gen() }
}

test('chunked == unchunked == serial, over source sizes 0, 1 and around the chunk and concurrency sizes', async (t) => {
  for (const n of [0, 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 300]) {
    const items = rows(n)
    const want = items.map(parse)
    t.deepEqual(await collect(mapStream(items, parse)), want, `unchunked n=${n}`)
    for (const chunkSize of [1, 2, 8, 16, 'auto'] as const) {
      for (const concurrency of [1, 16, 64, undefined]) {
        const opts = { chunkSize, concurrency }
        t.deepEqual(await collect(mapStream(items, parse, opts)), want, `n=${n} ${JSON.stringify(opts)}`)
      }
    }
    // An async source, unordered: every result once.
    const got = (await collect(mapStream(Readable.from(items), parse, { chunkSize: 8, concurrency: 64, ordered: false }))) as string[]
    t.deepEqual([...got].sort(), [...want].sort(), `unordered n=${n}`)
  }
})

test('async worker functions in a chunk: values in order', async (t) => {
  const items = range(100)
  const fn = async (x: number) => {
    await new Promise((r) => setImmediate(r))
    return { x, y: x % 3 }
  }
  t.deepEqual(await collect(mapStream(items, fn, { chunkSize: 16, concurrency: 64 })), items.map((x) => ({ x, y: x % 3 })))
})

const failsAt = (s: string) => {
  const o = JSON.parse(s) as { i: number }
  if (o.i === 37) throw new RangeError(`bad line ${o.i}`)
  return o.i
}

test.serial('an error in the middle of a chunk: the results before it, then the error; nothing after; chunks in flight cancelled', async (t) => {
  for (const chunkSize of [1, 8, 16, 'auto'] as const) {
    for (const ordered of [true, false]) {
      const before = pendingTaskCount()
      const { state, source } = counted(rows(500))
      const seen: number[] = []
      const err = (await t.throwsAsync(async () => {
        for await (const v of mapStream(source, failsAt, { chunkSize, concurrency: 64, ordered })) seen.push(v as number)
      })) as Err
      t.true(err instanceof RangeError)
      t.is(err.message, 'bad line 37')
      if (ordered) t.deepEqual(seen, range(37), `chunkSize ${chunkSize}`)
      else {
        // As tasks finish: each at most once, never the failed item.
        t.false(seen.includes(37))
        t.is(new Set(seen).size, seen.length)
      }
      t.true(state.returned)
      t.true(state.pulled <= seen.length + 1 + 64, `pulled ${state.pulled}, seen ${seen.length}`)
      t.is(pendingTaskCount(), before)
    }
  }
})

test('an async rejection in a chunk is thrown at its own position', async (t) => {
  const fn = async (x: number) => {
    if (x === 21 || x === 25) throw new TypeError(`no ${x}`)
    return x
  }
  const seen: number[] = []
  await t.throwsAsync(
    async () => {
      for await (const v of mapStream(range(60), fn, { chunkSize: 16, concurrency: 64, engine: 'worker' })) seen.push(v as number)
    },
    { instanceOf: TypeError, message: 'no 21' },
  )
  t.deepEqual(seen, range(21))
})

test('a result that cannot be cloned fails its own item, not the chunk', async (t) => {
  const fn = (x: number) => (x === 10 ? () => x : x)
  const seen: number[] = []
  const err = await rejection(async () => {
    for await (const v of mapStream(range(40), fn, { chunkSize: 16, concurrency: 64, engine: 'worker' })) seen.push(v as number)
  })
  t.is(err.name, 'DataCloneError')
  t.deepEqual(seen, range(10))
})

test('move() results and move() / SharedArrayBuffer items keep working with chunks', async (t) => {
  const fn = (x: number) => {
    const { move: mv } = require('napi-parallel') as typeof import('../index.js')
    return mv(new Float64Array([x, x + 1]))
  }
  const out = (await collect(mapStream(range(20), fn, { chunkSize: 8, concurrency: 32, engine: 'worker' }))) as Float64Array[]
  t.deepEqual(
    out.map((a) => [...a]),
    range(20).map((x) => [x, x + 1]),
  )
  const sab = new SharedArrayBuffer(8)
  const items = [new Float64Array([1, 2]), move(new Float64Array([3, 4])), sab, new Float64Array([5])]
  const sizes = (await collect(mapStream(items, (a: ArrayBufferLike | Float64Array) => a.byteLength, { chunkSize: 4, concurrency: 16, engine: 'worker' }))) as number[]
  t.deepEqual(sizes, [16, 16, 8, 8])
})

test('backpressure with chunks: the source is pulled at most `concurrency` items ahead of a slow consumer', async (t) => {
  for (const [chunkSize, concurrency] of [
    [8, 16],
    [16, 64],
    ['auto', 64],
  ] as const) {
    const { state, source } = counted(rows(400))
    let consumed = 0
    let worst = 0
    for await (const v of mapStream(source, parse, { chunkSize, concurrency })) {
      t.is(v, parse(rows(400)[consumed]))
      consumed++
      worst = Math.max(worst, state.pulled - consumed)
      for (let k = 0; k < 3; k++) await new Promise((r) => setImmediate(r))
      worst = Math.max(worst, state.pulled - consumed)
    }
    t.is(consumed, 400)
    t.true(worst <= concurrency, `pulled ${worst} ahead with concurrency ${concurrency}`)
    t.true(worst >= concurrency / 2, `ran ahead only ${worst}`)
  }
})

test('a slow source: a partial chunk is sent when the source stalls (no wait for a full chunk)', async (t) => {
  // The source gives item 1 only once a worker ran item 0: had the chunk of
  // 64 waited to fill, this would never end.
  const ran = new Int32Array(new SharedArrayBuffer(4))
  async function* source() {
    yield 0
    await (Atomics as any).waitAsync(ran, 0, 0).value
    yield 1
    yield 2
  }
  const fn = (x: number) => {
    Atomics.store(ran, 0, 1)
    Atomics.notify(ran, 0)
    return x * 10
  }
  t.deepEqual(await collect(mapStream(source(), fn, { chunkSize: 64, concurrency: 1024, engine: 'worker', context: { ran } })), [0, 10, 20])
})

test('works with stream.pipeline, lines() and Readable.from', async (t) => {
  const items = rows(500)
  const text = items.join('\n') + '\n'
  const got: string[] = []
  await pipeline(
    Readable.from([text.slice(0, 1000), text.slice(1000, 7000), text.slice(7000)]),
    (src: AsyncIterable<Buffer>) => mapStream(lines(src), parse, { chunkSize: 'auto' }),
    new Writable({
      objectMode: true,
      write(v: string, _enc, cb) {
        got.push(v)
        cb()
      },
    }),
  )
  t.deepEqual(got, items.map(parse))
  t.deepEqual(await Readable.from(mapStream(items, parse, { chunkSize: 32 })).toArray(), items.map(parse))
})

test.serial('breaking out early cancels the chunks in flight and returns the source', async (t) => {
  // Its own pool: the workers it blocks (then terminates) run no other test's tasks.
  const pool = new Pool({ threads: 2 })
  t.teardown(() => pool.close())
  const before = pendingTaskCount()
  const gate = new Int32Array(new SharedArrayBuffer(4))
  const { state, source } = counted(range(1000))
  // The first chunk (items 0-3) is quick; the others wait on the gate (opened after the break).
  const fn = (x: number) => {
    if (x >= 4) Atomics.wait(gate, 0, 0, 10_000)
    return x
  }
  for await (const v of mapStream(source, fn, { chunkSize: 4, concurrency: 16, engine: 'worker', context: { gate }, pool })) {
    t.is(v, 0)
    t.true(pendingTaskCount() > before)
    break
  }
  t.true(state.returned)
  t.is(pendingTaskCount(), before)
  Atomics.store(gate, 0, 1)
  Atomics.notify(gate, 0)
})

test('bad chunkSize is a coded error at the call', (t) => {
  t.throws(() => mapStream([], parse, { chunkSize: 0 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE', message: /"options.chunkSize"/ })
  t.throws(() => mapStream([], parse, { chunkSize: 2.5 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => mapStream([], parse, { chunkSize: 65537 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => mapStream([], parse, { chunkSize: 'big' as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"options.chunkSize"/ })
})

test('a thrown value that cannot be read rejects the task with a DataCloneError; the worker lives on', async (t) => {
  const throwers = [
    () => {
      const { proxy, revoke } = Proxy.revocable({}, {})
      revoke()
      throw proxy
    },
    async () => {
      const { proxy, revoke } = Proxy.revocable({}, {})
      revoke()
      throw proxy
    },
    () => {
      const e = new Error('x')
      Object.defineProperty(e, 'name', {
        get() {
          throw new TypeError('no name')
        },
      })
      throw e
    },
    () => {
      // oxlint-disable-next-line no-throw-literal -- the point: a thrown non-Error whose toString throws
      throw {
        toString() {
          throw new TypeError('no string')
        },
        get x() {
          throw new TypeError('no x')
        },
      }
    },
  ]
  for (const fn of throwers) {
    const err = await rejection(spawn(fn, [], { engine: 'worker' }))
    t.is(err.name, 'DataCloneError')
    t.regex(err.message, /could not be sent back/)
  }
  // In a chunk too: it fails at its own position.
  const fn = (x: number) => {
    if (x === 5) {
      const { proxy, revoke } = Proxy.revocable({}, {})
      revoke()
      throw proxy
    }
    return x
  }
  const seen: number[] = []
  const err = await rejection(async () => {
    for await (const v of mapStream(range(20), fn, { chunkSize: 8, concurrency: 32, engine: 'worker' })) seen.push(v as number)
  })
  t.is(err.name, 'DataCloneError')
  t.deepEqual(seen, range(5))
})

test('dispatch batches carry at most 256 entries and 2048 items (a bigger entry alone)', (t) => {
  const { Dispatcher } = createRequire(import.meta.url)('../lib/engine/dispatch.js') as { Dispatcher: any }
  const fnEntry = [987654, 'x => x']
  for (const sizes of [[1024, 1024, 1024, 1, 1, 2048, 5000, 3, 1024], Array.from({ length: 600 }, () => 1), Array.from({ length: 50 }, (_, i) => 1 + ((i * 37) % 900))]) {
    const d = new Dispatcher({ engine: 0, size: 2, closed: false, wake() {} })
    const got: [number, number][] = []
    d.submit = (_set: unknown, _queue: unknown, b: number, end: number) => got.push([b, end])
    sizes.forEach((size, i) => d.add(i, i + 1, size, 1, fnEntry, null, [[], 0], undefined))
    d.flush()
    let at = 0
    for (const [b, end] of got) {
      t.is(b, at)
      t.true(end > b && end - b <= 256)
      const items = sizes.slice(b, end).reduce((a, c) => a + c, 0)
      t.true(items <= 2048 || end - b === 1, `batch [${b}, ${end}) has ${items} items`)
      at = end
    }
    t.is(at, sizes.length)
  }
})
