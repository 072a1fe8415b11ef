// memoize: results the Memo cannot store (onUnstorable), hits as copies
// (checked against structuredClone), and delete()/clear() (checked against a
// plain Map-based memoize).
import { setImmediate as tick } from 'node:timers/promises'

import test from 'ava'

import { Memo, memoize } from '../index.js'

const WARNING = 'NAPI_PARALLEL_MEMOIZE_UNSTORABLE'

/** Collects the memoize warnings whose message names `fnName` (other tests of this file run concurrently). */
function warningsFor(fnName: string) {
  const seen: Error[] = []
  const listener = (w: Error & { code?: string }) => {
    if (w.code === WARNING && w.message.includes(`"${fnName}"`)) seen.push(w)
  }
  process.on('warning', listener)
  return {
    seen,
    /** Lets pending warnings (emitted on the next tick) arrive, then stops listening. */
    async done() {
      await tick()
      await tick()
      process.off('warning', listener)
      return seen
    },
  }
}

class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
}

test('default: the first unstorable result warns once, naming the function and the kind; every call recomputes', async (t) => {
  const w = warningsFor('makeIndex')
  let calls = 0
  const makeIndex = (n: number) => {
    calls++
    return new Map([[n, n * 2]])
  }
  const f = memoize(makeIndex)
  for (let i = 0; i < 5; i++) t.deepEqual(f(1), makeIndex(1))
  f(2)
  t.is(calls, 5 + 5 + 1, 'each call ran fn (plus the reference calls)')
  t.is(f.memo.size, 0)
  const seen = await w.done()
  t.is(seen.length, 1)
  t.is(seen[0].name, 'Warning')
  t.is(
    seen[0].message,
    'memoize: "makeIndex" returned a result that cannot be cached, so it runs again on every call with the same arguments. ' +
      'Memo cannot store an instance of Map (at value). Supported: string, number, boolean, null, undefined, bigint, Buffer, TypedArray, ArrayBuffer, Date, plain objects and arrays.',
  )
})

test('a class instance nested in a result is named with its path; an async fn warns too', async (t) => {
  const w = warningsFor('loadShape')
  let calls = 0
  const loadShape = async (id: number) => {
    calls++
    return { id, origin: new Point(0, 0) }
  }
  const f = memoize(loadShape)
  t.deepEqual(await f(1), { id: 1, origin: new Point(0, 0) })
  t.deepEqual(await f(1), { id: 1, origin: new Point(0, 0) })
  t.is(calls, 2)
  const seen = await w.done()
  t.is(seen.length, 1)
  t.regex(seen[0].message, /^memoize: "loadShape" returned a result that cannot be cached, .*Memo cannot store an instance of Point \(at value\.origin\)\./)
})

test("onUnstorable: 'throw' throws (or rejects) ERR_MEMOIZE_UNSTORABLE after fn ran, with the Memo's error as cause", async (t) => {
  let calls = 0
  const cyclic = () => {
    calls++
    const o: Record<string, unknown> = {}
    o.self = o
    return o
  }
  const f = memoize(cyclic, { onUnstorable: 'throw' })
  const e = t.throws(() => f()) as Error & { code?: string; cause?: Error & { code?: string } }
  t.true(e instanceof TypeError)
  t.is(e.code, 'ERR_MEMOIZE_UNSTORABLE')
  t.is(
    e.message,
    'memoize: "cyclic" returned a result that cannot be cached, so it runs again on every call with the same arguments. ' +
      'Memo cannot store a cyclic value: value.self refers back to one of its ancestors.',
  )
  t.is(e.cause?.code, 'ERR_MEMO_CYCLIC')
  t.is(calls, 1)
  const g = memoize(async () => new Set([1]), { onUnstorable: 'throw' })
  const r = await t.throwsAsync(g())
  t.is((r as Error & { code?: string }).code, 'ERR_MEMOIZE_UNSTORABLE')
  t.regex(r!.message, /^memoize: an anonymous function returned .*an instance of Set \(at value\)/)
  // A storable result under 'throw' is cached as usual.
  const h = memoize((x: number) => ({ x }), { onUnstorable: 'throw' })
  h(1)
  t.is(h.memo.size, 1)
})

