// Reductions: random built-in ops on random inputs (edge numbers, signed
// zeros, NaN, subnormals, huge values, exact cancellations) against their
// documented JS references (`sum` against an exact BigInt sum), and random
// custom reducers and combines (expression kernels over acc, x, i) against
// the documented association order computed in JS, on pools of 1, 2 and 4
// threads and through the sync twin. Oracle: Object.is on every result;
// an unsupported kernel may only fail with ERR_UNSUPPORTED_KERNEL.

import { EDGE_NUMBERS } from '../hostile.mjs'
import { callAsync, callSync, step, violation } from '../oracle.mjs'

const OPS = ['sum', 'min', 'max', 'count', 'mean', 'minIndex', 'maxIndex']
const KERNEL_CODES = new Set(['ERR_UNSUPPORTED_KERNEL', 'ERR_KERNEL_STACK_OVERFLOW'])
const DEFAULT_LEAF = 16384

const view = new DataView(new ArrayBuffer(8))

/** A finite double as an integer multiple of 2^-1074. */
function scaled(x) {
  view.setFloat64(0, x)
  const hi = view.getUint32(0)
  const exp = (hi >>> 20) & 0x7ff
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4))
  if (exp > 0) m = (m | (1n << 52n)) << BigInt(exp - 1)
  return hi >>> 31 ? -m : m
}

/** A multiple of 2^-1074, rounded to the nearest double (ties to even). */
function toDouble(s) {
  const neg = s < 0n
  const a = neg ? -s : s
  const len = a.toString(2).length
  let v
  if (len <= 53) v = Number(a) * 2 ** -1074
  else {
    const shift = len - 53
    let q = a >> BigInt(shift)
    const rem = a - (q << BigInt(shift))
    const half = 1n << BigInt(shift - 1)
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n
    v = shift - 1074 > 1023 ? Infinity : Number(q) * 2 ** (shift - 1074)
  }
  return neg ? -v : v
}

