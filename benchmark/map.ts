/**
 * parallelMap against the real alternatives, on 4M-element Float64Arrays:
 * a plain JS loop (the baseline), piscina workers each computing one slice
 * of a SharedArrayBuffer, and parallelMap (the kernel compiled to native
 * code, run on every core; the time includes copying the (plain) input and
 * allocating the output). Kernels: math-heavy, cheap, a Mandelbrot escape
 * count, and a three-point stencil reading the input through a `params`
 * array (copied, or in place over a SharedArrayBuffer, or sync). Each
 * contender's result is checked element by element
 * (Object.is) against the JS loop before timing.
 */
import os from 'node:os'
import { performance } from 'node:perf_hooks'

import { Piscina } from 'piscina'

import { compileKernel, parallelMap, parallelMapSync } from '../index.js'
import { compare, median } from './harness.ts'

const N = 4 * 1024 * 1024

type Kernel = (x: number, i: number) => number

const heavy: Kernel = (x) => Math.sin(Math.sqrt(x) * 2 + 1) * Math.exp(-x * 1e-6) + Math.log1p(x)
const cheap: Kernel = (x) => x * 2.5 + 1
const mandelbrot: Kernel = (x, i) => {
  const cr = -2 + ((i % 2048) / 2048) * 2.5
  const ci = -1.25 + (Math.floor(i / 2048) / 2048) * 2.5 + x * 0
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
}
/** The FNV-style hash over the index (issue 16): int32 code for `h` and `k`. */
const bitwise: Kernel = (x, i) => {
  let h = 0x811c9dc5 | 0
  for (let k = 0; k < 8; k++) {
    h ^= (i >>> (k * 4)) & 0xff
    h = Math.imul(h, 16777619)
  }
  return (h >>> 0) / 4294967296 + x
}

/**
 * The baseline: a plain loop written for one kernel. Each kernel gets its own
 * copy of the loop (a fresh function), so V8 sees one call target and inlines
 * it, as in hand-written code; a shared loop would be megamorphic.
 */
function jsLoopFor(f: Kernel): (xs: Float64Array) => Float64Array {
  return new Function(
    'f',
    `return function loop(xs) {
      const out = new Float64Array(xs.length)
      for (let i = 0; i < xs.length; i++) out[i] = f(xs[i], i)
      return out
    }`,
  )(f)
}

function sameArrays(results: unknown[]): void {
  const [ref, ...rest] = results as Float64Array[]
  for (const r of rest) {
    if (r.length !== ref.length) throw new Error('length differs')
    for (let i = 0; i < r.length; i++) {
      if (!Object.is(r[i], ref[i])) throw new Error(`element ${i} differs: ${r[i]} vs ${ref[i]}`)
    }
  }
}

