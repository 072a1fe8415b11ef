import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

import test from 'ava'

import { Memo } from '../index.js'

// Every supported kind, compared against structuredClone as the reference.
const VALUES: Array<[string, unknown]> = [
  ['string', 'hello'],
  ['empty string', ''],
  ['unicode string', 'héllo wörld ✓ 😀'],
  ['long string', 'x'.repeat(10_000)],
  ['integer', 42],
  ['negative integer', -7],
  ['large integer', 2 ** 53 - 1],
  ['float', 3.25],
  ['infinity', -Infinity],
  ['true', true],
  ['false', false],
  ['null', null],
  ['bigint', 12345678901234567890n],
  ['negative bigint', -(2n ** 100n)],
  ['zero bigint', 0n],
  ['plain object', { a: 1, b: 'two', c: [3, { d: null }], e: { f: { g: true } } }],
  ['empty object', {}],
  ['null-prototype keys', { __proto__x: 1, 'with space': 2, '': 3 }],
  ['array', [1, 'a', null, [2, [3]], { x: 1.5 }]],
  ['empty array', []],
  ['Date', new Date(1_700_000_000_000)],
  ['Float64Array', new Float64Array([1.5, -0, NaN, Infinity])],
  ['Float32Array', new Float32Array([1.5, 2.25])],
  ['Int8Array', new Int8Array([-1, 2, 127])],
  ['Uint8Array', new Uint8Array([0, 255])],
  ['Uint8ClampedArray', new Uint8ClampedArray([3, 4])],
  ['Int16Array', new Int16Array([-300, 300])],
  ['Uint16Array', new Uint16Array([65535])],
  ['Int32Array', new Int32Array([-(2 ** 31), 2 ** 31 - 1])],
  ['Uint32Array', new Uint32Array([2 ** 32 - 1])],
  ['BigInt64Array', new BigInt64Array([-5n, 2n ** 62n])],
  ['BigUint64Array', new BigUint64Array([2n ** 64n - 1n])],
  ['ArrayBuffer', new Uint8Array([9, 8, 7]).buffer],
  ['offset view', new Int16Array(new Int16Array([1, 2, 3, 4]).buffer, 2, 2)],
  ['nested kinds', { buf: new Float32Array([1]), when: new Date(0), n: 10n, list: [undefined, null] }],
]

for (const [name, value] of VALUES) {
  test(`round-trips ${name}`, (t) => {
    const memo = new Memo()
    memo.set('k', value)
    const back = memo.get('k')
    assert.deepStrictEqual(back, structuredClone(value))
    if (value !== null && typeof value === 'object') {
      t.not(back, value, 'a copy, not the same object')
      t.is(Object.getPrototypeOf(back), Object.getPrototypeOf(value))
    }
    t.pass()
  })
}

test('round-trips a Buffer as a Buffer', (t) => {
  const memo = new Memo()
  const buf = Buffer.from('some bytes')
  memo.set('b', buf).set('nested', { inner: buf })
  const back = memo.get('b') as Buffer
  t.true(Buffer.isBuffer(back))
  t.deepEqual([...back], [...buf])
  t.true(Buffer.isBuffer((memo.get('nested') as { inner: Buffer }).inner))
})

test('keeps -0 and NaN, top level and nested', (t) => {
  const memo = new Memo()
  memo.set('nz', -0).set('nan', NaN).set('o', { nz: -0, nan: NaN, arr: [-0] })
  t.true(Object.is(memo.get('nz'), -0))
  t.true(Number.isNaN(memo.get('nan')))
  const o = memo.get('o') as { nz: number; nan: number; arr: number[] }
  t.true(Object.is(o.nz, -0))
  t.true(Number.isNaN(o.nan))
  t.true(Object.is(o.arr[0], -0))
})

test('stores undefined as a value that has() sees', (t) => {
  const memo = new Memo()
  memo.set('u', undefined)
  t.is(memo.get('u'), undefined)
  t.true(memo.has('u'))
  t.false(memo.has('missing'))
})

test('values come back as independent copies', (t) => {
  const memo = new Memo()
  const v = { list: [1, 2] }
  memo.set('k', v)
  v.list.push(3)
  const a = memo.get('k') as { list: number[] }
  a.list.push(99)
  t.deepEqual(memo.get('k'), { list: [1, 2] })
})

test('large complex values (bigger than the scratch) round-trip', (t) => {
  const memo = new Memo()
  const big = { data: Array.from({ length: 20_000 }, (_, i) => ({ i, s: `v${i}` })) }
  memo.set('big', big)
  assert.deepStrictEqual(memo.get('big'), big)
  assert.deepStrictEqual(memo.getMany(['big'])[0], big)
  t.pass()
})

