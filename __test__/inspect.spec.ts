// inspectFunction(source): the native oxc-based check of a function's source
// that the worker engine runs at the call. Free variables are checked
// against what V8 itself resolves: each free name is really unresolved
// (evaluating the source in a fresh vm context and calling it throws a
// ReferenceError naming it), and its line:column is where that name is.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import test from 'ava'

import type { FunctionInfo } from '../binding.js'

const require = createRequire(import.meta.url)
const { inspectFunction } = require('../binding.js') as { inspectFunction: (source: unknown) => FunctionInfo }

interface CodedError extends Error {
  code: string
  line?: number
  column?: number
}

/** 1-based line and UTF-16 column of the `nth` (0-based) occurrence of `needle` in `src`. */
function position(src: string, needle: string, nth = 0): { line: number; column: number } {
  let at = -1
  for (let k = 0; k <= nth; k++) at = src.indexOf(needle, at + 1)
  if (at < 0) throw new Error(`${needle} not in ${src}`)
  const before = src.slice(0, at)
  const lines = before.split(/\r\n|[\n\r\u2028\u2029]/)
  return { line: lines.length, column: lines[lines.length - 1].length + 1 }
}

function freeNames(src: string): string[] {
  return inspectFunction(src).free.map((f) => f.name)
}

test('kinds of Function.prototype.toString output', (t) => {
  const o = {
    m(x: number) {
      return x
    },
    async am() {},
    *gm() {},
    async *agm() {},
    get g() {
      return 1
    },
    set g(_v: number) {},
    'str key'() {},
    [Symbol.iterator]() {},
  }
  class Private {
    #p() {
      return 1
    }
    static source() {
      return Private.prototype.constructor.toString()
    }
  }
  const getter = Object.getOwnPropertyDescriptor(o, 'g')
  const cases: [unknown, FunctionInfo['kind'], boolean, boolean][] = [
    [(x: number) => x, 'arrow', false, false],
    [async (x: number) => x, 'arrow', true, false],
    [function named() {}, 'function', false, false],
    [async function () {}, 'function', true, false],
    [function* () {}, 'function', false, true],
    [async function* () {}, 'function', true, true],
    [o.m, 'method', false, false],
    [o.am, 'method', true, false],
    [o.gm, 'method', false, true],
    [o.agm, 'method', true, true],
    [getter?.get, 'method', false, false],
    [getter?.set, 'method', false, false],
    [o['str key'], 'method', false, false],
    [o[Symbol.iterator], 'method', false, false],
    [class {}, 'class', false, false],
    [Private, 'class', false, false],
    [Math.max, 'native', false, false],
    [function f() {}.bind(null), 'native', false, false],
  ]
  for (const [fn, kind, isAsync, generator] of cases) {
    const src = String(fn)
    const info = inspectFunction(src)
    t.is(info.kind, kind, src)
    t.is(info.async, isAsync, src)
    t.is(info.generator, generator, src)
  }
  t.is(inspectFunction('#p() { return this.#p }').kind, 'method')
  t.is(inspectFunction('function bound f() { [native code] }').kind, 'bound')
  const native = inspectFunction('function max() { [native code] }')
  t.deepEqual([native.params, native.free, native.imports, native.usesThis], [[], [], [], false])
  // Computed method keys are evaluated where the method is defined: reported.
  t.deepEqual(freeNames(String(o[Symbol.iterator])), ['Symbol'])
})

test('params: names, defaults and rest; destructuring is null', (t) => {
  t.deepEqual(inspectFunction('function (a, b = 1, {c}, [d] = [], ...rest) {}').params, ['a', 'b', null, null, 'rest'])
  t.deepEqual(inspectFunction('({a}, ...[b]) => a').params, [null, null])
  t.deepEqual(inspectFunction('x => x').params, ['x'])
  t.deepEqual(inspectFunction('async () => 1').params, [])
  t.deepEqual(inspectFunction('m(x, y) {}').params, ['x', 'y'])
  t.deepEqual(inspectFunction('class { constructor(p, q = 2) {} m(z) {} }').params, ['p', 'q'])
})

