// lineChunks(): a byte stream cut into Buffers of whole lines. Checked
// against the source's own bytes (Buffer.concat / Buffer.from of the whole
// text) over random texts, random source chunkings and random bounds, with
// the edge cases: empty input, one byte, '\r\n' and multi-byte characters
// across source chunks, lone surrogates, no line end at all, bad input.

import { Readable } from 'node:stream'

import test from 'ava'

import { lineChunks, mapStream, move } from '../index.js'

async function collect(source: Parameters<typeof lineChunks>[0], opts?: Parameters<typeof lineChunks>[1]): Promise<Buffer[]> {
  const out: Buffer[] = []
  for await (const c of lineChunks(source, opts)) out.push(c)
  return out
}

/** A deterministic generator of test data. */
function rng(seed: number) {
  let s = seed >>> 0
  return (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    return s % n
  }
}

/** Every rule a cut obeys, for chunks cut from `whole` with these bounds. */
function checkCuts(t: import('ava').ExecutionContext, chunks: Buffer[], whole: Buffer, minBytes: number, maxBytes: number, what: string) {
  t.true(Buffer.concat(chunks).equals(whole), `${what}: the chunks are the source's bytes`)
  let at = 0
  chunks.forEach((c, i) => {
    t.true(c.length > 0 && c.length <= maxBytes, `${what}: chunk ${i} of ${c.length} bytes is within (0, maxBytes]`)
    t.is(c.byteOffset, 0, `${what}: chunk ${i} owns its memory`)
    t.is(c.buffer.byteLength, c.length, `${what}: chunk ${i} owns its memory`)
    const last = i === chunks.length - 1
    if (!last) {
      t.is(c[c.length - 1], 0x0a, `${what}: chunk ${i} ends with a line end`)
      if (c.length >= minBytes) t.is(c.indexOf(0x0a, minBytes - 1), c.length - 1, `${what}: chunk ${i} ends at the first line end past minBytes`)
      if (c.length < minBytes) {
        // Short only where reaching the next line end would pass maxBytes.
        const next = whole.indexOf(0x0a, at + c.length)
        t.true(next < 0 || next + 1 - at > maxBytes, `${what}: chunk ${i} is short only because the next line end is past maxBytes`)
      }
    }
    at += c.length
  })
}

test('random texts, chunkings and bounds: the chunks are the bytes, cut after line ends, within the bounds', async (t) => {
  const r = rng(7)
  const alphabet = ['a', 'b', 'é', '€', '😀', '\n', '\n', '\r\n', '\r', ' ']
  for (let round = 0; round < 300; round++) {
    const len = r(400)
    let text = ''
    for (let i = 0; i < len; i++) text += alphabet[r(alphabet.length)]
    const whole = Buffer.from(text, 'utf8')
    const minBytes = 1 + r(40)
    const maxBytes = minBytes + r(60)
    // Cut the bytes anywhere (inside '\r\n' and multi-byte characters too).
    const parts: Buffer[] = []
    for (let i = 0; i < whole.length; ) {
      const n = 1 + r(50)
      parts.push(Buffer.from(whole.subarray(i, i + n)))
      i += n
    }
    let chunks: Buffer[]
    try {
      chunks = await collect(Readable.from(parts), { minBytes, maxBytes })
    } catch (err) {
      // Only a stretch of maxBytes with no line end may fail.
      t.is((err as NodeJS.ErrnoException).code, 'ERR_LINE_TOO_LONG')
      let longest = 0
      for (const line of whole.toString('latin1').split('\n')) longest = Math.max(longest, line.length)
      t.true(longest >= maxBytes, `round ${round}: failed though no stretch of ${maxBytes} bytes lacks a line end`)
      continue
    }
    checkCuts(t, chunks, whole, minBytes, maxBytes, `round ${round}`)
  }
})

test('defaults: 256 KiB chunks from 64 KiB source chunks, as fs reads them', async (t) => {
  const line = 'x'.repeat(99) + '\n'
  const whole = Buffer.from(line.repeat(20_000)) // 2 MB
  const parts: Buffer[] = []
  for (let i = 0; i < whole.length; i += 65_536) parts.push(whole.subarray(i, i + 65_536))
  const chunks = await collect(Readable.from(parts))
  checkCuts(t, chunks, whole, 256 * 1024, 64 * 2 ** 20, 'defaults')
  t.true(chunks.slice(0, -1).every((c) => c.length >= 256 * 1024))
  t.true(chunks.length >= 7 && chunks.length <= 8)
})

test('edge inputs: empty, one byte, no final line end, empty source chunks, one string or Buffer', async (t) => {
  t.deepEqual(await collect(Readable.from([] as Buffer[])), [])
  t.deepEqual(await collect(''), [])
  t.deepEqual(await collect(Buffer.alloc(0)), [])
  t.deepEqual((await collect(Buffer.from('x'))).map(String), ['x'])
  t.deepEqual((await collect('\n')).map(String), ['\n'])
  const mixed = (async function* () {
    yield ''
    yield Buffer.from('ab\n')
    yield new Uint8Array(0)
    yield 'cd'
  })()
  t.deepEqual((await collect(mixed, { minBytes: 1 })).map(String), ['ab\n', 'cd'])
  t.deepEqual((await collect('one\ntwo\nthree', { minBytes: 1 })).map(String), ['one\n', 'two\n', 'three'], 'one source chunk is cut at every line end past minBytes')
  t.deepEqual((await collect('one\ntwo\nthree\n', { minBytes: 5 })).map(String), ['one\ntwo\n', 'three\n'])
  const big = Buffer.from('0123456789\n'.repeat(1000))
  const cuts = await collect(big, { minBytes: 100 })
  t.is(cuts.length, 100, 'one big Buffer comes out in chunks of about minBytes')
  t.true(cuts.every((c) => c.length === 110))
})

