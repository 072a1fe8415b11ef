/**
 * Memo vs lru-cache (and a plain Map as the floor).
 *
 *   node --import @oxc-node/core/register benchmark/memo.ts
 *
 * 1. single-thread `get` hit, small string values and small object values;
 * 2. `getMany` per-item cost;
 * 3. hit ratio on a Zipf trace with a one-off scan mixed in, equal capacity;
 * 4. memory: 4 worker_threads sharing one Memo vs 4 each holding an
 *    lru-cache of the same data (RSS, each scenario in a fresh process).
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

import { LRUCache } from 'lru-cache'

import { Memo } from '../index.js'
import { compare } from './harness.ts'

const require = createRequire(import.meta.url)
const INDEX = require.resolve('../index.js')
const LRU_PATH = require.resolve('lru-cache')

const KEYS = 1000
const GETS = 200_000

function makeKeys(): string[] {
  return Array.from({ length: KEYS }, (_, i) => `user:${i * 7919}`)
}

function smallObject(i: number) {
  return { id: i, name: `name-${i}`, active: i % 2 === 0, score: i * 1.5, tags: ['a', 'b'] }
}

async function getHit(label: string, value: (i: number) => unknown, copies = false) {
  const keys = makeKeys()
  const map = new Map<string, unknown>()
  const lru = new LRUCache<string, any>({ max: 10_000 })
  const memo = new Memo({ maxEntries: 10_000 })
  keys.forEach((k, i) => {
    map.set(k, value(i))
    lru.set(k, value(i))
    memo.set(k, value(i))
  })
  const loop = (get: (k: string) => unknown) => () => {
    let last: unknown
    for (let i = 0; i < GETS; i++) last = get(keys[i % KEYS])
    return last
  }
  // Memo returns a copy; for objects the fair references copy too.
  const json = new LRUCache<string, string>({ max: 10_000 })
  keys.forEach((k, i) => json.set(k, JSON.stringify(value(i))))
  const copying = copies
    ? [
        { name: 'lru-cache + structuredClone', run: loop((k) => structuredClone(lru.get(k))) },
        { name: 'lru-cache of JSON + JSON.parse', run: loop((k) => JSON.parse(json.get(k)!)) },
      ]
    : []
  const rows = await compare(
    `get hit, ${label} (${GETS} gets over ${KEYS} keys)`,
    [
      { name: 'lru-cache', run: loop((k) => lru.get(k)) },
      { name: 'Map', run: loop((k) => map.get(k)) },
      { name: 'Memo', run: loop((k) => memo.get(k)) },
      ...copying,
    ],
    {
      rounds: 9,
      warmup: 3,
      check: (r) => r.forEach((x) => assert.deepStrictEqual(x, r[0])),
      extra: (ms) => ({ nsPerGet: +((ms * 1e6) / GETS).toFixed(1) }),
    },
  )
  return rows
}

async function getManyCost() {
  const keys = makeKeys()
  const lru = new LRUCache<string, any>({ max: 10_000 })
  const memo = new Memo({ maxEntries: 10_000 })
  keys.forEach((k, i) => {
    lru.set(k, `value-${i}`)
    memo.set(k, `value-${i}`)
  })
  const reps = 200
  return compare(
    `getMany, ${KEYS} string values per call (x${reps})`,
    [
      {
        name: 'lru-cache loop',
        run: () => {
          let out: unknown[] = []
          for (let r = 0; r < reps; r++) out = keys.map((k) => lru.get(k))
          return out
        },
      },
      {
        name: 'Memo loop of get',
        run: () => {
          let out: unknown[] = []
          for (let r = 0; r < reps; r++) out = keys.map((k) => memo.get(k))
          return out
        },
      },
      {
        name: 'Memo.getMany',
        run: () => {
          let out: unknown[] = []
          for (let r = 0; r < reps; r++) out = memo.getMany(keys)
          return out
        },
      },
    ],
    {
      rounds: 9,
      warmup: 2,
      check: (r) => r.forEach((x) => assert.deepStrictEqual(x, r[0])),
      extra: (ms) => ({ nsPerItem: +((ms * 1e6) / (reps * KEYS)).toFixed(1) }),
    },
  )
}

/** A Zipf(s) trace over `n` keys (seeded), with `scan` one-off keys spliced in the middle. */
function zipfTrace(n: number, s: number, length: number, scan: number): number[] {
  const cdf = new Float64Array(n)
  let acc = 0
  for (let i = 0; i < n; i++) cdf[i] = acc += 1 / (i + 1) ** s
  let seed = 0x9e3779b9
  const rnd = () => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 2 ** 32
  }
  const trace = new Array<number>(length)
  for (let t = 0; t < length; t++) {
    const x = rnd() * acc
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid] < x) lo = mid + 1
      else hi = mid
    }
    trace[t] = lo
  }
  const scanKeys = Array.from({ length: scan }, (_, i) => n + i)
  trace.splice(length >> 1, 0, ...scanKeys)
  return trace
}