test('a captured variable is free, at its line:column', (t) => {
  const src = 'x => x * k'
  t.deepEqual(inspectFunction(src).free, [{ name: 'k', ...position(src, 'k') }])
  const multi = [
    'function total(items) {',
    '  let sum = 0',
    '  for (const it of items) sum += it.price * rate',
    '  return Math.round(sum) + total.length + offset',
    '}',
  ].join('\n')
  t.deepEqual(inspectFunction(multi).free, [
    { name: 'rate', ...position(multi, 'rate') },
    { name: 'Math', ...position(multi, 'Math') },
    { name: 'offset', ...position(multi, 'offset') },
  ])
  // Multi-byte and astral characters before the reference: UTF-16 columns, as V8 counts them.
  const astral = "(s) => {\n  const t = '😀é中' + s; return t + 𝒳\n}"
  t.deepEqual(inspectFunction(astral).free, [{ name: '𝒳', ...position(astral, '𝒳') }])
  const wide = "() => '😀😀' + k"
  t.deepEqual(inspectFunction(wide).free, [{ name: 'k', line: 1, column: 16 }])
  t.is(wide.indexOf('k') + 1, 16)
  // CRLF and U+2028 count as line terminators, as in V8.
  const crlf = '() => {\r\n  a\u2028  + b\r\n}'
  t.deepEqual(inspectFunction(crlf).free, [
    { name: 'a', line: 2, column: 3 },
    { name: 'b', line: 3, column: 5 },
  ])
  // Deduplicated by name: the first reference.
  t.deepEqual(inspectFunction('() => k + j\n + k').free, [
    { name: 'k', line: 1, column: 7 },
    { name: 'j', line: 1, column: 11 },
  ])
})

test('a real closure: the free variable is what V8 fails to resolve in another realm', async (t) => {
  const { runInNewContext } = await import('node:vm')
  const k = 2
  const fn = (x: number) => x * k
  const src = fn.toString()
  const [free] = inspectFunction(src).free
  t.is(free.name, 'k')
  t.deepEqual({ line: free.line, column: free.column }, position(src, 'k'))
  const shipped = runInNewContext(`(${src})`) as (x: number) => number
  t.throws(() => shipped(1), { message: /k is not defined/ })
})

test('scopes: shadowing, nested functions, catch params, labels, classes, arguments', (t) => {
  t.deepEqual(freeNames('x => { let k = 1; return (() => k + x)() }'), [])
  t.deepEqual(freeNames('x => { { let k = 1 } return k }'), ['k'])
  t.deepEqual(freeNames('function () { var v = 1; function g() { return v + h } return g }'), ['h'])
  t.deepEqual(freeNames('function () { try { throw 1 } catch (e) { return e } }'), [])
  t.deepEqual(freeNames('function () { try {} catch ({ message }) { return message + e } }'), ['e'])
  t.deepEqual(freeNames('() => { outer: for (;;) { break outer } }'), [])
  t.deepEqual(freeNames('() => { class C { static n = 1; m() { return C.n + this.x + y } } return C }'), ['y'])
  t.deepEqual(freeNames('function fact(n) { return n < 2 ? 1 : n * fact(n - 1) }'), [])
  t.deepEqual(freeNames('class A extends Base { m() { return A } }'), ['Base'])
  // A method's name is not in its own scope: it reads an outer binding.
  t.deepEqual(freeNames('m() { return m }'), ['m'])
  t.deepEqual(freeNames('function () { return arguments.length }'), [])
  t.deepEqual(freeNames('() => arguments.length'), ['arguments'])
  t.deepEqual(freeNames('function () { return () => arguments[0] }'), [])
  // typeof of an undeclared name and assignments to one count (JS decides).
  t.deepEqual(freeNames('() => typeof maybe'), ['maybe'])
  t.deepEqual(freeNames('() => { leaked = 1 }'), ['leaked'])
  // Globals are not filtered here.
  t.deepEqual(freeNames('() => JSON.stringify(globalThis) + require("x")'), ['JSON', 'globalThis', 'require'])
  // Hoisting: var and function declarations resolve before their position.
  t.deepEqual(freeNames('() => { f(); v; function f() {} var v }'), [])
})

