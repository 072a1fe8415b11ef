/**
 * The worker engine (issue 17) against the real peers, each with its own
 * worker file under benchmark/workers/ (piscina, tinypool, workerpool), all
 * with as many threads as the machine has cores:
 *
 * 1. trivial round trip with 100k tasks in flight (µs per task);
 * 2. one task at a time (p50 / p99 latency, µs);
 * 3. CPU-heavy JS over objects: parse and transform 200k JSON records, and a
 *    regex-heavy access-log job (ratio to a single-thread loop and to each
 *    peer), each with a ceiling row: plain threads that hold their share of
 *    the input already, so that nothing crosses a thread while timed (the
 *    machine's limit for the job, which no pool can beat);
 * 4. `parallelMap` over 1M small objects with a cheap function (ratio to a
 *    plain `.map`, ns per item).
 *
 * Every contender runs the same code (benchmark/workers/jobs.cjs). Peers get
 * their best form for bulk work: the input cut into chunks by hand, one task
 * per chunk. Rows of napi-parallel's worker engine are skipped (with a note)
 * while the engine is not built into this checkout.
 *
 * Sizes: BENCH_INFLIGHT (default 100000), BENCH_RECORDS (default 200000),
 * BENCH_SMALL (default 1000000); BENCH_ROWS picks rows (inflight,latency,records,log,small)
 * and runs them in this process; without it each row runs in a child process of its own.
 */
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

import { Piscina } from 'piscina'

import * as np from '../index.js'

import { compare, median, type CompareOptions, type Contender } from './harness.ts'
import { chunks, makeLogLines, makeRecords, makeSmall } from './workers/data.ts'
import jobs from './workers/jobs.cjs'

/** The worker-engine part of the API (issue 17), looked up at run time so that this file runs before it exists. */
interface WorkerApi {
  parallel<F extends (...a: never[]) => unknown>(fn: F, opts?: object): (...a: Parameters<F>) => PromiseLike<Awaited<ReturnType<F>>>
  spawn<A extends unknown[], R>(fn: (...a: A) => R, args: A, opts?: object): PromiseLike<Awaited<R>>
  parallelMap<T, R>(items: T[], fn: (item: T, i: number) => R, opts?: object): PromiseLike<R[]>
}
const api = np as unknown as Partial<WorkerApi>
const engine: WorkerApi | null = typeof api.parallel === 'function' ? (api as WorkerApi) : null

const THREADS = os.availableParallelism()
const IN_FLIGHT = Number(process.env.BENCH_INFLIGHT ?? 100_000)
const SEQUENTIAL = 400
/**
 * Tasks each contender runs one at a time before the recorded rounds: the
 * steady state is what is measured. Every pool's dispatch path (and this
 * one's, on the main thread and in its workers) runs 2-4x slower until V8
 * has optimized it: with 200 warm-up tasks the first rounds read 30-50 µs.
 */
const WARM_TASKS = Number(process.env.BENCH_WARM ?? 5000)
const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000)
const SMALL = Number(process.env.BENCH_SMALL ?? 1_000_000)
/** Forces the worker engine where `auto` could pick the JIT (the trivial identity over numbers is a kernel). */
const WORKER = { engine: 'worker' } as const

const here = (file: string) => new URL(`./workers/${file}`, import.meta.url)

/**
 * The slice of tinypool's and workerpool's APIs used here. Their own typings
 * need the DOM lib (`Worker`, `WorkerOptions`), which this project's tsconfig
 * leaves out, so they are imported through a specifier TypeScript does not resolve.
 */
interface TinypoolLike {
  run(task: unknown, opts: { name: string }): Promise<unknown>
  destroy(): Promise<void>
}
interface WorkerpoolLike {
  exec(method: string, args: unknown[]): PromiseLike<unknown>
  terminate(): PromiseLike<unknown>
}
interface Peers {
  piscina: Piscina
  tinypool: TinypoolLike
  workerpool: WorkerpoolLike
}

