// Arrays passed in `params`: kernels read them as `a[j]` and `a.length`.
// Every result is compared with V8 running the same function (params bound
// as constants) by Object.is, for every element kind, every kind of index
// (out of range, fractional, negative, -0, NaN, ±Infinity, booleans), empty
// and huge arrays and stencils at the ends; then the documented safety
// behaviour (copy at an async call, in place over a SharedArrayBuffer, a
// detached array refused at the call) and the errors for writes and other
// properties.
import test from 'ava'
import fc from 'fast-check'

import { compileKernel, parallelMap, parallelMapSync, spawn } from '../index.js'

type Params = Record<string, unknown>

// Params the kernels below read by name (bound by `reference` in V8, by the
// compiler in a kernel); never read as module variables.
declare const a: Float64Array, b: number, scale: number, m: any
type Fn = (...a: any[]) => number | boolean

/** V8's result: `fn` with params bound as constants, over `xs` as `(x, i)`. */
function reference(fn: Fn, xs: ArrayLike<number>, params: Params): Float64Array {
  const names = Object.keys(params)
  const bound = new Function(...names, `return (${fn.toString()})`)(...names.map((n) => params[n])) as Fn
  const out = new Float64Array(xs.length)
  for (let i = 0; i < xs.length; i++) out[i] = Number(bound(xs[i], i))
  return out
}

function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>): string | undefined {
  if (got.length !== want.length) return `length ${got.length} vs ${want.length}`
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i])) return `element ${i}: got ${got[i]}, V8 gives ${want[i]}`
  return undefined
}

/** Async, sync and reference agree element by element. */
async function same(t: any, fn: Fn, xs: ArrayLike<number>, params: Params, label: string) {
  const want = reference(fn, xs, params)
  const input = xs instanceof Float64Array ? xs : Float64Array.from(xs)
  const got = await parallelMap(input, fn as any, { params: params as any })
  t.is(firstMismatch(got, want), undefined, `${label} (async)`)
  const sync = parallelMapSync(input, fn as any, { params: params as any })
  t.is(firstMismatch(sync, want), undefined, `${label} (sync)`)
}

/** Indices that exercise every case of ToPropertyKey on a number. */
const INDICES = [0, -0, 1, 2, 3, 4, 5, 7, 8, 100, -1, -2, 0.5, 1.5, 2.000001, -0.5, NaN, Infinity, -Infinity, 2 ** 32, 2 ** 53, 1e300, -1e300, 5e-324]

const KINDS = [Float64Array, Float32Array, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array] as const

test('every element kind reads each element and its length, as V8 does', async (t) => {
  const values = [0, -0, 1.5, -7.25, 127, 128, 255, 256, -129, 65535, 2 ** 31, -(2 ** 31), 2 ** 32 - 1, 0.1, NaN, Infinity]
  for (const Kind of KINDS) {
    const lut = Kind.from(values)
    const idx = Float64Array.from({ length: values.length + 3 }, (_, i) => i - 1)
    await same(t, (j: number) => lut[j], idx, { lut }, `${Kind.name} a[j]`)
    await same(t, (j: number) => lut[j] * 2 + lut.length, idx, { lut }, `${Kind.name} a[j] * 2 + a.length`)
  }
  // A plain number[] is copied to doubles.
  const plain = [1.5, -0, NaN, 4, undefined as unknown as number]
  await same(t, (j: number) => plain[j], Float64Array.from({ length: 7 }, (_, i) => i - 1), { plain }, 'number[]')
})

test('out-of-range, fractional, negative, -0, NaN and infinite indices read undefined (NaN today) as in JS', async (t) => {
  const lut = new Float64Array([10, 20, 30, 40, 50, 60, 70, 80])
  await same(t, (j: number) => lut[j], INDICES, { lut }, 'a[j]')
  // Arithmetic on the index, and reads that are then combined.
  await same(t, (j: number) => lut[j - 1] + lut[j * 2] - lut[j / 2], INDICES, { lut }, 'a[j-1] + a[2j] - a[j/2]')
  // A boolean index is the property "true"/"false": never an element.
  await same(t, (j: number) => lut[j > 2 ? 1 : 0] + (lut as any)[(j > 2) as any], INDICES, { lut }, 'a[bool]')
  // `a[j] ?? d` and a comparison on an index read.
  await same(t, (j: number) => (lut[j] > 25 ? 1 : -1), INDICES, { lut }, 'a[j] > 25')
})

