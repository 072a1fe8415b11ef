// The worker engine's one-task fast path (issue 17, latency): the short wire
// format (lib/engine/small.js) against structuredClone, the per-engine
// function table (engineDefine / engineFunction: a function's source travels
// once), many functions (past the workers' compile cache and the table's
// bound), engines in worker_threads, and the spin policy (lib/engine/spin.js),
// whose NP_SPIN_MS runs go to child processes (the variable is read at start).
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

import test from 'ava'

import { Pool, parallel, spawn } from '../index.js'

const require = createRequire(import.meta.url)
const small = require('../lib/engine/small.js') as {
  TAG: number
  encodeValues(values: unknown[]): Buffer | null
  encodeBatch(table: unknown[], flat: unknown[], from: number, to: number): Buffer | null
  decode(bytes: Uint8Array | string): unknown
}
const codec = require('../lib/engine/codec.js') as { decode(bytes: Uint8Array, receive: () => undefined): unknown }
const { SpinPolicy, overrideOf, WAKE_US, SPIN_MS } = require('../lib/engine/spin.js') as {
  SpinPolicy: new (env?: string) => {
    override: number | undefined
    observeWake(us: number): void
    wakeUs(): number
    worthSpinning(): boolean
    window(): number
    spun(found: boolean): void
  }
  overrideOf(raw: string | undefined): number | undefined
  WAKE_US: number
  SPIN_MS: number
}
const { engineOf } = require('../lib/engine/pool.js') as { engineOf(pool: unknown): { engine: number } }
const binding = require('../lib/load.js').binding as {
  engineSubmit(...args: unknown[]): void
  engineDefine(engine: number, id: number, spec: string): boolean
  engineFunction(engine: number, id: number): string | null
  engineQueued(engine: number): number
}

const W = { engine: 'worker' } as const
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const run = spawn as unknown as (fn: (...args: any[]) => unknown, args?: unknown[], opts?: Record<string, unknown>) => Promise<any>
const par = parallel as unknown as <F extends (...a: any[]) => unknown>(fn: F, opts?: object) => (...a: Parameters<F>) => Promise<any>
const NewPool = Pool as unknown as new (opts?: Record<string, unknown>) => InstanceType<typeof Pool>

/** Primitives at the edges of structured clone. */
const EDGE: unknown[] = [
  0, -0, NaN, Infinity, -Infinity, 1.5, -1.5, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 2 ** 53, -(2 ** 53) - 2, 5e-324, -5e-324, Number.MAX_VALUE,
  '', 'a', 'é', '\0', '\uD800', '\uDC00', 'x\uDC00\uD800y', '\uD83D\uDE00', 'é'.repeat(40), '\uD83D\uDE00'.repeat(30) + '\uDBFF', 'a'.repeat(5000),
  'ÿ'.repeat(33), '\u0100', true, false, undefined, null, 0n, -0n, 1n, -1n, 2n ** 64n, -(2n ** 200n) + 7n, 0xffn,
]

function same(t: { true(v: boolean, m?: string): void }, got: unknown[], want: unknown[], what: string) {
  t.true(got.length === want.length, `${what}: length`)
  for (let i = 0; i < want.length; i++) t.true(Object.is(got[i], want[i]), `${what}[${i}]: ${String(got[i])} vs ${String(want[i])}`)
}

test('the short format reads back exactly what structuredClone gives, for every edge primitive', (t) => {
  const bytes = small.encodeValues(EDGE)
  t.truthy(bytes)
  t.is(bytes![0], small.TAG)
  const copy = Buffer.from(bytes!) // what the native side hands the other thread
  same(t, small.decode(copy) as unknown[], structuredClone(EDGE), 'decode')
  same(t, codec.decode(copy, () => undefined) as unknown[], structuredClone(EDGE), 'codec.decode')
  // A plain Uint8Array (not a Buffer) reads the same, and so does the latin1 string of the bytes (what engineTake hands a worker).
  same(t, small.decode(new Uint8Array(copy)) as unknown[], structuredClone(EDGE), 'Uint8Array')
  same(t, small.decode(copy.toString('latin1')) as unknown[], structuredClone(EDGE), 'latin1 string')
  same(t, codec.decode(copy.toString('latin1') as unknown as Uint8Array, () => undefined) as unknown[], structuredClone(EDGE), 'codec.decode of a string')
})

