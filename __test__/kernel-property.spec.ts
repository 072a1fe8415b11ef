// Property test: random expression kernels (fast-check) compiled by
// parallelMap agree with V8 element by element (Object.is).
import test from 'ava'
import fc from 'fast-check'

import { parallelMap } from '../index.js'

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 5e-324, 1, -1, 0.5, -2.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 + 2, 1e20, -7]

const UNARY_MATH = ['abs', 'sqrt', 'floor', 'ceil', 'round', 'trunc', 'sign', 'fround', 'sin', 'cos', 'exp', 'log', 'log1p', 'cbrt', 'tanh', 'atan', 'clz32', 'expm1', 'log2']
const BINARY_OPS = ['+', '-', '*', '/', '%', '**', '|', '&', '^', '<<', '>>', '>>>', '<', '<=', '>', '>=', '==', '!=', '===', '!==', '&&', '||']
const BINARY_MATH = ['max', 'min', 'atan2', 'pow', 'imul', 'hypot']

const leaf = fc.oneof(
  fc.constant('x'),
  fc.constant('i'),
  fc.constantFrom('0', '(-0)', '1', '2.5', '3', '4', '1024', '0.1', '1e300', 'NaN', 'Infinity', '(2 ** 31)', 'Math.PI', 'Number.EPSILON'),
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
  ),
}))

test('random expression kernels agree with V8', async (t) => {
  const xs = Float64Array.from([...SPECIAL, 3.75, -1234.5, 0.3, 42, 1e-8])
  let checked = 0
  let rejected = 0
  await fc.assert(
    fc.asyncProperty(expr, async (body) => {
      const source = `(x, i) => ${body}`
      const fn = new Function(`return ${source}`)() as (x: number, i: number) => number
      let got: Float64Array
      try {
        got = await parallelMap(xs, fn)
      } catch (e) {
        // Mixing booleans and numbers under === is the one documented rejection.
        if ((e as { code?: string }).code === 'ERR_UNSUPPORTED_KERNEL' && /strict equality/.test((e as Error).message)) {
          rejected++
          return
        }
        throw e
      }
      const want = new Float64Array(xs.length)
      for (let i = 0; i < xs.length; i++) want[i] = fn(xs[i], i)
      for (let i = 0; i < xs.length; i++) {
        if (!Object.is(got[i], want[i])) throw new Error(`${source} at x=${xs[i]}: got ${got[i]}, V8 gives ${want[i]}`)
      }
      checked++
    }),
    { numRuns: 300, seed: 20261128 },
  )
  t.log(`${checked} kernels agreed, ${rejected} rejected (=== between boolean and number)`)
  t.true(checked > 250)
})

/** Expressions over the locals of a generated block kernel. */
const { vexpr } = fc.letrec((tie) => ({
  vexpr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('x', 'i', 'a', 'b', 'k', '0', '(-0)', '1', '2', '0.5', '3.25', 'NaN', '(-Infinity)'),
    fc.tuple(fc.constantFrom('-', '!', '~'), tie('vexpr')).map(([op, e]) => `(${op}(${e}))`),
    fc.tuple(tie('vexpr'), fc.constantFrom(...BINARY_OPS), tie('vexpr')).map(([l, op, r]) => `(${l} ${op} ${r})`),
    fc.tuple(tie('vexpr'), tie('vexpr'), tie('vexpr')).map(([c, l, r]) => `(${c} ? ${l} : ${r})`),
    fc.tuple(fc.constantFrom(...UNARY_MATH), tie('vexpr')).map(([f, e]) => `Math.${f}(${e})`),
  ),
}))

const ASSIGN = ['=', '+=', '-=', '*=', '%=', '|=', '^=', '&&=', '||=']

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
    const body = `if (${g.cond}) { a ${g.opA} ${g.then} } else { b ${g.opB} ${g.otherwise} } if (${g.exit}) break; if (${g.skip}) continue;`
    const loop =
      g.loop === 'for'
        ? `for (k = 0; k < ${g.n}; k++) { ${body} }`
        : g.loop === 'while'
          ? `while (k < ${g.n}) { k++; ${body} }`
          : `do { k++; ${body} } while (k < ${g.n});`
    // Initialisers only read what is already declared (k and a for b).
    const init = (e: string, declared: string[]) => e.replace(/\b[abk]\b/g, (v) => (declared.includes(v) ? v : '0'))
    return `(x, i) => { let k = 0; let a = ${init(g.a, ['k'])}; let b = ${init(g.b, ['k', 'a'])}; ${loop} function mix(p, q) { return p * 0.5 + q } return mix(a, b) + (${g.ret}) }`
  })

test('random block kernels (locals, loops, branches, calls) agree with V8', async (t) => {
  const xs = Float64Array.from([...SPECIAL, 3.75, -1234.5, 0.3, 42])
  let checked = 0
  let rejected = 0
  await fc.assert(
    fc.asyncProperty(blockKernel, async (source) => {
      let fn: (x: number, i: number) => number
      try {
        fn = new Function(`return ${source}`)()
      } catch {
        return // the generator wrote something V8 rejects too (e.g. `const k` shadowing)
      }
      let got: Float64Array
      try {
        got = await parallelMap(xs, fn)
      } catch (e) {
        if ((e as { code?: string }).code === 'ERR_UNSUPPORTED_KERNEL' && /strict equality/.test((e as Error).message)) {
          rejected++
          return
        }
        throw e
      }
      const want = new Float64Array(xs.length)
      for (let i = 0; i < xs.length; i++) want[i] = fn(xs[i], i)
      for (let i = 0; i < xs.length; i++) {
        if (!Object.is(got[i], want[i])) throw new Error(`${source} at x=${xs[i]}: got ${got[i]}, V8 gives ${want[i]}`)
      }
      checked++
    }),
    { numRuns: 200, seed: 4242 },
  )
  t.log(`${checked} block kernels agreed, ${rejected} rejected (=== between boolean and number)`)
  t.true(checked > 150)
})