test('stencils over the input equal V8, ends included', async (t) => {
  const xs = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 100)
  await same(t, (x: number, i: number) => (xs[i - 1] + x + xs[i + 1]) / 3, xs, { xs }, 'three-point stencil')
  const got = await parallelMap(xs, (x: number, i: number) => (xs[i - 1] + x + xs[i + 1]) / 3, { params: { xs } })
  t.true(Number.isNaN(got[0]) && Number.isNaN(got[999]))
  // Several arrays and a number, with a loop over a lookup table.
  const w = new Float32Array([0.25, 0.5, 0.25])
  await same(
    t,
    (x: number, i: number) => {
      let s = 0
      for (let k = 0; k < w.length; k++) s += w[k] * xs[i + k - 1]
      return s * scale
    },
    xs,
    { xs, w, scale: 2 },
    'weighted stencil',
  )
})

test('empty arrays and a huge array', async (t) => {
  const empty = new Int16Array(0)
  await same(t, (j: number) => empty[j] + empty.length, INDICES, { empty }, 'empty')
  const n = 1 << 24
  const huge = new Uint32Array(n)
  for (let i = 0; i < n; i += 4099) huge[i] = i * 7
  const idx = new Float64Array([0, 4099, n - 1, n, n - 4099 * 3, -1, 8198.5])
  await same(t, (j: number) => huge[j] + huge.length, idx, { huge }, 'huge Uint32Array')
})

test('nested functions read arrays, and spawn takes them too', async (t) => {
  const lut = new Int32Array([3, 1, 4, 1, 5, 9, 2, 6])
  const fn = (x: number, i: number) => {
    function at(k: number) {
      return lut[k % lut.length]
    }
    return at(i) * x
  }
  await same(t, fn, Float64Array.from({ length: 20 }, (_, i) => i), { lut }, 'nested function')
  const sum = (from: number) => {
    let s = 0
    for (let k = from; k < lut.length; k++) s += lut[k]
    return s
  }
  t.is(await spawn(sum, [2], { params: { lut } }), 27)
  // Out of range: `undefined` itself, as JS gives.
  t.is(await spawn<number | undefined>((j: number) => lut[j], [8], { params: { lut } }), undefined)
})

test('same source with a number param and an array param, or two element kinds, are different kernels', async (t) => {
  const fn = (j: number) => a[j] + 0
  const f64 = await parallelMap(new Float64Array([0, 1]), fn as any, { params: { a: new Float64Array([0.5, 1.5]) } })
  const i8 = await parallelMap(new Float64Array([0, 1]), fn as any, { params: { a: new Int8Array([-1, 200]) } })
  t.deepEqual([...f64], [0.5, 1.5])
  t.deepEqual([...i8], [-1, -56])
  // As a number param the same source is indexing a number: outside the subset.
  await t.throwsAsync(parallelMap(new Float64Array([0]), fn as any, { params: { a: 1 } }), { code: 'ERR_UNSUPPORTED_KERNEL' })
  const g = (x: number) => x + b
  t.deepEqual([...(await parallelMap(new Float64Array([1]), g as any, { params: { b: 2 } }))], [3])
  await t.throwsAsync(parallelMap(new Float64Array([1]), g as any, { params: { b: new Float64Array(1) } }), {
    code: 'ERR_UNSUPPORTED_KERNEL',
    message: /`b` cannot be used as a value/,
  })
})

test('an async call copies a plain-ArrayBuffer array at the call: later writes and a transfer are not seen', async (t) => {
  const lut = new Float64Array([1, 2, 3, 4])
  const idx = Float64Array.from({ length: 4 }, (_, i) => i)
  const pending = parallelMap(idx, (j: number) => lut[j] * 10, { params: { lut } })
  lut.fill(99)
  t.deepEqual([...(await pending)], [10, 20, 30, 40])
  const lut2 = new Uint8Array([5, 6, 7])
  const pending2 = spawn((j: number) => lut2[j] + lut2.length, [2], { params: { lut2 } })
  structuredClone(lut2.buffer, { transfer: [lut2.buffer] })
  t.is(lut2.length, 0)
  t.is(await pending2, 10)
})

