// Kernels outside the numeric subset are rejected at compile time with a
// TypeError (code ERR_UNSUPPORTED_KERNEL) naming the construct, with
// `line`/`column` within the function's source; runaway recursion is a
// RangeError, never a crash.
import test from 'ava'

import { compileKernel, parallelMap, parallelMapSync, spawn } from '../index.js'

interface KernelError extends TypeError {
  code: string
  line: number
  column: number
}

const outer = 3
function outsideHelper(x: number) {
  return x + 1
}

/** 1-based line and UTF-16 column of the first `needle` in `src` (what the error must report). */
function position(src: string, needle: string): [number, number] {
  // The TypeScript loader may print string quotes differently.
  const at = src.includes(needle) ? src.indexOf(needle) : src.indexOf(needle.replaceAll("'", '"'))
  const before = src.slice(0, at)
  const line = before.split('\n').length
  return [line, at - (before.lastIndexOf('\n') + 1) + 1]
}

// [what, kernel, message pattern, the token the error must point at]
const CASES: Array<[string, (...a: number[]) => unknown, RegExp, string]> = [
  // capturing an outer variable: names it and points to params
  ['closure over an outer variable', (x) => x * outer, /`outer` is not defined inside the kernel.*params: \{ outer/, 'outer'],
  ['`this`', function (this: { k: number }, x: number) { return x * this.k }, /`this`/, 'this'],
  ['strings', (x) => 'a' + x, /strings/, "'a'"],
  ['objects', (x) => ({ v: x }).v, /objects/, '{'],
  ['arrays', (x) => [x][0], /indexing/, '['],
  ['`arguments`', function (x: number) { return arguments.length + x }, /`arguments`/, 'arguments'],
  ['async functions', async (x: number) => x, /async/, 'async'],
  ['calls to outside functions', (x) => outsideHelper(x), /call to `outsideHelper`/, 'outsideHelper'],
  ['console', (x) => { console.log(x); return x }, /console/, 'console'],
  ['function expressions (closures)', (x) => { const f = (y: number) => y; return f(x) }, /closures/, '(y'],
  ['typeof', (x) => typeof x, /typeof/, 'typeof'],
  ['unknown Math function', (x) => (Math as unknown as { foo(a: number): number }).foo(x), /Math.foo/, 'foo'],
]

for (const [what, fn, message, token] of CASES) {
  test(`rejects ${what} with line:column`, async (t) => {
    const err = (await t.throwsAsync(parallelMap([1, 2, 3], fn as (x: number) => number, { engine: 'native' }))) as KernelError
    t.true(err instanceof TypeError)
    t.is(err.code, 'ERR_UNSUPPORTED_KERNEL')
    t.regex(err.message, message)
    // line/column are within fn.toString() (what the compiler sees).
    const src = fn.toString()
    const [line, column] = position(src, token)
    t.is(err.line, line, src)
    t.is(err.column, column, src)
    t.true(err.message.includes(`${err.line}:${err.column}`))
    // The sync forms throw the same error synchronously.
    const sync = t.throws(() => parallelMapSync([1], fn as (x: number) => number)) as KernelError
    t.is(sync.code, 'ERR_UNSUPPORTED_KERNEL')
    t.throws(() => compileKernel(fn as (x: number) => number), { code: 'ERR_UNSUPPORTED_KERNEL' })
  })
}

test('a multi-line kernel reports the right line', async (t) => {
  const fn = new Function(`return function (x) {
  let s = 0
  for (let k = 0; k < 3; k++) {
    s += k * scale
  }
  return s
}`)()
  const err = (await t.throwsAsync(parallelMap(new Float64Array(4), fn, { engine: 'native' }))) as KernelError
  t.is(err.code, 'ERR_UNSUPPORTED_KERNEL')
  t.is(err.line, 4)
  t.is(err.column, 14)
  t.regex(err.message, /`scale`/)
})

test('the same kernel with params compiles and runs', async (t) => {
  const out = await parallelMap([1, 2], (x) => x * outer, { params: { outer: 10 } })
  t.deepEqual([...out], [10, 20])
})

test('unbounded recursion is a RangeError, not a crash', async (t) => {
  const rec = (x: number) => {
    function down(n: number): number {
      return down(n + 1) + 1
    }
    return down(x)
  }
  const err = (await t.throwsAsync(parallelMap([1, 2, 3], rec))) as KernelError
  t.true(err instanceof RangeError)
  t.is(err.code, 'ERR_KERNEL_STACK_OVERFLOW')
  const e2 = (await t.throwsAsync(spawn(function f(n: number): number { return f(n + 1) }, [0]))) as KernelError
  t.is(e2.code, 'ERR_KERNEL_STACK_OVERFLOW')
  // Deep but bounded recursion still works.
  t.is(await spawn(function depth(n: number): number { return n <= 0 ? 0 : 1 + depth(n - 1) }, [5000]), 5000)
})

test('method shorthand compiles; native functions are rejected, not crashed on', async (t) => {
  const obj = { m(x: number) { return x * 2 } }
  t.deepEqual([...(await parallelMap([1, 2], obj.m))], [2, 4])
  const e2 = (await t.throwsAsync(parallelMap([1], Math.sqrt, { engine: 'native' }))) as KernelError
  t.is(e2.code, 'ERR_UNSUPPORTED_KERNEL')
})

test('compileKernel reads options.params once and validates it with a code', (t) => {
  let reads = 0
  const flaky = {
    get params() {
      reads++
      return reads === 1 ? { k: 1 } : null
    },
  }
  t.notThrows(() => compileKernel((x: number) => x * k, flaky as never))
  t.is(reads, 1)
  for (const opts of [{ params: 5 }, 'x']) {
    const err = t.throws(() => compileKernel((x: number) => x, opts as never))
    t.true(err instanceof TypeError)
    t.is((err as NodeJS.ErrnoException).code, 'ERR_INVALID_ARG_TYPE')
  }
})
declare const k: number

test('a parameter past the inputs and the index is an error naming it (it would always be undefined)', async (t) => {
  const fn = (x: number, i: number, k: number) => x + i + k
  const err = (await t.throwsAsync(parallelMap([1, 2], fn, { engine: 'native' }))) as KernelError
  t.true(err instanceof TypeError)
  t.is(err.code, 'ERR_UNSUPPORTED_KERNEL')
  t.regex(err.message, /parameter `k` would always be undefined .*at most 2 parameters.*`params`/)
  const [line, column] = position(fn.toString(), 'k')
  t.deepEqual([err.line, err.column], [line, column])
  t.throws(() => parallelMapSync([1, 2], fn), { code: 'ERR_UNSUPPORTED_KERNEL', message: /parameter `k`/ })
  // With two inputs the same three parameters are (x, y, i): fine, as JS computes them.
  t.deepEqual(Array.from(parallelMapSync([[1, 2], [10, 20]], fn)), [11, 23])
  t.throws(() => compileKernel((a: number, b: number, i: number, j: number) => a + b + i + j, { inputs: 2 }), {
    code: 'ERR_UNSUPPORTED_KERNEL',
    message: /parameter `j`.*2 input arrays/,
  })
  // spawn is a call: a missing argument is undefined (NaN), as in JS.
  t.true(Number.isNaN(await spawn((a: number, b: number) => a + b, [1])))
})
