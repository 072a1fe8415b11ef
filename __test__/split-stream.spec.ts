// splitStream against plain JS: the whole text split with String.prototype.split.
import { once } from 'node:events'
import { createReadStream, promises as fsp } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'

import test from 'ava'
import fc from 'fast-check'

import { splitStream } from '../index.js'
import { cut } from './helpers.ts'

/**
 * Line mode's reference, readline's rule: `\r\n`, `\n` and a lone `\r` each end a line, no empty
 * last line (lines.spec.ts checks the same inputs against readline itself).
 */
function refLines(text: string): string[] {
  const v = text.split(/\r\n|\r|\n/)
  if (v[v.length - 1] === '') v.pop()
  return v
}

async function collect(it: AsyncIterable<string[]>): Promise<{ lines: string[]; batches: string[][] }> {
  const batches: string[][] = []
  for await (const b of it) batches.push(b)
  return { lines: batches.flat(), batches }
}

const sample = 'first line\r\nsecond 😀 line\n\nthird é\r\n\r\nlast line without newline'

test('1-byte chunks: CRLF and multi-byte UTF-8 split across chunks', async (t) => {
  const chunks = cut(Buffer.from(sample), [1])
  const { lines } = await collect(splitStream(Readable.from(chunks)))
  t.deepEqual(lines, refLines(sample))
})

test('an explicit delimiter gives exactly whole.split(delimiter)', async (t) => {
  for (const d of ['\n', '\r\n', '😀', 'ab', 'aba']) {
    for (const text of ['', 'x', sample, 'abababa', 'abaabaaba', `${d}${d}x${d}`]) {
      for (const sizes of [[1], [2, 3], [7]]) {
        const { lines } = await collect(splitStream(Readable.from(cut(Buffer.from(text), sizes)), d))
        t.deepEqual(lines, text.split(d), `${JSON.stringify(text)} / ${JSON.stringify(d)} / ${sizes}`)
      }
    }
  }
})

test('property: random chunkings of random text', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom('a', 'b', '\n', '\r', 'é', '😀'), { maxLength: 200 }).map((a) => a.join('')),
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
      fc.constantFrom(undefined, '\n', '\r\n', 'ab', '😀'),
      fc.integer({ min: 1, max: 4 }),
      async (text, sizes, d, batchLines) => {
        const { lines, batches } = await collect(splitStream(Readable.from(cut(Buffer.from(text), sizes)), d, { batchLines }))
        const want = d === undefined ? refLines(text) : text.split(d)
        return JSON.stringify(lines) === JSON.stringify(want) && batches.every((b) => b.length >= 1 && b.length <= batchLines)
      },
    ),
    { numRuns: 300 },
  )
  t.pass()
})

test('lines longer than a chunk, and string chunks', async (t) => {
  const long = 'x'.repeat(200_000)
  const text = `${long}\nshort\n${long}é${long}\n`
  const { lines } = await collect(splitStream(Readable.from(cut(Buffer.from(text), [1000, 333]))))
  t.deepEqual(lines, refLines(text))
  const strings = text.match(/[\s\S]{1,777}/g) ?? []
  t.deepEqual((await collect(splitStream(Readable.from(strings)))).lines, refLines(text))
})

test('chunks over 1 MB are scanned on the pool and give the same lines', async (t) => {
  const text = 'a log line with some text 😀\r\n'.repeat(120_000)
  const big = Buffer.from(text)
  t.true(big.length > 3 * (1 << 20))
  const { lines } = await collect(splitStream(Readable.from([big.subarray(0, 1_500_001), big.subarray(1_500_001)])))
  t.deepEqual(lines, refLines(text))
})

test('batchLines bounds every batch', async (t) => {
  const text = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n')
  const { lines, batches } = await collect(splitStream(Readable.from([text]), undefined, { batchLines: 64 }))
  t.deepEqual(lines, refLines(text))
  t.true(batches.every((b) => b.length <= 64))
  t.true(batches.length >= 1000 / 64)
})

test('maxLineLength rejects a long line, even an unfinished one', async (t) => {
  const err = await t.throwsAsync(collect(splitStream(Readable.from(['ok\n', 'x'.repeat(50), '\n']), undefined, { maxLineLength: 10 })), {
    instanceOf: RangeError,
  })
  t.is((err as NodeJS.ErrnoException).code, 'ERR_LINE_TOO_LONG')
  // Never ends: the tail alone must trip the limit, without waiting for a newline.
  async function* endless() {
    yield 'ok\n'
    for (;;) yield 'yyyyyyyyyy'
  }
  await t.throwsAsync(collect(splitStream(endless(), undefined, { maxLineLength: 1000 })), { code: 'ERR_LINE_TOO_LONG' })
  t.deepEqual((await collect(splitStream(Readable.from(['1234567890\n']), undefined, { maxLineLength: 10 }))).lines, ['1234567890'])
})

test('a slow consumer: the source is read at most one chunk ahead', async (t) => {
  let produced = 0
  async function* source() {
    for (let i = 0; i < 50; i++) {
      produced++
      yield Buffer.from(`line ${i}\n`)
    }
  }
  let consumed = 0
  let maxAhead = 0
  for await (const batch of splitStream(source())) {
    consumed += batch.length
    maxAhead = Math.max(maxAhead, produced - consumed)
    await new Promise((r) => setTimeout(r, 2))
  }
  t.is(consumed, 50)
  t.true(maxAhead <= 1, `read ahead ${maxAhead}`)
})

test('a slow consumer of a file stream keeps the Readable buffer bounded', async (t) => {
  const file = join(tmpdir(), `split-stream-${process.pid}.txt`)
  const text = 'some line of a file\n'.repeat(200_000) // ~4 MB
  await fsp.writeFile(file, text)
  try {
    const rs = createReadStream(file, { highWaterMark: 64 * 1024 })
    let maxBuffered = 0
    let lines = 0
    for await (const batch of splitStream(rs)) {
      lines += batch.length
      maxBuffered = Math.max(maxBuffered, rs.readableLength)
      if (lines % 20_000 < batch.length) await new Promise((r) => setTimeout(r, 1))
    }
    t.is(lines, 200_000)
    t.true(maxBuffered <= 2 * 64 * 1024, `buffered ${maxBuffered}`)
  } finally {
    await fsp.rm(file, { force: true })
  }
})

test('breaking out early destroys the source stream', async (t) => {
  const rs = Readable.from((function* () {
    for (let i = 0; ; i++) yield `line ${i}\n`
  })())
  for await (const batch of splitStream(rs, undefined, { batchLines: 10 })) {
    t.true(batch.length > 0)
    break
  }
  if (!rs.destroyed) await once(rs, 'close')
  t.true(rs.destroyed)
})

test('invalid arguments throw at once with codes', (t) => {
  t.throws(() => splitStream(42 as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"source"/ })
  t.throws(() => splitStream(Readable.from([]), 5 as never), { code: 'ERR_INVALID_ARG_TYPE', message: /"delimiter"/ })
  t.throws(() => splitStream(Readable.from([]), ''), { code: 'ERR_INVALID_ARG_VALUE' })
  t.throws(() => splitStream(Readable.from([]), undefined, { batchLines: 0 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => splitStream(Readable.from([]), undefined, { maxLineLength: -1 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
})
