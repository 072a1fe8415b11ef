// Differential tests against V8: every corpus kernel (crates/kernel/tests/corpus.js,
// ≥ 40 kernels covering each construct of the subset) runs as a plain JS loop
// and through parallelMap on inputs including NaN, ±Infinity, -0, 5e-324,
// 2^31±1, 2^32, 2^53±1 and random values; each element must agree by Object.is.
import { createRequire } from 'node:module'

import test from 'ava'

import { parallelMap, parallelMapSync } from '../index.js'

const require = createRequire(import.meta.url)
const { CORPUS, inputs, pairs } = require('../crates/kernel/tests/corpus.js') as {
  CORPUS: Array<{ name: string; fn: (...a: number[]) => number | boolean; inputs?: number; params?: Record<string, number> }>
  inputs: (seed?: number, n?: number) => number[]
  pairs: (seed?: number) => [number[], number[]]
}

type Entry = (typeof CORPUS)[number]

/** The reference: V8 runs the same function, with params bound as constants. */
function reference(entry: Entry, columns: number[][], Out: { new (n: number): ArrayLike<number> & { [i: number]: number } } = Float64Array) {
  const names = Object.keys(entry.params ?? {})
  const fn: (...a: number[]) => number = names.length
    ? new Function(...names, `return (${entry.fn.toString()})`)(...names.map((n) => entry.params![n]))
    : (entry.fn as (...a: number[]) => number)
  const n = columns[0].length
  const out = new Out(n)
  for (let i = 0; i < n; i++) out[i] = columns.length === 1 ? fn(columns[0][i], i) : fn(columns[0][i], columns[1][i], i)
  return out
}

function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return -2
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) return i
  return -1
}

test('the corpus covers at least 40 kernels', (t) => {
  t.true(CORPUS.length >= 40)
})

for (const entry of CORPUS) {
  test(`V8 and parallelMap agree: ${entry.name}`, async (t) => {
    const columns = (entry.inputs ?? 1) === 1 ? [inputs(1)] : pairs(2)
    const want = reference(entry, columns)
    const input = columns.length === 1 ? Float64Array.from(columns[0]) : columns.map((c) => Float64Array.from(c))
    const got = await parallelMap(input, entry.fn, { params: entry.params, chunkSize: 5 })
    t.true(got instanceof Float64Array)
    const bad = firstMismatch(got, want)
    t.is(bad, -1, bad < 0 ? '' : `at ${bad}: inputs ${columns.map((c) => c[bad])} → got ${got[bad]}, V8 gives ${want[bad]}\n${entry.fn}`)
    // The blocking twin agrees, from number[] input too.
    const sync = parallelMapSync(columns.length === 1 ? columns[0] : columns, entry.fn, { params: entry.params })
    t.is(firstMismatch(sync, want), -1)
  })
}

test('output types convert like typed-array stores', async (t) => {
  const xs = inputs(3)
  const cases = [
    ['float32', Float32Array],
    ['int32', Int32Array],
    ['uint32', Uint32Array],
    ['uint8', Uint8Array],
  ] as const
  for (const entry of CORPUS.filter((e) => (e.inputs ?? 1) === 1).slice(0, 20)) {
    for (const [output, Ctor] of cases) {
      const want = reference(entry, [xs], Ctor)
      const got = await parallelMap(xs, entry.fn, { params: entry.params, output })
      t.true(got instanceof Ctor)
      t.is(firstMismatch(got, want), -1, `${entry.name} as ${output}`)
    }
  }
})

test('a large input agrees with V8 on every element', async (t) => {
  const n = 300_000
  const xs = new Float64Array(n)
  for (let i = 0; i < n; i++) xs[i] = (i % 1000) * 1.37 - 500 + i * 1e-3
  const heavy = (x: number) => Math.sin(Math.sqrt(Math.abs(x)) * 2 + 1) * Math.exp(-x * 1e-6) + Math.log1p(Math.abs(x))
  const got = await parallelMap(xs, heavy)
  const want = new Float64Array(n)
  for (let i = 0; i < n; i++) want[i] = heavy(xs[i])
  t.is(firstMismatch(got, want), -1)
})