test('the short format refuses what is not primitive (codec.js takes it) and fails loudly on corrupt bytes', (t) => {
  for (const v of [{}, [], [1], new Uint8Array(2), Symbol('s'), () => 1, new Date(0), Object(1)]) {
    t.is(small.encodeValues([1, v]), null, String(typeof v))
  }
  // A batch: KIND_CALL entries with primitive args and contexts only, fns named by id.
  const ok = small.encodeBatch([7, 9], [0, 1, 0, null, 2, 'a', -0, 0, 2, 1, ['ctx', 3n], 0], 0, 12)
  t.deepEqual(codec.decode(Buffer.from(ok!), () => undefined), [[7, 9], [0, 1, 0, null, 2, 'a', -0, 0, 2, 1, ['ctx', 3n], 0]])
  t.is(small.encodeBatch([[7, 'src']], [0, 1, 0, null, 0], 0, 5), null, 'an inline source')
  t.is(small.encodeBatch([7], [1, 1, 0, null, 2, ['x'], 0], 0, 7), null, 'a map entry')
  t.is(small.encodeBatch([7], [0, 1, 0, null, 1, { a: 1 }], 0, 6), null, 'an object argument')
  t.is(small.encodeBatch([7], [0, 1, 0, [{}], 0], 0, 5), null, 'an object in the context')
  const good = Buffer.from(small.encodeValues([1, 'abc'])!)
  for (const bad of [good.subarray(0, good.length - 1), Buffer.concat([good, Buffer.from([0])]), Buffer.from([small.TAG, 99])]) {
    t.throws(() => small.decode(bad), { any: true, name: 'DataCloneError' })
  }
})

test('edge primitives round-trip through a worker as through structuredClone (arguments and results)', async (t) => {
  const echo = par((...xs: unknown[]) => xs, W)
  const one = par((x: unknown) => x, W)
  same(t, await echo(...EDGE), structuredClone(EDGE), 'as one result array')
  const each = await Promise.all(EDGE.map((v) => one(v)))
  same(t, each, structuredClone(EDGE), 'one task each')
  // Sequentially too (the lone-batch path, a spinning worker).
  for (const v of EDGE) t.true(Object.is(await one(v), structuredClone(v)), String(v))
  // Objects still take the v8 format, mixed in the same flush.
  const mixed = await Promise.all([one({ a: -0 }), one(1n), one([NaN, '\uD800'])])
  t.deepEqual(mixed, [{ a: -0 }, 1n, [NaN, '\uD800']])
  t.true(Object.is(mixed[0].a, -0))
  await t.throwsAsync(one(Symbol('no')), { any: true, name: 'DataCloneError' })
})

// Serial: the many-functions test below makes 4200 fn ids, and ids are kept for the last 4096 sources only.
test.serial('a function travels once per engine: defined in its table, batches carry only its id', async (t) => {
  const marker = `marker_${process.pid}_${Date.now()}`
  // eslint-disable-next-line no-new-func -- a unique source, so that no other test defined it
  const fn = new Function('x', `return x + '${marker}'.length`) as (x: number) => number
  const payloads: Buffer[] = []
  const defines: number[] = []
  const submit = binding.engineSubmit
  const define = binding.engineDefine
  binding.engineSubmit = (...args: unknown[]) => {
    payloads.push(Buffer.from(args[1] as Uint8Array))
    return submit(...args)
  }
  binding.engineDefine = (engine: number, id: number, spec: string) => {
    if (spec.includes(marker)) defines.push(id)
    return define(engine, id, spec)
  }
  try {
    const f = par(fn, W)
    const want = marker.length
    for (let i = 0; i < 5; i++) t.is(await f(i), i + want)
    t.deepEqual(await Promise.all([f(1), f(2), run(fn, [3], W)]), [1 + want, 2 + want, 3 + want])
    // A second function object with the same source shares the id.
    // eslint-disable-next-line no-new-func -- the same source again
    const again = new Function('x', `return x + '${marker}'.length`) as (x: number) => number
    t.is(await run(again, [10], W), 10 + want)
  } finally {
    binding.engineSubmit = submit
    binding.engineDefine = define
  }
  t.is(defines.length, 1, 'defined once')
  t.true(payloads.length >= 7)
  for (const p of payloads) t.false(p.toString('latin1').includes(marker), 'no batch carries the source')
  const { engine } = engineOf(undefined)
  const spec = binding.engineFunction(engine, defines[0])
  t.truthy(spec)
  t.true(JSON.parse(spec!)[1].includes(marker))
  t.is(binding.engineFunction(engine, 2 ** 32 - 1), null, 'an id never defined')
})