test('an array over a SharedArrayBuffer is read in place by an async task (writes are seen)', async (t) => {
  const flag = new Int32Array(new SharedArrayBuffer(8))
  // The kernel spins until JS writes flag[0] after the call: only an
  // in-place read can see it (a copy would spin until the timeout).
  const pending = spawn(
    () => {
      let n = 0
      while (flag[0] === 0) n++
      return flag[1] + (n >= 0 ? 0 : 1)
    },
    [],
    { params: { flag }, timeout: 20_000 },
  )
  flag[1] = 42
  Atomics.store(flag, 0, 1)
  t.is(await pending, 42)
  // A sync call reads in place too (same results as a copy would give).
  const shared = new Float64Array(new SharedArrayBuffer(32)).fill(2.5)
  t.deepEqual([...parallelMapSync(new Float64Array([0, 3, 4]), (j: number) => shared[j], { params: { shared } })], [2.5, 2.5, NaN])
})

test('a detached array is a coded error at the call; BigInt arrays and other values are TypeErrors', async (t) => {
  const lut = new Float64Array(4)
  structuredClone(lut.buffer, { transfer: [lut.buffer] })
  const kernel = (j: number) => lut[j]
  await t.throwsAsync(parallelMap(new Float64Array(2), kernel as any, { params: { lut } }), {
    instanceOf: TypeError,
    code: 'ERR_INVALID_ARG_VALUE',
    message: /options\.params\.lut.*detached/,
  })
  t.throws(() => parallelMapSync(new Float64Array(2), kernel as any, { params: { lut } }), { code: 'ERR_INVALID_ARG_VALUE' })
  await t.throwsAsync(spawn(kernel, [0], { params: { lut } }), { code: 'ERR_INVALID_ARG_VALUE' })
  for (const [value, needle] of [
    [new BigInt64Array(2), /BigInt64Array/],
    [new BigUint64Array(2), /BigInt64Array/],
    [new DataView(new ArrayBuffer(8)), /options\.params\.lut/],
    [{ length: 2 }, /options\.params\.lut/],
    ['abc', /options\.params\.lut/],
    [[1, 'x'], /options\.params\.lut\[1\]/],
    [[1, true], /options\.params\.lut\[1\]/],
  ] as const) {
    await t.throwsAsync(parallelMap(new Float64Array(2), kernel as any, { params: { lut: value as any } }), {
      instanceOf: TypeError,
      code: 'ERR_INVALID_ARG_TYPE',
      message: needle,
    })
  }
})

test('writes and other properties are ERR_UNSUPPORTED_KERNEL with line and column', async (t) => {
  const lut = new Float64Array(4)
  // [kernel, message, the text the error points at]
  const cases: Array<[Fn, RegExp, string]> = [
    [(j: number) => ((lut[j] = 1), j), /read-only in a kernel: cannot write to `lut`/, 'lut[j] ='],
    [(j: number) => lut[j]++, /read-only/, 'lut[j]++'],
    [(j: number) => (m.length = 0), /read-only in a kernel: cannot write to `m`/, 'm.length'],
    [(j: number) => (lut as any).byteLength + j, /`lut.byteLength` is not supported in a kernel/, 'byteLength'],
    [(j: number) => Math.max(lut as any, j), /`lut` cannot be used as a value/, 'lut'],
  ]
  for (const [fn, message, at] of cases) {
    const src = fn.toString()
    const err = await t.throwsAsync(parallelMap(new Float64Array(1), fn as any, { params: { lut, m: lut } }), {
      instanceOf: TypeError,
      code: 'ERR_UNSUPPORTED_KERNEL',
      message,
    })
    const offset = at === 'lut' ? src.lastIndexOf('lut') : src.indexOf(at)
    t.true(offset >= 0, src)
    t.is((err as any).line, 1, src)
    t.is((err as any).column, offset + 1, src)
  }
})

test('copy cost: an async call copies each plain-ArrayBuffer array once (results stay exact)', async (t) => {
  // 8M doubles (64 MB) copied at the call: the run still matches V8 on a sample.
  const n = 1 << 23
  const big = new Float64Array(n).map((_, i) => i * 0.5)
  const idx = new Float64Array([0, 1, n - 1, n, -0])
  await same(t, (j: number) => big[j], idx, { big }, 'copied 64 MB array')
})

