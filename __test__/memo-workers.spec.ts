import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'

import test from 'ava'

import { Memo } from '../index.js'

function run(workerData: Record<string, unknown>): Promise<{ id: number; problems: string[]; reads: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./fixtures/memo-worker.mjs', import.meta.url), { workerData })
    let msg: { id: number; problems: string[]; reads: number } | undefined
    w.on('message', (m) => (msg = m))
    w.on('error', reject)
    w.on('exit', (code) => (code === 0 && msg ? resolve(msg) : reject(new Error(`worker exit ${code}`))))
  })
}

// The same formula as the fixture (kept in sync by hand): the reference.
function ownValue(w: number, i: number) {
  return { w, i, s: `w${w}-${i}`, list: Array.from({ length: (i % 7) + 1 }, (_, j) => j * w), buf: Buffer.from([w, i & 255]) }
}

test('4 worker_threads share one Memo both ways, with no lost or torn values', async (t) => {
  const name = `hammer-${process.pid}`
  const memo = Memo.shared(name, { maxEntries: 100_000 })
  for (let i = 0; i < 100; i++) memo.set(`main:${i}`, { i, from: 'main' })
  const perWorker = 2000
  const results = await Promise.all(
    [0, 1, 2, 3].map((id) => run({ id, name, perWorker, contested: 200, rounds: 20 })),
  )
  for (const r of results) t.deepEqual(r.problems, [], `worker ${r.id}`)
  // worker -> main: every key each worker wrote is here, exactly.
  for (let w = 0; w < 4; w++) {
    for (let i = 0; i < perWorker; i++) assert.deepStrictEqual(memo.get(`w${w}:${i}`), ownValue(w, i))
  }
  // Contested keys hold one writer's whole value.
  for (let j = 0; j < 200; j++) {
    const v = memo.get(`c:${j}`) as { writer: number; j: number; payload: number[] }
    t.is(v.j, j)
    t.deepEqual(v.payload, new Array((j % 10) + 1).fill(v.writer))
  }
  const s = memo.stats()
  t.is(s.size, 100 + 4 * perWorker + 200)
  const reads = results.reduce((a, r) => a + r.reads, 0)
  t.true(s.hits + s.misses >= reads + 100 * 4)
  // The same name gives the same cache here too.
  t.is(Memo.shared(name).size, s.size)
  t.true(Memo.dropShared(name))
})

test('terminating a worker mid-hammer leaves the shared Memo whole', async (t) => {
  const name = `terminate-${process.pid}`
  const memo = Memo.shared(name)
  const w = new Worker(new URL('./fixtures/memo-worker.mjs', import.meta.url), { workerData: { id: 9, name, forever: true } })
  await new Promise((resolve) => w.once('message', resolve))
  await new Promise((resolve) => setTimeout(resolve, 50))
  await w.terminate()
  let seen = 0
  for (let i = 0; i < 1000; i++) {
    const v = memo.get(`f:${i}`) as { i: number; payload: number[] } | undefined
    if (v === undefined) continue
    seen++
    t.is(v.i % 1000, i)
    t.deepEqual(v.payload, [v.i, v.i])
  }
  t.true(seen > 0)
  memo.set('after', 1)
  t.is(memo.get('after'), 1)
  Memo.dropShared(name)
})