function hitRatio() {
  const rows: Record<string, string | number>[] = []
  for (const [capacity, scan] of [
    [1000, 0],
    [1000, 20_000],
    [5000, 50_000],
  ]) {
    const trace = zipfTrace(100_000, 0.9, 300_000, scan)
    const lru = new LRUCache<number, number>({ max: capacity })
    const memo = new Memo({ maxEntries: capacity })
    let lruHits = 0
    let memoHits = 0
    for (const k of trace) {
      if (lru.get(k) !== undefined) lruHits++
      else lru.set(k, k)
      if (memo.get(k) !== undefined) memoHits++
      else memo.set(k, k)
    }
    rows.push({
      capacity,
      scan,
      accesses: trace.length,
      lruHitRatio: +(lruHits / trace.length).toFixed(4),
      memoHitRatio: +(memoHits / trace.length).toFixed(4),
      gain: +(memoHits / lruHits).toFixed(3),
    })
  }
  console.log('\n## hit ratio, Zipf(0.9) over 100k keys, 300k accesses + a one-off scan, equal capacity')
  console.table(rows)
  return rows
}

// ---- memory: one child process per scenario ------------------------------

const ENTRIES = 100_000

function workerCode(kind: string): string {
  return `
const { parentPort, workerData } = require('node:worker_threads')
const { Memo } = require(${JSON.stringify(INDEX)})
const { LRUCache } = require(${JSON.stringify(LRU_PATH)})
const value = (i) => ({ id: i, name: 'name-' + i, tags: ['alpha', 'beta', 'gamma'], score: i * 1.5, text: 'x'.repeat(64) })
let cache
if (${JSON.stringify(kind)} === 'memo') cache = Memo.shared('bench-mem', { maxEntries: ${ENTRIES * 2} })
if (${JSON.stringify(kind)} === 'lru') cache = new LRUCache({ max: ${ENTRIES * 2} })
if (cache) for (let i = 0; i < ${ENTRIES}; i++) cache.set('key:' + i, value(i))
let ok = 0
if (cache) for (let i = 0; i < ${ENTRIES}; i += 97) ok += cache.get('key:' + i).id === i ? 1 : 0
globalThis.gc?.()
parentPort.postMessage(ok)
parentPort.once('message', () => process.exit(0))
`
}

async function memChild(kind: string) {
  const workers = Array.from({ length: 4 }, () => new Worker(workerCode(kind), { eval: true }))
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))))
  globalThis.gc?.()
  await new Promise((r) => setTimeout(r, 200))
  const rss = process.memoryUsage().rss
  workers.forEach((w) => w.postMessage('exit'))
  await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))))
  console.log(JSON.stringify({ rss }))
}

function memory() {
  const self = fileURLToPath(import.meta.url)
  const run = (kind: string) => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', '@oxc-node/core/register', self, '--mem', kind], {
      encoding: 'utf8',
    })
    if (r.status !== 0) throw new Error(`memory child ${kind} failed: ${r.stderr}`)
    return JSON.parse(r.stdout.trim().split('\n').pop()!).rss as number
  }
  const none = run('none')
  const memo = run('memo')
  const lru = run('lru')
  const mb = (b: number) => +(b / 2 ** 20).toFixed(1)
  const rows = [
    { scenario: '4 workers, no cache', rssMB: mb(none), overMB: 0 },
    { scenario: '4 workers, 1 shared Memo', rssMB: mb(memo), overMB: mb(memo - none) },
    { scenario: '4 workers x lru-cache', rssMB: mb(lru), overMB: mb(lru - none) },
  ]
  console.log(`\n## memory: ${ENTRIES} small objects held by 4 worker_threads (RSS, fresh process each)`)
  console.table(rows)
  return rows
}

export async function main() {
  console.log(`node ${process.version}, ${process.platform}-${process.arch}`)
  await getHit('string values', (i) => `value-${i}`)
  await getHit('small object values', smallObject, true)
  await getManyCost()
  hitRatio()
  memory()
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--mem')
  if (at >= 0) await memChild(process.argv[at + 1])
  else await main()
}
