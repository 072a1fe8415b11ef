// spawn's arguments keep their JS kinds: a boolean argument is a boolean inside
// the kernel (and in the nested functions it reaches), `undefined` is
// `undefined`; each result is compared with V8 running the same function on
// the same arguments, by Object.is. The kernel is compiled per set of argument
// kinds, so one function called with `true`, then `1`, then `true` gets each
// right. Custom reducers, whose accumulator is a number, refuse a step that
// may return a boolean or `undefined` with a clear TypeError.
import test from 'ava'

import { parallelReduce, parallelReduceSync, spawn } from '../index.js'

type Arg = number | boolean | undefined
type Fn = (...args: Arg[]) => Arg

/** Kernels that read their arguments' kinds (===, ==, ??, Number.is*, arithmetic). */
const KERNELS: string[] = [
  '(a) => a === true',
  '(a) => a === 1',
  '(a) => a !== false',
  '(a) => a == 1',
  '(a) => a == null',
  '(a) => a === undefined',
  '(a) => a',
  '(a) => !a',
  '(a) => a + 1',
  '(a) => -a',
  '(a) => a * 2.5',
  '(a) => a | 0',
  '(a) => a ?? 7',
  '(a, b) => a ?? b',
  '(a, b) => a || b',
  '(a, b) => a && b',
  '(a, b) => a === b',
  '(a, b) => a == b',
  '(a, b) => a < b',
  '(a, b) => a + b',
  '(a, b) => (a ? b : a)',
  '(a) => Number.isInteger(a)',
  '(a) => Number.isFinite(a)',
  '(a) => Number.isNaN(a)',
  '(a) => isNaN(a)',
  '(a) => Math.max(a, 0.5)',
  '(a, b) => { function f(v) { return v === true } return f(a) || f(b) }',
  '(a, b) => { function f(v, w) { return v === 1 ? w : v } return f(a, b) }',
  '(a, b) => { let r = a; for (let k = 0; k < 3; k++) if (r === true) r = b; else r = k; return r }',
  '(a, b, c) => { if (a) return b; return c }',
  '(a, b, c) => c',
  'function (a, b) { return a === true && b === undefined }',
]

const VALUES: Arg[] = [true, false, undefined, 0, 1, -0, 2, 0.5, NaN, -Infinity]

/** Every pair of VALUES (and a third argument) for the kernel's arity. */
function argSets(arity: number): Arg[][] {
  const out: Arg[][] = []
  for (const a of VALUES) {
    if (arity === 1) out.push([a])
    else for (const b of VALUES) out.push(arity === 2 ? [a, b] : [a, b, b === undefined ? true : 3])
  }
  return out
}

function show(args: Arg[]): string {
  return args.map((a) => (Object.is(a, -0) ? '-0' : String(a))).join(', ')
}

test('boolean and undefined arguments reach the kernel as themselves (Object.is against V8)', async (t) => {
  let checked = 0
  const kinds = new Set<string>()
  for (const source of KERNELS) {
    const fn = new Function(`return (${source})`)() as Fn
    for (const args of argSets(fn.length)) {
      const want = fn(...args)
      const got = await spawn<Arg>(fn, args)
      kinds.add(typeof want)
      checked++
      if (!Object.is(got, want)) t.fail(`${source} (${show(args)}): got ${String(got)}, V8 gives ${String(want)}`)
    }
  }
  t.deepEqual([...kinds].sort(), ['boolean', 'number', 'undefined'])
  t.true(checked > 1000)
})

