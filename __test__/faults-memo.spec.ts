// Faults of issue 13 in Memo and memoize: re-entrant writes (8), lone
// surrogates (9), native pointers JS can reach (10), eviction stats (11),
// error codes (13) and memory held by sync calls (14). References: a plain
// Map of structuredClone snapshots, and V8's own strings.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import test from 'ava'
import fc from 'fast-check'

import { Memo, memoize } from '../index.js'

const codeOf = (e: unknown) => (e as { code?: string }).code

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

function runFixture(name: string, flags: string[]) {
  const start = Date.now()
  const r = spawnSync(process.execPath, [...flags, fixture(name)], { encoding: 'utf8', timeout: 150_000 })
  return { ...r, ms: Date.now() - start }
}

// ---- 8: re-entrant writes -------------------------------------------------

test('a getter inside a stored value that calls set() on the same Memo: both writes land, like a Map', (t) => {
  const memo = new Memo()
  const model = new Map<string, unknown>()
  const inner = { big: 'y'.repeat(40_000), list: [1, 2, 3] }
  const value = {
    a: 1,
    get b() {
      memo.set('other', inner)
      model.set('other', structuredClone(inner))
      memo.set('k', 'inner write')
      memo.set('third', [{ deep: { x: 'z'.repeat(100) } }])
      model.set('third', [{ deep: { x: 'z'.repeat(100) } }])
      return 'b'
    },
    c: ['after', { the: 'getter' }],
  }
  memo.set('k', value)
  // The outer set finishes last, so it wins, as sequential calls would.
  model.set('k', { a: 1, b: 'b', c: ['after', { the: 'getter' }] })
  for (const [k, v] of model) t.deepEqual(memo.get(k), v, k)
  t.is(memo.size, model.size)
})

test('re-entrant get/delete/clear/set during an encode, fuzzed against a Map model', (t) => {
  const ops = fc.array(
    fc.record({
      kind: fc.constantFrom('get', 'delete', 'clear', 'set', 'setNested'),
      key: fc.constantFrom('a', 'b', 'c'),
      n: fc.integer({ min: 0, max: 1000 }),
    }),
    { maxLength: 6 },
  )
  fc.assert(
    fc.property(fc.constantFrom('a', 'b', 'c'), ops, fc.integer({ min: 0, max: 50 }), (outerKey, inside, pad) => {
      const memo = new Memo()
      const model = new Map<string, unknown>()
      for (const k of ['a', 'b', 'c']) {
        memo.set(k, { k })
        model.set(k, { k })
      }
      const seen: unknown[] = []
      const expectedSeen: unknown[] = []
      const value = {
        pad: 'p'.repeat(pad),
        get trigger() {
          for (const op of inside) {
            if (op.kind === 'get') {
              seen.push(memo.get(op.key))
              expectedSeen.push(model.get(op.key))
            } else if (op.kind === 'delete') {
              t.is(memo.delete(op.key), model.delete(op.key))
            } else if (op.kind === 'clear') {
              memo.clear()
              model.clear()
            } else if (op.kind === 'set') {
              memo.set(op.key, op.n)
              model.set(op.key, op.n)
            } else {
              const v = { n: op.n, nested: { s: 's'.repeat(op.n % 300) } }
              memo.set(op.key, v)
              model.set(op.key, structuredClone(v))
            }
          }
          return 'done'
        },
        tail: [pad, 'tail'],
      }
      memo.set(outerKey, value)
      model.set(outerKey, { pad: 'p'.repeat(pad), trigger: 'done', tail: [pad, 'tail'] })
      t.deepEqual(seen, expectedSeen)
      for (const k of ['a', 'b', 'c']) t.deepEqual(memo.get(k), model.get(k), k)
    }),
    { numRuns: 300 },
  )
})

test('a getter on an argument that calls the memoized function again gets its own key', (t) => {
  let calls = 0
  const f = memoize((o: { x: number }) => {
    calls++
    return o.x * 2
  })
  const arg = {
    get x() {
      // Runs while the outer call encodes its key.
      t.is(f({ x: 21 } as { x: number }), 42)
      return 5
    },
  }
  t.is(f(arg), 10)
  t.is(f({ x: 5 }), 10)
  t.is(f({ x: 21 }), 42)
  t.is(calls, 2)
})

test('a prototype setter that reads the Memo while a value is decoded does not disturb the decode', (t) => {
  const memo = new Memo()
  const big: Record<string, unknown> = {}
  for (let i = 0; i < 40; i++) big[`key${i}`] = { i } // > 32 keys: the generic decode path
  big.hook = 'outer'
  memo.set('big', big)
  memo.set('other', { other: [1, 2, 3] })
  const reads: unknown[] = []
  Object.defineProperty(Object.prototype, 'hook', {
    configurable: true,
    set(_v) {
      reads.push(memo.get('other'))
    },
  })
  try {
    t.deepEqual(memo.get('big'), big)
  } finally {
    delete (Object.prototype as Record<string, unknown>).hook
  }
  // Defined, not assigned: the setter never ran.
  t.deepEqual(reads, [])
})