test("onUnstorable: 'ignore' says nothing; a bad value is ERR_INVALID_ARG_VALUE naming the option", async (t) => {
  const w = warningsFor('quiet')
  let calls = 0
  const quiet = () => {
    calls++
    return () => 1
  }
  const f = memoize(quiet, { onUnstorable: 'ignore' })
  f()
  f()
  t.is(calls, 2)
  t.is((await w.done()).length, 0)
  for (const bad of ['loud', 1, null]) {
    const e = t.throws(() => memoize(quiet, { onUnstorable: bad as never })) as Error & { code?: string }
    t.true(e instanceof TypeError)
    t.is(e.code, 'ERR_INVALID_ARG_VALUE')
    t.is(e.message, `The "options.onUnstorable" property must be 'warn', 'throw' or 'ignore'. Received ${bad === 'loud' ? "'loud'" : bad === 1 ? 'type number (1)' : 'null'}`)
  }
})

test('hits are copies equal to structuredClone of the result, for every kind that round-trips', (t) => {
  const values: unknown[] = [
    'str',
    'lone \ud800 surrogate',
    -0,
    NaN,
    12n ** 30n,
    true,
    null,
    undefined,
    [1, 'a', [null, undefined], { b: 2 }],
    { z: 1, a: { nested: [1.5, -0] }, when: new Date(86_400_000) },
    new Float32Array([1.5, -2]),
    new BigInt64Array([-1n, 2n]),
    new Uint8Array([1, 2, 3]).buffer,
    new Date(NaN),
  ]
  for (const [i, v] of values.entries()) {
    const f = memoize((_i: number) => v)
    t.is(f(i), v, 'the computing call returns fn’s own result')
    const hit = f(i)
    const clone = structuredClone(v)
    t.deepEqual(hit, clone, `value ${i}`)
    if (v !== null && typeof v === 'object') {
      t.not(hit, v, 'a hit is a copy')
      t.is(Object.getPrototypeOf(hit), Object.getPrototypeOf(clone))
    }
  }
  // Mutating a hit never changes the cache.
  const f = memoize(() => ({ list: [1] }))
  f()
  ;(f() as { list: number[] }).list.push(2)
  t.deepEqual(f(), { list: [1] })
})

test('hits differ from structuredClone exactly where the docs say', (t) => {
  const shared = { n: 1 }
  const viaMemo = memoize(() => ({ a: shared, b: shared }))
  viaMemo()
  const hit = viaMemo() as { a: object; b: object }
  t.deepEqual(hit, { a: { n: 1 }, b: { n: 1 } })
  t.not(hit.a, hit.b, 'an object reached twice comes back as two copies')
  const clone = structuredClone({ a: shared, b: shared })
  t.is(clone.a, clone.b, 'structuredClone keeps the identity')

  const buf = memoize(() => Buffer.from('bytes'))
  buf()
  t.true(Buffer.isBuffer(buf()), 'a Buffer comes back as a Buffer')
  t.deepEqual(buf(), Buffer.from('bytes'))
  t.false(Buffer.isBuffer(structuredClone(Buffer.from('bytes'))), 'structuredClone gives a Uint8Array')

  const bytes = new Uint8Array([0, 1, 2, 3, 4, 5]).subarray(2, 4)
  const view = memoize(() => bytes)
  view()
  const v = view() as Uint8Array
  t.deepEqual([...v], [2, 3])
  t.is(v.byteOffset, 0)
  t.is(v.buffer.byteLength, 2, 'only the view’s bytes')
  t.is(structuredClone(bytes).buffer.byteLength, 6)

  const bare = Object.assign(Object.create(null), { k: 1 })
  const nullProto = memoize(() => bare)
  nullProto()
  t.is(Object.getPrototypeOf(nullProto()), Object.prototype)

  const holes = memoize(() => {
    const a: unknown[] = [1, , 3] // eslint-disable-line no-sparse-arrays
    ;(a as unknown as { extra: number }).extra = 1
    return a
  })
  holes()
  const h = holes() as unknown[]
  t.true(1 in h, 'a hole comes back as undefined')
  t.is(h[1], undefined)
  t.false('extra' in h)

  const sym = Symbol('s')
  const hidden = memoize(() => Object.defineProperty({ [sym]: 1, shown: 1 }, 'hidden', { value: 2, enumerable: false }))
  hidden()
  t.deepEqual(Reflect.ownKeys(hidden() as object), ['shown'])
})