async function startPeers(): Promise<Peers> {
  const load = (name: string) => import(name) as Promise<Record<string, unknown>>
  const { Tinypool } = (await load('tinypool')) as { Tinypool: new (o: object) => TinypoolLike }
  const wp = await load('workerpool')
  const workerpool = (wp.default ?? wp) as { pool: (script: string, o: object) => WorkerpoolLike }
  return {
    piscina: new Piscina({ filename: here('piscina.mjs').href, minThreads: THREADS, maxThreads: THREADS }),
    tinypool: new Tinypool({ filename: here('tinypool.mjs').href, minThreads: THREADS, maxThreads: THREADS }),
    workerpool: workerpool.pool(here('workerpool.cjs').pathname, { minWorkers: THREADS, maxWorkers: THREADS, workerType: 'thread' }),
  }
}

/**
 * The ceiling contender of a bulk row: THREADS plain worker_threads, each
 * given its share of `input` (every THREADS-th element) before the timed
 * rounds; a run has each compute over its share in place (benchmark/workers/preloaded.cjs).
 * Nothing crosses a thread while timed, so no pool can be faster: the
 * distance to it is what a pool's transport and scheduling cost.
 * Its result is `undefined` (`sameAll` skips it).
 */
async function ceiling(job: 'records' | 'log', input: unknown[]): Promise<{ contender: Contender; close: () => Promise<unknown> }> {
  const workers = Array.from({ length: THREADS }, () => new Worker(here('preloaded.cjs')))
  await Promise.all(
    workers.map((w, k) => {
      w.postMessage({ share: { job, input: input.filter((_, i) => i % THREADS === k) } })
      return once(w, 'message')
    }),
  )
  const expected = input.length
  return {
    contender: {
      name: `ceiling: ${THREADS} threads, input already in each (nothing crosses a thread)`,
      run: async () => {
        const counts = await Promise.all(
          workers.map((w) => {
            w.postMessage('run')
            return once(w, 'message')
          }),
        )
        const n = counts.reduce((a, [c]) => a + (c as number), 0)
        if (n !== expected) throw new Error(`ceiling: ${n} items computed, want ${expected}`)
        return undefined
      },
    },
    close: () => Promise.all(workers.map((w) => w.terminate())),
  }
}

/** `compare` with the job's ceiling contender last (its threads closed afterwards). */
async function compareWithCeiling(job: 'records' | 'log', input: unknown[], title: string, contenders: Contender[], opts: CompareOptions): Promise<void> {
  const top = await ceiling(job, input)
  try {
    await compare(title, [...contenders, top.contender], opts)
  } finally {
    await top.close()
  }
}

const usPerTask = (n: number) => (ms: number) => ({ 'µs/task': +((ms * 1000) / n).toFixed(2) })
const skipped = (what: string) => console.log(`(napi-parallel worker engine rows of "${what}" skipped: parallel/spawn/parallelMap for any JS function are not in this build)`)

async function inFlight(p: Peers): Promise<void> {
  const batch = (make: (i: number) => PromiseLike<unknown>) => async () => {
    const all = new Array<PromiseLike<unknown>>(IN_FLIGHT)
    for (let i = 0; i < IN_FLIGHT; i++) all[i] = make(i)
    const values = await Promise.all(all)
    return values[IN_FLIGHT - 1]
  }
  const contenders: Contender[] = [
    { name: 'piscina', run: batch((i) => p.piscina.run(i, { name: 'trivial' })) },
    { name: 'tinypool', run: batch((i) => p.tinypool.run(i, { name: 'trivial' })) },
    { name: 'workerpool', run: batch((i) => p.workerpool.exec('trivial', [i])) },
  ]
  if (engine) {
    const echo = engine.parallel(jobs.trivial<number>, WORKER)
    contenders.push(
      { name: 'napi-parallel parallel(fn)(i)', run: batch((i) => echo(i)) },
      { name: 'napi-parallel spawn(fn, [i])', run: batch((i) => engine.spawn(jobs.trivial<number>, [i], WORKER)) },
    )
  } else skipped('trivial, 100k in flight')
  await compare(`trivial task, ${IN_FLIGHT / 1000}k in flight`, contenders, {
    rounds: 3,
    warmup: 1,
    settleMs: 200,
    extra: usPerTask(IN_FLIGHT),
    check: (rs) => rs.forEach((r) => assertEq(r, IN_FLIGHT - 1, 'trivial')),
  })
}

