// `MemoOptions` (src/memo.rs): read field by field with Node-style errors,
// then `TryFrom` into crates/memo's `Limits`, whose `ConfigError` becomes the
// RangeError naming the bound. The same struct serves the constructor and
// `NativeMemo.shared` (which ignores `name`).
import test from 'ava'

import * as native from '../binding.js'

type Case = [options: unknown, ctor: ErrorConstructor, code: string, message: string]
const type = (name: string, what: string): [ErrorConstructor, string, string] => [TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" argument must be ${what}.`]
const range = (name: string, rule: string, got: string): [ErrorConstructor, string, string] => [
  RangeError,
  'ERR_OUT_OF_RANGE',
  `The value of "${name}" is out of range. It ${rule}. Received ${got}.`,
]
const cases: Case[] = [
  [5, ...type('options', 'of type object')],
  ['x', ...type('options', 'of type object')],
  [{ maxEntries: 'a' }, ...type('options.maxEntries', 'of type number')],
  [{ maxBytes: 'a' }, ...type('options.maxBytes', 'of type number')],
  [{ ttl: 'x' }, ...type('options.ttl', 'of type number')],
  [{ name: 5 }, ...type('options.name', 'of type string')],
  [{ maxEntries: 0 }, ...range('maxEntries', 'must be an integer >= 1 and <= 4294967296', '0')],
  [{ maxEntries: 1.5 }, ...range('maxEntries', 'must be an integer >= 1 and <= 4294967296', '1.5')],
  [{ maxBytes: -1 }, ...range('maxBytes', 'must be an integer >= 1 and <= 9007199254740992', '-1')],
  [{ maxBytes: 2 ** 54 }, ...range('maxBytes', 'must be an integer >= 1 and <= 9007199254740992', '18014398509481984')],
  [{ ttl: -1 }, ...range('ttl', 'must be >= 0 (0 or Infinity: no expiry)', '-1')],
  // Every field's type is read before the bounds are checked.
  [{ maxEntries: 0, ttl: 'x' }, ...type('options.ttl', 'of type number')],
]

test('new NativeMemo and NativeMemo.shared: each bad field of MemoOptions is its own Node-style error', (t) => {
  for (const [i, [o, ctor, code, message]] of cases.entries()) {
    for (const [label, make] of [
      ['new', () => new native.NativeMemo(o as never)],
      ['shared', () => native.NativeMemo.shared(`memo-options-${i}`, o as never)],
    ] as const) {
      const e = t.throws(make, undefined, `${label} ${JSON.stringify(o)}`) as NodeJS.ErrnoException
      t.true(e instanceof ctor, `${label} ${JSON.stringify(o)}`)
      t.is(e.code, code)
      t.is(e.message, message)
    }
  }
})

test('good MemoOptions are accepted (undefined and null mean none) and options.name is kept', (t) => {
  t.is(new native.NativeMemo().name, null)
  t.is(new native.NativeMemo(null as never).name, null)
  t.is(new native.NativeMemo({ name: 'n', ttl: 0, maxBytes: 1 << 20 }).name, 'n')
  t.is(native.NativeMemo.shared('memo-options-good', { maxEntries: 3, maxBytes: 100, ttl: 10 }).name, 'memo-options-good')
  native.NativeMemo.dropShared('memo-options-good')
  for (let i = 0; i < cases.length; i++) native.NativeMemo.dropShared(`memo-options-${i}`)
})
