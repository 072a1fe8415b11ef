// The kernel bindings' option structs (`MapOptions`, `SpawnOptions` in
// src/map.rs): each bad field is a Node-style error naming it, read through
// the binding directly (lib/map.js adds nothing to these checks), and good
// options give what plain JS gives.
import test from 'ava'

import * as native from '../binding.js'

const xs = () => [new Float64Array([1, 2, 3])]
type Case = [options: unknown, ctor: ErrorConstructor, code: string, message: string]
const outputs = "'float64', 'float32', 'int32', 'uint32' or 'uint8'"
const chunkRule = 'an integer >= 1 and <= 4294967296'
const cases: Case[] = [
  [5, TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options" argument must be of type object.'],
  [{ output: 5 }, TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.output" argument must be of type string.'],
  [{ output: 'int64' }, TypeError, 'ERR_INVALID_ARG_VALUE', `The "options.output" argument must be ${outputs}. Received 'int64'.`],
  [{ chunkSize: 'a' }, TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.chunkSize" argument must be of type number.'],
  [{ chunkSize: 0 }, RangeError, 'ERR_OUT_OF_RANGE', `The value of "options.chunkSize" is out of range. It must be ${chunkRule}. Received 0.`],
  [{ chunkSize: 2 ** 32 + 1 }, RangeError, 'ERR_OUT_OF_RANGE', `The value of "options.chunkSize" is out of range. It must be ${chunkRule}. Received 4294967297.`],
  [{ params: 5 }, TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.params" argument must be an object of numbers and arrays.'],
  [{ params: { a: 'x' } }, TypeError, 'ERR_INVALID_ARG_TYPE', 'The "options.params.a" argument must be of type number, a numeric TypedArray or an array of numbers.'],
  [{ params: { '1a': 1 } }, TypeError, 'ERR_INVALID_ARG_VALUE', 'The "options.params.1a" argument must be named like a JS identifier.'],
]

test('parallelMapSync: each bad field of MapOptions is its own Node-style error', (t) => {
  for (const [o, ctor, code, message] of cases) {
    const e = t.throws(() => native.parallelMapSync(xs(), 'x => x', o as never), undefined, JSON.stringify(o)) as NodeJS.ErrnoException
    t.true(e instanceof ctor, JSON.stringify(o))
    t.is(e.code, code)
    t.is(e.message, message)
  }
})

test('good MapOptions: output kind, chunkSize and params act like the plain-JS map', (t) => {
  const k = 2.5
  const want = [...xs()[0]].map((x) => x * k + 1)
  const f64 = native.parallelMapSync(xs(), 'x => x * k + 1', { params: { k }, chunkSize: 1 })
  t.true(f64 instanceof Float64Array)
  t.deepEqual([...f64], want)
  const u8 = native.parallelMapSync(xs(), 'x => x * k + 1', { output: 'uint8', params: { k } })
  t.true(u8 instanceof Uint8Array)
  t.deepEqual([...u8], [...Uint8Array.from(want)])
  t.deepEqual([...native.parallelMapSync(xs(), 'x => x', undefined)], [1, 2, 3])
  t.deepEqual([...native.parallelMapSync(xs(), 'x => x', null as never)], [1, 2, 3])
})