// ---- 9: lone surrogates ---------------------------------------------------

/** Strings of arbitrary UTF-16 code units, lone surrogates included. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 80 }).map((u) => String.fromCharCode(...u)),
  fc.array(fc.constantFrom(0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfffd, 0x61, 0xe9, 0xff, 0x100), { maxLength: 8 }).map((u) =>
    String.fromCharCode(...u),
  ),
)

test('every string round-trips exactly as a key, a value, a nested value and an object key', (t) => {
  const memo = new Memo()
  fc.assert(
    fc.property(fc.uniqueArray(anyString, { maxLength: 12 }), (strings) => {
      memo.clear()
      const model = new Map<string, unknown>()
      for (const s of strings) {
        memo.set(s, s)
        model.set(s, s)
      }
      for (const s of strings) {
        t.is(memo.get(s), s)
        t.is(memo.get(s), s) // the near cache too
      }
      t.is(memo.size, model.size)
      const nested = Object.fromEntries(strings.map((s, i) => [s, [s, { s, i }]]))
      memo.set('nested', nested)
      const back = memo.get('nested') as Record<string, unknown>
      t.deepEqual(Object.keys(back), Object.keys(structuredClone(nested)))
      t.deepEqual(back, structuredClone(nested))
    }),
    { numRuns: 300 },
  )
})

test('memoize keeps lone surrogates apart', (t) => {
  const f = memoize((s: string) => `f(${s})`)
  t.is(f('\uD800'), 'f(\uD800)')
  t.is(f('\uDC00'), 'f(\uDC00)')
  t.is(f('\uFFFD'), 'f(\uFFFD)')
  // Object keys and values inside arguments too.
  const g = memoize((o: Record<string, string>) => Object.entries(o))
  fc.assert(
    fc.property(anyString, anyString, (a, b) => {
      t.is(f(a), `f(${a})`)
      t.is(f(b), `f(${b})`)
      t.deepEqual(g({ [a]: b }), [[a, b]])
      t.deepEqual(g({ [b]: a }), [[b, a]])
    }),
    { numRuns: 300 },
  )
})

// ---- 10: native pointers JS can reach -------------------------------------

test('transferring or detaching every buffer reachable from a Memo, then using it, corrupts nothing (child process)', (t) => {
  const flags = ['--expose-gc']
  const hasFlag = spawnSync(process.execPath, ['--harmony-rab-gsab-transfer', '-e', '0']).status === 0
  if (hasFlag) flags.push('--harmony-rab-gsab-transfer')
  const r = runFixture('memo-transfer.cjs', flags)
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stdout + r.stderr)
  t.true(r.ms < 150_000)
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!)
  t.is(report.bad, 0)
  t.is(report.reachable, 0, 'a Memo exposes no buffer at all')
  if (hasFlag) t.true(report.attempts.some((a: string) => a.endsWith(':detached')), 'the transfer really detached')
})

// ---- 11: eviction stats ---------------------------------------------------

test('stats().evictions: overwrites, deletes and TTL expiry are not evictions; capacity evictions are exact', async (t) => {
  const memo = new Memo({ maxEntries: 8 })
  for (let i = 0; i < 100; i++) memo.set('same', i)
  for (let i = 0; i < 100; i++) memo.set('obj', { i })
  t.is(memo.stats().evictions, 0)
  t.true(memo.delete('same'))
  memo.set('short', 1, { ttl: 1 })
  const until = Date.now() + 5000
  while (memo.get('short') !== undefined && Date.now() < until) await new Promise((r) => setImmediate(r))
  t.is(memo.get('short'), undefined)
  t.is(memo.stats().evictions, 0)
  memo.clear()
  for (let i = 0; i < 32; i++) memo.set(`k${i}`, i)
  const s = memo.stats()
  t.is(s.evictions + s.size, 32)
  const held = Array.from({ length: 32 }, (_, i) => `k${i}`).filter((k) => memo.has(k))
  for (const k of held) memo.set(k, 'again')
  t.is(memo.stats().evictions, s.evictions)
})

// ---- 13: error codes ------------------------------------------------------

function detached<T extends ArrayBufferView>(view: T): T {
  structuredClone(view.buffer, { transfer: [view.buffer as ArrayBuffer] })
  return view
}
const detachedView = () => detached(new Uint8Array(8))

test('detached values are a TypeError with a code, top level and nested', (t) => {
  const memo = new Memo()
  const detachedAb = detachedView().buffer
  const detachedBuf = Buffer.from(new ArrayBuffer(4))
  structuredClone(detachedBuf.buffer, { transfer: [detachedBuf.buffer] })
  for (const v of [detachedView(), detached(new Float64Array(2)), detachedAb, { nested: [detachedView()] }, detachedBuf]) {
    const e = t.throws(() => memo.set('k', v), { instanceOf: TypeError })
    t.is(codeOf(e), 'ERR_INVALID_ARG_VALUE')
    t.regex(e.message, /detached/)
  }
  t.is(memo.has('k'), false)
})

test('throwing getters and Proxies on options and values give coded errors', (t) => {
  const boom = {
    get maxEntries() {
      throw new Error('boom')
    },
  }
  const revoked = Proxy.revocable({}, {})
  revoked.revoke()
  const trap = new Proxy(
    { a: 1 },
    {
      get() {
        throw new Error('trap')
      },
    },
  )
  const cases: Array<[string, () => unknown]> = [
    ['new Memo getter', () => new Memo(boom as never)],
    ['new Memo revoked', () => new Memo(revoked.proxy as never)],
    ['new Memo trap', () => new Memo(trap as never)],
    ['Memo.shared trap', () => Memo.shared(`faults-${process.pid}`, trap as never)],
    ['set opts trap', () => new Memo().set('k', 1, trap as never)],
    ['set value revoked', () => new Memo().set('k', revoked.proxy)],
    ['set value trap', () => new Memo().set('k', { inner: trap })],
    ['memoize opts trap', () => memoize(() => 1, trap as never)],
    ['memoize opts revoked', () => memoize(() => 1, revoked.proxy as never)],
  ]
  for (const [name, f] of cases) {
    const e = t.throws(f, undefined, name) as Error & { code?: string }
    t.true(e instanceof TypeError, name)
    t.is(e.code, 'ERR_INVALID_ARG_VALUE', name)
  }
  const e = t.throws(() => memoize(() => 1, { ttl: -1 }), { instanceOf: RangeError })
  t.is(codeOf(e), 'ERR_OUT_OF_RANGE')
  let deep: unknown[] = []
  for (let i = 0; i < 5000; i++) deep = [deep]
  const d = t.throws(() => new Memo().set('deep', deep), { instanceOf: RangeError })
  t.is(codeOf(d), 'ERR_OUT_OF_RANGE')
  const wrongName = t.throws(() => Memo.dropShared(5 as never), { instanceOf: TypeError })
  t.is(codeOf(wrongName), 'ERR_INVALID_ARG_TYPE')
})

// ---- 14: memory held by sync calls ----------------------------------------

test('sync Memo calls in a loop that never yields hold no memory per call (child process)', (t) => {
  const r = runFixture('memo-sync-memory.cjs', ['--expose-gc'])
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  t.true(r.ms < 150_000)
  const rows = JSON.parse(r.stdout.trim().split('\n').pop()!) as Array<{ label: string; n: number; rss: number; arrayBuffers: number }>
  for (const row of rows) {
    // 30k gets of a 64 KiB Buffer churn 2 GB: held copies would be
    // gigabytes. The bounds leave room for allocator and sweeper noise.
    t.true(row.arrayBuffers < 4 * 2 ** 20, `${row.label}: ${row.arrayBuffers} ArrayBuffer bytes held after ${row.n} calls`)
    t.true(row.rss < 256 * 2 ** 20, `${row.label}: RSS grew ${row.rss} bytes over ${row.n} calls`)
  }
})

// ---- the value codec on hostile bytes -------------------------------------

test('decoding arbitrary stored bytes never crashes or hangs: a value or ERR_MEMO_CORRUPT', async (t) => {
  const { NativeMemo } = (await import('../binding.js')) as unknown as {
    NativeMemo: { shared(name: string): { fast(): { setEncoded(k: string, b: Uint8Array, n: number): void } } }
  }
  const name = `faults-codec-${process.pid}`
  const raw = NativeMemo.shared(name).fast()
  const memo = Memo.shared(name)
  const tags = fc.integer({ min: 0, max: 16 })
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.array(fc.oneof(tags, fc.integer({ min: 0, max: 255 })), { maxLength: 64 }).map((a) => Uint8Array.from(a)),
    // A container header claiming a huge length.
    fc.tuple(fc.constantFrom(8, 9, 10, 11, 13, 6), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([tag, rest]) =>
      Uint8Array.from([tag, 0xff, 0xff, 0xff, 0xff, 0x0f, ...rest]),
    ),
  )
  fc.assert(
    fc.property(bytes, fc.boolean(), (b, big) => {
      // A big prefix makes the value miss the scratch (the Buffer path).
      const encoded = big && b.length > 0 ? Buffer.concat([Buffer.from([8, 1]), Buffer.from(b), Buffer.alloc(20_000)]) : b
      raw.setEncoded('k', encoded, encoded.length)
      try {
        memo.get('k')
      } catch (e) {
        t.is(codeOf(e), 'ERR_MEMO_CORRUPT', String(e))
      }
    }),
    { numRuns: 2000 },
  )
  NativeMemo.shared(name) // still usable
  Memo.dropShared(name)
})