test('many functions: past the workers\' compile cache (1024) and the table\'s bound (4096), every call is right', async (t) => {
  const pool = new NewPool({ threads: 1, workers: 1 })
  try {
    const opts = { ...W, pool }
    // eslint-disable-next-line no-new-func -- distinct sources, distinct fn ids
    const fns = Array.from({ length: 4200 }, (_, i) => new Function('x', `return x * 3 + ${i}`) as (x: number) => number)
    const first = await Promise.all(fns.map((f, i) => run(f, [i], opts)))
    t.true(first.every((v, i) => v === i * 3 + i))
    // The early ones again: evicted from the worker's cache, fetched from the table again.
    const again = await Promise.all(fns.slice(0, 50).map((f, i) => run(f, [1], opts)))
    t.true(again.every((v, i) => v === 3 + i))
    // The last ones did not fit in the table: their source travels inline, still right.
    const { engine } = engineOf(pool)
    let inTable = 0
    for (let id = 1; id < 1e5 && inTable <= 4096; id++) if (binding.engineFunction(engine, id) !== null) inTable++
    t.is(inTable, 4096)
    t.deepEqual(await Promise.all(fns.slice(-3).map((f) => run(f, [2], opts))), [6 + 4197, 6 + 4198, 6 + 4199])
  } finally {
    await pool.close()
  }
})

test('closing a pool clears its engine\'s function table; a new pool defines afresh', async (t) => {
  const pool = new NewPool({ threads: 1, workers: 1 })
  const f = (x: number) => x - 1
  t.is(await run(f, [5], { ...W, pool }), 4)
  const { engine } = engineOf(pool)
  let found = 0
  for (let id = 1; id < 1e5 && found === 0; id++) if (binding.engineFunction(engine, id) !== null) found = id
  t.true(found > 0)
  await pool.close()
  t.is(binding.engineFunction(engine, found), null)
  t.false(binding.engineDefine(engine, found, '[]'), 'a closed engine defines nothing')
  const next = new NewPool({ threads: 1, workers: 1 })
  try {
    t.is(await run(f, [5], { ...W, pool: next }), 4)
  } finally {
    await next.close()
  }
})

