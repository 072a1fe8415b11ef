// Property test: random expression kernels (fast-check) compiled by
// parallelMap agree with V8 element by element (Object.is), and through spawn
// return V8's exact value. The generators put booleans and `undefined`
// everywhere: literals, comparisons, `!`, `??`, `Number.is*`, `let u;`,
// `??=`, missing arguments of nested functions.
import test from 'ava'
import fc from 'fast-check'

import { parallelMap, spawn } from '../index.js'

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 5e-324, 1, -1, 0.5, -2.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 + 2, 1e20, -7]

const UNARY_MATH = ['abs', 'sqrt', 'floor', 'ceil', 'round', 'trunc', 'sign', 'fround', 'sin', 'cos', 'exp', 'log', 'log1p', 'cbrt', 'tanh', 'atan', 'clz32', 'expm1', 'log2']
const BINARY_OPS = ['+', '-', '*', '/', '%', '**', '|', '&', '^', '<<', '>>', '>>>', '<', '<=', '>', '>=', '==', '!=', '===', '!==', '&&', '||', '??']
const PREDICATES = ['Number.isNaN', 'Number.isFinite', 'Number.isInteger', 'Number.isSafeInteger', 'isNaN', 'isFinite']
const BINARY_MATH = ['max', 'min', 'atan2', 'pow', 'imul', 'hypot']

const leaf = fc.oneof(
  fc.constant('x'),
  fc.constant('i'),
  fc.constantFrom('0', '(-0)', '1', '2.5', '3', '4', '1024', '0.1', '1e300', 'NaN', 'Infinity', '(2 ** 31)', 'Math.PI', 'Number.EPSILON'),
  fc.constantFrom('true', 'false', 'undefined', '(x > 0)', '(i === 1)'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => `(${Object.is(v, -0) ? '-0' : String(v)})`),
)

const { expr } = fc.letrec((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(fc.constantFrom('-', '+', '!', '~'), tie('expr')).map(([op, a]) => `(${op}(${a}))`),
    fc.tuple(tie('expr'), fc.constantFrom(...BINARY_OPS), tie('expr')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
    fc.tuple(fc.constantFrom(...UNARY_MATH), tie('expr')).map(([f, a]) => `Math.${f}(${a})`),
    fc.tuple(fc.constantFrom(...BINARY_MATH), tie('expr'), tie('expr')).map(([f, a, b]) => `Math.${f}(${a}, ${b})`),
    fc.tuple(fc.constantFrom(...PREDICATES), tie('expr')).map(([f, a]) => `${f}(${a})`),
  ),
}))

/** V8's results of `fn` over `xs`, stored as parallelMap stores them (ToNumber). */
function expected(fn: (x: number, i: number) => unknown, xs: Float64Array): Float64Array {
  const want = new Float64Array(xs.length)
  for (let i = 0; i < xs.length; i++) want[i] = Number(fn(xs[i], i))
  return want
}

test('random expression kernels agree with V8', async (t) => {
  const xs = Float64Array.from([...SPECIAL, 3.75, -1234.5, 0.3, 42, 1e-8])
  let checked = 0
  await fc.assert(
    fc.asyncProperty(expr, async (body) => {
      const source = `(x, i) => ${body}`
      const fn = new Function(`return ${source}`)() as (x: number, i: number) => number
      // Every generated kernel is in the subset: a rejection fails the property.
      const got = await parallelMap(xs, fn)
      const want = expected(fn, xs)
      for (let i = 0; i < xs.length; i++) {
        if (!Object.is(got[i], want[i])) throw new Error(`${source} at x=${xs[i]}: got ${got[i]}, V8 gives ${want[i]}`)
      }
      checked++
    }),
    { numRuns: 300, seed: 20261128 },
  )
  t.log(`${checked} kernels agreed`)
  t.is(checked, 300)
})

test('random expression kernels return V8\'s exact value through spawn', async (t) => {
  const xs = [NaN, 0, -0, 1, -2.5, 7, 2 ** 31]
  const kinds = new Set<string>()
  await fc.assert(
    fc.asyncProperty(expr, fc.constantFrom(...xs), fc.integer({ min: 0, max: 3 }), async (body, x, i) => {
      const source = `(x, i) => ${body}`
      const fn = new Function(`return ${source}`)() as (x: number, i: number) => number
      const want = fn(x, i)
      const got = await spawn<number | boolean | undefined>(fn, [x, i])
      kinds.add(typeof want)
      if (!Object.is(got, want)) throw new Error(`${source} at x=${x}, i=${i}: got ${String(got)}, V8 gives ${String(want)}`)
    }),
    { numRuns: 300, seed: 20261202 },
  )
  t.deepEqual([...kinds].sort(), ['boolean', 'number', 'undefined'])
})