export async function main(): Promise<void> {
  const threads = os.availableParallelism()
  const piscina = new Piscina({
    filename: new URL('./map-worker.mjs', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
  })
  const shared = new SharedArrayBuffer(N * 8)
  const xs = new Float64Array(shared)
  for (let i = 0; i < N; i++) xs[i] = (i % 100_000) * 0.37 + 1
  const plain = Float64Array.from(xs)

  const viaPiscina = (f: Kernel) => async () => {
    const output = new SharedArrayBuffer(N * 8)
    const per = Math.ceil(N / threads)
    const source = f.toString()
    const parts = []
    for (let s = 0; s < N; s += per) parts.push(piscina.run({ source, input: shared, output, start: s, end: Math.min(N, s + per) }))
    await Promise.all(parts)
    return new Float64Array(output)
  }

  // Compile latency (cold: first kernel compiled in this process; warm: a new one; cached: again).
  const t0 = performance.now()
  compileKernel((x: number) => x + 0.125)
  const cold = performance.now() - t0
  const warm: number[] = []
  for (let k = 0; k < 20; k++) {
    const src = new Function(`return (x, i) => Math.sin(x * ${k + 1}.5) + (i % ${k + 2}) * Math.sqrt(x)`)()
    const t = performance.now()
    compileKernel(src)
    warm.push(performance.now() - t)
  }
  compileKernel(heavy)
  const t1 = performance.now()
  for (let k = 0; k < 1000; k++) compileKernel(heavy)
  const cached = (performance.now() - t1) / 1000
  console.log(
    `compile latency: cold ${(cold * 1000).toFixed(0)} µs, warm median ${(median(warm) * 1000).toFixed(0)} µs, cached ${(cached * 1000).toFixed(1)} µs`,
  )

  // The fixed costs around a kernel: copying the 32 MB input (the safety
  // copy), allocating the output, scheduling; the identity kernel shows them.
  const identity: number[] = []
  await parallelMap(plain, (x) => x) // warm: pool threads, first allocation
  for (let r = 0; r < 7; r++) {
    const t = performance.now()
    await parallelMap(plain, (x) => x)
    identity.push(performance.now() - t)
  }
  console.log(`parallelMap(x => x) end to end (input copy + output + run): median ${median(identity).toFixed(1)} ms, min ${Math.min(...identity).toFixed(1)} ms`)

  const nsPerElement = (ms: number) => ({ 'ns/elem': +((ms * 1e6) / N).toFixed(2) })
  const cases: Array<[string, Kernel, number]> = [
    ['math-heavy `Math.sin(Math.sqrt(x)*2+1)*Math.exp(-x*1e-6)+Math.log1p(x)`', heavy, 7],
    ['cheap `x * 2.5 + 1`', cheap, 9],
    ['Mandelbrot escape count (2048×2048, ≤ 200 iterations)', mandelbrot, 3],
    ['bitwise FNV-style hash over the index (`Math.imul`, `^`, `>>>`)', bitwise, 7],
  ]
  for (const [title, f, rounds] of cases) {
    const loop = jsLoopFor(f)
    await compare(
      `${title}, ${N / 2 ** 20}M elements, ${threads} threads`,
      [
        { name: 'JS loop', run: () => loop(plain) },
        { name: `piscina (${threads} workers, SharedArrayBuffer)`, run: viaPiscina(f) },
        { name: 'parallelMap', run: () => parallelMap(plain, f) },
      ],
      { rounds, check: sameArrays, extra: nsPerElement },
    )
  }

  // A stencil over the input through a params array: `xs` is read by index
  // (ends read `undefined`, so NaN, as in JS). An async call copies a
  // plain-ArrayBuffer params array at the call (32 MB here) and reads a
  // SharedArrayBuffer one in place; a sync call reads in place.
  const stencil: Kernel = (x, i) => (xs[i - 1] + x + xs[i + 1]) / 3
  const stencilLoop = jsLoopFor(stencil)
  await compare(
    `stencil \`(xs[i-1] + x + xs[i+1]) / 3\` (xs in params), ${N / 2 ** 20}M elements, ${threads} threads`,
    [
      { name: 'JS loop', run: () => stencilLoop(plain) },
      { name: 'parallelMap (params array copied)', run: () => parallelMap(plain, stencil, { params: { xs: plain } }) },
      { name: 'parallelMap (params SharedArrayBuffer, in place)', run: () => parallelMap(plain, stencil, { params: { xs } }) },
      { name: 'parallelMapSync (params in place)', run: () => parallelMapSync(plain, stencil, { params: { xs: plain } }) },
    ],
    { rounds: 9, check: sameArrays, extra: nsPerElement },
  )
  // The O(n) safety copy of a params array: identity kernels with and without a 32 MB one.
  const withCopy: number[] = []
  const without: number[] = []
  const touch: Kernel = (x) => x + 0 * xs.length
  for (let r = 0; r < 9; r++) {
    let t = performance.now()
    await parallelMap(plain, touch, { params: { xs: plain } })
    withCopy.push(performance.now() - t)
    t = performance.now()
    await parallelMap(plain, touch, { params: { xs } })
    without.push(performance.now() - t)
  }
  console.log(
    `params array copy (32 MB Float64Array, async): median ${median(withCopy).toFixed(1)} ms with the copy vs ${median(without).toFixed(1)} ms in place (SharedArrayBuffer): ${(median(withCopy) - median(without)).toFixed(1)} ms for the copy`,
  )
  await piscina.destroy()
  await cheapIo()
}

/**
 * The memory-bound kernel `x => x * 2.5 + 1` on 4M doubles with each input
 * and output choice: a plain or SharedArrayBuffer input (an async call copies
 * a plain one and reads a shared one in place), a new result (an ArrayBuffer
 * allocated at the call and written from the pool) or `out` (reused, plain
 * or shared), and the sync twin (which reads any Float64Array in place).
 * Against the JS loop making a new array (the first row) and the JS loop
 * writing into a reused array. Each contender has its own `out`.
 */
export async function cheapIo(rounds = 15): Promise<void> {
  const threads = os.availableParallelism()
  const plain = new Float64Array(N)
  for (let i = 0; i < N; i++) plain[i] = (i % 100_000) * 0.37 + 1
  const shared = new Float64Array(new SharedArrayBuffer(N * 8))
  shared.set(plain)
  const loop = jsLoopFor(cheap)
  const loopInto = new Function(
    'f',
    `return function loopInto(xs, out) {
      for (let i = 0; i < xs.length; i++) out[i] = f(xs[i], i)
      return out
    }`,
  )(cheap) as (xs: Float64Array, out: Float64Array) => Float64Array
  const outs = Array.from({ length: 6 }, () => new Float64Array(N))
  const sharedOut = new Float64Array(new SharedArrayBuffer(N * 8))
  await compare(
    `cheap \`x * 2.5 + 1\` input/output paths, ${N / 2 ** 20}M elements, ${threads} threads`,
    [
      { name: 'JS loop (new array)', run: () => loop(plain) },
      { name: 'JS loop into a reused array', run: () => loopInto(plain, outs[0]) },
      { name: 'parallelMap(plain)', run: () => parallelMap(plain, cheap) },
      { name: 'parallelMap(shared)', run: () => parallelMap(shared, cheap) },
      { name: 'parallelMap(plain, { out })', run: () => parallelMap(plain, cheap, { out: outs[1] }) },
      { name: 'parallelMap(shared, { out })', run: () => parallelMap(shared, cheap, { out: outs[2] }) },
      { name: 'parallelMap(shared, { out: shared })', run: () => parallelMap(shared, cheap, { out: sharedOut }) },
      { name: 'parallelMapSync(plain)', run: () => parallelMapSync(plain, cheap) },
      { name: 'parallelMapSync(plain, { out })', run: () => parallelMapSync(plain, cheap, { out: outs[3] }) },
    ],
    { rounds, check: sameArrays, extra: (ms) => ({ 'ns/elem': +((ms * 1e6) / N).toFixed(2) }) },
  )
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
