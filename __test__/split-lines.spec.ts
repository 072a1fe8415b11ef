// lines() against readline itself, on the same chunks of the same input.
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'

import test from 'ava'
import fc from 'fast-check'

import { lines, splitStream } from '../index.js'
import { cut } from './helpers.ts'

type Chunk = Buffer | string

/** What readline gives for these chunks (crlfDelay: Infinity, so a `\r\n` split across chunks is one ending). */
async function viaReadline(chunks: Chunk[]): Promise<string[]> {
  const out: string[] = []
  for await (const line of createInterface({ input: Readable.from(chunks, { objectMode: true }), crlfDelay: Infinity })) out.push(line)
  return out
}

async function viaLines(source: Parameters<typeof lines>[0], opts?: Parameters<typeof lines>[1]): Promise<string[]> {
  const out: string[] = []
  for await (const line of lines(source, opts)) {
    const typed: string = line // the element type is string, not string[]
    out.push(typed)
  }
  return out
}

const sample = 'first line\r\nsecond 😀 line\n\nthird é\r\n\r\nlone\rreturn\r\rlast line without newline'

test('1-byte chunks: CRLF, lone CR and multi-byte UTF-8 split across chunks, as readline', async (t) => {
  const chunks = cut(Buffer.from(sample), [1])
  const want = await viaReadline(chunks)
  t.is(want.length, 9) // readline itself: the fixture really has these endings
  t.deepEqual(await viaLines(Readable.from(chunks)), want)
})

test('line-ending edge cases equal readline', async (t) => {
  const cases: Chunk[][] = [
    [],
    [''],
    ['\n'],
    ['\r'],
    ['\r\n'],
    ['a\r', '\nb'], // \r\n across chunks is one ending
    ['a\r', 'b'],
    ['x\n\r'], // a final lone \r ends an empty line
    ['a\r\r'],
    ['no final newline'],
    ['ends with newline\n'],
    ['\n\n\n'],
  ]
  for (const c of cases) t.deepEqual(await viaLines(Readable.from(c, { objectMode: true })), await viaReadline(c), JSON.stringify(c))
  // readline forgets a pending '\r' when an empty chunk comes between it and the '\n' (and reports
  // an extra empty line); an empty chunk changes nothing here.
  t.deepEqual(await viaLines(Readable.from(['a\r', '', '\nb'], { objectMode: true })), ['a', 'b'])
})

test('property: random text, random chunkings, Buffer and string chunks, equal readline', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom('a', 'b', '\n', '\r', 'é', '😀', '\uD800', '\uDC00'), { maxLength: 120 }).map((a) => a.join('')),
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      async (text, sizes, asStrings) => {
        // String chunks keep lone surrogates as they are; Buffers are UTF-8 (a lone surrogate becomes U+FFFD).
        const chunks: Chunk[] = asStrings ? cutString(text, sizes) : cut(Buffer.from(text), sizes)
        const want = await viaReadline(chunks)
        const got = await viaLines(Readable.from(chunks, { objectMode: true }))
        t.deepEqual(got, want)
        t.deepEqual((await batchesFlat(chunks)), want) // splitStream's line mode is the same
      },
    ),
    { numRuns: 300 },
  )
})

function cutString(s: string, sizes: number[]): string[] {
  const out: string[] = []
  for (let at = 0, i = 0; at < s.length; i++) {
    out.push(s.slice(at, at + sizes[i % sizes.length]))
    at += sizes[i % sizes.length]
  }
  return out
}

async function batchesFlat(chunks: Chunk[]): Promise<string[]> {
  const out: string[] = []
  for await (const batch of splitStream(Readable.from(chunks, { objectMode: true }))) out.push(...batch)
  return out
}

test('lone surrogates in a string source come through unchanged', async (t) => {
  const text = 'a\uD800\nb\uDC00c\r\n\uDBFF'
  const got = await viaLines(text)
  t.deepEqual(got, ['a\uD800', 'b\uDC00c', '\uDBFF'])
  t.deepEqual(got, await viaReadline([text]))
})