test('one function called with different argument kinds compiles for each', async (t) => {
  const isTrue = (a: Arg) => a === true
  // Interleaved: number (fast path), boolean, number, undefined, boolean.
  t.is(await spawn<boolean>(isTrue, [1]), false)
  t.is(await spawn<boolean>(isTrue, [true]), true)
  t.is(await spawn<boolean>(isTrue, [1]), false)
  t.is(await spawn<boolean>(isTrue, [undefined]), false)
  t.is(await spawn<boolean>(isTrue, [true]), true)
  // With params (the source path) the kinds are kept too.
  const withParams = (a: Arg) => (a === true ? k : -k)
  const k = 3
  t.is(await spawn(withParams, [true], { params: { k } }), 3)
  t.is(await spawn(withParams, [1], { params: { k } }), -3)
  // An explicit undefined is `undefined`, as a missing argument is.
  const b = (x: Arg, y?: Arg) => y === undefined && x === undefined
  t.is(await spawn<boolean>(b, [undefined, undefined]), true)
  t.is(await spawn<boolean>(b, [undefined]), true)
  t.is(await spawn<boolean>(b, []), true)
  t.is(await spawn<boolean>(b, [NaN]), false)
})

test('booleans and undefined are kept in the first 64 arguments; other values are TypeErrors', async (t) => {
  const names = Array.from({ length: 66 }, (_, k) => `a${k}`)
  const last = new Function(`return (${names.join(', ')}) => a63 === true && a65 === 2`)() as Fn
  const args: Arg[] = Array.from({ length: 66 }, () => 0)
  args[63] = true
  args[65] = 2
  t.is(await spawn<boolean>(last, args), true)
  args[64] = false
  const e = await t.throwsAsync(async () => spawn(last, args))
  t.is((e as { code?: string }).code, 'ERR_INVALID_ARG_VALUE')
  t.regex(e!.message, /args.*first 64/)
  for (const bad of [null, 'a', 1n, {}, Symbol('s')]) {
    const err = await t.throwsAsync(async () => spawn((a: Arg) => a, [1, bad as unknown as Arg], { engine: 'native' }), { instanceOf: TypeError })
    t.is((err as { code?: string }).code, 'ERR_INVALID_ARG_TYPE')
    t.regex(err!.message, /args\[1\]/)
  }
})

test('a custom reducer whose step may return a boolean or undefined is a clear TypeError', async (t) => {
  const xs = new Float64Array([1, 5, 9])
  const combine = (a: number, b: number) => a + b
  const cases: Array<[(acc: number, x: number) => Arg, RegExp]> = [
    [(acc, x) => (acc > 0 ? acc : x > 5), /fn.*must return a number.*a number or a boolean/],
    [(acc, x) => acc > 0 || x > 5, /fn.*must return a number.*may return a boolean\)/],
    [(acc, x) => x > 4, /fn.*must return a number.*a boolean/],
    [(acc, x) => { if (x > 1) return acc + x }, /fn.*must return a number.*a number or undefined/],
  ]
  for (const [reducer, message] of cases) {
    const e = await t.throwsAsync(async () => parallelReduce(xs, reducer as (acc: number, x: number) => number, { init: 0, combine }), { instanceOf: TypeError })
    t.is((e as { code?: string }).code, 'ERR_INVALID_ARG_VALUE')
    t.regex(e!.message, message)
    t.throws(() => parallelReduceSync(xs, reducer as (acc: number, x: number) => number, { init: 0, combine }), { message })
  }
  const badCombine = (a: number, b: number) => a > b
  const e = t.throws(() => parallelReduceSync(xs, (acc, x) => acc + x, { init: 0, combine: badCombine as unknown as typeof combine }), { instanceOf: TypeError })
  t.regex(e!.message, /options\.combine.*must return a number/)
  // init must be a number: a boolean is refused, not read as 1.
  const init = t.throws(() => parallelReduceSync(xs, (acc, x) => acc + x, { init: true as unknown as number, combine }), { instanceOf: TypeError })
  t.is((init as { code?: string }).code, 'ERR_INVALID_ARG_TYPE')
  t.regex(init!.message, /init/)
  // The same steps made numeric run, and agree with JS's left fold (one leaf).
  const ok = parallelReduceSync(xs, (acc, x) => (acc > 0 || x > 5 ? 1 : 0), { init: 0, combine: (a, b) => a + b })
  t.is(ok, [...xs].reduce((acc, x) => (acc > 0 || x > 5 ? 1 : 0), 0))
})
