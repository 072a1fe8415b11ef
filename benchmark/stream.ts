/**
 * mapStream(): a log pipeline over JSON access logs read from a Readable (64
 * KiB chunks, like fs). Issue 18's bar, >= 1.8x the serial loop, is the
 * bytes pipeline: line-aligned chunks of >= 1 MiB (`lineChunks`) are moved (`move()`,
 * no copy) to workers that decode, split, parse and summarise them, and the
 * summaries are merged on the main thread. Baselines in the same process: a
 * serial for-await loop over `lines()` (one line per iteration, what most
 * code does) and one over the same chunks. Also: the string-batch pipeline
 * (`splitStream` batches -> `summarise` in workers), the per-line pipeline
 * (`lines()` -> parse one line in workers, `chunkSize: 'auto'`), a table of
 * what each stage costs per line on one thread with the 2-core bound it
 * implies, and the memory bound with a slow consumer (how far ahead of the
 * consumer the source was pulled).
 */
import { availableParallelism } from 'node:os'
import { Readable } from 'node:stream'
import v8 from 'node:v8'

import { lineChunks, lines, mapStream, move, splitStream } from '../index.js'

import { compare, median } from './harness.ts'

const LINES = Number(process.env.STREAM_LINES ?? 200_000)
const CHUNK = 64 * 1024
/**
 * The bytes pipeline's chunks: big enough that a chunk's fixed cost (a task,
 * a wake-up of the main thread that preempts a worker, a result) is small next
 * to its ~8 ms of parsing. Measured here (probe medians of 8 rounds): 256 KiB
 * 1.61-1.68x, 512 KiB 1.71x, 1 MiB 1.75-1.79x, 2 MiB 1.68x (the last chunk's
 * tail on one worker grows).
 */
const BIG_CHUNK = 1024 * 1024

type Summary = { count: number; bytes: number; errors: number; slow: number; byStatus: Record<string, number>; byPath: Record<string, number> }

/** A deterministic log: one JSON object per line. */
function makeLog(n: number): Buffer {
  const paths = ['/api/users', '/api/orders', '/static/app.js', '/api/search', '/health', '/api/cart']
  const statuses = [200, 200, 200, 201, 304, 404, 500]
  const out: string[] = []
  let s = 12345
  const r = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s
  }
  for (let i = 0; i < n; i++) {
    const path = paths[r() % paths.length]
    out.push(
      JSON.stringify({
        ts: new Date(1_764_000_000_000 + i * 37).toISOString(),
        method: r() % 5 === 0 ? 'POST' : 'GET',
        url: `${path}?id=${r() % 10000}&q=${(r() % 1e6).toString(36)}`,
        status: statuses[r() % statuses.length],
        bytes: r() % 50_000,
        ms: (r() % 2000) / 10,
        ua: `Mozilla/5.0 (X11; Linux x86_64) client/${r() % 100}`,
      }),
    )
  }
  return Buffer.from(out.join('\n') + '\n')
}