test('compileKernel compiles for array params when given their values', (t) => {
  const lut = new Uint8Array(3)
  const fn = (x: number) => lut[x] + lut.length
  t.notThrows(() => compileKernel(fn, { params: { lut, k: 1 } }))
  // Names alone mean numbers: indexing a number is outside the subset.
  t.throws(() => compileKernel(fn, { params: { lut: 1 } }), { code: 'ERR_UNSUPPORTED_KERNEL' })
  t.throws(() => compileKernel(fn, { params: { lut: new BigInt64Array(1) as any } }), { code: 'ERR_INVALID_ARG_TYPE' })
})

// Random expression kernels over array reads (fast-check), against V8: an
// out-of-range read is `undefined`, which ==/!=/===/!== and `??` tell from NaN.
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 5e-324, 1, -1, 0.5, -2.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 1e20, -7, 3]
const OPS = ['+', '-', '*', '/', '%', '**', '|', '&', '^', '<<', '>>', '>>>', '<', '<=', '>', '>=', '&&', '||', '??', '===', '!==', '==', '!=']
const { arrayExpr } = fc.letrec((tie) => ({
  arrayExpr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('x', 'i', '0', '(-0)', '1', '2', '3', '15', '16', '17', '(-1)', '0.5', '1.5', 'NaN', 'Infinity', 'f.length', 'q.length'),
    tie('arrayExpr').map((e) => `f[${e}]`),
    tie('arrayExpr').map((e) => `q[${e}]`),
    fc.tuple(fc.constantFrom('-', '!', '~'), tie('arrayExpr')).map(([op, e]) => `(${op}(${e}))`),
    fc.tuple(tie('arrayExpr'), fc.constantFrom(...OPS), tie('arrayExpr')).map(([l, op, r]) => `(${l} ${op} ${r})`),
    fc.tuple(tie('arrayExpr'), tie('arrayExpr'), tie('arrayExpr')).map(([c, l, r]) => `(${c} ? ${l} : ${r})`),
    fc.tuple(fc.constantFrom('floor', 'abs', 'sqrt', 'round'), tie('arrayExpr')).map(([m, e]) => `Math.${m}(${e})`),
  ),
}))

test('random kernels over array reads agree with V8', async (t) => {
  const f = Float64Array.from(SPECIAL)
  const q = Int8Array.from([5, -3, 0, 127, -128, 1, 2, 3])
  const xs = Float64Array.from([...SPECIAL, 3.75, 0.3, 7, 8])
  let checked = 0
  await fc.assert(
    fc.asyncProperty(arrayExpr, async (body) => {
      const source = `(x, i) => ${body}`
      const want = reference(new Function(`return ${source}`)(), xs, { f, q })
      const fn = new Function(`return ${source}`)()
      const got = await parallelMap(xs, fn, { params: { f, q } })
      const bad = firstMismatch(got, want)
      if (bad) throw new Error(`${source}: ${bad}`)
      checked++
    }),
    { numRuns: 300, seed: 20261202 },
  )
  t.is(checked, 300)
})

// An out-of-range read is `undefined`, not NaN: equal to itself, replaced by
// `??`, and not NaN for Number.isNaN; through spawn it is `undefined` itself.
test('an out-of-range read is undefined for ===, ?? and Number.isNaN', async (t) => {
  const lut = new Float64Array(2)
  const fn = (j: number) => (lut[j + 5] === lut[j + 5] ? 1 : 0) + ((lut[j + 5] ?? 10) as number) + (Number.isNaN(lut[j + 5]) ? 100 : 0)
  await same(t, fn, [0, 1], { lut }, 'undefined reads')
  const at = (j: number) => lut[j]
  for (const j of [0, 1, 2, -1, 0.5, -0, NaN]) {
    t.is(await spawn<number | undefined>(at, [j], { params: { lut } }), at(j), `spawn lut[${j}]`)
  }
  const mixed = (j: number) => lut[(j > 0 ? j > 5 : j) as number]
  for (const j of [0, 1, 7, -1]) t.is(await spawn<number | undefined>(mixed, [j], { params: { lut } }), mixed(j), `boolean-or-number index ${j}`)
})
