/**
 * parallelReduce against the real alternatives, on 4M and 16M-element
 * Float64Arrays: `sum` (exact, correctly rounded) against a plain JS loop
 * (the baseline; rounds at every step) and `Float64Array.prototype.reduce`,
 * async (the input is copied) and sync (a Float64Array is read in place);
 * `min` against a JS loop; and a custom reducer (a sum of squares with a
 * combine) against the same JS loop. Each row gives ns per element.
 *
 * The exact sum and the loop differ in the last bits on random data (the
 * loop is the inexact one), so the check compares them within a relative
 * 1e-9, and the parallel contenders with each other exactly.
 */
import { parallelReduce, parallelReduceSync } from '../index.js'
import { compare } from './harness.ts'

function loopSum(xs: Float64Array): number {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i]
  return s
}

function loopMin(xs: Float64Array): number {
  let m = Infinity
  for (let i = 0; i < xs.length; i++) m = Math.min(m, xs[i])
  return m
}

function loopSquares(xs: Float64Array): number {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i] * xs[i]
  return s
}

const squares = (acc: number, x: number) => acc + x * x
const plus = (a: number, b: number) => a + b

/** The JS loop is inexact: results agree to 1e-9; the native ones exactly. */
function close(results: unknown[]): void {
  const [ref, ...rest] = results as number[]
  for (const r of rest) {
    if (Math.abs(r - ref) > 1e-9 * Math.abs(ref)) throw new Error(`result ${r} differs from ${ref}`)
  }
}

export async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 7)
  for (const n of [4 << 20, 16 << 20]) {
    const xs = Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 1000 + (i % 7))
    const ns = (ms: number) => ({ nsPerElement: +((ms * 1e6) / n).toFixed(3) })
    const label = `${n >> 20}M`
    const rows = await compare(
      `sum of ${label} doubles`,
      [
        { name: 'JS loop', run: () => loopSum(xs) },
        { name: 'Float64Array reduce', run: () => xs.reduce((a, b) => a + b, 0) },
        { name: 'parallelReduce sum (async, copies)', run: () => parallelReduce(xs, 'sum') },
        { name: 'parallelReduceSync sum (in place)', run: () => parallelReduceSync(xs, 'sum') },
      ],
      { rounds, check: close, extra: ns },
    )
    await compare(
      `min of ${label} doubles`,
      [
        { name: 'JS loop (Math.min)', run: () => loopMin(xs) },
        { name: 'parallelReduceSync min', run: () => parallelReduceSync(xs, 'min') },
      ],
      { rounds, check: (r) => { if (!Object.is(r[0], r[1])) throw new Error(`min ${r[1]} vs ${r[0]}`) }, extra: ns },
    )
    await compare(
      `custom reducer (sum of squares) over ${label} doubles`,
      [
        { name: 'JS loop', run: () => loopSquares(xs) },
        { name: 'parallelReduce (async)', run: () => parallelReduce(xs, squares, { init: 0, combine: plus }) },
        { name: 'parallelReduceSync', run: () => parallelReduceSync(xs, squares, { init: 0, combine: plus }) },
      ],
      { rounds, check: close, extra: ns },
    )
    void rows
  }
}