/** One task at a time: every task's latency, interleaved rounds of SEQUENTIAL tasks per contender. */
async function oneAtATime(p: Peers): Promise<void> {
  const contenders: Array<{ name: string; one: (i: number) => PromiseLike<unknown> }> = [
    { name: 'piscina', one: (i) => p.piscina.run(i, { name: 'trivial' }) },
    { name: 'tinypool', one: (i) => p.tinypool.run(i, { name: 'trivial' }) },
    { name: 'workerpool', one: (i) => p.workerpool.exec('trivial', [i]) },
  ]
  if (engine) {
    const echo = engine.parallel(jobs.trivial<number>, WORKER)
    contenders.push({ name: 'napi-parallel parallel(fn)(i)', one: (i) => echo(i) })
  } else skipped('one at a time')
  const lat: number[][] = contenders.map(() => [])
  const round = async (k: number, record: boolean, tasks = SEQUENTIAL) => {
    const c = contenders[k]
    for (let i = 0; i < tasks; i++) {
      const t0 = performance.now()
      const v = await c.one(i)
      const dt = performance.now() - t0
      if (v !== i) throw new Error(`${c.name}: wrong result ${String(v)} for ${i}`)
      if (record) lat[k].push(dt * 1000)
    }
  }
  for (let k = 0; k < contenders.length; k++) await round(k, false, WARM_TASKS)
  const rounds = 5
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < contenders.length; j++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      await round((j + r) % contenders.length, true)
    }
  }
  const rows = contenders.map((c, k) => {
    const s = [...lat[k]].sort((a, b) => a - b)
    return {
      name: c.name,
      'p50 µs': +median(s).toFixed(1),
      'p99 µs': +s[Math.floor(s.length * 0.99)].toFixed(1),
      'mean µs': +(s.reduce((a, b) => a + b, 0) / s.length).toFixed(1),
    }
  })
  console.log(`\n## one task at a time (${rounds} interleaved rounds of ${SEQUENTIAL} tasks each, after ${WARM_TASKS} warm-up tasks per contender)`)
  console.table(rows)
}

async function records(p: Peers): Promise<void> {
  const lines = makeRecords(RECORDS)
  const parts = chunks(lines, 1000)
  const flat = async (ps: PromiseLike<unknown>[]) => ((await Promise.all(ps)) as unknown[][]).flat()
  const contenders: Contender[] = [
    { name: 'single thread: lines.map(transformRecord)', run: () => lines.map(jobs.transformRecord) },
    { name: 'piscina, chunks of 1000', run: () => flat(parts.map((c) => p.piscina.run(c, { name: 'records' }))) },
    { name: 'tinypool, chunks of 1000', run: () => flat(parts.map((c) => p.tinypool.run(c, { name: 'records' }))) },
    { name: 'workerpool, chunks of 1000', run: () => flat(parts.map((c) => p.workerpool.exec('records', [c]))) },
  ]
  if (engine) contenders.push({ name: 'napi-parallel parallelMap(lines, transformRecord)', run: () => engine.parallelMap(lines, jobs.transformRecord) })
  else skipped('JSON records')
  await compareWithCeiling('records', lines, `parse + transform ${RECORDS / 1000}k JSON records (~420 bytes each)`, contenders, {
    rounds: 3,
    warmup: 1,
    settleMs: 200,
    check: sameAll('records'),
    extra: (ms) => ({ 'µs/record': +((ms * 1000) / RECORDS).toFixed(2) }),
  })
}

async function logJob(p: Peers): Promise<void> {
  const lines = makeLogLines(RECORDS, 7)
  const parts = chunks(lines, 2000)
  const contenders: Contender[] = [
    { name: 'single thread: chunks.map(analyzeLog)', run: () => parts.map(jobs.analyzeLog) },
    { name: 'piscina', run: () => Promise.all(parts.map((c) => p.piscina.run(c, { name: 'log' }))) },
    { name: 'tinypool', run: () => Promise.all(parts.map((c) => p.tinypool.run(c, { name: 'log' }))) },
    { name: 'workerpool', run: () => Promise.all(parts.map((c) => p.workerpool.exec('log', [c]))) },
  ]
  if (engine) {
    const analyze = engine.parallel(jobs.analyzeLog)
    contenders.push(
      { name: 'napi-parallel parallel(analyzeLog)(chunk)', run: () => Promise.all(parts.map((c) => analyze(c))) },
      { name: 'napi-parallel parallelMap(chunks, analyzeLog)', run: () => engine.parallelMap(parts, jobs.analyzeLog) },
    )
  } else skipped('regex log job')
  await compareWithCeiling('log', parts, `regex-heavy log job: ${RECORDS / 1000}k access-log lines in chunks of 2000`, contenders, {
    rounds: 3,
    warmup: 1,
    settleMs: 200,
    check: sameAll('log'),
    extra: (ms) => ({ 'µs/line': +((ms * 1000) / RECORDS).toFixed(2) }),
  })
}

