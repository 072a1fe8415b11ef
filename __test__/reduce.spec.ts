// parallelReduce / parallelReduceSync: every built-in op against its JS
// reference (sum against an exact BigInt sum), custom reducers against the
// documented association order computed in plain JS on pools of 1, 2 and 4
// threads, errors, cancellation and timeouts.
import test from 'ava'

import { AbortError, Pool, parallelReduce, parallelReduceSync } from '../index.js'
import type { ReduceOp } from '../index.js'

const OPS: ReduceOp[] = ['sum', 'min', 'max', 'count', 'mean', 'minIndex', 'maxIndex']
const MAX = Number.MAX_VALUE

/** A deterministic PRNG (xorshift32) in [0, 1). */
function rng(seed: number) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 2 ** 32
  }
}

// ---- exact references -------------------------------------------------------

const bits = new DataView(new ArrayBuffer(8))

/** A finite double as an integer multiple of 2^-1074. */
function scaled(x: number): bigint {
  bits.setFloat64(0, x)
  const hi = bits.getUint32(0)
  const lo = bits.getUint32(4)
  const exp = (hi >>> 20) & 0x7ff
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo)
  if (exp > 0) m = (m | (1n << 52n)) << BigInt(exp - 1)
  return hi >>> 31 ? -m : m
}

/** An integer multiple of 2^-1074, rounded to the nearest double (ties to even). */
function toDouble(s: bigint): number {
  const neg = s < 0n
  let a = neg ? -s : s
  const len = a.toString(2).length
  let value: number
  if (len <= 53) {
    value = Number(a) * 2 ** -1074
  } else {
    const shift = len - 53
    let q = a >> BigInt(shift)
    const rem = a - (q << BigInt(shift))
    const half = 1n << BigInt(shift - 1)
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n
    a = q
    value = shift - 1074 > 1023 ? Infinity : Number(q) * 2 ** (shift - 1074)
  }
  return neg ? -value : value
}

/**
 * The documented `sum`: the exact sum rounded once; NaN if any NaN or both
 * infinities; an infinity wins; an exact zero is -0 only if every element is -0.
 */
function exactSum(xs: ArrayLike<number>): number {
  let total = 0n
  let pos = false
  let neg = false
  let nan = false
  let allNegZero = xs.length > 0
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]
    if (!Object.is(x, -0)) allNegZero = false
    if (Number.isNaN(x)) nan = true
    else if (x === Infinity) pos = true
    else if (x === -Infinity) neg = true
    else total += scaled(x)
  }
  if (nan || (pos && neg)) return NaN
  if (pos) return Infinity
  if (neg) return -Infinity
  if (total === 0n) return allNegZero ? -0 : 0
  return toDouble(total)
}

/** `a × 2^-(1074 + extra)` (a >= 0), rounded to the nearest double (ties to even). */
function toDoubleScaled(a: bigint, extra: number): number {
  if (a === 0n) return 0
  const len = a.toString(2).length
  const shift = Math.max(len - 53, extra)
  let q = a >> BigInt(shift)
  const rem = a - (q << BigInt(shift))
  const half = 1n << BigInt(shift - 1)
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n
  const e = shift - extra - 1074
  return e > 1023 ? Infinity : Number(q) * 2 ** e
}

/**
 * The documented `mean`: the exact sum divided by n, rounded once (a
 * BigInt quotient with 128 extra bits and a sticky bit); NaN, infinities
 * and a zero sum as `sum / n`; empty: NaN.
 */
function exactMean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN
  const s = exactSum(xs)
  let total = 0n
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i])) total += scaled(xs[i])
  if (!Number.isFinite(s) && Array.from(xs).some((x) => !Number.isFinite(x))) return s / xs.length
  if (total === 0n) return s / xs.length
  const neg = total < 0n
  const num = (neg ? -total : total) << 128n
  const n = BigInt(xs.length)
  const d = (num / n) * 2n + (num % n === 0n ? 0n : 1n)
  const v = toDoubleScaled(d, 129)
  return neg ? -v : v
}

/** `Math.min(...xs)` for any length (Math.min is associative, so a fold is the same). */
function jsMin(xs: ArrayLike<number>): number {
  if (xs.length < 1000) return Math.min(...Array.from(xs))
  let m = Infinity
  for (let i = 0; i < xs.length; i++) m = Math.min(m, xs[i])
  return m
}

function jsMax(xs: ArrayLike<number>): number {
  if (xs.length < 1000) return Math.max(...Array.from(xs))
  let m = -Infinity
  for (let i = 0; i < xs.length; i++) m = Math.max(m, xs[i])
  return m
}