test('strings are UTF-8, a surrogate pair split across two strings stays one character, a lone surrogate is U+FFFD as Buffer.from', async (t) => {
  const emoji = '😀'
  const split = [`a${emoji[0]}`, `${emoji[1]}\nb`]
  const got = Buffer.concat(await collect(Readable.from(split, { objectMode: true }), { minBytes: 1 }))
  t.true(got.equals(Buffer.from(`a${emoji}\nb`)))
  const lone = ['x\ud800', 'y\n', '\udc00z', '\ud83d']
  const got2 = Buffer.concat(await collect(Readable.from(lone, { objectMode: true }), { minBytes: 1 }))
  t.true(got2.equals(Buffer.from(lone.join(''))), 'lone surrogates encode as Buffer.from encodes the whole text')
})

test('a chunk can be moved to a worker (its memory is its own) and parsed there', async (t) => {
  const text = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ i, s: 'é'.repeat(i % 7) })).join('\n') + '\n'
  async function* moved() {
    for await (const c of lineChunks(Readable.from([Buffer.from(text)]), { minBytes: 8192 })) yield move(c)
  }
  let sum = 0
  let lines = 0
  for await (const r of mapStream(
    moved(),
    (c: Uint8Array) => {
      const ls = new TextDecoder().decode(c).split('\n').filter((l) => l !== '')
      return [ls.length, ls.reduce((a, l) => a + JSON.parse(l).i, 0)]
    },
    { engine: 'worker' },
  )) {
    const [n, s] = r as [number, number]
    lines += n
    sum += s
  }
  t.is(lines, 5000)
  t.is(sum, (4999 * 5000) / 2)
})

test('no line end within maxBytes: a RangeError with a code, where the chunk starts', async (t) => {
  const err = await t.throwsAsync(collect(Readable.from([Buffer.from('ab\n'), Buffer.from('c'.repeat(20))]), { minBytes: 2, maxBytes: 10 }))
  t.is((err as NodeJS.ErrnoException).code, 'ERR_LINE_TOO_LONG')
  t.true(err instanceof RangeError)
  t.regex(err!.message, /maxBytes \(10\).*byte 3/)
  t.is((err as unknown as { at: number }).at, 3)
})

test('bad arguments: TypeError / RangeError with Node codes, naming the argument', async (t) => {
  t.throws(() => lineChunks(42 as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"source"/ })
  t.throws(() => lineChunks('', 5 as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"options"/ })
  t.throws(() => lineChunks('', { minBytes: 0 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE', message: /options\.minBytes/ })
  t.throws(() => lineChunks('', { minBytes: 1.5 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
  t.throws(() => lineChunks('', { minBytes: '1' as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /options\.minBytes/ })
  t.throws(() => lineChunks('', { minBytes: 10, maxBytes: 9 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE', message: /options\.maxBytes/ })
  const badChunk = (async function* () {
    yield 7
  })()
  await t.throwsAsync(collect(badChunk as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /"source chunk"/ })
  const detached = new Uint8Array(8)
  structuredClone(detached.buffer, { transfer: [detached.buffer] })
  await t.throwsAsync(collect(Readable.from([detached], { objectMode: true })), { code: 'ERR_INVALID_ARG_VALUE', message: /source chunk/ })
})

test('a break out of the loop closes the source', async (t) => {
  const src = Readable.from(
    (function* () {
      for (let i = 0; i < 1000; i++) yield Buffer.from(`line ${i}\n`)
    })(),
  )
  for await (const c of lineChunks(src, { minBytes: 10 })) {
    t.true(c.length >= 10)
    break
  }
  t.true(src.destroyed)
})

test('from worker_threads: each thread cuts its own stream, the same as the main thread', async (t) => {
  const { Worker } = await import('node:worker_threads')
  const { fileURLToPath } = await import('node:url')
  const root = fileURLToPath(new URL('../index.js', import.meta.url))
  const text = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'é'.repeat(i % 5)}`).join('\r\n')
  const here = (await collect(text, { minBytes: 1000 })).map((c) => c.toString('latin1'))
  const code = `
    const { parentPort, workerData } = require('node:worker_threads')
    const { lineChunks } = require(workerData.root)
    ;(async () => {
      const out = []
      for await (const c of lineChunks(workerData.text, { minBytes: 1000 })) out.push(c.toString('latin1'))
      parentPort.postMessage(out)
    })().catch((err) => parentPort.postMessage({ error: String(err) }))
  `
  const results = await Promise.all(
    [1, 2].map(
      () =>
        new Promise<unknown>((resolve, reject) => {
          const w = new Worker(code, { eval: true, workerData: { root, text } })
          w.once('message', resolve)
          w.once('error', reject)
        }),
    ),
  )
  for (const r of results) t.deepEqual(r, here)
  t.true(here.length > 10)
})
