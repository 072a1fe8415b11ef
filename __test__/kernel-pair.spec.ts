// Kernels built around one loop run two elements at once in the compiled code
// (crates/kernel/src/codegen/pair.rs: two lanes in one fused loop). Each lane
// must compute exactly its own element: these kernels (lanes that leave the
// loop at very different iterations, tagged locals, params, nested calls,
// two inputs) are compared with V8 by Object.is on every element, for odd and
// even lengths and chunk sizes (a chunk may start at an odd index), sync and
// async. With NAPI_PARALLEL_KERNEL_PAIR=0 the same kernels take the
// one-element loop; the results are the same either way.
import test from 'ava'

import { parallelMap, parallelMapSync } from '../index.js'

const k = 0.37
const PAIRED: Array<(x: number, i: number) => number | boolean | undefined> = [
  (x, i) => {
    const cr = -2 + ((i % 61) / 61) * 2.5
    const ci = -1.25 + (Math.floor(i / 61) / 61) * 2.5 + x * 0
    let zr = 0
    let zi = 0
    let n = 0
    while (n < 200 && zr * zr + zi * zi <= 4) {
      const t = zr * zr - zi * zi + cr
      zi = 2 * zr * zi + ci
      zr = t
      n++
    }
    return n
  },
  (x, i) => {
    let s = 0
    for (let j = 0; j < i % 13; j++) s += Math.sqrt(j + Math.abs(x)) * k
    return s
  },
  (x) => {
    let u
    let b = x > 0
    let n = 0
    while (n < 5) {
      if (b) u = n
      else u = u ?? -n
      b = !b
      n++
    }
    return u === 3 ? true : u
  },
  (x, i) => {
    function f(v: number) {
      return v * 0.5 + 1
    }
    let z = x
    let n = 0
    while (n < 30 && Math.abs(z) < 1e6) {
      z = f(z) * (i % 3) - 1
      n += 1
    }
    return n + z * 1e-9
  },
  (x) => {
    let a = x | 0
    let h = 0
    while (a !== 0) {
      h = Math.imul(h ^ (a & 255), 16777619)
      a = a >>> 8
    }
    return h >>> 0
  },
]

function inputs(n: number): Float64Array {
  const xs = new Float64Array(n)
  for (let i = 0; i < n; i++) xs[i] = Math.sin(i * 0.61) * 3 + (i % 5 === 0 ? -0 : 0) + (i % 7 === 0 ? 1e6 : 0)
  xs[0] = NaN
  if (n > 3) xs[3] = -Infinity
  return xs
}

function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>): number {
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) return i
  return -1
}

test('paired one-loop kernels give V8\'s value for every element, at any length and chunk size', async (t) => {
  for (const fn of PAIRED) {
    for (const n of [0, 1, 2, 3, 8, 257, 3721]) {
      const xs = inputs(n)
      const want = new Float64Array(n)
      for (let i = 0; i < n; i++) want[i] = Number(fn(xs[i], i))
      for (const chunkSize of [1, 3, 256, undefined]) {
        const got = await parallelMap(xs, fn, { params: { k }, chunkSize })
        const bad = firstMismatch(got, want)
        t.is(bad, -1, bad < 0 ? '' : `n=${n} chunk=${chunkSize} at ${bad}: got ${got[bad]}, V8 gives ${want[bad]}\n${fn}`)
        const sync = parallelMapSync(xs, fn, { params: { k }, chunkSize })
        t.is(firstMismatch(sync, want), -1, `sync n=${n} chunk=${chunkSize}\n${fn}`)
      }
    }
  }
})