test('engineDefine / engineFunction / engineQueued check their arguments', (t) => {
  const { engine } = engineOf(undefined)
  t.is(typeof binding.engineQueued(engine), 'number')
  t.throws(() => binding.engineQueued(0), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => binding.engineQueued('1' as unknown as number), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => binding.engineDefine(0, 1, 'x'), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => binding.engineDefine(engine, 0, 'x'), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => binding.engineDefine(engine, 1.5, 'x'), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => binding.engineDefine(engine, 'a' as unknown as number, 'x'), { code: 'ERR_INVALID_ARG_TYPE' })
  t.throws(() => binding.engineDefine(engine, 1, 5 as unknown as string), { code: 'ERR_INVALID_ARG_TYPE', message: /"spec"/ })
  t.throws(() => binding.engineFunction(engine, -1), { code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => binding.engineFunction(2 ** 40, 1), { code: 'ERR_OUT_OF_RANGE' })
})

test('engines in worker_threads: each thread\'s own engine and function table', async (t) => {
  const results = await Promise.all(
    [1, 2, 3].map(
      (tag) =>
        new Promise<any>((resolve, reject) => {
          const w = new Worker(fixture('workers-fast-thread.cjs'), { workerData: { tag } })
          w.once('message', resolve)
          w.once('error', reject)
        }),
    ),
  )
  results.forEach((r, k) => {
    const tag = k + 1
    t.falsy(r.error, r.error)
    t.deepEqual(r.sums, Array.from({ length: 50 }, (_, i) => i + tag))
    t.is(r.scaled, 3 * tag)
    t.deepEqual(r.obj, { s: `t${tag}\uD800`, n: 3 })
  })
})

test('spin policy: the override, the wake-up threshold, the median and the shrinking window', (t) => {
  t.is(overrideOf(undefined), undefined)
  t.is(overrideOf(''), undefined)
  t.is(overrideOf('x'), undefined)
  t.is(overrideOf('-1'), undefined)
  t.is(overrideOf('0'), 0)
  t.is(overrideOf('2.5'), 2.5)
  t.is(new SpinPolicy('0').window(), 0, 'NP_SPIN_MS=0 never spins')
  const fixed = new SpinPolicy('3')
  fixed.observeWake(1)
  fixed.spun(false)
  t.is(fixed.window(), 3, 'the override wins over measurements')

  const p = new SpinPolicy(undefined)
  t.is(p.wakeUs(), -1)
  t.true(p.worthSpinning(), 'unmeasured: spin')
  t.is(p.window(), SPIN_MS)
  for (let i = 0; i < 8; i++) p.observeWake(WAKE_US / 4)
  t.false(p.worthSpinning(), 'fast wake-ups: park at once')
  t.is(p.window(), 0)
  for (let i = 0; i < 5; i++) p.observeWake(WAKE_US * 3)
  t.true(p.worthSpinning(), 'the median of the last 8 turned slow')
  p.observeWake(NaN)
  p.observeWake(-5)
  t.is(p.wakeUs(), WAKE_US * 3, 'nonsense samples are ignored')
  p.spun(false)
  t.is(p.window(), SPIN_MS / 2)
  for (let i = 0; i < 10; i++) p.spun(false)
  t.is(p.window(), SPIN_MS / 16, 'bounded shrink')
  p.spun(true)
  t.is(p.window(), SPIN_MS, 'a spin that found work restores the window')
})

for (const [spin, poll, catchMs] of [['0', '', ''], ['0.05', '', ''], ['5', '', ''], ['', '', ''], ['', '0', ''], ['0', '0', ''], ['', '5', ''], ['', '', '0'], ['', '', '5'], ['', '0', '0']]) {
  test(`NP_SPIN_MS=${spin || '(unset)'} NP_POLL_MS=${poll || '(unset)'} NP_CATCH_MS=${catchMs || '(unset)'}: tasks run in order and the idle process exits on its own (child process)`, (t) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NP_SPIN_MS: spin, NP_POLL_MS: poll, NP_CATCH_MS: catchMs }
    if (spin === '') delete env.NP_SPIN_MS
    if (poll === '') delete env.NP_POLL_MS
    if (catchMs === '') delete env.NP_CATCH_MS
    const r = spawnSync(process.execPath, [fixture('workers-fast-child.cjs')], { encoding: 'utf8', env, timeout: 60_000 })
    t.is(r.status, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    t.falsy(out.error, out.error)
    t.true(out.ok)
    t.is(out.n, 220)
  })
}

// Serial: the other tests' tasks would leave completions queued for this thread.
test.serial('settleQueued: false with nothing queued; lone tasks whose result the flush waits for (or misses) all settle right, in order', async (t) => {
  const native = require('../binding.js') as { settleQueued(yieldCpu?: boolean): boolean }
  t.false(native.settleQueued())
  t.false(native.settleQueued(true), 'the yielding form too')
  // Alternating fast calls (the flush catches their result) and ~0.3 ms ones (it misses, then skips the wait).
  const work = parallel((i: number) => {
    if (i % 3 === 2) {
      const end = performance.now() + 0.3
      while (performance.now() < end) {
        // busy
      }
    }
    return { i, sq: i * i }
  }, { engine: 'worker' })
  const got: unknown[] = []
  const want: unknown[] = []
  for (let i = 0; i < 300; i++) {
    got.push(await work(i))
    want.push({ i, sq: i * i })
  }
  t.deepEqual(got, want)
  t.false(native.settleQueued(), 'nothing left queued')
})