test('unsupported values throw TypeError naming what and where', (t) => {
  const memo = new Memo()
  const cases: Array<[unknown, RegExp]> = [
    [() => 1, /a function \(at value\)/],
    [Symbol('s'), /a symbol/],
    [{ a: [1, function f() {}] }, /a function \(at value\.a\[1\]\)/],
    [new Map(), /instance of Map/],
    [new Set([1]), /instance of Set/],
    [/re/, /instance of RegExp/],
    [new (class Point {})(), /instance of Point/],
    [{ p: Promise.resolve() }, /instance of Promise \(at value\.p\)/],
  ]
  for (const [value, message] of cases) {
    const e = t.throws(() => memo.set('k', value), { instanceOf: TypeError, message })
    t.is((e as NodeJS.ErrnoException).code, 'ERR_INVALID_ARG_TYPE')
  }
  t.is(memo.size, 0)
})

test('cyclic values throw ERR_MEMO_CYCLIC; shared non-cyclic references are fine', (t) => {
  const memo = new Memo()
  const o: Record<string, unknown> = { a: { b: {} } }
  ;(o.a as { b: Record<string, unknown> }).b.back = o
  const e = t.throws(() => memo.set('k', o), { instanceOf: TypeError, message: /cyclic.*value\.a\.b\.back/ })
  t.is((e as NodeJS.ErrnoException).code, 'ERR_MEMO_CYCLIC')
  const arr: unknown[] = [1]
  arr.push(arr)
  t.throws(() => memo.set('k', arr), { code: 'ERR_MEMO_CYCLIC' } as never)
  const shared = { x: 1 }
  memo.set('dag', { a: shared, b: shared })
  t.deepEqual(memo.get('dag'), { a: { x: 1 }, b: { x: 1 } })
})

test('key kinds are distinct: 1, "1", 1n and Buffer("1")', (t) => {
  const memo = new Memo()
  memo.set(1, 'number').set('1', 'string').set(1n, 'bigint').set(Buffer.from('1'), 'buffer')
  t.is(memo.get(1), 'number')
  t.is(memo.get('1'), 'string')
  t.is(memo.get(1n), 'bigint')
  t.is(memo.get(Buffer.from('1')), 'buffer')
  t.is(memo.size, 4)
})

test('number keys follow Map (SameValueZero): 0 and -0 are one key, NaN finds NaN', (t) => {
  const memo = new Memo()
  const ref = new Map<unknown, string>()
  for (const [k, v] of [[0, 'zero'], [-0, 'negzero'], [NaN, 'nan'], [1.5, 'x']] as const) {
    memo.set(k, v)
    ref.set(k, v)
  }
  for (const k of [0, -0, NaN, 1.5, 2]) t.is(memo.get(k), ref.get(k))
  t.is(memo.size, ref.size)
})

test('long and unicode string keys, big bigint keys, Buffer keys by content', (t) => {
  const memo = new Memo()
  const long = 'k'.repeat(5000) + 'é'
  memo.set(long, 1).set('ключ', 2).set(2n ** 200n, 3).set(Buffer.from([1, 2, 3]), 4)
  t.is(memo.get(long), 1)
  t.is(memo.get('k'.repeat(5000) + 'e'), undefined)
  t.is(memo.get('ключ'), 2)
  t.is(memo.get(2n ** 200n), 3)
  t.is(memo.get(new Uint8Array([1, 2, 3])), 4)
})

test('bad keys throw TypeError ERR_INVALID_ARG_TYPE', (t) => {
  const memo = new Memo()
  for (const k of [{}, null, undefined, true, Symbol('x'), [1], new Float32Array(1)]) {
    t.throws(() => memo.get(k as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"key"/ } as never)
  }
})

test('behaves like a Map for get/set/has/delete/clear/size', (t) => {
  const memo = new Memo({ maxEntries: 10_000 })
  const ref = new Map<string | number, unknown>()
  let seed = 7
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n)
  for (let i = 0; i < 5000; i++) {
    const k = rnd(2) ? `k${rnd(300)}` : rnd(300)
    switch (rnd(4)) {
      case 0:
      case 1: {
        const v = rnd(2) ? { i, tag: `v${i}` } : i
        memo.set(k, v)
        ref.set(k, v)
        break
      }
      case 2:
        t.is(memo.delete(k), ref.delete(k))
        break
      default:
        assert.deepStrictEqual(memo.get(k), ref.get(k))
        t.is(memo.has(k), ref.has(k))
    }
  }
  t.is(memo.size, ref.size)
  memo.clear()
  t.is(memo.size, 0)
  t.is(memo.stats().bytes, 0)
})