/** `xs.findIndex(x => Object.is(x, v))`. */
function indexOfSame(xs: ArrayLike<number>, v: number): number {
  for (let i = 0; i < xs.length; i++) if (Object.is(xs[i], v)) return i
  return -1
}

/** Each op's documented JS reference. */
function reference(op: ReduceOp, xs: ArrayLike<number>): number {
  switch (op) {
    case 'sum':
      return exactSum(xs)
    case 'count':
      return xs.length
    case 'min':
      return jsMin(xs)
    case 'max':
      return jsMax(xs)
    case 'minIndex':
      return indexOfSame(xs, jsMin(xs))
    case 'maxIndex':
      return indexOfSame(xs, jsMax(xs))
    case 'mean':
      return exactMean(xs)
  }
}

function sameValue(t: { true: (v: boolean, m?: string) => void }, got: number, want: number, what: string) {
  t.true(Object.is(got, want), `${what}: got ${Object.is(got, -0) ? '-0' : got}, want ${Object.is(want, -0) ? '-0' : want}`)
}

// ---- built-in ops ------------------------------------------------------------

const SPECIAL_CASES: number[][] = [
  [],
  [0],
  [-0],
  [-0, -0, -0],
  [0, -0],
  [-0, 0],
  [1, -1],
  [-1, 1, -0],
  [NaN],
  [1, NaN, 2, NaN],
  [Infinity],
  [-Infinity, 3],
  [Infinity, -Infinity],
  [Infinity, -MAX, -MAX],
  [5e-324],
  [5e-324, -5e-324],
  [5e-324, 5e-324, 2.2250738585072014e-308, -1e-310],
  [MAX, MAX],
  [-MAX, -MAX, 1],
  [MAX, MAX, -MAX],
  [1e308, 1, -1e308],
  [1, 1e100, 1, -1e100],
  [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
  [1, 2 ** -53],
  [1, 2 ** -53, 2 ** -80],
  [-1, -(2 ** -53), 2 ** -80],
  [3, -0, 3, 0, -0],
  [2, 2, 1, 1],
]

test('each op equals its JS reference on empty, one-element and special inputs (sync and async)', async (t) => {
  for (const xs of SPECIAL_CASES) {
    const f64 = Float64Array.from(xs)
    for (const op of OPS) {
      const want = reference(op, xs)
      sameValue(t, parallelReduceSync(f64, op), want, `${op}([${xs.join(', ')}]) sync`)
      sameValue(t, parallelReduceSync(xs, op), want, `${op}([${xs.join(', ')}]) number[] sync`)
      sameValue(t, await parallelReduce(f64, op), want, `${op}([${xs.join(', ')}]) async`)
    }
  }
})

test('catastrophic cancellation is exact', (t) => {
  t.is(parallelReduceSync([1e308, 1, -1e308], 'sum'), 1)
  t.is(parallelReduceSync([1, 1e100, 1, -1e100], 'sum'), 2)
  t.is(parallelReduceSync([1e308, 1e308, -1e308], 'sum'), 1e308)
  t.is(parallelReduceSync([MAX, MAX], 'sum'), Infinity)
  t.is(parallelReduceSync([MAX, MAX], 'mean'), MAX)
  // A JS loop gets these wrong; the exact sum does not.
  let loop = 0
  for (const x of [1, 1e100, 1, -1e100]) loop += x
  t.is(loop, 0)
})

test('sum equals an exact BigInt sum on random inputs, in any order, across leaves', async (t) => {
  const r = rng(12345)
  for (let c = 0; c < 60; c++) {
    const n = c < 50 ? Math.floor(r() * 3000) : 70_000 + Math.floor(r() * 100_000)
    const spread = [2, 60, 600, 2000][c % 4]
    const xs = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const e = Math.floor(r() * spread) - spread / 2
      xs[i] = (r() < 0.5 ? -1 : 1) * (1 + r()) * 2 ** Math.max(-1074, Math.min(1000, e))
    }
    // Heavy cancellation: exact negations of the first half, in halves.
    if (c % 3 === 0) for (let i = 0; i < n / 2; i++) xs[n - 1 - i] = -xs[i]
    const want = exactSum(xs)
    sameValue(t, parallelReduceSync(xs, 'sum'), want, `case ${c} (n = ${n})`)
    const reversed = xs.slice().reverse()
    sameValue(t, await parallelReduce(reversed, 'sum'), want, `case ${c} reversed`)
    sameValue(t, parallelReduceSync(xs, 'mean'), reference('mean', xs), `case ${c} mean`)
  }
})

