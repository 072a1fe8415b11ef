import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'

import test from 'ava'

import { parallelMap, parallelMapSync } from '../index.js'

const items: Array<string | Buffer> = [
  '',
  'a',
  'abc',
  'héllo wörld 😀',
  Buffer.from([0, 1, 2, 255]),
  Buffer.alloc(1 << 20, 7),
  ...Array.from({ length: 500 }, (_, i) => `item-${i}-${'x'.repeat(i % 37)}`),
]

test('sha256 equals node:crypto for every item', async (t) => {
  const out = await parallelMap(items, 'sha256')
  t.is(out.length, items.length)
  items.forEach((item, i) => t.deepEqual(out[i], createHash('sha256').update(item).digest()))
})

test('crc32 matches known vectors and zlib', async (t) => {
  const out = await parallelMap(['123456789', ...items], 'crc32')
  t.true(out instanceof Uint32Array)
  t.is(out[0], 0xcbf43926)
  if (typeof crc32 === 'function') items.forEach((item, i) => t.is(out[i + 1], crc32(item)))
})

test('xxh3 matches known vectors', async (t) => {
  const out = await parallelMap(['', 'a', 'abc'], 'xxh3')
  t.true(out instanceof BigUint64Array)
  t.is(out[0], 0x2d06800538d394c2n)
  t.is(out[1], 0xe6c632b61e964e1fn)
  t.is(out[2], 0x78af5f94892f3950n)
})

test('sync and async agree; empty input gives an empty result', async (t) => {
  for (const algo of ['xxh3', 'sha256', 'crc32'] as const) {
    t.deepEqual(parallelMapSync(items, algo as 'xxh3'), await parallelMap(items, algo as 'xxh3'))
    t.is((await parallelMap([], algo as 'xxh3')).length, 0)
  }
})

test('the input may be mutated while the task runs', async (t) => {
  const buf = Buffer.alloc(1 << 22, 1)
  const expected = createHash('sha256').update(buf).digest()
  const h = parallelMap([buf], 'sha256')
  buf.fill(2)
  t.deepEqual((await h)[0], expected)
})

test('bad items reject with ERR_INVALID_ARG_TYPE naming the index', async (t) => {
  const err = await t.throwsAsync(parallelMap(['ok', 5 as never], 'crc32'))
  t.true(err instanceof TypeError)
  t.is((err as NodeJS.ErrnoException).code, 'ERR_INVALID_ARG_TYPE')
  t.regex(err!.message, /input\[1\]/)
  t.throws(() => parallelMapSync([new Float64Array(2) as never], 'crc32'), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('numbers given to a hash op: the message says what hashes take and where numbers go', (t) => {
  const e = t.throws(() => parallelMapSync([1, 2] as never, 'sha256')) as NodeJS.ErrnoException
  t.is(e.name, 'TypeError')
  t.is(e.code, 'ERR_INVALID_ARG_TYPE')
  t.is(
    e.message,
    'The "input[0]" argument must be a string, Buffer or Uint8Array: a hash op takes an array of strings or Buffers (numbers go to a kernel or a Math op).',
  )
})
