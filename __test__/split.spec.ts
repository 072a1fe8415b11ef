// The splitter against plain JS: String.prototype.split, RegExp alternation
// and a RegExp exec loop are the references, never the splitter itself.
import test from 'ava'
import fc from 'fast-check'

import { countLines, countLinesSync, findAll, findAllSync, split, splitSync } from '../index.js'

type Delims = string | string[]

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const regexOf = (d: Delims) => new RegExp((Array.isArray(d) ? d : [d]).map(escape).join('|'), 'g')
const list = (d: Delims) => (Array.isArray(d) ? d : [d])

/** `[start, end, …]` of the pieces of `text` split at the matches of `re` (a plain exec loop). */
function refOffsets(text: string, re: RegExp): number[] {
  const out: number[] = []
  let prev = 0
  re.lastIndex = 0
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push(prev, m.index)
    prev = m.index + m[0].length
  }
  out.push(prev, text.length)
  return out
}

/** The same in byte offsets of UTF-8: latin1 maps each byte to one char. */
function refByteOffsets(text: string, d: Delims): number[] {
  const bytes = Buffer.from(text, 'utf8').toString('latin1')
  const re = new RegExp(list(d).map((x) => escape(Buffer.from(x, 'utf8').toString('latin1'))).join('|'), 'g')
  return refOffsets(bytes, re)
}

interface Opts {
  skipEmpty?: boolean
  trim?: boolean
  limit?: number
}

/** The JS reference of split with options: split, then trim, then drop empties, then limit. */
function refSplit(text: string, d: Delims, o: Opts = {}): string[] {
  let v = Array.isArray(d) ? text.split(new RegExp(d.map(escape).join('|'))) : text.split(d)
  if (o.trim) v = v.map((s) => s.trim())
  if (o.skipEmpty) v = v.filter((s) => s.length > 0)
  if (o.limit !== undefined) v = v.slice(0, o.limit)
  return v
}

const pieces = (text: string, o: ArrayLike<number>) => Array.from({ length: o.length / 2 }, (_, i) => text.slice(o[2 * i], o[2 * i + 1]))

const corpus = [
  '',
  ';',
  ';;;',
  ';;;;;',
  ';a',
  'a;',
  'a;b;c',
  'aaaaa',
  'aaaaaa',
  'é;😀;x😀',
  '😀😀;😀',
  ';é;',
  'a\r\nb\r\n\r\n',
  '\r\n\r\n',
  ' a ; b ;\u00a0c\u00a0;\ufeff',
  'x\uD800;y\uDE00z',
  'aa;;aa;;;a',
]
const delimiters: Delims[] = [';', 'aa', [';;', ';'], [';', ';;'], '\r\n', ['\r\n', '\n'], '😀', 'é', ['a', ';', '😀']]

test('strings output equals String.prototype.split on the adversarial corpus', (t) => {
  for (const text of corpus) {
    for (const d of delimiters) {
      for (const chunkSize of [undefined, 16, 17]) {
        t.deepEqual(splitSync(text, d, { chunkSize }), refSplit(text, d), `${JSON.stringify(text)} / ${JSON.stringify(d)}`)
        // A Buffer is decoded as UTF-8, so the reference is buf.toString().split(d).
        const buf = Buffer.from(text, 'utf8')
        t.deepEqual(splitSync(buf, d, { chunkSize }), refSplit(buf.toString(), d))
      }
    }
  }
})

test('offsets are UTF-16 indices for strings and byte offsets for Buffers', (t) => {
  for (const text of corpus) {
    for (const d of delimiters) {
      const o = splitSync(text, d, { output: 'offsets', chunkSize: 16 })
      t.true(o instanceof Uint32Array)
      t.deepEqual([...o], refOffsets(text, regexOf(d)))
      if (!text.includes('\uD800')) {
        t.deepEqual([...splitSync(Buffer.from(text), d, { output: 'offsets', chunkSize: 16 })], refByteOffsets(text, d))
      }
    }
  }
})