test('kinds structuredClone takes but the Memo refuses are not cached (warned once)', async (t) => {
  const w = warningsFor('refused')
  const kinds: unknown[] = [new Map(), new Set(), /re/g, new Error('e'), new Number(1), new DataView(new ArrayBuffer(1)), new SharedArrayBuffer(1), new Point(1, 2)]
  let calls = 0
  const refused = (i: number) => {
    calls++
    return kinds[i]
  }
  const f = memoize(refused)
  for (let i = 0; i < kinds.length; i++) {
    t.notThrows(() => structuredClone(kinds[i]))
    f(i)
    f(i)
  }
  t.is(calls, kinds.length * 2)
  t.is(f.memo.size, 0)
  t.is((await w.done()).length, 1)
})

/** The reference: a Map-based memoize with delete and clear. */
function mapMemoize<A extends unknown[], R>(fn: (...a: A) => R) {
  const cache = new Map<string, R>()
  const key = (a: A) => JSON.stringify([a.length, ...a])
  const m = (...a: A) => {
    const k = key(a)
    if (cache.has(k)) return structuredClone(cache.get(k)) as R
    const v = fn(...a)
    cache.set(k, structuredClone(v))
    return v
  }
  m.delete = (...a: A) => cache.delete(key(a))
  m.clear = () => cache.clear()
  return m
}

test('delete(...args) and clear() act like a Map-based memoize over a random sequence of calls', (t) => {
  let state = 42
  const rand = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state % n
  }
  const ours = { calls: 0 }
  const theirs = { calls: 0 }
  const f = memoize((a: number, b?: string) => ({ a, b: b ?? null, n: ++ours.calls }))
  const g = mapMemoize((a: number, b?: string) => ({ a, b: b ?? null, n: ++theirs.calls }))
  for (let step = 0; step < 2000; step++) {
    const a = rand(6)
    const args: [number, string?] = rand(2) ? [a] : [a, String(a)]
    const op = rand(10)
    if (op < 7) t.deepEqual(f(...args), g(...args), `step ${step}`)
    else if (op < 9) t.is(f.delete(...args), g.delete(...args), `step ${step}: delete`)
    else {
      f.clear()
      g.clear()
    }
    t.is(ours.calls, theirs.calls, `step ${step}`)
  }
  t.true(ours.calls > 20)
})

test('delete() and clear() of an async call in flight: its callers get its result, it is not cached, the next call runs again', async (t) => {
  let calls = 0
  const releases: Array<() => void> = []
  const f = memoize(async (x: number) => {
    const n = ++calls
    await new Promise<void>((r) => releases.push(r))
    return { x, n }
  })
  const first = f(1)
  t.is(f(1), first)
  t.true(f.delete(1))
  t.false(f.delete(1))
  const second = f(1)
  t.not(second, first)
  releases[0]()
  t.deepEqual(await first, { x: 1, n: 1 })
  t.is(f.memo.size, 0, 'the forgotten call was not cached')
  t.is(f(1), second, 'nor did it evict the newer call')
  releases[1]()
  t.deepEqual(await second, { x: 1, n: 2 })
  t.deepEqual(await f(1), { x: 1, n: 2 })
  t.is(calls, 2)

  const third = f(2)
  f.clear()
  const fourth = f(2)
  t.not(fourth, third)
  releases[2]()
  releases[3]()
  t.deepEqual(await third, { x: 2, n: 3 })
  t.deepEqual(await fourth, { x: 2, n: 4 })
  t.deepEqual(await f(2), { x: 2, n: 4 })
  t.is(f.memo.size, 1)
})

test('delete() uses the key resolver; clear() empties a given Memo entirely', (t) => {
  const memo = new Memo()
  memo.set('other', 1)
  let calls = 0
  const f = memoize((u: { id: number }) => ++calls + u.id * 0, { memo, key: (u) => `user:${u.id}` })
  f({ id: 1 })
  t.is(memo.get('user:1'), 1)
  t.true(f.delete({ id: 1 }))
  t.false(memo.has('user:1'))
  t.true(memo.has('other'))
  f({ id: 1 })
  t.is(calls, 2)
  f.clear()
  t.is(memo.size, 0, 'documented: clear() empties the whole Memo')
  t.is(typeof f.delete, 'function')
})
