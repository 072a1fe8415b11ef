// The native splitter's option structs (`NativeSplitOptions`, `ChunkOptions`
// in src/split.rs): each bad field is a Node-style error naming it, the same
// through every export that reads the struct; good options act like the
// plain-JS reference. And the async exports copy a Buffer input: mutating or
// detaching it right after the call does not change the result.
import test from 'ava'

import * as native from '../binding.js'
import { countLines, countLinesSync, findAll, findAllSync, split, splitSync } from '../index.js'

type Bad = [options: unknown, ctor: ErrorConstructor, code: string, message: string]

const typeError = (name: string, what: string): [ErrorConstructor, string, string] => [
  TypeError,
  'ERR_INVALID_ARG_TYPE',
  `The "${name}" argument must be ${what}.`,
]
const range = (name: string, rule: string, got: string): [ErrorConstructor, string, string] => [
  RangeError,
  'ERR_OUT_OF_RANGE',
  `The value of "${name}" is out of range. It must be ${rule}. Received ${got}.`,
]
const chunkRule = 'an integer >= 16 and <= 9000000000000000'

const chunkCases: Bad[] = [
  [5, ...typeError('options', 'of type object')],
  ['x', ...typeError('options', 'of type object')],
  [true, ...typeError('options', 'of type object')],
  [{ chunkSize: 'a' }, ...typeError('options.chunkSize', 'of type number')],
  [{ chunkSize: 15 }, ...range('options.chunkSize', chunkRule, '15')],
  [{ chunkSize: 16.5 }, ...range('options.chunkSize', chunkRule, '16.5')],
  [{ chunkSize: 1e16 }, ...range('options.chunkSize', chunkRule, '10000000000000000')],
  [{ chunkSize: NaN }, ...range('options.chunkSize', chunkRule, 'NaN')],
]

const splitCases: Bad[] = [
  ...chunkCases,
  [{ skipEmpty: 1 }, ...typeError('options.skipEmpty', 'of type boolean')],
  [{ trim: 'y' }, ...typeError('options.trim', 'of type boolean')],
  [{ limit: 'a' }, ...typeError('options.limit', 'of type number')],
  [{ limit: -1 }, ...range('options.limit', 'an integer >= 0 and <= 4294967295', '-1')],
  [{ limit: 1.5 }, ...range('options.limit', 'an integer >= 0 and <= 4294967295', '1.5')],
  [{ limit: 2 ** 32 }, ...range('options.limit', 'an integer >= 0 and <= 4294967295', '4294967296')],
  // Fields are read in declaration order: the first bad one is reported.
  [{ skipEmpty: 1, chunkSize: 1 }, ...typeError('options.skipEmpty', 'of type boolean')],
  [{ limit: -1, trim: 3 }, ...typeError('options.trim', 'of type boolean')],
]

function throwsLike(t: import('ava').ExecutionContext, f: () => unknown, [, ctor, code, message]: Bad, label: string) {
  const e = t.throws(f, undefined, label) as NodeJS.ErrnoException
  t.true(e instanceof ctor, `${label}: ${e?.constructor?.name}`)
  t.is(e.code, code, label)
  t.is(e.message, message, label)
}

const text = 'a,b,,c, d ,e'

test('splitSync: each bad field of NativeSplitOptions is its own Node-style error (string and Buffer input)', (t) => {
  for (const c of splitCases) {
    const label = JSON.stringify(c[0])
    throwsLike(t, () => native.splitSync(text, ',', c[0] as never), c, `string ${label}`)
    throwsLike(t, () => native.splitSync(Buffer.from(text), ',', c[0] as never), c, `buffer ${label}`)
  }
})

test('countLinesSync and findAllSync: each bad field of ChunkOptions is its own Node-style error', (t) => {
  for (const c of chunkCases) {
    const label = JSON.stringify(c[0])
    throwsLike(t, () => native.countLinesSync('a\nb\n', c[0] as never), c, `countLines ${label}`)
    throwsLike(t, () => native.findAllSync(text, [','], c[0] as never), c, `findAll ${label}`)
  }
})

