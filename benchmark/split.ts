/**
 * The parallel splitter against V8 and the usual stream splitters, on a
 * ~200 MB log-like text generated in memory (ASCII, ~2.3M lines).
 *
 *   node --import @oxc-node/core/register benchmark/split.ts
 *
 * SPLIT_BENCH_MB sets the size (default 200), SPLIT_BENCH_ROUNDS the rounds (default 3).
 */
import { createReadStream, promises as fsp } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { pipeline } from 'node:stream/promises'
import { Writable } from 'node:stream'

import split2 from 'split2'

import { countLines, countLinesSync, findAll, findAllSync, lines as linesOf, split, splitStream, splitSync } from '../index.js'
import { compare } from './harness.ts'

const LEVELS = ['INFO ', 'WARN ', 'DEBUG', 'ERROR']
const PATHS = ['/api/v1/items', '/api/v1/users/42/orders', '/healthz', '/static/app.js', '/api/v2/search?q=rust+napi']

/** A log-like Buffer of about `mb` MB: varied line lengths, every line ends with \n. */
export function makeLog(mb: number): Buffer {
  const lines: string[] = []
  let size = 0
  for (let i = 0; size < 2 << 20; i++) {
    const ms = (i * 7919) % 1000
    const line = `2026-11-28T06:${String((i >> 6) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(ms).padStart(3, '0')}Z ${LEVELS[i % 4]} [worker-${i % 16}] GET ${PATHS[i % 5]} ${i % 17 ? 200 : 500} ${(i * 31) % 977}ms${i % 9 ? '' : ' user-agent="Mozilla/5.0 (X11; Linux x86_64)"'}\n`
    lines.push(line)
    size += line.length
  }
  const block = Buffer.from(lines.join(''), 'latin1')
  const total = Math.floor((mb * 1e6) / block.length) * block.length
  const out = Buffer.allocUnsafe(total)
  for (let at = 0; at < total; at += block.length) block.copy(out, at)
  return out
}

function indexOfCount(buf: Buffer): number {
  let n = 0
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++
  return buf.length > 0 && buf[buf.length - 1] !== 10 ? n + 1 : n
}

const sameNumbers = (results: unknown[]) => {
  const first = JSON.stringify(results[0])
  results.forEach((r, i) => {
    if (JSON.stringify(r) !== first) throw new Error(`contender ${i} disagrees: ${JSON.stringify(r)} vs ${first}`)
  })
}