test('a string or a Buffer is a source too', async (t) => {
  t.deepEqual(await viaLines('a\nb\r\nc'), ['a', 'b', 'c'])
  t.deepEqual(await viaLines(Buffer.from('a\nb\r\nc\n')), ['a', 'b', 'c'])
  t.deepEqual(await viaLines(new Uint8Array([0x61, 0x0d, 0x62])), ['a', 'b'])
  t.deepEqual(await viaLines(''), [])
})

test('a huge line and a big chunk (scanned on the pool) equal readline', async (t) => {
  const huge = 'x'.repeat(3 << 20)
  const text = `start\n${huge}\r\nmid\r${'line 😀\r\n'.repeat(200_000)}end`
  const buf = Buffer.from(text)
  t.true(buf.length > 4 << 20)
  const chunks = [buf.subarray(0, 2_000_001), buf.subarray(2_000_001)]
  const want = await viaReadline(chunks)
  const got = await viaLines(Readable.from(chunks))
  t.is(got.length, want.length)
  t.deepEqual(got, want)
  t.is(got[1].length, huge.length)
})

test('maxLineLength: a longer line throws ERR_LINE_TOO_LONG, a line of exactly that length does not', async (t) => {
  await t.throwsAsync(viaLines(Readable.from(['ok\n', 'x'.repeat(50), '\n']), { maxLineLength: 10 }), {
    instanceOf: RangeError,
    code: 'ERR_LINE_TOO_LONG',
  })
  // A '\r' held back at a chunk's end (it may begin a '\r\n') does not count towards the length.
  t.deepEqual(await viaLines(Readable.from(['1234567890\r', '\n', '12345\r']), { maxLineLength: 10 }), ['1234567890', '12345'])
})

test('next() calls made without awaiting still give the lines in order', async (t) => {
  const it = lines(Readable.from(['a\nb\n', 'c\nd']))
  const results = await Promise.all([it.next(), it.next(), it.next(), it.next(), it.next()])
  t.deepEqual(
    results.map((r) => r.value),
    ['a', 'b', 'c', 'd', undefined],
  )
  t.true(results[4].done)
})

test('breaking out early destroys the source stream', async (t) => {
  const rs = Readable.from(
    (function* () {
      for (let i = 0; ; i++) yield `line ${i}\n`
    })(),
  )
  let seen = 0
  for await (const line of lines(rs)) {
    t.is(line, 'line 0')
    seen++
    break
  }
  t.is(seen, 1)
  if (!rs.destroyed) await once(rs, 'close')
  t.true(rs.destroyed)
})

test('a stream error rejects the iteration', async (t) => {
  async function* failing() {
    yield 'a\nb'
    throw new Error('boom')
  }
  await t.throwsAsync(viaLines(failing()), { message: 'boom' })
})

test('invalid arguments throw at once with codes', (t) => {
  t.throws(() => lines(42 as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"source"/ })
  t.throws(() => lines('a', 5 as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"options"/ })
  t.throws(() => lines('a', { maxLineLength: 0 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => lines('a', { batchLines: 5 } as never), { code: 'ERR_INVALID_ARG_VALUE', message: /batchLines/ })
})

test('a chunk that is neither a string nor a Buffer rejects the iteration with a TypeError', async (t) => {
  await t.throwsAsync(viaLines(Readable.from([{ not: 'a chunk' }]) as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
})

test('a detached Buffer as the source, or as one of its chunks, is a coded TypeError', async (t) => {
  const detached = () => {
    const b = new Uint8Array(8)
    structuredClone(b.buffer, { transfer: [b.buffer] })
    return b
  }
  const expected = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' }
  t.throws(() => lines(detached()), { ...expected, message: /^The "source" argument must not be a view of a detached ArrayBuffer/ })
  t.throws(() => splitStream(detached()), { ...expected, message: /^The "source" argument/ })
  const fromChunks = async () => {
    for await (const _ of lines(Readable.from([Buffer.from('a\n'), detached()], { objectMode: true }))) void _
  }
  await t.throwsAsync(fromChunks, { ...expected, message: /^The "source chunk" argument must not be a view of a detached ArrayBuffer/ })
})