test('good native options act like String.prototype.split + trim + filter + slice', (t) => {
  const pieces = (o: Uint32Array | Float64Array) => {
    const out: string[] = []
    for (let i = 0; i < o.length; i += 2) out.push(text.slice(o[i], o[i + 1]))
    return out
  }
  const ref = (o: { skipEmpty?: boolean; trim?: boolean; limit?: number }) => {
    let v = text.split(',')
    if (o.trim) v = v.map((s) => s.trim())
    if (o.skipEmpty) v = v.filter((s) => s.length > 0)
    return o.limit === undefined ? v : v.slice(0, o.limit)
  }
  for (const o of [undefined, null, {}, { skipEmpty: true }, { trim: true, skipEmpty: true }, { limit: 0 }, { limit: 2, chunkSize: 16 }]) {
    const got = pieces(native.splitSync(text, ',', (o ?? undefined) as never))
    t.deepEqual(got, ref(o ?? {}), JSON.stringify(o))
  }
  t.is(native.countLinesSync('a\nb\nc', { chunkSize: 16 }), 'a\nb\nc'.split('\n').length)
  t.deepEqual([...native.findAllSync(text, [','], { chunkSize: 16 }).offsets], [...text.matchAll(/,/g)].map((m) => m.index))
})

test('the async exports copy a Buffer input: filling and detaching it after the call changes nothing', async (t) => {
  const line = 'alpha,beta,gamma\n'
  const original = line.repeat(50_000)
  const fresh = () => {
    const buf = new Uint8Array(new ArrayBuffer(original.length))
    buf.set(Buffer.from(original, 'latin1'))
    return buf
  }
  const clobber = (buf: Uint8Array<ArrayBuffer>) => {
    buf.fill(0x2c) // every byte a ','
    structuredClone(buf.buffer, { transfer: [buf.buffer] }) // detaches it
  }
  const a = fresh()
  const splitting = split(a, '\n', { output: 'offsets' })
  clobber(a)
  const b = fresh()
  const counting = countLines(b)
  clobber(b)
  const c = fresh()
  const finding = findAll(c, [','])
  clobber(c)
  const offsets = (await splitting) as Uint32Array
  t.is(offsets.length / 2, original.split('\n').length)
  t.is(offsets[1], line.length - 1)
  t.is(await counting, 50_000)
  t.deepEqual([...(await finding).offsets].slice(0, 4), [5, 10, line.length + 5, line.length + 10])
  t.is((await finding).offsets.length, 100_000)
})

test('the sync twins refuse task options instead of ignoring them', (t) => {
  const cases: Array<[string, (o: object) => unknown, string]> = [
    ['splitSync', (o) => splitSync('a,b', ',', o as never), 'split(input, delimiter, { KEY })'],
    ['countLinesSync', (o) => countLinesSync('a\nb', o as never), 'countLines(input, { KEY })'],
    ['findAllSync', (o) => findAllSync('ab', ['a'], o as never), 'findAll(input, patterns, { KEY })'],
  ]
  const why: Record<string, string> = {
    signal: 'a synchronous call cannot be cancelled',
    timeout: 'a synchronous call cannot be cancelled, so it cannot time out',
    pool: 'a synchronous call runs on the default pool',
  }
  for (const [name, call, async] of cases) {
    for (const [key, value] of Object.entries({ signal: new AbortController().signal, timeout: 5, pool: {} })) {
      t.throws(() => call({ [key]: value }), {
        instanceOf: TypeError,
        code: 'ERR_INVALID_ARG_VALUE',
        message: `The "options.${key}" option cannot be used with ${name}: ${why[key]}. Use the async ${async.replace('KEY', key)}, which returns a TaskHandle.`,
      })
    }
    // Absent (undefined/null) task options are fine, and the call still works.
    t.notThrows(() => call({ signal: undefined, timeout: null }))
  }
})