test('usesThis: the function’s own this (or an arrow’s outer this) only', (t) => {
  t.true(inspectFunction('function () { return this.x }').usesThis)
  t.true(inspectFunction('m() { return () => this }').usesThis)
  t.true(inspectFunction('() => this').usesThis)
  t.false(inspectFunction('() => function () { return this }').usesThis)
  t.false(inspectFunction('() => class { x = this; static { this } m() { return this } }').usesThis)
  t.false(inspectFunction('x => x').usesThis)
})

test('import() offsets point at the import keyword (UTF-16)', (t) => {
  const src = "async (name) => {\n  /* 😀 */ const a = await import('node:path')\n  return [a, await import(name), 'import(']\n}"
  const { imports, free } = inspectFunction(src)
  t.is(imports.length, 2)
  for (const off of imports) t.is(src.slice(off, off + 7), 'import(')
  t.deepEqual(imports, [src.indexOf('import('), src.indexOf('import(name')])
  t.deepEqual(free, [])
  t.deepEqual(inspectFunction('() => 1').imports, [])
})

function check(fn: () => unknown, ctor: ErrorConstructor, code: string): CodedError {
  const e = thrown(fn)
  if (!(e instanceof ctor)) throw new Error(`expected ${ctor.name}, got ${String(e)}`)
  if (e.code !== code) throw new Error(`expected ${code}, got ${e.code}: ${e.message}`)
  return e
}

function thrown(fn: () => unknown): CodedError {
  try {
    fn()
  } catch (e) {
    return e as CodedError
  }
  throw new Error('did not throw')
}

test('bad input: non-strings, unparsable sources, oversized sources', (t) => {
  for (const v of [undefined, null, 42, {}, () => 1, Symbol('s')]) {
    const e = check(() => inspectFunction(v), TypeError, 'ERR_INVALID_ARG_TYPE')
    t.regex(e.message, /"source"/)
  }
  const bad = ['', '1 + 1', 'x => x), (y', 'x => x);(y', 'm(){}, n(){}', 'm(){}}), ({n(){}', 'x => x /*', "'use strict'", 'x => x\n)(1']
  for (const src of bad) {
    const e = check(() => inspectFunction(src), SyntaxError, 'ERR_INVALID_FUNCTION_SOURCE')
    t.true((e.line ?? 0) >= 1 && (e.column ?? 0) >= 1, src)
    t.regex(e.message, /at \d+:\d+/)
  }
  // The position is the parser's, in the caller's source (not the wrapped text).
  const e = check(() => inspectFunction('x => {\n  let = ;\n}'), SyntaxError, 'ERR_INVALID_FUNCTION_SOURCE')
  t.is(e.line, 2)
  // A trailing line comment cannot swallow the wrapper.
  t.is(inspectFunction('x => x // done').kind, 'arrow')
  const big = check(() => inspectFunction(`x => ${'1+'.repeat(600_000)}1`), RangeError, 'ERR_OUT_OF_RANGE')
  t.regex(big.message, /1048576/)
})

test('deep nesting is an answer or a coded error, never a crash (child process)', (t) => {
  const fixture = join(import.meta.dirname, 'fixtures', 'inspect-deep.cjs')
  const started = Date.now()
  const r = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 120_000 })
  t.is(r.signal, null, r.stderr)
  t.is(r.status, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  // 36 constructs 40k levels deep are analysed; the last source (half a MiB of brackets) is refused.
  t.deepEqual(lines, [...Array<string>(36).fill('arrow'), 'RangeError ERR_OUT_OF_RANGE'], r.stdout)
  t.true(Date.now() - started < 120_000)
})