test('buffers output is zero-copy views of the input', (t) => {
  const buf = Buffer.from('é;😀;;x', 'utf8')
  const parts = splitSync(buf, [';;', ';'], { output: 'buffers' })
  t.deepEqual(
    parts.map((p) => p.toString()),
    ['é', '😀', 'x'],
  )
  t.true(parts.every((p) => Buffer.isBuffer(p) && p.buffer === buf.buffer))
  const u8 = new Uint8Array(Buffer.from('a;b'))
  t.deepEqual(
    splitSync(u8, ';', { output: 'buffers' }).map((p) => p.toString()),
    ['a', 'b'],
  )
  t.deepEqual(
    splitSync('é;x', ';', { output: 'buffers' }).map((p) => p.toString()),
    ['é', 'x'],
  )
})

test('skipEmpty, trim and limit match split + trim + filter + slice', (t) => {
  const optsList: Opts[] = [
    { skipEmpty: true },
    { trim: true },
    { trim: true, skipEmpty: true },
    { limit: 0 },
    { limit: 1 },
    { limit: 2, skipEmpty: true },
    { limit: 100 },
  ]
  for (const text of corpus) {
    for (const d of delimiters) {
      for (const o of optsList) {
        const want = refSplit(text, d, o)
        const label = `${JSON.stringify(text)} ${JSON.stringify(d)} ${JSON.stringify(o)}`
        t.deepEqual(splitSync(text, d, { ...o, chunkSize: 16 }), want, label)
        // The native scans themselves: UTF-16 offsets of the string, and a Buffer's bytes.
        const off = splitSync(text, d, { ...o, output: 'offsets', chunkSize: 16 })
        t.deepEqual(pieces(text, off), want, label)
        if (!text.includes('\uD800')) t.deepEqual(splitSync(Buffer.from(text), d, { ...o, chunkSize: 16 }), want, label)
      }
    }
  }
})

test('the empty delimiter splits into UTF-16 code units like split("")', (t) => {
  for (const text of ['', 'abc', 'a😀b', ' x ']) {
    t.deepEqual(splitSync(text, ''), text.split(''))
    t.deepEqual(splitSync(Buffer.from(text), ''), text.split(''))
    t.deepEqual(splitSync(text, '', { limit: 2 }), text.split('', 2))
    const perUnit = Array.from({ length: text.length }, (_, i) => [i, i + 1]).flat()
    t.deepEqual([...splitSync(text, '', { output: 'offsets' })], perUnit)
  }
  t.deepEqual(splitSync(' x ', '', { trim: true, skipEmpty: true }), ['x'])
  const err = t.throws(() => splitSync(Buffer.from('ab'), '', { output: 'offsets' }))
  t.is((err as NodeJS.ErrnoException).code, 'ERR_INVALID_ARG_VALUE')
  t.throws(() => splitSync('ab', [';', '']), { code: 'ERR_INVALID_ARG_VALUE', message: /delimiter\[1\]/ })
})

test('non-overlapping matches across chunk boundaries: aa in aaaaa…', (t) => {
  for (let n = 0; n < 70; n++) {
    const text = 'a'.repeat(n)
    t.deepEqual(splitSync(text, 'aa', { chunkSize: 16 }), text.split('aa'), `n=${n}`)
    t.deepEqual(splitSync(text, ['aaa', 'aa'], { chunkSize: 17 }), text.split(/aaa|aa/), `n=${n}`)
    t.deepEqual([...findAllSync(text, ['aa'], { chunkSize: 16 }).offsets], refOffsets(text, /aa/g).filter((_, i) => i % 2 === 1).slice(0, -1))
  }
})

test('multi-MB input whose delimiters straddle every chunk boundary', (t) => {
  const MB = 1 << 20
  const size = 4 * MB
  const chars = Buffer.alloc(size, 'x'.charCodeAt(0))
  // '<SEP>' starting 2 bytes before every 1 MiB boundary, and near every 16-byte one.
  for (let at = MB - 2; at + 5 <= size; at += MB) chars.write('<SEP>', at, 'latin1')
  for (let at = 13; at + 5 <= size; at += 4096 + 16) chars.write('<SEP>', at, 'latin1')
  const text = chars.toString('latin1')
  const want = text.split('<SEP>')
  t.deepEqual(splitSync(chars, '<SEP>'), want)
  t.deepEqual(splitSync(text, '<SEP>'), want)
  t.deepEqual(splitSync(chars, ['<SEP>', '<S', 'P>'], { chunkSize: 16 }), text.split(/<SEP>|<S|P>/))
  t.deepEqual([...splitSync(chars, '<SEP>', { output: 'offsets', chunkSize: 16 })], refOffsets(text, /<SEP>/g))
})