/** Expressions over the locals of a generated block kernel. */
const { vexpr } = fc.letrec((tie) => ({
  vexpr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('x', 'i', 'a', 'b', 'k', 'u', '0', '(-0)', '1', '2', '0.5', '3.25', 'NaN', '(-Infinity)', 'true', 'false', 'undefined'),
    fc.tuple(fc.constantFrom('-', '!', '~'), tie('vexpr')).map(([op, e]) => `(${op}(${e}))`),
    fc.tuple(tie('vexpr'), fc.constantFrom(...BINARY_OPS), tie('vexpr')).map(([l, op, r]) => `(${l} ${op} ${r})`),
    fc.tuple(tie('vexpr'), tie('vexpr'), tie('vexpr')).map(([c, l, r]) => `(${c} ? ${l} : ${r})`),
    fc.tuple(fc.constantFrom(...UNARY_MATH), tie('vexpr')).map(([f, e]) => `Math.${f}(${e})`),
    fc.tuple(fc.constantFrom(...PREDICATES), tie('vexpr')).map(([f, e]) => `${f}(${e})`),
  ),
}))

const ASSIGN = ['=', '+=', '-=', '*=', '%=', '|=', '^=', '&&=', '||=', '??=']

/** Kernels with locals, loops, branches, break/continue and a nested function. */
const blockKernel = fc
  .record({
    a: vexpr,
    b: vexpr,
    n: fc.integer({ min: 0, max: 6 }),
    cond: vexpr,
    opA: fc.constantFrom(...ASSIGN),
    then: vexpr,
    opB: fc.constantFrom(...ASSIGN),
    otherwise: vexpr,
    exit: vexpr,
    skip: vexpr,
    loop: fc.constantFrom('for', 'while', 'do'),
    ret: vexpr,
  })
  .map((g) => {
    const body = `if (${g.cond}) { a ${g.opA} ${g.then} } else { b ${g.opB} ${g.otherwise} } if (${g.exit}) break; if (${g.skip}) continue; if (${g.cond} === ${g.exit}) u = ${g.then};`
    const loop =
      g.loop === 'for'
        ? `for (k = 0; k < ${g.n}; k++) { ${body} }`
        : g.loop === 'while'
          ? `while (k < ${g.n}) { k++; ${body} }`
          : `do { k++; ${body} } while (k < ${g.n});`
    // Initialisers only read what is already declared (k and u; a for b).
    const init = (e: string, declared: string[]) => e.replace(/\b[abku]\b/g, (v) => (declared.includes(v) ? v : '0'))
    // `mix` reads the kernel's `c2` and `x` (captures); `mix(a, b)` leaves `r` undefined.
    return `(x, i) => { let k = 0; let u; const c2 = 1.5; let a = ${init(g.a, ['k', 'u'])}; let b = ${init(g.b, ['k', 'a', 'u'])}; ${loop} function mix(p, q, r) { return (r ?? p * 0.5) + q + c2 * x } return mix(a, b) + mix(b, a, u) + (${g.ret}) }`
  })

test('random block kernels (locals, loops, branches, calls) agree with V8', async (t) => {
  const xs = Float64Array.from([...SPECIAL, 3.75, -1234.5, 0.3, 42])
  let checked = 0
  await fc.assert(
    fc.asyncProperty(blockKernel, async (source) => {
      let fn: (x: number, i: number) => number
      try {
        fn = new Function(`return ${source}`)()
      } catch {
        return // the generator wrote something V8 rejects too (e.g. `const k` shadowing)
      }
      const got = await parallelMap(xs, fn)
      const want = expected(fn, xs)
      for (let i = 0; i < xs.length; i++) {
        if (!Object.is(got[i], want[i])) throw new Error(`${source} at x=${xs[i]}: got ${got[i]}, V8 gives ${want[i]}`)
      }
      checked++
    }),
    { numRuns: 200, seed: 4242 },
  )
  t.log(`${checked} block kernels agreed`)
  t.true(checked > 150)
})