export async function main() {
  const mb = Number(process.env.SPLIT_BENCH_MB ?? 200)
  const rounds = Number(process.env.SPLIT_BENCH_ROUNDS ?? 3)
  const t0 = performance.now()
  const buf = makeLog(mb)
  const text = buf.toString('latin1')
  const lines = countLinesSync(buf)
  // The same bytes in a SharedArrayBuffer: async scans read it in place instead of copying.
  const shared = new Uint8Array(new SharedArrayBuffer(buf.length))
  shared.set(buf)
  console.log(`# split benchmark: ${(buf.length / 1e6).toFixed(0)} MB, ${lines} lines, generated in ${(performance.now() - t0).toFixed(0)} ms`)
  const gbps = (ms: number) => ({ 'GB/s': +(buf.length / 1e6 / ms).toFixed(2) })

  await compare(
    'countLines',
    [
      { name: 'Buffer.indexOf loop', run: () => indexOfCount(buf) },
      { name: 'countLinesSync(buf)', run: () => countLinesSync(buf) },
      { name: 'await countLines(buf) (in place during the call)', run: () => countLines(buf) },
      { name: 'await countLines(shared) (in place)', run: () => countLines(shared) },
    ],
    { rounds: rounds + 2, check: sameNumbers, extra: gbps },
  )

  const lengthOf = (r: unknown) => (Array.isArray(r) ? r.length : (r as Uint32Array).length / 2)
  const sameCount = (results: unknown[]) => sameNumbers(results.map(lengthOf))

  await compare(
    'split to offsets vs String.prototype.split',
    [
      { name: "text.split('\\n')", run: () => text.split('\n') },
      { name: "splitSync(buf, offsets)", run: () => splitSync(buf, '\n', { output: 'offsets' }) },
      { name: "await split(buf, offsets) (in place during the call)", run: () => split(buf, '\n', { output: 'offsets' }) },
      { name: "await split(shared, offsets)", run: () => split(shared, '\n', { output: 'offsets' }) },
      { name: "splitSync(text, offsets)", run: () => splitSync(text, '\n', { output: 'offsets' }) },
    ],
    { rounds, check: sameCount, extra: gbps },
  )

  // Several patterns: the async form copies a plain Buffer (the scan costs far more than the copy).
  const patterns = [' GET ', ' 500 ']
  const sameFound = (results: unknown[]) => sameNumbers(results.map((r) => (r as { offsets: Float64Array }).offsets.length))
  await compare(
    'findAll: async vs sync',
    [
      { name: 'findAllSync(buf)', run: () => findAllSync(buf, patterns) },
      { name: 'await findAll(buf) (copies)', run: () => findAll(buf, patterns) },
      { name: 'await findAll(shared) (in place)', run: () => findAll(shared, patterns) },
    ],
    { rounds, check: sameFound, extra: gbps },
  )

  await compare(
    'split to strings vs String.prototype.split',
    [
      { name: "text.split('\\n')", run: () => text.split('\n') },
      { name: 'splitSync(text)', run: () => splitSync(text, '\n') },
      { name: 'await split(text)', run: () => split(text, '\n') },
      {
        // What a native string per piece costs: one C++ string creation per line.
        name: 'offsets + latin1Slice per piece',
        run: () => {
          const o = splitSync(buf, '\n', { output: 'offsets' })
          const out = new Array<string>(o.length >>> 1)
          for (let i = 0, j = 0; i < out.length; i++, j += 2) out[i] = buf.toString('latin1', o[j], o[j + 1])
          return out
        },
      },
      { name: "buf.toString().split('\\n')", run: () => buf.toString('utf8').split('\n') },
      { name: 'splitSync(buf)', run: () => splitSync(buf, '\n') },
    ],
    {
      rounds,
      check: (results) => {
        const [a, b] = results as string[][]
        if (a.length !== b.length || a[1000] !== b[1000] || a[a.length - 2] !== b[b.length - 2]) throw new Error('strings disagree')
        sameCount(results)
      },
      extra: gbps,
    },
  )

  await compare(
    'several delimiters: split to strings vs a RegExp split',
    [
      { name: 'text.split(/ GET | 200 |\\n/)', run: () => text.split(/ GET | 200 |\n/) },
      { name: "splitSync(text, [' GET ', ' 200 ', '\\n'])", run: () => splitSync(text, [' GET ', ' 200 ', '\n']) },
      { name: "buf.toString().split(/ GET | 200 |\\n/)", run: () => buf.toString('utf8').split(/ GET | 200 |\n/) },
      { name: "splitSync(buf, [' GET ', ' 200 ', '\\n'])", run: () => splitSync(buf, [' GET ', ' 200 ', '\n']) },
      { name: "splitSync(buf, [...], offsets)", run: () => splitSync(buf, [' GET ', ' 200 ', '\n'], { output: 'offsets' }) },
    ],
    {
      rounds: Math.max(1, rounds - 1),
      check: (results) => {
        const [a, b, c, d, offsets] = results as [string[], string[], string[], string[], Uint32Array]
        if ([b, c, d].some((x) => x.length !== a.length || x[777] !== a[777]) || offsets.length !== 2 * a.length) throw new Error('strings disagree')
      },
      extra: gbps,
    },
  )

  const file = join(tmpdir(), `napi-parallel-split-bench-${process.pid}.log`)
  await fsp.writeFile(file, buf)
  try {
    const count = (onLines: (n: number) => void) =>
      new Writable({
        objectMode: true,
        write(_line, _enc, cb) {
          onLines(1)
          cb()
        },
      })
    // The floor of one line per `for await` step: a trivial async iterator over pre-made strings
    // (one already-resolved promise per line, nothing else).
    const premade = text.split('\n')
    premade.pop()
    const floor = (): AsyncIterableIterator<string> => {
      let i = 0
      return {
        next: () => Promise.resolve(i < premade.length ? { value: premade[i++], done: false } : { value: undefined, done: true }),
        [Symbol.asyncIterator]() {
          return this
        },
      }
    }
    const rows = await compare(
      'lines() and splitStream vs readline vs split2 (file, 64 KiB reads)',
      [
        {
          name: 'readline',
          run: async () => {
            let n = 0
            for await (const _ of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) n++
            return n
          },
        },
        {
          name: 'split2',
          run: async () => {
            let n = 0
            await pipeline(createReadStream(file), split2(), count((k) => (n += k)))
            return n
          },
        },
        {
          name: 'splitStream',
          run: async () => {
            let n = 0
            for await (const batch of splitStream(createReadStream(file))) n += batch.length
            return n
          },
        },
        {
          name: 'lines() (one line per iteration)',
          run: async () => {
            let n = 0
            for await (const _ of linesOf(createReadStream(file))) n++
            return n
          },
        },
        {
          name: 'floor: for await over pre-made strings (no file, no split)',
          run: async () => {
            let n = 0
            for await (const _ of floor()) n++
            return n
          },
        },
        {
          name: 'splitStream (4 MiB reads)',
          run: async () => {
            let n = 0
            for await (const batch of splitStream(createReadStream(file, { highWaterMark: 4 << 20 }))) n += batch.length
            return n
          },
        },
      ],
      { rounds: Math.max(1, rounds - 1), check: sameNumbers, extra: gbps },
    )
    const ms = (name: string) => rows.find((r) => r.name.startsWith(name))!.medianMs
    const perLine = (t: number) => `${((t * 1e6) / lines).toFixed(0)} ns/line`
    console.log(
      `lines() ${perLine(ms('lines()'))}, splitStream ${perLine(ms('splitStream'))}, floor ${perLine(ms('floor'))}: ` +
        `lines() - splitStream = ${perLine(ms('lines()') - ms('splitStream'))}; lines() / (splitStream + floor) = ${(ms('lines()') / (ms('splitStream') + ms('floor'))).toFixed(2)}`,
    )
  } finally {
    await fsp.rm(file, { force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