test('multi-MB UTF-8 and astral text with small chunks', async (t) => {
  const line = 'héllo 😀 wörld\r\n€;;;x\n'
  const text = line.repeat(60_000)
  for (const d of ['\r\n', ';;', '😀', ['\r\n', '\n'], [';;', ';']] as Delims[]) {
    const want = refSplit(text, d)
    t.deepEqual(splitSync(text, d, { chunkSize: 1000 }), want)
    t.deepEqual(pieces(text, splitSync(text, d, { output: 'offsets', chunkSize: 1000 })), want)
    t.deepEqual(await split(Buffer.from(text), d, { chunkSize: 999 }), want)
  }
})

test('property: random strings over a small alphabet equal the JS reference', (t) => {
  const alphabet = ['a', ';', '\n', '\r', 'é', '😀', ' ', '\uD83D']
  const delimPool = ['a', ';', ';;', 'a;', '\r\n', '\n', '😀', 'aa', ';a;']
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(...alphabet), { maxLength: 300 }).map((a) => a.join('')),
      fc.array(fc.constantFrom(...delimPool), { minLength: 1, maxLength: 3 }),
      fc.record({ skipEmpty: fc.boolean(), trim: fc.boolean(), limit: fc.option(fc.nat(6), { nil: undefined }) }),
      fc.integer({ min: 16, max: 64 }),
      (text, ds, o, chunkSize) => {
        const d: Delims = ds.length === 1 ? ds[0] : ds
        const got = splitSync(text, d, { ...o, chunkSize })
        const want = refSplit(text, d, o)
        if (JSON.stringify(got) !== JSON.stringify(want)) return false
        const utf16 = pieces(text, splitSync(text, d, { ...o, output: 'offsets', chunkSize }))
        if (JSON.stringify(utf16) !== JSON.stringify(want)) return false
        const buf = Buffer.from(text)
        if (JSON.stringify(splitSync(buf, d, { ...o, chunkSize })) !== JSON.stringify(refSplit(buf.toString(), d, o))) return false
        if (!text.includes('\uD83D')) {
          const offsets = [...splitSync(buf, d, { output: 'offsets', chunkSize })]
          if (JSON.stringify(offsets) !== JSON.stringify(refByteOffsets(text, d))) return false
        }
        return true
      },
    ),
    { numRuns: 400 },
  )
  t.pass()
})

test('async split equals sync and returns a TaskHandle', async (t) => {
  const text = 'a,b,,c\n'.repeat(100_000)
  const h = split(text, ',')
  t.is(typeof h.id, 'number')
  t.deepEqual(await h, splitSync(text, ','))
  t.is(h.status, 'done')
  t.deepEqual([...(await split(Buffer.from(text), ',', { output: 'offsets' }))], [...splitSync(Buffer.from(text), ',', { output: 'offsets' })])
  t.deepEqual(
    (await split(text, ',', { output: 'buffers' })).map((b) => b.toString()),
    text.split(','),
  )
})

test('an aborted signal rejects with AbortError', async (t) => {
  const ac = new AbortController()
  ac.abort('stop')
  const err = await t.throwsAsync(split('a,b', ',', { signal: ac.signal }))
  t.is(err?.name, 'AbortError')
})