test('getMany and setMany match get and set', (t) => {
  const memo = new Memo()
  const entries: Array<[string | number, unknown]> = [['a', 1], ['b', { x: [1, 2] }], [3, 'three'], ['buf', Buffer.from('z')], ['n', null]]
  t.is(memo.setMany(entries), memo)
  const keys = ['a', 'b', 3, 'buf', 'n', 'missing']
  assert.deepStrictEqual(memo.getMany(keys), keys.map((k) => memo.get(k)))
  assert.deepStrictEqual(memo.getMany(keys), [1, { x: [1, 2] }, 'three', Buffer.from('z'), null, undefined])
  t.throws(() => memo.getMany('nope' as never), { code: 'ERR_INVALID_ARG_TYPE' } as never)
  t.throws(() => memo.setMany(5 as never), { code: 'ERR_INVALID_ARG_TYPE' } as never)
})

test('stats count hits, misses, evictions, size and bytes', (t) => {
  const memo = new Memo({ maxEntries: 10 })
  memo.set('a', 'xyz')
  memo.get('a')
  memo.get('a')
  memo.get('b')
  let s = memo.stats()
  t.deepEqual(s, { hits: 2, misses: 1, evictions: 0, size: 1, bytes: 2 + 4 })
  for (let i = 0; i < 100; i++) memo.set(i, i)
  s = memo.stats()
  t.true(s.size <= 10)
  t.is(s.evictions + s.size, 101)
})

test('maxEntries holds under 10x overfill', (t) => {
  const memo = new Memo({ maxEntries: 1000 })
  for (let i = 0; i < 10_000; i++) {
    memo.set(`key${i}`, { i })
    if (i % 500 === 0) t.true(memo.size <= 1000)
  }
  const s = memo.stats()
  t.true(s.size <= 1000 && s.size >= 500, `size ${s.size}`)
  t.is(s.evictions, 10_000 - s.size)
})

test('maxBytes holds under 10x overfill and counts key + value', (t) => {
  const memo = new Memo({ maxBytes: 50_000 })
  for (let i = 0; i < 2_500; i++) {
    memo.set(`key${i}`, 'v'.repeat(150 + (i % 100)))
    t.true(memo.stats().bytes <= 50_000)
  }
  // Reference: the encoded size of what is still there, counted in JS
  // (string key: tag + UTF-8; string value: tag + UTF-8).
  let expected = 0
  for (let i = 0; i < 2_500; i++) if (memo.has(`key${i}`)) expected += 1 + `key${i}`.length + 1 + 150 + (i % 100)
  t.is(memo.stats().bytes, expected)
  t.true(expected > 25_000)
})

test('maxEntries and maxBytes together both hold', (t) => {
  const memo = new Memo({ maxEntries: 100, maxBytes: 5_000 })
  for (let i = 0; i < 2_000; i++) {
    memo.set(i, i % 2 ? 'x' : 'y'.repeat(300))
    const s = memo.stats()
    t.true(s.size <= 100 && s.bytes <= 5_000)
  }
})

test('a one-off scan does not flush the hot set', (t) => {
  const memo = new Memo({ maxEntries: 1000 })
  for (let r = 0; r < 10; r++) for (let i = 0; i < 500; i++) if (memo.get(`hot${i}`) === undefined) memo.set(`hot${i}`, i)
  for (let i = 0; i < 20_000; i++) if (memo.get(`scan${i}`) === undefined) memo.set(`scan${i}`, i)
  let kept = 0
  for (let i = 0; i < 500; i++) kept += memo.has(`hot${i}`) ? 1 : 0
  t.true(kept >= 450, `${kept} of 500 hot keys kept`)
})