test('min/max and their indices equal the JS references on random inputs with NaN and signed zeros', (t) => {
  const r = rng(777)
  const specials = [0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324]
  for (let c = 0; c < 40; c++) {
    const n = c < 30 ? Math.floor(r() * 500) : 65_536 + Math.floor(r() * 70_000)
    const rate = [0, 0.001, 0.05, 0.5][c % 4]
    const xs = Float64Array.from({ length: n }, () => (r() < rate ? specials[Math.floor(r() * specials.length)] : Math.round((r() - 0.5) * 40)))
    for (const op of ['min', 'max', 'minIndex', 'maxIndex'] as const) {
      sameValue(t, parallelReduceSync(xs, op), reference(op, xs), `${op} case ${c}`)
    }
  }
})

test('every numeric typed array kind and number[] reduce as their values', async (t) => {
  const src = [-3, -1, 0, 1, 2, 200, 70000, 3e9, 0.5]
  for (const Ctor of [Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray]) {
    const xs = Ctor.from(src)
    for (const op of OPS) sameValue(t, await parallelReduce(xs, op), reference(op, Array.from(xs)), `${Ctor.name} ${op}`)
    sameValue(t, parallelReduceSync(xs, 'sum'), exactSum(Array.from(xs)), `${Ctor.name} sync`)
  }
  await t.throwsAsync(parallelReduce(new BigInt64Array(2) as unknown as Float64Array, 'sum'), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('the async input is copied: mutating it after the call changes nothing', async (t) => {
  const xs = Float64Array.from({ length: 200_000 }, (_, i) => i)
  const want = exactSum(xs)
  const task = parallelReduce(xs, 'sum')
  xs.fill(1)
  t.is(await task, want)
})

// ---- custom reducers ---------------------------------------------------------

/** The documented association order, in plain JS. */
function documentedOrder(
  xs: ArrayLike<number>,
  fn: (acc: number, x: number, i: number) => number,
  init: number,
  combine: (a: number, b: number) => number,
  leaf: number,
): number {
  let out = init
  for (let s = 0; s < xs.length; s += leaf) {
    let acc = init
    for (let i = s; i < Math.min(s + leaf, xs.length); i++) acc = fn(acc, xs[i], i)
    out = s === 0 ? acc : combine(out, acc)
  }
  return out
}

test('a custom reducer follows the documented order bit for bit on pools of 1, 2 and 4 threads', async (t) => {
  // Neither associative nor commutative, so any other order would show.
  const fn = (acc: number, x: number, i: number) => acc * 0.999 + x * (i % 7) - 1e-3
  const combine = (a: number, b: number) => a * 0.5 + b * 1.5
  const xs = Float64Array.from({ length: 100_003 }, (_, i) => ((i * 37) % 101) / 7)
  const threadCounts = [1, 2, 4]
  const pools = threadCounts.map((threads) => new Pool({ threads }))
  try {
    for (const chunkSize of [1, 7, 1000, 16_384, undefined, 1 << 20]) {
      const want = documentedOrder(xs, fn, 0.25, combine, chunkSize ?? 16_384)
      for (const [k, pool] of pools.entries()) {
        const got = await parallelReduce(xs, fn, { init: 0.25, combine, chunkSize, pool })
        sameValue(t, got, want, `chunkSize ${chunkSize}, ${threadCounts[k]} threads`)
      }
      sameValue(t, parallelReduceSync(xs, fn, { init: 0.25, combine, chunkSize }), want, `chunkSize ${chunkSize}, sync`)
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()))
  }
})

test('custom reducers: empty input gives init, one leaf never combines, params are read', async (t) => {
  const add = (acc: number, x: number) => acc + x
  const never = () => NaN
  t.is(await parallelReduce([], add, { init: 7.5, combine: never }), 7.5)
  t.is(parallelReduceSync([1, 2], add, { init: 0.5, combine: never }), 3.5)
  t.true(Number.isNaN(parallelReduceSync([1, 2], add, { init: 0.5, combine: never, chunkSize: 1 })))
  // A max-with-index-weight reducer, params included.
  const xs = Float64Array.from({ length: 50_000 }, (_, i) => Math.sin(i))
  const fn = (acc: number, x: number, i: number) => Math.max(acc, x * w + i * 1e-9)
  const comb = (a: number, b: number) => Math.max(a, b)
  const want = documentedOrder(xs, (a, x, i) => Math.max(a, x * 3 + i * 1e-9), -Infinity, comb, 16_384)
  t.is(await parallelReduce(xs, fn, { init: -Infinity, combine: comb, params: { w: 3 } }), want)
  // A boolean result counts as 1/0, as for map kernels: a count with a predicate.
  const count = parallelReduceSync(xs, (acc, x) => acc + (x > 0.5 ? 1 : 0), { init: 0, combine: (a, b) => a + b })
  t.is(count, Array.from(xs).filter((x) => x > 0.5).length)
})
declare const w: number

// ---- errors -----------------------------------------------------------------

test('bad arguments are coded errors naming the argument', async (t) => {
  const add = (acc: number, x: number) => acc + x
  const xs = [1, 2, 3]
  const unknown = t.throws(() => parallelReduceSync(xs, 'avg' as ReduceOp), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' })
  t.regex(unknown.message, /"fn".*'sum', 'min', 'max', 'count', 'mean', 'minIndex', 'maxIndex'.*'avg'/)
  await t.throwsAsync(parallelReduce(xs, 'avg' as ReduceOp), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => parallelReduceSync(xs, 42 as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"fn"/ })
  t.throws(() => parallelReduceSync(xs, add as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /options\.init/ })
  t.throws(() => parallelReduceSync(xs, add, { init: 0 } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /options\.combine/ })
  t.throws(() => parallelReduceSync(xs, add, { init: '0', combine: add } as never), { code: 'ERR_INVALID_ARG_TYPE', message: /options\.init/ })
  t.throws(() => parallelReduceSync(xs, add, { init: 0, combine: 'add' } as never), { code: 'ERR_INVALID_ARG_TYPE', message: /options\.combine/ })
  await t.throwsAsync(parallelReduce(xs, add, { init: 0 } as never), { code: 'ERR_INVALID_ARG_TYPE', message: /options\.combine/ })
  t.throws(() => parallelReduceSync(xs, add, { init: 0, combine: add, chunkSize: 0 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE', message: /chunkSize/ })
  t.throws(() => parallelReduceSync(xs, add, 5 as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"options"/ })
  t.throws(() => parallelReduceSync(xs, 'sum' as never, { init: 0 } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: /options\.init.*'sum'/ })
  t.throws(() => parallelReduceSync(xs, 'max' as never, { combine: add } as never), { code: 'ERR_INVALID_ARG_VALUE', message: /options\.combine.*'max'/ })
  t.throws(() => parallelReduceSync('123' as never, 'sum'), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"input"/ })
  t.throws(() => parallelReduceSync([xs, xs] as never, 'sum'), { code: 'ERR_INVALID_ARG_TYPE', message: /single input/ })
  t.throws(() => parallelReduceSync(xs, (acc: number) => [acc][0], { init: 0, combine: add }), { code: 'ERR_UNSUPPORTED_KERNEL' })
  t.throws(() => parallelReduceSync(xs, add, { init: 0, combine: (a: number) => ({ a }).a }), { code: 'ERR_UNSUPPORTED_KERNEL' })
  t.throws(() => parallelReduceSync(xs, 'sum' as never, { timeout: 10 } as never), { code: 'ERR_INVALID_ARG_VALUE', message: /parallelReduceSync/ })
})

// ---- cancellation and timeouts -------------------------------------------------

/** A reducer slow enough to be caught running (a loop per element). */
const slow = (acc: number, x: number) => {
  let s = acc
  for (let k = 0; k < x; k++) s += Math.sqrt(k) * 1e-9
  return s
}

test('a running custom reduction can be cancelled and rejects with an AbortError', async (t) => {
  const xs = new Float64Array(4_000_000).fill(1000)
  const ac = new AbortController()
  const task = parallelReduce(xs, slow, { init: 0, combine: (a, b) => a + b, chunkSize: 4096, signal: ac.signal })
  for (let k = 0; k < 1000 && task.status === 'queued'; k++) await new Promise((r) => setTimeout(r, 5))
  t.is(task.status, 'running')
  ac.abort('enough')
  const err = await t.throwsAsync(task)
  t.true(err instanceof AbortError)
  t.is(err?.cause, 'enough')
  t.is(task.status, 'cancelled')
})

test('a timeout stops a custom reduction, even one with an endless loop', async (t) => {
  const endless = (acc: number) => {
    let i = acc
    while (true) i++
  }
  await t.throwsAsync(parallelReduce([1, 2, 3], endless, { init: 0, combine: (a, b) => a + b, timeout: 50 }), { code: 'ERR_TASK_TIMEOUT' })
  const xs = new Float64Array(4_000_000).fill(1000)
  await t.throwsAsync(parallelReduce(xs, slow, { init: 0, combine: (a, b) => a + b, timeout: 50 }), { code: 'ERR_TASK_TIMEOUT' })
  // The pool is free again.
  t.is(await parallelReduce([1, 2, 3], 'sum'), 6)
})

test('a built-in reduction can be cancelled before it ends', async (t) => {
  const xs = new Float64Array(8_000_000).fill(1)
  const task = parallelReduce(xs, 'sum')
  t.true(task.cancel('stop'))
  await t.throwsAsync(task, { instanceOf: AbortError })
})