/** Parses and summarises a batch of lines (self-contained: it runs on workers). */
function summarise(batch: string[]): Summary {
  const sum: Summary = { count: 0, bytes: 0, errors: 0, slow: 0, byStatus: {}, byPath: {} }
  for (const line of batch) {
    if (line === '') continue
    const e = JSON.parse(line) as { url: string; status: number; bytes: number; ms: number; ts: string }
    const url = new URL(e.url, 'http://x')
    const day = Date.parse(e.ts)
    if (!Number.isFinite(day)) continue
    sum.count++
    sum.bytes += e.bytes
    if (e.status >= 500) sum.errors++
    if (e.ms > 150 && /^\/api\//.test(url.pathname)) sum.slow++
    sum.byStatus[e.status] = (sum.byStatus[e.status] ?? 0) + 1
    sum.byPath[url.pathname] = (sum.byPath[url.pathname] ?? 0) + 1
  }
  return sum
}

/**
 * The same parse and summary over a line-aligned chunk of the log (bytes):
 * the worker decodes and splits it, so the main thread only cuts chunks.
 * Self-contained, as a worker function must be.
 */
function summariseChunk(chunk: Uint8Array): Summary {
  const sum: Summary = { count: 0, bytes: 0, errors: 0, slow: 0, byStatus: {}, byPath: {} }
  const text = new TextDecoder().decode(chunk)
  for (const line of text.split('\n')) {
    if (line === '') continue
    const e = JSON.parse(line) as { url: string; status: number; bytes: number; ms: number; ts: string }
    const url = new URL(e.url, 'http://x')
    const day = Date.parse(e.ts)
    if (!Number.isFinite(day)) continue
    sum.count++
    sum.bytes += e.bytes
    if (e.status >= 500) sum.errors++
    if (e.ms > 150 && /^\/api\//.test(url.pathname)) sum.slow++
    sum.byStatus[e.status] = (sum.byStatus[e.status] ?? 0) + 1
    sum.byPath[url.pathname] = (sum.byPath[url.pathname] ?? 0) + 1
  }
  return sum
}

/** One line's fields (self-contained: it runs on workers); null for an empty line or a bad date. */
function parseLine(line: string): [status: number, bytes: number, slow: number, path: string] | null {
  if (line === '') return null
  const e = JSON.parse(line) as { url: string; status: number; bytes: number; ms: number; ts: string }
  const url = new URL(e.url, 'http://x')
  if (!Number.isFinite(Date.parse(e.ts))) return null
  return [e.status, e.bytes, e.ms > 150 && /^\/api\//.test(url.pathname) ? 1 : 0, url.pathname]
}

/** Adds one parsed line to a summary (the main thread's share of the per-line pipeline). */
function addLine(sum: Summary, r: ReturnType<typeof parseLine>) {
  if (r === null) return
  const [status, bytes, slow, path] = r
  sum.count++
  sum.bytes += bytes
  if (status >= 500) sum.errors++
  sum.slow += slow
  sum.byStatus[status] = (sum.byStatus[status] ?? 0) + 1
  sum.byPath[path] = (sum.byPath[path] ?? 0) + 1
}

function merge(into: Summary, s: Summary) {
  into.count += s.count
  into.bytes += s.bytes
  into.errors += s.errors
  into.slow += s.slow
  for (const [k, v] of Object.entries(s.byStatus)) into.byStatus[k] = (into.byStatus[k] ?? 0) + v
  for (const [k, v] of Object.entries(s.byPath)) into.byPath[k] = (into.byPath[k] ?? 0) + v
  return into
}

const empty = (): Summary => ({ count: 0, bytes: 0, errors: 0, slow: 0, byStatus: {}, byPath: {} })

function source(log: Buffer) {
  const chunks: Buffer[] = []
  for (let i = 0; i < log.length; i += CHUNK) chunks.push(log.subarray(i, i + CHUNK))
  return Readable.from(chunks)
}

/** Median ms of `rounds` runs of `run` (after one warm-up). */
async function timed(run: () => unknown, rounds = 5): Promise<number> {
  await run()
  const ts: number[] = []
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now()
    await run()
    ts.push(performance.now() - t0)
  }
  return median(ts)
}

/**
 * What each stage costs per line on one thread (µs), and the best a
 * pipeline can do on this machine's cores when the main thread's stages and
 * the workers' share the same cores: the serial loop runs main + parse on
 * one core; the parallel one needs `main` on the JS thread and
 * `main + copy + parse` of CPU in all, so it takes at least
 * max(main, (main + copy + parse) / cores).
 */
async function costTable(log: Buffer) {
  const batches: string[][] = []
  for await (const b of splitStream(source(log), '\n', { batchLines: 2048 })) batches.push(b)
  const flat = batches.flat()
  const n = flat.length
  const us = (ms: number) => (ms * 1000) / n
  const linesMs = await timed(async () => {
    let k = 0
    for await (const line of lines(source(log))) k += line.length
    return k
  })
  const batchesMs = await timed(async () => {
    let k = 0
    for await (const b of splitStream(source(log), '\n', { batchLines: 2048 })) k += b.length
    return k
  })
  const stepMs = await timed(async () => {
    async function* pass() {
      for (const l of flat) yield l
    }
    let k = 0
    for await (const l of pass()) k += l.length
    return k
  })
  const parseMs = await timed(() => {
    const total = empty()
    for (const b of batches) merge(total, summarise(b))
    return total
  })
  const parseLineMs = await timed(() => {
    const total = empty()
    for (const l of flat) addLine(total, parseLine(l))
    return total
  })
  const parsed = flat.map(parseLine)
  const addMs = await timed(() => {
    const total = empty()
    for (const r of parsed) addLine(total, r)
    return total
  })
  const serMs = await timed(() => {
    for (const b of batches) v8.serialize(b)
  })
  const bufs = batches.map((b) => v8.serialize(b))
  const deserMs = await timed(() => {
    for (const b of bufs) v8.deserialize(b)
  })
  const cores = availableParallelism()
  const row = (stage: string, ms: number, where: string) => ({ stage, 'µs/line': +us(ms).toFixed(2), where })
  console.log(`\n## what each stage costs per line, one thread (${n} lines, median of 5)`)
  console.table([
    row('lines(): read + split, one for-await step per line', linesMs, 'main'),
    row('splitStream(): read + split, one step per 2048-line batch', batchesMs, 'main'),
    row('one for-await step of an async generator (floor per item)', stepMs, 'main'),
    row('parse + summarise, per batch (summarise)', parseMs, 'worker'),
    row('parse one line (parseLine) + add it to the summary', parseLineMs, 'worker + main'),
    row('add one parsed line to the summary (addLine)', addMs, 'main'),
    row('structured-clone write of the batches (to the workers)', serMs, 'main'),
    row('structured-clone read of the batches', deserMs, 'worker'),
  ])
  // Batch pipeline: main = splitStream + clone write; workers = clone read + summarise.
  const batchMain = us(batchesMs + serMs)
  const batchSerial = us(batchesMs + parseMs)
  const batchBest = Math.max(batchMain, (batchMain + us(deserMs + parseMs)) / cores)
  // Line pipeline: main = lines() + a mapStream step and a consumer step per line + addLine (+ clone of the lines and results, ~ the batch clone).
  const lineSerial = us(linesMs + parseLineMs)
  const lineMain = us(linesMs + 2 * stepMs + addMs + serMs)
  const lineBest = Math.max(lineMain, (lineMain + us(deserMs + parseLineMs - addMs)) / cores)
  console.log(
    `bound on ${cores} cores: batch pipeline serial ${batchSerial.toFixed(2)} µs/line, parallel >= ${batchBest.toFixed(2)} (at most ${(batchSerial / batchBest).toFixed(2)}x); ` +
      `line pipeline serial ${lineSerial.toFixed(2)}, parallel >= ${lineBest.toFixed(2)} (at most ${(lineSerial / lineBest).toFixed(2)}x)`,
  )
}

export async function main(): Promise<void> {
  const log = makeLog(LINES)
  /** Every pipeline's rounds: the contenders' summaries must agree; throughput in MB/s. */
  const pipelineOptions = {
    rounds: 5,
    warmup: 1,
    settleMs: 200,
    check: (results: unknown[]) => {
      const [a, ...rest] = results.map((r) => JSON.stringify(r))
      for (const b of rest) if (a !== b) throw new Error(`summaries differ:\n${a}\n${b}`)
    },
    extra: (ms: number) => ({ 'MB/s': +(log.length / 1e6 / (ms / 1000)).toFixed(1) }),
  }
  console.log(`${LINES} lines, ${(log.length / 2 ** 20).toFixed(1)} MiB`)
  await costTable(log)
  const serialEachLine = async () => {
    const total = empty()
    for await (const line of lines(source(log))) addLine(total, parseLine(line))
    return total
  }
  const workerEachLine = async () => {
    const total = empty()
    for await (const r of mapStream(lines(source(log)), parseLine, { chunkSize: 'auto', engine: 'worker' })) addLine(total, r as ReturnType<typeof parseLine>)
    return total
  }
  await compare(
    "log pipeline, one line per item: lines() -> parseLine in workers (chunkSize: 'auto') -> aggregate",
    [
      { name: 'serial for-await over lines(), parseLine each', run: serialEachLine },
      { name: "mapStream(lines(), parseLine, { chunkSize: 'auto' })", run: workerEachLine },
    ],
    pipelineOptions,
  )
  const serialLines = async () => {
    const total = empty()
    for await (const line of lines(source(log))) merge(total, summarise([line]))
    return total
  }
  const serialBatches = async () => {
    const total = empty()
    for await (const batch of splitStream(source(log), '\n', { batchLines: 2048 })) merge(total, summarise(batch))
    return total
  }
  const workers = async () => {
    const total = empty()
    const batches = splitStream(source(log), '\n', { batchLines: 2048 })
    for await (const s of mapStream(batches, summarise, { concurrency: 8, engine: 'worker' })) merge(total, s as Summary)
    return total
  }
  const serialChunks = async () => {
    const total = empty()
    for await (const chunk of lineChunks(source(log), { minBytes: BIG_CHUNK })) merge(total, summariseChunk(chunk))
    return total
  }
  // Each chunk is a fresh Buffer the pipeline never touches again: move() hands it over without a copy.
  const movedChunks = async function* () {
    for await (const chunk of lineChunks(source(log), { minBytes: BIG_CHUNK })) yield move(chunk)
  }
  const workerChunks = async () => {
    const total = empty()
    for await (const s of mapStream(movedChunks(), summariseChunk, { concurrency: 8, engine: 'worker' })) merge(total, s as Summary)
    return total
  }
  await compare(
    `log pipeline (bar: >= 1.8x the serial loop): bytes -> ${BIG_CHUNK / 1024} KiB line-aligned chunks, moved -> decode, split, parse in workers -> aggregate`,
    [
      { name: 'serial for-await over lines(), parseLine each', run: serialEachLine },
      { name: 'serial for-await over the same chunks', run: serialChunks },
      { name: 'mapStream(chunks, summariseChunk) on workers', run: workerChunks },
    ],
    pipelineOptions,
  )
  await compare(
    'log pipeline, string batches: splitStream batches -> parse in workers -> aggregate',
    [
      { name: 'serial for-await over splitStream batches', run: serialBatches },
      { name: 'serial for-await over lines()', run: serialLines },
      { name: 'mapStream(splitStream, summarise) on workers', run: workers },
    ],
    pipelineOptions,
  )
  // Memory bound: a consumer that takes 5 ms per result; count how far the source ran ahead.
  let pulled = 0
  let consumed = 0
  let ahead = 0
  const counted = (async function* () {
    for await (const batch of splitStream(source(log), '\n', { batchLines: 2048 })) {
      pulled++
      yield batch
    }
  })()
  const rss0 = process.memoryUsage().rss
  let rssMax = rss0
  for await (const s of mapStream(counted, summarise, { concurrency: 4, engine: 'worker' })) {
    consumed++
    ahead = Math.max(ahead, pulled - consumed)
    rssMax = Math.max(rssMax, process.memoryUsage().rss)
    void s
    await new Promise((r) => setTimeout(r, 5))
    if (consumed >= 40) break
  }
  console.log(`slow consumer (5 ms per batch of 2048 lines, concurrency 4): source at most ${ahead} batches ahead, RSS +${((rssMax - rss0) / 2 ** 20).toFixed(1)} MiB over ${consumed} batches`)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