test('options are validated: RangeError ERR_OUT_OF_RANGE naming the option', (t) => {
  for (const [opts, name] of [
    [{ maxEntries: 0 }, 'maxEntries'],
    [{ maxEntries: 1.5 }, 'maxEntries'],
    [{ maxEntries: -1 }, 'maxEntries'],
    [{ maxBytes: 0 }, 'maxBytes'],
    [{ maxBytes: NaN }, 'maxBytes'],
    [{ ttl: -1 }, 'ttl'],
  ] as const) {
    t.throws(() => new Memo(opts), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE', message: new RegExp(`"${name}"`) } as never)
  }
  t.throws(() => new Memo({ maxEntries: 'ten' as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' } as never)
  t.throws(() => new Memo(5 as never), { instanceOf: TypeError } as never)
  const memo = new Memo({ name: 'mine' })
  t.is(memo.name, 'mine')
  t.throws(() => memo.set('k', 1, { ttl: -5 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' } as never)
  t.throws(() => memo.set('k', 1, { ttl: '5' as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' } as never)
})

test.serial('ttl: entries expire, per-set ttl overrides, memory is reclaimed', async (t) => {
  // Generous margins: the machine may be loaded.
  const memo = new Memo({ ttl: 1000 })
  memo.set('default', { v: 1 })
  memo.set('short', 'x', { ttl: 50 })
  memo.set('forever', 'y', { ttl: 0 })
  memo.set('long', 'z', { ttl: 60_000 })
  t.deepEqual(memo.get('default'), { v: 1 })
  t.is(memo.get('short'), 'x')
  await sleep(120)
  t.is(memo.get('short'), undefined)
  t.false(memo.has('short'))
  t.deepEqual(memo.get('default'), { v: 1 })
  await sleep(1000)
  t.is(memo.get('default'), undefined)
  t.is(memo.get('forever'), 'y')
  t.is(memo.get('long'), 'z')
  // Never read again: the sweep reclaims them.
  const bulk = new Memo()
  for (let i = 0; i < 1000; i++) bulk.set(i, 'v'.repeat(100), { ttl: 250 })
  bulk.set('keep', 1)
  t.true(bulk.stats().bytes > 100_000)
  // The reaper sweeps on its own clock: wait for it (bounded), don't guess its period.
  const until = Date.now() + 10_000
  await sleep(250)
  while (bulk.stats().size > 1 && Date.now() < until) await sleep(20)
  const s = bulk.stats()
  t.is(s.size, 1)
  t.is(s.bytes, 1 + 4 + 9)
})

test('Memo.shared: same name, same cache; names are validated', (t) => {
  const name = `same-${process.pid}`
  const a = Memo.shared(name, { maxEntries: 10 })
  const b = Memo.shared(name)
  a.set('k', { v: 1 })
  t.deepEqual(b.get('k'), { v: 1 })
  t.is(b.name, name)
  b.clear()
  t.is(a.size, 0)
  t.true(Memo.dropShared(name))
  const c = Memo.shared(name)
  t.is(c.get('k'), undefined, 'a dropped name starts a new cache')
  t.throws(() => Memo.shared(5 as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' } as never)
  t.throws(() => Memo.shared('x', { maxEntries: -1 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' } as never)
  Memo.dropShared(name)
})

test.serial('thousands of Memo handles can be created and collected', async (t) => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const shared = Memo.shared(`gc-${process.pid}`)
  for (let i = 0; i < 3000; i++) {
    const m = new Memo({ maxEntries: 10 })
    m.set('k', { i })
    Memo.shared(`gc-${process.pid}`).set(i, { i })
  }
  gc()
  await sleep(10)
  gc()
  t.deepEqual(shared.get(2999), { i: 2999 })
  t.is(shared.size, 3000)
  Memo.dropShared(`gc-${process.pid}`)
})

test('objects of a repeated shape keep keys, order and own __proto__', (t) => {
  const memo = new Memo()
  const shapes = [
    { b: 1, a: 2, 10: 'ten', 2: 'two', 'x y': [1], 'q"uote': null },
    JSON.parse('{"__proto__": {"polluted": true}, "k": 1}'),
    { a: { a: { a: 1 } }, z: [] },
  ]
  for (let r = 0; r < 5; r++) {
    for (const [i, v] of shapes.entries()) {
      memo.set(`s${i}`, v)
      const back = memo.get(`s${i}`) as Record<string, unknown>
      assert.deepStrictEqual(back, structuredClone(v))
      t.deepEqual(Object.keys(back), Object.keys(v))
      t.is(Object.getPrototypeOf(back), Object.prototype)
    }
  }
  t.is(({} as Record<string, unknown>).polluted, undefined)
})

test('setMany refuses typed arrays (detached ones included) with a coded TypeError', (t) => {
  const m = new Memo()
  const live = new Uint8Array(4)
  const gone = new Uint8Array(new ArrayBuffer(8))
  structuredClone(gone.buffer, { transfer: [gone.buffer] })
  for (const entries of [live, gone]) {
    const err = t.throws(() => m.setMany(entries as never))
    t.true(err instanceof TypeError)
    t.is((err as NodeJS.ErrnoException).code, 'ERR_INVALID_ARG_TYPE')
  }
  t.is(m.size, 0)
})