test('countLines counts \\n plus an unterminated last line', async (t) => {
  const ref = (s: string) => (s === '' ? 0 : s.split('\n').length - (s.endsWith('\n') ? 1 : 0))
  const cases: Array<[string, number]> = [
    ['', 0],
    ['a', 1],
    ['a\n', 1],
    ['a\nb', 2],
    ['\n\n', 2],
    ['a\r\nb\r\n', 2],
    ['a\rb', 1],
    ['😀\n\u0a00', 2],
  ]
  for (const [s, n] of cases) {
    t.is(ref(s), n)
    t.is(countLinesSync(s), n)
    t.is(countLinesSync(Buffer.from(s)), n)
    t.is(await countLines(s), n)
  }
  const big = 'some log line with text\n'.repeat(200_000) + 'tail'
  t.is(await countLines(Buffer.from(big)), ref(big))
  t.is(countLinesSync(big, { chunkSize: 16 }), ref(big))
})

test('findAll reports leftmost-first matches and the pattern index', async (t) => {
  const texts = [...corpus, 'say hello, help, he, hell'.repeat(50)]
  const pats = [[';;', ';'], [';', ';;'], ['aa'], ['😀', 'é'], ['hell', 'hello', 'he', 'help']]
  for (const text of texts) {
    for (const p of pats) {
      // Reference: a capturing alternation; the group that matched is the pattern index.
      const re = new RegExp(p.map((x) => `(${escape(x)})`).join('|'), 'g')
      const offsets: number[] = []
      const which: number[] = []
      for (const m of text.matchAll(re)) {
        offsets.push(m.index ?? -1)
        which.push(m.slice(1).findIndex((g) => g !== undefined))
      }
      const got = findAllSync(text, p, { chunkSize: 16 })
      t.deepEqual([...got.offsets], offsets)
      t.deepEqual([...got.patterns], which)
      const gotAsync = await findAll(Buffer.from(text), p)
      t.is(gotAsync.offsets.length, offsets.length)
      t.deepEqual([...gotAsync.patterns], which)
    }
  }
})

test('wrong types and values throw Node-style errors naming the argument', async (t) => {
  const bad: Array<[() => unknown, string, RegExp, typeof TypeError | typeof RangeError]> = [
    [() => splitSync(42 as never, ','), 'ERR_INVALID_ARG_TYPE', /"input"/, TypeError],
    [() => splitSync('a', 42 as never), 'ERR_INVALID_ARG_TYPE', /"delimiter"/, TypeError],
    [() => splitSync('a', [',', 1] as never), 'ERR_INVALID_ARG_TYPE', /"delimiter\[1\]"/, TypeError],
    [() => splitSync('a', []), 'ERR_INVALID_ARG_VALUE', /"delimiter"/, TypeError],
    [() => splitSync('a', ',', { output: 'nope' as never }), 'ERR_INVALID_ARG_VALUE', /"options.output"/, TypeError],
    [() => splitSync('a', ',', { limit: -1 }), 'ERR_OUT_OF_RANGE', /"options.limit"/, RangeError],
    [() => splitSync('a', ',', { limit: 1.5 }), 'ERR_OUT_OF_RANGE', /"options.limit"/, RangeError],
    [() => splitSync('a', ',', { chunkSize: 8 }), 'ERR_OUT_OF_RANGE', /"options.chunkSize"/, RangeError],
    [() => splitSync('a', ',', { skipEmpty: 'yes' as never }), 'ERR_INVALID_ARG_TYPE', /"options.skipEmpty"/, TypeError],
    [() => splitSync('a', ',', 5 as never), 'ERR_INVALID_ARG_TYPE', /"options"/, TypeError],
    [() => splitSync(Buffer.from('a'), '\uD800', { output: 'offsets' }), 'ERR_INVALID_ARG_VALUE', /lone surrogate/, TypeError],
    [() => countLinesSync({} as never), 'ERR_INVALID_ARG_TYPE', /"input"/, TypeError],
    [() => findAllSync('a', [] as never), 'ERR_INVALID_ARG_VALUE', /"patterns"/, TypeError],
    [() => findAllSync('a', ['']), 'ERR_INVALID_ARG_VALUE', /"patterns"/, TypeError],
  ]
  for (const [fn, code, message, ctor] of bad) {
    t.throws(fn, { instanceOf: ctor, code, message })
  }
  await t.throwsAsync(split(42 as never, ','), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  await t.throwsAsync(countLines(null as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' })
  await t.throwsAsync(findAll('a', ['a'], { chunkSize: 1 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' })
})