/** `a × 2^-(1074 + extra)` (a >= 0), rounded to the nearest double (ties to even). */
function toDoubleScaled(a, extra) {
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

/** The documented `sum` (see lib/reduce.d.ts). */
function exactSum(xs) {
  let total = 0n
  let pos = false
  let neg = false
  let nan = false
  let allNegZero = xs.length > 0
  for (const x of xs) {
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

function reference(op, xs) {
  const min = () => xs.reduce((m, x) => Math.min(m, x), Infinity)
  const max = () => xs.reduce((m, x) => Math.max(m, x), -Infinity)
  switch (op) {
    case 'sum':
      return exactSum(xs)
    case 'count':
      return xs.length
    case 'min':
      return min()
    case 'max':
      return max()
    case 'minIndex': {
      const m = min()
      return xs.findIndex((x) => Object.is(x, m))
    }
    case 'maxIndex': {
      const m = max()
      return xs.findIndex((x) => Object.is(x, m))
    }
    case 'mean': {
      // The exact sum over n, rounded once (128 extra bits and a sticky bit).
      if (xs.length === 0) return NaN
      const s = exactSum(xs)
      if (!Number.isFinite(s) && xs.some((x) => !Number.isFinite(x))) return s / xs.length
      let total = 0n
      for (const x of xs) if (Number.isFinite(x)) total += scaled(x)
      if (total === 0n) return s / xs.length
      const neg = total < 0n
      const num = (neg ? -total : total) << 128n
      const n = BigInt(xs.length)
      const v = toDoubleScaled((num / n) * 2n + (num % n === 0n ? 0n : 1n), 129)
      return neg ? -v : v
    }
  }
  return undefined
}

/** An input: edge numbers, ordinary values, subnormals, and sometimes exact negations. */
function input(rng) {
  const n = rng.chance(0.7) ? rng.int(0, 40) : rng.logInt(100, 200000)
  const xs = new Array(n)
  const edgeRate = rng.pick([0, 0.001, 0.05, 0.5])
  for (let i = 0; i < n; i++) {
    if (rng.chance(edgeRate)) xs[i] = rng.pick(EDGE_NUMBERS)
    else if (rng.chance(0.1)) xs[i] = rng.pick([-0, 0, 5e-324, -5e-324, 2.2250738585072014e-308])
    else xs[i] = (rng.float() - 0.5) * 2 ** rng.int(-60, 60)
  }
  if (rng.chance(0.3)) for (let i = 0; i < n / 2; i++) xs[n - 1 - i] = -xs[i]
  return xs
}

/** A random expression over `vars` in the kernel subset. */
function expr(rng, vars, depth) {
  if (depth <= 0 || rng.chance(0.25)) return rng.chance(0.7) ? rng.pick(vars) : String(rng.pick([0, 1, 2, 0.5, -1, 3, 1e-3, 7]))
  const a = expr(rng, vars, depth - 1)
  const b = expr(rng, vars, depth - 1)
  switch (rng.int(0, 7)) {
    case 0:
      return `(${a} ${rng.pick(['+', '-', '*', '/', '%'])} ${b})`
    case 1:
      return `Math.${rng.pick(['abs', 'sqrt', 'floor', 'sin', 'round', 'fround'])}(${a})`
    case 2:
      return `Math.${rng.pick(['max', 'min', 'atan2', 'hypot'])}(${a}, ${b})`
    case 3:
      return `(${a} ${rng.pick(['>', '<', '===', '>='])} ${b} ? ${a} : ${b})`
    case 4:
      return `(${a} ${rng.pick(['|', '^', '&', '>>', '>>>'])} ${b})`
    case 5:
      return `(Number.isNaN(${a}) ? ${b} : ${a})`
    default:
      return `(${a} + ${b})`
  }
}

/** The documented association order (lib/reduce.d.ts), in JS. */
function documented(xs, fn, init, combine, leaf) {
  let out = init
  for (let s = 0; s < xs.length; s += leaf) {
    let acc = init
    for (let i = s; i < Math.min(s + leaf, xs.length); i++) acc = Number(fn(acc, xs[i], i))
    out = s === 0 ? acc : Number(combine(out, acc))
  }
  return out
}

function check(what, got, want, detail) {
  if (!Object.is(got, want)) violation('mismatch', { call: what, want: String(want), got: String(got), ...detail })
}

export const reduceCase = {
  name: 'reduce',
  steps: 40,
  async setup(ctx) {
    ctx.pools = [1, 2, 4].map((threads) => new ctx.np.Pool({ threads }))
  },
  async teardown(ctx) {
    await Promise.all(ctx.pools.map((p) => p.close()))
  },
  async run(rng, ctx, index) {
    const np = ctx.np
    const xs = input(rng)
    const typed = rng.chance(0.7) ? Float64Array.from(xs) : xs
    const pool = rng.pick([undefined, ...ctx.pools])
    const sync = rng.chance(0.3)
    if (rng.chance(0.5)) {
      const op = rng.pick(OPS)
      step(`#${index} ${op} n=${xs.length} ${sync ? 'sync' : 'async'}`)
      const want = reference(op, xs)
      const r = sync
        ? callSync('parallelReduceSync', () => np.parallelReduceSync(typed, op))
        : await callAsync('parallelReduce', () => np.parallelReduce(typed, op, pool ? { pool } : undefined), undefined, 60000)
      if (!r.ok) violation('failed', { call: op, error: String(r.error) })
      else check(op, r.value, want, { n: xs.length })
      return
    }
    const body = expr(rng, ['acc', 'x', 'i'], rng.int(1, 4))
    const comb = expr(rng, ['a', 'b'], rng.int(1, 3))
    const source = `(acc, x, i) => ${body}`
    const combineSource = `(a, b) => ${comb}`
    const fn = new Function(`return ${source}`)()
    const combine = new Function(`return ${combineSource}`)()
    const init = rng.pick([0, 1, -0, NaN, 0.5, -Infinity])
    const chunkSize = rng.chance(0.5) ? undefined : rng.logInt(1, 50000)
    step(`#${index} custom ${source} / ${combineSource} n=${xs.length} chunkSize=${chunkSize} ${sync ? 'sync' : 'async'}`)
    const opts = { init, combine, chunkSize }
    const r = sync
      ? callSync('parallelReduceSync', () => np.parallelReduceSync(typed, fn, opts), KERNEL_CODES)
      : await callAsync('parallelReduce', () => np.parallelReduce(typed, fn, pool ? { ...opts, pool } : opts), KERNEL_CODES, 60000)
    if (!r.ok) return
    check('custom', r.value, documented(xs, fn, init, combine, chunkSize ?? DEFAULT_LEAF), { source, combineSource, init, chunkSize, n: xs.length })
  },
}