async function smallObjects(p: Peers): Promise<void> {
  const items = makeSmall(SMALL)
  const parts = chunks(items, 10_000)
  const contenders: Contender[] = [
    { name: 'items.map(cheap)', run: () => items.map(jobs.cheap) },
    { name: 'piscina, chunks of 10k (by hand)', run: async () => ((await Promise.all(parts.map((c) => p.piscina.run(c, { name: 'cheap' })))) as unknown[][]).flat() },
  ]
  if (engine) contenders.push({ name: 'napi-parallel parallelMap(items, cheap)', run: () => engine.parallelMap(items, jobs.cheap) })
  else skipped('1M small objects')
  await compare(`parallelMap over ${SMALL / 1e6}M small objects, cheap fn (o.a * 2 + o.b)`, contenders, {
    rounds: 3,
    warmup: 1,
    settleMs: 200,
    check: sameAll('small'),
    extra: (ms) => ({ 'ns/item': +((ms * 1e6) / SMALL).toFixed(1) }),
  })
}

function assertEq(a: unknown, b: unknown, what: string): void {
  if (a !== b) throw new Error(`${what}: ${String(a)} !== ${String(b)}`)
}

/** Every contender's result must serialize the same as the first's (the ceiling's, `undefined`, is checked by its own count). */
const sameAll = (what: string) => (results: unknown[]) => {
  const ref = JSON.stringify(results[0])
  results.forEach((r, k) => {
    if (r !== undefined && JSON.stringify(r) !== ref) throw new Error(`${what}: contender ${k} disagrees with the single-thread result`)
  })
}

const ROWS = ['inflight', 'latency', 'records', 'log', 'small']

/**
 * A full run measures each row in a process of its own (same node, same
 * flags): a row leaves heaps and GC work behind in every pool, and the next
 * row's contenders paid for it unevenly (after the records row the
 * single-thread log loop ran 0.42 s instead of 0.29, the peers' rounds
 * 5-10% slower and napi-parallel's 10-25%). BENCH_ROWS runs the rows it
 * names in this process.
 */
function rowsInChildren(): void {
  const file = fileURLToPath(import.meta.url)
  for (const row of ROWS) {
    const r = spawnSync(process.execPath, [...process.execArgv, file], { stdio: 'inherit', env: { ...process.env, BENCH_ROWS: row } })
    if (r.status !== 0) throw new Error(`benchmark/workers.ts row ${row} failed (${r.status ?? r.signal})`)
  }
}

export async function main(): Promise<void> {
  if (process.env.BENCH_ROWS === undefined) {
    console.log(`each row in its own process (${ROWS.join(', ')}); BENCH_ROWS=a,b runs rows in one`)
    rowsInChildren()
    return
  }
  const [load1] = os.loadavg()
  console.log(`${THREADS} threads per pool; load average ${load1.toFixed(2)} at start; worker engine ${engine ? 'present' : 'absent'}`)
  const p = await startPeers()
  try {
    const only = (process.env.BENCH_ROWS ?? ROWS.join(',')).split(',')
    if (only.includes('inflight')) await inFlight(p)
    if (only.includes('latency')) await oneAtATime(p)
    if (only.includes('records')) await records(p)
    if (only.includes('log')) await logJob(p)
    if (only.includes('small')) await smallObjects(p)
  } finally {
    await Promise.all([p.piscina.destroy(), p.tinypool.destroy(), p.workerpool.terminate()])
  }
  console.log(`load average ${os.loadavg()[0].toFixed(2)} at end`)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
