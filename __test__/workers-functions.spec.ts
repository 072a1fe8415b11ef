// Functions as source on the worker engine: the free-variable check at the
// call (ERR_CAPTURED_VARIABLE with name and line:column), `context`, globals,
// `require` / `import()` / `__filename` resolving as the calling file, the
// function forms that can be sent, and one fn id per source.

import path from 'node:path'
import { fileURLToPath } from 'node:url'

import test from 'ava'

import { parallel, parallelMap, spawn } from '../index.js'
import { prepare } from '../lib/engine/functions.js'

const here = fileURLToPath(import.meta.url)
const onWorker = { engine: 'worker' } as const

test('a captured outer variable rejects at the call with ERR_CAPTURED_VARIABLE, name and line:column', async (t) => {
  const factor = 3
  const fn = (x: number) => {
    const y = x + 1
    return y * factor
  }
  const err = await t.throwsAsync(spawn(fn, [1], onWorker))
  t.true(err instanceof TypeError)
  t.is((err as any).code, 'ERR_CAPTURED_VARIABLE')
  t.is((err as any).variable, 'factor')
  // Where "factor" is in the function's own source (1-based, as V8 counts).
  const lines = fn.toString().split('\n')
  const line = lines.findIndex((l) => l.includes('factor')) + 1
  t.is((err as any).line, line)
  t.is((err as any).column, lines[line - 1].indexOf('factor') + 1)
  t.regex(err!.message, /"factor"/)
  t.regex(err!.message, new RegExp(`line ${line}, column \\d+`))
  t.regex(err!.message, /context/)
  // parallel() checks once, when it is made: it throws.
  t.throws(() => parallel(fn), { code: 'ERR_CAPTURED_VARIABLE' })
  // parallelMap too.
  await t.throwsAsync(parallelMap(['a'], (s: string) => s + factor), { code: 'ERR_CAPTURED_VARIABLE' })
})

test('context values reach the function by name', async (t) => {
  const factor = 3
  const fn = (x: number) => x * factor
  t.is(await spawn(fn, [2], { context: { factor } }), 6)
  t.is(await spawn(fn, [2], { context: { factor: 10 } }), 20)
  const unit = 'px'
  const scaled = parallel((x: number) => `${x * factor}${unit}`, { context: { factor, unit } })
  t.deepEqual(await Promise.all([scaled(1), scaled(2)]), ['3px', '6px'])
  const words = ['x', 'y']
  t.deepEqual(await parallelMap([0, 1, 1], (i: number) => words[i], { context: { words } }), ['x', 'y', 'y'])
  await t.throwsAsync(spawn(fn, [1], { context: { 'not an id': 1 } } as any), { code: 'ERR_INVALID_ARG_VALUE' })
})

test('globals work inside the function', async (t) => {
  const got = await spawn(
    () => [
      Math.max(1, 2),
      JSON.stringify({ a: 1 }),
      new URL('https://x.test/p?q=1').searchParams.get('q'),
      new TextEncoder().encode('é').length,
      typeof structuredClone,
      Array.from(new Set([1, 1, 2])).length,
    ],
    [],
    onWorker,
  )
  t.deepEqual(got, [2, '{"a":1}', '1', 2, 'function', 2])
})

test('require resolves as in the calling file; __filename is the calling file', async (t) => {
  const got = await spawn(
    (x: number) => {
      const p = require('node:path')
      const helper = require('./fixtures/engine-helper.cjs')
      return [helper.double(x), p.basename(__filename), p.basename(__dirname)]
    },
    [21],
    onWorker,
  )
  t.deepEqual(got, [42, path.basename(here), path.basename(path.dirname(here))])
  // It really runs on a worker thread.
  t.not(await spawn(() => require('./fixtures/engine-helper.cjs').pid(), [], onWorker), 0)
})

test('import() resolves relative and builtin specifiers as the calling file', async (t) => {
  const got = await spawn(
    async (x: number) => {
      const spec = './fixtures/engine-helper.mjs'
      const m = await import(spec)
      const os = await import('node:os')
      return [m.triple(x), m.default, typeof os.cpus]
    },
    [5],
    onWorker,
  )
  t.deepEqual(got, [15, 'esm-default', 'function'])
})

test('function forms: arrow, function expression, async, method shorthand', async (t) => {
  t.is(await spawn(function named(a: number) {
    return a + 1
  }, [1], onWorker), 2)
  const obj = {
    twice(s: string) {
      return s + s
    },
  }
  t.is(await spawn(obj.twice, ['ab'], onWorker), 'abab')
  t.is(await spawn(async (s: string) => s.toUpperCase(), ['q']), 'Q')
})

test('classes, bound and built-in functions cannot be sent: ERR_INVALID_ARG_VALUE', async (t) => {
  class K {}
  await t.throwsAsync(spawn(K as any, [], onWorker), { code: 'ERR_INVALID_ARG_VALUE' })
  await t.throwsAsync(spawn(((x: number) => x).bind(null), [1], onWorker), { code: 'ERR_INVALID_ARG_VALUE' })
  await t.throwsAsync(spawn(Math.sqrt, [4], onWorker), { code: 'ERR_INVALID_ARG_VALUE' })
  await t.throwsAsync(spawn('x => x' as any, [1], onWorker), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('the same source gets one fn id; other context names another', (t) => {
  const a = prepare((x: number) => x + 1, undefined)
  const b = prepare((x: number) => x + 1, undefined)
  t.is(a.entry[0], b.entry[0])
  const c = prepare((x: number) => x + 1, { k: 1 })
  t.not(c.entry[0], a.entry[0])
  t.deepEqual(c.ctx, [1])
})
