// Differential tests against V8: every corpus kernel (crates/kernel/tests/corpus.js,
// ≥ 40 kernels covering each construct of the subset) runs as a plain JS loop
// and through parallelMap on inputs including NaN, ±Infinity, -0, 5e-324,
// 2^31±1, 2^32, 2^53±1 and random values; each element must agree by Object.is.
// Through spawn each kernel returns the exact JS value (booleans and
// `undefined` included), also checked by Object.is.
import { createRequire } from 'node:module'

import test from 'ava'

import { parallelMap, parallelMapSync, spawn } from '../index.js'

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

// Every construct of the subset (lib/map.d.ts `Kernel`) and every built-in
// Math op must appear in some corpus kernel, or the differential tests below
// would not exercise it.
const CONSTRUCTS: Array<[string, RegExp]> = [
  ['for loop', /\bfor\s*\(/],
  ['while loop', /\bwhile\s*\(/],
  ['do-while loop', /\bdo\s*\{/],
  ['if/else', /\belse\b/],
  ['conditional operator', /\?[^?:]+:/],
  ['break', /\bbreak\b/],
  ['continue', /\bcontinue\b/],
  ['let', /\blet\b/],
  ['const', /\bconst\b/],
  ['function expression', /^function\b/],
  ['nested function declaration', /\bfunction\s+\w+\s*\(/],
  ['compound assignment', /[-+*/%]=(?!=)/],
  ['increment/decrement', /\+\+|--/],
  ['remainder', /%/],
  ['exponent', /\*\*/],
  ['bitwise and/or/xor/not', /[^&]&[^&][\s\S]*\||\|[\s\S]*[^&]&[^&]/],
  ['xor', /\^/],
  ['bitwise not', /~/],
  ['shift left', /<</],
  ['signed shift right', /[^>]>>[^>]/],
  ['unsigned shift right', />>>/],
  ['logical and/or', /&&[\s\S]*\|\||\|\|[\s\S]*&&/],
  ['logical not', /![^=]/],
  ['nullish coalescing', /\?\?/],
  ['strict (in)equality', /===[\s\S]*!==|!==[\s\S]*===/],
  ['boolean literal', /\b(true|false)\b/],
  ['undefined', /\bundefined\b/],
  ['var', /\bvar\b/],
  ['loose (in)equality', /[^=!]==[^=][\s\S]*!=[^=]|!=[^=][\s\S]*[^=!]==[^=]/],
  ['nullish assignment', /\?\?=/],
  ['Number.is*', /\bNumber\.is\w+\(/],
  ['Math constant', /\bMath\.(PI|E|LN2|LN10|LOG2E|LOG10E|SQRT2|SQRT1_2)\b/],
]
const BUILTIN_OPS = ['abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cbrt', 'ceil', 'clz32', 'cos', 'cosh', 'exp', 'expm1', 'floor', 'fround', 'log', 'log10', 'log1p', 'log2', 'round', 'sign', 'sin', 'sinh', 'sqrt', 'tan', 'tanh', 'trunc']

test('the corpus covers every construct of the subset and every built-in op', (t) => {
  t.true(CORPUS.length >= 40)
  t.is(new Set(CORPUS.map((e) => e.name)).size, CORPUS.length, 'kernel names are unique')
  const sources = CORPUS.map((e) => e.fn.toString())
  for (const [what, re] of CONSTRUCTS) t.true(sources.some((s) => re.test(s)), `no corpus kernel uses ${what}`)
  for (const op of [...BUILTIN_OPS, 'imul', 'pow', 'atan2', 'hypot', 'max', 'min']) {
    t.true(sources.some((s) => s.includes(`Math.${op}(`)), `no corpus kernel calls Math.${op}`)
  }
  // Recursion: a nested function that calls itself.
  const recursive = sources.some((s) => [...s.matchAll(/\bfunction\s+(\w+)\s*\(/g)].some((m) => s.split(`${m[1]}(`).length > 2))
  t.true(recursive, 'no corpus kernel recurses')
  t.true(CORPUS.some((e) => e.params !== undefined), 'no corpus kernel reads params')
  t.true(CORPUS.some((e) => e.inputs === 2), 'no corpus kernel zips two inputs')
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

/** The function `spawn` runs for `entry`: params bound as constants. */
function bound(entry: Entry): (...a: number[]) => unknown {
  const names = Object.keys(entry.params ?? {})
  return names.length ? new Function(...names, `return (${entry.fn.toString()})`)(...names.map((n) => entry.params![n])) : entry.fn
}

test('through spawn every corpus kernel returns V8\'s exact value (booleans and undefined included)', async (t) => {
  const kinds = new Set<string>()
  for (const entry of CORPUS) {
    const fn = bound(entry)
    const columns = (entry.inputs ?? 1) === 1 ? [inputs(5, 12)] : pairs(6).map((c) => c.slice(0, 12))
    for (let i = 0; i < columns[0].length; i++) {
      const args = [...columns.map((c) => c[i]), i]
      const want = fn(...args)
      const got = await spawn<number | boolean | undefined>(entry.fn, args, { params: entry.params })
      kinds.add(typeof want)
      if (!Object.is(got, want)) t.fail(`${entry.name} (${args}): got ${String(got)}, V8 gives ${String(want)}\n${entry.fn}`)
    }
  }
  t.deepEqual([...kinds].sort(), ['boolean', 'number', 'undefined'])
})

/** Kernels of the issue (and the value model's edges), with the arguments to run them on. */
const VALUE_CASES: Array<[string, number[]]> = [
  ['x => { function f(a) { return a === 1 } return f(true) }', [0]],
  ['x => { function f(a) { return a === true } return f(x > 0) }', [1]],
  ['x => Number.isInteger(x > 0 ? x > 5 : 3)', [1]],
  ['x => Number.isInteger(x > 0 ? x > 5 : 3)', [-1]],
  ['x => Number.isFinite(x > 0 ? true : x)', [-2]],
  ['x => Number.isSafeInteger(x > 0 ? undefined : 7)', [1]],
  ['x => isNaN(x > 0 ? undefined : 7)', [1]],
  ['x => Number.isNaN(undefined)', [0]],
  ['x => isNaN()', [0]],
  ['x => { let a; return a ?? 3 }', [0]],
  ['x => { let a = 0 / 0; return a ?? 3 }', [0]],
  ['x => { let a; a ??= x > 0; return a }', [1]],
  ['x => { let a; return a }', [0]],
  ['x => { if (x > 0) return 1 }', [-1]],
  ['x => x == null', [0]],
  ['x => { let a; return a == null }', [0]],
  ['x => (x > 0 ? undefined : false) == 0', [-1]],
  ['x => (x > 0 ? undefined : false) === false', [-1]],
  ['x => (x > 0 ? undefined : NaN) === undefined', [1]],
  ['x => (x > 0 ? undefined : NaN) != undefined', [-1]],
  ['x => undefined == false', [0]],
  ['(a, b) => b === undefined', [1]],
  ['(a, b) => b', [1]],
  ['x => (x > 0 || undefined) ?? 9', [-1]],
  ['x => { function f1(v) { return f2(v) } function f2(v) { return f3(v) } function f3(v) { return f4(v) } function f4(v) { return f5(v) } function f5(v) { return f6(v) } function f6(v) { return f7(v) } function f7(v) { return v > 0 } return f1(x) }', [1]],
  ['function f(n) { return n <= 0 ? n === 0 : f(n - 1) }', [3]],
  ['x => { function f(a, b) { return b } return f(x) }', [1]],
  // Natural code: var hoisting and nested functions reading enclosing variables.
  ['x => { const y = v; var v = 2; return y }', [0]],
  ['x => { if (x > 0) { var y = 2 } return y }', [-1]],
  ['x => { const k2 = 2; function g(v) { return v * k2 } return g(x) }', [4]],
  ['(x, i) => { function g() { return x + i } return g() }', [4, 3]],
  ['x => { let a = x; function g() { return a } const r1 = g(); a = 10; return r1 * 100 + g() }', [3]],
  ['x => { function g() { return v } var r = g(); var v = 1; return r }', [0]],
  ['x => { let k = 1; function g(a) { return k } return g(k = 5) }', [0]],
  ['x => { let y = x > 0 ? true : 1; return y === 1 }', [-1]],
]

test('the issue\'s examples return what V8 returns', async (t) => {
  for (const [source, args] of VALUE_CASES) {
    const fn = new Function(`return ${source}`)()
    const got = await spawn<number | boolean | undefined>(fn, args)
    t.true(Object.is(got, fn(...args)), `${source} (${args}): got ${String(got)}, V8 gives ${String(fn(...args))}`)
    // In parallelMap the same values are stored as numbers (ToNumber).
    if (args.length === 1) {
      const [out] = await parallelMap([args[0]], fn)
      t.true(Object.is(out, Number(fn(args[0], 0))), `${source} as an element`)
    }
  }
})

test('assigning an enclosing variable from a nested function is a clear error', async (t) => {
  const e = await t.throwsAsync(spawn((x: number) => { let a = x; function g() { a = 2 } g(); return a }, [1], { engine: 'native' }))
  t.is((e as { code?: string }).code, 'ERR_UNSUPPORTED_KERNEL')
  t.regex(e!.message, /`a` is a variable of an enclosing function: a nested function cannot assign it \(at \d+:\d+\)/)
})

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
